#!/bin/bash
# tests/check_watch.sh PROGRAM - `asynclab check --watch`, end to end.
#
# Run by `make test` (tools/run-tests.sh) with the program's path. A
# watcher is started in the background on a COPY of lesson 1's exercise
# (--file, or a temporary course through ASYNCLAB_ROOT), with its input
# from a fifo this script writes to, and its output read back:
#   - it checks at once, and again after an in-place write and after an
#     editor-style save (a new file renamed over the old one);
#   - a burst of writes is fewer checks than writes; a write to another
#     file in the folder is none;
#   - Enter checks again, h shows the hint, q stops it (status 0), and so
#     does SIGINT to its process group (Ctrl-C), also during a check;
#   - without N, a pass moves the watch on to the next lesson;
#   - --watch with --solutions is refused (status 2); without inotify it
#     says so in one line (status 1).
# Progress goes to a temporary file (ASYNCLAB_PROGRESS). No timing decides
# a result except as a generous upper bound (a check starts within 10 s of
# a save, finishes within 180 s; the program promises well under one).
# Last line: "check_watch: N passed, M failed".

prog=${1:-build/asynclab}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
tmp=$(mktemp -d)
pids=()
cleanup() {
    # each watcher leads a process group (setsid): the group goes, the
    # checker and compiler it may be running with it
    for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
export ASYNCLAB_PROGRESS=$tmp/progress

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "$2" ] && sed 's/^/     /' "$2"; }

lesson1=$(sed -e 's/#.*//' lessons/index.txt | awk 'NF >= 4 { print $2; exit }')
lesson2=$(sed -e 's/#.*//' lessons/index.txt | awk 'NF >= 4 { n++ } n == 2 { print $2; exit }')
solution=lessons/solutions/$lesson1/exercise.c

# pristine N FOLDER: lesson FOLDER's exercise as committed (the working
# copy when git cannot say) into $tmp/pristine-N.c
pristine() {
    if ! git show "HEAD:lessons/$2/exercise.c" >"$tmp/pristine-$1.c" 2>/dev/null; then
        cp "lessons/$2/exercise.c" "$tmp/pristine-$1.c"
    fi
}
pristine 1 "$lesson1"
pristine 2 "$lesson2"
exercise=$tmp/pristine-1.c

# count PATTERN: lines of the watcher's output matching PATTERN
count() { grep -c -- "$1" "$tmp/log" 2>/dev/null; }

