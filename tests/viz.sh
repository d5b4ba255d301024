#!/usr/bin/env bash
# tests/viz.sh - the visualizer end to end, in a real terminal: tmux.
#
#   bash tests/viz.sh build/asynclab
#
# Each check starts the TUI in a detached tmux session of a fixed size (its
# own tmux server, so nothing of the user's is touched), sends keys,
# captures the screen as text and looks for what must be there:
#   - fanout on ws (4 workers, sim, seed 7, 40 children; with the default
#     1000 the first steal comes after ~4000 polls), stepped 20 times: every worker
#     lane and a steal in the log; q exits 0 and leaves the terminal sane
#     (canonical mode and echo back on, the alternate screen left);
#   - Ctrl-C and SIGTERM restore the terminal the same way, and so does q
#     after the workload failed (a lost wakeup on notify);
#   - a terminal too small gets a message, and the screen comes back when
#     it grows;
#   - the spin and notify views; a replay steps forward and back;
#   - a scenario's printf (echo's banner) is a note on the screen, not
#     text over it;
#   - what `--print-screen N --size` prints is what the pane shows after
#     N presses of s, and after going back (tests/screen.sh checks the
#     printed screens themselves, without tmux).
# Waiting is "until the screen shows X, for at most 15 s": no check
# depends on how fast the machine is.
# Last line: "viz: N passed, M failed". Without tmux: a message and
# "viz: 0 passed, 0 failed" (skipped, not failed).

set -u
bin=${1:?usage: tests/viz.sh PATH_TO_ASYNCLAB}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
passed=0
failed=0

if ! command -v tmux >/dev/null 2>&1; then
    echo "viz: tmux is not installed; skipping the terminal tests" \
        "(sh tools/deps.sh test installs it)"
    echo "viz: 0 passed, 0 failed"
    exit 0
fi

tmp=$(mktemp -d)
sock="asynclab-viz-$$"
tm() { tmux -L "$sock" "$@"; }
cleanup() {
    tm kill-server >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    [ -f "$tmp/screen" ] && sed 's/^/     | /' "$tmp/screen" | head -40
}

# start NAME COLS ROWS ARGS...: the TUI in session NAME; when it exits the
# shell records the terminal's settings, then its status (last: the status
# file is what the checks wait for), then waits.
start() {
    local name=$1 cols=$2 rows=$3
    shift 3
    local cmd
    cmd=$(printf '%q ' "$bin" "$@")
    tm new-session -d -s "$name" -x "$cols" -y "$rows" \
        "cd $tmp; $cmd; st=\$?; stty -a >$tmp/$name.stty; \
         echo \"exit=\$st\" >$tmp/$name.exit; echo DONE; sleep 600"
}

screen() { tm capture-pane -t "$1" -p >"$tmp/screen" 2>/dev/null; }

