//! The graph model: a vertex table (`id` + attributes) and an edge table (`src`, `dst` +
//! attributes), the GraphFrames convention, held as Arrow data, plus the dense form the
//! engine computes on.
//!
//! Invariants: `src.len() == dst.len() == num_edges()`; every entry of `src`/`dst` is a dense
//! vertex index `< num_vertices()`; `weight`, when present, has one entry per edge; the attribute
//! batches, when present, have one row per vertex (row `i` = dense index `i`) and one row per
//! edge respectively. An undirected graph stores each edge once; algorithms read it both ways.

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, RecordBatch};
use datafusion::arrow::compute::{cast, concat_batches, take};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use rayon::prelude::*;

use crate::error::{Error, Result, Table};
use crate::ids::{self, IdColumn, VertexIds};

/// How to build a graph from tables.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// Directed (default) or undirected.
    pub directed: bool,
    /// Remove edges whose endpoints are equal (the vertex stays).
    pub drop_self_loops: bool,
    /// Collapse parallel edges: identical ordered pairs when directed, unordered pairs when
    /// undirected. The smallest weight (or else the first edge) is kept.
    pub dedupe: bool,
    /// The edge column read as the edge weight, if present in the table (default `weight`).
    pub weight_column: Option<String>,
    /// Column names in the edge/vertex tables.
    pub src_column: String,
    pub dst_column: String,
    pub id_column: String,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            directed: true,
            drop_self_loops: false,
            dedupe: false,
            weight_column: Some("weight".into()),
            src_column: "src".into(),
            dst_column: "dst".into(),
            id_column: "id".into(),
        }
    }
}

impl GraphOptions {
    /// A simple graph: no self-loops, no parallel edges.
    pub fn simple(directed: bool) -> Self {
        GraphOptions { directed, drop_self_loops: true, dedupe: true, ..Default::default() }
    }
}

/// Edges with original ids, as produced by the text loaders.
#[derive(Debug, Clone)]
pub struct EdgeList {
    pub src: IdColumn,
    pub dst: IdColumn,
    pub weight: Option<Vec<f64>>,
    /// The vertex table's ids when the format has one (LDBC `.v`, Matrix Market, DIMACS).
    pub vertices: Option<IdColumn>,
    /// Direction stated by the file itself (LDBC properties, Matrix Market `symmetric`).
    pub directed: Option<bool>,
}

/// What building a graph removed and what its phases took, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildStats {
    pub input_edges: u64,
    pub self_loops_removed: u64,
    pub duplicates_removed: u64,
    /// Turning original ids into dense indices (the id dictionary; checking them when dense).
    pub ids_time: std::time::Duration,
    /// Removing self-loops and parallel edges (zero when not asked).
    pub simplify_time: std::time::Duration,
}

/// What a worker of a distributed run knows about the whole graph when it holds only its
/// share of the edges (a graph read by [`crate::load::shard`]): every vertex, the edges of its
/// partitions, and these totals.
#[derive(Debug)]
pub struct Share {
    /// Edges of the whole graph.
    pub total_edges: u64,
    /// Out- and in-degree of every vertex in the whole graph.
    pub degrees: (Vec<u32>, Vec<u32>),
    /// The partitioning the edges were shared out for (see `PartitionedGraph::distributed`),
    /// as `strategy/partitions`, and the worker and run size they were shared out to.
    pub layout: String,
    pub worker: usize,
    pub workers: usize,
}

/// A property graph: vertices with ids and attributes, edges with endpoints and attributes.
/// A distributed run's worker may hold only a share of the edges ([`Graph::share`]): then the
/// edge arrays are that share, and [`Graph::total_edges`] and [`Graph::degrees`] describe the
/// whole graph.
#[derive(Debug, Clone)]
pub struct Graph {
    ids: VertexIds,
    src: Vec<u32>,
    dst: Vec<u32>,
    weight: Option<Vec<f64>>,
    directed: bool,
    vertex_attrs: Option<RecordBatch>,
    edge_attrs: Option<RecordBatch>,
    stats: BuildStats,
    share: Option<Arc<Share>>,
}

impl Graph {
    /// Builds a graph from an edge list (and optional vertex ids) with original ids.
    pub fn from_edge_list(list: EdgeList, opts: &GraphOptions) -> Result<Graph> {
        let directed = list.directed.unwrap_or(opts.directed);
        let started = Instant::now();
        let dict = ids::build(list.vertices, list.src, list.dst)?;
        Graph::assemble(dict, list.weight, None, None, directed, opts, started)
    }

