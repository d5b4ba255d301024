/*
 * mini_redis/server.c - the three kinds of task: accept, connection,
 * expiry. Each is a hand-written poll function (a select over two
 * events is clearer written out than in AWAIT macros, and the loop is
 * the whole of the server's speed).
 */
#include "mini_redis/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/executor.h"
#include "core/waker.h"
#include "driver/net.h"
#include "driver/reactor.h"
#include "driver/time.h"
#include "sync/notify.h"

#define IN_SIZE     (16u << 10) /* one read */
#define OUT_HIGH    (64u << 10) /* stop running requests; write first */
#define OUT_KEEP    (1u << 20)  /* a bigger buffer is freed once written */
#define DRAIN_BYTES (1u << 20)  /* read and dropped at a clean close */
#define DRAIN_MS    1000        /* ... for at most this long */
#define BACKOFF_MS  100         /* out of descriptors: wait, accept again */
#define EXPIRE_BATCH 1000       /* keys deleted per poll of the expiry task */

void mr_config_default(mr_config_t *cfg)
{
    *cfg = (mr_config_t){
        .addr = NULL,
        .port = MR_DEFAULT_PORT,
        .max_clients = MR_DEFAULT_MAX_CLIENTS,
        .limits = resp_default_limits,
    };
}

int mr_server_init(mr_server_t *s, const mr_config_t *cfg)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    atomic_init(&s->stopping, false);
    atomic_init(&s->clients, 0);
    atomic_init(&s->accepted, 0);
    atomic_init(&s->refused, 0);
    atomic_init(&s->commands, 0);
    atomic_init(&s->protocol_errors, 0);
    s->conns = LIST_EMPTY;
    int err = -pthread_mutex_init(&s->conns_lock, NULL);
    if (err != 0)
        return err;
    err = mr_db_init(&s->db);
    if (err != 0)
        pthread_mutex_destroy(&s->conns_lock);
    return err;
}

void mr_server_destroy(mr_server_t *s)
{
    mr_db_destroy(&s->db);
    pthread_mutex_destroy(&s->conns_lock);
}

/* ---- the connection task ------------------------------------------------ */

enum {
    CONN_NEW = 0, /* not polled yet: may still be copied */
    CONN_SERVE,   /* requests in, replies out */
    CONN_DRAIN,   /* replies written, our side shut: read and drop */
    CONN_DONE,
};

typedef struct mr_conn {
    future_t base;
    mr_server_t *srv;
    tcp_stream_t stream;
    list_node_t node; /* in srv->conns from the first poll to the end */
    bool listed;
    uint8_t phase;
    bool closing; /* write what is queued, then close cleanly */
    resp_parser_t parser;
    mr_session_t session;
    char *in; /* IN_SIZE bytes read and not yet parsed: in[pos..len) */
    size_t in_pos, in_len;
    size_t out_done; /* bytes of session.out already written */
    size_t drained;
    sleep_t drain_timer;
} mr_conn_t;

static void conn_unlist(mr_conn_t *c)
{
    if (!c->listed)
        return;
    pthread_mutex_lock(&c->srv->conns_lock);
    list_remove(&c->srv->conns, &c->node);
    c->listed = false;
    pthread_mutex_unlock(&c->srv->conns_lock);
}

/* Everything a connection owns, released once (finish or drop). */
static void conn_release(mr_conn_t *c)
{
    if (c->phase == CONN_DONE)
        return;
    bool timer = c->phase == CONN_DRAIN;
    c->phase = CONN_DONE;
    /* Out of the list before the close: the stopper shuts down listed
     * fds, and a closed fd's number may be reused at once. */
    conn_unlist(c);
    tcp_stream_close(&c->stream);
    if (timer)
        future_drop(&c->drain_timer.base);
    atomic_fetch_add(&c->srv->commands, c->session.commands);
    mr_session_free(&c->session);
    resp_parser_free(&c->parser);
    free(c->in);
    c->in = NULL;
    atomic_fetch_sub(&c->srv->clients, 1);
}

static void conn_drop(future_t *f)
{
    conn_release((mr_conn_t *)f);
}

static poll_t conn_finish(mr_conn_t *c)
{
    conn_release(c);
    return POLL_READY;
}

/* First poll: the address is fixed now; join the list (unless the server
 * is stopping already) and get the input buffer. */
