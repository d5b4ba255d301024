#!/usr/bin/env bash
# tools/valgrind.sh PROGRAM — every scenario on every executor, a few
# benchmark workloads, and every lesson example, under valgrind memcheck:
# no error and no definite or indirect leak, or the run fails.
#
#   make valgrind                   (PROGRAM = build/asynclab)
#   VALGRIND_EXAMPLES=0 make valgrind   skip the lesson examples
#
# One line per run, then "valgrind: N runs, M failed (K skipped)". The
# full report of a failed run is kept in build/valgrind/<name>.log.
# Sizes are small: memcheck runs code 20 to 50 times slower, and what is
# checked is that every path frees what it allocates, not speed.

set -u
# Tasks from malloc, not from core/task_cache.c's free lists: memcheck
# then sees every task's free, and a use after it.
export ASYNCLAB_TASK_CACHE=0
bin=${1:?usage: tools/valgrind.sh PATH_TO_ASYNCLAB}
root=$(cd "$(dirname "$0")/.." && pwd)
logs=$(dirname "$bin")/valgrind
mkdir -p "$logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runs=0
failed=0
skipped=0

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind: not installed; run: sudo apt-get install -y valgrind" >&2
    exit 1
fi

# shellcheck disable=SC2054 # the commas are memcheck's syntax
VG=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --track-fds=no)

# verdict NAME STATUS LOG: one line; status 99 is memcheck's. ALLOW=N
# accepts status N too (a run that fails by design, cleanly).
verdict() {
    runs=$((runs + 1))
    if [ "$2" -eq 0 ] || [ "$2" -eq "${ALLOW:-0}" ]; then
        echo "ok   $1"
        return
    fi
    failed=$((failed + 1))
    if [ "$2" -eq 99 ]; then
        echo "FAIL $1: memcheck found errors or leaks (see $3)"
        grep -E '^==[0-9]+== (Invalid|Conditional|[0-9,]+ bytes in|Syscall|Mismatched)' \
            "$3" | head -5 | sed 's/^/     | /'
    else
        echo "FAIL $1: exit status $2 (see $3)"
        tail -n 3 "$3" | sed 's/^/     | /'
    fi
}

# vg NAME ARGS...: the program under memcheck, at most 300 s.
vg() {
    local name=$1 log="$logs/$1.log"
    shift
    timeout -k 5 300 "${VG[@]}" --log-file="$log.vg" "$bin" "$@" \
        >"$log" 2>&1 </dev/null
    local rc=$?
    cat "$log.vg" >>"$log"
    rm -f "$log.vg"
    verdict "$name" "$rc" "$log"
}

# ---- scenarios, on every executor -----------------------------------------------

executors=$("$bin" run --help | sed -n '/^executors:/,/^$/p' |
    awk 'NR > 1 && NF { print $1 }')
scenarios=$("$bin" run --help | sed -n '/^scenarios:/,/^$/p' |
    awk 'NR > 1 && /^  [a-z]/ { print $1 }')

small_args() { # the scenario's options, kept small
    case $1 in
    widgets) echo "--tasks 20 --rounds 2" ;;
    sleepers | naive-sleep) echo "--tasks 10 --ms 20" ;;
    c10k) echo "--connections 20 --rounds 2" ;;
    fanout) echo "--tasks 50 --rounds 2" ;;
    *) echo "--tasks 10" ;;
    esac
}

# A server scenario runs until SIGINT: one request, its reply, then ^C.
# vg_server SCENARIO EXECUTOR REQUEST REPLY: echo gets "ping" back,
# mini-redis answers an inline PING with +PONG.
vg_server() {
    local sc=$1 ex=$2 request=$3 reply=$4
    local name="run-$sc-$ex" log="$logs/run-$sc-$ex.log"
    local port=$((20000 + RANDOM % 20000))
    "${VG[@]}" --log-file="$log.vg" "$bin" run "$sc" --executor "$ex" \
        --port "$port" >"$log" 2>&1 </dev/null &
    local pid=$! got=""
    for _ in $(seq 100); do
        if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
            printf '%b' "$request" >&3
            read -r -t 10 -N "${#reply}" got <&3
            exec 3>&-
            break
        fi
        sleep 0.2
    done
    kill -INT "$pid" 2>/dev/null
    wait "$pid"
    local rc=$?
    cat "$log.vg" >>"$log"
    rm -f "$log.vg"
    [ "$got" = "$reply" ] || { echo "(no $reply)" >>"$log"; [ $rc -eq 0 ] && rc=1; }
    verdict "$name" "$rc" "$log"
}

for ex in $executors; do
    for sc in $scenarios; do
        if [ "$sc" = echo ]; then
            vg_server echo "$ex" ping ping
            continue
        fi
        if [ "$sc" = mini-redis ]; then
            vg_server mini-redis "$ex" 'PING\r\n' +PONG
            continue
        fi
        # naive-sleep keeps no waker: on notify (and ws) it is the lesson's
        # lost wakeup, status 1 by design; memcheck still must be clean.
        allow=0
        [ "$sc" = naive-sleep ] && [ "$ex" != spin ] && allow=1
        # shellcheck disable=SC2046 # small_args is words on purpose
        ALLOW=$allow vg "run-$sc-$ex" run "$sc" --executor "$ex" \
            $(small_args "$sc")
    done
    if [ "$ex" = ws ]; then
        vg "run-fanout-ws-sim" run fanout --executor ws --sim --seed 7 \
            --tasks 50 --rounds 2
    fi
done

# ---- benchmark workloads -----------------------------------------------------------

for ex in $executors; do
    for w in spawn_many_local ping_pong chained_spawn timers; do
        vg "bench-$w-$ex" bench "$w" --executor "$ex" --iters 1
    done
done

# ---- lesson examples ----------------------------------------------------------------

if [ "${VALGRIND_EXAMPLES:-1}" != 0 ]; then
    lib=$(dirname "$bin")/libasynclab.a
    for src in "$root"/lessons/*/example*.c; do
        lesson=$(basename "$(dirname "$src")")
        exe=$tmp/$lesson
        if ! cc -std=c11 -D_GNU_SOURCE -pthread -g -O1 -I"$root" "$src" \
            "$lib" -o "$exe" 2>"$tmp/cc.log"; then
            skipped=$((skipped + 1))
            echo "skip example-$lesson: does not build: $(head -n 1 "$tmp/cc.log")"
            continue
        fi
        name=example-$lesson log=$logs/example-$lesson.log
        (cd "$root" && timeout -k 5 300 "${VG[@]}" --log-file="$log.vg" \
            "$exe" >"$log" 2>&1 </dev/null)
        rc=$?
        cat "$log.vg" >>"$log"
        rm -f "$log.vg"
        verdict "$name" "$rc" "$log"
    done
fi

echo "valgrind: $runs runs, $failed failed ($skipped skipped)"
[ "$failed" -eq 0 ]
