#!/bin/sh
# tools/deps.sh — make sure the build's packages are here (Debian/Ubuntu).
#
# Silent and instant when everything is installed. Otherwise installs the
# missing packages with apt-get when it can (as root, or through sudo
# without a password), and otherwise prints the one command to run.

need=""
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
if command -v pkg-config >/dev/null 2>&1; then
    pkg-config --exists cmocka || need="$need libcmocka-dev"
    pkg-config --exists ncurses || need="$need libncurses-dev"
else
    need="$need libcmocka-dev libncurses-dev"
fi
# Extras for one target each: `sh tools/deps.sh fuzz` (make fuzz: clang and
# its libFuzzer runtime), `sh tools/deps.sh valgrind` (make valgrind),
# `sh tools/deps.sh test` (what make test's scripts use beyond a minimal
# Debian: tmux for the visualizer's terminal tests, python3 for the trace
# JSON checks, man-db for the installed man page; each script skips what
# needs a missing one, saying so), `sh tools/deps.sh fresh` (debootstrap,
# for make check-fresh), `sh tools/deps.sh redis` (redis-server and
# redis-tools: tests/mini_redis.sh and make bench-redis).
#
# Every other tool a test uses is in Debian's minbase (coreutils, grep,
# sed, mawk, diffutils, findutils, bsdutils' script, bash) or is the
# build's own (cc, make, pkg-config): make check-fresh proves it.
libfuzzer_links() {
    probe=$(mktemp -d) || return 1
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n'\
'{ (void)d; (void)n; return 0; }\n' >"$probe/p.c"
    clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1
    ok=$?
    rm -rf "$probe"
    return $ok
}
for extra in "$@"; do
    case $extra in
    fuzz) command -v clang >/dev/null 2>&1 && libfuzzer_links ||
        need="$need clang libclang-rt-dev" ;;
    valgrind) command -v valgrind >/dev/null 2>&1 || need="$need valgrind" ;;
    test)
        command -v tmux >/dev/null 2>&1 || need="$need tmux"
        command -v python3 >/dev/null 2>&1 || need="$need python3"
        command -v man >/dev/null 2>&1 || need="$need man-db" ;;
    fresh) command -v debootstrap >/dev/null 2>&1 || need="$need debootstrap" ;;
    redis) # mini-redis's real clients and its reference server
        command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
        { command -v redis-cli && command -v redis-benchmark; } >/dev/null 2>&1 ||
            need="$need redis-tools" ;;
    esac
done
[ -z "$need" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
else
    echo "asynclab needs:$need" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y$need" >&2
    exit 1
fi

echo "deps: installing$need"
# Package lists that are missing or older than a day get refreshed first.
lists=/var/lib/apt/lists
if [ -z "$(find $lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
    $sudo apt-get update -q || exit 1
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $need || {
    echo "deps: apt-get install failed; run: sudo apt-get install -y$need" >&2
    exit 1
}
