# Helpers shared by the guestpipe benchmarks (reader.sh, grouping.sh, nightly.sh, floors.sh);
# source it, do not run it.
# shellcheck shell=bash disable=SC2034  # (variables set here for the scripts that source it)
#
# The sourcing script sets PROG (its name, for messages) and SCRIPT_DIR, and TMP (a scratch
# directory) before calling 'timed'. This file sets what both benchmarks share:
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)        # the repository root
BIN="$ROOT/.build/release/guestpipe"      # the binary under test
SEED=42                                   # the seed of 'guestpipe sample'
PEER_VENV=/tmp/duckdb-peer                # the throwaway venv of the DuckDB peer
DUCKDB_PIN=2.0.1                          # the reference duckdb version

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$PROG" "$*" >&2; }

need_value() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"; }
positive_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"; }

# require_tools TOOL... : every TOOL on PATH, and GNU time at /usr/bin/time
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (needed by the benchmark)"
    done
    [[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (GNU time; apt-get install time)"
}

# ensure_guestpipe: use the release build; build it only when it is missing.
# Sets BIN_STAMP (mtime and size, to notice a rebuild during the run) and GP_VERSION.
ensure_guestpipe() {
    if [[ ! -x $BIN ]]; then
        command -v swift >/dev/null 2>&1 || die "$BIN is missing and 'swift' is not on PATH"
        note "$BIN is missing; building it (swift build -c release in $ROOT)"
        (cd "$ROOT" && swift build -c release) || die "swift build -c release failed"
        [[ -x $BIN ]] || die "swift build succeeded but $BIN is still missing"
    fi
    BIN_STAMP=$(stat -c '%Y %s' "$BIN")
    GP_VERSION=$("$BIN" --version 2>/dev/null || echo '?')
}

# binary_rebuilt_warning: sets REBUILT to a warning if BIN changed since ensure_guestpipe, else ''
binary_rebuilt_warning() {
    REBUILT=
    [[ $(stat -c '%Y %s' "$BIN" 2>/dev/null || echo gone) == "$BIN_STAMP" ]] \
        || REBUILT="WARNING: $BIN changed during the run; the guestpipe figures may mix two builds"
}

# setup_peer: the DuckDB peer from ../shared/bench, run in the throwaway venv PEER_VENV
# (created with duckdb==DUCKDB_PIN if missing). Sets SHARED_BENCH (absolute), PEER_PY and
# DUCKDB_VERSION.
setup_peer() {
    SHARED_BENCH="$ROOT/../shared/bench"
    PEER_PY="$PEER_VENV/bin/python"
    [[ -f $SHARED_BENCH/run_duckdb.py ]] || die "peer script not found: $SHARED_BENCH/run_duckdb.py"
    [[ -f $SHARED_BENCH/duckdb_card_job.sql ]] || die "peer SQL not found: $SHARED_BENCH/duckdb_card_job.sql"
    SHARED_BENCH=$(cd "$SHARED_BENCH" && pwd)
    if ! "$PEER_PY" -c 'import duckdb' >/dev/null 2>&1; then
        note "setting up the DuckDB peer venv in $PEER_VENV (duckdb==$DUCKDB_PIN)"
        if [[ ! -x $PEER_PY ]]; then
            python3 -m venv "$PEER_VENV" || die "python3 -m venv $PEER_VENV failed"
        fi
        if ! "$PEER_VENV/bin/pip" install "duckdb==$DUCKDB_PIN" >&2; then
            note "duckdb==$DUCKDB_PIN is not available; installing the newest 2.x instead"
            "$PEER_VENV/bin/pip" install 'duckdb>=2,<3' >&2 || die "could not install duckdb 2.x into $PEER_VENV"
        fi
    fi
    DUCKDB_VERSION=$("$PEER_PY" -c 'import duckdb; print(duckdb.__version__)') \
        || die "duckdb does not import in $PEER_VENV"
    [[ $DUCKDB_VERSION == "$DUCKDB_PIN" ]] \
        || note "warning: the peer runs duckdb $DUCKDB_VERSION, not $DUCKDB_PIN (the reference version)"
}

# ensure_sample DIR ROWS DAYS DIR_OPTION: the sample in DIR, generated once with
# 'guestpipe sample --rows ROWS --days DAYS --seed SEED' and marked with .reader-bench-sample
# (the marker every benchmark shares, so they reuse each other's samples). DIR_OPTION names the
# option that picks another directory, for the error messages. Sets FILES (DIR/*.csv.zst, all
# of them payments-*.csv.zst).
ensure_sample() {
    local dir=$1 rows=$2 days=$3 dir_option=$4
    local mark="$dir/.reader-bench-sample" want="rows=$rows days=$days seed=$SEED" have
    local -a existing
    shopt -s nullglob
    existing=("$dir"/payments-*.csv.zst)
    if [[ -f $mark ]]; then
        have=$(<"$mark")
        [[ $have == "$want" ]] \
            || die "$dir holds a sample made with '$have', not '$want'; remove it or pass another $dir_option"
        note "reusing the sample in $dir ($want)"
    elif (( ${#existing[@]} == 0 )); then
        note "generating the sample: guestpipe sample --rows $rows --days $days --seed $SEED --out $dir"
        "$BIN" sample --rows "$rows" --days "$days" --seed "$SEED" --out "$dir" >&2 \
            || die "guestpipe sample failed"
        printf '%s\n' "$want" > "$mark"
    elif (( ${#existing[@]} == days )); then
        note "reusing the $days export files already in $dir (no marker; assuming they match $want)"
    else
        die "$dir has ${#existing[@]} payments-*.csv.zst files but --days is $days; remove it or pass another $dir_option"
    fi
    existing=("$dir"/payments-*.csv.zst)
    FILES=("$dir"/*.csv.zst)
    shopt -u nullglob
    (( ${#FILES[@]} > 0 )) || die "no .csv.zst files in $dir"
    (( ${#FILES[@]} == ${#existing[@]} )) \
        || die "$dir has .csv.zst files other than payments-*.csv.zst; the commands would not read the same files"
}

# timed NAME ROUND STDOUT_FILE COMMAND... : runs COMMAND under /usr/bin/time -f '%e %M'
# (stderr to TMP/stderr, shown if it fails); sets WALL (s) and RSS_KB (peak, KB)
timed() {
    local name=$1 round=$2 out=$3 rc=0
    shift 3
    /usr/bin/time -f '%e %M' -o "$TMP/time" "$@" > "$out" 2> "$TMP/stderr" || rc=$?
    if (( rc != 0 )); then
        printf '%s: error: %s failed (exit %d) in round %d: %s\n' "$PROG" "$name" "$rc" "$round" "$*" >&2
        tail -n 20 "$TMP/stderr" | sed 's/^/    /' >&2
        exit 1
    fi
    read -r WALL RSS_KB < <(tail -n 1 "$TMP/time")
    [[ $WALL =~ ^[0-9.]+$ && $RSS_KB =~ ^[0-9]+$ ]] \
        || die "could not parse /usr/bin/time output for $name: $(tail -n 1 "$TMP/time")"
}

# machine_info: sets CPU, MEM, NPROC, COMMIT (short HEAD, "+ uncommitted changes" if the work
# tree is dirty), DATE and BINTIME (when BIN was built), and exports them for the table.
machine_info() {
    CPU=$(grep -m 1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*:[[:space:]]*//' || true)
    CPU=${CPU:-unknown}
    MEM=$(awk '/^MemTotal:/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
    NPROC=$(nproc)
    COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
    if [[ $COMMIT != '?' && -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then
        COMMIT="$COMMIT + uncommitted changes"
    fi
    DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
    BINTIME=$(date -u -d "@${BIN_STAMP%% *}" '+%Y-%m-%d %H:%M UTC')
    export CPU MEM NPROC COMMIT DATE BINTIME
}

# distinct_phone_spellings FILE...: one line per distinct phone spelling of the guest payments
# in the .csv.zst exports (a spelling = the value without spaces, tabs, dashes, dots, brackets
# and slashes, as guestpipe groups them; the first value seen is printed). Python's csv module:
# slow, never timed. Used by floors.sh and phones.sh.
distinct_phone_spellings() {
    local file
    for file in "$@"; do zstd -dc "$file"; done | python3 -c '
import csv, re, sys
seen = {}
header = None
for row in csv.reader(sys.stdin):
    if row and row[0] == "id":
        header = {name: i for i, name in enumerate(row)}
        continue
    if header is None or "Customer Phone" not in header:
        continue
    phone = row[header["Customer Phone"]].strip()
    if not phone or row[header["Customer ID"]].strip():
        continue
    seen.setdefault(re.sub(r"[ \t\-.()/]", "", phone), phone)
sys.stdout.write("\n".join(seen.values()) + "\n")
'
}
