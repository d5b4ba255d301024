#!/bin/sh
# tools/run-tests.sh BUILD — run every test suite and end-to-end script,
# then print one closing line: "tests: N passed, M failed".
#
# A suite is build/tests/test_*: a cmocka binary that prints
# "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:".
# An end-to-end script is tests/*.sh, given the program's path; it prints
# "NAME: N passed, M failed" as its last line.

build=${1:-build}
passed=0
failed=0
broken=""

count() { # $1 = output file, $2 = label in cmocka's summary
    sed -n "s/^\[  $2  \] \([0-9][0-9]*\) test.*/\1/p" "$1" | tail -n 1
}

for suite in "$build"/tests/test_*; do
    [ -x "$suite" ] || continue
    out=$(mktemp)
    timeout 600 "$suite" >"$out" 2>&1
    rc=$?
    cat "$out"
    p=$(count "$out" PASSED); f=$(count "$out" FAILED)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ $rc -ne 0 ] && [ -z "$f" ]; then
        failed=$((failed + 1)); broken="$broken $(basename "$suite")(exit $rc)"
    fi
    rm -f "$out"
done

for script in tests/*.sh; do
    [ -f "$script" ] || continue
    out=$(mktemp)
    timeout 600 bash "$script" "$build/asynclab" >"$out" 2>&1
    rc=$?
    cat "$out"
    line=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ $rc -ne 0 ] && [ "${f:-0}" = 0 ]; then
        failed=$((failed + 1)); broken="$broken $(basename "$script")(exit $rc)"
    fi
    rm -f "$out"
done

[ -n "$broken" ] && echo "crashed or timed out:$broken"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
