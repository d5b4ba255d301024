#!/bin/sh
# tools/check-fresh.sh — `make check-fresh`: does the README's quickstart
# work on a machine that has only what the README says it needs?
#
#   1. debootstrap a minimal Debian (--variant=minbase, this machine's
#      release and mirror, from /etc/apt/sources.list*) in a temporary
#      folder under $BUILD (build/fresh.XXXXXX);
#   2. a clean clone of this repository's HEAD into it (/src/asynclab):
#      committed work only, as CI sees it;
#   3. the stated prerequisites only: gcc, make, libc6-dev;
#   4. in a chroot, as root, no terminal: `make run` (with a time limit),
#      then `make test` in full; both install what they need themselves
#      (tools/deps.sh), and that is what this checks.
#
# /proc, /sys, /dev and /dev/pts are mounted inside for the tests (the
# program finds itself through /proc/self/exe; tmux and script need
# ptys); they are unmounted on every way out, and the folder is deleted
# only when nothing is mounted in it any more. KEEP=1 keeps it.
# Needs root (debootstrap, chroot, mount) and the network (Debian's
# mirror). Prints each step's time and the total; exit 0 only when
# `make test` ends "tests: N passed, 0 failed".
set -u
BUILD=${BUILD:-build}
repo=$(cd "$(dirname "$0")/.." && pwd)
started=$(date +%s)

say() { echo "check-fresh: $*"; }
since() { echo $(($(date +%s) - $1)); }

if [ "$(id -u)" != 0 ]; then
    say "needs root (debootstrap, chroot and mount); run it as root, as CI does"
    exit 1
fi
sh "$repo/tools/deps.sh" fresh || { say "cannot install debootstrap"; exit 1; }

# This machine's Debian release and main mirror.
. /etc/os-release
suite=${VERSION_CODENAME:-bookworm}
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
         awk '/^URIs:/ { print $2 }' | grep -v -e security -e '^$' | grep debian | head -n 1)
[ -n "$mirror" ] || mirror=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null |
                             awk '{ print $2 }' | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

mkdir -p "$BUILD"
root=$(mktemp -d "$(cd "$BUILD" && pwd)/fresh.XXXXXX") || exit 1
log=$root.log
mounted=""

mounts_in_root() { awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts; }
cleanup() {
    for m in $mounted; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    # anything still mounted below root (a test's leftover): lazily, deepest first
    for m in $(mounts_in_root | sort -r); do umount -l "$m" 2>/dev/null; done
    if [ -n "$(mounts_in_root)" ]; then
        say "still mounted under $root; NOT deleting it:"
        mounts_in_root
    elif [ "${KEEP:-}" = 1 ]; then
        say "kept $root"
    else
        rm -rf "$root"
    fi
}
trap cleanup EXIT
# (a signal to this script alone is acted on when the running step ends;
# Ctrl-C reaches the step too)
trap 'say "interrupted; cleaning up"; exit 130' INT TERM HUP

step() { # NAME COMMAND...: run, log, time; the output's tail on failure
    name=$1
    shift
    t=$(date +%s)
    say "$name ..."
    if "$@" >>"$log" 2>&1; then
        say "$name: done in $(since "$t") s"
    else
        rc=$?
        say "$name: FAILED (exit $rc) after $(since "$t") s; the end of $log:"
        tail -n 40 "$log"
        exit 1
    fi
}
in_root() { # COMMAND...: in the chroot, CI's environment, no terminal
    chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 CI=true DEBIAN_FRONTEND=noninteractive "$@" </dev/null
}

: >"$log"
say "Debian $suite (minbase) from $mirror into $root; log: $log"
step "debootstrap" debootstrap --variant=minbase "$suite" "$root" "$mirror"
for m in proc sys dev dev/pts; do
    mkdir -p "$root/$m"
    case $m in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sysfs "$root/sys" ;;
    *) mount --bind "/$m" "$root/$m" ;;
    esac || { say "cannot mount /$m in the root"; exit 1; }
    mounted="$root/$m $mounted"
done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null

step "a clean clone of HEAD" git clone --quiet --no-hardlinks "$repo" "$root/src/asynclab"
say "at $(git -C "$root/src/asynclab" log -1 --format='%h %s' | cut -c1-72)"
step "the prerequisites (gcc make libc6-dev)" \
    in_root sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends gcc make libc6-dev'

t=$(date +%s)
step "make run (no terminal, 600 s at most)" \
    in_root sh -c 'cd /src/asynclab && timeout 600 make run'
run_s=$(since "$t")
t=$(date +%s)
say "make test ..."
in_root sh -c 'cd /src/asynclab && timeout 2400 make test' >"$root.test.log" 2>&1
rc=$?
test_s=$(since "$t")
cat "$root.test.log" >>"$log"
summary=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$root.test.log" | tail -n 1)
if [ $rc -ne 0 ] || ! echo "$summary" | grep -q ', 0 failed'; then
    say "make test FAILED (exit $rc) after $test_s s: ${summary:-no summary line}"
    grep -E '^(FAIL|crashed|\[  FAILED  \])' "$root.test.log" | head -n 40
    tail -n 20 "$root.test.log"
    exit 1
fi
rm -f "$root.test.log"
say "make test: $summary, in $test_s s"
say "passed: a fresh Debian $suite with gcc, make and libc6-dev runs the README's" \
    "make run ($run_s s) and make test ($test_s s); $(since "$started") s in all"
