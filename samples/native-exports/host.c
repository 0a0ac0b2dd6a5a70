/* A native host: loads the shared library by path with dlopen / LoadLibrary and calls its exports
 * by name. It also checks that a non-exported symbol of the image is not visible. */
#include <stdint.h>
#include <stdio.h>
#ifdef _WIN32
#include <windows.h>
#define LOAD(path) ((void *)LoadLibraryA(path))
#define SYM(lib, name) ((void *)GetProcAddress((HMODULE)(lib), name))
#else
#include <dlfcn.h>
#define LOAD(path) dlopen(path, RTLD_NOW | RTLD_LOCAL)
#define SYM(lib, name) dlsym(lib, name)
#endif

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: host LIBRARY\n");
        return 2;
    }
    void *lib = LOAD(argv[1]);
    if (!lib) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    int32_t (*add)(int32_t, int32_t) = (int32_t(*)(int32_t, int32_t))SYM(lib, "exports_add");
    double (*scale)(double, double) = (double (*)(double, double))SYM(lib, "exports_scale");
    int32_t (*version)(void) = (int32_t(*)(void))SYM(lib, "exports_version");
    if (!add || !scale || !version) {
        fprintf(stderr, "missing export\n");
        return 1;
    }
    printf("exports_version() = %d\n", (int)version());
    printf("exports_add(-2, 40) = %d\n", (int)add(-2, 40));
    printf("exports_scale(1.5, 4) = %g\n", scale(1.5, 4.0));
    printf("exports_internal_helper visible: %s\n", SYM(lib, "exports_internal_helper") ? "yes" : "no");
    return 0;
}
