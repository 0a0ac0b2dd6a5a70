/* The call-path harness: a shared library linked like a published image (`-z now`, the emitted
 * stub object, the aotinterop runtime archive) that calls the same native function in
 * libtarget.so by every path. Each run_* function makes `n` calls in the same loop shape, so the
 * benchmark times one call of run_*(n) and divides by n; the callgrind driver counts the
 * instructions of run_*(2n) minus run_*(n).
 *
 * BENCH_MANY: number of distinct lazy imports f0..f<BENCH_MANY-1> (first calls).
 * BENCH_SLOWDOWN: extra instructions per lazy call, to show the regression check failing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef BENCH_MANY
#define BENCH_MANY 16
#endif
#ifndef BENCH_SLOWDOWN
#define BENCH_SLOWDOWN 0
#endif

#define EXPORT __attribute__((visibility("default")))
#define MIX_ARGS(i) (int64_t)(i), (int64_t)(i) + 1, 2, 3, 4, 5, (double)(i), 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0

typedef uint64_t (*int_fn)(uint64_t);
typedef double (*mix_fn)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, double, double,
                         double, double, double, double, double, double);

/* libtarget.so, bound at startup through the PLT (the image is linked -z now). */
uint64_t callee_int(uint64_t x);
double callee_mix(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, double, double, double,
                  double, double, double, double, double);
/* The same source compiled into this image. */
uint64_t local_callee_int(uint64_t x);
double local_callee_mix(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, double, double,
                        double, double, double, double, double, double);
/* The call stubs of the emitted stub object (lazy imports); bound inside the image. */
#define STUB __attribute__((visibility("hidden")))
STUB uint64_t pinvoke_int(uint64_t x);
STUB double pinvoke_mix(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, double, double, double,
                   double, double, double, double, double);
STUB uint64_t pinvoke_cold_int(uint64_t x);
STUB double pinvoke_cold_mix(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, double, double,
                        double, double, double, double, double, double);
#include "many.h" /* generated: declarations of pinvoke_f<i> and `static const int_fn many[]` */

extern const char __aotinterop_imports[] __attribute__((visibility("hidden")));
uint32_t aotinterop_find_import(const void *table, const char *library, const char *entry);
int32_t aotinterop_bind(const void *table, uint32_t index, char *message, size_t size);

#if BENCH_SLOWDOWN > 0
#define SLOWDOWN()                                                                                 \
    do {                                                                                           \
        for (int k_ = 0; k_ < BENCH_SLOWDOWN; k_++)                                                \
            __asm__ volatile("nop");                                                               \
    } while (0)
#else
#define SLOWDOWN() ((void)0)
#endif

/* ---- the import table (docs/import-abi.md) ---- */

static const void **cells;     /* cell i: the target of import i */
static void **handles;         /* handle slot m */
static const void **initial;   /* the cells as loaded: each points at its resolve thunk */
static uint32_t import_count;
static uint32_t idx_int, idx_mix, idx_cold_int, idx_cold_mix, idx_f0;
static uint16_t cold_module;

static uint32_t rd32(const char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const char *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* ---- the check-then-indirect-call shape (.NET native AOT's lazy P/Invoke cells) ---- */

int_fn check_cell_int;
mix_fn check_cell_mix;
static void *target_handle;

__attribute__((noinline)) static int_fn check_resolve_int(void) {
    int_fn f = (int_fn)dlsym(target_handle, "callee_int");
    __atomic_store_n(&check_cell_int, f, __ATOMIC_RELEASE);
    return f;
}
__attribute__((noinline)) static mix_fn check_resolve_mix(void) {
    mix_fn f = (mix_fn)dlsym(target_handle, "callee_mix");
    __atomic_store_n(&check_cell_mix, f, __ATOMIC_RELEASE);
    return f;
}

/* Snapshots the cells and warms every steady-state path. 0 on success. */
EXPORT int harness_init(void) {
    static int done;
    if (done)
        return 0;
    const char *t = __aotinterop_imports;
    if (rd32(t) != 0x49544f41u)
        return 1;
    import_count = rd32(t + 12);
    cells = (const void **)(t + (int32_t)rd32(t + 28));
    handles = (void **)(t + (int32_t)rd32(t + 32));
    static const void *snapshot[BENCH_MANY + 16];
    if (import_count > sizeof snapshot / sizeof snapshot[0])
        return 2;
    memcpy(snapshot, cells, import_count * sizeof(void *));
    initial = snapshot;
    idx_int = aotinterop_find_import(t, "target", "callee_int");
    idx_mix = aotinterop_find_import(t, "target", "callee_mix");
    idx_cold_int = aotinterop_find_import(t, "cold", "callee_int");
    idx_cold_mix = aotinterop_find_import(t, "cold", "callee_mix");
    idx_f0 = aotinterop_find_import(t, "target", "f0");
    if (idx_int == UINT32_MAX || idx_mix == UINT32_MAX || idx_cold_int == UINT32_MAX ||
        idx_cold_mix == UINT32_MAX || idx_f0 == UINT32_MAX)
        return 3;
    char last[32];
    snprintf(last, sizeof last, "f%d", BENCH_MANY - 1);
    if (aotinterop_find_import(t, "target", last) != idx_f0 + BENCH_MANY - 1)
        return 4; /* f0.. must be consecutive imports */
    cold_module = rd16(t + rd32(t + 20) + 8 * idx_cold_int + 4);
    target_handle = dlopen("libtarget.so", RTLD_NOW | RTLD_NOLOAD);
    if (!target_handle)
        return 5;
    /* first calls: afterwards every steady-state path is bound */
    if (pinvoke_int(1) != 4 || callee_int(1) != 4 || local_callee_int(1) != 4)
        return 6;
    if (pinvoke_mix(MIX_ARGS(1)) != callee_mix(MIX_ARGS(1)))
        return 7;
    check_resolve_int();
    check_resolve_mix();
    done = 1;
    return 0;
}

/* ---- steady state: n calls each ---- */

EXPORT uint64_t run_local_int(uint64_t n) {
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += local_callee_int(i);
    return acc;
}
EXPORT uint64_t run_plt_int(uint64_t n) {
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += callee_int(i);
    return acc;
}
EXPORT uint64_t run_lazy_int(uint64_t n) {
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        SLOWDOWN();
        acc += pinvoke_int(i);
    }
    return acc;
}
EXPORT uint64_t run_check_int(uint64_t n) {
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        int_fn f = __atomic_load_n(&check_cell_int, __ATOMIC_ACQUIRE);
        if (__builtin_expect(f == 0, 0))
            f = check_resolve_int();
        acc += f(i);
    }
    return acc;
}
/* A pointer from dlsym, fetched once: what a libloading Symbol dereferences to (the criterion
 * benchmark calls through a real libloading Symbol; this is its callgrind stand-in). */
