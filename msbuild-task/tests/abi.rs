//! The C ABI, called through its `extern "C"` functions as the task calls them.

use aotinterop_model::codes;
use aotinterop_msbuild::{aotinterop_free, aotinterop_run, aotinterop_version, VERSION};
use serde_json::Value;
use std::ffi::{c_char, CStr, CString};
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples/plan-basics")
        .join(name)
}

/// Calls `aotinterop_run` with raw (possibly null or non-UTF-8) arguments and parses the answer.
fn call_raw(step: Option<&[u8]>, json: Option<&[u8]>, origin: Option<&[u8]>) -> Value {
    let c = |b: Option<&[u8]>| b.map(|b| CString::new(b).unwrap());
    let (s, j, o) = (c(step), c(json), c(origin));
    let p = |x: &Option<CString>| x.as_ref().map_or(std::ptr::null(), |x| x.as_ptr());
    // SAFETY: each argument is null or a live NUL-terminated string.
    let out = unsafe { aotinterop_run(p(&s), p(&j), p(&o)) };
    assert!(!out.is_null());
    // SAFETY: the ABI returns a NUL-terminated UTF-8 string, freed below.
    let text = unsafe { CStr::from_ptr(out) }
        .to_str()
        .expect("response is UTF-8")
        .to_string();
    // SAFETY: returned by aotinterop_run, freed once.
    unsafe { aotinterop_free(out) };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("response is not JSON ({e}): {text}"))
}

fn call(step: &str, json: &str, origin: Option<&Path>) -> Value {
    let origin = origin.map(|o| o.to_str().unwrap().as_bytes().to_vec());
    call_raw(Some(step.as_bytes()), Some(json.as_bytes()), origin.as_deref())
}

fn codes_of(v: &Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn plan_step_answers_what_the_library_plans() {
    for rid in ["linux-x64", "win-x64"] {
        let path = sample(&format!("request.{rid}.json"));
        let text = std::fs::read_to_string(&path).unwrap();
        let v = call("plan", &text, Some(&path));
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["step"], "plan");
        assert_eq!(v["version"], VERSION);
        let expected = aotinterop::plan_request(&aotinterop::PublishRequest::load(&path).unwrap()).unwrap();
        assert_eq!(v["result"], serde_json::to_value(&expected).unwrap());
        assert_eq!(v["summary"]["direct"], expected.counts.direct);
        assert_eq!(v["summary"]["lazy"], expected.counts.lazy);
        assert_eq!(v["summary"]["imports"], expected.counts.imports);
        assert_eq!(
            v["diagnostics"],
            serde_json::to_value(&expected.diagnostics).unwrap()
        );
        let image = if rid == "win-x64" {
            "plan-basics.exe"
        } else {
            "plan-basics"
        };
        assert!(v["summary"]["output"].as_str().unwrap().ends_with(image), "{v}");
    }
}

#[test]
fn result_text_is_the_plan_as_the_command_line_prints_it() {
    let path = sample("request.linux-x64.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let c = |s: &str| CString::new(s).unwrap();
    let (s, j, o) = (c("plan"), c(&text), c(path.to_str().unwrap()));
    // SAFETY: live NUL-terminated strings.
    let out = unsafe { aotinterop_run(s.as_ptr(), j.as_ptr(), o.as_ptr()) };
    // SAFETY: as above.
    let response = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
    unsafe { aotinterop_free(out) };
    let plan = aotinterop::plan_request(&aotinterop::PublishRequest::load(&path).unwrap()).unwrap();
    let cli_text = serde_json::to_string_pretty(&plan).unwrap();
    assert!(response.contains(&cli_text), "the result is embedded verbatim");
}

#[test]
fn relative_paths_resolve_against_the_origin_and_errors_point_into_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("list.txt"), "libc\n").unwrap();
    let req = "{\n  \"rid\": \"linux-x64\",\n  \"direct_pinvoke_list\": [\"list.txt\"],\n  \
               \"imports\": [{\"module\": \"libc\", \"entry\": \"getpid\"}]\n}";
    let origin = dir.path().join("request.json");
    let v = call("plan", req, Some(&origin));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["result"]["imports"][0]["binding"], "direct");

    // An item that can never match: accepted, as native AOT accepts it, with a located warning.
    let never = "{\n  \"rid\": \"linux-x64\",\n  \"direct_pinvoke\": [\"!getpid\"]\n}";
    let v = call("plan", never, Some(&origin));
    assert_eq!(v["ok"], true, "{v}");
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "AOTI1006");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["location"]["file"], origin.to_str().unwrap());
    assert_eq!(
        (d["location"]["line"].as_u64(), d["location"]["column"].as_u64()),
        (Some(3), Some(22))
    );

    // Without an origin: errors name `<request>`.
    let v = call("plan", never, None);
    assert_eq!(v["diagnostics"][0]["location"]["file"], "<request>");
}

