/* The library of the hostile-moments program (hostile.c): its initialiser calls back into the
 * image while the resolver's dlopen / LoadLibrary of it is in progress, and (slow mode) takes
 * its time doing so, so that another thread's first call arrives during the load. */
#ifdef _WIN32
#include <windows.h>
#define EXPORT __declspec(dllexport)
#else
#include <stdlib.h>
#include <time.h>
#define EXPORT __attribute__((visibility("default")))
#endif

static volatile int init_runs;
static volatile int seen_in_init = -1;

EXPORT int hostile_helper(void) { return 7; }
EXPORT int hostile_value(void) { return 42; }
EXPORT int hostile_other(void) { return 43; }
EXPORT int hostile_init_runs(void) { return init_runs; }
EXPORT int hostile_seen_in_init(void) { return seen_in_init; }

#ifndef _WIN32
/* Defined by the program (exported with -rdynamic): makes a first call of a lazy import of this
 * very library, whose dlopen has not returned yet. */
int app_hook(void);

__attribute__((constructor)) static void on_load(void) {
    init_runs++;
    if (getenv("HOSTILE_SLOW")) {
        struct timespec t = {0, 300 * 1000 * 1000};
        nanosleep(&t, 0);
    }
    if (getenv("HOSTILE_HOOK")) seen_in_init = app_hook();
}
#else
BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved) {
    (void)h; (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) {
        init_runs++;
        if (GetEnvironmentVariableA("HOSTILE_SLOW", 0, 0)) Sleep(300);
    }
    return TRUE;
}
#endif
