/* What a C runtime's startup files would bring to a win-arm64 image (see kernel32.def): an
 * entry point that runs main and exits with its value, and ARM64's stack probe `__chkstk`
 * (x15 = bytes / 16; touches each page below sp; keeps every register but x16 and x17). */
int main(void);
void exit(int);

void aotinterop_sample_start(void) { exit(main()); }

__asm__(".globl __chkstk\n"
        "__chkstk:\n"
        "  lsl x16, x15, #4\n"
        "  mov x17, sp\n"
        "1:\n"
        "  sub x17, x17, #4096\n"
        "  ldr xzr, [x17]\n"
        "  subs x16, x16, #4096\n"
        "  b.gt 1b\n"
        "  ret\n");
