/* Stands in for the AOT-compiled VendorApp.Program.Main: every call goes through the call
 * symbol of its P/Invoke, bound directly by the loader from the vendor's library. */
#include <stdint.h>
#include <stdio.h>

int32_t pinvoke_VendorApp_Vendor__vendor_add(int32_t a, int32_t b);
const char *pinvoke_VendorApp_Vendor__vendor_name(void);
#ifdef _WIN32
int32_t pinvoke_VendorApp_Vendor__vendor_secret(void);
#endif

int main(void) {
    printf("%s\n", pinvoke_VendorApp_Vendor__vendor_name());
    printf("vendor_add(2, 40) = %d\n", (int)pinvoke_VendorApp_Vendor__vendor_add(2, 40));
#ifdef _WIN32
    printf("ordinal 7 = %d\n", (int)pinvoke_VendorApp_Vendor__vendor_secret());
#endif
    return 0;
}
