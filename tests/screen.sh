#!/usr/bin/env bash
# tests/screen.sh - the visualizer's screen without a terminal:
# `asynclab viz SCENARIO ... --print-screen N [--size COLSxROWS] [--back K]`
# and `asynclab replay FILE --print-screen N`.
#
#   bash tests/screen.sh build/asynclab
#
# No tmux, no TERM, stdout a pipe. Checked:
#   - the screen is plain text of the size asked for (rows, at most COLS
#     columns, no escape codes, no trailing blanks) and exit status 0;
#   - the same N gives the same text, run after run (ws in simulation,
#     spin and notify in virtual time);
#   - step N reached forward is the same screen as step N reached by going
#     further and coming back (--back), on every executor;
#   - a replay of a recorded run shows what the live run showed at the
#     same step (all but the title line, which names the file);
#   - a scenario's own printf never reaches the screen (echo's banner goes
#     to stderr);
#   - runs that cannot be stepped (ws on threads) and bad sizes are
#     refused with exit status 2 and a reason; --size and --back need
#     --print-screen; N past the end prints the finished screen.
# tests/viz.sh compares these screens with what tmux captures from the
# interactive UI after the same keys.
# Last line: "screen: N passed, M failed".

set -u
bin=${1:?usage: tests/screen.sh PATH_TO_ASYNCLAB}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    [ -f "$tmp/show" ] && sed 's/^/     | /' "$tmp/show" | head -40
    rm -f "$tmp/show"
}

# shot FILE ARGS...: asynclab ARGS with no TERM, stdout into FILE (a pipe
# through cat, so it is not a terminal either), stderr into FILE.err;
# the status in $rc.
shot() {
    local out=$1
    shift
    (cd "$tmp" && env -u TERM -u COLUMNS -u LINES "$bin" "$@" 2>"$out.err" |
        cat >"$out"; exit "${PIPESTATUS[0]}")
    rc=$?
}

# plain FILE COLS ROWS: ROWS lines, none wider than COLS, no control
# characters (an escape code would show as one), no trailing blank.
plain() {
    local lines wide
    lines=$(wc -l <"$1")
    wide=$(awk -v c="$2" 'length($0) > c' "$1" | wc -l)
    [ "$lines" -eq "$3" ] && [ "$wide" -eq 0 ] &&
        ! LC_ALL=C grep -q '[[:cntrl:]]' "$1" && ! grep -q ' $' "$1"
}

ws="fanout --executor ws --workers 4 --sim --seed 7 --tasks 40"

# ---- the screen is text ---------------------------------------------------

shot "$tmp/a" viz $ws --print-screen 20
cp "$tmp/a" "$tmp/show"
if [ "$rc" = 0 ] && plain "$tmp/a" 100 30 && grep -q 'PAUSED  step 20 ' "$tmp/a"; then
    ok "viz --print-screen 20: 30 lines of at most 100 columns, plain text, step 20"
else
    bad "print-screen text" "status $rc, or not 30 plain lines at step 20"
fi
missing=""
for w in 0 1 2 3; do grep -Eq "^[ *]w$w " "$tmp/a" || missing="$missing w$w"; done
grep -q 'q quit' "$tmp/a" || missing="$missing keys"
if [ -z "$missing" ]; then
    ok "the printed screen has every worker lane and the keys (the views' screen)"
else
    cp "$tmp/a" "$tmp/show"
    bad "lanes" "missing:$missing"
fi

for size in 80x24 200x60 120x40; do
    shot "$tmp/s" viz $ws --print-screen 5 --size "$size"
    if [ "$rc" = 0 ] && plain "$tmp/s" "${size%x*}" "${size#*x}"; then
        ok "--size $size: that many rows, no wider"
    else
        cp "$tmp/s" "$tmp/show"
        bad "--size $size" "status $rc, or the wrong shape"
    fi
done

shot "$tmp/small" viz $ws --print-screen 1 --size 60x16
if [ "$rc" = 0 ] && grep -q 'terminal too small' "$tmp/small"; then
    ok "a size below 80x24 prints what such a terminal shows: too small"
else
    cp "$tmp/small" "$tmp/show"
    bad "small size" "no 'terminal too small' (status $rc)"
fi

# ---- the same N, the same screen --------------------------------------------

shot "$tmp/b" viz $ws --print-screen 20
if [ "$rc" = 0 ] && cmp -s "$tmp/a" "$tmp/b"; then
    ok "two runs of --print-screen 20 print the same screen"
