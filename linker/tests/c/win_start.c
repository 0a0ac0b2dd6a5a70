/* A Windows program with its own entry point and kernel32 only (no C runtime), for
   link.exe-compatible linkers without the MSVC libraries. */
#include <windows.h>

int shim_add(int a, int b);

void start(void) {
    char msg[] = "sum=5\r\n";
    msg[4] = (char)('0' + shim_add(2, 3) % 10);
    DWORD written;
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), msg, sizeof msg - 1, &written, NULL);
    ExitProcess(0);
}
