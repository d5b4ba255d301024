#!/usr/bin/env python3
"""tests/mini_redis_client.py PORT CASE - hostile and heavy clients for
tests/mini_redis.sh. Each case talks to a server on 127.0.0.1:PORT, checks
what it answers, and prints one line: "ok <what>" or "FAIL <what>: <why>".
Exit status 0 when every check of the case passed.

Cases: truncated, huge-length, negative, pipeline, disconnect, idle,
limits, garbage, refused (a server started with --connections 10).
Nothing here decides by timing: socket timeouts only bound a wait that
would otherwise hang on a broken server.
"""
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
CASE = sys.argv[2]
failures = 0


def report(ok, what, why=""):
    global failures
    if ok:
        print("ok   " + what)
    else:
        failures += 1
        print("FAIL " + what + (": " + why if why else ""))


def connect(timeout=20.0):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_until_closed(s, limit=1 << 20):
    """Everything until the server closes; b'<RST>' appended on a reset."""
    data = b""
    while len(data) < limit:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            return data + b"<RST>"
        except socket.timeout:
            return data + b"<TIMEOUT>"
        if not b:
            return data + b"<EOF>"
        data += b
    return data


def read_exact(s, n):
    data = b""
    while len(data) < n:
        b = s.recv(n - len(data))
        if not b:
            break
        data += b
    return data


def read_line(s, buf):
    """One CRLF-ended line from socket s, with buf[0] the bytes kept."""
    while b"\r\n" not in buf[0]:
        b = s.recv(65536)
        if not b:
            raise EOFError("closed")
        buf[0] += b
    line, _, rest = buf[0].partition(b"\r\n")
    buf[0] = rest
    return line


def read_reply(s, buf):
    """One RESP reply, as Python values (errors as ('ERR', text))."""
    line = read_line(s, buf)
    t, rest = line[:1], line[1:]
    if t == b"+":
        return rest
    if t == b"-":
        return ("ERR", rest)
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        while len(buf[0]) < n + 2:
            b = s.recv(65536)
            if not b:
                raise EOFError("closed in a bulk")
            buf[0] += b
        v = buf[0][:n]
        buf[0] = buf[0][n + 2:]
        return v
    if t == b"*":
        return [read_reply(s, buf) for _ in range(int(rest))]
    raise ValueError("bad reply line %r" % line)


def healthy(what):
    """A fresh client still gets PONG: the server is unharmed."""
    try:
        s = connect(10)
        s.sendall(cmd("PING"))
        got = read_reply(s, [b""])
        s.close()
        report(got == b"PONG", what + ": the server still answers PING",
               repr(got))
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        report(False, what + ": the server still answers PING", repr(e))


def expect_error_and_close(payload, want, what, then=b""):
    """Send payload (then more bytes while the server closes); expect
    exactly -want and a clean end of stream (not a reset)."""
    s = connect()
    s.sendall(payload)
    if then:
        try:
            s.sendall(then)
        except OSError:
            pass
    got = read_until_closed(s)
    s.close()
    report(got == b"-" + want + b"\r\n<EOF>", what, repr(got[:200]))


def case_truncated():
    # A request cut anywhere is kept, not answered, until its end arrives.
    whole = cmd("SET", "trunc", "value") + cmd("GET", "trunc")
    set_len = len(cmd("SET", "trunc", "value"))
    for cut in range(1, len(whole)):
        s = connect()
        s.sendall(whole[:cut])
        s.settimeout(0.05)
        early = b""
        try:
            early = s.recv(100)
        except socket.timeout:
            pass
        s.settimeout(10)
        s.sendall(whole[cut:])
        buf = [early]
        r1, r2 = read_reply(s, buf), read_reply(s, buf)
        s.close()
        if cut < set_len and early:
            report(False, "truncated at byte %d" % cut,
                   "answered before the request was whole: %r" % early)
            return
        if r1 != b"OK" or r2 != b"value":
            report(False, "truncated at byte %d" % cut, repr((r1, r2)))
            return
    report(True, "a request split at each of its %d bytes is answered once "
                 "whole" % (len(whole) - 1))
    # A client that leaves half a request and goes away.
    for tail in (b"*2\r\n$3\r\nGET\r\n$5\r\nab", b"*3\r\n$3", b"*", b"PIN"):
        s = connect()
        s.sendall(tail)
        s.close()
    healthy("clients gone in the middle of a request")


