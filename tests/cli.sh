#!/usr/bin/env bash
# tests/cli.sh - end to end: the `asynclab` program's exit statuses and
# messages, and a real run of each scenario on the spin executor.
#
#   bash tests/cli.sh build/asynclab
#
# Exit statuses: 0 done, 1 the work failed, 2 a bad command line (one line
# "asynclab: ..." saying why, then the usage). No timing decides a check:
# only statuses, messages and exact counts.
# Last line: "cli: N passed, M failed"; exits non-zero on any failure.

set -u
bin=${1:?usage: tests/cli.sh PATH_TO_ASYNCLAB}
passed=0
failed=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    sed 's/^/     | /' "$err" | head -5
}

# expect NAME STATUS ARGS... : run, check the exit status.
expect() {
    local name=$1 want=$2
    shift 2
    "$bin" "$@" >"$out" 2>"$err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name" "exit status $got, expected $want"
        return 1
    fi
    return 0
}

# usage_error NAME REASON ARGS... : status 2, the first stderr line is
# "asynclab: REASON" (a * in REASON matches anything), it is the only such
# line, and the usage follows.
usage_error() {
    local name=$1 reason=$2
    shift 2
    expect "$name" 2 "$@" || return
    local first count
    first=$(head -n 1 "$err")
    count=$(grep -c '^asynclab: ' "$err")
    # shellcheck disable=SC2053 # REASON is a pattern on purpose
    if [[ $first != "asynclab: "$reason ]]; then
        bad "$name" "first line '$first', expected 'asynclab: $reason'"
    elif [ "$count" -ne 1 ]; then
        bad "$name" "$count reason lines, expected one"
    elif ! grep -q '^usage: asynclab' "$err"; then
        bad "$name" "no usage after the reason"
    else
        ok "$name"
    fi
}

# field NAME : the number after "NAME" in a `run` report (first column).
field() {
    sed -n "s/^$1  *\([0-9.]*\).*/\1/p" "$out" | head -n 1
}

# ---- help ------------------------------------------------------------------

if expect help 0 --help && grep -q '^usage: asynclab COMMAND' "$out" &&
    grep -q '^  run ' "$out" && grep -q '^  compare ' "$out"; then
    ok help
else
    bad help "no usage listing run and compare on stdout"
fi
for cmd in run compare; do
    if expect "$cmd --help" 0 "$cmd" --help &&
        grep -qE "^usage: asynclab $cmd (SCENARIO|WORKLOAD)" "$out" &&
        grep -q -- '--tasks N' "$out" && grep -q '^  sleepers ' "$out"; then
        ok "$cmd --help"
    else
        bad "$cmd --help" "no usage with options and scenarios on stdout"
    fi
done

# ---- bad command lines: one reason, the usage, status 2 ----------------------

usage_error "no command" "missing COMMAND"
usage_error "unknown command" "frobnicate: unknown command" frobnicate
usage_error "missing scenario" "run: missing SCENARIO" run --executor spin
usage_error "unknown scenario" "nope: unknown scenario" run nope
usage_error "negative tasks" \
    "--tasks: expected a positive integer, got '-3'" run sleepers --tasks -3
usage_error "zero tasks" \
    "--tasks: expected a positive integer, got '0'" run sleepers --tasks 0
usage_error "non-numeric tasks" \
    "--tasks: expected a positive integer, got '12abc'" \
    run sleepers --tasks=12abc
usage_error "overflowing tasks" \
    "--tasks: expected a positive integer, got '99999999999' (too large)" \
    run sleepers --tasks 99999999999
usage_error "missing value" \
    "--ms: missing value (expected an integer from 0 to 86400000)" run sleepers --ms
usage_error "negative seed" \
    "--seed: expected a non-negative integer, got '-1'" run sleepers --seed -1
usage_error "port range" \
    "--port: expected an integer from 0 to 65535, got '70000' (too large)" \
    run sleepers --port 70000
usage_error "unknown option" "--frob: unknown option" run sleepers --frob
usage_error "flag with value" "--sim: takes no value, got 'yes'" \
    run sleepers --sim=yes
usage_error "extra argument" "widgets: unexpected argument" \
    run sleepers widgets
usage_error "unknown executor" \
    "--executor: unknown executor 'turbo' (known: spin*)" \
    run sleepers --executor turbo
usage_error "compare unknown executor" \
    "--executors: unknown executor 'turbo' (known: spin*)" \
    compare sleepers --executors spin,turbo

# ---- real runs on the spin executor ------------------------------------------

if expect "run sleepers" 0 run sleepers --executor spin --tasks 100 --ms 200; then
    wall=$(field wall)
    cpu=$(field cpu)
    wasted=$(field 'pending polls')
    if ! grep -q '^tasks finished *100 of 100$' "$out"; then
        bad "run sleepers" "not every task finished"
    elif ! grep -q '^cpu/wall *[0-9]' "$out"; then
        bad "run sleepers" "no cpu/wall line"
    elif [ -z "$wall" ] || [ -z "$cpu" ] || [ -z "$wasted" ]; then
        bad "run sleepers" "wall, cpu or pending polls missing"
    elif [ "$wasted" -le 0 ]; then
        bad "run sleepers" "pending polls $wasted, expected > 0"
    elif ! awk -v w="$wall" 'BEGIN { exit !(w > 0) }'; then
        bad "run sleepers" "wall time $wall"
    else
        ok "run sleepers"
    fi
fi

