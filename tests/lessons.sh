#!/bin/bash
# tests/lessons.sh PROGRAM - the course, end to end, through `asynclab`.
#
# Run by `make test` (tools/run-tests.sh) with the program's path. Checks:
#   - lessons/index.txt and the lessons/NN-* folders agree, and each lesson
#     has its text, example, exercise, checker, hint and solution;
#   - every reference solution passes its checker (never the learner's
#     exercise: a learner's edits cannot break this script);
#   - every untouched exercise fails its checker with a sentence, not a
#     crash or a compile error;
#   - every example runs to completion within its time limit;
#   - every scenario a lesson names exists;
#   - a file that does not compile shows the compiler's error, exit 1;
#   - progress, hint, solution and bad arguments behave.
# Progress goes to a temporary file (ASYNCLAB_PROGRESS), never the
# learner's. Last line: "lessons: N passed, M failed".

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

# Run a command; expect exit status $1; name $2; output kept in $tmp/out.
expect() {
    local want=$1 name=$2
    shift 2
    "$@" >"$tmp/out" 2>&1
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name"; else
        echo "     (exit $rc, expected $want)" >>"$tmp/out"; bad "$name" "$tmp/out"; fi
}

# ---- the index and the folders ------------------------------------------------

folders=$(sed -e 's/#.*//' lessons/index.txt | awk 'NF >= 4 { print $2 }')
numbers=$(sed -e 's/#.*//' lessons/index.txt | awk 'NF >= 4 { print $1 + 0 }')

for d in lessons/[0-9][0-9]-*/; do
    d=$(basename "$d")
    if echo "$folders" | grep -qx "$d"; then ok "index lists $d"
    else bad "index lists $d (the folder exists, the index does not name it)"; fi
done
for f in $folders; do
    missing=""
    for part in README.md exercise.c exercise.h check.c hint.md; do
        [ -f "lessons/$f/$part" ] || missing="$missing $part"
    done
    ls "lessons/$f"/example*.c >/dev/null 2>&1 || missing="$missing example.c"
    [ -f "lessons/solutions/$f/exercise.c" ] || missing="$missing solution"
    if [ -z "$missing" ]; then ok "lesson $f has every part"
    else bad "lesson $f lacks:$missing"; fi
    n=${f%%-*}
    [ "${n#0}" -eq "${n#0}" ] 2>/dev/null && ok "folder $f is numbered" || bad "folder $f is numbered"
done

# ---- listing and progress -------------------------------------------------------

expect 0 "asynclab lessons" "$prog" lessons
count=$(grep -c '^  \[' "$tmp/out")
[ "$count" -eq "$(echo "$folders" | wc -w)" ] && ok "lessons lists all $count" \
    || bad "lessons lists $count lines" "$tmp/out"
grep -q ' -> ]  1 ' "$tmp/out" && ok "a new learner is at lesson 1" \
    || bad "a new learner is at lesson 1" "$tmp/out"

first=$(echo "$folders" | head -n 1)
second=$(echo "$numbers" | sed -n 2p)
printf '%s\n' "$first" >"$ASYNCLAB_PROGRESS"
expect 0 "lessons with lesson 1 done" "$prog" lessons
grep -q '\[done\]  1 ' "$tmp/out" && grep -q " -> ] *$second " "$tmp/out" \
    && ok "progress file read: 1 done, $second current" \
    || bad "progress file read" "$tmp/out"
expect 0 "solution 1 opens once done" "$prog" solution 1
expect 1 "solution $second is closed before it passes" "$prog" solution "$second"
expect 0 "solution $second --force" "$prog" solution "$second" --force
rm -f "$ASYNCLAB_PROGRESS"

# ---- bad arguments -----------------------------------------------------------------

expect 2 "lesson 99 is a usage error" "$prog" lesson 99
expect 2 "check --bogus is a usage error" "$prog" check --bogus
expect 2 "hint without a lesson is a usage error" "$prog" hint
expect 0 "check --help" "$prog" check --help

# ---- each lesson ---------------------------------------------------------------------

for n in $numbers; do
    expect 0 "hint $n" "$prog" hint "$n"
    expect 0 "lesson $n text" "$prog" lesson "$n"
    expect 0 "solution $n passes its checker" "$prog" check "$n" --solution
    expect 0 "exercise $n untouched fails in words" "$prog" check --pristine "$n"
    expect 0 "lesson $n example runs" timeout 120 "$prog" lesson "$n" --run
