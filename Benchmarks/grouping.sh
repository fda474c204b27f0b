#!/usr/bin/env bash
# Grouping benchmark for guestpipe: `guestpipe run --policy card` (read, dedup, group, write the
# reports) next to the DuckDB peer from ../shared/bench (the card job a payments analyst would
# write by hand, 2 threads) and the floor no reader can beat (`zstd -dc > /dev/null`).
#
# Per size, the three commands run in one loop, alternated (A B C A B C ...), on the same files;
# the table gives medians and the medians of the per-round ratios (guestpipe / DuckDB, and each
# to the zstd floor). The DuckDB job is a simplified card policy, so its counts differ slightly.
set -euo pipefail

PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEFAULT_ROWS=1000000,5000000
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    cat <<EOF
Usage: Benchmarks/$PROG [--rows N[,N...]]... [--days D] [--pairs P] [--dir-prefix PREFIX]

Benchmarks 'guestpipe run --policy card' against the DuckDB peer on synthetic Stripe exports
(.csv.zst).

  --rows N            distinct payments to generate; repeatable or a comma list, one size
                      each (default $DEFAULT_ROWS)
  --days D            days, one export file per day (default 7)
  --pairs P           rounds of the alternation per size (default 5)
  --dir-prefix PREFIX the sample of size N lives in PREFIXN (default /tmp/guestpipe-bench-);
                      generated once with 'guestpipe sample --rows N --days D --seed $SEED',
                      reused afterwards (also by Benchmarks/reader.sh)
  -h, --help          this message

