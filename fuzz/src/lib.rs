//! One function per fuzz target: each feeds arbitrary bytes to one of Ember's input parsers and
//! must return, with a result or an error, without panicking, aborting or hanging. The
//! `cargo fuzz` binaries in `fuzz_targets/` call these, and the workspace's integration tests
//! replay every file in `fuzz/corpus/TARGET/` and `fuzz/regressions/TARGET/` through them, so a
//! crash the fuzzer found stays fixed.
//!
//! Inputs go through a scratch file per thread (the loaders read paths, as users give them).

use std::path::PathBuf;

use ember::load::{Format, LoadSpec, load};

/// A scratch folder for this thread, created once.
fn scratch() -> PathBuf {
    thread_local! {
        static DIR: PathBuf = {
            let base = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
            let d = base.join(format!("ember-fuzz-{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], ""));
            // A scratch folder that cannot be made is a broken machine, not an input.
            std::fs::create_dir_all(&d).expect("scratch folder");
            d
        };
    }
    DIR.with(|d| d.clone())
}

fn file(name: &str, data: &[u8]) -> PathBuf {
    let p = scratch().join(name);
    // As above: writing the scratch file is the harness's business.
    std::fs::write(&p, data).expect("scratch file");
    p
}

fn load_as(name: &str, data: &[u8], format: Format) {
    let mut spec = LoadSpec::new(file(name, data));
    spec.format = Some(format);
    if let Ok(g) = load(&spec) {
        // A graph that loads is consistent.
        assert!(g.num_vertices() as u64 <= u32::MAX as u64);
        let _ = g.edges_batch();
    }
}

/// SNAP / LDBC `.e` edge lists (plain text; gzip when the bytes say so).
pub fn snap(data: &[u8]) {
    load_as("g.txt", data, Format::Snap);
}

/// Matrix Market coordinate files.
pub fn mtx(data: &[u8]) {
    load_as("g.mtx", data, Format::MatrixMarket);
}

/// DIMACS shortest-path `.gr` files.
pub fn dimacs(data: &[u8]) {
    load_as("g.gr", data, Format::Dimacs);
}

/// LDBC Graphalytics: the bytes up to the first NUL are the `.properties` file, the rest up to
/// the next NUL the vertex file and the remainder the edge file.
pub fn ldbc(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0);
    let props = parts.next().unwrap_or_default();
    let v = parts.next().unwrap_or(b"1\n2\n");
    let e = parts.next().unwrap_or(b"1 2\n");
    let dir = scratch().join("ldbc");
    let _ = std::fs::create_dir_all(&dir);
    for (name, bytes) in [("g.properties", props), ("g.v", v), ("g.e", e)] {
        std::fs::write(dir.join(name), bytes).expect("scratch file");
    }
    if let Ok(g) = ember::load::ldbc::LdbcGraph::open(&dir) {
        let _ = g.read(&Default::default());
    }
    let mut spec = LoadSpec::new(&dir);
    spec.format = Some(Format::Ldbc);
    let _ = load(&spec);
}

/// CSV edge tables with a header (through DataFusion).
pub fn csv(data: &[u8]) {
    load_as("e.csv", data, Format::Csv);
}

/// Parquet edge tables (through DataFusion). The loader contains panics of the parquet crate on
/// corrupt pages (`ember::contain`): its panic hook, installed over libFuzzer's, returns without
/// calling it for those, so they do not abort the run; any other panic reaches libFuzzer's hook
/// and is reported as a crash.
pub fn parquet(data: &[u8]) {
    load_as("e.parquet", data, Format::Parquet);
}

/// The SQL front end: parsing, planning, optimising and Ember's error mapping (positions, table
/// lists), across statements split as scripts are. Nothing runs: executing arbitrary queries
/// (a cross join of ranges, `CREATE TABLE AS`) is a question of resources, not of parsing.
pub fn sql(data: &[u8]) {
    use std::sync::OnceLock;
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let Ok(text) = std::str::from_utf8(data) else { return };
    // A runtime that cannot start is a broken machine, not an input.
    let rt = RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().expect("runtime"));
    rt.block_on(async {
        let s = ember::sql::Session::new();
        let t = ember::datafusion::arrow::array::RecordBatch::try_from_iter([(
            "id",
            std::sync::Arc::new(ember::datafusion::arrow::array::Int64Array::from(vec![1, 2])) as _,
        )])
        .expect("a fixed batch");
        let _ = s.register_batches("t", vec![t]);
        // Ember's guard runs first, as in every front end; its error renders too.
        if let Err(e) = ember::sql::guard::check(text) {
            let _ = e.to_string();
            return;
        }
        let state = s.context().state();
        match state.create_logical_plan(text).await {
            Ok(plan) => {
                let _ = state.optimize(&plan);
            }
            Err(e) => {
                // Every error maps and renders.
                let _ = s.sql_error(text, e).to_string();
            }
        }
    });
}
