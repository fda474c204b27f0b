#!/usr/bin/env bash
# Reader benchmark for guestpipe: how fast `guestpipe inspect` reads and decodes every payment
# of a set of .csv.zst exports, next to the floor no reader can beat (`zstd -dc > /dev/null`).
# With --peer, the DuckDB card-policy job from ../shared/bench is alternated too; that job also
# groups, so it is a reference for the later grouping benchmark, not a like-for-like reader.
#
# All commands run in one loop, alternated (A B [C] A B [C] ...), on the same files; the table
# gives medians and, per command, the median of the per-pair ratios to the zstd floor.
set -euo pipefail

PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    cat <<EOF
Usage: Benchmarks/$PROG [--rows N] [--days D] [--dir DIR] [--pairs P] [--peer]

Benchmarks guestpipe's reader on synthetic Stripe exports (.csv.zst).

  --rows N    distinct payments to generate (default 1000000)
  --days D    days, one export file per day (default 7)
  --dir DIR   where the sample lives (default /tmp/guestpipe-bench-N); generated once with
              'guestpipe sample --rows N --days D --seed $SEED', reused afterwards
  --pairs P   rounds of the alternation (default 3)
  --peer      also run the DuckDB card job ($ROOT/../shared/bench; it GROUPS, so it is a
              reference for the grouping benchmark, not a reader), in the throwaway venv
              $PEER_VENV (created with duckdb==$DUCKDB_PIN if missing)
  -h, --help  this message

