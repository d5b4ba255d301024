#!/bin/sh
# tools/bench-ab.sh — two builds of asynclab, interleaved: did a change
# make it faster? Each round runs A then B on the same workloads, so both
# see the same machine load; the table gives each side's median of the
# round medians and the ratio B/A (below 1: B is faster).
#
#   sh tools/bench-ab.sh [--rounds R] [--iters K] [--workers N]
#                        BIN_A BIN_B WORKLOAD[,WORKLOAD...]
#
# To compare a change with the last commit:
#   git worktree add /tmp/base HEAD && make -C /tmp/base
#   sh tools/bench-ab.sh /tmp/base/build/asynclab build/asynclab yield_many
#
# Defaults: 7 rounds, 20 iterations, 2 workers. Timings, not tests: these
# machines are shared and noisy, so trust a ratio only when it repeats.

set -u
rounds=7
iters=20
workers=2
usage="usage: tools/bench-ab.sh [--rounds R] [--iters K] [--workers N] BIN_A BIN_B WORKLOADS"

while [ $# -gt 0 ]; do
    case "$1" in
    --rounds | --iters | --workers)
        [ $# -ge 2 ] || { echo "bench-ab: $1 needs a value" >&2; exit 2; }
        case "$2" in
        '' | *[!0-9]* | 0*) echo "bench-ab: '$2' is not a positive number" >&2; exit 2 ;;
        esac
        case "$1" in
        --rounds) rounds=$2 ;;
        --iters) iters=$2 ;;
        --workers) workers=$2 ;;
        esac
        shift 2 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    -*) echo "bench-ab: $1: unknown option" >&2; echo "$usage" >&2; exit 2 ;;
    *) break ;;
    esac
done
if [ $# -ne 3 ]; then
    echo "$usage" >&2
    exit 2
fi
a=$1 b=$2 workloads=$3
for bin in "$a" "$b"; do
    [ -x "$bin" ] || { echo "bench-ab: $bin: not an executable" >&2; exit 2; }
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
r=1
while [ "$r" -le "$rounds" ]; do
    echo "bench-ab: round $r of $rounds" >&2
    for side in A B; do
        bin=$a
        [ "$side" = B ] && bin=$b
        "$bin" bench "$workloads" --iters "$iters" --workers "$workers" |
            sed "s/^/$side /" >>"$out" || exit 1
    done
    r=$((r + 1))
done

# Lines: "A bench NAME peer=... workers=N median_us=X min_us=Y iters=K".
awk '
    $2 == "bench" {
        split($6, kv, "=")
        key = $3 SUBSEP $1
        n[key]++
        v[key, n[key]] = kv[2] + 0
        names[$3] = 1
    }
    function median(key,    i, j, t, m) {
        m = n[key]
        for (i = 1; i <= m; i++)
            for (j = i + 1; j <= m; j++)
                if (v[key, j] < v[key, i]) {
                    t = v[key, i]; v[key, i] = v[key, j]; v[key, j] = t
                }
        return v[key, int(m / 2) + 1]
    }
    END {
        printf "%-24s %10s %10s %7s   (median of %d rounds, us)\n",
               "workload", "A", "B", "B/A", '"$rounds"'
        for (w in names) {
            ma = median(w SUBSEP "A"); mb = median(w SUBSEP "B")
            printf "%-24s %10d %10d %7.2f\n", w, ma, mb, (ma > 0 ? mb / ma : 0)
        }
    }' "$out"