def case_huge_length():
    expect_error_and_close(b"*1\r\n$2147483648\r\n",
                           b"ERR Protocol error: invalid bulk length",
                           "a 2 GB bulk length: an error, then a clean close")
    # The same while the client goes on sending the 2 GB (1 MiB of it):
    # the server reads and drops it, so its error is not lost to a reset.
    expect_error_and_close(b"*2\r\n$3\r\nSET\r\n$2147483648\r\n",
                           b"ERR Protocol error: invalid bulk length",
                           "a 2 GB bulk length with data following: the "
                           "error arrives before the close",
                           then=b"x" * (1 << 20))
    expect_error_and_close(b"*3000000000\r\n",
                           b"ERR Protocol error: invalid multibulk length",
                           "3,000,000,000 arguments: refused on sight")
    expect_error_and_close(b"*1\r\n$99999999999999999999999\r\n",
                           b"ERR Protocol error: invalid bulk length",
                           "a length longer than int64")
    healthy("huge lengths")


def case_negative():
    expect_error_and_close(b"*1\r\n$-5\r\n",
                           b"ERR Protocol error: invalid bulk length",
                           "bulk length -5")
    expect_error_and_close(b"*1\r\n$-1\r\n",
                           b"ERR Protocol error: invalid bulk length",
                           "bulk length -1 inside a request")
    expect_error_and_close(b"*-0\r\n",
                           b"ERR Protocol error: invalid multibulk length",
                           "count -0")
    # A negative or zero count is an empty request, skipped (as Redis).
    s = connect()
    s.sendall(b"*-1\r\n*-77\r\n*0\r\n" + cmd("PING"))
    got = read_reply(s, [b""])
    s.close()
    report(got == b"PONG", "counts -1, -77 and 0 are skipped", repr(got))
    healthy("negative lengths")


def case_pipeline():
    n = 10000
    s = connect(60)
    payload = cmd("DEL", "pipe:ctr") + b"".join(
        cmd("INCR", "pipe:ctr") for _ in range(n))
    # Write from a thread while reading here: neither side's buffers can
    # fill up and stop the other.
    t = threading.Thread(target=s.sendall, args=(payload,))
    t.start()
    buf = [b""]
    first = read_reply(s, buf)
    values = [read_reply(s, buf) for _ in range(n)]
    t.join()
    report(isinstance(first, int) and values == list(range(1, n + 1)),
           "10,000 pipelined INCRs: 10,000 replies, 1 to 10000, in order",
           repr(values[:3]) + "..." + repr(values[-3:]))
    # Replies bigger than what the server writes at once (backpressure).
    value = b"v" * 1000
    s.sendall(cmd("SET", "pipe:big", value))
    read_reply(s, buf)
    payload = b"".join(cmd("GET", "pipe:big") for _ in range(n))
    t = threading.Thread(target=s.sendall, args=(payload,))
    t.start()
    good = sum(read_reply(s, buf) == value for _ in range(n))
    t.join()
    s.close()
    report(good == n, "10,000 pipelined GETs of 1000 bytes (10 MB of "
                      "replies), every one whole", "%d good" % good)
    # Inline commands pipelined too (what nc users type).
    s = connect()
    s.sendall(b"PING\r\nECHO \"a b\"\r\nSET inl 'x y'\r\nGET inl\r\n")
    buf = [b""]
    got = [read_reply(s, buf) for _ in range(4)]
    s.close()
    report(got == [b"PONG", b"a b", b"OK", b"x y"],
           "pipelined inline commands with quotes", repr(got))
    healthy("pipelining")


def case_disconnect():
    s = connect()
    big = b"b" * (8 << 20)
    s.sendall(cmd("SET", "disc:big", big))
    buf = [b""]
    report(read_reply(s, buf) == b"OK", "an 8 MB value is stored")
    s.sendall(cmd("GET", "disc:big"))
    got = read_reply(s, buf)
    report(got == big, "and read back whole")
    s.close()
    # Ask for 160 MB of replies, read 1 MB of them, hang up.
    for how in ("close", "reset"):
        s = connect()
        s.sendall(b"".join(cmd("GET", "disc:big") for _ in range(20)))
        read_exact(s, 1 << 20)
        if how == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
        healthy("a client that %s in the middle of a reply" %
                ("closes" if how == "close" else "resets"))
    # Subscribers that never read: cut off, the publisher unharmed.
    sub = connect()
    sub.sendall(cmd("SUBSCRIBE", "disc:chan"))
    read_reply(sub, [b""])
    pub = connect()
    buf = [b""]
    msg = b"m" * 65536
    counts = []
    for _ in range(300):  # 19 MB, past the 8 MB mailbox limit
        pub.sendall(cmd("PUBLISH", "disc:chan", msg))
        counts.append(read_reply(pub, buf))
    report(counts[0] == 1, "a publish reaches the subscriber", repr(counts[0]))
    sub.settimeout(20)
    # It is cut off: its stream ends (after what was already written).
    end = read_until_closed(sub, limit=1 << 30)
    report(end.endswith(b"<EOF>") or end.endswith(b"<RST>"),
           "a subscriber 19 MB behind is disconnected", repr(end[-20:]))
    pub.sendall(cmd("PUBLISH", "disc:chan", "after"))
    report(read_reply(pub, buf) == 0,
           "and unsubscribed: the next publish reaches nobody")
    pub.close()
    sub.close()
    healthy("slow subscribers")


