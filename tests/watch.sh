#!/usr/bin/env bash
# tests/watch.sh - every lesson's watch (`asynclab lesson N --watch`, the
# line in lessons/index.txt) started with no terminal and stepped.
#
#   bash tests/watch.sh build/asynclab
#
# A watch that can be stepped (spin, notify, ws --sim):
#   - its line asks for --step (the learner starts paused);
#   - `lesson N --watch --print-screen 0` and `... 10` exit 0, show the
#     scenario on the executor the line names (and its seed), paused at
#     step 0 and step 10, the run not over after 10 steps (there is
#     something to see; 5 for lesson 5, whose point is its quick end) and
#     the screen moved;
#   - simulated ones print the same screen twice;
#   - its point is on the screen (a table below: lesson, steps, pattern):
#     lesson 8's tasks waiting on I/O, lesson 13's steals, ...;
#   - with tmux: the interactive watch comes up PAUSED at step 0, three
#     presses of s reach step 3, and q exits 0.
# A watch on real threads (lessons 14 and 18), which cannot be stepped:
#   - --print-screen is refused with status 2 and a reason;
#   - with tmux: the watch runs and shows its point (threads_point below):
#     lesson 14, a worker lane polling the blocker (the worker held) and
#     the warnings panel naming it; lesson 18, a worker lane polling a
#     mini-redis connection while redis-benchmark loads the server, then
#     the run's end (skipped when redis-benchmark is not installed).
# Without tmux those checks are reported SKIPPED (never passed), and the
# last line says how many were skipped.
# Last line: "watch: N passed, M failed".

set -u
bin=${1:?usage: tests/watch.sh PATH_TO_ASYNCLAB}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
root=$(cd "$(dirname "$0")/.." && pwd)
index=$root/lessons/index.txt
passed=0
failed=0
skipped=0
tmp=$(mktemp -d)
sock="asynclab-watch-$$"
have_tmux=false
command -v tmux >/dev/null 2>&1 && have_tmux=true
tm() { tmux -L "$sock" "$@"; }
cleanup() {
    $have_tmux && tm kill-server >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
export ASYNCLAB_ROOT=$root

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    [ -f "$tmp/show" ] && sed 's/^/     | /' "$tmp/show" | head -40
    rm -f "$tmp/show"
}
skip() { skipped=$((skipped + 1)); echo "SKIPPED $1 (tmux is not installed)"; }

# shot FILE N ARGS...: `lesson N --watch ARGS` with no TERM, stdout (a
# pipe) into FILE, stderr into FILE.err; the status in $rc.
shot() {
    local out=$1 n=$2
    shift 2
    (cd "$tmp" && env -u TERM "$bin" lesson "$n" --watch "$@" 2>"$out.err" |
        cat >"$out"; exit "${PIPESTATUS[0]}")
    rc=$?
}

# ---- tmux helpers (as in tests/viz.sh) -------------------------------------

start() { # NAME ARGS...: the program in a 110x32 pane; its status to NAME.exit
    local name=$1
    shift
    local cmd
    cmd=$(printf '%q ' "$bin" "$@")
    tm new-session -d -s "$name" -x 110 -y 32 \
        "cd $tmp; ASYNCLAB_ROOT=$root $cmd; echo \"exit=\$?\" >$tmp/$name.exit; sleep 600"
}
screen() { tm capture-pane -t "$1" -p >"$tmp/screen" 2>/dev/null; }
wait_for() { # NAME PATTERN [SECONDS]: until the screen matches, 15 s at most
    local i
    for i in $(seq 1 $((${3:-15} * 10))); do
        screen "$1"
        grep -Eq -- "$2" "$tmp/screen" && return 0
        sleep 0.1
    done
    return 1
}
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

