/*
 * lessons/check.h - what every lesson's checker (lessons/NN-topic/check.c)
 * includes: cmocka, and EXPECT, an assertion that says in words what is
 * still wrong with the learner's exercise.
 *
 *     EXPECT(r == POLL_READY,
 *            "line_reader_poll returned PENDING although the whole line "
 *            "was there: read bytes until '\\n' before giving up");
 *
 * A failed EXPECT appends "test<TAB>sentence" to the file named by
 * ASYNCLAB_CHECK_REPORT (set by `asynclab check`, see cli/lesson_build.c),
 * prints the sentence, and fails the cmocka test. Run a checker by hand
 * and the sentence is simply printed.
 *
 * Every checker ends with CHECK_MAIN(tests), which honours a test name
 * given on the command line (cmocka_set_test_filter), as every suite in
 * tests/ does.
 */
#ifndef ASYNCLAB_LESSONS_CHECK_H
#define ASYNCLAB_LESSONS_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

/* Write the sentence where the runner will find it, and on stderr. */
static inline void check_explain(const char *test, const char *fmt, ...)
{
    char words[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(words, sizeof words, fmt, ap);
    va_end(ap);
    fprintf(stderr, "✗ %s: %s\n", test, words);
    const char *path = getenv("ASYNCLAB_CHECK_REPORT");
    FILE *f = path != NULL ? fopen(path, "a") : NULL;
    if (f != NULL) {
        fprintf(f, "%s\t%s\n", test, words);
        fclose(f);
    }
}

/* When cond is false: explain (printf-style) and fail this test. */
#define EXPECT(cond, ...)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            check_explain(__func__, __VA_ARGS__);                              \
            fail();                                                            \
        }                                                                      \
    } while (0)

/* EXPECT from a helper: test names the test the sentence belongs to. */
#define EXPECT_IN(test, cond, ...)                                             \
    do {                                                                       \
        if (!(cond)) {                                                         \
            check_explain((test), __VA_ARGS__);                                \
            fail();                                                            \
        }                                                                      \
    } while (0)

/* main: run the tests (or the one named on the command line), with an
 * optional group setup (a cmocka CMFixture: measure once, check many). */
#define CHECK_MAIN_SETUP(name, tests, setup)                                   \
    int main(int argc, char **argv)                                            \
    {                                                                          \
        if (argc > 1)                                                          \
            cmocka_set_test_filter(argv[1]);                                   \
        return cmocka_run_group_tests_name(name, tests, setup, NULL);          \
    }

#define CHECK_MAIN(name, tests) CHECK_MAIN_SETUP(name, tests, NULL)

/* Two groups: the exercise's tests, then a comparison's, whose setup runs
 * the measurements once. */
#define CHECK_MAIN2(name1, tests1, name2, tests2, setup2)                      \
    int main(int argc, char **argv)                                            \
    {                                                                          \
        if (argc > 1)                                                          \
            cmocka_set_test_filter(argv[1]);                                   \
        int failed = cmocka_run_group_tests_name(name1, tests1, NULL, NULL);   \
        return failed +                                                        \
               cmocka_run_group_tests_name(name2, tests2, setup2, NULL);       \
    }

#endif
