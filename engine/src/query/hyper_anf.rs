//! GraphFrames' `hyper_anf`: for each vertex, HyperLogLog sketches of the vertices it reaches
//! in exactly k directed hops, k = 0..=n_hops (after Boldi, Rosa and Vigna's HyperANF, 2011).
//!
//! Semantics as GraphFrames 0.12 computes them: the edges passing `edge_filter` are followed
//! from `src` to `dst`; one row per vertex with at least one such out-edge (in vertex-table
//! order); `hop_0` is a sketch of the vertex itself, `hop_1` of its out-neighbours, and
//! `hop_k` the union of the out-neighbours' `hop_{k-1}` (out-neighbours without out-edges
//! add nothing; so `hop_k` holds the ends of the walks of exactly k edges). The cumulative
//! neighbourhood function up to k is the union of `hop_0`..`hop_k`, estimated:
//! `hll_sketch_estimate(hll_union(hll_union(hop_0, hop_1), hop_2))` in SQL (see
//! [`crate::sql::hll`]), as in Spark.
//!
//! The sketches are Apache DataSketches HLL sketches (`HLL_8`, `2^lg_nom_entries` registers)
//! built with the `datasketches` crate: the bytes Spark's `hll_sketch_agg` writes, readable by
//! Spark's `hll_sketch_estimate` and by DataSketches' Java, C++ and Python libraries. Integer
//! ids are hashed as 64-bit longs and string ids as UTF-8 bytes, as GraphFrames hashes them (an
//! empty string is skipped, as DataSketches skips it).
//!
//! Ember merges each vertex's sketch from its out-neighbours' in parallel over vertices (one
//! union per vertex and hop); GraphFrames joins the edge table with the previous hop's state
//! and aggregates with `hll_union_agg`.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BinaryArray, RecordBatch, UInt32Array};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datasketches::hash::value::raw_bytes;
use datasketches::hll::{Coupon, HllSketch, HllType, HllUnion};
use rayon::prelude::*;

use super::GraphFrame;
use super::all_paths::distinct_neighbours;
use crate::error::{Error, Result, Table};
use crate::ids::IdColumn;

/// A `hyper_anf` request (GraphFrames' builder).
#[derive(Debug, Clone)]
pub struct HyperAnf {
    /// Hops computed: columns `hop_0`..`hop_{n_hops}` (GraphFrames' default 3; at least 1).
    pub n_hops: u32,
    /// Log2 of the sketches' registers, 4 to 21 (GraphFrames' default 12).
    pub lg_nom_entries: u8,
    /// SQL condition over the edge columns: the edges followed (all when `None`).
    pub edge_filter: Option<String>,
}

impl Default for HyperAnf {
    fn default() -> HyperAnf {
        HyperAnf { n_hops: 3, lg_nom_entries: 12, edge_filter: None }
    }
}

impl HyperAnf {
    /// Checks the parameters as GraphFrames does.
    pub fn validate(&self) -> Result<()> {
        if self.n_hops == 0 {
            return Err(Error::Config("hyper_anf: n_hops must be a positive integer, got 0".into()));
        }
        if !(4..=21).contains(&self.lg_nom_entries) {
            return Err(Error::Config(format!(
                "hyper_anf: lg_nom_entries must be between 4 and 21 (inclusive), got {}",
                self.lg_nom_entries
            )));
        }
        Ok(())
    }
}

impl GraphFrame {
    /// Exact-hop HyperLogLog sketches per vertex (see [`crate::query::hyper_anf`]).
    pub async fn hyper_anf(&self, req: &HyperAnf) -> Result<RecordBatch> {
        req.validate()?;
        let (vb, _, _) = self.flagged_vertices(("", "true"), ("", "true")).await?;
        let arcs = self.arcs(&vb, req.edge_filter.as_deref().map(|f| ("edge_filter", f))).await?;
        let ids = vb.column_by_name("id").ok_or_else(|| Error::Internal("the vertex table has no id".into()))?;
        let coupons = coupons(IdColumn::from_array(ids.as_ref(), Table::Vertices, "id")?);
        let hops = sketches(vb.num_rows(), &arcs.src, &arcs.dst, &coupons, req.n_hops, req.lg_nom_entries)?;

        let rows = UInt32Array::from(hops.rows);
        let id = take(ids.as_ref(), &rows, None).map_err(|e| Error::arrow("listing sketches", e))?;
        let mut fields = vec![Field::new("id", ids.data_type().clone(), false)];
        let mut cols: Vec<ArrayRef> = vec![id];
        for (k, hop) in hops.hops.into_iter().enumerate() {
            fields.push(Field::new(format!("hop_{k}"), DataType::Binary, false));
            cols.push(Arc::new(BinaryArray::from_iter_values(hop)));
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| Error::arrow("listing sketches", e))
    }
}

