//! aotinterop's own small list of Windows APIs that are safe to bind directly on every supported
//! Windows (core kernel32 and ucrtbase exports). It is used for Windows RIDs when .NET's full
//! pre-populated list (`WindowsAPIs.txt` of the ILCompiler package) is neither named nor found.

/// `module!entry` items, in the DirectPInvokeList syntax.
pub const BUILTIN_WINDOWS_APIS: &[&str] = &[
    "kernel32!CloseHandle",
    "kernel32!CreateEventW",
    "kernel32!CreateFileW",
    "kernel32!DeleteCriticalSection",
    "kernel32!EnterCriticalSection",
    "kernel32!ExitProcess",
    "kernel32!FlushFileBuffers",
    "kernel32!FormatMessageW",
    "kernel32!FreeLibrary",
    "kernel32!GetCurrentProcess",
    "kernel32!GetCurrentProcessId",
    "kernel32!GetCurrentThread",
    "kernel32!GetCurrentThreadId",
    "kernel32!GetEnvironmentVariableW",
    "kernel32!GetLastError",
    "kernel32!GetModuleFileNameW",
    "kernel32!GetModuleHandleW",
    "kernel32!GetProcAddress",
    "kernel32!GetProcessHeap",
    "kernel32!GetStdHandle",
    "kernel32!GetSystemInfo",
    "kernel32!GetSystemTimeAsFileTime",
    "kernel32!GetTickCount",
    "kernel32!GetTickCount64",
    "kernel32!HeapAlloc",
    "kernel32!HeapFree",
    "kernel32!InitializeCriticalSection",
    "kernel32!InitializeCriticalSectionEx",
    "kernel32!LeaveCriticalSection",
    "kernel32!LoadLibraryExW",
    "kernel32!MultiByteToWideChar",
    "kernel32!QueryPerformanceCounter",
    "kernel32!QueryPerformanceFrequency",
    "kernel32!ReadFile",
    "kernel32!SetEvent",
    "kernel32!SetLastError",
    "kernel32!Sleep",
    "kernel32!SleepEx",
    "kernel32!VirtualAlloc",
    "kernel32!VirtualFree",
    "kernel32!VirtualProtect",
    "kernel32!WaitForSingleObject",
    "kernel32!WaitForSingleObjectEx",
    "kernel32!WideCharToMultiByte",
    "kernel32!WriteFile",
    "ucrtbase!calloc",
    "ucrtbase!free",
    "ucrtbase!malloc",
    "ucrtbase!memchr",
    "ucrtbase!memcmp",
    "ucrtbase!memcpy",
    "ucrtbase!memmove",
    "ucrtbase!memset",
    "ucrtbase!realloc",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_and_sorted() {
        for w in BUILTIN_WINDOWS_APIS.windows(2) {
            assert!(w[0] < w[1], "{} before {}", w[0], w[1]);
        }
        for e in BUILTIN_WINDOWS_APIS {
            let (m, n) = e.split_once('!').unwrap();
            assert!(!m.is_empty() && !n.is_empty() && !n.contains('!'));
        }
    }
}
