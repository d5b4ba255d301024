#!/usr/bin/env bash
# tests/mini_redis.sh PROGRAM - mini-redis end to end, with clients
# nobody here wrote: Debian's redis-cli and redis-benchmark.
#
#   bash tests/mini_redis.sh build/asynclab
#
# 1. mini-redis on ws and a real redis-server (Debian's, on another port)
#    get the same redis-cli command lines, one after another, and must
#    print the same thing for every supported command: strings, counters,
#    options, errors, expiry, pub/sub with two clients.
# 2. Expiry on the timer wheel: keys past their deadline are deleted
#    without anyone reading them (DBSIZE falls to 0).
# 3. Hostile clients (tests/mini_redis_client.py, python3): truncated
#    frames, a 2 GB bulk length, negative lengths, 10,000 pipelined
#    commands, clients that disconnect mid-reply, 1,000 idle connections,
#    the limits; after each the server still answers, and at SIGINT it
#    exits 0 (under make asan: no leak, no error).
# 4. redis-benchmark -t set,get -n 100000 -c 50 completes on notify and ws.
# 5. --sim is refused with a reason and status 2.
#
# redis-server and redis-tools are installed by tools/deps.sh redis when
# this runs as root (or with password-less sudo); otherwise the script
# says so and skips. No timing decides a check.
# Last line: "mini_redis: N passed, M failed".

set -u
bin=${1:?usage: tests/mini_redis.sh PATH_TO_ASYNCLAB}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0
tmp=$(mktemp -d)
pids=""

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/     | /' "$2" | head -20
    return 0
}

cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

have_redis() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 &&
        command -v redis-benchmark >/dev/null 2>&1
}
if ! have_redis; then
    sh tools/deps.sh redis >"$tmp/deps" 2>&1
fi
if ! have_redis; then
    echo "mini_redis: redis-server and redis-tools are not installed and" \
        "cannot be installed here; skipping (sh tools/deps.sh redis, as root)"
    sed 's/^/     | /' "$tmp/deps"
    echo "mini_redis: 0 passed, 0 failed"
    exit 0
fi
echo "mini_redis: $(redis-server --version | cut -d' ' -f1-3), $(redis-cli --version)"

# The --sim refusal needs no server.
"$bin" run mini-redis --executor ws --sim >"$tmp/sim.out" 2>"$tmp/sim.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "real sockets" "$tmp/sim.err" &&
    [ "$(grep -c '^asynclab:' "$tmp/sim.err")" -eq 1 ]; then
    ok "--sim is refused: status 2, one line ($(head -n 1 "$tmp/sim.err"))"
else
    bad "--sim is refused with status 2 and a reason (got $rc)" "$tmp/sim.err"
fi

# start_mini NAME ARGS...: start mini-redis on a free port; sets
# mini_pid and mini_port, or returns 1.
start_mini() {
    local name=$1
    shift
    "$bin" run mini-redis --port 0 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    mini_pid=$!
    pids="$pids $mini_pid"
    mini_port=""
    for _ in $(seq 1 200); do
        mini_port=$(sed -n 's/^mini-redis on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$tmp/$name.out" 2>/dev/null)
        [ -n "$mini_port" ] && return 0
        kill -0 "$mini_pid" 2>/dev/null || break
        sleep 0.05
    done
    bad "mini-redis $* starts" "$tmp/$name.err"
    return 1
}

# stop_mini NAME: SIGINT, then it must exit 0 on its own.
stop_mini() {
    local name=$1 rc
    kill -INT "$mini_pid" 2>/dev/null
    for _ in $(seq 1 600); do
        kill -0 "$mini_pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$mini_pid" 2>/dev/null; then
        bad "$name: SIGINT stops the server (still running after 30 s)"
        kill -KILL "$mini_pid" 2>/dev/null
    fi
    wait "$mini_pid"
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^scenario *mini-redis: .* served [0-9]* connections' "$tmp/$name.out"; then
        ok "$name: SIGINT stops it, status 0, $(sed -n 's/^scenario *mini-redis: mini-redis on [^ ]* //p' "$tmp/$name.out")"
    else
        cat "$tmp/$name.out" "$tmp/$name.err" >"$tmp/$name.both"
        bad "$name: SIGINT stops it with status 0 (got $rc)" "$tmp/$name.both"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + RANDOM % 30000))
}

