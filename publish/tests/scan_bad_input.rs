//! Bad input: each gives a clear error naming the file and what is wrong, never a panic.

#[path = "scan_support/mod.rs"]
mod support;

use aotinterop::scan::{self, ExportPolicy};
use std::path::{Path, PathBuf};
use support::*;

fn sample(dir: &Path) -> (PathBuf, Vec<u8>) {
    let dll = compile(dir, "Interop", &["Interop.cs"]);
    let bytes = std::fs::read(&dll).unwrap();
    (dll, bytes)
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("pattern in the sample")
}

fn error_for(dir: &Path, name: &str, bytes: &[u8]) -> (String, &'static str) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let e = scan::read_file(&path).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(&path.display().to_string()),
        "error does not name the file: {text}"
    );
    (text, e.code())
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let (text, code) = error_for(dir.path(), "empty.dll", b"");
    assert_eq!(code, "AOTI0100");
    assert!(text.contains("the file is empty"), "{text}");
}

#[test]
fn text_file_is_not_a_pe_image() {
    let dir = tempfile::tempdir().unwrap();
    let (text, code) = error_for(dir.path(), "notes.dll", b"hello, world\n");
    assert_eq!(code, "AOTI0100");
    assert!(text.contains("not a PE image"), "{text}");
}

#[test]
fn truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = sample(dir.path());
    for cut in [0x3e, 0x90, 0x180, bytes.len() / 2, bytes.len() - 1] {
        let (text, code) = error_for(dir.path(), "cut.dll", &bytes[..cut]);
        assert!(code == "AOTI0102" || code == "AOTI0103", "cut at {cut}: {text}");
    }
    let (text, code) = error_for(dir.path(), "cut.dll", &bytes[..bytes.len() / 2]);
    assert_eq!(code, "AOTI0102", "{text}");
    assert!(text.contains("truncated"), "{text}");
}

/// The offset of the CLI header's data directory entry (14) in a PE32 image.
fn cli_directory(bytes: &[u8]) -> usize {
    let pe = u32::from_le_bytes(bytes[0x3c..0x40].try_into().unwrap()) as usize;
    let optional = pe + 24;
    let magic = u16::from_le_bytes([bytes[optional], bytes[optional + 1]]);
    let dirs = optional + if magic == 0x20b { 112 } else { 96 };
    dirs + 14 * 8
}

#[test]
fn pe_without_cli_header() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = sample(dir.path());
    let at = cli_directory(&bytes);
    bytes[at..at + 8].fill(0);
    let (text, code) = error_for(dir.path(), "native.dll", &bytes);
    assert_eq!(code, "AOTI0101");
    assert!(text.contains("without a CLI header"), "{text}");
}

/// The offset of the metadata root (`BSJB`) and of the table stream.
fn table_stream(bytes: &[u8]) -> usize {
    let root = find(bytes, b"BSJB");
    let header = find(&bytes[root..], b"#~\0\0") + root;
    root + u32::from_le_bytes(bytes[header - 8..header - 4].try_into().unwrap()) as usize
}

#[test]
fn corrupt_table_row_count() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = sample(dir.path());
    let tables = table_stream(&bytes);
    // The first row count is the Module table's (its bit is always set).
    bytes[tables + 24..tables + 28].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let (text, code) = error_for(dir.path(), "rows.dll", &bytes);
    assert_eq!(code, "AOTI0103");
    assert!(text.contains("table Module claims 2147483647 rows"), "{text}");
}

#[test]
fn out_of_range_heap_index() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = sample(dir.path());
    let root = find(&bytes, b"BSJB");
    // Shrink the #Strings heap to 4 bytes: every name index past it is out of range.
    let header = find(&bytes[root..], b"#Strings\0") + root;
    bytes[header - 4..header].copy_from_slice(&4u32.to_le_bytes());
    let (text, code) = error_for(dir.path(), "strings.dll", &bytes);
    assert_eq!(code, "AOTI0103");
    assert!(
        text.contains("string heap index") && text.contains("out of range"),
        "{text}"
    );

    let (_, mut bytes) = sample(dir.path());
    let header = find(&bytes[root..], b"#Blob\0") + root;
    bytes[header - 4..header].copy_from_slice(&1u32.to_le_bytes());
    let (text, code) = error_for(dir.path(), "blob.dll", &bytes);
    assert_eq!(code, "AOTI0103");
    assert!(
        text.contains("blob heap index") || text.contains("blob "),
        "{text}"
    );
}