#[test]
fn bad_requests_are_error_results() {
    let cases: &[(&str, &str)] = &[
        ("", "AOTI0003"),
        ("{\"rid\": \"linux-x64\", \"direct_pinvoke\": [", "AOTI0003"),
        ("{\"rid\": \"linux-x64\", \"directpinvoke\": []}", "AOTI0004"),
        ("{\"rid\": \"linux-x65\"}", "AOTI0006"),
        (
            "{\"rid\": \"linux-x64\", \"direct_pinvoke_list\": [\"/nonexistent/list.txt\"]}",
            "AOTI0001",
        ),
        (
            "{\"rid\": \"linux-x64\", \"native_library\": [\"z.lib\"]}",
            codes::NATIVE_LIBRARY_WRONG_KIND,
        ),
        (
            "{\"rid\": \"win-x64\", \"native_library\": [\"libz.so\"]}",
            codes::NATIVE_LIBRARY_WRONG_KIND,
        ),
        (
            "{\"rid\": \"win-x64\", \"native_library\": [\"z.dll\"], \"linker\": {\"flavor\": \"lld-link\"}}",
            codes::NATIVE_LIBRARY_WRONG_KIND,
        ),
    ];
    for (json, code) in cases {
        let v = call("plan", json, None);
        assert_eq!(v["ok"], false, "{json}: {v}");
        assert_eq!(codes_of(&v), [code.to_string()], "{json}");
    }
    // An empty origin is none: errors name `<request>`, not an empty file.
    let v = call("plan", "{\"rid\": \"linux-x65\"}", Some(Path::new("")));
    assert_eq!(v["diagnostics"][0]["location"]["file"], "<request>", "{v}");
    // MinGW links DLLs directly.
    let v = call(
        "plan",
        "{\"rid\": \"win-x64\", \"native_library\": [\"z.dll\"], \"linker\": {\"flavor\": \"mingw\"}}",
        None,
    );
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn publish_and_inspect_fail_with_the_library_errors_and_unknown_steps_are_refused() {
    // Nothing to link and no output: each step fails with its own error, not a placeholder.
    let req = "{\"rid\": \"linux-x64\"}";
    for step in ["publish", "inspect"] {
        let v = call(step, req, None);
        assert_eq!(v["ok"], false, "{v}");
        assert_eq!(v["step"], step);
        assert_eq!(v["result"], Value::Null);
        let c = codes_of(&v);
        assert!(!c.is_empty(), "{v}");
        assert!(!c.contains(&codes::INTERNAL.to_string()), "{v}");
    }
    // inspect of an image that is not there points at it.
    let v = call(
        "inspect",
        "{\"rid\": \"linux-x64\", \"output\": \"/nonexistent/app\"}",
        None,
    );
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["diagnostics"][0]["location"]["file"], "/nonexistent/app", "{v}");

    let v = call("link", req, None);
    assert_eq!(codes_of(&v), [codes::STEP_UNKNOWN]);
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("plan, publish, inspect"));
}

