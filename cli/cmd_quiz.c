/*
 * cli/cmd_quiz.c - `asynclab quiz N [--seed S] [--kind K] [--answer]`:
 * predict, then reveal. A question about lesson N's idea, on a small run
 * the seed makes (the same seed, the same question and answer), answered
 * on one line of standard input; then the answer with the events that
 * prove it and the visualizer command that shows them. --answer prints
 * the question and its answer and reads nothing (OSTEP's -c). --list
 * names the kinds of every lesson.
 *
 * The kinds are cli/quiz_<topic>.c; the engine is cli/quiz.c.
 *
 * Exit status: 0 a right answer (or --answer, --list), 1 a wrong one or
 * none, 2 a bad command line.
 *
 * Tests: tests/quiz.sh.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/quiz.h"

void quiz__save(quiz_t *q); /* cli/quiz.c */

typedef struct quiz_args {
    uint64_t seed;
    const char *kind;
    bool answer, list;
} quiz_args_t;

static const cli_opt_t quiz_opts[] = {
    {"--seed", CLI_U64, 0, 0, offsetof(quiz_args_t, seed), "S",
     "which question: the run's parameters and interleaving (default 1)"},
    {"--kind", CLI_STRING, 0, 0, offsetof(quiz_args_t, kind), "K",
     "the kind of question (default: one the seed picks; --list names them)"},
    {"--answer", CLI_FLAG, 0, 0, offsetof(quiz_args_t, answer), NULL,
     "print the question and its answer with the proof; read nothing"},
    {"--list", CLI_FLAG, 0, 0, offsetof(quiz_args_t, list), NULL,
     "the kinds of question of every lesson (or of lesson N)"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

static const cli_opt_t *const quiz_tables[] = {quiz_opts, NULL};

static const quiz_kind_t *const quiz_tables_by_topic[] = {
    quiz_kinds_spin,     quiz_kinds_wakers, quiz_kinds_notify,
    quiz_kinds_time,     quiz_kinds_io,     quiz_kinds_tasks,
    quiz_kinds_ws,       quiz_kinds_blocking, quiz_kinds_fair,
    quiz_kinds_capstone, quiz_kinds_fast,   quiz_kinds_blockon,
    quiz_kinds_combine,  quiz_kinds_sync,   quiz_kinds_redis,
    NULL,
};

static void quiz_usage(FILE *out)
{
    fprintf(out,
            "usage: asynclab quiz N [--seed S] [--kind K] [--answer]\n"
            "       asynclab quiz [N] --list\n"
            "\n"
            "Predict, then reveal: a question about lesson N (%d to %d) on a "
            "small\nsimulated run that the seed makes. It shows the state "
            "(queues, rings,\ntimers), asks one question, reads your answer "
            "(one line: a number, a\ntask like t5, a worker like w1, yes or "
            "no, or a letter), says right or\nwrong, and shows the events "
            "that prove the answer and the visualizer\ncommand that steps to "
            "them. The same seed gives the same question.\nThe run is saved "
            "as a trace file under $TMPDIR/asynclab-quiz (default /tmp).\n"
            "Exit status: 0 right, 1 wrong (or no answer), 2 a bad command "
            "line.\n\n",
            QUIZ_FIRST_LESSON, QUIZ_LAST_LESSON);
    cli_print_options(out, quiz_tables);
    fputs("\nexample:\n  asynclab quiz 13 --kind steal-count --seed 3\n"
          "  asynclab quiz 7 --seed 2 --answer\n",
          out);
}

static int quiz_main(int argc, char **argv);

const cli_command_t cli_cmd_quiz = {
    .name = "quiz",
    .summary = "predict, then reveal: a question on a lesson's idea, "
               "answered from a run",
    .usage = quiz_usage,
    .main = quiz_main,
};

/* ---- the kinds ------------------------------------------------------------ */

static size_t kinds_of(int lesson, const quiz_kind_t **out, size_t max)
{
    size_t n = 0;
    for (const quiz_kind_t *const *t = quiz_tables_by_topic; *t != NULL; t++)
        for (const quiz_kind_t *k = *t; k->name != NULL; k++)
            if (k->lesson == lesson && n < max)
                out[n++] = k;
    return n;
}

static void list_kinds(int only)
{
    for (int l = QUIZ_FIRST_LESSON; l <= QUIZ_LAST_LESSON; l++) {
        if (only != 0 && l != only)
            continue;
        const quiz_kind_t *k[16];
        size_t n = kinds_of(l, k, 16);
        printf("lesson %d:\n", l);
        for (size_t i = 0; i < n; i++)
            printf("  %-14s %s\n", k[i]->name, k[i]->summary);
    }
}

/* ---- answers -------------------------------------------------------------- */

/* The answer in its canonical spelling ("t5", "w1", "12", "yes", "b",
 * "t3 t1 t2"), or "" when it is not one of the form's. */
static void normalize_one(quiz_form_t form, const char *in, size_t len,
                          char *out, size_t n)
{
    char w[64];
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < sizeof w; i++)
        w[j++] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] - 'A' + 'a'
                                                     : in[i]);
    w[j] = '\0';
    out[0] = '\0';
    const char *digits = w;
    switch (form) {
    case QUIZ_YESNO:
        if (strcmp(w, "y") == 0 || strcmp(w, "yes") == 0)
            snprintf(out, n, "yes");
        else if (strcmp(w, "n") == 0 || strcmp(w, "no") == 0)
            snprintf(out, n, "no");
        return;
    case QUIZ_LETTER:
        if (j >= 1 && w[0] >= 'a' && w[0] <= 'z' &&
            (j == 1 || (j == 2 && w[1] == ')')))
            snprintf(out, n, "%c", w[0]);
        return;
    case QUIZ_TASK:
    case QUIZ_TASKS:
        if (strcmp(w, "none") == 0 || strcmp(w, "empty") == 0 ||
            strcmp(w, "-") == 0) {
            snprintf(out, n, "none");
            return;
        }
        if (w[0] == 't')
            digits = w + 1;
        break;
    case QUIZ_WORKER:
        if (w[0] == 'w')
            digits = w + 1;
        break;
    case QUIZ_NUMBER:
        break;
    }
    if (digits[0] == '\0' || strspn(digits, "0123456789") != strlen(digits) ||
        strlen(digits) > 18)
        return;
    unsigned long long v = strtoull(digits, NULL, 10);
    if (form == QUIZ_TASK || form == QUIZ_TASKS)
        snprintf(out, n, "t%llu", v);
    else if (form == QUIZ_WORKER)
        snprintf(out, n, "w%llu", v);
    else
        snprintf(out, n, "%llu", v);
}

