//! From a request and its plan to what the link steps take: the target, the linker, the link
//! job, the stub options and the exports.

use super::runtime;
use crate::request::LoadedRequest;
use aotinterop_linker::driver::{self, LinkJob, Linker, LinkerChoice};
use aotinterop_linker::emit::StubOptions;
use aotinterop_model::diag::{codes, Error, Location, Result};
use aotinterop_model::{DotNet, Format, OutputKind, Plan, Rid, Target};
use std::path::{Path, PathBuf};

/// Everything the preflight, emit and link steps need.
pub struct Prepared {
    /// The link job (objects, NativeLibrary items, LinkerArgs, runtime, system libraries).
    pub job: LinkJob,
    /// What the stub object needs besides the plan.
    pub stub_options: StubOptions,
    /// The symbols to export.
    pub exports: Vec<String>,
}

/// The link target of a RID, or an error for RIDs aotinterop cannot link yet.
pub fn target_of(rid: Rid) -> Result<Target> {
    aotinterop_model::TargetRow::of_rid(&rid.to_string())
        .map(|row| row.target)
        .ok_or_else(|| {
            let rids: Vec<&str> = aotinterop_model::TARGETS.iter().map(|r| r.rid).collect();
            Error::new(
                codes::RID_NOT_LINKABLE,
                format!(
                    "aotinterop cannot link images for {rid}: it links for {} (the target table)",
                    rids.join(", ")
                ),
            )
        })
}

/// The linker the request names (or the target's default), chosen before anything is done, each
/// error at the line of the `linker` value it is about: a flavour that cannot link for the
/// target (named as written: `msvc` is lld-link), a program whose flavour cannot be told or that
/// is not there.
pub fn choose_linker(loaded: &LoadedRequest, target: &Target) -> Result<Box<dyn Linker>> {
    let settings = loaded.request.linker.as_ref();
    // A static library is made by aotinterop's own archiver: a linker program named would be
    // silently passed over (a flavour, which a project may set for every build, is no program).
    if loaded.request.native_lib == OutputKind::Static && settings.is_some_and(|l| l.path.is_some()) {
        return Err(Error::new(
            codes::REQUEST_INVALID,
            "`native_lib: static` makes the archive with aotinterop's own archiver: the linker program named \
             (`linker.path`) would not run; leave it out",
        )
        .at(loaded.locate_field("linker.path")));
    }
    let flavor = loaded.linker_flavor();
    if let Some(f) = flavor {
        if !f.supports(target) && loaded.request.native_lib != OutputKind::Static {
            let written = loaded.linker_flavor_written().unwrap_or_default();
            let e = crate::request::flavor_cannot_link(&written, f, target);
            return Err(e.at(loaded.locate_field("linker.flavor")));
        }
    }
    // The linker runs in the request's folder: a program named by a relative path is made
    // absolute first (a bare name is looked up on PATH).
    let program = settings
        .and_then(|l| l.path.clone())
        .map(|p| match p.components().count() {
            1 => p,
            _ => std::path::absolute(&p).unwrap_or(p),
        });
    let choice = LinkerChoice { flavor, program };
    driver::select(target, loaded.request.native_lib, &choice).map_err(|e| {
        match (settings.and_then(|l| l.path.as_deref()), flavor) {
            (Some(_), _) => e.at(loaded.locate_field("linker.path")),
            (None, Some(_)) => e.at(loaded.locate_field("linker.flavor")),
            (None, None) => e,
        }
    })
}

/// `StaticExecutable` applies to Linux executables whose imports are all direct: a static
/// executable starts without the dynamic loader, and musl's static `dlopen` always fails (glibc's
/// works only with the build machine's exact glibc beside it), so an import bound on first call
/// could never bind.
fn check_static_executable(loaded: &LoadedRequest, target: &Target, plan: &Plan) -> Result<()> {
    let req = &loaded.request;
    let at = || Location::file(&loaded.origin);
    if target.format != Format::Elf || req.native_lib != OutputKind::Executable {
        return Err(Error::new(
            codes::STATIC_EXECUTABLE_INVALID,
            format!(
                "`static_executable` (StaticExecutable) makes a Linux executable; this request makes {} for {}",
                match req.native_lib {
                    OutputKind::Executable => "an executable",
                    OutputKind::Shared => "a shared library (NativeLib=Shared)",
                    OutputKind::Static => "a static library (NativeLib=Static)",
                },
                loaded.request.rid
            ),
        )
        .at(at()));
    }
    let lazy: Vec<String> = plan
        .imports
        .iter()
        .filter(|i| i.binding == aotinterop_model::Binding::Lazy)
        .map(|i| format!("{}!{}", i.module, i.entry))
        .collect();
    if !lazy.is_empty() || req.compiler == aotinterop_model::Compiler::Mono {
        let what = if lazy.is_empty() {
            "the Mono host binds its runtime's failure handler lazily".to_string()
        } else {
            let shown: Vec<&str> = lazy.iter().take(5).map(String::as_str).collect();
            let more = if lazy.len() > 5 {
                format!(" and {} more", lazy.len() - 5)
            } else {
                String::new()
            };
            format!(
                "{} import(s) would be bound lazily: {}{more}",
                lazy.len(),
                shown.join(", ")
            )
        };
        return Err(Error::new(
            codes::STATIC_EXECUTABLE_INVALID,
            format!(
                "a static executable (StaticExecutable) cannot load libraries, but {what}; make them \
                 DirectPInvoke with a static NativeLibrary that defines them, or publish without \
                 StaticExecutable"
            ),
        )
        .at(at()));
    }
    Ok(())
}

/// The file name of the stub object.
pub fn stub_object_name(target: &Target) -> &'static str {
    match target.format {
        Format::Coff => "aotinterop-stubs.obj",
        _ => "aotinterop-stubs.o",
    }
}

/// The files a publish reads: those the request names, those its LinkerArg items name, and the
/// runtime archive.
fn input_files(loaded: &LoadedRequest) -> Vec<PathBuf> {
    let req = &loaded.request;
    let mut files: Vec<PathBuf> = vec![loaded.origin.clone()];
    for list in [
        &req.imports_file,
        &req.direct_pinvoke_list,
        &req.native_library,
        &req.objects,
        &req.assemblies,
    ] {
        files.extend(list.iter().cloned());
    }
    if let crate::request::WindowsApiList::File(p) = &req.windows_api_list {
        files.push(p.clone());
    }
    // The linker program the request names (a wrapper script, say).
    if let Some(program) = req.linker.as_ref().and_then(|l| l.path.as_ref()) {
        // A bare name is the program PATH finds, as the publish runs it.
        let bare = program.components().count() == 1 && !program.is_absolute();
        files.extend(match bare {
            true => aotinterop_linker::driver::find_program(program),
            false => Some(loaded.base_dir().join(program)),
        });
    }
    files.extend(
        linker_arg_files(&loaded.base_dir(), &req.linker_arg)
            .into_iter()
            .map(|(_, p)| p),
    );
    files.extend(native_library_script_files(loaded).into_iter().map(|(_, p)| p));
    let runtime = target_of(loaded.request.rid)
        .and_then(|t| super::runtime::find_runtime(&t, req.runtime_dir.as_deref()));
    files.extend(runtime.map(|r| r.archive));
    files
}

/// The files LinkerArg items name, as the compiler driver and the linker would open them, each
/// with its item's index: paths, `@FILE` (and the files its words name), scripts (`-T`),
/// `-lNAME` / `-l:FILE` / `--library=NAME` found in the `-L` / `--library-path` folders, the
/// value of any `--opt=FILE`, in items and in the parts of `-Wl,`. Only names that exist are
/// returned: the others are the linker's to find or report.
pub(crate) fn linker_arg_files(base: &Path, args: &[String]) -> Vec<(usize, PathBuf)> {
    let words = linker_words(base, args);
    linker_arg_inputs(base, &words)
}

/// Every word the compiler driver and the linker see from LinkerArg items, with its item's
/// index: `-Wl,` split at its commas, the words of `@FILE` read (a FIFO or folder is not).
fn linker_words(base: &Path, args: &[String]) -> Vec<(usize, String)> {
    linker_words_read(base, args).0
}

