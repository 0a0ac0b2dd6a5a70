/* wine 8 has no bcryptprimitives.dll, whose ProcessPrng the Rust standard library (in the
   runtime) imports on Windows. This stand-in, put next to a test image, answers from
   advapi32's RtlGenRandom (exported as SystemFunction036). Windows 10 and later have the real
   one. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
