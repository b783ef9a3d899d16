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

use crate::algo::{Common, det_sum, id_batch, no_edge_attrs};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::PartitionedGraph;
use crate::pregel::{self, ActiveDirection, Exchange, Msgs, PregelConfig, SuperstepStats, TripletFields};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    #[default]
    Ldbc,
    Graphx,
}

impl Variant {
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
    pub messages: u64,
}

impl Output {
    /// `id, pagerank`.
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        id_batch(graph, vec![("pagerank", Arc::new(Float64Array::from(self.rank.clone())))])
    }
}

pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    validate(graph, cfg)?;
    if cfg.common.use_kernel(kernel_supports(cfg.variant, cfg.tolerance), KERNEL_MISSING)? {
        if graph.num_vertices() == 0 {
            return Ok(Output { rank: vec![], iterations: 0, converged: true, messages: 0 });
        }
        let inn = crate::kernel::Csr::build(graph, crate::kernel::Direction::In, false);
        return crate::kernel::pagerank::run(graph, &inn, cfg);
    }
    run_partitioned(&cfg.common.partition(graph)?, cfg)
}

/// Whether the specialised kernel computes this configuration (all but GraphX's delta-Pregel).
pub fn kernel_supports(variant: Variant, tolerance: Option<f64>) -> bool {
    !(variant == Variant::Graphx && tolerance.is_some())
}

/// What has no kernel, for the error when one is demanded.
pub const KERNEL_MISSING: &str = "pagerank (the graphx variant's dynamic run)";

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
    let g = pg.graph();
    validate(g, cfg)?;
    if g.num_vertices() == 0 {
        return Ok(Output { rank: vec![], iterations: 0, converged: true, messages: 0 });
    }
    match (cfg.variant, cfg.tolerance) {
        (Variant::Graphx, Some(tol)) => graphx_dynamic(pg, cfg, tol),
        _ => power_iteration(pg, cfg),
    }
}

/// The teleport distribution and starting ranks shared by the Pregel program and the kernel.
pub(crate) struct Teleport {
    n: usize,
    /// Distinct personalization sources.
    num_sources: usize,
    is_src: Vec<bool>,
    ldbc: bool,
    damping: f64,
}

impl Teleport {
    pub(crate) fn new(n: usize, cfg: &Config) -> Teleport {
        let mut is_src = vec![false; n];
        for &s in &cfg.sources {
            is_src[s as usize] = true;
        }
        let num_sources = is_src.iter().filter(|&&b| b).count();
        Teleport { n, num_sources, is_src, ldbc: cfg.variant == Variant::Ldbc, damping: cfg.damping }
    }
    /// Teleport probability of `v`: uniform, or uniform over the sources.
    fn tele(&self, v: usize) -> f64 {
        if self.num_sources == 0 {
            1.0 / self.n as f64
        } else if self.is_src[v] {
            1.0 / self.num_sources as f64
        } else {
            0.0
        }
    }
    pub(crate) fn initial(&self) -> Vec<f64> {
        (0..self.n)
            .map(|v| match (self.ldbc, self.num_sources) {
                (true, _) => self.tele(v),
                (false, 0) => 1.0,
                (false, _) => f64::from(u8::from(self.is_src[v])),
            })
            .collect()
    }
    /// The new rank of `v` from the sum of its in-neighbours' contributions and (LDBC) the
    /// rank mass of dangling vertices.
    #[inline]
    pub(crate) fn next(&self, v: usize, sum: f64, dangling: f64) -> f64 {
        let d = self.damping;
        if self.ldbc {
            let t = self.tele(v);
            (1.0 - d) * t + d * sum + d * dangling * t
        } else {
            let reset = if self.num_sources == 0 || self.is_src[v] { 1.0 - d } else { 0.0 };
            reset + d * sum
        }
    }
    pub(crate) fn finish(&self, rank: &mut [f64]) {
        if !self.ldbc {
            normalize_graphx(rank, self.num_sources > 0);
        }
    }
}