EXPORT uint64_t run_fnptr_int(uint64_t n) {
    int_fn f = (int_fn)dlsym(target_handle, "callee_int");
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        int_fn g = f;
        __asm__ volatile("" : "+r"(g)); /* keep it an indirect call */
        acc += g(i);
    }
    return acc;
}
EXPORT uint64_t run_dlsym_int(uint64_t n) {
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += ((int_fn)dlsym(target_handle, "callee_int"))(i);
    return acc;
}

EXPORT double run_local_mix(uint64_t n) {
    double acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += local_callee_mix(MIX_ARGS(i));
    return acc;
}
EXPORT double run_plt_mix(uint64_t n) {
    double acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += callee_mix(MIX_ARGS(i));
    return acc;
}
EXPORT double run_lazy_mix(uint64_t n) {
    double acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        SLOWDOWN();
        acc += pinvoke_mix(MIX_ARGS(i));
    }
    return acc;
}
EXPORT double run_check_mix(uint64_t n) {
    double acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        mix_fn f = __atomic_load_n(&check_cell_mix, __ATOMIC_ACQUIRE);
        if (__builtin_expect(f == 0, 0))
            f = check_resolve_mix();
        acc += f(MIX_ARGS(i));
    }
    return acc;
}
EXPORT double run_fnptr_mix(uint64_t n) {
    mix_fn f = (mix_fn)dlsym(target_handle, "callee_mix");
    double acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        mix_fn g = f;
        __asm__ volatile("" : "+r"(g));
        acc += g(MIX_ARGS(i));
    }
    return acc;
}
EXPORT double run_dlsym_mix(uint64_t n) {
    double acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += ((mix_fn)dlsym(target_handle, "callee_mix"))(MIX_ARGS(i));
    return acc;
}

/* ---- first calls into an already-loaded library (its handle cached by an earlier import) ---- */

/* n first calls of the same import: its cell is put back to its resolve thunk before each call
 * (one store). */
EXPORT uint64_t run_first_int(uint64_t n) {
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        cells[idx_int] = initial[idx_int];
        acc += pinvoke_int(i);
    }
    return acc;
}
EXPORT double run_first_mix(uint64_t n) {
    double acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        cells[idx_mix] = initial[idx_mix];
        acc += pinvoke_mix(MIX_ARGS(i));
    }
    return acc;
}
/* Puts the cells of f0..f<BENCH_MANY-1> back to their resolve thunks. */
EXPORT void reset_many(void) {
    memcpy(cells + idx_f0, initial + idx_f0, BENCH_MANY * sizeof(void *));
}
EXPORT uint32_t many_count(void) { return BENCH_MANY; }
/* First calls of n distinct imports f<start>..f<start+n-1> (after reset_many). */
EXPORT uint64_t run_first_many(uint32_t start, uint32_t n) {
    uint64_t acc = 0;
    for (uint32_t i = start; i < start + n && i < BENCH_MANY; i++)
        acc += many[i](i);
    return acc;
}

/* ---- first calls into a library not loaded yet ---- */

/* Unloads libcold.so and puts its imports back to their resolve thunks; 0 when the library is
 * really gone from the process afterwards. */
EXPORT int cold_unload(void) {
    cells[idx_cold_int] = initial[idx_cold_int];
    cells[idx_cold_mix] = initial[idx_cold_mix];
    void *h = handles[cold_module];
    handles[cold_module] = 0;
    if (h)
        dlclose(h);
    void *still = dlopen("libcold.so", RTLD_LAZY | RTLD_NOLOAD);
    return still ? (dlclose(still), 1) : 0;
}
EXPORT uint64_t call_cold_int(uint64_t x) { return pinvoke_cold_int(x); }
EXPORT double call_cold_mix(uint64_t i) { return pinvoke_cold_mix(MIX_ARGS(i)); }
