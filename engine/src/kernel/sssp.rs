//! Single-source shortest paths by delta-stepping (Meyer and Sanders, 2003): vertices wait in
//! buckets of width `delta` by tentative distance; the lowest non-empty bucket is relaxed in
//! parallel (an atomic minimum per improved distance), improved vertices go to their new
//! bucket, and a bucket is re-run until it stays empty. GAP's bucket fusion (a thread relaxing
//! its own few improvements into the current bucket at once) was tried and measured about
//! 15% slower here on kron-20 (benches/RESULTS.md).
//!
//! Distances are `f64` held as their bit patterns in `AtomicU64`s: for non-negative floats
//! (and +inf) the bit patterns order like the values, so `fetch_min` is the atomic relaxation.
//! Weights must be finite and non-negative (checked by the caller, as for the Pregel program).
//! The result is the unique fixed point `d(v) = min_u d(u) + w(u, v)` that Bellman-Ford reaches
//! too, so it equals [`crate::algo::sssp`]'s.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use rayon::prelude::*;

use super::{Csr, Weights};
use crate::context::{RunContext, SuperstepStats};
use crate::error::{Error, Result};

/// Distances from the source (`+inf` where unreachable) and the buckets processed.
#[derive(Debug, Clone, PartialEq)]
pub struct Distances {
    pub distance: Vec<f64>,
    pub steps: u32,
}

/// Buckets of (vertex, distance when pushed).
type Bins = Vec<Vec<(u32, f64)>>;

/// Distances past `MAX_BUCKET * delta` share the last bucket, which is re-run until it stays
/// empty (Bellman-Ford there): bounds the bucket array whatever the weights.
const MAX_BUCKET: usize = 1 << 20;

/// A bucket width for `csr`: the mean arc weight over the mean degree, times 8 — an untuned
/// rule of thumb (wide enough to give each step parallel work, narrow enough to relax few arcs
/// twice). On kron-20 it gives 34, where 4 measured 10-20% faster (benches/RESULTS.md); GAP
/// takes delta on its command line, as `ember bench --sssp-delta` does.
pub fn default_delta(csr: &Csr) -> f64 {
    let m = csr.num_arcs().max(1);
    let mean_w = match &csr.weights {
        None => 1.0,
        Some(Weights::F32(w)) => w.iter().map(|&x| x as f64).sum::<f64>() / m as f64,
        Some(Weights::F64(w)) => w.iter().sum::<f64>() / m as f64,
    };
    delta_rule(csr.num_vertices(), m, mean_w)
}

/// [`default_delta`] from the graph's size and mean arc weight, before any CSR is built (the
/// benchmark runner gives it to delta-stepping peers).
pub fn delta_rule(vertices: usize, arcs: usize, mean_weight: f64) -> f64 {
    let mean_deg = arcs.max(1) as f64 / vertices.max(1) as f64;
    let d = mean_weight / mean_deg * 8.0;
    if d.is_finite() && d > 0.0 { d } else { 1.0 }
}

/// Relaxes the out-arcs of the frontier's (non-stale) vertices in parallel; returns per task
/// the number of improved distances and the improved vertices by bucket. Generic over the
/// stored weight type (`f32` when every weight is exact in it: less memory traffic per arc).
fn relax<W: Copy + Into<f64> + Sync>(
    out: &Csr,
    weights: &[W],
    dist: &[AtomicU64],
    frontier: &[(u32, f64)],
    delta: f64,
) -> Vec<(usize, Bins)> {
    let bucket = |d: f64| ((d / delta) as usize).min(MAX_BUCKET);
    frontier
        .par_chunks(64)
        .fold(
            || (0usize, Vec::new()),
            |(mut relaxed, mut local): (usize, Bins), chunk| {
                for &(u, pushed) in chunk {
                    let du = f64::from_bits(dist[u as usize].load(Relaxed));
                    if du < pushed {
                        continue;
                    }
                    let lo = out.offsets[u as usize] as usize;
                    let hi = out.offsets[u as usize + 1] as usize;
                    for (&v, &w) in out.targets[lo..hi].iter().zip(&weights[lo..hi]) {
                        let nd = du + w.into();
                        let slot = &dist[v as usize];
                        // A plain load first: most arcs do not improve, and skip the atomic.
                        if nd.to_bits() < slot.load(Relaxed) && nd.to_bits() < slot.fetch_min(nd.to_bits(), Relaxed) {
                            let k = bucket(nd);
                            if local.len() <= k {
                                local.resize_with(k + 1, Vec::new);
                            }
                            local[k].push((v, nd));
                            relaxed += 1;
                        }
                    }
                }
                (relaxed, local)
            },
        )
        .collect()
}

/// Distances from `source` along the weighted arcs of `out` (`+inf` when unreachable).
pub fn run(out: &Csr, source: u32, delta: f64, ctx: &RunContext) -> Result<Distances> {
    let n = out.num_vertices();
    if source as usize >= n {
        return Err(Error::Config(format!("source index {source} is not a vertex")));
    }
    let Some(weights) = out.weights.as_ref() else {
        return Err(Error::Internal("delta-stepping needs a CSR with weights".into()));
    };
    if !(delta.is_finite() && delta > 0.0) {
        return Err(Error::Config(format!("delta must be a positive number, got {delta}")));
    }
    let inf = f64::INFINITY.to_bits();
    let dist: Vec<AtomicU64> = (0..n).into_par_iter().map(|_| AtomicU64::new(inf)).collect();
    dist[source as usize].store(0f64.to_bits(), Relaxed);
    // Entries are (vertex, distance when pushed): an entry whose vertex has since improved is
    // stale — the improvement pushed a newer entry — and is skipped without reading its arcs.
    let mut buckets: Bins = vec![vec![(source, 0.0)]];
    let mut b = 0usize;
    let mut steps = 0u32;
    // The lowest non-empty bucket at or after `b`.
    while let Some(i) = (b..buckets.len()).find(|&i| !buckets[i].is_empty()) {
        b = i;
        ctx.check()?;
        let t0 = Instant::now();
        let frontier = std::mem::take(&mut buckets[b]);
        let found = match weights {
            Weights::F32(w) => relax(out, w, &dist, &frontier, delta),
            Weights::F64(w) => relax(out, w, &dist, &frontier, delta),
        };
        let mut relaxed = 0;
        for (r, local) in found {
            relaxed += r;
            if buckets.len() < local.len() {
                buckets.resize_with(local.len(), Vec::new);
            }
            for (k, mut vs) in local.into_iter().enumerate() {
                if buckets[k].is_empty() {
                    buckets[k] = vs;
                } else {
                    buckets[k].append(&mut vs);
                }
            }
        }
        steps += 1;
        ctx.report(&SuperstepStats {
            superstep: steps,
            max_supersteps: None,
            active_vertices: frontier.len() as u64,
            messages: relaxed as u64,
            elapsed: t0.elapsed(),
        });
    }
    let distance = dist.into_iter().map(|d| f64::from_bits(d.into_inner())).collect();
    Ok(Distances { distance, steps })
}