    /// Builds a graph from Arrow record batches: `edges` must have the `src`/`dst` columns
    /// named in `opts` (integer or string ids); `vertices`, when given, an `id` column. Other
    /// columns become attributes; the weight column (if present) must be numeric.
    pub fn from_batches(vertices: Option<&[RecordBatch]>, edges: &[RecordBatch], opts: &GraphOptions) -> Result<Graph> {
        let edges = concat(edges, Table::Edges)?;
        let (src, dst, weight) = edge_columns(&edges, opts)?;
        let ends = [
            column_index(&edges, &opts.src_column, Table::Edges)?,
            column_index(&edges, &opts.dst_column, Table::Edges)?,
        ];
        let keep: Vec<usize> = (0..edges.num_columns()).filter(|i| !ends.contains(i)).collect();
        let edge_attrs = if keep.is_empty() { None } else { Some(project(&edges, &keep)?) };
        let (vertex_ids, vertex_attrs) = match vertices {
            None => (None, None),
            Some(v) => {
                let (ids, attrs) = vertex_columns(v, opts)?;
                (Some(ids), attrs)
            }
        };
        let started = Instant::now();
        let dict = ids::build(vertex_ids, src, dst)?;
        Graph::assemble(dict, weight, vertex_attrs, edge_attrs, opts.directed, opts, started)
    }

    fn assemble(
        dict: ids::Dictionary,
        weight: Option<Vec<f64>>,
        vertex_attrs: Option<RecordBatch>,
        edge_attrs: Option<RecordBatch>,
        directed: bool,
        opts: &GraphOptions,
        ids_started: Instant,
    ) -> Result<Graph> {
        let ids_time = ids_started.elapsed();
        let mut g = Graph {
            ids: dict.ids,
            src: dict.src,
            dst: dict.dst,
            weight,
            directed,
            vertex_attrs,
            edge_attrs,
            stats: BuildStats::default(),
            share: None,
        };
        g.stats.input_edges = g.src.len() as u64;
        g.stats.ids_time = ids_time;
        if opts.drop_self_loops || opts.dedupe {
            let t = Instant::now();
            g.simplify(opts.drop_self_loops, opts.dedupe)?;
            g.stats.simplify_time = t.elapsed();
        }
        Ok(g)
    }

