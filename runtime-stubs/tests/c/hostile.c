/* Hostile moments for the lazy resolver (run by tests/hostile_moments.rs). `hostile MODE`:
 *   init      a library initialiser calls a lazy import of the same library during its load;
 *   callbacks a failure handler and a resolver callback make first calls of other imports;
 *   race      a first call while another thread's load of the same library is in progress;
 *   fork      the child of a fork calls bound and unbound imports (Unix);
 *   signal    a signal handler calls a bound import (Unix).
 * Each prints one line of results; any deadlock is caught by the test's timeout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif
#include "aotinterop.h"

int pinvoke_hostile_helper(void);
int pinvoke_hostile_value(void);
int pinvoke_hostile_other(void);
int pinvoke_hostile_init_runs(void);
int pinvoke_hostile_seen_in_init(void);
int pinvoke_hostile_missing(void);
int pinvoke_virtual_value(void);
long long pinvoke_sum6(long long, long long, long long, long long, long long, long long);
int pinvoke_f1(int);
int pinvoke_f2(int);

#ifndef _WIN32
/* Called by the library's initialiser (HOSTILE_HOOK). */
__attribute__((visibility("default"))) int app_hook(void) { return pinvoke_hostile_helper(); }
#endif

static long long handler_saw = -1;
static int from_fallback(void) { return 5; }
static const void *on_failure(const aotinterop_failure *f, void *user) {
    (void)f; (void)user;
    handler_saw = pinvoke_sum6(1, 2, 3, 4, 5, 6); /* a first call, from inside the handler */
    return (const void *)from_fallback;
}

static int resolver_nested = -1;
static void *resolver(const char *library, uint32_t search_path, void *user) {
    (void)search_path; (void)user;
    if (strcmp(library, "virtual") != 0) return NULL;
    resolver_nested = pinvoke_f2(10); /* a first call of another library's import */
    return NULL; /* and let the normal search fail for "virtual" */
}

#ifdef _WIN32
static DWORD WINAPI first_value(LPVOID out) { *(int *)out = pinvoke_hostile_value(); return 0; }
static DWORD WINAPI first_other(LPVOID out) { *(int *)out = pinvoke_hostile_other(); return 0; }
#else
static void *first_value(void *out) { *(int *)out = pinvoke_hostile_value(); return 0; }
static void *first_other(void *out) { *(int *)out = pinvoke_hostile_other(); return 0; }
static volatile long long in_signal = -1;
static void on_signal(int sig) { (void)sig; in_signal = pinvoke_sum6(1, 1, 1, 1, 1, 1); }
#endif

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    setvbuf(stdout, 0, _IONBF, 0);
    if (!strcmp(mode, "init")) {
        int v = pinvoke_hostile_value();
        printf("init value=%d seen_in_init=%d init_runs=%d\n", v, pinvoke_hostile_seen_in_init(),
               pinvoke_hostile_init_runs());
    } else if (!strcmp(mode, "callbacks")) {
        aotinterop_set_failure_handler(on_failure, 0);
        aotinterop_set_resolver(resolver, 0);
        int r = pinvoke_hostile_missing();
        int v = pinvoke_virtual_value();
        printf("callbacks fallback=%d handler_saw=%lld virtual=%d resolver_nested=%d\n", r, handler_saw, v,
               resolver_nested);
    } else if (!strcmp(mode, "race")) {
        int a = -1, b = -1;
#ifdef _WIN32
        HANDLE ta = CreateThread(0, 0, first_value, &a, 0, 0);
        Sleep(100);
        HANDLE tb = CreateThread(0, 0, first_other, &b, 0, 0);
        WaitForSingleObject(ta, INFINITE);
        WaitForSingleObject(tb, INFINITE);
#else
        pthread_t ta, tb;
        pthread_create(&ta, 0, first_value, &a);
        struct timespec t = {0, 100 * 1000 * 1000};
        nanosleep(&t, 0);
        pthread_create(&tb, 0, first_other, &b);
        pthread_join(ta, 0);
        pthread_join(tb, 0);
#endif
        printf("race a=%d b=%d init_runs=%d\n", a, b, pinvoke_hostile_init_runs());
#ifndef _WIN32
    } else if (!strcmp(mode, "fork")) {
        long long bound = pinvoke_sum6(1, 2, 3, 4, 5, 6);
        pid_t child = fork();
        if (child == 0) {
            long long again = pinvoke_sum6(1, 1, 1, 1, 1, 1);
            int unbound = pinvoke_f1(10);
            printf("child bound=%lld unbound=%d\n", again, unbound);
            _exit(again == 21 && unbound == 31 ? 0 : 1);
        }
        int status = 0;
        waitpid(child, &status, 0);
        printf("fork parent=%lld child_exit=%d after=%d\n", bound, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
               pinvoke_f1(1));
    } else if (!strcmp(mode, "signal")) {
        long long bound = pinvoke_sum6(1, 2, 3, 4, 5, 6);
        signal(SIGUSR1, on_signal);
        raise(SIGUSR1);
        printf("signal bound=%lld in_handler=%lld\n", bound, in_signal);
#endif
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
