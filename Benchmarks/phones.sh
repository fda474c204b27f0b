#!/usr/bin/env bash
# The phone fast path against libphonenumber's Parse (issue #12, "Speed", item 1): the
# differential run over ten million generated numbers and every libphonenumber example number
# (0 differences required), and the time per number of both paths, on the generated numbers and
# on the benchmark sample's phone spellings. Single-threaded throughout.
set -euo pipefail

PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
DIFF_BIN="$ROOT/.build/release/guestpipe-phone-differential"

usage() {
    cat <<USAGE
Usage: Benchmarks/$PROG [--count N] [--seed S] [--rows N] [--days D] [--dir-prefix PREFIX] [--no-sample]

  --count N           generated numbers to compare (default 10000000)
  --seed S            the generator's seed (default 1)
  --rows N            the sample whose phone spellings are timed (default 1000000); the sample
                      is the one grouping.sh uses (PREFIXN, generated with
                      'guestpipe sample --seed $SEED' if missing)
  --days D            days of the sample (default 7)
  --dir-prefix PREFIX default /tmp/guestpipe-bench-
  --no-sample         only the differential run, no sample
  -h, --help          this message

Runs .build/release/guestpipe-phone-differential, a test-support executable (not part of the
guestpipe command line), built with 'swift build -c release --product
guestpipe-phone-differential' if missing:

  guestpipe-phone-differential --count N --seed S
      generates N numbers over every shape the fast path accepts and the near misses it must
      leave to libphonenumber (leading 0, prefixes, calling codes, lengths 1-20, separators,
      letters, extensions, '+' alone...) with several default regions, adds libphonenumber's
      example number of every region, non-geographical calling code and number type in six
      formats parsed with every test region, and compares the fast path and gp_phone_normalize
      with the full path (result code, E.164, national digits). Prints the numbers compared,
      the differences (must be 0; the script fails otherwise), the fast-path share and the
      ns/number of the full path and the fast path.
  guestpipe-phone-differential --texts FILE --region US
      the same comparison and timing for the distinct phone spellings of the sample's guest
      payments (a spelling = the value without spaces, dashes, dots, brackets and slashes, as
      guestpipe groups them; extracted with python's csv module, untimed).
USAGE
}

COUNT=10000000
DIFF_SEED=1
ROWS=1000000
DAYS=7
DIR_PREFIX=/tmp/guestpipe-bench-
SAMPLE=1
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --count) need_value "$@"; COUNT=$2; shift 2 ;;
        --seed) need_value "$@"; DIFF_SEED=$2; shift 2 ;;
        --rows) need_value "$@"; ROWS=$2; shift 2 ;;
        --days) need_value "$@"; DAYS=$2; shift 2 ;;
        --dir-prefix) need_value "$@"; DIR_PREFIX=$2; shift 2 ;;
        --no-sample) SAMPLE=0; shift ;;
        *) usage >&2; echo >&2; die "unknown argument '$1'" ;;
    esac
done
positive_int --count "$COUNT"
[[ $DIFF_SEED =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$DIFF_SEED'"
positive_int --rows "$ROWS"
positive_int --days "$DAYS"

if [[ ! -x $DIFF_BIN ]]; then
    command -v swift >/dev/null 2>&1 || die "$DIFF_BIN is missing and 'swift' is not on PATH"
    note "$DIFF_BIN is missing; building it (swift build -c release --product guestpipe-phone-differential)"
    (cd "$ROOT" && swift build -c release --product guestpipe-phone-differential) \
        || die "swift build -c release --product guestpipe-phone-differential failed"
fi

TMP=$(mktemp -d /tmp/guestpipe-phones.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

if (( SAMPLE )); then
    require_tools zstd python3
    ensure_guestpipe
    DIR="$DIR_PREFIX$ROWS"
    ensure_sample "$DIR" "$ROWS" "$DAYS" --dir-prefix
    note "distinct phone spellings of guest payments (python's csv module; slow, untimed)"
    distinct_phone_spellings "${FILES[@]}" > "$TMP/phones.txt"
fi

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
if [[ $COMMIT != '?' && -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then
    COMMIT="$COMMIT + uncommitted changes"
fi
CPU=$(grep -m 1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*:[[:space:]]*//' || true)
echo "guestpipe phone fast path vs libphonenumber's Parse, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: ${CPU:-unknown}; one thread; repo at $COMMIT"
echo
echo "== differential: $DIFF_BIN --count $COUNT --seed $DIFF_SEED"
note "comparing $COUNT generated numbers and the example numbers (about 15 us per number for Parse)"
rc=0
"$DIFF_BIN" --count "$COUNT" --seed "$DIFF_SEED" || rc=$?
(( rc == 0 )) || die "the differential run found differences (or failed, exit $rc); see above"

if (( SAMPLE )); then
    echo
    echo "== the sample's phone spellings: $DIFF_BIN --texts PHONES --region US ($DIR)"
    rc=0
    "$DIFF_BIN" --texts "$TMP/phones.txt" --region US || rc=$?
    (( rc == 0 )) || die "the sample's phone spellings gave different results (or failed, exit $rc)"
fi
