/* Loads the protected library (linked against it) and runs every path once. */
#include <stdio.h>
long long protected_run(void);
int main(void) {
    printf("protected %lld\n", protected_run());
    return 0;
}
