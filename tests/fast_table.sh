#!/bin/bash
# tests/fast_table.sh [PROGRAM] - tools/fast-table.sh (lesson 17's table)
# checked with stand-in binaries: shell scripts that answer `bench` with
# fixed numbers, so that what is checked is the script (options, the
# table's rows and ratios, the markers in the README it rewrites), never
# a timing. PROGRAM is not used; run by `make test` like every tests/*.sh.
# Last line: "fast_table: N passed, M failed".

cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "$2" ] && sed 's/^/     /' "$2"; }

dir=$tmp/fast
# stub PATH MEDIAN: a stand-in asynclab; with ASYNCLAB_TASK_CACHE=0 it is
# three times slower, so the run-time switch shows as a ratio of 3.
stub() {
    mkdir -p "$(dirname "$1")"
    cat >"$1" <<EOF
#!/bin/sh
[ "\$1" = bench ] || exit 2
m=$2
[ "\${ASYNCLAB_TASK_CACHE:-1}" = 0 ] && m=\$((m * 3))
for w in \$(echo "\$2" | tr , ' '); do
    echo "bench \$w peer=asynclab-ws workers=2 median_us=\$m min_us=\$m iters=2 cpu_us=\$((m * 2))"
done
EOF
    chmod +x "$1"
}
stub "$dir/default/asynclab" 100
for v in task-cache lifo-slot inject-batch line-align spin; do
    stub "$dir/$v/asynclab" 200
done

readme=$tmp/README.md
printf 'before\n<!-- fast-table begin -->\nold text\n<!-- fast-table end -->\nafter\n' >"$readme"
run() { sh tools/fast-table.sh --no-build --build-dir "$dir" "$@" >"$tmp/out" 2>"$tmp/err"; }

run --readme "$readme" --rounds 1 --iters 2
rc=$?
[ $rc -eq 0 ] && ok "a run with stand-ins exits 0" || bad "a run with stand-ins exits 0 (exit $rc)" "$tmp/err"
grep -qx before "$readme" && grep -qx after "$readme" && ! grep -q 'old text' "$readme" \
    && ok "the table replaces what was between the markers, and only that" \
    || bad "the table replaces what was between the markers, and only that" "$readme"
rows=$(grep -E '^\| [1-5]\. ' "$readme")
want="spawn_many_local chained_spawn ping_pong chained_spawn spawn_many_remote_idle yield_many yield_many chained_spawn ping_pong"
got=$(echo "$rows" | awk -F' *\\| *' '{ printf "%s%s", (NR > 1 ? " " : ""), $4 }')
[ "$got" = "$want" ] && ok "one row per optimization and workload, in the lesson's order" \
    || { echo "got: $got" >"$tmp/why"; bad "one row per optimization and workload, in the lesson's order" "$tmp/why"; }
ratios=$(echo "$rows" | awk -F' *\\| *' '{ print $7, $10 }' | sort -u | tr '\n' ' ')
case $ratios in
"2.00 2.00 " | "2.00 2.00 3.00 3.00 ") ok "ratios are off/default, wall and CPU ($ratios)" ;;
*) echo "ratios: $ratios" >"$tmp/why"; bad "ratios are off/default, wall and CPU" "$tmp/why" ;;
esac
echo "$rows" | head -n 1 | grep -q '| 100 | [0-9]* | [0-9.]* | 200 |' \
    && ok "the default's wall and CPU medians are in their columns" \
    || bad "the default's wall and CPU medians are in their columns" "$readme"
grep -q 'Made by `sh tools/fast-table.sh --no-build --build-dir' "$readme" &&
    grep -q -- '--rounds 1 --iters 2`' "$readme" && grep -q 'CPUs (nproc)' "$readme" &&
    grep -q '1 interleaved rounds of 2 timed' "$readme" \
    && ok "the table names its command, machine and rounds" \
    || bad "the table names its command, machine and rounds" "$readme"
[ -f "$dir/table.md" ] && [ -f "$dir/spin.ab" ] && ok "a copy and the raw bench-ab outputs are kept" \
    || bad "a copy and the raw bench-ab outputs are kept"

run --readme "$readme" --rounds 1 --iters 2
[ "$(grep -c '^<!-- fast-table begin -->$' "$readme")" = 1 ] &&
    [ "$(grep -cE '^\| [1-5]\. ' "$readme")" = 9 ] \
    && ok "a second run replaces the table, it does not add one" \
    || bad "a second run replaces the table, it does not add one" "$readme"

cp "$readme" "$tmp/before-quick"
run --quick
rc=$?
[ $rc -eq 0 ] && cmp -s "$readme" "$tmp/before-quick" && grep -q 'Quick mode' "$dir/table.md" \
    && ok "--quick writes only its own copy, marked as no measurement" \
    || bad "--quick writes only its own copy, marked as no measurement (exit $rc)" "$tmp/err"

printf 'no markers here\n' >"$tmp/plain.md"
run --readme "$tmp/plain.md"
rc=$?
[ $rc -eq 1 ] && grep -q 'fast-table begin' "$tmp/err" \
    && ok "a README without the markers: exit 1, says which lines" \
    || bad "a README without the markers: exit 1 (got $rc)" "$tmp/err"
run --rounds x
[ $? -eq 2 ] && ok "--rounds x is a usage error" || bad "--rounds x is a usage error" "$tmp/err"
run --bogus
[ $? -eq 2 ] && ok "an unknown option is a usage error" || bad "an unknown option is a usage error" "$tmp/err"
rm -rf "$dir/lifo-slot"
run --readme "$readme" --rounds 1 --iters 2
rc=$?
[ $rc -eq 1 ] && grep -q 'lifo-slot/asynclab: not built' "$tmp/err" \
    && ok "--no-build with a variant missing: exit 1, names it" \
    || bad "--no-build with a variant missing: exit 1, names it (exit $rc)" "$tmp/err"

echo "fast_table: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
