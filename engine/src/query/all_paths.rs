//! GraphFrames' `all_paths`: every simple path (no vertex twice) from a vertex matching `from`
//! to a vertex matching `to` (SQL conditions over the vertex columns), over the edges matching
//! `edge_filter`, of 1 to `max_path_length` edges; along the edges' direction, or either way
//! when `directed` is false (GraphFrames unions the edges with their reverses).
//!
//! Semantics as GraphFrames 0.12 computes them (`AllPaths` over `AggregateNeighbors`): a path
//! grows from each `from` vertex one edge at a time; it ends, and is reported, at the first
//! `to` vertex it reaches (a path never passes through a target); it is dropped when it steps
//! onto a vertex already on it, except onto its start when the start is itself a target (a
//! cycle `[a, ..., a]`, which GraphFrames reports). Nothing of length 0 is reported. Rows are
//! distinct (`path`, `len`) pairs: parallel edges give one path.
//!
//! Result: `path` (a list of vertex ids, in order) and `len` (its number of edges, Int64),
//! ordered by `len`, then by the path's vertices in vertex-table order (GraphFrames' order is
//! unspecified). Edges whose endpoints are not both in the vertex table are ignored.
//!
//! Ember searches depth-first from every start in parallel over vertex-table rows, pruned by
//! each vertex's distance to the nearest target (a reverse BFS): a step is taken only if a
//! target can still be reached within the remaining length. GraphFrames joins the partial
//! paths with the edge table once per hop. More than [`super::paths::MAX_PATHS`] paths is an
//! error rather than exhausted memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::array::{ArrayRef, Int64Array, ListArray, RecordBatch, UInt32Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use rayon::prelude::*;

use super::GraphFrame;
use super::paths::MAX_PATHS;
use crate::error::{Error, Result};

/// An `all_paths` request (GraphFrames' builder).
#[derive(Debug, Clone)]
pub struct AllPaths {
    /// SQL condition over the vertex columns: where paths start.
    pub from: String,
    /// SQL condition over the vertex columns: where paths end.
    pub to: String,
    /// SQL condition over the edge columns: the edges a path may use (all when `None`).
    pub edge_filter: Option<String>,
    /// The most edges in a path (GraphFrames' default: 5; at least 1).
    pub max_path_length: u32,
    /// Along the edges only (true, the default) or either way.
    pub directed: bool,
}

impl AllPaths {
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> AllPaths {
        AllPaths { from: from.into(), to: to.into(), edge_filter: None, max_path_length: 5, directed: true }
    }
}

impl GraphFrame {
    /// Every simple path from a `from` vertex to a `to` vertex (see [`crate::query::all_paths`]).
    pub async fn all_paths(&self, req: &AllPaths) -> Result<RecordBatch> {
        if req.max_path_length == 0 {
            return Err(Error::Config("all_paths: max_path_length must be > 0, got 0".into()));
        }
        for reserved in ["hop", "path", "len"] {
            if self.vertices.schema().field_with_unqualified_name(reserved).is_ok() {
                return Err(Error::Config(format!(
                    "all_paths: the vertex table has a column `{reserved}`; `hop`, `path` and `len` are reserved \
                     (as in GraphFrames): rename it"
                )));
            }
        }
        let (vb, is_from, is_to) = self.flagged_vertices(("from_expr", &req.from), ("to_expr", &req.to)).await?;
        let arcs = self.arcs(&vb, req.edge_filter.as_deref().map(|f| ("edge_filter", f))).await?;
        let (mut src, mut dst) = (arcs.src, arcs.dst);
        if !req.directed {
            let (s, d) = (src.clone(), dst.clone());
            src.extend_from_slice(&d);
            dst.extend_from_slice(&s);
        }
        let found = simple_paths(vb.num_rows(), &src, &dst, &is_from, &is_to, req.max_path_length)?;

        let ids = vb.column_by_name("id").ok_or_else(|| Error::Internal("the vertex table has no id".into()))?;
        let flat = take(ids.as_ref(), &UInt32Array::from(found.vertices), None)
            .map_err(|e| Error::arrow("listing paths", e))?;
        let item = Arc::new(Field::new("element", ids.data_type().clone(), true));
        let offsets = OffsetBuffer::from_lengths(found.lens.iter().map(|&l| l as usize + 1));
        let path =
            ListArray::try_new(item.clone(), offsets, flat, None).map_err(|e| Error::arrow("listing paths", e))?;
        let len = Int64Array::from_iter_values(found.lens.iter().map(|&l| l as i64));
        let schema = Schema::new(vec![
            Field::new("path", DataType::List(item), false),
            Field::new("len", DataType::Int64, false),
        ]);
        let cols: Vec<ArrayRef> = vec![Arc::new(path), Arc::new(len)];
        RecordBatch::try_new(Arc::new(schema), cols).map_err(|e| Error::arrow("listing paths", e))
    }
}