# ---- 1. the same replies as redis-server ---------------------------------

start_mini ws --executor ws --workers 2 || { echo "mini_redis: $passed passed, $((failed + 1)) failed"; exit 1; }
mp=$mini_port
rp=$(free_port)
redis-server --port "$rp" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$tmp" --logfile "$tmp/redis.log" >/dev/null 2>&1 &
rpid=$!
pids="$pids $rpid"
for _ in $(seq 1 200); do
    [ "$(redis-cli -p "$rp" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
done
[ "$(redis-cli -p "$rp" ping 2>/dev/null)" = PONG ] || bad "redis-server starts on port $rp" "$tmp/redis.log"

# Each line: redis-cli's arguments, as shell words.
cat >"$tmp/commands" <<'EOF'
PING
PING hello
PING a b
ECHO "hello world"
ECHO
GET missing
SET k1 v1
GET k1
get k1
GeT k1
SET k1 v2 XX
GET k1
SET k1 v3 NX
SET knew v NX
SET knew2 v XX
GET knew2
SET k1 v4 GET
SET kmissing v GET
SET k1 v EX 0
SET k1 v EX -1
SET k1 v PX 0
SET k1 v EX abc
SET k1 v EX 99999999999999999999
SET k1 v PX
SET k1 v NX XX
SET k1 v EX 10 PX 100
SET k1 v KEEPTTL EX 10
SET k1 v BOGUS
SET k1
SET k1 v EX 100
TTL k1
SET k1 v2 KEEPTTL
TTL k1
SET k1 v
TTL k1
TTL missing
PTTL missing
PTTL k1
EXPIRE k1 100
TTL k1
EXPIRE k1 200 NX
EXPIRE k1 50 GT
EXPIRE k1 300 GT
TTL k1
EXPIRE k1 10 LT
TTL k1
EXPIRE k1 10 XX
EXPIRE k1 10 NX XX
EXPIRE k1 10 GT LT
EXPIRE k1 10 FOO
EXPIRE k1 abc
EXPIRE k1 99999999999999999
EXPIRE missing 10
EXPIRE k1
PEXPIRE k1 100000
TTL k1
PERSIST k1
TTL k1
PERSIST k1
PERSIST missing
EXPIRE k1 -1
EXISTS k1
GET k1
SET k1 again
EXPIRE k1 0
EXISTS k1
INCR counter
INCR counter
DECR counter
INCRBY counter 10
DECRBY counter 3
INCRBY counter abc
INCRBY counter
GET counter
SET counter 5 EX 100
INCR counter
TTL counter
SET big 9223372036854775807
INCR big
INCRBY big -1
SET neg -9223372036854775808
DECR neg
DECRBY neg -9223372036854775808
SET s hello
INCR s
SET z 01
INCR z
SET sp " 1"
INCR sp
SET a 1
SET b 2
EXISTS a b a missing
EXISTS
DEL a b missing
DEL
EXISTS a
MGET a counter missing s
DBSIZE
SELECT 0
SELECT 16
SELECT x
PUBLISH nobody msg
PUBLISH
SUBSCRIBE
UNKNOWN
UNKNOWN a b
SET empty ""
GET empty
SET spaces "a b  c"
GET spaces
SET unicode "héllo wörld"
GET unicode
CONFIG GET save
CONFIG GET appendonly
DEL counter s z sp big neg knew kmissing empty spaces unicode trunc
DBSIZE
FLUSHALL
DBSIZE
FLUSHALL BOGUS
QUIT
EOF
redis-cli -p "$rp" flushall >/dev/null 2>&1
n=0
same=0
while IFS= read -r line; do
    n=$((n + 1))
    eval "set -- $line"
    redis-cli -p "$mp" "$@" >"$tmp/mine" 2>&1
    redis-cli -p "$rp" "$@" >"$tmp/theirs" 2>&1
    if cmp -s "$tmp/mine" "$tmp/theirs"; then
        same=$((same + 1))
    else
        { echo "command: $line"; echo "mini-redis:"; cat "$tmp/mine"; echo "redis-server:"; cat "$tmp/theirs"; } >"$tmp/diff"
        bad "redis-cli $line: the same reply as redis-server" "$tmp/diff"
    fi
done <"$tmp/commands"
[ "$same" -eq "$n" ] && ok "all $n redis-cli command lines print what redis-server's do"

# Expiry, lazily (a read after the deadline) on both servers.
for p in "$mp" "$rp"; do
    redis-cli -p "$p" set soon v px 300 >/dev/null
    redis-cli -p "$p" get soon >"$tmp/before.$p"
done
sleep 0.8
for p in "$mp" "$rp"; do
    { cat "$tmp/before.$p"; redis-cli -p "$p" get soon; redis-cli -p "$p" exists soon; redis-cli -p "$p" ttl soon; } >"$tmp/exp.$p"
done
if cmp -s "$tmp/exp.$mp" "$tmp/exp.$rp" && [ "$(head -n 1 "$tmp/exp.$mp")" = v ] &&
    [ "$(sed -n 3p "$tmp/exp.$mp")" = 0 ]; then
    ok "SET PX 300: there before, gone after (GET, EXISTS, TTL as redis-server)"
else
    paste "$tmp/exp.$mp" "$tmp/exp.$rp" >"$tmp/diff"
    bad "expiry as redis-server" "$tmp/diff"
fi

# Pub/sub with two clients: two subscribers, one publisher.
pubsub() { # port -> the subscribers' output in $tmp/sub{1,2}.$port
    local p=$1 s1 s2
    redis-cli -p "$p" subscribe news weather >"$tmp/sub1.$p" 2>&1 &
    s1=$!
    redis-cli -p "$p" subscribe news >"$tmp/sub2.$p" 2>&1 &
    s2=$!
    pids="$pids $s1 $s2"
    for _ in $(seq 1 200); do
        [ "$(wc -l <"$tmp/sub1.$p")" -ge 6 ] && [ "$(wc -l <"$tmp/sub2.$p")" -ge 3 ] && break
        sleep 0.05
    done
    {
        redis-cli -p "$p" publish news "hello world"
        redis-cli -p "$p" publish weather rain
        redis-cli -p "$p" publish nobody x
        redis-cli -p "$p" publish news "second"
    } >"$tmp/pub.$p" 2>&1
    for _ in $(seq 1 200); do
        [ "$(wc -l <"$tmp/sub1.$p")" -ge 15 ] && [ "$(wc -l <"$tmp/sub2.$p")" -ge 9 ] && break
        sleep 0.05
    done
    kill "$s1" "$s2" 2>/dev/null
    wait "$s1" "$s2" 2>/dev/null
}
pubsub "$mp"
pubsub "$rp"
if cmp -s "$tmp/pub.$mp" "$tmp/pub.$rp" && [ "$(tr '\n' ' ' <"$tmp/pub.$mp")" = "2 1 0 2 " ]; then
    ok "PUBLISH to two subscribers: receiver counts 2 1 0 2, as redis-server"
else
    paste "$tmp/pub.$mp" "$tmp/pub.$rp" >"$tmp/diff"
    bad "PUBLISH counts as redis-server" "$tmp/diff"
fi
for k in 1 2; do
    if cmp -s "$tmp/sub$k.$mp" "$tmp/sub$k.$rp" && grep -q "hello world" "$tmp/sub$k.$mp"; then
        ok "subscriber $k prints what it prints with redis-server ($(wc -l <"$tmp/sub$k.$mp") lines)"
    else
        paste "$tmp/sub$k.$mp" "$tmp/sub$k.$rp" >"$tmp/diff"
        bad "subscriber $k as redis-server" "$tmp/diff"
    fi
done

kill "$rpid" 2>/dev/null

# ---- 2. active expiry on the timer wheel ----------------------------------

redis-cli -p "$mp" flushall >/dev/null
redis-cli -p "$mp" set late v ex 1000 >/dev/null
for i in $(seq 1 50); do echo "SET short:$i v PX 200"; done | redis-cli -p "$mp" >/dev/null
before=$(redis-cli -p "$mp" dbsize)
after=""
for _ in $(seq 1 100); do
    after=$(redis-cli -p "$mp" dbsize)
    [ "$after" = 1 ] && break
    sleep 0.05
done
if [ "$before" = 51 ] && [ "$after" = 1 ]; then
    ok "51 keys, 50 of them PX 200: DBSIZE goes to 1 with nobody reading them (the expiry task)"
else
    echo "before $before after $after" >"$tmp/diff"
    bad "active expiry deletes unread keys" "$tmp/diff"
fi

# ---- 3. hostile clients ----------------------------------------------------

if command -v python3 >/dev/null 2>&1; then
    for c in truncated huge-length negative pipeline disconnect idle limits garbage; do
        timeout 300 python3 tests/mini_redis_client.py "$mp" "$c" >"$tmp/case" 2>&1
        while IFS= read -r line; do
            case $line in
            "ok   "*) ok "${line#ok   }" ;;
            "FAIL "*) bad "${line#FAIL }" ;;
            *) echo "     | $line" ;;
            esac
        done <"$tmp/case"
        grep -q '^ok \|^FAIL ' "$tmp/case" || bad "hostile case $c ran" "$tmp/case"
    done
