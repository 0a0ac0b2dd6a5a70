//! Prints the rows of the target table whose images run on this machine, one per line:
//! `RUST_TRIPLE CC RID` (what `scripts/build-runtime` builds by default, with the compiler that
//! links for it, and the RID `msbuild-task/pack` files it under), so that the scripts hold no
//! second copy of the table.

fn main() {
    for row in aotinterop_model::TARGETS.iter().filter(|r| r.runs_here()) {
        println!("{} {} {}", row.rust_triple, row.cc, row.rid);
    }
}