else
    diff "$tmp/a" "$tmp/b" >"$tmp/show"
    bad "same screen twice" "the two runs differ"
fi

# forward N == forward N + K, then K back
same_back() { # LABEL N K ARGS...
    local label=$1 n=$2 k=$3
    shift 3
    shot "$tmp/f" "$@" --print-screen "$n"
    local r1=$rc
    shot "$tmp/g" "$@" --print-screen $((n + k)) --back "$k"
    if [ "$r1" = 0 ] && [ "$rc" = 0 ] && grep -q "step $n " "$tmp/f" &&
        cmp -s "$tmp/f" "$tmp/g"; then
        ok "$label: step $n forward = step $((n + k)) and $k back"
    else
        diff "$tmp/f" "$tmp/g" >"$tmp/show"
        bad "$label forward/back" "step $n differs (status $r1/$rc)"
    fi
}
same_back "ws sim fanout" 20 40 viz $ws
same_back "ws sim tour" 9 30 viz tour
same_back "spin timers --sim" 12 18 viz timers --executor spin --sim
same_back "notify timers --sim" 12 18 viz timers --executor notify --sim
same_back "notify sleepers --sim" 7 6 viz sleepers --executor notify --sim --tasks 5 --ms 50

for n in 3 11; do
    shot "$tmp/n1" viz sleepers --executor spin --sim --tasks 5 --ms 50 --print-screen $n
    shot "$tmp/n2" viz sleepers --executor spin --sim --tasks 5 --ms 50 --print-screen $n
    if [ "$rc" = 0 ] && cmp -s "$tmp/n1" "$tmp/n2"; then
        ok "spin sleepers --sim, $n steps: the same screen twice"
    else
        diff "$tmp/n1" "$tmp/n2" >"$tmp/show"
        bad "spin twice" "differs at $n steps"
    fi
done

# ---- every scenario, every executor: to the end and back, frame by frame ----

# frames LABEL SIZE ARGS...: --print-screen to the end and all the way back
# with --frames; every key s must be one step (the forward frames are steps
# 0, 1, 2, ... with none skipped or repeated) and the screen at step k
# going back must be the screen at step k going forward.
frames() {
    local label=$1 size=$2
    shift 2
    rm -rf "$tmp/fr" "$tmp/show"
    mkdir -p "$tmp/fr"
    shot "$tmp/fr/all" "$@" --print-screen 100000 --back 100000 --frames --size "$size"
    awk -v d="$tmp/fr" '/^\f/ { split(substr($0, 2), a, " ");
        f = d "/" a[1] "." a[2]; print a[1], a[2] >> (d "/order"); next }
        { print > f }' "$tmp/fr/all"
    local fwd back gaps differ=0 first="" k
    fwd=$(grep -c '^forward ' "$tmp/fr/order")
    back=$(grep -c '^back ' "$tmp/fr/order")
    # forward: 0 1 2 ... in order; back: the same steps, down to 0
    gaps=$(awk '$1 == "forward" { if ($2 != n) bad++; n++ }
        $1 == "back" { m = m == "" ? n - 2 : m - 1; if ($2 != m) bad++ }
        END { print bad + 0 }' "$tmp/fr/order")
    for k in $(awk '$1 == "back" { print $2 }' "$tmp/fr/order"); do
        if ! cmp -s "$tmp/fr/back.$k" "$tmp/fr/forward.$k"; then
            differ=$((differ + 1))
            [ -z "$first" ] && first=$k
        fi
    done
    # every frame keeps the keys' "q quit" and a title
    local noquit
    noquit=$(grep -L 'q quit$' "$tmp/fr"/forward.* "$tmp/fr"/back.* | wc -l)
    if [ "$rc" = 0 ] && [ "$fwd" -gt 1 ] && [ "$back" -eq $((fwd - 1)) ] &&
        [ "$gaps" = 0 ] && [ "$differ" = 0 ] && [ "$noquit" = 0 ]; then
        ok "$label at $size: $((fwd - 1)) steps, one per key, each the same screen forward and back"
    else
        [ -n "$first" ] && diff "$tmp/fr/forward.$first" "$tmp/fr/back.$first" >"$tmp/show"
        bad "$label at $size" "status $rc, $fwd forward and $back back frames, $gaps out of order, $differ differ (first: step ${first:--}), $noquit without q quit"
    fi
}
small="--tasks 5 --rounds 2 --ms 20 --workers 3"
for sc in widgets sleepers naive-sleep fanout imbalance pingpong timers blocking yield tour; do
    for ex in spin notify ws; do
        for size in 80x24 200x60; do
            frames "$sc on $ex --sim" "$size" viz "$sc" --executor "$ex" --sim $small
        done
    done
