#!/usr/bin/env bash
# Grouping benchmark for guestpipe: `guestpipe run --policy card` (read, dedup, group, write the
# reports) next to the DuckDB peer from ../shared/bench (the card job a payments analyst would
# write by hand, 2 threads) and the floor no reader can beat (`zstd -dc > /dev/null`).
#
# A layout is ROWS:DAYS (distinct payments, one export file per day); the defaults are the three
# layouts of the speed issue (#12): 1M payments in 7 daily files, 5M in 7, 2M in 365. Per layout,
# the three commands run in one loop, alternated (A B C A B C ...), on the same files; the tables
# give medians, every per-round ratio guestpipe / DuckDB (time, peak memory) with its median, the
# ratios to the zstd floor, guestpipe's stage timings (manifest.json) and whether the issue's
# target is met. The DuckDB job is a simplified card policy, so its counts differ slightly.
set -euo pipefail

PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEFAULT_LAYOUTS=1000000:7,5000000:7,2000000:365
DEFAULT_DAYS=7                 # the days of a --rows size, and the days of the old folder name
MAX_ROWS=200000000             # the bounds of 'guestpipe sample --rows' and '--days'
MAX_DAYS=36600
TARGET_SPEEDUP=1.2             # the issue's target: guestpipe >= 1.2x faster than DuckDB ...
AIM_SPEEDUP=1.5                # ... (aim 1.5x) ...
TARGET_MEMORY=0.5              # ... at no more than half its peak memory, on every layout
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    cat <<EOF
Usage: Benchmarks/$PROG [--layout ROWS:DAYS[,ROWS:DAYS...]]... [--rows N[,N...]]... [--days D]
                    [--pairs P] [--dir-prefix PREFIX]

