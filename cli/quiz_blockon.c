/*
 * cli/quiz_blockon.c - lesson 10's questions: block_on (lessons/10-block-on).
 *
 * (Its kinds are being written; the table is empty until they land.)
 */
#include "cli/quiz.h"

const quiz_kind_t quiz_kinds_blockon[] = {
    {0, NULL, NULL, NULL},
};
