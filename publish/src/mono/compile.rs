//! The `compile` step for `compiler: mono`: Mono's ahead-of-time compiler (`mono
//! --aot=full,static`) turns every assembly of the closure into an object; a small C host
//! registers them with the static Mono runtime, embeds their IL, maps each P/Invoke to its
//! aotinterop stub, sends failed lazy binds back into C# as .NET exceptions, and runs the
//! published assembly's `Main`.
//!
//! - Every assembly is compiled alike, without `direct-pinvoke`: Mono's P/Invoke wrapper looks
//!   each P/Invoke up once, by assembly, library and entry point. The host gives every assembly a
//!   dllmap (`mono_dllmap_insert` on its image, as it loads) sending each of its P/Invokes that
//!   aotinterop binds to `__Internal` and the import's call symbol, which the stub object exports:
//!   Mono never opens a file for them, and a delegate over a DllImport method gets the stub's
//!   address. Only the runtime's own P/Invokes (`__Internal`, Mono's shims) are left to Mono.
//! - Objects are cached (`cache_dir`), keyed by the Mono version, the options, the assembly's
//!   bytes and those of every assembly it references (Mono refuses an AOT image whose references
//!   changed); each cached object carries a check file (its length and modification time), so a
//!   truncated or replaced one is compiled again, never used.

use super::{err, host, Closure, Member, Mono};
use crate::plan::naming::mangle;
use crate::request::LoadedRequest;
use aotinterop_model::diag::{codes, Error, Location, Result};
use aotinterop_model::{MonoAotMode, Plan};
use object::{Object, ObjectSymbol};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the compile step adds to the link.
pub struct Compiled {
    /// The host's and every assembly's object.
    pub objects: Vec<PathBuf>,
    /// LinkerArg items for the static Mono runtime.
    pub linker_args: Vec<String>,
    /// System libraries the runtime needs.
    pub system_libs: Vec<String>,
    /// Assemblies compiled, and how many of them came from the cache.
    pub compiled: usize,
    /// Of those, taken from the cache.
    pub cached: usize,
}

/// The AOT compiler's options for `mode`.
fn options(mode: MonoAotMode) -> &'static str {
    match mode {
        MonoAotMode::Full => "full,static",
        MonoAotMode::Interp => "full,interp,static",
    }
}

/// FNV-1a, 64 bits: the cache's key and check hash (not a security boundary; eight lines
/// rather than a dependency).
pub(super) fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The folder compiled assemblies are kept in.
///
/// With none of those set, a folder of this user's own in the temporary folder, used only when
/// no one else owns or can write it (a shared folder would let another user hand this publish
/// their objects); failing that, a folder in `work`, gone after the publish.
pub fn cache_root(loaded: &LoadedRequest, work: &Path) -> PathBuf {
    named_cache_root(loaded)
        .map(|(root, _)| root)
        .or_else(private_temp_cache)
        .unwrap_or_else(|| work.join("cache"))
}

/// The cache folder the request (`cache_dir`) or the environment (`AOTINTEROP_CACHE_DIR`,
/// `XDG_CACHE_HOME`, `HOME`, each only when absolute) names, with what named it.
pub fn named_cache_root(loaded: &LoadedRequest) -> Option<(PathBuf, &'static str)> {
    if let Some(d) = &loaded.request.cache_dir {
        return Some((d.clone(), "cache_dir"));
    }
    // A relative folder would be the current directory's: ignored, as the XDG base directory
    // specification says of a relative `XDG_CACHE_HOME`.
    // One that cannot be a folder (it, or a folder along it, is a file) is passed over for the
    // next, as a missing one is.
    let env = |k: &str| {
        std::env::var_os(k)
            .map(PathBuf::from)
            .filter(|v| v.is_absolute() && can_be_folder(v))
    };
    // A cache under it must be one this user can make (`HOME=/nonexistent`, a service user's).
    let env_cache = |k: &str, sub: &str| env(k).map(|d| d.join(sub)).filter(|d| can_make(d));
    env("AOTINTEROP_CACHE_DIR")
        .filter(|d| can_make(d))
        .map(|d| (d, "AOTINTEROP_CACHE_DIR"))
        .or_else(|| env_cache("XDG_CACHE_HOME", "aotinterop").map(|d| (d, "XDG_CACHE_HOME")))
        // A home that does not exist is none (`HOME=/nonexistent` as root made `/nonexistent`).
        .or_else(|| {
            env("HOME")
                .filter(|h| h.is_dir())
                .and_then(|_| env_cache("HOME", ".cache/aotinterop"))
                .map(|d| (d, "HOME"))
        })
}

