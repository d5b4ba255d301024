#!/usr/bin/env bash
# tests/trace.sh - trace files end to end: `run --trace` writes one, the
# same seed writes the same bytes, `trace export --perfetto` is valid JSON
# with one slice per poll, a track per worker, steals, queue counters and
# wake arrows (the tour's: task-to-task and timer wakes), `--text` has a
# line per event, every broken file gets one line and exit status 1, a
# recording with --trace-drop still holds every event it did not count as
# lost, and a trace that lost events says how many, and from which
# thread, in `trace info`, `trace export --text`, the Perfetto metadata
# and the replay's screen (tmux, when there is one).
#
#   bash tests/trace.sh build/asynclab
#
# Last line: "trace: N passed, M failed".

set -u
bin=${1:?usage: tests/trace.sh PATH_TO_ASYNCLAB}
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    [ -f "$tmp/err" ] && sed 's/^/     | /' "$tmp/err" | head -5
}

run_traced() { # FILE SEED
    "$bin" run fanout --executor ws --workers 4 --sim --seed "$2" --tasks 40 \
        --trace "$1" >"$tmp/out" 2>"$tmp/err"
}

# ---- recording -------------------------------------------------------------------

if run_traced "$tmp/a.bin" 7 && run_traced "$tmp/b.bin" 7; then
    ok "run --trace writes a file"
    cmp -s "$tmp/a.bin" "$tmp/b.bin" && ok "the same seed writes the same bytes" ||
        bad "determinism" "two runs with seed 7 differ"
else
    bad "run --trace" "exit status $?"
fi
run_traced "$tmp/c.bin" 8
cmp -s "$tmp/a.bin" "$tmp/c.bin" && bad "seeds" "seed 8 wrote seed 7's file" ||
    ok "another seed, another run"

# kind COUNT: how many events of a kind `trace info` lists (0 if none).
"$bin" trace info "$tmp/a.bin" >"$tmp/info" 2>"$tmp/err"
kind() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/info" | grep . || echo 0; }
events=$(awk '$1 == "events" { print $2 }' "$tmp/info")
polls=$(kind poll-start)
steals=$(kind steal)
if [ "${events:-0}" -gt 0 ] && [ "$polls" -gt 0 ] && [ "$steals" -gt 0 ] &&
    grep -q '^executor *ws' "$tmp/info" && grep -q '^seed *7' "$tmp/info"; then
    ok "trace info: $events events, $polls polls, $steals steals"
else
    bad "trace info" "$(head -3 "$tmp/info")"
fi

# ---- exports ------------------------------------------------------------------------

if "$bin" trace export "$tmp/a.bin" --perfetto "$tmp/a.json" \
    --text "$tmp/a.txt" >"$tmp/out" 2>"$tmp/err"; then
    ok "trace export writes both"
else
    bad "trace export" "exit status $?"
fi
# The tour has wakes of every kind (task to task, timer): flows to check.
"$bin" run tour --executor ws --workers 4 --sim --seed 7 \
    --trace "$tmp/tour.bin" >"$tmp/out" 2>"$tmp/err" &&
    "$bin" trace export "$tmp/tour.bin" --perfetto "$tmp/tour.json" \
        >"$tmp/out" 2>"$tmp/err" &&
    "$bin" trace info "$tmp/tour.bin" >"$tmp/tour.info" 2>"$tmp/err" ||
    bad "tour trace" "run, export or info failed"
tour_polls=$(awk '$1 == "poll-start" { print $2 }' "$tmp/tour.info")
tour_wakes=$(awk '$1 == "wake" { print $2 }' "$tmp/tour.info")

if command -v python3 >/dev/null 2>&1; then
    if python3 -m json.tool "$tmp/a.json" >/dev/null 2>"$tmp/err" &&
        python3 -m json.tool "$tmp/tour.json" >/dev/null 2>"$tmp/err"; then
        ok "the Perfetto exports are valid JSON"
    else
        bad "json" "python3 -m json.tool rejects it"
    fi
    # The Chrome trace-event checks, on the tour and on the 4-worker
    # fanout recorded above (the file the same seed writes byte for byte).
    cat >"$tmp/check.py" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
evs = doc["traceEvents"]
polls, wakes = int(sys.argv[2]), int(sys.argv[3])
slices = [e for e in evs if e["ph"] == "X" and e.get("cat") == "poll"]
starts = {e["id"] for e in evs if e["ph"] == "s"}
ends = {e["id"] for e in evs if e["ph"] == "f"}
names = {e["args"]["name"] for e in evs
         if e["ph"] == "M" and e["name"] == "thread_name"}
