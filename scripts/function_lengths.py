#!/usr/bin/env python3
"""Lists the longest C++ functions of the project, longest first.

A brace-matching heuristic, not a parser: comments, string and character
literals (raw strings too) and preprocessor lines are blanked out; a `{`
at namespace or class scope whose header (the text since the previous `;`,
`{` or `}`) holds a parameter list opens a function, which ends at its
matching `}`. Lambdas and local classes count toward the function they are
in; TEST bodies count as functions. A function's length is the number of
lines from the first line of its header to its closing brace.

Usage: scripts/function_lengths.py [--top N] [--max LINES] [--no-tests] [PATH...]
  --top N       print the N longest (default 20)
  --max LINES   exit 1 if any function listed is longer than LINES
  --no-tests    leave out *_test.cpp, tests/ and fuzz/
  PATH          files or folders (default: the project's source folders)
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIRS = ["core", "node", "sim", "harness", "faults", "generators", "checker", "model", "bench", "fuzz", "tests"]
EXTENSIONS = (".cpp", ".cc", ".h", ".hpp")


def blank(text):
    """The text with comments, literals and preprocessor lines replaced by
    spaces (newlines kept, so line numbers stay)."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":
            j = i
            while j < n and (text[j] != "\n" or text[j - 1] == "\\"):
                j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        if c == "\n":
            line_start = True
            out.append(c)
            i += 1
            continue
        if not c.isspace():
            line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and i + 1 < n and text[i + 1] == '"' and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i + m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:end]))
            i = end
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator: 1'000'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def classify(header):
    """'namespace', 'type', 'function' or 'other' for the text before a `{`."""
    h = " ".join(header.split())
    h = re.sub(r"^template\s*<.*?>\s*", "", h)
    if re.match(r"^(inline\s+)?namespace\b", h) or re.match(r'^extern\s*""', h):
        return "namespace"
    before_params = h.split("(")[0]
    if re.match(r"^(typedef\s+)?(class|struct|union|enum)\b", h) and "(" not in h.split(":")[0]:
        return "type"
    if "(" not in h:
        return "other"
    # `T x = {`, `auto f = [](...) {` at namespace scope: an initializer.
    if re.search(r"(^|[^=!<>+\-*/%&|^])=($|[^=])", re.sub(r"operator\S*", "", before_params)):
        return "other"
    return "function"


def functions(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    code = blank(text)
    results = []
    stack = []  # kinds of open blocks
    header_start = 0
    i, n = 0, len(code)
    func_start_line = None
    while i < n:
        c = code[i]
        if c == ";" and not any(k == "function" for k in stack):
            header_start = i + 1
        elif c == "{":
            in_function = any(k == "function" for k in stack)
            if in_function:
                stack.append("block")
            else:
                header = code[header_start:i]
                kind = classify(header)
                prev = code[:i].rstrip()[-1:] if code[:i].strip() else ""
                ctor_init = kind == "function" and re.search(r"\)\s*:(?!:)", " ".join(header.split()))
                in_parens = header.count("(") > header.count(")")
                if in_parens or (ctor_init and (prev.isalnum() or prev in "_>")):
                    # Braces inside a parameter list (a default argument
                    # `T x = {}`) or a member initialized with braces in a
                    # constructor's initializer list: part of the header.
                    depth, j = 0, i
                    while j < n:
                        depth += code[j] == "{"
                        depth -= code[j] == "}"
                        if depth == 0:
                            break
                        j += 1
                    i = j + 1
                    continue
                stack.append(kind)
                if kind == "function":
                    first = header_start + (len(header) - len(header.lstrip()))
                    func_start_line = code.count("\n", 0, first) + 1
                    name = " ".join(header.split())
                    name = re.sub(r"\s*\(.*", "", name).split(" ")[-1] if "(" in name else name
                    func_name = name
            header_start = i + 1
        elif c == "}":
            kind = stack.pop() if stack else "other"
            if kind == "function" and func_start_line is not None:
                end_line = code.count("\n", 0, i) + 1
                results.append((end_line - func_start_line + 1, path, func_start_line, func_name))
                func_start_line = None
            if not any(k == "function" for k in stack):
                header_start = i + 1
        i += 1
    return results


def is_test(rel):
    return rel.endswith("_test.cpp") or rel.startswith(("tests/", "fuzz/"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--max", type=int, default=None)
    ap.add_argument("--no-tests", action="store_true")
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    paths = args.paths or [os.path.join(ROOT, d) for d in SOURCE_DIRS if os.path.isdir(os.path.join(ROOT, d))]
    files = []
    for p in paths:
        if os.path.isfile(p):
            files.append(p)
            continue
        for dirpath, _, names in os.walk(p):
            files += [os.path.join(dirpath, f) for f in names if f.endswith(EXTENSIONS)]
    rows = []
    read = 0
    for f in sorted(files):
        rel = os.path.relpath(f, ROOT)
        if args.no_tests and is_test(rel):
            continue
        read += 1
        rows += [(length, rel, line, name) for length, _, line, name in functions(f)]
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    for length, rel, line, name in rows[: args.top]:
        print(f"{length:5d}  {rel}:{line}  {name}")
    print(f"{len(rows)} functions in {read} files; longest {rows[0][0] if rows else 0} lines")
    if args.max is not None and rows and rows[0][0] > args.max:
        sys.exit(1)


if __name__ == "__main__":
    main()
