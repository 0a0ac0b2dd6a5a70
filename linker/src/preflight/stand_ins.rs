//! `generate_import_libraries`: which direct imports get a generated stand-in for their library,
//! what it is called and binds, and the checks that stand in for the link's own: the real
//! library, when found at publish time, must export each entry point as code; no two libraries
//! may define one symbol the image binds by name.

use super::symbols::Offered;
use crate::diag::{codes, Diagnostic};
use crate::driver::LinkJob;
use crate::import_libraries::{default_file_name, kind_name};
use crate::target::{Arch, Format};
use aotinterop_image::{loader_name_key, present};
use aotinterop_model::names::{library_stem, library_variations, ordinal, x86_import_names};
use aotinterop_model::{GeneratedLibrary, GeneratedSymbol, PlannedImport};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A name from the request or an assembly as messages show it: escaped and shortened.
fn shown(name: &str) -> String {
    aotinterop_model::diag::shown(name, 120)
}

/// The name a win-x86 DLL built from a `.def` file (as Windows' own are) exports a function
/// whose COFF symbol is `symbol` by: undecorated, as `IMPORT_OBJECT_NAME_UNDECORATE` does.
fn x86_undecorated(symbol: &str) -> String {
    x86_import_names(symbol)
        .pop()
        .unwrap_or_else(|| symbol.to_string())
}

/// Looks for `module`'s real library in `dirs`, by the file names the lazy resolver tries.
fn find_present(module: &str, job: &LinkJob, dirs: &[PathBuf]) -> Option<present::PresentLibrary> {
    let names = library_variations(module, job.target.platform());
    dirs.iter()
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .filter(|p| p.is_file())
        .find_map(|p| present::read(&p, &job.target))
}

/// The folders searched for the real libraries: the image's own (where an app deploys them),
/// then the link's search folders.
pub(super) fn present_dirs(job: &LinkJob, link_dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = job.output.parent().map(Path::to_path_buf).into_iter().collect();
    for d in link_dirs {
        if !dirs.contains(d) {
            dirs.push(d.clone());
        }
    }
    dirs
}

/// Builds the stand-ins for the `unresolved` direct imports (grouped by module), checking them
/// against `direct` (every direct import) and the files the link sees (`per_file`).
pub(super) fn plan(
    job: &LinkJob,
    direct: &[&PlannedImport],
    unresolved: &[&PlannedImport],
    per_file: &[(PathBuf, Offered)],
    dirs: &[PathBuf],
    diags: &mut Vec<Diagnostic>,
) -> Vec<GeneratedLibrary> {
    let target = &job.target;
    if job.static_executable && !unresolved.is_empty() {
        diags.push(static_executable_refusal(unresolved));
        return Vec::new();
    }
    let mut by_module: BTreeMap<&str, Vec<&PlannedImport>> = BTreeMap::new();
    for imp in unresolved {
        by_module.entry(imp.module.as_str()).or_default().push(imp);
    }
    let mut out = Vec::new();
    // Symbol -> (module, the library's name as the loader compares it).
    let mut owner: BTreeMap<&str, (&str, String)> = BTreeMap::new();
    let file_key = |file: &str| loader_name_key(target.format, file);
    for (module, imports) in by_module {
        let topped_up = check_link_files(job, module, &imports, direct, per_file, diags);
        let found = find_present(module, job, dirs);
        let mut lib = stand_in(module, job, found.as_ref());
        if let Some(d) = relative_name(module, &lib, target) {
            diags.push(d);
            continue;
        }
        let key = file_key(&lib.file);
        for imp in &imports {
            let symbol = imp.symbol();
            match owner.get(symbol) {
                // Two spellings of one library (`vendor`, `vendor.dll`): one import.
                Some((_, k)) if *k == key => continue,
                Some((first, _)) if *first != module => {
                    diags.push(symbol_clash(symbol, first, module));
                    continue;
                }
                Some(_) => {}
                None => {
                    owner.insert(symbol, (module, key.clone()));
                }
            }
            match stand_in_symbol(job, module, imp, found.as_ref()) {
                Ok(s) => lib.symbols.push(s),
                Err(d) => diags.push(d),
            }
        }
        diags.push(described(job, module, &lib, &imports, topped_up, dirs));
        // Modules that are spellings of one library share its stand-in.
        match out
            .iter_mut()
            .find(|l: &&mut GeneratedLibrary| file_key(&l.file) == key)
        {
            Some(same) => same.symbols.extend(lib.symbols),
            None if !lib.symbols.is_empty() => out.push(lib),
            None => {}
        }
    }
    out
}

