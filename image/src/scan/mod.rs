//! Scanning .NET assemblies for P/Invokes (ImplMap rows) and native exports
//! (`[UnmanagedCallersOnly(EntryPoint = "...")]`), straight from their ECMA-335 metadata.
//!
//! The metadata reader is written here rather than taken from a crate. `docs/scan.md` has the
//! measured comparison; in short, of the maintained crates none is both panic-free on corrupt
//! input and able to decode the attribute blobs this scan needs: `windows-metadata` panics on
//! unknown streams and tables and on non-UTF-8 names, and reads only TypeDefs reachable by
//! namespace; `dotscope` is a whole reverse-engineering framework, several times slower here;
//! `dotnetdll` is GPL-licensed, which this MIT project cannot link. The reader below checks every
//! count against the file size and every index against its table or heap before use, so bad
//! input gives a [`Fault`] and never a panic, a hang or an allocation the file does not justify.

mod assembly;
mod attrs;
mod fault;
mod heaps;
mod lint;
mod names;
mod pe;
mod sig;
mod tables;
pub mod text;

pub use assembly::{AssemblyInterop, ScannedExport, ScannedImport};
pub use fault::{Fault, FaultKind};
pub use lint::library_key;

use aotinterop_model::diag::{codes, Diagnostic, Error, Location, Result};
use aotinterop_model::imports::Import;
use aotinterop_model::surface::{NativeExport, Surface};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The file name extensions a folder scan picks up.
pub const ASSEMBLY_EXTENSIONS: &[&str] = &["dll", "exe", "winmd"];

/// Reads an assembly image from memory. `fallback_name` names it when its metadata does not.
pub fn read_bytes(bytes: &[u8], fallback_name: &str) -> std::result::Result<AssemblyInterop, Fault> {
    assembly::read(bytes, fallback_name)
}

/// Reads one assembly file; errors name the file and what is wrong with it.
pub fn read_file(path: &Path) -> Result<AssemblyInterop> {
    read_file_keeping_bytes(path).map(|(a, _)| a)
}

/// [`read_file`], returning the file's bytes too.
pub fn read_file_keeping_bytes(path: &Path) -> Result<(AssemblyInterop, Vec<u8>)> {
    if path.is_dir() {
        return Err(Error::new(
            codes::ASSEMBLY_IS_DIRECTORY,
            "expected an assembly file, found a directory",
        )
        .at(Location::file(path)));
    }
    let bytes = read_assembly(path)?.map_err(|f| fault_error(path, &f))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let interop = read_bytes(&bytes, &stem).map_err(|f| fault_error(path, &f))?;
    Ok((interop, bytes))
}

/// An assembly file's bytes, or the fault of a file that is not a PE image, found on its first
/// bytes (no `MZ`) before the rest is read, whatever its size.
fn read_assembly(path: &Path) -> Result<std::result::Result<Vec<u8>, Fault>> {
    let not_pe = std::cell::Cell::new(None);
    let read = aotinterop_model::diag::read_checked(
        path,
        "assembly",
        aotinterop_model::diag::READ_LIMIT,
        |head, len| match pe::signature_fault(head).or_else(|| pe::extent_fault(head, len)) {
            Some(f) => {
                let e = fault_error(path, &f);
                not_pe.set(Some(f));
                Some(e)
            }
            None => None,
        },
    );
    match (read, not_pe.into_inner()) {
        (Err(_), Some(fault)) => Ok(Err(fault)),
        (read, _) => read.map(Ok),
    }
}

/// The error for a fault in `path`.
pub fn fault_error(path: &Path, fault: &Fault) -> Error {
    let code = match fault.kind {
        FaultKind::NotPe => codes::NOT_PE,
        FaultKind::NoCliHeader => codes::NOT_DOTNET,
        FaultKind::Truncated => codes::ASSEMBLY_TRUNCATED,
        FaultKind::Corrupt => codes::METADATA_CORRUPT,
    };
    let message = match fault.kind {
        FaultKind::NotPe | FaultKind::NoCliHeader => format!("not a .NET assembly: {}", fault.message),
        _ => format!("cannot read the assembly's metadata: {}", fault.message),
    };
    Error::new(code, message).at(Location::file(path))
}

/// Which assemblies' entry points native AOT exports.
#[derive(Clone, Debug, Default)]
pub struct ExportPolicy {
    /// The index (in scan order) of the published assembly, if any.
    pub published: Option<usize>,
    /// `UnmanagedEntryPointsAssembly` simple names, compared case-insensitively.
    pub assemblies: Vec<String>,
}

