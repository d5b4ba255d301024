#!/bin/sh
# tools/fast-table.sh — lesson 17's table: each of the runtime's five
# optimizations turned off, timed against the default build.
#
#   sh tools/fast-table.sh [--rounds R] [--iters K] [--workers N] [--jobs J]
#                          [--build-dir DIR] [--no-build] [--readme FILE]
#                          [--quick]
#
# Builds the default (DIR/default) and one variant per optimization, each
# in its own directory (make BUILD=DIR/NAME DEFS=-DFLAG), then runs
# tools/bench-ab.sh default against variant on the workloads where that
# optimization should show, and writes a markdown table (median wall and
# CPU time per iteration of each side, and the ratios off/default) between
# the lines <!-- fast-table begin --> and <!-- fast-table end --> of the
# lesson's README, with the command, the date, the tree and the machine.
# A copy goes to DIR/table.md; the raw bench-ab outputs to DIR/NAME.ab.
#
# A flag that is not in the tree's sources builds the default code again:
# such a row is marked, and shows only the noise of the run. The task
# cache can also be turned off at run time (ASYNCLAB_TASK_CACHE=0): without
# its flag in the tree, that row uses the default binary so.
#
#   --rounds R     interleaved rounds of bench-ab (default 9)
#   --iters K      timed iterations per workload and round (default 20)
#   --workers N    worker threads (default 2)
#   --jobs J       make -jJ (default 2)
#   --build-dir D  where the builds go (default build/fast)
#   --no-build     use the binaries already in D (D/NAME/asynclab)
#   --readme F     the file to write the table into (default
#                  lessons/17-making-it-fast/README.md)
#   --quick        1 round of 2 iterations: a test of the script, not a
#                  measurement; writes only D/table.md unless --readme is
#                  given
#
# Timings, not tests: never part of `make test` (tests/fast_table.sh
# checks the script itself with stand-in binaries).

set -u
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=9
iters=20
workers=2
jobs=2
dir=build/fast
build=1
readme=
quick=0
usage="usage: tools/fast-table.sh [--rounds R] [--iters K] [--workers N] [--jobs J] [--build-dir DIR] [--no-build] [--readme FILE] [--quick]"
cmdline="sh tools/fast-table.sh"

number() { # option value
    case "$2" in
    '' | *[!0-9]* | 0*) echo "fast-table: $1: '$2' is not a positive number" >&2; exit 2 ;;
    esac
}

while [ $# -gt 0 ]; do
    case "$1" in
    --rounds | --iters | --workers | --jobs | --build-dir | --readme)
        [ $# -ge 2 ] || { echo "fast-table: $1 needs a value" >&2; exit 2; }
        case "$1" in
        --rounds) number "$1" "$2"; rounds=$2 ;;
        --iters) number "$1" "$2"; iters=$2 ;;
        --workers) number "$1" "$2"; workers=$2 ;;
        --jobs) number "$1" "$2"; jobs=$2 ;;
        --build-dir) dir=$2 ;;
        --readme) readme=$2 ;;
        esac
        cmdline="$cmdline $1 $2"
        shift 2 ;;
    --no-build) build=0; cmdline="$cmdline $1"; shift ;;
    --quick) quick=1; rounds=1; iters=2; cmdline="$cmdline $1"; shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "fast-table: $1: unknown option" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
if [ -z "$readme" ] && [ "$quick" = 0 ]; then
    readme=$root/lessons/17-making-it-fast/README.md
fi
if [ -n "$readme" ]; then
    [ -f "$readme" ] || { echo "fast-table: $readme: no such file" >&2; exit 2; }
    if [ "$(grep -c '^<!-- fast-table begin -->$' "$readme")" != 1 ] ||
        [ "$(grep -c '^<!-- fast-table end -->$' "$readme")" != 1 ]; then
        echo "fast-table: $readme: needs one line <!-- fast-table begin --> and one <!-- fast-table end -->" >&2
        exit 1
    fi
fi
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
case $readme in /* | '') ;; *) readme=$PWD/$readme ;; esac
mkdir -p "$dir" || exit 1
cd "$root" || exit 1

# The same allocator for every build: glibc's defaults, as bench-peers
# runs by default (docs/benchmarks.md), and the task cache on in the
# default build whatever the caller's environment says.
unset GLIBC_TUNABLES ASYNCLAB_TASK_CACHE
for v in $(env | sed -n 's/^\(MALLOC_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done

# name|flag|run-time switch|workloads|what it is (the lesson's numbering)
variants="task-cache|ASYNCLAB_NO_TASK_CACHE|ASYNCLAB_TASK_CACHE=0|spawn_many_local,chained_spawn|1. task cache
lifo-slot|WS_NO_LIFO_SLOT||ping_pong,chained_spawn|2. LIFO slot
inject-batch|WS_NO_INJECT_BATCH||spawn_many_remote_idle,yield_many|3. inject batches
line-align|ASYNCLAB_NO_LINE_ALIGN||yield_many|4. line alignment
spin|WS_NO_SPIN||chained_spawn,ping_pong|5. spin before parking"

# Is -DFLAG used anywhere in the runtime's sources?
flag_in_tree() {
    for d in */; do
        case $d in build/ | lessons/ | tests/ | tools/ | docs/ | fuzz/) continue ;; esac
        grep -rqw --include='*.c' --include='*.h' -e "$1" "$d" 2>/dev/null && return 0
    done
    return 1
}