static bool conn_start(mr_conn_t *c)
{
    c->phase = CONN_SERVE;
    c->in = malloc(IN_SIZE);
    if (c->in == NULL)
        return false;
    pthread_mutex_lock(&c->srv->conns_lock);
    bool stopping = atomic_load(&c->srv->stopping);
    if (!stopping) {
        list_push_back(&c->srv->conns, &c->node);
        c->listed = true;
    }
    pthread_mutex_unlock(&c->srv->conns_lock);
    return !stopping;
}

/* Run every whole request in the input, until the output is big enough
 * to write first or the connection must close. */
static void conn_run_requests(mr_conn_t *c, uint64_t now)
{
    mr_session_t *s = &c->session;
    while (c->in_pos < c->in_len && !c->closing && s->out.len < OUT_HIGH) {
        size_t used;
        resp_status_t st = resp_feed(&c->parser, c->in + c->in_pos,
                                     c->in_len - c->in_pos, &used);
        c->in_pos += used;
        if (st == RESP_COMMAND) {
            mr_execute(s, c->parser.argv, c->parser.argc, now);
            if (s->quit)
                c->closing = true;
        } else if (st == RESP_ERROR) {
            resp_error(&s->out, c->parser.error);
            atomic_fetch_add(&c->srv->protocol_errors, 1);
            c->closing = true;
        }
    }
    if (c->in_pos == c->in_len)
        c->in_pos = c->in_len = 0;
}

/* The clean close, after the last reply went out: shut our side, then
 * read and drop what the client still sends (bounded in bytes and time)
 * so that closing with unread input does not send a reset, which could
 * destroy the last reply before the client read it. */
static poll_t conn_drain(mr_conn_t *c, context_t *cx)
{
    if (future_poll(&c->drain_timer.base, cx) == POLL_READY)
        return conn_finish(c);
    for (;;) {
        ssize_t n;
        if (tcp_stream_poll_read(&c->stream, cx, c->in, IN_SIZE, &n) ==
            POLL_PENDING)
            return POLL_PENDING;
        if (n <= 0)
            return conn_finish(c);
        c->drained += (size_t)n;
        if (c->drained >= DRAIN_BYTES)
            return conn_finish(c);
    }
}

static poll_t conn_poll(future_t *f, context_t *cx)
{
    mr_conn_t *c = (mr_conn_t *)f;
    mr_session_t *s = &c->session;
    if (c->phase == CONN_NEW && !conn_start(c))
        return conn_finish(c);
    if (c->phase == CONN_DRAIN)
        return conn_drain(c, cx);
    driver_t *d = driver_current();

    for (;;) {
        /* 1. Messages published to us since the last look. Taking none
         *    keeps our waker there: a publish wakes us. */
        bool took = false, had_mailbox = s->mailbox != NULL;
        if (had_mailbox) {
            bool cut_off;
            took = mr_mailbox_take(s->mailbox, &s->out, cx, &cut_off);
            if (cut_off)
                return conn_finish(c); /* too far behind: Redis does too */
        }

        /* 2. Every whole request already read. */
        conn_run_requests(c, d != NULL ? driver_now_ms(d) : 0);
        if (s->out.oom)
            return conn_finish(c);

        /* 3. Write the replies, all of them, before reading more. */
        while (c->out_done < s->out.len) {
            ssize_t n;
            if (tcp_stream_poll_write(&c->stream, cx, s->out.data + c->out_done,
                                      s->out.len - c->out_done,
                                      &n) == POLL_PENDING)
                return POLL_PENDING; /* the client reads slowly: wait */
            if (n <= 0)
                return conn_finish(c); /* gone (EPIPE, ECONNRESET) */
            c->out_done += (size_t)n;
        }
        s->out.len = c->out_done = 0;
        if (s->out.cap > OUT_KEEP)
            mr_buf_free(&s->out);

        if (c->closing) {
            tcp_stream_shutdown(&c->stream, SHUT_WR);
            c->phase = CONN_DRAIN;
            sleep_init(&c->drain_timer, DRAIN_MS);
            return conn_drain(c, cx);
        }
        /* Requests left over (the output filled up), messages taken, or
         * a first SUBSCRIBE just now: go round again before reading (the
         * mailbox must see us empty to keep our waker). */
        if (c->in_pos < c->in_len || took || (!had_mailbox && s->mailbox))
            continue;

        /* 4. Read more. */
        ssize_t n;
        if (tcp_stream_poll_read(&c->stream, cx, c->in, IN_SIZE, &n) ==
            POLL_PENDING)
            return POLL_PENDING;
        if (n <= 0)
            return conn_finish(c); /* the client closed (or we were stopped) */
        c->in_pos = 0;
        c->in_len = (size_t)n;
    }
}

