#!/bin/bash
# tests/quiz.sh PROGRAM - `asynclab quiz`: predict, then reveal.
#
#  - every kind of every lesson from 4 on (the lessons of lessons/index.txt),
#    two seeds: --answer prints a question and an answer, the same on a
#    second run;
#  - answers on stdin: the right one (taken from --answer) is "right"
#    (status 0), a wrong one "wrong" (status 1), no answer status 1;
#  - bad command lines: status 2 and one line of reason first;
#  - the proof is the trace's: every event line the quiz prints is the
#    line `asynclab trace export --text` prints for the saved run, and for
#    a scenario also for a fresh `asynclab run ... --trace` of the
#    command the quiz names; and per lesson group the answer agrees with
#    an independent reading of that export (the next poll after the shown
#    event, the count of a kind of line, the steal's count, ...).
#
# Last line: "quiz: N passed, M failed".

prog=${1:-build/asynclab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then ok; else bad "$what"; fi
}

# Every lesson from 4 on, as lessons/index.txt numbers them.
lessons=$(awk '$1 ~ /^[0-9]+$/ && $1 + 0 >= 4 { print $1 + 0 }' \
    "$(dirname "$0")/../lessons/index.txt")

answer_of() { sed -n 's/^Answer: //p' "$1" | head -n 1; }

# ---- every kind, two seeds, twice ------------------------------------------
for lesson in $lessons; do
    kinds=$("$prog" quiz "$lesson" --list | sed -n 's/^  \([a-z0-9-]*\) .*/\1/p')
    n=$(echo "$kinds" | wc -w)
    check "lesson $lesson has at least three kinds ($n)" test "$n" -ge 3
    for kind in $kinds; do
        for seed in 1 7; do
            f=$tmp/q-$lesson-$kind-$seed
            "$prog" quiz "$lesson" --kind "$kind" --seed "$seed" --answer \
                >"$f.1" 2>"$f.err1"
            rc1=$?
            "$prog" quiz "$lesson" --kind "$kind" --seed "$seed" --answer \
                >"$f.2" 2>"$f.err2"
            rc2=$?
            check "$lesson $kind $seed: --answer exits 0 ($rc1, $rc2; $(head -c 200 "$f.err1"))" \
                test "$rc1" = 0 -a "$rc2" = 0
            check "$lesson $kind $seed: a question" grep -q '^Question: ' "$f.1"
            check "$lesson $kind $seed: an answer" test -n "$(answer_of "$f.1")"
            # A kind with no run (lesson 18's parser and shard questions)
            # proves its answer with the library's own steps instead.
            check "$lesson $kind $seed: a proof" \
                grep -q '^The events that decide it\|^The steps that decide it' "$f.1"
            # Lesson 8 runs over real loopback sockets: the kernel may hand
            # readiness over in another order on a loaded machine (a
            # sanitizer build is one), so only its question's kind repeats.
            if [ "$lesson" = 8 ]; then
                check "$lesson $kind $seed: the same question on a second run" \
                    test "$(grep '^Question: ' "$f.1" | sed 's/[0-9]//g')" = \
                         "$(grep '^Question: ' "$f.2" | sed 's/[0-9]//g')"
            else
                check "$lesson $kind $seed: the same on a second run" \
                    cmp -s "$f.1" "$f.2"
            fi
            check "$lesson $kind $seed: nothing on stderr" test ! -s "$f.err1"
        done
    done
done

# ---- the proof lines are the export's --------------------------------------
# Every "   N   T ms  words" line the quiz printed must be line N of the
# export of the trace it saved (and names in its last command).
proof_is_export() { # FILE
    local f=$1 trace
    trace=$(sed -n 's/^  asynclab trace export \([^ ]*\) --text.*/\1/p' "$f")
    [ -n "$trace" ] || return 1
    "$prog" trace export "$trace" --text - >"$f.export" || return 1
    grep -E '^ +[0-9]+ +[0-9]+\.[0-9]{3} ms  ' "$f" | sort -u >"$f.lines"
    [ -s "$f.lines" ] || return 1
    ! grep -vxFf "$f.export" "$f.lines" >/dev/null
}
for f in "$tmp"/q-*.1; do
    grep -q '^The steps that decide it' "$f" && continue # no run to export
    check "$(basename "$f"): its event lines are trace export --text's" \
        proof_is_export "$f"
