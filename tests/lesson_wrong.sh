#!/bin/bash
# tests/lesson_wrong.sh PROGRAM - plausible wrong answers to the lessons'
# exercises, each checked in the exercise's place: the checker must fail
# it (exit 1) and say what the lesson promises it says.
#
# A wrong answer is tests/lesson-wrong/NN-what.c, for lesson NN; its
# header comment names the promised words on a line of its own:
#
#     * expect: took the blocks freed on another thread one at a time
#
# and `asynclab check NN --file FILE` must print them (the checker's
# sentences are one line each). Run by `make test` (tools/run-tests.sh)
# with the program's path. Progress goes to a temporary file, never the
# learner's. Last line: "lesson_wrong: N passed, M failed".

prog=${1:-build/asynclab}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASYNCLAB_PROGRESS=$tmp/progress

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "$2" ] && sed 's/^/     /' "$2"; }

found=0
for f in tests/lesson-wrong/[0-9][0-9]-*.c; do
    [ -f "$f" ] || continue
    found=$((found + 1))
    name=$(basename "$f" .c)
    n=${name%%-*}
    n=${n#0}
    want=$(sed -n 's/^ \* expect: //p' "$f" | head -n 1)
    if [ -z "$want" ]; then
        bad "$name: no '* expect: ...' line in its header"
        continue
    fi
    timeout 300 "$prog" check "$n" --file "$f" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "(exit $rc, expected 1: the checker must refuse it)" >>"$tmp/out"
        bad "$name is refused by lesson $n's checker" "$tmp/out"
    elif grep -q 'does not compile\|killed by signal\|did not finish' "$tmp/out"; then
        bad "$name fails in words, not by a compile error or a crash" "$tmp/out"
    elif ! grep -qF -- "$want" "$tmp/out"; then
        echo "(expected the words: $want)" >>"$tmp/out"
        bad "$name: the checker says '$want'" "$tmp/out"
    else
        ok "$name: the checker says '$want'"
    fi
done
[ "$found" -gt 0 ] && ok "$found wrong answers found" || bad "no tests/lesson-wrong/NN-*.c found"
[ ! -s "$ASYNCLAB_PROGRESS" ] && ok "checks of wrong answers mark nothing done" \
    || bad "checks of wrong answers mark nothing done"

echo "lesson_wrong: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
