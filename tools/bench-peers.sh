#!/bin/sh
# tools/bench-peers.sh — asynclab beside Tokio 1.24 and Go 1.19: the seven
# workloads of docs/benchmarks.md and the variant yield_many_driver, same
# worker count, same iterations, same allocator settings, same machine,
# same run; wall time and CPU time.
#
#   sh tools/bench-peers.sh [--workers N] [--iters K] [--runs R]
#                           [--executor ws|notify|spin] [--workloads LIST]
#                           [--malloc-tunables TUNABLES]
#                           [--task-cache on|off|both]
#   make bench-peers ARGS="--runs 5"
#
# Defaults: 2 workers, 20 iterations, 3 runs, executor ws, all workloads,
# glibc's malloc defaults, asynclab's task cache on. BUILD=DIR (default
# build) takes asynclab from DIR/asynclab (made with `make BUILD=DIR`) and
# puts the peers and the results in DIR/peers.
#
#   --malloc-tunables T   run all three with GLIBC_TUNABLES=T, e.g.
#                         'glibc.malloc.trim_threshold=67108864:glibc.malloc.top_pad=16777216'.
#                         Without it, all three run with GLIBC_TUNABLES and
#                         every MALLOC_* variable removed from the
#                         environment: glibc's defaults. Either way the
#                         setting reaches the malloc of asynclab (C) and of
#                         Tokio (Rust's default allocator is glibc's); Go
#                         has its own allocator, which it does not reach.
#   --task-cache off      asynclab with ASYNCLAB_TASK_CACHE=0 (every task
#                         from malloc, core/task_cache.c), labelled
#                         asynclab-EXECUTOR-nocache; both: with and without,
#                         in every round, and a second table.
#
#   1. deps   Debian's librust-tokio-dev (Tokio 1.24.2 as crate sources in
#             /usr/share/cargo/registry) and golang-go (Go 1.19), plus cargo
#             if there is none: installed with apt-get when root (or
#             password-less sudo), otherwise the one command is printed.
#   2. build  asynclab (make), then the two peers, release mode, offline,
#             into DIR/peers/: tokio-peer (bench/peers/tokio, cargo with the
#             Debian registry as crates.io, see its .cargo/config.toml; LTO,
#             one codegen unit, panic=abort) and go-peer (bench/peers/go,
#             standard library only).
#   3. run    R rounds; in each one asynclab-EXECUTOR (and -nocache), tokio
#             and go, one after another, so that all see the same machine
#             load. Every `bench ...` line goes to the screen and to
#             DIR/peers/results.txt.
#   4. table  the allocator line, the versions, then per workload: the
#             median of the R runs' wall medians and of the R runs' CPU
#             times per iteration (sorted[R/2]) of each runtime, and the
#             ratios asynclab/tokio and asynclab/go for both: below 1 means
#             asynclab is faster (wall) or cheaper (CPU).
#
# Timings, not tests: never part of `make test` or CI.

set -u
cd "$(dirname "$0")/.." || exit 1

workers=2
iters=20
runs=3
executor=ws
workloads=all
tunables=""
task_cache=on
usage="usage: tools/bench-peers.sh [--workers N] [--iters K] [--runs R] [--executor ws|notify|spin] [--workloads LIST] [--malloc-tunables TUNABLES] [--task-cache on|off|both]"

while [ $# -gt 0 ]; do
    case "$1" in
    --workers | --iters | --runs | --executor | --workloads | \
        --malloc-tunables | --task-cache)
        if [ $# -lt 2 ]; then
            echo "bench-peers: $1 needs a value" >&2; echo "$usage" >&2; exit 2
        fi
        case "$1" in
        --workers) workers=$2 ;;
        --iters) iters=$2 ;;
        --runs) runs=$2 ;;
        --executor) executor=$2 ;;
        --workloads) workloads=$2 ;;
        --malloc-tunables) tunables=$2 ;;
        --task-cache) task_cache=$2 ;;
        esac
        shift 2 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "bench-peers: $1: unknown option" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
for n in "$workers" "$iters" "$runs"; do
    case "$n" in
    '' | *[!0-9]* | 0*) echo "bench-peers: '$n' is not a positive number" >&2
        echo "$usage" >&2; exit 2 ;;
    esac
done
case "$task_cache" in
on | off | both) ;;
*) echo "bench-peers: --task-cache $task_cache: on, off or both" >&2
    echo "$usage" >&2; exit 2 ;;
esac
case "$tunables" in
*[!A-Za-z0-9._=:]*)
    echo "bench-peers: --malloc-tunables '$tunables': expected NAME=VALUE[:NAME=VALUE...]" >&2
    exit 2 ;;
esac

build=${BUILD:-build}
prog=$build/asynclab
out=$build/peers
mkdir -p "$out" || exit 1

