#!/usr/bin/env python3
"""How the smoke suite's seeds are chosen, reproducibly (docs/ci.md).

  scripts/smoke_select.py survey FIRST-LAST OUT.jsonl [--bugs all|NAME,...]
      runs `faultline sim --seed N` for every N, on the clean node and with
      each seeded bug of core/bugs.h (`--bug NAME`), on every core, and
      writes one JSON line per run: seed, bug ("" for the clean node), exit
      code, the guaranteed properties, the guaranteed properties violated,
      the plan's shape line and its workload length.

  scripts/smoke_select.py select SURVEY.jsonl [--runs 44] [--bug-runs 3]
                                              [--property-runs 8]
      picks seeds greedily from a survey: a seed is eligible only when the
      clean node is valid on it; each pick covers the most still-unmet
      requirements per second of workload:
        - each seeded bug caught (a guaranteed property violated) by
          --bug-runs picked seeds, where the survey has that many;
        - each property guaranteed in --property-runs picked seeds;
        - each shape feature (fault kinds and compositions, key
          distribution, recent reads, value class, routing, read repair,
          quorum, hinted handoff, anti-entropy, gc_grace) in 2 picked seeds.
      Prints the seeds (sorted), what each requirement got, and what stayed
      unmet.

The signal is the seeded bugs, which the harness was built against; the
node mutants of tests/mutants/ are kept out of the choice, so that the
mutation score (scripts/mutants.sh) measures the suite on bugs it was not
chosen for.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUGS = [
    "blocking-repair-early-reply", "digest-ignores-version", "async-repair-when-blocking",
    "hint-deleted-before-ack", "hint-counts-toward-quorum", "hint-replayed-after-gc-grace",
    "merkle-skips-wraparound", "merkle-leaf-off-by-one", "repair-skips-tree-update",
    "tombstone-purged-while-down", "equal-versions-diverge", "sloppy-fallback-counts-primary",
]
PROPERTY_ROW = re.compile(r"^([a-z-]+)\s+(guaranteed|not guaranteed)\s+(held|violated|unknown)\s+(\d+)")


def one_run(binary, seed, bug, scratch):
    out_dir = tempfile.mkdtemp(dir=scratch)
    cmd = [binary, "sim", "--seed", str(seed), "--out", out_dir]
    if bug:
        cmd += ["--bug", bug]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    subprocess.run(["rm", "-rf", out_dir])
    guaranteed, violated, shape = [], [], ""
    for line in p.stdout.splitlines():
        if line.startswith("shape: "):
            shape = line[len("shape: "):]
        m = PROPERTY_ROW.match(line)
        if m and m.group(2) == "guaranteed":
            guaranteed.append(m.group(1))
            if m.group(3) == "violated":
                violated.append(m.group(1))
    if p.returncode not in (0, 1) or not shape:
        sys.stderr.write(f"survey: seed {seed} bug '{bug}' exited {p.returncode}:\n{p.stdout[-2000:]}\n")
    length = re.search(r"/s ([0-9.]+)s ", shape)
    return {"seed": seed, "bug": bug, "exit": p.returncode, "guaranteed": guaranteed, "violated": violated,
            "shape": shape, "seconds": float(length.group(1)) if length else 0.0}


def survey(args):
    m = re.fullmatch(r"(\d+)-(\d+)", args.range)
    if not m:
        sys.exit("survey: the range is FIRST-LAST")
    bugs = [""] + (BUGS if args.bugs == "all" else [b for b in args.bugs.split(",") if b])
    binary = os.environ.get("FAULTLINE", os.path.join(ROOT, "build/bin/faultline"))
    with tempfile.TemporaryDirectory(prefix="faultline-survey-") as scratch, open(args.out, "w") as out:
        jobs = [(s, b) for s in range(int(m.group(1)), int(m.group(2)) + 1) for b in bugs]
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            for done, row in enumerate(pool.map(lambda j: one_run(binary, j[0], j[1], scratch), jobs), 1):
                out.write(json.dumps(row) + "\n")
                if done % 50 == 0:
                    print(f"survey: {done} of {len(jobs)} runs", file=sys.stderr, flush=True)


def features(shape):
    """The shape line's features a smoke suite should span (generators/plan_shape.cpp)."""
    f = set()
    parts = [p.strip() for p in shape.split("|")]
    for p in parts:
        words = p.split()
        if not words:
            continue
        if words[0] == "keys":
            f.add("keys " + words[2])
            f.add("recent reads" if any(w.startswith("recent") for w in words) else "no recent reads")
        elif words[0] == "values":
            v = words[1]
            f.add("values " + ("bare" if v == "bare" else "large" if "MiB" in v else "sized"))
        elif words[0] == "routing":
            f.add(p)
        elif words[0] == "faults":
            if words[1] == "0":
                f.add("no faults")
            for w in words[2:]:
                for kind in w.split("+"):
                    f.add("fault " + re.sub(r"\(\d+\)", "", kind))
        elif words[0] == "rr":
            f.add("rr " + words[1])
            if "digest" in words:
                f.add("digest reads")
            f.add("hh " + words[words.index("hh") + 1])
            f.add("quorum " + words[-1])
        elif words[0] == "gc_grace":
            f.add("gc_grace " + ("short" if int(words[1]) < 60000 else "long"))
            f.add("ae " + words[3])
    return f


