//! One plan of 100,000 imports against 10,000 list entries, for profilers
//! (`valgrind --tool=callgrind --toggle-collect='aotinterop::plan::plan*'`). RID from argv[1].
fn main() {
    use aotinterop::{Import, LoadedRequest, PublishRequest};
    let rid = std::env::args().nth(1).unwrap_or_else(|| "linux-x64".into());
    let dir = tempfile::tempdir().unwrap();
    let imports = 100_000;
    let mut req = PublishRequest::new(rid.clone());
    let mut list = String::new();
    for i in 0..10_000usize {
        let j = if i % 3 == 0 { i * 7 % imports } else { imports + i };
        list.push_str(&format!("lib{}!entry{j}\n", j % 500));
    }
    let path = dir.path().join("l.txt");
    std::fs::write(&path, list).unwrap();
    req.direct_pinvoke_list.push(path);
    req.direct_pinvoke = (0..50).map(|m| format!("lib{}", 450 + m)).collect();
    req.windows_api_list = aotinterop::request::WindowsApiList::Disabled;
    req.imports = (0..imports)
        .map(|i| {
            let mut imp = Import::new(
                format!(
                    "lib{}.{}",
                    i % 500,
                    if rid.starts_with("win") { "dll" } else { "so" }
                ),
                format!("entry{i}"),
            );
            imp.method = Some(format!("Bench.Native{}::Entry{i}", i % 500));
            imp
        })
        .collect();
    let loaded = LoadedRequest::from_request(req, "bench.json").unwrap();
    let surface = aotinterop::surface_of(&loaded).unwrap();
    let t = std::time::Instant::now();
    let plan = aotinterop::plan(&loaded, surface).unwrap();
    eprintln!(
        "{} direct of {}: {:?}",
        plan.counts.direct,
        plan.counts.imports,
        t.elapsed()
    );
}
