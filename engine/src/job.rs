//! Graph jobs: one algorithm run on a graph with a name and parameters, as the CLI, the SQL
//! table functions and the notebook request it. A job returns its result table, a short
//! summary, and its plan: the phases (dictionary, partition, Pregel, output) with what each did
//! and how long it took.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;

use crate::algo::{self, Common, pagerank};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::PartitionReport;
use crate::pregel::{RunContext, SuperstepStats};

/// An algorithm with its parameters. Vertex ids are given as text (original ids).
#[derive(Debug, Clone, PartialEq)]
pub enum Algorithm {
    PageRank { damping: f64, iterations: u32, tolerance: Option<f64>, variant: pagerank::Variant, sources: Vec<String> },
    Wcc,
    Scc,
    Sssp { source: String },
    Bfs { source: String },
    Landmarks { landmarks: Vec<String> },
    Cdlp { iterations: u32 },
    Lcc,
    Triangles,
    Degrees,
}

impl Algorithm {
    pub const NAMES: &'static [&'static str] =
        &["pagerank", "wcc", "scc", "sssp", "bfs", "landmarks", "cdlp", "lcc", "triangles", "degrees"];

    pub fn name(&self) -> &'static str {
        match self {
            Algorithm::PageRank { .. } => "pagerank",
            Algorithm::Wcc => "wcc",
            Algorithm::Scc => "scc",
            Algorithm::Sssp { .. } => "sssp",
            Algorithm::Bfs { .. } => "bfs",
            Algorithm::Landmarks { .. } => "landmarks",
            Algorithm::Cdlp { .. } => "cdlp",
            Algorithm::Lcc => "lcc",
            Algorithm::Triangles => "triangles",
            Algorithm::Degrees => "degrees",
        }
    }

    /// Default PageRank: 20 iterations, damping 0.85, LDBC variant.
    pub fn pagerank() -> Algorithm {
        Algorithm::PageRank {
            damping: 0.85,
            iterations: 20,
            tolerance: None,
            variant: pagerank::Variant::Ldbc,
            sources: vec![],
        }
    }

    /// The parameters as `key=value` text (for plans and EXPLAIN).
    pub fn params(&self) -> String {
        match self {
            Algorithm::PageRank { damping, iterations, tolerance, variant, sources } => {
                let mut s = format!("iterations={iterations}, damping={damping}, variant={variant:?}").to_lowercase();
                if let Some(t) = tolerance {
                    s.push_str(&format!(", tol={t}"));
                }
                if !sources.is_empty() {
                    s.push_str(&format!(", sources=[{}]", sources.join(",")));
                }
                s
            }
            Algorithm::Sssp { source } | Algorithm::Bfs { source } => format!("source={source}"),
            Algorithm::Landmarks { landmarks } => format!("landmarks=[{}]", landmarks.join(",")),
            Algorithm::Cdlp { iterations } => format!("iterations={iterations}"),
            _ => String::new(),
        }
    }
}

/// One phase of a graph job.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub name: String,
    pub details: String,
    pub elapsed: Duration,
}

/// What a job did, phase by phase.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobPlan {
    pub phases: Vec<Phase>,
    /// Per-superstep statistics of the Pregel phase.
    pub supersteps: Vec<SuperstepStats>,
    /// The partitioning the job ran on.
    pub partition: Option<PartitionReport>,
}

/// The result of a job.
#[derive(Debug, Clone)]
pub struct JobOutput {
    pub table: RecordBatch,
    /// Supersteps (or iterations) run.
    pub supersteps: u32,
    pub messages: u64,
    /// Human-readable lines: counts, the top vertices, ...
    pub summary: Vec<String>,
    pub plan: JobPlan,
}

