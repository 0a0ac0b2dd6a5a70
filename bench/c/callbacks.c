/* The native side of bench/cs/Callbacks.cs: calls a managed callback n times. */
#include <stdint.h>

typedef int32_t (*op_fn)(int32_t, int32_t);

int32_t cb_fold(op_fn op, int32_t n) {
    int32_t acc = 0;
    for (int32_t i = 0; i < n; i++)
        acc = op(acc, i);
    return acc;
}