/// Whether `path` is a folder or can be made one: the nearest of it and its folders that exists
/// is a folder.
pub fn can_be_folder(path: &Path) -> bool {
    path.ancestors()
        .find(|a| std::fs::symlink_metadata(a).is_ok())
        .is_none_or(Path::is_dir)
}

/// `path` and its folders, a relative one's ending with `.` (its last ancestor is the empty
/// path, which names no folder).
fn ancestors(path: &Path) -> impl Iterator<Item = &Path> {
    path.ancestors().map(|a| {
        if a.as_os_str().is_empty() {
            Path::new(".")
        } else {
            a
        }
    })
}

/// Whether this user can make the folder `path` (or it is there): the nearest of it and its
/// folders that exists is a folder this user may write in.
pub fn can_make(path: &Path) -> bool {
    let Some(existing) = ancestors(path).find(|a| std::fs::symlink_metadata(a).is_ok()) else {
        return false;
    };
    match existing == path {
        true => path.is_dir(),
        false => existing.is_dir() && crate::trust::writable(existing),
    }
}

/// Why the existing cache folder `root` cannot be trusted, if so: it (or the first of its
/// folders that exists) is another user's, or others may write in it, so that they could put
/// there the objects this publish links.
pub fn untrusted_cache(root: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let existing = ancestors(root).find(|a| a.exists())?;
    let meta = std::fs::metadata(existing).ok()?;
    // A folder of root's above a cache not yet made (`/`, `/home`) is no one else's to fill.
    let whose = if meta.uid() != uid && !(meta.uid() == 0 && existing != root) {
        "is another user's"
    } else if meta.mode() & 0o002 != 0 {
        "is writable by other users"
    } else {
        // A folder above it others may change could have it swapped for theirs.
        return crate::trust::swappable(existing);
    };
    let what = if existing == root {
        "it".to_string()
    } else {
        format!("its folder {}", existing.display())
    };
    Some(format!(
        "{what} {whose}: they could put there the objects this publish links; use a folder of your own that \
         only you can write (`chmod go-w`), or name another"
    ))
}

/// `TMP/aotinterop-cache-UID`, made mode 0700 when missing; `None` when it is a link, not this
/// user's, or writable by others.
fn private_temp_cache() -> Option<PathBuf> {
    // A relative `TMPDIR` would be the current directory's: none then.
    Some(std::env::temp_dir())
        .filter(|t| t.is_absolute())
        .and_then(|t| private_cache_in(&t))
}

fn private_cache_in(tmp: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let dir = tmp.join(format!("aotinterop-cache-{uid}"));
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    (meta.is_dir() && meta.uid() == uid && meta.mode() & 0o022 == 0).then_some(dir)
}

/// Whether `path` is a regular file (not a link, FIFO or device) of this user's in a folder of
/// this user's, neither writable by all users: only such an entry is taken from the cache. (A
/// group may write: with a group of the user's own, as umask 002 makes them, no one else can.)
fn private_file(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    let private = |m: &std::fs::Metadata| m.uid() == uid && m.mode() & 0o002 == 0;
    let file = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && private(&m));
    let folder = path.parent().map(std::fs::metadata);
    file && matches!(folder, Some(Ok(m)) if private(&m))
}

