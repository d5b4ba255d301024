#!/usr/bin/env bash
# tests/lesson_index.sh - lessons/index.txt lines longer than their fields
# (cli/lessons.h: LESSON_FOLDER 64, LESSON_WATCH 192, LESSON_TITLE 128 bytes
# with the NUL; at most 16 watch arguments; a number of 1 to 3 digits).
#
#   bash tests/lesson_index.sh build/asynclab
#
# Each check writes a one-line index into a course of its own
# (ASYNCLAB_ROOT) and runs `asynclab lessons`:
#   - a field one byte too long (and a line of 10000 bytes) is refused:
#     status 1, one line naming the file, the line number, the field, its
#     length and how much fits; nothing is listed (never cut to fit, never
#     run over into the next field);
#   - fields exactly as long as fit are taken whole: the title listed in
#     full, the folder named in full, and the watch line reaching viz
#     whole (its last argument, --seed padded with zeros to fill the
#     field, shows as the seed in the printed screen's title).
# Last line: "lesson_index: N passed, M failed".

set -u
bin=${1:?usage: tests/lesson_index.sh PATH_TO_ASYNCLAB}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/course/lessons"
export ASYNCLAB_ROOT=$tmp/course ASYNCLAB_PROGRESS=$tmp/progress

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    sed 's/^/     | /' "$tmp/out" "$tmp/err" 2>/dev/null | head -20
}

rep() { printf "%${2}s" "" | tr ' ' "$1"; } # rep CHAR N

# index LINE...: the course's index holds these lines (after a comment)
index() {
    { echo "# a test index"; printf '%s\n' "$@"; } >"$tmp/course/lessons/index.txt"
}

lessons() {
    (cd "$tmp" && "$bin" lessons >"$tmp/out" 2>"$tmp/err")
    rc=$?
}

# refused LABEL PATTERN LINE: the line is refused with PATTERN, naming
# index.txt:2 (line 1 is the comment)
refused() {
    local label=$1 pattern=$2
    index "$3"
    lessons
    if [ "$rc" = 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
        grep -q "index.txt:2: $pattern" "$tmp/err" && ! grep -q 'lessons done' "$tmp/out"; then
        ok "refused: $label"
    else
        bad "$label" "status $rc, or not one line 'index.txt:2: $pattern'"
    fi
}

watch="yield,--executor=ws,--sim,--step"
title="A title"

refused "a folder of 64 characters" \
    "the folder field is 64 characters long; at most 63 fit" \
    "01  $(rep f 64)  $watch  $title"
refused "a watch line of 192 characters" \
    "the watch field is 192 characters long; at most 191 fit" \
    "01  01-x  $watch,--tasks=$(rep 1 $((192 - ${#watch} - 9)))  $title"
refused "a title of 128 characters" \
    "the title is 128 characters long; at most 127 fit" \
    "01  01-x  $watch  $(rep T 128)"
refused "a number of 4 digits" "'0001' is not a lesson number" \
    "0001  01-x  $watch  $title"
refused "a number field longer than its buffer" \
    "the number field is 12 characters long; at most 7 fit" \
    "$(rep 1 12)  01-x  $watch  $title"
refused "17 watch arguments" "the watch field has 17 arguments; at most 16 fit" \
    "01  01-x  yield$(rep , 16 | sed 's/,/,--step/g')  $title"
refused "a line of 10000 bytes" "the folder field is 10000 characters long" \
    "01  $(rep f 10000)  $watch  $title"
refused "a line without its watch" "no watch field" "01  01-x"
refused "a control character in the title" "the title field holds a control character" \
    "01  01-x  $watch  $(printf 'A\033[2Jtitle')"

# ---- exactly as long as fits: taken whole ------------------------------------

folder=$(rep f 63)
full_title=$(rep T 126)Z
head="yield,--executor=ws,--sim,--tasks=2,--step,--seed="
seed=$(rep 0 $((191 - ${#head} - 1)))7
long_watch=$head$seed
index "01  $folder  $long_watch  $full_title"
lessons
if [ "$rc" = 0 ] && grep -q "$full_title" "$tmp/out" && grep -q "lessons/$folder/exercise.c" "$tmp/out"; then
    ok "a 63-character folder and a 127-character title are listed whole"
else
    bad "fields that fit" "status $rc, or the title or folder not whole"
fi
[ "${#long_watch}" -eq 191 ] || bad "test setup" "the watch line is ${#long_watch} characters, not 191"
(cd "$tmp" && env -u TERM "$bin" lesson 1 --watch --print-screen 2 >"$tmp/out" 2>"$tmp/err")
rc=$?
if [ "$rc" = 0 ] && head -n 1 "$tmp/out" | grep -q 'PAUSED  step 2 .*yield on ws (2 workers, sim seed 7)'; then
    ok "a 191-character watch line reaches viz whole (its last argument is the seed shown)"
else
    bad "watch that fits" "status $rc, or no 'sim seed 7' in the title"
fi

# 16 arguments, the most that fit: all passed on
index "01  01-x  yield,--executor=ws,--sim$(rep , 12 | sed 's/,/,--step/g'),--seed=9  $title"
(cd "$tmp" && env -u TERM "$bin" lesson 1 --watch --print-screen 1 >"$tmp/out" 2>"$tmp/err")
rc=$?
if [ "$rc" = 0 ] && head -n 1 "$tmp/out" | grep -q 'sim seed 9'; then
    ok "a watch line of 16 arguments: every one passed on (the 16th is the seed shown)"
else
    bad "16 arguments" "status $rc, or the last argument lost"
fi

echo "lesson_index: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
