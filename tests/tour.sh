#!/usr/bin/env bash
# tests/tour.sh - the timeline panel and the narrated tour, as the program
# prints them (no terminal: --print-screen, and run --narrate).
#
#   bash tests/tour.sh build/asynclab
#
# Checked:
#   - `viz fanout --executor ws --workers 4 --sim --seed 7 --panel timeline
#     --print-screen N`: every poll of the run (from the same seeded run's
#     trace, in words) up to the cursor is drawn on its worker's row at its
#     column, as the panel's title says the view is laid out; and none is
#     drawn on another worker's row there. Also with few tasks, zoomed in
#     far enough for the labels: "tN" at the poll's column;
#   - `run tour ... --narrate` prints at least 8 captions, in the order of
#     their events, and the same trace hash as without it;
#   - each of those captions is on the screen of `viz tour --print-screen
#     S` at its step S, in the caption box (seeds 1 and 7), and a step
#     without one has no box;
#   - --narrate and --panel refuse what they cannot do (status 2, a reason).
# The captions' words are checked against the model in
# tests/test_viz_tour.c; the timeline's cells in tests/test_viz_timeline.c.
# Last line: "tour: N passed, M failed".

set -u
bin=${1:?usage: tests/tour.sh PATH_TO_ASYNCLAB}
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

run() { # OUT ARGS...: no terminal, stdout to OUT, stderr to OUT.err
    local out=$1
    shift
    (cd "$tmp" && env -u TERM -u COLUMNS -u LINES "$bin" "$@" 2>"$out.err" |
        cat >"$out"; exit "${PIPESTATUS[0]}")
    rc=$?
}

# ---- the timeline: every poll on its row, at its column --------------------

