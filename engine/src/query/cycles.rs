//! GraphFrames' `detectingCycles`: every directed simple cycle of at most `max_length` edges,
//! reported once from each vertex on it.
//!
//! Semantics as GraphFrames 0.12 computes them (Rocha and Thatte's message passing, run by its
//! Pregel with the default 10 iterations, so cycles of 1 to 10 edges): each vertex forwards the
//! vertex sequences it received, extended by itself, and finds a cycle when a sequence that
//! starts with it comes back. Every vertex of a cycle finds it, so a cycle of k vertices gives
//! k rows: `id`, and `found_cycles`, the cycle from `id` back to `id` (`[a, b, c, a]`; a
//! self-loop is `[a, a]`). Rows are distinct (parallel edges give one cycle).
//!
//! Ember enumerates each cycle once, from its first vertex in vertex-table order (a
//! depth-first search over later vertices only, pruned by a reverse BFS: a step is taken only
//! if the start can still be reached within the remaining length), in parallel over the
//! starts, and then lists its rotations. GraphFrames instead carries every open path in the
//! vertex state. Rows are ordered by `id` in vertex-table order, then by the cycle's vertices.
//! More than [`super::paths::MAX_PATHS`] rows is an error rather than exhausted memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::array::{ArrayRef, ListArray, RecordBatch, UInt32Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use rayon::prelude::*;

use super::GraphFrame;
use super::all_paths::distinct_neighbours;
use super::paths::MAX_PATHS;
use crate::error::{Error, Result};

/// GraphFrames' cycle bound: the Pregel run's default of 10 iterations.
pub const DEFAULT_MAX_LENGTH: u32 = 10;

impl GraphFrame {
    /// Every directed simple cycle of 1 to `max_length` edges, once per vertex on it (see
    /// [`crate::query::cycles`]).
    pub async fn detecting_cycles(&self, max_length: u32) -> Result<RecordBatch> {
        if max_length == 0 {
            return Err(Error::Config("detecting_cycles: max_length must be > 0, got 0".into()));
        }
        let (vb, _, _) = self.flagged_vertices(("", "true"), ("", "true")).await?;
        let arcs = self.arcs(&vb, None).await?;
        let found = cycles(vb.num_rows(), &arcs.src, &arcs.dst, max_length)?;

        let ids = vb.column_by_name("id").ok_or_else(|| Error::Internal("the vertex table has no id".into()))?;
        let starts: Vec<u32> = found.iter().map(|c| c[0]).collect();
        let lens: Vec<usize> = found.iter().map(Vec::len).collect();
        let flat: Vec<u32> = found.into_iter().flatten().collect();
        let err = |e| Error::arrow("listing cycles", e);
        let id = take(ids.as_ref(), &UInt32Array::from(starts), None).map_err(err)?;
        let flat = take(ids.as_ref(), &UInt32Array::from(flat), None).map_err(err)?;
        let item = Arc::new(Field::new("element", ids.data_type().clone(), true));
        let cyc = ListArray::try_new(item.clone(), OffsetBuffer::from_lengths(lens), flat, None).map_err(err)?;
        let schema = Schema::new(vec![
            Field::new("id", ids.data_type().clone(), false),
            Field::new("found_cycles", DataType::List(item), false),
        ]);
        let cols: Vec<ArrayRef> = vec![id, Arc::new(cyc)];
        RecordBatch::try_new(Arc::new(schema), cols).map_err(err)
    }
}

