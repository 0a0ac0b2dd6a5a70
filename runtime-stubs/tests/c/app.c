/* Stands in for ahead-of-time compiled code: calls the per-import call symbols of the stub
 * object. `app MODE [ARG]` runs one scenario and prints what it saw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <errno.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <dlfcn.h>
#ifdef __GLIBC__
#include <execinfo.h>
#else
#include <unwind.h>
#endif
#endif

/* Reference copies of the library's functions. */
#define DECL static
#define FN(name) ref_##name
#include "callee_impl.h"
#undef FN
#undef DECL

/* The call symbols (defined by the stub object). */
long long pinvoke_sum6(long long, long long, long long, long long, long long, long long);
double pinvoke_sum8d(double, double, double, double, double, double, double, double);
double pinvoke_mix(int, int, int, int, int, int, int, int, double, double, double, double,
                   double, double, double, double, double);
struct big pinvoke_make_big(long long, double);
double pinvoke_vsum(int, ...);
int pinvoke_seen_errno(void);
int pinvoke_callee_loads(void);
int pinvoke_missing_lib(int);
int pinvoke_missing_entry(int);
long long pinvoke_virtual_sum6(long long, long long, long long, long long, long long, long long);
int pinvoke_sub_plugin(int);
int pinvoke_direct_abs(int); /* a direct import forwarded to abs */
#ifdef _WIN32
int pinvoke_pick_unicode(void);
int pinvoke_pick_ansi(void);
long long pinvoke_sum6_by_ordinal(long long, long long, long long, long long, long long, long long);
#endif
#if defined(_WIN32) && defined(__i386__)
/* A stdcall import found only decorated (`_sum2_stdcall@8`): the call symbol keeps its plain
 * name, as an AOT compiler's would. */
int __stdcall pinvoke_sum2_stdcall(int, int) __asm__("_pinvoke_sum2_stdcall");
int __fastcall pinvoke_fastsum3(int, int, int) __asm__("_pinvoke_fastsum3");
#endif
#include "many_calls.h" /* int call_f(int i, int x): switch calling pinvoke_f<i> */

/* The C API of the runtime. */
#include "aotinterop.h"
extern const char __aotinterop_imports[];

static int failures;
static char last_message[4096];
static int fallback_plus_100(int x) { return x + 100; }

static const void *on_failure(const aotinterop_failure *f, void *user) {
    failures++;
    snprintf(last_message, sizeof last_message, "%s", f->message);
    printf("failure kind=%u library=%s entry=%s\n", f->kind, f->library, f->entry);
    return user; /* the fallback, or NULL */
}

#ifndef _WIN32
/* Walks the stack from inside the failure handler, i.e. from the resolver called by the
 * trampolines' slow path: the unwinder must get through it back to main. */
#ifndef __GLIBC__
#include <link.h>
/* Debian's gcc is built for glibc: its libgcc unwinder finds an address's unwind tables with
 * glibc's `_dl_find_object` (2.35), which musl lacks. The same answer from dl_iterate_phdr, for
 * this test program's own backtrace (layout of x86_64 and aarch64, glibc's dlfcn.h). */
struct dl_find_object {
    unsigned long long dlfo_flags;
    void *dlfo_map_start, *dlfo_map_end, *dlfo_link_map, *dlfo_eh_frame;
    unsigned long long reserved[7];
};
struct find_pc { uintptr_t pc; struct dl_find_object *out; };
static int find_pc_in(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct find_pc *f = data;
    int inside = 0;
    void *eh = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + p->p_vaddr;
        if (p->p_type == PT_LOAD && f->pc >= start && f->pc < start + p->p_memsz) inside = 1;
        if (p->p_type == PT_GNU_EH_FRAME) eh = (void *)start;
    }
    if (!inside) return 0;
    memset(f->out, 0, sizeof *f->out);
    f->out->dlfo_eh_frame = eh;
    return 1;
}
int _dl_find_object(void *pc, struct dl_find_object *out) {
    struct find_pc f = { (uintptr_t)pc, out };
    return dl_iterate_phdr(find_pc_in, &f) ? 0 : -1;
}

/* musl has no `backtrace`: the same walk with libgcc's unwinder, printed in glibc's
 * `name+offset` shape. */
