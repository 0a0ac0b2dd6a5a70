//! Prints the rows of the target table whose images run on this machine, one per line:
//! `RUST_TRIPLE CC RID [CODEGEN...]` (what `scripts/build-runtime` builds by default, with the
//! compiler that links for it, the RID `msbuild-task/pack` files it under, and the runtime's
//! rustc code-generation flags, if any), so that the scripts hold no second copy of the table.

fn main() {
    for row in aotinterop_model::TARGETS.iter().filter(|r| r.runs_here()) {
        let mut line = vec![row.rust_triple, row.cc, row.rid];
        line.extend(row.runtime_codegen);
        println!("{}", line.join(" "));
    }
}
