//! Neighbour lists in CSR form (GraphX `collectNeighborIds`), built in parallel: count
//! degrees, prefix-sum, scatter, then sort each list.
//!
//! Invariants: `offsets.len() == n + 1`, `offsets[0] == 0`, non-decreasing; the neighbours of
//! `v` are `targets[offsets[v]..offsets[v + 1]]`, sorted ascending.

use rayon::prelude::*;

use crate::graph::Graph;

/// Which neighbours to collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Out-neighbours (undirected graphs: all).
    Out,
    /// In- and out-neighbours, each edge end once (a vertex linked both ways appears twice).
    All,
}

#[derive(Debug, Clone)]
pub struct Csr {
    pub offsets: Vec<u64>,
    pub targets: Vec<u32>,
}

impl Csr {
    pub fn neighbors(&self, v: u32) -> &[u32] {
        &self.targets[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }
    pub fn num_vertices(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Neighbour multisets; with `simple`, sets without the vertex itself.
    pub fn build(graph: &Graph, which: Which, simple: bool) -> Csr {
        let n = graph.num_vertices();
        let both = which == Which::All || !graph.is_directed();
        let (src, dst) = (graph.src(), graph.dst());
        let mut deg = vec![0u64; n + 1];
        for (&s, &d) in src.iter().zip(dst) {
            deg[s as usize] += 1;
            if both {
                deg[d as usize] += 1;
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut acc = 0u64;
        for &d in &deg[..n] {
            offsets.push(acc);
            acc += d;
        }
        offsets.push(acc);
        let mut next: Vec<u64> = offsets[..n].to_vec();
        let mut targets = vec![0u32; acc as usize];
        for (&s, &d) in src.iter().zip(dst) {
            targets[next[s as usize] as usize] = d;
            next[s as usize] += 1;
            if both {
                targets[next[d as usize] as usize] = s;
                next[d as usize] += 1;
            }
        }
        let mut csr = Csr { offsets, targets };
        csr.sort_lists();
        if simple {
            csr = csr.simplified();
        }
        csr
    }

    fn sort_lists(&mut self) {
        let offsets = &self.offsets;
        let mut rest: &mut [u32] = &mut self.targets;
        let mut lists = Vec::with_capacity(offsets.len());
        for w in offsets.windows(2) {
            let (head, tail) = rest.split_at_mut((w[1] - w[0]) as usize);
            lists.push(head);
            rest = tail;
        }
        lists.into_par_iter().for_each(|l| l.sort_unstable());
    }

    /// Removes repeated neighbours and self-loops.
    fn simplified(&self) -> Csr {
        let n = self.num_vertices();
        let lists: Vec<Vec<u32>> = (0..n as u32)
            .into_par_iter()
            .map(|v| {
                let mut l: Vec<u32> = self.neighbors(v).iter().copied().filter(|&u| u != v).collect();
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
        Csr { offsets, targets: lists.concat() }
    }
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
