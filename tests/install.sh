#!/bin/bash
# tests/install.sh PROGRAM - asynclab installed like a real tool (issue 20).
#
# `make install` with DESTDIR into a temporary stage (PREFIX=/usr/local,
# so the program runs from a prefix it was not built for), then, from a
# folder that has nothing to do with the checkout:
#   - the course from the installed share/asynclab: lessons, lesson 1,
#     check refused outside a learner's folder, init, check 1 failing on
#     the pristine exercise in words, a solution passing and the progress
#     kept in the learner's folder, reset, init again;
#   - the prefix moved elsewhere: still found;
#   - every lesson's solution, checker and example compiles against the
#     installed headers alone;
#   - examples/hello_sleep.c built with `pkg-config --cflags --libs
#     asynclab` against the installed library, run on each executor;
#   - --version; the man page renders (man -l) and names every subcommand
#     of --help; the bash completion completes from the program's lists;
#   - TERM=dumb: one line and status 2 from viz, no escape codes; NO_COLOR:
#     the visualizer draws no colour (tmux);
#   - init from the checkout's own program, the checkout left alone;
#   - `make uninstall` leaves the stage exactly as it was (listed before
#     and after; a file and folders of another package kept).
# Last line: "install: N passed, M failed".

set -u
prog=${1:-build/asynclab}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
cd "$(dirname "$0")/.." || exit 1
repo=$PWD
build=$(dirname "$prog")
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset ASYNCLAB_ROOT ASYNCLAB_PROGRESS ASYNCLAB_LIB NO_COLOR

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1${2:+: $2}"
    [ -n "${3:-}" ] && [ -f "$3" ] && sed 's/^/     | /' "$3" | head -20
    return 0
}
skip() { echo "skip $1: $2"; }
# check NAME COMMAND...: ok when COMMAND succeeds
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
# run WANT NAME ARGS...: the installed program from $PWD; output in
# $tmp/out (stdout) and $tmp/err; ok when the status is WANT
run() {
    local want=$1 name=$2
    shift 2
    timeout 120 "$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name"; return 0; fi
    bad "$name" "exit $rc, expected $want" "$tmp/err"
    sed 's/^/     | /' "$tmp/out" | head -10
    return 1
}

stage=$tmp/stage
prefix=/usr/local
inst=$stage$prefix
bin=$inst/bin/asynclab
# Another package's files in the prefix: uninstall must leave them.
mkdir -p "$inst/bin" "$inst/share/man/man1" "$inst/lib"
echo other >"$inst/bin/other-tool"
echo other >"$inst/share/man/man1/other-tool.1"
listing() { (cd "$stage" && find . | sort); }
listing >"$tmp/before"

# The program and library as built; -o: never rebuilt here, even if the
# version moved on since (the sanitizer builds' objects must stay theirs).
mk() {
    make --no-print-directory -C "$repo" BUILD="$build" \
        -o "$build/asynclab" -o "$build/libasynclab.a" "$@"
}
if mk install DESTDIR="$stage" PREFIX="$prefix" >"$tmp/install.log" 2>&1; then
    ok "make install DESTDIR=... PREFIX=$prefix"
else
    bad "make install" "" "$tmp/install.log"
    echo "install: $passed passed, $failed failed"
    exit 1
fi
missing=""
for f in bin/asynclab lib/libasynclab.a lib/pkgconfig/asynclab.pc \
    include/asynclab/core/future.h include/asynclab/core/executor.h \
    include/asynclab/bench/executors.h include/asynclab/workstealing/ws.h \
    include/asynclab/driver/time.h include/asynclab/driver/net.h \
    share/asynclab/lessons/index.txt share/asynclab/lessons/check.h \
    share/asynclab/.installed share/asynclab/examples/hello_sleep.c \
    share/man/man1/asynclab.1 share/bash-completion/completions/asynclab; do
    [ -f "$inst/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
    ok "installed: program, library, headers, .pc, course, man page, completion"
else
    bad "installed: program, library, headers, .pc, course, man page, completion" \
        "missing:$missing"
fi
# Every lesson's files are there.
nmissing=0
while read -r n folder _; do
    case $n in [0-9]*) ;; *) continue ;; esac
    for f in README.md example.c exercise.c exercise.h check.c hint.md; do
        [ -f "$inst/share/asynclab/lessons/$folder/$f" ] || nmissing=$((nmissing + 1))
    done
    [ -f "$inst/share/asynclab/lessons/solutions/$folder/exercise.c" ] || nmissing=$((nmissing + 1))
