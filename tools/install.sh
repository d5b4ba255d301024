#!/bin/sh
# tools/install.sh install|uninstall — what `make install` and
# `make uninstall` do. From the Makefile's environment: DESTDIR, PREFIX,
# BUILD (where asynclab and libasynclab.a were built), CC, VERSION and
# PUBLIC_HEADERS (the headers a program or a lesson may include; those
# they include in turn are installed with them).
#
#   $PREFIX/bin/asynclab
#   $PREFIX/lib/libasynclab.a              static (LTO objects with GCC)
#   $PREFIX/lib/pkgconfig/asynclab.pc      prefix relative to the .pc file
#   $PREFIX/include/asynclab/core/future.h ...  (-I$PREFIX/include/asynclab)
#   $PREFIX/share/asynclab/lessons/...     the course: texts, examples,
#                                          pristine exercises, checkers,
#                                          hints, solutions, index, check.h
#   $PREFIX/share/asynclab/examples/       programs built on the library
#   $PREFIX/share/asynclab/.installed      marks an installed course
#   $PREFIX/share/man/man1/asynclab.1
#   $PREFIX/share/bash-completion/completions/asynclab
#   $PREFIX/share/asynclab/install-manifest.txt
#
# The program finds the course as ../share/asynclab from its own folder,
# so the layout under PREFIX is fixed, and a DESTDIR-staged or moved prefix
# still works. The manifest lists every file install wrote and every
# folder it made ("f PATH", "d PATH", relative to PREFIX): uninstall
# removes exactly those, folders only when empty, so the prefix is left
# as it was. Installing again over an install first removes the old one.
#
# Tests: tests/install.sh.
set -eu

