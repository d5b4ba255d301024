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

/*
 * A task that never made it into a queue: drop its future and the three
 * references task_new gave it. Nothing else has seen it.
 */
static void discard_unspawned(task_t *t)
{
    task_shutdown(t);
    task_ref_dec(t);
    task_ref_dec(t);
    task_ref_dec(t);
}

int executor_spawn(executor_t *ex, const future_t *f, size_t size,
                   const char *name, join_handle_t *join)
{
    if (ex == NULL)
        return -EINVAL;
    task_t *t = task_new(ex->scheduler, f, size, name);
    if (t == NULL)
        return -ENOMEM;

    /* The join reference is taken out before the task is queued: once it
     * is, a worker may run it to completion at any moment. */
    join_handle_t h = {t};
    task_ref_inc(t);
    int err = ex->ops->spawn(ex, t);
    if (err != 0) {
        task_ref_dec(t);
        discard_unspawned(t);
        return err;
    }
    if (join != NULL)
        *join = h;
    else
        join_handle_drop(&h);
    task_ref_dec(t);
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
