#!/usr/bin/env bash
# Nightly versus full rebuild on a large state: builds a state from the first D days of a
# generated account (about N payments), then times one nightly run that ingests day D+1, beside
# a full --rebuild of the same state. Prints wall time and peak memory of each.
#   Benchmarks/nightly.sh [--rows N] [--days D] [--dir DIR]      (defaults: 5000000, 7)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=5000000 days=7 dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --days) days=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        -h|--help) sed -n 2,5p "$0"; exit 0 ;;
        *) echo "nightly.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
done
dir=${dir:-/tmp/guestpipe-nightly-$rows}
bin=$root/.build/release/guestpipe
[ -x "$bin" ] || (cd "$root" && swift build -c release --product guestpipe)
total_days=$((days + 1))
total_rows=$((rows * total_days / days))
if [ ! -f "$dir/.generated-$total_rows-$total_days" ]; then
    rm -rf "$dir" && mkdir -p "$dir/all"
    echo "generating $total_rows payments over $total_days days in $dir/all" >&2
    "$bin" sample --rows "$total_rows" --days "$total_days" --seed 42 --out "$dir/all" > /dev/null
    touch "$dir/.generated-$total_rows-$total_days"
fi
key=$dir/id-key
[ -f "$key" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$key")
rm -rf "$dir/inbox" "$dir/state" "$dir/out"
mkdir -p "$dir/inbox"
mapfile -t files < <(ls "$dir/all"/*.csv.zst | sort)
for ((i = 0; i < days; i++)); do cp "${files[$i]}" "$dir/inbox/"; done

measure() {  # label, command...
    local label=$1; shift
    local out
    out=$( { /usr/bin/time -f '%e %M' "$@" > /dev/null; } 2>&1 | tail -n 1 )
    printf '%-58s %8s s %8.0f MB\n' "$label" "${out%% *}" "$(echo "${out##* } / 1024" | bc -l)"
}
echo "guestpipe nightly benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$root" rev-parse --short HEAD)"
echo "state: first $days days of $total_rows payments ($(du -sh "$dir/inbox" | cut -f1) compressed)"
measure "initial build of the state ($days exports)" "$bin" run --input "$dir/inbox" --state "$dir/state" --out "$dir/out" --id-key-file "$key"
echo "state size: $(du -sh "$dir/state" | cut -f1)"
cp "${files[$days]}" "$dir/inbox/"
measure "nightly: one new export, state already built" "$bin" run --input "$dir/inbox" --state "$dir/state" --out "$dir/out" --id-key-file "$key"
measure "full rebuild of the same state ($total_days exports)" "$bin" run --input "$dir/inbox" --state "$dir/state" --out "$dir/out" --id-key-file "$key" --rebuild
python3 - "$dir/out/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print("last run: %d payments, %d guests; stage seconds: %s" % (m["counts"]["payments"], m["counts"]["guests"], m["timings_seconds"]))
PY