static _Unwind_Reason_Code print_frame(struct _Unwind_Context *ctx, void *arg) {
    (void)arg;
    uintptr_t ip = _Unwind_GetIP(ctx);
    Dl_info info;
    if (ip && dladdr((void *)(ip - 1), &info) && info.dli_sname)
        printf("%s(%s+0x%lx) [%p]\n", info.dli_fname, info.dli_sname,
               (unsigned long)(ip - (uintptr_t)info.dli_saddr), (void *)ip);
    else
        printf("[%p]\n", (void *)ip);
    return _URC_NO_REASON;
}
#endif
static const void *print_backtrace(const aotinterop_failure *f, void *user) {
    (void)f; (void)user;
#ifdef __GLIBC__
    void *frames[64];
    int n = backtrace(frames, 64);
    fflush(stdout);
    backtrace_symbols_fd(frames, n, 1);
#else
    _Unwind_Backtrace(print_frame, NULL);
    fflush(stdout);
#endif
    return NULL;
}
#endif

static void abi(void) {
    long long s6 = pinvoke_sum6(1, 2, 3, 4, 5, 6);
    printf("sum6 %lld %lld\n", s6, ref_sum6(1, 2, 3, 4, 5, 6));
    double s8 = pinvoke_sum8d(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5);
    printf("sum8d %.4f %.4f\n", s8, ref_sum8d(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5));
    double m = pinvoke_mix(1, 2, 3, 4, 5, 6, 7, 8, .1, .2, .3, .4, .5, .6, .7, .8, .9);
    printf("mix %.4f %.4f\n", m, ref_mix(1, 2, 3, 4, 5, 6, 7, 8, .1, .2, .3, .4, .5, .6, .7, .8, .9));
    struct big b = pinvoke_make_big(7, 1.5), rb = ref_make_big(7, 1.5);
    printf("make_big %lld %lld %lld %lld %lld %lld %lld %lld\n", b.a, b.b, b.c, b.d, rb.a, rb.b,
           rb.c, rb.d);
    double v = pinvoke_vsum(4, 1.0, 2.0, 3.0, 4.0);
    printf("vsum %.4f %.4f\n", v, ref_vsum(4, 1.0, 2.0, 3.0, 4.0));
    /* Second round: now through the bound cells. */
    printf("again %lld %.4f\n", pinvoke_sum6(6, 5, 4, 3, 2, 1),
           pinvoke_vsum(2, 10.0, 20.0));
    printf("direct_abs %d\n", pinvoke_direct_abs(-42));
#ifdef _WIN32
    printf("charset unicode=%d ansi=%d\n", pinvoke_pick_unicode(), pinvoke_pick_ansi());
    printf("ordinal sum6=%lld\n", pinvoke_sum6_by_ordinal(1, 2, 3, 4, 5, 6));
#endif
#if defined(_WIN32) && defined(__i386__)
    printf("stdcall decorated sum2=%d\n", pinvoke_sum2_stdcall(40, 2));
    printf("fastcall sum3=%d\n", pinvoke_fastsum3(1, 2, 3));
#endif
}

#ifdef _WIN32
static void set_err(int v) { SetLastError((DWORD)v); }
static int get_err(void) { return (int)GetLastError(); }
#else
static void set_err(int v) { errno = v; }
static int get_err(void) { return errno; }
#endif

#define THREADS 8
#define IMPORTS 1000
static int bad_calls;
#ifdef _WIN32
static volatile LONG go;
static DWORD WINAPI worker(LPVOID arg) {
#else
static volatile int go;
static void *worker(void *arg) {
#endif
    int t = (int)(intptr_t)arg;
    while (!go) {}
    for (int k = 0; k < IMPORTS; k++) {
        int i = (k * 7 + t * 131) % IMPORTS;
        if (call_f(i, t) != t * 3 + i) __sync_fetch_and_add(&bad_calls, 1);
    }
    return 0;
}

static void threads(void) {
#ifdef _WIN32
    HANDLE th[THREADS];
    for (int t = 0; t < THREADS; t++) th[t] = CreateThread(NULL, 0, worker, (LPVOID)(intptr_t)t, 0, NULL);
    go = 1;
    WaitForMultipleObjects(THREADS, th, TRUE, INFINITE);
#else
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
    go = 1;
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
#endif
    printf("threads bad=%d loads=%d\n", bad_calls, pinvoke_callee_loads());
}

#ifdef _WIN32
static double now_ns(void) {
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * 1e9 / (double)f.QuadPart;
}
#else
#include <time.h>
static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}
#endif

