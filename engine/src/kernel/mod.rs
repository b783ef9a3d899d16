//! Specialised kernels — PageRank, WCC, BFS and SSSP over compressed sparse rows (CSR), the
//! way GAP and the `graph` crate run them — for when the general Pregel engine's replicas and
//! message exchange cost more than the algorithm needs. The algorithms in [`crate::algo`]
//! choose between them and their Pregel programs (`Engine::Auto` picks a kernel wherever it
//! computes the same thing); kernels know nothing of algorithms: they take a CSR and plain
//! values (dense indices, slices) and return plain vectors.
//!
//! Layout: a [`Csr`] lists every vertex's neighbours in one direction (`Out`, `In`, or `Both`,
//! which an undirected graph always uses), sorted by dense index (ties by weight), with the
//! arc's weight when asked. Kernels split the vertices into contiguous ranges balanced by
//! arcs + vertices ([`Csr::ranges`]) and let rayon steal among them.
//!
//! Invariants: `offsets.len() == n + 1`, `offsets[0] == 0`, non-decreasing, `offsets[n] ==
//! targets.len()`; `weights`, when present, is aligned with `targets`. Every kernel's result
//! equals the Pregel algorithm of the same name (tested): exactly for WCC, BFS and SSSP, to
//! rounding for PageRank, whose sums run in another order.

pub mod bfs;
mod fill;
pub mod pagerank;
pub mod sssp;
pub mod wcc;

use std::ops::Range;

use rayon::prelude::*;

use crate::graph::Graph;

/// Sum of `f(i)` for `i in 0..n` with a fixed reduction order (chunks of 4096 summed in
/// parallel, partial sums added in order), so results do not depend on the thread count.
pub fn det_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    const CHUNK: usize = 4096;
    let partial: Vec<f64> =
        (0..n.div_ceil(CHUNK)).into_par_iter().map(|c| (c * CHUNK..((c + 1) * CHUNK).min(n)).map(&f).sum()).collect();
    partial.iter().sum()
}

/// Which arcs a [`Csr`] lists for each vertex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Out-neighbours (the destinations of the vertex's edges).
    Out,
    /// In-neighbours (the sources of the edges into the vertex).
    In,
    /// Both; an undirected graph's only form. A self-loop appears twice, as in the Pregel
    /// engine, which reads an undirected edge both ways.
    Both,
}

/// A numbering of the vertices by decreasing `degree` (ties by index): `new[v]` is `v`'s
/// position. Kernels that read a value per neighbour at random (PageRank's contributions) run
/// in it so that the values read most often, the hubs', share a few cache lines.
pub fn degree_order(degree: &[u32]) -> Vec<u32> {
    let mut by_rank: Vec<u32> = (0..degree.len() as u32).collect();
    by_rank.par_sort_unstable_by_key(|&v| (std::cmp::Reverse(degree[v as usize]), v));
    let mut new = vec![0u32; degree.len()];
    for (k, &v) in by_rank.iter().enumerate() {
        new[v as usize] = k as u32;
    }
    new
}

/// Compressed sparse rows: `targets[offsets[v]..offsets[v+1]]` are `v`'s neighbours.
#[derive(Debug, Clone)]
pub struct Csr {
    offsets: Vec<u64>,
    targets: Vec<u32>,
    weights: Option<Weights>,
}

/// Arc weights as stored: `f32` when every weight converts to it and back exactly (integer
/// weights such as GAP's 1..255 do), which halves their memory traffic without changing any
/// sum; `f64` otherwise.
#[derive(Debug, Clone)]
pub enum Weights {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Csr {
    /// Builds the CSR of `g` in `dir` (an undirected graph always gives `Both`), with the edge
    /// weights when `with_weights` and the graph has them. Parallel; no allocation per edge.
    pub fn build(g: &Graph, dir: Direction, with_weights: bool) -> Csr {
        Csr::build_numbered(g, dir, with_weights, None)
    }

