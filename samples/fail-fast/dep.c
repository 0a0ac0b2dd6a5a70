/* The library the sample links against but does not ship next to the image. */
#ifdef _WIN32
__declspec(dllexport)
#endif
int failfast_dep_value(void) { return 7; }
