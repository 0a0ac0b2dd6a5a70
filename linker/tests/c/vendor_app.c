/* Calls the vendor's library directly: by name, and (Windows) by ordinal through the symbol
   `#7` the import library defines, as native AOT names a direct P/Invoke of EntryPoint "#7". */
#ifdef _WIN32
#include <windows.h>
int vendor_add(int a, int b);
/* GNU as takes a symbol name that is not an identifier in double quotes. */
int vendor_secret(void) __asm__("\"#7\"");

void start(void) {
    char msg[] = "sum=5 secret=0\r\n";
    msg[4] = (char)('0' + vendor_add(2, 3) % 10);
    msg[13] = (char)('0' + vendor_secret() % 10);
    DWORD written;
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), msg, sizeof msg - 1, &written, NULL);
    ExitProcess(0);
}
#else
#include <stdio.h>
int vendor_add(int a, int b);
int vendor_secret(void);

int main(void) {
    printf("sum=%d secret=%d\n", vendor_add(2, 3), vendor_secret());
    return 0;
}
#endif
