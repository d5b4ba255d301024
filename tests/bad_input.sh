#!/usr/bin/env bash
# tests/bad_input.sh - the bad-input table: every row is something a
# learner can get wrong, and `asynclab` must answer each with a one-line
# reason and a non-zero exit, never a crash or a hang.
#
#   bash tests/bad_input.sh build/asynclab      (make test runs it)
#
# A row:   row NAME STATUS 'REASON' ARGS...
#   STATUS  2: a bad command line; the first line on stderr is
#              "asynclab: REASON" (a glob), the only such line, and the
#              usage follows. 1: the work failed; some stderr line is
#              "asynclab: REASON". nz: as 1, with status 1 or 2 (a file
#              the user named that cannot be used may count as either).
#   out_row NAME 'REASON' ARGS...: status 1 with the reason on stdout,
#           for `check`, whose verdict on an exercise is its output.
# Every row also fails on: a status >= 128 (killed by a signal), 124 (still
# running after ROW_TIMEOUT seconds, default 10: a hang), a sanitizer
# report on stderr (the asan/tsan builds run this same table).
# ENV=... and PRE="prlimit ..." before `row` set its environment and wrap
# the program.
#
# Run it from anywhere; the lesson rows find the repo from this file.
# docs/bad-input.md summarises the table. Last line:
# "bad-input: N passed, M failed"; exits non-zero on any failure.

set -u
bin=${1:?usage: tests/bad_input.sh PATH_TO_ASYNCLAB}
root=$(cd "$(dirname "$0")/.." && pwd)
timeout_s=${ROW_TIMEOUT:-10}
passed=0
failed=0
skipped=0
tmp=$(mktemp -d)
out=$tmp/stdout
err=$tmp/stderr
echo_pid=""
cleanup() {
    [ -n "$echo_pid" ] && kill -INT "$echo_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    sed 's/^/     | /' "$err" | head -5
}
skip() { skipped=$((skipped + 1)); echo "skip $1: $2"; }

# Run the program once (PRE wraps it); sets $rc. No stdin: a row that
# asks a question must not wait for an answer.
run() {
    # shellcheck disable=SC2086 # PRE is words on purpose
    timeout -k 2 "$timeout_s" ${PRE:-} "$bin" "$@" >"$out" 2>"$err" </dev/null
    rc=$?
}

# Not a crash, a hang or a sanitizer report; says which in $why.
survived() {
    why=""
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        why="still running after ${timeout_s} s (a hang)"
    elif [ "$rc" -ge 128 ]; then
        why="killed by signal $((rc - 128)) (a crash)"
    elif grep -qE 'Sanitizer|runtime error:' "$err"; then
        why="a sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error:' "$err")"
    fi
    [ -z "$why" ]
}

# Some stderr line is "asynclab: REASON" (REASON a glob).
has_reason() {
    local line
    while IFS= read -r line; do
        # shellcheck disable=SC2053 # a glob on purpose
        [[ $line == "asynclab: "$1 ]] && return 0
    done <"$err"
    return 1
}

row() {
    local name=$1 want=$2 reason=$3
    shift 3
    run "$@"
    survived || { bad "$name" "$why"; return; }
    if [ "$want" = nz ] && [ "$rc" -eq 0 ]; then
        bad "$name" "exit status 0, expected an error"
        return
    elif [ "$want" = nz ]; then
        want=1 # 1 or 2: a file the user named may count as either
    elif [ "$rc" -ne "$want" ]; then
        bad "$name" "exit status $rc, expected $want"
        return
    fi
    local first count
    first=$(head -n 1 "$err")
    count=$(grep -c '^asynclab: ' "$err")
    # shellcheck disable=SC2053 # REASON is a glob on purpose
    if [ "$want" -eq 2 ] && [[ $first != "asynclab: "$reason ]]; then
        bad "$name" "first stderr line '$first', expected" \
            "'asynclab: $reason'"
    elif [ "$want" -eq 2 ] && [ "$count" -ne 1 ]; then
        bad "$name" "$count reason lines, expected one"
    elif [ "$want" -eq 2 ] && ! grep -q '^usage: asynclab' "$err"; then
        bad "$name" "no usage after the reason"
    elif [ "$want" -ne 2 ] && ! has_reason "$reason"; then
        bad "$name" "no line 'asynclab: $reason' on stderr"
    else
        ok "$name"
    fi
}