build_one() { # name defs
    [ "$build" = 1 ] || return 0
    echo "fast-table: building $1${2:+ ($2)}" >&2
    if ! make -C "$root" BUILD="$dir/$1" DEFS="$2" -j"$jobs" all >"$dir/$1.log" 2>&1; then
        echo "fast-table: the $1 build failed; the end of $dir/$1.log:" >&2
        tail -n 20 "$dir/$1.log" >&2
        exit 1
    fi
}

need_bin() { # path
    [ -x "$1" ] || { echo "fast-table: $1: not built (run without --no-build)" >&2; exit 1; }
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
build_one default ""
need_bin "$dir/default/asynclab"

table=$dir/table.md.new
rows=$dir/rows.new
notes=$dir/notes.new
: >"$rows"
: >"$notes"
echo "$variants" | while IFS='|' read -r name flag env workloads what; do
    bin=$dir/$name/asynclab
    mark=""
    how="\`-D$flag\`"
    if flag_in_tree "$flag"; then
        build_one "$name" "-D$flag"
    elif [ -n "$env" ]; then
        # The switch at run time: the default binary, with env set.
        mkdir -p "$dir/$name-env"
        bin=$dir/$name-env/asynclab
        printf '#!/bin/sh\nexec env %s "%s" "$@"\n' "$env" "$dir/default/asynclab" >"$bin"
        chmod +x "$bin"
        how="\`$env\`"
        echo "- $what: \`-D$flag\` is not in this tree, so the cache was turned off at run time, with \`$env\`." >>"$notes"
    else
        build_one "$name" "-D$flag"
        mark=" †"
        echo "- $what †: \`-D$flag\` is not in this tree, so its build is the default code again: the row shows only the noise of this run." >>"$notes"
    fi
    need_bin "$bin"
    echo "fast-table: $name: tools/bench-ab.sh on $workloads" >&2
    if ! sh "$root/tools/bench-ab.sh" --rounds "$rounds" --iters "$iters" \
        --workers "$workers" "$dir/default/asynclab" "$bin" "$workloads" \
        >"$dir/$name.ab" 2>"$dir/$name.ab.log"; then
        echo "fast-table: $name: bench-ab failed:" >&2
        tail -n 5 "$dir/$name.ab.log" >&2
        exit 1
    fi
    for w in $(echo "$workloads" | tr ',' ' '); do
        # bench-ab: workload, A wall, B wall, B/A, A cpu, B cpu, B/A
        line=$(awk -v w="$w" 'NR > 1 && $1 == w && NF >= 7' "$dir/$name.ab")
        if [ -z "$line" ]; then
            echo "fast-table: $name: no result for $w in $dir/$name.ab" >&2
            exit 1
        fi
        echo "$line" | awk -v what="$what$mark" -v how="$how" '{
            printf "| %s | %s | %s | %d | %d | %.2f | %d | %d | %.2f |\n",
                   what, how, $1, $2, $3, $4, $5, $6, $7 }' >>"$rows"
    done
done || exit 1

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
tree=$(git -C "$root" describe --always --dirty 2>/dev/null || echo "not a git tree")
{
    echo "Made by \`$cmdline\` on $(date -u '+%Y-%m-%d %H:%M UTC'), tree \`$tree\`."
    echo "Machine: $(nproc) CPUs (nproc), ${cpu:-CPU model unknown}, $(uname -sr)."
    echo "Each row: \`tools/bench-ab.sh\`, the default build against the build"
    echo "without that optimization, $rounds interleaved rounds of $iters timed"
    echo "iterations on $workers workers; the median of the round medians, in"
    echo "microseconds per iteration. CPU: user + system time of every thread,"
    echo "per iteration. Allocator: glibc's defaults. Load average (1, 5, 15"
    echo "minutes) before the builds: ${load_start:-unknown}; after the last"
    echo "round: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)."
    if [ "$quick" = 1 ]; then
        echo ""
        echo "**Quick mode: one round of two iterations, a test of the script and not a measurement.**"
    fi
    echo ""
    echo "| optimization | off with | workload | default us | off us | off/default | default CPU us | off CPU us | CPU off/default |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
    cat "$rows"
    if [ -s "$notes" ]; then
        echo ""
        cat "$notes"
    fi
} >"$table"
rm -f "$rows" "$notes"
mv "$table" "$dir/table.md"

if [ -n "$readme" ]; then
    awk -v table="$dir/table.md" '
        $0 == "<!-- fast-table begin -->" {
            print
            while ((getline line < table) > 0) print line
            skip = 1
            next
        }
        $0 == "<!-- fast-table end -->" { skip = 0 }
        !skip { print }' "$readme" >"$readme.new" && mv "$readme.new" "$readme" || exit 1
    echo "fast-table: wrote the table into $readme (a copy: $dir/table.md)" >&2
else
    echo "fast-table: wrote $dir/table.md" >&2
fi
cat "$dir/table.md"
