//! Direction-optimizing breadth-first search (Beamer, Asanović, Patterson; SC 2012), as in GAP:
//! top-down steps push from a frontier queue along out-arcs; when the frontier's arcs exceed
//! the unexplored arcs / `ALPHA`, bottom-up steps let every unvisited vertex look for a parent
//! among its in-neighbours in a frontier bitmap, stopping at the first — until the frontier
//! shrinks below n / `BETA`. Output: hop counts ([`UNREACHED`] where none), equal
//! to the Pregel program's in [`crate::algo::bfs`].
//!
//! Input: the out-CSR, and the in-CSR for bottom-up steps (for an undirected graph both are the
//! `Both` CSR; a directed graph without an in-CSR runs top-down only).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use rayon::prelude::*;

use super::Csr;
use crate::context::{RunContext, SuperstepStats};
use crate::error::{Error, Result};

/// Hop count of a vertex the source does not reach.
pub const UNREACHED: u32 = u32::MAX;

/// Hop counts from the source and the number of levels run.
#[derive(Debug, Clone, PartialEq)]
pub struct Hops {
    pub hops: Vec<u32>,
    pub levels: u32,
}

const ALPHA: u64 = 15;
const BETA: u64 = 18;

/// The CSRs BFS reads on `g`: out-arcs, and in-arcs for bottom-up steps (`None` when `g` is
/// undirected: the `Both` CSR serves both ways).
pub fn layout(g: &crate::graph::Graph) -> (Csr, Option<Csr>) {
    use super::Direction;
    (Csr::build(g, Direction::Out, false), g.is_directed().then(|| Csr::build(g, Direction::In, false)))
}

/// Hop distances from `source`.
pub fn run(out: &Csr, inn: Option<&Csr>, source: u32, ctx: &RunContext) -> Result<Hops> {
    let n = out.num_vertices();
    if source as usize >= n {
        return Err(Error::Config(format!("source index {source} is not a vertex")));
    }
    let depth: Vec<AtomicU32> = (0..n).into_par_iter().map(|_| AtomicU32::new(UNREACHED)).collect();
    depth[source as usize].store(0, Relaxed);
    let mut frontier: Vec<u32> = vec![source];
    let mut level = 0u32;
    let mut edges_to_check = out.num_arcs() as u64;
    let mut scout = out.degree(source) as u64;
    let words = n.div_ceil(64);
    let report = |level: u32, active: u64, arcs: u64, t0: Instant| {
        ctx.report(&SuperstepStats {
            superstep: level,
            max_supersteps: None,
            active_vertices: active,
            messages: arcs,
            elapsed: t0.elapsed(),
        })
    };
    while !frontier.is_empty() {
        ctx.check()?;
        match inn {
            Some(inn) if scout > edges_to_check / ALPHA => {
                // Bottom-up until the frontier is small again.
                let mut front: Vec<AtomicU64> = (0..words).map(|_| AtomicU64::new(0)).collect();
                frontier.par_iter().for_each(|&v| set(&front, v));
                let mut next: Vec<AtomicU64> = (0..words).map(|_| AtomicU64::new(0)).collect();
                let mut awake = frontier.len() as u64;
                loop {
                    ctx.check()?;
                    let t0 = Instant::now();
                    let old = awake;
                    let d = level + 1;
                    awake = (0..n as u32)
                        .into_par_iter()
                        .with_min_len(1024)
                        .map(|v| {
                            if depth[v as usize].load(Relaxed) != UNREACHED {
                                return 0;
                            }
                            for &u in inn.neighbors(v) {
                                if get(&front, u) {
                                    depth[v as usize].store(d, Relaxed);
                                    set(&next, v);
                                    return 1;
                                }
                            }
                            0
                        })
                        .sum();
                    level = d;
                    report(level, awake, 0, t0);
                    std::mem::swap(&mut front, &mut next);
                    next.par_iter().for_each(|w| w.store(0, Relaxed));
                    if !(awake >= old || awake > n as u64 / BETA) {
                        break;
                    }
                }
                frontier = (0..words)
                    .into_par_iter()
                    .flat_map_iter(|w| {
                        let bits = front[w].load(Relaxed);
                        (0..64).filter(move |b| bits >> b & 1 == 1).map(move |b| (w * 64 + b) as u32)
                    })
                    .collect();
                scout = 1;
            }
            _ => {
                let t0 = Instant::now();
                edges_to_check = edges_to_check.saturating_sub(scout);
                let d = level + 1;
                let (found, sc): (Vec<Vec<u32>>, Vec<u64>) = frontier
                    .par_chunks(64)
                    .fold(
                        || (Vec::new(), 0u64),
                        |(mut local, mut sc), chunk| {
                            for &u in chunk {
                                for &v in out.neighbors(u) {
                                    let slot = &depth[v as usize];
                                    if slot.load(Relaxed) == UNREACHED
                                        && slot.compare_exchange(UNREACHED, d, Relaxed, Relaxed).is_ok()
                                    {
                                        local.push(v);
                                        sc += out.degree(v) as u64;
                                    }
                                }
                            }
                            (local, sc)
                        },
                    )
                    .unzip();
                scout = sc.iter().sum();
                frontier = found.concat();
                level = d;
                report(level, frontier.len() as u64, scout, t0);
            }
        }
    }
    let hops: Vec<u32> = depth.into_iter().map(AtomicU32::into_inner).collect();
    Ok(Hops { hops, levels: level })
}

#[inline]
fn set(bits: &[AtomicU64], v: u32) {
    bits[(v / 64) as usize].fetch_or(1 << (v % 64), Relaxed);
}

#[inline]
fn get(bits: &[AtomicU64], v: u32) -> bool {
    bits[(v / 64) as usize].load(Relaxed) >> (v % 64) & 1 == 1
}
