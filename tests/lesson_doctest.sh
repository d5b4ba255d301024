#!/bin/bash
# tests/lesson_doctest.sh PROGRAM - the course's text is executable: every
# ```console block of every lesson README (and of docs/lesson-doctest.md)
# is run by tools/lesson-doctest.sh and its output compared with what the
# program prints now.
#
# Run by `make test` (tools/run-tests.sh) with the program's path. One
# ok/FAIL line per block (a FAIL with a unified diff naming the file and
# the lines); then the runner's own checks: a quoted digit changed in a copy
# of a lesson fails naming that copy and line, --regen puts it back, and
# the masks, exit statuses and time limit behave as docs/lesson-doctest.md
# says. Nothing is written into the repository: blocks run in temporary
# directories. Last line: "lesson_doctest: N passed, M failed".

prog=${1:-build/asynclab}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
runner=tools/lesson-doctest.sh

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "$2" ] && sed 's/^/     /' "$2"; }

# ---- the lessons -----------------------------------------------------------------

sh "$runner" "$prog" lessons/[0-9][0-9]-*/README.md docs/lesson-doctest.md >"$tmp/all" 2>&1
rc=$?
cat "$tmp/all"
p=$(grep -c '^ok   ' "$tmp/all")
f=$(grep -c '^FAIL ' "$tmp/all")
passed=$((passed + p))
failed=$((failed + f))
summary=$(grep '^lesson-doctest: ' "$tmp/all" | tail -n 1)
if [ -z "$summary" ]; then
    bad "the runner printed no summary (exit $rc)"
elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    bad "the runner exited $rc without naming a failed block"
fi

# ---- the runner catches a changed number -------------------------------------------
# The first expected line of a console block that quotes a digit outside a
# mask (and is not `lesson N --run`'s "==> running" line): bump that digit
# in a copy, and the runner must fail on that line.

victim=""
for readme in lessons/[0-9][0-9]-*/README.md; do
    spot=$(awk '
        /^```console[ \t]*$/ { inb = 1; blk = NR; next }
        inb && /^```/ { inb = 0; next }
        inb && substr($0, 1, 2) != "$ " && $0 != "..." && index($0, "[..]") == 0 &&
            substr($0, 1, 4) != "==> " && match($0, /[0-9]/) { print blk, NR, RSTART; exit }' "$readme")
    if [ -n "$spot" ]; then victim=$readme; break; fi
done
if [ -z "$victim" ]; then
    bad "a lesson README with a quoted number to change (none has a console block)"
else
    set -- $spot
    blk=$1 at=$2 col=$3
    copy=$tmp/changed/$(basename "$(dirname "$victim")")-README.md
    mkdir -p "$tmp/changed"
    awk -v at="$at" -v col="$col" 'NR == at {
            d = substr($0, col, 1)
            $0 = substr($0, 1, col - 1) ((d + 1) % 10) substr($0, col + 1)
        } { print }' "$victim" >"$copy"
    sh "$runner" "$prog" "$copy" >"$tmp/changed.out" 2>&1
    rc=$?
    if [ "$rc" -eq 1 ] && grep -qF "FAIL $copy:$blk" "$tmp/changed.out" &&
        grep -qF "differs from line $at" "$tmp/changed.out" &&
        grep -qE '^ *-[^-]' "$tmp/changed.out"; then
        ok "one digit changed in $victim line $at: FAIL names the copy, block line $blk and line $at, with a diff"
    else
        bad "one digit changed in $victim line $at: expected FAIL $copy:$blk, 'differs from line $at' and a diff (exit $rc)" "$tmp/changed.out"
    fi
    sh "$runner" --regen "$prog" "$copy" >"$tmp/regen.out" 2>&1
    if cmp -s "$copy" "$victim"; then
        ok "--regen puts the changed digit back and keeps every mask"
    else
        diff -u "$victim" "$copy" >>"$tmp/regen.out"
        bad "--regen puts the changed digit back and keeps every mask" "$tmp/regen.out"
    fi
fi

# ---- the syntax, on a file made here ------------------------------------------------

cat >"$tmp/syntax.md" <<'EOF'
A fence that is not console is not run:

```sh
$ false
```

````markdown
```console
$ false
```
````

```console
$ printf 'took 12.5 ms on port 40001\nline 2\nline 3\nlast\n'
took [..] ms on port [..]
...
last
$ echo out; echo err >&2; exit 3 # exit 3
out
err
$ echo one \
    two
one two
$ touch made-here && ls && test ! -e "$ASYNCLAB_ROOT/made-here" && test -d "$ASYNCLAB_ROOT/lessons"
made-here
$ asynclab --version >/dev/null
```

```console
$ ls
```
EOF
sh "$runner" "$prog" "$tmp/syntax.md" >"$tmp/syntax.out" 2>&1
if [ $? -eq 0 ] && grep -q '^lesson-doctest: 2 blocks run, 1 compared, 6 commands, 2 lines masked, 0 failed$' "$tmp/syntax.out"; then
    ok "syntax: masks, ..., # exit N, continuation, a fresh directory per block, asynclab on PATH"
else
    bad "syntax: masks, ..., # exit N, continuation, a fresh directory per block, asynclab on PATH" "$tmp/syntax.out"
fi

cat >"$tmp/wrong.md" <<'EOF'
```console
$ echo 3
4
$ exit 2
$ printf 'a\nb\n'
a
...
c
$ sleep 30
```
EOF
sh "$runner" --timeout 1 "$prog" "$tmp/wrong.md" >"$tmp/wrong.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -qF "FAIL $tmp/wrong.md:1" "$tmp/wrong.out" &&
    grep -q "line 2: \$ echo 3: the output differs from line 3" "$tmp/wrong.out" &&
    grep -q "line 4: \$ exit 2: exit status 2, expected 0" "$tmp/wrong.out" &&
    grep -q "line 5: .*differs from line 8" "$tmp/wrong.out" &&
    grep -q "line 9: \$ sleep 30: timed out after 1 s" "$tmp/wrong.out"; then
    ok "a wrong number, a wrong exit status, a missing line after ... and a hung command each fail on their line"
else
    bad "a wrong number, a wrong exit status, a missing line after ... and a hung command each fail on their line (exit $rc)" "$tmp/wrong.out"
fi

printf '```console\noutput first\n$ true\n' >"$tmp/broken.md"
sh "$runner" "$prog" "$tmp/broken.md" >"$tmp/broken.out" 2>&1
if [ $? -eq 1 ] && grep -qF "FAIL $tmp/broken.md:2: output before the first" "$tmp/broken.out" &&
    grep -qF "FAIL $tmp/broken.md:1: the console block opened here is never closed" "$tmp/broken.out"; then
    ok "a block with output before its first command, never closed: two FAIL lines"
else
    bad "a block with output before its first command, never closed: two FAIL lines" "$tmp/broken.out"
fi

echo "$summary"
echo "lesson_doctest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
