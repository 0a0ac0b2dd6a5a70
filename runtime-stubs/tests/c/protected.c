/* A library built with control-flow protection (CET on x86_64, BTI + PAC on aarch64) whose
 * P/Invokes are lazy: every first call goes through the stubs' thunks and the runtime, and
 * the runtime calls back into it (the failure handler) and jumps to its fallbacks. */
#include "aotinterop.h"

#define EXPORT __attribute__((visibility("default")))

long long pinvoke_sum6(long long, long long, long long, long long, long long, long long);
double pinvoke_sum8d(double, double, double, double, double, double, double, double);
int pinvoke_missing_entry(int);
int pinvoke_missing_lib(int);

static int failures;
static int fallback_plus_100(int x) { return x + 100; }

static const void *on_failure(const aotinterop_failure *f, void *user) {
    (void)f;
    failures++;
    return user; /* the fallback, or NULL: the runtime's own zero-returning function */
}

/* Returns a checksum of every path, or a negative step number where one went wrong. */
EXPORT long long protected_run(void) {
    if (pinvoke_sum6(1, 2, 3, 4, 5, 6) != 91) return -1;  /* first call */
    if (pinvoke_sum6(1, 1, 1, 1, 1, 1) != 21) return -2;  /* bound */
    if (pinvoke_sum8d(1, 1, 1, 1, 1, 1, 1, 1) != 36.0) return -3;
    aotinterop_set_failure_handler(on_failure, (void *)fallback_plus_100);
    if (pinvoke_missing_entry(1) != 101) return -4;       /* the handler's fallback */
    aotinterop_set_failure_handler(on_failure, 0);
    if (pinvoke_missing_lib(1) != 0) return -5;           /* the runtime's fallback */
    aotinterop_set_failure_handler(0, 0);
    return failures == 2 ? 4242 : -6;
}
