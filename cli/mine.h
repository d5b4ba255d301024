/*
 * cli/mine.h - `--executor mine`: the learner's own executor (lessons 6
 * and 10), built and loaded on demand by cli/mine.c.
 *
 * A command that runs executors by name calls cli_mine_prepare when the
 * name (or one of a list's) is "mine", before it looks names up:
 *
 *     if (cli_mine_named(names) && cli_mine_prepare(args.mine_from) != 0)
 *         return CLI_EXIT_FAILED;   (the reason was said, in words)
 *
 * From then on executor_kind_by_name("mine") (bench/executors.h) finds it.
 *
 * Tests: tests/mine.sh.
 */
#ifndef ASYNCLAB_CLI_MINE_H
#define ASYNCLAB_CLI_MINE_H

#include <stdbool.h>

/* True when names ("mine", or a list "spin,mine,notify") names mine. */
bool cli_mine_named(const char *names);

/*
 * Build lessons/mine/executor.c with the learner's lessons 6 and 10 (or,
 * with from = "solutions", the reference solutions) into a shared object
 * in the course's build folder, when a source is newer than it; try the
 * pieces on tiny futures in a child process; load it. 0, or 1 after one
 * sentence on stderr naming the lesson and `asynclab check N` (with the
 * compiler's words when it does not compile), or 2 when from is neither
 * NULL, "yours" (the learner's files) nor "solutions": the command's exit
 * status.
 */
int cli_mine_prepare(const char *from);

/* The option every command that takes --executor mine has. */
#define CLI_MINE_OPT(type, field)                                              \
    {"--mine-from", CLI_STRING, 0, 0, offsetof(type, field), "WHERE",          \
     "for --executor mine: \"yours\" (your lessons 6 and 10, the "            \
     "default) or \"solutions\" (the reference solutions)"}

#endif
