/* The native side of the Mono AOT tests: every argument shape a P/Invoke passes, errno, a
 * callback into C#, and the functions of the thread race (generated, see mono_aot.rs). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

typedef struct { int64_t a, b, c; double d; } Big;

int64_t sum8(int a, int b, int c, int d, int e, int f, int g, int h) {
    return (int64_t)a + b + c + d + e + f + g + h;
}
double sum10d(double a, double b, double c, double d, double e, double f, double g, double h,
              double i, double j) {
    return a + b + c + d + e + f + g + h + i + j;
}
double mix(int a, double b, int c, double d, int e, double f, int g, double h, int i, double j,
           int64_t k, double l, int m, double n, int o, double p, int q, double r) {
    return a + b + c + d + e + f + g + h + i + j + (double)k + l + m + n + o + p + q + r;
}
Big make_big(int64_t seed) {
    Big b = { seed, seed * 2, seed * 3, (double)seed / 2 };
    return b;
}
int64_t big_sum(Big b) { return b.a + b.b + b.c + (int64_t)(b.d * 2); }
int strlen_ansi(const char *s) { return (int)strlen(s); }
int utf16_units(const uint16_t *s) { int n = 0; while (s[n]) n++; return n; }
int fail_with_errno(int e) { errno = e; return -1; }
int call_back(int (*cb)(int), int x) { return cb(x) + 1; }
