//! The dataset benchmark runner behind `ember bench`: for each dataset (a graph file or a
//! generated kron/urand graph) it loads once; for each algorithm it builds what the engine needs
//! (the kernel's CSR, or — once, for every Pregel row — the vertex-cut partitioning), runs a
//! warm-up and N timed trials, and reports the median, edges per second, ns per edge per
//! iteration (PageRank), peak RSS and bytes per edge, the replication factor and a check of the
//! result — as rows for markdown tables and JSON. With peers ([`peers`]) their trials alternate
//! with Ember's. Figures come from here, never from tests.
//!
//! Peak RSS is Linux's `VmHWM`, reset before each algorithm through `/proc/self/clear_refs`, so
//! it is the process's peak while the graph is loaded and that algorithm runs.

use std::path::PathBuf;
use std::time::Instant;

use crate::algo::{self, Common, Engine, pagerank};
use crate::error::{Error, Result};
use crate::generate;
use crate::graph::{Graph, GraphOptions};
use crate::kernel::{self, Csr, Direction};
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

pub mod peers;

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub algorithms: Vec<String>,
    pub trials: usize,
    pub pagerank_iterations: u32,
    /// `common.engine`: `Auto` measures the kernels and PageRank once more on Pregel (for the
    /// ratio between the two paths); `Pregel` or `Kernel` measure only that engine.
    pub common: Common,
    /// Peer systems ([`peers::KNOWN`]) to run on the same graph file, alternating with Ember.
    pub peers: Vec<String>,
    /// Where the peer drivers are (`benches/peers` in the repository).
    pub peers_dir: PathBuf,
    /// Timed runs per peer and kernel (slow peers: fewer); a warm-up run precedes them when > 1.
    pub peer_trials: usize,
    /// Bucket width of the SSSP kernel (default: [`kernel::sssp::default_delta`]).
    pub sssp_delta: Option<f64>,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            algorithms: vec!["pagerank".into(), "wcc".into(), "bfs".into(), "sssp".into()],
            trials: 3,
            pagerank_iterations: 20,
            common: Common::default(),
            peers: vec![],
            peers_dir: PathBuf::from("benches/peers"),
            peer_trials: 3,
            sssp_delta: None,
        }
    }
}

/// One dataset x algorithm x system measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub dataset: String,
    pub algorithm: String,
    /// `kernel` or `pregel` for Ember, else the peer's name.
    pub engine: String,
    pub vertices: u64,
    /// Edges as stored (an undirected edge once).
    pub edges: u64,
    /// Arcs the algorithm scans per iteration (undirected edges count twice).
    pub arcs: u64,
    pub load_s: f64,
    /// Ember: building the kernel's CSR, or the vertex-cut partitioning for Pregel. Peers: 0.
    pub partition_s: f64,
    pub trials_s: Vec<f64>,
    pub median_s: f64,
    pub edges_per_s: f64,
    /// PageRank only: median / (arcs x iterations), in nanoseconds.
    pub ns_per_edge_iter: Option<f64>,
    pub peak_rss_bytes: Option<u64>,
    pub bytes_per_edge: Option<f64>,
    /// Pregel rows only (1 for the kernels, which do not replicate vertices).
    pub replication_factor: f64,
    pub partitions: u32,
    /// A summary of the result (top PageRank vertex, component count, vertices reached), the
    /// same for every system that computed the same thing.
    pub check: String,
}

/// A dataset's rows and what was skipped.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
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
    let (out, inn) = g.degrees();
    let deg = |i: usize| if g.is_directed() { out[i] } else { out[i] + inn[i] };
    (0..out.len()).max_by_key(|&i| (deg(i), std::cmp::Reverse(i))).map_or(0, |i| i as u32)
}

fn load_dataset(ds: &Dataset) -> Result<Graph> {
    match ds {
        Dataset::File { spec, .. } => load::load(spec),
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
            Graph::from_edge_list(list, options)
        }
    }
}

/// What a kernel trial runs on, built once per algorithm (timed as its "partition" step).
enum Prepared {
    Csr(Csr),
    Bfs(Csr, Option<Csr>),
    Sssp(Csr, f64),
}

