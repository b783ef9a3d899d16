//! Pull-direction PageRank over the in-CSR: each iteration first computes every vertex's
//! contribution `rank / outdeg` once, then every vertex sums its in-neighbours' contributions
//! — one sequential read of the CSR, one random 8-byte read per arc, no writes shared between
//! threads, no atomics. The same definitions as [`crate::algo::pagerank`] (both variants,
//! static, LDBC dynamic, personalized); each vertex's sum runs in CSR order, so results do not
//! depend on the thread count, and differ from the Pregel program's only by rounding.

use std::time::Instant;

use rayon::prelude::*;

use super::{Csr, split_vertices_mut};
use crate::algo::det_sum;
use crate::algo::pagerank::{Config, Output, Teleport, iteration_done, out_degrees, validate};
use crate::error::Result;
use crate::graph::Graph;

/// Runs PageRank on `g` given its in-CSR `inn` (for an undirected graph, the `Both` CSR).
pub fn run(g: &Graph, inn: &Csr, cfg: &Config) -> Result<Output> {
    validate(g, cfg)?;
    let n = g.num_vertices();
    if n == 0 {
        return Ok(Output { rank: vec![], iterations: 0, converged: true, messages: 0 });
    }
    let outdeg = out_degrees(g);
    let tp = Teleport::new(n, cfg);
    let ldbc = cfg.variant == crate::algo::pagerank::Variant::Ldbc;
    let mut rank = tp.initial();
    let mut next = vec![0.0f64; n];
    // 1 / outdeg, or 0 for a dangling vertex: a multiply per vertex instead of a divide.
    let inv: Vec<f64> = outdeg.par_iter().map(|&k| if k > 0 { 1.0 / k as f64 } else { 0.0 }).collect();
    let mut contrib = vec![0.0f64; n];
    let ranges = inn.ranges(rayon::current_num_threads() * 32);
    let arcs = inn.num_arcs() as u64;
    let (mut it, mut messages) = (0u32, 0u64);
    let mut converged = cfg.tolerance.is_none();
    while it < cfg.iterations {
        cfg.common.ctx.check()?;
        let t0 = Instant::now();
        contrib.par_iter_mut().zip(rank.par_iter().zip(inv.par_iter())).for_each(|(c, (&r, &i))| *c = r * i);
        let dangling = if ldbc { det_sum(n, |v| if outdeg[v] == 0 { rank[v] } else { 0.0 }) } else { 0.0 };
        let contrib = &contrib;
        split_vertices_mut(&mut next, &ranges).into_par_iter().zip(ranges.par_iter()).for_each(|(out, r)| {
            for (slot, v) in out.iter_mut().zip(r.clone()) {
                let sum: f64 = inn.neighbors(v).iter().map(|&u| contrib[u as usize]).sum();
                *slot = tp.next(v as usize, sum, dangling);
            }
        });
        let delta = det_sum(n, |v| (next[v] - rank[v]).abs());
        std::mem::swap(&mut rank, &mut next);
        it += 1;
        messages += arcs;
        if iteration_done(cfg, it, n, arcs, t0, delta) {
            converged = true;
            break;
        }
    }
    tp.finish(&mut rank);
    Ok(Output { rank, iterations: it, converged, messages })
}
