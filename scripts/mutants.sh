#!/usr/bin/env bash
# The mutation score of a faultline CI suite: applies each mutant of
# tests/mutants/ alone to a scratch copy of the committed tree, builds that
# faultline-node, runs `faultline ci --suite SUITE` against it, and tables
# per mutant whether the suite caught it (a guaranteed property violated),
# by how many of its runs, and how long the suite took. The mutants are
# bugs written the way real Cassandra and Riak bugs look; they are not the
# seeded bugs of core/bugs.h, which the harness was tuned on.
#
#   scripts/mutants.sh [--suite smoke|full] [--table FILE] [NAME...]
#   scripts/mutants.sh --sim FIRST-LAST [--table FILE] [NAME...]
#                                  each mutant against `faultline sim --seed N`
#                                  for every N in FIRST..LAST (the swarm plans,
#                                  in virtual time, on every core): how many
#                                  plans catch it, not one suite
#   scripts/mutants.sh --seeds FILE [--results DIR] [NAME...]
#                                  the same for the seeds listed in FILE, one a
#                                  line (--results DIR, with either, keeps each
#                                  mutant's "SEED EXIT" lines as DIR/NAME.txt)
#   scripts/mutants.sh --check     only check that every mutant still applies
#
# Run from the repository root after ./dev build (it uses build/bin/faultline
# as the harness). A mutant file (tests/mutants/NAME.mutant) is:
#   what: one line saying what the bug does
#   mirrors: the production bug class it imitates
#   file: path/of/the/file.cpp
#   --- find
#   exact lines of the file (must occur exactly once)
#   --- replace
#   the lines that replace them
set -euo pipefail
cd "$(dirname "$0")/.."

suite=smoke
table=""
check=0
sim=""
seeds_file=""
results=""
names=()
while (($#)); do
  case "$1" in
    --suite) suite="$2"; shift 2 ;;
    --table) table="$2"; shift 2 ;;
    --check) check=1; shift ;;
    --sim) sim="$2"; shift 2 ;;
    --seeds) seeds_file="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    -*) echo "mutants: unknown option $1" >&2; exit 254 ;;
    *) names+=("$1"); shift ;;
  esac
