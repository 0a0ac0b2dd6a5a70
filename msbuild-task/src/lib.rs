//! The C ABI the aotinterop MSBuild task calls.
//!
//! Three functions, all taking and returning UTF-8, NUL-terminated strings:
//!
//! - [`aotinterop_run`]`(step, request_json, request_origin) -> char*`: runs one step (`plan`,
//!   `publish` or `inspect`) on a publish request (`docs/request.md`) and returns a JSON
//!   [`Response`]: `ok`, `step`, `version`, `result`, `summary` and `diagnostics`. Three more
//!   steps do the task's file work: `write_request` writes `request_json` to `request_origin`,
//!   `remove_plan_report` removes the plan report `request_origin` names,
//!   `write_plan_report` writes one there, and `check_plan_report` says whether one could be
//!   written there (nothing, or a regular file: not a FIFO, a device or a folder).
//! - [`aotinterop_free`]`(char*)`: frees what `aotinterop_run` returned.
//! - [`aotinterop_version`]`() -> const char*`: the library version, static, never freed.
//!
//! Nothing unwinds across the boundary: a panic becomes an error result, and null or non-UTF-8
//! arguments are error results too. `docs/msbuild.md` describes the ABI and the task.

mod files;
#[cfg(unix)]
mod signals;

use aotinterop::{LoadedRequest, PublishRequest};
use aotinterop_model::{codes, Diagnostic, Error, Location, Plan};
use serde::Serialize;
use serde_json::value::RawValue;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The library version, as [`aotinterop_version`] returns it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Version of the C ABI and of the [`Response`] shape; bumped on incompatible changes.
pub const ABI_VERSION: u32 = 1;

/// The steps the ABI knows: the pipeline's, in its order, then the task's file steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The plan of a request.
    Plan,
    /// A publish.
    Publish,
    /// What the request's output binds.
    Inspect,
    /// Writes the request to its file.
    WriteRequest,
    /// Removes the plan report a step is about to write.
    RemovePlanReport,
    /// Writes a step's plan report.
    WritePlanReport,
    /// Checks that the plan report's path is nothing or a regular file, before MSBuild's
    /// up-to-date check (a FIFO or `/dev/null` there made the step look up to date).
    CheckPlanReport,
}

impl Step {
    /// Every step.
    pub const ALL: [Step; 7] = [
        Step::Plan,
        Step::Publish,
        Step::Inspect,
        Step::WriteRequest,
        Step::RemovePlanReport,
        Step::WritePlanReport,
        Step::CheckPlanReport,
    ];

    /// The step's name in the ABI.
    pub fn name(self) -> &'static str {
        match self {
            Step::Plan => "plan",
            Step::Publish => "publish",
            Step::Inspect => "inspect",
            Step::WriteRequest => "write_request",
            Step::RemovePlanReport => "remove_plan_report",
            Step::WritePlanReport => "write_plan_report",
            Step::CheckPlanReport => "check_plan_report",
        }
    }

    /// The step named `name`.
    pub fn parse(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Counts and paths every step reports, so callers need not know each step's result shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The image the publish produces (or would produce).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    /// Imports planned.
    pub imports: usize,
    /// Imports bound directly at startup.
    pub direct: usize,
    /// Imports bound lazily on first call.
    pub lazy: usize,
}

/// What `aotinterop_run` returns, as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    /// Whether the step succeeded (no error diagnostics).
    pub ok: bool,
    /// The step that ran (as asked, even when unknown).
    pub step: String,
    /// The library version.
    pub version: &'static str,
    /// The ABI version ([`ABI_VERSION`]).
    pub abi: u32,
    /// The step's result, embedded verbatim (for `plan`, the text `aotinterop plan --format
    /// json` prints); null on failure.
    pub result: Option<Box<RawValue>>,
    /// Counts and paths from the result; null on failure.
    pub summary: Option<Summary>,
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Response {
    fn failure(step: &str, diagnostics: Vec<Diagnostic>) -> Self {
        Response {
            ok: false,
            step: step.to_string(),
            version: VERSION,
            abi: ABI_VERSION,
            result: None,
            summary: None,
            diagnostics,
        }
    }

    /// A successful response carrying `result` (serialized verbatim) and its summary.
    fn success<T: Serialize>(
        step: &str,
        what: &str,
        result: &T,
        summary: Summary,
        diagnostics: Vec<Diagnostic>,
    ) -> Self {
        match serde_json::to_string_pretty(result).and_then(RawValue::from_string) {
            Ok(result) => Response {
                ok: true,
                step: step.to_string(),
                version: VERSION,
                abi: ABI_VERSION,
                result: Some(result),
                summary: Some(summary),
                diagnostics,
            },
            Err(e) => Self::error(
                step,
                Error::new(codes::INTERNAL, format!("cannot write the {what}: {e}")),
            ),
        }
    }

    fn error(step: &str, err: Error) -> Self {
        Self::failure(step, vec![err.diagnostic().clone()])
    }

    /// The response as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            fallback_json(
                &self.step,
                codes::INTERNAL,
                &format!("cannot write the response: {e}"),
            )
        })
    }
}

