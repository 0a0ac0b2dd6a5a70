//! The publish request: one JSON document with everything a project file says about native
//! interop. The command line reads it from a file; the MSBuild task passes the same document
//! across its C ABI. `docs/request.md` documents the schema.

use crate::imports::Import;
use aotinterop_model::diag::{codes, read_text, Error, Location, Result};
use aotinterop_model::json_input::{json_error, json_error_at, locate_field_in, locate_value, shape_fault};
use aotinterop_model::{Compiler, DotNet, Flavor, MonoAotMode, OutputKind, Rid};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Export settings: which `[UnmanagedCallersOnly(EntryPoint = ...)]` methods and symbols the
/// image exports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// `IlcExportUnmanagedEntrypoints`: absent means on for `NativeLib=Shared` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmanaged_entrypoints: Option<bool>,
    /// `UnmanagedEntryPointsAssembly` items: assemblies (by simple name) whose
    /// UnmanagedCallersOnly entry points are exported besides the published one's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assemblies: Vec<String>,
    /// Symbols to export for callers without assemblies (defined by the object files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<String>,
}

/// Where the Windows pre-populated DirectPInvoke list comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum WindowsApiList {
    /// Look in the NuGet package cache for the ILCompiler package's list, else use the built-in one.
    #[default]
    Auto,
    /// This file.
    File(PathBuf),
    /// No pre-populated list (`false` in JSON).
    Disabled,
}

impl Serialize for WindowsApiList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            WindowsApiList::Auto => s.serialize_none(),
            WindowsApiList::File(p) => p.serialize(s),
            WindowsApiList::Disabled => s.serialize_bool(false),
        }
    }
}

impl<'de> Deserialize<'de> for WindowsApiList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = WindowsApiList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`true`, `false`, `null` or the path of a list file")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Self::Value, E> {
                Ok(if v {
                    WindowsApiList::Auto
                } else {
                    WindowsApiList::Disabled
                })
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
                Ok(WindowsApiList::Auto)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
                match v {
                    "" => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                    _ => Ok(WindowsApiList::File(PathBuf::from(v))),
                }
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Linker choice, when the default for the RID is not wanted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkerSettings {
    /// The linker flavour: `gcc`, `clang`, `lld-link`, `mingw` or `ld64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor: Option<Flavor>,
    /// The linker program (a name looked up on PATH, or a path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// A sysroot the preflight searches for the libraries of direct imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysroot: Option<PathBuf>,
}