    /// As [`Csr::build`], with vertex `v` of `g` numbered `new[v]` (a permutation of
    /// `0..n`, e.g. [`degree_order`]'s), in the lists and in the targets.
    pub fn build_numbered(g: &Graph, dir: Direction, with_weights: bool, new: Option<&[u32]>) -> Csr {
        let n = g.num_vertices();
        let dir = if g.is_directed() { dir } else { Direction::Both };
        let (src, dst) = (g.src(), g.dst());
        let (out, inn) = g.degrees();
        let degree = |v: usize| match dir {
            Direction::Out => out[v] as u64,
            Direction::In => inn[v] as u64,
            Direction::Both => out[v] as u64 + inn[v] as u64,
        };
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0u64);
        let mut acc = 0u64;
        match new {
            None => {
                for v in 0..n {
                    acc += degree(v);
                    offsets.push(acc);
                }
            }
            Some(new) => {
                let mut by_new = vec![0u64; n];
                for (v, &k) in new.iter().enumerate() {
                    by_new[k as usize] = degree(v);
                }
                for d in by_new {
                    acc += d;
                    offsets.push(acc);
                }
            }
        }
        drop((out, inn));
        let m = acc as usize;
        // Renumbered endpoints are computed once (two random reads per edge), not in each of the
        // fill's two passes over the edges.
        let renumbered: Option<(Vec<u32>, Vec<u32>)> = new.map(|new| {
            let map = |c: &[u32]| -> Vec<u32> { c.par_iter().map(|&v| new[v as usize]).collect() };
            rayon::join(|| map(src), || map(dst))
        });
        let (src, dst) = match &renumbered {
            Some((s, d)) => (&s[..], &d[..]),
            None => (src, dst),
        };
        let w = if with_weights { g.weights() } else { None };
        let (mut targets, mut weights) = fill::fill(src, dst, dir, &offsets, w);
        debug_assert_eq!(targets.len(), m);
        let mut csr = Csr { offsets, targets: Vec::new(), weights: None };
        // The fill order depends on thread timing: sort each list so the layout is deterministic.
        let ranges = csr.ranges(rayon::current_num_threads() * 64);
        let t_pieces = split_mut(&mut targets, &csr.offsets, &ranges);
        let w_pieces: Vec<Option<&mut [f64]>> = match &mut weights {
            Some(ws) => split_mut(ws, &csr.offsets, &ranges).into_iter().map(Some).collect(),
            None => ranges.iter().map(|_| None).collect(),
        };
        let offsets = &csr.offsets;
        t_pieces.into_par_iter().zip(w_pieces).zip(ranges.par_iter()).for_each(|((t, mut wp), r)| {
            let base = offsets[r.start as usize];
            let mut pairs: Vec<(u32, f64)> = Vec::new();
            for v in r.start as usize..r.end as usize {
                let span = (offsets[v] - base) as usize..(offsets[v + 1] - base) as usize;
                match wp.as_deref_mut() {
                    None => t[span].sort_unstable(),
                    Some(wp) => {
                        pairs.clear();
                        pairs.extend(t[span.clone()].iter().copied().zip(wp[span.clone()].iter().copied()));
                        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
                        for (i, &(x, y)) in span.zip(pairs.iter()) {
                            t[i] = x;
                            wp[i] = y;
                        }
                    }
                }
            }
        });
        csr.targets = targets;
        csr.weights = weights.map(|w| {
            if w.par_iter().all(|&x| (x as f32) as f64 == x) {
                Weights::F32(w.par_iter().map(|&x| x as f32).collect())
            } else {
                Weights::F64(w)
            }
        });
        csr
    }

    /// A CSR from its arrays (no weights); the caller upholds the invariants above.
    pub(crate) fn from_parts(offsets: Vec<u64>, targets: Vec<u32>) -> Csr {
        debug_assert!(offsets.last() == Some(&(targets.len() as u64)));
        Csr { offsets, targets, weights: None }
    }

