#include <stdio.h>
int pinvoke_libc__getpid(void);
double pinvoke_libm_so_6__cbrt(double);
int main(void) {
    printf("pid>0: %d, cbrt(27) = %g\n", pinvoke_libc__getpid() > 0, pinvoke_libm_so_6__cbrt(27.0));
    return 0;
}
