//! bench/peers/tokio - the seven workloads of docs/benchmarks.md, and the
//! variant yield_many_driver, run on Tokio's multi-thread runtime, so that
//! `make bench-peers` can set asynclab's figures beside Tokio's, measured
//! on the same machine in the same run.
//!
//! Our own code: each workload is written from its shape in
//! docs/benchmarks.md, to match bench/workload.c and bench/workload_tcp.c
//! count for count (the same tasks, the same spawns from the same places,
//! the same channels) and to do nothing the shape does not ask for: a task
//! holds the countdown by a plain `&'static` reference, as asynclab's hold
//! a pointer, not a reference-counted clone per task.
//!
//!   tokio-peer WORKLOAD[,WORKLOAD...]|all [--workers N] [--iters K]
//!
//! One runtime per process (N worker threads, default 2), shared by every
//! requested workload. Each workload is set up once (not timed), run twice
//! to warm up, then K timed iterations (default 20). One line each:
//!
//!   bench NAME peer=tokio workers=N median_us=X min_us=Y iters=K cpu_us=C
//!
//! median_us is sorted[K/2] of the per-iteration wall times, min_us
//! sorted[0]; cpu_us is the process's user + system CPU time (getrusage,
//! every thread) over the K timed iterations, divided by K. The thread
//! that calls `block_on` is not a worker, exactly as in asynclab: a
//! `tokio::spawn` from inside `block_on` goes to the runtime's inject
//! queue, as asynclab's spawn from its caller does.
//!
//! yield_many_driver is yield_many, unchanged: Tokio 1.24's yield_now
//! already defers its wake until the worker has turned the I/O driver
//! (docs/benchmarks.md, "What a yield costs"); the variant exists so that
//! asynclab's yields can be made to do the same.
//!
//! Errors a workload cannot recover from (a failed connect, a wrong echo)
//! print one line and exit 1; bad arguments print a reason and the usage
//! and exit 2.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const WARMUPS: usize = 2;

const SPAWN_MANY: usize = 10_000;
const YIELD_TASKS: usize = 200;
const YIELDS: usize = 1_000;
const PING_PONGS: usize = 1_000;
const CHAIN_DEPTH: usize = 1_000;
const TIMER_TASKS: usize = 10_000;
const CLIENTS: usize = 50;
const ROUND_TRIPS: usize = 1_000;
const MESSAGE: usize = 64;
const SERVER_BUFFER: usize = 4096;

// ---- the countdown ---------------------------------------------------------
//
// Most workloads end the same way: N tasks each count down a shared counter
// and the one that takes it to zero sends on a oneshot that block_on awaits.
//
// One countdown serves every iteration in turn: one workload runs at a
// time, and no task touches the countdown after its own hit (the last one
// sends while holding `done`'s lock, which the next `start` must take). So
// it is a static and tasks capture `&'static Countdown`, a plain pointer,
// as asynclab's tasks capture a `countdown_t *` to block_on's stack.

struct Countdown {
    left: AtomicUsize,
    done: Mutex<Option<oneshot::Sender<()>>>, // taken once, by the last hit
}

static COUNTDOWN: Countdown = Countdown {
    left: AtomicUsize::new(0),
    done: Mutex::new(None),
};

impl Countdown {
    /// Arm the countdown for n hits; the receiver fires after the last.
    fn start(n: usize) -> (&'static Countdown, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        *COUNTDOWN.done.lock().unwrap() = Some(tx);
        // Relaxed: every task that hits it is spawned after this, and a
        // spawn publishes what its spawner wrote.
        COUNTDOWN.left.store(n, Ordering::Relaxed);
        (&COUNTDOWN, rx)
    }

    /// One task is done. AcqRel: the last one sees every other task's
    /// writes before it signals (the same order asynclab uses).
    fn hit(&self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            if let Some(tx) = self.done.lock().unwrap().take() {
                let _ = tx.send(());
            }
        }
    }
}

/// Await the countdown's signal; a dropped sender is a bug in the workload.
async fn wait(done: oneshot::Receiver<()>) {
    if done.await.is_err() {
        fail("countdown dropped before it reached zero");
    }
}

fn fail(why: &str) -> ! {
    eprintln!("tokio-peer: {why}");
    std::process::exit(1);
}

// ---- the workloads ---------------------------------------------------------

/// From block_on, spawn 10,000 tasks; each counts down; the last signals.
fn spawn_many_local(rt: &Runtime) {
    let (cd, done) = Countdown::start(SPAWN_MANY);
    rt.block_on(async move {
        for _ in 0..SPAWN_MANY {
            tokio::spawn(async move { cd.hit() });
        }
        wait(done).await;
    });
}

/// From outside the runtime, spawn 10,000 empty tasks keeping their join
/// handles; then block_on awaits every handle in order.
fn spawn_many_remote_idle(rt: &Runtime) {
    let handles: Vec<JoinHandle<()>> = (0..SPAWN_MANY).map(|_| rt.spawn(async {})).collect();
    rt.block_on(async move {
        for h in handles {
            if h.await.is_err() {
                fail("an empty task failed");
            }
        }
    });
}

