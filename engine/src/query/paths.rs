//! GraphFrames' `bfs`: every shortest path from a vertex matching `from` to a vertex matching
//! `to` (SQL conditions over the vertex columns), over the edges matching `edge_filter`, at
//! most `max_path_length` edges long. Columns as GraphFrames gives them: `from`, `e0`, `v1`,
//! `e1`, ..., `to`, each a struct of the vertex's or the edge's columns; one row per path (and
//! per parallel edge).
//!
//! "Shortest" is global, as in GraphFrames: all returned paths have the smallest length k at
//! which any `to` vertex is reached from any `from` vertex. Such a path visits BFS level i at
//! step i (a vertex closer to the sources would give a shorter path), so the paths are exactly
//! those of the level DAG from level 0 to the targets at level k: Ember runs one multi-source
//! BFS over dense indices, keeps the vertices that lie on a path to a target (a backward pass),
//! counts the paths before listing them, and lists them depth-first. GraphFrames instead joins
//! the edge table once per level over every partial path.
//!
//! Each table is read once through DataFusion (which evaluates the conditions and the filter);
//! edges whose endpoints are not both in the vertex table are ignored, as GraphFrames' joins
//! ignore them. A vertex matching both conditions gives 0-hop paths (`from`, `to` only). With
//! no path, the result is empty with the columns `from` and `to` (GraphFrames returns an
//! empty table with the vertex columns).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, StructArray, UInt32Array};
use datafusion::arrow::compute::{concat_batches, take};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::logical_expr::col;
use datafusion::prelude::DataFrame;

use super::GraphFrame;
use crate::error::{Error, Result, Table};
use crate::ids::{self, IdColumn};

/// A BFS request (GraphFrames' `bfs` builder).
#[derive(Debug, Clone)]
pub struct Bfs {
    /// SQL condition over the vertex columns: where paths start.
    pub from: String,
    /// SQL condition over the vertex columns: where paths end.
    pub to: String,
    /// SQL condition over the edge columns: the edges a path may use (all when `None`).
    pub edge_filter: Option<String>,
    /// The longest path searched (GraphFrames' default: 10).
    pub max_path_length: u32,
}

impl Bfs {
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Bfs {
        Bfs { from: from.into(), to: to.into(), edge_filter: None, max_path_length: 10 }
    }
}

/// Paths are counted before they are listed; more than this is refused rather than exhausting
/// memory.
pub const MAX_PATHS: u64 = 10_000_000;

const FROM: &str = "__ember_from";
const TO: &str = "__ember_to";

fn df_err(what: &str) -> impl Fn(datafusion::error::DataFusionError) -> Error + '_ {
    move |e| Error::df(what.to_string(), e)
}

async fn collect_one(df: DataFrame, what: &str) -> Result<RecordBatch> {
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await.map_err(df_err(what))?;
    concat_batches(&schema, &batches).map_err(|e| Error::arrow(what, e))
}

fn flags(b: &RecordBatch, name: &str) -> Result<Vec<bool>> {
    let a = b
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<BooleanArray>())
        .ok_or_else(|| Error::Internal(format!("{name} is not a boolean column")))?;
    // A NULL condition does not hold, as in a SQL WHERE.
    Ok((0..a.len()).map(|i| a.is_valid(i) && a.value(i)).collect())
}

/// An error in one of the request's conditions, naming it (positions are within its text).
fn argument(name: &str, text: &str, e: Error) -> Error {
    match e {
        Error::Sql { column, message, .. } => Error::Config(format!("{name} '{text}', at column {column}: {message}")),
        other => Error::Config(format!("{name} '{text}': {other}")),
    }
}

/// The vertex table's columns as one struct array, without Ember's flag columns.
fn vertex_structs(b: &RecordBatch) -> Result<StructArray> {
    let keep: Vec<usize> =
        (0..b.num_columns()).filter(|&i| !matches!(b.schema().field(i).name().as_str(), FROM | TO)).collect();
    let p = b.project(&keep).map_err(|e| Error::arrow("projecting the vertices", e))?;
    Ok(StructArray::from(p))
}

/// The edges a traversal may use, as arcs between vertex-table rows.
pub(super) struct Arcs {
    /// The edges read (after the filter), every column.
    pub edges: RecordBatch,
    /// Arc i runs from vertex row `src[i]` to vertex row `dst[i]`; it is edge row `kept[i]`.
    pub src: Vec<u32>,
    pub dst: Vec<u32>,
    pub kept: Vec<u32>,
}

