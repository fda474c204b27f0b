#!/usr/bin/env bash
# commit_cost.sh: what a stateful run's commit and id_changes stage cost (issue #13, the
# membership snapshot behind id-change kinds).
#
#   Benchmarks/commit_cost.sh [--rows N] [--days D] [--seed S] [BIN...]
#
# For each BIN (default .build/release/guestpipe), on `guestpipe sample --rows N --days D`
# (default 1000000, 7; kept in /tmp/guestpipe-commit-N-Dd): builds a state from the first D-1
# exports, then a nightly run adds the last one. Prints per run the wall time, the commit time
# (state.sqlite's last write minus the published manifest.json's mtime: the commit is the only
# step after publishing), the id_changes stage (manifest timings) and the state and snapshot
# sizes. Not a unit test: a measurement; run it with nothing else on the machine and alternate
# the binaries (give them in turn, several times) to compare.
set -euo pipefail
ROWS=1000000 DAYS=7 SEED=42 BINS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --rows) ROWS=$2; shift 2;;
        --days) DAYS=$2; shift 2;;
        --seed) SEED=$2; shift 2;;
        -h|--help) sed -n '2,14p' "$0"; exit 0;;
        *) BINS+=("$1"); shift;;
    esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
(( ${#BINS[@]} > 0 )) || BINS=("$ROOT/.build/release/guestpipe")
for bin in "${BINS[@]}"; do [[ -x $bin ]] || { echo "commit_cost.sh: no binary at $bin (swift build -c release)" >&2; exit 1; }; done
(( DAYS >= 2 )) || { echo "commit_cost.sh: --days must be at least 2" >&2; exit 2; }
SAMPLE=/tmp/guestpipe-commit-$ROWS-${DAYS}d
if [[ ! -f $SAMPLE/.done ]]; then
    rm -rf "$SAMPLE" && mkdir -p "$SAMPLE"
    "${BINS[0]}" sample --rows "$ROWS" --days "$DAYS" --seed "$SEED" --out "$SAMPLE/all" > /dev/null
    touch "$SAMPLE/.done"
fi
mapfile -t files < <(ls "$SAMPLE"/all/*.csv* | sort)
WORK=$(mktemp -d /tmp/guestpipe-commit-run.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for bin in "${BINS[@]}"; do
    dir=$WORK/run && rm -rf "$dir" && mkdir -p "$dir/inbox"
    for ((i = 0; i < DAYS - 1; i++)); do cp "${files[$i]}" "$dir/inbox/"; done
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/key")
    for step in "state from $((DAYS - 1)) exports" "nightly: export $DAYS"; do
        [[ $step == nightly* ]] && cp "${files[DAYS - 1]}" "$dir/inbox/"
        start=$(date +%s.%N)
        "$bin" run --input "$dir/inbox" --state "$dir/state" --out "$dir/out" --id-key-file "$dir/key" > /dev/null
        end=$(date +%s.%N)
        python3 - "$dir" "$bin" "$step" "$start" "$end" <<'PY'
import json, os, sqlite3, sys
d, binary, step, start, end = sys.argv[1:]
m = json.load(open(d + "/out/manifest.json"))
commit = os.stat(d + "/state/state.sqlite").st_mtime - os.stat(d + "/out/manifest.json").st_mtime
db = sqlite3.connect(d + "/state/state.sqlite")
has = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'membership'").fetchone()[0]
snapshot = db.execute("SELECT coalesce(sum(length(snapshot)), 0) FROM membership").fetchone()[0] / 1e6 if has else 0
print("%s  %-24s wall %6.2f s  commit %5.2f s  id_changes %5.3f s  state %6.1f MB (snapshot %4.1f MB)  %d guests" % (
    binary, step, float(end) - float(start), commit, m["timings_seconds"].get("id_changes", 0),
    os.stat(d + "/state/state.sqlite").st_size / 1e6, snapshot, m["counts"]["guests"]))
PY
    done
done