/// Which folder the lazy resolver takes as a `NativeLib=Shared` image's "assembly directory".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssemblyDirectory {
    /// The image's own folder (aotinterop's default; the library's folder for a shared library).
    #[default]
    Image,
    /// The process executable's folder, as native AOT does (`AppContext.BaseDirectory`;
    /// dotnet/runtime#112290).
    Executable,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_default_mode(m: &MonoAotMode) -> bool {
    *m == MonoAotMode::default()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The publish request. Relative paths are relative to the request file's folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// `RuntimeIdentifier`, such as `linux-x64` or `win-x64`.
    pub rid: Rid,
    /// `TargetFramework` (`net8.0`, `net10.0-windows`) or the ILCompiler package version: whose
    /// native AOT rules apply. Absent: .NET 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
    /// Apply the DirectPInvoke items the SDK's native AOT targets add by themselves (the
    /// framework's native shims, and on Windows the Windows API list). Default on.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub sdk_direct_pinvoke: bool,
    /// `InvariantGlobalization`: the SDK then adds no DirectPInvoke for System.Globalization.Native.
    #[serde(default, skip_serializing_if = "is_false")]
    pub invariant_globalization: bool,
    /// Let the lazy resolver find libraries from the current directory, as .NET does (off by
    /// default: a DLL-preloading defence).
    #[serde(default, skip_serializing_if = "is_false")]
    pub search_current_directory: bool,
    /// `StripSymbols` (native AOT's name and default): the image's debug information goes to
    /// `IMAGE.dbg` beside it, linked by `.gnu_debuglink` (ELF and MinGW images). Default on.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub strip_symbols: bool,
    /// `StaticExecutable` (Linux executables): link everything in, the C library too, and start
    /// without a dynamic loader (`-static-pie`). Such an image cannot load libraries, so every
    /// import must be direct and satisfied by a static NativeLibrary or the C library.
    #[serde(default, skip_serializing_if = "is_false")]
    pub static_executable: bool,
    /// `PositionIndependentExecutable` (Linux executables, default on): off links `-no-pie`
    /// (`-static` with StaticExecutable).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub position_independent_executable: bool,
    /// Link direct imports whose library the link cannot see against a generated stand-in (an
    /// import library, stub shared object or `.tbd`) naming the real library, which the loader
    /// binds at startup. Off by default, as .NET suggested for such a feature.
    #[serde(default, skip_serializing_if = "is_false")]
    pub generate_import_libraries: bool,
    /// The "assembly directory" of a `NativeLib=Shared` image: `image` (default) or `executable`
    /// (.NET's).
    #[serde(default)]
    pub assembly_directory: AssemblyDirectory,
    /// The compiler of the app's code: `generated` (code calling aotinterop's call symbols, the
    /// default) or `mono` (publish compiles the assemblies with Mono's AOT compiler).
    #[serde(default)]
    pub compiler: Compiler,
    /// Where compiled framework assemblies are cached (`compiler: mono`); absent:
    /// `AOTINTEROP_CACHE_DIR`, else `$XDG_CACHE_HOME/aotinterop`, else `~/.cache/aotinterop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<PathBuf>,
    /// `compiler: mono`: full AOT alone, or with Mono's interpreter for what was not compiled
    /// ahead of time (the default). MSBuild: `AotInteropMonoAotMode`.
    #[serde(default, skip_serializing_if = "is_default_mode")]
    pub mono_aot_mode: MonoAotMode,
    /// Where aotinterop writes files for the user to take (a DirectPInvokeList the preflight
    /// suggests); absent: the request file's folder. MSBuild: `AotInteropIntermediateDirectory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intermediate_dir: Option<PathBuf>,
    /// `NativeLib`: absent for an executable, `shared` or `static`.
    #[serde(default)]
    pub native_lib: OutputKind,
    /// The image to produce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    /// `DirectPInvoke` items: `module` or `module!entry`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub direct_pinvoke: Vec<String>,
    /// `DirectPInvokeList` items: files of `module` / `module!entry` lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub direct_pinvoke_list: Vec<PathBuf>,
    /// `NativeLibrary` items: static archives and import libraries linked into the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub native_library: Vec<PathBuf>,
    /// `LinkerArg` items, passed to the linker before the defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linker_arg: Vec<String>,
    /// Assemblies to scan; the first is the published one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assemblies: Vec<PathBuf>,
    /// Imports given directly, for callers without assemblies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<Import>,
    /// Imports files: JSON arrays of imports, as `aotinterop plan --imports` reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports_file: Vec<PathBuf>,
    /// Object files of the compiled code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<PathBuf>,
    /// Export settings.
    #[serde(default)]
    pub exports: ExportSettings,
    /// The Windows pre-populated DirectPInvoke list: a path, `false`, or absent (find it).
    #[serde(default)]
    pub windows_api_list: WindowsApiList,
    /// Linker override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linker: Option<LinkerSettings>,
    /// The folder holding the runtime archives, `<triple>/libaotinterop_runtime.a` (the MSBuild
    /// package passes its own); absent: `AOTINTEROP_RUNTIME_DIR`, then beside the program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_dir: Option<PathBuf>,
}

/// A request together with where it came from, ready to plan.
#[derive(Clone, Debug)]
pub struct LoadedRequest {
    /// The request, with every path made absolute or relative to the working directory.
    pub request: PublishRequest,
    /// The .NET release whose rules apply (from `target_framework`).
    pub dotnet: DotNet,
    /// The request file, for diagnostics (`<command line>` for the quick form).
    pub origin: PathBuf,
    /// The request text, to find the line of a bad value.
    pub text: Option<String>,
    /// The folder relative paths resolved against.
    pub base: PathBuf,
}

