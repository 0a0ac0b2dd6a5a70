/* A native host linked with the NativeLib=Static archive: it calls the entry points directly.
 * The archive carries the runtime too, so nothing else is needed to link. */
#include <stdint.h>
#include <stdio.h>

int32_t exports_add(int32_t a, int32_t b);
double exports_scale(double value, double factor);
int32_t exports_version(void);

int main(void) {
    printf("exports_version() = %d\n", (int)exports_version());
    printf("exports_add(-2, 40) = %d\n", (int)exports_add(-2, 40));
    printf("exports_scale(1.5, 4) = %g\n", exports_scale(1.5, 4.0));
    return 0;
}