out_row() {
    local name=$1 reason=$2
    shift 2
    run "$@"
    survived || { bad "$name" "$why"; return; }
    if [ "$rc" -ne 1 ]; then
        bad "$name" "exit status $rc, expected 1"
    elif ! grep -q -- "$reason" "$out"; then
        bad "$name" "stdout does not say '$reason'"
    else
        ok "$name"
    fi
}

has_command() { "$bin" --help 2>/dev/null | grep -q "^  $1 "; }

# ---- the program and its subcommands -----------------------------------------

row "no command" 2 "missing COMMAND"
row "unknown command" 2 "frobnicate: unknown command" frobnicate
row "empty command" 2 ": unknown command" ""
row "an option for a command" 2 "--tasks: unknown command" --tasks 5
row "a command in capitals" 2 "RUN: unknown command" RUN sleepers

# ---- scenarios and executors ---------------------------------------------------

row "missing scenario" 2 "run: missing SCENARIO" run --executor spin
row "unknown scenario" 2 "nope: unknown scenario" run nope
row "empty scenario" 2 ": unknown scenario" run ""
row "two scenarios" 2 "widgets: unexpected argument" run sleepers widgets
row "argument after --" 2 "widgets: unexpected argument" \
    run sleepers -- widgets
row "unknown executor" 2 "--executor: unknown executor 'turbo'*" \
    run sleepers --executor turbo
row "empty executor" 2 "--executor: unknown executor ''*" \
    run sleepers --executor ""
row "missing executor" 2 "--executor: missing value*" run sleepers --executor
row "compare: missing scenario" 2 "compare: missing SCENARIO" compare
row "compare: unknown executor in the list" 2 \
    "--executors: unknown executor 'turbo'*" \
    compare sleepers --executors spin,turbo
row "compare: an empty list" 2 "--executors: expected a list*" \
    compare sleepers --executors ,
# a list longer than its buffer: refused, never cut (a cut list names others)
row "executors: list too long" 2 \
    "--executors: a list of 304 characters; at most 255 fit" \
    compare sleepers --executors "$(printf 'spin,%.0s' $(seq 60))spin"
row "unknown option" 2 "--frob: unknown option" run sleepers --frob
row "single-dash option" 2 "-t: unknown option" run sleepers -t 5
row "flag given a value" 2 "--sim: takes no value, got 'yes'" \
    run sleepers --sim=yes
# real sockets cannot run in virtual time: refused before anything starts
row "run echo --sim" 2 \
    "--sim: echo serves real TCP clients, whom virtual time cannot pace" \
    run echo --executor notify --sim
row "run c10k --sim" 2 \
    "--sim: c10k talks over real loopback sockets, which virtual time cannot pace" \
    run c10k --sim --connections 2 --rounds 1
row "compare c10k --sim" 2 "--sim: c10k talks over real loopback sockets*" \
    compare c10k --executors notify --sim
row "run tcp_echo --sim" 2 "--sim: tcp_echo talks over real loopback sockets*" \
    run tcp_echo --executor ws --sim
row "run mini-redis --sim" 2 "--sim: mini-redis serves real sockets*" \
    run mini-redis --executor ws --sim
row "bench tcp_echo --sim" 2 "--sim: tcp_echo talks over real loopback sockets*" \
    bench yield_many,tcp_echo --sim --iters 1

# ---- numbers ---------------------------------------------------------------------

row "missing number" 2 "--tasks: missing value*" run sleepers --tasks
row "empty number" 2 "--tasks: expected a positive integer, got ''" \
    run sleepers --tasks=
row "words for a number" 2 "--tasks: expected a positive integer, got 'ten'" \
    run sleepers --tasks ten
row "trailing junk" 2 "--tasks: expected a positive integer, got '12abc'" \
    run sleepers --tasks 12abc
