/* The vendor's library. Built without an import library (Windows) and kept out of the link
 * (everywhere): the publish sees only what the request says about it. */
#ifdef _WIN32
#define VENDOR_API
#else
#define VENDOR_API __attribute__((visibility("default")))
#endif

VENDOR_API int vendor_add(int a, int b) { return a + b; }
VENDOR_API const char *vendor_name(void) { return "vendor library 1.0"; }
VENDOR_API int vendor_secret(void) { return 1234; }
VENDOR_API int vendor_counter = 42;
