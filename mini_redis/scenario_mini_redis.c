/*
 * mini_redis/scenario_mini_redis.c - `mini-redis`: a Redis server on
 * 127.0.0.1:PORT (--port, default 6379) that redis-cli and
 * redis-benchmark can talk to, until SIGINT or SIGTERM stops it:
 *
 *     asynclab run mini-redis --executor ws --port 6380 &
 *     redis-cli -p 6380 set greeting hello
 *     redis-cli -p 6380 get greeting
 *     kill -INT %1              # it stops and prints its stats
 *
 * --connections C: at most C clients at once (default 10000). Real
 * sockets only: --sim is refused (the command line says why).
 *
 * --rounds R: a run with an end. The scenario starts Debian's
 * redis-benchmark against itself (SET and GET, R requests each, 50
 * clients, its output to /dev/null) and stops when it exits, as on
 * SIGINT; a benchmark that fails makes the run fail. This is what
 * `asynclab lesson 18 --watch` shows: the server under a real client's
 * load, on real threads. Without redis-benchmark: one line, status 1.
 *
 * The stop is the self-pipe of scenarios/stop_signals.h, as echo's: the
 * handler writes a byte, the accept task sees the pipe readable through
 * the reactor and stops everything (mini_redis/server.h).
 *
 * Tests: tests/mini_redis.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/executor.h"
#include "mini_redis/server.h"
#include "scenarios/scenario.h"
#include "scenarios/stop_signals.h"

/* ---- --rounds: redis-benchmark against ourselves ------------------------- */

extern char **environ;

typedef struct bench_child {
    pid_t pid;
    int status;       /* waitpid's, once the waiter has it */
    pthread_t waiter; /* waits for it, then stops the server */
    bool running;
} bench_child_t;

static void *wait_bench(void *arg)
{
    bench_child_t *b = arg;
    while (waitpid(b->pid, &b->status, 0) < 0 && errno == EINTR)
        ;
    stop_signals_raise(); /* as SIGINT does */
    return NULL;
}

/* Start redis-benchmark on 127.0.0.1:port; 0 or -errno (-ENOENT: not
 * installed). */
static int start_bench(bench_child_t *b, int port, int rounds)
{
    char p[16], n[16];
    snprintf(p, sizeof p, "%d", port);
    snprintf(n, sizeof n, "%d", rounds);
    char *argv[] = {"redis-benchmark", "-h", "127.0.0.1", "-p", p, "-t",
                    "set,get",         "-n", n,           "-c", "50", "-q",
                    NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&b->pid, "redis-benchmark", &fa, NULL, argv,
                          environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -rc;
    rc = pthread_create(&b->waiter, NULL, wait_bench, b);
    if (rc != 0) {
        kill(b->pid, SIGTERM);
        waitpid(b->pid, NULL, 0);
        return -rc;
    }
    b->running = true;
    return 0;
}

/* After the server stopped: the benchmark's end. 0, or -EIO when it
 * failed (or was still running: stopped by a signal first). */
static int end_bench(bench_child_t *b)
{
    if (!b->running)
        return 0;
    kill(b->pid, SIGTERM); /* no-op once it has exited */
    pthread_join(b->waiter, NULL);
    b->running = false;
    if (WIFEXITED(b->status) && WEXITSTATUS(b->status) == 0)
        return 0;
    fprintf(stderr, "mini-redis: redis-benchmark %s %d\n",
            WIFEXITED(b->status) ? "exited with status" : "ended by signal",
            WIFEXITED(b->status) ? WEXITSTATUS(b->status)
                                 : WTERMSIG(b->status));
    return -EIO;
}

/* Two descriptors' worth of headroom per client would be generous; one
 * each is what a server needs. Raise the soft limit toward the hard one
 * so that --connections is what limits, not RLIMIT_NOFILE. */
static void raise_fd_limit(size_t clients)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)clients + 64;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
                      ? want
                      : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

