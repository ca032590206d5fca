// CTimex: the kernel's clock discipline state (adjtimex), which Glibc's Swift module leaves out.
// Imported only by AgentTime's back-end file (`*+adjtimex.swift`). No logic: the macros Swift
// cannot import are re-declared as constants.
#ifndef BLEAGENT_CTIMEX_SHIM_H
#define BLEAGENT_CTIMEX_SHIM_H
#include <sys/timex.h>

static const int CTIMEX_TIME_ERROR = TIME_ERROR;
static const int CTIMEX_STA_UNSYNC = STA_UNSYNC;
#endif