steals = [e for e in evs if e["ph"] == "i" and e.get("cat") == "steal"]
counters = [e for e in evs if e["ph"] == "C"]
problems = []
if len(slices) != polls:
    problems.append("%d poll slices for %d polls" % (len(slices), polls))
if starts != ends:
    problems.append("flows without both ends")
if (wakes > 0 and not 0 < len(starts) <= wakes) or (wakes == 0 and starts):
    problems.append("%d flows for %d wakes" % (len(starts), wakes))
if not {"w0", "w1", "w2", "w3"} <= names:
    problems.append("worker tracks missing: %s" % sorted(names))
if not steals:
    problems.append("no steal instants")
if not counters:
    problems.append("no queue counters")
if any(e["dur"] < 0 for e in slices):
    problems.append("negative durations")
print("; ".join(problems) if problems else
      "%d slices, %d flows, %d steals, %d counter samples"
      % (len(slices), len(starts), len(steals), len(counters)))
sys.exit(1 if problems else 0)
EOF
    a_wakes=$(kind wake)
    for pair in "tour $tour_polls $tour_wakes" "fanout $polls $a_wakes"; do
        set -- $pair
        json=$tmp/tour.json
        [ "$1" = fanout ] && json=$tmp/a.json
        if python3 "$tmp/check.py" "$json" "${2:-0}" "${3:-0}" >"$tmp/check" 2>&1; then
            ok "Perfetto ($1): $(cat "$tmp/check")"
        else
            bad "Perfetto contents ($1)" "$(cat "$tmp/check")"
        fi
    done
else
    echo "skip JSON checks: no python3"
fi

lines=$(grep -vc '^#' "$tmp/a.txt")
if [ "$lines" = "$events" ] && grep -q 'stole [0-9]* tasks\? from w' "$tmp/a.txt"; then
    ok "text export: one line per event, steals in words"
else
    bad "text export" "$lines lines for $events events"
fi

# ---- broken files ---------------------------------------------------------------------

# rejects NAME PATTERN FILE: replay and trace info both exit 1 with one
# line "asynclab: FILE: PATTERN..." on stderr.
rejects() {
    local name=$1 pattern=$2 file=$3 cmd
    for cmd in "replay" "trace info"; do
        # shellcheck disable=SC2086 # "trace info" is two words
        TERM=xterm "$bin" $cmd "$file" >"$tmp/out" 2>"$tmp/err" </dev/null
        local st=$?
        if [ "$st" -ne 1 ]; then
            bad "$cmd: $name" "exit status $st, expected 1"
            return
        fi
        if [ "$(wc -l <"$tmp/err")" -ne 1 ] ||
            ! grep -q "^asynclab: .*: $pattern" "$tmp/err"; then
            bad "$cmd: $name" "expected one line matching '$pattern'"
            return
        fi
    done
    ok "broken file: $name"
}

size=$(wc -c <"$tmp/a.bin")
: >"$tmp/empty.bin"
head -c 100 "$tmp/a.bin" >"$tmp/short-header.bin"
head -c $((size - 7)) "$tmp/a.bin" >"$tmp/truncated.bin"
cp "$tmp/a.bin" "$tmp/corrupt.bin"
printf '\x55' | dd of="$tmp/corrupt.bin" bs=1 seek=200 conv=notrunc 2>/dev/null
cp "$tmp/a.bin" "$tmp/version.bin"
printf '\x01' | dd of="$tmp/version.bin" bs=1 seek=8 conv=notrunc 2>/dev/null
printf 'not a trace at all, just words\n' >"$tmp/foreign.bin"

rejects "empty" "empty file" "$tmp/empty.bin"
rejects "header cut short" "truncated" "$tmp/short-header.bin"
rejects "events cut short" "truncated: expected" "$tmp/truncated.bin"
rejects "a flipped byte" "corrupt: .*checksum mismatch" "$tmp/corrupt.bin"
rejects "version 1" "unsupported trace format version 1 (this build reads version 2" "$tmp/version.bin"
rejects "not a trace" "not an asynclab trace file" "$tmp/foreign.bin"
rejects "missing" "No such file" "$tmp/none.bin"

"$bin" trace export "$tmp/a.bin" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q '^asynclab: trace export: give --perfetto' "$tmp/err" &&
    ok "trace export with no output: usage, status 2" ||
    bad "trace export usage" "expected status 2 and a reason"

# ---- a crafted trace: names that are escape sequences (issue 12, defect 9) -----
# A valid, checksummed file whose task names and scenario are terminal
# control sequences (a window retitle, a screen wipe, a C1 CSI, invalid
# UTF-8, a right-to-left override). Every text output must show them
# escaped (\x1b...), never pass the bytes to the reader's terminal.

