/* The native function every call path of the benchmarks calls, in two signatures: one integer,
 * and 6 integers + 8 doubles (every integer and vector argument register of System V x86_64).
 * Built into libtarget.so (the library the paths call into), libcold.so (loaded on the first
 * call) and, renamed with CALLEE_PREFIX, into the harness itself (the call within the image). */
#include <stdint.h>

#ifdef CALLEE_LOCAL
#define CALLEE(name) __attribute__((visibility("hidden"))) local_##name
#else
#define CALLEE(name) name
#endif

uint64_t CALLEE(callee_int)(uint64_t x) {
    return x * 3 + 1;
}

double CALLEE(callee_mix)(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f,
                          double d0, double d1, double d2, double d3, double d4, double d5,
                          double d6, double d7) {
    return (double)(a + b + c + d + e + f) + d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7;
}