static void conn_init(mr_conn_t *c, mr_server_t *srv, tcp_stream_t stream)
{
    memset(c, 0, sizeof *c);
    c->base = (future_t){conn_poll, conn_drop};
    c->srv = srv;
    c->stream = stream;
    c->phase = CONN_NEW;
    resp_parser_init(&c->parser, &srv->cfg.limits);
    mr_session_init(&c->session, &srv->db);
}

/* ---- the expiry task ------------------------------------------------------ */

typedef struct mr_expiry {
    future_t base;
    mr_server_t *srv;
    bool waiting;     /* sleep and changed are armed for this round */
    bool sleep_live;  /* sleep was initialised (has a drop to run) */
    bool changed_live;
    sleep_t sleep;      /* until the earliest deadline */
    notified_t changed; /* or until an earlier one is set */
} mr_expiry_t;

static void expiry_drop(future_t *f)
{
    mr_expiry_t *e = (mr_expiry_t *)f;
    if (e->changed_live)
        future_drop(&e->changed.base);
    if (e->sleep_live)
        future_drop(&e->sleep.base);
    e->changed_live = e->sleep_live = false;
}

static poll_t expiry_poll(future_t *f, context_t *cx)
{
    mr_expiry_t *e = (mr_expiry_t *)f;
    mr_keyspace_t *ks = &e->srv->db.ks;
    driver_t *d = driver_current();
    for (;;) {
        if (atomic_load(&e->srv->stopping)) {
            expiry_drop(f);
            return POLL_READY;
        }
        if (!e->waiting) {
            /* While we scan, any new deadline must wake us (MR_NEVER is
             * later than all): none slips between scan and sleep. */
            atomic_store(&ks->planned, MR_NEVER);
            uint64_t next;
            size_t gone = mr_ks_expire_due(ks, driver_now_ms(d), EXPIRE_BATCH,
                                           &next);
            if (gone == EXPIRE_BATCH) { /* more due: let others run first */
                waker_wake_by_ref(cx->waker);
                return POLL_PENDING;
            }
            atomic_store(&ks->planned, next);
            uint64_t deadline = next >= DRIVER_NEVER ? DRIVER_NEVER : next;
            if (e->sleep_live) {
                sleep_reset(&e->sleep, deadline);
            } else {
                sleep_until_init(&e->sleep, deadline);
                e->sleep_live = true;
            }
            notified_init(&e->changed, &ks->changed);
            e->changed_live = true;
            e->waiting = true;
        }
        if (future_poll(&e->changed.base, cx) == POLL_READY) {
            e->changed_live = false; /* finished: nothing to drop */
            e->waiting = false;
            continue;
        }
        if (future_poll(&e->sleep.base, cx) == POLL_READY) {
            future_drop(&e->changed.base); /* a notify it took goes back */
            e->changed_live = false;
            e->waiting = false;
            continue;
        }
        return POLL_PENDING;
    }
}

/* ---- the accept task ------------------------------------------------------ */

typedef struct mr_acceptor {
    future_t base;
    mr_server_t *srv;
    tcp_listener_t listener; /* ours: closed at the stop or the drop */
    int stop_fd;
    reactor_reg_t *stop_reg; /* stop_fd's registration, from the first poll */
    bool backing_off;
    bool told; /* the out-of-descriptors line was printed */
    sleep_t backoff;
} mr_acceptor_t;

static void acceptor_release(mr_acceptor_t *a)
{
    if (a->stop_reg != NULL)
        reactor_deregister(a->stop_reg);
    a->stop_reg = NULL;
    tcp_listener_close(&a->listener);
    if (a->backing_off)
        future_drop(&a->backoff.base);
    a->backing_off = false;
}

static void acceptor_drop(future_t *f)
{
    acceptor_release((mr_acceptor_t *)f);
}

/* Stop: no more clients; every client's socket shut down, which its task
 * reads as the end of its stream; the expiry task woken to end. */