def select(args):
    rows = [json.loads(line) for line in open(args.survey)]
    clean = {r["seed"]: r for r in rows if r["bug"] == ""}
    eligible = sorted(s for s, r in clean.items() if r["exit"] == 0)
    catches = {}  # seed -> seeded bugs it catches
    for r in rows:
        if r["bug"] and r["seed"] in clean and r["exit"] == 1 and r["violated"]:
            catches.setdefault(r["seed"], set()).add(r["bug"])
    bugs = sorted({r["bug"] for r in rows if r["bug"]})
    # Requirement -> how many picks it needs, capped by how many eligible seeds offer it.
    offers = {}
    for s in eligible:
        reqs = {"bug " + b for b in catches.get(s, ())}
        reqs |= {"guaranteed " + p for p in clean[s]["guaranteed"]}
        reqs |= features(clean[s]["shape"])
        offers[s] = reqs
    need = {}
    for s in eligible:
        for q in offers[s]:
            want = args.bug_runs if q.startswith("bug ") else args.property_runs if q.startswith("guaranteed ") else 2
            need[q] = want
    for q in need:
        need[q] = min(need[q], sum(q in offers[s] for s in eligible))
    got = {q: 0 for q in need}
    picked = []
    while len(picked) < args.runs:
        def gain(s):
            return sum(1 for q in offers[s] if got[q] < need[q])
        best = max((s for s in eligible if s not in picked),
                   key=lambda s: (gain(s) / (clean[s]["seconds"] + 2.0), -s), default=None)
        if best is None or gain(best) == 0:
            break
        picked.append(best)
        for q in offers[best]:
            got[q] += 1
    print("seeds:", " ".join(str(s) for s in sorted(picked)))
    print(f"{len(picked)} runs, {sum(clean[s]['seconds'] for s in picked):.1f} s of workload in all")
    for q in sorted(need):
        mark = "" if got[q] >= need[q] else "   (unmet)"
        print(f"  {q:40s} {got[q]:3d} of {need[q]} wanted{mark}")
    missing = [b for b in bugs if not any(b in catches.get(s, ()) for s in eligible)]
    if missing:
        print("seeded bugs no surveyed seed catches:", ", ".join(missing))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("survey")
    a.add_argument("range")
    a.add_argument("out")
    a.add_argument("--bugs", default="all")
    a.set_defaults(fn=survey)
    b = sub.add_parser("select")
    b.add_argument("survey")
    b.add_argument("--runs", type=int, default=44)
    b.add_argument("--bug-runs", type=int, default=3)
    b.add_argument("--property-runs", type=int, default=8)
    b.set_defaults(fn=select)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