# terminal_safe FILE: no control byte but newline, no DEL, no C1 (0xc2
# 0x80-0x9f), no byte that is not valid UTF-8 (the crafted names carry no
# valid non-ASCII character but the override, which must be escaped too).
terminal_safe() {
    ! LC_ALL=C grep -q -P '[\x00-\x09\x0b-\x1f\x7f-\xff]' "$1"
}
if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/a.bin" "$tmp/crafted.bin" <<'PY'
import struct, sys
def crc32c(data, crc=0):
    table = crc32c.table
    crc ^= 0xffffffff
    for byte in data:
        crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff
crc32c.table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82f63b78 if c & 1 else c >> 1
    crc32c.table.append(c)
data = bytearray(open(sys.argv[1], "rb").read())
tail_off, = struct.unpack_from("<Q", data, 104)
threads, = struct.unpack_from("<I", data, tail_off)
names_off = tail_off + 4 + 24 * threads
count, = struct.unpack_from("<I", data, names_off)
evil = [b"\x1b]0;pwned\x07", b"\x1b[2J\xff\xc2\x9b31m ab\xe2\x80\xaecd"]
names = [evil[i % len(evil)] for i in range(count)]
table = struct.pack("<I", count) + b"".join(struct.pack("<H", len(x)) + x for x in names)
data = data[:names_off] + table
struct.pack_into("<Q", data, 112, len(data) - tail_off)
data[56:88] = b"fan\x1b[31mout".ljust(32, b"\0")
data[120:124] = bytes(4)
struct.pack_into("<I", data, 120, crc32c(bytes(data[tail_off:]), crc32c(bytes(data[:128]))))
open(sys.argv[2], "wb").write(data)
PY
    if "$bin" trace export "$tmp/crafted.bin" --text "$tmp/crafted.txt" \
        >"$tmp/out" 2>"$tmp/err"; then
        if terminal_safe "$tmp/crafted.txt" &&
            grep -qF "'\x1b]0;pwned\x07'" "$tmp/crafted.txt" &&
            grep -qF '\x1b[2J\xff\u{009b}31m ab\u{202e}cd' "$tmp/crafted.txt" &&
            grep -qF 'scenario fan\x1b[31mout,' "$tmp/crafted.txt"; then
            ok "export --text escapes crafted names"
        else
            bad "export --text escapes crafted names" \
                "$(LC_ALL=C grep -m1 -P '[\x00-\x09\x0b-\x1f\x7f-\xff]' "$tmp/crafted.txt" | od -c | head -2)"
        fi
    else
        bad "export --text of the crafted trace" "exit status $?"
    fi
    "$bin" trace info "$tmp/crafted.bin" >"$tmp/out" 2>"$tmp/err"
    if terminal_safe "$tmp/out" && grep -qF 'fan\x1b[31mout' "$tmp/out"; then
        ok "trace info escapes a crafted scenario name"
    else
        bad "trace info escapes a crafted scenario name" "$(head -2 "$tmp/out" | od -c | head -2)"
    fi
else
    echo "skip crafted names: no python3"
fi

# ---- losses ---------------------------------------------------------------------------
# A recording with --trace-drop and a tiny buffer may lose events (the
# writer thread decides how many, by how fast it runs): whatever it lost
# it counted, so the events in the file and the count add up to the run's
# (a simulation: the same seed, the same events as a lossless run).

lossy_run() { # FILE [OPTIONS]
    local f=$1
    shift
    "$bin" run fanout --executor ws --workers 4 --sim --seed 7 --tasks 3000 \
        --trace "$f" "$@" >"$tmp/out" 2>"$tmp/err"
}
info_field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
if lossy_run "$tmp/whole.bin" && lossy_run "$tmp/lossy.bin" --trace-drop \
    --trace-buffer 1; then
    "$bin" trace info "$tmp/whole.bin" >"$tmp/whole.info" 2>"$tmp/err"
    "$bin" trace info "$tmp/lossy.bin" >"$tmp/lossy.info" 2>"$tmp/err"
    all=$(info_field events "$tmp/whole.info")
    got=$(info_field events "$tmp/lossy.info")
    lost=$(info_field dropped "$tmp/lossy.info")
    if [ "$(info_field dropped "$tmp/whole.info")" = 0 ] &&
        [ $((got + lost)) -eq "$all" ]; then
        ok "--trace-drop: $got kept + $lost lost = $all, the lossless run's"
    else
        bad "--trace-drop" "$got kept + $lost lost != $all"
    fi
    grep -q "^trace .*: $got events, [0-9]* bytes" "$tmp/out" &&
        ok "run's summary: events, bytes and losses" ||
        bad "run's summary" "$(grep '^trace' "$tmp/out")"
    # What this recording lost (if the writer fell behind: it usually
    # does), every reader says, with the same count.
    if [ "${lost:-0}" -gt 0 ]; then
        "$bin" trace export "$tmp/lossy.bin" --text "$tmp/lossy.txt" \
            >/dev/null 2>"$tmp/err" &&
            grep -q "^# $got events, $lost dropped (lost $lost events: thread" \
                "$tmp/lossy.txt" &&
            grep -q "^losses *lost $lost events: thread" "$tmp/lossy.info" &&
            ok "--trace-drop's losses in info and export --text" ||
            bad "--trace-drop's losses shown" "$(head -2 "$tmp/lossy.txt")"
    fi