else
    echo "mini_redis: python3 is missing; skipping the hostile clients (sh tools/deps.sh test)"
fi
stop_mini ws

# The client limit, on notify.
if command -v python3 >/dev/null 2>&1 && start_mini limit --executor notify --connections 10; then
    timeout 120 python3 tests/mini_redis_client.py "$mini_port" refused >"$tmp/case" 2>&1
    while IFS= read -r line; do
        case $line in
        "ok   "*) ok "--connections 10: ${line#ok   }" ;;
        "FAIL "*) bad "--connections 10: ${line#FAIL }" ;;
        esac
    done <"$tmp/case"
    stop_mini limit
fi

# ---- 4. redis-benchmark on both executors ---------------------------------

for ex in notify ws; do
    start_mini "bench-$ex" --executor "$ex" || continue
    timeout 300 redis-benchmark -p "$mini_port" -t set,get -n 100000 -c 50 -q \
        >"$tmp/bench" 2>&1
    rc=$?
    tr '\r' '\n' <"$tmp/bench" | grep -v '^ *$' | grep -v 'rps=' >"$tmp/bench.lines"
    if [ $rc -eq 0 ] && grep -q '^SET: .* requests per second' "$tmp/bench.lines" &&
        grep -q '^GET: .* requests per second' "$tmp/bench.lines" &&
        ! grep -qi 'error\|warning' "$tmp/bench.lines"; then
        ok "redis-benchmark -t set,get -n 100000 -c 50 on $ex: completes, no error"
    else
        bad "redis-benchmark on $ex (status $rc)" "$tmp/bench.lines"
    fi
    got=$(redis-cli -p "$mini_port" dbsize)
    [ "$got" = 1 ] && ok "after it, one key (key:__rand_int__), as on redis-server" ||
        { echo "dbsize $got" >"$tmp/diff"; bad "one key after redis-benchmark" "$tmp/diff"; }
    stop_mini "bench-$ex"
done

echo "mini_redis: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