    pub fn num_vertices(&self) -> usize {
        self.offsets.len() - 1
    }
    /// Arcs listed (an undirected edge counts twice).
    pub fn num_arcs(&self) -> usize {
        self.targets.len()
    }
    pub fn degree(&self, v: u32) -> u32 {
        (self.offsets[v as usize + 1] - self.offsets[v as usize]) as u32
    }
    pub fn neighbors(&self, v: u32) -> &[u32] {
        &self.targets[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }
    /// The weights of `neighbors(v)`, if the CSR has weights (a copy, for inspection).
    pub fn neighbor_weights(&self, v: u32) -> Option<Vec<f64>> {
        let span = self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize;
        self.weights.as_ref().map(|w| match w {
            Weights::F32(w) => w[span].iter().map(|&x| x as f64).collect(),
            Weights::F64(w) => w[span].to_vec(),
        })
    }
    pub fn has_weights(&self) -> bool {
        self.weights.is_some()
    }
    /// Bytes held by the arrays.
    pub fn heap_bytes(&self) -> usize {
        let w = match &self.weights {
            None => 0,
            Some(Weights::F32(w)) => w.len() * 4,
            Some(Weights::F64(w)) => w.len() * 8,
        };
        self.offsets.len() * 8 + self.targets.len() * 4 + w
    }

    /// `k` (or fewer) contiguous, non-empty vertex ranges covering every vertex, balanced by
    /// arcs + vertices so that a hub does not leave one worker with most of the work.
    pub fn ranges(&self, k: usize) -> Vec<Range<u32>> {
        let n = self.num_vertices();
        let cost = |v: usize| self.offsets[v] + v as u64;
        let total = cost(n);
        let k = k.max(1) as u64;
        let mut out = Vec::with_capacity(k as usize);
        let mut lo = 0usize;
        for i in 1..=k {
            let goal = total * i / k;
            // First vertex whose prefix cost reaches the goal.
            let hi = if i == k {
                n
            } else {
                let (mut a, mut b) = (lo, n);
                while a < b {
                    let mid = a + (b - a) / 2;
                    if cost(mid) < goal { a = mid + 1 } else { b = mid }
                }
                a
            };
            if hi > lo {
                out.push(lo as u32..hi as u32);
                lo = hi;
            }
        }
        out
    }
}

/// Splits `data` into consecutive mutable pieces, one per vertex range, of `len(range)` items.
fn split_by<'a, T>(data: &'a mut [T], ranges: &[Range<u32>], len: impl Fn(&Range<u32>) -> usize) -> Vec<&'a mut [T]> {
    crate::sort::split_sizes(data, ranges.iter().map(len))
}

/// Splits per-arc data (laid out by `offsets`) into one piece per vertex range.
fn split_mut<'a, T>(data: &'a mut [T], offsets: &[u64], ranges: &[Range<u32>]) -> Vec<&'a mut [T]> {
    split_by(data, ranges, |r| (offsets[r.end as usize] - offsets[r.start as usize]) as usize)
}

