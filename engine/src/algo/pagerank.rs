//! PageRank: static (fixed iterations), dynamic (until the change is below a tolerance) and
//! personalized (teleport to one or more sources), in two variants.
//!
//! * `Ldbc` — the LDBC Graphalytics / igraph definition: PR_0 = 1/N;
//!   PR_i(v) = (1-d) t(v) + d Σ_{u->v} PR_{i-1}(u)/outdeg(u) + d t(v) Σ_{w dangling} PR_{i-1}(w),
//!   with teleport t uniform (1/N) or uniform over the sources when personalized. Scores sum to
//!   1. Dynamic runs stop when the L1 change of an iteration is below `tolerance`.
//! * `Graphx` — reproduces GraphX's numbers: static runs start at 1 and apply
//!   PR(v) = (1-d) + d Σ PR(u)/outdeg(u) (dangling mass is dropped), dynamic runs are GraphX's
//!   delta-Pregel (`runUntilConvergence`); both end with GraphX's normalisation (sum N, or 1
//!   when personalized).
//!
//! Undirected edges count as two arcs. Self-loops and parallel edges count as arcs (as in
//! igraph and GraphX). Runs as `aggregateMessages` rounds (static, LDBC dynamic) or as a
//! Pregel program (GraphX dynamic) on the engine.

use datafusion::arrow::array::{Float64Array, RecordBatch};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

use crate::algo::common::{Common, id_batch, no_edge_attrs};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, DefaultValue, Engines, Execution, Param, ParamKind, Params, RunOptions,
    top_lines, vertex_indices,
};
use crate::checkpoint;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::kernel::pagerank::{Iterations, Teleport, iteration_done, normalize_graphx};
use crate::kernel::{self, det_sum};
use crate::partition::PartitionedGraph;
use crate::pregel::{self, ActiveDirection, Exchange, Msgs, PregelConfig, TripletFields};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "pagerank",
    summary: "PageRank: static, until a tolerance, or personalized (LDBC or GraphX numbers)",
    params: &[
        Param {
            name: "iterations",
            kind: ParamKind::Int { min: 1, max: u32::MAX as i64 },
            default: DefaultValue::Depends { value: "20", when: "tol", then: "100" },
            doc: "iterations (the cap when tol is given)",
            aliases: &["max_iter"],
        },
        Param {
            name: "damping",
            kind: ParamKind::Float { min: 0.0, max: 1.0 },
            default: DefaultValue::Value("0.85"),
            doc: "damping factor (GraphX resetProbability = 1 - damping)",
            aliases: &[],
        },
        Param {
            name: "tol",
            kind: ParamKind::Float { min: 0.0, max: f64::INFINITY },
            default: DefaultValue::Unset,
            doc: "run until the L1 change of an iteration is below tol",
            aliases: &["tolerance"],
        },
        Param {
            name: "variant",
            kind: ParamKind::Choice(Variant::NAMES),
            default: DefaultValue::Value("ldbc"),
            doc: "ldbc (scores sum to 1) or graphx (GraphX's numbers)",
            aliases: &[],
        },
        Param {
            name: "sources",
            kind: ParamKind::Vertices,
            default: DefaultValue::Unset,
            doc: "personalization sources (ids; graphx: one)",
            aliases: &["source"],
        },
    ],
    output: &[Column { name: "pagerank", ty: ColumnType::Float64, doc: "the vertex's score" }],
    exec_name: "PageRankExec",
    engines: Engines { kernel: Some(KERNEL), pregel: true, checkpoints: true, shares: true },
    run: run_spec,
};

const KERNEL: &str = "pull over the in-CSR";