done

# The viz command a scenario's quiz names, run as `run --trace`: the same
# run, so the same lines (a fresh process, not the quiz's own recording).
fresh_export() { # FILE OUT: export of a fresh run of the quiz's viz command
    local cmd
    cmd=$(sed -n 's/^  asynclab viz \(.*\) --print-screen [0-9]*$/\1/p' "$1")
    [ -n "$cmd" ] || return 1
    # shellcheck disable=SC2086
    "$prog" run $cmd --trace "$2.bin" >/dev/null 2>&1
    "$prog" trace export "$2.bin" --text - >"$2"
}
same_as_fresh_run() { # FILE
    fresh_export "$1" "$1.fresh" || return 1
    grep -E '^ +[0-9]+ +[0-9]+\.[0-9]{3} ms  ' "$1" | sort -u >"$1.lines"
    ! grep -vxFf "$1.fresh" "$1.lines" >/dev/null
}
for f in "$tmp"/q-4-next-poll-1.1 "$tmp"/q-6-ready-queue-7.1 \
    "$tmp"/q-7-level-1.1 "$tmp"/q-13-next-task-7.1 \
    "$tmp"/q-15-lifo-cap-1.1 "$tmp"/q-17-overflow-1.1; do
    check "$(basename "$f"): the named command's run has the same lines" \
        same_as_fresh_run "$f"
done

# ---- the answer, read again from the export --------------------------------
shown_of() { sed -n 's/^The state after event \([0-9]*\) .*/\1/p' "$1"; }
export_of() { echo "$1.export"; }

# The first poll after the shown event, as the export words it.
next_poll_line() { # FILE
    awk -v s="$(shown_of "$1")" '$1 ~ /^[0-9]+$/ && $1 > s && / polls t[0-9]+/ \
        { print; exit }' "$(export_of "$1")"
}
cross_next_poll() { # FILE: the answer is the task of that poll
    next_poll_line "$1" | grep -q "polls $(answer_of "$1") '"
}
cross_next_worker() { # FILE: the answer is the worker of that poll
    next_poll_line "$1" | grep -qE "  $(answer_of "$1") polls t"
}
count_lines() { # FILE PATTERN: export lines that match
    grep -E '^ +[0-9]+ ' "$(export_of "$1")" | grep -cE -- "$2"
}
cross_count() { # FILE PATTERN
    test "$(count_lines "$1" "$2")" = "$(answer_of "$1")"
}
cross_steal() { # FILE: the first steal after the shown event moved that many
    awk -v s="$(shown_of "$1")" '$1 ~ /^[0-9]+$/ && $1 > s && / stole / \
        { print; exit }' "$(export_of "$1")" |
        grep -qE " stole $(answer_of "$1") tasks? from"
}
cross_level() { # FILE: the sleep's export line says the same level
    grep -E 'sleeps until' "$1" | head -n 1 |
        grep -q "(wheel level $(answer_of "$1"))"
}
cross_lost() { # FILE: a LOST WAKER line exactly when the answer is yes
    if grep -q 'LOST WAKER' "$(export_of "$1")"; then
        test "$(answer_of "$1")" = yes
    else
        test "$(answer_of "$1")" = no
    fi
}
cross_child_polls() { # FILE
    local t
    t=$(sed -n 's/^Question: how many times is \(t[0-9]*\) polled.*/\1/p' "$1")
    cross_count "$1" "polls $t '"
}
cross_driver_tick() { # FILE: polls before the first driver turn after a poll
    test "$(awk '$1 ~ /^[0-9]+$/ && / polls t/ { n++ }
                 $1 ~ /^[0-9]+$/ && /driver turn/ && n > 0 { print n; exit }' \
             "$(export_of "$1")")" = "$(answer_of "$1")"
}
cross_overflow() { # FILE: the children queued into inject, all in one burst
    cross_count "$1" "t([2-9]|[0-9]{2,}) 'child' into the inject queue"
}

