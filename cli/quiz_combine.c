/*
 * cli/quiz_combine.c - lesson 11's questions: join, select and timeout (lessons/11-join-select).
 *
 * (Its kinds are being written; the table is empty until they land.)
 */
#include "cli/quiz.h"

const quiz_kind_t quiz_kinds_combine[] = {
    {0, NULL, NULL, NULL},
};