/// Out-degree as PageRank counts it (undirected: degree).
pub(crate) fn out_degrees(g: &Graph) -> Vec<u32> {
    let (out, inn) = g.degrees();
    if g.is_directed() { out } else { out.iter().zip(&inn).map(|(a, b)| a + b).collect() }
}

fn power_iteration(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    let g = pg.graph();
    let n = g.num_vertices();
    let ldbc = cfg.variant == Variant::Ldbc;
    let directed = g.is_directed();
    let outdeg = out_degrees(g);
    let tp = Teleport::new(n, cfg);
    let mut rank = tp.initial();
    let contrib = |rank: &[f64]| -> Vec<f64> {
        rank.par_iter().zip(&outdeg).map(|(&r, &k)| if k > 0 { r / k as f64 } else { 0.0 }).collect()
    };
    let units = no_edge_attrs(g);
    // Directed: triplets read the source's contribution only, so only sources' replicas are shipped.
    let fields = if directed { TripletFields::Src } else { TripletFields::All };
    let mut ex: Exchange<'_, '_, f64, (), f64> = Exchange::with_fields(pg, &contrib(&rank), &units, fields)?;
    let send = |t: &pregel::EdgeTriplet<f64, ()>| {
        if directed { Msgs::to_dst(*t.src_attr) } else { Msgs::both(*t.dst_attr, *t.src_attr) }
    };
    let merge = |a: f64, b: f64| a + b;
    let mut it = 0;
    let mut converged = cfg.tolerance.is_none();
    let mut messages = 0;
    while it < cfg.iterations {
        cfg.common.ctx.check()?;
        let t0 = Instant::now();
        let c = contrib(&rank);
        let dangling: f64 = if ldbc { det_sum(n, |v| if outdeg[v] == 0 { rank[v] } else { 0.0 }) } else { 0.0 };
        ex.ship(&c, None);
        let sent = ex.scatter(None, &send, &merge);
        ex.gather(&merge);
        messages += sent;
        let msg = &mut ex.msg;
        let new: Vec<f64> =
            msg.par_iter_mut().enumerate().map(|(v, m)| tp.next(v, m.take().unwrap_or(0.0), dangling)).collect();
        let delta: f64 = det_sum(n, |v| (new[v] - rank[v]).abs());
        rank = new;
        it += 1;
        if iteration_done(cfg, it, n, sent, t0, delta) {
            converged = true;
            break;
        }
    }
    tp.finish(&mut rank);
    Ok(Output { rank, iterations: it, converged, messages })
}

/// Reports iteration `it` to the observer; true when a dynamic run's L1 change `delta` is below
/// its tolerance.
pub(crate) fn iteration_done(cfg: &Config, it: u32, n: usize, messages: u64, t0: Instant, delta: f64) -> bool {
    cfg.common.ctx.report(&SuperstepStats {
        superstep: it,
        max_supersteps: Some(cfg.iterations),
        active_vertices: n as u64,
        messages,
        elapsed: t0.elapsed(),
    });
    cfg.tolerance.is_some_and(|tol| delta < tol)
}

/// GraphX's `normalizeRankSum`: sum to N, or to 1 when personalized.
fn normalize_graphx(rank: &mut [f64], personalized: bool) {
    let sum: f64 = det_sum(rank.len(), |v| rank[v]);
    if sum == 0.0 {
        return;
    }
    let factor = if personalized { 1.0 / sum } else { rank.len() as f64 / sum };
    rank.par_iter_mut().for_each(|r| *r *= factor);
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
    let res = pregel::pregel(pg, init, &weight, initial_msg, &pcfg, &cfg.common.ctx, vprog, send, |a, b| a + b)?;
    let mut rank: Vec<f64> = res.attrs.iter().map(|a| a.0).collect();
    normalize_graphx(&mut rank, src.is_some());
    let converged = res.stats.last().is_some_and(|s| s.messages == 0);
    Ok(Output { rank, iterations: res.supersteps, converged, messages: res.messages })
}
