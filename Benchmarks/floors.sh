#!/usr/bin/env bash
# The floors under guestpipe run set by the C libraries it must use, measured on the benchmark
# sample: libzstd decompressing, libcsv parsing with callbacks that do nothing, and
# libphonenumber normalising each distinct phone spelling of a guest payment once. Together
# they bound from below what any libcsv + libphonenumber pipeline can do on this machine,
# before deduplicating, grouping, reviewing or writing anything.
set -euo pipefail

PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    cat <<USAGE
Usage: Benchmarks/$PROG [--rows N] [--days D] [--cores C] [--dir-prefix PREFIX]

  --rows N            the sample size (default 1000000); the sample is the one grouping.sh
                      uses (PREFIXN, generated with 'guestpipe sample --seed $SEED' if missing)
  --days D            days of the sample (default 7)
  --cores C           cores to divide the CPU seconds over (default: nproc)
  --dir-prefix PREFIX default /tmp/guestpipe-bench-
  -h, --help          this message

Compiles Benchmarks/floors/csv_floor.c (libcsv) and phone_floor.cpp (libphonenumber) with
cc/c++, then prints, for the sample: CSV bytes, zstd -dc seconds, libcsv seconds (one core,
counting callbacks only), distinct phone spellings of guest payments (a spelling = the value
without spaces, dashes, dots, brackets and slashes, as guestpipe groups them) and
libphonenumber microseconds per number, and the sum divided over the cores.
USAGE
}

ROWS=1000000
DAYS=7
CORES=$(nproc)
DIR_PREFIX=/tmp/guestpipe-bench-
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --rows) need_value "$@"; ROWS=$2; shift 2 ;;
        --days) need_value "$@"; DAYS=$2; shift 2 ;;
        --cores) need_value "$@"; CORES=$2; shift 2 ;;
        --dir-prefix) need_value "$@"; DIR_PREFIX=$2; shift 2 ;;
        *) usage >&2; echo >&2; die "unknown argument '$1'" ;;
    esac
done
positive_int --rows "$ROWS"
positive_int --days "$DAYS"
positive_int --cores "$CORES"
require_tools zstd cc c++ python3

ensure_guestpipe
DIR="$DIR_PREFIX$ROWS"
ensure_sample "$DIR" "$ROWS" "$DAYS" --dir-prefix
shopt -s nullglob
FILES=("$DIR"/payments-*.csv.zst)
shopt -u nullglob
(( ${#FILES[@]} > 0 )) || die "no payments-*.csv.zst files in $DIR"

TMP=$(mktemp -d /tmp/guestpipe-floors.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cc -O2 -o "$TMP/csv_floor" "$SCRIPT_DIR/floors/csv_floor.c" -lcsv || die "cannot compile csv_floor.c (libcsv-dev installed?)"
c++ -O2 -o "$TMP/phone_floor" "$SCRIPT_DIR/floors/phone_floor.cpp" -lphonenumber \
    || die "cannot compile phone_floor.cpp (libphonenumber-dev installed?)"

note "zstd -dc of ${#FILES[@]} files"
start=$(date +%s.%N)
zstd -dc "${FILES[@]}" > /dev/null
ZSTD_S=$(python3 -c "print(round($(date +%s.%N) - $start, 3))")

note "libcsv over every file (one core, callbacks that only count)"
CSV_BYTES=0
CSV_S=0
for file in "${FILES[@]}"; do
    read -r bytes seconds _ _ < <(zstd -dc "$file" | "$TMP/csv_floor")
    CSV_BYTES=$((CSV_BYTES + bytes))
    CSV_S=$(python3 -c "print($CSV_S + $seconds)")
done

note "distinct phone spellings of guest payments (python's csv module; slow, untimed)"
distinct_phone_spellings "${FILES[@]}" > "$TMP/phones.txt"
PHONES=$(wc -l < "$TMP/phones.txt")
read -r measured PHONE_S _ < <(head -n 200000 "$TMP/phones.txt" | "$TMP/phone_floor" US)
PHONE_US=$(python3 -c "print(round($PHONE_S / max(1, $measured) * 1e6, 2))")
PHONES_S=$(python3 -c "print(round($PHONES * $PHONE_US / 1e6, 2))")

python3 - "$ROWS" "$CSV_BYTES" "$ZSTD_S" "$CSV_S" "$PHONES" "$PHONE_US" "$PHONES_S" "$CORES" <<'PY'
import sys
rows, csv_bytes, zstd_s, csv_s, phones, phone_us, phones_s, cores = sys.argv[1:]
csv_bytes, zstd_s, csv_s, phones_s, cores = int(csv_bytes), float(zstd_s), float(csv_s), float(phones_s), int(cores)
total = zstd_s + csv_s + phones_s
print(f"floors for {int(rows):,} payments ({csv_bytes / 1e6:,.1f} MB of CSV)")
print(f"  zstd -dc                       {zstd_s:8.2f} s  ({csv_bytes / 1e6 / zstd_s:,.0f} MB/s)")
print(f"  libcsv, counting callbacks     {csv_s:8.2f} s  ({csv_bytes / 1e6 / csv_s:,.0f} MB/s on one core)")
print(f"  libphonenumber                 {phones_s:8.2f} s  ({int(phones):,} distinct spellings x {phone_us} us)")
print(f"  sum                            {total:8.2f} CPU s = {total / cores:.2f} s on {cores} cores, perfectly shared")
PY