/// A peer's runs of one algorithm.
#[derive(Default)]
struct PeerAcc {
    trials: Vec<f64>,
    peak: Option<u64>,
    check: String,
    error: Option<String>,
}

/// Result summaries in the peers' format.
fn top_check(g: &Graph, rank: &[f64]) -> String {
    let k = (0..rank.len()).max_by(|&a, &b| rank[a].total_cmp(&rank[b]).then(b.cmp(&a))).unwrap_or(0);
    format!("top {} {:.6}", g.ids().display(k as u32), rank.get(k).copied().unwrap_or(0.0))
}
fn reach_check(hops: &[u32]) -> String {
    let r: Vec<u32> = hops.iter().copied().filter(|&h| h != algo::bfs::UNREACHED).collect();
    format!("reached {}; max hops {}", r.len(), r.iter().max().unwrap_or(&0))
}
fn dist_check(d: &[f64]) -> String {
    let r: Vec<f64> = d.iter().copied().filter(|x| x.is_finite()).collect();
    format!("reached {}; max distance {}", r.len(), r.iter().copied().fold(0.0, f64::max))
}

/// Loads (or generates) a dataset and measures every algorithm of `cfg` on it, with the peers
/// alternating trial by trial.
pub fn run(ds: &Dataset, cfg: &BenchConfig) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let t = Instant::now();
    let g = load_dataset(ds)?;
    let load_s = t.elapsed().as_secs_f64();
    let arcs = g.num_edges() as u64 * if g.is_directed() { 1 } else { 2 };
    let source = source_of(&g);
    // Peer logs stay after the run, for reading when a peer fails.
    let log_dir = std::env::temp_dir().join(format!("ember-bench-peers-{}", std::process::id()));
    let mut peers: Vec<peers::Peer> = Vec::new();
    if !cfg.peers.is_empty() {
        match ds {
            Dataset::File { spec, .. } => {
                let pgraph = peers::PeerGraph {
                    file: &spec.edges,
                    undirected: !g.is_directed(),
                    weighted: g.weights().is_some(),
                    source: g.ids().display(source),
                    iterations: cfg.pagerank_iterations,
                };
                std::fs::create_dir_all(&log_dir).map_err(|e| Error::io(&log_dir, e))?;
                for name in &cfg.peers {
                    match peers::Peer::start(name, &cfg.peers_dir, &pgraph, &log_dir) {
                        Ok(p) => peers.push(p),
                        Err(e) => outcome.notes.push(format!("{}: peer {name} skipped: {e}", ds.name())),
                    }
                }
            }
            Dataset::Generated { .. } => outcome.notes.push(format!(
                "{}: peers read graph files; write this one with `ember generate` and bench the file",
                ds.name()
            )),
        }
    }
    let mut jobs: Vec<(String, Engine)> = Vec::new();
    for alg in &cfg.algorithms {
        jobs.push((alg.clone(), if cfg.common.engine == Engine::Pregel { Engine::Pregel } else { Engine::Kernel }));
    }
    if cfg.common.engine == Engine::Auto && cfg.algorithms.iter().any(|a| a == "pagerank") {
        jobs.push(("pagerank".into(), Engine::Pregel));
    }
    let mut pg: Option<(crate::partition::PartitionedGraph<'_>, f64)> = None;
    let mut peer_rows: Vec<Row> = Vec::new();
    for (alg, engine) in jobs {
        if alg == "sssp" && g.weights().is_none() {
            outcome.notes.push(format!("{}: sssp skipped, the graph has no weights", ds.name()));
            continue;
        }
        let c = Common { engine, ..cfg.common.clone() };
        let t = Instant::now();
        let mut prepared = None;
        if engine == Engine::Kernel {
            prepared = Some(match alg.as_str() {
                "pagerank" => Prepared::Csr(Csr::build(&g, Direction::In, false)),
                "wcc" => Prepared::Csr(Csr::build(&g, Direction::Both, false)),
                "bfs" => {
                    let (out, inn) = kernel::bfs::layout(&g);
                    Prepared::Bfs(out, inn)
                }
                "sssp" => {
                    algo::sssp::check_weights(&g)?;
                    let out = Csr::build(&g, Direction::Out, true);
                    let delta = cfg.sssp_delta.unwrap_or_else(|| kernel::sssp::default_delta(&out));
                    Prepared::Sssp(out, delta)
                }
                other => return Err(Error::Config(format!("bench: unknown algorithm '{other}'"))),
            });
        } else if pg.is_none() {
            // Partitioned once, for every Pregel row; its time is reported on each.
            let p = c.partition(&g)?;
            pg = Some((p, t.elapsed().as_secs_f64()));
        }
        let prep_s = match (&prepared, &pg) {
            (Some(_), _) => t.elapsed().as_secs_f64(),
            (None, Some(p)) => p.1,
            (None, None) => 0.0,
        };
        let run_once = || -> Result<(Option<u32>, String)> {
            let ctx = &c.ctx;
            Ok(match (alg.as_str(), &prepared, &pg) {
                ("pagerank", Some(Prepared::Csr(inn)), _) => {
                    let pc = pagerank::Config {
                        iterations: cfg.pagerank_iterations,
                        common: c.clone(),
                        ..Default::default()
                    };
                    let o = kernel::pagerank::run(&g, inn, &pc)?;
                    (Some(o.iterations), top_check(&g, &o.rank))
                }
                ("pagerank", None, Some((pg, _))) => {
                    let pc = pagerank::Config {
                        iterations: cfg.pagerank_iterations,
                        common: c.clone(),
                        ..Default::default()
                    };
                    let o = pagerank::run_partitioned(pg, &pc)?;
                    (Some(o.iterations), top_check(&g, &o.rank))
                }
                ("wcc", Some(Prepared::Csr(sym)), _) => {
                    (None, format!("components {}", kernel::wcc::run(sym, g.ids(), ctx)?.num_components()))
                }
                ("wcc", None, Some((pg, _))) => {
                    let o =
                        algo::wcc::run_partitioned(pg, &algo::wcc::Config { max_supersteps: None, common: c.clone() })?;
                    (None, format!("components {}", o.num_components()))
                }
                ("bfs", Some(Prepared::Bfs(out, inn)), _) => {
                    (None, reach_check(&kernel::bfs::run(out, Some(inn.as_ref().unwrap_or(out)), source, ctx)?.hops))
                }
                ("bfs", None, Some((pg, _))) => (
                    None,
                    reach_check(
                        &algo::bfs::run_partitioned(pg, &algo::bfs::Config { source, common: c.clone() })?.hops,
                    ),
                ),
                ("sssp", Some(Prepared::Sssp(out, delta)), _) => {
                    (None, dist_check(&kernel::sssp::run(out, source, *delta, ctx)?.distance))
                }
                ("sssp", None, Some((pg, _))) => (
                    None,
                    dist_check(
                        &algo::sssp::run_partitioned(pg, &algo::sssp::Config { source, common: c.clone() })?.distance,
                    ),
                ),
                (other, _, _) => return Err(Error::Config(format!("bench: unknown algorithm '{other}'"))),
            })
        };
        // Peers run beside the first Ember engine measured for this algorithm.
        let with_peers = !peer_rows.iter().any(|r| r.algorithm == alg);
        let mut peer_trials: Vec<PeerAcc> = peers.iter().map(|_| PeerAcc::default()).collect();
        let peer_step = |peers: &mut Vec<peers::Peer>, acc: &mut Vec<PeerAcc>, timed: bool| -> Result<()> {
            for (p, a) in peers.iter_mut().zip(acc.iter_mut()) {
                if a.error.is_some() {
                    continue;
                }
                match p.run(&alg)? {
                    peers::PeerRun::Done { seconds, check, peak_rss_bytes } => {
                        if timed {
                            a.trials.push(seconds);
                        }
                        a.peak = a.peak.max(peak_rss_bytes);
                        a.check = check;
                    }
                    peers::PeerRun::Unavailable(e) => a.error = Some(e),
                }
            }
            Ok(())
        };
        run_once()?;
        if with_peers && cfg.peer_trials > 1 {
            peer_step(&mut peers, &mut peer_trials, false)?;
        }
        reset_peak_rss();
        let mut trials = Vec::new();
        let mut last = (None, String::new());
        for i in 0..cfg.trials.max(1) {
            let t = Instant::now();
            last = run_once()?;
            trials.push(t.elapsed().as_secs_f64());
            if with_peers && i < cfg.peer_trials.max(1) {
                peer_step(&mut peers, &mut peer_trials, true)?;
            }
        }
        let peak = peak_rss();
        let (report_rf, parts) = match (&prepared, &pg) {
            (None, Some((pg, _))) => (pg.report().replication_factor, pg.report().num_partitions),
            _ => (1.0, rayon::current_num_threads() as u32),
        };
        let med = median(&trials);
        outcome.rows.push(Row {
            dataset: ds.name().to_string(),
            algorithm: alg.clone(),
            engine: if prepared.is_some() { "kernel" } else { "pregel" }.into(),
            vertices: g.num_vertices() as u64,
            edges: g.num_edges() as u64,
            arcs,
            load_s,
            partition_s: prep_s,
            median_s: med,
            edges_per_s: arcs as f64 / med,
            ns_per_edge_iter: last.0.map(|i| med * 1e9 / (arcs as f64 * i.max(1) as f64)),
            peak_rss_bytes: peak,
            bytes_per_edge: peak.map(|p| p as f64 / arcs.max(1) as f64),
            replication_factor: report_rf,
            partitions: parts,
            trials_s: trials,
            check: last.1,
        });
        if with_peers {
            for (p, PeerAcc { trials: tr, peak, check, error }) in peers.iter().zip(peer_trials) {
                if let Some(e) = error {
                    outcome.notes.push(format!("{}: {} has no {alg} ({e})", ds.name(), p.name));
                    continue;
                }
                let med = median(&tr);
                peer_rows.push(Row {
                    dataset: ds.name().to_string(),
                    algorithm: alg.clone(),
                    engine: p.name.clone(),
                    vertices: p.vertices,
                    edges: g.num_edges() as u64,
                    arcs,
                    load_s: p.load_s,
                    partition_s: 0.0,
                    median_s: med,
                    edges_per_s: arcs as f64 / med,
                    ns_per_edge_iter: (alg == "pagerank")
                        .then(|| med * 1e9 / (arcs as f64 * cfg.pagerank_iterations as f64)),
                    peak_rss_bytes: peak,
                    bytes_per_edge: peak.map(|b| b as f64 / arcs.max(1) as f64),
                    replication_factor: 1.0,
                    partitions: 0,
                    trials_s: tr,
                    check,
                });
            }
        }
    }
    drop(pg);
    outcome.rows.extend(peer_rows);
    Ok(outcome)
}