    /// Removes self-loops and/or parallel edges, keeping edge attributes aligned.
    fn simplify(&mut self, drop_self_loops: bool, dedupe: bool) -> Result<()> {
        let m = self.src.len();
        let (src, dst) = (&self.src, &self.dst);
        let is_loop = |e: usize| drop_self_loops && src[e] == dst[e];
        let keep: Vec<u32>;
        let after_loops;
        if dedupe {
            // Sort (endpoint pair as one u64, edge) records: comparisons read the record, not
            // the edge arrays, and only ties on the pair look at the weight. The first of each
            // group (smallest weight, then earliest edge) is kept.
            let directed = self.directed;
            let rec = |e: usize| (pair_key(src[e], dst[e], directed), e as u32);
            // Every edge gets a record (an exact-size collect writes each once); self-loops are
            // recognised by their key (a == b) and dropped with the duplicates below.
            let recs: Vec<(u64, u32)> = (0..m).into_par_iter().map(rec).collect();
            let is_loop_key = |k: u64| drop_self_loops && (k >> 32) == (k & 0xFFFF_FFFF);
            let loops = if drop_self_loops { recs.par_iter().filter(|r| is_loop_key(r.0)).count() } else { 0 };
            after_loops = m - loops;
            let w = self.weight.as_deref();
            let recs = crate::sort::par_sort_by_key_then(
                recs,
                |r| r.0,
                |x, y| {
                    x.0.cmp(&y.0).then_with(|| match w {
                        Some(w) => w[x.1 as usize].total_cmp(&w[y.1 as usize]).then(x.1.cmp(&y.1)),
                        None => x.1.cmp(&y.1),
                    })
                },
            );
            // The first edge of each group (not a self-loop), then those edges in edge order.
            let firsts: Vec<u32> = (0..recs.len())
                .into_par_iter()
                .filter(|&i| (i == 0 || recs[i - 1].0 != recs[i].0) && !is_loop_key(recs[i].0))
                .map(|i| recs[i].1)
                .collect();
            drop(recs);
            keep = crate::sort::par_sort_by_key_then(firsts, |&e| u64::from(e), |a, b| a.cmp(b));
        } else {
            keep = (0..m as u32).into_par_iter().filter(|&e| !is_loop(e as usize)).collect();
            after_loops = keep.len();
        }
        self.stats.self_loops_removed = (m - after_loops) as u64;
        self.stats.duplicates_removed = (after_loops - keep.len()) as u64;
        if keep.len() == m {
            return Ok(());
        }
        let gather_u32 = |v: &[u32]| -> Vec<u32> { keep.par_iter().map(|&e| v[e as usize]).collect() };
        self.src = gather_u32(&self.src);
        self.dst = gather_u32(&self.dst);
        if let Some(w) = &self.weight {
            self.weight = Some(keep.par_iter().map(|&e| w[e as usize]).collect());
        }
        if let Some(attrs) = &self.edge_attrs {
            let idx = datafusion::arrow::array::UInt32Array::from(keep.clone());
            let cols = attrs
                .columns()
                .iter()
                .map(|c| take(c.as_ref(), &idx, None))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::arrow("selecting edge attributes", e))?;
            self.edge_attrs = Some(
                RecordBatch::try_new(attrs.schema(), cols).map_err(|e| Error::arrow("selecting edge attributes", e))?,
            );
        }
        Ok(())
    }

    /// A graph whose ids are the dense indices `0..n` themselves (generators, or callers that
    /// numbered their vertices): no id dictionary is built. `opts` applies as for any edge list
    /// (direction, self-loops, parallel edges).
    pub fn from_dense_edges(
        n: usize,
        src: Vec<u32>,
        dst: Vec<u32>,
        weight: Option<Vec<f64>>,
        opts: &GraphOptions,
    ) -> Result<Graph> {
        let started = Instant::now();
        ids::check_count(n)?;
        if src.len() != dst.len() || weight.as_ref().is_some_and(|w| w.len() != src.len()) {
            return Err(Error::Internal("edge columns differ in length".into()));
        }
        // `any` first (rayon's `position_first` on a zip took 0.7 s for 67M edges; this 0.05 s).
        let outside = |x: &u32| *x as usize >= n;
        if src.par_iter().chain(dst.par_iter()).any(outside) {
            let e = src.iter().zip(&dst).position(|(s, d)| outside(s) || outside(d)).unwrap_or(0);
            return Err(Error::row(Table::Edges, e, format!("an endpoint is not a vertex index below {n}")));
        }
        let ids = VertexIds::Int(Arc::new((0..n as i64).collect()));
        Graph::assemble(ids::Dictionary { ids, src, dst }, weight, None, None, opts.directed, opts, started)
    }

    /// A graph from dense parts (no attributes); the caller upholds the invariants.
    pub(crate) fn from_dense(ids: VertexIds, src: Vec<u32>, dst: Vec<u32>, directed: bool) -> Graph {
        let stats = BuildStats { input_edges: src.len() as u64, ..Default::default() };
        Graph { ids, src, dst, weight: None, directed, vertex_attrs: None, edge_attrs: None, stats, share: None }
    }

    /// A worker's share of a distributed graph (built by [`crate::load::shard`], which upholds
    /// the invariants: every vertex, this worker's edges in input order, whole-graph `stats`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_share(
        ids: VertexIds,
        src: Vec<u32>,
        dst: Vec<u32>,
        weight: Option<Vec<f64>>,
        directed: bool,
        vertex_attrs: Option<RecordBatch>,
        stats: BuildStats,
        share: Share,
    ) -> Graph {
        Graph { ids, src, dst, weight, directed, vertex_attrs, edge_attrs: None, stats, share: Some(Arc::new(share)) }
    }

    /// In a distributed run, what this worker knows of the whole graph when it holds only its
    /// share of the edges; `None` for a whole graph.
    pub fn share(&self) -> Option<&Share> {
        self.share.as_deref()
    }

    /// Edges of the whole graph (for a share, more than [`Graph::num_edges`]).
    pub fn total_edges(&self) -> u64 {
        self.share.as_ref().map_or(self.src.len() as u64, |s| s.total_edges)
    }

    /// The same graph with `attrs` (one row per vertex, in dense order) as its vertex
    /// attributes, replacing any it had.
    pub fn with_vertex_attrs(mut self, attrs: RecordBatch) -> Result<Graph> {
        if attrs.num_rows() != self.num_vertices() {
            return Err(Error::Internal(format!(
                "{} vertex attribute rows for {} vertices",
                attrs.num_rows(),
                self.num_vertices()
            )));
        }
        self.vertex_attrs = Some(attrs);
        Ok(self)
    }

    pub fn num_vertices(&self) -> usize {
        self.ids.len()
    }
    pub fn num_edges(&self) -> usize {
        self.src.len()
    }
    pub fn is_directed(&self) -> bool {
        self.directed
    }
    pub fn ids(&self) -> &VertexIds {
        &self.ids
    }
    /// Dense source index of every edge.
    pub fn src(&self) -> &[u32] {
        &self.src
    }
    /// Dense destination index of every edge.
    pub fn dst(&self) -> &[u32] {
        &self.dst
    }
    /// Edge weights, if the graph has a weight column.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weight.as_deref()
    }
    pub fn build_stats(&self) -> BuildStats {
        self.stats
    }
    /// Dense index of a vertex given by its original id written as text.
    pub fn vertex_index(&self, id_text: &str) -> Result<u32> {
        self.ids.lookup_text(id_text).ok_or_else(|| Error::Input(format!("vertex {id_text} is not in the graph")))
    }

    /// The vertex table: `id` followed by the vertex attributes.
    pub fn vertices_batch(&self) -> Result<RecordBatch> {
        let mut fields = vec![Field::new("id", self.ids.to_array().data_type().clone(), false)];
        let mut cols: Vec<ArrayRef> = vec![self.ids.to_array()];
        if let Some(a) = &self.vertex_attrs {
            fields.extend(a.schema().fields().iter().map(|f| f.as_ref().clone()));
            cols.extend(a.columns().iter().cloned());
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| Error::arrow("building vertex table", e))
    }

    /// The edge table: `src`, `dst` (original ids), then `weight` and the other attributes.
    pub fn edges_batch(&self) -> Result<RecordBatch> {
        let cols = (0..self.edge_schema().fields().len()).map(|i| self.edge_column(i)).collect::<Result<Vec<_>>>()?;
        RecordBatch::try_new(self.edge_schema(), cols).map_err(|e| Error::arrow("building edge table", e))
    }

    /// The schema of [`Graph::edges_batch`], without building any column.
    pub fn edge_schema(&self) -> Arc<Schema> {
        let t = self.ids.data_type();
        let mut fields = vec![Field::new("src", t.clone(), false), Field::new("dst", t, false)];
        match &self.edge_attrs {
            Some(a) => fields.extend(a.schema().fields().iter().map(|f| f.as_ref().clone())),
            None if self.weight.is_some() => fields.push(Field::new("weight", DataType::Float64, false)),
            None => {}
        }
        Arc::new(Schema::new(fields))
    }

    /// Column `i` of [`Graph::edges_batch`] alone, one entry per edge.
    pub fn edge_column(&self, i: usize) -> Result<ArrayRef> {
        let map = |v: &[u32]| -> Result<ArrayRef> {
            let idx = datafusion::arrow::array::UInt32Array::from(v.to_vec());
            take(self.ids.to_array().as_ref(), &idx, None).map_err(|e| Error::arrow("building edge table", e))
        };
        match (i, &self.edge_attrs, &self.weight) {
            (0, _, _) => map(&self.src),
            (1, _, _) => map(&self.dst),
            (i, Some(a), _) if i - 2 < a.num_columns() => Ok(a.column(i - 2).clone()),
            (2, None, Some(w)) => Ok(Arc::new(Float64Array::from(w.clone()))),
            _ => Err(Error::Internal(format!("edge table has no column {i}"))),
        }
    }

    /// Out-degree, in-degree per vertex (each edge counted once; undirected: both count).
    /// For a share of a distributed graph, the whole graph's degrees.
    pub fn degrees(&self) -> (Vec<u32>, Vec<u32>) {
        if let Some(s) = &self.share {
            return s.degrees.clone();
        }
        let n = self.num_vertices();
        let count = |col: &[u32]| -> Vec<u32> {
            col.par_chunks(1 << 16)
                .fold(
                    || vec![0u32; n],
                    |mut acc, chunk| {
                        for &v in chunk {
                            acc[v as usize] += 1;
                        }
                        acc
                    },
                )
                .reduce(
                    || vec![0u32; n],
                    |mut a, b| {
                        a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                        a
                    },
                )
        };
        rayon::join(|| count(&self.src), || count(&self.dst))
    }
}

