/* The test library the trampolines bind to lazily. */
#ifdef _WIN32
#include <windows.h>
#define EXPORT __declspec(dllexport)
#else
#include <errno.h>
#define EXPORT __attribute__((visibility("default")))
#endif

#define DECL EXPORT
#define FN(name) name
#include "callee_impl.h"

static volatile int loads;

#ifdef _WIN32
BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved) {
    (void)h; (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) loads++;
    return TRUE;
}
/* CharSet spellings: Unicode/Auto imports of `pick` bind pickW, Ansi/None ones pickA. */
EXPORT int pickW(void) { return 2; }
EXPORT int pickA(void) { return 1; }
/* The last-error value the callee sees on entry. */
EXPORT int seen_errno(void) { return (int)GetLastError(); }
#ifdef __i386__
/* stdcall, exported only by its decorated name `_sum2_stdcall@8`, as MSVC's dllexport names
 * stdcall functions (GNU ld's export directive `NAME=INTERNAL`, internal names without their
 * leading underscore). */
int __stdcall sum2_stdcall(int a, int b) { return a + b; }
__asm__(".section .drectve\n\t.ascii \" -export:_sum2_stdcall@8=sum2_stdcall@8\"\n\t.text");
/* fastcall: a and b arrive in ecx and edx, which the slow path must keep; exported plainly. */
int __fastcall fastsum3(int a, int b, int c) { return a + 2 * b + 3 * c; }
__asm__(".section .drectve\n\t.ascii \" -export:fastsum3=@fastsum3@12\"\n\t.text");
#endif
#else
__attribute__((constructor)) static void on_load(void) { loads++; }
/* The errno value the callee sees on entry. */
EXPORT int seen_errno(void) { return errno; }
#endif

/* How many times this library's initialiser ran. */
EXPORT int callee_loads(void) { return loads; }

/* f0 ... f999, for the thread race. */
#define F(i) EXPORT int f##i(int x) { return x * 3 + i; }
#include "many_defs.h"