/// The most linker words, and response files, that LinkerArg items are read for.
const WORD_LIMIT: usize = 10_000;
const RESPONSE_FILE_LIMIT: usize = 100;

/// [`linker_words`], and whether they are all of them (no limit was reached).
fn linker_words_read(base: &Path, args: &[String]) -> (Vec<(usize, String)>, bool) {
    let mut words: Vec<(usize, String)> = Vec::new();
    let mut queue: std::collections::VecDeque<(usize, String)> = args.iter().cloned().enumerate().collect();
    let mut read = 0;
    // A response file there that cannot be read whole (over the text limit, a FIFO) leaves
    // the words incomplete: what the linker would write is then not known.
    let mut unread = false;
    while let Some((i, arg)) = queue.pop_front() {
        if words.len() >= WORD_LIMIT {
            break;
        }
        match arg.strip_prefix("-Wl,") {
            Some(rest) => words.extend(rest.split(',').map(|p| (i, p.to_string()))),
            // `-Xlinker WORD` and `--for-linker WORD`: the next argument is one word of the
            // linker's, as it is; `--for-linker=WORD` too.
            None if arg == "-Xlinker" || arg == "--for-linker" => words.extend(queue.pop_front()),
            None if arg.starts_with("--for-linker=") => {
                words.push((i, arg["--for-linker=".len()..].to_string()))
            }
            None => {
                // A response file the compiler driver reads: its words are arguments in its place.
                if let Some(file) = arg.strip_prefix('@').filter(|_| read < RESPONSE_FILE_LIMIT) {
                    read += 1;
                    let text = response_file_text(&base.join(file), &mut unread);
                    for w in response_file_words(&text).into_iter().rev() {
                        queue.push_front((i, w.to_string()));
                    }
                }
                words.push((i, arg));
            }
        }
    }
    let mut at = 0;
    while at < words.len() && words.len() < WORD_LIMIT {
        if let Some(file) = words[at].1.strip_prefix('@') {
            let text = response_file_text(&base.join(file), &mut unread);
            let item = words[at].0;
            words.extend(response_file_words(&text).into_iter().map(|w| (item, w)));
        }
        at += 1;
    }
    let complete = words.len() < WORD_LIMIT && read < RESPONSE_FILE_LIMIT && !unread;
    (words, complete)
}

/// A response file's text, as GCC reads it, byte by byte (a word in Latin-1 is read, not the
/// file passed over: it held `-lbar`, whose output then replaced it); empty when there is no
/// such regular file (the driver takes `@NAME` as a file name then; a FIFO is refused as an
/// input), `unread` set when there is one that cannot be read whole (over 64 MiB).
fn response_file_text(path: &Path, unread: &mut bool) -> String {
    // A kernel's file (`/proc/self/environ`) is refused as an input on its own.
    let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
    if !regular || aotinterop_model::diag::on_kernel_file_system(path) {
        return String::new();
    }
    match aotinterop_model::diag::read_bounded(path, "response file", aotinterop_model::diag::TEXT_LIMIT) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => {
            *unread = true;
            String::new()
        }
    }
}

/// The words of a response file as GCC and the linkers read it (libiberty's `buildargv`):
/// separated by white space, `'...'` and `"..."` quoting, `\\` escaping the next character
/// (inside quotes too).
fn response_file_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in text.chars() {
        let w = word.get_or_insert_with(String::new);
        if escaped {
            escaped = false;
            w.push(c);
        } else if c == '\\' {
            escaped = true;
        } else if single {
            if c == '\'' {
                single = false
            } else {
                w.push(c)
            }
        } else if double {
            if c == '"' {
                double = false
            } else {
                w.push(c)
            }
        } else if c == '\'' {
            single = true;
        } else if c == '"' {
            double = true;
        } else if c.is_whitespace() {
            // Between words: no word yet (an empty `""` stays a word).
            if let Some(w) = word.take().filter(|w| !w.is_empty()) {
                words.push(w);
            }
        } else {
            w.push(c);
        }
    }
    words.extend(word.filter(|w| !w.is_empty()));
    words
}

/// The value of the link.exe option `name` (`/LIBPATH:dir`, `-libpath:dir`, in any case).
fn msvc_option<'w>(word: &'w str, name: &str) -> Option<&'w str> {
    let (option, value) = word.strip_prefix(['/', '-'])?.split_once(':')?;
    (option.eq_ignore_ascii_case(name) && !value.is_empty()).then_some(value)
}

/// The file a link.exe-style option reads (`/DEF:x.def`, `-order:@x.txt`,
/// `/call-graph-ordering-file:x`): the value after the option's `:`, a leading `@` dropped.
fn link_exe_file(word: &str) -> Option<&str> {
    let (option, value) = word.strip_prefix(['/', '-'])?.split_once(':')?;
    let named = !option.is_empty() && option.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let value = value.strip_prefix('@').unwrap_or(value);
    (named && !value.is_empty()).then_some(value)
}

/// GNU ld options whose value, given as the next word or after `=`, names no input file.
const NOT_FILE_VALUES: &[&str] = &[
    "-rpath",
    "--rpath",
    "-rpath-link",
    "--rpath-link",
    "-soname",
    "--soname",
    "-h",
    "-dynamic-linker",
    "--dynamic-linker",
    "-z",
    "-e",
    "--entry",
    "-u",
    "--undefined",
    "--require-defined",
    "--defsym",
    "-m",
    "--wrap",
    "-init",
    "-fini",
    "-y",
    "--trace-symbol",
    "--exclude-libs",
    "--hash-style",
    "--build-id",
    "--image-base",
    "--section-start",
    "--plugin-opt",
];

/// The files `words` name as inputs of the link (see [`linker_arg_files`]).
fn linker_arg_inputs(base: &Path, words: &[(usize, String)]) -> Vec<(usize, PathBuf)> {
    let (mut dirs, mut libs, mut files) = (Vec::new(), Vec::new(), Vec::new());
    // link.exe's search: `/LIBPATH:` folders (then `LIB`'s) for `/DEFAULTLIB:` names and bare
    // `NAME.lib` words.
    let (mut lib_paths, mut msvc_libs) = (Vec::new(), Vec::new());
    let mut w = words.iter().peekable();
    while let Some((i, word)) = w.next() {
        let (i, word) = (*i, word.as_str());
        // A file a writing option names (`-Map FILE`, `--Map=FILE`, `/MAP:FILE`) is an output
        // of the linker's, not an input (it exists after the first publish).
        if windows_output(word).is_some() {
            continue;
        }
        if let Some((option, value)) = long_option(word) {
            if writes_file(option, value.is_some()).is_some() {
                if value.is_none() {
                    w.next();
                }
                continue;
            }
        }
        // An option and its value, given together (`-Lx`, `--library=x`) or as the next word.
        let mut value = |short: &str, long: &str| -> Option<String> {
            if word == short || word == long {
                return w.next().map(|(_, v)| v.clone());
            }
            word.strip_prefix(long)
                .and_then(|v| v.strip_prefix('='))
                .or_else(|| word.strip_prefix(short).filter(|v| !v.is_empty()))
                .map(str::to_string)
        };
        // GNU ld options whose value, the next word, names no file the link reads (an rpath
        // folder is the loader's, `/dev/fd/3` there is no file of this process's).
        if NOT_FILE_VALUES.contains(&word) {
            w.next();
            continue;
        }
        // link.exe's options first: `-libpath:DIR` is no `-l`.
        if let Some(d) = msvc_option(word, "libpath") {
            lib_paths.push(base.join(d));
        } else if let Some(l) = msvc_option(word, "defaultlib") {
            let has_extension = Path::new(l).extension().is_some();
            msvc_libs.push((
                i,
                if has_extension {
                    l.to_string()
                } else {
                    format!("{l}.lib")
                },
            ));
        } else if let Some(d) = value("-L", "--library-path") {
            // `-L=DIR` is DIR under the sysroot (none here: the folder itself).
            dirs.push(base.join(d.strip_prefix('=').unwrap_or(&d)));
        } else if let Some(l) = value("-l", "--library") {
            libs.push((i, l));
        } else if let Some(t) = value("-T", "--script")
            .or_else(|| value("-R", "--just-symbols"))
            .or_else(|| value("-c", "--mri-script"))
        {
            files.push((i, base.join(t)));
        } else if let Some(f) = link_exe_file(word) {
            files.push((i, base.join(f)));
        } else if let Some(f) = word.strip_prefix('@') {
            files.push((i, base.join(f)));
        } else if word.starts_with('-') {
            // A writing option's file (`--Map=FILE`) is an output of the linker's, not an input;
            // `-soname=NAME` and the like name no file.
            let writes = long_option(word).is_some_and(|(o, v)| writes_file(o, v.is_some()).is_some());
            files.extend(
                word.split_once('=')
                    .filter(|(option, _)| !writes && !NOT_FILE_VALUES.contains(option))
                    .map(|(_, v)| (i, base.join(v))),
            );
        } else {
            if word.to_ascii_lowercase().ends_with(".lib") && !word.contains(['/', '\\']) {
                msvc_libs.push((i, word.to_string()));
            }
            files.push((i, base.join(word)));
        }
    }
    // lld-link looks in its working folder (the request's) first.
    lib_paths.insert(0, base.to_path_buf());
    let env_lib = std::env::var_os("LIB").unwrap_or_default();
    lib_paths.extend(
        env_lib
            .to_string_lossy()
            .split(';')
            .filter(|d| !d.is_empty())
            .map(|d| base.join(d)),
    );
    for (i, name) in msvc_libs {
        let found = lib_paths
            .iter()
            .map(|d| d.join(&name))
            .filter(|p| std::fs::symlink_metadata(p).is_ok());
        files.extend(found.map(|f| (i, f)));
    }
    files.extend(library_files(&dirs, libs));
    files.retain(|(_, f)| std::fs::symlink_metadata(f).is_ok());
    // And the files the linker scripts among them name (`GROUP ( ... )`, `INPUT ( ... )`).
    let scripted: Vec<(usize, PathBuf)> = files
        .iter()
        .flat_map(|(i, f)| {
            aotinterop_linker::preflight::script_inputs(f, base, &dirs)
                .into_iter()
                .map(move |s| (*i, s))
        })
        .collect();
    files.extend(scripted);
    files
}