done

# ---- a file that does not compile ------------------------------------------------------

printf 'int nb_set_nonblocking(int fd) { return fd +; }\n' >"$tmp/broken.c"
expect 1 "check of a broken file exits 1" "$prog" check 1 --file "$tmp/broken.c"
grep -q 'does not compile' "$tmp/out" && grep -q 'error' "$tmp/out" \
    && ok "the compiler's error is shown" || bad "the compiler's error is shown" "$tmp/out"
[ ! -s "$ASYNCLAB_PROGRESS" ] && ok "checks of files mark nothing done" \
    || bad "checks of files mark nothing done"

# ---- scenarios the lessons name ----------------------------------------------------------
# The watch column is `asynclab viz` arguments, comma-separated: the
# scenario must be one viz knows, and the same arguments (less the viz-only
# --step and --slow) must run to the end with `asynclab run`. A scenario
# may fail on purpose (naive-sleep on notify: a lost wakeup, status 1); a
# bad argument (2) or a hang (124) may not.

"$prog" viz --help >"$tmp/scenarios" 2>&1
for w in $(sed -e 's/#.*//' lessons/index.txt | awk 'NF >= 4 && $3 != "-" { print $3 }'); do
    IFS=, read -r -a args <<<"$w"
    s=${args[0]}
    if grep -q "^  $s " "$tmp/scenarios"; then ok "scenario $s exists"
    else bad "scenario $s exists (not in asynclab viz --help)"; continue; fi
    run_args=()
    for a in "${args[@]}"; do
        case $a in --step | --slow*) ;; *) run_args+=("$a") ;; esac
    done
    timeout 60 "$prog" run "${run_args[@]}" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then ok "watch $w runs"
    else echo "     (exit $rc)" >>"$tmp/out"; bad "watch $w runs" "$tmp/out"; fi
done

# ---- the watch lines reach the visualizer whole ------------------------------------
# Lesson 13's watch line (65 characters) once ran over its 64-byte field
# into the title: viz got "--stMany threads..." and said "unknown option".
# Here no terminal is open, so viz must get as far as saying it needs one.

for n in $(sed -e 's/#.*//' lessons/index.txt | awk 'NF >= 4 && $3 != "-" { print $1 + 0 }'); do
    "$prog" lesson "$n" --watch </dev/null >"$tmp/out" 2>"$tmp/err"
    if grep -q 'terminal' "$tmp/err" && ! grep -q 'unknown option\|unexpected argument' "$tmp/err"; then
        ok "lesson $n --watch hands viz its whole watch line"
    else
        bad "lesson $n --watch hands viz its whole watch line" "$tmp/err"
    fi
done

# ---- a course with a file missing (issue 12, defect 8) ----------------------------
# A copy of lesson 1 in a temporary course (ASYNCLAB_ROOT), never the real
# lessons/: each missing file must be named, path and all, in one line on
# stderr, status 1 -- not silence, and not "does not compile yet".

course=$tmp/course
lesson1=$(echo "$folders" | head -n 1)
fresh_course() {
    rm -rf "$course"
    mkdir -p "$course/lessons/solutions"
    cp lessons/index.txt lessons/check.h "$course/lessons/"
    cp -r "lessons/$lesson1" "$course/lessons/"
    cp -r "lessons/solutions/$lesson1" "$course/lessons/solutions/"
}
# missing NAME FILE WHAT ARGS...: FILE (under the course) deleted, ARGS run
missing() {
    local name=$1 file=$2 what=$3
    shift 3
    fresh_course
    rm -f "$course/$file"
    ASYNCLAB_ROOT=$course "$prog" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    local rc=$? want="asynclab: lesson 1 has no $what: $course/$file: No such file or directory"
    if [ "$rc" -ne 1 ]; then
        echo "     (exit $rc, expected 1)" >>"$tmp/err"; bad "$name" "$tmp/err"
    elif ! grep -qxF "$want" "$tmp/err" && ! grep -qF "$want (" "$tmp/err"; then
        echo "     (expected: $want)" >>"$tmp/err"; bad "$name" "$tmp/err"
    elif [ "$(grep -c '^asynclab: ' "$tmp/err")" -ne 1 ]; then
        bad "$name: one reason line" "$tmp/err"
    elif grep -q 'does not compile' "$tmp/out"; then
        bad "$name: not 'does not compile'" "$tmp/out"
    else
        ok "$name"
    fi
}
missing "hint 1 without hint.md" "lessons/$lesson1/hint.md" hint hint 1
missing "solution 1 --force without the solution" \
    "lessons/solutions/$lesson1/exercise.c" "reference solution" solution 1 --force
