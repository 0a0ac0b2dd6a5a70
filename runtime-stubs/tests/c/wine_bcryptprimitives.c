/* Test scaffolding for wine 8 only: Rust's standard library imports ProcessPrng from
 * bcryptprimitives.dll (present on Windows 10 and later), which wine 8 does not ship.
 * scripts/wine-prefix installs this stand-in into the test prefix's system32; on Windows the
 * system's DLL is used. */
#include <windows.h>
#define RtlGenRandom SystemFunction036
BOOLEAN NTAPI RtlGenRandom(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
