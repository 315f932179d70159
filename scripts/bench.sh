#!/usr/bin/env bash
# End-to-end benchmark: generated corpora with ground truth, `neardup scan` (char and jieba
# tokens) and the Python peers datasketch and rensa, each timed under /usr/bin/time -v and scored
# by neardup-score. One TSV line per run goes to bench-out/results.tsv; the medians of this
# invocation go to bench-out/summary-<run id>.md. See BENCHMARKS.md.
#
#   scripts/bench.sh [--pages-list "10000 100000"] [--full] [--seed S] [--repeat R]
#                    [--peer-max-pages N] [--peer-repeat R] [--peers "datasketch rensa"]
#                    [--no-peers] [--no-jieba] [--level page|paragraph|both]
#
# --level is passed to every neardup scan (default: neardup's own, both levels) and noted in the
# tool_version column; the peers find page pairs only, so `--level page` is the like-for-like run.
#
# Needs: cargo, python3 (with venv), /usr/bin/time (GNU time). The peers are installed with pip
# into bench-out/venv on the first run; if that fails the peers are skipped with the reason.
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

PAGES_LIST="10000 100000"
SEED=1
REPEAT=3
PEER_MAX_PAGES=100000
PEER_REPEAT=""
PEER_LIST="datasketch rensa"
PEERS=1
JIEBA=1
LEVEL=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --pages-list) PAGES_LIST="$2"; shift 2 ;;
        --full) PAGES_LIST="$PAGES_LIST 1000000"; shift ;;
        --seed) SEED="$2"; shift 2 ;;
        --repeat) REPEAT="$2"; shift 2 ;;
        --peer-max-pages) PEER_MAX_PAGES="$2"; shift 2 ;;
        --peer-repeat) PEER_REPEAT="$2"; shift 2 ;;
        --peers) PEER_LIST="$2"; shift 2 ;;
        --no-peers) PEERS=0; shift ;;
        --no-jieba) JIEBA=0; shift ;;
        --level) LEVEL="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench-out
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release

[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time (GNU time) is missing; install the 'time' package" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is missing" >&2; exit 1; }

log() { echo "bench: $*" >&2; }

# --- Build ---------------------------------------------------------------------------------
log "building release binaries"
cargo build --release --locked --bins >&2

# --- Where and what ------------------------------------------------------------------------
RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $COMMIT != unknown ]] && ! git diff --quiet HEAD -- src Cargo.toml Cargo.lock build.rs 2>/dev/null; then
    COMMIT="$COMMIT-dirty"
fi
NPROC=$(nproc)
CPU=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^model name[[:space:]]*:[[:space:]]*//' || true)
CPU=${CPU:-unknown}
RUSTC=$(rustc --version)
NEARDUP_VERSION=$("$BIN/neardup" --version)
LEVEL_ARGS=()
if [[ -n $LEVEL ]]; then
    LEVEL_ARGS=(--level "$LEVEL")
    NEARDUP_VERSION="$NEARDUP_VERSION (--level $LEVEL)"
fi

COLUMNS_TSV="run_id	date	commit	nproc	cpu	rustc	tool	tool_version	tokenizer	threads	pages	mb	repeat	wall_s	cpu_s	peak_rss_mb	mb_per_s	pages_per_s	precision	recall	f1	traditional_recall	contained_recall	neardup_speedup"
if [[ ! -s $RESULTS ]]; then
    echo "$COLUMNS_TSV" > "$RESULTS"
elif [[ $(head -1 "$RESULTS") != "$COLUMNS_TSV" ]]; then
    mv "$RESULTS" "$RESULTS.old-$RUN_ID"
    log "columns changed: moved the old results to $RESULTS.old-$RUN_ID"
    echo "$COLUMNS_TSV" > "$RESULTS"
fi

# --- Peers ---------------------------------------------------------------------------------
VENV=$OUT/venv
PEER_TOOLS=()
if [[ $PEERS == 1 ]]; then
    if [[ ! -x $VENV/bin/python ]]; then
        log "creating $VENV"
        python3 -m venv "$VENV" || log "cannot create a venv (python3 -m venv failed; on Debian: apt install python3-venv); skipping peers"
    fi
    if [[ -x $VENV/bin/python ]]; then
        for tool in $PEER_LIST; do
            case "$tool" in
                datasketch|rensa) ;;
                *) log "unknown peer $tool (known: datasketch rensa)"; continue ;;
            esac
            if ! "$VENV/bin/python" -c "import $tool" 2>/dev/null; then
                log "installing $tool into $VENV"
                if ! "$VENV/bin/pip" install --quiet "$tool" >"$OUT/pip-$tool.log" 2>&1; then
                    log "pip install $tool failed, skipping it; the reason:"
                    tail -5 "$OUT/pip-$tool.log" >&2
                    continue
                fi
            fi
            PEER_TOOLS+=("$tool")
        done
    fi