/// Splits a per-vertex slice into one piece per vertex range.
pub(crate) fn split_vertices_mut<'a, T>(data: &'a mut [T], ranges: &[Range<u32>]) -> Vec<&'a mut [T]> {
    split_by(data, ranges, |r| (r.end - r.start) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EdgeList, GraphOptions};
    use crate::ids::IdColumn;

    fn graph(directed: bool, e: &[(i64, i64)], w: Option<Vec<f64>>) -> Graph {
        let list = EdgeList {
            src: IdColumn::Int(e.iter().map(|x| x.0).collect()),
            dst: IdColumn::Int(e.iter().map(|x| x.1).collect()),
            weight: w,
            vertices: Some(IdColumn::Int((0..6).collect())),
            directed: Some(directed),
        };
        Graph::from_edge_list(list, &GraphOptions::default()).unwrap()
    }

    #[test]
    fn builds_sorted_lists_in_each_direction() {
        let e = [(0, 2), (0, 1), (2, 1), (3, 3), (4, 0), (0, 1)];
        let g = graph(true, &e, Some(vec![5.0, 3.0, 1.0, 2.0, 4.0, 1.0]));
        let out = Csr::build(&g, Direction::Out, true);
        assert_eq!(out.neighbors(0), &[1, 1, 2]);
        assert_eq!(out.neighbor_weights(0).unwrap(), vec![1.0, 3.0, 5.0]);
        assert!(matches!(out.weights, Some(Weights::F32(_))));
        // A weight f32 cannot hold exactly keeps the f64 store.
        let g = graph(true, &e, Some(vec![5.0, 3.0, 0.1, 2.0, 4.0, 1.0]));
        let out = Csr::build(&g, Direction::Out, true);
        assert!(matches!(out.weights, Some(Weights::F64(_))));
        assert_eq!(out.neighbor_weights(2).unwrap(), vec![0.1]);
        assert_eq!(out.neighbors(5), &[] as &[u32]);
        let inn = Csr::build(&g, Direction::In, false);
        assert_eq!(inn.neighbors(1), &[0, 0, 2]);
        assert!(!inn.has_weights());
        let both = Csr::build(&g, Direction::Both, false);
        assert_eq!(both.neighbors(3), &[3, 3]);
        assert_eq!(both.neighbors(0), &[1, 1, 2, 4]);
        assert_eq!(both.num_arcs(), 12);
        // An undirected graph is always read both ways.
        let u = graph(false, &e, None);
        assert_eq!(Csr::build(&u, Direction::Out, false).neighbors(1), &[0, 0, 2]);
    }

    #[test]
    fn renumbered_lists_hold_the_same_arcs() {
        let e = [(0, 2), (0, 1), (2, 1), (3, 3), (4, 0), (0, 1), (5, 0)];
        let g = graph(true, &e, Some(vec![5.0, 3.0, 1.0, 2.0, 4.0, 1.0, 7.0]));
        let (out_deg, _) = g.degrees();
        let new = degree_order(&out_deg);
        // Decreasing degree, ties by index: 0 (3 arcs), then 2, 3, 4, 5 (1 each), then 1.
        assert_eq!(new, vec![0, 5, 1, 2, 3, 4]);
        for dir in [Direction::Out, Direction::In, Direction::Both] {
            let plain = Csr::build(&g, dir, true);
            let renumbered = Csr::build_numbered(&g, dir, true, Some(&new));
            for v in 0..6u32 {
                let mut want: Vec<(u32, f64)> = plain
                    .neighbors(v)
                    .iter()
                    .map(|&u| new[u as usize])
                    .zip(plain.neighbor_weights(v).unwrap())
                    .collect();
                want.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
                let k = new[v as usize];
                let got: Vec<(u32, f64)> =
                    renumbered.neighbors(k).iter().copied().zip(renumbered.neighbor_weights(k).unwrap()).collect();
                assert_eq!(got, want, "{dir:?} vertex {v}");
            }
        }
    }

    #[test]
    fn ranges_cover_every_vertex_once() {
        let e: Vec<(i64, i64)> = (0..5).map(|i| (0, i + 1)).chain([(1, 2)]).collect();
        let g = graph(true, &e, None);
        let c = Csr::build(&g, Direction::Out, false);
        for k in [1, 2, 3, 7, 100] {
            let r = c.ranges(k);
            assert!(r.len() <= k && !r.is_empty());
            assert_eq!(r[0].start, 0);
            assert_eq!(r.last().unwrap().end, 6);
            assert!(r.windows(2).all(|w| w[0].end == w[1].start && w[0].start < w[0].end));
        }
    }
}