# ---- 1. deps -----------------------------------------------------------------

cargo=$(command -v cargo 2>/dev/null)
for c in "${HOME:-/root}/.cargo/bin/cargo" /root/.cargo/bin/cargo; do
    [ -z "$cargo" ] && [ -x "$c" ] && cargo=$c
done

need=""
ls -d /usr/share/cargo/registry/tokio-1.24.* >/dev/null 2>&1 ||
    need="$need librust-tokio-dev"
command -v go >/dev/null 2>&1 || need="$need golang-go"
[ -n "$cargo" ] || need="$need cargo"

if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo"
    else
        echo "bench-peers needs:$need" >&2
        echo "run: sudo apt-get update && sudo apt-get install -y$need" >&2
        exit 1
    fi
    echo "bench-peers: installing$need"
    $sudo apt-get update -q &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $need || {
        echo "bench-peers: apt-get failed; run: sudo apt-get install -y$need" >&2
        exit 1
    }
    [ -n "$cargo" ] || cargo=$(command -v cargo)
fi

# ---- 2. build ----------------------------------------------------------------

echo "bench-peers: building asynclab ($prog), tokio-peer and go-peer"
${MAKE:-make} -s BUILD="$build" "$prog" || exit 1

# cargo reads .cargo/config.toml from the directory it runs in; the target
# directory is given absolute, so BUILD may be any path.
abs_out=$(cd "$out" && pwd) || exit 1
(cd bench/peers/tokio &&
    "$cargo" build -q --release --offline \
        --target-dir "$abs_out/tokio-target") || {
    echo "bench-peers: building the Tokio peer failed" >&2
    exit 1
}
cp "$out/tokio-target/release/tokio-peer" "$out/tokio-peer" || exit 1

[ -n "${HOME:-}" ] || export GOCACHE="${GOCACHE:-$abs_out/go-cache}"
(cd bench/peers/go && GOFLAGS=-mod=mod go build -o "$abs_out/go-peer" .) || {
    echo "bench-peers: building the Go peer failed" >&2
    exit 1
}

# ---- the allocator environment, the same for all three -------------------------

# Every MALLOC_* variable glibc reads (MALLOC_ARENA_MAX, MALLOC_TOP_PAD_...)
# and GLIBC_TUNABLES are removed, then GLIBC_TUNABLES set if asked: the
# one environment every runtime is started in (alloc_env, a prefix).
alloc_env="env -u GLIBC_TUNABLES -u ASYNCLAB_TASK_CACHE"
for v in $(env | sed -n 's/^\(MALLOC_[A-Za-z0-9_]*\)=.*/\1/p'); do
    alloc_env="$alloc_env -u $v"
done
if [ -n "$tunables" ]; then
    alloc_env="$alloc_env GLIBC_TUNABLES=$tunables"
    alloc_line="allocator: GLIBC_TUNABLES=$tunables for every runtime (it reaches glibc malloc, which asynclab and Tokio use; Go has its own allocator)"
else
    alloc_line="allocator: glibc malloc defaults for every runtime (GLIBC_TUNABLES and MALLOC_* unset; asynclab and Tokio use glibc malloc, Go has its own allocator)"
fi
# The library must leave malloc alone; say so if this binary does not.
if nm "$prog" 2>/dev/null | grep -q ' U mallopt'; then
    alloc_line="$alloc_line; NOTE: this asynclab binary calls mallopt itself"
fi
case "$task_cache" in
on) cache_line="asynclab task cache: on (the default)" ;;
off) cache_line="asynclab task cache: off (ASYNCLAB_TASK_CACHE=0: every task from malloc)" ;;
both) cache_line="asynclab task cache: on, and off (ASYNCLAB_TASK_CACHE=0, peer asynclab-$executor-nocache) in every round" ;;
esac

tokio_v=$(ls -d /usr/share/cargo/registry/tokio-1.* 2>/dev/null | sed 's/.*tokio-//' | head -n 1)
go_v=$(go version | sed -n 's/.* go\([0-9.]*\).*/\1/p')
rust_v=$("$cargo" --version 2>/dev/null | sed -n 's/^cargo \([0-9.]*\).*/\1/p')
cc_v=$(${CC:-cc} --version 2>/dev/null | head -n 1)
rev=$(git describe --always --dirty 2>/dev/null)
versions="versions: asynclab $rev ($cc_v, the Makefile's default build: -O2 -flto=auto, hardened), Tokio $tokio_v (cargo/rustc $rust_v, release: lto, codegen-units=1, panic=abort), Go $go_v"

# ---- 3. run ------------------------------------------------------------------

results=$out/results.txt
args="$workloads --workers $workers --iters $iters"
{
    echo "# bench-peers $(date -u '+%Y-%m-%d %H:%M UTC'): workers=$workers iters=$iters runs=$runs"
    echo "# machine: $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# $versions"
    echo "# $alloc_line"
    echo "# $cache_line"
} >"$results"
cat "$results"

