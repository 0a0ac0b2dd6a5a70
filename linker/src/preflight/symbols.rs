//! What one input file offers a link: its global definitions, and the names it makes
//! available otherwise (weak definitions, import-library symbols, shared-library exports).
//! Archives, objects, import libraries, ELF shared libraries, DLLs and GNU ld scripts.

use crate::diag::{codes, Diagnostic, Error, Result};
use aotinterop_model::FileKind;
use object::read::archive::ArchiveFile;
use object::read::coff::ImportFile;
use object::{Object, ObjectKind, ObjectSection, ObjectSymbol};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A library a GNU ld script names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ScriptRef {
    /// A file path.
    File(PathBuf),
    /// `-lNAME`.
    Lib(String),
}

/// The symbols one file offers.
#[derive(Clone, Debug, Default)]
pub(super) struct Offered {
    /// Strong global definitions of code or data (two files both defining one clash).
    pub strong: BTreeSet<String>,
    /// Everything else that resolves a reference: weak and common definitions, import-library
    /// symbols (`name` and `__imp_name`), shared-library exports.
    pub other: BTreeSet<String>,
    /// Files a linker script names.
    pub references: Vec<ScriptRef>,
    /// The DLL each short-import member's symbol is imported from (import libraries).
    pub dll_of: BTreeMap<String, String>,
    /// An archive's members that are no object the linker reads (a damaged one), by name.
    pub unreadable: Vec<String>,
    /// An archive's members that run past its end (cut short, or a damaged header), by name.
    pub cut: Vec<String>,
}

impl Offered {
    /// Whether `symbol` (or its `__imp_` form) is offered.
    pub(super) fn defines(&self, symbol: &str) -> bool {
        self.strong.contains(symbol)
            || self.other.contains(symbol)
            || self.other.contains(&format!("__imp_{symbol}"))
    }

    /// Adds what `other` offers.
    pub(super) fn absorb(&mut self, other: Offered) {
        self.strong.extend(other.strong);
        self.other.extend(other.other);
        self.references.extend(other.references);
        self.dll_of.extend(other.dll_of);
        self.unreadable.extend(other.unreadable);
        self.cut.extend(other.cut);
    }
}

/// The C names of the global symbols the objects of `path` (an archive or an object) use
/// without defining them; none when it cannot be read.
pub(super) fn undefined(path: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Ok(data) = crate::diag::read_binary(path, "runtime archive", codes::BAD_FORMAT) else {
        return out;
    };
    let mut read = |bytes: &[u8]| {
        let Ok(file) = object::File::parse(bytes) else {
            return;
        };
        for s in file.symbols().filter(|s| s.is_undefined() && s.is_global()) {
            out.insert(c_name(file.format(), s.name_bytes().unwrap_or_default()));
        }
    };
    match ArchiveFile::parse(&*data) {
        Ok(archive) => {
            for m in archive.members().flatten() {
                if let Ok(bytes) = m.data(&*data) {
                    read(bytes);
                }
            }
        }
        Err(_) => read(&data),
    }
    out
}

/// The C name of a symbol of `format` (Mach-O prefixes an underscore).
fn c_name(format: object::BinaryFormat, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    match (format, name.strip_prefix('_')) {
        (object::BinaryFormat::MachO, Some(rest)) => rest.to_string(),
        _ => name.into_owned(),
    }
}