done
if ((${#names[@]} == 0)); then
  for f in tests/mutants/*.mutant; do names+=("$(basename "$f" .mutant)"); done
fi

field() { sed -n "s/^$2: //p" "$1" | head -1; }

# Applies mutant $1 to the tree at $2; fails unless the find block occurs once.
apply_mutant() {
  local mutant="$1" tree="$2" file
  file="$(field "$mutant" file)"
  MUTANT="$mutant" TARGET="$tree/$file" perl -0777 -e '
    open(my $m, "<", $ENV{MUTANT}) or die "cannot read $ENV{MUTANT}\n";
    my $text = do { local $/; <$m> };
    my ($find, $replace) = $text =~ /^--- find\n(.*?)^--- replace\n(.*)\z/sm or die "$ENV{MUTANT}: no --- find / --- replace blocks\n";
    open(my $t, "<", $ENV{TARGET}) or die "cannot read $ENV{TARGET}\n";
    my $src = do { local $/; <$t> };
    my $count = () = $src =~ /\Q$find\E/g;
    die "$ENV{MUTANT}: the find block occurs $count times in $ENV{TARGET} (must be once)\n" if $count != 1;
    $src =~ s/\Q$find\E/$replace/;
    open($t, ">", $ENV{TARGET}) or die "cannot write $ENV{TARGET}\n";
    print $t $src;'
}

# --check: each mutant applies to a copy of its file, and changes it.
if ((check)); then
  scratch="$(mktemp -d /tmp/faultline-mutants-check-XXXXXX)"
  trap 'rm -rf "$scratch"' EXIT
  for name in "${names[@]}"; do
    mutant="tests/mutants/$name.mutant"
    file="$(field "$mutant" file)"
    for key in what mirrors file; do
      [[ -n "$(field "$mutant" "$key")" ]] || { echo "mutants: $mutant has no '$key:' line" >&2; exit 1; }
    done
    mkdir -p "$scratch/$(dirname "$file")"
    cp "$file" "$scratch/$file"
    apply_mutant "$mutant" "$scratch" || exit 1
    if cmp -s "$file" "$scratch/$file"; then echo "mutants: $name changes nothing" >&2; exit 1; fi
    rm -rf "${scratch:?}"/*
  done
  echo "mutants: all ${#names[@]} mutants apply"
  exit 0
fi

[[ -x build/bin/faultline ]] || { echo "mutants: build/bin/faultline missing; run ./dev build first" >&2; exit 254; }


commit="$(git rev-parse --short HEAD)"
work="$(mktemp -d /tmp/faultline-mutants-XXXXXX)"
# Paths relative to the scratch tree, as ./dev makes them relative to the
# checkout: the unchanged sources come from the cache.
export CCACHE_BASEDIR="$work/tree" CCACHE_NOHASHDIR=true
cleanup() {
  git worktree remove --force "$work/tree" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git worktree add --detach -q "$work/tree" HEAD
# The harness is copied, so that rebuilding the checkout meanwhile cannot
# pull it from under a running suite.
cp build/bin/faultline "$work/faultline"
cmake -S "$work/tree" -B "$work/tree/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null

# --sim FIRST-LAST: per mutant (and the clean tree first), the faultline
# binary built with the mutant runs every seed's plan in the simulator.
if [[ -n "$sim" || -n "$seeds_file" ]]; then
  if [[ -n "$sim" ]]; then
    [[ "$sim" =~ ^([0-9]+)-([0-9]+)$ ]] || { echo "mutants: --sim wants FIRST-LAST, got $sim" >&2; exit 254; }
    first="${BASH_REMATCH[1]}" last="${BASH_REMATCH[2]}"
    label="N = $first..$last"
  fi
  if [[ -n "$seeds_file" ]]; then
    label="N in $seeds_file"
    [[ -r "$seeds_file" ]] || { echo "mutants: cannot read --seeds $seeds_file" >&2; exit 254; }
    if grep -qvE '^[0-9]+$' "$seeds_file"; then
      echo "mutants: $seeds_file: every line must be one seed (digits only)" >&2; exit 254
    fi
    cp "$seeds_file" "$work/seeds.txt"
  else
    seq "$first" "$last" >"$work/seeds.txt"
  fi
  plans=$(wc -l <"$work/seeds.txt")
  [[ -z "$results" ]] || mkdir -p "$results"

  rows=()
  caught_total=0
  for name in clean "${names[@]}"; do
    git -C "$work/tree" checkout -q -- .
    what="the node as committed (every plan must be valid)"
    if [[ "$name" != clean ]]; then
      mutant="tests/mutants/$name.mutant"
      [[ -f "$mutant" ]] || { echo "mutants: no $mutant" >&2; exit 254; }
      apply_mutant "$mutant" "$work/tree"
      what="$(field "$mutant" what)"
    fi
    echo "== $name: $what"
    if ! cmake --build "$work/tree/build" --target faultline >"$work/build-$name.log" 2>&1; then
      echo "mutants: $name does not build; see $work/build-$name.log" >&2
      tail -20 "$work/build-$name.log" >&2
      exit 255
    fi
    cp "$work/tree/build/bin/faultline" "$work/faultline-$name"
    start=$(date +%s)
    # One line "SEED EXIT" per plan; exit 1 is a guaranteed property violated.
    xargs -P "$(nproc)" -I{} sh -c \
      '"$0" sim --seed {} --out "$1/{}" >/dev/null 2>&1; echo "{} $?"; rm -rf "$1/{}"' \
      "$work/faultline-$name" "$work/sim-$name" <"$work/seeds.txt" >"$work/sim-$name.txt"
    [[ -z "$results" ]] || sort -n "$work/sim-$name.txt" >"$results/$name.txt"
    seconds=$(( $(date +%s) - start ))
    caught="$(awk '$2 == 1' "$work/sim-$name.txt" | wc -l)"
    unknown="$(awk '$2 == 2' "$work/sim-$name.txt" | wc -l)"
    errors="$(awk '$2 != 0 && $2 != 1 && $2 != 2' "$work/sim-$name.txt" | wc -l)"
    seeds="$(awk '$2 == 1 {print $1}' "$work/sim-$name.txt" | sort -n | head -12 | tr '\n' ' ')"
    if [[ "$name" != clean ]] && ((caught > 0)); then caught_total=$((caught_total + 1)); fi
    echo "$name: $caught of $plans plans invalid, $unknown unknown, $errors other exits, ${seconds} s; first: ${seeds:-none}"
    rows+=("| $name | $caught | $unknown | $errors | $seconds | ${seeds:-} |")
  done
  report() {
    echo "Mutants against \`faultline sim --seed N\`, $label ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, commit $commit): ${caught_total} of ${#names[@]} mutants caught by some plan."
    echo
    echo "| mutant | plans invalid (of $plans) | unknown | other exits | s | first invalid seeds |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
  }
  echo
  report
  if [[ -n "$table" ]]; then report >"$table"; echo "table written to $table"; fi
  exit 0
fi

rows=()
caught_total=0
for name in "${names[@]}"; do
  mutant="tests/mutants/$name.mutant"
  [[ -f "$mutant" ]] || { echo "mutants: no $mutant" >&2; exit 254; }
  git -C "$work/tree" checkout -q -- .
  apply_mutant "$mutant" "$work/tree"
  echo "== mutant $name: $(field "$mutant" what)"
  if ! cmake --build "$work/tree/build" --target faultline-node >"$work/build-$name.log" 2>&1; then
    echo "mutants: $name does not build; see $work/build-$name.log" >&2
    tail -20 "$work/build-$name.log" >&2
    exit 255
  fi
  start=$(date +%s)
  set +e
  output="$("$work/faultline" ci --suite "$suite" --node-bin "$work/tree/build/bin/faultline-node" \
              --out "$work/ci-$name" 2>&1)"
  rc=$?
  set -e
  seconds=$(( $(date +%s) - start ))
  summary="$(grep '^faultline ci: [0-9]* of' <<<"$output" | tail -1 || true)"
  if [[ -z "$summary" ]]; then
    echo "mutants: $name: the suite printed no summary (exit $rc):" >&2
    tail -20 <<<"$output" >&2
  fi
  violated="$(sed -n 's/.* runs, \([0-9]*\) with a guaranteed property violated.*/\1/p' <<<"$summary")"
  errors="$(sed -n 's/.*violated, \([0-9]*\) harness error.*/\1/p' <<<"$summary")"
  failing="$(grep '^FAILED: ' <<<"$output" | sed 's/^FAILED: \([^:]*\):.*/\1/' | tr '\n' ' ' || true)"
  verdict="missed"
  if [[ "${violated:-0}" -gt 0 ]]; then verdict="caught"; caught_total=$((caught_total + 1)); fi
  echo "$summary"
  echo "mutant $name: $verdict by ${violated:-0} run(s), ${errors:-0} harness error(s), exit $rc, ${seconds} s; failing runs: ${failing:-none}"
  rows+=("| $name | $(field "$mutant" what) | $(field "$mutant" mirrors) | $verdict | ${violated:-0} | ${errors:-0} | ${seconds} | ${failing:-} |")
done

report() {
  echo "Mutation score of \`faultline ci --suite $suite\` ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, commit $commit): ${caught_total} of ${#names[@]} mutants caught."
  echo
  echo "| mutant | what | mirrors | result | runs catching | harness errors | s for the suite | catching runs |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
}
echo
report
if [[ -n "$table" ]]; then report >"$table"; echo "table written to $table"; fi