# check_polls LABEL SCREEN WORDS: each "wN polls tM" line of WORDS (the
# run's events in words, numbered) up to the screen's cursor event is a
# poll cell on row wN of the printed timeline at the column the title's
# view puts it; a poll label "tM" when zoomed in far enough.
check_polls() {
    local label=$1 screen=$2 words=$3
    awk -v label="$label" '
        FNR == NR {
            # trace export --text: "   123   0.000 ms  w1 polls t4 ..."
            if ($4 ~ /^w[0-9]+$/ && $5 == "polls") {
                n++; seq[n] = $1; w[n] = substr($4, 2); t[n] = $6
            }
            next
        }
        /PAUSED  step [0-9]+  event / {
            for (i = 1; i < NF; i++) if ($i == "event") cursor = $(i + 1) + 0
        }
        /^-- timeline: events / {
            # "-- timeline: events #1-#4225 of 4225 events, 32 events a column (..."
            match($0, /events #[0-9]+-/); start = substr($0, RSTART + 8, RLENGTH - 9) - 1
            if (match($0, /, [0-9]+ events? a column/)) {
                split(substr($0, RSTART + 2), a, " "); per = a[1]; fine = 1
            } else if (match($0, /, [0-9]+ columns an event/)) {
                split(substr($0, RSTART + 2), a, " "); per = a[1]; fine = 0
            }
            intl = 1; next
        }
        intl && /^w[0-9]+ / { row[substr($1, 2)] = substr($0, 10); next }
        intl && /^(driver|blocking)/ { next }
        intl && /^-- / { intl = 0 }
        END {
            if (per == "" || cursor == 0) { print "no timeline or no cursor"; exit 1 }
            checked = 0; bad = 0; labels = 0
            for (i = 1; i <= n; i++) {
                if (seq[i] > cursor || seq[i] - 1 < start) continue
                col = fine ? int((seq[i] - 1 - start) / per) : (seq[i] - 1 - start) * per
                if (col >= length(row[w[i]]) && col >= 190) continue
                c = substr(row[w[i]], col + 1, 1)
                if (c != "=" && c !~ /[t0-9]/) {
                    printf "%s: the poll at event %d (w%d %s) is \"%s\" at column %d\n",
                        label, seq[i], w[i], t[i], c, col; bad++
                }
                if (!fine && substr(row[w[i]], col + 1, length(t[i])) == t[i]) labels++
                for (k in row) if (k != w[i]) {
                    o = substr(row[k], col + 1, 1)
                    if (fine && per == 1 && (o == "=" || o ~ /[t0-9]/)) {
                        printf "%s: event %d also drawn as a poll on w%s\n", label, seq[i], k; bad++
                    }
                }
                checked++
            }
            printf "%d polls checked, %d labelled\n", checked, labels
            exit bad > 0 || checked == 0
        }' "$words" "$screen"
}

fanout="fanout --executor ws --workers 4 --sim --seed 7"
if (cd "$tmp" && "$bin" run $fanout --trace f.bin >/dev/null 2>&1 &&
    "$bin" trace export f.bin --text f.txt >/dev/null 2>&1); then
    for n in 3 30; do
        run "$tmp/tl$n" viz $fanout --panel timeline --print-screen $n --size 200x60
        if [ "$rc" = 0 ] && out=$(check_polls "fanout step $n" "$tmp/tl$n" "$tmp/f.txt"); then
            ok "viz $fanout --panel timeline, step $n: $out, each on its worker's row at its event's column"
        else
            { echo "$out"; cat "$tmp/tl$n"; } >"$tmp/show"
            bad "timeline fanout step $n" "status $rc, or a poll not where it ran"
        fi
    done
    if grep -q '^w3 ' "$tmp/tl30" && grep -q '^driver' "$tmp/tl30" &&
        grep -q '^blocking' "$tmp/tl30" && grep -Eq '^ +#1 .*\^' "$tmp/tl30"; then
        ok "the panel has rows w0-w3, driver and blocking, and the cursor marked under them"
    else
        cp "$tmp/tl30" "$tmp/show"
        bad "timeline rows" "missing a row or the cursor"
    fi
else
    bad "fanout trace" "run --trace or trace export failed"
fi

# few tasks: the view zoomed in far enough to label the polls
small="fanout --executor ws --workers 4 --sim --seed 7 --tasks 6 --rounds 1"
if (cd "$tmp" && "$bin" run $small --trace s.bin >/dev/null 2>&1 &&
    "$bin" trace export s.bin --text s.txt >/dev/null 2>&1); then
    run "$tmp/tls" viz $small --panel timeline --print-screen 8 --size 200x60
    if [ "$rc" = 0 ] && out=$(check_polls "small fanout" "$tmp/tls" "$tmp/s.txt") &&
        ! echo "$out" | grep -q ', 0 labelled'; then
        ok "a short run, zoomed in: $out"
    else
        { echo "$out"; cat "$tmp/tls"; } >"$tmp/show"
        bad "timeline small fanout" "status $rc, or no labels"
    fi
else
    bad "small fanout trace" "run --trace or trace export failed"
fi

# the same screen forward and back, with the panel
run "$tmp/fw" viz $fanout --panel timeline --print-screen 12 --size 120x40
r1=$rc
run "$tmp/bk" viz $fanout --panel timeline --print-screen 20 --back 8 --size 120x40
if [ "$r1" = 0 ] && [ "$rc" = 0 ] && cmp -s "$tmp/fw" "$tmp/bk"; then
    ok "with the timeline: step 12 forward = step 20 and 8 back"
else
    diff "$tmp/fw" "$tmp/bk" >"$tmp/show"
    bad "timeline forward/back" "the screens differ"
fi

# ---- the tour, narrated -----------------------------------------------------

for seed in 7 1; do
    run "$tmp/n$seed" run tour --executor ws --workers 4 --sim --seed "$seed" --narrate
    r1=$rc
    run "$tmp/p$seed" run tour --executor ws --workers 4 --sim --seed "$seed"
    caps=$(grep -c '^\[step [0-9]*, event [0-9]*\]' "$tmp/n$seed")
    ordered=$(sed -n 's/^\[step \([0-9]*\), event \([0-9]*\)\].*/\2/p' "$tmp/n$seed" |
        awk 'NR > 1 && $1 < last { bad = 1 } { last = $1 } END { print bad ? "no" : "yes" }')
    if [ "$r1" = 0 ] && [ "$caps" -ge 8 ] && [ "$ordered" = yes ] &&
        [ "$(grep '^trace hash' "$tmp/n$seed")" = "$(grep '^trace hash' "$tmp/p$seed")" ] &&
        grep -q '^steals ' "$tmp/n$seed"; then
        ok "run tour --seed $seed --narrate: $caps captions in event order, then the figures; the same trace hash"
    else
        cp "$tmp/n$seed" "$tmp/show"
        bad "narrate seed $seed" "status $r1, $caps captions, ordered $ordered, or another hash"
    fi

    # each caption on the screen at its step, in the box
    missing=""
    k=0
    while read -r step words; do
        k=$((k + 1))
        run "$tmp/c" viz tour --seed "$seed" --print-screen "$step" --size 100x40
        if [ "$rc" != 0 ] || ! grep -q "the tour, [0-9]* of [0-9]*" "$tmp/c" ||
            ! tr -d '\n|' <"$tmp/c" | tr -s ' ' | grep -qF "$words"; then
            missing="$missing $step"
            cp "$tmp/c" "$tmp/show"
        fi
    done < <(sed -n 's/^\[step \([0-9]*\), event [0-9]*\] \(.*\)$/\1 \2/p' "$tmp/n$seed" |
        awk '{ w = $2; for (i = 3; i <= 6 && i <= NF; i++) w = w " " $i; print $1, w }')
    if [ -z "$missing" ] && [ "$k" -ge 8 ]; then
        ok "viz tour --seed $seed: each of the $k captions in the box at its step"
    else
        bad "tour seed $seed on screen" "not shown at steps:$missing"
    fi
done
rm -f "$tmp/show"

run "$tmp/c1" viz tour --print-screen 1 --size 100x40
if [ "$rc" = 0 ] && ! grep -q 'the tour, ' "$tmp/c1"; then
    ok "step 1 of the tour (no caption's event in it): no box"
else
    cp "$tmp/c1" "$tmp/show"
    bad "no caption at step 1" "a box, or status $rc"
fi
run "$tmp/nn" viz tour --executor notify --print-screen 3 --size 100x40
if [ "$rc" = 0 ] && ! grep -q 'the tour, ' "$tmp/nn"; then
    ok "the tour on notify: no captions (the script speaks of ws)"
else
    cp "$tmp/nn" "$tmp/show"
    bad "notify tour" "a caption box, or status $rc"
fi

# ---- refusals ----------------------------------------------------------------

refused() { # LABEL PATTERN ARGS...
    local label=$1 pattern=$2
    shift 2
    run "$tmp/x" "$@"
    if [ "$rc" = 2 ] && head -n 1 "$tmp/x.err" | grep -q -- "$pattern"; then
        ok "refused, status 2: $label"
    else
        cp "$tmp/x.err" "$tmp/show"
        bad "refusal: $label" "status $rc, or no '$pattern'"
    fi
}
refused "--narrate on another scenario" '^asynclab: --narrate: only for the tour on ws with --sim' \
    run fanout --executor ws --sim --narrate
refused "--narrate without --sim" '^asynclab: --narrate: only for the tour on ws with --sim' \
    run tour --executor ws --narrate
refused "--panel that is not timeline" "^asynclab: --panel: unknown panel 'lanes' (known: timeline)" \
    viz fanout --executor ws --sim --panel lanes --print-screen 1

echo "tour: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
