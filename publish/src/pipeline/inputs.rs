//! From a plan to what the link steps take: the target, the stub imports, the link job, the
//! direct imports to check and the exports.

use super::{from_linker, link_kind, runtime};
use crate::diagnostics::{codes, Error, Location, Result};
use crate::imports::Charset;
use crate::plan::{Binding, Plan};
use crate::request::{LoadedRequest, OutputKind};
use crate::rid::{Arch as RidArch, Os, Rid};
use aotinterop_linker::driver::LinkJob;
use aotinterop_linker::emit::{StubBinding, StubCharset, StubImport};
use aotinterop_linker::plan_view::PlanView;
use aotinterop_linker::preflight::DirectImport;
use aotinterop_linker::{Arch, Format, Libc, Target};

/// Everything the preflight, emit and link steps need.
pub struct Prepared {
    /// The target.
    pub target: Target,
    /// What is produced.
    pub kind: aotinterop_linker::driver::OutputKind,
    /// The link job (objects, NativeLibrary items, LinkerArgs, runtime, system libraries).
    pub job: LinkJob,
    /// The direct imports, for the preflight.
    pub direct: Vec<DirectImport>,
    /// The stubs to emit.
    pub stubs: Vec<StubImport>,
    /// The symbols to export.
    pub exports: Vec<String>,
}

/// The link target of a RID, or an error for RIDs aotinterop cannot link yet.
pub fn target_of(rid: Rid) -> Result<Target> {
    let format = match rid.platform() {
        crate::rid::Platform::Unix => Format::Elf,
        crate::rid::Platform::Windows => Format::Coff,
        crate::rid::Platform::Apple => Format::MachO,
    };
    let arch = match rid.arch {
        RidArch::X64 => Arch::X86_64,
        RidArch::Arm64 => Arch::Aarch64,
        RidArch::X86 => Arch::X86,
        RidArch::Arm => Arch::Arm,
        other => {
            return Err(Error::new(
                codes::RID_NOT_LINKABLE,
                format!("aotinterop cannot link for {rid} ({other:?} images are not supported yet)"),
            ))
        }
    };
    let libc = match rid.os {
        Os::Linux | Os::FreeBsd if format == Format::Elf => Libc::Gnu,
        Os::LinuxMusl => Libc::Musl,
        Os::LinuxBionic => Libc::Bionic,
        _ => Libc::Other,
    };
    Ok(Target { format, arch, libc })
}

/// The file name of the stub object.
pub fn stub_object_name(target: &Target) -> &'static str {
    match target.format {
        Format::Coff => "aotinterop-stubs.obj",
        _ => "aotinterop-stubs.o",
    }
}

fn charset(c: Charset) -> StubCharset {
    match c {
        Charset::None => StubCharset::None,
        Charset::Ansi => StubCharset::Ansi,
        Charset::Unicode => StubCharset::Unicode,
        Charset::Auto => StubCharset::Auto,
    }
}

/// Builds the link inputs of a planned publish.
pub fn prepare(loaded: &LoadedRequest, plan: &Plan) -> Result<Prepared> {
    let req = &loaded.request;
    let target = target_of(loaded.rid)?;
    let kind = link_kind(req.native_lib);
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
    if let Some(l) = &req.linker {
        job.sysroot = l.sysroot.as_deref().map(abs);
    }
    let lazy = plan.counts.lazy > 0;
    if lazy || req.native_lib == OutputKind::Static {
        let rt = runtime::find_runtime(&target, req.runtime_dir.as_deref())?;
        job.runtime_inputs.push(rt.archive);
        for lib in rt.system_libs {
            if !job.system_libs.contains(&lib) {
                job.system_libs.push(lib);
            }
        }
    }
    // Direct imports that a NativeLibrary archive defines are static calls (on Windows their
    // stubs must not go through the import address table).
    let statically_defined = if target.format == Format::Coff {
        aotinterop_linker::preflight::statically_defined(&job)
    } else {
        Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    let mut stubs = Vec::new();
    let mut direct = Vec::new();
    for imp in &plan.imports {
        if !seen.insert(imp.call_symbol.as_str()) {
            continue;
        }
        let binding = match imp.binding {
            Binding::Direct => StubBinding::Direct,
            Binding::Lazy => StubBinding::Lazy,
        };
        if imp.binding == Binding::Direct && imp.module != "__Internal" && imp.module != "*" {
            direct.push(DirectImport {
                module: imp.module.clone(),
                symbol: imp.symbol().to_string(),
            });
        }
        stubs.push(StubImport {
            call_symbol: imp.call_symbol.clone(),
            module: imp.module.clone(),
            entry: imp.entry.clone(),
            symbol: imp.symbol().to_string(),
            binding,
            charset: charset(imp.charset),
            exact_spelling: imp.exact_spelling,
            set_last_error: imp.set_last_error,
            search_path: imp.search_path.map(|s| s.0),
            allow_current_directory: false,
            static_symbol: imp.binding == Binding::Direct && statically_defined.contains(imp.symbol()),
        });
    }
    let exports = plan
        .exports
        .symbols
        .iter()
        .filter(|e| e.exported)
        .map(|e| e.name.clone())
        .collect();
    Ok(Prepared {
        target,
        kind,
        job,
        direct,
        stubs,
        exports,
    })
}

/// The plan as the verify step reads it.
pub fn plan_view(plan: &Plan) -> Result<PlanView> {
    let text = serde_json::to_string(plan)
        .map_err(|e| Error::new(codes::REQUEST_INVALID, format!("cannot write the plan: {e}")))?;
    PlanView::parse(&text, std::path::Path::new("<plan>")).map_err(|d| Error::from(from_linker(d)))
}
