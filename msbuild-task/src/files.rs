//! The files the MSBuild task keeps beside a build, written and removed here rather than by the
//! task's .NET code, which cannot tell a FIFO or a device from an empty file, nor a file from
//! another name of it (`bin//app`, a link), nor write through a temporary file portably: the
//! publish request (`write_request`), an old plan report (`remove_plan_report`) and a new one
//! (`write_plan_report`).

use aotinterop::PublishRequest;
use aotinterop_model::{codes, Error, Location, Result};
use std::io::Write;
use std::path::Path;

/// The most a file taken for a request or a plan report is read for.
const READ_LIMIT: u64 = 64 << 20;

/// Writes the request `text` to `path`, through a new file renamed over it, so that a build
/// reading it at the same time sees the old request or the new one, never a part. A file there
/// is replaced only when it is a request (or empty), and never when the request reads it.
/// Whether the file changed (not when it held this request already: the target that reads it
/// stays up to date).
pub(crate) fn write_request(text: &str, path: &Path) -> Result<bool> {
    if let Some(old) = existing(path)? {
        if old == text.as_bytes() {
            return Ok(false);
        }
        if !old.is_empty() && !is_json_object_with(&old, &["rid"], &["counts"]) {
            return Err(refused(
                path,
                "exists and is not a publish request, which the task would replace",
            ));
        }
    }
    let base = path.parent().unwrap_or(Path::new("."));
    // Read as a request of no file (its own file is not one of what it reads). One that cannot
    // be read (a bad RID) replaces only a request: an empty file may be one of its inputs.
    match PublishRequest::parse(text, Path::new("<request>"), base) {
        Ok(loaded) if aotinterop::pipeline::is_input(&loaded, path) => {
            return Err(refused(
                path,
                "is a file the request reads, which the task would replace",
            ))
        }
        Ok(_) => {}
        Err(_) if existing(path)?.is_some_and(|old| !is_json_object_with(&old, &["rid"], &["counts"])) => {
            return Err(refused(
                path,
                "exists and is not a publish request, which the task would replace",
            ))
        }
        Err(_) => {}
    }
    replace(path, text, ".aotinterop-request-")?;
    Ok(true)
}

/// Writes `text` to `path` through a new file in its folder renamed over it.
fn replace(path: &Path, text: &str, prefix: &str) -> Result<()> {
    let base = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(base).map_err(|e| cannot(path, "make the folder of", &e))?;
    let mut new = tempfile::Builder::new()
        .prefix(prefix)
        .tempfile_in(base)
        .map_err(|e| cannot(path, "write", &e))?;
    new.write_all(text.as_bytes())
        .map_err(|e| cannot(path, "write", &e))?;
    // The mode a file written in place would have: the old one's, else the umask's (a temporary
    // file is made 0600).
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_or_else(|_| 0o666 & !umask(), |m| m.permissions().mode() & 0o7777);
    let _ = new
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode));
    new.persist(path).map_err(|e| cannot(path, "write", &e.error))?;
    Ok(())
}

/// This process's umask, read where no other thread can see it change (`/proc/self/status`;
/// `umask(2)` can only be read by setting it); 022 when it cannot be read.
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Umask:"))?;
            u32::from_str_radix(line.trim_start_matches("Umask:").trim(), 8).ok()
        })
        .unwrap_or(0o022)
}

/// What the report steps are given: the request file of the build (whose inputs are never
/// removed or replaced) and, to write, the report's text.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportStep {
    request_file: std::path::PathBuf,
    #[serde(default)]
    report: Option<String>,
    /// The step's report: `plan` (also a publish's) or `inspect`.
    #[serde(default)]
    kind: ReportKind,
}

/// What a report is: a plan, or the `inspect` step's image report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum ReportKind {
    #[default]
    Plan,
    Inspect,
}

