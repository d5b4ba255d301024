/*
 * cli/quiz_redis.c - lesson 18's questions: mini-redis (lessons/18-mini-redis).
 *
 * (Its kinds are being written; the table is empty until they land.)
 */
#include "cli/quiz.h"

const quiz_kind_t quiz_kinds_redis[] = {
    {0, NULL, NULL, NULL},
};
