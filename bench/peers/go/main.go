// Command go-peer runs the seven workloads of docs/benchmarks.md, and the
// variant yield_many_driver, on Go's scheduler, so that `make bench-peers`
// can set asynclab's figures beside Go's, measured on the same machine in
// the same run.
//
// Our own code, written from the shapes in docs/benchmarks.md to match
// bench/workload.c and bench/workload_tcp.c count for count, in the way Go
// is written: a goroutine per task, a channel per oneshot or join handle,
// runtime.Gosched for a yield, time.Sleep for a timer, net for TCP.
//
//	go-peer WORKLOAD[,WORKLOAD...]|all [--workers N] [--iters K]
//
// GOMAXPROCS is set to N (default 2): Go's Ps are the workers. Each workload
// is set up once (not timed), run twice to warm up, then K timed iterations
// (default 20). One line each:
//
//	bench NAME peer=go workers=N median_us=X min_us=Y iters=K cpu_us=C
//
// median_us is sorted[K/2] of the per-iteration wall times, min_us
// sorted[0]; cpu_us is the process's user + system CPU time (getrusage,
// every thread, the garbage collector's included) over the K timed
// iterations, divided by K. Go has no thread outside the scheduler: the
// main goroutine, which plays block_on's caller, runs on one of the N Ps.
//
// yield_many_driver is yield_many, unchanged: Gosched puts the goroutine
// on the global run queue, and a P looks at the network poller only when
// it finds nothing to run (docs/benchmarks.md, "What a yield costs"); the
// variant exists so that asynclab's yields can be made to turn its driver.
//
// Go's memory comes from its own allocator, not glibc's malloc, so the
// GLIBC_TUNABLES that tools/bench-peers.sh may set do not reach it.
//
// Errors a workload cannot recover from print one line and exit 1; bad
// arguments print a reason and the usage and exit 2.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	warmups = 2

	spawnMany    = 10000
	yieldTasks   = 200
	yields       = 1000
	pingPongs    = 1000
	chainDepth   = 1000
	timerTasks   = 10000
	clients      = 50
	roundTrips   = 1000
	message      = 64
	serverBuffer = 4096
)

// countdown: n goroutines each call hit; the one that takes the count to
// zero closes done, which the caller waits on.
type countdown struct {
	left int64
	done chan struct{}
}

func newCountdown(n int) *countdown {
	return &countdown{left: int64(n), done: make(chan struct{})}
}

func (c *countdown) hit() {
	if atomic.AddInt64(&c.left, -1) == 0 {
		close(c.done)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-peer: "+format+"\n", args...)
	os.Exit(1)
}

// ---- the workloads ---------------------------------------------------------

// spawnManyLocal: spawn 10,000 goroutines; each counts down; the last
// signals.
func spawnManyLocal() {
	cd := newCountdown(spawnMany)
	for i := 0; i < spawnMany; i++ {
		go cd.hit()
	}
	<-cd.done
}

// spawnManyRemoteIdle: spawn 10,000 empty goroutines keeping a join handle
// for each (a channel the goroutine closes), then wait on each in order.
func spawnManyRemoteIdle() {
	handles := make([]chan struct{}, spawnMany)
	for i := range handles {
		h := make(chan struct{})
		handles[i] = h
		go func() { close(h) }()
	}
	for _, h := range handles {
		<-h
	}
}

// yieldMany: 200 goroutines each yield 1,000 times, then count down.
func yieldMany() {
	cd := newCountdown(yieldTasks)
	for i := 0; i < yieldTasks; i++ {
		go func() {
			for j := 0; j < yields; j++ {
				runtime.Gosched()
			}
			cd.hit()
		}()
	}
	<-cd.done
}

// pingTask is A: it makes two oneshots (channels of one), spawns B, sends
// ping; B receives it and sends pong; A receives pong and counts down.
func pingTask(cd *countdown) {
	ping := make(chan int, 1)
	pong := make(chan int, 1)
	go func() { pong <- <-ping + 1 }()
	ping <- 1
	if <-pong != 2 {
		fail("ping_pong: wrong pong")
	}
	cd.hit()
}

// pingPong: one goroutine spawns 1,000 pairs.
func pingPong() {
	cd := newCountdown(pingPongs)
	go func() {
		for i := 0; i < pingPongs; i++ {
			go pingTask(cd)
		}
	}()
	<-cd.done
}

// chainLink: the last link (depth 0) counts down; every other spawns the
// next.
func chainLink(depth int, cd *countdown) {
	if depth == 0 {
		cd.hit()
		return
	}
	go chainLink(depth-1, cd)
}

// chainedSpawn: 1,000 links, each spawned by the one before.
func chainedSpawn() {
	cd := newCountdown(1)
	go chainLink(chainDepth-1, cd)
	<-cd.done
}

// timers: 10,000 goroutines each sleep 1 ms once, then count down.
func timers() {
	cd := newCountdown(timerTasks)
	for i := 0; i < timerTasks; i++ {
		go func() {
			time.Sleep(time.Millisecond)
			cd.hit()
		}()
	}
	<-cd.done
}

// ---- tcp_echo --------------------------------------------------------------
//
//	setup (once)                      each iteration
//	echo server goroutine, accept     50 client goroutines, each: dial,
//	loop on 127.0.0.1:0; one     <--  TCP_NODELAY, 1,000 x (write 64 B,
//	goroutine per connection: read    io.ReadFull 64 B), close, count down
//	4 KiB, write back what it read

// echoConn echoes until the client closes (conn.Write writes it all).
func echoConn(c net.Conn) {
	defer c.Close()
	buf := make([]byte, serverBuffer)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // the client closed, or an error
		}
	}
}

