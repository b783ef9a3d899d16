//! End-to-end tests of the `ember` binary (the `ember-cli` crate's one integration-test
//! binary): CLI golden files in `tests/golden/`, the LDBC suite through the CLI, SQL, bench and
//! peers. Data comes from the repository's `graphs/`.

mod cli;
mod distributed;
mod faults;

use std::path::PathBuf;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bundled test data.
pub fn data() -> PathBuf {
    repo().join("graphs")
}

/// Writes `content` to a new file named `name` in a fresh temporary folder.
pub fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    (dir, p)
}