def case_idle():
    n = 1000
    socks = [connect() for _ in range(n)]
    healthy("1,000 idle connections open")
    # Every one of them is served.
    for s in socks:
        s.sendall(cmd("PING"))
    good = 0
    for s in socks:
        if read_reply(s, [b""]) == b"PONG":
            good += 1
    report(good == n, "each of the 1,000 connections answers PING",
           "%d of %d" % (good, n))
    for s in socks:
        s.close()
    healthy("1,000 connections closed")


def case_limits():
    expect_error_and_close(b"*70000\r\n",
                           b"ERR Protocol error: invalid multibulk length",
                           "70,000 arguments (limit 65,536)")
    expect_error_and_close(b"*1\r\n$16777217\r\n",
                           b"ERR Protocol error: invalid bulk length",
                           "a 16 MiB + 1 argument (limit 16 MiB)")
    expect_error_and_close(b"x" * (65 << 10) + b"\r\n",
                           b"ERR Protocol error: too big inline request",
                           "a 65 KiB inline line (limit 64 KiB)")
    part = b"$16000000\r\n" + b"z" * 16000000 + b"\r\n"
    expect_error_and_close(b"*4\r\n$3\r\nSET\r\n" + part + part +
                           b"$16000000\r\n",
                           b"ERR Protocol error: request longer than "
                           b"33554432 bytes",
                           "a 48 MB request of 16 MB arguments, refused at "
                           "its third (limit 32 MiB)",
                           then=b"z" * (1 << 20))
    expect_error_and_close(b"ECHO \"unbalanced\r\n",
                           b"ERR Protocol error: unbalanced quotes in request",
                           "unbalanced quotes")
    expect_error_and_close(b"*1\r\n:1\r\n",
                           b"ERR Protocol error: expected '$', got ':'",
                           "a request that is not of bulk strings")
    # The replies before an error still go out, in order.
    s = connect()
    s.sendall(cmd("PING") + cmd("ECHO", "x") + b"*1\r\n$-3\r\n" + cmd("PING"))
    got = read_until_closed(s)
    s.close()
    report(got == b"+PONG\r\n$1\r\nx\r\n-ERR Protocol error: invalid bulk "
                  b"length\r\n<EOF>",
           "replies before the bad request are written, nothing after",
           repr(got))
    healthy("limits")


def case_garbage():
    import random
    rng = random.Random(19)
    for i in range(50):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096)))
        s = connect()
        try:
            s.sendall(blob)
            s.shutdown(socket.SHUT_WR)
            read_until_closed(s)
        except OSError:
            pass
        s.close()
    healthy("50 clients sending random bytes")


def case_refused():
    n = 10
    socks = [connect() for _ in range(n)]
    for s in socks:  # each is a client now (served once)
        s.sendall(cmd("PING"))
        read_reply(s, [b""])
    extra = connect()
    got = read_until_closed(extra)
    extra.close()
    report(got == b"-ERR max number of clients reached\r\n<EOF>",
           "the 11th client of 10 is told and closed", repr(got))
    socks.pop().close()
    deadline = time.time() + 10
    ok = False
    while time.time() < deadline and not ok:  # the close is seen at once
        s = connect()
        s.sendall(cmd("PING"))
        try:
            ok = read_reply(s, [b""]) == b"PONG"
        except (EOFError, ConnectionResetError):
            ok = False
        s.close()
    report(ok, "a place freed is taken by the next client")
    for s in socks:
        s.close()


CASES = {
    "truncated": case_truncated,
    "huge-length": case_huge_length,
    "negative": case_negative,
    "pipeline": case_pipeline,
    "disconnect": case_disconnect,
    "idle": case_idle,
    "limits": case_limits,
    "garbage": case_garbage,
    "refused": case_refused,
}

try:
    CASES[CASE]()
except Exception as e:  # noqa: BLE001
    report(False, CASE, "the client itself failed: %r" % (e,))
sys.exit(1 if failures else 0)