/// Every simple cycle of 1 to `max` arcs over arcs `src[e] -> dst[e]` between vertices `0..n`,
/// once from each of its vertices: `[v, ..., v]`, ordered by `v`, then lexicographically.
pub fn cycles(n: usize, src: &[u32], dst: &[u32], max: u32) -> Result<Vec<Vec<u32>>> {
    let (out_off, out) = distinct_neighbours(n, src, dst);
    let (in_off, inn) = distinct_neighbours(n, dst, src);
    let listed = AtomicU64::new(0);
    // A cycle's first vertex has an out-arc and an in-arc from a vertex not before it.
    let starts: Vec<u32> = (0..n as u32)
        .filter(|&s| {
            let s_ = s as usize;
            out[out_off[s_]..out_off[s_ + 1]].last().is_some_and(|&w| w >= s)
                && inn[in_off[s_]..in_off[s_ + 1]].last().is_some_and(|&w| w >= s)
        })
        .collect();
    struct Scratch {
        on_path: Vec<bool>,
        dist: Vec<u32>,
        touched: Vec<u32>,
    }
    let per_start: Vec<Vec<Vec<u32>>> = starts
        .par_iter()
        .map_init(
            || Scratch { on_path: vec![false; n], dist: vec![u32::MAX; n], touched: Vec::new() },
            |sc, &s| -> Result<Vec<Vec<u32>>> {
                // Arcs from each later vertex back to s, up to max - 1.
                sc.dist[s as usize] = 0;
                sc.touched.push(s);
                let mut layer = vec![s];
                for d in 1..max {
                    let mut next = Vec::new();
                    for &w in &layer {
                        for &u in &inn[in_off[w as usize]..in_off[w as usize + 1]] {
                            if u > s && sc.dist[u as usize] == u32::MAX {
                                sc.dist[u as usize] = d;
                                sc.touched.push(u);
                                next.push(u);
                            }
                        }
                    }
                    if next.is_empty() {
                        break;
                    }
                    layer = next;
                }
                let mut walk =
                    Walk { out_off: &out_off, out: &out, dist: &sc.dist, max, listed: &listed, found: Vec::new() };
                let mut path = vec![s];
                sc.on_path[s as usize] = true;
                let r = walk.extend(&mut path, &mut sc.on_path);
                let found = walk.found;
                sc.on_path[s as usize] = false;
                for &t in &sc.touched {
                    sc.dist[t as usize] = u32::MAX;
                }
                sc.touched.clear();
                r.map(|()| found)
            },
        )
        .collect::<Result<_>>()?;
    // Each cycle from every vertex on it.
    let mut rows: Vec<Vec<u32>> = Vec::new();
    for c in per_start.into_iter().flatten() {
        let k = c.len();
        for i in 0..k {
            let mut r = Vec::with_capacity(k + 1);
            r.extend_from_slice(&c[i..]);
            r.extend_from_slice(&c[..i]);
            r.push(c[i]);
            rows.push(r);
        }
    }
    rows.par_sort_unstable();
    Ok(rows)
}

struct Walk<'a> {
    out_off: &'a [usize],
    out: &'a [u32],
    /// Arcs from a vertex back to the start (u32::MAX: not within the bound).
    dist: &'a [u32],
    max: u32,
    listed: &'a AtomicU64,
    /// The cycles found from this start, without the closing vertex.
    found: Vec<Vec<u32>>,
}

impl Walk<'_> {
    fn extend(&mut self, path: &mut Vec<u32>, on_path: &mut [bool]) -> Result<()> {
        // Internal invariant: a path always holds its start.
        let (s, u) = (path[0], *path.last().expect("a path holds its start"));
        // Arcs still allowed after the next step.
        let left = self.max - path.len() as u32;
        for &w in &self.out[self.out_off[u as usize]..self.out_off[u as usize + 1]] {
            if w == s {
                self.found.push(path.clone());
                let rows = path.len() as u64;
                if self.listed.fetch_add(rows, Ordering::Relaxed) + rows > MAX_PATHS {
                    return Err(Error::Config(format!(
                        "detecting_cycles: more than {MAX_PATHS} rows; lower max_length or filter the edges"
                    )));
                }
            } else if w > s && !on_path[w as usize] && self.dist[w as usize] <= left {
                path.push(w);
                on_path[w as usize] = true;
                let r = self.extend(path, on_path);
                on_path[w as usize] = false;
                path.pop();
                r?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(n: usize, arcs: &[(u32, u32)], max: u32) -> Vec<Vec<u32>> {
        let (s, d): (Vec<u32>, Vec<u32>) = arcs.iter().copied().unzip();
        cycles(n, &s, &d, max).unwrap()
    }

    #[test]
    fn every_cycle_from_each_of_its_vertices() {
        // 0 -> 1 -> 2 -> 0, 1 -> 0 (a 2-cycle), a self-loop on 3, parallel arcs, 2 -> 3 (no cycle).
        let arcs = [(0, 1), (1, 2), (2, 0), (1, 0), (3, 3), (0, 1), (2, 3)];
        let want: Vec<Vec<u32>> =
            vec![vec![0, 1, 0], vec![0, 1, 2, 0], vec![1, 0, 1], vec![1, 2, 0, 1], vec![2, 0, 1, 2], vec![3, 3]];
        assert_eq!(run(4, &arcs, 10), want);
        // Bounded by length: only the 2-cycle and the self-loop.
        assert_eq!(run(4, &arcs, 2), vec![vec![0, 1, 0], vec![1, 0, 1], vec![3, 3]]);
        assert_eq!(run(4, &arcs, 1), vec![vec![3, 3]]);
    }
}
