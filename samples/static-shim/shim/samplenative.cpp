// A small native shim in the style of .NET's own (System.Native and friends): C exports with a
// `SampleNative_` prefix and only fixed-size types, so the managed signatures are the same on
// every platform. Built into a static archive and linked into the image through a NativeLibrary
// item, so the image has no dynamic dependency on it.
#include <algorithm>
#include <cstdint>
#include <numeric>

extern "C" {

int32_t SampleNative_Add(int32_t a, int32_t b) { return a + b; }

int64_t SampleNative_Sum(const int32_t *values, int32_t count) {
    if (values == nullptr || count <= 0) return 0;
    return std::accumulate(values, values + count, int64_t{0});
}

int32_t SampleNative_Reverse(uint8_t *buffer, int32_t length) {
    if (buffer == nullptr || length < 0) return -1;
    std::reverse(buffer, buffer + length);
    return length;
}

}
