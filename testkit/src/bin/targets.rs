//! Prints the rows of the target table whose images run on this machine (with `--all`: every
//! row), one per line: `RUST_TRIPLE CC RID [CODEGEN...]` (what `scripts/build-runtime` builds by
//! default, with the compiler that links for it, the RID `msbuild-task/pack` files it under, and
//! the runtime's rustc code-generation flags, if any), so that the scripts hold no second copy
//! of the table.

fn main() {
    let all = std::env::args().nth(1).as_deref() == Some("--all");
    for row in aotinterop_model::TARGETS.iter().filter(|r| all || r.runs_here()) {
        let mut line = vec![row.rust_triple, row.cc, row.rid];
        line.extend(row.runtime_codegen);
        println!("{}", line.join(" "));
    }
}