Per round it times, under /usr/bin/time -f '%e %M':
  zstd -dc DIR/*.csv.zst > /dev/null          the floor
  guestpipe inspect DIR/*.csv.zst             reads and decodes every payment
  (--peer) run_duckdb.py --threads 2 ...      DuckDB card job
and prints median wall time, MB/s of uncompressed CSV, rows/s, peak memory and the median
per-round ratio to the floor, plus the machine and the date. Progress goes to stderr, the
table to stdout. Uses .build/release/guestpipe; builds it (swift build -c release) only if
it is missing.
EOF
}

ROWS=1000000
DAYS=7
DIR=
PAIRS=3
PEER=0
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --rows) need_value "$@"; ROWS=$2; shift 2 ;;
        --rows=*) ROWS=${1#*=}; shift ;;
        --days) need_value "$@"; DAYS=$2; shift 2 ;;
        --days=*) DAYS=${1#*=}; shift ;;
        --dir) need_value "$@"; DIR=$2; shift 2 ;;
        --dir=*) DIR=${1#*=}; shift ;;
        --pairs) need_value "$@"; PAIRS=$2; shift 2 ;;
        --pairs=*) PAIRS=${1#*=}; shift ;;
        --peer) PEER=1; shift ;;
        *) usage >&2; echo >&2; die "unknown argument '$1'" ;;
    esac
done
positive_int --rows "$ROWS"
positive_int --days "$DAYS"
positive_int --pairs "$PAIRS"
[[ -n $DIR ]] || DIR="/tmp/guestpipe-bench-$ROWS"

require_tools zstd wc python3

# --- guestpipe binary: use the release build; build it only when it is missing ------------
ensure_guestpipe

# --- DuckDB peer (optional; throwaway venv outside the repo) ------------------------------
DUCKDB_VERSION=
if (( PEER )); then
    setup_peer
fi

# --- data: generate once -----------------------------------------------------------------
ensure_sample "$DIR" "$ROWS" "$DAYS" --dir

TMP=$(mktemp -d "${TMPDIR:-/tmp}/reader-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

note "measuring the uncompressed size (zstd -dc | wc -c; also warms the page cache)"
CSV_BYTES=$(zstd -dc "${FILES[@]}" | wc -c) || die "zstd -dc failed on the files in $DIR"
ZST_BYTES=$(cat "${FILES[@]}" | wc -c)

# --- timed runs --------------------------------------------------------------------------
RESULTS="$TMP/results.tsv"     # name, round, wall s, peak KB, rows ('-' if unknown)
: > "$RESULTS"

ROWS_READ=
for (( r = 1; r <= PAIRS; r++ )); do
    timed zstd "$r" /dev/null zstd -dc "${FILES[@]}"
    printf 'zstd\t%d\t%s\t%s\t-\n' "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
    note "round $r/$PAIRS: zstd -dc          ${WALL} s  ${RSS_KB} KB"

    timed guestpipe "$r" "$TMP/inspect.out" "$BIN" inspect "${FILES[@]}"
    total=$(grep '^total:' "$TMP/inspect.out" | tail -n 1) || true
    [[ -n $total ]] || die "guestpipe inspect printed no 'total:' line (output in round $r: $(tail -n 3 "$TMP/inspect.out"))"
    [[ $total =~ ([0-9]+)\ rows, ]] || die "cannot find the row count in guestpipe's total line: $total"
    n=${BASH_REMATCH[1]}
    if [[ -n $ROWS_READ && $n != "$ROWS_READ" ]]; then
        die "guestpipe read $n rows in round $r but $ROWS_READ before (was the binary rebuilt mid-run?)"
    fi
    ROWS_READ=$n
    printf 'guestpipe\t%d\t%s\t%s\t%s\n' "$r" "$WALL" "$RSS_KB" "$n" >> "$RESULTS"
    note "round $r/$PAIRS: guestpipe inspect ${WALL} s  ${RSS_KB} KB  ($total)"

    if (( PEER )); then
        timed duckdb "$r" /dev/null "$PEER_PY" "$SHARED_BENCH/run_duckdb.py" --threads 2 \
            --input "$DIR/payments-*.csv.zst" "$SHARED_BENCH/duckdb_card_job.sql"
        printf 'duckdb\t%d\t%s\t%s\t-\n' "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
        note "round $r/$PAIRS: duckdb card job   ${WALL} s  ${RSS_KB} KB"
    fi
done

binary_rebuilt_warning

# --- table -------------------------------------------------------------------------------
machine_info

export RESULTS CSV_BYTES ZST_BYTES ROWS DAYS DIR PAIRS SEED ROWS_READ DUCKDB_VERSION REBUILT
export NFILES=${#FILES[@]} GP_VERSION
python3 - <<'PY'
import os
from statistics import median

E = os.environ
runs = {}
for line in open(E["RESULTS"]):
    name, rnd, wall, kb, rows = line.rstrip("\n").split("\t")
    runs.setdefault(name, {})[int(rnd)] = (float(wall), int(kb), None if rows == "-" else int(rows))

csv_mb = int(E["CSV_BYTES"]) / 1e6
labels = {
    "zstd": "zstd -dc > /dev/null (floor)",
    "guestpipe": "guestpipe inspect (reader)",
    "duckdb": f"DuckDB {E['DUCKDB_VERSION']} card job, 2 threads (peer; GROUPS)",
}

def fmt_rate(x):
    return "-" if x is None else (f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k")

print(f"guestpipe reader benchmark, {E['DATE']}")
print(f"machine: {E['NPROC']} cores (nproc), {E['CPU']}, {E['MEM']}")
print(f"guestpipe {E['GP_VERSION']} (.build/release, built {E['BINTIME']}; repo at {E['COMMIT']})")
print(f"data: {E['DIR']}: {E['NFILES']} files (sample --rows {E['ROWS']} --days {E['DAYS']} "
      f"--seed {E['SEED']}), {int(E['ZST_BYTES']) / 1e6:.1f} MB zstd -> {csv_mb:.1f} MB CSV, "
      f"{int(E['ROWS_READ']):,} rows read by guestpipe")
print(f"{E['PAIRS']} alternated rounds; medians; MB = 10^6 bytes of uncompressed CSV; "
      f"x floor = median per-round ratio to zstd -dc")
print()
hdr = f"{'command':<48} {'wall s':>8} {'MB/s':>8} {'rows/s':>9} {'peak MB':>8} {'x floor':>8}"
print(hdr)
print("-" * len(hdr))
floor = runs["zstd"]
for name in ("zstd", "guestpipe", "duckdb"):
    if name not in runs:
        continue
    rs = runs[name]
    walls = [w for w, _, _ in rs.values()]
    mbs = [csv_mb / w for w in walls if w > 0]
    rps = [n / w for w, _, n in rs.values() if n is not None and w > 0]
    ratios = [rs[r][0] / floor[r][0] for r in rs if r in floor and floor[r][0] > 0]
    peak = median(kb for _, kb, _ in rs.values()) * 1024 / 1e6
    print(f"{labels[name]:<48} {median(walls):>8.2f} "
          f"{(f'{median(mbs):.0f}' if mbs else '-'):>8} "
          f"{fmt_rate(median(rps) if rps else None):>9} {peak:>8.1f} "
          f"{(f'{median(ratios):.2f}' if ratios else '-'):>8}")
if "duckdb" in runs:
    print()
    print("note: the DuckDB peer also dedups and groups by guest key (the card job); it is a")
    print("reference for the grouping benchmark, not a like-for-like reader comparison.")
if E.get("REBUILT"):
    print()
    print(E["REBUILT"])
PY
