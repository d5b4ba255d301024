/*
 * bench/executors.h - executor kinds by name: "spin", "notify", "ws".
 *
 * core/ names no executor (docs/design.md section 1): whoever picks one by name
 * (`asynclab run --executor`, `compare --executors`, `bench`, the lessons)
 * asks here. The table is in bench/executors.c, one line per kind.
 *
 * Tests: tests/cli.sh (through `asynclab run`).
 */
#ifndef ASYNCLAB_BENCH_EXECUTORS_H
#define ASYNCLAB_BENCH_EXECUTORS_H

#include "core/executor.h"

typedef struct executor_entry {
    const char *name;    /* what the command line says */
    const char *summary; /* one line for --help */
    const executor_kind_t *kind;
} executor_entry_t;

/* Every kind, in the order spin, notify, ws; ends with a NULL name. */
extern const executor_entry_t executor_table[];

/* The kind called name, or NULL when there is none. */
const executor_kind_t *executor_kind_by_name(const char *name);

/*
 * Kinds that are not in the table, asked after it: NULL, or a lookup that
 * returns NULL for a name it does not know. The program sets it for
 * "mine", the learner's own executor, once cli/mine.c has built and
 * loaded it; the library itself never does, and the table (what tests
 * and `compare` without --executors walk) never lists it.
 */
extern const executor_kind_t *(*executor_kind_extra)(const char *name);

/* "spin|notify|ws": the names joined by sep, for usage text. Static
 * storage, valid until the next call. */
const char *executor_names(const char *sep);

#endif