#[test]
fn publish_then_inspect_the_hello_sample() {
    let repo = aotinterop_samples::repo_root();
    if std::env::var_os("AOTINTEROP_RUNTIME_DIR").is_none() {
        std::env::set_var("AOTINTEROP_RUNTIME_DIR", repo.join("target/aotinterop-runtime"));
    }
    let tc = aotinterop_samples::Toolchain::for_rid("linux-x64", &repo).unwrap();
    let opts = aotinterop_samples::recipes::Options::BUILD_ONLY;
    aotinterop_samples::recipes::build("hello", &tc, opts).unwrap();

    // The sample's request, publishing into a fresh folder.
    let origin = repo.join("samples/hello/request.linux-x64.json");
    let out = tempfile::tempdir().unwrap();
    let image = out.path().join("hello");
    let mut req: Value = serde_json::from_str(&std::fs::read_to_string(&origin).unwrap()).unwrap();
    req["output"] = image.to_str().unwrap().into();
    let req = req.to_string();

    let v = call("publish", &req, Some(&origin));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["summary"]["output"], image.to_str().unwrap());
    assert_eq!(v["result"]["output"], image.to_str().unwrap());
    let report = v["result"]["reports"]["json"].as_str().unwrap();
    assert_eq!(Path::new(report), out.path().join("hello.plan.json"));
    assert!(Path::new(report).is_file() && image.is_file());
    // Hello.cs declares 7 P/Invokes, libc's 2 direct; mscorlib's are planned too, and the summary
    // counts them all.
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let imports = plan["imports"].as_array().unwrap();
    let hello: Vec<&Value> = imports.iter().filter(|i| i["assembly"] == "Hello").collect();
    let direct = |v: &[&Value]| v.iter().filter(|i| i["binding"] == "direct").count();
    assert_eq!((hello.len(), direct(&hello)), (7, 2), "{hello:?}");
    let all: Vec<&Value> = imports.iter().collect();
    assert_eq!(
        (
            &v["summary"]["imports"],
            &v["summary"]["direct"],
            &v["summary"]["lazy"]
        ),
        (
            &Value::from(all.len()),
            &Value::from(direct(&all)),
            &Value::from(all.len() - direct(&all))
        )
    );
    // One stub record per lazy call symbol.
    let lazy_stubs: std::collections::BTreeSet<&str> = imports
        .iter()
        .filter(|i| i["binding"] == "lazy")
        .map(|i| i["call_symbol"].as_str().unwrap())
        .collect();
    let steps: Vec<&str> = v["result"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    // linux-x64's hello is C# compiled by Mono's AOT compiler: the `compile` step runs too.
    assert_eq!(
        steps,
        [
            "scan",
            "plan",
            "preflight",
            "compile",
            "emit",
            "link",
            "verify",
            "commit"
        ]
    );

    let v = call("inspect", &req, Some(&origin));
    assert_eq!(v["ok"], true, "{v}");
    // The summary counts what the image binds: every symbol bound at startup (the C library's
    // and the runtime's too), and the lazy imports of its stub records.
    assert_eq!(v["summary"]["lazy"], lazy_stubs.len());
    let startup: Vec<&str> = v["result"]["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(
        startup.contains(&"getpid") && startup.contains(&"write"),
        "{startup:?}"
    );
    assert_eq!(v["summary"]["direct"], startup.len());
    let lazy: Vec<&str> = v["result"]["lazy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["entry"].as_str().unwrap())
        .collect();
    assert!(lazy.contains(&"crc32"), "{lazy:?}");
}

#[test]
fn null_and_non_utf8_arguments_are_error_results() {
    let req: &[u8] = b"{\"rid\": \"linux-x64\"}";
    let v = call_raw(None, Some(req), None);
    assert_eq!(v["ok"], false);
    assert_eq!(codes_of(&v), [codes::ABI_ARGUMENT]);
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("`step`"));

    let v = call_raw(Some(b"plan"), None, None);
    assert_eq!(codes_of(&v), [codes::ABI_ARGUMENT]);
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("`request_json` of aotinterop_run is null"));

    let v = call_raw(Some(b"plan"), Some(b"{\"rid\": \"linux-\xff\"}"), None);
    assert_eq!(codes_of(&v), [codes::ABI_ARGUMENT]);
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not valid UTF-8 (byte 0xff at offset 15)"));

    let v = call_raw(Some(b"pl\xc3"), Some(b"\xfe"), Some(b"\xff"));
    assert_eq!(codes_of(&v), vec![codes::ABI_ARGUMENT; 3]);
}

#[test]
fn version_and_free_of_null() {
    // SAFETY: a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(aotinterop_version()) };
    assert_eq!(v.to_str().unwrap(), VERSION);
    // SAFETY: null is accepted.
    unsafe { aotinterop_free(std::ptr::null_mut::<c_char>()) };
}