# ---- what each watch is for: STEPS|PATTERN|LONG --------------------------------
# After STEPS steps the screen shows PATTERN (the lesson's point); the run
# is not over after LONG steps (there is something to step through).
# Lesson 5's point is its end: five sleepers polled, then the lost wakeup.
# Spin and notify run on the real clock here: no pattern may depend on how
# much time passed (which wheel level a timer is on, whether a socket is
# ready yet), only on the steps taken.

point() {
    case $1 in
    4) echo "12|wasted polls: [0-9]+ of [0-9]+ \(100%\)|10" ;;
    5) echo "6|FINISHED.*failed: a lost wake|5" ;;
    6) echo "21|waiting set \(20\)|10" ;;
    7) echo "8|timers 6 \(L[0-5]:|10" ;;
    8) echo "40|driver: .*fds [1-9][0-9]* |10" ;;
    9) echo "3|tasks \(41\)|10" ;;
    13) echo "20|stole [0-9]+ tasks? from w[0-3]|10" ;;
    15) echo "15|LIFO t[0-9]+ '(ping|pong)'|10" ;;
    16) echo "20|stole [0-9]+ tasks? from w[0-3]|10" ;;
    17) echo "2|LIFO t1001 |10" ;;
    *) echo "" ;;
    esac
}

# A real-thread watch's point: "what|pattern[|seconds]" lines, each waited
# for in turn on the tmux screen (15 s, or as many seconds as given: the
# benchmark of lesson 18 takes several times longer in a sanitizer build).
threads_point() {
    case $1 in
    14) printf '%s\n' "a worker lane shows the blocker held in its poll|^ w[0-9]+ polling t[0-9]+ 'blocker'" \
                       "the warnings panel names the blocker|^ ! .*'blocker'" ;;
    18) printf '%s\n' "a worker lane polls a connection under redis-benchmark's load|^ w[0-9]+ polling t[0-9]+ 'redis-conn'" \
                       "the run ends when the benchmark does, having served its 101 connections|finished: mini-redis on 127.0.0.1:[0-9]+ served 101 connections|240" ;;
    esac
}

# ---- every watch ------------------------------------------------------------------