done
frames "the tour (its defaults)" 80x24 viz tour

# ---- a replay shows what the live run showed --------------------------------

if (cd "$tmp" && "$bin" run $ws --trace t.bin >/dev/null 2>&1); then
    shot "$tmp/r" replay t.bin --print-screen 20
    if [ "$rc" = 0 ] && grep -q 'step 20  event [0-9]*/[0-9]* ' "$tmp/r" &&
        diff <(tail -n +2 "$tmp/r") <(tail -n +2 "$tmp/a") >"$tmp/show"; then
        ok "replay --print-screen 20 = viz --print-screen 20 of the same run (below the title)"
    else
        bad "replay vs live" "status $rc, or the screens differ"
    fi
    same_back "replay" 6 30 replay t.bin
    shot "$tmp/end" replay t.bin --print-screen 100000
    if [ "$rc" = 0 ] && grep -Eq 'event ([0-9]+)/\1 ' "$tmp/end"; then
        ok "replay: N past the end prints the last step"
    else
        cp "$tmp/end" "$tmp/show"
        bad "replay past the end" "not at the last event (status $rc)"
    fi
else
    bad "replay" "run --trace failed"
fi

shot "$tmp/fin" viz yield --executor notify --sim --tasks 2 --print-screen 100000
if [ "$rc" = 0 ] && grep -q 'FINISHED' "$tmp/fin" && grep -q 'finished: 2 tasks each yield 20 times, as planned' "$tmp/fin"; then
    ok "viz: N past the end prints the finished screen"
else
    cp "$tmp/fin" "$tmp/show"
    bad "viz past the end" "no FINISHED screen (status $rc)"
fi

# ---- the workload's output stays off the screen -----------------------------

shot "$tmp/echo" viz echo --executor notify --port 0 --print-screen 3
if [ "$rc" = 0 ] && grep -q 'echo on notify' "$tmp/echo" &&
    ! grep -q 'echo server on' "$tmp/echo" && grep -q 'echo server on' "$tmp/echo.err"; then
    ok "a scenario's printf goes to stderr, never into the printed screen"
else
    cp "$tmp/echo" "$tmp/show"
    bad "scenario output" "echo's banner in the screen, or not on stderr (status $rc)"
fi

# ---- words that were wrong, each checked where it shows ----------------------

# expect LABEL FILE PATTERN...: every pattern (grep -E) in FILE
expect() {
    local label=$1 file=$2 p miss=""
    shift 2
    for p in "$@"; do grep -Eq -- "$p" "$file" || miss="$miss '$p'"; done
    if [ "$rc" = 0 ] && [ -z "$miss" ]; then
        ok "$label"
    else
        cp "$file" "$tmp/show"
        bad "$label" "status $rc, missing:$miss"
    fi
}
shot "$tmp/w1" viz naive-sleep --executor notify --sim --tasks 3 --print-screen 100000
expect "cancelled tasks are not counted done" "$tmp/w1" 'done 0 \| cancelled 3'
expect "notify's driver is held by the executor, not a w0" "$tmp/w1" \
    '^ driver: (held by the executor|free) '
! grep -q 'holder w0\|held by w0' "$tmp/w1" || bad "notify driver" "a w0 on notify"
shot "$tmp/w2" viz echo --executor notify --port 0 --print-screen 3
expect "registered fds: the count, then the list" "$tmp/w2" '\| fds 1 \([0-9]+\) \|'
shot "$tmp/w3" viz sleepers --executor notify --sim --tasks 40 --ms 50 --print-screen 30 --size 80x24
expect "notify at 80x24: the waiting set's overflow and the remote queue, whole" "$tmp/w3" \
    '^ +t7 .sleeper. +<- not yet' '^ +\+22 more$' 'remote \(11\): t30 t31 t32 \+8 more$' \
    'waiting set \(29\)'