#[test]
fn stream_past_the_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = sample(dir.path());
    let root = find(&bytes, b"BSJB");
    let header = find(&bytes[root..], b"#~\0\0") + root;
    bytes[header - 4..header].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
    let (text, code) = error_for(dir.path(), "stream.dll", &bytes);
    assert_eq!(code, "AOTI0103");
    assert!(
        text.contains("stream `#~`") && text.contains("extends past"),
        "{text}"
    );
}

#[test]
fn directory_given_as_an_assembly() {
    let dir = tempfile::tempdir().unwrap();
    let e = scan::read_file(dir.path()).unwrap_err();
    assert_eq!(e.code(), "AOTI0104");
    assert!(e.to_string().contains("found a directory"), "{e}");
    // A request that lists a folder among its assemblies gets the same code, at the line and
    // field of the request that names it.
    let req = format!(
        "{{\n  \"rid\": \"linux-x64\",\n  \"assemblies\": [\n    {:?}\n  ]\n}}",
        dir.path().display().to_string()
    );
    let loaded = aotinterop::PublishRequest::parse(&req, Path::new("req.json"), dir.path()).unwrap();
    let e = aotinterop::plan_request(&loaded).unwrap_err();
    assert_eq!(e.code(), "AOTI0104");
    assert!(
        e.to_string().starts_with("req.json:4:") && e.message.contains("`assemblies[0]`"),
        "{e}"
    );
}

#[test]
fn missing_file() {
    let e = scan::read_file(Path::new("no/such/assembly.dll")).unwrap_err();
    assert_eq!(e.code(), "AOTI0001");
    assert!(e.to_string().starts_with("no/such/assembly.dll"), "{e}");
}

#[test]
fn non_assemblies_in_a_folder_are_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = sample(dir.path());
    std::fs::write(dir.path().join("native.dll"), b"\x7fELF not a PE").unwrap();
    std::fs::write(dir.path().join("readme.txt"), b"not scanned: wrong extension").unwrap();
    let report = scan::scan(&[dir.path().to_path_buf()], &ExportPolicy::default()).unwrap();
    assert_eq!(report.assemblies.len(), 1);
    assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    assert_eq!(report.diagnostics[0].code, "AOTI1103");
    assert!(report.diagnostics[0].to_string().contains("native.dll"));
    // Named directly, the same file is an error.
    let e = scan::scan(&[dir.path().join("native.dll")], &ExportPolicy::default()).unwrap_err();
    assert_eq!(e.code(), "AOTI0100");
    // A corrupt assembly in a folder is still an error.
    std::fs::write(dir.path().join("broken.dll"), &bytes[..bytes.len() / 2]).unwrap();
    let e = scan::scan(&[dir.path().to_path_buf()], &ExportPolicy::default()).unwrap_err();
    assert_eq!(e.code(), "AOTI0102");
}

#[test]
fn every_truncation_of_a_real_assembly_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = sample(dir.path());
    for len in 0..bytes.len() {
        assert!(
            scan::read_bytes(&bytes[..len], "x").is_err(),
            "truncated to {len} bytes yet read"
        );
    }
}

#[test]
fn a_folder_whose_assemblies_sit_in_subfolders_says_subfolders_are_not_searched() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("lib");
    std::fs::create_dir(&sub).unwrap();
    sample(&sub);
    let report = scan::scan(&[dir.path().to_path_buf()], &ExportPolicy::default()).unwrap();
    assert!(report.assemblies.is_empty());
    let d = &report.diagnostics[0];
    assert_eq!(d.code, "AOTI1105");
    assert!(
        d.to_string()
            .contains("its 1 subfolder is not searched: name it too"),
        "{d}"
    );
    // Named, the subfolder is scanned.
    let report = scan::scan(&[sub], &ExportPolicy::default()).unwrap();
    assert_eq!(report.assemblies.len(), 1);
}
