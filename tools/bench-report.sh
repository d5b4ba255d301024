#!/bin/bash
# tools/bench-report.sh — regenerate docs/PERFORMANCE.md (`make bench-report`).
#
#   1. machine and method (docs/benchmarks.md is the contract)
#   2. asynclab-ws beside Tokio 1.24 and Go 1.19 (tools/bench-peers.sh
#      --task-cache both), R rounds: wall and CPU per iteration, the ratios,
#      the allocator settings every runtime ran with; then the same with
#      asynclab's task cache off (ASYNCLAB_TASK_CACHE=0) beside the default
#   3. the lower bound: the same work with no scheduler (bench --baseline)
#   4. scaling: ns per task from 1,000 to 1,000,000 tasks, 1/2/4 workers
#   5. memory: bytes per task, RSS of 1,000,000 pending tasks
#   6. the cost of watching: yield_many with tracing compiled out, compiled
#      in but off, and on (file sink), interleaved, R rounds, with the
#      trace's bytes per event and dropped events; then tools/trace_cost.sh
#      (five workloads, off and on side by side)
#   7. the optimizations, from docs/perf-notes.md (written by hand)
#
# SECTION=cost regenerates section 6 only, in place (the rest of the file
# stays as it was, and the section says when and at which commit it was
# made): `SECTION=cost RUNS=5 make bench-report`.
#
# RUNS=R (default 3) sets the rounds; MALLOC_TUNABLES=T passes
# --malloc-tunables T to bench-peers (the same GLIBC_TUNABLES for every
# runtime; default: glibc's defaults); OUT=FILE writes there instead of
# docs/PERFORMANCE.md; BUILD=DIR uses DIR/asynclab (make BUILD=DIR).
# Takes a few minutes; timings, never tests. Every figure comes from a
# command printed beside it.

set -u
cd "$(dirname "$0")/.." || exit 1
runs=${RUNS:-3}
out=${OUT:-docs/PERFORMANCE.md}
build=${BUILD:-build}
notrace=build/notrace
[ "$build" = build ] || notrace=$build/notrace
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s BUILD="$build" all || exit 1
make -s BUILD="$notrace" DEFS=-DASYNCLAB_TRACE_OFF \
    "$notrace/asynclab" || exit 1
prog=./$build/asynclab
peer_args="--runs $runs --task-cache both"
[ -n "${MALLOC_TUNABLES:-}" ] && peer_args="$peer_args --malloc-tunables $MALLOC_TUNABLES"

median() { # the median (sorted[n/2]) of the numbers on stdin
    sort -n | awk '{v[NR-1]=$1} END {if (NR) print v[int(NR/2)]}'
}

block() { # block FROM TO: stdin from the first line matching FROM to the
    # line before the next matching TO, blank lines at either end dropped
    awk -v from="$1" -v to="$2" '
        !on && $0 ~ from { on = 1 }
        on && n > 0 && $0 ~ to { exit }
        on { line[++n] = $0 }
        END {
            for (a = 1; a <= n && line[a] == ""; a++) ;
            for (b = n; b >= a && line[b] == ""; b--) ;
            for (i = a; i <= b; i++) print line[i]
        }'
}