row "leading space" 2 "--tasks: expected a positive integer, got ' 5'" \
    run sleepers --tasks " 5"
row "plus sign" 2 "--tasks: expected a positive integer, got '+5'" \
    run sleepers --tasks +5
row "hexadecimal" 2 "--tasks: expected a positive integer, got '0x10'" \
    run sleepers --tasks 0x10
row "exponent" 2 "--tasks: expected a positive integer, got '1e3'" \
    run sleepers --tasks 1e3
row "decimal point" 2 "--ms: expected an integer from 0 to 86400000, got '1.5'" \
    run sleepers --ms 1.5
row "zero tasks" 2 "--tasks: expected a positive integer, got '0'" \
    run sleepers --tasks 0
row "negative tasks" 2 "--tasks: expected a positive integer, got '-3'" \
    run sleepers --tasks -3
row "tasks beyond int" 2 "--tasks: * got '99999999999999999999' (too large)" \
    run sleepers --tasks 99999999999999999999
row "negative ms" 2 "--ms: expected an integer from 0 to 86400000, got '-1'" \
    run sleepers --ms -1
# Waits are bounded (a day), so no scenario's deadline arithmetic on --ms
# can wrap (issue 12, defect 6: timers' --ms x --tasks overflowed an int).
row "ms beyond a day" 2 \
    "--ms: expected an integer from 0 to 86400000, got '86400001' (too large)" \
    run sleepers --ms 86400001
row "timers: ms x tasks beyond int" 2 \
    "--ms: expected an integer from 0 to 86400000, got '2147483647' (too large)" \
    run timers --ms 2147483647 --tasks 2
row "zero workers" 2 "--workers: expected an integer from 1 to 1024, got '0'" \
    run sleepers --workers 0
row "huge workers" 2 "--workers: * got '100000' (too large)" \
    run sleepers --workers 100000
row "negative workers" 2 "--workers: * got '-2'" run sleepers --workers -2
row "negative seed" 2 "--seed: expected a non-negative integer, got '-1'" \
    run sleepers --seed -1
row "seed beyond 64 bits" 2 "--seed: * got '18446744073709551616' (too large)" \
    run sleepers --seed 18446744073709551616
row "port above 65535" 2 "--port: * got '70000' (too large)" \
    run sleepers --port 70000
row "negative port" 2 "--port: * got '-1'" run sleepers --port -1

# ---- bench -------------------------------------------------------------------------

row "bench: no workload" 2 "missing WORKLOAD" bench --executor spin
row "bench: unknown workload" 2 "nope: unknown workload" \
    bench nope --executor spin
row "bench: zero iterations" 2 "--iters: * got '0'" \
    bench all --iters 0 --executor spin
row "bench: unknown executor" 2 "--executor: unknown executor 'turbo'*" \
    bench all --executor turbo

# ---- lessons ------------------------------------------------------------------------

row "lesson out of range" 2 "no lesson '99'*" lesson 99
row "lesson zero" 2 "no lesson '0'*" lesson 0
row "lesson negative" 2 "-1: unknown option" lesson -1
row "lesson by a word" 2 "no lesson 'abc'*" lesson abc
row "lesson: which one" 2 "lesson: which lesson? give its number" lesson
row "two lessons" 2 "2: unexpected argument" lesson 1 2
row "hint out of range" 2 "no lesson '99'*" hint 99
row "solution out of range" 2 "no lesson '99'*" solution 99
row "reset out of range" 2 "no lesson '99'*" reset 99 --yes
row "check out of range" 2 "no lesson '99'*" check 99
row "check --watch --solutions" 2 \
    "check: --watch watches one exercise; not with --solutions" \
    check --watch --solutions
row "check: --file without a path" 2 "--file: missing value*" \
    check 1 --file
row "check: missing file" 2 "--file: cannot read '$tmp/none.c': No such*" \
    check 1 --file "$tmp/none.c"
row "check: a directory for a file" 2 \
    "--file: cannot read '$tmp': is a directory" check 1 --file "$tmp"