/// The files `-lNAME` (`-l:FILE`) finds in `dirs`, by any linker's naming, each with its word's
/// index. Each folder is listed once (10,000 `-L` × 10,000 `-l` were 800 million `stat`s); a
/// folder that cannot be listed, or a name with a folder in it, is looked up file by file.
fn library_files(dirs: &[PathBuf], libs: Vec<(usize, String)>) -> Vec<(usize, PathBuf)> {
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&PathBuf> = dirs.iter().filter(|d| seen.insert(*d)).collect();
    // Which listed folders hold each file name; the folders that cannot be listed.
    let mut holding: std::collections::HashMap<std::ffi::OsString, Vec<usize>> = Default::default();
    let mut unlisted = Vec::new();
    for (k, d) in unique.iter().enumerate() {
        match std::fs::read_dir(d) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .for_each(|e| holding.entry(e.file_name()).or_default().push(k)),
            Err(_) => unlisted.push(k),
        }
    }
    let mut out = Vec::new();
    for (i, lib) in libs {
        let names: Vec<String> = match lib.strip_prefix(':') {
            Some(file) => vec![file.to_string()],
            // Each name every linker tries for `-lNAME` (GNU ld, MinGW ld's `.dll.a` and `.dll`,
            // lld-link's `.lib`, ld64's `.dylib` and `.tbd`): all are inputs where they exist.
            None => [
                "lib{}.so",
                "lib{}.a",
                "lib{}.dll.a",
                "{}.dll.a",
                "lib{}.dll",
                "{}.dll",
                "{}.lib",
                "lib{}.dylib",
                "lib{}.tbd",
            ]
            .iter()
            .map(|f| f.replace("{}", &lib))
            .collect(),
        };
        // (folder, name) pairs, in the order the linkers search: folder by folder.
        let mut found: Vec<(usize, usize)> = Vec::new();
        for (m, n) in names.iter().enumerate() {
            if n.contains(['/', '\\']) {
                let exists = |k: &usize| std::fs::symlink_metadata(unique[*k].join(n)).is_ok();
                found.extend((0..unique.len()).filter(exists).map(|k| (k, m)));
                continue;
            }
            found.extend(
                holding
                    .get(std::ffi::OsStr::new(n))
                    .into_iter()
                    .flatten()
                    .map(|&k| (k, m)),
            );
            let exists = |k: &&usize| std::fs::symlink_metadata(unique[**k].join(n)).is_ok();
            found.extend(unlisted.iter().filter(exists).map(|&k| (k, m)));
        }
        found.sort_unstable();
        out.extend(found.into_iter().map(|(k, m)| (i, unique[k].join(&names[m]))));
    }
    out
}

/// The `-L` folders of LinkerArg items (the folders a NativeLibrary script's `-lNAME` is found in).
fn linker_arg_dirs(base: &Path, args: &[String]) -> Vec<PathBuf> {
    let words = linker_words(base, args);
    let mut dirs = Vec::new();
    let mut w = words.iter();
    while let Some((_, word)) = w.next() {
        if word == "-L" || word == "--library-path" {
            dirs.extend(w.next().map(|(_, v)| base.join(v)));
        } else if let Some(d) = word
            .strip_prefix("--library-path=")
            .or_else(|| word.strip_prefix("-L"))
        {
            dirs.push(base.join(d.strip_prefix('=').unwrap_or(d)));
        }
    }
    dirs
}

/// The files the NativeLibrary items that are linker scripts name, with each item's index.
fn native_library_script_files(loaded: &LoadedRequest) -> Vec<(usize, PathBuf)> {
    let dirs = linker_arg_dirs(&loaded.base_dir(), &loaded.request.linker_arg);
    loaded
        .request
        .native_library
        .iter()
        .enumerate()
        .flat_map(|(i, item)| {
            aotinterop_linker::preflight::script_inputs(item, &loaded.base_dir(), &dirs)
                .into_iter()
                .map(move |f| (i, f))
        })
        .collect()
}

/// The files LinkerArg items have the linker write (`-o`, `-Map=`, `--dependency-file=`,
/// `--out-implib=`, `/OUT:`, `/IMPLIB:`, `/PDB:`, `/MAP:`), each with its item's index and
/// whether it is the image itself (`-o`, `/OUT:`).
fn linker_arg_outputs(base: &Path, args: &[String]) -> Vec<(usize, PathBuf, bool)> {
    outputs_of_words(base, &linker_words(base, args))
}

/// [`linker_arg_outputs`] of words already read.
fn outputs_of_words(base: &Path, words: &[(usize, String)]) -> Vec<(usize, PathBuf, bool)> {
    let mut out = Vec::new();
    let mut w = words.iter();
    while let Some((i, word)) = w.next() {
        let gnu = long_option(word)
            .and_then(|(option, value)| Some((writes_file(option, value.is_some())?, value, option)));
        let (file, image) = if word == "-o" {
            (w.next().map(|(_, v)| v.clone()), true)
        } else if let Some((at, image)) = windows_output(word) {
            (Some(word[at..].to_string()), image)
        } else if let Some((image, value, option)) = gnu {
            let value = value
                .map(str::to_string)
                .or_else(|| w.next().map(|(_, v)| v.clone()));
            // The LTO plugin's own writing options (`--plugin-opt=obj-path=FILE`, or the value
            // as the next word); its other options (`O2`, `-fresolution=...`) name no file.
            let plugin = option.starts_with("plugin-opt");
            let value = value.and_then(|v| match v.split_once('=') {
                Some((key, file))
                    if writes_file(key, true).is_some() || matches!(key, "obj-path" | "-fresolution") =>
                {
                    Some(file.to_string())
                }
                _ if plugin => None,
                _ => Some(v),
            });
            (value, image)
        } else if word.starts_with("-o") && !word.starts_with("-o-") && !single_dash_o_option(word) {
            (Some(word[2..].to_string()), true)
        } else {
            (None, false)
        };
        out.extend(file.filter(|f| !f.is_empty()).map(|f| (*i, base.join(f), image)));
    }
    out
}

