/*
 * core/executor.c - the executor-independent half of core/executor.h:
 * creating through a kind, spawning (allocate the task here, queue it
 * there), and the thread-local "current executor".
 *
 * Tests: tests/test_task.c (spawn paths), and each executor's suite.
 */
#include "core/executor.h"

#include <errno.h>

static _Thread_local executor_t *current_executor;

executor_t *executor_current(void)
{
    return current_executor;
}

executor_t *executor_set_current(executor_t *ex)
{
    executor_t *prev = current_executor;
    current_executor = ex;
    return prev;
}

executor_t *executor_create(const executor_config_t *cfg)
{
    if (cfg == NULL || cfg->kind == NULL || cfg->workers < 0)
        return NULL;
    return cfg->kind->create(cfg);
}

int executor_spawn(executor_t *ex, const future_t *f, size_t size,
                   const char *name, join_handle_t *join)
{
    if (ex == NULL)
        return -EINVAL;
    /* With a join handle, its reference exists before the task is queued:
     * once it is, a worker may run it to completion at any moment. */
    task_t *t = join != NULL ? task_new(ex->scheduler, f, size, name)
                             : task_new_detached(ex->scheduler, f, size, name);
    if (t == NULL)
        return -ENOMEM;
    int err = ex->ops->spawn(ex, t);
    if (err != 0) {
        /* Refused: nothing else has seen the task. Its future's copy is
         * forgotten, not dropped; the caller's original is still whole. */
        task_free_unspawned(t);
        return err;
    }
    if (join != NULL)
        *join = (join_handle_t){t};
    return 0;
}

int spawn(const future_t *f, size_t size, const char *name,
          join_handle_t *join)
{
    return executor_spawn(current_executor, f, size, name, join);
}

int executor_block_on(executor_t *ex, future_t *f)
{
    return ex->ops->block_on(ex, f);
}

int executor_run(executor_t *ex)
{
    return ex->ops->run(ex);
}

int executor_step(executor_t *ex)
{
    return ex->ops->step(ex);
}

void executor_stats(executor_t *ex, executor_stats_t *out)
{
    ex->ops->stats(ex, out);
}

void executor_destroy(executor_t *ex)
{
    if (ex != NULL)
        ex->ops->destroy(ex);
}