done <lessons/index.txt
check "every lesson's text, example, exercise, header, checker, hint, solution installed" \
    test "$nmissing" = 0

# ---- the course, from an unrelated folder --------------------------------------------
mkdir -p "$tmp/elsewhere"
cd "$tmp/elsewhere" || exit 1
nlessons=$(grep -c '^[0-9]' "$repo/lessons/index.txt")
first=$(awk '/^[0-9]/ { print $2; exit }' "$repo/lessons/index.txt")
share=$inst/share/asynclab

if run 0 "lessons from elsewhere" lessons; then
    grep -q "asynclab course: 0 of $nlessons lessons done" "$tmp/out" ||
        bad "lessons lists the installed course" "" "$tmp/out"
    grep -q "asynclab init" "$tmp/err" || bad "lessons says to run init" "" "$tmp/err"
fi
if run 0 "lesson 1 from elsewhere" lesson 1; then
    cmp -s "$tmp/out" "$share/lessons/$first/README.md" ||
        bad "lesson 1 shows the installed text" "" "$tmp/out"
fi
run 0 "hint 1 from elsewhere" hint 1
if run 0 "lesson 1 --run from elsewhere (its example, built on the installed library)" lesson 1 --run; then
    grep -q 'exited with status 0' "$tmp/out" || bad "... the example ran" "" "$tmp/out"
fi
if run 0 "check --pristine 1: the installed exercise fails in words" check --pristine 1; then
    grep -q '^pristine: 1 failed as they should, 0 did not' "$tmp/out" ||
        bad "... says so" "" "$tmp/out"
fi
if run 1 "check 1 outside a learner's folder: refused" check 1; then
    grep -q 'asynclab init' "$tmp/err" || bad "... and says: asynclab init" "" "$tmp/err"
fi
run 1 "reset 1 outside a learner's folder: refused" reset 1 --yes

course=$tmp/elsewhere/my-course
if run 0 "init DIR" init "$course"; then
    if [ -f "$course/.asynclab-course" ] &&
        cmp -s "$course/lessons/$first/exercise.c" "$share/lessons/$first/exercise.c" &&
        [ -f "$course/lessons/$first/exercise.h" ] &&
        [ "$(ls "$course/lessons" | grep -c '^[0-9]')" = "$nlessons" ]; then
        ok "init copied every pristine exercise, and the marker"
    else
        bad "init copied every pristine exercise, and the marker"
        find "$course" | head -20
    fi
fi
if run 0 "init with no DIR" init; then
    check "... made ./asynclab-course" test -f "$tmp/elsewhere/asynclab-course/.asynclab-course"
fi
mkdir -p "$tmp/full" && echo x >"$tmp/full/mine"
run 1 "init into a folder of other files: refused" init "$tmp/full"

cd "$course/lessons/$first" || exit 1 # inside the folder, below its top
if run 1 "check 1 in the learner's folder: the pristine exercise fails" check 1; then
    if grep -q '^  ✗ ' "$tmp/out" && grep -q 'Not yet. Stuck? asynclab hint 1' "$tmp/out" &&
        ! grep -q 'does not compile' "$tmp/out"; then
        ok "... with its message, in words"
    else
        bad "... with its message, in words" "" "$tmp/out"
    fi
fi
cp "$share/lessons/solutions/$first/exercise.c" exercise.c
if run 0 "check 1 passes with the solution in place" check 1; then
    check "progress kept in the learner's folder" \
        grep -qx "$first" "$course/lessons/.progress"
fi
run 0 "lessons in the learner's folder" lessons &&
    { grep -q "asynclab course: 1 of $nlessons lessons done" "$tmp/out" ||
        bad "lessons shows the learner's progress" "" "$tmp/out"; }