/// The check text of a cached object: its length and modification time, then `note` (what the
/// object defines that the next publish needs). Entries are only ever replaced whole, by
/// rename, so an object that is not the one stored has another length or time; checking them
/// costs no read of the object (tens of megabytes, linked in place right after).
fn check_of(object: &Path, note: &str) -> Option<String> {
    let meta = std::fs::metadata(object).ok()?;
    let time = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!(
        "{} {}.{:09}\n{note}\n",
        meta.len(),
        time.as_secs(),
        time.subsec_nanos()
    ))
}

/// Each member's cache key: its bytes' hash combined with those of everything it references,
/// transitively (the members it can reach, in closure order).
fn cache_keys(closure: &Closure) -> Vec<u64> {
    let own: Vec<u64> = closure.members.iter().map(|m| fnv(&m.bytes)).collect();
    let index: FxHashMap<String, usize> = closure
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.interop.name.to_ascii_lowercase(), i))
        .collect();
    (0..closure.members.len())
        .map(|start| {
            let mut reached = vec![false; closure.members.len()];
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                if std::mem::replace(&mut reached[i], true) {
                    continue;
                }
                let refs = &closure.members[i].interop.references;
                stack.extend(refs.iter().filter_map(|r| index.get(&r.to_ascii_lowercase())));
            }
            let mut text = format!("{:016x}", own[start]);
            for (i, _) in reached.iter().enumerate().filter(|(i, r)| **r && *i != start) {
                text.push_str(&format!(" {:016x}", own[i]));
            }
            fnv(text.as_bytes())
        })
        .collect()
}

/// One entry of the cache: an object, and its check file (the object's length and time).
pub(super) struct Entry {
    object: PathBuf,
    check: PathBuf,
    /// The cache's root, and the folders from it to the entry's.
    root: PathBuf,
    folders: PathBuf,
}

impl Entry {
    /// The entry `name` in the folder `folders` (relative) of the cache `root`.
    pub(super) fn new(root: &Path, folders: &Path, name: &str) -> Self {
        let object = root.join(folders).join(name);
        Entry {
            check: object.with_extension("o.check"),
            object,
            root: root.to_path_buf(),
            folders: folders.to_path_buf(),
        }
    }

    /// Whether the cache root and each folder from it to the entry's are this user's and not
    /// writable by all (the folders below the root not links): no one else can have put or
    /// replaced anything in it.
    fn private(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        let mine = |m: &std::fs::Metadata| m.is_dir() && m.uid() == uid && m.mode() & 0o002 == 0;
        let mut at = self.root.clone();
        if !std::fs::metadata(&at).is_ok_and(|m| mine(&m)) {
            return false;
        }
        for part in self.folders.components() {
            at.push(part);
            if !std::fs::symlink_metadata(&at).is_ok_and(|m| mine(&m)) {
                return false;
            }
        }
        true
    }

    /// The object and its note, when it is there and whole (used where it is: entries are
    /// never rewritten in place, only replaced whole).
    pub(super) fn hit(&self) -> Option<(&Path, String)> {
        if !self.private() || ![&self.object, &self.check].iter().all(|p| private_file(p)) {
            return None;
        }
        let want = aotinterop_model::diag::read_text(&self.check, "cache check").ok()?;
        let note = want.lines().nth(1)?.to_string();
        (check_of(&self.object, &note)? == want).then_some((self.object.as_path(), note))
    }

    /// Stores `built` and its note through temporary names, so a reader never sees half an
    /// entry. A cache that cannot be written costs the next publish time, not this one its image.
    /// The temporary files are new files of random names (`O_EXCL`: never a file or link
    /// someone put there), and nothing is stored in a cache that is not this user's alone.
    pub(super) fn store(&self, built: &Path, note: &str) {
        use std::os::unix::fs::DirBuilderExt;
        let dir = self.object.parent().unwrap_or(Path::new("/"));
        let _ = std::fs::DirBuilder::new().recursive(true).mode(0o755).create(dir);
        if !self.private() {
            return;
        }
        remove_stale_temporaries(dir);
        let put = |to: &Path, write: &dyn Fn(&mut std::fs::File) -> std::io::Result<()>| {
            let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
            write(tmp.as_file_mut())?;
            tmp.persist(to).map_err(|e| e.error).map(drop)
        };
        let copy = |f: &mut std::fs::File| std::io::copy(&mut std::fs::File::open(built)?, f).map(drop);
        if put(&self.object, &copy).is_err() {
            return;
        }
        if let Some(check) = check_of(&self.object, note) {
            let _ = put(&self.check, &|f| std::io::Write::write_all(f, check.as_bytes()));
        }
    }
}

