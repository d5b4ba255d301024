#!/bin/sh
# tools/bench-peers.sh — asynclab beside Tokio 1.24 and Go 1.19: the seven
# workloads of shared/BENCHMARKS.md, same worker count, same iterations,
# same machine, same run.
#
#   sh tools/bench-peers.sh [--workers N] [--iters K] [--runs R]
#                           [--executor ws|notify|spin] [--workloads LIST]
#   make bench-peers ARGS="--runs 5"
#
# Defaults: 2 workers, 20 iterations, 3 runs, executor ws, all workloads.
#
#   1. deps   Debian's librust-tokio-dev (Tokio 1.24.2 as crate sources in
#             /usr/share/cargo/registry) and golang-go (Go 1.19), plus cargo
#             if there is none: installed with apt-get when root (or
#             password-less sudo), otherwise the one command is printed.
#   2. build  asynclab (make), then the two peers, release mode, offline,
#             into build/peers/: tokio-peer (bench/peers/tokio, cargo with
#             the Debian registry as crates.io, see its .cargo/config.toml)
#             and go-peer (bench/peers/go, standard library only).
#   3. run    R rounds; in each one asynclab-EXECUTOR, tokio and go, one
#             after another, so that all three see the same machine load.
#             Every `bench ...` line goes to the screen and to
#             build/peers/results.txt.
#   4. table  per workload, the median of the R medians of each peer
#             (sorted[R/2]) and the ratios asynclab/tokio and asynclab/go:
#             below 1 means asynclab is faster.
#
# Timings, not tests: never part of `make test` or CI.

set -u
cd "$(dirname "$0")/.." || exit 1

workers=2
iters=20
runs=3
executor=ws
workloads=all
usage="usage: tools/bench-peers.sh [--workers N] [--iters K] [--runs R] [--executor ws|notify|spin] [--workloads LIST]"

while [ $# -gt 0 ]; do
    case "$1" in
    --workers | --iters | --runs | --executor | --workloads)
        if [ $# -lt 2 ]; then
            echo "bench-peers: $1 needs a value" >&2; echo "$usage" >&2; exit 2
        fi
        case "$1" in
        --workers) workers=$2 ;;
        --iters) iters=$2 ;;
        --runs) runs=$2 ;;
        --executor) executor=$2 ;;
        --workloads) workloads=$2 ;;
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

out=build/peers
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

echo "bench-peers: building asynclab, tokio-peer and go-peer"
${MAKE:-make} -s build/asynclab || exit 1

# cargo reads .cargo/config.toml from the directory it runs in.
(cd bench/peers/tokio &&
    "$cargo" build -q --release --offline \
        --target-dir "../../../$out/tokio-target") || {
    echo "bench-peers: building the Tokio peer failed" >&2
    exit 1
}
cp "$out/tokio-target/release/tokio-peer" "$out/tokio-peer" || exit 1

[ -n "${HOME:-}" ] || export GOCACHE="${GOCACHE:-$PWD/$out/go-cache}"
(cd bench/peers/go && GOFLAGS=-mod=mod go build -o "../../../$out/go-peer" .) || {
    echo "bench-peers: building the Go peer failed" >&2
    exit 1
}

# ---- 3. run ------------------------------------------------------------------

results=$out/results.txt
args="$workloads --workers $workers --iters $iters"
{
    echo "# bench-peers $(date -u '+%Y-%m-%d %H:%M UTC'): workers=$workers iters=$iters runs=$runs"
    echo "# machine: $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# asynclab $(git rev-parse --short HEAD 2>/dev/null), tokio $(ls -d /usr/share/cargo/registry/tokio-1.* | sed 's/.*tokio-//' | head -n 1), $(go version | cut -d' ' -f3)"
} >"$results"
cat "$results"

failed=0
run() { # $1 = label, then the command; a peer that fails is noted, not fatal
    label=$1; shift
    if ! timeout 1800 "$@" >"$out/run.txt" 2>&1; then
        echo "bench-peers: $label failed:" >&2
        sed 's/^/  /' "$out/run.txt" >&2
        failed=1
    fi
    grep '^bench ' "$out/run.txt" | tee -a "$results"
}

r=1
while [ "$r" -le "$runs" ]; do
    echo "# run $r of $runs (load $(cut -d" " -f1-3 /proc/loadavg))" | tee -a "$results"
    run asynclab-$executor ./build/asynclab bench $args --executor "$executor"
    run tokio "./$out/tokio-peer" $args
    run go "./$out/go-peer" $args
    r=$((r + 1))
done

# ---- 4. the table --------------------------------------------------------------

echo
echo "median of $runs runs' medians, us (workers=$workers, iters=$iters); ratio < 1: asynclab faster"
awk -v ours="asynclab-$executor" '
    function median(list,    n, v, i, j, t) { # sorted[n/2] of a space list
        n = split(list, v, " ")
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
                t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
            }
        return n ? v[int(n / 2) + 1] : ""
    }
    function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2f", a / b) }
    /^bench / {
        peer = $3; sub(/^peer=/, "", peer)
        if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
        if (!match($0, /median_us=[0-9]+/)) next # skipped: REASON
        m = substr($0, RSTART + 10, RLENGTH - 10)
        meds[$2, peer] = meds[$2, peer] " " m
    }
    END {
        short = ours; sub(/^asynclab-/, "", short)
        printf "%-24s %16s %10s %10s %13s %10s\n", "workload", ours, "tokio", "go",
               short "/tokio", short "/go"
        for (i = 1; i <= n; i++) {
            w = order[i]
            a = median(meds[w, ours]); t = median(meds[w, "tokio"]); g = median(meds[w, "go"])
            printf "%-24s %16s %10s %10s %13s %10s\n", w, a == "" ? "-" : a,
                   t == "" ? "-" : t, g == "" ? "-" : g, ratio(a, t), ratio(a, g)
        }
    }' "$results" | tee "$out/table.txt"
echo "(raw lines: $results; table: $out/table.txt)"
exit $failed