# wait_count PATTERN N SECONDS: until N lines match (true) or time is up
wait_count() {
    local i=0 limit=$(($3 * 10))
    while [ "$i" -lt "$limit" ]; do
        [ "$(count "$1")" -ge "$2" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# start ARGS...: a watcher in a session of its own (so that SIGINT to its
# group is what Ctrl-C in a terminal sends), input from $tmp/in (fd 3)
start() {
    rm -f "$tmp/in" "$tmp/log" "$tmp/rc"
    mkfifo "$tmp/in"
    setsid bash -c 'in=$0 log=$1 rc=$2; shift 2; "$@" <"$in" >"$log" 2>&1; echo $? >"$rc"' \
        "$tmp/in" "$tmp/log" "$tmp/rc" "$prog" "$@" &
    pids+=($!)
    exec 3>"$tmp/in"
}

# stopped NAME STATUS: the watcher exited with STATUS within 20 s
stopped() {
    local i=0
    while [ ! -s "$tmp/rc" ] && [ "$i" -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    exec 3>&-
    if [ ! -s "$tmp/rc" ]; then
        bad "$1 (still running after 20 s)" "$tmp/log"
    elif [ "$(cat "$tmp/rc")" != "$2" ]; then
        echo "(exit $(cat "$tmp/rc"), expected $2)" >>"$tmp/log"; bad "$1" "$tmp/log"
    else
        ok "$1"
    fi
}

# the watcher's process group: setsid made the bash of start() its
# leader (read from /proc: procps need not be installed)
group() { sed 's/.*) //' "/proc/${pids[-1]}/stat" | awk '{ print $3 }'; }

# ---- help and bad arguments -----------------------------------------------------

"$prog" check --help >"$tmp/help" 2>&1
grep -q -- '--watch' "$tmp/help" && grep -qi 'inotify' "$tmp/help" \
    && ok "check --help explains --watch" || bad "check --help explains --watch" "$tmp/help"
"$prog" check --watch --solutions >"$tmp/out" 2>&1
[ $? -eq 2 ] && grep -q 'not with --solutions' "$tmp/out" \
    && ok "--watch with --solutions: usage error" || bad "--watch with --solutions: usage error" "$tmp/out"

# ---- saves, commands, q -------------------------------------------------------------

mkdir -p "$tmp/w"
cp "$exercise" "$tmp/w/exercise.c"
start check 1 --watch --file "$tmp/w/exercise.c"
sep='^---- '
if wait_count 'Not yet' 1 180 && wait_count '^Watching' 1 10; then
    ok "it checks at once (the untouched exercise fails)"
else
    bad "it checks at once" "$tmp/log"
fi

cp "$solution" "$tmp/w/exercise.c" # an in-place write (CLOSE_WRITE)
if wait_count "$sep" 2 10; then ok "an in-place write starts a check within 10 s"
else bad "an in-place write starts a check within 10 s" "$tmp/log"; fi
wait_count 'every expectation is met' 1 180 && wait_count '^Watching' 2 10 \
    && ok "... which passes" || bad "... which passes" "$tmp/log"

# An editor's save: a new file, renamed over the old one (MOVED_TO).
printf 'int nb_set_nonblocking(int fd) { return fd +; }\n' >"$tmp/w/.exercise.c.swp"
mv "$tmp/w/.exercise.c.swp" "$tmp/w/exercise.c"
if wait_count "$sep" 3 10; then ok "a save by rename starts a check within 10 s"
else bad "a save by rename starts a check within 10 s" "$tmp/log"; fi
wait_count 'does not compile' 1 180 && wait_count '^Watching' 3 10 \
    && ok "... which shows the compiler's error" || bad "... which shows the compiler's error" "$tmp/log"

# Another file in the folder is not the exercise. (Waiting proves nothing
# on a slow machine, but can never fail a correct program.)
echo 'notes' >"$tmp/w/notes.txt"
sleep 1.5
[ "$(count "$sep")" -eq 3 ] && ok "a write to another file checks nothing" \
    || bad "a write to another file checks nothing" "$tmp/log"

# A burst of five writes: one save, give or take a stalled machine.
for i in 1 2 3 4 5; do cp "$solution" "$tmp/w/exercise.c"; done
wait_count "$sep" 4 10 && wait_count '^Watching' 4 180
sleep 1.5
wait_count '^Watching' "$(count "$sep")" 180
runs=$(($(count "$sep") - 3))
[ "$runs" -ge 1 ] && [ "$runs" -lt 5 ] && ok "a burst of 5 writes is $runs check(s), not 5" \
    || bad "a burst of 5 writes is fewer checks ($runs)" "$tmp/log"

before=$(count "$sep")
echo >&3 # Enter alone: check again
wait_count "$sep" $((before + 1)) 10 && wait_count '^Watching' $((before + 1)) 180 \
    && ok "Enter checks again" || bad "Enter checks again" "$tmp/log"
echo h >&3
wait_count '^Hint for lesson 1' 1 10 && ok "h shows the hint" || bad "h shows the hint" "$tmp/log"
echo nonsense >&3
wait_count '(q quits' 1 10 && ok "an unknown line says what the keys are" \
    || bad "an unknown line says what the keys are" "$tmp/log"
echo q >&3
stopped "q and Enter stop it, status 0" 0
grep -q '^Stopped watching\.$' "$tmp/log" && ok "it says it stopped" || bad "it says it stopped" "$tmp/log"
[ ! -s "$ASYNCLAB_PROGRESS" ] && ok "a watched --file marks nothing done" \
    || bad "a watched --file marks nothing done"

# ---- Ctrl-C: SIGINT to the process group, waiting and during a check ---------------

cp "$exercise" "$tmp/w/exercise.c"
start check 1 --watch --file "$tmp/w/exercise.c"
wait_count '^Watching' 1 180
kill -INT -- "-$(group)"
stopped "Ctrl-C while waiting stops it, status 0" 0
grep -q '^Stopped watching (interrupted)\.$' "$tmp/log" && ok "... and says so" \
    || bad "... and says so" "$tmp/log"

start check 1 --watch --file "$tmp/w/exercise.c"
wait_count "$sep" 1 10 # the first check has begun (compiling, most likely)
kill -INT -- "-$(group)"
stopped "Ctrl-C during a check stops it, status 0" 0
grep -q 'killed by signal' "$tmp/log" && bad "... without blaming the exercise" "$tmp/log" \
    || ok "... without blaming the exercise"

# ---- without N: a pass moves on to the next lesson -----------------------------------

course=$tmp/course
mkdir -p "$course/lessons/solutions"
cp lessons/index.txt lessons/check.h "$course/lessons/"
cp -r "lessons/$lesson1" "lessons/$lesson2" "$course/lessons/"
cp "$exercise" "$course/lessons/$lesson1/exercise.c"
cp "$tmp/pristine-2.c" "$course/lessons/$lesson2/exercise.c"
: >"$ASYNCLAB_PROGRESS"
export ASYNCLAB_ROOT=$course
start check --watch
wait_count '^Watching' 1 180
cp "$solution" "$course/lessons/$lesson1/exercise.c"
if wait_count "lesson 2 is next" 1 180 && wait_count '^Watching .* (lesson 2)' 1 180; then
    ok "a pass moves the watch on to lesson 2"
else
    bad "a pass moves the watch on to lesson 2" "$tmp/log"
fi
grep -qx "$lesson1" "$ASYNCLAB_PROGRESS" && ok "... and marks lesson 1 done" \
    || bad "... and marks lesson 1 done"
echo q >&3
stopped "q stops the course watch" 0
unset ASYNCLAB_ROOT

# ---- no inotify ------------------------------------------------------------------------
# inotify_init1 made to fail (ENOSYS, as on a kernel without it) by a
# preloaded stub; skipped when no compiler can build one.

cat >"$tmp/noinotify.c" <<'EOF'
#include <errno.h>
int inotify_init1(int flags) { (void)flags; errno = ENOSYS; return -1; }
EOF
if ${CC:-cc} -shared -fPIC -o "$tmp/noinotify.so" "$tmp/noinotify.c" 2>"$tmp/cc.log"; then
    # An ASan program wants its runtime first: let the stub come first.
    LD_PRELOAD=$tmp/noinotify.so ASAN_OPTIONS=verify_asan_link_order=0 \
        "$prog" check 1 --watch --file "$tmp/w/exercise.c" </dev/null >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q '^asynclab: check --watch needs inotify' "$tmp/out" &&
        [ "$(grep -c '^asynclab:' "$tmp/out")" -eq 1 ] && ! grep -q 'Checking' "$tmp/out"; then
        ok "without inotify: one line saying so, status 1"
    else
        echo "(exit $rc)" >>"$tmp/out"; bad "without inotify: one line saying so, status 1" "$tmp/out"
    fi
else
    echo "skip without inotify (no compiler for the stub)"
fi

echo "check_watch: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
