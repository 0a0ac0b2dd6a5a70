/* Stands in for the AOT-compiled FailFast.Program.Main. With the default failure handling, a
 * lazy call whose library is missing prints .NET's DllNotFoundException message and aborts. */
#include <stdint.h>
#include <stdio.h>

int32_t pinvoke_FailFast_Interop__failfast_dep_value(void);

int main(void) {
    printf("started\n");
    fflush(stdout);
    printf("failfast_dep_value() = %d\n", (int)pinvoke_FailFast_Interop__failfast_dep_value());
    return 0;
}