for seed in 1 7; do
    p=$tmp/q
    check "4 next-poll $seed: the next poll in the export" cross_next_poll "$p-4-next-poll-$seed.1"
    check "4 wasted $seed: Pending lines" cross_count "$p-4-wasted-$seed.1" ' -> Pending$'
    check "4 polls $seed: poll lines" cross_count "$p-4-polls-$seed.1" ' polls t[0-9]+'
    check "5 lost-wakeup $seed: LOST WAKER line" cross_lost "$p-5-lost-wakeup-$seed.1"
    check "5 waiter-polls $seed: t1's polls" cross_count "$p-5-waiter-polls-$seed.1" "polls t1 'waiter'"
    check "6 next-poll $seed" cross_next_poll "$p-6-next-poll-$seed.1"
    check "6 parks $seed: park lines" cross_count "$p-6-parks-$seed.1" 'executor parked'
    check "7 level $seed: the sleep's own line" cross_level "$p-7-level-$seed.1"
    check "8 registrations $seed" cross_count "$p-8-registrations-$seed.1" 'registered fd'
    check "8 io-wakes $seed" cross_count "$p-8-io-wakes-$seed.1" 'I/O readiness woke'
    check "8 next-poll $seed" cross_next_poll "$p-8-next-poll-$seed.1"
    check "9 child-polls $seed" cross_child_polls "$p-9-child-polls-$seed.1"
    check "11 dropped $seed: timer-cancel lines" cross_count "$p-11-dropped-$seed.1" 'cancelled its timer'
    check "13 next-task $seed" cross_next_poll "$p-13-next-task-$seed.1"
    check "13 next-worker $seed" cross_next_worker "$p-13-next-worker-$seed.1"
    check "13 steal-count $seed" cross_steal "$p-13-steal-count-$seed.1"
    check "14 steal-count $seed" cross_steal "$p-14-steal-count-$seed.1"
    check "14 next-worker $seed" cross_next_worker "$p-14-next-worker-$seed.1"
    check "15 lifo-cap $seed" cross_next_poll "$p-15-lifo-cap-$seed.1"
    check "15 driver-tick $seed" cross_driver_tick "$p-15-driver-tick-$seed.1"
    check "16 steals $seed" cross_count "$p-16-steals-$seed.1" ' stole '
    check "16 self-wakes $seed" cross_count "$p-16-self-wakes-$seed.1" 'woke itself'
    check "17 overflow $seed" cross_overflow "$p-17-overflow-$seed.1"
    check "18 replies $seed: one per COMMAND or ERROR step" test \
        "$(grep -c 'resp_feed at byte .*RESP_\(COMMAND\|ERROR\)' "$p-18-replies-$seed.1")" = \
        "$(answer_of "$p-18-replies-$seed.1")"
    check "18 shard $seed: the shard mr_ks_lock locked" \
        grep -q "locked shards\[$(answer_of "$p-18-shard-$seed.1")\]" "$p-18-shard-$seed.1"
done