n_watches=0
while read -r num folder watch title; do
    case $num in '' | '#'*) continue ;; esac
    [ "$watch" = "-" ] && continue
    n=$((10#$num))
    n_watches=$((n_watches + 1))
    IFS=, read -r -a args <<<"$watch"
    scenario=${args[0]}
    executor=ws
    sim=false
    step=false
    seed=""
    for a in "${args[@]}"; do
        case $a in
        --executor=*) executor=${a#--executor=} ;;
        --sim) sim=true ;;
        --step) step=true ;;
        --seed=*) seed=${a#--seed=} ;;
        esac
    done
    [ "$scenario" = tour ] && [ "$executor" = ws ] && sim=true
    label="lesson $n ($scenario on $executor)"

    if [ "$executor" = ws ] && ! $sim; then
        # ---- real threads ----
        shot "$tmp/t" "$n" --print-screen 3
        if [ "$rc" = 2 ] && grep -q 'cannot be paced' "$tmp/t.err"; then
            ok "$label: on threads, --print-screen refused (status 2, a reason)"
        else
            cp "$tmp/t.err" "$tmp/show"
            bad "$label refusal" "status $rc"
        fi
        if ! $have_tmux; then
            skip "$label: its point on a live screen, in tmux"
            continue
        fi
        if [ "$scenario" = mini-redis ] && ! command -v redis-benchmark >/dev/null 2>&1; then
            echo "SKIPPED $label: redis-benchmark is not installed (sh tools/deps.sh redis)"
            skipped=$((skipped + 1))
            continue
        fi
        if [ -z "$(threads_point "$n")" ]; then
            bad "$label point" "tests/watch.sh has no expectation for lesson $n"
            continue
        fi
        start "w$n" lesson "$n" --watch
        while IFS='|' read -r what pat secs; do
            if wait_for "w$n" "$pat" "${secs:-15}"; then
                ok "$label: $what"
            else
                cp "$tmp/screen" "$tmp/show"
                bad "$label: $what" "not on the screen: $pat"
            fi
        done < <(threads_point "$n")
        tm send-keys -t "w$n" q
        if wait_exit "w$n" && [ "$status" = 0 ]; then
            ok "$label: q exits 0"
        else
            bad "$label quit" "status ${status:-none}"
        fi
        continue
    fi

    # ---- steppable ----
    if $step; then
        ok "$label: the watch starts paused (--step)"
    else
        bad "$label paused" "its line has no --step: $watch"
    fi
    p=$(point "$n")
    if [ -z "$p" ]; then
        bad "$label point" "tests/watch.sh has no expectation for lesson $n"
        continue
    fi
    k=${p%%|*}
    pat=${p#*|}
    pat=${pat%|*}
    long=${p##*|}
    shot "$tmp/s0" "$n" --print-screen 0
    r0=$rc
    shot "$tmp/s1" "$n" --print-screen "$long"
    want="$scenario on $executor"
    [ -n "$seed" ] && want="$want.*seed $seed"
    if [ "$r0" = 0 ] && [ "$rc" = 0 ] && grep -q 'PAUSED  step 0 ' "$tmp/s0" &&
        grep -q "PAUSED  step $long " "$tmp/s1" && head -n 1 "$tmp/s1" | grep -Eq "$want"; then
        ok "$label: --print-screen 0 and $long: paused, the run goes on, '$want' in the title"
    else
        cp "$tmp/s1" "$tmp/show"
        bad "$label print" "status $r0/$rc, or not paused at 0 and $long, or no '$want'"
    fi
    if ! cmp -s "$tmp/s0" "$tmp/s1"; then
        ok "$label: $long steps move the screen"
    else
        cp "$tmp/s1" "$tmp/show"
        bad "$label steps" "the screen did not move in $long steps"
    fi
    if $sim; then
        shot "$tmp/s1b" "$n" --print-screen "$long"
        if cmp -s "$tmp/s1" "$tmp/s1b"; then
            ok "$label: simulated, the same screen twice"
        else
            diff "$tmp/s1" "$tmp/s1b" >"$tmp/show"
            bad "$label twice" "two runs differ"
        fi
    fi
    shot "$tmp/pt" "$n" --print-screen "$k"
    if [ "$rc" = 0 ] && grep -Eq -- "$pat" "$tmp/pt"; then
        ok "$label: after $k steps the screen shows its point: $pat"
    else
        cp "$tmp/pt" "$tmp/show"
        bad "$label point" "no '$pat' after $k steps (status $rc)"
    fi
    if ! $have_tmux; then
        skip "$label: the interactive watch, stepped in tmux"
        continue
    fi
    start "w$n" lesson "$n" --watch
    if wait_for "w$n" 'PAUSED  step 0 '; then
        tm send-keys -t "w$n" s
        tm send-keys -t "w$n" s
        tm send-keys -t "w$n" s
        if wait_for "w$n" ' step 3 '; then
            ok "$label: in a terminal it starts paused; s s s reaches step 3"
        else
            cp "$tmp/screen" "$tmp/show"
            bad "$label keys" "not at step 3 after three s"
        fi
    else
        cp "$tmp/screen" "$tmp/show"
        bad "$label start" "not PAUSED at step 0"
    fi
    tm send-keys -t "w$n" q
    if wait_exit "w$n" && { [ "$status" = 0 ] || [ "$n" = 5 ]; }; then
        ok "$label: q exits (status $status)"
    else
        bad "$label quit" "status ${status:-none}"
    fi
done <"$index"

if [ "$n_watches" -ge 10 ]; then
    ok "$n_watches watches found in lessons/index.txt"
else
    bad "index" "only $n_watches watches in $index"
fi

[ "$skipped" -gt 0 ] && echo "watch: $skipped checks SKIPPED: tmux is not installed (sh tools/deps.sh test installs it)"
echo "watch: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
