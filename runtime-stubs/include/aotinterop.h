/* The C API of the aotinterop runtime (the lazy P/Invoke resolver), see docs/runtime.md.
 * `table` is always &__aotinterop_imports of the image (declare it as
 * `extern const char __aotinterop_imports[];`). */
#ifndef AOTINTEROP_H
#define AOTINTEROP_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Asked first for every library, like NativeLibrary.SetDllImportResolver: return a handle from
 * dlopen / LoadLibrary, or NULL to let the normal search run. */
typedef void *(*aotinterop_resolver_fn)(const char *library, uint32_t search_path, void *user);
void aotinterop_set_resolver(aotinterop_resolver_fn resolver, void *user);

enum {
    AOTINTEROP_DLL_NOT_FOUND = 1,
    AOTINTEROP_ENTRY_POINT_NOT_FOUND = 2,
    AOTINTEROP_BAD_IMPORT = 3
};

/* What a failure handler is told; the strings live for the duration of the call. */
typedef struct aotinterop_failure {
    uint32_t kind;       /* AOTINTEROP_* */
    uint32_t index;      /* the import's index in its table */
    const char *library; /* as written in DllImport */
    const char *entry;   /* as declared */
    const char *message; /* DllNotFoundException / EntryPointNotFoundException text */
} aotinterop_failure;

/* Called instead of print-and-abort when a first call cannot bind. Return a function the call
 * jumps to with its own arguments, or NULL: the call then returns 0. Failures are not cached:
 * the next call of the import tries again. */
typedef const void *(*aotinterop_failure_fn)(const aotinterop_failure *failure, void *user);
void aotinterop_set_failure_handler(aotinterop_failure_fn handler, void *user);

/* Number of lazy imports of the table. */
uint32_t aotinterop_import_count(const void *table);
/* Index of the import of `entry` in `library` (names as written), or UINT32_MAX. */
uint32_t aotinterop_find_import(const void *table, const char *library, const char *entry);
/* Binds one import now without calling it: 0 when it can be called, else AOTINTEROP_*; the
 * message goes to `message` (may be NULL). The failure handler is not involved. */
int32_t aotinterop_bind(const void *table, uint32_t index, char *message, size_t message_size);
/* Binds every import now; returns how many failed (they stay lazy). */
uint32_t aotinterop_bind_all(const void *table);

#ifdef __cplusplus
}
#endif
#endif