ASYNCLAB_ROOT=/nonexistent row "no course found" 1 \
    "cannot find the lessons*" lessons
mkdir -p "$tmp/course/lessons"
printf '# nothing but comments\n' >"$tmp/course/lessons/index.txt"
ASYNCLAB_ROOT=$tmp/course row "an index with no lesson" 1 "*lists no lessons" \
    lessons
ASYNCLAB_LIB=$tmp/none.a row "library not built" 1 "the library * is not built*" \
    check 1 --file "$root/lessons/solutions/01-blocking-io/exercise.c"

# Exercises that are wrong in ways a learner's can be. Lesson 1's API.
printf 'int x = ;\n' >"$tmp/syntax.c"
out_row "check: exercise does not compile" "does not compile" \
    check 1 --file "$tmp/syntax.c"
: >"$tmp/empty.c"
out_row "check: empty exercise" "does not compile" check 1 --file "$tmp/empty.c"
lesson1() { # $1 = the body of every function
    cat <<EOF
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "lessons/01-blocking-io/exercise.h"
int nb_set_nonblocking(int fd) { (void)fd; $1 return 0; }
ssize_t nb_read(int fd, void *buf, size_t cap)
{ (void)fd; (void)buf; (void)cap; $1 return 0; }
int nb_serve_pass(const int fds[], int n, size_t total[], bool done[])
{ (void)fds; (void)n; (void)total; (void)done; $1 return 0; }
EOF
}
lesson1 'raise(SIGSEGV);' >"$tmp/segv.c"
out_row "check: exercise that crashes" "Segmentation fault" \
    check 1 --file "$tmp/segv.c"
lesson1 '_exit(0);' >"$tmp/exit0.c"
out_row "check: exercise that exits 0 early" "stopped before its last test" \
    check 1 --file "$tmp/exit0.c"
CC=$tmp/no-such-cc out_row "check: no C compiler" "could not run the C compiler" \
    check 1 --file "$tmp/syntax.c"

# ---- the machine says no ------------------------------------------------------------

PRE="prlimit --nofile=8:8" row "c10k: out of file descriptors" 1 \
    "c10k on notify failed: Too many open files" \
    run c10k --executor notify --connections 100 --rounds 1
PRE="prlimit --nofile=4:4" row "no descriptor for the executor" 1 \
    "cannot create the notify executor: Too many open files" \
    run sleepers --executor notify --tasks 2 --ms 1
# ASan reserves terabytes of address space: the row needs a plain build.
if nm "$bin" 2>/dev/null | grep -q -E '__(a|t)san_init'; then
    skip "out of memory" "a sanitizer build cannot run under an address-space limit"
else
    PRE="prlimit --as=300000000" row "out of memory" 1 \
        "run: widgets on spin could spawn * of 2147483647 tasks (out of memory)" \
        run widgets --tasks 2147483647
fi

# Spawns refused inside a scenario (issue 12, defect 5): every scenario that
# spawns must exit 1 with ONE line saying how many of its tasks it could
# spawn, never 0 with a short count on stdout, and never retry the refused
# spawns one by one (tour did, for over a minute: the row's timeout).
# spawn_refused NAME EXECUTOR SCENARIO ARGS...
spawn_refused() {
    local name=$1 executor=$2 sc=$3
    shift 3
    PRE="prlimit --as=400000000" row "$name" 1 \
        "run: $sc on $executor could spawn * of * tasks (out of memory)" \
        run "$sc" --executor "$executor" --tasks 2147483647 "$@"
    if [ "$(grep -c '^asynclab: ' "$err")" -gt 1 ]; then
        passed=$((passed - 1))
        bad "$name" "more than one reason line"
    fi
}
if nm "$bin" 2>/dev/null | grep -q -E '__(a|t)san_init'; then
    skip "spawns refused" "a sanitizer build cannot run under an address-space limit"
