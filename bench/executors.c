/*
 * bench/executors.c - the table of executor kinds. Adding an executor is
 * one #include and one line in executor_table. (The learner's "mine" is
 * not in it: the program adds it through executor_kind_extra, cli/mine.c.)
 *
 * Tests: tests/cli.sh.
 */
#include "bench/executors.h"

#include <string.h>

#include "notify_executor/notify_executor.h"
#include "spin_executor/spin_executor.h"
#include "workstealing/ws.h"

const executor_entry_t executor_table[] = {
    {"spin", "busy loop over a deque, no-op waker", &spin_executor_kind},
    {"notify", "ready queue + wakers, parks in the driver (one thread)",
     &notify_executor_kind},
    {"ws", "N workers: local rings, LIFO slot, stealing (Tokio's model)",
     &ws_executor_kind},
    {NULL, NULL, NULL},
};

const executor_kind_t *(*executor_kind_extra)(const char *name);

const executor_kind_t *executor_kind_by_name(const char *name)
{
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        if (strcmp(e->name, name) == 0)
            return e->kind;
    }
    return executor_kind_extra != NULL ? executor_kind_extra(name) : NULL;
}

const char *executor_names(const char *sep)
{
    static char buf[128];
    buf[0] = '\0';
    for (const executor_entry_t *e = executor_table; e->name != NULL; e++) {
        if (e != executor_table)
            strncat(buf, sep, sizeof buf - strlen(buf) - 1);
        strncat(buf, e->name, sizeof buf - strlen(buf) - 1);
    }
    return buf;
}
