//! Pull-direction PageRank over the in-CSR: every vertex sums its in-neighbours' contributions
//! `rank / outdeg` of the previous iteration and, in the same pass, writes its new rank, its
//! next contribution, and its share of the L1 change and of the dangling mass — one sequential
//! read of the CSR, one random 8-byte read per arc, one pass over the vertex arrays per
//! iteration, no writes shared between threads, no atomics. Each vertex's sum runs in CSR order
//! and the per-range sums in range order over ranges fixed by the graph, so results do not
//! depend on the thread count.
//!
//! Also the PageRank update rule itself ([`Teleport`]), which the Pregel program in
//! [`crate::algo::pagerank`] shares, so the two paths differ only by rounding. Inputs are plain
//! (the CSR, out-degrees, dense source indices); parameters are validated by the caller.

use std::time::Instant;

use rayon::prelude::*;

use super::{Csr, det_sum, split_vertices_mut};
use crate::checkpoint;
use crate::context::{RunContext, SuperstepStats};
use crate::error::{Error, Result};
use crate::graph::Graph;

/// The iteration settings of a power-iteration run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Iterations {
    /// Iterations of a static run, or the cap of a dynamic one.
    pub max: u32,
    /// `Some(tol)`: stop when an iteration's L1 change is below `tol`.
    pub tolerance: Option<f64>,
}

/// Ranks and what the run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranks {
    pub rank: Vec<f64>,
    pub iterations: u32,
    /// Whether the tolerance was reached (always true for static runs).
    pub converged: bool,
    /// Arcs read.
    pub arcs_read: u64,
}

/// The teleport distribution and update rule of both PageRank variants:
/// LDBC (`ldbc == true`): PR_0 = t, PR(v) = (1-d) t(v) + d Σ contrib + d t(v) Σ dangling;
/// GraphX: PR_0 = 1 (or the source indicator), PR(v) = reset(v) + d Σ contrib, then GraphX's
/// normalisation in [`Teleport::finish`].
#[derive(Debug, Clone)]
pub struct Teleport {
    n: usize,
    /// Distinct personalization sources.
    num_sources: usize,
    is_src: Vec<bool>,
    ldbc: bool,
    damping: f64,
    /// `1 / n`, the uniform teleport (computed once, not per vertex and iteration).
    uniform: f64,
}

impl Teleport {
    /// `sources`: dense personalization sources (empty: uniform teleport); an error when one is
    /// not a vertex index below `n`.
    pub fn new(n: usize, sources: &[u32], ldbc: bool, damping: f64) -> Result<Teleport> {
        let mut is_src = vec![false; n];
        for &s in sources {
            *is_src.get_mut(s as usize).ok_or_else(|| Error::Config(format!("source index {s} is not a vertex")))? =
                true;
        }
        let num_sources = is_src.iter().filter(|&&b| b).count();
        Ok(Teleport { n, num_sources, is_src, ldbc, damping, uniform: 1.0 / n as f64 })
    }
    /// Whether the teleport is personalized.
    pub fn personalized(&self) -> bool {
        self.num_sources > 0
    }
    /// Teleport probability of `v`: uniform, or uniform over the sources.
    fn tele(&self, v: usize) -> f64 {
        if self.num_sources == 0 {
            self.uniform
        } else if self.is_src[v] {
            1.0 / self.num_sources as f64
        } else {
            0.0
        }
    }
    pub fn initial(&self) -> Vec<f64> {
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
    pub fn next(&self, v: usize, sum: f64, dangling: f64) -> f64 {
        let d = self.damping;
        if self.ldbc {
            let t = self.tele(v);
            (1.0 - d) * t + d * sum + d * dangling * t
        } else {
            let reset = if self.num_sources == 0 || self.is_src[v] { 1.0 - d } else { 0.0 };
            reset + d * sum
        }
    }
    /// The rank mass of dangling vertices that LDBC spreads (GraphX drops it: 0).
    pub fn dangling(&self, rank: &[f64], outdeg: &[u32]) -> f64 {
        if self.ldbc { det_sum(rank.len(), |v| if outdeg[v] == 0 { rank[v] } else { 0.0 }) } else { 0.0 }
    }
    pub fn finish(&self, rank: &mut [f64]) {
        if !self.ldbc {
            normalize_graphx(rank, self.num_sources > 0);
        }
    }
}

/// GraphX's `normalizeRankSum`: sum to N, or to 1 when personalized.
pub fn normalize_graphx(rank: &mut [f64], personalized: bool) {
    let sum: f64 = det_sum(rank.len(), |v| rank[v]);
    if sum == 0.0 {
        return;
    }
    let factor = if personalized { 1.0 / sum } else { rank.len() as f64 / sum };
    rank.par_iter_mut().for_each(|r| *r *= factor);
}

/// Reports iteration `it` to the observer; true when a dynamic run's L1 change `delta` is below
/// its tolerance.
pub fn iteration_done(
    ctx: &RunContext,
    iters: Iterations,
    it: u32,
    n: usize,
    messages: u64,
    t0: Instant,
    delta: f64,
) -> bool {
    ctx.report(&SuperstepStats {
        superstep: it,
        max_supersteps: Some(iters.max),
        active_vertices: n as u64,
        messages,
        elapsed: t0.elapsed(),
    });
    iters.tolerance.is_some_and(|tol| delta < tol)
}

/// PageRank's inputs in the numbering it runs fastest in: vertices by decreasing out-degree
/// ([`super::degree_order`]), so that the contributions read most often, the hubs', sit
/// together in cache. Built once; [`Prepared::run`] answers in the graph's own numbering.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The in-CSR (for an undirected graph, the `Both` CSR), renumbered.
    pub inn: Csr,
    /// Out-degrees as PageRank counts them, renumbered.
    pub outdeg: Vec<u32>,
    /// `new[v]`: the number of the graph's vertex `v` (`None`: the graph's own numbering).
    new: Option<Vec<u32>>,
}