fn run_spec(graph: &Graph, p: &Params, common: &Common, opts: RunOptions) -> Result<AlgoRun> {
    let tolerance = p.opt_f64("tol")?;
    let cfg = Config {
        damping: p.f64("damping")?,
        iterations: p.u32("iterations")?,
        tolerance,
        variant: Variant::parse(p.text("variant")?)?,
        sources: vertex_indices(graph, p.ids("sources")?, SPEC.name, "source")?,
        common: common.clone(),
    };
    let out = run(graph, &cfg)?;
    let mut summary = Vec::new();
    if tolerance.is_some() {
        summary.push(format!("converged: {}", out.converged));
    }
    summary.extend(top_lines(graph, &out.rank, opts.top, SPEC.output[0].name));
    Ok(AlgoRun { table: out.to_batch(graph)?, summary, supersteps: out.iterations, execution: out.execution })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    #[default]
    Ldbc,
    Graphx,
}

impl Variant {
    pub const NAMES: &'static [&'static str] = &["ldbc", "graphx"];

    pub fn parse(s: &str) -> Result<Variant> {
        match s.to_ascii_lowercase().as_str() {
            "ldbc" => Ok(Variant::Ldbc),
            "graphx" => Ok(Variant::Graphx),
            other => Err(Error::Config(format!("unknown PageRank variant '{other}'; known: ldbc, graphx"))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Damping factor d (GraphX's resetProb is 1 - d). Default 0.85.
    pub damping: f64,
    /// Iterations of a static run, or the cap of a dynamic one. Default 20.
    pub iterations: u32,
    /// `Some(tol)`: dynamic run. Default `None`.
    pub tolerance: Option<f64>,
    /// Personalization sources (dense indices); empty: classic PageRank.
    pub sources: Vec<u32>,
    pub variant: Variant,
    pub common: Common,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            damping: 0.85,
            iterations: 20,
            tolerance: None,
            sources: vec![],
            variant: Variant::Ldbc,
            common: Common::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Score per vertex (dense index).
    pub rank: Vec<f64>,
    /// Iterations (supersteps) run.
    pub iterations: u32,
    /// For dynamic runs: whether the tolerance was reached before the cap.
    pub converged: bool,
    /// Messages sent (Pregel) or arcs read (kernel).
    pub messages: u64,
    pub execution: Execution,
}

impl Output {
    /// `id, pagerank`.
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        id_batch(graph, vec![(SPEC.output[0].name, Arc::new(Float64Array::from(self.rank.clone())))])
    }
}

/// Runs on `graph`: the pull kernel ([`crate::kernel::pagerank`]) unless `common.engine` asks
/// for Pregel or the configuration has no kernel (GraphX's dynamic delta-Pregel).
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    validate(graph, cfg)?;
    // The kernel writes checkpoints itself.
    if cfg.common.use_resumable_kernel(kernel_supports(cfg.variant, cfg.tolerance), KERNEL_MISSING)? {
        let t = Instant::now();
        let prepared = kernel::pagerank::Prepared::build(graph, &out_degrees(graph));
        let prepare = t.elapsed();
        let t = Instant::now();
        let iters = Iterations { max: cfg.iterations, tolerance: cfg.tolerance };
        let r = prepared.run(&cfg.sources, cfg.variant == Variant::Ldbc, cfg.damping, iters, &cfg.common.ctx)?;
        return Ok(Output {
            rank: r.rank,
            iterations: r.iterations,
            converged: r.converged,
            messages: r.arcs_read,
            execution: Execution::kernel(KERNEL, prepare, t.elapsed()),
        });
    }
    let (pg, prepare) = cfg.common.partition_timed(graph)?;
    let mut out = pregel_program(&pg, cfg)?;
    out.execution.prepare = prepare;
    Ok(out)
}

/// Whether the specialised kernel computes this configuration (all but GraphX's delta-Pregel).
pub fn kernel_supports(variant: Variant, tolerance: Option<f64>) -> bool {
    !(variant == Variant::Graphx && tolerance.is_some())
}

/// What has no kernel, for the error when one is demanded.
const KERNEL_MISSING: &str = "pagerank (the graphx variant's dynamic run)";

/// Checks the parameters against the graph.
pub(crate) fn validate(g: &Graph, cfg: &Config) -> Result<()> {
    if !(0.0..=1.0).contains(&cfg.damping) || cfg.damping.is_nan() {
        return Err(Error::Config(format!("damping must be in [0, 1], got {}", cfg.damping)));
    }
    if let Some(t) = cfg.tolerance
        && (t.is_nan() || t < 0.0)
    {
        return Err(Error::Config(format!("tolerance must be >= 0, got {t}")));
    }
    if let Some(&s) = cfg.sources.iter().find(|&&s| s as usize >= g.num_vertices()) {
        return Err(Error::Config(format!("source index {s} is not a vertex")));
    }
    if cfg.variant == Variant::Graphx && cfg.sources.len() > 1 {
        return Err(Error::Config(
            "the graphx variant personalizes on one source (GraphX staticPersonalizedPageRank); use the ldbc variant for several".into(),
        ));
    }
    Ok(())
}

/// Runs on a partitioned graph with the Pregel engine (whatever `common.engine` says).
pub fn run_partitioned(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    validate(pg.graph(), cfg)?;
    pregel_program(pg, cfg)
}

/// The Pregel program, on parameters already validated.
fn pregel_program(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    let t = Instant::now();
    let g = pg.graph();
    let mut out = if g.num_vertices() == 0 {
        Output { rank: vec![], iterations: 0, converged: true, messages: 0, execution: placeholder(pg) }
    } else {
        match (cfg.variant, cfg.tolerance) {
            (Variant::Graphx, Some(tol)) => graphx_dynamic(pg, cfg, tol)?,
            _ => power_iteration(pg, cfg)?,
        }
    };
    out.execution = Execution::pregel(pg.report().clone(), std::time::Duration::ZERO, t.elapsed());
    Ok(out)
}

fn placeholder(pg: &PartitionedGraph<'_>) -> Execution {
    Execution::pregel(pg.report().clone(), std::time::Duration::ZERO, std::time::Duration::ZERO)
}

/// Out-degree as PageRank counts it (undirected: degree).
pub fn out_degrees(g: &Graph) -> Vec<u32> {
    let (out, inn) = g.degrees();
    if g.is_directed() { out } else { out.iter().zip(&inn).map(|(a, b)| a + b).collect() }
}

fn power_iteration(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    let g = pg.graph();
    let n = g.num_vertices();
    let ldbc = cfg.variant == Variant::Ldbc;
    let directed = g.is_directed();
    let outdeg = out_degrees(g);
    let tp = Teleport::new(n, &cfg.sources, ldbc, cfg.damping)?;
    let iters = Iterations { max: cfg.iterations, tolerance: cfg.tolerance };
    let mut rank = tp.initial();
    let contrib = |rank: &[f64]| -> Vec<f64> {
        rank.par_iter().zip(&outdeg).map(|(&r, &k)| if k > 0 { r / k as f64 } else { 0.0 }).collect()
    };
    let units = no_edge_attrs(g);
    // Directed: triplets read the source's contribution only, so only sources' replicas are shipped.
    let fields = if directed { TripletFields::Src } else { TripletFields::All };
    let mut ex: Exchange<'_, '_, f64, (), f64> = Exchange::portable(pg, &contrib(&rank), &units, fields)?;
    let send = |t: &pregel::EdgeTriplet<f64, ()>| {
        if directed { Msgs::to_dst(*t.src_attr) } else { Msgs::both(*t.dst_attr, *t.src_attr) }
    };
    let merge = |a: f64, b: f64| a + b;
    let mut it = 0;
    let mut converged = cfg.tolerance.is_none();
    let mut messages = 0;
    // The ranks after an iteration are the whole state (contributions are derived from them).
    const LAYOUT: &str = "pagerank pregel f64";
    let ck = cfg.common.ctx.checkpoint.as_ref();
    if let Some(ck) = ck {
        let snap = checkpoint::restore::<f64, ()>(ck, LAYOUT, n)?;
        pg.agree_on_resume(snap.as_ref().map(|s| s.step))?;
        if let Some(snap) = snap {
            rank = snap.attrs;
            it = snap.step;
            messages = snap.total;
        }
    }
    let writer = pg.writes_checkpoints();
    while it < cfg.iterations {
        cfg.common.ctx.check()?;
        let t0 = Instant::now();
        let c = contrib(&rank);
        let dangling = tp.dangling(&rank, &outdeg);
        ex.ship(&c, None);
        ex.scatter(None, &send, &merge);
        let sent = ex.gather(&merge)?;
        messages += sent;
        let msg = &mut ex.msg;
        let new: Vec<f64> =
            msg.par_iter_mut().enumerate().map(|(v, m)| tp.next(v, m.take().unwrap_or(0.0), dangling)).collect();
        let delta: f64 = det_sum(n, |v| (new[v] - rank[v]).abs());
        rank = new;
        it += 1;
        if iteration_done(&cfg.common.ctx, iters, it, n, sent, t0, delta) {
            converged = true;
            break;
        }
        if let Some(ck) = ck
            && writer
            && ck.due(it)
            && it < cfg.iterations
        {
            checkpoint::save::<f64, ()>(ck, LAYOUT, it, messages, &rank, &[])?;
        }
    }
    tp.finish(&mut rank);
    Ok(Output { rank, iterations: it, converged, messages, execution: placeholder(pg) })
}

/// GraphX `runUntilConvergence`: vertex attribute (rank, delta), messages carry deltas scaled
/// by 1/outdeg, only vertices whose delta exceeds the tolerance send.
fn graphx_dynamic(pg: &PartitionedGraph<'_>, cfg: &Config, tol: f64) -> Result<Output> {
    let g = pg.graph();
    let n = g.num_vertices();
    let src = cfg.sources.first().copied();
    let reset = 1.0 - cfg.damping;
    let outdeg = out_degrees(g);
    let weight: Vec<f64> = if g.is_directed() {
        g.src().iter().map(|&s| 1.0 / outdeg[s as usize] as f64).collect()
    } else {
        // Both directions: (1/outdeg(src), 1/outdeg(dst)) folded into the triplet below.
        vec![0.0; g.num_edges()]
    };
    let directed = g.is_directed();
    let init: Vec<(f64, f64)> =
        (0..n as u32).map(|v| if Some(v) == src { (0.0, f64::NEG_INFINITY) } else { (0.0, 0.0) }).collect();
    let initial_msg = if src.is_some() { 0.0 } else { reset / (1.0 - reset) };
    let vprog = |v: u32, &(old, last): &(f64, f64), &msg: &f64| {
        let new = if src.is_some() && last == f64::NEG_INFINITY {
            if Some(v) == src { reset } else { 0.0 }
        } else {
            old + (1.0 - reset) * msg
        };
        (new, new - old)
    };
    let send = |t: &pregel::EdgeTriplet<(f64, f64), f64>| {
        let to_dst = (t.src_attr.1 > tol).then(|| {
            let w = if directed { *t.attr } else { 1.0 / outdeg[t.src as usize] as f64 };
            t.src_attr.1 * w
        });
        let to_src = (!directed && t.dst_attr.1 > tol).then(|| t.dst_attr.1 / outdeg[t.dst as usize] as f64);
        Msgs { to_src, to_dst }
    };
    let pcfg = PregelConfig {
        max_supersteps: cfg.iterations,
        direction: if directed { ActiveDirection::Out } else { ActiveDirection::Either },
    };
    let res =
        pregel::pregel_resumable(pg, init, &weight, initial_msg, &pcfg, &cfg.common.ctx, vprog, send, |a, b| a + b)?;
    let mut rank: Vec<f64> = res.attrs.iter().map(|a| a.0).collect();
    normalize_graphx(&mut rank, src.is_some());
    let converged = res.stats.last().is_some_and(|s| s.messages == 0);
    Ok(Output { rank, iterations: res.supersteps, converged, messages: res.messages, execution: placeholder(pg) })
}