/// Runs `algorithm` on `graph`, partitioned per `common`. `top` is the number of top vertices
/// listed in the summary.
pub fn run(graph: &Graph, algorithm: &Algorithm, common: &Common, top: usize) -> Result<JobOutput> {
    let stats: Arc<Mutex<Vec<SuperstepStats>>> = Arc::default();
    let user = common.ctx.observer.clone();
    let s2 = stats.clone();
    let ctx = RunContext {
        cancel: common.ctx.cancel.clone(),
        observer: Some(Arc::new(move |s: &SuperstepStats| {
            if let Ok(mut v) = s2.lock() {
                v.push(s.clone());
            }
            if let Some(u) = &user {
                u(s)
            }
        })),
    };
    let common = Common { ctx, ..common.clone() };
    let mut phases = Vec::new();
    let s = graph.build_stats();
    phases.push(Phase {
        name: "Dictionary".into(),
        details: format!(
            "{} vertices, {} edges ({}), {} self-loops and {} duplicates removed",
            graph.num_vertices(),
            graph.num_edges(),
            if graph.is_directed() { "directed" } else { "undirected" },
            s.self_loops_removed,
            s.duplicates_removed
        ),
        elapsed: Duration::ZERO,
    });
    let kernel = uses_kernel(algorithm, &common)?;
    let t = Instant::now();
    let pg = if kernel { None } else { Some(common.partition(graph)?) };
    let report = pg.as_ref().map(|pg| pg.report().clone());
    if let Some(r) = &report {
        phases.push(Phase {
            name: "Partition".into(),
            details: format!(
                "strategy={}, partitions={}, replication factor={:.3}, edge balance={:.3}",
                r.strategy.name(),
                r.num_partitions,
                r.replication_factor,
                r.edge_balance
            ),
            elapsed: t.elapsed(),
        });
    }
    // The Pregel partitioning; only absent when `kernel`, whose arms do not call this.
    let pg = || pg.as_ref().ok_or_else(|| Error::Internal("no partitioning for a Pregel run".into()));
    let t = Instant::now();
    let idx = |ids: &[String], what: &str| -> Result<Vec<u32>> {
        ids.iter()
            .map(|s| graph.vertex_index(s).map_err(|_| Error::Input(format!("{what} {s} is not in the graph"))))
            .collect()
    };
    let one = |id: &str, what: &str| -> Result<u32> { Ok(idx(&[id.to_string()], what)?[0]) };
    let mut summary = Vec::new();
    let (table, steps) = match algorithm {
        Algorithm::PageRank { damping, iterations, tolerance, variant, sources } => {
            let cfg = pagerank::Config {
                damping: *damping,
                iterations: *iterations,
                tolerance: *tolerance,
                sources: idx(sources, "source")?,
                variant: *variant,
                common: common.clone(),
            };
            let out = if kernel { pagerank::run(graph, &cfg)? } else { pagerank::run_partitioned(pg()?, &cfg)? };
            if tolerance.is_some() {
                summary.push(format!("converged: {}", out.converged));
            }
            summary.extend(top_lines(graph, &out.rank, top, "pagerank"));
            (out.to_batch(graph)?, out.iterations)
        }
        Algorithm::Wcc => {
            let cfg = algo::wcc::Config { max_supersteps: None, common: common.clone() };
            let out = if kernel { algo::wcc::run(graph, &cfg)? } else { algo::wcc::run_partitioned(pg()?, &cfg)? };
            summary.push(sizes_line("components", &out.sizes()));
            (out.to_batch(graph)?, out.supersteps)
        }
        Algorithm::Scc => {
            let out = algo::scc::run_partitioned(pg()?, &algo::scc::Config { common: common.clone() })?;
            summary.push(sizes_line("components", &out.sizes()));
            (out.to_batch(graph)?, out.supersteps)
        }
        Algorithm::Sssp { source } => {
            let cfg = algo::sssp::Config { source: one(source, "source")?, common: common.clone() };
            let out = if kernel { algo::sssp::run(graph, &cfg)? } else { algo::sssp::run_partitioned(pg()?, &cfg)? };
            let reached: Vec<f64> = out.distance.iter().copied().filter(|d| d.is_finite()).collect();
            summary.push(format!(
                "reached: {}; max distance: {}; sum: {}",
                reached.len(),
                reached.iter().copied().fold(0.0, f64::max),
                reached.iter().sum::<f64>()
            ));
            (out.to_batch(graph)?, out.supersteps)
        }
        Algorithm::Bfs { source } => {
            let cfg = algo::bfs::Config { source: one(source, "source")?, common: common.clone() };
            let out = if kernel { algo::bfs::run(graph, &cfg)? } else { algo::bfs::run_partitioned(pg()?, &cfg)? };
            let reached: Vec<u64> =
                out.hops.iter().filter(|&&h| h != algo::bfs::UNREACHED).map(|&h| h as u64).collect();
            summary.push(format!(
                "reached: {}; max hops: {}; sum of hops: {}",
                reached.len(),
                reached.iter().max().unwrap_or(&0),
                reached.iter().sum::<u64>()
            ));
            (out.to_batch(graph)?, out.supersteps)
        }
        Algorithm::Landmarks { landmarks } => {
            if landmarks.is_empty() {
                return Err(Error::Config("landmarks: give at least one landmark vertex".into()));
            }
            let cfg = algo::bfs::LandmarksConfig { landmarks: idx(landmarks, "landmark")?, common: common.clone() };
            let out = algo::bfs::landmarks_partitioned(pg()?, &cfg)?;
            for (k, &l) in out.landmarks.iter().enumerate() {
                let reach = out.hops[k].iter().filter(|&&h| h != algo::bfs::UNREACHED).count();
                summary.push(format!("landmark {}: reached from {reach} vertices", graph.ids().display(l)));
            }
            (out.to_batch(graph)?, 0)
        }
        Algorithm::Cdlp { iterations } => {
            let out = algo::cdlp::run(graph, &algo::cdlp::Config { iterations: *iterations, common: common.clone() })?;
            summary.push(sizes_line("communities", &algo::wcc::component_sizes(&out.label)));
            (out.to_batch(graph)?, out.iterations)
        }
        Algorithm::Lcc => {
            let out = algo::lcc::run(graph, &algo::lcc::Config { common: common.clone() })?;
            let mean = out.lcc.iter().sum::<f64>() / out.lcc.len().max(1) as f64;
            summary.push(format!("average clustering coefficient: {mean:.6}"));
            summary.extend(top_lines(graph, &out.lcc, top, "lcc"));
            (out.to_batch(graph)?, 1)
        }
        Algorithm::Triangles => {
            let out = algo::triangles::run(graph, &algo::triangles::Config { common: common.clone() })?;
            summary.push(format!("triangles: {}", out.total()));
            let t: Vec<f64> = out.triangles.iter().map(|&x| x as f64).collect();
            summary.extend(top_lines(graph, &t, top, "triangles"));
            (out.to_batch(graph)?, 1)
        }
        Algorithm::Degrees => {
            let out = algo::degrees::run(graph, &algo::degrees::Config { common: common.clone() })?;
            let d: Vec<f64> = out.degree.iter().map(|&x| x as f64).collect();
            summary.extend(top_lines(graph, &d, top, "degree"));
            (out.to_batch(graph)?, 1)
        }
    };
    let supersteps: Vec<SuperstepStats> = stats.lock().map(|v| v.clone()).unwrap_or_default();
    let messages = supersteps.iter().map(|s| s.messages).sum();
    let params = algorithm.params();
    phases.push(Phase {
        name: format!("{}({})", if kernel { "Kernel" } else { "Pregel" }, algorithm.name()),
        details: format!(
            "{}{}{}supersteps={steps}, {}={messages}",
            if kernel { kernel_name(algorithm) } else { "" },
            params,
            if params.is_empty() { "" } else { ", " },
            if kernel { "arcs read" } else { "messages" }
        ),
        elapsed: t.elapsed(),
    });
    phases.push(Phase {
        name: "Output".into(),
        details: format!("{} rows, columns: {}", table.num_rows(), column_list(&table)),
        elapsed: Duration::ZERO,
    });
    Ok(JobOutput {
        table,
        supersteps: steps,
        messages,
        summary,
        plan: JobPlan { phases, supersteps, partition: report },
    })
}

