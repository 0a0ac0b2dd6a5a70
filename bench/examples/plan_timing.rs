//! One plan of 100,000 imports against 10,000 list entries, for profilers
//! (`valgrind --tool=callgrind --toggle-collect='aotinterop::plan::plan*'`). RID from argv[1].
fn main() {
    use aotinterop::{Import, LoadedRequest, PublishRequest};
    let rid = std::env::args().nth(1).unwrap_or_else(|| "linux-x64".into());
    let dir = tempfile::tempdir().unwrap();
    let imports = 100_000;
    let mut req = PublishRequest::new(rid.parse().unwrap());
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
    let faults = minor_faults();
    let t = std::time::Instant::now();
    let plan = aotinterop::plan(&loaded, surface).unwrap();
    let elapsed = t.elapsed();
    eprintln!(
        "{} direct of {}: {elapsed:?}, {} minor page faults, {} bytes per planned import",
        plan.counts.direct,
        plan.counts.imports,
        minor_faults() - faults,
        std::mem::size_of_val(&plan.imports[0]),
    );
}

/// Minor page faults of this process so far (`ru_minflt` from /proc/self/stat, field 10).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after_name
        .split_whitespace()
        .nth(7)
        .and_then(|f| f.parse().ok())
        .unwrap_or(0)
}