impl PublishRequest {
    /// An empty request for `rid`.
    pub fn new(rid: Rid) -> Self {
        PublishRequest {
            rid,
            target_framework: None,
            sdk_direct_pinvoke: true,
            invariant_globalization: false,
            search_current_directory: false,
            strip_symbols: true,
            static_executable: false,
            position_independent_executable: true,
            generate_import_libraries: false,
            assembly_directory: AssemblyDirectory::Image,
            compiler: Compiler::Generated,
            cache_dir: None,
            intermediate_dir: None,
            mono_aot_mode: MonoAotMode::default(),
            native_lib: OutputKind::Executable,
            output: None,
            direct_pinvoke: Vec::new(),
            direct_pinvoke_list: Vec::new(),
            native_library: Vec::new(),
            linker_arg: Vec::new(),
            assemblies: Vec::new(),
            imports: Vec::new(),
            imports_file: Vec::new(),
            objects: Vec::new(),
            exports: ExportSettings::default(),
            windows_api_list: WindowsApiList::Auto,
            linker: None,
            runtime_dir: None,
        }
    }

    /// Parses a request from JSON text; `origin` names it in errors and `base` is the folder
    /// relative paths resolve against.
    pub fn parse(text: &str, origin: &Path, base: &Path) -> Result<LoadedRequest> {
        let mut request = Self::from_json(text, origin)?;
        if let Some(field) = request.empty_path_field() {
            return Err(Error::new(
                codes::REQUEST_INVALID,
                format!("`{field}` is \"\" (an empty name): name a file or folder, or leave it out"),
            )
            .at(locate_field_in(text, origin, &field)));
        }
        request.resolve_paths(base);
        // An exported symbol an export file cannot hold, at its line (found at the link, it was
        // a link error without a place).
        for (i, sym) in request.exports.symbols.iter().enumerate() {
            aotinterop_linker::exports::check_symbol(sym)
                .map_err(|e| e.at(locate_field_in(text, origin, &format!("exports.symbols[{i}]"))))?;
        }
        for (i, imp) in request.imports.iter().enumerate() {
            imp.validate().map_err(|m| {
                Error::new(codes::IMPORT_INVALID, format!("imports[{i}]: {m}"))
                    .at(locate_value(text, origin, &imp.entry))
            })?;
        }
        let dotnet = dotnet_of(&request, |v| locate_value(text, origin, v))?;
        Ok(LoadedRequest {
            request,
            dotnet,
            origin: origin.to_path_buf(),
            text: Some(text.to_string()),
            base: base.to_path_buf(),
        })
    }