/// Reads what an object, shared library or import member offers.
fn read_object(data: &[u8]) -> Option<Offered> {
    let mut out = Offered::default();
    if let Ok(imp) = ImportFile::parse(data) {
        let s = String::from_utf8_lossy(imp.symbol()).into_owned();
        out.dll_of
            .insert(s.clone(), String::from_utf8_lossy(imp.dll()).into_owned());
        out.other.insert(format!("__imp_{s}"));
        out.other.insert(s);
        return Some(out);
    }
    let file = object::File::parse(data).ok()?;
    let format = file.format();
    if file.kind() == ObjectKind::Dynamic || file.kind() == ObjectKind::Executable {
        for e in file.exports().ok()?.flatten() {
            if let object::read::NameOrOrdinal::Name(n) = e.name() {
                out.other.insert(c_name(format, n));
            }
        }
        return Some(out);
    }
    // MinGW-w64 import libraries are long-format objects with `.idata$N` sections.
    let is_import = file
        .sections()
        .any(|s| s.name().is_ok_and(|n| n.starts_with(".idata$")));
    for sym in file.symbols() {
        if !sym.is_global() || !(sym.is_definition() || sym.is_common()) {
            continue;
        }
        let Ok(name) = sym.name_bytes() else { continue };
        let name = c_name(format, name);
        if is_import || sym.is_weak() || sym.is_common() {
            out.other.insert(name);
        } else {
            out.strong.insert(name);
        }
    }
    Some(out)
}

/// The files the GNU ld script at `path` names, and those the scripts among them name in turn
/// (each once, however deep): its paths from the linker's working folder `base` and beside the
/// script, and its `-lNAME` found in `lib_dirs`. Only files that exist are returned; anything
/// that is not a text file (or a thin archive) names none.
pub fn script_inputs(path: &Path, base: &Path, lib_dirs: &[PathBuf]) -> Vec<PathBuf> {
    // Walked with a list, not recursion (a chain of 20,000 scripts overflowed the stack), each
    // file once by what it is, not by how it is spelled (`a/../s.so` and `b/../s.so` doubled the
    // walk at every level).
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::from([file_identity(path)]);
    let mut todo = vec![path.to_path_buf()];
    while let Some(path) = todo.pop() {
        let Ok(data) = crate::diag::read_bounded(&path, "linker script or thin archive", 64 << 20) else {
            continue;
        };
        // A thin archive's members are files of their own, named from the archive's folder.
        if let Some(members) = thin_members(&path, &data) {
            for m in members
                .into_iter()
                .filter(|m| std::fs::symlink_metadata(m).is_ok())
            {
                if seen.insert(file_identity(&m)) {
                    out.push(m);
                }
            }
            continue;
        }
        let Some(text) = script_text(&data) else {
            continue;
        };
        let beside = path.parent().unwrap_or(Path::new("."));
        for r in read_script(&text) {
            let found = script_candidates(r, beside, base, lib_dirs)
                .into_iter()
                .find(|c| std::fs::symlink_metadata(c).is_ok());
            if let Some(found) = found.filter(|f| seen.insert(file_identity(f))) {
                out.push(found.clone());
                todo.push(found);
            }
        }
    }
    out
}