/// Whether `common.engine` runs `algorithm` on its specialised kernel (an error when it asks
/// for a kernel that does not exist).
pub fn uses_kernel(algorithm: &Algorithm, common: &Common) -> Result<bool> {
    match algorithm {
        Algorithm::PageRank { variant, tolerance, .. } => {
            common.use_kernel(pagerank::kernel_supports(*variant, *tolerance), pagerank::KERNEL_MISSING)
        }
        Algorithm::Wcc | Algorithm::Bfs { .. } | Algorithm::Sssp { .. } => common.use_kernel(true, algorithm.name()),
        other => common.use_kernel(false, other.name()),
    }
}

fn kernel_name(algorithm: &Algorithm) -> &'static str {
    match algorithm {
        Algorithm::PageRank { .. } => "pull over the in-CSR; ",
        Algorithm::Wcc => "Afforest union-find; ",
        Algorithm::Bfs { .. } => "direction-optimizing; ",
        Algorithm::Sssp { .. } => "delta-stepping; ",
        _ => "",
    }
}

fn column_list(b: &RecordBatch) -> String {
    b.schema().fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
}

fn sizes_line(what: &str, sizes: &[u64]) -> String {
    format!("{what}: {}; largest: {:?}", sizes.len(), &sizes[..sizes.len().min(5)])
}

/// The `k` vertices with the largest values (ties: smaller dense index).
pub fn top_lines(g: &Graph, values: &[f64], k: usize, name: &str) -> Vec<String> {
    let mut idx: Vec<u32> = (0..values.len() as u32).collect();
    let cmp = |a: &u32, b: &u32| values[*b as usize].total_cmp(&values[*a as usize]).then(a.cmp(b));
    if k < idx.len() {
        idx.select_nth_unstable_by(k, cmp);
        idx.truncate(k);
    }
    idx.sort_by(cmp);
    let mut out = vec![format!("top {} by {name}:", idx.len())];
    out.extend(idx.iter().map(|&v| format!("  {:>12}  {}", g.ids().display(v), values[v as usize])));
    out
}
