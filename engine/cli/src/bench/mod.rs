//! The dataset benchmark runner behind `ember bench`: for each dataset (a graph file or a
//! generated kron/urand graph) it loads once; for each algorithm (any of the registry) it runs a
//! warm-up and N timed trials and reports the median, edges per second, ns per edge per
//! iteration (PageRank), peak RSS and bytes per edge, the replication factor and a check of the
//! result — as rows for markdown tables and JSON. With peers ([`peers`]) their trials alternate
//! with Ember's. Figures come from here, never from tests.
//!
//! The four kernels (PageRank, WCC, BFS, SSSP) are measured on a CSR built once per algorithm
//! (its build timed apart), calling `ember::kernel` directly as GAP's harness does; every other
//! row — Pregel, and algorithms without a kernel — runs the registry's job and times the
//! computation the job reports (`Execution::compute`), its partitioning or CSR apart.
//!
//! Peak RSS is Linux's `VmHWM`, reset before each algorithm through `/proc/self/clear_refs`, so
//! it is the process's peak while the graph is loaded and that algorithm runs.

use std::path::PathBuf;
use std::time::Instant;

use ember::algo::spec::Executed;
use ember::algo::{self, Common, Engine, pagerank};
use ember::error::{Error, Result};
use ember::generate;
use ember::graph::{Graph, GraphOptions};
use ember::job::{self, Algorithm};
use ember::kernel::{self, Csr, Direction};
use ember::load::{self, LoadSpec};
use ember::registry;

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
pub mod processes;

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
    /// Motif patterns whose matches are counted (`ember::query::GraphFrame::find`).
    pub motifs: Vec<String>,
    /// Also time PageRank written as a GraphFrames Pregel program of SQL expressions,
    /// alternating with the built-in Pregel PageRank.
    pub expr_pagerank: bool,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            // The algorithms with a benchmark kernel (and peers that run them).
            algorithms: [&algo::pagerank::SPEC, &algo::wcc::SPEC, &algo::bfs::SPEC, &algo::sssp::SPEC]
                .iter()
                .map(|s| s.name.to_string())
                .collect(),
            trials: 3,
            pagerank_iterations: 20,
            common: Common::default(),
            peers: vec![],
            peers_dir: PathBuf::from("benches/peers"),
            peer_trials: 3,
            sssp_delta: None,
            motifs: vec![],
            expr_pagerank: false,
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