/// What a file is, however its path spells it: its real path (the path itself when it cannot
/// be resolved).
fn file_identity(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// A linker script's text, read as GNU ld reads it, byte by byte (a comment in Latin-1 is no
/// reason to pass the script's files over: it linked); `None` for a binary file (a NUL in it).
fn script_text(data: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    (!data.contains(&0)).then(|| String::from_utf8_lossy(data))
}

/// The files a script's reference may name: a path as it is and beside the script, or
/// `lib{NAME}.so`/`.a` in `lib_dirs`.
fn script_candidates(r: ScriptRef, beside: &Path, base: &Path, lib_dirs: &[PathBuf]) -> Vec<PathBuf> {
    match r {
        // A relative path is the linker's working folder's (the request's), then the script's.
        ScriptRef::File(p) => vec![base.join(&p), beside.join(&p)],
        ScriptRef::Lib(l) => match l.strip_prefix(':') {
            Some(exact) => lib_dirs.iter().map(|d| d.join(exact)).collect(),
            None => lib_dirs
                .iter()
                .flat_map(|d| [d.join(format!("lib{l}.so")), d.join(format!("lib{l}.a"))])
                .collect(),
        },
    }
}

/// The chain of GNU ld scripts from `path` that comes back to one already on it (`INPUT(self.so)`,
/// or `a.so` naming `b.so` naming `a.so`): GNU ld reads such a chain forever, its memory growing.
/// `None` when there is none (a file named twice along different branches is no cycle). Each
/// file is explored once, however many scripts name it; paths are the linker's working folder
/// `base`'s.
pub fn script_cycle(path: &Path, base: &Path, lib_dirs: &[PathBuf]) -> Option<Vec<PathBuf>> {
    /// A script on the walk's path: the files it names, and how many of them were walked.
    struct Frame {
        path: PathBuf,
        id: PathBuf,
        named: Vec<PathBuf>,
        next: usize,
    }
    let open = |path: PathBuf| {
        let data = crate::diag::read_bounded(&path, "linker script", 64 << 20).ok();
        let text = data.as_deref().and_then(script_text);
        let beside = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let named = text
            .as_deref()
            .map(read_script)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| {
                script_candidates(r, &beside, base, lib_dirs)
                    .into_iter()
                    .find(|c| c.is_file())
            })
            .collect();
        Frame {
            id: file_identity(&path),
            path,
            named,
            next: 0,
        }
    };
    // Walked with a list, not recursion (a chain of 20,000 scripts overflowed the stack).
    let mut done = std::collections::HashSet::new();
    let mut on_path = std::collections::HashSet::from([file_identity(path)]);
    let mut stack = vec![open(path.to_path_buf())];
    while let Some(top) = stack.last_mut() {
        let Some(child) = top.named.get(top.next).cloned() else {
            let frame = stack.pop()?;
            on_path.remove(&frame.id);
            done.insert(frame.id);
            continue;
        };
        top.next += 1;
        let id = file_identity(&child);
        if on_path.contains(&id) {
            let mut chain: Vec<PathBuf> = stack.into_iter().map(|f| f.path).collect();
            chain.push(child);
            return Some(chain);
        }
        if !done.contains(&id) {
            on_path.insert(id);
            stack.push(open(child));
        }
    }
    None
}

/// Parses the library names out of a GNU ld script (`GROUP ( /lib/libc.so.6 AS_NEEDED ( ... ) )`).
// A linker script needs only this much: the paths and `-l` names inside GROUP / INPUT /
// AS_NEEDED; no crate parses them.
fn read_script(text: &str) -> Vec<ScriptRef> {
    let mut clean = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("/*") {
        clean.push_str(&rest[..at]);
        rest = rest[at..].find("*/").map_or("", |end| &rest[at + end + 2..]);
    }
    clean.push_str(rest);
    let mut out = Vec::new();
    let mut depth_in_lists = 0usize;
    let mut list_depths = Vec::new();
    let mut depth = 0usize;
    let mut pending_keyword = false;
    let mut include = false;
    for token in clean
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
    {
        for piece in split_parens(token) {
            match piece {
                "(" => {
                    depth += 1;
                    if pending_keyword {
                        list_depths.push(depth);
                        depth_in_lists += 1;
                    }
                    pending_keyword = false;
                }
                ")" => {
                    if list_depths.last() == Some(&depth) {
                        list_depths.pop();
                        depth_in_lists -= 1;
                    }
                    depth = depth.saturating_sub(1);
                }
                "GROUP" | "INPUT" | "AS_NEEDED" => pending_keyword = true,
                // `INCLUDE file`: another script, read in its place.
                "INCLUDE" => include = true,
                word if include => {
                    include = false;
                    out.push(ScriptRef::File(PathBuf::from(word.trim_matches('"'))));
                }
                word => {
                    pending_keyword = false;
                    if depth_in_lists == 0 {
                        continue;
                    }
                    // A name may be quoted; `-l:FILE` is a file searched by its exact name;
                    // `=PATH` and `$SYSROOT/PATH` are under the sysroot.
                    let word = word.trim_matches('"');
                    if let Some(lib) = word.strip_prefix("-l") {
                        out.push(ScriptRef::Lib(lib.to_string()));
                    } else {
                        let path = word.strip_prefix('=').or_else(|| word.strip_prefix("$SYSROOT"));
                        out.push(ScriptRef::File(PathBuf::from(path.unwrap_or(word))));
                    }
                }
            }
        }
    }
    out
}

