#!/usr/bin/env bash
# Linkage benchmark (issue #13): how well each grouping policy puts the payments of one person
# into one guest, and what the linked policy costs in time next to card.
#
#   Benchmarks/linkage.sh [--rows N[,N...]] [--days D] [--seed S] [--rounds R] [--keep DIR]
#                         [--policies card,dashboard,linked]
#
# Per size, generates N payments over D days (`guestpipe sample`, with the generator's linkage
# traps: family emails, shop phones, card switches, email typos) and the people file
# (`--people`: the person behind every payment), then runs, in R alternated rounds
# (card dashboard linked card dashboard linked ...), each under /usr/bin/time:
#   guestpipe run --policy P --input DIR --out OUT --id-key-file KEY
# and scores the first round's guest_payments.csv against the people (Benchmarks/linkage_quality.py):
# pairwise precision and recall over the guest payments. Later rounds must give the same
# guest_payments.csv bytes. Not a unit test: a measurement. Targets (#13), at every size:
# linked recall >= 0.95 at precision >= 0.995; linked time <= 1.2x card (median of the per-round
# ratios). A policy the binary rejects is skipped with a message; a MISS does not change the exit
# status. Progress goes to stderr, the tables to stdout.
set -euo pipefail

PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"
BIN=${GUESTPIPE_BIN:-$BIN}    # another build to measure (as scripts/make-sample-data takes it)
TARGET_RECALL=0.95
TARGET_PRECISION=0.995
TARGET_TIME_RATIO=1.2

usage() {
    cat <<EOF
Usage: Benchmarks/$PROG [--rows N[,N...]] [--days D] [--seed S] [--rounds R] [--keep DIR]
                    [--policies P[,P...]]

Scores grouping policies against the people behind the payments of a generated sample
(issue #13) and times them.

  --rows N       distinct payments; a comma list or repeated (default 1000000,5000000)
  --days D       daily export files per sample (default 7)
  --seed S       seed of 'guestpipe sample' (default $SEED)
  --rounds R     alternated rounds per size (default 3); quality is scored on the first,
                 the others must give the same guest_payments.csv
  --keep DIR     keep the samples (DIR/ROWS-DAYSd-seedS/in, people.csv) and the last round's
                 outputs (DIR/ROWS-DAYSd-seedS/out-POLICY); a sample already there is reused
  --policies L   comma list (default card,dashboard,linked); a policy the binary rejects
                 is skipped
  -h, --help     this message

Pairs: over the payments in guest_payments.csv, two payments are predicted together when one
guest holds both, truly together when one person made both. precision = |predicted and true| /
|predicted|, recall = |predicted and true| / |true|, from the (guest, person) counts.
With the card policy it also prints the precision a policy reaches at recall 1 when it keeps
each card in one guest (the contract): people sharing a card (spouses) are then joined, so a
policy aiming at full recall cannot score above it.
Uses .build/release/guestpipe (or \$GUESTPIPE_BIN); builds it (swift build -c release) only if
it is missing.
EOF
}

ROWS_ARGS=()
DAYS=7
ROUNDS=3
KEEP=
POLICIES=card,dashboard,linked
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --rows) need_value "$@"; ROWS_ARGS+=("$2"); shift 2 ;;
        --rows=*) ROWS_ARGS+=("${1#*=}"); shift ;;
        --days) need_value "$@"; DAYS=$2; shift 2 ;;
        --days=*) DAYS=${1#*=}; shift ;;
        --seed) need_value "$@"; SEED=$2; shift 2 ;;
        --seed=*) SEED=${1#*=}; shift ;;
        --rounds) need_value "$@"; ROUNDS=$2; shift 2 ;;
        --rounds=*) ROUNDS=${1#*=}; shift ;;
        --keep) need_value "$@"; KEEP=$2; shift 2 ;;
        --keep=*) KEEP=${1#*=}; shift ;;
        --policies) need_value "$@"; POLICIES=$2; shift 2 ;;
        --policies=*) POLICIES=${1#*=}; shift ;;
        *) usage >&2; echo >&2; die "unknown argument '$1'" ;;
    esac
