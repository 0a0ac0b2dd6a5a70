/* Compiled code calling through import stubs: a direct import (puts) and a lazy one
   (compress) that this program never calls. */
int app_puts(const char *s);
int app_compress(void *dst, unsigned long *dst_len, const void *src, unsigned long src_len);

/* Stands in for the runtime's slow path, which only a first lazy call reaches. */
void __aotinterop_lazy_entry(void) {}

int main(int argc, char **argv) {
    (void)argv;
#ifndef NO_LAZY_CALL
    if (argc > 5) return app_compress(0, 0, 0, 0);
#endif
    app_puts("called through a stub");
    return 0;
}