/// A GNU long option (`--name`, `--name=value`, and `-name` but for names starting with `o`,
/// which read as `-o`): its name and value.
fn long_option(word: &str) -> Option<(&str, Option<&str>)> {
    let rest = word
        .strip_prefix("--")
        .or_else(|| word.strip_prefix('-').filter(|r| !r.starts_with('o')))?;
    Some(match rest.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (rest, None),
    })
}

/// Whether the GNU long option `name` has the linker write a file, and whether that file is the
/// image: the options of GNU ld, gold and lld that write one, each also by any abbreviation
/// given with its value (as `getopt_long` takes them: `--out=F` is `--output=F`).
fn writes_file(name: &str, with_value: bool) -> Option<bool> {
    const WRITERS: [(&str, bool); 24] = [
        ("output", true),
        ("Map", false),
        ("dependency-file", false),
        ("out-implib", false),
        ("output-def", false),
        ("pdb", false),
        ("reproduce", false),
        ("why-extract", false),
        ("print-archive-stats", false),
        ("lldmap", false),
        ("lto-obj-path", false),
        ("thinlto-index-only", false),
        ("time-trace-file", false),
        ("plugin-opt", false),
        ("manifestfile", false),
        ("print-symbol-counts", false),
        ("opt-remarks-filename", false),
        ("stats-file", false),
        // lld's, MinGW ld's, LLVM's (`-mllvm`) and ld64's.
        ("print-symbol-order", false),
        ("base-file", false),
        ("info-output-file", false),
        ("map", false),
        ("dependency_info", false),
        ("object_path_lto", false),
    ];
    // Options that read a file and are themselves the start of a writer's name: `getopt_long`
    // takes an exact name before any abbreviation (`--plugin=FILE` loads a plugin).
    if matches!(name, "plugin") {
        return None;
    }
    // An abbreviation only with its value (`--M=FILE` is `--Map`): without one, a flag of the same
    // start (`--stats`, `--time-trace`) would take the next word for a file.
    // `--output`'s own abbreviations take the next word too (`--ou FILE`).
    let matches = |full: &str| {
        name == full || (full.starts_with(name) && (with_value || (full == "output" && name.len() >= 2)))
    };
    let found: Vec<bool> = WRITERS
        .iter()
        .filter(|(full, _)| matches(full))
        .map(|(_, image)| *image)
        .collect();
    // An abbreviation of several: the image if any is (`--out`), so that it is refused.
    (!found.is_empty()).then(|| found.contains(&true))
}

/// link.exe's options that write a file (`/OUT:`, `/IMPLIB:`, `/PDB:`, `/MAP:`, lld-link's
/// `/LLDMAP:` and `/REPRODUCE:`), read in any case after `/` or `-`: where the file's name
/// starts in `word`, and whether it is the image.
fn windows_output(word: &str) -> Option<(usize, bool)> {
    let upper = word.to_ascii_uppercase();
    let option = upper.strip_prefix(['/', '-'])?;
    // lld-link also takes options after `/?` and `-?`.
    let (option, lead) = match option.strip_prefix('?') {
        Some(rest) => (rest, 2),
        None => (option, 1),
    };
    [
        "OUT:",
        "IMPLIB:",
        "PDB:",
        "MAP:",
        "LLDMAP:",
        "REPRODUCE:",
        "MANIFESTFILE:",
    ]
    .iter()
    .find(|p| option.starts_with(*p))
    .map(|p| (lead + p.len(), *p == "OUT:"))
}

/// Whether `word` is a linker option of one dash that starts with `o` and is not `-oFILE`: ld's
/// single-dash long options, ld64's and lld-link's `-` spellings.
fn single_dash_o_option(word: &str) -> bool {
    const OPTIONS: &[&str] = &[
        "-orphan-handling",
        "-oformat",
        "-omagic",
        "-order_file",
        "-object_path_lto",
        "-opt:",
        "-order:",
        "-osversion:",
    ];
    let lower = word.to_ascii_lowercase();
    OPTIONS.iter().any(|o| lower.starts_with(o))
}

/// The error for a LinkerArg item that has the linker write the image elsewhere, or write a
/// file over one of this publish's inputs.
/// Why the existing `file` (its metadata `meta`) is not one a LinkerArg writing option may write
/// over, if it is not: only a file such an option writes may be (a previous map file, text; a
/// PDB), never a program, an image, an object or an archive — which another link, or the
/// system, needs (`-Wl,-Map=/usr/bin/gcc` replaced the compiler).
fn not_a_linker_file(file: &Path, meta: &std::fs::Metadata) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    if !meta.is_file() && !meta.is_dir() {
        return Some(
            "which is a FIFO, a device or a socket, not a file the linker writes (it would block on it or write \
             into it): name a new file"
                .to_string(),
        );
    }
    let mut head = [0u8; 20];
    let n = aotinterop_model::diag::open_regular(file)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let kind = aotinterop_model::FileKind::identify(&head[..n]);
    let binary = kind.is_image()
        || kind.is_archive()
        || matches!(
            kind,
            aotinterop_model::FileKind::CoffObject | aotinterop_model::FileKind::Bitcode
        );
    let why = if meta.is_dir() {
        "which is a folder, not a file the linker writes: name a new file".to_string()
    } else if binary {
        format!(
            "which is {} file (by its first bytes), not a file the linker writes: name a new file",
            kind.a_name()
        )
    } else if meta.permissions().mode() & 0o111 != 0 {
        "which is a program (it may be run), not a file the linker writes: name a new file".to_string()
    } else {
        return None;
    };
    Some(why)
}

fn linker_arg_writes_input(loaded: &LoadedRequest) -> Option<Error> {
    let base = loaded.base_dir();
    let (words, complete) = linker_words_read(&base, &loaded.request.linker_arg);
    if !complete {
        return Some(
            Error::new(
                codes::OUTPUT_INVALID,
                format!(
                    "`linker_arg`: its items hold more than {WORD_LIMIT} linker words or {RESPONSE_FILE_LIMIT} response \
                     files, or a response file that cannot be read whole (over 64 MiB), more than aotinterop reads to \
                     check what the linker would write: pass fewer"
                ),
            )
            .at(loaded.locate_field("linker_arg")),
        );
    }
    let inputs = input_files(loaded);
    outputs_of_words(&base, &words)
        .into_iter()
        .find_map(|(i, file, image)| {
            let field = format!("linker_arg[{i}]");
            let why = if image {
                "names the linker's output, which the publish names itself (`output`): remove it".to_string()
            } else if is_output(loaded, &file) {
                format!(
                    "has the linker write {}, a file this publish writes itself (the image, its debug file or a \
                     plan report): name another file",
                    shown_path(&file)
                )
            } else {
                let meta = std::fs::metadata(&file).ok()?;
                match inputs.iter().find(|p| same_file(&meta, &file, p)) {
                    Some(input) => format!(
                        "has the linker write {}, an input of this publish ({}), which it would overwrite",
                        shown_path(&file),
                        shown_path(input)
                    ),
                    None => format!("has the linker write {}, {}", shown_path(&file), not_a_linker_file(&file, &meta)?),
                }
            };
            Some(
                Error::new(codes::OUTPUT_INVALID, format!("`{field}` {why}")).at(loaded.locate_field(&field)),
            )
        })
}

/// The error for a LinkerArg item naming a file the linker would block on or read without end.
fn linker_arg_not_a_file(loaded: &LoadedRequest, i: usize, path: &Path) -> Option<Error> {
    let meta = std::fs::metadata(path).ok()?;
    let field = format!("linker_arg[{i}]");
    // As every input: a file of the kernel's is no file the link reads (`/proc/kmsg` blocks).
    if meta.is_file() && aotinterop_model::diag::on_kernel_file_system(path) {
        let why = format!(
            "`{field}`: {} is a file of the kernel's (/proc or /sys), not an input of a link",
            shown_path(path)
        );
        return Some(Error::new(codes::FILE_UNREADABLE, why).at(loaded.locate_field(&field)));
    }
    if meta.is_file() || meta.is_dir() {
        return None;
    }
    Some(
        Error::new(
            codes::FILE_UNREADABLE,
            format!(
                "`{field}`: {} is a device, a FIFO or a socket, not a file: the linker would block on it",
                shown_path(path)
            ),
        )
        .at(loaded.locate_field(&field)),
    )
}