else
    for sc in fanout imbalance pingpong blocking tour yield timers sleepers \
        naive-sleep; do
        spawn_refused "spawns refused: $sc" spin "$sc" --rounds 0 --ms 0
    done
    spawn_refused "spawns refused: fanout on ws" ws fanout --rounds 0
    spawn_refused "spawns refused: tour on notify" notify tour --rounds 0
fi

# A port someone else holds: an echo server of our own, stopped at exit.
port=$((20000 + RANDOM % 20000))
"$bin" run echo --executor notify --port "$port" >/dev/null 2>&1 &
echo_pid=$!
for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
row "port already in use" 1 "*Address already in use*" \
    run echo --executor notify --port "$port"
kill -INT "$echo_pid" 2>/dev/null
wait "$echo_pid" 2>/dev/null
echo_pid=""

# ---- trace files ----------------------------------------------------------------------

printf 'ALTRACE\0' >"$tmp/magic"
: >"$tmp/empty.trace"
printf 'hello, I am not a trace\n' >"$tmp/foreign.trace"
{ cat "$tmp/magic"; printf '\1\0\0\0\200\0\0\0'; } >"$tmp/truncated.trace"
{
    cat "$tmp/magic"
    printf '\143\0\0\0\200\0\0\0\50\0\0\0'
    head -c 108 /dev/zero
} >"$tmp/future.trace"
for cmd in replay "trace info"; do
    if ! has_command "${cmd% *}"; then
        skip "$cmd: trace files" "no '${cmd% *}' subcommand in this build yet"
        continue
    fi
    # shellcheck disable=SC2086 # "trace info" is two words
    {
        row "$cmd: missing file" nz "*No such file*" $cmd "$tmp/none.trace"
        row "$cmd: a directory" nz "*" $cmd "$tmp"
        row "$cmd: empty file" nz "*empty file*" $cmd "$tmp/empty.trace"
        row "$cmd: not a trace" nz "*not an asynclab trace file*" \
            $cmd "$tmp/foreign.trace"
        row "$cmd: truncated" nz "*truncated*" $cmd "$tmp/truncated.trace"
        row "$cmd: from the future" nz \
            "*unsupported trace format version 99*" $cmd "$tmp/future.trace"
    }
done

# ---- the visualizer without a terminal ------------------------------------------
# stdin, stdout and stderr are files here: the visualizer must say it needs
# a terminal and stop, not draw into a file and wait for a key forever.

if has_command viz; then
    TERM=xterm row "viz: not a terminal" nz "*terminal*" \
        viz sleepers --executor notify --tasks 2 --ms 1
else
    skip "viz: not a terminal" "no 'viz' subcommand in this build yet"
fi
# A terminal (a pty from script(1)) whose TERM terminfo does not know:
# one line naming TERM, status 1, and (under ASan) no leak: ncurses'
# newterm leaked the screen it began (issue 12, defect 9).
if has_command viz && command -v script >/dev/null 2>&1; then
    TERM=nosuchterm timeout -k 2 "$timeout_s" script -qec \
        "$bin viz sleepers --executor notify --tasks 2 --ms 1" /dev/null \
        >"$err" 2>&1 </dev/null
    rc=$?
    if ! survived; then
        bad "viz: unknown TERM" "$why"
    elif [ "$rc" -ne 1 ]; then
        bad "viz: unknown TERM" "exit status $rc, expected 1"
    elif ! tr -d '\r' <"$err" | grep -qx "asynclab: viz needs a terminal: TERM 'nosuchterm' names no terminal type terminfo knows (try TERM=xterm)"; then
        bad "viz: unknown TERM" "no line naming TERM"
    else
        ok "viz: unknown TERM"
    fi
else
    skip "viz: unknown TERM" "no 'viz' subcommand or no script(1)"
fi
if has_command replay &&
    "$bin" run widgets --tasks 2 --rounds 1 --trace "$tmp/ok.trace" \
        >/dev/null 2>&1 </dev/null; then
    TERM=xterm row "replay: not a terminal" nz "*terminal*" \
        replay "$tmp/ok.trace"
else
    skip "replay: not a terminal" "no 'replay' or 'run --trace' yet"
fi

echo "($skipped rows skipped)"
echo "bad-input: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
