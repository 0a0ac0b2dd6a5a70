//! Where the publish pipeline finds the runtime archive for a target, and what the link needs
//! besides it. `scripts/build-runtime` puts the archives in place.

use std::path::{Path, PathBuf};

/// File name of the archive.
pub const ARCHIVE_FILE: &str = "libaotinterop_runtime.a";

/// Environment variable naming the folder that holds `<rust-triple>/libaotinterop_runtime.a`.
pub const DIR_ENV: &str = "AOTINTEROP_RUNTIME_DIR";

/// The Rust target triple of the runtime for a GNU-style triple (`x86_64-linux-gnu`,
/// `aarch64-linux-gnu`, `x86_64-w64-mingw32`), if one is built.
pub fn rust_triple(gnu_triple: &str) -> Option<&'static str> {
    match gnu_triple {
        "x86_64-linux-gnu" => Some("x86_64-unknown-linux-gnu"),
        "aarch64-linux-gnu" => Some("aarch64-unknown-linux-gnu"),
        "x86_64-w64-mingw32" => Some("x86_64-pc-windows-gnu"),
        _ => None,
    }
}

/// The places looked at, in order: `$AOTINTEROP_RUNTIME_DIR/<triple>/`, then
/// `aotinterop-runtime/<triple>/` next to the running tool and one folder up (so a tool in
/// `target/debug/` finds `target/aotinterop-runtime/`).
pub fn candidates(rust_triple: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os(DIR_ENV) {
        out.push(Path::new(&dir).join(rust_triple).join(ARCHIVE_FILE));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        out.push(
            exe_dir
                .join("aotinterop-runtime")
                .join(rust_triple)
                .join(ARCHIVE_FILE),
        );
        if let Some(up) = exe_dir.parent() {
            out.push(up.join("aotinterop-runtime").join(rust_triple).join(ARCHIVE_FILE));
        }
    }
    out
}

/// The first existing archive for `rust_triple`, or every place looked at.
pub fn locate(rust_triple: &str) -> Result<PathBuf, Vec<PathBuf>> {
    let c = candidates(rust_triple);
    c.iter().find(|p| p.is_file()).cloned().ok_or(c)
}

/// Libraries the archive needs on the link line after it (what the Rust standard library uses).
pub fn link_libs(rust_triple: &str) -> &'static [&'static str] {
    if rust_triple.contains("windows-gnu") {
        &[
            "-lkernel32",
            "-ladvapi32",
            "-lntdll",
            "-luserenv",
            "-lws2_32",
            "-lbcrypt",
            "-ldbghelp",
        ]
    } else if rust_triple.contains("linux-gnu") {
        // No `-lgcc_s`: the unwinder the standard library calls comes from the compiler driver's
        // libgcc (aotinterop links with `-static-libgcc`, so no libgcc_s.so is loaded for it).
        &["-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"]
    } else {
        &[]
    }
}