/// The error for a stand-in whose name the loader would resolve from the current directory: a
/// relative path with a folder (ELF and PE; Mach-O's `@rpath/` names are the image's own).
fn relative_name(module: &str, lib: &GeneratedLibrary, target: &crate::target::Target) -> Option<Diagnostic> {
    // Names from the request or an assembly: escaped (a newline in one forged a line).
    let module = &shown(module);
    let format = target.format;
    // glibc expands `$ORIGIN` in a needed library's name to the image's folder (musl does not).
    let origin = format == Format::Elf
        && target.libc == crate::target::Libc::Gnu
        && aotinterop_model::lazy_rules::LdPathElement::of(lib.file.as_bytes())
            == aotinterop_model::lazy_rules::LdPathElement::Origin;
    let windows_absolute = format == Format::Coff
        && aotinterop_model::lazy_rules::is_absolute(&lib.file, aotinterop_model::Platform::Windows);
    // `/x.dll` is relative to the current drive's root on Windows; `@rpath/` is Mach-O's.
    let unix_absolute = format != Format::Coff && lib.file.starts_with(['/', '@']);
    let absolute = origin || windows_absolute || unix_absolute;
    // `Z:vendor.dll` is relative to that drive's current directory.
    let drive_relative = format == Format::Coff && aotinterop_model::lazy_rules::is_drive_relative(&lib.file);
    if !drive_relative && (absolute || !lib.file.contains(['/', '\\'])) {
        return None;
    }
    let whose = match &lib.read_from {
        Some(p) => format!(
            "the library found at publish time ({}) names itself",
            aotinterop_model::diag::shown_path(p, 400)
        ),
        None => "the module is named".to_string(),
    };
    let d = Diagnostic::error(
        codes::GENERATED_NAME_RELATIVE,
        format!(
            "direct imports of `{module}`: {whose} `{}`, a path the loader resolves from the process's current \
             directory: the image would load whatever file of that name is where it runs. Give the library a \
             name without a folder (its SONAME: `-Wl,-soname,NAME`), or leave the imports lazy",
            shown(&lib.file)
        ),
    );
    Some(match &lib.read_from {
        Some(p) => d.at(p),
        None => d,
    })
}

fn static_executable_refusal(unresolved: &[&PlannedImport]) -> Diagnostic {
    let names: Vec<String> = unresolved
        .iter()
        .map(|i| format!("{}!{}", i.module, i.symbol()))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Diagnostic::error(
        codes::STATIC_EXECUTABLE_INVALID,
        format!(
            "a static executable (StaticExecutable) loads no libraries, so a generated stand-in cannot bind {}: \
             give the link a static library (NativeLibrary) that defines them",
            super::some(&names, 5)
        ),
    )
}

/// Checks `module`'s other direct imports against the files of the link: each resolves to
/// something there, from the module's own library (which then lacks `imports`: an error, but
/// for a COFF import library, which a generated one completes — returns true then) or from
/// another library, which would bind it instead (an error).
fn check_link_files(
    job: &LinkJob,
    module: &str,
    imports: &[&PlannedImport],
    direct: &[&PlannedImport],
    per_file: &[(PathBuf, Offered)],
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let target = &job.target;
    let platform = target.platform();
    let module_stem = library_stem(module, platform);
    let missing: Vec<&str> = imports.iter().map(|i| i.symbol()).collect();
    let mut topped_up = false;
    let mut lacking_reported: Vec<&Path> = Vec::new();
    for d in direct.iter().filter(|d| d.module == module) {
        if imports.iter().any(|i| i.symbol() == d.symbol()) {
            continue;
        }
        let Some((file, offered)) = per_file.iter().find(|(_, o)| o.defines(d.symbol())) else {
            continue;
        };
        let own_library = match target.format {
            // An import library names its DLL; an import library of the module's own DLL that
            // lacks some entry points is completed by a generated one (lld-link and GNU ld merge
            // imports of one DLL). MinGW's long-format import members do not say which DLL in
            // one member: those are taken as the module's own.
            Format::Coff => match offered.dll_of.get(d.symbol()) {
                Some(dll) if library_stem(dll, platform) == module_stem => {
                    topped_up = true;
                    continue;
                }
                Some(_) => false,
                None if offered.strong.contains(d.symbol()) => false,
                None => {
                    topped_up = true;
                    continue;
                }
            },
            _ => library_stem(&file.to_string_lossy(), platform) == module_stem,
        };
        if !own_library {
            diags.push(bound_from_another_file(d.symbol(), module, file));
        } else if !lacking_reported.contains(&file.as_path()) {
            lacking_reported.push(file);
            diags.push(own_library_lacks(module, &missing, file, target.format));
        }
    }
    // The module's own library in the link by its name (`libm` and the `-lm` the link takes),
    // though it defines none of its direct imports: a stand-in named after the module would be
    // a second library the loader cannot find (`libm.so`, the development link) or another one.
    // (An import library of the module's DLL is completed instead, above.)
    if target.format != Format::Coff && lacking_reported.is_empty() {
        let own = per_file
            .iter()
            .find(|(f, _)| library_stem(&f.to_string_lossy(), platform) == module_stem);
        if let Some((file, _)) = own {
            diags.push(own_library_lacks(module, &missing, file, target.format));
        }
    }
    topped_up
}