failed=0
run() { # $1 = label, $2 = sed for the peer field, then the command
    label=$1 relabel=$2; shift 2
    if ! timeout 1800 "$@" >"$out/run.txt" 2>&1; then
        echo "bench-peers: $label failed:" >&2
        sed 's/^/  /' "$out/run.txt" >&2
        failed=1
    fi
    grep '^bench ' "$out/run.txt" | sed "$relabel" | tee -a "$results"
}

ours=asynclab-$executor
r=1
while [ "$r" -le "$runs" ]; do
    echo "# run $r of $runs (load $(cut -d" " -f1-3 /proc/loadavg))" | tee -a "$results"
    if [ "$task_cache" != off ]; then
        run "$ours" "" $alloc_env "$prog" bench $args --executor "$executor"
    fi
    if [ "$task_cache" != on ]; then
        run "$ours-nocache" "s/ peer=$ours / peer=$ours-nocache /" \
            $alloc_env ASYNCLAB_TASK_CACHE=0 "$prog" bench $args --executor "$executor"
    fi
    run tokio "" $alloc_env "./$out/tokio-peer" $args
    run go "" $alloc_env "./$out/go-peer" $args
    r=$((r + 1))
done

# ---- 4. the tables -------------------------------------------------------------

# table OURS [BASE]: the wall and CPU columns of OURS, tokio and go, and
# the ratios OURS/tokio and OURS/go; with BASE, also OURS/BASE.
table() {
    awk -v ours="$1" -v base="${2:-}" '
    function median(list,    n, v, i, j, t) { # sorted[n/2] of a space list
        n = split(list, v, " ")
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
                t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
            }
        return n ? v[int(n / 2) + 1] : ""
    }
    function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2f", a / b) }
    function val(name, line,    r) { # the number after " name=" in line
        if (!match(line, " " name "=[0-9]+")) return ""
        return substr(line, RSTART + length(name) + 2, RLENGTH - length(name) - 2)
    }
    function dash(x) { return x == "" ? "-" : x }
    /^bench / {
        peer = $3; sub(/^peer=/, "", peer)
        if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
        m = val("median_us", $0)
        if (m == "") next # skipped: REASON
        wall[$2, peer] = wall[$2, peer] " " m
        c = val("cpu_us", $0)
        if (c != "") cpu[$2, peer] = cpu[$2, peer] " " c
    }
    END {
        short = ours; sub(/^asynclab-/, "", short)
        bshort = base; sub(/^asynclab-/, "", bshort)
        extra = base != ""
        wide = extra ? 56 : 48
        printf "%-22s | %-" wide "s | %s\n", "", "wall us (median)", "cpu us (user+sys, whole process)"
        printf "%-22s | %10s %10s %10s %7s %7s", "workload", short, "tokio", "go", "/tokio", "/go"
        if (extra) printf " %7s", "/" bshort
        printf " | %10s %10s %10s %7s %7s", short, "tokio", "go", "/tokio", "/go"
        if (extra) printf " %7s", "/" bshort
        printf "\n"
        for (i = 1; i <= n; i++) {
            w = order[i]
            a = median(wall[w, ours]); t = median(wall[w, "tokio"]); g = median(wall[w, "go"])
            ca = median(cpu[w, ours]); ct = median(cpu[w, "tokio"]); cg = median(cpu[w, "go"])
            printf "%-22s | %10s %10s %10s %7s %7s", w, dash(a), dash(t), dash(g), ratio(a, t), ratio(a, g)
            if (extra) printf " %7s", ratio(a, median(wall[w, base]))
            printf " | %10s %10s %10s %7s %7s", dash(ca), dash(ct), dash(cg), ratio(ca, ct), ratio(ca, cg)
            if (extra) printf " %7s", ratio(ca, median(cpu[w, base]))
            printf "\n"
        }
    }' "$results"
}

{
    echo
    echo "$alloc_line"
    echo "$versions"
    echo "$cache_line"
    echo "per iteration, us: wall = median of $runs runs' medians; cpu = median of $runs runs' user+sys CPU of the whole process per iteration"
    echo "(workers=$workers, iters=$iters; ratio < 1: asynclab faster / cheaper; yield_many_driver: docs/benchmarks.md)"
    echo
    if [ "$task_cache" = off ]; then
        table "$ours-nocache"
    else
        table "$ours"
    fi
    if [ "$task_cache" = both ]; then
        echo
        echo "the same with asynclab's task cache off (ASYNCLAB_TASK_CACHE=0, same rounds); /$executor: cache off over cache on"
        echo
        table "$ours-nocache" "$ours"
    fi
} | tee "$out/table.txt"
echo "(raw lines: $results; table: $out/table.txt)"
exit $failed
