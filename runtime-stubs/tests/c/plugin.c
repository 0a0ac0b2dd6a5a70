/* A library placed where the resolver must not look (the current directory), or in a
 * sub-folder of the image's folder where it must. */
#ifdef _WIN32
#define EXPORT __declspec(dllexport)
#else
#define EXPORT __attribute__((visibility("default")))
#endif
EXPORT int sub_plugin(int x) { return x + 40; }