Per size and round it times, under /usr/bin/time -f '%e %M':
  zstd -dc DIR/*.csv.zst > /dev/null                    the floor
  guestpipe run --policy card --input DIR --out OUTDIR --id-key-file KEYFILE
  run_duckdb.py --threads 2 --input 'DIR/payments-*.csv.zst' duckdb_card_job.sql > /dev/null
KEYFILE is a throwaway key made for the run (mode 600, deleted at exit); OUTDIR is removed
between rounds. The DuckDB peer ($ROOT/../shared/bench) runs in the throwaway venv
$PEER_VENV (created with duckdb==$DUCKDB_PIN if missing).

Prints, per size, median wall time and peak memory, the median per-round ratios guestpipe /
DuckDB (time, peak memory) and to the floor (time), guestpipe's guests and distinct payments
(summary.json of the last round) and the DuckDB result rows (one extra, untimed run), plus the
machine, the date, the guestpipe commit and the exact commands. Progress goes to stderr, the
table to stdout. Uses .build/release/guestpipe; builds it (swift build -c release) only if it
is missing.
EOF
}

ROWS_ARGS=()
DAYS=7
PAIRS=5
DIR_PREFIX=/tmp/guestpipe-bench-
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --rows) need_value "$@"; ROWS_ARGS+=("$2"); shift 2 ;;
        --rows=*) ROWS_ARGS+=("${1#*=}"); shift ;;
        --days) need_value "$@"; DAYS=$2; shift 2 ;;
        --days=*) DAYS=${1#*=}; shift ;;
        --pairs) need_value "$@"; PAIRS=$2; shift 2 ;;
        --pairs=*) PAIRS=${1#*=}; shift ;;
        --dir-prefix) need_value "$@"; DIR_PREFIX=$2; shift 2 ;;
        --dir-prefix=*) DIR_PREFIX=${1#*=}; shift ;;
        *) usage >&2; echo >&2; die "unknown argument '$1'" ;;
    esac
done
(( ${#ROWS_ARGS[@]} > 0 )) || ROWS_ARGS=("$DEFAULT_ROWS")
SIZES=()
for arg in "${ROWS_ARGS[@]}"; do
    IFS=, read -r -a parts <<< "$arg"
    (( ${#parts[@]} > 0 )) || die "--rows needs a value (see --help)"
    for n in "${parts[@]}"; do
        positive_int --rows "$n"
        [[ " ${SIZES[*]-} " == *" $n "* ]] || SIZES+=("$n")
    done
done
positive_int --days "$DAYS"
positive_int --pairs "$PAIRS"
[[ -n $DIR_PREFIX ]] || die "--dir-prefix must not be empty"

require_tools zstd wc python3 head od tr

# --- guestpipe binary and the DuckDB peer --------------------------------------------------
ensure_guestpipe
setup_peer
PEER_SCRIPT="$SHARED_BENCH/run_duckdb.py"
PEER_SQL="$SHARED_BENCH/duckdb_card_job.sql"

# --- data: every size generated (once) before anything is timed ---------------------------
for n in "${SIZES[@]}"; do
    ensure_sample "$DIR_PREFIX$n" "$n" "$DAYS" --dir-prefix
done

# --- scratch: the throwaway id key and the output folder, in /tmp ------------------------
TMP=$(mktemp -d /tmp/guestpipe-grouping-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
KEYFILE="$TMP/id-key"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$KEYFILE")
chmod 600 "$KEYFILE"
[[ $(<"$KEYFILE") =~ ^[0-9a-f]{64}$ ]] || die "could not make the throwaway key file $KEYFILE"
OUTDIR="$TMP/out"

RESULTS="$TMP/results.tsv"     # rows, name, round, wall s, peak KB
SIZEINFO="$TMP/sizes.tsv"      # rows, dir, files, zst bytes, csv bytes, guests, payments, duckdb rows, ungrouped rows
: > "$RESULTS"
: > "$SIZEINFO"

# summary_counts FILE: prints "guests payments files" from guestpipe's summary.json
summary_counts() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(int(d["guests"]), int(d["payments"]), len(d.get("files", [])))
PY
}

# --- timed runs, size by size ------------------------------------------------------------
for n in "${SIZES[@]}"; do
    DIR="$DIR_PREFIX$n"
    shopt -s nullglob
    FILES=("$DIR"/payments-*.csv.zst)
    shopt -u nullglob
    (( ${#FILES[@]} > 0 )) || die "no payments-*.csv.zst files in $DIR (removed during the run?)"

    note "$n payments: measuring the uncompressed size (zstd -dc | wc -c; also warms the page cache)"
    CSV_BYTES=$(zstd -dc "${FILES[@]}" | wc -c) || die "zstd -dc failed on the files in $DIR"
    ZST_BYTES=$(cat "${FILES[@]}" | wc -c)

    GUESTS= PAYMENTS=
    for (( r = 1; r <= PAIRS; r++ )); do
        timed zstd "$r" /dev/null zstd -dc "${FILES[@]}"
        printf '%s\tzstd\t%d\t%s\t%s\n' "$n" "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
        note "$n payments, round $r/$PAIRS: zstd -dc          ${WALL} s  ${RSS_KB} KB"

        rm -rf "$OUTDIR"
        timed guestpipe "$r" "$TMP/run.out" "$BIN" run --policy card --input "$DIR" \
            --out "$OUTDIR" --id-key-file "$KEYFILE"
        printf '%s\tguestpipe\t%d\t%s\t%s\n' "$n" "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
        [[ -f $OUTDIR/summary.json ]] || die "guestpipe run wrote no $OUTDIR/summary.json in round $r"
        read -r g p nf < <(summary_counts "$OUTDIR/summary.json") \
            || die "cannot read guests/payments from $OUTDIR/summary.json in round $r"
        (( nf == ${#FILES[@]} )) \
            || die "guestpipe read $nf files in $DIR but the benchmark times ${#FILES[@]} (zstd, DuckDB)"
        if [[ -n $GUESTS && "$g $p" != "$GUESTS $PAYMENTS" ]]; then
            die "guestpipe found $g guests / $p payments in round $r but $GUESTS / $PAYMENTS before (was the binary rebuilt mid-run?)"
        fi
        GUESTS=$g PAYMENTS=$p
        rm -rf "$OUTDIR"
        note "$n payments, round $r/$PAIRS: guestpipe run      ${WALL} s  ${RSS_KB} KB  ($g guests, $p payments)"

        timed duckdb "$r" /dev/null "$PEER_PY" "$PEER_SCRIPT" --threads 2 \
            --input "$DIR/payments-*.csv.zst" "$PEER_SQL"
        printf '%s\tduckdb\t%d\t%s\t%s\n' "$n" "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
        note "$n payments, round $r/$PAIRS: duckdb card job   ${WALL} s  ${RSS_KB} KB"
    done

    note "$n payments: counting the DuckDB result rows (one more, untimed run)"
    counts=$("$PEER_PY" "$PEER_SCRIPT" --threads 2 --input "$DIR/payments-*.csv.zst" "$PEER_SQL" \
        | awk 'NR > 1 { n++ } NR > 1 && /^ungrouped,/ { u++ } END { print n + 0, u + 0 }') \
        || die "the untimed DuckDB run failed on $DIR"
    read -r DUCK_ROWS DUCK_UNGROUPED <<< "$counts"
    [[ $DUCK_ROWS =~ ^[0-9]+$ && $DUCK_UNGROUPED =~ ^[0-9]+$ ]] \
        || die "could not count the DuckDB result rows (got '$counts')"
    printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$DIR" "${#FILES[@]}" "$ZST_BYTES" \
        "$CSV_BYTES" "$GUESTS" "$PAYMENTS" "$DUCK_ROWS" "$DUCK_UNGROUPED" >> "$SIZEINFO"
done

binary_rebuilt_warning

# --- table -------------------------------------------------------------------------------
machine_info

export RESULTS SIZEINFO DAYS PAIRS SEED DUCKDB_VERSION REBUILT GP_VERSION
export BIN PEER_PY PEER_SCRIPT PEER_SQL KEYFILE OUTDIR
python3 - <<'PY'
import os
import shlex
from statistics import median

E = os.environ
runs = {}       # rows -> name -> round -> (wall, kb)
for line in open(E["RESULTS"]):
    n, name, rnd, wall, kb = line.rstrip("\n").split("\t")
    runs.setdefault(int(n), {}).setdefault(name, {})[int(rnd)] = (float(wall), int(kb))
sizes = []
for line in open(E["SIZEINFO"]):
    f = line.rstrip("\n").split("\t")
    sizes.append(dict(rows=int(f[0]), dir=f[1], files=int(f[2]), zst=int(f[3]), csv=int(f[4]),
                      guests=int(f[5]), payments=int(f[6]), duck_rows=int(f[7]),
                      duck_ungrouped=int(f[8])))

q = shlex.quote
labels = {
    "zstd": "zstd -dc > /dev/null (floor)",
    "guestpipe": "guestpipe run --policy card",
    "duckdb": f"DuckDB {E['DUCKDB_VERSION']} card job, 2 threads (peer)",
}

def mb(kb):
    return kb * 1024 / 1e6

def ratio(a, b, i):   # median over rounds of a[r][i] / b[r][i]
    rs = [a[r][i] / b[r][i] for r in a if r in b and b[r][i] > 0]
    return median(rs) if rs else None

def fx(x, suffix=""):
    return "-" if x is None else f"{x:.2f}{suffix}"

print(f"guestpipe grouping benchmark: guestpipe run --policy card vs the DuckDB peer, {E['DATE']}")
print(f"machine: {E['NPROC']} cores (nproc), {E['CPU']}, {E['MEM']}")
print(f"guestpipe {E['GP_VERSION']} (.build/release, built {E['BINTIME']}; repo at {E['COMMIT']})")
print(f"peer: DuckDB {E['DUCKDB_VERSION']}, 2 threads ({E['PEER_PY']})")
print(f"{E['PAIRS']} alternated rounds per size (zstd, guestpipe, DuckDB, zstd, ...); medians; "
      f"MB = 10^6 bytes; ratios are medians of the per-round ratios")
print("note: the DuckDB job is a simplified card policy (no E.164 phone normalisation, fewer")
print("placeholder rules, no per-currency files or reports), so its counts differ slightly from")
print("guestpipe's; it is a speed and memory reference, not a check of guestpipe's results.")
print()
print("commands, each under /usr/bin/time -f '%e %M' (DIR per size below; KEYFILE a throwaway")
print("32-byte hex key, mode 600, deleted at exit; OUTDIR removed between rounds):")
print("  zstd -dc DIR/*.csv.zst > /dev/null")
print(f"  {q(E['BIN'])} run --policy card --input DIR --out {q(E['OUTDIR'])} "
      f"--id-key-file {q(E['KEYFILE'])}")
print(f"  {q(E['PEER_PY'])} {q(E['PEER_SCRIPT'])} --threads 2 --input 'DIR/payments-*.csv.zst' "
      f"{q(E['PEER_SQL'])} > /dev/null")

summary = []
for s in sizes:
    rs = runs[s["rows"]]
    print()
    print(f"== {s['rows']:,} payments: DIR = {s['dir']} (sample --rows {s['rows']} --days {E['DAYS']} "
          f"--seed {E['SEED']}), {s['files']} files, {s['zst'] / 1e6:.1f} MB zstd -> "
          f"{s['csv'] / 1e6:.1f} MB CSV")
    hdr = f"{'command':<44} {'wall s':>8} {'peak MB':>8} {'x floor':>8}"
    print(hdr)
    print("-" * len(hdr))
    floor = rs["zstd"]
    for name in ("zstd", "guestpipe", "duckdb"):
        r = rs[name]
        print(f"{labels[name]:<44} {median(w for w, _ in r.values()):>8.2f} "
              f"{mb(median(k for _, k in r.values())):>8.1f} {fx(ratio(r, floor, 0)):>8}")
    t = ratio(rs["guestpipe"], rs["duckdb"], 0)
    m = ratio(rs["guestpipe"], rs["duckdb"], 1)
    print(f"guestpipe / DuckDB: time {fx(t, 'x')}, peak memory {fx(m, 'x')} (below 1: guestpipe "
          f"faster / smaller)")
    ung = f", incl. {s['duck_ungrouped']} 'ungrouped' row" if s["duck_ungrouped"] else ""
    print(f"counts: guestpipe {s['guests']:,} guests from {s['payments']:,} distinct payments "
          f"(summary.json, last round);")
    print(f"        DuckDB {s['duck_rows']:,} result rows (one key per row{ung}; one untimed run)")
    summary.append((s["rows"], t, m, ratio(rs["guestpipe"], floor, 0), ratio(rs["duckdb"], floor, 0)))

if len(summary) > 1:
    print()
    print("all sizes (median per-round ratios; gp = guestpipe run --policy card)")
    hdr = (f"{'payments':>12} {'gp/DuckDB time':>15} {'gp/DuckDB peak':>15} "
           f"{'gp x floor':>11} {'DuckDB x floor':>15}")
    print(hdr)
    print("-" * len(hdr))
    for rows, t, m, gf, df in summary:
        print(f"{rows:>12,} {fx(t, 'x'):>15} {fx(m, 'x'):>15} {fx(gf):>11} {fx(df):>15}")
if E.get("REBUILT"):
    print()
    print(E["REBUILT"])
PY
