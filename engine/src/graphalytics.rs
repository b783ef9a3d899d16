//! LDBC Graphalytics: run every algorithm a graph's `.properties` lists, through the registry
//! with the graph's parameters, write `G-ALG` outputs, and validate them against the expected
//! files with LDBC's rules:
//! exact for BFS and CDLP, equivalent partitions for WCC, relative error 1e-4 for PR, LCC and
//! SSSP. Unreachable vertices: BFS 9223372036854775807, SSSP `Infinity`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::arrow::util::display::array_value_to_string;

use crate::algo::spec::{AlgorithmSpec, RunOptions};
use crate::algo::{self, Common};
use crate::error::{Error, Result};
use crate::graph::{Graph, GraphOptions};
use crate::job::Algorithm;
use crate::load::ldbc::LdbcGraph;
use crate::load::text;
use crate::output::{sci, write_ldbc};

/// How LDBC compares an algorithm's output with the expected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Integers, equal.
    Exact,
    /// Labels that partition the vertices the same way.
    Partition,
    /// Numbers within relative error 1e-4 (`Infinity` equal).
    Relative,
}

/// An LDBC algorithm: its LDBC name (in `.properties` files and output names), the registry
/// entry that computes it, the LDBC properties that become its parameters, and the rule.
#[derive(Debug, Clone, Copy)]
pub struct LdbcAlgorithm {
    pub ldbc: &'static str,
    pub spec: &'static AlgorithmSpec,
    /// (LDBC property, registry parameter).
    pub params: &'static [(&'static str, &'static str)],
    pub rule: Rule,
}

/// LDBC Graphalytics' six algorithms.
pub static ALGORITHMS: &[LdbcAlgorithm] = &[
    LdbcAlgorithm { ldbc: "bfs", spec: &algo::bfs::SPEC, params: &[("source-vertex", "source")], rule: Rule::Exact },
    LdbcAlgorithm {
        ldbc: "cdlp",
        spec: &algo::cdlp::SPEC,
        params: &[("max-iterations", "iterations")],
        rule: Rule::Exact,
    },
    LdbcAlgorithm { ldbc: "lcc", spec: &algo::lcc::SPEC, params: &[], rule: Rule::Relative },
    LdbcAlgorithm {
        ldbc: "pr",
        spec: &algo::pagerank::SPEC,
        params: &[("damping-factor", "damping"), ("num-iterations", "iterations")],
        rule: Rule::Relative,
    },
    LdbcAlgorithm {
        ldbc: "sssp",
        spec: &algo::sssp::SPEC,
        params: &[("source-vertex", "source")],
        rule: Rule::Relative,
    },
    LdbcAlgorithm { ldbc: "wcc", spec: &algo::wcc::SPEC, params: &[], rule: Rule::Partition },
];

/// The LDBC algorithm called `name`.
pub fn ldbc_algorithm(name: &str) -> Option<&'static LdbcAlgorithm> {
    ALGORITHMS.iter().find(|a| a.ldbc == name)
}

/// The outcome of one graph x algorithm case.
#[derive(Debug, Clone)]
pub struct Case {
    pub graph: String,
    pub algorithm: String,
    pub output: PathBuf,
    pub elapsed: Duration,
    /// `None`: not validated; `Some(Ok)`: matches; `Some(Err(why))`: does not.
    pub validation: Option<std::result::Result<(), String>>,
}

/// Runs (and optionally validates) every algorithm of the graph at `dir`.
pub fn run_graph(dir: &Path, out_dir: &Path, validate: bool, common: &Common) -> Result<Vec<Case>> {
    let lg = LdbcGraph::open(dir)?;
    let graph = Graph::from_edge_list(
        lg.read(&common.ctx.cancel)?,
        &GraphOptions { directed: lg.directed, ..GraphOptions::default() },
    )?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let mut cases = Vec::new();
    for alg in &lg.algorithms {
        let Some(la) = ldbc_algorithm(alg) else {
            return Err(Error::Input(format!("graph {}: unknown algorithm '{alg}' in its properties", lg.name)));
        };
        let t0 = Instant::now();
        let values = run_one(&lg, &graph, la, common)?;
        let elapsed = t0.elapsed();
        let file = format!("{}-{}", lg.name, alg.to_ascii_uppercase());
        let output = out_dir.join(&file);
        let ids = graph.ids();
        write_ldbc(&output, graph.num_vertices(), |v, w| writeln!(w, "{} {}", ids.display(v as u32), values[v]))?;
        let validation = validate.then(|| {
            let expected = lg.dir.join(&file);
            compare(la.rule, &expected, &output)
        });
        cases.push(Case { graph: lg.name.clone(), algorithm: alg.clone(), output, elapsed, validation });
    }
    Ok(cases)
}