fn split_parens(token: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in token.char_indices() {
        if c == '(' || c == ')' {
            if start < i {
                out.push(&token[start..i]);
            }
            out.push(&token[i..i + 1]);
            start = i + 1;
        }
    }
    if start < token.len() {
        out.push(&token[start..]);
    }
    out
}

/// The member files of the thin archive `data` (read from `path`), by their paths from the
/// archive's folder; `None` when it is no thin archive.
fn thin_members(path: &Path, data: &[u8]) -> Option<Vec<PathBuf>> {
    use std::os::unix::ffi::OsStrExt;
    if FileKind::identify(data) != FileKind::ThinArchive {
        return None;
    }
    let beside = path.parent().unwrap_or(Path::new("."));
    let archive = ArchiveFile::parse(data).ok()?;
    let names = archive
        .members()
        .flatten()
        .map(|m| beside.join(std::ffi::OsStr::from_bytes(m.name())));
    Some(names.collect())
}

/// The C names of the symbols an Apple text stub (`.tbd`, YAML or TAPI's JSON) lists: every
/// word of it that is a Mach-O symbol name (`_foo`), without its `_`.
fn tbd_symbols(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '\'' | '"' | '{' | '}' | ':'))
        .filter_map(|w| w.strip_prefix('_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// An archive whose symbol index cannot be read.
fn malformed_index(path: &Path, e: object::read::Error) -> Error {
    Error::new(
        codes::BAD_FORMAT,
        format!("the archive's symbol index is malformed ({e}); linkers refuse it or find nothing in it: rebuild it with `ranlib`"),
    )
    .at(path)
}

/// Whether the file at `path` is an archive, by its first bytes.
pub(super) fn is_archive(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 8];
    aotinterop_model::diag::open_regular(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| FileKind::identify(&magic).is_archive())
}

/// Whether an archive member's 60-byte header (ending in "`\n") starts at `offset`.
fn member_header_at(data: &[u8], offset: u64) -> bool {
    usize::try_from(offset)
        .ok()
        .and_then(|o| data.get(o.checked_add(58)?..o.checked_add(60)?))
        == Some(b"`\n".as_slice())
}

/// Where the data of the member whose header starts at `offset` begins: after the 60-byte
/// header and, for a BSD long name (`#1/LEN`), the name.
fn member_data_start(data: &[u8], offset: u64) -> Option<u64> {
    let header = data.get(usize::try_from(offset).ok()?..)?.get(..60)?;
    let name_len = match header.strip_prefix(b"#1/") {
        Some(len) => std::str::from_utf8(&len[..13]).ok()?.trim().parse::<u64>().ok()?,
        None => 0,
    };
    Some(offset + 60 + name_len)
}

/// The first entry of an archive's symbol `index` that sends the linker to a member that does
/// not define it (a stale index, left by `ar q` without `ranlib`), or to no object member (the
/// index itself). Members that are no object read here (LLVM bitcode) are taken on trust.
fn stale_entry<'i, 'd>(
    archive: &ArchiveFile<'d>,
    data: &'d [u8],
    index: &'i [object::read::archive::ArchiveSymbol<'d>],
) -> Option<&'i object::read::archive::ArchiveSymbol<'d>> {
    // A member cut short is what is there of it (said as such, not as a stale index).
    let members: BTreeMap<u64, &[u8]> = archive
        .members()
        .filter_map(|m| {
            let m = m.ok()?;
            let start = m.file_range().0;
            Some((
                start,
                m.data(data)
                    .ok()
                    .or_else(|| data.get(usize::try_from(start).ok()?..))?,
            ))
        })
        .collect();
    let mut read: BTreeMap<u64, Option<BTreeSet<Vec<u8>>>> = BTreeMap::new();
    index.iter().find(|s| {
        let Some(start) = member_data_start(data, s.offset().0) else {
            return true;
        };
        let Some(&bytes) = members.get(&start) else {
            return true;
        };
        let named = read.entry(start).or_insert_with(|| index_names(bytes));
        named.as_ref().is_some_and(|names| !names.contains(s.name()))
    })
}