# child_of PARENT NAME: the pid of PARENT's child called NAME, from /proc
# (pgrep is procps', which a minimal machine lacks: make check-fresh).
# /proc/PID/stat is "pid (comm) state ppid ...", comm possibly spaced.
child_of() {
    local parent=$1 name=$2 f line comm rest
    for f in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$f" || continue
        comm=${line#*\(}
        comm=${comm%\)*}
        rest=${line##*\) }
        set -- $rest
        if [ "$comm" = "$name" ] && [ "${2:-}" = "$parent" ]; then
            echo "${line%% *}"
            return 0
        fi
    done
    return 1
}

# wait_for NAME PATTERN: until the screen matches (grep -E), 15 s at most.
wait_for() {
    local i
    for i in $(seq 1 150); do
        screen "$1"
        grep -Eq -- "$2" "$tmp/screen" && return 0
        sleep 0.1
    done
    return 1
}

# wait_exit NAME: until the program has exited; its status in $status.
wait_exit() {
    local i
    for i in $(seq 1 150); do
        if [ -s "$tmp/$1.exit" ]; then
            status=$(sed 's/exit=//' "$tmp/$1.exit")
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# restored NAME: canonical mode and echo are on again, and the pane left
# the alternate screen.
restored() {
    local stty=$tmp/$1.stty
    grep -Eq '(^| )icanon( |$)' "$stty" && grep -Eq '(^| )echo( |$)' "$stty" &&
        [ "$(tm display-message -p -t "$1" '#{alternate_on}')" = 0 ]
}

# press NAME KEY COUNT: send KEY COUNT times.
press() {
    local i
    for i in $(seq 1 "$3"); do tm send-keys -t "$1" "$2"; done
}

# ---- fanout on ws, stepped -----------------------------------------------------

start step 120 40 viz fanout --executor ws --workers 4 --sim --seed 7 --tasks 40 \
    --step
if wait_for step 'PAUSED'; then
    press step s 20
    if wait_for step 'stole [0-9]+ tasks? from w[0-3]'; then
        missing=""
        for w in 0 1 2 3; do
            grep -Eq "^[ *]w$w " "$tmp/screen" || missing="$missing w$w"
        done
        if [ -z "$missing" ]; then
            ok "20 steps of fanout: every worker lane and a steal shown"
        else
            bad "worker lanes" "lanes missing:$missing"
        fi
        cp "$tmp/screen" "$tmp/ws.txt"
    else
        bad "a steal in the log" "no 'stole N tasks from wX' after 20 steps"
    fi
    grep -q 'space pause' "$tmp/screen" && grep -q 'q quit' "$tmp/screen" &&
        ok "the keys are on the screen" || bad "keys" "key line missing"
    # the printed screen is the interactive one: same steps, same size
    if wait_for step 'PAUSED  step 20 ' &&
        env -u TERM "$bin" viz fanout --executor ws --workers 4 --sim --seed 7 \
            --tasks 40 --print-screen 20 --size 120x40 >"$tmp/p20" 2>/dev/null &&
        diff "$tmp/p20" "$tmp/screen" >"$tmp/d20"; then
        ok "20 presses of s in tmux show exactly what --print-screen 20 prints"
    else
        cp "$tmp/d20" "$tmp/screen" 2>/dev/null
        bad "print-screen = tmux" "the screens differ (diff above)"
    fi
    before=$(grep -Eo 'step [0-9]+ ' "$tmp/screen" | head -n 1 | tr -dc 0-9)
    press step Left 3
    if [ -n "$before" ] && wait_for step "step $((before - 3)) "; then
        ok "left arrow steps back (step $before, three back: $((before - 3)))"
        if env -u TERM "$bin" viz fanout --executor ws --workers 4 --sim --seed 7 \
            --tasks 40 --print-screen 17 --size 120x40 >"$tmp/p17" 2>/dev/null &&
            diff "$tmp/p17" "$tmp/screen" >"$tmp/d17"; then
            ok "step 17 reached back in tmux = step 17 reached forward (--print-screen 17)"
        else
            cp "$tmp/d17" "$tmp/screen" 2>/dev/null
            bad "back = forward" "step 17 differs (diff above)"
        fi
    else
        bad "left arrow" "not at step $((${before:-0} - 3)) after 3 back"
    fi
    tm send-keys -t step q
    if wait_exit step && [ "$status" = 0 ]; then
        ok "q quits with status 0"
    else
        bad "q" "did not exit with 0 (status ${status:-none})"
    fi
    restored step && ok "terminal restored after q" ||
        bad "restore after q" "$(cat "$tmp/step.stty" 2>/dev/null | head -3)"
else
    bad "start" "the TUI did not come up"
fi

# ---- Ctrl-C and SIGTERM ----------------------------------------------------------

start int 100 30 viz yield --executor notify --step
if wait_for int 'PAUSED'; then
    tm send-keys -t int C-c
    if wait_exit int && [ "$status" != 0 ] && restored int; then
        ok "Ctrl-C exits and restores the terminal"
    else
        bad "Ctrl-C" "status ${status:-none}, or the terminal not restored"
    fi
else
    bad "Ctrl-C" "the TUI did not come up"
fi

start term 100 30 viz timers --executor spin --step
if wait_for term 'PAUSED'; then
    # the program is the child of the shell the pane runs
    pid=$(child_of "$(tm display-message -p -t term '#{pane_pid}')" asynclab)
    [ -n "$pid" ] && kill -TERM "$pid"
    if wait_exit term && restored term; then
        ok "SIGTERM exits and restores the terminal"
    else
        bad "SIGTERM" "did not exit, or the terminal not restored"
    fi
else
    bad "SIGTERM" "the TUI did not come up"
fi

# ---- a workload that fails ------------------------------------------------------------

start fail 110 32 viz naive-sleep --executor notify --tasks 3
if wait_for fail 'failed: a lost wakeup' &&
    grep -q "lost waker: t1 'naive-sleeper'" "$tmp/screen"; then
    ok "a failing workload: the failure and the lost-waker warnings shown"
    cp "$tmp/screen" "$tmp/lost.txt"
else
    bad "failing workload" "no failure status or lost-waker warning"
fi
tm send-keys -t fail q
if wait_exit fail && [ "$status" = 1 ] && restored fail; then
    ok "after a failed workload: status 1, terminal restored"
else
    bad "failed workload exit" "status ${status:-none}, or not restored"
fi

# ---- a terminal too small, then big enough ------------------------------------------

start small 60 16 viz fanout --executor ws --sim --step --tasks 8
if wait_for small 'terminal too small'; then
    ok "a small terminal gets a message"
    tm resize-window -t small -x 100 -y 30
    if wait_for small 'PAUSED'; then
        ok "the screen comes back when the terminal grows"
    else
        bad "resize" "no screen after growing the terminal"
    fi
else
    bad "too small" "no 'terminal too small' message"
fi
tm send-keys -t small q

# ---- the spin and notify views ---------------------------------------------------------

start spin 100 30 viz yield --executor spin --tasks 3 --step
press spin s 4
if wait_for spin 'wasted polls: [0-9]+ of' && grep -q 'deque (' "$tmp/screen"; then
    ok "spin view: the deque and wasted polls"
    cp "$tmp/screen" "$tmp/spin.txt"
else
    bad "spin view" "no deque or wasted polls"
fi
tm send-keys -t spin q

start notify 100 30 viz timers --executor notify --tasks 3 --step
press notify s 3
if wait_for notify 'waiting set' && wait_for notify 'ready queue'; then
    ok "notify view: the ready queue and the waiting set"
    cp "$tmp/screen" "$tmp/notify.txt"
else
    bad "notify view" "no ready queue or waiting set"
fi
tm send-keys -t notify q

# ---- a scenario's own output -------------------------------------------------------------

# echo prints its banner with printf: on the screen it is a note in the
# warnings panel, never text written over the screen.
start echo 110 32 viz echo --executor notify --port 0 --step
if wait_for echo 'PAUSED' && press echo s 3 && wait_for echo 'step 3 '; then
    if grep -q '^ output: echo server on 127.0.0.1:' "$tmp/screen" &&
        ! grep -q '^echo server on' "$tmp/screen"; then
        ok "a scenario's printf shows as a note, not over the screen"
    else
        bad "scenario output" "no 'output: echo server on' note, or the banner over the screen"
    fi
else
    bad "echo" "the TUI did not come up, or did not step"
fi
tm send-keys -t echo q
wait_exit echo && [ "$status" = 0 ] && restored echo &&
    ok "echo: q exits 0, terminal restored" || bad "echo quit" "status ${status:-none}"

# ---- replay --------------------------------------------------------------------------------

if (cd "$tmp" && "$bin" run fanout --executor ws --workers 4 --sim --seed 7 \
    --tasks 40 --trace t.bin >/dev/null 2>&1); then
    start replay 120 40 replay t.bin
    if wait_for replay 'step 0 '; then
        press replay s 6
        if wait_for replay 'step 6 '; then
            press replay Left 2
            if wait_for replay 'step 4 '; then
                ok "replay steps forward and back"
                if (cd "$tmp" && env -u TERM "$bin" replay t.bin --print-screen 4 \
                    --size 120x40 >"$tmp/r4" 2>/dev/null) &&
                    diff "$tmp/r4" "$tmp/screen" >"$tmp/dr4"; then
                    ok "replay: step 4 reached back in tmux = replay --print-screen 4"
                else
                    cp "$tmp/dr4" "$tmp/screen" 2>/dev/null
                    bad "replay back = print" "step 4 differs (diff above)"
                fi
            else
                bad "replay back" "not at step 4 after 6 forward, 2 back"
            fi
        else
            bad "replay forward" "not at step 6 after 6 steps"
        fi
    else
        bad "replay" "the replay did not start at step 0"
    fi
    tm send-keys -t replay q
    wait_exit replay && restored replay && ok "replay quits cleanly" ||
        bad "replay quit" "no clean exit"
else
    bad "replay" "run --trace failed"
fi

# The captured screens, for whoever reads the log.
for f in ws spin notify lost; do
    [ -f "$tmp/$f.txt" ] || continue
    echo "---- captured: $f view ----"
    cat "$tmp/$f.txt"
done

echo "viz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
