//! The resolver builds paths in a fixed 4096-byte buffer (no allocation on the first-call
//! path): names near and over that size either reach the loader whole, or fail that attempt
//! with a message naming the limit. Never a cut path passed to `dlopen`.

use aotinterop_runtime::abi::search_path::ASSEMBLY_DIRECTORY;
use aotinterop_runtime::resolver::{buf::PATH_SIZE, load_library, names::Platform, search::attempts};

#[test]
fn names_near_and_over_the_path_buffer_are_whole_or_refused() {
    let exe_dir = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    for len in (PATH_SIZE - 80..PATH_SIZE + 16).chain([1, 255, 256, 2 * PATH_SIZE]) {
        let name = "n".repeat(len);
        // The resolver's own image folder is this test program's.
        let want = attempts(&name, ASSEMBLY_DIRECTORY, 0, Some(&exe_dir), Platform::host());
        let tried = load_library(&name, ASSEMBLY_DIRECTORY, 0).expect_err("no such library");
        assert_eq!(tried.len(), want.len(), "len {len}: {tried:?}");
        for ((path, why), attempt) in tried.iter().zip(&want) {
            if attempt.path.len() < PATH_SIZE {
                assert_eq!(
                    path, &attempt.path,
                    "len {len}: the whole path reaches the loader"
                );
                assert!(!why.contains("path buffer"), "len {len}: {why}");
            } else {
                assert!(attempt.path.starts_with(path.as_str()), "len {len}");
                assert_eq!(
                    why, "not tried: the path is longer than the runtime's 4096-byte path buffer",
                    "len {len}"
                );
            }
        }
    }
}
