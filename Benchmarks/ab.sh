#!/usr/bin/env bash
# Two guestpipe binaries on the same sample, alternated (old new old new ...): median wall time,
# peak memory and the median per-round ratio new/old, plus each stage's median from the runs'
# manifest.json. For "no slower than before" checks after a refactoring.
#
# Usage: Benchmarks/ab.sh OLD_BIN NEW_BIN [--rows N] [--days D] [--pairs P] [--policy card|dashboard]
# The sample lives in /tmp/guestpipe-bench-N (made with 'sample --seed 42', shared with grouping.sh).
set -euo pipefail
PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
[[ $# -ge 2 ]] || die "usage: $PROG OLD_BIN NEW_BIN [--rows N] [--days D] [--pairs P] [--policy P]"
OLD=$1; NEW=$2; shift 2
ROWS=1000000; DAYS=7; PAIRS=5; POLICY=card
while [[ $# -gt 0 ]]; do
    case $1 in
        --rows) need_value "$@"; ROWS=$2; shift 2 ;;
        --days) need_value "$@"; DAYS=$2; shift 2 ;;
        --pairs) need_value "$@"; PAIRS=$2; shift 2 ;;
        --policy) need_value "$@"; POLICY=$2; shift 2 ;;
        *) die "unknown option $1" ;;
    esac
done
positive_int --rows "$ROWS"; positive_int --pairs "$PAIRS"
require_tools python3
DIR=/tmp/guestpipe-bench-$ROWS
if [[ ! -d $DIR ]]; then
    note "generating $DIR"
    "$NEW" sample --rows "$ROWS" --days "$DAYS" --seed "$SEED" --out "$DIR" >/dev/null
fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$TMP/key")
for round in $(seq 1 "$PAIRS"); do
    for which in old new; do
        bin=$OLD; [[ $which == new ]] && bin=$NEW
        rm -rf "$TMP/out"
        /usr/bin/time -f '%e %M' -o "$TMP/time" "$bin" run --policy "$POLICY" --input "$DIR" --out "$TMP/out" --id-key-file "$TMP/key"
        echo "$which $(cat "$TMP/time") $(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["timings_seconds"]))' "$TMP/out/manifest.json")" >> "$TMP/results"
        note "round $round $which: $(cat "$TMP/time")"
    done
done
python3 - "$TMP/results" "$OLD" "$NEW" "$ROWS" "$POLICY" <<'PY'
import json, statistics, sys
rows = [line.split(" ", 3) for line in open(sys.argv[1])]
runs = {"old": [], "new": []}
for which, wall, rss, stages in rows:
    runs[which].append((float(wall), int(rss), json.loads(stages)))
med = lambda xs: statistics.median(xs)
print(f"guestpipe run --policy {sys.argv[5]}, {sys.argv[4]} payments, {len(runs['old'])} alternated rounds")
for which, path in (("old", sys.argv[2]), ("new", sys.argv[3])):
    r = runs[which]
    stages = {k: med([s[2][k] for s in r]) for k in r[0][2]}
    print(f"  {which}: {med([x[0] for x in r]):.2f} s, {med([x[1] for x in r]) / 1024:.0f} MiB  ({path})")
    print("       stages: " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
ratios = [n[0] / o[0] for o, n in zip(runs["old"], runs["new"])]
print(f"  new/old wall time, median of per-round ratios: {med(ratios):.3f}")
PY
