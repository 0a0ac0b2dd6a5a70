/* Bodies of the test library's functions. Included by callee.c (exported, called through the
 * trampolines) and by app.c (as local reference copies, to compare results). FN(name) names
 * each function; DECL is its linkage. */
#include <stdarg.h>

struct big { long long a, b, c, d; };

DECL long long FN(sum6)(long long a, long long b, long long c, long long d, long long e,
                        long long f) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}

DECL double FN(sum8d)(double a, double b, double c, double d, double e, double f, double g,
                      double h) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

/* 8 integers and 9 doubles: some go on the stack on every ABI. */
DECL double FN(mix)(int i0, int i1, int i2, int i3, int i4, int i5, int i6, int i7, double d0,
                    double d1, double d2, double d3, double d4, double d5, double d6, double d7,
                    double d8) {
    return i0 + 2 * i1 + 3 * i2 + 4 * i3 + 5 * i4 + 6 * i5 + 7 * i6 + 8 * i7 + 10 * d0 +
           20 * d1 + 30 * d2 + 40 * d3 + 50 * d4 + 60 * d5 + 70 * d6 + 80 * d7 + 90 * d8;
}

/* Returned through a hidden pointer (rdi on SysV, rcx on Win64, x8 on aarch64). */
DECL struct big FN(make_big)(long long x, double scale) {
    struct big r = { x, x * 2, x * 3, (long long)(x * scale) };
    return r;
}

/* Varargs: on SysV, al carries the number of vector registers used. */
DECL double FN(vsum)(int n, ...) {
    va_list ap;
    double s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++) s += (i + 1) * va_arg(ap, double);
    va_end(ap);
    return s;
}