static void normalize(quiz_form_t form, const char *in, char *out, size_t n)
{
    out[0] = '\0';
    size_t used = 0;
    const char *sep = " \t,\r\n";
    for (const char *p = in; *p != '\0';) {
        p += strspn(p, sep);
        size_t len = strcspn(p, sep);
        if (len == 0)
            break;
        char one[32];
        normalize_one(form, p, len, one, sizeof one);
        p += len;
        if (one[0] == '\0' || (form != QUIZ_TASKS && used > 0)) {
            out[0] = '\0'; /* not of the form, or a second word */
            return;
        }
        int w = snprintf(out + used, n - used, "%s%s", used > 0 ? " " : "",
                         one);
        if (w < 0 || (size_t)w >= n - used) {
            out[0] = '\0';
            return;
        }
        used += (size_t)w;
    }
}

static const char *form_hint(quiz_form_t form)
{
    switch (form) {
    case QUIZ_NUMBER:
        return "a number";
    case QUIZ_TASK:
        return "a task, like t5 (or none)";
    case QUIZ_WORKER:
        return "a worker, like w1";
    case QUIZ_YESNO:
        return "yes or no";
    case QUIZ_LETTER:
        return "a letter";
    case QUIZ_TASKS:
        return "tasks in order, like t3 t1 t2 (or none)";
    }
    return "";
}

/* ---- printing ------------------------------------------------------------- */

static void print_commands(const quiz_t *q, size_t step)
{
    const quiz_run_t *r = &q->run;
    if (r->own) {
        if (r->trace_path[0] != '\0')
            printf("  asynclab replay %s --print-screen %zu\n", r->trace_path,
                   step);
    } else {
        printf("  asynclab viz %s --executor %s", r->scenario, r->executor);
        if (strcmp(r->executor, "ws") == 0)
            printf(" --workers %d", r->workers);
        printf(" --sim --seed %" PRIu64, r->sim_seed);
        quiz_print_params(stdout, &r->params);
        printf(" --print-screen %zu\n", step);
    }
    printf("  (or --step instead of --print-screen, then press s %zu "
           "time%s)\n",
           step, step == 1 ? "" : "s");
}

