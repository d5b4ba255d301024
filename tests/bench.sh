#!/bin/bash
# tests/bench.sh PROGRAM - `asynclab bench` end to end: the output format of
# docs/benchmarks.md (with its cpu_us field), the variant yield_many_driver
# on every executor, --baseline, --scaling, --memory, and bad arguments.
# Checks formats and exit codes only: timings are never pass/fail.
prog=${1:-build/asynclab}
passed=0
failed=0

check() { # name, then a command that must succeed
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"
    fi
}

line='^bench [a-z_]+ peer=asynclab-[a-z]+ workers=[0-9]+ median_us=[0-9]+ min_us=[0-9]+ iters=[0-9]+ cpu_us=[0-9]+$'

out=$("$prog" bench chained_spawn,ping_pong --executor notify --iters 3)
check "two workloads, two lines" [ "$(echo "$out" | grep -cE "$line")" = 2 ]
check "iters is reported" grep -q "iters=3" <<<"$out"

for ex in spin notify; do
    out=$("$prog" bench all --executor $ex --iters 1)
    check "all on $ex: seven workloads and one variant" [ "$(echo "$out" | grep -cE "$line")" = 8 ]
    check "all on $ex: the variant comes last" [ "$(echo "$out" | tail -n 1 | cut -d' ' -f2)" = yield_many_driver ]
done

# The variant keeps a task waiting on an eventfd: it must set up, run and
# tear down (the waiter joined) on threads and in simulation too.
out=$("$prog" bench yield_many_driver --executor ws --workers 2 --iters 2)
check "yield_many_driver on ws" grep -qE "$line" <<<"$out"
out=$("$prog" bench yield_many_driver --executor ws --sim --iters 1)
check "yield_many_driver on ws --sim" grep -qE "$line" <<<"$out"

out=$("$prog" bench yield_many --executor notify --iters 3 --baseline)
check "baseline line" grep -qE '^bench yield_many peer=baseline workers=1 median_us=[0-9]+ min_us=[0-9]+ iters=3 cpu_us=[0-9]+$' <<<"$out"
check "overhead line" grep -qE '^overhead yield_many per_yield_ns=-?[0-9.]+ ratio=[0-9.]+$' <<<"$out"

out=$("$prog" bench --scaling --executor notify --tasks 10000)
check "scaling rows" [ "$(echo "$out" | grep -c '^scaling ')" = 4 ]

out=$("$prog" bench --memory --executor notify --tasks 10000)
check "memory sizes" grep -qE '^memory task_header_bytes=[0-9]+ future_offset=[0-9]+ trailer_bytes=[0-9]+$' <<<"$out"
check "memory of pending tasks" grep -qE 'pending_tasks=10000 .*bytes_per_task=[0-9]+$' <<<"$out"

"$prog" bench frobnicate --executor notify >/dev/null 2>&1
check "unknown workload exits 2" [ $? = 2 ]
"$prog" bench all --iters 0 >/dev/null 2>&1
check "zero iters exits 2" [ $? = 2 ]
"$prog" bench >/dev/null 2>&1
check "missing workload exits 2" [ $? = 2 ]
"$prog" bench --scaling yield_many >/dev/null 2>&1
check "scaling takes no workload" [ $? = 2 ]

echo "bench: $passed passed, $failed failed"
[ "$failed" = 0 ]
