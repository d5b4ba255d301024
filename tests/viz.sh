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

# shows NAME FILE...: the pane equals every FILE, within 3 s. The status
# line can be drawn before the rest of the screen (a slow build, TSan, is
# caught between the two), so a frame is read again until it settles; a
# screen that really differs never does.
shows() {
    local name=$1 i f same
    shift
    for i in $(seq 1 30); do
        same=true
        for f in "$@"; do diff -q "$f" "$tmp/screen" >/dev/null || same=false; done
        $same && return 0
        sleep 0.1
        screen "$name"
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
        { shows step "$tmp/p20" || { diff "$tmp/p20" "$tmp/screen" >"$tmp/d20"; false; }; }; then
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
            { shows step "$tmp/p17" || { diff "$tmp/p17" "$tmp/screen" >"$tmp/d17"; false; }; }; then
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
                    { shows replay "$tmp/r4" || { diff "$tmp/r4" "$tmp/screen" >"$tmp/dr4"; false; }; }; then
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

# ---- moving through time: warnings, search, jumps ------------------------------------

# wait_status NAME PATTERN: until the key bar (the last line) matches.
wait_status() {
    local i
    for i in $(seq 1 150); do
        screen "$1"
        tail -n 1 "$tmp/screen" | grep -Eq -- "$2" && return 0
        sleep 0.1
    done
    return 1
}

# the event the title's cursor is at ("event C/N")
cursor_of() { grep -Eo 'event [0-9]+/' "$tmp/screen" | head -n 1 | tr -dc 0-9; }

if (cd "$tmp" && "$bin" run tour --executor ws --workers 4 --sim --seed 1 \
    --trace tour.bin >/dev/null 2>&1); then
    start tourw 120 40 replay tour.bin
    if wait_for tourw 'step 0 '; then
        # to the end, where the warning is; then the warnings panel, Enter
        tm send-keys -t tourw G
        wait_status tourw 'at the end' || true
        press tourw Tab 2
        wait_for tourw 'warnings \(1\): Enter goes to its event' || true
        seq_w=$(grep -Eo '^ ! #[0-9]+' "$tmp/screen" | head -n 1 | tr -dc 0-9)
        tm send-keys -t tourw Enter
        if [ -n "$seq_w" ] && wait_status tourw "warning 1 at event #$seq_w" &&
            grep -Eq "^ #$seq_w " "$tmp/screen"; then
            c=$(cursor_of)
            # the cursor ends the step that holds the warning's event: the
            # same screen --print-screen shows at that step
            step=$(grep -Eo 'step [0-9]+ ' "$tmp/screen" | head -n 1 | tr -dc 0-9)
            if [ -n "$c" ] && [ "$c" -ge "$seq_w" ] &&
                (cd "$tmp" && env -u TERM "$bin" replay tour.bin --print-screen "$step" \
                    --size 120x40 >"$tmp/wstep" 2>/dev/null) &&
                diff <(sed '$d' "$tmp/wstep" | grep -v '^-- warnings') \
                    <(sed '$d' "$tmp/screen" | grep -v '^-- warnings') >/dev/null; then
                ok "tour: Enter on warning #$seq_w lands on its event (step $step, event $c), the screen stepping shows"
            else
                diff "$tmp/wstep" "$tmp/screen" >"$tmp/dw" 2>/dev/null
                cp "$tmp/dw" "$tmp/screen"
                bad "warning jump" "cursor ${c:-?} before #$seq_w, or not step $step's screen"
            fi
        else
            bad "warning jump" "no 'warning 1 at event #${seq_w:-?}' after Enter, or its line not in the log"
        fi
        # /steal, then n: from steal to steal
        tm send-keys -t tourw g
        wait_for tourw 'step 0 ' || true
        tm send-keys -t tourw / s t e a l Enter
        if wait_status tourw 'match at event #[0-9]+'; then
            a=$(tail -n 1 "$tmp/screen" | grep -Eo '#[0-9]+' | tr -dc 0-9)
            grep -Eq "^ #$a +w[0-9]+ stole " "$tmp/screen" && la=1 || la=0
            tm send-keys -t tourw n
            if wait_status tourw "match at event #[0-9]+" &&
                b=$(tail -n 1 "$tmp/screen" | grep -Eo '#[0-9]+' | tr -dc 0-9) &&
                [ "$b" != "$a" ] || { sleep 0.5; screen tourw;
                    b=$(tail -n 1 "$tmp/screen" | grep -Eo '#[0-9]+' | tr -dc 0-9); }
                [ -n "$b" ] && [ "$b" -gt "$a" ] && [ "$la" = 1 ] &&
                grep -Eq "^ #$b +w[0-9]+ stole " "$tmp/screen"; then
                tm send-keys -t tourw N
                if wait_status tourw "match at event #$a "; then
                    ok "/steal then n: steal #$a to steal #$b, N back to #$a"
                else
                    bad "search back" "N did not come back to #$a"
                fi
            else
                bad "search next" "n did not move from steal #$a to a later steal (${b:-none})"
            fi
        else
            bad "search" "/steal found no match"
        fi
        # : 100 goes to event 100's step; x and X move between steals
        tm send-keys -t tourw : 1 0 0 Enter
        if wait_status tourw 'landed at event #100' && grep -Eq '^ #100 ' "$tmp/screen"; then
            ok ": 100 goes to event 100"
        else
            bad "go to" "no 'landed at event #100'"
        fi
        tm send-keys -t tourw x
        if wait_status tourw 'steal at event #[0-9]+'; then
            s1=$(tail -n 1 "$tmp/screen" | grep -Eo '#[0-9]+' | tr -dc 0-9)
            [ "$s1" -gt 100 ] && grep -Eq "^ #$s1 +w[0-9]+ stole " "$tmp/screen" &&
                ok "x: the next steal after event 100 is #$s1" ||
                bad "next steal" "#$s1 is not a steal after event 100"
        else
            bad "next steal" "x found none"
        fi
    else
        bad "tour replay" "the replay did not start"
    fi
    tm send-keys -t tourw q
else
    bad "tour trace" "run tour --trace failed"
fi

# ---- real time, refusals of nothing, colour ------------------------------------------

start rt 100 30 viz sleepers --executor notify --tasks 3 --ms 50 --step
if wait_for rt 'PAUSED' && grep -q 'real time: the run goes on while paused' "$tmp/screen"; then
    ok "a run on the real clock says, paused, that it goes on"
else
    bad "real time" "no 'real time: the run goes on while paused' in the header"
fi
tm send-keys -t rt q
start sim 100 30 viz sleepers --executor notify --tasks 3 --ms 50 --sim --step
if wait_for sim 'PAUSED' && ! grep -q 'real time' "$tmp/screen"; then
    ok "a simulated run does not say real time"
else
    bad "sim time" "a simulated run says real time"
fi
tm send-keys -t sim q

# the tour's defaults on ws threads trip no refusal (--slow was added before)
start tws 100 30 viz tour --executor ws
if wait_for tws 'RUNNING|FINISHED'; then
    ok "viz tour --executor ws runs (no option it did not ask for refused)"
else
    bad "tour on ws threads" "did not come up"
fi
tm send-keys -t tws q

# NO_COLOR: bold and reverse only; colour without it
start col 100 30 viz yield --executor notify --sim --step
wait_for col 'PAUSED' && tm capture-pane -t col -e -p >"$tmp/col.e"
start nocol 100 30 env NO_COLOR=1 "$bin" viz yield --executor notify --sim --step
wait_for nocol 'PAUSED' && tm capture-pane -t nocol -e -p >"$tmp/nocol.e"
colour='\[(3|4)[0-7](;|m)|\[[0-9;]*;(3|4)[0-7](;|m)'
if grep -Eq "$colour" "$tmp/col.e" 2>/dev/null && ! grep -Eq "$colour" "$tmp/nocol.e" 2>/dev/null; then
    ok "NO_COLOR draws without colour (and colour without it)"
else
    bad "NO_COLOR" "colour codes with NO_COLOR, or none without"
fi
tm send-keys -t col q
tm send-keys -t nocol q

# ---- every size: 80x24 and 200x60 -----------------------------------------------------

for size in 80x24 200x60; do
    name=sz${size%x*}
    start "$name" "${size%x*}" "${size#*x}" viz fanout --executor ws --workers 12 --sim \
        --tasks 60 --step
    if wait_for "$name" 'PAUSED'; then
        press "$name" s 25
        wait_for "$name" 'PAUSED  step 25 ' || true
        missing=""
        grep -q 'q quit$' "$tmp/screen" || missing="$missing q-quit"
        grep -q 'fanout on ws (12 workers' "$tmp/screen" || missing="$missing title"
        grep -Eq '^ inject \([0-9]+\)' "$tmp/screen" || missing="$missing inject"
        # every lane: shown, or its ring's count on the "+N lanes" line
        for w in $(seq 0 11); do
            grep -Eq "^[ *]w$w +[a-z]|[ :]w$w:[0-9]" "$tmp/screen" || missing="$missing w$w"
        done
        if [ "$size" = 80x24 ]; then
            grep -Eq '^ \+[0-9]+ lanes' "$tmp/screen" || missing="$missing +N-lanes"
            grep -Eq 'tasks \(61\), \+[0-9]+ more' "$tmp/screen" || missing="$missing +N-tasks"
        else
            ! grep -Eq '^ \+[0-9]+ lanes' "$tmp/screen" || missing="$missing lanes-cut-at-200"
        fi
        if [ -z "$missing" ]; then
            ok "$size: title, status, q quit, every queue's count; cuts say +N more"
        else
            bad "$size layout" "missing:$missing"
        fi
    else
        bad "$size" "the TUI did not come up"
    fi
    tm send-keys -t "$name" q
done

# ---- the tour stepped to the end and back in the terminal, frame by frame ---------------

env -u TERM "$bin" viz tour --print-screen 100000 --back 100000 --frames --size 80x24 \
    >"$tmp/tour.frames" 2>/dev/null
mkdir -p "$tmp/tf"
awk -v d="$tmp/tf" '/^\f/ { split(substr($0, 2), a, " "); f = d "/" a[1] "." a[2]; next }
    { print > f }' "$tmp/tour.frames"
last=$(ls "$tmp/tf" | sed -n 's/^forward\.//p' | sort -n | tail -n 1)
start tstep 80 24 viz tour --step
if [ -n "$last" ] && wait_for tstep 'PAUSED  step 0 '; then
    differ=0 first=""
    for k in $(seq 1 "$last"); do
        tm send-keys -t tstep s
        wait_for tstep "(PAUSED|FINISHED)  step $k " || { differ=$((differ + 1)); break; }
        if ! shows tstep "$tmp/tf/forward.$k"; then
            differ=$((differ + 1)); [ -z "$first" ] && first="forward $k"
        fi
    done
    for k in $(seq $((last - 1)) -1 0); do
        tm send-keys -t tstep Left
        wait_for tstep "PAUSED  step $k " || { differ=$((differ + 1)); break; }
        if ! shows tstep "$tmp/tf/back.$k" "$tmp/tf/forward.$k"; then
            differ=$((differ + 1)); [ -z "$first" ] && first="back $k"
        fi
    done
    if [ "$differ" = 0 ]; then
        ok "the tour in tmux at 80x24: $last steps to the end and back, each the --frames screen, forward = back"
    else
        bad "tour frames in tmux" "$differ screens differ (first: ${first:-a step not reached})"
    fi
else
    bad "tour frames" "no frames, or the TUI did not come up"
fi
tm send-keys -t tstep q

# no scenario output in any frame of any run above
if ! grep -lq '^echo server on' "$tmp"/tf/* "$tmp"/*.txt 2>/dev/null; then
    ok "no scenario output in the captured frames"
else
    bad "scenario output" "a frame holds a scenario's printf"
fi

# The captured screens, for whoever reads the log.
for f in ws spin notify lost; do
    [ -f "$tmp/$f.txt" ] || continue
    echo "---- captured: $f view ----"
    cat "$tmp/$f.txt"
done

echo "viz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