/// Paths listed flat: path i is `lens[i] + 1` vertices, one after the other in `vertices`.
#[derive(Debug, Default, PartialEq)]
pub struct FlatPaths {
    pub vertices: Vec<u32>,
    pub lens: Vec<u32>,
}

/// Every simple path (see the module doc) over arcs `src[e] -> dst[e]` between vertices
/// `0..n`, from an `is_from` vertex to the first `is_to` vertex on it, of 1 to `max` arcs;
/// ordered by length, then lexicographically by vertex.
pub fn simple_paths(
    n: usize,
    src: &[u32],
    dst: &[u32],
    is_from: &[bool],
    is_to: &[bool],
    max: u32,
) -> Result<FlatPaths> {
    let (out_off, out) = distinct_neighbours(n, src, dst);
    let (in_off, inn) = distinct_neighbours(n, dst, src);
    // Arcs left to the nearest target (u32::MAX: none within `max`), by a reverse BFS that does
    // not continue through a target (no path passes one).
    let mut dist = vec![u32::MAX; n];
    let mut layer: Vec<u32> = (0..n as u32).filter(|&v| is_to[v as usize]).collect();
    layer.iter().for_each(|&v| dist[v as usize] = 0);
    for d in 1..=max {
        let mut next = Vec::new();
        for &w in &layer {
            for &u in &inn[in_off[w as usize]..in_off[w as usize + 1]] {
                if dist[u as usize] == u32::MAX {
                    dist[u as usize] = d;
                    next.push(u);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        layer = next;
    }

    let listed = AtomicU64::new(0);
    let starts: Vec<u32> =
        (0..n as u32).filter(|&v| is_from[v as usize] && out_off[v as usize] < out_off[v as usize + 1]).collect();
    let per_start: Vec<Vec<(u32, Vec<u32>)>> = starts
        .par_iter()
        .map_init(
            || vec![false; n],
            |on_path, &s| -> Result<Vec<(u32, Vec<u32>)>> {
                let mut walk =
                    Walk { out_off: &out_off, out: &out, dist: &dist, is_to, max, listed: &listed, found: Vec::new() };
                let mut path = vec![s];
                on_path[s as usize] = true;
                let r = walk.extend(&mut path, on_path);
                on_path[s as usize] = false;
                r.map(|()| walk.found)
            },
        )
        .collect::<Result<_>>()?;
    let mut all: Vec<(u32, Vec<u32>)> = per_start.into_iter().flatten().collect();
    all.par_sort_unstable();
    let mut flat = FlatPaths::default();
    for (len, p) in all {
        flat.lens.push(len);
        flat.vertices.extend(p);
    }
    Ok(flat)
}

/// Each vertex's distinct out-neighbours `to` along arcs `from -> to`, ascending: offsets and list.
pub(super) fn distinct_neighbours(n: usize, from: &[u32], to: &[u32]) -> (Vec<usize>, Vec<u32>) {
    let (off, arcs) = super::matcher::grouped(n, from, to);
    let mut o = Vec::with_capacity(n + 1);
    let mut list = Vec::with_capacity(arcs.len());
    o.push(0);
    for v in 0..n {
        let mut last = None;
        for &(w, _) in &arcs[off[v]..off[v + 1]] {
            if last != Some(w) {
                list.push(w);
                last = Some(w);
            }
        }
        o.push(list.len());
    }
    (o, list)
}

struct Walk<'a> {
    out_off: &'a [usize],
    out: &'a [u32],
    dist: &'a [u32],
    is_to: &'a [bool],
    max: u32,
    listed: &'a AtomicU64,
    /// (length, vertices) of the paths found from this start.
    found: Vec<(u32, Vec<u32>)>,
}

impl Walk<'_> {
    /// Every continuation of `path` (its vertices flagged in `on_path`, its last not a target).
    fn extend(&mut self, path: &mut Vec<u32>, on_path: &mut [bool]) -> Result<()> {
        // Internal invariant: a path always holds its start.
        let u = *path.last().expect("a path holds its start");
        let left = self.max - (path.len() as u32 - 1) - 1;
        for &w in &self.out[self.out_off[u as usize]..self.out_off[u as usize + 1]] {
            if self.is_to[w as usize] {
                // A target ends the path; onto a vertex on the path only if it is the start.
                if !on_path[w as usize] || w == path[0] {
                    let mut p = path.clone();
                    p.push(w);
                    self.found.push((p.len() as u32 - 1, p));
                    if self.listed.fetch_add(1, Ordering::Relaxed) + 1 > MAX_PATHS {
                        return Err(Error::Config(format!(
                            "all_paths: more than {MAX_PATHS} paths; lower max_path_length, narrow from_expr or \
                             to_expr, or filter the edges"
                        )));
                    }
                }
            } else if !on_path[w as usize] && self.dist[w as usize] <= left {
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

    fn paths(n: usize, arcs: &[(u32, u32)], from: &[u32], to: &[u32], max: u32) -> Vec<Vec<u32>> {
        let (s, d): (Vec<u32>, Vec<u32>) = arcs.iter().copied().unzip();
        let flag = |set: &[u32]| (0..n as u32).map(|v| set.contains(&v)).collect::<Vec<_>>();
        let f = simple_paths(n, &s, &d, &flag(from), &flag(to), max).unwrap();
        let mut at = 0;
        f.lens
            .iter()
            .map(|&l| {
                let p = f.vertices[at..at + l as usize + 1].to_vec();
                at += l as usize + 1;
                p
            })
            .collect()
    }

    #[test]
    fn graphframes_documented_example() {
        // A=0, B=1, C=2, D=3: A-B-C, A-D-C and B-A; A-B-A-D-C is not simple.
        let arcs = [(0, 1), (1, 2), (0, 3), (3, 2), (1, 0)];
        assert_eq!(paths(4, &arcs, &[0], &[2], 5), vec![vec![0, 1, 2], vec![0, 3, 2]]);
        assert_eq!(paths(4, &arcs, &[0], &[2], 1), Vec::<Vec<u32>>::new());
    }

    #[test]
    fn targets_end_paths_and_cycles_return_to_a_target_start() {
        // 0 -> 1 -> 2, 1 -> 0, parallel 0 -> 1: targets 1 and 2, start 0.
        let arcs = [(0, 1), (0, 1), (1, 2), (1, 0)];
        assert_eq!(paths(3, &arcs, &[0], &[1, 2], 5), vec![vec![0, 1]]);
        // The start is a target: the cycle back to it is reported, no 0-length path.
        assert_eq!(paths(3, &arcs, &[0], &[0], 5), vec![vec![0, 1, 0]]);
        // A self-loop on a target start.
        assert_eq!(paths(1, &[(0, 0)], &[0], &[0], 5), vec![vec![0, 0]]);
    }
}