    /// The request in `text`: a JSON object (an array would be read as serde's positional form),
    /// every error naming the field it is about.
    fn from_json(text: &str, origin: &Path) -> Result<PublishRequest> {
        let first = text
            .trim_start_matches(|c: char| c.is_whitespace())
            .chars()
            .next();
        if matches!(first, Some(c) if c != '{' && c != '\u{feff}') {
            let e = serde_json::from_str::<serde_json::Value>(text).err();
            if let Some(e) = e {
                return Err(json_error(origin, "publish request", text, &e));
            }
            return Err(Error::new(
                codes::REQUEST_INVALID,
                "a publish request is a JSON object (`{\"rid\": ..., \"output\": ...}`), not an array or a single value",
            )
            .at(Location::at(origin, 1, 1)));
        }
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
            // A RID or linker flavour that is a string but none: its own code (AOTI0006,
            // AOTI0508) at its value (serde would say AOTI0005).
            if let Some(Err(e)) = value.get("rid").and_then(|r| r.as_str()).map(str::parse::<Rid>) {
                let at = locate_value(text, origin, value["rid"].as_str().unwrap_or_default());
                return Err(Error::new(codes::UNKNOWN_RID, e.to_string()).at(at));
            }
            if let Some(Err(d)) = value
                .pointer("/linker/flavor")
                .and_then(|f| f.as_str())
                .map(str::parse::<Flavor>)
            {
                return Err(Error::from(d).at(locate_field_in(text, origin, "linker.flavor")));
            }
            let objects = ["", "imports[]", "exports", "linker"];
            if let Some((field, why)) = shape_fault(&value, &objects) {
                let key = field.rsplit('.').next().and_then(|k| k.split('[').next());
                return Err(Error::new(codes::REQUEST_INVALID, format!("`{field}`: {why}"))
                    .at(locate_value(text, origin, key.unwrap_or(""))));
            }
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let request: PublishRequest = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let field = e.path().to_string();
            json_error_at(origin, "publish request", text, e.inner(), &field)
        })?;
        de.end()
            .map_err(|e| json_error(origin, "publish request", text, &e))?;
        Ok(request)
    }

    /// Reads and parses a request file.
    pub fn load(path: &Path) -> Result<LoadedRequest> {
        if path.is_dir() {
            return Err(Error::new(
                codes::FILE_UNREADABLE,
                "expected a publish request file, found a directory",
            )
            .at(Location::file(path)));
        }
        let text = read_text(path, "publish request")?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, path, base)
    }

    /// The first field naming a file or folder that is empty (it would resolve to the request's
    /// folder). `output` has a message of its own.
    fn empty_path_field(&self) -> Option<String> {
        let lists: [(&str, Vec<&std::ffi::OsStr>); 6] = [
            (
                "direct_pinvoke_list",
                self.direct_pinvoke_list.iter().map(|p| p.as_os_str()).collect(),
            ),
            (
                "native_library",
                self.native_library.iter().map(|p| p.as_os_str()).collect(),
            ),
            (
                "assemblies",
                self.assemblies.iter().map(|p| p.as_os_str()).collect(),
            ),
            (
                "imports_file",
                self.imports_file.iter().map(|p| p.as_os_str()).collect(),
            ),
            ("objects", self.objects.iter().map(|p| p.as_os_str()).collect()),
            (
                "exports.assemblies",
                self.exports.assemblies.iter().map(|a| a.as_ref()).collect(),
            ),
        ];
        let listed = lists.iter().find_map(|(field, values)| {
            let i = values.iter().position(|v| v.is_empty())?;
            Some(format!("{field}[{i}]"))
        });
        let linker = self.linker.as_ref();
        let single = [
            (
                "windows_api_list",
                match &self.windows_api_list {
                    WindowsApiList::File(p) => Some(p),
                    _ => None,
                },
            ),
            ("runtime_dir", self.runtime_dir.as_ref()),
            ("cache_dir", self.cache_dir.as_ref()),
            ("intermediate_dir", self.intermediate_dir.as_ref()),
            ("linker.path", linker.and_then(|l| l.path.as_ref())),
            ("linker.sysroot", linker.and_then(|l| l.sysroot.as_ref())),
        ];
        listed.or_else(|| {
            single
                .iter()
                .find(|(_, p)| p.is_some_and(|p| p.as_os_str().is_empty()))
                .map(|(field, _)| field.to_string())
        })
    }

    /// Makes every relative path absolute against `base` (paths the user wrote stay as written
    /// when they are already absolute).
    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(o) = &mut self.output {
            fix(o);
        }
        self.direct_pinvoke_list.iter_mut().for_each(fix);
        self.native_library.iter_mut().for_each(fix);
        self.assemblies.iter_mut().for_each(fix);
        self.imports_file.iter_mut().for_each(fix);
        self.objects.iter_mut().for_each(fix);
        if let WindowsApiList::File(p) = &mut self.windows_api_list {
            fix(p);
        }
        if let Some(p) = &mut self.runtime_dir {
            fix(p);
        }
        if let Some(p) = &mut self.cache_dir {
            fix(p);
        }
        if let Some(p) = &mut self.intermediate_dir {
            fix(p);
        }
        if let Some(l) = &mut self.linker {
            if let Some(p) = &mut l.sysroot {
                fix(p);
            }
            if let Some(p) = &mut l.path {
                // A bare program name is looked up on PATH; only paths with a folder resolve.
                if p.components().count() > 1 {
                    fix(p);
                }
            }
            if let Some(s) = &mut l.sysroot {
                fix(s);
            }
        }
    }

    /// Whether UnmanagedCallersOnly entry points are exported: `IlcExportUnmanagedEntrypoints`,
    /// which defaults to true for `NativeLib=Shared` only.
    pub fn exports_unmanaged_entrypoints(&self) -> bool {
        self.exports
            .unmanaged_entrypoints
            .unwrap_or(self.native_lib == OutputKind::Shared)
    }
}

impl LoadedRequest {
    /// Wraps a request built in code (the quick command line form).
    pub fn from_request(request: PublishRequest, origin: impl Into<PathBuf>) -> Result<Self> {
        let origin = origin.into();
        let dotnet = dotnet_of(&request, |_| Location::file(&origin))?;
        Ok(LoadedRequest {
            request,
            dotnet,
            origin,
            text: None,
            base: PathBuf::from("."),
        })
    }

