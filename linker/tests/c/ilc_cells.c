/* A layout fixture, not ILC output: the fixup cells .NET's native AOT compiler emits for lazy
 * P/Invokes (ModuleFixupCell, MethodFixupCell, as dotnet/runtime's InteropHelpers.cs declares
 * them), written in C, because no real native AOT ELF image here has any. Built as a shared
 * library with hidden visibility, every pointer in them is an R_*_RELATIVE relocation, as in an
 * ILC image. The decoys are data that looks almost like a cell and must not be read as one.
 * DotNetRuntimeDebugHeader is exported so that the image is taken for a native AOT image. */
#include <stdint.h>

struct module_cell {
    void *handle;
    const char *name;
    const void *calling_assembly_type;
    uint32_t search_path_and_cookie;
};

struct method_cell {
    void *target;
    const char *entry;
    struct module_cell *module;
    int32_t flags;
};

__attribute__((visibility("default"))) const char DotNetRuntimeDebugHeader[16] = {1};

static const char module_type[32] = {1};

struct module_cell cell_libfoo = {0, "libfoo", module_type, 0};
/* DllImportSearchPath.AssemblyDirectory | System32, given. */
struct module_cell cell_libbar = {0, "libbar.so.1", module_type, 0x80000000u | 0x802};

struct method_cell foo_open = {0, "foo_open", &cell_libfoo, 0};
struct method_cell foo_close = {0, "foo_close", &cell_libfoo, 0};
struct method_cell bar_query = {0, "bar_query", &cell_libbar, 0};

#ifdef _WIN32
/* Windows: `#12` is stored as the ordinal itself, not as a pointer to a name. */
struct method_cell by_ordinal = {0, (const char *)(uintptr_t)12, &cell_libfoo, 0};
#endif

/* Decoys. */
struct method_cell target_set = {&foo_open, "decoy_target_set", &cell_libfoo, 0};
char writable_name[] = "decoy_writable_name";
struct method_cell name_in_data = {0, writable_name, &cell_libfoo, 0};
struct module_cell bad_module = {0, "decoy_module", module_type, 0x1234};
struct method_cell bad_module_user = {0, "decoy_bad_module", &bad_module, 0};
struct method_cell bad_flags = {0, "decoy_flags", &cell_libfoo, 0x1000};
const char *just_a_pointer_table[4] = {"decoy_a", "decoy_b", "decoy_c", "decoy_d"};
