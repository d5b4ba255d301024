#!/usr/bin/env bash
# tests/mine.sh - end to end: `--executor mine`, the learner's lesson 6
# executor and lesson 10 block_on on the real driver (lessons/mine/,
# cli/mine.c).
#
#   bash tests/mine.sh build/asynclab
#
# With the reference solutions (--mine-from solutions) it runs sleepers
# (and says the figures: CPU/wall must stay under 0.05, as a program that
# sleeps in epoll_wait does whatever the load), is drawn by the
# visualizer (--sim --print-screen), and gets a row in compare. In a
# course folder of its own (asynclab init), the untouched exercises, a
# compile error and wrong lesson 6 pieces (tests/lesson-wrong/06-*.c) are
# refused with a sentence naming the lesson and `asynclab check N`, exit 1.
# Last line: "mine: N passed, M failed"; exits non-zero on any failure.

set -u
bin=${1:?usage: tests/mine.sh PATH_TO_ASYNCLAB}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
cd "$(dirname "$0")/.." || exit 1
root=$PWD
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err
export ASYNCLAB_PROGRESS=$tmp/progress

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    sed 's/^/     | /' "$err" | head -12
    sed 's/^/     > /' "$out" | head -12
}

# run NAME STATUS ARGS... : run asynclab, check its exit status.
run() {
    local name=$1 want=$2
    shift 2
    timeout 300 "$bin" "$@" >"$out" 2>"$err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name" "exit status $got, expected $want"
        return 1
    fi
    return 0
}

# has NAME FILE TEXT : FILE contains the fixed string TEXT.
has() {
    if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1" "no '$3'"; fi
}

# ---- the reference solutions, on the real driver --------------------------

if run run-sleepers 0 run sleepers --executor mine --mine-from solutions \
    --tasks 200 --ms 500; then
    has run-finished "$out" "tasks finished   200 of 200"
    has run-executor "$out" "executor         mine"
    has run-polls "$out" "polls            400"
    has run-wakes "$out" "wakes            200"
    parks=$(sed -n 's/^parks  *//p' "$out")
    if [ "${parks:-0}" -ge 1 ]; then ok "run-parks ($parks)"; else
        bad run-parks "parks '$parks', expected at least 1"; fi
    wall=$(sed -n 's/^wall  *\([0-9.]*\) s/\1/p' "$out")
    cpu=$(sed -n 's/^cpu  *\([0-9.]*\) s.*/\1/p' "$out")
    echo "     figures: wall $wall s, cpu $cpu s, cpu/wall" \
        "$(awk -v c="$cpu" -v w="$wall" 'BEGIN { printf "%.4f", c / w }')"
    if awk -v c="$cpu" -v w="$wall" 'BEGIN { exit !(w > 0 && c / w < 0.05) }'
    then ok "run-sleeps (cpu/wall < 0.05)"; else
        bad run-sleeps "cpu $cpu s over wall $wall s: it does not sleep"; fi
fi

# The same tasks in simulation, stepped: the screen shows YOUR queue.
if run viz-7 0 viz sleepers --executor mine --mine-from solutions --sim \
    --tasks 5 --ms 200 --print-screen 7; then
    has viz-7-title "$out" "sleepers on mine"
    has viz-7-waiting "$out" "waiting set (5): last woken by"
    has viz-7-task "$out" "t5 'sleeper'           <- not yet"
    has viz-7-timers "$out" "next timer 200 ms (t1) | timers 5 (L1:5)"
fi
if run viz-9 0 viz sleepers --executor mine --mine-from solutions --sim \
    --tasks 5 --ms 200 --print-screen 9; then
    has viz-9-ready "$out" "ready queue (5): woken by"
    has viz-9-woken "$out" "t3 'sleeper'           <- timer"
    has viz-9-fired "$out" "fired 5"
fi
if run viz-15 0 viz sleepers --executor mine --mine-from solutions --sim \
    --tasks 5 --ms 200 --print-screen 15; then
    has viz-15-done "$out" "polls 10 (50/s) | pending 5 | wakes 5 (self 0) | parks 2 | spawned 5 | done 5"
    has viz-15-log "$out" "t5 'sleeper' completed"
