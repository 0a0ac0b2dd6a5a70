/* Stands in for the AOT-compiled bodies of the UnmanagedCallersOnly methods of
 * NativeExports.Exports. Their C names are the EntryPoint names, which the image exports. */
#include <stdint.h>

int32_t pinvoke_NativeExports_Exports__Abs(int32_t value);

int32_t exports_add(int32_t a, int32_t b) {
#ifdef _WIN32
    return (a < 0 ? -a : a) + b;
#else
    /* A lazy P/Invoke made from inside the library: bound on this first call. */
    return pinvoke_NativeExports_Exports__Abs(a) + b;
#endif
}
double exports_scale(double value, double factor) { return value * factor; }
int32_t exports_version(void) { return 3; }
/* Compiled code that is not an entry point: it must not be visible outside the image. */
int32_t exports_internal_helper(void) { return 42; }