fi
PY_VERSION=$([[ -x $VENV/bin/python ]] && "$VENV/bin/python" -c 'import platform; print(platform.python_version())' || true)

# --- Helpers -------------------------------------------------------------------------------
# Wall seconds and peak RSS (MB) from a GNU time -v output file.
wall_of() {
    sed -n 's/^[[:space:]]*Elapsed (wall clock) time.*: //p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
cpu_of() {
    awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { s += $2 } END { printf "%.2f", s }' "$1"
}
rss_of() {
    sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1" | awk '{ printf "%.0f", $1 / 1024 }'
}
# precision recall f1 traditional_recall contained_recall from a neardup-score JSON.
scores_of() {
    python3 - "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
kind = {k["kind"]: k["recall"] for k in s["recall_by_kind"]}
print("\t".join(f"{v:.4f}" for v in (s["precision"], s["recall"], s["f1"],
                                      kind["traditional"], kind["contained"])))
EOF
}

# Runs one timed command; appends its line. Args: tool version tokenizer threads pages corpus
# rundir repeat speedup_base -- command...
record() {
    local tool=$1 version=$2 tok=$3 threads=$4 pages=$5 corpus=$6 dir=$7 rep=$8 base=$9
    shift 10
    mkdir -p "$dir"
    /usr/bin/time -v -o "$dir/time-$rep.txt" "$@" 2>"$dir/stderr-$rep.txt" || {
        log "$tool $tok failed; see $dir/stderr-$rep.txt"; tail -5 "$dir/stderr-$rep.txt" >&2; return 1; }
    local wall cpu rss mb
    wall=$(wall_of "$dir/time-$rep.txt")
    cpu=$(cpu_of "$dir/time-$rep.txt")
    rss=$(rss_of "$dir/time-$rep.txt")
    mb=$(awk -v b="$(stat -c %s "$corpus/pages.jsonl")" 'BEGIN { printf "%.1f", b / 1e6 }')
    if [[ ! -s $dir/score.json ]]; then
        "$BIN/neardup-score" --truth "$corpus/truth.jsonl" --report "$dir/report" \
            --json "$dir/score.json" > "$dir/score.txt"
    fi
    local scores speedup=""
    scores=$(scores_of "$dir/score.json")
    if [[ -n $base ]]; then
        speedup=$(awk -v p="$wall" -v n="$base" 'BEGIN { printf "%.1f", p / (n > 0 ? n : 0.01) }')
    fi
    local rate
    rate=$(awk -v mb="$mb" -v n="$pages" -v w="$wall" 'BEGIN { w = w > 0 ? w : 0.01; printf "%.2f\t%.0f", mb / w, n / w }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$RUN_ID" "$(date -u +%FT%TZ)" "$COMMIT" "$NPROC" "$CPU" "$RUSTC" "$tool" "$version" \
        "$tok" "$threads" "$pages" "$mb" "$rep" "$wall" "$cpu" "$rss" "$rate" "$scores" "$speedup" >> "$RESULTS"
    log "$(printf '%-10s %-6s j%-2s %7s pages  run %s: %6ss (cpu %6ss)  %5s MB RSS  F1 %s%s' \
        "$tool" "$tok" "$threads" "$pages" "$rep" "$wall" "$cpu" "$rss" "$(cut -f3 <<<"$scores")" \
        "${speedup:+  (neardup char ${speedup}x faster)}")"
    LAST_WALL=$wall
}

# --- Runs ----------------------------------------------------------------------------------
log "run $RUN_ID: commit $COMMIT, $NPROC cores ($CPU), $RUSTC; pages: $PAGES_LIST; $REPEAT repeats"
log "peers: ${PEER_TOOLS[*]:-none}"
for pages in $PAGES_LIST; do
    corpus=$OUT/corpus-$pages-s$SEED
    if [[ ! -s $corpus/pages.jsonl || ! -s $corpus/truth.jsonl ]]; then
        log "generating $pages pages (seed $SEED)"
        rm -rf "$corpus.tmp"
        "$BIN/neardup-gen" corpus --pages "$pages" --seed "$SEED" --out "$corpus.tmp"
        rm -rf "$corpus"
        mv "$corpus.tmp" "$corpus"
    fi
    runs=$OUT/runs/$RUN_ID/$pages
    toks=(char)
    if [[ $JIEBA == 1 ]]; then toks+=(jieba); fi
    tools=()
    if [[ ${#PEER_TOOLS[@]} -gt 0 ]]; then
        if [[ $pages -gt $PEER_MAX_PAGES ]]; then
            log "skipping peers at $pages pages (above --peer-max-pages $PEER_MAX_PAGES)"
        else
            tools=("${PEER_TOOLS[@]}")
        fi
    fi
    # Peers are slow: by default they repeat like neardup up to 10k pages, once above.
    peer_repeat=${PEER_REPEAT:-$([[ $pages -le 10000 ]] && echo "$REPEAT" || echo 1)}
    # Rounds: every configuration once per round, so that the load of a shared machine drifts
    # over all of them alike; the peers' speed-up is against neardup char of the same round.
    for rep in $(seq 1 "$REPEAT"); do
        for tok in "${toks[@]}"; do
            dir=$runs/neardup-$tok
            rm -rf "$dir/report"
            record neardup "$NEARDUP_VERSION" "$tok" "$NPROC" "$pages" "$corpus" "$dir" "$rep" "" -- \
                "$BIN/neardup" scan "$corpus/pages.jsonl" --out "$dir/report" --tokenizer "$tok" "${LEVEL_ARGS[@]}"
            if [[ $tok == char ]]; then char_wall=$LAST_WALL; fi
        done
        # One thread, for comparison with the single-threaded peers.
        dir=$runs/neardup-char-j1
        rm -rf "$dir/report"
        record neardup "$NEARDUP_VERSION" char 1 "$pages" "$corpus" "$dir" "$rep" "" -- \
            "$BIN/neardup" scan "$corpus/pages.jsonl" --out "$dir/report" --tokenizer char -j 1 "${LEVEL_ARGS[@]}"
        [[ $rep -le $peer_repeat ]] || continue
        for tool in "${tools[@]}"; do
            version="$tool $("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('$tool'))") (Python $PY_VERSION)"
            dir=$runs/$tool
            rm -rf "$dir/report"
            record "$tool" "$version" char5-py 1 "$pages" "$corpus" "$dir" "$rep" "$char_wall" -- \
                "$VENV/bin/python" "$ROOT/scripts/peers.py" --tool "$tool" \
                --input "$corpus/pages.jsonl" --out "$dir/report" --json "$dir/run-$rep.json"
        done
    done
done

# --- Medians of this invocation --------------------------------------------------------------
SUMMARY=$OUT/summary-$RUN_ID.md
python3 - "$RESULTS" "$RUN_ID" > "$SUMMARY" <<'EOF'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["run_id"] == sys.argv[2]]
groups = {}
for r in rows:
    groups.setdefault((int(r["pages"]), r["tool"], r["tokenizer"], r["threads"]), []).append(r)
first = rows[0]
print(f"Run {sys.argv[2]}: commit {first['commit']}, {first['nproc']} cores ({first['cpu']}), "
      f"{first['rustc']}, {next((r['tool_version'] for r in rows if r['tool'] == 'neardup'), '')}. Medians of `runs` runs; quality columns are the same in every run.\n")
print("| pages | MB | tool | tokens | threads | runs | wall s | CPU s | peak RSS MB | MB/s | pages/s "
      "| precision | recall | F1 | trad. recall | contained recall | neardup char speed-up (wall) "
      "| (CPU) |")
print("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
cpu = lambda g: statistics.median(float(r["cpu_s"]) for r in g)
def cpu_ratio(key, g):
    base = groups.get((key[0], "neardup", "char", first["nproc"]))
    if key[1] == "neardup" or not base:
        return ""
    return f"{cpu(g) / max(cpu(base), 0.01):.1f}x"
for key in sorted(groups, key=lambda k: (k[0], k[1] != "neardup", k[1], k[2], -int(k[3]))):
    g = groups[key]
    med = lambda c: statistics.median(float(r[c]) for r in g)
    sp = [float(r["neardup_speedup"]) for r in g if r["neardup_speedup"]]
    r = g[0]
    print(f"| {key[0]} | {r['mb']} | {key[1]} | {key[2]} | {key[3]} | {len(g)} | {med('wall_s'):.2f} | "
          f"{med('cpu_s'):.2f} | {med('peak_rss_mb'):.0f} | {med('mb_per_s'):.2f} | "
          f"{med('pages_per_s'):.0f} | {r['precision']} | {r['recall']} | {r['f1']} | "
          f"{r['traditional_recall']} | {r['contained_recall']} | "
          f"{f'{statistics.median(sp):.1f}x' if sp else ''} | {cpu_ratio(key, g)} |")
EOF
cat "$SUMMARY"
log "lines appended to $RESULTS; medians in $SUMMARY"
