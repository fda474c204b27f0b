#!/usr/bin/env bash
# fraud_quality.sh: how well fraud review finds what the sample generator planted (issue 14).
#
#   Benchmarks/fraud_quality.sh [--rows N] [--days D] [--bursts B] [--seed S] [--keep DIR]
#                               [--no-linkage-traps]
#
# Generates N payments over D days with the planted cases and B extra card-testing bursts
# (5 to 500 attempts over 2 to 120 minutes, with and without shared email or phone), writes the
# generator's truth file beside the exports (`guestpipe sample --truth`), runs `guestpipe run`
# (policy card) and scores fraud_review.csv against the truth:
#   - recall of card-testing guests (any payment planted as card testing) in the top 5% of guests
#   - recall of confirmed cards (successful burst payments) whose guest is at tier review or high
#   - share of ordinary guests (no planted payment) in the queue, any tier
#   - the other planted cases (dispute-heavy, refund abuser, card with many emails, velocity)
#   - per signal, its confusion table over all guests (a signal counts as fired only for queued
#     guests: fraud_review.csv lists no others)
# Not a unit test: a measurement. Targets: both recalls >= 0.99, ordinary share <= 3%.
# --no-linkage-traps generates the data without issue #13's traps (as before them).
set -euo pipefail
PROG=fraud_quality.sh
SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
BIN="$ROOT/.build/release/guestpipe"
ROWS=300000 DAYS=30 BURSTS=60 SEED=42 KEEP="" TRAPS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --rows) ROWS=$2; shift 2;;
        --days) DAYS=$2; shift 2;;
        --bursts) BURSTS=$2; shift 2;;
        --seed) SEED=$2; shift 2;;
        --keep) KEEP=$2; shift 2;;
        --no-linkage-traps) TRAPS=(--no-linkage-traps); shift;;
        -h|--help) sed -n '2,18p' "$0"; exit 0;;
        *) echo "$PROG: unknown argument $1" >&2; exit 2;;
    esac
done
[[ -x $BIN ]] || { echo "$PROG: build first: swift build -c release --product guestpipe" >&2; exit 1; }
command -v python3 >/dev/null || { echo "$PROG: python3 is needed" >&2; exit 1; }
TMP=${KEEP:-$(mktemp -d /tmp/fraud-quality.XXXXXX)}
[[ -n $KEEP ]] || trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$TMP/key"
"$BIN" sample --rows "$ROWS" --days "$DAYS" --seed "$SEED" --planted-bursts "$BURSTS" "${TRAPS[@]}" --out "$TMP/in" --truth "$TMP/in/truth.csv" >/dev/null
mv "$TMP/in/truth.csv" "$TMP/truth.csv"   # beside the exports, but not read as one
"$BIN" run --input "$TMP/in" --out "$TMP/out" --policy card --id-key-file "$TMP/key" >/dev/null
echo "command: Benchmarks/fraud_quality.sh --rows $ROWS --days $DAYS --bursts $BURSTS --seed $SEED${TRAPS[*]:+ ${TRAPS[*]}}"
python3 "$SCRIPT_DIR/fraud_quality.py" "$TMP/truth.csv" "$TMP/out"