/// 200 tasks, spawned from outside, each yield 1,000 times (to the back of
/// the queue), then count down; the caller waits for the last.
fn yield_many(rt: &Runtime) {
    let (cd, done) = Countdown::start(YIELD_TASKS);
    for _ in 0..YIELD_TASKS {
        rt.spawn(async move {
            for _ in 0..YIELDS {
                tokio::task::yield_now().await;
            }
            cd.hit();
        });
    }
    rt.block_on(wait(done));
}

/// One pair: A makes two oneshots and spawns B; A sends ping, B awaits it
/// and sends pong, A awaits pong and counts down.
async fn ping_task(cd: &'static Countdown) {
    let (ping_tx, ping_rx) = oneshot::channel::<u32>();
    let (pong_tx, pong_rx) = oneshot::channel::<u32>();
    tokio::spawn(async move {
        if let Ok(v) = ping_rx.await {
            let _ = pong_tx.send(v + 1);
        }
    });
    let _ = ping_tx.send(1);
    if pong_rx.await != Ok(2) {
        fail("ping_pong: no pong");
    }
    cd.hit();
}

/// From block_on, one task spawns 1,000 ping tasks (A), each of which
/// plays one ping-pong with its own B.
fn ping_pong(rt: &Runtime) {
    let (cd, done) = Countdown::start(PING_PONGS);
    rt.block_on(async move {
        tokio::spawn(async move {
            for _ in 0..PING_PONGS {
                tokio::spawn(ping_task(cd));
            }
        });
        wait(done).await;
    });
}

/// A link of depth d: the last one (d = 0) counts down, every other one
/// spawns the next. Runs inside a task, so tokio::spawn has a runtime.
fn chain_link(depth: usize, cd: &'static Countdown) {
    if depth == 0 {
        cd.hit();
    } else {
        tokio::spawn(async move { chain_link(depth - 1, cd) });
    }
}

/// The first link is spawned from outside; each spawns the next, 1,000
/// links in all; the caller waits for the last.
fn chained_spawn(rt: &Runtime) {
    let (cd, done) = Countdown::start(1);
    rt.spawn(async move { chain_link(CHAIN_DEPTH - 1, cd) });
    rt.block_on(wait(done));
}

/// From block_on, spawn 10,000 tasks that each sleep 1 ms once, then count
/// down.
fn timers(rt: &Runtime) {
    let (cd, done) = Countdown::start(TIMER_TASKS);
    rt.block_on(async move {
        for _ in 0..TIMER_TASKS {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                cd.hit();
            });
        }
        wait(done).await;
    });
}

// ---- tcp_echo --------------------------------------------------------------
//
//   setup (once)                      each iteration
//   echo server task, accept loop     50 client tasks, each: connect,
//   on 127.0.0.1:0; a task per   <--  TCP_NODELAY, 1,000 x (write_all 64 B,
//   connection: read 4 KiB, write     read_exact 64 B), close, count down
//   back what it read

/// One accepted connection: echo until the client closes.
async fn echo_conn(mut stream: TcpStream) {
    let mut buf = [0u8; SERVER_BUFFER];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break, // the client closed, or an error
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
}

/// The server task: accept forever, a task per connection.
async fn echo_server(listener: TcpListener) {
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(echo_conn(stream));
        } // a failed accept (EMFILE...) ends no one else
    }
}

/// The server set up once; dropping it aborts the server task, which
/// closes the listener.
struct EchoServer {
    port: u16,
    task: JoinHandle<()>,
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn tcp_echo_setup(rt: &Runtime) -> EchoServer {
    rt.block_on(async {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => fail(&format!("tcp_echo: bind: {e}")),
        };
        let port = match listener.local_addr() {
            Ok(a) => a.port(),
            Err(e) => fail(&format!("tcp_echo: local_addr: {e}")),
        };
        let task = tokio::spawn(echo_server(listener));
        EchoServer { port, task }
    })
}

/// One client: connect, 1,000 checked round trips, close, count down.
async fn echo_client(port: u16, cd: &'static Countdown) {
    let server = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = match TcpStream::connect(server).await {
        Ok(s) => s,
        Err(e) => fail(&format!("tcp_echo: connect: {e}")),
    };
    if let Err(e) = stream.set_nodelay(true) {
        fail(&format!("tcp_echo: TCP_NODELAY: {e}"));
    }
    let mut input = [0u8; MESSAGE];
    for round in 0..ROUND_TRIPS {
        let out = [b'a' + (round % 26) as u8; MESSAGE];
        if let Err(e) = stream.write_all(&out).await {
            fail(&format!("tcp_echo: write: {e}"));
        }
        if let Err(e) = stream.read_exact(&mut input).await {
            fail(&format!("tcp_echo: read: {e}"));
        }
        if input != out {
            fail("tcp_echo: the echo differs from what was sent");
        }
    }
    drop(stream);
    cd.hit();
}