/// The names an archive index may list for a member: every symbol it defines or declares weak
/// (COFF weak externals are listed), raw; an import member's symbol and its `__imp_` form.
/// `None` for a member that is no object read here (LLVM bitcode).
fn index_names(data: &[u8]) -> Option<BTreeSet<Vec<u8>>> {
    if let Ok(imp) = ImportFile::parse(data) {
        let s = imp.symbol();
        return Some([s.to_vec(), [b"__imp_", s].concat()].into());
    }
    let file = object::File::parse(data).ok()?;
    let names = file
        .symbols()
        .filter(|s| s.is_global() && (!s.is_undefined() || s.is_weak() || s.is_common()))
        .filter_map(|s| s.name_bytes().ok().map(<[u8]>::to_vec))
        .collect();
    Some(names)
}

/// An archive whose symbol index sends the linker to a member that does not define `name`.
fn stale_index(path: &Path, name: &[u8]) -> Error {
    Error::new(
        codes::BAD_FORMAT,
        format!(
            "the archive's symbol index is stale (it sends `{}` to a member that does not define it); linkers \
             take the wrong member and find the symbol undefined: rebuild the index with `ranlib`",
            aotinterop_model::diag::shown(&String::from_utf8_lossy(name), 120)
        ),
    )
    .at(path)
}

/// An archive whose symbol index sends `name` to an offset where no member starts.
fn index_points_nowhere(path: &Path, name: &[u8], offset: u64) -> Error {
    Error::new(
        codes::BAD_FORMAT,
        format!(
            "the archive's symbol index is malformed (it places `{}` at offset {offset}, where no member starts); \
             linkers refuse it or read garbage: rebuild it with `ranlib`",
            aotinterop_model::diag::shown(&String::from_utf8_lossy(name), 120)
        ),
    )
    .at(path)
}

/// An archive whose symbol index lists nothing though its members define `defined` symbols.
fn empty_index(path: &Path, defined: usize) -> Error {
    Error::new(
        codes::BAD_FORMAT,
        format!(
            "the archive's symbol index lists no symbols, but its members define {defined}; linkers look only at \
             the index and find nothing in it: rebuild it with `ranlib`"
        ),
    )
    .at(path)
}