mode=${1:?usage: tools/install.sh install|uninstall}
: "${PREFIX:?PREFIX is not set}"
DESTDIR=${DESTDIR:-}
BUILD=${BUILD:-build}
CC=${CC:-cc}
VERSION=${VERSION:-unknown}
case $PREFIX in /*) ;; *) echo "install: PREFIX must be absolute: $PREFIX" >&2; exit 2 ;; esac
dest=$DESTDIR$PREFIX
manifest_rel=share/asynclab/install-manifest.txt
manifest=$dest/$manifest_rel

uninstall() {
    if [ ! -f "$manifest" ]; then
        echo "uninstall: no asynclab installed in $dest (no $manifest_rel)"
        return 0
    fi
    list=$(cat "$manifest")
    n=0
    # files first, then the folders install made, deepest first
    echo "$list" | while read -r kind path; do
        case $path in /*|*..*|'') echo "uninstall: skipping '$path'" >&2; continue ;; esac
        [ "$kind" = f ] && rm -f "$dest/$path"
    done
    echo "$list" | sed -n 's/^d //p' | awk '{ print length($0) "\t" $0 }' |
        sort -rn | cut -f2- | while read -r path; do
        case $path in /*|*..*|'') continue ;; esac
        if [ "$path" = . ]; then rmdir "$dest" 2>/dev/null || true
        else rmdir "$dest/$path" 2>/dev/null || true; fi
    done
    n=$(echo "$list" | grep -c '^f ' || true)
    echo "uninstall: removed $n files from $dest"
}

if [ "$mode" = uninstall ]; then
    uninstall
    exit 0
fi
[ "$mode" = install ] || { echo "usage: tools/install.sh install|uninstall" >&2; exit 2; }

for f in "$BUILD/asynclab" "$BUILD/libasynclab.a" docs/asynclab.1 tools/asynclab.bash; do
    [ -f "$f" ] || { echo "install: $f is missing" >&2; exit 1; }
done
# The version the program says is the one the page, the .pc and the
# marker say (the Makefile's may have moved on since it was built).
VERSION=$("$BUILD/asynclab" --version 2>/dev/null | sed -n 's/^asynclab //p' | grep . ||
          echo "$VERSION")
if [ -f "$manifest" ]; then
    echo "install: replacing the asynclab installed in $dest"
    uninstall >/dev/null
fi

records=$(mktemp)
trap 'rm -f "$records"' EXIT

# make_dir REL: make $dest/REL and its parents, recording each one made
make_dir() {
    if [ ! -d "$dest" ]; then
        mkdir -p "$dest"
        echo "d ." >>"$records"
    fi
    sofar=""
    for part in $(echo "$1" | tr '/' ' '); do
        sofar=${sofar:+$sofar/}$part
        if [ ! -d "$dest/$sofar" ]; then
            mkdir "$dest/$sofar"
            echo "d $sofar" >>"$records"
        fi
    done
}
# put SRC REL MODE: install SRC as $dest/REL, recorded
put() {
    make_dir "$(dirname "$2")"
    install -m "$3" "$1" "$dest/$2"
    echo "f $2" >>"$records"
}

put "$BUILD/asynclab" bin/asynclab 755
put "$BUILD/libasynclab.a" lib/libasynclab.a 644

# The headers: the public ones and every project header they include
# (the compiler says which: -MM lists the quoted includes it followed).
headers=$(for h in $PUBLIC_HEADERS; do
    echo "$h"
    $CC -std=c11 -D_GNU_SOURCE -I. -MM "$h" |
        sed 's/^[^:]*://' | tr ' \\' '\n\n' | grep '\.h$'
done | sed 's|^\./||' | sort -u)
for h in $headers; do
    put "$h" "include/asynclab/$h" 644
done

pc=$(mktemp)
cat >"$pc" <<EOF
# asynclab: the future API (core/), the executors (spin_executor/,
# notify_executor/, workstealing/ws.h, bench/executors.h by name), the
# driver's time and I/O (driver/), sync/ and the scenarios.
# The prefix is where this file is, so a staged or moved install works.
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: asynclab
Description: A teaching async runtime in C11: futures, wakers, and spin, notify and work-stealing executors
Version: $VERSION
Cflags: -I\${includedir}/asynclab -pthread
Libs: -L\${libdir} -lasynclab -pthread
EOF
put "$pc" lib/pkgconfig/asynclab.pc 644
rm -f "$pc"

# The course. An exercise goes in as git committed it when git can say
# (a learner's edits in this checkout are not the course); the rest as
# the files are.
pristine=$(mktemp)
find lessons -type f ! -name '.*' ! -name '*~' ! -path '*/.*/*' | sort |
while read -r f; do
    src=$f
    case $f in
    lessons/[0-9]*/exercise.c)
        if GIT_OPTIONAL_LOCKS=0 git show "HEAD:./$f" >"$pristine" 2>/dev/null; then
            src=$pristine
        fi ;;
    esac
    put "$src" "share/asynclab/$f" 644
done
rm -f "$pristine"
for f in examples/*.c examples/README.md; do
    if [ -f "$f" ]; then put "$f" "share/asynclab/$f" 644; fi
done
marker=$(mktemp)
cat >"$marker" <<EOF
asynclab $VERSION, installed by make install. This folder is the course
(lessons/), as the installed program (../../bin/asynclab) reads it; it
checks exercises against ../../include/asynclab and ../../lib/libasynclab.a.
Learners work in a folder of their own: asynclab init.
EOF
put "$marker" share/asynclab/.installed 644
rm -f "$marker"

page=$(mktemp) # the page says the version installed
sed "s/^\(\.TH ASYNCLAB 1 \"[^\"]*\"\) \"asynclab [^\"]*\"/\1 \"asynclab $VERSION\"/" \
    docs/asynclab.1 >"$page"
put "$page" share/man/man1/asynclab.1 644
rm -f "$page"
put tools/asynclab.bash share/bash-completion/completions/asynclab 644

echo "f $manifest_rel" >>"$records"
make_dir share/asynclab
install -m 644 "$records" "$manifest"
echo "install: $(grep -c '^f ' "$records") files in $dest (asynclab $VERSION)"
case ":${PATH:-}:" in
*":$PREFIX/bin:"*) ;;
*) [ -z "$DESTDIR" ] && echo "install: $PREFIX/bin is not on your PATH" ;;
esac
exit 0
