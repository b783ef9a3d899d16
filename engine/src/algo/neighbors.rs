//! Neighbour sets (GraphX `collectNeighborIds`) over the engine's one CSR
//! ([`crate::kernel::Csr`]): each vertex's neighbours without repeats or itself, ascending, and
//! the intersection count LCC and triangle counting build on.

use rayon::prelude::*;

use crate::graph::Graph;
use crate::kernel::{Csr, Direction};

/// Neighbour sets of `graph` in `dir` (`Both` for in- and out-neighbours; an undirected graph
/// always gives `Both`): sorted, without repeats or the vertex itself.
pub fn sets(graph: &Graph, dir: Direction) -> Csr {
    let multi = Csr::build(graph, dir, false);
    let n = multi.num_vertices();
    let lists: Vec<Vec<u32>> = (0..n as u32)
        .into_par_iter()
        .map(|v| {
            let mut l: Vec<u32> = multi.neighbors(v).iter().copied().filter(|&u| u != v).collect();
            l.dedup();
            l
        })
        .collect();
    let mut offsets = Vec::with_capacity(n + 1);
    let mut acc = 0u64;
    for l in &lists {
        offsets.push(acc);
        acc += l.len() as u64;
    }
    offsets.push(acc);
    Csr::from_parts(offsets, lists.concat())
}

/// Size of the intersection of two ascending lists.
pub fn intersect_count(a: &[u32], b: &[u32]) -> u64 {
    let (mut i, mut j, mut c) = (0, 0, 0u64);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                c += 1;
                i += 1;
                j += 1;
            }
        }
    }
    c
}
