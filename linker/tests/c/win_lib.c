/* A DLL's compiled code with its own entry point (no C runtime). */
#include <windows.h>

int shim_add(int a, int b);

__declspec(noinline) int lib_mul(int a, int b) { return shim_add(a * b, 0); }

int lib_hidden(void) { return 7; }

BOOL WINAPI dll_entry(HINSTANCE h, DWORD reason, LPVOID reserved) {
    (void)h; (void)reason; (void)reserved;
    return TRUE;
}