/// A path in a message: escaped and shortened.
pub(crate) fn shown_path(path: &Path) -> String {
    aotinterop_model::diag::shown_path(path, 200)
}

/// Checks, before anything is done, that every file the request names is there and of the
/// kind its field takes (a regular file; for `assemblies`, a folder too), each error at the
/// line of the value: found late, a missing object was a link error (exit 4) blamed on the
/// output, a missing NativeLibrary a preflight error.
pub fn check_inputs(loaded: &LoadedRequest) -> Result<()> {
    let req = &loaded.request;
    let named = named_files(loaded, true);
    if let Some(root) = req.linker.as_ref().and_then(|l| l.sysroot.as_deref()) {
        if !root.is_dir() {
            return Err(Error::new(
                codes::FILE_UNREADABLE,
                format!("`linker.sysroot`: {} is not a folder", shown_path(root)),
            )
            .at(loaded.locate_field("linker.sysroot")));
        }
    }
    if let Some(dir) = &req.cache_dir {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::new(
                codes::FILE_UNREADABLE,
                format!("`cache_dir`: {} is not a folder", dir.display()),
            )
            .at(loaded.locate_field("cache_dir")));
        }
    }
    // Mono's static runtime and AOT compiler are those of this machine: linux-x64 images only.
    if req.compiler == aotinterop_model::Compiler::Mono && loaded.request.rid.to_string() != "linux-x64" {
        return Err(Error::new(
            codes::RID_NOT_LINKABLE,
            format!(
                "`compiler: mono` publishes linux-x64 images only (Mono's AOT compiler and static runtime are this machine's), not {}",
                loaded.request.rid
            ),
        )
        .at(loaded.locate_field("rid")));
    }
    check_files(loaded, named)?;
    if req.compiler == aotinterop_model::Compiler::Mono {
        check_cache(loaded)?;
        check_mono_file_names(loaded)?;
    }
    if let Some(e) = linker_arg_writes_input(loaded) {
        return Err(e);
    }
    script_cycles(loaded)?;
    // A file a NativeLibrary script names that the linker would block on.
    for (i, file) in native_library_script_files(loaded) {
        if std::fs::metadata(&file).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let field = format!("native_library[{i}]");
            return Err(Error::new(
                codes::FILE_UNREADABLE,
                format!(
                    "`{field}`: the linker script or thin archive names {}, a device, a FIFO or a socket, not a file: the linker would block on it",
                    shown_path(&file)
                ),
            )
            .at(loaded.locate_field(&field)));
        }
    }
    match linker_arg_files(&loaded.base_dir(), &req.linker_arg)
        .iter()
        .find_map(|(i, p)| linker_arg_not_a_file(loaded, *i, p))
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A GNU ld script among the NativeLibrary items and LinkerArg files that names itself, directly
/// or through others: GNU ld reads it forever (its memory growing), lld crashes.
fn script_cycles(loaded: &LoadedRequest) -> Result<()> {
    let base = loaded.base_dir();
    let dirs = linker_arg_dirs(&base, &loaded.request.linker_arg);
    let items = (loaded.request.native_library.iter().enumerate())
        .map(|(i, p)| (format!("native_library[{i}]"), p.clone()))
        .chain(
            linker_arg_files(&base, &loaded.request.linker_arg)
                .into_iter()
                .map(|(i, p)| (format!("linker_arg[{i}]"), p)),
        );
    for (field, path) in items {
        if let Some(chain) = aotinterop_linker::preflight::script_cycle(&path, &base, &dirs) {
            let chain: Vec<String> = chain.iter().map(|p| shown_path(p)).collect();
            let why = format!(
                "`{field}`: the linker script {} names itself ({}): the linker would read it forever; take the \
                 loop out of the script",
                shown_path(&path),
                chain.join(" -> ")
            );
            return Err(Error::new(codes::NATIVE_LIBRARY_WRONG_KIND, why).at(loaded.locate_field(&field)));
        }
    }
    Ok(())
}

/// Assembly file names Mono's AOT compiler writes into its assembler source as they are: one
/// with a `"`, a `\\` or a control character breaks it (the assembler reported junk).
fn check_mono_file_names(loaded: &LoadedRequest) -> Result<()> {
    for (i, path) in loaded.request.assemblies.iter().enumerate() {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
            let field = format!("assemblies[{i}]");
            return Err(Error::new(
                codes::REQUEST_INVALID,
                format!(
                    "`{field}`: {} holds a `\"`, a `\\` or a control character, which Mono's AOT compiler cannot \
                     write into its assembler source: rename the file",
                    shown_path(path)
                ),
            )
            .at(loaded.locate_field(&field)));
        }
    }
    Ok(())
}

/// The Mono object cache, when the request or the environment names one: one others can write
/// in would let them choose what this publish links.
fn check_cache(loaded: &LoadedRequest) -> Result<()> {
    let Some((root, named_by)) = crate::mono::named_cache_root(loaded) else {
        return Ok(());
    };
    let at = || loaded.locate_field("cache_dir");
    if named_by == "cache_dir" && crate::mono::can_be_folder(&root) && !crate::mono::can_make(&root) {
        let why = format!(
            "the Mono object cache {} (from `cache_dir`) cannot be made: this user may not write in the folder \
             above it; name a folder of your own",
            shown_path(&root)
        );
        return Err(Error::new(codes::REQUEST_INVALID, why).at(at()));
    }
    if named_by == "cache_dir" && !crate::mono::can_be_folder(&root) {
        let why = format!(
            "the Mono object cache {} (from `cache_dir`) cannot be a folder: it, or a folder along it, is a file",
            shown_path(&root)
        );
        return Err(Error::new(codes::REQUEST_INVALID, why).at(at()));
    }
    let Some(why) = crate::mono::untrusted_cache(&root) else {
        return Ok(());
    };
    let e = Error::new(
        codes::REQUEST_INVALID,
        format!(
            "the Mono object cache {} (from `{named_by}`) is not safe: {why}",
            shown_path(&root)
        ),
    );
    Err(match named_by {
        "cache_dir" => e.at(loaded.locate_field("cache_dir")),
        _ => e,
    })
}

/// [`check_inputs`] for the files a plan reads (not the link's objects and NativeLibrary items).
pub fn check_plan_inputs(loaded: &LoadedRequest) -> Result<()> {
    check_files(loaded, named_files(loaded, false))
}

/// The files the request names by field, with their fields; the link's files with `link`.
fn named_files(loaded: &LoadedRequest, link: bool) -> Vec<(String, &Path)> {
    let req = &loaded.request;
    let mut named: Vec<(String, &Path)> = Vec::new();
    let none: &[PathBuf] = &[];
    for (field, list) in [
        ("objects", if link { &req.objects[..] } else { none }),
        (
            "native_library",
            if link { &req.native_library[..] } else { none },
        ),
        ("imports_file", &req.imports_file[..]),
        ("direct_pinvoke_list", &req.direct_pinvoke_list[..]),
        ("assemblies", &req.assemblies[..]),
    ] {
        named.extend(
            list.iter()
                .enumerate()
                .map(|(i, p)| (format!("{field}[{i}]"), p.as_path())),
        );
    }
    if let crate::request::WindowsApiList::File(p) = &req.windows_api_list {
        named.push(("windows_api_list".to_string(), p));
    }
    named
}

