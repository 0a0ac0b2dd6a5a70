/* Stands in for compiled code: calls into a NativeLibrary archive and into libc and libm. */
#include <math.h>
#include <stdio.h>

int shim_add(int a, int b);

int main(int argc, char **argv) {
    (void)argv;
    volatile double x = (double)argc;
    printf("sum=%d cos=%.0f\n", shim_add(2, 3), cos(x - 1.0));
    return 0;
}