impl Prepared {
    /// `outdeg`: the out-degree of every vertex as PageRank counts it (undirected: degree).
    /// The graph's own numbering is kept when it already has locality (web crawls, meshes and
    /// road networks usually do: an arc's two ends are numbered close together), which degree
    /// order would destroy: on cnr-2000 it made PageRank 8% slower, on kron-20 (ids permuted)
    /// 19% faster (benches/RESULTS.md).
    pub fn build(g: &Graph, outdeg: &[u32]) -> Prepared {
        let new = (!has_locality(g)).then(|| super::degree_order(outdeg));
        let inn = Csr::build_numbered(g, super::Direction::In, false, new.as_deref());
        let outdeg = match &new {
            None => outdeg.to_vec(),
            Some(new) => {
                let mut renumbered = vec![0u32; outdeg.len()];
                for (v, &k) in new.iter().enumerate() {
                    renumbered[k as usize] = outdeg[v];
                }
                renumbered
            }
        };
        Prepared { inn, outdeg, new }
    }

    /// Runs [`run`] with personalization `sources` (the graph's numbering; empty: uniform),
    /// giving the ranks in the graph's numbering.
    pub fn run(&self, sources: &[u32], ldbc: bool, damping: f64, iters: Iterations, ctx: &RunContext) -> Result<Ranks> {
        let Some(new) = &self.new else {
            let tp = Teleport::new(self.outdeg.len(), sources, ldbc, damping)?;
            return run(&self.inn, &self.outdeg, &tp, iters, ctx);
        };
        let sources = sources
            .iter()
            .map(|&s| {
                new.get(s as usize).copied().ok_or_else(|| Error::Config(format!("source index {s} is not a vertex")))
            })
            .collect::<Result<Vec<u32>>>()?;
        let tp = Teleport::new(new.len(), &sources, ldbc, damping)?;
        let mut r = run(&self.inn, &self.outdeg, &tp, iters, ctx)?;
        let by_new = std::mem::take(&mut r.rank);
        r.rank = new.par_iter().map(|&k| by_new[k as usize]).collect();
        Ok(r)
    }
}

/// Whether most arcs join vertices numbered close together: in 4,096 arcs sampled at a fixed
/// stride, the median distance between the two ends' numbers is under 1/64 of the vertex
/// count (numbers in random order give about 1/3.4). Deterministic.
fn has_locality(g: &Graph) -> bool {
    let (src, dst) = (g.src(), g.dst());
    let (m, n) = (src.len(), g.num_vertices() as u64);
    if m == 0 {
        return true;
    }
    let step = (m / 4096).max(1);
    let mut gaps: Vec<u64> = (0..m).step_by(step).map(|e| (src[e] as i64 - dst[e] as i64).unsigned_abs()).collect();
    let mid = gaps.len() / 2;
    let (_, median, _) = gaps.select_nth_unstable(mid);
    *median * 64 < n
}