impl ReportKind {
    /// The kind of report `bytes` are, if any.
    fn of(bytes: &[u8]) -> Option<ReportKind> {
        if is_json_object_with(bytes, &["rid", "counts", "imports"], &[]) {
            Some(ReportKind::Plan)
        } else if is_json_object_with(bytes, &["format", "arch", "kind", "lazy"], &["rid"]) {
            Some(ReportKind::Inspect)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            ReportKind::Plan => "a plan report",
            ReportKind::Inspect => "an inspect report",
        }
    }
}

/// Why the file holding `old` is not the step's to replace or remove (`doing`): not a report of
/// the step's `kind` (an inspect step must not take the publish's own `IMAGE.plan.json`).
fn not_the_steps(old: &[u8], kind: ReportKind, doing: &str) -> Option<String> {
    match ReportKind::of(old) {
        Some(k) if k == kind => None,
        Some(k) => Some(format!(
            "is {}, not {}, which the step would {doing}",
            k.name(),
            kind.name()
        )),
        None => Some(format!("is not a plan report, which the step would {doing}")),
    }
}

/// The report step's argument `text` (a JSON object), and the error when the report at `path`
/// is a file the build's request reads.
fn report_step(text: &str, path: &Path) -> Result<ReportStep> {
    let step: ReportStep = serde_json::from_str(text).map_err(|e| {
        Error::new(
            codes::ABI_ARGUMENT,
            format!("the report step's argument is not {{\"request_file\", \"report\"}}: {e}"),
        )
    })?;
    let base = step.request_file.parent().unwrap_or(Path::new("."));
    let request = aotinterop_model::diag::read_bounded(&step.request_file, "publish request", READ_LIMIT)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let loaded = request.and_then(|r| PublishRequest::parse(&r, &step.request_file, base).ok());
    if loaded.is_some_and(|l| aotinterop::pipeline::is_input(&l, path)) {
        return Err(refused(
            path,
            "is a file the request reads, which the step would replace or remove",
        ));
    }
    Ok(step)
}

/// Writes the plan (or inspect) report `text` names to `path`, through a new file renamed over
/// it. A file there is replaced only when it is such a report (never the image, its debug file,
/// its markdown report, whatever name reaches them: `bin//app`, a link), and never when the
/// build's request reads it.
pub(crate) fn write_plan_report(text: &str, path: &Path) -> Result<()> {
    let step = report_step(text, path)?;
    if let Some(why) = existing(path)?.and_then(|old| not_the_steps(&old, step.kind, "replace")) {
        return Err(refused(path, &why));
    }
    let report = step.report.unwrap_or_default();
    replace(path, &report, ".aotinterop-report-")
}

/// Removes the plan report at `path` before a step writes a new one (an old one would make the
/// build look up to date after a failure); nothing when there is none. Anything but a report a
/// step writes there (a plan, or the `inspect` step's image report) — a request, an input, a
/// FIFO — is refused, never removed.
pub(crate) fn remove_plan_report(text: &str, path: &Path) -> Result<()> {
    let step = report_step(text, path)?;
    // Another build removing it at the same time is no failure: it is gone either way.
    let old = match existing(path) {
        Ok(Some(old)) => old,
        Ok(None) => return Ok(()),
        Err(_) if std::fs::symlink_metadata(path).is_err() => return Ok(()),
        Err(e) => return Err(e),
    };
    if let Some(why) = not_the_steps(&old, step.kind, "remove") {
        return Err(refused(path, &why));
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(cannot(path, "remove", &e)),
        _ => Ok(()),
    }
}

/// Whether a plan report can be written at `path`: nothing is there, or a regular file (its
/// kind is the write's to check); a folder, FIFO or device (`/dev/null` through a link) is
/// refused, before MSBuild takes it for an output newer than the inputs.
pub(crate) fn check_plan_report(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(refused(path, "is a folder")),
        Ok(m) if !m.is_file() => Err(refused(path, "is a FIFO, a device or a socket, not a file")),
        _ => Ok(()),
    }
}