/// A minimal error response built without serde, for when building the real one failed.
fn fallback_json(step: &str, code: &str, message: &str) -> String {
    let s = |t: &str| serde_json::to_string(t).unwrap_or_else(|_| "\"?\"".to_string());
    format!(
        "{{\"ok\": false, \"step\": {}, \"version\": {}, \"abi\": {ABI_VERSION}, \"result\": null, \
         \"summary\": null, \"diagnostics\": [{{\"severity\": \"error\", \"code\": {}, \"message\": {}}}]}}",
        s(step),
        s(VERSION),
        s(code),
        s(message)
    )
}

/// Runs `step` on the publish request `request_json`. `origin` is the request file: errors
/// point into it and relative paths resolve against its folder. Without it, errors name
/// `<request>` and relative paths resolve against the working directory.
pub fn run(step: &str, request_json: &str, origin: Option<&Path>) -> Response {
    let Some(known) = Step::parse(step) else {
        let names: Vec<&str> = Step::ALL.iter().map(|s| s.name()).collect();
        let err = Error::new(
            codes::STEP_UNKNOWN,
            format!(
                "unknown step `{}`; the steps are {}",
                aotinterop_model::diag::shown(step, 80),
                names.join(", ")
            ),
        );
        return Response::error(step, err);
    };
    if matches!(
        known,
        Step::WriteRequest | Step::RemovePlanReport | Step::WritePlanReport | Step::CheckPlanReport
    ) {
        return file_step(known, request_json, origin);
    }
    // An empty origin is none (errors would name an empty file).
    let (origin, base) = match origin.filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => (
            p.to_path_buf(),
            p.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        None => (PathBuf::from("<request>"), PathBuf::from(".")),
    };
    let loaded = match PublishRequest::parse(request_json, &origin, &base) {
        Ok(l) => l,
        Err(e) => return Response::error(step, e),
    };
    match known {
        Step::Plan => match aotinterop::plan_request(&loaded) {
            Ok(plan) => plan_response(step, &plan),
            Err(e) => Response::error(step, e),
        },
        Step::Publish => match publish_with_signal_cleanup(&loaded) {
            Ok(report) => publish_response(step, &report),
            Err(failure) => {
                let mut diagnostics = failure.diagnostics;
                diagnostics.push(failure.error.into_diagnostic());
                Response::failure(step, diagnostics)
            }
        },
        _ => inspect_response(step, &loaded),
    }
}

/// A file step of the task: on the file `origin` names.
fn file_step(step: Step, text: &str, origin: Option<&Path>) -> Response {
    let Some(path) = origin.filter(|p| !p.as_os_str().is_empty()) else {
        let err = Error::new(
            codes::ABI_ARGUMENT,
            format!("the `{}` step needs the file as request_origin", step.name()),
        );
        return Response::error(step.name(), err);
    };
    let done = match step {
        Step::WriteRequest => {
            files::write_request(text, path).map(|changed| serde_json::json!({ "changed": changed }))
        }
        Step::RemovePlanReport => files::remove_plan_report(text, path).map(|()| serde_json::json!({})),
        Step::CheckPlanReport => files::check_plan_report(path).map(|()| serde_json::json!({})),
        _ => files::write_plan_report(text, path).map(|()| serde_json::json!({})),
    };
    match done {
        Ok(result) => Response::success(step.name(), "result", &result, Summary::default(), Vec::new()),
        Err(e) => Response::error(step.name(), e),
    }
}

/// Publishes, removing what the publish staged if the build is interrupted by a signal.
fn publish_with_signal_cleanup(
    loaded: &LoadedRequest,
) -> Result<aotinterop::pipeline::PublishReport, aotinterop::pipeline::PublishFailure> {
    #[cfg(unix)]
    let _guard = signals::Guard::install();
    aotinterop::pipeline::publish(loaded, &mut |_| {}).map_err(|mut failure| {
        // A failure after a signal is the signal's doing (the programs the publish ran were
        // killed, its staging folder removed): said so, not as the step's own failure.
        if aotinterop::pipeline::interrupted() {
            failure.error = Error::new(
                codes::INTERRUPTED,
                format!(
                    "the publish was interrupted by a signal during {}: what it staged was removed and the \
                     previous output is unchanged",
                    failure.step.name()
                ),
            )
            .at(Location::file(&loaded.origin));
        }
        failure
    })
}

/// The `publish` step's response: the report (output, plan report files, steps) as `result`.
fn publish_response(step: &str, report: &aotinterop::pipeline::PublishReport) -> Response {
    let summary = Summary {
        output: Some(report.output.clone()),
        imports: report.plan.counts.imports,
        direct: report.plan.counts.direct,
        lazy: report.plan.counts.lazy,
    };
    Response::success(
        step,
        "publish report",
        report,
        summary,
        report.diagnostics.clone(),
    )
}

