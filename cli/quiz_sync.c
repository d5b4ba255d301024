/*
 * cli/quiz_sync.c - lesson 12's questions: the async mutex and notify (lessons/12-mutex-notify).
 *
 * (Its kinds are being written; the table is empty until they land.)
 */
#include "cli/quiz.h"

const quiz_kind_t quiz_kinds_sync[] = {
    {0, NULL, NULL, NULL},
};
