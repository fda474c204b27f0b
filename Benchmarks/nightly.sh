#!/usr/bin/env bash
# Nightly benchmark for guestpipe (issue #11, item 6): a year of daily exports, a state built
# from the first D-1 days, then, alternated round by round on the same D files:
#   nightly    guestpipe run --state, adding day D to the state of D-1 days (the state is
#              restored from a pristine copy before every nightly, so every round measures
#              the same nightly)
#   rebuild    guestpipe run --state --rebuild of the same state (all D exports)
#   ad hoc     guestpipe run over the same D files, no --state
#   DuckDB     the peer card job from ../shared/bench, 2 threads
#   zstd -dc   of the same files (the floor)
# Prints a table of medians (wall s, peak MB, guestpipe's stages from manifest.json), the
# issue's three targets with their ratios and PASS/MISS, and the per-round ratios.
#
# Note: --days is now the TOTAL number of daily export files D (the state holds D-1 of them).
# Before, --days was the state's days and the script generated one day more; and --rows is
# now the rows of the whole sample ('guestpipe sample --rows N --days D'), not of the state.
set -euo pipefail

PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CMDLINE=$(printf '%q ' "$0" "$@")
CMDLINE=${CMDLINE% }
MAX_NIGHTLY_TIME=0.10          # the issue's targets: nightly wall <= 10% of the rebuild's,
MAX_NIGHTLY_MEMORY=0.25        # nightly peak memory <= 25% of the rebuild's,
MAX_REBUILD_OVER_ADHOC=1.2     # rebuild wall <= 1.2x the ad-hoc run's
BUILD_LOCK=/tmp/gp-build.lock  # one swift build at a time on this machine
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    cat <<EOF
Usage: Benchmarks/$PROG [--rows N] [--days D] [--rounds R] [--seed S] [--dir DIR]

Times a nightly guestpipe run (one new daily export into a state) against a full --rebuild of
the same state, an ad-hoc run, the DuckDB peer and the zstd floor, on the same D exports.

  --rows N    payments of the whole sample (default 2000000)
  --days D    daily export files in all, D >= 2 (default 365): the state is built from the
              first D-1, the nightly adds day D. (Before issue #11 item 6, --days was the
              state's days and one more day was generated.)
  --rounds R  rounds of the alternation (default 3); medians over the rounds
  --seed S    seed of 'guestpipe sample' (default $SEED)
  --dir DIR   working folder (default /tmp/guestpipe-nightly-N-D); the sample lives in DIR/all,
              generated once with 'guestpipe sample --rows N --days D --seed S --out DIR/all'
              and reused afterwards; the states, outputs and key of a run go to a scratch
              folder DIR/run.XXXXXX, removed at exit
  -h, --help  this message

Setup (timed once, printed, not part of the rounds):
  guestpipe run --input FILE1..FILE(D-1) --state STATE --out OUT --id-key-file KEY
Per round, under /usr/bin/time -f '%e %M' (order forward in odd rounds, reversed in even):
  nightly   STATE := pristine copy of the D-1 state (cp -a, untimed), then
            guestpipe run --input FILE1..FILED --state STATE --out OUT --id-key-file KEY
  rebuild   STATE := copy of the state after the first nightly (all D exports), then
            guestpipe run --input FILE1..FILED --state STATE --out OUT --id-key-file KEY --rebuild
  ad hoc    guestpipe run --input FILE1..FILED --out OUT --id-key-file KEY
  DuckDB    run_duckdb.py --threads 2 --input 'DIR/all/payments-*.csv.zst' duckdb_card_job.sql
  zstd      zstd -dc FILE1..FILED > /dev/null
OUT is emptied before every guestpipe run, so every run writes all its outputs. Every path
given to guestpipe is absolute (a state sees another spelling of a path as another export).
KEY is a throwaway key made for the run (mode 600). guestpipe runs its default policy (card),
the one the DuckDB job imitates. The DuckDB peer runs in the venv $PEER_VENV (created with
duckdb==$DUCKDB_PIN if missing).

Targets (issue #11), from the medians of this run: nightly wall <= $MAX_NIGHTLY_TIME x the rebuild's
(the whole process, outputs included); nightly peak memory <= $MAX_NIGHTLY_MEMORY x the rebuild's;
rebuild wall <= $MAX_REBUILD_OVER_ADHOC x the ad-hoc run's. A MISS does not change the exit status.
Progress goes to stderr, the tables to stdout. Uses .build/release/guestpipe of this repository;
builds it (flock $BUILD_LOCK swift build -c release --product guestpipe) only if missing.
EOF
}

ROWS=2000000
DAYS=365
ROUNDS=3
SEED_ARG=$SEED
DIR=
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --rows) need_value "$@"; ROWS=$2; shift 2 ;;
        --rows=*) ROWS=${1#*=}; shift ;;
        --days) need_value "$@"; DAYS=$2; shift 2 ;;
        --days=*) DAYS=${1#*=}; shift ;;
        --rounds) need_value "$@"; ROUNDS=$2; shift 2 ;;
        --rounds=*) ROUNDS=${1#*=}; shift ;;
        --seed) need_value "$@"; SEED_ARG=$2; shift 2 ;;
        --seed=*) SEED_ARG=${1#*=}; shift ;;
        --dir) need_value "$@"; DIR=$2; shift 2 ;;
        --dir=*) DIR=${1#*=}; shift ;;
        *) usage >&2; echo >&2; die "unknown argument '$1'" ;;
    esac