/// Removes the temporary files (`.tmp-*`) a store killed part-way left in the entry folder
/// `dir` (up to tens of megabytes each), once they are an hour old: a store going on now is
/// never that slow.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e.file_name().as_encoded_bytes().starts_with(b".tmp-")
            && e.metadata().is_ok_and(|m| {
                m.is_file()
                    && m.modified()
                        .is_ok_and(|t| t.elapsed().is_ok_and(|a| a.as_secs() > 3600))
            });
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// What compiles: the Mono installation, its options, and the cache.
struct Compiler<'a> {
    mono: &'a Mono,
    mode: MonoAotMode,
    cache: &'a Path,
}

/// Compiles member `index` of `layout` (its cache key `key`), through the cache: the object to
/// link (the cache's own file on a hit, else `out`), and whether it came from the cache.
fn aot(c: &Compiler<'_>, layout: &mut Layout<'_>, index: usize, key: u64, out: &Path) -> Result<Aot> {
    let (mono, options) = (c.mono, options(c.mode));
    let name = &layout.members[index].interop.name;
    let entry = Entry::new(
        c.cache,
        &Path::new("mono").join(format!(
            "{:016x}",
            fnv(format!("{}\n{options}", mono.version).as_bytes())
        )),
        &format!("{}-{key:016x}.o", mangle(name)),
    );
    if let Some((object, info)) = entry.hit() {
        return Ok(Aot {
            object: object.to_path_buf(),
            info,
            cached: true,
        });
    }
    layout.ensure()?;
    let il = &layout.paths[index];
    let dir = il.parent().unwrap_or(Path::new("/"));
    let run = aotinterop_linker::driver::run_program(
        Command::new(&mono.program)
            .arg(format!("--aot={options},outfile={}", out.display()))
            .arg(il)
            .env("MONO_PATH", dir)
            // Options from the environment would change the object the cache keeps under a key
            // that does not hold them.
            .env_remove("MONO_ENV_OPTIONS")
            // Its temporary assembler file goes into the work folder, removed with it.
            .env("TMPDIR", dir)
            .current_dir(dir),
    )
    .map_err(|e| {
        err(format!(
            "cannot run {}: {}",
            mono.program.display(),
            aotinterop_model::diag::io_words(&e)
        ))
    })?;
    if !run.status.success() || !out.is_file() {
        return Err(err(format!(
            "Mono's AOT compiler failed on {name} ({}):\n{}{}",
            run.status,
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        ))
        // The user's assembly, not the copy in the staging folder (gone with it).
        .at(Location::file(&layout.members[index].path)));
    }
    let info = module_info_symbol(out)?;
    entry.store(out, &info);
    Ok(Aot {
        object: out.to_path_buf(),
        info,
        cached: false,
    })
}

/// One assembly's object, compiled or from the cache.
struct Aot {
    object: PathBuf,
    /// Its `mono_aot_module_*_info` symbol.
    info: String,
    cached: bool,
}

/// The `mono_aot_module_*_info` symbol an AOT object defines.
fn module_info_symbol(object: &Path) -> Result<String> {
    let data = std::fs::read(object).map_err(|e| Error::unreadable(object, "object", &e))?;
    let file = object::File::parse(&*data)
        .map_err(|e| err(format!("the AOT compiler wrote an unreadable object: {e}")).at(object))?;
    file.symbols()
        .filter(|s| s.is_definition())
        .filter_map(|s| s.name().ok())
        .find(|n| n.starts_with("mono_aot_module_") && n.ends_with("_info"))
        .map(str::to_string)
        .ok_or_else(|| err("the AOT object defines no mono_aot_module_*_info").at(object))
}