fn mib(b: Option<u64>) -> String {
    b.map(|b| format!("{:.0}", b as f64 / (1 << 20) as f64)).unwrap_or_else(|| "-".into())
}

/// Rows as a markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| dataset | algorithm | engine | vertices | arcs | load s | CSR/partition s | compute s (median) | Medges/s | ns/edge/iter | peak RSS MiB | B/edge | RF | check |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.4} | {:.1} | {} | {} | {} | {:.3} | {} |\n",
            r.dataset,
            r.algorithm,
            r.engine,
            r.vertices,
            r.arcs,
            r.load_s,
            r.partition_s,
            r.median_s,
            r.edges_per_s / 1e6,
            r.ns_per_edge_iter.map(|x| format!("{x:.2}")).unwrap_or_else(|| "-".into()),
            mib(r.peak_rss_bytes),
            r.bytes_per_edge.map(|b| format!("{b:.1}")).unwrap_or_else(|| "-".into()),
            r.replication_factor,
            r.check,
        ));
    }
    s
}

/// Side by side: per dataset and algorithm, Ember's median (its kernel, else Pregel) and each
/// other system's median with the ratio system / Ember (> 1: Ember is faster). The `load` line
/// compares reading the graph file.
pub fn side_by_side(rows: &[Row]) -> String {
    let mut systems: Vec<String> = Vec::new();
    for r in rows {
        if !systems.contains(&r.engine) && r.engine != "kernel" {
            systems.push(r.engine.clone());
        }
    }
    let mut s = String::from("| dataset | kernel | Ember s |");
    for p in &systems {
        s.push_str(&format!(" {p} s | {p} / Ember |"));
    }
    s.push_str("\n|---|---|---|");
    s.push_str(&"---|---|".repeat(systems.len()));
    s.push('\n');
    let mut keys: Vec<(String, String)> = Vec::new();
    for r in rows {
        let k = (r.dataset.clone(), r.algorithm.clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut datasets: Vec<String> = Vec::new();
    for (d, _) in &keys {
        if !datasets.contains(d) {
            datasets.push(d.clone());
        }
    }
    let find = |d: &str, a: &str, e: &str| rows.iter().find(|r| r.dataset == d && r.algorithm == a && r.engine == e);
    let line = |d: &str, what: &str, ember: Option<f64>, other: &dyn Fn(&str) -> Option<f64>| {
        let mut l = format!("| {d} | {what} | {} |", ember.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into()));
        for p in &systems {
            match (other(p), ember) {
                (Some(x), Some(e)) => l.push_str(&format!(" {x:.4} | {:.1}x |", x / e)),
                (Some(x), None) => l.push_str(&format!(" {x:.4} | - |")),
                _ => l.push_str(" - | - |"),
            }
        }
        l.push('\n');
        l
    };
    for d in &datasets {
        let first = rows.iter().find(|r| &r.dataset == d);
        let load_of = |p: &str| rows.iter().find(|r| &r.dataset == d && r.engine == p).map(|r| r.load_s);
        s.push_str(&line(d, "load (read + build)", first.map(|r| r.load_s), &load_of));
        for (_, a) in keys.iter().filter(|(kd, _)| kd == d) {
            let ember = find(d, a, "kernel").or_else(|| find(d, a, "pregel")).map(|r| r.median_s);
            s.push_str(&line(d, a, ember, &|p: &str| find(d, a, p).map(|r| r.median_s)));
        }
    }
    s
}

/// Rows as JSON (an array of objects).
pub fn json(rows: &[Row]) -> String {
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "dataset": r.dataset, "algorithm": r.algorithm, "engine": r.engine, "vertices": r.vertices,
                "edges": r.edges, "arcs": r.arcs, "load_s": r.load_s, "partition_s": r.partition_s,
                "trials_s": r.trials_s, "median_s": r.median_s, "edges_per_s": r.edges_per_s,
                "ns_per_edge_iter": r.ns_per_edge_iter, "peak_rss_bytes": r.peak_rss_bytes,
                "bytes_per_edge": r.bytes_per_edge, "replication_factor": r.replication_factor,
                "partitions": r.partitions, "check": r.check,
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
        let rows = run(&ds, &cfg).unwrap().rows;
        assert_eq!(
            rows.iter().map(|r| (r.algorithm.as_str(), r.engine.as_str())).collect::<Vec<_>>(),
            vec![
                ("pagerank", "kernel"),
                ("wcc", "kernel"),
                ("bfs", "kernel"),
                ("sssp", "kernel"),
                ("pagerank", "pregel")
            ]
        );
        // Both engines computed the same ranking.
        assert_eq!(rows[0].check, rows[4].check);
        let pr = &rows[0];
        assert_eq!(pr.trials_s.len(), 2);
        assert!(pr.ns_per_edge_iter.is_some() && rows[1].ns_per_edge_iter.is_none());
        assert_eq!(pr.arcs, 2 * pr.edges);
        assert!(markdown(&rows).lines().count() == 7);
        let v: serde_json::Value = serde_json::from_str(&json(&rows)).unwrap();
        assert_eq!(v[3]["algorithm"], "sssp");
        // Unweighted: sssp is skipped.
        let ds = Dataset::parse("urand:8", &GraphOptions::default()).unwrap();
        let out = run(&ds, &cfg).unwrap();
        assert_eq!(out.rows.len(), 4);
        assert!(out.notes[0].contains("sssp skipped"), "{:?}", out.notes);
    }
}
