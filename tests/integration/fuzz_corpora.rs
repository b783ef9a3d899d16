//! The fuzzers' corpora and every crash they found, replayed as ordinary tests: each file in
//! `fuzz/corpus/TARGET/` and `fuzz/regressions/TARGET/` goes through the same function the
//! `cargo fuzz` target calls, which must return without panicking.

#[path = "../../fuzz/src/lib.rs"]
mod targets;

use crate::helpers::repo;

/// A target's name and its function.
type Target = (&'static str, fn(&[u8]));

#[test]
fn fuzz_corpora_and_regressions_replay_cleanly() {
    let all: [Target; 7] = [
        ("snap", targets::snap),
        ("mtx", targets::mtx),
        ("dimacs", targets::dimacs),
        ("ldbc", targets::ldbc),
        ("csv", targets::csv),
        ("parquet", targets::parquet),
        ("sql", targets::sql),
    ];
    let mut replayed = 0;
    for (name, run) in all {
        for folder in ["corpus", "regressions"] {
            let dir = repo().join("fuzz").join(folder).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for e in entries {
                let path = e.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                let r = std::panic::catch_unwind(|| run(&data));
                assert!(r.is_ok(), "{name}: {} panics", path.display());
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 14, "only {replayed} fuzz inputs found");
}