/* Event k is the last of its visualizer step. */
static bool step_ends(const quiz_run_t *r, size_t k)
{
    const trace_event_t *next = quiz_ev(r, k + 1);
    return next == NULL || viz_event_starts_step(next);
}

static void print_question(quiz_t *q)
{
    printf("asynclab quiz %d --kind %s --seed %" PRIu64 "\n\n", q->lesson,
           q->kind, q->seed);
    fwrite(q->buf[0], 1, q->len[0], stdout);
    if (q->len[1] > 0) {
        if (q->shown == 0)
            printf("\nThe state before the first event:\n");
        else if (step_ends(&q->run, q->shown))
            printf("\nThe state after event %zu (the end of visualizer step "
                   "%zu):\n",
                   q->shown, quiz_step_of(&q->run, q->shown));
        else
            printf("\nThe state after event %zu (within visualizer step "
                   "%zu):\n",
                   q->shown, quiz_step_of(&q->run, q->shown));
        fwrite(q->buf[1], 1, q->len[1], stdout);
    }
    printf("\nQuestion: ");
    fwrite(q->buf[2], 1, q->len[2], stdout);
    printf("Answer with %s.\n", form_hint(q->form));
}

static void print_reveal(quiz_t *q)
{
    printf("\nAnswer: %s\n", q->answer);
    if (q->len[3] > 0) {
        printf("Why: ");
        fwrite(q->buf[3], 1, q->len[3], stdout);
    }
    if (q->n_proof > 0) {
        printf("\nThe events that decide it (numbered as asynclab trace "
               "export --text numbers them):\n");
        for (size_t i = 0; i < q->n_proof; i++)
            quiz_print_event(q, stdout, q->proof[i]);
    }
    size_t last = q->reveal != 0              ? q->reveal
                  : q->n_proof > 0            ? q->proof[q->n_proof - 1]
                                              : 0;
    if (last != 0) {
        size_t step = quiz_step_of(&q->run, last);
        printf("\nSee it in the visualizer: step %zu", step);
        size_t asked = quiz_step_of(&q->run, q->shown);
        if (q->shown != 0 && asked < step && step_ends(&q->run, q->shown))
            printf(" (the question's state is step %zu)", asked);
        printf(":\n");
        print_commands(q, step);
    }
    if (q->run.trace_path[0] != '\0' && q->n_proof > 0)
        printf("The run in words (this run, saved):\n"
               "  asynclab trace export %s --text - | awk '$1 >= %zu && $1 "
               "<= %zu'\n",
               q->run.trace_path, q->proof[0], q->proof[q->n_proof - 1]);
}

/* ---- main ----------------------------------------------------------------- */

static bool parse_lesson(const char *s, int *out)
{
    if (s == NULL || s[0] == '\0' || strspn(s, "0123456789") != strlen(s) ||
        strlen(s) > 3)
        return false;
    *out = atoi(s);
    return true;
}