// echoServer accepts until the listener is closed.
func echoServer(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return // closed by the teardown
		}
		go echoConn(c)
	}
}

func echoClient(addr string, cd *countdown) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		fail("tcp_echo: dial: %v", err)
	}
	if err := c.(*net.TCPConn).SetNoDelay(true); err != nil {
		fail("tcp_echo: TCP_NODELAY: %v", err)
	}
	out := make([]byte, message)
	in := make([]byte, message)
	for round := 0; round < roundTrips; round++ {
		for i := range out {
			out[i] = byte('a' + round%26)
		}
		if _, err := c.Write(out); err != nil {
			fail("tcp_echo: write: %v", err)
		}
		if _, err := io.ReadFull(c, in); err != nil {
			fail("tcp_echo: read: %v", err)
		}
		if !bytes.Equal(in, out) {
			fail("tcp_echo: the echo differs from what was sent")
		}
	}
	c.Close()
	cd.hit()
}

func tcpEcho(addr string) {
	cd := newCountdown(clients)
	for i := 0; i < clients; i++ {
		go echoClient(addr, cd)
	}
	<-cd.done
}

// ---- the table and the timing ----------------------------------------------

// workload: setup returns one iteration and the teardown (untimed).
type workload struct {
	name  string
	setup func() (iteration func(), teardown func())
}

func plain(iteration func()) func() (func(), func()) {
	return func() (func(), func()) { return iteration, func() {} }
}

func tcpEchoSetup() (func(), func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("tcp_echo: listen: %v", err)
	}
	go echoServer(ln)
	addr := ln.Addr().String()
	return func() { tcpEcho(addr) }, func() { ln.Close() }
}

var workloads = []workload{
	{"spawn_many_local", plain(spawnManyLocal)},
	{"spawn_many_remote_idle", plain(spawnManyRemoteIdle)},
	{"yield_many", plain(yieldMany)},
	{"ping_pong", plain(pingPong)},
	{"chained_spawn", plain(chainedSpawn)},
	{"timers", plain(timers)},
	{"tcp_echo", tcpEchoSetup},
	{"yield_many_driver", plain(yieldMany)}, // the variant: see the top
}

// cpuMicros is the user + system CPU time of the whole process, in us.
func cpuMicros() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano()/1000 + ru.Stime.Nano()/1000
}

// timeWorkload sets w up, warms up, and returns iters wall times in us and
// the CPU time (us) of the timed iterations together: getrusage before the
// first and after the last.
func timeWorkload(w workload, iters int) ([]int64, int64) {
	iteration, teardown := w.setup()
	defer teardown()
	times := make([]int64, 0, iters)
	var cpuStart int64
	for i := 0; i < warmups+iters; i++ {
		if i == warmups {
			cpuStart = cpuMicros()
		}
		start := time.Now()
		iteration()
		if i >= warmups {
			times = append(times, time.Since(start).Microseconds())
		}
	}
	return times, cpuMicros() - cpuStart
}

const usage = `usage: go-peer WORKLOAD[,WORKLOAD...]|all [--workers N] [--iters K]
  workloads: spawn_many_local spawn_many_remote_idle yield_many ping_pong chained_spawn timers tcp_echo yield_many_driver`

func usageError(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-peer: "+format+"\n%s\n", append(args, usage)...)
	os.Exit(2)
}

// number parses the value of opt, a whole number in [lo, hi].
func number(opt string, argv []string, i int, lo, hi int) int {
	if i >= len(argv) {
		usageError("%s needs a value", opt)
	}
	n, err := strconv.Atoi(argv[i])
	if err != nil || n < lo || n > hi {
		usageError("%s %s: not a number in %d..%d", opt, argv[i], lo, hi)
	}
	return n
}

func parseWorkloads(list string) []workload {
	if list == "all" {
		return workloads
	}
	var chosen []workload
	for _, name := range strings.Split(list, ",") {
		found := false
		for _, w := range workloads {
			if w.name == name {
				chosen = append(chosen, w)
				found = true
			}
		}
		if !found {
			usageError("%s: unknown workload", name)
		}
	}
	return chosen
}

func main() {
	workers, iters := 2, 20
	var chosen []workload
	argv := os.Args[1:]
	for i := 0; i < len(argv); i++ {
		switch a := argv[i]; {
		case a == "--workers":
			i++
			workers = number(a, argv, i, 1, 1024)
		case a == "--iters":
			i++
			iters = number(a, argv, i, 1, 1000000)
		case a == "-h" || a == "--help":
			fmt.Println(usage)
			return
		case strings.HasPrefix(a, "-"):
			usageError("%s: unknown option", a)
		case chosen == nil:
			chosen = parseWorkloads(a)
		default:
			usageError("%s: one workload list only", a)
		}
	}
	if chosen == nil {
		usageError("missing WORKLOAD")
	}
	runtime.GOMAXPROCS(workers)
	for _, w := range chosen {
		times, cpu := timeWorkload(w, iters)
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		fmt.Printf("bench %s peer=go workers=%d median_us=%d min_us=%d iters=%d cpu_us=%d\n",
			w.name, workers, times[iters/2], times[0], iters, cpu/int64(iters))
	}
}