static int mini_redis_run(executor_t *ex, const scenario_params_t *p,
                          scenario_result_t *out)
{
    /* Static: tasks left pending on error still point at it when the
     * caller destroys the executor. */
    static mr_server_t srv;
    mr_config_t cfg;
    mr_config_default(&cfg);
    cfg.port = scenario_param(p->port, MR_DEFAULT_PORT);
    cfg.max_clients = (size_t)scenario_param(p->connections,
                                             MR_DEFAULT_MAX_CLIENTS);
    snprintf(out->what, sizeof out->what, "mini-redis on 127.0.0.1:%d",
             cfg.port);
    int err = mr_server_init(&srv, &cfg);
    if (err != 0)
        return err;
    raise_fd_limit(cfg.max_clients);
    stop_signals_t sigs;
    err = stop_signals_catch(&sigs);
    if (err != 0) {
        mr_server_destroy(&srv);
        return err;
    }
    mr_start_t start;
    mr_start_init(&start, &srv, sigs.read_fd);
    err = executor_block_on(ex, &start.base);
    bool tasks_done = true; /* false: tasks of ours may still be pending */
    bench_child_t bench = {0};
    if (err == 0 && start.err == 0) {
        printf("mini-redis on 127.0.0.1:%d, executor %s (SIGINT or SIGTERM "
               "stops it)\n",
               srv.port, ex->kind->name);
        fflush(stdout);
        int rounds = scenario_param(p->rounds, 0);
        int berr = rounds > 0 ? start_bench(&bench, srv.port, rounds) : 0;
        if (berr != 0) {
            fprintf(stderr,
                    "mini-redis: --rounds: cannot start redis-benchmark: %s%s\n",
                    strerror(-berr),
                    berr == -ENOENT ? " (Debian's redis-tools: sh "
                                      "tools/deps.sh redis, as root)"
                                    : "");
            stop_signals_raise(); /* stop at once */
        }
        err = executor_run(ex); /* until a signal stops every task */
        tasks_done = err == 0;
        if (err == 0)
            err = berr != 0 ? berr : end_bench(&bench);
        else
            end_bench(&bench);
    } else if (err == 0) {
        /* Start failed; a task it spawned before failing was told to
         * stop: let it end. */
        tasks_done = executor_run(ex) == 0;
        err = start.err;
    }
    if (err == -EADDRINUSE) {
        fprintf(stderr, "mini-redis: port %d is taken (--port P, or 0 for "
                        "any free one)\n",
                cfg.port);
    }
    stop_signals_release(&sigs);
    uint64_t served = atomic_load(&srv.accepted);
    out->tasks_expected = out->tasks_done = served;
    /* Worst case (every counter 20 digits) is longer than out->what:
     * written whole here, then cut with a sign if it must be. */
    char line[256];
    snprintf(line, sizeof line,
             "mini-redis on 127.0.0.1:%d served %llu connections, %llu "
             "commands, %llu refused, %llu bad",
             srv.port, (unsigned long long)served,
             (unsigned long long)atomic_load(&srv.commands),
             (unsigned long long)atomic_load(&srv.refused),
             (unsigned long long)atomic_load(&srv.protocol_errors));
    size_t n = strlen(line);
    if (n >= sizeof out->what) {
        n = sizeof out->what - 4;
        memcpy(out->what + n, "...", 4);
    } else {
        out->what[n] = 0;
    }
    memcpy(out->what, line, n);
    /* When run failed, the caller destroys the executor, whose pending
     * tasks still use srv: keep it then. */
    if (tasks_done)
        mr_server_destroy(&srv);
    return err;
}

const scenario_t scenario_mini_redis = {
    .name = "mini-redis",
    .summary = "a Redis server (RESP2) for redis-cli, until SIGINT",
    .defaults = "--port 6379 --connections 10000 (--rounds R: redis-benchmark "
                "against it, then stop)",
    .run = mini_redis_run,
    .no_sim = "serves real sockets (redis-cli, redis-benchmark), which "
              "virtual time cannot pace",
};