/// The bytes of the regular file at `path`; `None` when nothing is there. A folder, FIFO or
/// device is refused without being opened.
fn existing(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(refused(path, "is a folder")),
        Ok(m) if !m.is_file() => Err(refused(path, "is a FIFO, a device or a socket, not a file")),
        Ok(_) => aotinterop_model::diag::read_bounded(path, "file", READ_LIMIT)
            .map(Some)
            .map_err(|e| {
                Error::new(codes::TASK_FILE, e.diagnostic().message.clone()).at(Location::file(path))
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(cannot(path, "read", &e)),
    }
}

/// Whether `bytes` are a JSON object with every key of `with` and none of `without`.
fn is_json_object_with(bytes: &[u8], with: &[&str], without: &[&str]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes)
        .is_ok_and(|o| with.iter().all(|k| o.contains_key(*k)) && !without.iter().any(|k| o.contains_key(*k)))
}

fn refused(path: &Path, why: &str) -> Error {
    Error::new(codes::TASK_FILE, format!("{why}: name another file")).at(Location::file(path))
}

fn cannot(path: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::new(
        codes::TASK_FILE,
        format!("cannot {what} it: {}", aotinterop_model::diag::io_words(e)),
    )
    .at(Location::file(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FIFO `fifo` in `dir`.
    fn fifo_in(dir: &Path) -> std::path::PathBuf {
        let fifo = dir.join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        fifo
    }

    /// A request is written whole, replaced only when it changed; a file that is no request, a
    /// FIFO, a folder or an input of the request is refused and left as it was.
    #[test]
    fn a_request_replaces_only_a_request() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let request = d.join("obj/request.json");
        let text = "{\"rid\": \"linux-x64\", \"assemblies\": [\"App.dll\"]}\n";
        assert!(write_request(text, &request).unwrap());
        assert!(!write_request(text, &request).unwrap());
        assert_eq!(std::fs::read_to_string(&request).unwrap(), text);
        std::fs::write(d.join("App.proj"), "<Project />").unwrap();
        let e = write_request(text, &d.join("App.proj")).unwrap_err();
        assert!(e.message.contains("not a publish request"), "{e}");
        assert_eq!(
            std::fs::read_to_string(d.join("App.proj")).unwrap(),
            "<Project />"
        );
        std::fs::write(d.join("App.dll"), "{\"rid\": \"linux-x64\"}").unwrap();
        let named = format!(
            "{{\"rid\": \"linux-x64\", \"assemblies\": [{:?}]}}",
            d.join("App.dll")
        );
        let e = write_request(&named, &d.join("App.dll")).unwrap_err();
        assert!(e.message.contains("the request reads"), "{e}");
        let fifo = fifo_in(d);
        let e = write_request(text, &fifo).unwrap_err();
        assert!(e.message.contains("FIFO"), "{e}");
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }

    /// The report steps' argument for the request `request`, with `report` to write.
    fn step(request: &Path, report: Option<&str>) -> String {
        serde_json::json!({"request_file": request, "report": report}).to_string()
    }

    /// Only a plan report is removed: a request, a FIFO, a folder and a report the request
    /// reads (a DirectPInvokeList) stay.
    #[test]
    fn only_a_plan_report_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let none = step(&d.join("none.json"), None);
        let report = d.join("app.plan.json");
        std::fs::write(&report, r#"{"rid": "linux-x64", "counts": {}, "imports": []}"#).unwrap();
        remove_plan_report(&none, &report).unwrap();
        assert!(!report.exists());
        remove_plan_report(&none, &report).unwrap();
        let request = d.join("request.json");
        std::fs::write(&request, "{\"rid\": \"linux-x64\", \"output\": \"app\"}").unwrap();
        assert!(remove_plan_report(&none, &request).is_err());
        assert!(request.exists());
        let fifo = fifo_in(d);
        assert!(remove_plan_report(&none, &fifo).is_err());
        assert!(remove_plan_report(&none, d).is_err());
        assert!(fifo.exists());
        let plan = r#"{"rid": "linux-x64", "counts": {}, "imports": []}"#;
        std::fs::write(&report, plan).unwrap();
        std::fs::write(
            &request,
            serde_json::json!({"rid": "linux-x64", "output": "app", "direct_pinvoke_list": ["app.plan.json"]}).to_string(),
        )
        .unwrap();
        let e = remove_plan_report(&step(&request, None), &report).unwrap_err();
        assert!(e.message.contains("the request reads"), "{e}");
        assert_eq!(std::fs::read_to_string(&report).unwrap(), plan);
    }

    /// A report is written over a report only, whatever name reaches the file (`bin//app`, a
    /// link): the image, its markdown report and a file the request reads stay as they were.
    #[test]
    fn a_report_replaces_only_a_report() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("bin")).unwrap();
        std::fs::write(d.join("bin/app"), b"\x7fELF image").unwrap();
        std::os::unix::fs::symlink(d.join("bin"), d.join("binlink")).unwrap();
        let request = d.join("request.json");
        std::fs::write(&request, r#"{"rid": "linux-x64", "output": "bin/app"}"#).unwrap();
        let plan = r#"{"rid": "linux-x64", "counts": {}, "imports": []}"#;
        for name in ["bin//app", "binlink/app"] {
            let e = write_plan_report(&step(&request, Some(plan)), &d.join(name)).unwrap_err();
            assert!(e.message.contains("not a plan report"), "{name}: {e}");
            assert_eq!(std::fs::read(d.join("bin/app")).unwrap(), b"\x7fELF image");
        }
        // Over itself by another name: written whole, not cut to nothing.
        std::fs::write(d.join("bin/app.plan.json"), plan).unwrap();
        write_plan_report(&step(&request, Some(plan)), &d.join("bin//app.plan.json")).unwrap();
        assert_eq!(
            std::fs::read_to_string(d.join("bin/app.plan.json")).unwrap(),
            plan
        );
        write_plan_report(&step(&request, Some(plan)), &d.join("new/report.json")).unwrap();
        assert_eq!(std::fs::read_to_string(d.join("new/report.json")).unwrap(), plan);
    }

    /// An inspect step's report never takes the place of a plan report (the image's own
    /// `IMAGE.plan.json`), nor is one removed for it; a report another build removed at the same
    /// time is no failure; what is written has the mode a file written in place would have.
    #[test]
    fn reports_of_one_kind_never_take_the_place_of_the_other() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let request = d.join("request.json");
        let plan = r#"{"rid": "linux-x64", "counts": {}, "imports": []}"#;
        let report = d.join("app.plan.json");
        std::fs::write(&report, plan).unwrap();
        let inspect = |text: Option<&str>| {
            serde_json::json!({"request_file": request, "report": text, "kind": "inspect"}).to_string()
        };
        let image = r#"{"format": "elf", "arch": "x86_64", "kind": "executable", "lazy": []}"#;
        let e = write_plan_report(&inspect(Some(image)), &report).unwrap_err();
        assert!(
            e.message.contains("is a plan report, not an inspect report"),
            "{e}"
        );
        assert!(remove_plan_report(&inspect(None), &report).is_err());
        assert_eq!(std::fs::read_to_string(&report).unwrap(), plan);
        write_plan_report(&inspect(Some(image)), &d.join("app.inspect.json")).unwrap();
        let mode = std::fs::metadata(d.join("app.inspect.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o666 & !umask(), "{mode:o}");
        remove_plan_report(&inspect(None), &d.join("gone.json")).unwrap();
    }

    /// A request that cannot be read (a bad RID) is written over a request only: an empty file
    /// there may be one of its inputs.
    #[test]
    fn an_unreadable_request_replaces_only_a_request() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let empty = d.join("empty.txt");
        std::fs::write(&empty, "").unwrap();
        let text = r#"{"rid": "bogus-x64", "direct_pinvoke_list": ["empty.txt"]}"#;
        let e = write_request(text, &empty).unwrap_err();
        assert!(e.message.contains("not a publish request"), "{e}");
        assert_eq!(std::fs::read(&empty).unwrap(), b"");
    }
}