/// Vertex ranges of an iteration: about 16,384 arcs each, at least 16 and at most 4,096,
/// fixed by the graph (not the thread count) so that the per-range sums add up in the same order
/// everywhere.
fn range_count(csr: &Csr) -> usize {
    (csr.num_arcs() / 16_384).clamp(16, 4096)
}

/// Runs PageRank given the in-CSR `inn` (for an undirected graph, the `Both` CSR) and the
/// out-degree of every vertex as PageRank counts it.
pub fn run(inn: &Csr, outdeg: &[u32], tp: &Teleport, iters: Iterations, ctx: &RunContext) -> Result<Ranks> {
    let n = inn.num_vertices();
    if outdeg.len() != n {
        return Err(Error::Internal(format!("pagerank kernel: {} out-degrees for {n} vertices", outdeg.len())));
    }
    if n == 0 {
        return Ok(Ranks { rank: vec![], iterations: 0, converged: true, arcs_read: 0 });
    }
    let mut rank = tp.initial();
    // 1 / outdeg, or 0 for a dangling vertex: a multiply per vertex instead of a divide.
    let inv: Vec<f64> = outdeg.par_iter().map(|&k| if k > 0 { 1.0 / k as f64 } else { 0.0 }).collect();
    // Fixed ranges, balanced by arcs, whose number does not depend on the thread count: the
    // per-range sums of the L1 change and of the dangling mass add up in the same order on
    // every machine.
    let ranges = inn.ranges(range_count(inn));
    let arcs = inn.num_arcs() as u64;
    let (mut it, mut arcs_read) = (0u32, 0u64);
    // The ranks after an iteration are the whole state: a checkpoint holds them.
    // (In the caller's numbering: [`Prepared`] numbers vertices by degree.)
    const LAYOUT: &str = "pagerank kernel f64, vertices by degree";
    if let Some(ck) = &ctx.checkpoint
        && let Some(snap) = checkpoint::restore::<f64, ()>(ck, LAYOUT, n)?
    {
        rank = snap.attrs;
        it = snap.step;
        arcs_read = snap.total;
    }
    // Each vertex's contribution `rank / outdeg`, double-buffered: an iteration reads `contrib`
    // and writes the next one, with the new rank in place, in one pass over the vertices.
    let mut contrib: Vec<f64> = rank.par_iter().zip(inv.par_iter()).map(|(&r, &i)| r * i).collect();
    let mut next_contrib = vec![0.0f64; n];
    let mut dangling = tp.dangling(&rank, outdeg);
    let mut converged = iters.tolerance.is_none();
    while it < iters.max {
        ctx.check()?;
        let t0 = Instant::now();
        let (c, inv) = (&contrib, &inv);
        let parts: Vec<(f64, f64)> = split_vertices_mut(&mut rank, &ranges)
            .into_par_iter()
            .zip(split_vertices_mut(&mut next_contrib, &ranges))
            .zip(ranges.par_iter())
            .map(|((ranks, contribs), r)| {
                let (mut delta, mut dangling_part) = (0.0f64, 0.0f64);
                for ((slot, out), v) in ranks.iter_mut().zip(contribs.iter_mut()).zip(r.clone()) {
                    let sum: f64 = inn.neighbors(v).iter().map(|&u| c[u as usize]).sum();
                    let new = tp.next(v as usize, sum, dangling);
                    delta += (new - *slot).abs();
                    *slot = new;
                    let i = inv[v as usize];
                    *out = new * i;
                    if i == 0.0 {
                        dangling_part += new;
                    }
                }
                (delta, dangling_part)
            })
            .collect();
        let delta: f64 = parts.iter().map(|p| p.0).sum();
        // GraphX's rule ignores the dangling mass ([`Teleport::next`]).
        dangling = parts.iter().map(|p| p.1).sum();
        std::mem::swap(&mut contrib, &mut next_contrib);
        it += 1;
        arcs_read += arcs;
        if iteration_done(ctx, iters, it, n, arcs, t0, delta) {
            converged = true;
            break;
        }
        if let Some(ck) = &ctx.checkpoint
            && ck.due(it)
            && it < iters.max
        {
            checkpoint::save::<f64, ()>(ck, LAYOUT, it, arcs_read, &rank, &[])?;
        }
    }
    tp.finish(&mut rank);
    Ok(Ranks { rank, iterations: it, converged, arcs_read })
}
