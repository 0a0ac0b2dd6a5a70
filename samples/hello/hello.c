/* Stands in for the code the .NET AOT compiler generates for Hello.Program.Main: it calls each
 * P/Invoke through its call symbol (docs/naming.md) and turns a binding failure into what the
 * managed code would see, a caught DllNotFoundException. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "aotinterop.h"

#ifdef _WIN32
uint32_t pinvoke_Hello_Kernel32__GetCurrentProcessId(void);
int32_t pinvoke_Hello_Shlwapi__PathIsRelative(const uint16_t *path);
#else
int32_t pinvoke_Hello_Libc__getpid(void);
intptr_t pinvoke_Hello_Libc__write(int32_t fd, const void *buffer, intptr_t count);
const char *pinvoke_Hello_Zlib__zlibVersion(void);
uint32_t pinvoke_Hello_Zlib__crc32(uint32_t crc, const uint8_t *buffer, uint32_t length);
#endif
int32_t pinvoke_Hello_Optional__optional_feature(int32_t value);

/* The managed `catch (DllNotFoundException e)`: print the message and go on. */
static const void *on_failure(const aotinterop_failure *failure, void *user) {
    (void)user;
    printf("caught: %s\n", failure->message);
    return NULL;
}

int main(void) {
    aotinterop_set_failure_handler(on_failure, NULL);
#ifdef _WIN32
    printf("hello from pid %u (GetCurrentProcessId: direct, bound at startup)\n",
           (unsigned)pinvoke_Hello_Kernel32__GetCurrentProcessId());
    static const uint16_t rel[] = {'a', '\\', 'b', 0};
    printf("PathIsRelative(\"a\\b\") = %d (shlwapi: lazy, bound on first call)\n",
           (int)pinvoke_Hello_Shlwapi__PathIsRelative(rel));
#else
    printf("hello from pid %d (getpid: direct, bound at startup)\n", (int)pinvoke_Hello_Libc__getpid());
    static const char line[] = "write: direct, bound at startup\n";
    fflush(stdout);
    pinvoke_Hello_Libc__write(1, line, (intptr_t)strlen(line));
    const uint8_t text[] = "hello";
    printf("zlib %s: crc32(\"hello\") = 0x%08x (lazy, bound on first call)\n",
           pinvoke_Hello_Zlib__zlibVersion(), (unsigned)pinvoke_Hello_Zlib__crc32(0, text, 5));
#endif
    fflush(stdout);
    int32_t r = pinvoke_Hello_Optional__optional_feature(1);
    printf("optional_feature returned %d; still running: only the call that needed the missing library failed\n",
           (int)r);
    return 0;
}
