/* A C host loading a DLL through LoadLibrary: the exported symbol is found, the hidden one
   is not. */
#include <stdio.h>
#include <windows.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    HMODULE h = LoadLibraryA(argv[1]);
    if (!h) { printf("LoadLibrary failed: %lu\n", GetLastError()); return 1; }
    int (*mul)(int, int) = (int (*)(int, int))(void *)GetProcAddress(h, "lib_mul");
    FARPROC hidden = GetProcAddress(h, "lib_hidden");
    printf("mul=%d hidden=%s\n", mul ? mul(6, 7) : -1, hidden ? "visible" : "absent");
    fflush(stdout);
    return 0;
}
