#!/usr/bin/env bash
# Runs `neardup scan` inside a memory cgroup capped at CAP and checks that its reports equal those of
# a scan without the cap.
#
#   scripts/memory-limit.sh [--cap 512M] [--limit 384M] [--keep] [--cold] [--against DIR]
#                           [--bin PATH] INPUT [scan flags...]
#
# --cap     the cgroup's hard limit (RAM; the machine is assumed to have no swap, or swap is capped too)
# --limit   neardup's --memory-limit inside it (default: three quarters of the cap)
# --cold    drop the page cache before the capped scan, so its input is read from disk
# --against compare with the reports in DIR instead of running a scan without the cap first
#           (a 1M-page scan takes minutes; its uncapped reports can be kept from an earlier run)
# --bin     the neardup binary to run (default: build target/release/neardup)
# INPUT     a JSONL file or directory; further arguments go to both scans (e.g. --level page)
#
# Needs root and a cgroup v2 (unified) or v1 memory hierarchy. Prints the exit code, wall time, the
# peak anonymous and file-backed resident memory of the capped scan (sampled every 0.2 s from
# /proc/PID/status; the cap applies to both, file pages being reclaimable), the bytes it read from
# disk (/proc/PID/io read_bytes: a page cache too small for what a stage reads shows here), the
# cgroup's own peak and failure count, and whether every report is byte-identical. Work files go to
# bench-out/memory/; capped.io there has the disk bytes read so far at each sample (seconds since
# the start, bytes), to set against the stage times of the summary.
set -euo pipefail
cd "$(dirname "$0")/.."

cap=512M
limit=
keep=0
cold=0
against=
bin=
while [ $# -gt 0 ]; do
  case "$1" in
    --cap) cap=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --cold) cold=1; shift ;;
    --against) against=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    -h|--help) sed -n 2,22p "$0"; exit 0 ;;
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

if [ -z "$bin" ]; then
  cargo build --release --locked --bin neardup >&2
  bin=target/release/neardup
fi
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

free=$work/free
if [ -n "$against" ]; then
  free=$against
else
  echo "scan without a cap..." >&2
  "$bin" scan "$input" --out "$free" -q "$@"
fi
if [ "$cold" = 1 ]; then
  sync
  echo 3 > /proc/sys/vm/drop_caches
fi

echo "scan in a cgroup of $cap with --memory-limit $limit..." >&2
rm -f "$work/capped.io"
start=$(date +%s.%N)
sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' sh "$cg" \
  "$bin" scan "$input" --out "$work/capped" --memory-limit "$limit" "$@" 2> "$work/capped.stderr" &
pid=$!
anon=0; file=0; disk=0
while kill -0 "$pid" 2>/dev/null; do
  # The sh above has exec'd neardup by the first sample that sees RssAnon of any size.
  if read -r a f < <(awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print a+0, f+0}' "/proc/$pid/status" 2>/dev/null); then
    [ "$a" -gt "$anon" ] && anon=$a
    [ "$f" -gt "$file" ] && file=$f
  fi
  if r=$(awk '/^read_bytes/ {print $2}' "/proc/$pid/io" 2>/dev/null) && [ -n "$r" ]; then
    disk=$r
    echo "$(echo "$(date +%s.%N) - $start" | bc) $r" >> "$work/capped.io"
  fi
  sleep 0.2
done
code=0; wait "$pid" || code=$?
end=$(date +%s.%N)

same=yes
for f in "$free"/*.csv; do
  cmp -s "$f" "$work/capped/$(basename "$f")" || { same=no; echo "differs: $(basename "$f")" >&2; }
done
leftover=$(find "$work/capped" -maxdepth 1 -name 'neardup-spill-*' | wc -l)

printf 'input\t%s\ncap\t%s\nmemory_limit\t%s\nexit\t%s\nwall_s\t%.1f\n' "$input" "$cap" "$limit" "$code" "$(echo "$end - $start" | bc)"
printf 'peak_rss_anon_mb\t%.0f\npeak_rss_file_mb\t%.0f\n' "$(echo "$anon / 1024" | bc -l)" "$(echo "$file / 1024" | bc -l)"
printf 'disk_read_mb\t%.0f\n' "$(echo "$disk / 1000000" | bc -l)"
printf 'cgroup_peak_mb\t%.0f\n' "$(echo "$(cat "$peak_file" 2>/dev/null || echo 0) / 1048576" | bc -l)"
printf 'cgroup_limit_hits\t%s\n' "$(tr '\n' ' ' < "$fail_file")"
printf 'reports_identical\t%s\nspill_dirs_left\t%s\n' "$same" "$leftover"
grep '^neardup:' "$work/capped.stderr" || true
[ "$keep" = 1 ] || rm -rf "$work/capped"
[ "$keep" = 1 ] || [ -n "$against" ] || rm -rf "$work/free"
[ "$code" = 0 ] && [ "$same" = yes ]