fn unwritable(path: &Path, e: &std::io::Error) -> Error {
    Error::new(
        codes::OUTPUT_UNWRITABLE,
        format!(
            "cannot write {}: {}",
            path.display(),
            aotinterop_model::diag::io_words(e)
        ),
    )
    .at(Location::file(path))
}

/// The assemblies' copies in the work folder, under their file names: the compiler reads them
/// there (it writes next to its input) and the host embeds them. Written only when something is
/// compiled: a publish whose objects all come from the cache touches none of them.
pub(super) struct Layout<'c> {
    members: &'c [Member],
    /// Each member's copy.
    pub(super) paths: Vec<PathBuf>,
    written: bool,
}

impl<'c> Layout<'c> {
    fn new(members: &'c [Member], dir: &Path) -> Self {
        let paths = members
            .iter()
            .map(|m| dir.join(m.path.file_name().map(PathBuf::from).unwrap_or_default()))
            .collect();
        Layout {
            members,
            paths,
            written: false,
        }
    }

    /// Writes the copies, once.
    pub(super) fn ensure(&mut self) -> Result<()> {
        if std::mem::replace(&mut self.written, true) {
            return Ok(());
        }
        for (m, copy) in self.members.iter().zip(&self.paths) {
            if let Some(dir) = copy.parent() {
                std::fs::create_dir_all(dir).map_err(|e| unwritable(dir, &e))?;
            }
            std::fs::write(copy, &m.bytes).map_err(|e| unwritable(copy, &e))?;
        }
        Ok(())
    }
}