/// Reads what the file at `path` offers. With `members`, an archive's members are read one by
/// one (to tell strong from weak definitions); otherwise its symbol index is enough.
pub(super) fn read(path: &Path, members: bool) -> Result<Offered> {
    let data = crate::diag::read_binary(path, "library", codes::BAD_FORMAT)?;
    if let Some(members) = thin_members(path, &data) {
        // A thin archive's index names what its member files define; read them for strength.
        let mut out = Offered::default();
        for m in members {
            let member = crate::diag::read_binary(&m, "thin archive member", codes::BAD_FORMAT)?;
            match read_object(&member) {
                Some(o) => out.absorb(o),
                // As a regular archive's member: no object (LLVM bitcode is the linker's).
                None if FileKind::identify(&member) != FileKind::Bitcode => {
                    out.unreadable.push(m.display().to_string())
                }
                None => {}
            }
        }
        return Ok(out);
    }
    if let Ok(archive) = ArchiveFile::parse(&*data) {
        let mut out = Offered::default();
        // An index that cannot be read whole (a count past its end) is what the linker
        // refuses or reads as "defines nothing": said here, not passed over, whichever way
        // the archive is read.
        let index = archive
            .symbols()
            .and_then(|i| {
                i.map(Iterator::collect::<std::result::Result<Vec<_>, _>>)
                    .transpose()
            })
            .map_err(|e| malformed_index(path, e))?;
        // An entry pointing at no member header: the linker reads garbage or refuses it.
        let aix = archive.kind() == object::read::archive::ArchiveKind::AixBig;
        if let Some(bad) = index
            .iter()
            .flatten()
            .find(|s| !aix && !member_header_at(&data, s.offset().0))
        {
            return Err(index_points_nowhere(path, bad.name(), bad.offset().0));
        }
        if let Some(bad) = index
            .as_deref()
            .filter(|_| !aix)
            .and_then(|i| stale_entry(&archive, &data, i))
        {
            return Err(stale_index(path, bad.name()));
        }
        // An empty index is checked against the members below.
        if !members {
            if let Some(index) = index.as_ref().filter(|i| !i.is_empty()) {
                for s in index {
                    out.other.insert(String::from_utf8_lossy(s.name()).into_owned());
                }
                return Ok(out);
            }
        }
        for m in archive.members() {
            let m = m.map_err(|e| {
                Diagnostic::error(codes::BAD_FORMAT, format!("cannot read an archive member: {e}")).at(path)
            })?;
            // A member running past the end: what is there is read (a linker may take it, or
            // stop with `file too short`), and it is said.
            let cut = m.data(&*data).is_err();
            let bytes = m.data(&*data).ok().or_else(|| {
                out.cut.push(String::from_utf8_lossy(m.name()).into_owned());
                usize::try_from(m.file_range().0)
                    .ok()
                    .and_then(|start| data.get(start..))
            });
            match bytes.and_then(read_object) {
                Some(o) => out.absorb(o),
                // (A cut member is said as such.) LLVM bitcode (LTO) is the linker's to read;
                // anything else it refuses.
                None if !cut && bytes.is_some_and(|b| FileKind::identify(b) != FileKind::Bitcode) => out
                    .unreadable
                    .push(String::from_utf8_lossy(m.name()).into_owned()),
                None => {}
            }
        }
        if index.as_ref().is_some_and(Vec::is_empty) && !(out.strong.is_empty() && out.other.is_empty()) {
            return Err(empty_index(path, out.strong.len() + out.other.len()));
        }
        return Ok(out);
    }
    if let Some(o) = read_object(&data) {
        return Ok(o);
    }
    match script_text(&data) {
        // An Apple text stub: the symbols it lists (C names: Mach-O's `_` dropped). Read as
        // words, as the loader check reads its targets: no YAML crate for one list.
        Some(text) if text.starts_with("--- !tapi") || text.trim_start().starts_with('{') => Ok(Offered {
            other: tbd_symbols(&text),
            ..Offered::default()
        }),
        Some(text) => Ok(Offered {
            references: read_script(&text),
            ..Offered::default()
        }),
        None => Err(Error::new(
            codes::BAD_FORMAT,
            "not an archive, object, shared library or linker script",
        )
        .at(path)),
    }
}

#[cfg(test)]
mod tests {
    /// An Apple text stub offers the symbols it lists, by their C names (it read as a linker
    /// script naming nothing: a direct import it defines failed the preflight).
    #[test]
    fn a_text_stub_offers_its_symbols() {
        let dir = tempfile::tempdir().unwrap();
        let tbd = dir.path().join("good.tbd");
        std::fs::write(
            &tbd,
            "--- !tapi-tbd\ntbd-version: 4\ntargets: [ arm64-macos ]\ninstall-name: '/usr/lib/libgood.dylib'\n\
             exports:\n  - targets: [ arm64-macos ]\n    symbols: [ _foo, _bar_baz ]\n...\n",
        )
        .unwrap();
        let offered = read(&tbd, false).unwrap();
        assert!(
            offered.defines("foo") && offered.defines("bar_baz"),
            "{:?}",
            offered.other
        );
        assert!(!offered.defines("arm64-macos"));
    }

    use super::*;