# The visualizer step the reveal names shows the deciding poll in its log.
screen_shows() { # FILE
    local cmd line
    cmd=$(sed -n 's/^  \(asynclab viz .* --print-screen [0-9]*\)$/\1/p' "$1")
    line=$(next_poll_line "$1" | sed 's/^ *\([0-9]*\) .* ms  \(.*\)$/#\1 \2/')
    [ -n "$cmd" ] && [ -n "$line" ] || return 1
    # shellcheck disable=SC2086
    "$prog" ${cmd#asynclab } 2>/dev/null | sed 's/  */ /g' |
        grep -qF "$(echo "$line" | sed 's/  */ /g')"
}
check "13 next-task 7: the named screen shows the poll" screen_shows "$tmp/q-13-next-task-7.1"
check "4 next-poll 1: the named screen shows the poll" screen_shows "$tmp/q-4-next-poll-1.1"

# ---- answered on stdin ------------------------------------------------------
answer_test() { # LESSON KIND SEED WRONG
    local f=$tmp/q-$1-$2-$3.1 right out rc
    right=$(answer_of "$f")
    out=$(echo "$right" | "$prog" quiz "$1" --kind "$2" --seed "$3" 2>&1)
    rc=$?
    check "$1 $2 $3: '$right' is right" test "$rc" = 0
    check "$1 $2 $3: says right" grep -q '^right: ' <<<"$out"
    check "$1 $2 $3: then the answer" grep -q "^Answer: $right\$" <<<"$out"
    out=$(echo "$4" | "$prog" quiz "$1" --kind "$2" --seed "$3" 2>&1)
    rc=$?
    check "$1 $2 $3: '$4' is wrong" test "$rc" = 1
    check "$1 $2 $3: says wrong" grep -q '^wrong: ' <<<"$out"
}
answer_test 4 next-poll 1 t999
answer_test 7 cascade 7 1
answer_test 13 steal-count 1 1000
answer_test 15 wake-goes 7 z
answer_test 11 winner 7 9
yn=$(answer_of "$tmp/q-5-lost-wakeup-1.1")
answer_test 5 lost-wakeup 1 "$([ "$yn" = yes ] && echo no || echo yes)"
# Other spellings of the same answer.
t=$(answer_of "$tmp/q-13-next-task-1.1")
check "13 next-task: '${t#t}' (no t) is right too" \
    sh -c "echo '${t#t}' | '$prog' quiz 13 --kind next-task --seed 1 >/dev/null"
w=$(answer_of "$tmp/q-13-next-worker-1.1")
check "13 next-worker: '$(echo "$w" | tr w W)' is right too" \
    sh -c "echo '$(echo "$w" | tr w W)' | '$prog' quiz 13 --kind next-worker --seed 1 >/dev/null"
out=$("$prog" quiz 4 --kind polls --seed 1 </dev/null 2>&1)
rc=$?
check "no answer (end of input): status 1" test "$rc" = 1
check "no answer: still the reveal" grep -q '^Answer: ' <<<"$out"

# ---- bad command lines -------------------------------------------------------
usage_test() { # WHAT EXPECTED-REASON ARGS...
    local what=$1 want=$2 err rc
    shift 2
    err=$("$prog" quiz "$@" 2>&1 >/dev/null </dev/null)
    rc=$?
    check "$what: status 2 ($rc)" test "$rc" = 2
    check "$what: one line of reason first" \
        grep -qE "^asynclab: .*$want" <<<"$(head -n 1 <<<"$err")"
}
usage_test "lesson 3" "lesson 3 has no questions" 3
usage_test "lesson 19" "lesson 19 has no questions" 19
usage_test "unknown kind" "no kind 'nope'" 4 --kind nope
usage_test "--seed without a value" "--seed: missing value" 4 --seed
usage_test "--seed not a number" "--seed: expected" 4 --seed x
usage_test "no lesson" "missing N" --seed 1
usage_test "not a number" "expected a lesson number" four

check "--help: status 0" sh -c "'$prog' quiz --help >/dev/null"
check "--list names lesson 17" sh -c "'$prog' quiz --list | grep -q '^lesson 17:'"
check "--seed picks a kind when none is given" \
    sh -c "'$prog' quiz 13 --seed 2 --answer | grep -q '^asynclab quiz 13 --kind '"

# ---- the lessons point at kinds that exist --------------------------------
# Each "Check yourself" names `asynclab quiz N --kind K`s (lines may wrap):
# every K a lesson's text names is one of `quiz N --list`'s.
root=$(cd "$(dirname "$0")/.." && pwd)
for lesson in $lessons; do
    readme=$(ls "$root"/lessons/"$(printf %02d "$lesson")"-*/README.md)
    named=$(tr '\n' ' ' <"$readme" | grep -o -- '--kind [a-z0-9-]*' | sed 's/--kind //' | sort -u)
    known=$("$prog" quiz "$lesson" --list | sed -n 's/^  \([a-z0-9-]*\) .*/\1/p')
    check "lesson $lesson names quiz kinds ($(echo $named))" test -n "$named"
    for k in $named; do
        check "lesson $lesson's --kind $k is a kind of quiz $lesson" \
            sh -c "echo '$known' | grep -qx -- '$k'"
    done
done

echo "quiz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
