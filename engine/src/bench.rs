//! The dataset benchmark runner behind `ember bench`: for each dataset (a graph file or a
//! generated kron/urand graph) it loads once, partitions once, then for each algorithm runs a
//! warm-up and N timed trials on the loaded graph and reports the median, edges per second,
//! ns per edge per iteration (PageRank), peak RSS and bytes per edge, and the replication
//! factor — as rows for a markdown table and JSON. Figures come from here, never from tests.
//!
//! Peak RSS is Linux's `VmHWM`, reset before each algorithm through `/proc/self/clear_refs`, so
//! it is the process's peak while the graph is loaded and that algorithm runs.

use std::time::Instant;

use crate::algo::{self, Common, pagerank};
use crate::error::{Error, Result};
use crate::generate;
use crate::graph::{Graph, GraphOptions};
use crate::load::{self, LoadSpec};

/// A dataset: a file to load or a graph to generate.
#[derive(Debug, Clone)]
pub enum Dataset {
    File { name: String, spec: LoadSpec },
    Generated { name: String, cfg: generate::Config, options: GraphOptions },
}

impl Dataset {
    pub fn name(&self) -> &str {
        match self {
            Dataset::File { name, .. } | Dataset::Generated { name, .. } => name,
        }
    }

    /// Parses `kron:20`, `urand:18:weighted` (GAP-style: symmetrized, simple) or a file path.
    pub fn parse(s: &str, options: &GraphOptions) -> Result<Dataset> {
        let parts: Vec<&str> = s.split(':').collect();
        if let [kind @ ("kron" | "urand"), scale, rest @ ..] = parts.as_slice() {
            let scale: u32 = scale.parse().map_err(|_| Error::Config(format!("bad scale in '{s}'")))?;
            let cfg = generate::Config {
                kind: generate::Kind::parse(kind)?,
                scale,
                weighted: rest.contains(&"weighted"),
                ..Default::default()
            };
            // GAP's benchmark graphs: both directions of each edge, no duplicates or self-loops.
            let options = GraphOptions { directed: false, drop_self_loops: true, dedupe: true, ..options.clone() };
            return Ok(Dataset::Generated { name: s.to_string(), cfg, options });
        }
        let mut spec = LoadSpec::new(s);
        spec.options = options.clone();
        let name =
            std::path::Path::new(s).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| s.into());
        Ok(Dataset::File { name, spec })
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub algorithms: Vec<String>,
    pub trials: usize,
    pub pagerank_iterations: u32,
    pub common: Common,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            algorithms: vec!["pagerank".into(), "wcc".into(), "bfs".into(), "sssp".into()],
            trials: 3,
            pagerank_iterations: 20,
            common: Common::default(),
        }
    }
}

/// One dataset x algorithm measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub dataset: String,
    pub algorithm: String,
    pub vertices: u64,
    /// Edges as stored (an undirected edge once).
    pub edges: u64,
    /// Arcs the algorithm scans per iteration (undirected edges count twice).
    pub arcs: u64,
    pub load_s: f64,
    pub partition_s: f64,
    pub trials_s: Vec<f64>,
    pub median_s: f64,
    pub edges_per_s: f64,
    /// PageRank only: median / (arcs x iterations), in nanoseconds.
    pub ns_per_edge_iter: Option<f64>,
    pub peak_rss_bytes: Option<u64>,
    pub bytes_per_edge: Option<f64>,
    pub replication_factor: f64,
    pub partitions: u32,
}

/// The process's peak resident set (Linux `VmHWM`), in bytes.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets the peak to the current resident set (Linux 4.0+); false where unsupported.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let k = s.len() / 2;
    if s.len() % 2 == 1 { s[k] } else { (s[k - 1] + s[k]) / 2.0 }
}

fn source_of(g: &Graph) -> u32 {
    // The vertex of largest out-degree: reaches much of the graph, deterministic.
    let (out, _) = g.degrees();
    out.iter().enumerate().max_by_key(|&(i, d)| (*d, std::cmp::Reverse(i))).map_or(0, |(i, _)| i as u32)
}