fn bound_from_another_file(symbol: &str, module: &str, file: &Path) -> Diagnostic {
    // Names from the request or an assembly: escaped (a newline in one forged a line).
    let module = &shown(module);
    Diagnostic::error(
        codes::GENERATED_SYMBOL_CLASH,
        format!(
            "`{symbol}` is a direct import of `{module}`, whose library is not in the link, but this file, which \
             the link sees, defines it too: the image would bind it from here, not from `{module}`. Give the link \
             `{module}`'s library (or its import library), or leave the import lazy"
        ),
    )
    .at(file)
}

fn own_library_lacks(module: &str, missing: &[&str], file: &Path, format: Format) -> Diagnostic {
    // Names from the request or an assembly: escaped (a newline in one forged a line).
    let module = &shown(module);
    Diagnostic::error(
        codes::GENERATED_ENTRY_MISSING,
        format!(
            "this library of `{module}` is in the link but does not export {} (direct import(s) of `{module}`); a \
             generated {} cannot add entry points the library lacks: update the library, or leave those imports lazy",
            super::some(missing, 5),
            kind_name(format)
        ),
    )
    .at(file)
}

fn symbol_clash(symbol: &str, first: &str, module: &str) -> Diagnostic {
    let (first, module) = (&shown(first), &shown(module));
    Diagnostic::error(
        codes::GENERATED_SYMBOL_CLASH,
        format!(
            "`{symbol}` is a direct import of both `{first}` and `{module}`, and neither library is in the link: \
             the image binds a symbol by its name alone, so both calls would go to one library. Leave one of them \
             lazy (the lazy resolver looks each up in its own library)"
        ),
    )
}

/// The stand-in of `module`, still without symbols: named as the library found at publish time
/// (`found`) is, else by the default file name of the target.
fn stand_in(module: &str, job: &LinkJob, found: Option<&present::PresentLibrary>) -> GeneratedLibrary {
    let target = &job.target;
    let mut lib = GeneratedLibrary {
        module: module.to_string(),
        file: found.map_or_else(|| default_file_name(module, target), |p| p.file.clone()),
        symbols: Vec::new(),
        read_from: found.map(|p| p.path.clone()),
    };
    if target.format == Format::MachO && found.is_some() && !lib.file.contains('/') {
        lib.file = format!("@rpath/{}", lib.file);
    }
    lib
}

