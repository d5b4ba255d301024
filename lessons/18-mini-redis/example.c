/*
 * lessons/18-mini-redis/example.c - a Redis server on asynclab, and a
 * client talking RESP to it over a plain blocking socket.
 *
 *     asynclab lesson 18 --run
 *
 * A second thread runs the mini-redis scenario (mini_redis/) on the ws
 * executor, 2 workers, on a free port of 127.0.0.1. This thread is the
 * client: it writes requests as RESP arrays and prints every reply as it
 * came over the wire (\r\n shown as such). Then pipelining (16 requests
 * in one write), expiry, pub/sub on a second connection, a hostile
 * length, and SIGINT, which the server turns into a clean stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/executors.h"
#include "scenarios/scenario.h"

static int port;
static scenario_result_t result;
static int run_rc;

static void *serve(void *arg)
{
    (void)arg;
    executor_config_t cfg = {.kind = executor_kind_by_name("ws"),
                             .workers = 2};
    executor_t *ex = executor_create(&cfg);
    if (ex == NULL) {
        run_rc = -ENOMEM;
        return NULL;
    }
    scenario_params_t p;
    scenario_params_init(&p);
    p.port = port;
    run_rc = scenario_by_name("mini-redis")->run(ex, &p, &result);
    executor_destroy(ex);
    return NULL;
}

/* A port nobody uses right now (the kernel's pick, given back). */
static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        perror("free port");
        exit(1);
    }
    close(s);
    return ntohs(a.sin_port);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Connect, retrying while the server starts. */
static int dial(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < 200; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
            int one = 1;
            setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return s;
        }
        if (s >= 0)
            close(s);
        nap_ms(25);
    }
    fprintf(stderr, "could not connect to mini-redis\n");
    exit(1);
}

/* RESP bytes, \r and \n written out, so that the framing shows. */
static void show(const char *dir, const char *p, size_t n)
{
    printf("%s ", dir);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r')
            fputs("\\r", stdout);
        else if (p[i] == '\n')
            fputs("\\n", stdout);
        else
            putchar(p[i]);
    }
    putchar('\n');
}

/* One request as a RESP array of bulk strings: "*2\r\n$3\r\nGET\r\n..." */
static size_t encode(char *out, size_t cap, int argc, const char *const *argv)
{
    size_t n = (size_t)snprintf(out, cap, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        n += (size_t)snprintf(out + n, cap - n, "$%zu\r\n%s\r\n",
                              strlen(argv[i]), argv[i]);
    return n;
}

/* Read until `want` bytes came (or the server closed); print them. */
static size_t receive(int s, size_t want, int *reads)
{
    char buf[4096];
    size_t got = 0;
    *reads = 0;
    while (got < want) {
        ssize_t n = recv(s, buf + got, sizeof buf - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        (*reads)++;
    }
    show("<", buf, got);
    return got;
}

#define REQUEST(s, reply_len, ...)                                             \
    do {                                                                       \
        const char *argv_[] = {__VA_ARGS__};                                   \
        char req_[512];                                                        \
        int reads_;                                                            \
        size_t n_ = encode(req_, sizeof req_,                                  \
                           (int)(sizeof argv_ / sizeof argv_[0]), argv_);      \
        show(">", req_, n_);                                                   \
        send(s, req_, n_, 0);                                                  \
        receive(s, reply_len, &reads_);                                        \
    } while (0)

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    port = free_port();
    pthread_t server;
    pthread_create(&server, NULL, serve, NULL);
    int c = dial();

    printf("== one request, one reply\n");
    REQUEST(c, 7, "PING");
    REQUEST(c, 5, "SET", "greeting", "hello", "EX", "100");
    REQUEST(c, 11, "GET", "greeting");
    REQUEST(c, 6, "TTL", "greeting");
    REQUEST(c, 5, "GET", "nobody");

    printf("\n== pipelining: 16 INCRs in one write\n");
    char req[1024];
    size_t n = 0;
    const char *incr[] = {"INCR", "hits"};
    for (int i = 0; i < 16; i++)
        n += encode(req + n, sizeof req - n, 2, incr);
    send(c, req, n, 0);
    int reads;
    /* ":1\r\n" ... ":9\r\n" are 4 bytes, ":10\r\n" ... ":16\r\n" 5 */
    receive(c, 9 * 4 + 7 * 5, &reads);
    printf("16 requests went out in one write of %zu bytes; their replies "
           "are in order\n", n);

    printf("\n== expiry: PX 1000, then a look 1.5 s later\n");
    REQUEST(c, 5, "SET", "soon", "gone", "PX", "1000");
    REQUEST(c, 4, "EXISTS", "soon");
    nap_ms(1500);
    REQUEST(c, 4, "EXISTS", "soon");

    printf("\n== pub/sub: a second connection subscribes\n");
    int sub = dial();
    REQUEST(sub, 33, "SUBSCRIBE", "news");
    REQUEST(c, 4, "PUBLISH", "news", "hi there");
    receive(sub, 41, &reads);

    printf("\n== a hostile request: a 2 GB argument\n");
    const char huge[] = "*1\r\n$2147483648\r\n";
    show(">", huge, sizeof huge - 1);
    send(c, huge, sizeof huge - 1, 0);
    receive(c, 1 << 12, &reads); /* the error, then the end of the stream */
    printf("(the server closed this connection; the others go on)\n");
    close(c);
    c = dial();
    REQUEST(c, 7, "PING");

    close(c);
    close(sub);
    printf("\n== SIGINT: the server stops every task and returns\n");
    kill(getpid(), SIGINT); /* the scenario's handler turns it into a stop */
    pthread_join(server, NULL);
    printf("run returned %d: %s\n", run_rc, result.what);
    return run_rc == 0 ? 0 : 1;
}