pub(crate) fn median(v: &[f64]) -> f64 {
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

/// The dataset's graph, and for a generated one the generator's time.
fn load_dataset(ds: &Dataset) -> Result<(Graph, Option<f64>)> {
    match ds {
        Dataset::File { spec, .. } => Ok((load::load(spec)?, None)),
        Dataset::Generated { cfg: gcfg, options, .. } => {
            let t = Instant::now();
            let edges = generate::generate(gcfg)?;
            let gen_s = t.elapsed().as_secs_f64();
            Ok((generate::graph(edges, gcfg, options)?, Some(gen_s)))
        }
    }
}

/// For runs in child processes: the id of the benchmark's source vertex (the vertex of largest
/// degree) and whether the graph has weights (the graph is loaded once, then dropped).
pub fn source_and_weights(ds: &Dataset) -> Result<(String, bool)> {
    let (g, _) = load_dataset(ds)?;
    Ok((g.ids().display(source_of(&g)), g.weights().is_some()))
}

/// What a kernel trial runs on, built once per algorithm (timed as its "partition" step).
enum Prepared {
    PageRank(kernel::pagerank::Prepared),
    Wcc(Csr),
    Bfs(Csr, Option<Csr>),
    Sssp(Csr, f64),
}

/// The CSR of one of the four benchmark kernels, or `None` for an algorithm without one (it
/// then runs as a registry job).
fn prepare_kernel(name: &str, g: &Graph, sssp_delta: Option<f64>) -> Result<Option<Prepared>> {
    Ok(Some(match name {
        n if n == algo::pagerank::SPEC.name => {
            Prepared::PageRank(kernel::pagerank::Prepared::build(g, &pagerank::out_degrees(g)))
        }
        n if n == algo::wcc::SPEC.name => Prepared::Wcc(Csr::build(g, Direction::Both, false)),
        n if n == algo::bfs::SPEC.name => {
            let (out, inn) = kernel::bfs::layout(g);
            Prepared::Bfs(out, inn)
        }
        n if n == algo::sssp::SPEC.name => {
            algo::sssp::check_weights(g)?;
            let out = Csr::build(g, Direction::Out, true);
            let delta = sssp_delta.unwrap_or_else(|| kernel::sssp::default_delta(&out));
            Prepared::Sssp(out, delta)
        }
        _ => return Ok(None),
    }))
}

/// One kernel trial: iterations (PageRank), the check, and the seconds of the kernel call
/// alone (the check is computed after the clock stops).
fn run_kernel(p: &Prepared, g: &Graph, source: u32, iterations: u32, c: &Common) -> Result<(Option<u32>, String, f64)> {
    let ctx = &c.ctx;
    let t = Instant::now();
    Ok(match p {
        Prepared::PageRank(p) => {
            let it = kernel::pagerank::Iterations { max: iterations, tolerance: None };
            let o = p.run(&[], true, 0.85, it, ctx)?;
            let secs = t.elapsed().as_secs_f64();
            (Some(o.iterations), top_check(g, &o.rank), secs)
        }
        Prepared::Wcc(sym) => {
            let comp = kernel::wcc::run(sym, ctx)?;
            let secs = t.elapsed().as_secs_f64();
            (None, components_check(comp.iter().copied()), secs)
        }
        Prepared::Bfs(out, inn) => {
            let hops = kernel::bfs::run(out, Some(inn.as_ref().unwrap_or(out)), source, ctx)?.hops;
            let secs = t.elapsed().as_secs_f64();
            (None, reach_check(&hops), secs)
        }
        Prepared::Sssp(out, delta) => {
            let distance = kernel::sssp::run(out, source, *delta, ctx)?.distance;
            let secs = t.elapsed().as_secs_f64();
            (None, dist_check(&distance), secs)
        }
    })
}

/// The same check from a registry job's result table.
fn table_check(spec_name: &str, t: &ember::datafusion::arrow::array::RecordBatch, g: &Graph) -> String {
    use ember::datafusion::arrow::array::{Array, AsArray};
    use ember::datafusion::arrow::datatypes::{Float64Type, Int64Type};
    let col = |i: usize| t.column(i).clone();
    match spec_name {
        n if n == algo::pagerank::SPEC.name => {
            let r: Vec<f64> = col(1).as_primitive::<Float64Type>().values().to_vec();
            top_check(g, &r)
        }
        n if n == algo::wcc::SPEC.name => {
            use ember::datafusion::arrow::util::display::array_value_to_string;
            let comp = col(1);
            components_check((0..t.num_rows()).map(|i| array_value_to_string(&comp, i).unwrap_or_default()))
        }
        n if n == algo::bfs::SPEC.name => {
            let d = col(1);
            let d = d.as_primitive::<Int64Type>();
            let hops: Vec<u32> =
                (0..d.len()).map(|i| if d.is_null(i) { algo::bfs::UNREACHED } else { d.value(i) as u32 }).collect();
            reach_check(&hops)
        }
        n if n == algo::sssp::SPEC.name => dist_check(col(1).as_primitive::<Float64Type>().values()),
        // Each triangle is counted at its three corners.
        n if n == algo::triangles::SPEC.name => {
            format!("{} triangles", col(1).as_primitive::<Int64Type>().values().iter().sum::<i64>() / 3)
        }
        _ => format!("{} rows", t.num_rows()),
    }
}

/// One timed run of Ember.
struct Trial {
    /// PageRank's iterations (for ns per edge per iteration).
    iterations: Option<u32>,
    check: String,
    compute_s: f64,
    /// CSR build or partitioning.
    prepare_s: f64,
    /// Pregel runs: replication factor and partitions.
    pregel: Option<(f64, u32)>,
    threads: u32,
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
/// Component count and the largest component's size, from each vertex's component label.
fn components_check<K: std::hash::Hash + Eq>(labels: impl Iterator<Item = K>) -> String {
    let mut sizes: std::collections::HashMap<K, u64> = std::collections::HashMap::new();
    for l in labels {
        *sizes.entry(l).or_default() += 1;
    }
    format!("components {}; largest {}", sizes.len(), sizes.values().max().unwrap_or(&0))
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
    let (g, gen_s) = load_dataset(ds)?;
    let load_s = t.elapsed().as_secs_f64();
    let st = g.build_stats();
    let (ids_s, simplify_s) = (st.ids_time.as_secs_f64(), st.simplify_time.as_secs_f64());
    let first = match gen_s {
        Some(s) => format!("generate {s:.3} s"),
        None => format!("read {:.3} s", (load_s - ids_s - simplify_s).max(0.0)),
    };
    outcome.notes.push(format!(
        "{}: load {load_s:.3} s = {first}, dense ids {ids_s:.3} s, simplify {simplify_s:.3} s",
        ds.name()
    ));
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
                    // The width Ember's SSSP kernel uses (an undirected edge's two arcs weigh
                    // the same, so the mean over edges is the mean over arcs).
                    sssp_delta: cfg.sssp_delta.or_else(|| {
                        g.weights().map(|w| {
                            let mean = w.iter().sum::<f64>() / w.len().max(1) as f64;
                            kernel::sssp::delta_rule(g.num_vertices(), arcs as usize, mean)
                        })
                    }),
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
    let mut jobs: Vec<(&'static ember::algo::spec::AlgorithmSpec, Engine)> = Vec::new();
    for name in &cfg.algorithms {
        let spec = registry::lookup(name).map_err(|e| Error::Config(format!("bench: {e}")))?;
        let engine = match (cfg.common.engine, spec.engines.kernel.is_some()) {
            (Engine::Auto, true) => Engine::Kernel,
            (Engine::Auto, false) => Engine::Auto,
            (e, _) => e,
        };
        jobs.push((spec, engine));
    }
    if cfg.common.engine == Engine::Auto && jobs.iter().any(|(s, _)| s.name == algo::pagerank::SPEC.name) {
        jobs.push((&algo::pagerank::SPEC, Engine::Pregel));
    }
    let mut peer_rows: Vec<Row> = Vec::new();
    let source_id = g.ids().display(source);
    for (spec, engine) in jobs {
        let alg = spec.name.to_string();
        if spec.name == algo::sssp::SPEC.name && g.weights().is_none() {
            outcome.notes.push(format!("{}: sssp skipped, the graph has no weights", ds.name()));
            continue;
        }
        let c = Common { engine, ..cfg.common.clone() };
        let t = Instant::now();
        let prepared = if engine == Engine::Kernel { prepare_kernel(spec.name, &g, cfg.sssp_delta)? } else { None };
        let kernel_prep_s = t.elapsed().as_secs_f64();
        // Registry jobs: the algorithm's own parameters, with the bench's source and iterations.
        let mut args: Vec<(String, String)> = Vec::new();
        if let Some(p) = spec.param("source").filter(|p| p.required()) {
            args.push((p.name.to_string(), source_id.clone()));
        }
        if spec.name == algo::pagerank::SPEC.name {
            args.push(("iterations".into(), cfg.pagerank_iterations.to_string()));
        }
        let job_alg = Algorithm::from_spec(spec, &args)?;
        let threads = rayon::current_num_threads() as u32;
        let run_once = || -> Result<Trial> {
            if let Some(p) = &prepared {
                let (iterations, check, compute_s) = run_kernel(p, &g, source, cfg.pagerank_iterations, &c)?;
                return Ok(Trial { iterations, check, compute_s, prepare_s: kernel_prep_s, pregel: None, threads });
            }
            let out = job::run(&g, &job_alg, &c, 1)?;
            let ex = &out.execution;
            let pregel = match &ex.executed {
                Executed::Pregel { partition } => Some((partition.replication_factor, partition.num_partitions)),
                Executed::Kernel { .. } => None,
            };
            Ok(Trial {
                iterations: (spec.name == algo::pagerank::SPEC.name).then_some(out.supersteps),
                check: table_check(spec.name, &out.table, &g),
                compute_s: ex.compute.as_secs_f64(),
                prepare_s: ex.prepare.as_secs_f64(),
                pregel,
                threads,
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
        // Warm-up.
        run_once()?;
        if with_peers && cfg.peer_trials > 1 {
            peer_step(&mut peers, &mut peer_trials, false)?;
        }
        reset_peak_rss();
        let mut trials = Vec::new();
        let mut preps = Vec::new();
        let mut last = run_once()?;
        for i in 0..cfg.trials.max(1) {
            if i > 0 {
                last = run_once()?;
            }
            trials.push(last.compute_s);
            preps.push(last.prepare_s);
            if with_peers && i < cfg.peer_trials.max(1) {
                peer_step(&mut peers, &mut peer_trials, true)?;
            }
        }
        let peak = peak_rss();
        let med = median(&trials);
        outcome.rows.push(Row {
            dataset: ds.name().to_string(),
            algorithm: alg.clone(),
            engine: if last.pregel.is_none() { "kernel" } else { "pregel" }.into(),
            vertices: g.num_vertices() as u64,
            edges: g.num_edges() as u64,
            arcs,
            load_s,
            partition_s: median(&preps),
            median_s: med,
            edges_per_s: arcs as f64 / med,
            ns_per_edge_iter: last.iterations.map(|i| med * 1e9 / (arcs as f64 * i.max(1) as f64)),
            peak_rss_bytes: peak,
            bytes_per_edge: peak.map(|p| p as f64 / arcs.max(1) as f64),
            replication_factor: last.pregel.map_or(1.0, |p| p.0),
            partitions: last.pregel.map_or(last.threads, |p| p.1),
            trials_s: trials,
            check: last.check,
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
    for pattern in &cfg.motifs {
        outcome.rows.push(motif_row(ds, &g, pattern, cfg.trials.max(1), load_s, arcs)?);
    }
    if cfg.expr_pagerank {
        outcome.rows.push(expr_pagerank_row(ds, &g, cfg, load_s, arcs)?);
    }
    outcome.rows.extend(peer_rows);
    Ok(outcome)
}

/// Counts the matches of `pattern` over the graph's tables (one warm-up, then `trials`): the
/// whole query (DataFusion plan, the matcher or joins, the joins with the vertex table).
fn motif_row(ds: &Dataset, g: &Graph, pattern: &str, trials: usize, load_s: f64, arcs: u64) -> Result<Row> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(16 << 20)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("bench: cannot start a runtime: {e}")))?;
    let session = ember::sql::Session::new();
    session.register_graph(g, "vertices", "edges")?;
    let frame = rt.block_on(async {
        let ctx = session.context();
        let v = ctx.table("vertices").await.map_err(|e| Error::df("bench", e))?;
        let e = ctx.table("edges").await.map_err(|e| Error::df("bench", e))?;
        ember::query::GraphFrame::new(v, e)
    })?;
    let count = || -> Result<(usize, f64)> {
        let df = frame.find(pattern)?;
        let t = Instant::now();
        let n = rt.block_on(df.count()).map_err(|e| Error::df("bench: counting matches", e))?;
        Ok((n, t.elapsed().as_secs_f64()))
    };
    count()?;
    reset_peak_rss();
    let mut times = Vec::new();
    let mut matches = 0;
    for _ in 0..trials {
        let (n, s) = count()?;
        matches = n;
        times.push(s);
    }
    Ok(Row {
        algorithm: format!("motif {pattern}"),
        engine: "query".into(),
        check: format!("{matches} matches"),
        ..Row::timed_whole(ds, g, arcs, load_s, times)
    })
}

/// GraphFrames' PageRank example as a Pregel program of SQL expressions
/// (`ember::query::pregel`), trial by trial alternating with the built-in Pregel PageRank
/// job on the same partitioning; the check column gives the ratio of the medians.
fn expr_pagerank_row(ds: &Dataset, g: &Graph, cfg: &BenchConfig, load_s: f64, arcs: u64) -> Result<Row> {
    use ember::datafusion::arrow::array::{Int64Array, RecordBatch};
    use ember::datafusion::arrow::datatypes::{DataType, Field, Schema};
    use ember::query::pregel::{Partitioning, Pregel};
    let (out, _) = g.degrees();
    let degree = Int64Array::from_iter_values(out.iter().map(|&d| d as i64));
    let attrs = RecordBatch::try_new(
        std::sync::Arc::new(Schema::new(vec![Field::new("outDegree", DataType::Int64, false)])),
        vec![std::sync::Arc::new(degree)],
    )
    .map_err(|e| Error::Internal(format!("bench: out-degrees: {e}")))?;
    let eg = g.clone().with_vertex_attrs(attrs)?;
    let n = g.num_vertices() as f64;
    let iterations = cfg.pagerank_iterations;
    let program = Pregel {
        partitioning: Partitioning { strategy: cfg.common.strategy, partitions: cfg.common.partitions },
        ..Pregel::new()
            .max_iter(iterations)
            .with_vertex_column("rank", &format!("1.0 / {n}"), &format!("coalesce(msg, 0.0) * 0.85 + 0.15 / {n}"))
            .send_msg_to_dst("src.rank / src.\"outDegree\"")
            .agg_msgs("sum(msg)")
    };
    let state = ember::sql::Session::new().context().state();
    let builtin = Algorithm::from_spec(&algo::pagerank::SPEC, &[("iterations", iterations.to_string())])?;
    let c = Common { engine: Engine::Pregel, ..cfg.common.clone() };
    let expr_once = || -> Result<f64> {
        let t = Instant::now();
        program.run(&state, &eg, &ember::RunContext::default())?;
        Ok(t.elapsed().as_secs_f64())
    };
    let builtin_once = || -> Result<f64> { Ok(job::run(g, &builtin, &c, 1)?.execution.compute.as_secs_f64()) };
    expr_once()?;
    builtin_once()?;
    reset_peak_rss();
    let (mut times, mut base) = (Vec::new(), Vec::new());
    for _ in 0..cfg.trials.max(1) {
        times.push(expr_once()?);
        base.push(builtin_once()?);
    }
    let (med, base_med) = (median(&times), median(&base));
    Ok(Row {
        algorithm: "pagerank (SQL expressions)".into(),
        engine: "pregel-expr".into(),
        ns_per_edge_iter: Some(med * 1e9 / (arcs as f64 * iterations.max(1) as f64)),
        partitions: if cfg.common.partitions == 0 {
            rayon::current_num_threads() as u32
        } else {
            cfg.common.partitions
        },
        check: format!("{:.2}x built-in Pregel PageRank ({base_med:.3} s), alternated", med / base_med),
        ..Row::timed_whole(ds, g, arcs, load_s, times)
    })
}

impl Row {
    /// A query timed as a whole (no separate partition phase) with the peak RSS since the last
    /// reset, one thread per partition; the caller names the algorithm, engine and check.
    fn timed_whole(ds: &Dataset, g: &Graph, arcs: u64, load_s: f64, times: Vec<f64>) -> Row {
        let peak = peak_rss();
        let med = median(&times);
        Row {
            dataset: ds.name().to_string(),
            algorithm: String::new(),
            engine: String::new(),
            vertices: g.num_vertices() as u64,
            edges: g.num_edges() as u64,
            arcs,
            load_s,
            partition_s: 0.0,
            median_s: med,
            edges_per_s: arcs as f64 / med,
            ns_per_edge_iter: None,
            peak_rss_bytes: peak,
            bytes_per_edge: peak.map(|p| p as f64 / arcs.max(1) as f64),
            replication_factor: 1.0,
            partitions: rayon::current_num_threads() as u32,
            trials_s: times,
            check: String::new(),
        }
    }
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
        assert!(out.notes[0].starts_with("urand:8: load ") && out.notes[0].contains("generate "), "{:?}", out.notes);
        assert!(out.notes[1].contains("sssp skipped"), "{:?}", out.notes);
        // Any registry algorithm runs through its job; the row says which engine ran.
        let cfg = BenchConfig { algorithms: vec!["cdlp".into(), "lcc".into(), "scc".into()], ..cfg };
        let rows = run(&ds, &cfg).unwrap().rows;
        let got: Vec<(&str, &str)> = rows.iter().map(|r| (r.algorithm.as_str(), r.engine.as_str())).collect();
        assert_eq!(got, vec![("cdlp", "kernel"), ("lcc", "pregel"), ("scc", "pregel")]);
        assert!(rows[1].replication_factor >= 1.0 && rows[1].partitions == 2);
        assert!(rows.iter().all(|r| r.median_s >= 0.0 && r.check.ends_with(" rows")));
    }
}