impl GraphFrame {
    /// The vertex table read with two flags: where `from` and `to` (SQL conditions over its
    /// columns, named `from_name`/`to_name` in errors) hold.
    pub(super) async fn flagged_vertices(
        &self,
        (from_name, from): (&str, &str),
        (to_name, to): (&str, &str),
    ) -> Result<(RecordBatch, Vec<bool>, Vec<bool>)> {
        let f = self.vertex_condition(from).map_err(|e| argument(from_name, from, e))?;
        let t = self.vertex_condition(to).map_err(|e| argument(to_name, to, e))?;
        let v = self
            .vertices
            .clone()
            .with_column(FROM, f)
            .and_then(|d| d.with_column(TO, t))
            .map_err(df_err("evaluating the vertex conditions"))?;
        let vb = collect_one(v, "reading the vertices").await?;
        let (is_from, is_to) = (flags(&vb, FROM)?, flags(&vb, TO)?);
        Ok((vb, is_from, is_to))
    }

    /// The edges passing `edge_filter` (its argument name in errors, and SQL over the edge
    /// columns; all when `None`) whose ids
    /// are not null and whose endpoints are both rows of `vb` (the vertex table read), as GraphFrames'
    /// joins keep them.
    pub(super) async fn arcs(&self, vb: &RecordBatch, edge_filter: Option<(&str, &str)>) -> Result<Arcs> {
        let known = col("src").is_not_null().and(col("dst").is_not_null());
        let mut e = self.edges.clone().filter(known).map_err(df_err("reading the edges"))?;
        if let Some((name, f)) = edge_filter {
            let cond = self.edge_condition(f).map_err(|e| argument(name, f, e))?;
            e = e.filter(cond).map_err(df_err("filtering the edges"))?;
        }
        let eb = collect_one(e, "reading the edges").await?;
        let id_col = |b: &RecordBatch, c: &str, t: Table| -> Result<IdColumn> {
            let a = b.column_by_name(c).ok_or_else(|| Error::Internal(format!("no column {c}")))?;
            IdColumn::from_array(a.as_ref(), t, c)
        };
        // Dense indices over the edges' endpoints, then their vertex-table rows.
        let dict = ids::build(None, id_col(&eb, "src", Table::Edges)?, id_col(&eb, "dst", Table::Edges)?)?;
        let row_of = super::matcher::rows_of_dense(&dict.ids, id_col(vb, "id", Table::Vertices)?)?;
        let mut arcs = Arcs { edges: eb, src: Vec::new(), dst: Vec::new(), kept: Vec::new() };
        for r in 0..dict.src.len() {
            let (s, d) = (row_of[dict.src[r] as usize], row_of[dict.dst[r] as usize]);
            if s != u32::MAX && d != u32::MAX {
                arcs.src.push(s);
                arcs.dst.push(d);
                arcs.kept.push(r as u32);
            }
        }
        Ok(arcs)
    }

    /// Every shortest path from a `from` vertex to a `to` vertex (see [`crate::query::paths`]).
    pub async fn bfs(&self, req: &Bfs) -> Result<RecordBatch> {
        let (vb, is_from, is_to) = self.flagged_vertices(("fromExpr", &req.from), ("toExpr", &req.to)).await?;
        let vs = vertex_structs(&vb)?;
        let vfield = |name: &str| Field::new(name, vs.data_type().clone(), false);
        let ends_only = |rows: Vec<u32>| -> Result<RecordBatch> {
            let idx = UInt32Array::from(rows);
            let t = take(&vs, &idx, None).map_err(|e| Error::arrow("listing paths", e))?;
            RecordBatch::try_new(Arc::new(Schema::new(vec![vfield("from"), vfield("to")])), vec![t.clone(), t])
                .map_err(|e| Error::arrow("listing paths", e))
        };
        let both: Vec<u32> = (0..vb.num_rows() as u32).filter(|&i| is_from[i as usize] && is_to[i as usize]).collect();
        if !both.is_empty() || !is_from.contains(&true) || !is_to.contains(&true) {
            return ends_only(both);
        }

        let arcs = self.arcs(&vb, req.edge_filter.as_deref().map(|f| ("edgeFilter", f))).await?;
        let es = StructArray::from(arcs.edges.clone());
        let paths = shortest_paths(vb.num_rows(), &arcs.src, &arcs.dst, &is_from, &is_to, req.max_path_length)?;
        let Some(mut paths) = paths else {
            return ends_only(Vec::new());
        };
        // Back from kept arcs to edge-table rows.
        for step in paths.edges.iter_mut() {
            step.iter_mut().for_each(|e| *e = arcs.kept[*e as usize]);
        }

        // from, e0, v1, e1, ..., to
        let k = paths.edges.len();
        let mut fields = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        for step in 0..=k {
            let name = if step == 0 {
                "from".to_string()
            } else if step == k {
                "to".to_string()
            } else {
                format!("v{step}")
            };
            let t = take(&vs, &UInt32Array::from(paths.vertices[step].clone()), None)
                .map_err(|e| Error::arrow("listing paths", e))?;
            fields.push(vfield(&name));
            columns.push(t);
            if step < k {
                let t = take(&es, &UInt32Array::from(paths.edges[step].clone()), None)
                    .map_err(|e| Error::arrow("listing paths", e))?;
                fields.push(Field::new(format!("e{step}"), es.data_type().clone(), false));
                columns.push(t);
            }
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| Error::arrow("listing paths", e))
    }
}