fi

if run compare 0 compare sleepers --executors spin,mine,notify \
    --mine-from solutions --tasks 50 --ms 100; then
    if grep -qE '^mine +50/50 ' "$out"; then ok compare-row; else
        bad compare-row "no 'mine 50/50' row"; fi
    if grep -qE '^notify +50/50 ' "$out"; then ok compare-notify-row; else
        bad compare-notify-row "no 'notify 50/50' row"; fi
fi

# A workload that goes through block_on (lesson 10's piece).
run block-on 0 compare yield_many --executors mine --mine-from solutions \
    --tasks 50 && has block-on-row "$out" "mine"

# ---- the learner's own files, in a course folder ---------------------------

course=$tmp/course
if run init 0 init "$course"; then ok init; fi
mkdir -p "$course/lessons/10-block-on"
[ -f "$course/lessons/10-block-on/exercise.c" ] ||
    cp lessons/10-block-on/exercise.c "$course/lessons/10-block-on/"
cp lessons/06-notify-executor/exercise.c "$course/lessons/06-notify-executor/"
cp lessons/10-block-on/exercise.c "$course/lessons/10-block-on/"

# mine ARGS...: asynclab in the course folder
mine() {
    (cd "$course" && timeout 300 "$bin" run sleepers --executor mine \
        --tasks 5 --ms 20 "$@") >"$out" 2>"$err"
}

mine
if [ $? -eq 1 ]; then ok untouched-exits-1; else bad untouched-exits-1 "not 1"; fi
has untouched-names-6 "$err" "lesson 6's executor ran a ready task wrongly"
has untouched-check-6 "$err" "asynclab check 6"

cp lessons/solutions/06-notify-executor/exercise.c "$course/lessons/06-notify-executor/"
mine
if [ $? -eq 1 ]; then ok untouched-10-exits-1; else bad untouched-10-exits-1 "not 1"; fi
has untouched-names-10 "$err" "lesson 10's mini_block_on returned"
has untouched-check-10 "$err" "asynclab check 10"

cp lessons/solutions/10-block-on/exercise.c "$course/lessons/10-block-on/"
mine
if [ $? -eq 0 ]; then ok yours-runs; else bad yours-runs "not 0"; fi
has yours-finished "$out" "tasks finished   5 of 5"

printf 'this is not C\n' >>"$course/lessons/06-notify-executor/exercise.c"
mine
if [ $? -eq 1 ]; then ok no-compile-exits-1; else bad no-compile-exits-1 "not 1"; fi
has no-compile-words "$err" "lesson 6's exercise, lessons/06-notify-executor/exercise.c, does not compile yet"
has no-compile-compiler "$err" "error:"
has no-compile-check "$err" "asynclab check 6"

cp tests/lesson-wrong/06-clear-after-poll.c "$course/lessons/06-notify-executor/exercise.c"
mine
if [ $? -eq 1 ]; then ok lost-wake-exits-1; else bad lost-wake-exits-1 "not 1"; fi
has lost-wake-words "$err" "lost a wake during a poll"

cp tests/lesson-wrong/06-spin.c "$course/lessons/06-notify-executor/exercise.c"
mine
if [ $? -eq 1 ]; then ok spin-exits-1; else bad spin-exits-1 "not 1"; fi
has spin-words "$err" "does it park when nothing is ready, or spin?"

cp tests/lesson-wrong/06-return-when-idle.c "$course/lessons/06-notify-executor/exercise.c"
mine
if [ $? -eq 1 ]; then ok early-return-exits-1; else bad early-return-exits-1 "not 1"; fi
has early-return-words "$err" "lesson 6's run did not see a waiting task through"

[ ! -s "$ASYNCLAB_PROGRESS" ] && ok "mine marks no lesson done" ||
    bad "mine marks no lesson done" "progress written"

echo "mine: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