    /// The folder relative paths of the request resolve against, and where the linker runs (so
    /// relative paths in LinkerArg items mean the same): the request file's folder, or the
    /// current directory for a request built on the command line.
    pub fn base_dir(&self) -> PathBuf {
        if self.base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            self.base.clone()
        }
    }

    /// The request's `linker.flavor` (`None` when it names none).
    pub fn linker_flavor(&self) -> Option<Flavor> {
        self.request.linker.as_ref().and_then(|l| l.flavor)
    }

    /// The request's `linker.flavor` as the request file spells it (`msvc` for lld-link), for
    /// messages; its name when the request has no text.
    pub fn linker_flavor_written(&self) -> Option<String> {
        let flavor = self.linker_flavor()?;
        let text = self
            .text
            .as_deref()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
        let written = text
            .as_ref()
            .and_then(|v| v.pointer("/linker/flavor")?.as_str().map(str::to_string));
        Some(written.unwrap_or_else(|| flavor.name().to_string()))
    }

    /// Where the value of the field at `field` (`linker.sysroot`, `objects[2]`) stands in the
    /// request file; the file alone when the request has no text or no such field.
    pub fn locate_field(&self, field: &str) -> Location {
        match self.text.as_deref() {
            Some(text) => locate_field_in(text, &self.origin, field),
            None => Location::file(&self.origin),
        }
    }

    /// Where each element of the array at `field` stands in the request file (one walk of the
    /// text); empty without a text or such an array.
    pub fn locate_elements(&self, field: &str) -> Vec<Location> {
        match self.text.as_deref() {
            Some(text) => aotinterop_model::json_input::locate_elements_in(text, &self.origin, field),
            None => Vec::new(),
        }
    }

    /// Where the JSON string `value` stands in the request file, for diagnostics about it.
    pub fn locate(&self, value: &str) -> Location {
        match &self.text {
            Some(text) => locate_value(text, &self.origin, value),
            None => Location::file(&self.origin),
        }
    }
}

/// AOTI0508: the flavour `flavor` (written `written`) cannot link for `target`.
pub(crate) fn flavor_cannot_link(written: &str, flavor: Flavor, target: &aotinterop_model::Target) -> Error {
    let alias = if written.eq_ignore_ascii_case(flavor.name()) {
        String::new()
    } else {
        format!(" ({})", flavor.name())
    };
    Error::new(
        codes::FLAVOR_INVALID,
        format!(
            "linker flavour `{}`{alias} cannot link for {target}",
            aotinterop_model::diag::shown(written, 80)
        ),
    )
}

