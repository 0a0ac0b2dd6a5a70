/* A C host of a NativeLib=Static archive that carries the stubs and the runtime. */
#include <stdio.h>

int run_app(void);

int main(void) {
    int r = run_app();
    printf("lazy call=%d\n", r);
    return 0;
}
