/* Stands in for the AOT-compiled StaticShim.Program.Main. */
#include <stdint.h>
#include <stdio.h>

int32_t pinvoke_StaticShim_Interop__SampleNative_Add(int32_t a, int32_t b);
int64_t pinvoke_StaticShim_Interop__SampleNative_Sum(const int32_t *values, int32_t count);
int32_t pinvoke_StaticShim_Interop__SampleNative_Reverse(uint8_t *buffer, int32_t length);

int main(void) {
    printf("SampleNative_Add(2, 40) = %d\n", (int)pinvoke_StaticShim_Interop__SampleNative_Add(2, 40));
    const int32_t values[] = {1, 2, 3, 4, 1000000000, 2000000000};
    printf("SampleNative_Sum = %lld\n", (long long)pinvoke_StaticShim_Interop__SampleNative_Sum(values, 6));
    uint8_t text[] = "static shim";
    pinvoke_StaticShim_Interop__SampleNative_Reverse(text, 11);
    printf("SampleNative_Reverse = %s\n", (const char *)text);
    return 0;
}
