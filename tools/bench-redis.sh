#!/usr/bin/env bash
# tools/bench-redis.sh [--rounds N] [--requests N] [--clients N] [PROGRAM]
#
# mini-redis beside redis-server, driven by redis-benchmark: the same
# requests against mini-redis on the notify executor (one thread), on ws
# (2 workers), and against Debian's redis-server, one after another in
# one run, on 127.0.0.1. For each of SET, GET and INCR, without and with
# pipelining (-P 16):
#
#   redis-benchmark -p PORT -t TEST -n 100000 -c 50 [-P 16] --csv
#
# prints requests per second, the p50 and p99 latency redis-benchmark
# measured, and the server's CPU time per request (user + system, from
# /proc/PID/stat before and after, so the client's CPU is not counted).
# With --rounds N (default 1) the whole sequence runs N times, servers in
# turn, and each cell is the median of the N rounds.
#
# make bench-redis runs it (ARGS="--rounds 3"); the table and the raw
# lines go to $BUILD/bench-redis/ too. Timings are never part of make
# test: compare the rows of one run, on a machine that is otherwise quiet.

set -u
rounds=1
requests=100000
clients=50
prog=""
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) prog=$1; shift ;;
    esac
done
build=${BUILD:-build}
prog=${prog:-$build/asynclab}
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
cd "$(dirname "$0")/.." || exit 1
out_dir=$build/bench-redis
mkdir -p "$out_dir"
raw=$out_dir/results.txt
: >"$raw"

for tool in redis-server redis-benchmark redis-cli; do
    command -v $tool >/dev/null 2>&1 || {
        echo "bench-redis: $tool is missing (sh tools/deps.sh redis installs it)" >&2
        exit 1
    }
done
[ -x "$prog" ] || { echo "bench-redis: no program at $prog (make first)" >&2; exit 1; }

tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill -INT "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

tck=$(getconf CLK_TCK)
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + RANDOM % 30000))
}

# cpu_ticks PID: utime + stime of the whole process (every thread).
cpu_ticks() {
    # Fields after the command's closing parenthesis: utime is the 12th.
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13, $12, $13 }'
}

start_server() { # NAME -> sets spid, sport
    case $1 in
    redis-server)
        sport=$(free_port)
        redis-server --port "$sport" --bind 127.0.0.1 --save '' --appendonly no \
            --dir "$tmp" --logfile "$tmp/redis.log" >/dev/null 2>&1 &
        spid=$!
        ;;
    asynclab-*)
        "$prog" run mini-redis --executor "${1#asynclab-}" --workers 2 --port 0 \
            >"$tmp/$1.out" 2>&1 &
        spid=$!
        sport=""
        for _ in $(seq 1 200); do
            sport=$(sed -n 's/^mini-redis on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$tmp/$1.out" 2>/dev/null)
            [ -n "$sport" ] && break
            sleep 0.05
        done
        ;;
    esac
    pids="$pids $spid"
    for _ in $(seq 1 200); do
        [ "$(redis-cli -p "$sport" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.05
    done
    echo "bench-redis: $1 did not start" >&2
    exit 1
}

stop_server() {
    kill -INT "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
}

servers="asynclab-notify asynclab-ws redis-server"
tests="set get incr"
echo "bench-redis: redis-benchmark -t TEST -n $requests -c $clients [-P 16] --csv," \
    "127.0.0.1, $rounds round(s)"
echo "bench-redis: $(redis-server --version | cut -d' ' -f1-3 | sed 's/v=//'), $(redis-benchmark --version 2>/dev/null | head -n 1)," \
    "asynclab $("$prog" --version 2>/dev/null | head -n 1 | awk '{print $NF}'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

for r in $(seq 1 "$rounds"); do
    for s in $servers; do
        start_server "$s"
        for pl in 1 16; do
            for t in $tests; do
                read -r c0 u0 k0 <<<"$(cpu_ticks "$spid")"
                timeout 300 redis-benchmark -p "$sport" -t "$t" -n "$requests" \
                    -c "$clients" -P "$pl" --csv >"$tmp/csv" 2>"$tmp/err"
                rc=$?
                read -r c1 u1 k1 <<<"$(cpu_ticks "$spid")"
                line=$(grep -i "^\"$t\"" "$tmp/csv" | tail -n 1 | tr -d '"')
                if [ $rc -ne 0 ] || [ -z "$line" ]; then
                    echo "bench-redis: $s $t -P $pl failed (status $rc)" >&2
                    sed 's/^/  /' "$tmp/err" >&2
                    continue
                fi
                # test,rps,avg,min,p50,p95,p99,max
                echo "$r $s $t $pl $line $((c1 - c0)) $((u1 - u0)) $((k1 - k0))" |
                    awk -v tck="$tck" -v n="$requests" '{
                        split($5, f, ",");
                        printf "round=%s server=%s test=%s pipeline=%s rps=%s p50_ms=%s p99_ms=%s cpu_us_per_req=%.2f user_us=%.2f sys_us=%.2f\n",
                            $1, $2, $3, $4, f[2], f[5], f[7],
                            $6 * 1e6 / tck / n, $7 * 1e6 / tck / n, $8 * 1e6 / tck / n }' >>"$raw"
            done
        done
        stop_server
    done
done

# The table: the median of the rounds, per cell.
echo
{
printf '%-5s %-3s %-16s %12s %8s %8s %12s %10s\n' test -P server "requests/s" "p50 ms" "p99 ms" "cpu us/req" "(user+sys)"
for t in $tests; do
    for pl in 1 16; do
        for s in $servers; do
            awk -v s="$s" -v t="$t" -v p="$pl" '
                function val(k,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } }
                val("server") == s && val("test") == t && val("pipeline") == p {
                    n++; rps[n] = val("rps"); p50[n] = val("p50_ms"); p99[n] = val("p99_ms");
                    cpu[n] = val("cpu_us_per_req"); us[n] = val("user_us"); sy[n] = val("sys_us") }
                function med(a, n,   i, j, x) {
                    for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
                    return a[int((n + 1) / 2)] }
                END { if (n == 0) exit;
                      printf "%-5s %-3s %-16s %12.0f %8.3f %8.3f %12.2f %10s\n", toupper(t), p, s,
                          med(rps, n), med(p50, n), med(p99, n), med(cpu, n),
                          sprintf("%.2f+%.2f", med(us, n), med(sy, n)) }' "$raw"
        done
    done
done
} | tee "$out_dir/table.txt"
echo
echo "bench-redis: raw lines in $raw, the table in $out_dir/table.txt"
