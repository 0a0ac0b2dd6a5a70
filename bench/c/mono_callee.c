/* The native function of the compiled-C# benchmark (bench/cs/CallCost.cs), built twice with
 * -DNAME: into libcostdirect.so (bound by the loader) and libcostlazy.so (bound on first call). */
#include <stdint.h>

uint64_t NAME(uint64_t x) {
    return x * 3 + 1;
}
