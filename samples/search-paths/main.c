/* Stands in for the AOT-compiled SearchPaths.Program.Main: calls each import and reports, like
 * the managed code catching DllNotFoundException, which ones the search did not find. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "aotinterop.h"

int32_t pinvoke_SearchPaths_Interop__next_value(void);
int32_t pinvoke_SearchPaths_Interop__sub_value(void);
int32_t pinvoke_SearchPaths_Interop__next_value_system32(void);
int32_t pinvoke_SearchPaths_Interop__cwd_value(void);

static int failed;

static const void *on_failure(const aotinterop_failure *failure, void *user) {
    (void)user;
    failed = 1;
    /* The first line of the DllNotFoundException message. */
    const char *nl = strchr(failure->message, '\n');
    printf("  not found: %.*s\n", nl ? (int)(nl - failure->message) : (int)strlen(failure->message),
           failure->message);
    return NULL;
}

static void report(const char *what, int32_t (*call)(void)) {
    failed = 0;
    int32_t v = call();
    if (!failed) printf("%s = %d\n", what, (int)v);
    else printf("%s failed\n", what);
}

int main(void) {
    aotinterop_set_failure_handler(on_failure, NULL);
    report("next_value (lazy, next to the image)", pinvoke_SearchPaths_Interop__next_value);
    report("sub_value (direct, rpath $ORIGIN/plugins)", pinvoke_SearchPaths_Interop__sub_value);
    /* Without AssemblyDirectory the image's folder is not searched, but the OS loader still finds
     * the library through the image's own rpath ($ORIGIN), as it would for .NET. */
    report("next_value_system32 (lazy, System32 only: found by the OS loader through the image's rpath)",
           pinvoke_SearchPaths_Interop__next_value_system32);
    report("cwd_value (lazy, only in the current directory)", pinvoke_SearchPaths_Interop__cwd_value);
    return 0;
}