missing "check 1 without exercise.c" "lessons/$lesson1/exercise.c" exercise check 1
missing "check 1 without check.c" "lessons/$lesson1/check.c" checker check 1
missing "check 1 without exercise.h" "lessons/$lesson1/exercise.h" \
    "exercise header" check 1
missing "check 1 --solution without the solution" \
    "lessons/solutions/$lesson1/exercise.c" "reference solution" check 1 --solution
missing "lesson 1 without README.md" "lessons/$lesson1/README.md" text lesson 1
fresh_course
rm -f "$course/lessons/$lesson1"/example*.c
ASYNCLAB_ROOT=$course "$prog" lesson 1 --run </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -qxF "asynclab: lesson 1 has no example: no $course/lessons/$lesson1/example*.c" "$tmp/err"; then
    ok "lesson 1 --run without an example"
else
    echo "     (exit $rc)" >>"$tmp/err"; bad "lesson 1 --run without an example" "$tmp/err"
fi

# ---- index lines longer than their fields ----------------------------------------
# Each field is measured against the buffer it goes to; one that does not
# fit is an error naming the line, never cut short to fit (a cut watch line
# runs the wrong command).

long() { printf "%${1}s" "" | tr ' ' "$2"; }
# bad_index NAME LINE REASON: the index's first lesson line replaced by LINE
bad_index() {
    local name=$1 line=$2 reason=$3
    fresh_course
    printf '# a comment\n%s\n' "$line" >"$course/lessons/index.txt"
    ASYNCLAB_ROOT=$course "$prog" lessons </dev/null >"$tmp/out" 2>"$tmp/err"
    local rc=$? want="asynclab: $course/lessons/index.txt:2: $reason"
    if [ "$rc" -eq 1 ] && grep -qxF "$want" "$tmp/err" &&
        [ "$(grep -c '^asynclab: ' "$tmp/err")" -eq 1 ]; then
        ok "$name"
    else
        echo "     (exit $rc; expected 1 and: $want)" >>"$tmp/err"; bad "$name" "$tmp/err"
    fi
}
bad_index "index: a 64-character folder" "01 $(long 64 f) - A title" \
    "the folder field is 64 characters long; at most 63 fit"
bad_index "index: a 192-character watch line" \
    "01 $lesson1 sleepers,$(long 183 x) A title" \
    "the watch field is 192 characters long; at most 191 fit"
bad_index "index: a 600-character watch line (past any line buffer)" \
    "01 $lesson1 sleepers,$(long 591 x) A title" \
    "the watch field is 600 characters long; at most 191 fit"
bad_index "index: a 128-character title" "01 $lesson1 - $(long 128 t)" \
    "the title is 128 characters long; at most 127 fit"
bad_index "index: a watch line of 17 arguments" \
    "01 $lesson1 sleepers$(long 16 ,) A title" \
    "the watch field has 17 arguments; at most 16 fit"
bad_index "index: no title field" "01 $lesson1" \
    "no watch field (a line is: number folder watch title)"
bad_index "index: a number past 999" "1000 $lesson1 - A title" \
    "'1000' is not a lesson number (1 to 999)"
# the longest that fit are read whole
fresh_course
printf '01 %s sleepers,%s %s\n' "$lesson1" "$(long 182 x)" "$(long 127 t)" \
    >"$course/lessons/index.txt"
if ASYNCLAB_ROOT=$course "$prog" lessons </dev/null >"$tmp/out" 2>"$tmp/err" &&
    grep -qF "$(long 127 t)" "$tmp/out"; then
    ok "index: fields of the longest length that fits are read whole"
else
    bad "index: fields of the longest length that fits are read whole" "$tmp/err"
fi

echo "lessons: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