/* Rough figures (the benches measure properly): the first call of 999 entries of an already
 * loaded library, then steady-state calls through the bound cells. */
static void timing(void) {
    int bad = call_f(0, 1) != 3;
    double t0 = now_ns();
    for (int i = 1; i < IMPORTS; i++) bad += call_f(i, 1) != 3 + i;
    double t1 = now_ns();
    for (int r = 0; r < 100; r++)
        for (int i = 0; i < IMPORTS; i++) bad += call_f(i, 1) != 3 + i;
    double t2 = now_ns();
    printf("timing bad=%d first_call_ns=%.0f steady_call_ns=%.1f\n", bad, (t1 - t0) / (IMPORTS - 1),
           (t2 - t1) / (100.0 * IMPORTS));
}

static void *virtual_resolver(const char *library, uint32_t search_path, void *user) {
    printf("resolver asked library=%s search_path=0x%x\n", library, search_path);
    if (strcmp(library, "virtual") != 0) return NULL;
#ifdef _WIN32
    return (void *)LoadLibraryA((const char *)user);
#else
    return dlopen((const char *)user, RTLD_NOW);
#endif
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "abi";
    if (!strcmp(mode, "abi")) {
        abi();
    } else if (!strcmp(mode, "errno")) {
        set_err(1234);
        int seen = pinvoke_seen_errno();
        int after = get_err();
        set_err(77);
        int seen2 = pinvoke_seen_errno();
        printf("errno seen=%d after=%d again=%d\n", seen, after, seen2);
    } else if (!strcmp(mode, "timing")) {
        timing();
    } else if (!strcmp(mode, "threads")) {
        threads();
    } else if (!strcmp(mode, "missing")) {
        aotinterop_set_failure_handler(on_failure, NULL);
        int r1 = pinvoke_missing_lib(5);
        int r2 = pinvoke_missing_lib(6);
        printf("missing_lib returned %d %d failures=%d\n", r1, r2, failures);
        printf("message<<%s>>\n", last_message);
        int r3 = pinvoke_missing_entry(5);
        printf("missing_entry returned %d failures=%d\n", r3, failures);
        printf("message<<%s>>\n", last_message);
        printf("still running sum6=%lld\n", pinvoke_sum6(1, 1, 1, 1, 1, 1));
    } else if (!strcmp(mode, "fallback")) {
        aotinterop_set_failure_handler(on_failure, (void *)fallback_plus_100);
        printf("fallback returned %d\n", pinvoke_missing_lib(5));
#ifndef _WIN32
    } else if (!strcmp(mode, "backtrace")) {
        aotinterop_set_failure_handler(print_backtrace, NULL);
        printf("backtrace returned %d\n", pinvoke_missing_lib(5));
#endif
    } else if (!strcmp(mode, "abort")) {
        printf("before\n");
        pinvoke_missing_lib(5);
        printf("not reached\n");
    } else if (!strcmp(mode, "bind")) {
        char msg[2048];
        uint32_t n = aotinterop_import_count(__aotinterop_imports);
        uint32_t i = aotinterop_find_import(__aotinterop_imports, "nosuchlib", "gone");
        int k = aotinterop_bind(__aotinterop_imports, i, msg, sizeof msg);
        printf("count=%u missing_index_ok=%d bind=%d\n", n, i < n, k);
        printf("message<<%s>>\n", msg);
        uint32_t j = aotinterop_find_import(__aotinterop_imports, "callee", "sum6");
        printf("bind_sum6=%d\n", aotinterop_bind(__aotinterop_imports, j, NULL, 0));
        printf("unknown=%u\n", aotinterop_find_import(__aotinterop_imports, "callee", "nope"));
    } else if (!strcmp(mode, "resolver")) {
        aotinterop_set_resolver(virtual_resolver, argc > 2 ? argv[2] : "");
        printf("virtual sum6=%lld\n", pinvoke_virtual_sum6(1, 2, 3, 4, 5, 6));
    } else if (!strcmp(mode, "cwd")) {
        aotinterop_set_failure_handler(on_failure, NULL);
        int r = pinvoke_sub_plugin(1);
        printf("sub_plugin returned %d failures=%d\n", r, failures);
        printf("message<<%s>>\n", last_message);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
