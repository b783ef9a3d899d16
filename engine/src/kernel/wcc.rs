//! Weakly connected components by Afforest (Sutton, Ben-Nun, Barak; IPDPS 2018), as in GAP:
//! a lock-free union-find whose parent pointers only ever point to smaller indices. It first
//! links every vertex to its first two neighbours, finds the component most sampled vertices
//! fall in (the giant one, in real graphs), and then links the remaining vertices over all their
//! other arcs while skipping the giant component's members — most arcs are never read.
//!
//! Input: the `Both` CSR (WCC ignores direction). Output: each vertex's root, the smallest
//! dense index in its component (the same partition as the Pregel program's; naming each
//! component by its smallest original id is the caller's step).

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use rayon::prelude::*;

use super::Csr;
use crate::context::{RunContext, SuperstepStats};
use crate::error::Result;

/// Neighbours linked per vertex before sampling (GAP's `neighbor_rounds`).
const NEIGHBOR_ROUNDS: u32 = 2;
/// Vertices sampled to find the most frequent component.
const SAMPLES: usize = 1024;

/// Components of the graph whose `Both` CSR is `sym`: `comp[v]` is the smallest dense index of
/// `v`'s component. Reported to `ctx` as one superstep.
pub fn run(sym: &Csr, ctx: &RunContext) -> Result<Vec<u32>> {
    let t0 = std::time::Instant::now();
    let raw = afforest(sym, ctx)?;
    ctx.report(&SuperstepStats {
        superstep: 1,
        max_supersteps: Some(1),
        active_vertices: sym.num_vertices() as u64,
        messages: 0,
        elapsed: t0.elapsed(),
    });
    Ok(raw)
}

/// Union-find labels: `comp[v]` is the smallest dense index of `v`'s component.
pub fn afforest(sym: &Csr, ctx: &RunContext) -> Result<Vec<u32>> {
    let n = sym.num_vertices();
    let comp: Vec<AtomicU32> = (0..n as u32).into_par_iter().map(AtomicU32::new).collect();
    for r in 0..NEIGHBOR_ROUNDS {
        ctx.check()?;
        (0..n as u32).into_par_iter().with_min_len(1024).for_each(|v| {
            if let Some(&u) = sym.neighbors(v).get(r as usize) {
                link(v, u, &comp);
            }
        });
        compress(&comp);
    }
    ctx.check()?;
    let giant = most_frequent(&comp);
    (0..n as u32).into_par_iter().with_min_len(256).for_each(|v| {
        if comp[v as usize].load(Relaxed) == giant {
            return;
        }
        for &u in sym.neighbors(v).iter().skip(NEIGHBOR_ROUNDS as usize) {
            link(v, u, &comp);
        }
    });
    compress(&comp);
    // Same size and alignment: collected in place.
    Ok(comp.into_iter().map(AtomicU32::into_inner).collect())
}

/// Joins the trees of `u` and `v`, hooking the larger root under the smaller (GAP's `Link`).
/// Lock-free: a root changes only by a successful compare-exchange from itself to a smaller
/// index, so every pointer points to a smaller or equal index and the loop ends.
#[inline]
fn link(u: u32, v: u32, comp: &[AtomicU32]) {
    let mut p1 = comp[u as usize].load(Relaxed);
    let mut p2 = comp[v as usize].load(Relaxed);
    while p1 != p2 {
        let (high, low) = if p1 > p2 { (p1, p2) } else { (p2, p1) };
        let p_high = comp[high as usize].load(Relaxed);
        if p_high == low {
            break;
        }
        if p_high == high && comp[high as usize].compare_exchange(high, low, Relaxed, Relaxed).is_ok() {
            break;
        }
        p1 = comp[comp[high as usize].load(Relaxed) as usize].load(Relaxed);
        p2 = comp[low as usize].load(Relaxed);
    }
}

/// Points every vertex straight at its root.
fn compress(comp: &[AtomicU32]) {
    (0..comp.len()).into_par_iter().with_min_len(1024).for_each(|v| {
        loop {
            let c = comp[v].load(Relaxed);
            let cc = comp[c as usize].load(Relaxed);
            if c == cc {
                break;
            }
            comp[v].store(cc, Relaxed);
        }
    });
}

/// The label most of `SAMPLES` evenly spread vertices carry (deterministic; ties: smaller).
fn most_frequent(comp: &[AtomicU32]) -> u32 {
    let n = comp.len();
    if n == 0 {
        return 0;
    }
    let step = (n / SAMPLES).max(1);
    let mut seen: Vec<u32> = (0..n).step_by(step).map(|v| comp[v].load(Relaxed)).collect();
    seen.sort_unstable();
    let mut best = (0usize, seen[0]);
    let mut i = 0;
    while i < seen.len() {
        let j = i + seen[i..].iter().take_while(|&&x| x == seen[i]).count();
        if j - i > best.0 {
            best = (j - i, seen[i]);
        }
        i = j;
    }
    best.1
}