done
(( ${#ROWS_ARGS[@]} > 0 )) || ROWS_ARGS=("1000000,5000000")
SIZES=()
for arg in "${ROWS_ARGS[@]}"; do
    IFS=, read -r -a parts <<< "$arg"
    for n in "${parts[@]}"; do
        positive_int --rows "$n"
        [[ " ${SIZES[*]-} " == *" $n "* ]] || SIZES+=("$n")
    done
done
(( ${#SIZES[@]} > 0 )) || die "--rows needs a value (see --help)"
positive_int --days "$DAYS"
positive_int --rounds "$ROUNDS"
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$SEED'"
IFS=, read -r -a POLICY_LIST <<< "$POLICIES"
(( ${#POLICY_LIST[@]} > 0 )) || die "--policies needs a value (see --help)"
for p in "${POLICY_LIST[@]}"; do
    [[ $p =~ ^[a-z]+$ ]] || die "--policies takes names such as card,dashboard,linked, got '$p'"
done

require_tools python3 sha256sum head od tr
ensure_guestpipe

TMP=$(mktemp -d /tmp/guestpipe-linkage.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
KEYFILE="$TMP/id-key"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$KEYFILE")
[[ $(<"$KEYFILE") =~ ^[0-9a-f]{64}$ ]] || die "could not make the throwaway key file $KEYFILE"
if [[ -n $KEEP ]]; then
    mkdir -p "$KEEP" || die "cannot create --keep folder $KEEP"
    KEEP=$(cd "$KEEP" && pwd)
fi

# --- which policies the binary knows: an unknown --policy value is a usage error (64) --------
RUN_POLICIES=()
SKIPPED=()
for p in "${POLICY_LIST[@]}"; do
    rc=0
    "$BIN" run --policy "$p" --input "$TMP/no-such-input" --out "$TMP/probe" --id-key-file "$KEYFILE" \
        > /dev/null 2> "$TMP/probe.err" || rc=$?
    if (( rc == 64 )) && grep -q -- "--policy" "$TMP/probe.err"; then
        note "skipping policy '$p': this guestpipe rejects it ($(head -n 1 "$TMP/probe.err"))"
        SKIPPED+=("$p")
    else
        RUN_POLICIES+=("$p")
    fi
done
(( ${#RUN_POLICIES[@]} > 0 )) || die "guestpipe accepts none of the policies: ${POLICY_LIST[*]}"

# sample_dir ROWS: where the sample of a size lives (kept or scratch)
sample_dir() { printf '%s/%s-%sd-seed%s' "${KEEP:-$TMP}" "$1" "$DAYS" "$SEED"; }

# ensure_linkage_sample ROWS: the exports (DIR/in) and the people file (DIR/people.csv), made
# once with 'guestpipe sample --rows ROWS --days DAYS --seed SEED --people' and marked
ensure_linkage_sample() {
    local dir want
    dir=$(sample_dir "$1")
    want="rows=$1 days=$DAYS seed=$SEED people"
    if [[ -f $dir/.linkage-sample && $(<"$dir/.linkage-sample") == "$want" && -s $dir/people.csv ]]; then
        note "reusing the sample in $dir ($want; remove it after a change to the generator)"
        return
    fi
    rm -rf "$dir/in" "$dir/people.csv" "$dir/.linkage-sample"
    mkdir -p "$dir"
    note "generating: guestpipe sample --rows $1 --days $DAYS --seed $SEED --out $dir/in --people $dir/people.csv"
    "$BIN" sample --rows "$1" --days "$DAYS" --seed "$SEED" --out "$dir/in" --people "$dir/people.csv" >&2 \
        || die "guestpipe sample failed"
    printf '%s\n' "$want" > "$dir/.linkage-sample"
}

RESULTS="$TMP/results.tsv"   # rows, policy, round, wall s, peak KB, group stage s
QUALITY="$TMP/quality.tsv"   # rows, policy, JSON of linkage_quality.py
: > "$RESULTS"
: > "$QUALITY"

for rows in "${SIZES[@]}"; do
    ensure_linkage_sample "$rows"
    DIR=$(sample_dir "$rows")
    declare -A DIGEST=()
    rm -rf "$TMP/payers-card"
    for (( r = 1; r <= ROUNDS; r++ )); do
        for p in "${RUN_POLICIES[@]}"; do
            OUT="$TMP/out-$p"
            rm -rf "$OUT"
            timed "$p" "$r" /dev/null "$BIN" run --policy "$p" --input "$DIR/in" --out "$OUT" --id-key-file "$KEYFILE"
            group=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["timings_seconds"].get("group", ""))' \
                "$OUT/manifest.json") || die "cannot read the timings of $OUT/manifest.json"
            printf '%s\t%s\t%d\t%s\t%s\t%s\n' "$rows" "$p" "$r" "$WALL" "$RSS_KB" "$group" >> "$RESULTS"
            digest=$(sha256sum "$OUT/guest_payments.csv" | cut -d ' ' -f 1)
            if (( r == 1 )); then
                note "$rows rows, $p: scoring guest_payments.csv against the people file"
                if [[ $p == card ]]; then  # the payers' card run, for the later policies of this size
                    rm -rf "$TMP/payers-card" && mkdir -p "$TMP/payers-card"
                    cp "$OUT/guest_payments.csv" "$OUT/summary.json" "$TMP/payers-card/"
                fi
                payer_run=()
                [[ -d $TMP/payers-card ]] && payer_run=("$TMP/payers-card")
                score=$(python3 "$SCRIPT_DIR/linkage_quality.py" "$DIR/people.csv" "$OUT" "${payer_run[@]}") \
                    || die "scoring $p failed"
                printf '%s\t%s\t%s\n' "$rows" "$p" "$score" >> "$QUALITY"
                DIGEST[$p]=$digest
            elif [[ $digest != "${DIGEST[$p]}" ]]; then
                die "$p gave another guest_payments.csv in round $r than in round 1 (not deterministic, or the binary changed)"
            fi
            note "$rows rows, round $r/$ROUNDS: $p ${WALL} s, ${RSS_KB} KB (group stage ${group:-?} s)"
            if [[ -n $KEEP ]] && (( r == ROUNDS )); then
                rm -rf "$DIR/out-$p"
                mv "$OUT" "$DIR/out-$p"
            fi
        done
    done
    unset DIGEST
done

binary_rebuilt_warning
machine_info
export RESULTS QUALITY ROUNDS SEED DAYS GP_VERSION REBUILT TARGET_RECALL TARGET_PRECISION TARGET_TIME_RATIO
export POLICY_ORDER="${RUN_POLICIES[*]}" SKIPPED_POLICIES="${SKIPPED[*]-}" KEEP BIN
python3 - <<'PY'
import json
import os
from statistics import median

E = os.environ
order = E["POLICY_ORDER"].split()
skipped = E["SKIPPED_POLICIES"].split()
runs = {}      # rows -> policy -> round -> (wall, kb, group)
for line in open(E["RESULTS"]):
    rows, policy, rnd, wall, kb, group = line.rstrip("\n").split("\t")
    runs.setdefault(int(rows), {}).setdefault(policy, {})[int(rnd)] = (
        float(wall), int(kb), float(group) if group else None)
quality = {}   # rows -> policy -> scores
for line in open(E["QUALITY"]):
    rows, policy, score = line.rstrip("\n").split("\t", 2)
    quality.setdefault(int(rows), {})[policy] = json.loads(score)
recall_t, precision_t = float(E["TARGET_RECALL"]), float(E["TARGET_PRECISION"])
time_t = float(E["TARGET_TIME_RATIO"])

def f4(x):
    return "-" if x is None else f"{x:.4f}"

def f2(x):
    return "-" if x is None else f"{x:.2f}"

def med(xs):
    xs = [x for x in xs if x is not None]
    return median(xs) if xs else None

print(f"guestpipe linkage benchmark (issue #13), {E['DATE']}")
print(f"machine: {E['NPROC']} cores (nproc), {E['CPU']}, {E['MEM']}")
print(f"guestpipe {E['GP_VERSION']} ({E['BIN']}, built {E['BINTIME']}; repo at {E['COMMIT']})")
print(f"samples: guestpipe sample --rows N --days {E['DAYS']} --seed {E['SEED']} --people FILE "
      f"(linkage traps on)")
print(f"{E['ROUNDS']} alternated rounds ({' '.join(order)} ...), each: guestpipe run --policy P "
      f"--input DIR --out OUT --id-key-file KEY under /usr/bin/time; medians")
if skipped:
    print(f"skipped (this guestpipe rejects --policy {', '.join(skipped)}): {', '.join(skipped)}")
print("pairs over the payments of guest_payments.csv: predicted = same guest, true = same person;")
print("precision = both / predicted, recall = both / true. 'payers': true = same payer, people who")
print("paid with one card joined (the contract: spouses sharing a card are one guest; no policy can")
print("part them, the card is all the data says); the targets are checked against payers")

verdicts = []
for rows in sorted(runs):
    q, t = quality[rows], runs[rows]
    any_q = next(iter(q.values()))
    print()
    print(f"== {rows:,} payments over {E['DAYS']} days: {any_q['payments']:,} guest payments of "
          f"{any_q['people']:,} people; the largest person made {any_q['largest_person']:,} "
          f"({100 * (any_q['largest_person_pair_share'] or 0):.1f}% of the true pairs)")
    print("(largest guest: its payments and the people who made them; run s, group s (manifest.json")
    print(" timings_seconds), peak MB: medians over the rounds)")
    hdr = (f"{'policy':<10} {'precision':>9} {'recall':>7} {'payers: P':>9} {'R':>7} {'guests':>10} {'largest guest':>13} "
           f"{'its people':>10} {'run s':>7} {'group s':>7} {'peak MB':>8}")
    print(hdr)
    print("-" * len(hdr))
    for p in order:
        s, r = q[p], t[p]
        print(f"{p:<10} {f4(s['precision']):>9} {f4(s['recall']):>7} {f4(s.get('precision_payers')):>9} "
              f"{f4(s.get('recall_payers')):>7} {s['guests']:>10,} "
              f"{s['largest_guest']:>13,} {s['largest_guest_people']:>10,} "
              f"{med(w for w, _, _ in r.values()):>7.2f} {f2(med(g for _, _, g in r.values())):>7} "
              f"{med(k for _, k, _ in r.values()) * 1024 / 1e6:>8.1f}")
    ceiling = q.get("card", {}).get("precision_at_full_recall")
    if ceiling is not None:
        print(f"precision at recall 1 under the contract (a card is one guest: the people who share "
              f"a card joined, nothing else): {ceiling:.4f}")
    if "linked" in t and "card" in t:
        ratios = [t["linked"][i][0] / t["card"][i][0] for i in sorted(t["linked"])
                  if i in t["card"] and t["card"][i][0] > 0]
        ratio = med(ratios)
        print(f"time linked / card per round: {' '.join(f2(x) for x in ratios)} -> median {f2(ratio)}")
    if "linked" in q:
        s = q["linked"]
        recall, precision = s.get("recall_payers"), s.get("precision_payers")
        ok = (recall or 0) >= recall_t and (precision or 0) >= precision_t
        line = (f"{rows:,}: linked recall {f4(recall)} (>= {recall_t}) at precision "
                f"{f4(precision)} (>= {precision_t}), against payers: {'PASS' if ok else 'MISS'}")
        verdicts.append(line)
        if "card" in t:
            tok = ratio is not None and ratio <= time_t
            verdicts.append(f"{rows:,}: linked time {f2(ratio)}x card (<= {time_t}x): "
                            f"{'PASS' if tok else 'MISS'}")
        else:
            verdicts.append(f"{rows:,}: linked time vs card: not measured (card not run)")
    else:
        verdicts.append(f"{rows:,}: linked not run: targets not checked")

print()
print("targets (issue #13)")
for v in verdicts:
    print("  " + v)
if E.get("KEEP"):
    print(f"samples and last outputs kept in {E['KEEP']}")
if E.get("REBUILT"):
    print()
    print(E["REBUILT"])
PY
