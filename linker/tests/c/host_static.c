/* A C host linking a NativeLib=Static archive and nothing else of ours. */
#include <stdio.h>

int lib_mul(int a, int b);
int shim_add(int a, int b);

int main(void) {
    printf("mul=%d add=%d\n", lib_mul(6, 7), shim_add(40, 2));
    return 0;
}