/// Runs one LDBC algorithm through the registry with the graph's LDBC properties as its
/// parameters, and formats each vertex's value (dense order) as LDBC writes it.
fn run_one(lg: &LdbcGraph, g: &Graph, la: &LdbcAlgorithm, common: &Common) -> Result<Vec<String>> {
    let mut given = Vec::new();
    for (prop, param) in la.params {
        given.push((param.to_string(), lg.param(la.ldbc, prop)?.to_string()));
    }
    let algorithm = Algorithm::from_spec(la.spec, &given)
        .map_err(|e| Error::Input(format!("graph {}: {}: {e}", lg.name, la.ldbc)))?;
    let out = (la.spec.run)(g, algorithm.params(), common, RunOptions::default())?;
    let col = out.table.column(1);
    let n = g.num_vertices();
    let text = |i: usize| -> Result<String> {
        if col.is_null(i) {
            // BFS: unreachable.
            return Ok(i64::MAX.to_string());
        }
        Ok(match col.data_type() {
            DataType::Float64 => sci(col.as_primitive::<Float64Type>().value(i)),
            _ => array_value_to_string(col, i).map_err(|e| Error::arrow("formatting LDBC output", e))?,
        })
    };
    (0..n).map(text).collect()
}

/// Reads a `vertex value` file into a map.
fn read_values(path: &Path) -> Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut map = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut toks = line.split_whitespace();
        let (Some(v), Some(x), None) = (toks.next(), toks.next(), toks.next()) else {
            return Err(Error::parse(path, i as u64 + 1, format!("expected 'vertex value', found '{line}'")));
        };
        if map.insert(v.to_string(), x.to_string()).is_some() {
            return Err(Error::parse(path, i as u64 + 1, format!("vertex {v} appears twice")));
        }
    }
    Ok(map)
}

fn parse_f(s: &str) -> Option<f64> {
    match s {
        "Infinity" | "inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

/// Compares an output with the expected file by an LDBC rule.
pub fn compare(rule: Rule, expected: &Path, actual: &Path) -> std::result::Result<(), String> {
    let exp = read_values(expected).map_err(|e| e.to_string())?;
    let act = read_values(actual).map_err(|e| e.to_string())?;
    if let Some(v) = exp.keys().find(|v| !act.contains_key(*v)) {
        return Err(format!("vertex {v} is missing from the output"));
    }
    if let Some(v) = act.keys().find(|v| !exp.contains_key(*v)) {
        return Err(format!("vertex {v} is in the output but not expected"));
    }
    let mut keys: Vec<&String> = exp.keys().collect();
    keys.sort_by(|a, b| match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    });
    let mut bad = Vec::new();
    match rule {
        Rule::Partition => {
            let (mut fwd, mut back) = (HashMap::new(), HashMap::new());
            for v in &keys {
                let (e, a) = (&exp[*v], &act[*v]);
                if *fwd.entry(e).or_insert(a) != a || *back.entry(a).or_insert(e) != e {
                    bad.push(format!("vertex {v}: component {a} does not match the expected partition"));
                }
            }
        }
        Rule::Exact => {
            for v in &keys {
                let (e, a) = (&exp[*v], &act[*v]);
                if e.parse::<i64>().ok() != a.parse::<i64>().ok() || e.parse::<i64>().is_err() {
                    bad.push(format!("vertex {v}: expected {e}, got {a}"));
                }
            }
        }
        Rule::Relative => {
            for v in &keys {
                let (e, a) = (&exp[*v], &act[*v]);
                let ok = match (parse_f(e), parse_f(a)) {
                    (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-4 * x.abs().max(y.abs()),
                    _ => false,
                };
                if !ok {
                    bad.push(format!("vertex {v}: expected {e}, got {a}"));
                }
            }
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("{} of {} vertices differ; first: {}", bad.len(), keys.len(), bad[..bad.len().min(3)].join("; ")))
    }
}

/// Finds LDBC graph folders: `dir` itself if it has a `.properties` file, else its subfolders.
pub fn graph_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    if crate::load::ldbc::is_graph_folder(dir) {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        if p.is_dir() && crate::load::ldbc::is_graph_folder(&p) {
            out.push(p);
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Error::Input(format!(
            "{}: no LDBC graph (.properties file) here or in its subfolders",
            text::display(dir)
        )));
    }
    Ok(out)
}