shot "$tmp/w4" viz fanout --executor ws --workers 12 --sim --tasks 100 --print-screen 40 --size 80x24
steals=$(sed -n 's/.*in all \([0-9]*\) (\([0-9]*\) tasks).*/\1 \2/p' "$tmp/w4")
counted=$(sed -n 's/.*steals \([0-9]*\) (\([0-9]*\) tasks).*/\1 \2/p' "$tmp/w4")
if [ "$rc" = 0 ] && [ -n "$steals" ] && [ "$steals" = "$counted" ] &&
    grep -Eq '^ \+[0-9]+ lanes \(< >\), rings: w[0-9]+:[0-9]+' "$tmp/w4"; then
    ok "12 workers at 80x24: the lanes that do not fit give their ring counts; the steal totals whole ($steals)"
else
    cp "$tmp/w4" "$tmp/show"
    bad "12 workers at 80x24" "steal totals '$steals' vs '$counted', or no +N lanes line"
fi
shot "$tmp/w5" viz fanout --executor ws --workers 12 --sim --tasks 100 --print-screen 40 --size 200x60
expect "12 workers at 200x60: every lane, labels apart (no 'w10idle')" "$tmp/w5" \
    '^[ *]w10 +[a-z]' '^[ *]w11 +[a-z]' '^[ *]w0  +[a-z]'
! grep -Eq 'w1[01][a-z]' "$tmp/w5" || bad "lane labels" "a label runs into its state"
# in simulation one worker moves per step: the others with work wait for
# their turn, and none with a queued task is called idle
if grep -q 'waiting for its turn' "$tmp/w5" &&
    ! grep -Eq '^[ *]w[0-9]+ +idle +LIFO .* ring [1-9]' "$tmp/w5"; then
    ok "simulation: a worker with queued tasks waits for its turn, not idle"
else
    cp "$tmp/w5" "$tmp/show"
    bad "waiting for its turn" "a worker with work shown idle"
fi
shot "$tmp/rt" viz sleepers --executor notify --tasks 3 --ms 50 --print-screen 2
expect "a run on the real clock says, paused, that it goes on" "$tmp/rt" \
    'real time: the run goes on while paused'
shot "$tmp/rt2" viz sleepers --executor notify --sim --tasks 3 --ms 50 --print-screen 2
! grep -q 'real time' "$tmp/rt2" && ok "a simulated run does not say real time" ||
    bad "sim real time" "says real time in simulation"
for sc in tour fanout timers yield; do
    shot "$tmp/d" viz "$sc" --print-screen 2
    [ "$sc" = tour ] || shot "$tmp/d" viz "$sc" --executor notify --print-screen 2
    [ "$rc" = 0 ] && ok "defaults trip no refusal: viz $sc --print-screen 2" ||
        { cp "$tmp/d.err" "$tmp/show"; bad "defaults: $sc" "status $rc"; }
done

# ---- refusals ------------------------------------------------------------------

refused() { # LABEL PATTERN ARGS...
    local label=$1 pattern=$2
    shift 2
    shot "$tmp/x" "$@"
    if [ "$rc" = 2 ] && [ ! -s "$tmp/x" ] &&
        head -n 1 "$tmp/x.err" | grep -q -- "$pattern"; then
        ok "refused, status 2: $label"
    else
        cp "$tmp/x.err" "$tmp/show"
        bad "refusal: $label" "status $rc, or no '$pattern' first"
    fi
}
refused "ws on threads cannot be stepped" '^asynclab: --print-screen: ws with threads cannot be paced; add --sim' \
    viz fanout --executor ws --print-screen 3
refused "--size not COLSxROWS" '^asynclab: --size: expected COLSxROWS' viz yield --print-screen 1 --size 100
refused "--size 0x30" '^asynclab: --size: expected COLSxROWS' viz yield --print-screen 1 --size 0x30
refused "--size 100x30x2" '^asynclab: --size: expected COLSxROWS' viz yield --print-screen 1 --size 100x30x2
refused "--size 1001x30" '^asynclab: --size: expected COLSxROWS' viz yield --print-screen 1 --size 1001x30
refused "--size without --print-screen" '^asynclab: --size: only with --print-screen' viz yield --size 80x24
refused "--back without --print-screen" '^asynclab: --back: only with --print-screen' replay t.bin --back 2
refused "--sim for a scenario on real sockets" '^asynclab: --sim: echo serves real TCP clients' \
    viz echo --sim --print-screen 1
refused "--frames without --print-screen" '^asynclab: --frames: only with --print-screen' viz yield --frames
refused "--print-screen -1" '^asynclab: --print-screen' viz yield --print-screen -1

echo "screen: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
