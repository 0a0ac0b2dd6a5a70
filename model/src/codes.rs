//! Every diagnostic code aotinterop reports, once, with its meaning: `AOTI00xx`–`AOTI02xx` are
//! the request, plan, scan and publish errors, `AOTI05xx` the link steps', `AOTI08xx` the MSBuild
//! task's; a first digit of 1 marks a warning, of 2 a note. `docs/diagnostics.md` lists them all (a test
//! checks it), and the C# task uses only codes of [`ALL`] (a test reads its sources).

/// One code of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    /// The code, `AOTI0006`.
    pub code: &'static str,
    /// Its constant's name, `UNKNOWN_RID`.
    pub name: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

impl Code {
    /// True for warning codes (`AOTI1xxx`).
    pub fn is_warning(&self) -> bool {
        self.code.as_bytes().get(4) == Some(&b'1')
    }

    /// True for note codes (`AOTI2xxx`).
    pub fn is_note(&self) -> bool {
        self.code.as_bytes().get(4) == Some(&b'2')
    }
}

/// The entry of `code` in [`ALL`].
pub fn lookup(code: &str) -> Option<&'static Code> {
    ALL.iter().find(|c| c.code == code)
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $name:ident = $code:literal;)*) => {
        $($(#[doc = $doc])+ pub const $name: &str = $code;)*
        /// Every code, in the order above.
        pub const ALL: &[Code] = &[$(Code { code: $code, name: stringify!($name), meaning: concat!($($doc),+) }),*];
    };
}

codes! {
    /// A file named by the user cannot be read (missing, a directory, no permission).
    FILE_UNREADABLE = "AOTI0001";
    /// A file is not valid UTF-8.
    NOT_UTF8 = "AOTI0002";
    /// The publish request is empty or not valid JSON.
    REQUEST_MALFORMED = "AOTI0003";
    /// The publish request has a field aotinterop does not know.
    REQUEST_UNKNOWN_FIELD = "AOTI0004";
    /// The publish request lacks a required field or has a value of the wrong shape.
    REQUEST_INVALID = "AOTI0005";
    /// An unknown runtime identifier.
    UNKNOWN_RID = "AOTI0006";
    /// A target framework (or ILCompiler version) that is neither .NET 8 nor .NET 10.
    TARGET_FRAMEWORK_UNSUPPORTED = "AOTI0007";
    /// .NET 10, Windows: an UnmanagedCallersOnly entry point named `DllMain` (native AOT's
    /// bootstrapper defines its own).
    EXPORT_DLLMAIN = "AOTI0008";
    /// Two DllImports the AOT compiler's runtime looks up as one (Mono: one assembly, library
    /// and entry point) bind differently (direct and lazy, or two search paths).
    ENTRY_SYMBOL_CLASH = "AOTI0014";
    /// The published assembly of an executable has no entry point (`Main`).
    NO_ENTRY_POINT = "AOTI0016";
    /// An imports file is malformed.
    IMPORTS_MALFORMED = "AOTI0012";
    /// An import has an empty module or entry point, or an invalid symbol.
    IMPORT_INVALID = "AOTI0013";
    /// A file named as an assembly is not a PE image (empty, or no `MZ`/`PE` signature).
    NOT_PE = "AOTI0100";
    /// A PE image named as an assembly has no CLI header: it is native code, not .NET.
    NOT_DOTNET = "AOTI0101";
    /// An assembly file ends inside a structure it declares.
    ASSEMBLY_TRUNCATED = "AOTI0102";
    /// An assembly's metadata is inconsistent (row counts, heap or table indexes, sizes).
    METADATA_CORRUPT = "AOTI0103";
    /// A directory was given where an assembly file is expected.
    ASSEMBLY_IS_DIRECTORY = "AOTI0104";
    /// The RID is known, but aotinterop cannot link images for it.
    RID_NOT_LINKABLE = "AOTI0200";
    /// `StaticExecutable` where it cannot apply (not a Linux executable), or with imports that
    /// would be bound lazily: a static executable has no dynamic loader to load libraries.
    STATIC_EXECUTABLE_INVALID = "AOTI0207";
    /// The publish request names no output.
    REQUEST_NO_OUTPUT = "AOTI0201";
    /// An output of the publish (the image, its debug file or its plan report) is one of its
    /// inputs, or a folder, a device or a FIFO.
    OUTPUT_INVALID = "AOTI0208";
    /// The stub object cannot be emitted.
    EMIT_FAILED = "AOTI0202";
    /// An output or temporary file cannot be written, or moved into place.
    OUTPUT_UNWRITABLE = "AOTI0203";
    /// The runtime archive for the target is not built or not found.
    RUNTIME_NOT_FOUND = "AOTI0204";
    /// The AOT compiler is not installed, or failed on an assembly.
    AOT_COMPILE_FAILED = "AOTI0206";
    /// A signal (SIGINT, SIGTERM, SIGHUP) ended the publish: what it staged was removed, the
    /// previous output is unchanged.
    INTERRUPTED = "AOTI0209";
    /// The linker ran and failed.
    LINK_FAILED = "AOTI0501";
    /// No linker for the target was found, or the named one cannot be started.
    LINKER_NOT_FOUND = "AOTI0502";
    /// A file is not in a format that can be read (or not the one expected).
    BAD_FORMAT = "AOTI0505";
    /// A plan file cannot be parsed.
    PLAN_MALFORMED = "AOTI0506";
    /// An exported symbol name cannot be written to an export file.
    EXPORT_NAME_INVALID = "AOTI0507";
    /// An unknown linker flavour, or one that cannot build this target.
    FLAVOR_INVALID = "AOTI0508";
    /// Preflight: a direct import that nothing the link or the loader sees defines.
    DIRECT_IMPORT_UNRESOLVED = "AOTI0520";
    /// Preflight: a NativeLibrary path that does not exist.
    NATIVE_LIBRARY_MISSING = "AOTI0521";
    /// A NativeLibrary item of the wrong kind for the target (by name or by content).
    NATIVE_LIBRARY_WRONG_KIND = "AOTI0522";
    /// Preflight: a NativeLibrary defines a symbol that is also a lazy import's stub.
    LAZY_STUB_DEFINED = "AOTI0523";
    /// Verify: the image does not bind what the plan says.
    VERIFY_MISMATCH = "AOTI0530";
    /// The linked image would load a library from the process's current directory: a needed
    /// library named by a relative path (a library's SONAME), or a relative RPATH/RUNPATH folder.
    LOADS_FROM_CURRENT_DIRECTORY = "AOTI0531";
    /// MSBuild ABI: an argument of `aotinterop_run` is null or not valid UTF-8.
    ABI_ARGUMENT = "AOTI0801";
    /// MSBuild ABI: `aotinterop_run` was asked for a step it does not know.
    STEP_UNKNOWN = "AOTI0802";
    /// MSBuild ABI: the step exists but cannot run on this request (`inspect` without `output`).
    STEP_UNAVAILABLE = "AOTI0803";
    /// MSBuild ABI: the library failed inside (a caught panic); the message says where.
    INTERNAL = "AOTI0804";
    /// MSBuild task: the native library cannot be found or loaded.
    TASK_LIBRARY_NOT_LOADED = "AOTI0810";
    /// MSBuild task: the native library answered with something that is not a valid response.
    TASK_BAD_RESPONSE = "AOTI0811";
    /// MSBuild task: a file the task writes (request, plan report) cannot be written or read back.
    TASK_FILE = "AOTI0812";
    /// MSBuild task: a required task parameter is missing or has a value it does not accept.
    TASK_PARAMETER = "AOTI0813";
    /// MSBuild sample projects: `AotInteropPackageRoot` holds no `build/AotInterop.targets`.
    TASK_PACKAGE_NOT_FOUND = "AOTI0814";
    /// MSBuild task: a file the target writes (the image, the plan report) is also one it reads.
    TASK_OUTPUT_IS_INPUT = "AOTI0815";
    /// A DirectPInvoke item is given twice, or is redundant under a whole-module item.
    ITEM_DUPLICATE = "AOTI1001";
    /// A DirectPInvoke item matches no import of the app.
    ITEM_UNMATCHED = "AOTI1002";
    /// No line of a DirectPInvokeList file matches an import of the app.
    LIST_UNMATCHED = "AOTI1003";
    /// A whole Windows module made direct keeps a Unicode entry point as written, without its `W`
    /// spelling (only `module!entry` items look for it).
    BARE_MODULE_CHARSET = "AOTI1004";
    /// No Windows API list was named or found; the built-in one is used.
    WINDOWS_LIST_BUILTIN = "AOTI1005";
    /// A DirectPInvoke item or list line that can never match: `!entry` (no module) or
    /// `module!` (no entry point). Native AOT accepts it silently.
    ITEM_NEVER_MATCHES = "AOTI1006";
    /// A DirectPInvokeList file holds bytes that are not valid in its encoding (read as U+FFFD).
    LIST_NOT_TEXT = "AOTI1007";
    /// A win-x86 import whose decorated name (`_name@N`) cannot be written: its argument size is
    /// not known, or its convention (thiscall) has no decoration.
    X86_UNDECORATED = "AOTI1008";
    /// .NET 8, Windows: an UnmanagedCallersOnly entry point named `DllMain`, which the loader
    /// calls under the loader lock.
    EXPORT_DLLMAIN_CALLED = "AOTI1009";
    /// The same `module!entry` is declared with different signatures or charsets.
    IMPORT_CONFLICT = "AOTI1100";
    /// One native library is spelled several ways across the assemblies.
    MODULE_SPELLINGS = "AOTI1101";
    /// Two UnmanagedCallersOnly entry points have the same name.
    EXPORT_DUPLICATE = "AOTI1102";
    /// A file in a scanned folder is not a .NET assembly and was skipped.
    SKIPPED_NOT_DOTNET = "AOTI1103";
    /// A DefaultDllImportSearchPaths or UnmanagedCallersOnly attribute could not be decoded.
    ATTRIBUTE_UNDECODABLE = "AOTI1104";
    /// A scanned folder holds no .NET assembly.
    FOLDER_EMPTY = "AOTI1105";
    /// Two scanned files are the same assembly (by name): a publish loads one of them.
    ASSEMBLY_DUPLICATE = "AOTI1106";
    /// Preflight: the same global symbol is defined by two NativeLibrary archives.
    DUPLICATE_SYMBOL = "AOTI1520";
    /// Preflight: a library search could not look everywhere (a `-l` library not found, say).
    SEARCH_INCOMPLETE = "AOTI1521";
    /// Preflight: a shared library providing a direct import is in a folder the loader will not
    /// search at startup.
    LOADER_MAY_NOT_FIND = "AOTI1522";
    /// Preflight: a NativeLibrary archive holds a member that is no object a linker can read.
    ARCHIVE_MEMBER_UNREADABLE = "AOTI1523";
    /// MSBuild task: a true/false property has another value, taken as its default.
    TASK_FLAG_IGNORED = "AOTI1813";
    /// Preflight (`generate_import_libraries`): the library of a direct import, found at publish
    /// time, does not export the entry point (or ordinal) the import names.
    GENERATED_ENTRY_MISSING = "AOTI0524";
    /// Preflight (`generate_import_libraries`): two libraries would define one symbol the image
    /// binds by name, so the loader or linker would bind one module's import from the other.
    GENERATED_SYMBOL_CLASH = "AOTI0525";
    /// Preflight (`generate_import_libraries`): the library found at publish time exports the
    /// entry point as data, but a P/Invoke calls it as code.
    GENERATED_DATA_AS_CODE = "AOTI0526";
    /// Preflight (`generate_import_libraries`): the name a stand-in would give the loader (the
    /// found library's SONAME, or the module) is a relative path: the image would load the
    /// library from the process's current directory.
    GENERATED_NAME_RELATIVE = "AOTI0527";
    /// Preflight: a direct import's library is not in the link, and a generated import library,
    /// stub shared object or text-based stub stands in for it (`generate_import_libraries`).
    IMPORT_LIBRARY_GENERATED = "AOTI2520";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for c in ALL {
            assert!(seen.insert(c.code), "{} twice", c.code);
            assert!(c.code.len() == 8 && c.code.starts_with("AOTI"), "{}", c.code);
            assert!(c.code[4..].bytes().all(|b| b.is_ascii_digit()), "{}", c.code);
            assert!(!c.meaning.trim().is_empty(), "{}", c.code);
        }
        assert_eq!(lookup("AOTI0006").map(|c| c.name), Some("UNKNOWN_RID"));
        assert!(lookup("AOTI1002").unwrap().is_warning());
    }
}