/// The endpoint pair of edge `s -> d` as one key (ordered when directed, unordered when not):
/// parallel edges are the edges of equal keys.
pub(crate) fn pair_key(s: u32, d: u32, directed: bool) -> u64 {
    let (a, b) = if directed { (s, d) } else { (s.min(d), s.max(d)) };
    u64::from(a) << 32 | u64::from(b)
}

/// The endpoint columns and the weight (the column `opts` names, if present; an error if a
/// column other than the default `weight` was named and is missing) of an edge table.
pub(crate) fn edge_columns(edges: &RecordBatch, opts: &GraphOptions) -> Result<(IdColumn, IdColumn, Option<Vec<f64>>)> {
    let src_i = column_index(edges, &opts.src_column, Table::Edges)?;
    let dst_i = column_index(edges, &opts.dst_column, Table::Edges)?;
    let src = IdColumn::from_array(edges.column(src_i).as_ref(), Table::Edges, &opts.src_column)?;
    let dst = IdColumn::from_array(edges.column(dst_i).as_ref(), Table::Edges, &opts.dst_column)?;
    let mut weight = None;
    for i in 0..edges.num_columns() {
        let name = edges.schema().field(i).name().clone();
        if i != src_i && i != dst_i && opts.weight_column.as_deref() == Some(name.as_str()) {
            weight = Some(f64_column(edges.column(i), &name)?);
        }
    }
    if let Some(w) = &opts.weight_column
        && w != "weight"
        && weight.is_none()
    {
        return Err(Error::table(
            Table::Edges,
            format!("edge table has no weight column `{w}`; columns are: {}", column_names(edges)),
        ));
    }
    Ok((src, dst, weight))
}

