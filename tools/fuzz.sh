#!/bin/sh
# tools/fuzz.sh FUZZ_BUILD SECONDS HARNESS... — run each libFuzzer harness
# for SECONDS, then print one line each and a closing line:
#
#   fuzz cli: 1234567 runs in 60 s, 20576 exec/s, corpus 812 inputs, no crash
#   fuzz: 2 harnesses, 0 crashed
#
# A harness build/fuzz/fuzz_<name> reads the committed seeds in
# fuzz/corpus/<name>/ and grows its own corpus in FUZZ_BUILD/corpus/<name>/
# (kept between runs, never committed). A crash, a leak, a sanitizer report,
# an input slower than 10 s or an exit() stops that harness; the input is
# saved as FUZZ_BUILD/artifacts/<name>-crash-... and replays with
#   FUZZ_BUILD/fuzz_<name> FUZZ_BUILD/artifacts/<name>-crash-...
# The harness's log is FUZZ_BUILD/<name>.log.

build=${1:?usage: tools/fuzz.sh FUZZ_BUILD SECONDS HARNESS...}
seconds=${2:?usage: tools/fuzz.sh FUZZ_BUILD SECONDS HARNESS...}
shift 2

ran=0
crashed=0
for bin in "$@"; do
    name=$(basename "$bin" | sed 's/^fuzz_//')
    corpus=$build/corpus/$name
    seeds=fuzz/corpus/$name
    log=$build/$name.log
    mkdir -p "$corpus" "$seeds" "$build/artifacts"
    echo "fuzz $name: ${seconds} s (log: $log)"
    # -close_fd_mask=3: the program's own messages stay out of the log;
    # libFuzzer and the sanitizers still report on a copy of stderr.
    "$bin" "$corpus" "$seeds" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$name-" >"$log" 2>&1
    rc=$?
    ran=$((ran + 1))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    inputs=$(find "$corpus" -type f | wc -l)
    if [ $rc -eq 0 ]; then
        echo "fuzz $name: ${runs:-?} runs in $seconds s, ${speed:-?} exec/s," \
            "corpus $inputs inputs, no crash"
    else
        crashed=$((crashed + 1))
        echo "fuzz $name: FAILED (exit $rc) after ${runs:-?} runs; the report:"
        grep -E 'ERROR|SUMMARY|==[0-9]+==|deadly|Test unit written' "$log" |
            head -20 | sed 's/^/    /'
    fi
done
echo "fuzz: $ran harnesses, $crashed crashed"
[ "$crashed" -eq 0 ]