/// The `inspect` step: what the request's output image binds at startup, exports, and binds
/// lazily (as `aotinterop inspect --format json` prints it).
fn inspect_response(step: &str, loaded: &LoadedRequest) -> Response {
    let Some(output) = &loaded.request.output else {
        return Response::error(
            step,
            Error::new(
                codes::STEP_UNAVAILABLE,
                "the request names no `output` to inspect",
            )
            .at(Location::file(&loaded.origin)),
        );
    };
    let image = match aotinterop::inspect::inspect(output) {
        Ok(i) => i,
        Err(e) => return Response::error(step, e),
    };
    let summary = Summary {
        output: Some(output.clone()),
        imports: image.imports.len() + image.lazy.len(),
        direct: image.imports.len(),
        lazy: image.lazy.len(),
    };
    Response::success(step, "inspection", &image, summary, Vec::new())
}

fn plan_response(step: &str, plan: &Plan) -> Response {
    let summary = Summary {
        output: plan.output.clone(),
        imports: plan.counts.imports,
        direct: plan.counts.direct,
        lazy: plan.counts.lazy,
    };
    Response::success(step, "plan", plan, summary, plan.diagnostics.clone())
}

/// Reads a C string argument: `Err` (an error diagnostic) when null or not UTF-8.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string valid for the call.
unsafe fn arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Diagnostic> {
    if ptr.is_null() {
        return Err(Diagnostic::error(
            codes::ABI_ARGUMENT,
            format!("argument `{name}` of aotinterop_run is null"),
        ));
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        Diagnostic::error(
            codes::ABI_ARGUMENT,
            format!(
                "argument `{name}` of aotinterop_run is not valid UTF-8 (byte 0x{:02x} at offset {at})",
                bytes[at]
            ),
        )
    })
}

/// Runs `f`, turning a panic into an error response, and hands the JSON to C.
fn guarded(step: &str, f: impl FnOnce() -> Response) -> *mut c_char {
    let json = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(response) => response.to_json(),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".to_string());
            let d = Diagnostic::error(
                codes::INTERNAL,
                format!("aotinterop failed inside the `{step}` step: {what}; please report this"),
            );
            Response::failure(step, vec![d]).to_json()
        }
    };
    // serde_json escapes NUL inside strings, so the text has none; stay safe regardless.
    CString::new(json)
        .unwrap_or_else(|_| CString::from(c"{\"ok\": false, \"diagnostics\": []}"))
        .into_raw()
}

/// Runs a step on a publish request and returns the JSON [`Response`] as a UTF-8 string, which
/// the caller frees with [`aotinterop_free`]. Never returns null.
///
/// `step` is `plan`, `publish` or `inspect`; `request_json` a publish request; `request_origin`
/// the request's file path (may be null), used in error locations and to resolve relative paths.
///
/// # Safety
/// Each argument is null or a NUL-terminated string that stays valid during the call.
#[no_mangle]
pub unsafe extern "C" fn aotinterop_run(
    step: *const c_char,
    request_json: *const c_char,
    request_origin: *const c_char,
) -> *mut c_char {
    // SAFETY: forwarded from the caller's promise on `step`.
    let step_name = unsafe { arg(step, "step") }
        .map(str::to_string)
        .unwrap_or_default();
    let label = step_name.clone();
    guarded(&label, || {
        // SAFETY: forwarded from the caller's promise on each argument.
        let args = unsafe {
            (
                arg(step, "step"),
                arg(request_json, "request_json"),
                (!request_origin.is_null()).then(|| arg(request_origin, "request_origin")),
            )
        };
        let mut errors = Vec::new();
        let (step, json) = match args {
            (Ok(s), Ok(j), None | Some(Ok(_))) => (s, j),
            (s, j, o) => {
                errors.extend(s.err());
                errors.extend(j.err());
                errors.extend(o.and_then(Result::err));
                return Response::failure(&step_name, errors);
            }
        };
        let origin = args.2.and_then(Result::ok).map(Path::new);
        run(step, json, origin)
    })
}

/// Frees a string returned by [`aotinterop_run`]. Null is accepted and ignored.
///
/// # Safety
/// `ptr` is null or a pointer `aotinterop_run` returned, not freed before.
#[no_mangle]
pub unsafe extern "C" fn aotinterop_free(ptr: *mut c_char) {
    if !ptr.is_null() {
        // SAFETY: the caller passes back what `CString::into_raw` gave out, once.
        drop(unsafe { CString::from_raw(ptr) });
    }
}

/// The library version (`0.1.0`): a static NUL-terminated string, never freed.
#[no_mangle]
pub extern "C" fn aotinterop_version() -> *const c_char {
    static VERSION_C: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION_C.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_response() {
        let ptr = guarded("plan", || panic!("boom in test"));
        // SAFETY: `guarded` returns an owned C string.
        let text = unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_string();
        // SAFETY: returned by `guarded`, freed once.
        unsafe { aotinterop_free(ptr) };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["diagnostics"][0]["code"], codes::INTERNAL);
        assert!(v["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("boom in test"));
    }

    #[test]
    fn fallback_json_is_valid() {
        let v: serde_json::Value =
            serde_json::from_str(&fallback_json("pl\"an", "AOTI0804", "a \"quoted\"\nmessage")).unwrap();
        assert_eq!(v["step"], "pl\"an");
        assert_eq!(v["diagnostics"][0]["message"], "a \"quoted\"\nmessage");
    }
}
