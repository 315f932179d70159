#!/usr/bin/env bash
# Runs `neardup scan` inside a memory cgroup capped at CAP and checks that its reports equal those of
# a scan without the cap.
#
#   scripts/memory-limit.sh [--cap 512M] [--limit 384M] [--keep] INPUT [scan flags...]
#
# --cap     the cgroup's hard limit (RAM; the machine is assumed to have no swap, or swap is capped too)
# --limit   neardup's --memory-limit inside it (default: three quarters of the cap)
# INPUT     a JSONL file or directory; further arguments go to both scans (e.g. --level page)
#
# Needs root and a cgroup v2 (unified) or v1 memory hierarchy. Prints the exit code, wall time, the
# peak anonymous and file-backed resident memory of the capped scan (sampled every 0.2 s from
# /proc/PID/status; the cap applies to both, file pages being reclaimable), the cgroup's own peak
# and failure count, and whether every report is byte-identical. Work files go to bench-out/memory/.
set -euo pipefail
cd "$(dirname "$0")/.."

cap=512M
limit=
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cap) cap=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--cap SIZE] [--limit SIZE] INPUT [scan flags...]" >&2; exit 2; }
input=$1; shift

bytes() { # 512M -> bytes
  local v=${1%[KkMmGg]} s=${1: -1}
  case "$s" in K|k) echo $((v << 10)) ;; M|m) echo $((v << 20)) ;; G|g) echo $((v << 30)) ;; *) echo "$1" ;; esac
}
cap_bytes=$(bytes "$cap")
[ -n "$limit" ] || limit="$((cap_bytes * 3 / 4 >> 20))M"

cargo build --release --locked --bin neardup >&2
bin=target/release/neardup
work=bench-out/memory
rm -rf "$work/free" "$work/capped"
mkdir -p "$work"

# The cgroup: v2 if the unified hierarchy has the memory controller, else v1.
name="neardup-memory-$$"
if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
  cg=/sys/fs/cgroup/$name
  mkdir "$cg"
  echo "$cap_bytes" > "$cg/memory.max"
  [ -f "$cg/memory.swap.max" ] && echo 0 > "$cg/memory.swap.max"
  peak_file=$cg/memory.peak
  fail_file=$cg/memory.events
elif [ -d /sys/fs/cgroup/memory ]; then
  cg=/sys/fs/cgroup/memory/$name
  mkdir "$cg"
  echo "$cap_bytes" > "$cg/memory.limit_in_bytes"
  [ -f "$cg/memory.memsw.limit_in_bytes" ] && echo "$cap_bytes" > "$cg/memory.memsw.limit_in_bytes" 2>/dev/null || true
  peak_file=$cg/memory.max_usage_in_bytes
  fail_file=$cg/memory.failcnt
else
  echo "no memory cgroup hierarchy found" >&2
  exit 1
fi
trap 'rmdir "$cg" 2>/dev/null || true' EXIT

echo "scan without a cap..." >&2
"$bin" scan "$input" --out "$work/free" -q "$@"

echo "scan in a cgroup of $cap with --memory-limit $limit..." >&2
start=$(date +%s.%N)
sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' sh "$cg" \
  "$bin" scan "$input" --out "$work/capped" --memory-limit "$limit" "$@" 2> "$work/capped.stderr" &
pid=$!
anon=0; file=0
while kill -0 "$pid" 2>/dev/null; do
  if read -r a f < <(awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print a+0, f+0}' "/proc/$pid/status" 2>/dev/null); then
    [ "$a" -gt "$anon" ] && anon=$a
    [ "$f" -gt "$file" ] && file=$f
  fi
  sleep 0.2
done
code=0; wait "$pid" || code=$?
end=$(date +%s.%N)

same=yes
for f in "$work/free"/*.csv; do
  cmp -s "$f" "$work/capped/$(basename "$f")" || { same=no; echo "differs: $(basename "$f")" >&2; }
done
leftover=$(find "$work/capped" -maxdepth 1 -name 'neardup-spill-*' | wc -l)

printf 'input\t%s\ncap\t%s\nmemory_limit\t%s\nexit\t%s\nwall_s\t%.1f\n' "$input" "$cap" "$limit" "$code" "$(echo "$end - $start" | bc)"
printf 'peak_rss_anon_mb\t%.0f\npeak_rss_file_mb\t%.0f\n' "$(echo "$anon / 1024" | bc -l)" "$(echo "$file / 1024" | bc -l)"
printf 'cgroup_peak_mb\t%.0f\n' "$(echo "$(cat "$peak_file" 2>/dev/null || echo 0) / 1048576" | bc -l)"
printf 'cgroup_limit_hits\t%s\n' "$(tr '\n' ' ' < "$fail_file")"
printf 'reports_identical\t%s\nspill_dirs_left\t%s\n' "$same" "$leftover"
grep '^neardup: spilled' "$work/capped.stderr" || true
[ "$keep" = 1 ] || rm -rf "$work/free" "$work/capped"
[ "$code" = 0 ] && [ "$same" = yes ]