/// Loads (or generates) a dataset and measures every algorithm of `cfg` on it.
pub fn run(ds: &Dataset, cfg: &BenchConfig) -> Result<Vec<Row>> {
    let t = Instant::now();
    let g = match ds {
        Dataset::File { spec, .. } => load::load(spec)?,
        Dataset::Generated { cfg: gcfg, options, .. } => {
            let e = generate::generate(gcfg)?;
            // Every one of the 2^scale ids is a vertex, isolated or not (as GAP counts them).
            let list = crate::graph::EdgeList {
                src: crate::ids::IdColumn::Int(e.src),
                dst: crate::ids::IdColumn::Int(e.dst),
                weight: e.weight.map(|w| w.into_iter().map(f64::from).collect()),
                vertices: Some(crate::ids::IdColumn::Int((0..1i64 << gcfg.scale).collect())),
                directed: None,
            };
            Graph::from_edge_list(list, options)?
        }
    };
    let load_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pg = cfg.common.partition(&g)?;
    let partition_s = t.elapsed().as_secs_f64();
    let arcs = g.num_edges() as u64 * if g.is_directed() { 1 } else { 2 };
    let source = source_of(&g);
    let mut rows = Vec::new();
    for alg in &cfg.algorithms {
        let run_once = || -> Result<Option<u32>> {
            let c = cfg.common.clone();
            Ok(match alg.as_str() {
                "pagerank" => {
                    let pc = pagerank::Config { iterations: cfg.pagerank_iterations, common: c, ..Default::default() };
                    Some(pagerank::run_partitioned(&pg, &pc)?.iterations)
                }
                "wcc" => {
                    algo::wcc::run_partitioned(&pg, &algo::wcc::Config { max_supersteps: None, common: c })?;
                    None
                }
                "bfs" => {
                    algo::bfs::run_partitioned(&pg, &algo::bfs::Config { source, common: c })?;
                    None
                }
                "sssp" => {
                    if g.weights().is_none() {
                        return Err(Error::Config("no weights".into()));
                    }
                    algo::sssp::run_partitioned(&pg, &algo::sssp::Config { source, common: c })?;
                    None
                }
                other => return Err(Error::Config(format!("bench: unknown algorithm '{other}'"))),
            })
        };
        // SSSP on an unweighted dataset is skipped rather than failed.
        match run_once() {
            Err(Error::Config(m)) if m == "no weights" => continue,
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        reset_peak_rss();
        let mut trials = Vec::new();
        let mut iters = None;
        for _ in 0..cfg.trials.max(1) {
            let t = Instant::now();
            iters = run_once()?;
            trials.push(t.elapsed().as_secs_f64());
        }
        let med = median(&trials);
        let peak = peak_rss();
        rows.push(Row {
            dataset: ds.name().to_string(),
            algorithm: alg.clone(),
            vertices: g.num_vertices() as u64,
            edges: g.num_edges() as u64,
            arcs,
            load_s,
            partition_s,
            median_s: med,
            edges_per_s: arcs as f64 / med,
            ns_per_edge_iter: iters.map(|i| med * 1e9 / (arcs as f64 * i.max(1) as f64)),
            peak_rss_bytes: peak,
            bytes_per_edge: peak.map(|p| p as f64 / arcs.max(1) as f64),
            replication_factor: pg.report().replication_factor,
            partitions: pg.report().num_partitions,
            trials_s: trials,
        });
    }
    Ok(rows)
}

/// Rows as a markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| dataset | algorithm | vertices | arcs | load s | partition s | compute s (median) | Medges/s | ns/edge/iter | peak RSS MiB | B/edge | RF |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.4} | {:.1} | {} | {} | {} | {:.3} |\n",
            r.dataset,
            r.algorithm,
            r.vertices,
            r.arcs,
            r.load_s,
            r.partition_s,
            r.median_s,
            r.edges_per_s / 1e6,
            r.ns_per_edge_iter.map(|x| format!("{x:.2}")).unwrap_or_else(|| "-".into()),
            r.peak_rss_bytes.map(|b| format!("{:.0}", b as f64 / (1 << 20) as f64)).unwrap_or_else(|| "-".into()),
            r.bytes_per_edge.map(|b| format!("{b:.1}")).unwrap_or_else(|| "-".into()),
            r.replication_factor,
        ));
    }
    s
}

/// Rows as JSON (an array of objects).
pub fn json(rows: &[Row]) -> String {
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "dataset": r.dataset, "algorithm": r.algorithm, "vertices": r.vertices, "edges": r.edges,
                "arcs": r.arcs, "load_s": r.load_s, "partition_s": r.partition_s, "trials_s": r.trials_s,
                "median_s": r.median_s, "edges_per_s": r.edges_per_s, "ns_per_edge_iter": r.ns_per_edge_iter,
                "peak_rss_bytes": r.peak_rss_bytes, "bytes_per_edge": r.bytes_per_edge,
                "replication_factor": r.replication_factor, "partitions": r.partitions,
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_a_small_generated_graph() {
        let ds = Dataset::parse("kron:8:weighted", &GraphOptions::default()).unwrap();
        let cfg =
            BenchConfig { trials: 2, common: Common { partitions: 2, ..Default::default() }, ..Default::default() };
        let rows = run(&ds, &cfg).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.algorithm.as_str()).collect::<Vec<_>>(),
            vec!["pagerank", "wcc", "bfs", "sssp"]
        );
        let pr = &rows[0];
        assert_eq!(pr.trials_s.len(), 2);
        assert!(pr.ns_per_edge_iter.is_some() && rows[1].ns_per_edge_iter.is_none());
        assert_eq!(pr.arcs, 2 * pr.edges);
        assert!(markdown(&rows).lines().count() == 6);
        let v: serde_json::Value = serde_json::from_str(&json(&rows)).unwrap();
        assert_eq!(v[3]["algorithm"], "sssp");
        // Unweighted: sssp is skipped.
        let ds = Dataset::parse("urand:8", &GraphOptions::default()).unwrap();
        assert_eq!(run(&ds, &cfg).unwrap().len(), 3);
    }
}