    /// `liba.a` in `dir`, from `a.o` (defining `foo`) as `damage` leaves it, by `ar rcs`.
    fn archive(dir: &Path, damage: impl Fn(&mut Vec<u8>)) -> PathBuf {
        let (c, o, a) = (dir.join("a.c"), dir.join("a.o"), dir.join("liba.a"));
        std::fs::write(&c, "int foo(void) { return 1; }\n").unwrap();
        let run = |cmd: &mut std::process::Command| assert!(cmd.status().unwrap().success());
        run(std::process::Command::new("cc")
            .arg("-c")
            .arg(&c)
            .arg("-o")
            .arg(&o));
        let mut object = std::fs::read(&o).unwrap();
        damage(&mut object);
        std::fs::write(&o, object).unwrap();
        run(std::process::Command::new("ar").arg("rcs").arg(&a).arg(&o));
        a
    }

    /// A stale index (an entry sending a symbol to a member that does not define it, or to the
    /// index itself) is refused: the linker took the wrong member and failed after the
    /// preflight passed.
    #[test]
    fn a_stale_archive_index_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.c"), "int foo(void) { return 1; }\n").unwrap();
        std::fs::write(d.join("b.c"), "int bar(void) { return 2; }\n").unwrap();
        let run = |cmd: &mut std::process::Command| assert!(cmd.current_dir(d).status().unwrap().success());
        run(std::process::Command::new("cc").args(["-c", "a.c", "b.c"]));
        run(std::process::Command::new("ar").args(["rcs", "libab.a", "a.o", "b.o"]));
        let a = d.join("libab.a");
        let good = std::fs::read(&a).unwrap();
        assert!(read(&a, false).unwrap().defines("bar"));
        // Index: count, then one big-endian offset per symbol: every one made the first's.
        let first = good[72..76].to_vec();
        for offset in [first, 8u32.to_be_bytes().to_vec()] {
            let mut bytes = good.clone();
            bytes[72..76].copy_from_slice(&offset);
            bytes[76..80].copy_from_slice(&offset);
            std::fs::write(&a, &bytes).unwrap();
            for members in [false, true] {
                let e = read(&a, members).unwrap_err();
                assert!(e.message.contains("symbol index is stale"), "{e}");
            }
        }
    }

    /// A thin archive's member file that is no object (text put in its place) is named, as a
    /// regular archive's is (it read as defining nothing, unsaid).
    #[test]
    fn a_thin_archive_member_that_is_no_object_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.c"), "int foo(void) { return 1; }\n").unwrap();
        let run = |cmd: &mut std::process::Command| assert!(cmd.current_dir(d).status().unwrap().success());
        run(std::process::Command::new("cc").args(["-c", "a.c"]));
        run(std::process::Command::new("ar").args(["rcT", "libthin.a", "a.o"]));
        std::fs::write(d.join("a.o"), "not an object any more\n").unwrap();
        let offered = read(&d.join("libthin.a"), true).unwrap();
        assert_eq!(offered.unreadable.len(), 1, "{offered:?}");
        assert!(offered.unreadable[0].ends_with("a.o"), "{offered:?}");
    }

    /// An archive cut short (its index whole, its member not) is said to be cut, not to have a
    /// stale index (whose advice, `ranlib`, fails on it: "file truncated").
    #[test]
    fn a_truncated_archive_is_cut_not_stale() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(dir.path(), |_| {});
        let bytes = std::fs::read(&a).unwrap();
        std::fs::write(&a, &bytes[..bytes.len() - 200]).unwrap();
        let offered = read(&a, true).unwrap();
        assert_eq!(offered.cut, ["a.o"]);
        assert!(offered.unreadable.is_empty(), "{offered:?}");
        assert!(read(&a, false).is_ok());
    }

    /// Archives the real toolchains built (C libraries, compiler runtimes, MinGW's import
    /// libraries with their weak externals and short import members) are never called stale.
    #[test]
    fn real_archives_have_indexes_that_are_not_stale() {
        let candidates = [
            "/usr/lib/x86_64-linux-gnu/libc.a",
            "/usr/lib/x86_64-linux-gnu/libz.a",
            "/usr/lib/x86_64-linux-musl/libc.a",
            "/usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a",
            "/usr/x86_64-w64-mingw32/lib/libkernel32.a",
            "/usr/x86_64-w64-mingw32/lib/libmingwex.a",
            "/usr/i686-w64-mingw32/lib/libkernel32.a",
            "/usr/aarch64-linux-gnu/lib/libc.a",
        ];
        let present: Vec<&str> = candidates
            .into_iter()
            .filter(|p| Path::new(p).is_file())
            .collect();
        assert!(
            present.len() >= 4,
            "scripts/install-deps installs the toolchains: {present:?}"
        );
        for p in present {
            if let Err(e) = read(Path::new(p), false) {
                panic!("{p}: {e}");
            }
        }
    }

    /// An archive whose symbol index claims more symbols than it holds is refused, naming it
    /// (it read as an archive that defines nothing). `ar` builds it; its count is then raised.
    #[test]
    fn an_archive_index_with_a_count_past_its_end_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(dir.path(), |_| {});
        assert!(read(&a, false).unwrap().defines("foo"));
        let mut bytes = std::fs::read(&a).unwrap();
        // The index member's data starts after the 8-byte magic and its 60-byte header.
        assert_eq!(&bytes[8..10], b"/ ");
        bytes[68..72].copy_from_slice(&[0xff; 4]);
        std::fs::write(&a, bytes).unwrap();
        let e = read(&a, false).unwrap_err();
        assert!(
            e.message.contains("symbol index is malformed") && e.file() == Some(a.as_path()),
            "{e}"
        );
    }

    /// An index entry sending a symbol past the end of the archive, and an index of no symbols
    /// over members that define some, are refused whichever way the archive is read (the
    /// linker failed on them after the preflight passed).
    #[test]
    fn an_archive_index_pointing_nowhere_or_empty_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(dir.path(), |_| {});
        let good = std::fs::read(&a).unwrap();
        // Index: count (4 bytes, big-endian), then the offsets; the first offset past the end.
        let mut bytes = good.clone();
        bytes[72..76].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
        std::fs::write(&a, &bytes).unwrap();
        for members in [false, true] {
            let e = read(&a, members).unwrap_err();
            assert!(e.message.contains("where no member starts"), "{e}");
        }
        // A count of 0: the names stay, the index lists nothing.
        let mut bytes = good;
        bytes[68..72].copy_from_slice(&[0; 4]);
        std::fs::write(&a, &bytes).unwrap();
        for members in [false, true] {
            let e = read(&a, members).unwrap_err();
            assert!(
                e.message.contains("lists no symbols, but its members define"),
                "{e}"
            );
        }
    }

    /// A member that is no object (its ELF header damaged) is named, not passed over as one
    /// that defines nothing.
    #[test]
    fn an_archive_member_that_is_no_object_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(dir.path(), |object| object[1..4].copy_from_slice(b"XYZ"));
        assert_eq!(read(&a, true).unwrap().unreadable, ["a.o"]);
    }

    #[test]
    fn linker_scripts() {
        let libc = "/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /lib/x86_64-linux-gnu/libc.so.6 \
                    /usr/lib/x86_64-linux-gnu/libc_nonshared.a  AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )\n";
        assert_eq!(
            read_script(libc),
            [
                ScriptRef::File("/lib/x86_64-linux-gnu/libc.so.6".into()),
                ScriptRef::File("/usr/lib/x86_64-linux-gnu/libc_nonshared.a".into()),
                ScriptRef::File("/lib64/ld-linux-x86-64.so.2".into()),
            ]
        );
        assert_eq!(
            read_script("INPUT(-lfoo, libbar.so)"),
            [ScriptRef::Lib("foo".into()), ScriptRef::File("libbar.so".into())]
        );
    }
}