if run 0 "reset 1 --yes in the learner's folder" reset 1 --yes; then
    check "reset put back the pristine exercise" \
        cmp -s exercise.c "$share/lessons/$first/exercise.c"
fi
echo "/* mine */" >>exercise.c
if run 0 "init again: up to date" init "$course"; then
    check "init again kept the learner's exercise" grep -q 'mine' exercise.c
fi
rm -f "$course/lessons/$first/exercise.c"
run 0 "init again restores a deleted exercise" init "$course" &&
    check "... from the course" cmp -s exercise.c "$share/lessons/$first/exercise.c"
cd "$tmp/elsewhere" || exit 1

# ---- the prefix moved ---------------------------------------------------------------
mv "$inst" "$tmp/moved"
if timeout 60 "$tmp/moved/bin/asynclab" lessons >"$tmp/out" 2>"$tmp/err" </dev/null &&
    grep -q "of $nlessons lessons" "$tmp/out"; then
    ok "a moved prefix still finds its course"
else
    bad "a moved prefix still finds its course" "" "$tmp/err"
fi
mv "$tmp/moved" "$inst"

# ---- every lesson against the installed headers alone ----------------------------------
cc=${CC:-cc}
cmocka_cflags=$(pkg-config --cflags cmocka 2>/dev/null)
nbad=0
while read -r n folder _; do
    case $n in [0-9]*) ;; *) continue ;; esac
    for src in "$share/lessons/solutions/$folder/exercise.c" \
        "$share/lessons/$folder/check.c" "$share/lessons/$folder"/example*.c; do
        # shellcheck disable=SC2086 # the flags are words
        if ! (cd "$tmp" && "$cc" -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE \
            -fsyntax-only -I"$share" -I"$inst/include/asynclab" \
            -I"$share/lessons/$folder" $cmocka_cflags "$src") >>"$tmp/syntax" 2>&1; then
            nbad=$((nbad + 1))
        fi
    done
done <"$repo/lessons/index.txt"
if [ "$nbad" = 0 ]; then
    ok "every lesson's solution, checker, example compiles with the installed headers"
else
    bad "every lesson's solution, checker, example compiles with the installed headers" \
        "$nbad files" "$tmp/syntax"
fi

# ---- a program of one's own: pkg-config, the installed library ---------------------------
export PKG_CONFIG_PATH=$inst/lib/pkgconfig
if flags=$(pkg-config --cflags --libs asynclab 2>"$tmp/err"); then
    ok "pkg-config --cflags --libs asynclab: $flags"
    # The sanitizer builds' library needs its sanitizer at the link too.
    san=""
    if nm -A "$inst/lib/libasynclab.a" 2>/dev/null | grep -q __asan_report; then
        san="-fsanitize=address,undefined"
    elif nm -A "$inst/lib/libasynclab.a" 2>/dev/null | grep -q __tsan_; then
        san="-fsanitize=thread"
    fi
    # shellcheck disable=SC2086 # the flags are words
    if "$cc" $san "$share/examples/hello_sleep.c" $flags -o "$tmp/hello" \
        >"$tmp/cc.log" 2>&1; then
        ok "examples/hello_sleep.c builds against the installed library"
        for ex in spin notify ws; do
            if timeout 30 "$tmp/hello" "$ex" >"$tmp/out" 2>&1 &&
                grep -q "^nap 2: slept 30 ms" "$tmp/out" &&
                grep -q "^all done at .*: 3 tasks" "$tmp/out"; then
                ok "hello_sleep on $ex: three naps, each done"
            else
                bad "hello_sleep on $ex" "" "$tmp/out"
            fi
        done
    else
        bad "examples/hello_sleep.c builds against the installed library" "" "$tmp/cc.log"
    fi
else
    bad "pkg-config finds asynclab.pc" "" "$tmp/err"
fi
unset PKG_CONFIG_PATH

# ---- --version, the man page, completion ---------------------------------------------
run 0 "--version" --version &&
    { grep -qE '^asynclab [0-9]+\.[0-9]+' "$tmp/out" || bad "--version says a version" "" "$tmp/out"; }
