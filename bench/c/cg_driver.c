/* Counts the instructions of every call path under `valgrind --tool=callgrind
 * --collect-atstart=no`: loads the harness (argv[1]), then for each path runs run_<path>(n) and
 * run_<path>(2n), each collected alone and dumped as "<path> <n>". Instructions per call are
 * (I(2n) - I(n)) / n: the loop's fixed cost and everything outside it cancel. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

static const char *const paths[] = {
    "local_int", "plt_int", "lazy_int", "check_int", "fnptr_int", "dlsym_int", "first_int",
    "local_mix", "plt_mix", "lazy_mix", "check_mix", "fnptr_mix", "dlsym_mix", "first_mix",
};

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: cg_driver HARNESS.so N\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    int (*init)(void) = (int (*)(void))dlsym(h, "harness_init");
    int rc = init ? init() : -1;
    if (rc != 0) {
        fprintf(stderr, "harness_init failed: %d\n", rc);
        return 1;
    }
    uint64_t n = strtoull(argv[2], 0, 10);
    for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
        char name[64];
        snprintf(name, sizeof name, "run_%s", paths[p]);
        void *f = dlsym(h, name);
        if (!f) {
            fprintf(stderr, "no %s\n", name);
            return 1;
        }
        for (uint64_t k = 1; k <= 2; k++) {
            char label[80];
            snprintf(label, sizeof label, "%s %llu", paths[p], (unsigned long long)(k * n));
            volatile double sink;
            CALLGRIND_TOGGLE_COLLECT;
            size_t len = strlen(paths[p]);
            if (len > 4 && strcmp(paths[p] + len - 4, "_mix") == 0)
                sink = ((double (*)(uint64_t))f)(k * n);
            else
                sink = (double)((uint64_t (*)(uint64_t))f)(k * n);
            CALLGRIND_TOGGLE_COLLECT;
            CALLGRIND_DUMP_STATS_AT(label);
            (void)sink;
        }
    }
    return 0;
}
