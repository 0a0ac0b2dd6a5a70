//! Whether a NativeLibrary item exists and is of a kind the target's linker takes: by name
//! (the model's [`native_library_name_error`], which the plan asks too), then by content: an
//! archive's objects, or the file itself, must be of the target's format and architecture.

use crate::diag::{codes, Diagnostic};
use crate::driver::Flavor;
use crate::target::{Format, Target};
use aotinterop_image::arch_matches;
use aotinterop_model::flavor::native_library_name_error;
use aotinterop_model::FileKind;
use object::read::archive::ArchiveFile;
use object::Object;
use std::path::Path;

fn format_name(f: object::BinaryFormat) -> &'static str {
    match f {
        object::BinaryFormat::Elf => "ELF",
        object::BinaryFormat::Coff | object::BinaryFormat::Pe => "PE/COFF",
        object::BinaryFormat::MachO => "Mach-O",
        _ => "an unknown format",
    }
}

fn matches(target: &Target, format: object::BinaryFormat, arch: object::Architecture) -> bool {
    use object::{Architecture as A, BinaryFormat as B};
    let format_ok = match target.format {
        Format::Elf => format == B::Elf,
        Format::Coff => matches!(format, B::Coff | B::Pe),
        Format::MachO => format == B::MachO,
    };
    format_ok && (arch_matches(target, arch) || arch == A::Unknown)
}

/// The format and architecture of an object file's bytes, when they are one.
fn describe(data: &[u8]) -> Option<(object::BinaryFormat, object::Architecture)> {
    if let Ok(f) = object::File::parse(data) {
        return Some((f.format(), f.architecture()));
    }
    if let Ok(imp) = object::read::coff::ImportFile::parse(data) {
        return Some((object::BinaryFormat::Coff, imp.architecture()));
    }
    None
}

/// What `data` is, in words, for a message.
fn content_kind(data: &[u8]) -> &'static str {
    if data.is_empty() {
        return "empty";
    }
    match object::File::parse(data).map(|f| f.kind()) {
        Ok(object::ObjectKind::Dynamic) => "a shared library",
        Ok(object::ObjectKind::Executable) => "an executable",
        Ok(object::ObjectKind::Relocatable) => "an object file",
        Ok(_) => "an image",
        Err(_) if FileKind::identify(&data[..data.len().min(512)]) == FileKind::Text => "text",
        Err(_) => "not an archive, object or library",
    }
}

/// An item that is empty, or named as a static archive (`.a`, `.lib`) but is not one: what it
/// is and what to do. (A shared library named `.a` would link, and the image would then need it
/// by its absolute build path.)
fn not_an_archive(name: &str, data: &[u8]) -> Option<String> {
    let archive_name = name.ends_with(".a") || name.to_ascii_lowercase().ends_with(".lib");
    let is_archive = FileKind::identify(data).is_archive();
    if !data.is_empty() && (is_archive || !archive_name) {
        return None;
    }
    let kind = content_kind(data);
    let fix = match kind {
        "a shared library" => "name it as a LinkerArg (`-L<folder>` and `-l<name>`) so the image needs it by its name, or give the static archive",
        _ => "give the static archive (`ar` format) the library's build produces",
    };
    Some(if data.is_empty() {
        format!("NativeLibrary item is empty: {fix}")
    } else {
        format!("NativeLibrary item is named as a static archive, but it is {kind}: {fix}")
    })
}

/// The commands a GNU ld script starts with (`ld`'s manual, "Linker Scripts").
const SCRIPT_COMMANDS: &[&str] = &[
    "INPUT",
    "GROUP",
    "AS_NEEDED",
    "OUTPUT_FORMAT",
    "OUTPUT_ARCH",
    "OUTPUT",
    "SEARCH_DIR",
    "INCLUDE",
    "STARTUP",
    "TARGET",
    "ENTRY",
    "EXTERN",
    "SECTIONS",
    "MEMORY",
    "PHDRS",
    "VERSION",
    "PROVIDE",
    "PROVIDE_HIDDEN",
    "HIDDEN",
    "ASSERT",
    "INSERT",
    "NOCROSSREFS",
    "REGION_ALIAS",
    "FORCE_COMMON_ALLOCATION",
    "INHIBIT_COMMON_ALLOCATION",
];

