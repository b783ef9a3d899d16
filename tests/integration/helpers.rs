//! Paths and small utilities shared by the tests.

use std::path::PathBuf;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bundled test data: `graphs/` in the repository (provenance in `graphs/README.md`).
pub fn data() -> PathBuf {
    repo().join("graphs")
}

/// An optional larger data folder (`$EMBER_SHARED`, the team's `../shared`), for the few
/// checks on graphs too large to bundle; `None` when it is not set.
pub fn shared() -> Option<PathBuf> {
    std::env::var_os("EMBER_SHARED").map(PathBuf::from).filter(|p| p.join("graphs").is_dir())
}

/// Writes `content` to a new file named `name` in a fresh temporary folder.
pub fn temp_file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    (dir, p)
}

/// Gzip-compresses bytes.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// A small graph as Arrow tables: vertices `id` 0..n with `w` = 10 * id, edges `src`, `dst` and
/// `eid` (the edge's position), all Int64; edges may name ids outside 0..n.
pub fn small_graph(
    n: i64,
    edges: &[(i64, i64)],
) -> (ember::datafusion::arrow::array::RecordBatch, ember::datafusion::arrow::array::RecordBatch) {
    use ember::datafusion::arrow::array::{Int64Array, RecordBatch};
    use ember::datafusion::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let int = |name: &str| Field::new(name, DataType::Int64, false);
    let v = RecordBatch::try_new(
        Arc::new(Schema::new(vec![int("id"), int("w")])),
        vec![
            Arc::new(Int64Array::from_iter_values(0..n)),
            Arc::new(Int64Array::from_iter_values((0..n).map(|i| i * 10))),
        ],
    )
    .unwrap();
    let e = RecordBatch::try_new(
        Arc::new(Schema::new(vec![int("src"), int("dst"), int("eid")])),
        vec![
            Arc::new(Int64Array::from_iter_values(edges.iter().map(|e| e.0))),
            Arc::new(Int64Array::from_iter_values(edges.iter().map(|e| e.1))),
            Arc::new(Int64Array::from_iter_values(0..edges.len() as i64)),
        ],
    )
    .unwrap();
    (v, e)
}
