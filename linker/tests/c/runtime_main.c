/* Compiled code calling a direct import (puts) and a lazy one (custom_fn, in a library next to
   the image, loaded on the first call by the runtime). */
int app_puts(const char *s);
int app_custom_fn(int x);

int run_app(void) {
    app_puts("direct call");
    return app_custom_fn(41);
}

#ifndef NO_MAIN
#include <stdio.h>
int main(void) {
    int r = run_app();
    printf("lazy call=%d\n", r);
    return 0;
}
#endif