/// The .NET release a request's `target_framework` names (.NET 10 when it names none).
fn dotnet_of(request: &PublishRequest, locate: impl Fn(&str) -> Location) -> Result<DotNet> {
    match &request.target_framework {
        None => Ok(DotNet::default()),
        Some(tf) => tf.parse().map_err(|e: aotinterop_model::dotnet::DotNetError| {
            Error::new(codes::TARGET_FRAMEWORK_UNSUPPORTED, e.to_string()).at(locate(tf))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LoadedRequest> {
        PublishRequest::parse(text, Path::new("req.json"), Path::new("/base"))
    }

    /// A field is located by its path, not by its value's text (a `linker_arg` holding the same
    /// text as `linker.sysroot` came first).
    #[test]
    fn fields_are_located_by_their_path() {
        let text = "{\"rid\": \"linux-x64\",\n \"linker_arg\": [\"/x\", \"/y\"],\n \"linker\": {\"flavor\": \"gcc\",\n  \"sysroot\": \"/x\"}}";
        let loaded = parse(text).unwrap();
        let at = |f: &str| {
            let l = loaded.locate_field(f);
            (l.line, l.column)
        };
        assert_eq!(at("linker.sysroot"), (Some(4), Some(14)));
        assert_eq!(at("linker_arg[1]"), (Some(2), Some(23)));
        assert_eq!(at("linker"), (Some(3), Some(12)));
        assert_eq!(at("rid"), (Some(1), Some(9)));
        assert_eq!(at("output"), (None, None));
    }

    /// A value written with escapes serde_json would not write still gets its line and column.
    #[test]
    fn values_written_with_escapes_are_located() {
        let e = parse("{\n  \"rid\": \"linux-x64\\u00e9\"}").unwrap_err();
        let loc = e.diagnostic().location.clone().unwrap();
        assert_eq!((loc.line, loc.column), (Some(2), Some(10)), "{e}");
    }

    #[test]
    fn minimal_request_and_defaults() {
        let r = parse(r#"{"rid": "linux-x64"}"#).unwrap();
        assert_eq!(r.request.native_lib, OutputKind::Executable);
        assert!(!r.request.exports_unmanaged_entrypoints());
        let r = parse(r#"{"rid": "linux-x64", "native_lib": "Shared"}"#).unwrap();
        assert!(r.request.exports_unmanaged_entrypoints());
        let r = parse(
            r#"{"rid": "linux-x64", "native_lib": "shared", "exports": {"unmanaged_entrypoints": false}}"#,
        )
        .unwrap();
        assert!(!r.request.exports_unmanaged_entrypoints());
        let r = parse(r#"{"rid": "linux-x64", "exports": {"unmanaged_entrypoints": true}}"#).unwrap();
        assert!(r.request.exports_unmanaged_entrypoints());
    }

    #[test]
    fn relative_paths_resolve_against_the_request_folder() {
        let r = parse(
            r#"{"rid": "win-x64", "output": "bin/app.exe", "direct_pinvoke_list": ["lists/a.txt", "/abs/b.txt"],
                "native_library": ["x.lib"], "windows_api_list": "w.txt", "linker": {"path": "lld-link"}}"#,
        )
        .unwrap();
        let q = &r.request;
        assert_eq!(q.output.as_deref(), Some(Path::new("/base/bin/app.exe")));
        assert_eq!(q.direct_pinvoke_list[0], Path::new("/base/lists/a.txt"));
        assert_eq!(q.direct_pinvoke_list[1], Path::new("/abs/b.txt"));
        assert_eq!(q.native_library[0], Path::new("/base/x.lib"));
        assert_eq!(q.windows_api_list, WindowsApiList::File("/base/w.txt".into()));
        assert_eq!(
            q.linker.as_ref().unwrap().path.as_deref(),
            Some(Path::new("lld-link"))
        );
    }

    #[test]
    fn windows_api_list_forms() {
        let r = parse(r#"{"rid": "win-x64", "windows_api_list": false}"#).unwrap();
        assert_eq!(r.request.windows_api_list, WindowsApiList::Disabled);
        let r = parse(r#"{"rid": "win-x64", "windows_api_list": null}"#).unwrap();
        assert_eq!(r.request.windows_api_list, WindowsApiList::Auto);
    }

    #[test]
    fn bad_requests_name_the_problem_and_place() {
        let e = parse("").unwrap_err();
        assert_eq!(e.code(), codes::REQUEST_MALFORMED);
        assert!(e.to_string().contains("publish request is empty"), "{e}");

        let e = parse("{\"rid\": \"linux-x64\",\n \"direct_pinvoke\": [\"libc\"],\n \"directpinvoke\": []}")
            .unwrap_err();
        assert_eq!(e.code(), codes::REQUEST_UNKNOWN_FIELD);
        assert!(e.to_string().contains("unknown field `directpinvoke`"), "{e}");
        assert_eq!(e.diagnostic().location.as_ref().unwrap().line, Some(3));

        let e = parse("{\"rid\": \"linux-x64\", \"direct_pinvoke\": [\"libc\"").unwrap_err();
        assert_eq!(e.code(), codes::REQUEST_MALFORMED);

        let e = parse("{\n  \"rid\": \"linux-x65\"\n}").unwrap_err();
        assert_eq!(e.code(), codes::UNKNOWN_RID);
        assert!(e.to_string().starts_with("req.json:2:10: error AOTI0006"), "{e}");

        for field in [
            "\"intermediate_dir\": \"\"",
            "\"exports\": {\"assemblies\": [\"App\", \"\"]}",
            "\"linker\": {\"sysroot\": \"\"}",
        ] {
            let e = parse(&format!("{{\"rid\": \"linux-x64\",\n {field}}}")).unwrap_err();
            assert_eq!(e.code(), codes::REQUEST_INVALID, "{e}");
            assert!(e.to_string().contains("(an empty name)"), "{e}");
            assert_eq!(e.diagnostic().location.as_ref().unwrap().line, Some(2), "{e}");
        }

        let e = parse("{\"native_lib\": \"shared\"}").unwrap_err();
        assert!(e.to_string().contains("missing field `rid`"), "{e}");

        let e = parse("{\"rid\": \"linux-x64\", \"native_lib\": \"dynamic\"}").unwrap_err();
        assert!(e.to_string().contains("unknown variant `dynamic`"), "{e}");
    }
}