/// One scanned assembly.
#[derive(Clone, Debug, Serialize)]
pub struct ScannedAssembly {
    /// Simple name.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Number of P/Invokes it declares.
    pub imports: usize,
    /// Number of named UnmanagedCallersOnly entry points.
    pub exports: usize,
    /// Whether its entry points are exported.
    pub exported: bool,
}

/// The result of a scan: what `aotinterop scan` prints.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScanReport {
    /// The assemblies read, in order.
    pub assemblies: Vec<ScannedAssembly>,
    /// Every P/Invoke.
    pub imports: Vec<Import>,
    /// Every named UnmanagedCallersOnly entry point.
    pub exports: Vec<NativeExport>,
    /// Warnings: skipped files, conflicting declarations, library spellings, duplicate exports.
    pub diagnostics: Vec<Diagnostic>,
}

impl ScanReport {
    /// The imports and exports as a [`Surface`].
    pub fn surface(&self) -> Surface {
        Surface {
            imports: self.imports.clone(),
            exports: self.exports.clone(),
            runtime_imports: Vec::new(),
        }
    }
}

/// A file to scan, and whether it came from a folder (then a non-.NET file is skipped).
pub type Input = (PathBuf, bool);

/// How deep a folder given as an input is searched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Folders {
    /// Its own files only (what a publish does).
    #[default]
    TopLevel,
    /// Its files and every subfolder's (`aotinterop scan --recursive`); symbolic links to
    /// folders are not followed.
    Recursive,
}

/// Whether `p` is named like an assembly (`.dll`, `.exe`, `.winmd`).
fn named_like_an_assembly(p: &Path) -> bool {
    p.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| ASSEMBLY_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(x)))
}

/// Files to scan: each file named, and every `.dll`/`.exe`/`.winmd` of each folder named (sorted
/// by path), with warnings about folders that hold none.
pub fn expand_inputs(inputs: &[PathBuf], folders: Folders) -> Result<(Vec<Input>, Vec<Diagnostic>)> {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            files.push((input.clone(), false));
            continue;
        }
        let depth = match folders {
            Folders::TopLevel => 1,
            Folders::Recursive => usize::MAX,
        };
        let mut found = Vec::new();
        let mut subfolders = 0;
        for entry in walkdir::WalkDir::new(input).min_depth(1).max_depth(depth) {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(input).to_path_buf();
                let io = e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("a folder loop"));
                Error::unreadable(&path, "folder", &io)
            })?;
            if entry.file_type().is_dir() {
                subfolders += 1;
            } else if named_like_an_assembly(entry.path()) {
                if entry.path().is_file() {
                    found.push(entry.into_path());
                } else {
                    // A FIFO, a device, a link to nothing: said, not silently passed over.
                    let why = match std::fs::metadata(entry.path()) {
                        Err(e) if aotinterop_model::diag::is_link_loop(&e) => {
                            "skipped: a symbolic link loop".to_string()
                        }
                        Err(_) => "skipped: a symbolic link to nothing".to_string(),
                        Ok(_) => "skipped: not a regular file (a FIFO, a device or a socket)".to_string(),
                    };
                    notes.push(
                        Diagnostic::warning(codes::SKIPPED_NOT_DOTNET, why).at(Location::file(entry.path())),
                    );
                }
            }
        }
        found.sort();
        if found.is_empty() {
            let why = match (folders, subfolders) {
                (Folders::Recursive, _) | (_, 0) => String::new(),
                (_, n) => format!(
                    "; its {n} subfolder{} {} not searched: name {} too, or scan with --recursive",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    if n == 1 { "it" } else { "them" },
                ),
            };
            let what = match folders {
                Folders::TopLevel => "the folder holds",
                Folders::Recursive => "the folder and its subfolders hold",
            };
            notes.push(
                Diagnostic::warning(
                    codes::FOLDER_EMPTY,
                    format!("{what} no .dll, .exe or .winmd file{why}"),
                )
                .at(Location::file(input)),
            );
        }
        files.extend(found.into_iter().map(|p| (p, true)));
    }
    Ok((files, notes))
}

/// Scans files and folders (their own files only). Files that are not .NET assemblies are
/// skipped with a warning when they come from a folder and are an error when named directly.
pub fn scan(inputs: &[PathBuf], policy: &ExportPolicy) -> Result<ScanReport> {
    scan_folders(inputs, policy, Folders::TopLevel)
}

