#!/usr/bin/env bash
# tests/notify.sh - end to end: the notify executor on the scenarios that
# need real wakes: timers, a lost wakeup, TCP (echo and c10k).
#
#   bash tests/notify.sh build/asynclab
#
# No timing decides a check: only exit statuses, messages and counts. The
# echo server is stopped with SIGINT, which must end it cleanly (status 0).
# Last line: "notify: N passed, M failed"; exits non-zero on any failure.

set -u
bin=${1:?usage: tests/notify.sh PATH_TO_ASYNCLAB}
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

# run NAME STATUS ARGS... : run asynclab, check its exit status. With
# FDS=N in the environment, under `ulimit -n N`.
run() {
    local name=$1 want=$2
    shift 2
    timeout 120 bash -c '[ -z "${FDS:-}" ] || ulimit -n "$FDS"; exec "$@"' \
        run "$bin" "$@" >"$out" 2>"$err"
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

run sleepers 0 run sleepers --executor notify --tasks 50 --ms 20 &&
    has sleepers "$out" "tasks finished   50 of 50"

run naive-sleep 1 run naive-sleep --executor notify --tasks 3 --ms 50 &&
    has naive-sleep "$err" \
        "task 3 'naive-sleeper' is pending and nothing holds its waker: a lost wakeup"
lost=$(grep -c "a lost wakeup$" "$err")
if [ "$lost" -eq 3 ]; then ok naive-sleep-one-line-each; else
    bad naive-sleep-one-line-each "$lost report lines, expected 3"
fi

run c10k 0 run c10k --executor notify --connections 300 --rounds 3 &&
    has c10k "$out" "tasks finished   300 of 300"

# With 200 fds, 300 connections cannot all be open at once: they still
# all complete, fewer at a time, and the result says so.
FDS=200 run c10k-fd-limit 0 run c10k --executor notify --connections 300 \
    --rounds 2 && has c10k-fd-limit "$out" "tasks finished   300 of 300" &&
    has c10k-says-fd-limit "$out" "RLIMIT_NOFILE 200 fits only"

# echo: start on a free port, talk to it, stop it with SIGINT.
"$bin" run echo --executor notify --port 0 >"$out" 2>"$err" &
server=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/^echo server on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
    [ -n "$port" ] && break
    sleep 0.05
done
if [ -z "$port" ]; then
    bad echo "the server did not say where it listens"
    kill "$server" 2>/dev/null
else
    reply=""
    if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
        echo "hello, echo" >&3
        read -r -t 10 reply <&3
        exec 3>&-
    fi
    if [ "$reply" = "hello, echo" ]; then ok echo-replies; else
        bad echo-replies "got '$reply'"
    fi
    kill -INT "$server"
    wait "$server"
    status=$?
    if [ "$status" -eq 0 ]; then ok echo-stops-on-sigint; else
        bad echo-stops-on-sigint "exit status $status"
    fi
    has echo-served "$out" "served 1 connections"
fi

echo "notify: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
