#!/bin/sh
# tools/trace_cost.sh [ITERS] - what tracing costs, on yield_many (200 tasks
# x 1,000 yields: the workload with the most events per unit of work).
#
# Three measurements, each the median of ITERS timed runs (default 20),
# taken in ROUNDS interleaved rounds (default 5) whose median is reported:
#   none   a build with TRACE() compiled out (-DASYNCLAB_TRACE_OFF), in
#          build/notrace: the baseline
#   off    the normal build, no sink attached: TRACE() is one branch
#   on     the normal build, recording every event to a trace file
#          (per-thread rings drained by the writer thread)
# and the two ratios against the baseline. A benchmark, not a test: the
# numbers depend on the machine and its load; nothing here passes or fails.
#
#   sh tools/trace_cost.sh 20
#   make BUILD=build/notrace DEFS=-DASYNCLAB_TRACE_OFF is the
#   baseline build it makes (kept between runs).

iters=${1:-20}
executor=${EXECUTOR:-ws}
workers=${WORKERS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s all >/dev/null || exit 1
make -s BUILD=build/notrace DEFS=-DASYNCLAB_TRACE_OFF all >/dev/null ||
    exit 1

# median_us PROGRAM [ARGS...]: the bench line's median, in microseconds.
median_us() {
    prog=$1
    shift
    "$prog" bench yield_many --executor "$executor" --workers "$workers" \
        --iters "$iters" "$@" | sed -n 's/.*median_us=\([0-9.]*\).*/\1/p'
}

# Rounds of the three, interleaved, so that a change in the machine's load
# hits all three alike; the median of each over the rounds.
rounds=${ROUNDS:-5}
: >"$tmp/none"; : >"$tmp/off"; : >"$tmp/on"
for r in $(seq 1 "$rounds"); do
    median_us build/notrace/asynclab >>"$tmp/none"
    median_us build/asynclab >>"$tmp/off"
    median_us build/asynclab --trace "$tmp/t.trace" >>"$tmp/on"
done
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
none=$(med "$tmp/none")
off=$(med "$tmp/off")
on=$(med "$tmp/on")
events=$(build/asynclab trace info "$tmp/t.trace" |
    awk '$1 == "events" { e = $2 } $1 == "dropped" { d = $2 }
         END { print e " events recorded, " d " dropped" }')

echo "yield_many on $executor ($workers workers): medians of $iters runs," \
    "median over $rounds interleaved rounds:"
echo "  compiled out   ${none} us"
echo "  compiled in, off ${off} us"
echo "  on (to a file) ${on} us   ($events, last run)"
awk -v n="$none" -v f="$off" -v o="$on" 'BEGIN {
    printf "ratio off/none = %.3f   ratio on/none = %.3f\n", f / n, o / n }'
