/* A C host loading a shared library through dlopen: the exported symbol is found, the
   hidden one is not. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { printf("dlopen failed: %s\n", dlerror()); return 1; }
    int (*mul)(int, int) = (int (*)(int, int))dlsym(h, "lib_mul");
    void *hidden = dlsym(h, "lib_hidden");
    printf("mul=%d hidden=%s\n", mul ? mul(6, 7) : -1, hidden ? "visible" : "absent");
    return 0;
}