fn tcp_echo(rt: &Runtime, port: u16) {
    let (cd, done) = Countdown::start(CLIENTS);
    rt.block_on(async move {
        for _ in 0..CLIENTS {
            tokio::spawn(echo_client(port, cd));
        }
        wait(done).await;
    });
}

// ---- the table and the timing ----------------------------------------------

/// The seven workloads, then the variant; `all` runs them in this order.
const WORKLOADS: [&str; 8] = [
    "spawn_many_local",
    "spawn_many_remote_idle",
    "yield_many",
    "ping_pong",
    "chained_spawn",
    "timers",
    "tcp_echo",
    "yield_many_driver",
];

/// User + system CPU time of the whole process (every thread), in
/// microseconds.
fn cpu_us() -> u64 {
    // SAFETY: getrusage only writes the struct we hand it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0;
    }
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    us(ru.ru_utime) + us(ru.ru_stime)
}

/// Set the workload up (untimed), warm up, time `iters` iterations; return
/// the per-iteration wall times in microseconds, in run order, and the CPU
/// time of the timed iterations together (getrusage before the first and
/// after the last). The echo server, if any, is torn down when `server`
/// goes out of scope.
fn time_workload(rt: &Runtime, name: &str, iters: usize) -> (Vec<u64>, u64) {
    let server = (name == "tcp_echo").then(|| tcp_echo_setup(rt));
    let mut times = Vec::with_capacity(iters);
    let mut cpu_start = 0;
    for i in 0..WARMUPS + iters {
        if i == WARMUPS {
            cpu_start = cpu_us();
        }
        let start = Instant::now();
        match name {
            "spawn_many_local" => spawn_many_local(rt),
            "spawn_many_remote_idle" => spawn_many_remote_idle(rt),
            "yield_many" | "yield_many_driver" => yield_many(rt),
            "ping_pong" => ping_pong(rt),
            "chained_spawn" => chained_spawn(rt),
            "timers" => timers(rt),
            "tcp_echo" => tcp_echo(rt, server.as_ref().map_or(0, |s| s.port)),
            _ => unreachable!("names are checked by parse_args"),
        }
        if i >= WARMUPS {
            times.push(start.elapsed().as_micros() as u64);
        }
    }
    (times, cpu_us() - cpu_start)
}

struct Args {
    workloads: Vec<&'static str>,
    workers: usize,
    iters: usize,
}

const USAGE: &str = "usage: tokio-peer WORKLOAD[,WORKLOAD...]|all \
                     [--workers N] [--iters K]\n  workloads: spawn_many_local \
                     spawn_many_remote_idle yield_many ping_pong \
                     chained_spawn timers tcp_echo yield_many_driver";

fn usage_error(why: &str) -> ! {
    eprintln!("tokio-peer: {why}\n{USAGE}");
    std::process::exit(2);
}

/// A whole number in [lo, hi], or a usage error naming the option.
fn number(opt: &str, value: Option<String>, lo: usize, hi: usize) -> usize {
    let v = value.unwrap_or_else(|| usage_error(&format!("{opt} needs a value")));
    match v.parse::<usize>() {
        Ok(n) if (lo..=hi).contains(&n) => n,
        _ => usage_error(&format!("{opt} {v}: not a number in {lo}..{hi}")),
    }
}

fn parse_workloads(list: &str) -> Vec<&'static str> {
    if list == "all" {
        return WORKLOADS.to_vec();
    }
    list.split(',')
        .map(|name| match WORKLOADS.iter().find(|w| **w == name) {
            Some(w) => *w,
            None => usage_error(&format!("{name}: unknown workload")),
        })
        .collect()
}

fn parse_args() -> Args {
    let mut args = Args {
        workloads: Vec::new(),
        workers: 2,
        iters: 20,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(a) = argv.next() {
        match a.as_str() {
            "--workers" => args.workers = number("--workers", argv.next(), 1, 1024),
            "--iters" => args.iters = number("--iters", argv.next(), 1, 1_000_000),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ if a.starts_with('-') => usage_error(&format!("{a}: unknown option")),
            _ if args.workloads.is_empty() => args.workloads = parse_workloads(&a),
            _ => usage_error(&format!("{a}: one workload list only")),
        }
    }
    if args.workloads.is_empty() {
        usage_error("missing WORKLOAD");
    }
    args
}

fn main() {
    let args = parse_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("runtime: {e}")));
    for name in &args.workloads {
        let (mut times, cpu) = time_workload(&rt, name, args.iters);
        times.sort_unstable();
        println!(
            "bench {name} peer=tokio workers={} median_us={} min_us={} iters={} cpu_us={}",
            args.workers,
            times[args.iters / 2],
            times[0],
            args.iters,
            cpu / args.iters as u64
        );
    }
}