else
    bad "--trace-drop" "a run failed"
fi
"$bin" trace export "$tmp/a.bin" --perfetto - --text - >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q 'both write to standard output' "$tmp/err" &&
    ok "export: --perfetto - and --text - together refused, status 2" ||
    bad "export to stdout twice" "$(cat "$tmp/err")"
"$bin" run fanout --trace-drop >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'needs --trace' "$tmp/err" &&
    ok "--trace-drop without --trace: usage, status 2" ||
    bad "--trace-drop alone" "expected status 2"

# A trace that says it lost events (the thread table and the header of a
# real file rewritten, checksum fixed): every reader shows the count.
if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/a.bin" "$tmp/lost.bin" <<'PY'
import struct, sys
def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82f63b78 if crc & 1 else crc >> 1
    return crc ^ 0xffffffff
data = bytearray(open(sys.argv[1], "rb").read())
tail_off, = struct.unpack_from("<Q", data, 104)
struct.pack_into("<Q", data, tail_off + 4 + 16, 1234)  # thread 0 lost
struct.pack_into("<Q", data, 96, 1234)                 # header dropped
data[120:124] = bytes(4)
struct.pack_into("<I", data, 120, crc32c(bytes(data[tail_off:]), crc32c(bytes(data[:128]))))
open(sys.argv[2], "wb").write(data)
PY
    want='lost 1234 events: thread 0 ([^)]*) 1234'
    "$bin" trace info "$tmp/lost.bin" >"$tmp/out" 2>"$tmp/err" &&
        grep -q "^dropped *1234" "$tmp/out" && grep -q "$want" "$tmp/out" &&
        ok "trace info: the losses, per thread" ||
        bad "trace info of a lossy trace" "$(head -12 "$tmp/out")"
    "$bin" trace export "$tmp/lost.bin" --text "$tmp/lost.txt" \
        --perfetto "$tmp/lost.json" >"$tmp/out" 2>"$tmp/err" &&
        grep -q "^# .* 1234 dropped ($want)" "$tmp/lost.txt" &&
        grep -q "^# warning: the trace $want" "$tmp/lost.txt" &&
        ok "export --text: the losses, per thread" ||
        bad "export --text of a lossy trace" "$(grep '^#' "$tmp/lost.txt" | head -4)"
    python3 - "$tmp/lost.json" <<'PY' >"$tmp/check" 2>&1 &&
import json, sys
evs = json.load(open(sys.argv[1]))["traceEvents"]
labels = [e for e in evs if e["ph"] == "M" and e["name"] == "process_labels"]
assert labels and labels[0]["args"]["dropped"] == 1234, labels
assert "thread 0" in labels[0]["args"]["labels"], labels
PY
        ok "Perfetto: the losses in the process labels" ||
        bad "Perfetto losses" "$(cat "$tmp/check")"
    if command -v tmux >/dev/null 2>&1; then
        sock=trace-sh-$$
        tmux -L "$sock" new-session -d -s lost -x 120 -y 40 \
            "$(printf '%q ' "$bin" replay "$tmp/lost.bin"); sleep 600"
        seen=""
        for i in $(seq 1 100); do
            tmux -L "$sock" capture-pane -t lost -p >"$tmp/screen" 2>/dev/null
            if grep -q 'dropped 1234' "$tmp/screen" &&
                grep -q 'lost 1234 events' "$tmp/screen"; then
                seen=yes
                break
            fi
            sleep 0.1
        done
        tmux -L "$sock" kill-server 2>/dev/null
        [ -n "$seen" ] && ok "replay: the losses on screen" ||
            bad "replay of a lossy trace" "$(grep -i 'dropped\|lost' "$tmp/screen" | head -3)"
    else
        echo "skip replay's screen: no tmux"
    fi
else
    echo "skip lossy traces: no python3"
fi

echo "trace: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