done
positive_int --rows "$ROWS"
positive_int --days "$DAYS"
positive_int --rounds "$ROUNDS"
[[ $SEED_ARG =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$SEED_ARG'"
(( DAYS >= 2 )) || die "--days must be at least 2 (the state holds D-1 days, the nightly adds day D)"
SEED=$SEED_ARG                 # read by ensure_sample (lib.sh)
DIR=${DIR:-/tmp/guestpipe-nightly-$ROWS-$DAYS}
mkdir -p "$DIR" || die "cannot create $DIR"
DIR=$(cd "$DIR" && pwd -P)     # absolute, one spelling for every path below

require_tools zstd wc python3 head od tr du cp flock

# --- guestpipe binary (built through the machine's build lock, only if missing) and the peer
if [[ ! -x $BIN ]]; then
    command -v swift >/dev/null 2>&1 || die "$BIN is missing and 'swift' is not on PATH"
    note "$BIN is missing; building it (flock $BUILD_LOCK swift build -c release --product guestpipe in $ROOT)"
    (cd "$ROOT" && flock "$BUILD_LOCK" swift build -c release --product guestpipe) \
        || die "swift build -c release --product guestpipe failed"
fi
ensure_guestpipe
setup_peer
PEER_SCRIPT="$SHARED_BENCH/run_duckdb.py"
PEER_SQL="$SHARED_BENCH/duckdb_card_job.sql"

# --- data: generated once ------------------------------------------------------------------
ensure_sample "$DIR/all" "$ROWS" "$DAYS" --dir
(( ${#FILES[@]} == DAYS )) \
    || die "$DIR/all holds ${#FILES[@]} exports, not $DAYS; remove it or pass another --dir"
for f in "${FILES[@]}"; do [[ $f == /* ]] || die "not an absolute path: $f"; done
STATE_FILES=("${FILES[@]:0:DAYS-1}")   # the first D-1 days (glob order = date order)
NEW_FILE=${FILES[DAYS-1]}              # day D

# --- scratch: states, outputs, key, timings ------------------------------------------------
TMP=$(mktemp -d "$DIR/run.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
KEYFILE="$TMP/id-key"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$KEYFILE")
chmod 600 "$KEYFILE"
[[ $(<"$KEYFILE") =~ ^[0-9a-f]{64}$ ]] || die "could not make the throwaway key file $KEYFILE"
STATE="$TMP/state"                  # the state every stateful run works on
PRISTINE_PREV="$TMP/state-d-1"      # the state of D-1 days, as built by the setup
PRISTINE_ALL="$TMP/state-d"         # the state after the first nightly (all D exports)
OUTDIR="$TMP/out"
RESULTS="$TMP/results.tsv"          # name, round, wall s, peak KB
FACTS="$TMP/facts.tsv"              # name, round, mode, payments, guests, new, changed, unchanged, timings JSON
: > "$RESULTS"
: > "$FACTS"

# run_facts NAME ROUND: appends the facts of OUTDIR/manifest.json to FACTS
run_facts() {
    python3 - "$OUTDIR/manifest.json" "$1" "$2" >> "$FACTS" <<'PY' \
        || die "cannot read $OUTDIR/manifest.json after $1 in round $2"
import json, sys
m = json.load(open(sys.argv[1]))
status = [i["status"] for i in m["inputs"]]
t = {k: float(v) for k, v in m["timings_seconds"].items()}
print("\t".join([sys.argv[2], sys.argv[3], m["mode"], str(m["counts"]["payments"]),
                 str(m["counts"]["guests"]), str(status.count("new")), str(status.count("changed")),
                 str(status.count("unchanged")), json.dumps(t)]))
PY
}

# check_mode NAME ROUND MODE NEW: the last FACTS line has mode MODE and NEW new exports
check_mode() {
    local name mode new
    IFS=$'\t' read -r name _ mode _ _ new _ < <(tail -n 1 "$FACTS")
    [[ $name == "$1" && $mode == "$3" && $new == "$4" ]] \
        || die "$1 in round $2 ran in mode '$mode' with $new new exports, not '$3' with $4 (see $OUTDIR/manifest.json)"
}

# restore FROM: STATE becomes a copy of FROM; OUTDIR is emptied
restore() {
    rm -rf "$STATE" "$OUTDIR"
    cp -a "$1" "$STATE" || die "cannot copy the state $1 to $STATE"
}

bytes() { du -sb "$1" | cut -f1; }

# settle: writes the dirty pages of the last copy or run to disk before the clock starts, so
# that no run pays for the write-back of another's files (a 400 MB state copy, 350 MB of outputs)
settle() { sync; }

note "measuring the uncompressed size (zstd -dc | wc -c; also warms the page cache)"
CSV_BYTES=$(zstd -dc "${FILES[@]}" | wc -c) || die "zstd -dc failed on the files in $DIR/all"
ZST_BYTES=$(cat "${FILES[@]}" | wc -c)
NEW_CSV_BYTES=$(zstd -dc "$NEW_FILE" | wc -c)

# --- setup: the state of the first D-1 days (timed once) ----------------------------------
note "setup: building the state from the first $((DAYS - 1)) exports"
rm -rf "$STATE" "$OUTDIR"
settle
timed setup 0 "$TMP/run.out" "$BIN" run --input "${STATE_FILES[@]}" --state "$STATE" \
    --out "$OUTDIR" --id-key-file "$KEYFILE"
printf 'setup\t0\t%s\t%s\n' "$WALL" "$RSS_KB" >> "$RESULTS"
run_facts setup 0
check_mode setup 0 incremental $((DAYS - 1))
cp -a "$STATE" "$PRISTINE_PREV"
STATE_PREV_BYTES=$(bytes "$PRISTINE_PREV")
note "setup: ${WALL} s  ${RSS_KB} KB; state of $((DAYS - 1)) days: $STATE_PREV_BYTES bytes"

# --- rounds ----------------------------------------------------------------------------------
run_one() {  # NAME ROUND
    local name=$1 r=$2
    case $name in
        nightly)
            restore "$PRISTINE_PREV"
            settle
            timed nightly "$r" "$TMP/run.out" "$BIN" run --input "${FILES[@]}" --state "$STATE" \
                --out "$OUTDIR" --id-key-file "$KEYFILE"
            ;;
        rebuild)
            [[ -d $PRISTINE_ALL ]] || die "no state of all $DAYS exports yet (the first round runs the nightly first)"
            restore "$PRISTINE_ALL"
            settle
            timed rebuild "$r" "$TMP/run.out" "$BIN" run --input "${FILES[@]}" --state "$STATE" \
                --out "$OUTDIR" --id-key-file "$KEYFILE" --rebuild
            ;;
        adhoc)
            rm -rf "$OUTDIR"
            settle
            timed adhoc "$r" "$TMP/run.out" "$BIN" run --input "${FILES[@]}" --out "$OUTDIR" \
                --id-key-file "$KEYFILE"
            ;;
        duckdb)
            settle
            timed duckdb "$r" /dev/null "$PEER_PY" "$PEER_SCRIPT" --threads 2 \
                --input "$DIR/all/payments-*.csv.zst" "$PEER_SQL"
            ;;
        zstd)
            settle
            timed zstd "$r" /dev/null zstd -dc "${FILES[@]}"
            ;;
    esac
    printf '%s\t%d\t%s\t%s\n' "$name" "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
    case $name in
        nightly)
            run_facts nightly "$r"
            check_mode nightly "$r" incremental 1
            if [[ ! -d $PRISTINE_ALL ]]; then
                cp -a "$STATE" "$PRISTINE_ALL"
                STATE_ALL_BYTES=$(bytes "$PRISTINE_ALL")
            fi
            ;;
        rebuild) run_facts rebuild "$r"; check_mode rebuild "$r" rebuild 0 ;;
        adhoc) run_facts adhoc "$r"; check_mode adhoc "$r" ad-hoc "$DAYS" ;;
    esac
    note "round $r/$ROUNDS: $(printf '%-8s' "$name") ${WALL} s  ${RSS_KB} KB"
}

ORDER=(nightly rebuild adhoc duckdb zstd)
STATE_ALL_BYTES=
for (( r = 1; r <= ROUNDS; r++ )); do
    if (( r % 2 == 1 )); then
        for name in "${ORDER[@]}"; do run_one "$name" "$r"; done
    else
        for (( i = ${#ORDER[@]} - 1; i >= 0; i-- )); do run_one "${ORDER[i]}" "$r"; done
    fi
done
binary_rebuilt_warning

# --- tables ----------------------------------------------------------------------------------
machine_info
export RESULTS FACTS ROUNDS ROWS DAYS SEED DIR CMDLINE DUCKDB_VERSION REBUILT GP_VERSION
export MAX_NIGHTLY_TIME MAX_NIGHTLY_MEMORY MAX_REBUILD_OVER_ADHOC
export CSV_BYTES ZST_BYTES NEW_CSV_BYTES STATE_PREV_BYTES STATE_ALL_BYTES NEW_FILE
export BIN PEER_PY PEER_SCRIPT PEER_SQL
python3 - <<'PY'
import json
import os
from statistics import median

E = os.environ
days = int(E["DAYS"])
runs = {}       # name -> round -> (wall s, peak KB)
for line in open(E["RESULTS"]):
    name, rnd, wall, kb = line.rstrip("\n").split("\t")
    runs.setdefault(name, {})[int(rnd)] = (float(wall), int(kb))
facts = {}      # name -> round -> dict
for line in open(E["FACTS"]):
    name, rnd, mode, pay, guests, new, changed, unchanged, t = line.rstrip("\n").split("\t")
    facts.setdefault(name, {})[int(rnd)] = dict(mode=mode, payments=int(pay), guests=int(guests),
                                                 timings=json.loads(t))

def mb(kb):
    return kb * 1024 / 1e6

def fx(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"

def med_wall(name):
    return median(w for w, _ in runs[name].values())

def med_kb(name):
    return median(k for _, k in runs[name].values())

def stages(name):
    st = facts.get(name, {})
    keys = []
    for rnd in sorted(st):
        keys += [k for k in st[rnd]["timings"] if k not in keys]
    if not keys:
        return "-"
    meds = {k: median(st[r]["timings"][k] for r in st if k in st[r]["timings"]) for k in keys}
    return ", ".join(f"{k} {v:.2f}" for k, v in meds.items()) + f" (sum {sum(meds.values()):.2f})"

def ratio(a, b):
    return a / b if b > 0 else None

def per_round(a, b, i):
    return [ratio(runs[a][r][i], runs[b][r][i]) if r in runs[b] else None for r in sorted(runs[a])]

rows = [
    ("setup", f"state built from the first {days - 1} days (setup, once)"),
    ("nightly", f"nightly: adds day {days} to the state of {days - 1} days"),
    ("rebuild", f"--rebuild of the same state ({days} exports)"),
    ("adhoc", f"ad hoc over the same {days} files (no --state)"),
    ("duckdb", f"DuckDB {E['DUCKDB_VERSION']} card job, 2 threads (peer)"),
    ("zstd", "zstd -dc of the same files (floor)"),
]

print(f"guestpipe nightly benchmark (issue #11 item 6), {E['DATE']}")
print(f"command: {E['CMDLINE']}")
print(f"machine: {E['NPROC']} cores (nproc), {E['CPU']}, {E['MEM']}")
print(f"guestpipe {E['GP_VERSION']} ({E['BIN']}, built {E['BINTIME']}; repo at commit {E['COMMIT']})")
print(f"peer: DuckDB {E['DUCKDB_VERSION']}, 2 threads ({E['PEER_PY']} {E['PEER_SCRIPT']} {E['PEER_SQL']})")
print(f"sample: guestpipe sample --rows {E['ROWS']} --days {days} --seed {E['SEED']} --out {E['DIR']}/all")
print(f"  {days} daily files, {int(E['ZST_BYTES']) / 1e6:.1f} MB zstd -> {int(E['CSV_BYTES']) / 1e6:.1f} MB CSV; "
      f"day {days} = {os.path.basename(E['NEW_FILE'])}, {int(E['NEW_CSV_BYTES']) / 1e6:.1f} MB CSV")
state_all = f"{int(E['STATE_ALL_BYTES']) / 1e6:.1f} MB" if E.get("STATE_ALL_BYTES") else "-"
print(f"state size: {int(E['STATE_PREV_BYTES']) / 1e6:.1f} MB with {days - 1} days, {state_all} after "
      f"the nightly ({days} days)")
print(f"{E['ROUNDS']} alternated rounds (nightly, rebuild, ad hoc, DuckDB, zstd; reversed in even rounds); "
      f"medians; MB = 10^6 bytes")
print("every guestpipe run: default policy (card), --id-key-file, absolute paths, an emptied --out;")
print(f"the nightly starts from a pristine copy of the {days - 1}-day state, the rebuild from a copy of the")
print(f"state after the first nightly ({days} exports); the copies (cp -a) are not timed, and sync runs before each timed command")
print()
hdr = "| run | wall s | peak MB | stages (s, from manifest.json's timings_seconds) |"
print(hdr)
print("|---|---:|---:|---|")
for name, label in rows:
    if name not in runs:
        continue
    st = stages(name) if name in facts else "-"
    print(f"| {label} | {med_wall(name):.2f} | {mb(med_kb(name)):,.0f} | {st} |")
print()
print("(the stages do not add up to the wall time: start-up, opening the state and hashing the inputs,")
print("publishing the outputs and the state commit, which follow the manifest, are outside them)")
print()

targets = [
    ("nightly wall <= {:g}x the rebuild's (whole process, outputs included)".format(float(E["MAX_NIGHTLY_TIME"])),
     ratio(med_wall("nightly"), med_wall("rebuild")), float(E["MAX_NIGHTLY_TIME"]), ("nightly", "rebuild", 0)),
    ("nightly peak memory <= {:g}x the rebuild's".format(float(E["MAX_NIGHTLY_MEMORY"])),
     ratio(med_kb("nightly"), med_kb("rebuild")), float(E["MAX_NIGHTLY_MEMORY"]), ("nightly", "rebuild", 1)),
    ("rebuild wall <= {:g}x the ad-hoc run's".format(float(E["MAX_REBUILD_OVER_ADHOC"])),
     ratio(med_wall("rebuild"), med_wall("adhoc")), float(E["MAX_REBUILD_OVER_ADHOC"]), ("rebuild", "adhoc", 0)),
]
print("targets (issue #11), ratios of this run's medians:")
met = 0
for text, r, limit, _ in targets:
    ok = r is not None and r <= limit
    met += ok
    print(f"  {'PASS' if ok else 'MISS'}  {text}: ratio {fx(r, 3)} (target <= {limit:g})")
print(f"  {met} of {len(targets)} targets met")
print()
print("per-round ratios, in round order (then their median):")
for label, (a, b, i) in [("nightly / rebuild, wall", targets[0][3]), ("nightly / rebuild, peak memory", targets[1][3]),
                         ("rebuild / ad hoc, wall", targets[2][3])]:
    rs = per_round(a, b, i)
    vals = [x for x in rs if x is not None]
    print(f"  {label:<32} {' '.join(fx(x, 3) for x in rs)}  -> median {fx(median(vals) if vals else None, 3)}")
print()
print("payments / guests of the last round's runs (manifest.json counts):")
seen = set()
for name in ("nightly", "rebuild", "adhoc"):
    last = facts[name][max(facts[name])]
    seen.add((last["payments"], last["guests"]))
    print(f"  {name:<8} {last['payments']:>12,} payments  {last['guests']:>12,} guests  (mode {last['mode']})")
if len(seen) > 1:
    print("  WARNING: the nightly, the rebuild and the ad-hoc run disagree on the counts")
if E.get("REBUILT"):
    print()
    print(E["REBUILT"])
PY