/// The id column and the other columns (the vertex attributes) of a vertex table.
pub(crate) fn vertex_columns(vertices: &[RecordBatch], opts: &GraphOptions) -> Result<(IdColumn, Option<RecordBatch>)> {
    let v = concat(vertices, Table::Vertices)?;
    let id_i = column_index(&v, &opts.id_column, Table::Vertices)?;
    let ids = IdColumn::from_array(v.column(id_i).as_ref(), Table::Vertices, &opts.id_column)?;
    let rest: Vec<usize> = (0..v.num_columns()).filter(|&i| i != id_i).collect();
    let attrs = if rest.is_empty() { None } else { Some(project(&v, &rest)?) };
    Ok((ids, attrs))
}

pub(crate) fn concat(batches: &[RecordBatch], table: Table) -> Result<RecordBatch> {
    let Some(first) = batches.first() else {
        return Err(Error::table(table, format!("{table} has no data")));
    };
    concat_batches(&first.schema(), batches).map_err(|e| Error::arrow(format!("reading {table}"), e))
}

fn column_names(b: &RecordBatch) -> String {
    b.schema().fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
}

fn column_index(b: &RecordBatch, name: &str, table: Table) -> Result<usize> {
    b.schema()
        .index_of(name)
        .map_err(|_| Error::table(table, format!("{table} has no column `{name}`; columns are: {}", column_names(b))))
}

fn project(b: &RecordBatch, cols: &[usize]) -> Result<RecordBatch> {
    b.project(cols).map_err(|e| Error::arrow("selecting columns", e))
}

/// The edge weight column `name` as f64.
fn f64_column(a: &ArrayRef, name: &str) -> Result<Vec<f64>> {
    if !a.data_type().is_numeric() {
        return Err(Error::table(
            Table::Edges,
            format!("edge column `{name}` must be numeric, found type {}", a.data_type()),
        ));
    }
    if a.null_count() > 0 {
        let row = (0..a.len()).find(|&i| a.is_null(i)).unwrap_or(0);
        return Err(Error::row(Table::Edges, row, format!("null weight in column `{name}`")));
    }
    let c = cast(a.as_ref(), &DataType::Float64).map_err(|e| Error::arrow(format!("edge column `{name}`"), e))?;
    let c = c
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| Error::Internal("cast to Float64 did not give a Float64Array".into()))?;
    Ok(c.values().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: Vec<i64>, d: Vec<i64>, w: Option<Vec<f64>>) -> EdgeList {
        EdgeList { src: IdColumn::Int(s), dst: IdColumn::Int(d), weight: w, vertices: None, directed: None }
    }

    #[test]
    fn simplify_undirected_keeps_min_weight_and_vertices_of_self_loops() {
        let l = list(vec![1, 2, 3, 1, 5], vec![2, 1, 3, 2, 1], Some(vec![5.0, 2.0, 1.0, 7.0, 1.0]));
        let g = Graph::from_edge_list(l, &GraphOptions::simple(false)).unwrap();
        assert_eq!(g.num_vertices(), 4); // 1, 2, 3 (self-loop only), 5
        assert_eq!(g.num_edges(), 2);
        assert_eq!(g.weights().unwrap(), &[2.0, 1.0]);
        let s = g.build_stats();
        assert_eq!((s.self_loops_removed, s.duplicates_removed), (1, 2));
    }

    #[test]
    fn directed_dedupe_keeps_reverse_pairs() {
        let g = Graph::from_edge_list(list(vec![1, 2, 1], vec![2, 1, 2], None), &GraphOptions::simple(true)).unwrap();
        assert_eq!(g.num_edges(), 2);
    }
}