static void server_stop(mr_server_t *s)
{
    pthread_mutex_lock(&s->conns_lock);
    atomic_store(&s->stopping, true);
    for (list_node_t *n = s->conns.head; n != NULL; n = n->next) {
        mr_conn_t *c = LIST_ENTRY(n, mr_conn_t, node);
        shutdown(c->stream.fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&s->conns_lock);
    notify_one(&s->db.ks.changed);
}

/* Past max_clients: say so and close, as Redis does. The socket's buffer
 * is empty, so the short line goes out whole without waiting. */
static void refuse(mr_server_t *s, tcp_stream_t *st)
{
    static const char msg[] = "-ERR max number of clients reached\r\n";
    ssize_t ignored = send(st->fd, msg, sizeof msg - 1,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    tcp_stream_shutdown(st, SHUT_WR);
    tcp_stream_close(st);
    atomic_fetch_add(&s->refused, 1);
}

static void serve_client(mr_server_t *s, tcp_stream_t st)
{
    if (atomic_fetch_add(&s->clients, 1) >= s->cfg.max_clients) {
        atomic_fetch_sub(&s->clients, 1);
        refuse(s, &st);
        return;
    }
    atomic_fetch_add(&s->accepted, 1);
    tcp_stream_set_nodelay(&st, true);
    mr_conn_t conn;
    conn_init(&conn, s, st);
    if (spawn(&conn.base, sizeof conn, "redis-conn", NULL) != 0)
        future_drop(&conn.base); /* refused: ours to drop (closes it) */
}

static poll_t acceptor_poll(future_t *f, context_t *cx)
{
    mr_acceptor_t *a = (mr_acceptor_t *)f;
    if (a->stop_reg == NULL && a->stop_fd >= 0) {
        driver_t *d = driver_current();
        if (d == NULL ||
            reactor_register(driver_reactor(d), a->stop_fd, &a->stop_reg) != 0)
            a->stop_fd = -1; /* no clean stop: the signal's default kills */
    }
    for (;;) {
        reactor_event_t ev;
        if (a->stop_reg != NULL &&
            reactor_poll_ready(a->stop_reg, REACTOR_READ, cx, &ev) ==
                POLL_READY) {
            acceptor_release(a);
            server_stop(a->srv);
            return POLL_READY;
        }
        if (a->backing_off) {
            if (future_poll(&a->backoff.base, cx) == POLL_PENDING)
                return POLL_PENDING;
            a->backing_off = false;
        }
        tcp_stream_t st;
        int rc;
        if (tcp_listener_poll_accept(&a->listener, cx, &st, &rc) ==
            POLL_PENDING)
            return POLL_PENDING;
        if (rc == 0) {
            serve_client(a->srv, st);
            continue;
        }
        /* Out of descriptors or memory: the listener stays readable, so
         * accepting again at once would spin. Wait a little. */
        if (!a->told) {
            fprintf(stderr, "mini-redis: accept: %s; accepting again every "
                            "%d ms\n",
                    strerror(-rc), BACKOFF_MS);
            a->told = true;
        }
        sleep_init(&a->backoff, BACKOFF_MS);
        a->backing_off = true;
    }
}

/* ---- start ---------------------------------------------------------------- */

static poll_t start_poll(future_t *f, context_t *cx)
{
    (void)cx;
    mr_start_t *st = (mr_start_t *)f;
    mr_server_t *s = st->srv;
    if (s->cfg.port < 0 || s->cfg.port > 65535) {
        st->err = -EINVAL;
        return POLL_READY;
    }
    mr_acceptor_t acc = {.base = {acceptor_poll, acceptor_drop},
                         .srv = s,
                         .stop_fd = st->stop_fd};
    st->err = tcp_listener_bind(&acc.listener, NULL, s->cfg.addr,
                                (uint16_t)s->cfg.port);
    if (st->err != 0)
        return POLL_READY;
    s->port = tcp_listener_port(&acc.listener);
    mr_expiry_t exp = {.base = {expiry_poll, expiry_drop}, .srv = s};
    st->err = spawn(&exp.base, sizeof exp, "redis-expiry", NULL);
    if (st->err != 0) {
        tcp_listener_close(&acc.listener);
        return POLL_READY;
    }
    st->err = spawn(&acc.base, sizeof acc, "redis-accept", NULL);
    if (st->err != 0) {
        future_drop(&acc.base);
        server_stop(s); /* ends the expiry task */
    }
    return POLL_READY;
}

void mr_start_init(mr_start_t *st, mr_server_t *srv, int stop_fd)
{
    *st = (mr_start_t){.base = {start_poll, NULL},
                       .srv = srv,
                       .stop_fd = stop_fd};
}