page=$inst/share/man/man1/asynclab.1
if command -v man >/dev/null 2>&1; then
    version=$("$bin" --version | sed 's/^asynclab //')
    if MANWIDTH=80 man --warnings -l "$page" >"$tmp/man.txt" 2>"$tmp/man.err" </dev/null &&
        grep -q 'asynclab - learn how an async runtime works' "$tmp/man.txt" &&
        grep -qF "asynclab $version" "$tmp/man.txt" &&
        [ ! -s "$tmp/man.err" ]; then
        ok "man -l renders the installed page (asynclab $version), no warnings"
    else
        bad "man -l renders the installed page" "" "$tmp/man.err"
    fi
else
    skip "man -l" "no man here (sh tools/deps.sh test installs man-db)"
fi
"$bin" --help >"$tmp/help"
commands=$(sed -n '/^commands:/,/^$/p' "$tmp/help" | awk 'NF > 1 { print $1 }')
absent=""
for c in $commands; do
    grep -qE "^\.B $c( |$)" "$page" || absent="$absent $c"
    if [ -s "$tmp/man.txt" ]; then
        grep -qE "^ +$c( |$)" "$tmp/man.txt" || absent="$absent $c(rendered)"
    fi
done
if [ -n "$commands" ] && [ -z "$absent" ]; then
    ok "every subcommand of --help has its entry in the man page ($(echo $commands | wc -w))"
else
    bad "the man page lacks:${absent:- (no commands in --help?)}"
fi

complete_words() { # the words completion offers for a command line
    PATH=$inst/bin:$PATH bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _asynclab
        printf "%s\n" "${COMPREPLY[@]}"' _ \
        "$inst/share/bash-completion/completions/asynclab" "$@" 2>&1 | sort | tr '\n' ' '
}
w=$(complete_words asynclab "")
case " $w" in *" init "*" lessons "*" run "*" viz "*)
    ok "completion: the subcommands" ;;
*) bad "completion: the subcommands" "got: $w" ;; esac
case $w in *complete*) bad "completion offers the hidden complete" ;; esac
w=$(complete_words asynclab run sl)
[ "$w" = "sleepers " ] && ok "completion: run sl -> sleepers" || bad "completion: run sl" "got: $w"
w=$(complete_words asynclab compare --executors spin,n)
[ "$w" = "spin,notify " ] && ok "completion: --executors spin,n -> spin,notify" ||
    bad "completion: --executors spin,n" "got: $w"
w=$(complete_words asynclab viz tour --executor "")
[ "$w" = "notify spin ws " ] && ok "completion: --executor" || bad "completion: --executor" "got: $w"
w=$(complete_words asynclab check "")
[ "$(echo $w | wc -w)" = "$nlessons" ] && ok "completion: check's lesson numbers ($nlessons)" ||
    bad "completion: check's lesson numbers" "got: $w"
w=$(complete_words asynclab bench "")
case $w in *all*yield_many*) ok "completion: bench's workloads" ;;
*) bad "completion: bench's workloads" "got: $w" ;; esac
w=$(complete_words asynclab compare --c)
case $w in *--csv*) ok "completion: options from --help" ;;
*) bad "completion: options from --help" "got: $w" ;; esac

# ---- TERM=dumb, NO_COLOR -----------------------------------------------------------
has_esc() { LC_ALL=C grep -q "$(printf '\033')" "$1"; }
if command -v script >/dev/null 2>&1; then
    TERM=dumb timeout -k 2 30 script -qec "'$bin' viz tour 2>'$tmp/dumb.err'" \
        /dev/null >"$tmp/dumb.out" 2>&1 </dev/null
    rc=$?
    if [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/dumb.err")" = 1 ] &&
        grep -q '^asynclab: viz needs a full-screen terminal, and TERM=dumb cannot move the cursor' "$tmp/dumb.err" &&
        ! has_esc "$tmp/dumb.out" && ! has_esc "$tmp/dumb.err"; then
        ok "TERM=dumb: viz says so in one line, status 2, no escape codes"
    else
        bad "TERM=dumb viz" "exit $rc" "$tmp/dumb.err"
    fi
    TERM=dumb timeout -k 2 30 script -qec "'$bin' lesson 1" /dev/null \
        >"$tmp/dumb.out" 2>&1 </dev/null
    rc=$?
    if [ "$rc" = 0 ] && ! has_esc "$tmp/dumb.out" &&
        grep -q "^# Lesson 1" "$tmp/dumb.out"; then
        ok "TERM=dumb: lesson 1 on a terminal is plain text, no pager"
    else
        bad "TERM=dumb lesson 1" "exit $rc" "$tmp/dumb.out"
    fi