field() { # field NAME: the value of NAME=... on each line of stdin
    sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

# Section 6: measure, then print (as markdown, on stdout).
measure_cost() {
    echo "bench-report: tracing cost ($runs rounds)" >&2
    for r in $(seq "$runs"); do
        "./$notrace/asynclab" bench yield_many --iters 20 |
            field median_us >>"$tmp/trace-out.txt"
        $prog bench yield_many --iters 20 | field median_us >>"$tmp/trace-off.txt"
        $prog bench yield_many --iters 20 --trace "$tmp/t.bin" >"$tmp/trace-run.txt"
        field median_us <"$tmp/trace-run.txt" >>"$tmp/trace-on.txt"
    done
    t_out=$(median <"$tmp/trace-out.txt")
    t_off=$(median <"$tmp/trace-off.txt")
    t_on=$(median <"$tmp/trace-on.txt")
    # The last traced run's `trace` line: what the file holds and what was lost.
    t_events=$(field events <"$tmp/trace-run.txt")
    t_bpe=$(field bytes_per_event <"$tmp/trace-run.txt")
    t_dropped=$(field dropped <"$tmp/trace-run.txt")
    echo "bench-report: tracing cost of five workloads (tools/trace_cost.sh)" >&2
    BUILD="$build" ROUNDS="$runs" sh tools/trace_cost.sh 20 >"$tmp/trace-cost.txt" 2>&1
}

cost_section() {
    echo "## The cost of watching (yield_many, ws, 2 workers)"
    echo
    echo "| tracing | median_us (median of $runs) | ratio to compiled out |"
    echo "|---|---|---|"
    echo "| compiled out (-DASYNCLAB_TRACE_OFF) | $t_out | 1.00 |"
    awk -v a="$t_off" -v b="$t_out" 'BEGIN {printf "| compiled in, off | %d | %.2f |\n", a, a / b}'
    awk -v a="$t_on" -v b="$t_out" 'BEGIN {printf "| on, file sink (--trace) | %d | %.2f |\n", a, a / b}'
    echo
    echo "The traced run's file: ${t_events:-?} events, ${t_bpe:-?} bytes per event,"
    echo "${t_dropped:-?} dropped (recording is lossless unless \`--trace-drop\`)."
    echo
    echo "Trace off and on, side by side, for five workloads (\`sh tools/trace_cost.sh\`,"
    echo "median of $runs rounds of 20 iterations):"
    echo
    echo '```'
    cat "$tmp/trace-cost.txt"
    echo '```'
    echo
}

if [ "${SECTION:-}" = cost ]; then
    [ -f "$out" ] || { echo "bench-report: SECTION=cost needs $out" >&2; exit 1; }
    measure_cost
    {
        cost_section
        echo "(This section: regenerated on $(date -u +%Y-%m-%d) at" \
            "$(git rev-parse --short HEAD 2>/dev/null || echo '?') by" \
            "\`SECTION=cost RUNS=$runs make bench-report\`; the other sections" \
            "are from the date at the top.)"
        echo
    } >"$tmp/cost.md"
    # Replace from the section's heading to the next heading.
    awk -v f="$tmp/cost.md" '
        /^## The cost of watching/ { while ((getline l < f) > 0) print l; skip = 1; next }
        skip && /^## / { skip = 0 }
        !skip { print }' "$out" >"$tmp/new.md" && cp "$tmp/new.md" "$out"
    echo "bench-report: wrote section 6 of $out" >&2
    exit 0
fi

echo "bench-report: peers ($runs rounds)" >&2
BUILD="$build" sh tools/bench-peers.sh $peer_args >"$tmp/peers.txt" 2>&1
peers_rc=$?
# The lines the table starts with: what the peers ran with.
line_of() { sed -n "s/^$1: //p" "$tmp/peers.txt" | head -n 1; }
alloc=$(line_of allocator)
versions=$(line_of versions)
tokio_v=$(ls -d /usr/share/cargo/registry/tokio-1.* 2>/dev/null | sed 's/.*tokio-//' | head -n 1)
go_v=$(go version 2>/dev/null | sed -n 's/.* go\([0-9.]*\).*/\1/p')
names="Tokio ${tokio_v:-1.24}, Go ${go_v:-1.19}"

echo "bench-report: baseline" >&2
$prog bench all --executor ws --workers 2 --baseline >"$tmp/baseline.txt"

echo "bench-report: scaling" >&2
$prog bench --scaling --executor ws >"$tmp/scaling.txt"

echo "bench-report: memory" >&2
$prog bench --memory --executor ws --workers 2 >"$tmp/memory.txt"

measure_cost

{
    echo "# asynclab performance"
    echo
    echo "Regenerated by \`make bench-report\` (tools/bench-report.sh) on"
    echo "$(date -u +%Y-%m-%d). Hand-written notes come from docs/perf-notes.md."
    echo
    echo "## Method"
    echo
    echo "The workloads, the output line and the method are set down in"
    echo "docs/benchmarks.md; in short:"
    echo
    echo "- Machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1),"
    echo "  $(uname -sr), $(cc --version | head -n 1)."
    echo "- Each workload: set up once, 2 warm-up iterations, 20 timed ones;"
    echo "  median_us is sorted[10] of the 20 wall times, cpu_us the user +"
    echo "  system CPU time of the whole process (every thread, getrusage)"
    echo "  over the 20, divided by 20. A runtime that wins wall time by"
    echo "  spinning pays for it in the CPU columns."
    echo "- Peers: asynclab-ws (with its task cache, and without it),"
    echo "  $names run one after another in each of $runs"
    echo "  rounds, so that all see the same machine; each figure is the"
    echo "  median of the $runs rounds' figures. The machine is shared and"
    echo "  noisy: compare ratios within one table, not across reports."
    echo "- Allocator: ${alloc:-(see the peers section)}."
    echo "- Versions: ${versions:-(see the peers section)}."
    echo "- Yields differ: Tokio 1.24 defers a yielded task's wake until its"
    echo "  worker has turned the I/O driver (an epoll_wait that does not wait,"
    echo "  about once per 60 yields); Go's Gosched puts the goroutine on the"
    echo "  global queue; asynclab's worker turns the driver between polls only"
    echo "  when the driver has work (a timer, a task waiting on I/O)."
    echo "  yield_many_driver is yield_many with one task waiting on an idle"
    echo "  eventfd, so that asynclab's workers turn the driver too; for Tokio"
    echo "  and Go it is yield_many. Both ratios are in the table."
    echo
    echo "## asynclab beside $names (2 workers)"
    echo
    echo "Command: \`sh tools/bench-peers.sh $peer_args\`"
    echo
    echo '```'
    if [ $peers_rc -eq 0 ]; then
        block '^allocator: ' '^the same with' <"$tmp/peers.txt"
    else
        echo "(the peers could not be built or run here:)"
        tail -n 5 "$tmp/peers.txt"
    fi
    echo '```'
    echo
    echo "## The same with the task cache off"
    echo
    echo "The same rounds, asynclab run a second time in each with"
    echo "\`ASYNCLAB_TASK_CACHE=0\` (core/task_cache.c: every task from malloc"
    echo "and back to it). The /ws columns divide by the default's figures:"
    echo "what the per-thread free lists are worth, with the allocator"
    echo "settings above."
    echo
    echo '```'
    if [ $peers_rc -eq 0 ]; then
        block '^the same with' '^[(]raw lines' <"$tmp/peers.txt" |
            sed 1d | sed '/./,$!d'
    else
        echo "(see above)"
    fi
    echo '```'
    echo
    echo "## The lower bound: the same work with no scheduler"
    echo
    echo "Command: \`asynclab bench all --executor ws --baseline\`. peer=baseline"
    echo "allocates each future, polls it to the end with a no-op waker and"
    echo "frees it, on one thread; the overhead line is the runtime's own cost"
    echo "per task (per yield for yield_many) and its ratio to the baseline."
    echo
    echo '```'
    cat "$tmp/baseline.txt"
    echo '```'
    echo
    echo "## Scaling: ns per task as the task count grows"
    echo
    echo "Command: \`asynclab bench --scaling --executor ws\` (yield_few is"
    echo "yield_many with 10 yields per task, so a million tasks stay within"
    echo "seconds). Flat columns mean no O(n) structure on the hot path."
    echo
    echo '```'
    cat "$tmp/scaling.txt"
    echo '```'
    echo
    echo "## Memory"
    echo
    echo "Command: \`asynclab bench --memory --executor ws\`."
    echo
    echo '```'
    cat "$tmp/memory.txt"
    echo '```'
    echo
    cost_section
    if [ -f docs/perf-notes.md ]; then
        cat docs/perf-notes.md
    fi
} >"$out"
echo "bench-report: wrote $out" >&2