/// The stand-in's symbol for `imp`: checked against the library found at publish time (its
/// export by name or ordinal, as code, and its version), or, without one, as written.
fn stand_in_symbol(
    job: &LinkJob,
    module: &str,
    imp: &PlannedImport,
    found: Option<&present::PresentLibrary>,
) -> Result<GeneratedSymbol, Diagnostic> {
    let target = &job.target;
    let symbol = imp.symbol();
    let ordinal = if target.format == Format::Coff {
        ordinal(&imp.entry)
    } else {
        None
    };
    let mut s = GeneratedSymbol {
        symbol: symbol.to_string(),
        export: None,
        ordinal,
        version: None,
    };
    let x86 = target.format == Format::Coff && target.arch == Arch::X86;
    let Some(p) = found else {
        if ordinal == Some(0) {
            return Err(ordinal_zero(module, &imp.entry));
        }
        if x86 && ordinal.is_none() {
            s.export = Some(x86_undecorated(symbol));
        }
        return Ok(s);
    };
    let export = match ordinal {
        Some(n) => p
            .ordinals
            .get(&n)
            .map(|code| (format!("ordinal {n}"), *code, None)),
        None => {
            let names = if x86 {
                let mut n = x86_import_names(symbol);
                // Undecorated first: how `.def`-built DLLs export; then MinGW's `name@N`.
                n.reverse();
                n
            } else {
                vec![symbol.to_string()]
            };
            names
                .into_iter()
                .find_map(|n| p.names.get(&n).map(|e| (n.clone(), e.code, e.version.clone())))
        }
    };
    match export {
        None => Err(not_exported(module, imp, ordinal, &p.path)),
        Some((name, false, _)) => Err(data_as_code(module, imp, name, &p.path)),
        Some((name, true, version)) => {
            if ordinal.is_none() && name != symbol {
                s.export = Some(name);
            }
            s.version = version;
            Ok(s)
        }
    }
}

fn ordinal_zero(module: &str, entry: &str) -> Diagnostic {
    // Names from the request or an assembly: escaped (a newline in one forged a line).
    let module = &shown(module);
    Diagnostic::error(
        codes::GENERATED_ENTRY_MISSING,
        format!(
            "direct import `{module}!{entry}`: the entry point reads as ordinal 0 (native AOT reads `#` and what \
             `int.TryParse` cannot read as 0), which no DLL exports"
        ),
    )
}

fn not_exported(module: &str, imp: &PlannedImport, ordinal: Option<u16>, library: &Path) -> Diagnostic {
    // Names from the request or an assembly: escaped (a newline in one forged a line).
    let module = &shown(module);
    let what = match ordinal {
        Some(n) => format!("ordinal {n}"),
        None => format!("`{}`", imp.symbol()),
    };
    Diagnostic::error(
        codes::GENERATED_ENTRY_MISSING,
        format!(
            "direct import `{module}!{}`: this library, found at publish time, does not export {what}; the image \
             would fail to start. Fix the EntryPoint, or leave the import lazy",
            imp.entry
        ),
    )
    .at(library)
}

fn data_as_code(module: &str, imp: &PlannedImport, name: String, library: &Path) -> Diagnostic {
    // Names from the request or an assembly: escaped (a newline in one forged a line).
    let module = &shown(module);
    let shown = if name.starts_with("ordinal") {
        name
    } else {
        format!("`{name}`")
    };
    Diagnostic::error(
        codes::GENERATED_DATA_AS_CODE,
        format!(
            "direct import `{module}!{}`: this library exports {shown} as data, but a P/Invoke calls it as a \
             function; the call would jump into data",
            imp.entry
        ),
    )
    .at(library)
}

/// The note that says what stands in for `module` and what was checked.
fn described(
    job: &LinkJob,
    module: &str,
    lib: &GeneratedLibrary,
    imports: &[&PlannedImport],
    topped_up: bool,
    dirs: &[PathBuf],
) -> Diagnostic {
    let format = job.target.format;
    let names: Vec<&str> = imports.iter().map(|i| i.symbol()).collect();
    let (module, file) = (&shown(module), &shown(&lib.file));
    let read = match &lib.read_from {
        Some(p) => format!(
            "Its names, exports and their kinds{} were read from {}",
            if format == Format::Elf { " and versions" } else { "" },
            aotinterop_model::diag::shown_path(p, 400)
        ),
        None => format!(
            "The library was not found at publish time (looked beside the image and in {} search folder(s)), so \
             whether it exports {} as code{} is not checked",
            dirs.len().saturating_sub(1),
            if names.len() == 1 { "it" } else { "them" },
            if format == Format::Elf { ", and at which version," } else { "" }
        ),
    };
    let what = if topped_up {
        format!(
            "`{module}`'s import library in the link lacks {}: a generated {} naming `{}` adds them",
            super::some(&names, 5),
            kind_name(format),
            file
        )
    } else {
        format!(
            "`{module}` is not in the link: a generated {} naming `{}` stands in for it for {}",
            kind_name(format),
            file,
            super::some(&names, 5)
        )
    };
    Diagnostic::note(
        codes::IMPORT_LIBRARY_GENERATED,
        format!("{what} (generate_import_libraries); the loader binds the real library at startup. {read}."),
    )
}
