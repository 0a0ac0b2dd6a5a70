//! The resolver's own GNU-hash lookup against its oracle, glibc's `dlsym`: for every dynamic
//! symbol name of real system libraries (versioned names, IFUNCs, TLS, weak and protected
//! symbols, names their dependencies define), a lookup that answers must answer what `dlsym`
//! answers; one that does not leaves the name to `dlsym`.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use aotinterop_runtime::resolver::gnu_hash::lookup;
use object::{Object, ObjectSymbol};
use std::ffi::{c_void, CStr, CString};

/// The loaded file of `handle` (`struct link_map`'s `l_name`).
fn loaded_path(handle: *mut c_void) -> String {
    let mut map: *const libc::c_void = std::ptr::null();
    // SAFETY: a dlopen handle; RTLD_DI_LINKMAP writes a link_map pointer.
    assert_eq!(
        unsafe {
            libc::dlinfo(
                handle,
                libc::RTLD_DI_LINKMAP,
                (&mut map as *mut *const c_void).cast(),
            )
        },
        0
    );
    // SAFETY: link_map's second field is its NUL-terminated file name.
    let name = unsafe { *(map as *const *const libc::c_char).add(1) };
    // SAFETY: see above.
    unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned()
}

/// Every dynamic symbol name of the ELF file at `path`.
fn dynamic_names(path: &str) -> Vec<String> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file = object::File::parse(&*data).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut names: Vec<String> = file
        .dynamic_symbols()
        .filter_map(|s| s.name().ok().filter(|n| !n.is_empty()).map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `dlsym`'s answer, 0 when it finds nothing.
fn oracle(handle: *mut c_void, name: &CStr) -> usize {
    // SAFETY: a live handle and a NUL-terminated name.
    unsafe { libc::dlsym(handle, name.as_ptr()) as usize }
}

/// Compares the lookup with `dlsym` for `names` in `handle`: (answered, asked).
fn compare(library: &str, handle: *mut c_void, names: &[String]) -> (usize, usize) {
    let mut answered = 0;
    for name in names {
        let c = CString::new(name.as_str()).unwrap();
        // SAFETY: a live glibc handle and a NUL-terminated name.
        if let Some(addr) = unsafe { lookup(handle, c.as_ptr()) } {
            answered += 1;
            assert_eq!(
                addr,
                oracle(handle, &c),
                "{library}: `{name}`: the lookup and dlsym differ"
            );
        }
    }
    (answered, names.len())
}

fn open(soname: &str) -> *mut c_void {
    let c = CString::new(soname).unwrap();
    // SAFETY: loads a system library, as any program may.
    let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
    assert!(!h.is_null(), "{soname} is not installed");
    h
}

#[test]
fn answers_what_dlsym_answers_for_every_name_of_system_libraries() {
    // libc: versioned names with several versions (memcpy@GLIBC_2.2.5 / @@GLIBC_2.14), IFUNCs,
    // TLS (errno), weak aliases. libstdc++: thousands of versioned C++ names. libm: IFUNCs
    // again. zlib: a library without versioned definitions of its own in older builds.
    let libc_names = dynamic_names(&loaded_path(open("libc.so.6")));
    for soname in [
        "libc.so.6",
        "libm.so.6",
        "libstdc++.so.6",
        "libgcc_s.so.1",
        "libz.so.1",
    ] {
        let h = open(soname);
        let own = dynamic_names(&loaded_path(h));
        let (answered, asked) = compare(soname, h, &own);
        // The lookup answers the plain global definitions (libc's and libm's are mostly weak
        // aliases and IFUNCs, left to dlsym); that it answers many shows the comparison above
        // compared something.
        eprintln!("{soname}: the lookup answered {answered} of {asked} names");
        assert!(
            answered >= 50,
            "{soname}: the lookup answered {answered} of {asked} names"
        );
        // The names its dependencies define (libc's, for all of these) and names nobody
        // defines: the lookup must leave them to dlsym or agree with it.
        compare(soname, h, &libc_names);
        compare(soname, h, &["aotinterop_no_such_name".into(), String::new()]);
    }
}

#[test]
fn pseudo_handles_are_left_to_dlsym() {
    for handle in [libc::RTLD_DEFAULT, libc::RTLD_NEXT] {
        // SAFETY: pseudo-handles are not dereferenced.
        assert_eq!(unsafe { lookup(handle, c"getpid".as_ptr()) }, None);
    }
}