else
    skip "TERM=dumb" "no script(1)"
fi
if command -v tmux >/dev/null 2>&1; then
    sock="asynclab-install-$$"
    colours() { # NAME ENV...: the visualizer's screen, with its attributes
        local name=$1
        shift
        tmux -L "$sock" new-session -d -s "$name" -x 120 -y 40 \
            "env $* '$bin' viz tour --step; sleep 60"
        local i
        for i in $(seq 1 150); do # 15 s at most, as tests/viz.sh
            tmux -L "$sock" capture-pane -e -p -t "$name" >"$tmp/$name.screen" 2>/dev/null
            grep -q PAUSED "$tmp/$name.screen" && break
            sleep 0.1
        done
        tmux -L "$sock" send-keys -t "$name" q
    }
    colours plain ASYNCLAB_X=1
    colours nocolor NO_COLOR=1
    tmux -L "$sock" kill-server >/dev/null 2>&1
    sgr_colour='\[([0-9;]*;)?(3[0-7]|4[0-7]|38|48|9[0-7])(;[0-9;]*)?m'
    if ! grep -q PAUSED "$tmp/nocolor.screen"; then
        bad "NO_COLOR: the visualizer came up" "" "$tmp/nocolor.screen"
    elif ! grep -qE "$sgr_colour" "$tmp/plain.screen"; then
        bad "NO_COLOR: the test sees colour without it" "" "$tmp/plain.screen"
    elif grep -qE "$sgr_colour" "$tmp/nocolor.screen"; then
        bad "NO_COLOR=1: still colour on screen" "" "$tmp/nocolor.screen"
    else
        ok "NO_COLOR=1: the visualizer draws without colour"
    fi
else
    skip "NO_COLOR" "no tmux (sh tools/deps.sh test installs it)"
fi

# ---- init from the checkout's own program --------------------------------------------
cd "$tmp" || exit 1
# what the checkout's own learner has: their exercise 1 and progress
mine() { cat "$repo/lessons/$first/exercise.c" "$repo/lessons/.progress" 2>/dev/null | cksum; }
status_before=$(mine)
rc=1
if timeout 60 "$prog" init "$tmp/checkout-course" >"$tmp/out" 2>&1 </dev/null &&
    cd "$tmp/checkout-course"; then
    timeout 120 "$prog" check 1 >"$tmp/out" 2>&1 </dev/null
    rc=$?
fi
if [ "$rc" = 1 ] && grep -q '^  ✗ ' "$tmp/out" && [ ! -e "$tmp/checkout-course/lessons/.progress" ]; then
    ok "init from a checkout: check 1 there fails in words"
else
    bad "init from a checkout" "exit $rc" "$tmp/out"
fi
cd "$tmp" || exit 1
check "... and the checkout's exercise and progress untouched" \
    test "$(mine)" = "$status_before"

# ---- uninstall ---------------------------------------------------------------------
if mk uninstall DESTDIR="$stage" PREFIX="$prefix" >"$tmp/uninstall.log" 2>&1; then
    ok "make uninstall"
else
    bad "make uninstall" "" "$tmp/uninstall.log"
fi
listing >"$tmp/after"
if cmp -s "$tmp/before" "$tmp/after"; then
    ok "make uninstall leaves the prefix as it was ($(wc -l <"$tmp/before") entries)"
else
    bad "make uninstall leaves the prefix as it was"
    diff "$tmp/before" "$tmp/after" | head -20 | sed 's/^/     | /'
fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