/// The listed paths: `vertices[i][p]` is the vertex row at step i of path p, `edges[i][p]` the
/// edge row of its step i.
#[derive(Debug, PartialEq)]
pub struct Paths {
    pub vertices: Vec<Vec<u32>>,
    pub edges: Vec<Vec<u32>>,
}

/// All paths of the smallest length k in 1..=max at which a `to` vertex is reached from the
/// `from` vertices, over arcs `src[e] -> dst[e]` (dense vertex indices below `n`); `None` when
/// no `to` vertex is within `max` steps. Assumes no vertex is both `from` and `to`.
pub fn shortest_paths(
    n: usize,
    src: &[u32],
    dst: &[u32],
    is_from: &[bool],
    is_to: &[bool],
    max: u32,
) -> Result<Option<Paths>> {
    // Out-arcs by source: (target, edge row).
    let (offsets, arcs) = super::matcher::grouped(n, src, dst);
    let out = |u: u32| &arcs[offsets[u as usize]..offsets[u as usize + 1]];

    // Multi-source BFS, stopping at the first level that holds a target.
    const UNSEEN: u32 = u32::MAX;
    let mut level = vec![UNSEEN; n];
    let mut layers: Vec<Vec<u32>> = vec![(0..n as u32).filter(|&v| is_from[v as usize]).collect()];
    for &v in &layers[0] {
        level[v as usize] = 0;
    }
    let mut k = None;
    for step in 1..=max {
        let mut next = Vec::new();
        for &u in layers.last().into_iter().flatten() {
            for &(w, _) in out(u) {
                if level[w as usize] == UNSEEN {
                    level[w as usize] = step;
                    next.push(w);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        let found = next.iter().any(|&w| is_to[w as usize]);
        layers.push(next);
        if found {
            k = Some(step);
            break;
        }
    }
    let Some(k) = k else { return Ok(None) };

    // Paths to a target from each vertex (0: off every shortest path), from the last level back.
    let mut count = vec![0u64; n];
    for &w in &layers[k as usize] {
        if is_to[w as usize] {
            count[w as usize] = 1;
        }
    }
    for i in (0..k as usize).rev() {
        for &u in &layers[i] {
            let c = out(u)
                .iter()
                .filter(|&&(w, _)| level[w as usize] == i as u32 + 1)
                .fold(0u64, |acc, &(w, _)| acc.saturating_add(count[w as usize]));
            count[u as usize] = c;
        }
    }
    let total = layers[0].iter().fold(0u64, |acc, &u| acc.saturating_add(count[u as usize]));
    if total > MAX_PATHS {
        return Err(Error::Config(format!(
            "bfs: {} shortest paths of length {k}, more than the {MAX_PATHS} Ember lists; narrow fromExpr or toExpr, or filter the edges",
            if total == u64::MAX { "over 2^64".to_string() } else { total.to_string() }
        )));
    }

    // Depth-first listing along arcs into counted vertices of the next level.
    let k = k as usize;
    let mut paths = Paths {
        vertices: vec![Vec::with_capacity(total as usize); k + 1],
        edges: vec![Vec::with_capacity(total as usize); k],
    };
    let dag = Dag { offsets: &offsets, arcs: &arcs, level: &level, count: &count, k };
    let mut stack = (Vec::with_capacity(k + 1), Vec::with_capacity(k));
    for &u in &layers[0] {
        if count[u as usize] > 0 {
            dag.walk(u, &mut stack, &mut paths);
        }
    }
    Ok(Some(paths))
}

/// The level DAG of a BFS with each vertex's count of paths to a target.
struct Dag<'a> {
    offsets: &'a [usize],
    arcs: &'a [(u32, u32)],
    level: &'a [u32],
    count: &'a [u64],
    k: usize,
}

impl Dag<'_> {
    /// Lists every path from `u` (pushed on the stacks of vertices and edges) to a target.
    fn walk(&self, u: u32, stack: &mut (Vec<u32>, Vec<u32>), paths: &mut Paths) {
        stack.0.push(u);
        if stack.0.len() == self.k + 1 {
            for (i, &v) in stack.0.iter().enumerate() {
                paths.vertices[i].push(v);
            }
            for (i, &e) in stack.1.iter().enumerate() {
                paths.edges[i].push(e);
            }
        } else {
            let next = stack.0.len() as u32;
            for &(w, e) in &self.arcs[self.offsets[u as usize]..self.offsets[u as usize + 1]] {
                if self.level[w as usize] == next && self.count[w as usize] > 0 {
                    stack.1.push(e);
                    self.walk(w, stack, paths);
                    stack.1.pop();
                }
            }
        }
        stack.0.pop();
    }
}