# widgets: every PENDING (a wasted poll on spin), exactly tasks * rounds.
if expect "run widgets" 0 run widgets --tasks 40 --rounds 5 &&
    [ "$(field 'pending polls')" = 200 ] && [ "$(field polls)" = 240 ] &&
    [ "$(field completed)" = 40 ]; then
    ok "run widgets"
else
    bad "run widgets" "expected 240 polls, 200 pending, 40 completed"
fi

if expect "run naive-sleep" 0 run naive-sleep --tasks 5 --ms 20 &&
    grep -q '^tasks finished *5 of 5$' "$out"; then
    ok "run naive-sleep"
else
    bad "run naive-sleep" "the naive sleep should finish on spin"
fi

if expect "compare" 0 compare widgets --executors spin,spin --tasks 10 &&
    [ "$(grep -c '^spin  *10/10 ' "$out")" = 2 ] &&
    grep -q '^executor  *finished  *wall s  *cpu s  *cpu/wall  *polls' "$out"
then
    ok "compare"
else
    bad "compare" "expected a header and two spin rows"
fi

# --sim on every executor: virtual time, so two runs print the same
# counters and the same trace hash (wall and CPU lines aside).
for ex in spin notify ws; do
    a=$("$bin" run sleepers --executor $ex --sim --tasks 100 --ms 200 2>&1 |
        grep -v '^wall\|^cpu')
    b=$("$bin" run sleepers --executor $ex --sim --tasks 100 --ms 200 2>&1 |
        grep -v '^wall\|^cpu')
    if [ -n "$a" ] && [ "$a" = "$b" ] && echo "$a" | grep -q '^trace hash'; then
        ok "run sleepers --sim on $ex: the same counters and hash twice"
    else
        bad "run sleepers --sim on $ex" "two runs differ: $(diff <(echo "$a") <(echo "$b") | head -3)"
    fi
done

# The load note: above one runnable thread per CPU, run and compare say
# that the figures stretch. ASYNCLAB_LOADAVG stands for getloadavg's
# reading (and makes the note print without a terminal).
if ASYNCLAB_LOADAVG=64 "$bin" run widgets --tasks 3 >"$out" 2>"$err" &&
    [ "$(grep -c '^asynclab: note: load average 64.00 on [0-9]* CPUs*: other work shares them, so wall times stretch and CPU/wall falls$' "$err")" = 1 ] &&
    [ "$(wc -l <"$err")" = 1 ] && grep -q '^completed  *3$' "$out"; then
    ok "run: the load note, one line on stderr"
else
    bad "run: the load note" "expected one note line on stderr"
fi
if ASYNCLAB_LOADAVG=0 "$bin" run widgets --tasks 3 >"$out" 2>"$err" &&
    [ ! -s "$err" ] &&
    ASYNCLAB_LOADAVG=64 "$bin" run widgets --tasks 3 --sim >"$out" 2>"$err" &&
    [ ! -s "$err" ] &&
    "$bin" run widgets --tasks 3 >"$out" 2>"$err" </dev/null && [ ! -s "$err" ]
then
    ok "run: no load note when idle, in a simulation, or to a pipe"
else
    bad "run: no load note" "a note where none belongs"
fi
if ASYNCLAB_LOADAVG=64 "$bin" compare widgets --executors spin,notify --tasks 3 --csv >"$out" 2>"$err" &&
    [ "$(wc -l <"$out")" = 3 ] && ! grep -q note "$out" &&
    grep -q '^asynclab: note: load average 64.00' "$err"; then
    ok "compare --csv: the load note on stderr, the CSV clean"
else
    bad "compare: the load note" "expected 3 CSV lines and the note on stderr"
fi

# naive-sleep reads the executor's clock: in a simulation, run and the
# visualizer stepping it (headless, --print-screen) end the same way on
# notify, a lost wakeup for each of the 5 tasks, and spin's run is the
# same run twice (the same hash).
lost() { grep "is pending and nothing holds its waker: a lost wakeup" "$1"; }
if expect "run naive-sleep --sim" 1 run naive-sleep --executor notify --sim --tasks 5 --ms 20 &&
    grep -q '^tasks finished *0 of 5$' "$out" && lost "$err" >"$out.run" &&
    [ "$(wc -l <"$out.run")" = 5 ] &&
    "$bin" viz naive-sleep --executor notify --sim --tasks 5 --ms 20 \
        --print-screen 200 >"$out" 2>"$err" && lost "$err" >"$out.viz" &&
    cmp -s "$out.run" "$out.viz" && grep -q 'failed: a los' "$out" &&
    grep -q 'spawned 5 | done 0 | cancelled 5' "$out"; then
    ok "naive-sleep --sim on notify: run and the stepped visualizer both lose all 5"
else
    bad "naive-sleep --sim on notify" "run and viz --print-screen differ"
fi
rm -f "$out.run" "$out.viz"
a=$("$bin" run naive-sleep --executor spin --sim --tasks 5 --ms 20 | grep -v '^wall\|^cpu')
b=$("$bin" run naive-sleep --executor spin --sim --tasks 5 --ms 20 | grep -v '^wall\|^cpu')
if [ -n "$a" ] && [ "$a" = "$b" ] && echo "$a" | grep -q '^tasks finished *5 of 5$'; then
    ok "naive-sleep --sim on spin: all 5 finish, the same run twice"
else
    bad "naive-sleep --sim on spin" "two runs differ or not all finished"
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
