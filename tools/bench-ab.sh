#!/bin/sh
# tools/bench-ab.sh — two builds of asynclab, interleaved: did a change
# make it faster? Each round runs A then B on the same workloads, so both
# see the same machine load; the table gives each side's median of the
# round medians (wall) and of the rounds' CPU time per iteration (cpu_us,
# docs/benchmarks.md), and the ratios B/A (below 1: B is faster, cheaper).
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

# Lines: "A bench NAME peer=... workers=N median_us=X min_us=Y iters=K
# cpu_us=C"; fields are found by name, so a line that gains one still reads.
awk '
    function val(name,    r) { # the number after " name=" on this line
        if (!match($0, " " name "=[0-9]+")) return ""
        return substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 2) + 0
    }
    $2 == "bench" {
        m = val("median_us")
        if (m == "") next # skipped: REASON
        key = $3 SUBSEP $1
        n[key]++
        v[key, n[key]] = m
        c = val("cpu_us")
        cpu[key, n[key]] = c == "" ? 0 : c
        names[$3] = 1
    }
    function median(arr, key,    i, j, t, m, s) {
        m = n[key]
        for (i = 1; i <= m; i++) s[i] = arr[key, i]
        for (i = 1; i <= m; i++)
            for (j = i + 1; j <= m; j++)
                if (s[j] < s[i]) {
                    t = s[i]; s[i] = s[j]; s[j] = t
                }
        return s[int(m / 2) + 1]
    }
    END {
        printf "%-24s %10s %10s %7s %10s %10s %7s   (median of %d rounds, us)\n",
               "workload", "A wall", "B wall", "B/A", "A cpu", "B cpu", "B/A", '"$rounds"'
        for (w in names) {
            ka = w SUBSEP "A"; kb = w SUBSEP "B"
            ma = median(v, ka); mb = median(v, kb)
            ca = median(cpu, ka); cb = median(cpu, kb)
            printf "%-24s %10d %10d %7.2f %10d %10d %7.2f\n", w, ma, mb,
                   (ma > 0 ? mb / ma : 0), ca, cb, (ca > 0 ? cb / ca : 0)
        }
    }' "$out"