/// [`scan`], searching folders as deep as `folders` says.
pub fn scan_folders(inputs: &[PathBuf], policy: &ExportPolicy, folders: Folders) -> Result<ScanReport> {
    let (files, mut diagnostics) = expand_inputs(inputs, folders)?;
    let mut read = Vec::with_capacity(files.len());
    for (path, from_folder) in files {
        if from_folder {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            // A file the folder holds that cannot be read (a kernel file a link names, one too
            // big) is skipped, as a FIFO there is: said, the scan goes on.
            let bytes = match read_assembly(&path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    let why = format!("skipped: {}", e.diagnostic().message);
                    diagnostics
                        .push(Diagnostic::warning(codes::SKIPPED_NOT_DOTNET, why).at(Location::file(&path)));
                    continue;
                }
            };
            match bytes.and_then(|bytes| read_bytes(&bytes, &stem)) {
                Ok(a) => read.push((path, a)),
                Err(f) if f.is_not_dotnet() => diagnostics.push(
                    Diagnostic::warning(codes::SKIPPED_NOT_DOTNET, format!("skipped: {}", f.message))
                        .at(Location::file(&path)),
                ),
                Err(f) => return Err(fault_error(&path, &f)),
            }
        } else {
            let a = read_file(&path)?;
            read.push((path, a));
        }
    }
    let mut report = combine(read, policy);
    diagnostics.append(&mut report.diagnostics);
    report.diagnostics = diagnostics;
    Ok(report)
}

/// A warning for each file that is an assembly read before from another file (by name, as the
/// runtime binds assemblies): a publish loads one of them.
fn duplicate_assemblies(read: &[(PathBuf, AssemblyInterop)]) -> Vec<Diagnostic> {
    let mut first: std::collections::HashMap<String, &Path> = Default::default();
    let mut out = Vec::new();
    for (path, a) in read {
        match first.entry(a.name.to_ascii_lowercase()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(path);
            }
            std::collections::hash_map::Entry::Occupied(o) => out.push(
                Diagnostic::warning(
                    codes::ASSEMBLY_DUPLICATE,
                    format!(
                        "this is assembly `{}` again, read first from {}: a publish loads one of them",
                        aotinterop_model::diag::shown(&a.name, 200),
                        aotinterop_model::diag::shown_path(o.get(), 400)
                    ),
                )
                .at(Location::file(path)),
            ),
        }
    }
    out
}

/// Flattens per-assembly results into a report and runs the cross-assembly checks.
pub fn combine(read: Vec<(PathBuf, AssemblyInterop)>, policy: &ExportPolicy) -> ScanReport {
    let mut report = ScanReport::default();
    for (i, (path, a)) in read.iter().enumerate() {
        let exported =
            policy.published == Some(i) || policy.assemblies.iter().any(|n| n.eq_ignore_ascii_case(&a.name));
        report.assemblies.push(ScannedAssembly {
            name: a.name.clone(),
            path: path.clone(),
            imports: a.imports.len(),
            exports: a.exports.len(),
            exported,
        });
        report.imports.extend(a.imports.iter().map(|s| Import {
            signature: s.signature.clone(),
            ..s.import.clone()
        }));
        report.exports.extend(a.exports.iter().map(|e| NativeExport {
            name: e.name.clone(),
            method: Some(format!("{}::{}", e.type_name, e.method)),
            assembly: Some(a.name.clone()),
            call_convs: e.call_convs.clone(),
            exported,
        }));
        for what in &a.undecodable_attributes {
            report.diagnostics.push(
                Diagnostic::warning(
                    codes::ATTRIBUTE_UNDECODABLE,
                    format!("cannot decode {what}; it is ignored"),
                )
                .at(Location::file(path)),
            );
        }
    }
    let imports: Vec<lint::Placed<'_, ScannedImport>> = read
        .iter()
        .flat_map(|(file, a)| a.imports.iter().map(move |item| lint::Placed { item, file }))
        .collect();
    let exports: Vec<lint::Placed<'_, ScannedExport>> = read
        .iter()
        .flat_map(|(file, a)| a.exports.iter().map(move |item| lint::Placed { item, file }))
        .collect();
    report.diagnostics.extend(duplicate_assemblies(&read));
    report.diagnostics.extend(lint::conflicting_imports(&imports));
    report.diagnostics.extend(lint::module_spellings(&imports));
    report.diagnostics.extend(lint::duplicate_exports(&exports));
    report
}