/// Each vertex's HLL coupon (its hashed id), `None` for an empty string id.
fn coupons(ids: IdColumn) -> Vec<Option<Coupon>> {
    match ids {
        IdColumn::Int(v) => v.into_iter().map(|x| Some(Coupon::from_value(x))).collect(),
        IdColumn::Str(v) => {
            v.iter().map(|s| (!s.is_empty()).then(|| Coupon::from_value(raw_bytes::from_str(s)))).collect()
        }
    }
}

/// The sketches: `hops[k][i]` is the serialised `hop_k` sketch of vertex `rows[i]`.
#[derive(Debug)]
pub struct Sketches {
    pub rows: Vec<u32>,
    pub hops: Vec<Vec<Vec<u8>>>,
}

/// Exact-hop sketches over arcs `src[e] -> dst[e]` between vertices `0..n` whose ids hash to
/// `coupons`, for the vertices with an out-arc.
pub fn sketches(
    n: usize,
    src: &[u32],
    dst: &[u32],
    coupons: &[Option<Coupon>],
    n_hops: u32,
    lg_k: u8,
) -> Result<Sketches> {
    let (off, out) = distinct_neighbours(n, src, dst);
    let rows: Vec<u32> = (0..n as u32).filter(|&v| off[v as usize] < off[v as usize + 1]).collect();
    // Empty sketch and union of this size, cloned for each vertex (lg_k is checked here once).
    let empty = HllSketch::new(lg_k, HllType::Hll8).map_err(|e| Error::Config(format!("hyper_anf: {e}")))?;
    let empty_union = HllUnion::new(lg_k).map_err(|e| Error::Config(format!("hyper_anf: {e}")))?;
    let sketch_of = |vs: &mut dyn Iterator<Item = u32>| -> HllSketch {
        let mut s = empty.clone();
        for v in vs {
            if let Some(c) = coupons[v as usize] {
                s.update_with_coupon(c);
            }
        }
        s
    };
    let mut hops: Vec<Vec<Vec<u8>>> = Vec::with_capacity(n_hops as usize + 1);
    hops.push(rows.par_iter().map(|&v| sketch_of(&mut std::iter::once(v)).serialize()).collect());
    // The previous hop's sketch of every vertex with an out-arc (None for the others).
    let mut prev: Vec<Option<HllSketch>> = (0..n).map(|_| None).collect();
    let first: Vec<HllSketch> =
        rows.par_iter().map(|&v| sketch_of(&mut out[off[v as usize]..off[v as usize + 1]].iter().copied())).collect();
    for (&v, s) in rows.iter().zip(first) {
        prev[v as usize] = Some(s);
    }
    hops.push(
        rows.par_iter().map(|&v| prev[v as usize].as_ref().map(HllSketch::serialize).unwrap_or_default()).collect(),
    );
    for _ in 2..=n_hops {
        let next: Vec<HllSketch> = rows
            .par_iter()
            .map(|&v| {
                let mut u = empty_union.clone();
                for &w in &out[off[v as usize]..off[v as usize + 1]] {
                    if let Some(s) = &prev[w as usize] {
                        u.update(s);
                    }
                }
                u.to_sketch(HllType::Hll8)
            })
            .collect();
        hops.push(next.par_iter().map(HllSketch::serialize).collect());
        for (&v, s) in rows.iter().zip(next) {
            prev[v as usize] = Some(s);
        }
    }
    Ok(Sketches { rows, hops })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(bytes: &[u8]) -> f64 {
        HllSketch::deserialize(bytes).unwrap().estimate()
    }

    #[test]
    fn exact_hop_sketches_count_walk_ends() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3 (3 has no out-edge), 0 -> 1 twice.
        let (src, dst) = (vec![0, 1, 2, 2, 0], vec![1, 2, 0, 3, 1]);
        let coupons: Vec<Option<Coupon>> = (0..4i64).map(|x| Some(Coupon::from_value(x))).collect();
        let s = sketches(4, &src, &dst, &coupons, 3, 12).unwrap();
        assert_eq!(s.rows, [0, 1, 2]);
        let est = |k: usize| s.hops[k].iter().map(|b| estimate(b).round() as u32).collect::<Vec<_>>();
        assert_eq!(est(0), [1, 1, 1]);
        assert_eq!(est(1), [1, 1, 2]); // {1}, {2}, {0, 3}
        // 0 -> 1 -> {2}; 1 -> 2 -> {0, 3}; 2 -> 0 -> {1} (3 has nothing to pass on).
        assert_eq!(est(2), [1, 2, 1]);
        // 0 -> 1 -> 2 -> {0, 3}; 1 -> 2 -> 0 -> {1}; 2 -> 0 -> 1 -> {2}.
        assert_eq!(est(3), [2, 1, 1]);
    }
}
