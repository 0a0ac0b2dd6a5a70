/* A vendor's library: built by the tests, never given to the link (a generated stand-in takes
   its place). On Windows without a C runtime (`vendor.def` gives the ordinals). */
#ifdef _WIN32
#define VENDOR_API
#else
#define VENDOR_API __attribute__((visibility("default")))
#endif

VENDOR_API int vendor_add(int a, int b) { return a + b; }
VENDOR_API int vendor_secret(void) { return 7; }
VENDOR_API int vendor_counter = 42;

#ifdef _WIN32
int __stdcall dll_entry(void *module, unsigned reason, void *reserved) {
    (void)module, (void)reason, (void)reserved;
    return 1;
}
#endif
