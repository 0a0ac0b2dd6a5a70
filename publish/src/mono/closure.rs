//! The assemblies compiled into a Mono image: the request's (the first is the published one,
//! whose `Main` runs) and every assembly they reference, found beside a listed one or in Mono's
//! framework folder. Each is read once, here; the scan, the plan and the compile step use what
//! this read.

use crate::scan::{self, AssemblyInterop};
use aotinterop_model::diag::{Error, Location, Result};
use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// Where an assembly of the closure comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Listed in the request.
    Listed,
    /// Referenced, and found beside a listed assembly.
    Beside,
    /// Referenced, and found in Mono's framework folder.
    Framework,
}

impl Origin {
    /// The origin's name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Listed => "listed",
            Origin::Beside => "beside a listed assembly",
            Origin::Framework => "Mono's framework",
        }
    }
}

/// One assembly of the closure.
pub struct Member {
    /// Its file.
    pub path: PathBuf,
    /// What its metadata declares.
    pub interop: AssemblyInterop,
    /// Its bytes, as read.
    pub bytes: Vec<u8>,
    /// Where it was found.
    pub origin: Origin,
}

/// Every assembly compiled into the image, the published one first, and the Mono that
/// compiles them.
pub struct Closure {
    /// In the order found: the listed ones, then their references breadth first.
    pub members: Vec<Member>,
    /// The Mono installation whose framework they were found in.
    pub mono: super::Mono,
}

/// A reference's file: beside a listed assembly (for the app's references), else in the framework
/// folder or its `Facades`.
fn locate(name: &str, app_dirs: &[PathBuf], framework: &Path, from: Origin) -> Option<(PathBuf, Origin)> {
    let beside = app_dirs
        .iter()
        .filter(|_| from != Origin::Framework)
        .flat_map(|d| [d.join(format!("{name}.dll")), d.join(format!("{name}.exe"))])
        .map(|p| (p, Origin::Beside));
    let framework = [framework.to_path_buf(), framework.join("Facades")]
        .into_iter()
        .map(|d| (d.join(format!("{name}.dll")), Origin::Framework));
    beside.chain(framework).find(|(p, _)| p.is_file())
}

/// A reference: the referring assembly's name and the name it refers to.
type Reference = (String, String);

/// The closure of `listed` over their AssemblyRef rows; `progress` is told how many assemblies
/// have been read.
pub fn closure(listed: &[PathBuf], mono: super::Mono, progress: &mut dyn FnMut(usize)) -> Result<Closure> {
    let framework = mono.framework.clone();
    let framework = framework.as_path();
    let app_dirs: Vec<PathBuf> = listed
        .iter()
        .map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default())
        .collect();
    // Each file with the reference that led to it (none for a listed one).
    let mut queue: VecDeque<(PathBuf, Origin, Option<Reference>)> =
        listed.iter().map(|p| (p.clone(), Origin::Listed, None)).collect();
    let mut seen = BTreeSet::new();
    let mut members = Vec::new();
    while let Some((path, origin, wanted)) = queue.pop_front() {
        let (interop, bytes) = scan::read_file_keeping_bytes(&path)?;
        // A file of the reference's name that holds another assembly: Mono would not load it
        // for that reference, and the image would stop at start.
        if let Some((by, name)) = wanted.filter(|(_, n)| !n.eq_ignore_ascii_case(&interop.name)) {
            return Err(super::err(format!(
                "assembly `{by}` references `{name}`, and this file of that name holds the assembly `{}`: Mono \
                 would not load it for `{name}` and the image would stop as it starts; put `{name}`'s own file here",
                interop.name
            ))
            .at(Location::file(&path)));
        }
        if !seen.insert(interop.name.to_ascii_lowercase()) {
            continue;
        }
        for r in &interop.references {
            if seen.contains(&r.to_ascii_lowercase()) {
                continue;
            }
            let (found, how) = locate(r, &app_dirs, framework, origin).ok_or_else(|| {
                // Something of that name beside the app that is no file: said, not passed over.
                let not_a_file = app_dirs
                    .iter()
                    .flat_map(|d| [d.join(format!("{r}.dll")), d.join(format!("{r}.exe"))])
                    .find(|p| std::fs::symlink_metadata(p).is_ok());
                let beside = match not_a_file {
                    Some(p) if std::fs::metadata(&p).is_err() => format!(
                        " ({} is there, but it is a link that leads nowhere, or a loop of links)",
                        aotinterop_model::diag::shown_path(&p, 300)
                    ),
                    Some(p) => format!(
                        " ({} is there, but it is not a regular file: a folder, a FIFO or a device)",
                        aotinterop_model::diag::shown_path(&p, 300)
                    ),
                    None => String::new(),
                };
                super::err(format!(
                    "assembly `{}` references `{r}`, found neither beside the app's assemblies{beside} nor in {}",
                    interop.name,
                    framework.display()
                ))
                .at(Location::file(&path))
            })?;
            queue.push_back((found, how, Some((interop.name.clone(), r.clone()))));
        }
        members.push(Member {
            path,
            interop,
            bytes,
            origin,
        });
        progress(members.len());
    }
    Ok(Closure { members, mono })
}

impl Closure {
    /// Drops the warnings about Mono's framework assemblies: they are not the user's to fix.
    pub fn drop_framework_warnings(&self, diagnostics: &mut Vec<aotinterop_model::Diagnostic>) {
        let framework: Vec<&Path> = self
            .members
            .iter()
            .filter(|m| m.origin == Origin::Framework)
            .map(|m| m.path.as_path())
            .collect();
        diagnostics.retain(|d| {
            !d.location
                .as_ref()
                .is_some_and(|l| framework.contains(&l.file.as_path()))
        });
    }

    /// The published assembly: the request's first.
    pub fn published(&self) -> Option<&Member> {
        self.members.first()
    }

    /// Refuses a published assembly without an entry point (an executable needs `Main`).
    pub fn require_entry_point(&self) -> Result<()> {
        match self.published() {
            Some(m) if !m.interop.has_entry_point => Err(Error::new(
                aotinterop_model::diag::codes::NO_ENTRY_POINT,
                format!(
                    "`{}` is the published assembly (the first of `assemblies`), but it has no entry point \
                     (`Main`): an executable needs one. List the app's .exe first",
                    m.interop.name
                ),
            )
            .at(Location::file(&m.path))),
            _ => Ok(()),
        }
    }
}
