#include "cli/quiz.h"
const quiz_kind_t quiz_kinds_notify[] = {{0, NULL, NULL, NULL}};
const quiz_kind_t quiz_kinds_time[] = {{0, NULL, NULL, NULL}};
const quiz_kind_t quiz_kinds_io[] = {{0, NULL, NULL, NULL}};
const quiz_kind_t quiz_kinds_tasks[] = {{0, NULL, NULL, NULL}};
const quiz_kind_t quiz_kinds_ws[] = {{0, NULL, NULL, NULL}};
const quiz_kind_t quiz_kinds_blocking[] = {{0, NULL, NULL, NULL}};
const quiz_kind_t quiz_kinds_fair[] = {{0, NULL, NULL, NULL}};
const quiz_kind_t quiz_kinds_capstone[] = {{0, NULL, NULL, NULL}};
const quiz_kind_t quiz_kinds_fast[] = {{0, NULL, NULL, NULL}};