/// Each of `named` is there and of the kind its field takes, or an error at its value's line.
fn check_files(loaded: &LoadedRequest, named: Vec<(String, &Path)>) -> Result<()> {
    for (field, path) in named {
        let mut code = codes::FILE_UNREADABLE;
        let why = match std::fs::metadata(path) {
            Ok(m) if m.is_file() && aotinterop_model::diag::on_kernel_file_system(path) => {
                format!("is {}", aotinterop_model::diag::KERNEL_FILE)
            }
            Ok(m) if m.is_file() => continue,
            Ok(m) if m.is_dir() && field.starts_with("assemblies[") => {
                code = codes::ASSEMBLY_IS_DIRECTORY;
                "is a folder: name each assembly file".to_string()
            }
            Ok(m) if m.is_dir() => "is a folder, not a file".to_string(),
            Ok(_) => "is a device, a FIFO or a socket, not a file".to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist".to_string(),
            Err(e) => format!("cannot be read: {}", aotinterop_model::diag::io_words(&e)),
        };
        return Err(Error::new(code, format!("`{field}`: {} {why}", shown_path(path)))
            .at(loaded.locate_field(&field)));
    }
    Ok(())
}

/// Each of the request's objects is one of the target's, by its headers (another machine's was
/// packed into a static archive, and failed only in the host's link); for `native_lib: static`,
/// an object at all (a text file was packed as a member).
pub fn check_objects(loaded: &LoadedRequest) -> Result<()> {
    let Some(target) = loaded.request.rid.target() else {
        return Ok(());
    };
    let archive = loaded.request.native_lib == OutputKind::Static;
    for (i, path) in loaded.request.objects.iter().enumerate() {
        if let Some(why) = object_fault(path, &target, archive) {
            let field = format!("objects[{i}]");
            return Err(Error::new(
                codes::BAD_FORMAT,
                format!("`{field}`: {} {why}", shown_path(path)),
            )
            .at(loaded.locate_field(&field)));
        }
    }
    Ok(())
}

/// Why the file at `path` is no object of `target` (for an archive's member, `archive`: no
/// object at all), if it is not. LLVM bitcode is taken (the linker plugin's to read).
fn object_fault(path: &Path, target: &Target, archive: bool) -> Option<String> {
    use object::Object;
    let file = aotinterop_model::diag::open_regular(path).ok()?;
    let cache = object::ReadCache::new(file);
    let len = object::ReadRef::len(&cache).unwrap_or(0);
    let head = object::ReadRef::read_bytes_at(&cache, 0, len.min(64)).unwrap_or_default();
    let kind = aotinterop_model::FileKind::identify(head);
    if kind == aotinterop_model::FileKind::Bitcode {
        return None;
    }
    let Ok(parsed) = object::File::parse(&cache) else {
        return archive.then(|| {
            format!(
                "is no object file (it reads as {}): name the compiled object",
                kind.name()
            )
        });
    };
    let format = match parsed.format() {
        object::BinaryFormat::Elf => Some(Format::Elf),
        object::BinaryFormat::Coff | object::BinaryFormat::Pe => Some(Format::Coff),
        object::BinaryFormat::MachO => Some(Format::MachO),
        _ => None,
    };
    let arch = aotinterop_image::ImageArch::of(parsed.architecture());
    if format != Some(target.format) || arch != aotinterop_image::ImageArch::Known(target.arch) {
        return Some(format!(
            "is an object of {arch} ({}), not of {target}: compile it for the RID's target",
            kind.name()
        ));
    }
    (archive && parsed.kind() != object::ObjectKind::Relocatable).then(|| {
        format!(
            "is {} image, not an object: an archive holds compiled objects",
            kind.a_name()
        )
    })
}

/// Whether `path` is (the same file as) one of the files the request reads.
pub fn is_input(loaded: &LoadedRequest, path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    input_files(loaded).iter().any(|i| same_file(&meta, path, i))
}

/// Whether the existing file `a` (its metadata, at `a_path`) is the file at `b` (one device and
/// inode: hard links and symbolic links included).
#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, _a_path: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(b).is_ok_and(|m| m.dev() == a.dev() && m.ino() == a.ino())
}

