//! The `notebook` fuzz target's corpus and every crash it found, replayed: each file in
//! `fuzz/corpus/notebook/` and `fuzz/regressions/notebook/` goes through the function the
//! `cargo fuzz` target calls, which must return without panicking.

#[path = "../../fuzz/src/notebook.rs"]
mod target;

#[test]
fn notebook_fuzz_corpus_replays_cleanly() {
    let mut replayed = 0;
    for folder in ["corpus", "regressions"] {
        let dir = crate::repo().join("fuzz").join(folder).join("notebook");
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries {
            let path = e.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let r = std::panic::catch_unwind(|| target::notebook(&data));
            assert!(r.is_ok(), "{} panics", path.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 4, "only {replayed} notebook fuzz inputs found");
}