/// A text item that is neither a GNU ld script (its first word a script command, or a symbol
/// assignment) nor an Apple text stub (`.tbd`): C source, notes. The compiler driver compiles
/// the one and hands the linker the other as a script, which it refuses.
fn text_of_no_known_kind(data: &[u8]) -> Option<String> {
    if FileKind::identify(&data[..data.len().min(512)]) != FileKind::Text {
        return None;
    }
    let text = String::from_utf8_lossy(&data[..data.len().min(4096)]);
    let mut rest = text.trim_start();
    // Comments (`/* … */`) before the first word.
    while let Some(after) = rest.strip_prefix("/*") {
        rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
    }
    if rest.is_empty() || rest.starts_with("--- !tapi") || rest.starts_with('{') {
        return None;
    }
    let word_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_.$".contains(c)))
        .unwrap_or(rest.len());
    let (word, after) = rest.split_at(word_end);
    let assignment = !word.is_empty()
        && after
            .trim_start()
            .starts_with(['=', '+', '-', '*', '/', '|', '&']);
    if SCRIPT_COMMANDS.contains(&word) || assignment {
        return None;
    }
    let start: String = rest.chars().take(24).collect();
    Some(format!(
        "NativeLibrary item is text that is no GNU ld script or text stub (it starts with `{}`): the compiler \
         driver would compile it or hand it to the linker as a script; give the library itself (a static \
         archive or a shared library)",
        aotinterop_model::diag::printable(&start)
    ))
}

/// The first bytes of what a NativeLibrary item can be: archives, ELF, PE, Mach-O (thin and
/// universal), COFF objects of the four Windows machines, LLVM bitcode, and text (`.tbd` stubs,
/// GNU ld scripts). Anything else is refused on its first bytes, before the file is read.
fn head_refusal(head: &[u8], len: u64) -> Option<aotinterop_model::Error> {
    let known = FileKind::identify(head) != FileKind::Unknown;
    if known {
        return aotinterop_model::diag::overrun_error(
            "NativeLibrary item",
            head,
            len,
            codes::NATIVE_LIBRARY_WRONG_KIND,
        );
    }
    Some({
        let shown: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
        aotinterop_model::Error::new(
            codes::NATIVE_LIBRARY_WRONG_KIND,
            format!(
                "NativeLibrary item is not an archive, object or library: it starts with {}",
                shown.join(" ")
            ),
        )
    })
}

/// Checks one NativeLibrary item; `None` when it is fine.
pub(super) fn check(path: &Path, target: &Target, flavor: Flavor) -> Option<Diagnostic> {
    let wrong = |what: String| Some(Diagnostic::error(codes::NATIVE_LIBRARY_WRONG_KIND, what).at(path));
    if !path.exists() {
        return Some(
            Diagnostic::error(codes::NATIVE_LIBRARY_MISSING, "NativeLibrary item does not exist").at(path),
        );
    }
    if path.is_dir() {
        return wrong("NativeLibrary item is a folder, not a library".to_string());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(what) = native_library_name_error(&name, target, flavor) {
        return wrong(format!(
            "NativeLibrary item is {what}, not a library for {target}"
        ));
    }
    let data = match aotinterop_model::diag::read_checked(
        path,
        "NativeLibrary item",
        aotinterop_model::diag::READ_LIMIT,
        head_refusal,
    ) {
        Ok(d) => d,
        Err(e) => return Some(e.diagnostic().clone()),
    };
    if let Some(d) = not_an_archive(&name, &data) {
        return wrong(d);
    }
    if let Some(d) = text_of_no_known_kind(&data) {
        return wrong(d);
    }
    let found = if let Ok(archive) = ArchiveFile::parse(&*data) {
        archive
            .members()
            .flatten()
            .find_map(|m| m.data(&*data).ok().and_then(describe))
    } else if data.starts_with(b"--- !tapi")
        || FileKind::identify(&data[..data.len().min(512)]) == FileKind::Text
    {
        // A text-based stub (.tbd) or a GNU ld script (libc.so): nothing to check here.
        return None;
    } else {
        match describe(&data) {
            Some(d) => Some(d),
            None => return wrong("NativeLibrary item is not an archive, object or library".to_string()),
        }
    };
    match found {
        Some((format, arch)) if !matches(target, format, arch) => wrong(format!(
            "NativeLibrary item holds {} code for {arch:?}, not {} code for {target}",
            format_name(format),
            target.format.title()
        )),
        _ => None,
    }
}
