//! The NativeLibrary name rule gives one answer whichever way a request comes in: `aotinterop
//! plan` on the command line, the library's `plan_request`, and the MSBuild task's C ABI. The
//! cases are the ones where the answers used to differ: a Windows `.obj` on an Apple RID, and a
//! DLL with the MinGW flavour spelled `mingw-gcc`.

use std::path::Path;
use std::process::Command;

struct Case {
    rid: &'static str,
    lib: &'static str,
    flavor: Option<&'static str>,
    refused: bool,
}

const CASES: &[Case] = &[
    Case {
        rid: "osx-arm64",
        lib: "shim.obj",
        flavor: None,
        refused: true,
    },
    Case {
        rid: "linux-x64",
        lib: "shim.obj",
        flavor: None,
        refused: true,
    },
    Case {
        rid: "win-x64",
        lib: "shim.obj",
        flavor: None,
        refused: false,
    },
    Case {
        rid: "win-x64",
        lib: "vendor.dll",
        flavor: Some("mingw-gcc"),
        refused: false,
    },
    Case {
        rid: "win-x64",
        lib: "vendor.dll",
        flavor: Some("lld-link"),
        refused: true,
    },
    Case {
        rid: "osx-arm64",
        lib: "libz.tbd",
        flavor: None,
        refused: false,
    },
    Case {
        rid: "linux-x64",
        lib: "libz.dylib",
        flavor: None,
        refused: true,
    },
];

fn request(dir: &Path, case: &Case) -> String {
    std::fs::write(dir.join(case.lib), b"").unwrap();
    let linker = case
        .flavor
        .map(|f| format!(r#", "linker": {{"flavor": "{f}"}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"rid": "{}", "native_library": ["{}"], "windows_api_list": false,
            "imports": [{{"module": "libc", "entry": "getpid"}}]{linker}}}"#,
        case.rid, case.lib
    )
}

#[test]
fn cli_library_and_msbuild_agree() {
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let json = request(dir.path(), case);
        let file = dir.path().join("request.json");
        std::fs::write(&file, &json).unwrap();
        let what = format!("{} {} {:?}", case.rid, case.lib, case.flavor);

        let cli = Command::new(env!("CARGO_BIN_EXE_aotinterop"))
            .args(["plan", "request.json"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let cli_err = String::from_utf8_lossy(&cli.stderr).into_owned();
        assert_eq!(!cli.status.success(), case.refused, "cli, {what}: {cli_err}");
        assert_eq!(
            cli_err.contains("error AOTI0522"),
            case.refused,
            "cli, {what}: {cli_err}"
        );

        let loaded = aotinterop::PublishRequest::load(&file).unwrap();
        let lib = aotinterop::plan_request(&loaded);
        assert_eq!(
            lib.as_ref().err().map(|e| e.code()),
            case.refused.then_some("AOTI0522"),
            "library, {what}"
        );

        let response = aotinterop_msbuild::run("plan", &json, Some(&file));
        assert_eq!(
            !response.ok, case.refused,
            "msbuild, {what}: {:?}",
            response.diagnostics
        );
        if case.refused {
            assert_eq!(response.diagnostics[0].code, "AOTI0522", "msbuild, {what}");
            assert_eq!(
                response.diagnostics[0].message,
                lib.unwrap_err().message,
                "{what}"
            );
        }
    }
}