Benchmarks 'guestpipe run --policy card' against the DuckDB peer on synthetic Stripe exports
(.csv.zst), layout by layout.

  --layout ROWS:DAYS  ROWS distinct payments in DAYS daily export files; repeatable or a comma
                      list, one layout each (default $DEFAULT_LAYOUTS,
                      the three layouts of the speed issue #12)
  --rows N            shorthand for --layout N:D with D from --days (the old form); repeatable
                      or a comma list, and may be mixed with --layout
  --days D            the days of every --rows size (default $DEFAULT_DAYS); only with --rows
  --pairs P           rounds of the alternation per layout (default 5)
  --dir-prefix PREFIX the sample of layout ROWS:DAYS lives in PREFIXROWS-DAYSd, or in PREFIXROWS
                      when DAYS is $DEFAULT_DAYS (the folder Benchmarks/reader.sh, floors.sh and ab.sh
                      share; default prefix /tmp/guestpipe-bench-); generated once with
                      'guestpipe sample --rows ROWS --days DAYS --seed $SEED' (one seed for
                      every layout), reused afterwards
  -h, --help          this message

ROWS is 1 to $MAX_ROWS and DAYS 1 to $MAX_DAYS (the bounds of 'guestpipe sample').

Per layout and round it times, under /usr/bin/time -f '%e %M':
  zstd -dc DIR/*.csv.zst > /dev/null                    the floor
  guestpipe run --policy card --input DIR --out OUTDIR --id-key-file KEYFILE
  run_duckdb.py --threads 2 --input 'DIR/payments-*.csv.zst' duckdb_card_job.sql > /dev/null
and keeps guestpipe's stage timings (timings_seconds of OUTDIR/manifest.json) before OUTDIR is
removed. KEYFILE is a throwaway key made for the run (mode 600, deleted at exit). The DuckDB
peer ($ROOT/../shared/bench) runs in the throwaway venv $PEER_VENV (created with
duckdb==$DUCKDB_PIN if missing).

Prints, per layout: median wall time and peak memory of each command and its median ratio to
the floor; every per-round ratio guestpipe / DuckDB (time, peak memory) and guestpipe / floor
(time), each with its median; the median of each guestpipe stage; a target line, PASS or MISS;
guestpipe's guests and distinct payments (summary.json of the last round) and the DuckDB result
rows (one extra, untimed run). Then a summary, one line per layout: layout, CSV MB, guestpipe s,
DuckDB s, time ratio, memory ratio, target. Above the tables: the machine, the date, the seed,
the guestpipe commit and the exact commands.

The target (issue #12), on every layout: guestpipe at least ${TARGET_SPEEDUP}x faster than DuckDB (aim
${AIM_SPEEDUP}x) at no more than half its peak memory, i.e. a median time ratio guestpipe / DuckDB
<= 1/$TARGET_SPEEDUP and a median peak memory ratio <= $TARGET_MEMORY. A MISS does not change the exit
status (0; non-zero only when something fails). Progress goes to stderr, the tables to stdout.
Uses .build/release/guestpipe; builds it (swift build -c release) only if it is missing.

Examples:
  Benchmarks/$PROG                             the three layouts, 5 rounds each
  Benchmarks/$PROG --layout 2000000:365 --pairs 3
  Benchmarks/$PROG --rows 1000000,5000000      the old form: both sizes over $DEFAULT_DAYS days
EOF
}

LAYOUT_ARGS=()
ROWS_ARGS=()
DAYS=
PAIRS=5
DIR_PREFIX=/tmp/guestpipe-bench-
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --layout) need_value "$@"; LAYOUT_ARGS+=("$2"); shift 2 ;;
        --layout=*) LAYOUT_ARGS+=("${1#*=}"); shift ;;
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

# in_range OPTION VALUE MAX: VALUE a positive integer no larger than MAX
in_range() {
    positive_int "$1" "$2"
    (( ${#2} <= ${#3} && $2 <= $3 )) || die "$1 must be at most $3 (the bound of 'guestpipe sample'), got '$2'"
}

# add_layout ROWS DAYS: appends ROWS:DAYS to LAYOUTS unless it is there already
LAYOUTS=()
add_layout() {
    [[ " ${LAYOUTS[*]-} " == *" $1:$2 "* ]] || LAYOUTS+=("$1:$2")
}

if [[ -n $DAYS ]]; then
    (( ${#ROWS_ARGS[@]} > 0 )) \
        || die "--days goes with --rows only (a --layout ROWS:DAYS names its own days; see --help)"
    in_range --days "$DAYS" "$MAX_DAYS"
fi
DAYS=${DAYS:-$DEFAULT_DAYS}
(( ${#LAYOUT_ARGS[@]} + ${#ROWS_ARGS[@]} > 0 )) || LAYOUT_ARGS=("$DEFAULT_LAYOUTS")
for arg in "${LAYOUT_ARGS[@]}"; do
    IFS=, read -r -a parts <<< "$arg"
    (( ${#parts[@]} > 0 )) || die "--layout needs a value (see --help)"
    for layout in "${parts[@]}"; do
        [[ $layout =~ ^([0-9]+):([0-9]+)$ ]] \
            || die "--layout must be ROWS:DAYS (e.g. 2000000:365), got '$layout'"
        rows=${BASH_REMATCH[1]} days=${BASH_REMATCH[2]}
        in_range "--layout rows" "$rows" "$MAX_ROWS"
        in_range "--layout days" "$days" "$MAX_DAYS"
        add_layout "$rows" "$days"
    done
done
for arg in "${ROWS_ARGS[@]}"; do
    IFS=, read -r -a parts <<< "$arg"
    (( ${#parts[@]} > 0 )) || die "--rows needs a value (see --help)"
    for n in "${parts[@]}"; do
        in_range --rows "$n" "$MAX_ROWS"
        add_layout "$n" "$DAYS"
    done
done
positive_int --pairs "$PAIRS"
[[ -n $DIR_PREFIX ]] || die "--dir-prefix must not be empty"

# sample_dir ROWS DAYS: the folder of a layout's sample (the old name for DEFAULT_DAYS, so the
# samples of reader.sh, floors.sh and ab.sh are reused)
sample_dir() {
    if (( $2 == DEFAULT_DAYS )); then
        printf '%s%s' "$DIR_PREFIX" "$1"
    else
        printf '%s%s-%sd' "$DIR_PREFIX" "$1" "$2"
    fi
}

require_tools zstd wc python3 head od tr

# --- guestpipe binary and the DuckDB peer --------------------------------------------------
ensure_guestpipe
setup_peer
PEER_SCRIPT="$SHARED_BENCH/run_duckdb.py"
PEER_SQL="$SHARED_BENCH/duckdb_card_job.sql"

# --- data: every layout generated (once) before anything is timed -------------------------
note "layouts (rows:days): ${LAYOUTS[*]}; seed $SEED for every sample; $PAIRS rounds each"
for layout in "${LAYOUTS[@]}"; do
    ensure_sample "$(sample_dir "${layout%:*}" "${layout#*:}")" "${layout%:*}" "${layout#*:}" --dir-prefix
done

# --- scratch: the throwaway id key and the output folder, in /tmp ------------------------
TMP=$(mktemp -d /tmp/guestpipe-grouping-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
KEYFILE="$TMP/id-key"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$KEYFILE")
chmod 600 "$KEYFILE"
[[ $(<"$KEYFILE") =~ ^[0-9a-f]{64}$ ]] || die "could not make the throwaway key file $KEYFILE"
OUTDIR="$TMP/out"

RESULTS="$TMP/results.tsv"     # layout, name, round, wall s, peak KB
STAGES="$TMP/stages.tsv"       # layout, round, timings_seconds (JSON object) of guestpipe
LAYOUTINFO="$TMP/layouts.tsv"  # layout, dir, files, zst bytes, csv bytes, guests, payments, duckdb rows, ungrouped rows
: > "$RESULTS"
: > "$STAGES"
: > "$LAYOUTINFO"

# run_facts OUTDIR: prints "guests payments files<TAB>timings" from guestpipe's summary.json
# and manifest.json (timings_seconds as a one-line JSON object)
run_facts() {
    python3 - "$1" <<'PY'
import json, os, sys
d = json.load(open(os.path.join(sys.argv[1], "summary.json")))
m = json.load(open(os.path.join(sys.argv[1], "manifest.json")))
t = {k: float(v) for k, v in m["timings_seconds"].items()}
print(f'{int(d["guests"])} {int(d["payments"])} {len(d.get("files", []))}\t{json.dumps(t)}')
PY
}

# --- timed runs, layout by layout ----------------------------------------------------------
for layout in "${LAYOUTS[@]}"; do
    DIR=$(sample_dir "${layout%:*}" "${layout#*:}")
    shopt -s nullglob
    FILES=("$DIR"/payments-*.csv.zst)
    shopt -u nullglob
    (( ${#FILES[@]} > 0 )) || die "no payments-*.csv.zst files in $DIR (removed during the run?)"

    note "$layout: measuring the uncompressed size (zstd -dc | wc -c; also warms the page cache)"
    CSV_BYTES=$(zstd -dc "${FILES[@]}" | wc -c) || die "zstd -dc failed on the files in $DIR"
    ZST_BYTES=$(cat "${FILES[@]}" | wc -c)

    GUESTS='' PAYMENTS=''
    for (( r = 1; r <= PAIRS; r++ )); do
        timed zstd "$r" /dev/null zstd -dc "${FILES[@]}"
        printf '%s\tzstd\t%d\t%s\t%s\n' "$layout" "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
        note "$layout, round $r/$PAIRS: zstd -dc          ${WALL} s  ${RSS_KB} KB"

        rm -rf "$OUTDIR"
        timed guestpipe "$r" "$TMP/run.out" "$BIN" run --policy card --input "$DIR" \
            --out "$OUTDIR" --id-key-file "$KEYFILE"
        printf '%s\tguestpipe\t%d\t%s\t%s\n' "$layout" "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
        [[ -f $OUTDIR/summary.json && -f $OUTDIR/manifest.json ]] \
            || die "guestpipe run wrote no $OUTDIR/summary.json or manifest.json in round $r"
        facts=$(run_facts "$OUTDIR") \
            || die "cannot read guests/payments from $OUTDIR/summary.json or timings_seconds from $OUTDIR/manifest.json in round $r"
        read -r g p nf <<< "${facts%%$'\t'*}"
        printf '%s\t%d\t%s\n' "$layout" "$r" "${facts#*$'\t'}" >> "$STAGES"
        (( nf == ${#FILES[@]} )) \
            || die "guestpipe read $nf files in $DIR but the benchmark times ${#FILES[@]} (zstd, DuckDB)"
        if [[ -n $GUESTS && "$g $p" != "$GUESTS $PAYMENTS" ]]; then
            die "guestpipe found $g guests / $p payments in round $r but $GUESTS / $PAYMENTS before (was the binary rebuilt mid-run?)"
        fi
        GUESTS=$g PAYMENTS=$p
        rm -rf "$OUTDIR"
        note "$layout, round $r/$PAIRS: guestpipe run      ${WALL} s  ${RSS_KB} KB  ($g guests, $p payments)"

        timed duckdb "$r" /dev/null "$PEER_PY" "$PEER_SCRIPT" --threads 2 \
            --input "$DIR/payments-*.csv.zst" "$PEER_SQL"
        printf '%s\tduckdb\t%d\t%s\t%s\n' "$layout" "$r" "$WALL" "$RSS_KB" >> "$RESULTS"
        note "$layout, round $r/$PAIRS: duckdb card job   ${WALL} s  ${RSS_KB} KB"
    done

    note "$layout: counting the DuckDB result rows (one more, untimed run)"
    counts=$("$PEER_PY" "$PEER_SCRIPT" --threads 2 --input "$DIR/payments-*.csv.zst" "$PEER_SQL" \
        | awk 'NR > 1 { n++ } NR > 1 && /^ungrouped,/ { u++ } END { print n + 0, u + 0 }') \
        || die "the untimed DuckDB run failed on $DIR"
    read -r DUCK_ROWS DUCK_UNGROUPED <<< "$counts"
    [[ $DUCK_ROWS =~ ^[0-9]+$ && $DUCK_UNGROUPED =~ ^[0-9]+$ ]] \
        || die "could not count the DuckDB result rows (got '$counts')"
    printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$layout" "$DIR" "${#FILES[@]}" "$ZST_BYTES" \
        "$CSV_BYTES" "$GUESTS" "$PAYMENTS" "$DUCK_ROWS" "$DUCK_UNGROUPED" >> "$LAYOUTINFO"
done

binary_rebuilt_warning

# --- tables --------------------------------------------------------------------------------
machine_info

export RESULTS STAGES LAYOUTINFO PAIRS SEED DUCKDB_VERSION REBUILT GP_VERSION
export TARGET_SPEEDUP AIM_SPEEDUP TARGET_MEMORY
export BIN PEER_PY PEER_SCRIPT PEER_SQL KEYFILE OUTDIR
python3 - <<'PY'
import json
import os
import shlex
from statistics import median

E = os.environ
runs = {}       # layout -> name -> round -> (wall, kb)
for line in open(E["RESULTS"]):
    lay, name, rnd, wall, kb = line.rstrip("\n").split("\t")
    runs.setdefault(lay, {}).setdefault(name, {})[int(rnd)] = (float(wall), int(kb))
stages = {}     # layout -> round -> {stage: seconds}
for line in open(E["STAGES"]):
    lay, rnd, timings = line.rstrip("\n").split("\t", 2)
    stages.setdefault(lay, {})[int(rnd)] = json.loads(timings)
layouts = []
for line in open(E["LAYOUTINFO"]):
    f = line.rstrip("\n").split("\t")
    rows, days = (int(x) for x in f[0].split(":"))
    layouts.append(dict(key=f[0], rows=rows, days=days, dir=f[1], files=int(f[2]), zst=int(f[3]),
                        csv=int(f[4]), guests=int(f[5]), payments=int(f[6]), duck_rows=int(f[7]),
                        duck_ungrouped=int(f[8])))

speedup, aim, max_mem = float(E["TARGET_SPEEDUP"]), float(E["AIM_SPEEDUP"]), float(E["TARGET_MEMORY"])
max_time = 1 / speedup
q = shlex.quote
labels = {
    "zstd": "zstd -dc > /dev/null (floor)",
    "guestpipe": "guestpipe run --policy card",
    "duckdb": f"DuckDB {E['DUCKDB_VERSION']} card job, 2 threads (peer)",
}

def mb(kb):
    return kb * 1024 / 1e6

def per_round(a, b, i):   # a[r][i] / b[r][i] for every round, in round order (None: b is 0)
    return [a[r][i] / b[r][i] if r in b and b[r][i] > 0 else None for r in sorted(a)]

def med(xs):
    xs = [x for x in xs if x is not None]
    return median(xs) if xs else None

def fx(x, suffix=""):
    return "-" if x is None else f"{x:.2f}{suffix}"

def rounds_line(label, rs):
    return f"{label:<34} {' '.join(fx(x) for x in rs) or '-'}  -> median {fx(med(rs))}"

def verdict(t, m):
    misses = []
    if t is None or t > max_time:
        misses.append("time")
    if m is None or m > max_mem:
        misses.append("memory")
    return "PASS" if not misses else f"MISS ({', '.join(misses)})"

def layout_name(s):
    return f"{s['rows']:,}:{s['days']}"

print(f"guestpipe grouping benchmark: guestpipe run --policy card vs the DuckDB peer, {E['DATE']}")
print(f"machine: {E['NPROC']} cores (nproc), {E['CPU']}, {E['MEM']}")
print(f"guestpipe {E['GP_VERSION']} (.build/release, built {E['BINTIME']}; repo at {E['COMMIT']})")
print(f"peer: DuckDB {E['DUCKDB_VERSION']}, 2 threads ({E['PEER_PY']})")
print(f"layouts (rows:days): {', '.join(layout_name(s) for s in layouts)}; samples made with "
      f"guestpipe sample --seed {E['SEED']} (every layout)")
print(f"{E['PAIRS']} alternated rounds per layout (zstd, guestpipe, DuckDB, zstd, ...); medians;")
print("MB = 10^6 bytes; ratios per round (- where the divisor took 0.00 s), then their median")
print(f"target (issue #12), every layout: guestpipe at least {speedup:g}x faster than DuckDB "
      f"(time ratio <= {max_time:.3f};")
print(f"aim {aim:g}x, <= {1 / aim:.3f}) at no more than {max_mem:g}x its peak memory (memory ratio "
      f"<= {max_mem:g})")
print("note: the DuckDB job is a simplified card policy (no E.164 phone normalisation, fewer")
print("placeholder rules, no per-currency files or reports), so its counts differ slightly from")
print("guestpipe's; it is a speed and memory reference, not a check of guestpipe's results.")
print()
print("commands, each under /usr/bin/time -f '%e %M' (DIR per layout below; KEYFILE a throwaway")
print("32-byte hex key, mode 600, deleted at exit; OUTDIR removed between rounds, after its")
print("manifest.json timings_seconds are kept):")
print("  zstd -dc DIR/*.csv.zst > /dev/null")
print(f"  {q(E['BIN'])} run --policy card --input DIR --out {q(E['OUTDIR'])} "
      f"--id-key-file {q(E['KEYFILE'])}")
print(f"  {q(E['PEER_PY'])} {q(E['PEER_SCRIPT'])} --threads 2 --input 'DIR/payments-*.csv.zst' "
      f"{q(E['PEER_SQL'])} > /dev/null")

summary = []
for s in layouts:
    rs = runs[s["key"]]
    gp, duck, floor = rs["guestpipe"], rs["duckdb"], rs["zstd"]
    print()
    print(f"== {s['rows']:,} payments in {s['days']} daily files: DIR = {s['dir']} (sample --rows "
          f"{s['rows']} --days {s['days']} --seed {E['SEED']}), {s['files']} files, "
          f"{s['zst'] / 1e6:.1f} MB zstd -> {s['csv'] / 1e6:.1f} MB CSV")
    hdr = f"{'command':<44} {'wall s':>8} {'peak MB':>8} {'x floor':>8}"
    print(hdr)
    print("-" * len(hdr))
    for name in ("zstd", "guestpipe", "duckdb"):
        r = rs[name]
        print(f"{labels[name]:<44} {median(w for w, _ in r.values()):>8.2f} "
              f"{mb(median(k for _, k in r.values())):>8.1f} {fx(med(per_round(r, floor, 0))):>8}")
    tr, mr = per_round(gp, duck, 0), per_round(gp, duck, 1)
    fr = per_round(gp, floor, 0)
    t, m = med(tr), med(mr)
    print("per-round ratios, in round order (below 1: guestpipe faster / smaller):")
    print(rounds_line("  guestpipe / DuckDB, time", tr))
    print(rounds_line("  guestpipe / DuckDB, peak memory", mr))
    print(rounds_line("  guestpipe / zstd floor, time", fr))
    st = stages.get(s["key"], {})
    names = []
    for rnd in sorted(st):
        names += [k for k in st[rnd] if k not in names]
    if names:
        meds = {k: median(st[rnd][k] for rnd in st if k in st[rnd]) for k in names}
        parts = "  ".join(f"{k} {v:.2f}" for k, v in meds.items())
        print("guestpipe stages, median s over the rounds (manifest.json timings_seconds):")
        print(f"  {parts}  (sum {sum(meds.values()):.2f} of {median(w for w, _ in gp.values()):.2f} s "
              f"wall)")
    v = verdict(t, m)
    faster = f"{1 / t:.2f}x faster" if t else "-"
    print(f"target {v}: time ratio {fx(t)} (guestpipe {faster}; target <= {max_time:.3f}, aim "
          f"<= {1 / aim:.3f}: {'met' if t is not None and t <= 1 / aim else 'not met'}), "
          f"memory ratio {fx(m)} (target <= {max_mem:g})")
    ung = f", incl. {s['duck_ungrouped']} 'ungrouped' row" if s["duck_ungrouped"] else ""
    print(f"counts: guestpipe {s['guests']:,} guests from {s['payments']:,} distinct payments "
          f"(summary.json, last round);")
    print(f"        DuckDB {s['duck_rows']:,} result rows (one key per row{ung}; one untimed run)")
    summary.append((layout_name(s), s["csv"] / 1e6, median(w for w, _ in gp.values()),
                    median(w for w, _ in duck.values()), t, m, v))

print()
print(f"summary (medians; ratios = median per-round guestpipe / DuckDB; target: time <= "
      f"{max_time:.3f}, memory <= {max_mem:g})")
hdr = (f"{'layout (rows:days)':<20} {'CSV MB':>9} {'guestpipe s':>12} {'DuckDB s':>9} "
       f"{'time ratio':>11} {'memory ratio':>13}  target")
print(hdr)
print("-" * len(hdr))
for name, csv_mb, g, d, t, m, v in summary:
    print(f"{name:<20} {csv_mb:>9.1f} {g:>12.2f} {d:>9.2f} {fx(t):>11} {fx(m):>13}  {v}")
met = sum(1 for row in summary if row[-1] == "PASS")
print(f"target met on {met} of {len(summary)} layouts")
if E.get("REBUILT"):
    print()
    print(E["REBUILT"])
PY
