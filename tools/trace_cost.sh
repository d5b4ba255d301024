#!/bin/sh
# tools/trace_cost.sh [ITERS] - what tracing costs: each workload timed
# with tracing off (no sink: TRACE() is one branch) and on (every event
# recorded to a trace file, losslessly), side by side in one run.
#
#   sh tools/trace_cost.sh            # ITERS=20, ROUNDS=5
#   BUILD=build/hh sh tools/trace_cost.sh 20
#   WORKLOADS=yield_many ROUNDS=9 sh tools/trace_cost.sh
#   BASELINE=1 sh tools/trace_cost.sh   # also a build with TRACE()
#                                       # compiled out (BUILD/notrace)
#
# For each of ROUNDS rounds, every workload runs off then on (so that a
# change in the machine's load hits both alike); each run prints the
# median of ITERS timed iterations (asynclab bench). Reported per
# workload: the median over the rounds of off and on, their ratio, and
# from the last round's trace (the `trace` line `bench --trace` prints):
# events recorded, bytes per event, events dropped. A benchmark, not a
# test: the numbers depend on the machine and its load; nothing here
# passes or fails.

iters=${1:-20}
rounds=${ROUNDS:-5}
build=${BUILD:-build}
executor=${EXECUTOR:-ws}
workers=${WORKERS:-2}
workloads=${WORKLOADS:-yield_many,ping_pong,chained_spawn,spawn_many_local,tcp_echo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s BUILD="$build" "$build/asynclab" >/dev/null || exit 1
bin=$build/asynclab
if [ -n "${BASELINE:-}" ]; then
    make -s BUILD="$build/notrace" DEFS=-DASYNCLAB_TRACE_OFF \
        "$build/notrace/asynclab" >/dev/null || exit 1
fi

# bench PROGRAM WORKLOAD [ARGS...]: the whole output of one bench run.
bench() {
    prog=$1
    w=$2
    shift 2
    "$prog" bench "$w" --executor "$executor" --workers "$workers" \
        --iters "$iters" "$@"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -n 1; }
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

list=$(echo "$workloads" | tr ',' ' ')
for r in $(seq 1 "$rounds"); do
    for w in $list; do
        if [ -n "${BASELINE:-}" ]; then
            bench "$build/notrace/asynclab" "$w" | field median_us >>"$tmp/$w.none"
        fi
        bench "$bin" "$w" | field median_us >>"$tmp/$w.off"
        bench "$bin" "$w" --trace "$tmp/$w.trace" >"$tmp/$w.out"
        field median_us <"$tmp/$w.out" >>"$tmp/$w.on"
    done
done

echo "tracing cost: $executor, $workers workers; medians of $iters iterations," \
    "median over $rounds rounds, off and on side by side"
echo "clock: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null |
    sed 's/.*: //'), $(nproc) cpus; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-18s %10s %10s %7s %10s %11s %8s\n' workload off_us on_us on/off \
    events bytes/event dropped
for w in $list; do
    off=$(med "$tmp/$w.off")
    on=$(med "$tmp/$w.on")
    events=$(field events <"$tmp/$w.out")
    bpe=$(field bytes_per_event <"$tmp/$w.out")
    dropped=$(field dropped <"$tmp/$w.out")
    awk -v w="$w" -v f="$off" -v o="$on" -v e="$events" -v b="$bpe" \
        -v d="$dropped" 'BEGIN {
        printf "%-18s %10d %10d %7.2f %10s %11s %8s\n", w, f, o,
            (f > 0 ? o / f : 0), e, b, d }'
    if [ -n "${BASELINE:-}" ]; then
        none=$(med "$tmp/$w.none")
        awk -v w="$w" -v n="$none" -v f="$off" 'BEGIN {
            printf "%-18s compiled out %d us: off/out %.2f\n", w, n,
                (n > 0 ? f / n : 0) }'
    fi
done