#[cfg(not(unix))]
fn same_file(_a: &std::fs::Metadata, a_path: &Path, b: &Path) -> bool {
    matches!((a_path.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// An image named as `linker` names a file it writes beside the image (lld-link's `NAME.pdb`, a
/// DLL's import library `NAME.lib`) is refused: the two would be one file, and the commit would
/// fail after the link.
pub fn check_side_output_names(loaded: &LoadedRequest, linker: &dyn Linker) -> Result<()> {
    let (Some(output), Ok(target)) = (&loaded.request.output, target_of(loaded.request.rid)) else {
        return Ok(());
    };
    if loaded.request.native_lib == OutputKind::Static {
        return Ok(());
    }
    let mut job = LinkJob::new(target, loaded.request.native_lib, output.clone());
    job.exports = vec!["any".into()];
    let name = output.file_name().unwrap_or_default().to_string_lossy();
    match linker
        .side_outputs(&job)
        .into_iter()
        .find(|s| s.eq_ignore_ascii_case(&name))
    {
        Some(side) => Err(output_invalid(
            output,
            &format!(
                "is named as the {} linker names a file it writes beside the image (`{side}`)",
                linker.flavor()
            ),
        )
        .at(loaded.locate_field("output"))),
        None => Ok(()),
    }
}

/// Why the file already at `output` cannot be a previous publish's, if it cannot: an object
/// file, text or another kind of file, or an archive where this publish makes an image (a
/// static publish may follow an image one, not the other way round: a library's archive found
/// by the linker's search would be replaced). Only its first bytes are read.
fn not_a_previous_image(output: &Path, kind: OutputKind) -> Option<String> {
    use std::io::Read;
    let meta = std::fs::metadata(output)
        .ok()
        .filter(std::fs::Metadata::is_file)?;
    let mut head = [0u8; 20];
    let n = aotinterop_model::diag::open_regular(output)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    let found = aotinterop_model::FileKind::identify(&head[..n]);
    let elf_object =
        found == aotinterop_model::FileKind::Elf && n >= 18 && u16::from_le_bytes([head[16], head[17]]) == 1;
    let fits = (found.is_image() && !elf_object) || (found.is_archive() && kind == OutputKind::Static);
    if fits && found.is_image() && aotinterop_image::is_debug_companion(output) {
        return Some(
            "exists and is the debug information of an image (StripSymbols' `IMAGE.dbg`, whose image's debug \
             link names it), not an image"
                .to_string(),
        );
    }
    (!fits && meta.len() > 0).then(|| match (elf_object, found.is_archive()) {
        (true, _) => {
            "exists and is an object file (by its first bytes), not an image: it may be an input the linker \
                      finds by its own search"
                .to_string()
        }
        (_, true) => {
            "exists and is a static archive (by its first bytes): only a static publish (NativeLib=Static) \
                      replaces one, and it may be an input the linker finds by its own search"
                .to_string()
        }
        _ => format!(
            "exists and is not an image (it reads as {} by its first bytes): it may be an input",
            found.name()
        ),
    })
}

/// The refusal of an output that is `what`.
fn output_invalid(path: &Path, what: &str) -> Error {
    Error::new(
        codes::OUTPUT_INVALID,
        format!(
            "the output `{}` {what}: nothing was written; name another output",
            shown_path(path)
        ),
    )
}

/// The folders the request has aotinterop make (`cache_dir`, `intermediate_dir`) are none of
/// the files a publish writes, nor inside one: the Mono cache was made where the image goes,
/// found only at the commit, and every later publish to it refused.
fn folders_over_outputs(loaded: &LoadedRequest, output: &Path) -> Result<()> {
    let req = &loaded.request;
    let written: Vec<PathBuf> = written_files(loaded, output).iter().map(|w| as_made(w)).collect();
    for (field, dir) in [
        ("cache_dir", &req.cache_dir),
        ("intermediate_dir", &req.intermediate_dir),
    ] {
        let Some(dir) = dir.as_deref() else { continue };
        let dir_made = as_made(dir);
        if let Some(w) = written.iter().find(|w| dir_made.starts_with(w)) {
            let why = format!(
                "`{field}` {} is, or is inside, {}, a file this publish writes: name another folder",
                shown_path(dir),
                shown_path(w)
            );
            return Err(Error::new(codes::OUTPUT_INVALID, why).at(loaded.locate_field(field)));
        }
    }
    Ok(())
}

/// Checks, before anything is done, the files a publish writes: there is an output, and neither
/// it nor its debug file or plan report is a folder, a device, a FIFO or one of the inputs.
pub fn check_outputs(loaded: &LoadedRequest) -> Result<()> {
    let at = || loaded.locate_field("output");
    let output = match &loaded.request.output {
        Some(o) if !o.as_os_str().is_empty() && o.file_name().is_some() => o,
        Some(o) if !o.as_os_str().is_empty() => {
            return Err(output_invalid(o, "names a folder (`.`, `..` or `/`): name the image file").at(at()))
        }
        _ => {
            return Err(Error::new(
                codes::REQUEST_NO_OUTPUT,
                "the publish request names no `output` file",
            )
            .at(at()))
        }
    };
    let text = output.as_os_str().as_encoded_bytes();
    if text.ends_with(b"/") || text.ends_with(b"/.") || (cfg!(windows) && text.ends_with(b"\\")) {
        return Err(output_invalid(
            output,
            "names a folder (it ends with a separator): name the image file",
        )
        .at(at()));
    }
    if text.contains(&0) {
        return Err(output_invalid(output, "holds a NUL character").at(at()));
    }
    folders_over_outputs(loaded, output)?;
    // Linux's limits (NAME_MAX, PATH_MAX), with room for the longest name made from the
    // image's (`IMAGE.plan.json`; objcopy's temporary `IMAGE.dbg.temp-stream-XXXXXX` while it
    // writes the debug file) and for the staging folder's own name in the absolute path.
    const LONGEST_SUFFIX: usize = 32;
    const STAGING: usize = ".aotinterop-link-XXXXXX/".len();
    // The file name gets the suffixes; each folder above it is a name of its own.
    let folders = output
        .parent()
        .map_or(0, |p| p.iter().map(|c| c.len()).max().unwrap_or(0));
    let name = output.file_name().map_or(0, |n| n.len());
    let absolute = std::path::absolute(output).map_or(text.len(), |a| a.as_os_str().len());
    if name + LONGEST_SUFFIX > 255 || folders > 255 || absolute + STAGING + LONGEST_SUFFIX >= 4096 {
        return Err(output_invalid(
            output,
            "is too long a name for a file: 223 bytes at most for the image's own name (Linux's 255, less room \
             for the names made from it, `IMAGE.plan.json`, `IMAGE.dbg`), 255 a folder's, 4095 a path",
        )
        .at(at()));
    }
    // Names of aotinterop's own work folders (`.aotinterop-link-…`), which a later publish to
    // that folder removes once their publish is gone.
    if output
        .iter()
        .any(|c| c.as_encoded_bytes().starts_with(b".aotinterop-"))
    {
        let why = "is named like aotinterop's work folders (`.aotinterop-…`), which publishes remove";
        return Err(output_invalid(output, why).at(at()));
    }
    // Its folder, where the staging folder is made (`/proc/self/fd/7` names a file elsewhere).
    let folder = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if aotinterop_model::diag::on_kernel_file_system(folder) {
        return Err(output_invalid(output, "is in a file system of the kernel's (/proc or /sys)").at(at()));
    }
    // The commit locks the folder by opening it, and the staging folder is made in it: one this
    // user may not read, or not write, failed only then, after the link.
    if let Err(e) = aotinterop_model::diag::open_folder(folder) {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            let why = "is in a folder this user cannot read: the publish opens it to lock it while it puts its files in place";
            return Err(output_invalid(output, why).at(at()));
        }
    }
    if folder.is_dir() && !crate::trust::writable(folder) {
        let why = "is in a folder this user cannot write: the publish stages its files there";
        return Err(output_invalid(output, why).at(at()));
    }
    // The nearest folder that exists must be one (`main.o/app` cannot be made).
    if let Some(file) = output
        .ancestors()
        .skip(1)
        .find(|a| a.exists())
        .filter(|a| !a.is_dir())
    {
        let why = format!("cannot be made: {} is a file, not a folder", file.display());
        return Err(output_invalid(output, &why).at(at()));
    }
    let written = written_files(loaded, output);
    let inputs = input_files(loaded);
    for path in &written {
        // As the kernel will see it once the output's folders are made (`new/../request.json`
        // is the request).
        let Ok(meta) = std::fs::metadata(as_made(path)) else {
            continue;
        };
        let kind = meta.file_type();
        if !kind.is_file() {
            let what = if kind.is_dir() {
                "is a folder"
            } else {
                "is a device, a FIFO or a socket, not a file"
            };
            return Err(output_invalid(path, what).at(at()));
        }
        if let Some(input) = inputs.iter().find(|i| same_file(&meta, path, i)) {
            let what = format!(
                "is an input of this publish (`{}`), which it would overwrite",
                input.display()
            );
            return Err(output_invalid(path, &what).at(at()));
        }
    }
    // An image is never a .NET assembly: one at the output is an app's (a Mono publish naming
    // `Lib.dll`, which the app references, would overwrite it).
    if crate::scan::read_file(&as_made(output)).is_ok() {
        return Err(output_invalid(output, "is a .NET assembly, which the image would replace").at(at()));
    }
    // A file there that is no image (an archive, an object, a script, text) is not a previous
    // publish's: an input the linker finds by its own search, say (`-L`, `SEARCH_DIR`).
    if let Some(why) = not_a_previous_image(output, loaded.request.native_lib) {
        return Err(output_invalid(output, &why).at(at()));
    }
    // Nor are files of another kind where its debug file and reports go (a user's `app.dbg`).
    // A linker's PDB and import library (a static library's output is the `.lib` itself).
    let coff = target_of(loaded.request.rid).is_ok_and(|t| t.format == Format::Coff)
        && loaded.request.native_lib != OutputKind::Static;
    if let Some((file, why)) = not_previous_side_files(output, loaded.request.strip_symbols, coff) {
        return Err(output_invalid(
            output,
            &format!("would replace {}, which {why}", shown_path(&file)),
        )
        .at(at()));
    }
    Ok(())
}

/// The first of the debug file (when the publish writes one: `strip`), the plan reports and,
/// for a Windows target (`coff`), the linker's import library and PDB beside `output` that
/// exists and is not what a publish writes there (an ELF file's debug information or a PE
/// file; aotinterop's plan JSON; its markdown report; an import library; a PDB), and why.
fn not_previous_side_files(output: &Path, strip: bool, coff: bool) -> Option<(PathBuf, &'static str)> {
    let name = output.file_name()?.to_string_lossy().into_owned();
    // The first `n` bytes of a regular file there that is not empty.
    let head = |p: &Path, n: u64| -> Option<Vec<u8>> {
        use std::io::Read;
        std::fs::metadata(p).ok().filter(|m| m.is_file() && m.len() > 0)?;
        let mut bytes = Vec::new();
        aotinterop_model::diag::open_regular(p)
            .ok()?
            .take(n)
            .read_to_end(&mut bytes)
            .ok()?;
        Some(bytes)
    };
    let dbg = output.with_file_name(format!("{name}.dbg"));
    let debug_file = |b: &[u8]| match aotinterop_model::FileKind::identify(b) {
        // An ELF file with its code (an image, an object) is no `objcopy --only-keep-debug` file.
        aotinterop_model::FileKind::Elf => aotinterop_image::is_debug_companion(&dbg),
        kind => kind.is_image(),
    };
    if strip && head(&dbg, 20).is_some_and(|b| !debug_file(&b)) {
        return Some((dbg, "is not a debug file (an image's debug information)"));
    }
    if coff {
        let lib = output.with_extension("lib");
        if lib != output && head(&lib, 64 << 20).is_some_and(|b| !is_import_library(&b)) {
            return Some((lib, "is not an import library"));
        }
        let pdb = output.with_extension("pdb");
        if pdb != output && head(&pdb, 32).is_some_and(|b| !b.starts_with(b"Microsoft C/C++ MSF 7.00\r\n")) {
            return Some((pdb, "is not a PDB"));
        }
    }
    let json = output.with_file_name(format!("{name}.plan.json"));
    let is_plan = |b: &[u8]| {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(b)
            .is_ok_and(|o| ["rid", "counts", "imports"].iter().all(|k| o.contains_key(*k)))
    };
    if head(&json, 64 << 20).is_some_and(|b| !is_plan(&b)) {
        return Some((json, "is not a plan report"));
    }
    let md = output.with_file_name(format!("{name}.plan.md"));
    if head(&md, 32).is_some_and(|b| !b.starts_with(b"# P/Invoke plan for ")) {
        return Some((md, "is not a plan report"));
    }
    None
}

/// Whether `bytes` are an import library: an archive whose members are short import members
/// (`IMPORT_OBJECT_HEADER`, `00 00 FF FF`) or objects of a linker's long-form import library.
fn is_import_library(bytes: &[u8]) -> bool {
    let Ok(archive) = object::read::archive::ArchiveFile::parse(bytes) else {
        return false;
    };
    archive
        .members()
        .filter_map(|m| m.ok()?.data(bytes).ok())
        .any(|d| d.starts_with(&[0, 0, 0xff, 0xff]))
}

/// The files a publish to `output` writes: the image, its debug file, the plan reports and, for
/// a Windows DLL, its import library and debug information (by the linkers' own naming).
fn written_files(loaded: &LoadedRequest, output: &Path) -> Vec<PathBuf> {
    let name = output.file_name().unwrap_or_default().to_string_lossy();
    let mut written = vec![
        output.to_path_buf(),
        output.with_file_name(format!("{name}.dbg")),
        output.with_file_name(format!("{name}.plan.json")),
        output.with_file_name(format!("{name}.plan.md")),
    ];
    if target_of(loaded.request.rid).is_ok_and(|t| t.format == Format::Coff) {
        written.extend([output.with_extension("lib"), output.with_extension("pdb")]);
    }
    written
}

/// Whether `path` is (or will be) one of the files this publish writes.
pub fn is_output(loaded: &LoadedRequest, path: &Path) -> bool {
    let Some(output) = &loaded.request.output else {
        return false;
    };
    let path = as_made(path);
    written_files(loaded, output)
        .iter()
        .any(|w| as_made(w) == path || std::fs::metadata(&path).is_ok_and(|m| same_file(&m, &path, w)))
}

/// `path` as it will resolve once its missing folders are made: the deepest part that exists,
/// made real, then the rest with `..` taken lexically (a folder made new holds no symbolic link).
fn as_made(path: &Path) -> PathBuf {
    let existing = path
        .ancestors()
        .find(|a| !a.as_os_str().is_empty() && a.exists())
        .unwrap_or(Path::new("."));
    let mut out = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
    let rest = path.strip_prefix(existing).unwrap_or(path);
    for part in rest.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Builds the link inputs of a planned publish.
pub fn prepare(loaded: &LoadedRequest, plan: &Plan) -> Result<Prepared> {
    let req = &loaded.request;
    let target = target_of(loaded.request.rid)?;
    let kind = req.native_lib;
    let output = req.output.clone().ok_or_else(|| {
        Error::new(codes::REQUEST_NO_OUTPUT, "the publish request names no `output`")
            .at(Location::file(&loaded.origin))
    })?;
    // The linker runs in the request's folder (for relative LinkerArg items), so every path
    // handed to it is made absolute first.
    let abs = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut job = LinkJob::new(target, kind, abs(&output));
    job.objects = req.objects.iter().map(|p| abs(p)).collect();
    job.native_libraries = req.native_library.iter().map(|p| abs(p)).collect();
    job.linker_args = req.linker_arg.clone();
    job.working_dir = Some(abs(&loaded.base_dir()));
    job.linker_arg_writes = linker_arg_outputs(&loaded.base_dir(), &req.linker_arg)
        .into_iter()
        .map(|(_, file, _)| abs(&file))
        .collect();
    job.intermediate_dir = Some(abs(&req
        .intermediate_dir
        .clone()
        .unwrap_or_else(|| loaded.base_dir())));
    job.origin_rpath = loaded.dotnet == DotNet::Net8;
    job.strip_symbols = req.strip_symbols;
    job.position_independent = req.position_independent_executable;
    job.generate_import_libraries = req.generate_import_libraries;
    if req.static_executable {
        check_static_executable(loaded, &target, plan)?;
        job.static_executable = true;
    }
    if let Some(l) = &req.linker {
        job.sysroot = l.sysroot.as_deref().map(abs);
    }
    // The Mono host registers the runtime's failure handler even when nothing is lazy.
    let lazy = plan.counts.lazy > 0 || req.compiler == aotinterop_model::Compiler::Mono;
    if lazy || req.native_lib == OutputKind::Static {
        let rt = runtime::find_runtime(&target, req.runtime_dir.as_deref())?;
        job.runtime_inputs.push(abs(&rt.archive));
        for lib in rt.system_libs {
            if !job.system_libs.contains(&lib) {
                job.system_libs.push(lib);
            }
        }
    }
    // `static_symbols` come from the preflight, which reads the NativeLibrary items.
    let stub_options = StubOptions {
        dotnet: loaded.dotnet,
        allow_current_directory: plan.lazy_lookup.current_directory,
        process_directory: plan.lazy_lookup.process_directory,
        static_symbols: Default::default(),
        // Mono's runtime finds each P/Invoke's stub by name (the host's dllmap to `__Internal`).
        export_call_symbols: req.compiler == aotinterop_model::Compiler::Mono,
    };
    Ok(Prepared {
        job,
        stub_options,
        exports: plan.exports.exported().map(str::to_string).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The linker options that write a file, in the spellings the linkers take: link.exe's after
    /// `/` or `-` in any case (the `-` ones got past the check), lld's LTO and trace outputs.
    #[test]
    fn writing_options_in_every_spelling_name_their_file() {
        let base = Path::new("/base");
        for (arg, image) in [
            ("-map:x", false),
            ("-MAP:x", false),
            ("/map:x", false),
            ("-OUT:x", true),
            ("/manifestfile:x", false),
            ("-pdb:x", false),
            ("-lldmap:x", false),
            ("-reproduce:x", false),
            ("-Wl,--lto-obj-path=x", false),
            ("-Wl,--plugin-opt=obj-path=x", false),
            ("-Wl,--thinlto-index-only=x", false),
            ("-Wl,--time-trace-file=x", false),
            ("-Wl,--M=x", false),
            ("-Wl,--output=x", true),
            ("-Wl,--print-symbol-counts=x", false),
            ("-Wl,--opt-remarks-filename=x", false),
            ("-Wl,--plugin-opt=opt-remarks-filename=x", false),
            ("-Wl,--plugin-opt=thinlto-index-only=x", false),
            ("-Wl,--plugin-opt,thinlto-index-only=x", false),
            ("-Wl,--plugin-opt,obj-path=x", false),
        ] {
            let found = linker_arg_outputs(base, &[arg.to_string()]);
            assert_eq!(found, [(0, PathBuf::from("/base/x"), image)], "{arg}");
        }
        // `--plugin` reads a plugin: it is no abbreviation of `--plugin-opt`.
        for arg in [
            "-lz",
            "-Wl,-z,now",
            "-Wl,--as-needed",
            "-pie",
            "-Wl,-soname,x",
            "-Wl,--plugin=x",
            "-Wl,--plugin,x",
        ] {
            assert!(linker_arg_outputs(base, &[arg.to_string()]).is_empty(), "{arg}");
        }
        assert_eq!(
            response_file_words("\"-Wl,--Map=a b\" '-x y' -Wl,\"--M\"=c d\\ e\n"),
            ["-Wl,--Map=a b", "-x y", "-Wl,--M=c", "d e"]
        );
        // A flag that starts like a writing option takes no value: the next option is read.
        for flag in ["--stats", "--time-trace"] {
            let found = linker_arg_outputs(base, &[format!("-Wl,{flag},--Map=x")]);
            assert_eq!(found, [(0, PathBuf::from("/base/x"), false)], "{flag}");
        }
    }
}