/// Compiles the closure with Mono's AOT compiler and writes and compiles the host, in `work`;
/// `progress` is told how many assemblies are done.
pub fn compile(
    loaded: &LoadedRequest,
    closure: &Closure,
    plan: &Plan,
    work: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Compiled> {
    let mono = &closure.mono;
    let mut layout = Layout::new(&closure.members, &work.join("assemblies"));
    let keys = cache_keys(closure);
    let cache = cache_root(loaded, work);
    let mode = loaded.request.mono_aot_mode;
    let mut objects = Vec::new();
    let mut infos = Vec::new();
    let (total, mut cached) = (closure.members.len(), 0);
    for (done, (m, key)) in closure.members.iter().zip(&keys).enumerate() {
        let out = work.join(format!("{done}-{}.o", mangle(&m.interop.name)));
        let compiler = Compiler {
            mono,
            mode,
            cache: &cache,
        };
        let compiled = aot(&compiler, &mut layout, done, *key, &out)?;
        cached += compiled.cached as usize;
        infos.push(compiled.info);
        objects.push(compiled.object);
        progress(done + 1, total);
    }
    let paths = layout.paths.clone();
    let modules: Vec<host::Module<'_>> = paths
        .iter()
        .zip(&closure.members)
        .zip(&keys)
        .zip(infos)
        .map(|(((il, m), key), info)| host::Module {
            name: &m.interop.name,
            il,
            key: *key,
            info,
        })
        .collect();
    let host_o = host::compile(mono, &modules, plan, mode, work, &cache, &mut || layout.ensure())?;
    objects.insert(0, host_o);
    Ok(Compiled {
        objects,
        // The static runtime, with its symbols in the dynamic table: the framework's native shim
        // (libmono-native, loaded by Mono) calls back into it, and Mono finds `__Internal`
        // P/Invokes and the exported call symbols there.
        linker_args: [
            "-Wl,-Bstatic",
            "-lmonosgen-2.0",
            "-Wl,-Bdynamic",
            "-Wl,--export-dynamic",
        ]
        .map(String::from)
        .to_vec(),
        system_libs: ["m", "pthread", "dl", "rt"].map(String::from).to_vec(),
        compiled: total,
        cached,
    })
}

#[cfg(test)]
mod tests {
    use super::{can_make, private_cache_in, untrusted_cache, Entry};
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    /// A relative cache folder (a request named without a folder: its paths resolve against
    /// nothing) is the current directory's to make: it was said to be unmakeable, its walk up
    /// ending at the empty path.
    #[test]
    fn a_relative_cache_folder_can_be_made_where_the_current_directory_can() {
        assert!(can_make(Path::new("target-not-made-by-this-test")));
        assert!(untrusted_cache(Path::new("target-not-made-by-this-test")).is_none());
    }

    /// Only a regular file of this user's, in a folder of this user's that others cannot write,
    /// is a cache hit: a FIFO with a check that matches it hung the link, a link to a device was
    /// handed to the linker, another user's object was linked.
    #[test]
    fn only_this_users_regular_files_are_cache_hits() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let built = tmp.path().join("built.o");
        std::fs::write(&built, b"object").unwrap();
        let good = Entry::new(&dir, Path::new(""), "good.o");
        good.store(&built, "note");
        assert!(good.hit().is_some());
        // A FIFO and a link to a device, each with a check that matches what is there.
        let forge = |name: &str| {
            let e = Entry::new(&dir, Path::new(""), name);
            let check = super::check_of(&e.object, "note").unwrap();
            std::fs::write(&e.check, check).unwrap();
            e
        };
        assert!(std::process::Command::new("mkfifo")
            .arg(dir.join("fifo.o"))
            .status()
            .unwrap()
            .success());
        assert!(forge("fifo.o").hit().is_none());
        std::os::unix::fs::symlink("/dev/zero", dir.join("zero.o")).unwrap();
        assert!(forge("zero.o").hit().is_none());
        // Another user's object (can be made only as root).
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::chown(&good.object, Some(65534), None).unwrap();
            assert!(good.hit().is_none());
            std::os::unix::fs::chown(&good.object, Some(0), None).unwrap();
        }
        // A folder below the root that all may write in, or another user's: nothing is taken
        // from it or stored in it (another user planted links where entries were written).
        let sub = dir.join("mono");
        std::fs::create_dir(&sub).unwrap();
        std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o777)).unwrap();
        let below = Entry::new(&dir, Path::new("mono"), "below.o");
        below.store(&built, "note");
        assert!(!below.object.exists() && below.hit().is_none());
        if unsafe { libc::geteuid() } == 0 {
            std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::chown(&sub, Some(65534), None).unwrap();
            below.store(&built, "note");
            assert!(!below.object.exists() && below.hit().is_none());
            std::os::unix::fs::chown(&sub, Some(0), None).unwrap();
            below.store(&built, "note");
            assert!(below.hit().is_some());
        }
        // A folder others can write in.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(good.hit().is_none());
        assert!(untrusted_cache(&dir).unwrap().contains("writable by other users"));
        assert!(untrusted_cache(&dir.join("not/yet"))
            .unwrap()
            .contains("its folder"));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(good.hit().is_some());
        assert_eq!(untrusted_cache(&dir), None);
    }

    #[test]
    fn the_temporary_cache_is_used_only_when_it_is_this_users_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = unsafe { libc::geteuid() };
        let dir = tmp.path().join(format!("aotinterop-cache-{uid}"));
        // Made when missing, mode 0700.
        assert_eq!(private_cache_in(tmp.path()).as_deref(), Some(dir.as_path()));
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        // Writable by others: refused.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(private_cache_in(tmp.path()), None);
        std::fs::remove_dir(&dir).unwrap();
        // A link planted under the name, even to a folder of this user's: refused.
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &dir).unwrap();
        assert_eq!(private_cache_in(tmp.path()), None);
        std::fs::remove_file(&dir).unwrap();
        // Another user's folder (can be made only as root): refused.
        if uid == 0 {
            std::fs::create_dir(&dir).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
            std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
            assert_eq!(private_cache_in(tmp.path()), None);
        }
    }
}