static int ask(quiz_t *q)
{
    printf("> ");
    fflush(stdout);
    char line[256];
    if (fgets(line, sizeof line, stdin) == NULL) {
        printf("\nno answer read (end of input)\n");
        print_reveal(q);
        return CLI_EXIT_FAILED;
    }
    if (!isatty(STDIN_FILENO)) /* not echoed: show what was read */
        printf("%.*s\n", (int)strcspn(line, "\r\n"), line);
    char got[128], want[128];
    normalize(q->form, line, got, sizeof got);
    normalize(q->form, q->answer, want, sizeof want);
    bool right = got[0] != '\0' && strcmp(got, want) == 0;
    if (right)
        printf("right: %s\n", want);
    else if (got[0] == '\0')
        printf("wrong: that is not %s\n", form_hint(q->form));
    else
        printf("wrong: you said %s\n", got);
    print_reveal(q);
    return right ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

static void drop_question(quiz_t *q)
{
    quiz_run_free(&q->run);
    for (int i = 0; i < 4; i++) {
        free(q->buf[i]);
        q->buf[i] = NULL;
        q->len[i] = 0;
    }
}

/* Let the kind make its question. A run that happens to hold no moment to
 * ask about (-ENODATA: no steal in it, say) is thrown away and the kind
 * tries again with the seed's next choices: still the same every time. */
static int make_question(quiz_t *q, const quiz_kind_t *kind)
{
    int err = -ENODATA;
    for (int attempt = 0; attempt < 8 && err == -ENODATA; attempt++) {
        drop_question(q);
        q->n_proof = q->shown = q->reveal = 0;
        q->answer[0] = '\0';
        FILE **streams[4] = {&q->setup, &q->state, &q->ask, &q->why};
        for (int i = 0; i < 4; i++) {
            *streams[i] = open_memstream(&q->buf[i], &q->len[i]);
            if (*streams[i] == NULL) {
                for (int j = 0; j < i; j++)
                    fclose(*streams[j]);
                return -errno;
            }
        }
        err = kind->make(q);
        for (int i = 0; i < 4; i++)
            fclose(*streams[i]);
    }
    return err;
}

static int quiz_main(int argc, char **argv)
{
    quiz_args_t a = {.seed = 1};
    cli_positionals_t pos = {.max = 1};
    int status;
    if (!cli_parse(&cli_cmd_quiz, quiz_tables, &a, argc, argv, &pos, &status))
        return status;
    int lesson = 0;
    if (pos.count == 1 && !parse_lesson(pos.args[0], &lesson))
        return cli_usage_error(&cli_cmd_quiz,
                               "quiz: %s: expected a lesson number", pos.args[0]);
    if (pos.count == 1 &&
        (lesson < QUIZ_FIRST_LESSON || lesson > QUIZ_LAST_LESSON))
        return cli_usage_error(&cli_cmd_quiz,
                               "quiz: lesson %d has no questions (lessons %d "
                               "to %d have)",
                               lesson, QUIZ_FIRST_LESSON, QUIZ_LAST_LESSON);
    if (a.list) {
        list_kinds(lesson);
        return CLI_EXIT_OK;
    }
    if (pos.count == 0)
        return cli_usage_error(&cli_cmd_quiz, "quiz: missing N, the lesson");
    const quiz_kind_t *kinds[16];
    size_t n = kinds_of(lesson, kinds, 16);
    const quiz_kind_t *kind = NULL;
    if (a.kind == NULL) {
        kind = kinds[a.seed % n];
    } else {
        for (size_t i = 0; i < n; i++)
            if (strcmp(kinds[i]->name, a.kind) == 0)
                kind = kinds[i];
    }
    if (kind == NULL) {
        char names[256] = "";
        for (size_t i = 0; i < n; i++) {
            if (strlen(names) + strlen(kinds[i]->name) + 3 > sizeof names)
                break;
            if (i > 0)
                strcat(names, ", ");
            strcat(names, kinds[i]->name);
        }
        return cli_usage_error(&cli_cmd_quiz,
                               "--kind: lesson %d has no kind '%s' (its kinds: "
                               "%s)",
                               lesson, a.kind, names);
    }

    quiz_t q;
    memset(&q, 0, sizeof q);
    q.lesson = lesson;
    q.kind = kind->name;
    q.seed = a.seed;
    /* The stream of choices: the seed, mixed with lesson and kind, so two
     * kinds of one seed do not pick alike. */
    uint64_t h = cli_fnv1a(CLI_FNV_START, kind->name);
    q.rng.state = a.seed * UINT64_C(0x9e3779b97f4a7c15) ^ h ^ (uint64_t)lesson;
    int err = make_question(&q, kind);
    int rc;
    if (err != 0) {
        fprintf(stderr, "asynclab: quiz %d --kind %s --seed %" PRIu64
                        ": could not make the question: %s\n",
                lesson, kind->name, a.seed, cli_strerror(err));
        rc = CLI_EXIT_FAILED;
    } else {
        if (q.run.n > 0)
            quiz__save(&q);
        print_question(&q);
        if (a.answer) {
            print_reveal(&q);
            rc = CLI_EXIT_OK;
        } else {
            rc = ask(&q);
        }
    }
    drop_question(&q);
    return rc;
}
