//! The cyclic core of a motif, matched by a worst-case optimal join over dense indices.
//!
//! Binary joins enumerate a triangle pattern through every 2-path of the graph (3.5 billion on
//! cnr-2000 with its edges ordered by id), however few triangles there are. Here the named
//! vertices joined by edge terms are bound one variable at a time (generic join): each new
//! variable's candidates are the intersection of the sorted neighbour lists of the bound
//! variables it is adjacent to in the pattern, so the work is bounded by the pattern's
//! worst-case output rather than by any pair of its edges. Parallel edges count: once the
//! vertices are bound, every edge term lists the rows between its endpoints (one result row
//! per combination, as the joins give).
//!
//! [`MotifMatchTable`] is the table DataFusion scans: it reads the vertex and edge tables
//! through their plans and yields a struct column `#name` per vertex variable (its vertex-table
//! row) and per named edge; a variable only takes vertices present in the vertex table (as the
//! joins require). Filters on one variable (`a.age > 30` on the result) are pushed into the scan
//! and restrict that variable's candidates before matching. `motif.rs` adds the rest of the
//! pattern with ordinary joins.
//!
//! Invariants: dense indices come from `ids::build` over the edge table (ascending ids, so a
//! vertex-table id is found by binary search); neighbour lists are
//! sorted by neighbour, then by edge row; results are emitted in batches per block of the first
//! variable's candidates, so memory holds one block's matches at a time.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, StructArray, UInt32Array,
};
use datafusion::arrow::compute::{concat_batches, take};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session as DfSession, TableProvider};
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DFSchema, Statistics};
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::TableProviderFilterPushDown;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, SendableRecordBatchStream,
    StatisticsArgs, collect,
};
use rayon::prelude::*;

use crate::error::{Error, Result, Table};
use crate::ids::{self, IdColumn};

/// Vertex variables and the edge terms between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Core {
    pub vars: Vec<String>,
    pub edges: Vec<CoreEdge>,
}

/// An edge term of the core: `vars[src] -> vars[dst]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CoreEdge {
    pub name: Option<String>,
    pub src: usize,
    pub dst: usize,
}

impl Core {
    /// True when the edge terms close a cycle (a 2-cycle and a self-loop included): where
    /// binary joins enumerate more than the result.
    pub fn is_cyclic(&self) -> bool {
        let mut parent: Vec<usize> = (0..self.vars.len()).collect();
        fn root(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for e in &self.edges {
            let (a, b) = (root(&mut parent, e.src), root(&mut parent, e.dst));
            if a == b {
                return true;
            }
            parent[a] = b;
        }
        false
    }

    /// The binding order: the most connected variable first, then always one adjacent to the
    /// most bound variables (ties: the larger pattern degree, then the earlier name).
    fn order(&self) -> Vec<usize> {
        let n = self.vars.len();
        let degree = |v: usize| self.edges.iter().filter(|e| e.src == v || e.dst == v).count();
        let mut order: Vec<usize> = Vec::with_capacity(n);
        while order.len() < n {
            let links = |v: usize| {
                self.edges
                    .iter()
                    .filter(|e| (e.src == v && order.contains(&e.dst)) || (e.dst == v && order.contains(&e.src)))
                    .count()
            };
            let next = (0..n)
                .filter(|v| !order.contains(v))
                .max_by_key(|&v| (links(v), degree(v), std::cmp::Reverse(v)))
                .unwrap_or(0);
            order.push(next);
        }
        order
    }
}

/// Adjacency over dense indices in both directions: neighbours sorted, then edge rows.
struct Adjacency {
    out_off: Vec<usize>,
    out: Vec<(u32, u32)>,
    /// Distinct neighbours per vertex, for intersections.
    out_nbr_off: Vec<usize>,
    out_nbr: Vec<u32>,
    in_nbr_off: Vec<usize>,
    in_nbr: Vec<u32>,
}

/// Arcs `from[r] -> to[r]` grouped by `from` (offsets, then `(to, row)` sorted per vertex).
pub(super) fn grouped(n: usize, from: &[u32], to: &[u32]) -> (Vec<usize>, Vec<(u32, u32)>) {
    let mut off = vec![0usize; n + 1];
    for &s in from {
        off[s as usize + 1] += 1;
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    let mut fill = off.clone();
    let mut list = vec![(0u32, 0u32); from.len()];
    for (row, (&s, &d)) in from.iter().zip(to).enumerate() {
        list[fill[s as usize]] = (d, row as u32);
        fill[s as usize] += 1;
    }
    // Each vertex's list sorted by (neighbour, row): rows are already ascending per source.
    let mut rest: &mut [(u32, u32)] = &mut list;
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(off[i + 1] - off[i]);
        pieces.push(head);
        rest = tail;
    }
    pieces.into_par_iter().for_each(|p| p.sort_unstable());
    (off, list)
}

fn distinct(n: usize, off: &[usize], list: &[(u32, u32)]) -> (Vec<usize>, Vec<u32>) {
    let mut noff = Vec::with_capacity(n + 1);
    let mut nbr = Vec::with_capacity(list.len());
    noff.push(0);
    for i in 0..n {
        let mut last = None;
        for &(w, _) in &list[off[i]..off[i + 1]] {
            if last != Some(w) {
                nbr.push(w);
                last = Some(w);
            }
        }
        noff.push(nbr.len());
    }
    (noff, nbr)
}

impl Adjacency {
    fn new(n: usize, src: &[u32], dst: &[u32]) -> Adjacency {
        let ((out_off, out), (in_off, inn)) = rayon::join(|| grouped(n, src, dst), || grouped(n, dst, src));
        let (out_nbr_off, out_nbr) = distinct(n, &out_off, &out);
        let (in_nbr_off, in_nbr) = distinct(n, &in_off, &inn);
        Adjacency { out_off, out, out_nbr_off, out_nbr, in_nbr_off, in_nbr }
    }
    fn out_nbrs(&self, u: u32) -> &[u32] {
        &self.out_nbr[self.out_nbr_off[u as usize]..self.out_nbr_off[u as usize + 1]]
    }
    fn in_nbrs(&self, u: u32) -> &[u32] {
        &self.in_nbr[self.in_nbr_off[u as usize]..self.in_nbr_off[u as usize + 1]]
    }
    /// Where the edge rows `u -> w` are in `out`.
    fn row_range(&self, u: u32, w: u32) -> std::ops::Range<usize> {
        let (lo, hi) = (self.out_off[u as usize], self.out_off[u as usize + 1]);
        let list = &self.out[lo..hi];
        let start = list.partition_point(|&(x, _)| x < w);
        let end = start + list[start..].partition_point(|&(x, _)| x == w);
        lo + start..lo + end
    }
}

/// Matches as columns: `vars[i][m]` the dense vertex of variable i in match m, `edges[k][m]`
/// the edge row of core edge k.
#[derive(Debug, Default, PartialEq)]
pub struct Matches {
    pub vars: Vec<Vec<u32>>,
    pub edges: Vec<Vec<u32>>,
}

impl Matches {
    fn new(core: &Core) -> Matches {
        Matches { vars: vec![Vec::new(); core.vars.len()], edges: vec![Vec::new(); core.edges.len()] }
    }
    pub fn len(&self) -> usize {
        self.edges.first().or(self.vars.first()).map_or(0, Vec::len)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn append(&mut self, mut other: Matches) {
        for (a, b) in self.vars.iter_mut().zip(other.vars.iter_mut()) {
            a.append(b);
        }
        for (a, b) in self.edges.iter_mut().zip(other.edges.iter_mut()) {
            a.append(b);
        }
    }
}

/// A compiled core over one graph: the binding order and, per step, where candidates come from.
struct Plan<'a> {
    core: &'a Core,
    adj: &'a Adjacency,
    /// Per variable, the dense vertices it may take (`None`: all).
    allowed: &'a [Option<Vec<bool>>],
    n: u32,
    order: Vec<usize>,
    /// For step i: (bound variable, true when the pattern edge goes bound -> new).
    constraints: Vec<Vec<(usize, bool)>>,
}

impl<'a> Plan<'a> {
    fn new(core: &'a Core, adj: &'a Adjacency, allowed: &'a [Option<Vec<bool>>], n: u32) -> Plan<'a> {
        let order = core.order();
        let constraints = order
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let bound = &order[..i];
                let mut c = Vec::new();
                for e in &core.edges {
                    if e.dst == v && e.src != v && bound.contains(&e.src) {
                        c.push((e.src, true));
                    }
                    if e.src == v && e.dst != v && bound.contains(&e.dst) {
                        c.push((e.dst, false));
                    }
                }
                c
            })
            .collect();
        Plan { core, adj, allowed, n, order, constraints }
    }

    fn ok(&self, v: usize, c: u32) -> bool {
        self.allowed[v].as_ref().is_none_or(|a| a[c as usize])
    }

    /// Every match whose first variable is `first`, appended to `out`.
    fn from(&self, first: u32, vals: &mut [u32], scratch: &mut Scratch, out: &mut Matches) {
        if !self.ok(self.order[0], first) {
            return;
        }
        vals[self.order[0]] = first;
        self.step(1, vals, scratch, out);
    }

    fn step(&self, i: usize, vals: &mut [u32], scratch: &mut Scratch, out: &mut Matches) {
        if i == self.order.len() {
            return self.emit(vals, scratch, out);
        }
        let v = self.order[i];
        let list = |vals: &[u32], &(b, forward): &(usize, bool)| -> &[u32] {
            if forward { self.adj.out_nbrs(vals[b]) } else { self.adj.in_nbrs(vals[b]) }
        };
        let cons = &self.constraints[i];
        let Some(k) = (0..cons.len()).min_by_key(|&k| list(vals, &cons[k]).len()) else {
            // Not adjacent to a bound variable: every vertex.
            for c in (0..self.n).filter(|&c| self.ok(v, c)) {
                vals[v] = c;
                self.step(i + 1, vals, scratch, out);
            }
            return;
        };
        let shortest = list(vals, &cons[k]);
        if cons.len() == 2 {
            // The common case (a triangle's third vertex): walk the other sorted list forward
            // with galloping search, as the candidates ascend.
            let other = list(vals, &cons[1 - k]);
            let mut at = 0usize;
            for &c in shortest {
                at += gallop(&other[at..], c);
                if at == other.len() {
                    break;
                }
                if other[at] == c && self.ok(v, c) {
                    vals[v] = c;
                    self.step(i + 1, vals, scratch, out);
                }
            }
            return;
        }
        for &c in shortest {
            let inside = cons.iter().enumerate().all(|(j, con)| j == k || list(vals, con).binary_search(&c).is_ok());
            if inside && self.ok(v, c) {
                vals[v] = c;
                self.step(i + 1, vals, scratch, out);
            }
        }
    }

    /// Every combination of edge rows of the bound vertices (none when a term has no edge, as
    /// a self-loop term on a vertex without one).
    fn emit(&self, vals: &[u32], scratch: &mut Scratch, out: &mut Matches) {
        let runs = &mut scratch.runs;
        runs.clear();
        for e in &self.core.edges {
            let r = self.adj.row_range(vals[e.src], vals[e.dst]);
            if r.is_empty() {
                return;
            }
            runs.push(r);
        }
        let idx = &mut scratch.idx;
        idx.clear();
        idx.extend(runs.iter().map(|r| r.start));
        loop {
            for (k, &at) in idx.iter().enumerate() {
                out.edges[k].push(self.adj.out[at].1);
            }
            for (j, &x) in vals.iter().enumerate() {
                out.vars[j].push(x);
            }
            // Odometer over the runs.
            let mut k = runs.len();
            loop {
                if k == 0 {
                    return;
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < runs[k].end {
                    break;
                }
                idx[k] = runs[k].start;
            }
        }
    }
}

/// The first index of sorted `list` whose value is at least `x`: doubling steps, then a binary
/// search in the last step (cheap when `x` is near the front, as in a merge).
fn gallop(list: &[u32], x: u32) -> usize {
    let mut hi = 1usize;
    while hi < list.len() && list[hi - 1] < x {
        hi *= 2;
    }
    let lo = hi / 2;
    let hi = hi.min(list.len());
    lo + list[lo..hi].partition_point(|&y| y < x)
}

/// Per-thread buffers of [`Plan::emit`] (nothing is allocated per match).
#[derive(Default)]
struct Scratch {
    runs: Vec<std::ops::Range<usize>>,
    idx: Vec<usize>,
}

/// All matches of `core` over the arcs `src[r] -> dst[r]` (dense indices below `n`), each
/// variable `i` taking only the vertices `allowed[i]` marks (all when `None`), in blocks of the
/// first variable's values: `sink` gets each block's matches (in order of the block).
pub fn enumerate(
    n: usize,
    src: &[u32],
    dst: &[u32],
    core: &Core,
    allowed: &[Option<Vec<bool>>],
    mut sink: impl FnMut(Matches) -> Result<()>,
) -> Result<()> {
    if core.vars.is_empty() {
        return Ok(());
    }
    let adj = Adjacency::new(n, src, dst);
    let plan = Plan::new(core, &adj, allowed, n as u32);
    const BLOCK: usize = 1 << 14;
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        let block = (start..end)
            .into_par_iter()
            .fold(
                || (Matches::new(core), vec![0u32; core.vars.len()], Scratch::default()),
                |(mut m, mut vals, mut scratch), first| {
                    plan.from(first as u32, &mut vals, &mut scratch, &mut m);
                    (m, vals, scratch)
                },
            )
            .map(|(m, _, _)| m)
            .collect::<Vec<_>>();
        // Concatenated in order of the parallel pieces, which follow the block's order.
        let mut all = Matches::new(core);
        for m in block {
            all.append(m);
        }
        if !all.is_empty() {
            sink(all)?;
        }
    }
    Ok(())
}

/// The match table's column for a pattern element: `#name` (a pattern name has no `#`, so the
/// column never clashes with the result's columns).
pub fn column(name: &str) -> String {
    format!("#{name}")
}

/// The table of a motif's core matches, computed when scanned: one struct column `#v` per
/// vertex variable (the vertex table's columns) and `#e` per named edge (the edge table's).
/// Filters on one variable's struct are taken by the scan: they restrict that variable's
/// candidates before matching.
#[derive(Debug)]
pub struct MotifMatchTable {
    vertices: LogicalPlan,
    edges: LogicalPlan,
    core: Arc<Core>,
    schema: SchemaRef,
    /// The vertex and edge struct types (of the tables' logical schemas).
    types: Arc<(DataType, DataType)>,
}

impl MotifMatchTable {
    /// The core's table over the vertex table (`id`, attributes) and the edge table (`src`,
    /// `dst`, attributes).
    pub fn new(vertices: LogicalPlan, edges: LogicalPlan, core: Core) -> Result<MotifMatchTable> {
        let es = edges.schema().as_arrow().clone();
        let vs = vertices.schema().as_arrow().clone();
        for (s, c, t) in [(&es, "src", Table::Edges), (&es, "dst", Table::Edges), (&vs, "id", Table::Vertices)] {
            let f = s.field_with_name(c).map_err(|e| Error::arrow("the motif's tables", e))?;
            if ids::id_data_type(f.data_type()).is_none() {
                return Err(Error::table(
                    t,
                    format!("column `{c}` must hold integer or string ids, found {}", f.data_type()),
                ));
            }
        }
        let vtype = DataType::Struct(vs.fields().clone());
        let etype = DataType::Struct(es.fields().clone());
        let mut fields: Vec<Field> = core.vars.iter().map(|v| Field::new(column(v), vtype.clone(), false)).collect();
        fields.extend(
            core.edges.iter().filter_map(|e| e.name.as_ref()).map(|n| Field::new(column(n), etype.clone(), false)),
        );
        Ok(MotifMatchTable {
            vertices,
            edges,
            core: Arc::new(core),
            schema: Arc::new(Schema::new(fields)),
            types: Arc::new((vtype, etype)),
        })
    }

    /// The variable a filter is about, when it reads exactly one variable's column.
    fn filter_var(&self, e: &Expr) -> Option<usize> {
        let refs = e.column_refs();
        let mut vars = refs.iter().map(|c| self.core.vars.iter().position(|v| column(v) == c.name));
        let first = vars.next()??;
        vars.all(|v| v == Some(first)).then_some(first)
    }
}

#[async_trait]
impl TableProvider for MotifMatchTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            // A volatile filter (random()) must be drawn per result row, not once per vertex.
            .map(|f| match self.filter_var(f) {
                Some(_) if !f.is_volatile() => TableProviderFilterPushDown::Exact,
                _ => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn DfSession,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let vertices = state.create_physical_plan(&self.vertices).await?;
        let edges = state.create_physical_plan(&self.edges).await?;
        // Each filter is evaluated on a one-column batch: the variable's vertex structs.
        let mut pushed = Vec::new();
        for f in filters {
            let var = self
                .filter_var(f)
                .ok_or_else(|| DataFusionError::Internal(format!("filter {f} is not about one motif vertex")))?;
            let field = self.schema.field(var).clone();
            let qualifier = f.column_refs().iter().next().and_then(|c| c.relation.clone());
            let schema = DFSchema::new_with_metadata(vec![(qualifier, Arc::new(field))], Default::default())?;
            pushed.push((var, state.create_physical_expr(f.clone(), &schema)?));
        }
        Ok(Arc::new(MotifMatchExec::new(
            self.core.clone(),
            vec![vertices, edges],
            self.schema.clone(),
            projection.cloned(),
            Arc::new(pushed),
            self.types.clone(),
        )?))
    }
}

/// Filters taken by the scan: (variable, predicate over a batch of that variable's structs).
type Pushed = Arc<Vec<(usize, Arc<dyn PhysicalExpr>)>>;

/// The physical operator: collects the two tables, builds dense adjacency, restricts each
/// variable to the vertices of the vertex table that pass its filters, emits the matches.
#[derive(Debug)]
pub struct MotifMatchExec {
    core: Arc<Core>,
    inputs: Vec<Arc<dyn ExecutionPlan>>,
    full_schema: SchemaRef,
    projection: Option<Vec<usize>>,
    filters: Pushed,
    types: Arc<(DataType, DataType)>,
    cache: Arc<PlanProperties>,
}

impl MotifMatchExec {
    fn new(
        core: Arc<Core>,
        inputs: Vec<Arc<dyn ExecutionPlan>>,
        full_schema: SchemaRef,
        projection: Option<Vec<usize>>,
        filters: Pushed,
        types: Arc<(DataType, DataType)>,
    ) -> DfResult<Self> {
        let schema = match &projection {
            Some(p) => Arc::new(full_schema.project(p)?),
            None => full_schema.clone(),
        };
        let cache = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        Ok(MotifMatchExec { core, inputs, full_schema, projection, filters, types, cache: Arc::new(cache) })
    }

    fn describe(&self) -> String {
        let name = |i: usize| self.core.vars[i].as_str();
        let edges: Vec<String> = self
            .core
            .edges
            .iter()
            .map(|e| format!("({})-[{}]->({})", name(e.src), e.name.as_deref().unwrap_or(""), name(e.dst)))
            .collect();
        let order: Vec<&str> = self.core.order().into_iter().map(name).collect();
        let mut text = format!("pattern={}, order={}", edges.join("; "), order.join(","));
        if !self.filters.is_empty() {
            let f: Vec<String> = self.filters.iter().map(|(v, e)| format!("{}: {e}", name(*v))).collect();
            text.push_str(&format!(", filters=[{}]", f.join(", ")));
        }
        text
    }
}

impl DisplayAs for MotifMatchExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => write!(f, "MotifMatchExec: {}", self.describe()),
            DisplayFormatType::TreeRender => write!(f, "{}", self.describe()),
        }
    }
}

fn external(e: Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// One block of matches as a batch: only the projected columns are built (a `count(*)` builds
/// none). `row_of[v]` is dense vertex v's row in the vertex table.
fn to_batch(
    m: &Matches,
    core: &Core,
    (vertices, row_of): (&StructArray, &[u32]),
    edges: &StructArray,
    schema: &SchemaRef,
    projection: &Option<Vec<usize>>,
) -> Result<RecordBatch> {
    let err = |e| Error::arrow("building motif matches", e);
    let named: Vec<usize> = (0..core.edges.len()).filter(|&k| core.edges[k].name.is_some()).collect();
    let all: Vec<usize> = (0..schema.fields().len()).collect();
    let wanted = projection.as_ref().unwrap_or(&all);
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(wanted.len());
    for &i in wanted {
        let col = if i < m.vars.len() {
            let rows: UInt32Array = m.vars[i].iter().map(|&v| row_of[v as usize]).collect();
            take(vertices, &rows, None)
        } else {
            take(edges, &UInt32Array::from(m.edges[named[i - m.vars.len()]].clone()), None)
        };
        cols.push(col.map_err(err)?);
    }
    let out_schema = Arc::new(schema.project(wanted).map_err(err)?);
    let opts = RecordBatchOptions::new().with_row_count(Some(m.len()));
    RecordBatch::try_new_with_options(out_schema, cols, &opts).map_err(err)
}

/// A table's batches as one struct array typed as declared at planning.
fn structs(batches: &[RecordBatch], schema: &SchemaRef, declared: &DataType, what: &str) -> Result<StructArray> {
    let b = concat_batches(schema, batches).map_err(|e| Error::arrow(what, e))?;
    let fields = match declared {
        DataType::Struct(fs) => fs.clone(),
        _ => b.schema().fields().clone(),
    };
    StructArray::try_new(fields, b.columns().to_vec(), None).map_err(|e| Error::arrow(what, e))
}

/// Dense index (over the edge table's ids) to vertex-table row, `u32::MAX` where the vertex
/// table lacks the vertex; errors on a repeated vertex id.
pub(super) fn rows_of_dense(ids: &ids::VertexIds, vertex_ids: IdColumn) -> Result<Vec<u32>> {
    let mut row_of = vec![u32::MAX; ids.len()];
    let mut put = |row: usize, dense: Option<usize>, id: &dyn fmt::Display| -> Result<()> {
        if let Some(d) = dense {
            if row_of[d] != u32::MAX {
                return Err(Error::row(Table::Vertices, row, format!("vertex id {id} appears twice")));
            }
            row_of[d] = row as u32;
        }
        Ok(())
    };
    // Without a vertex table, dense indices follow the ascending ids: binary search.
    match (ids, &vertex_ids) {
        (ids::VertexIds::Int(sorted), IdColumn::Int(v)) => {
            for (row, x) in v.iter().enumerate() {
                put(row, sorted.binary_search(x).ok(), x)?;
            }
        }
        (ids::VertexIds::Str(sorted), IdColumn::Str(v)) => {
            for (row, x) in v.iter().enumerate() {
                put(row, sorted.binary_search(x).ok(), x)?;
            }
        }
        _ => {
            return Err(Error::Input(
                "vertex ids must have one type: the vertex table's `id` and the edges' `src`/`dst` differ".into(),
            ));
        }
    }
    Ok(row_of)
}

/// Each variable's candidates: the dense vertices present in the vertex table (`row_of`) whose
/// rows pass the variable's filters, each evaluated once on a batch of the vertex structs.
fn domains(
    core: &Core,
    filters: &Pushed,
    vtype: &DataType,
    vertices: &StructArray,
    row_of: &[u32],
) -> Result<Vec<Option<Vec<bool>>>> {
    let present: Vec<bool> = row_of.iter().map(|&r| r != u32::MAX).collect();
    let mut out = Vec::with_capacity(core.vars.len());
    for (v, name) in core.vars.iter().enumerate() {
        let mine: Vec<&Arc<dyn PhysicalExpr>> = filters.iter().filter(|(fv, _)| *fv == v).map(|(_, e)| e).collect();
        if mine.is_empty() {
            out.push(Some(present.clone()));
            continue;
        }
        let err = |e| Error::df("filtering motif vertices", e);
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(column(name), vtype.clone(), false)])),
            vec![Arc::new(vertices.clone()) as ArrayRef],
        )
        .map_err(|e| Error::arrow("filtering motif vertices", e))?;
        let mut ok_row = vec![true; vertices.len()];
        for expr in mine {
            let mask = expr.evaluate(&batch).and_then(|v| v.into_array(batch.num_rows())).map_err(err)?;
            let mask = mask
                .as_any()
                .downcast_ref::<BooleanArray>()
                .ok_or_else(|| Error::Input("a motif filter is not a boolean condition".into()))?;
            for (r, ok) in ok_row.iter_mut().enumerate() {
                *ok &= mask.is_valid(r) && mask.value(r);
            }
        }
        out.push(Some(row_of.iter().zip(&present).map(|(&r, &p)| p && ok_row[r as usize]).collect()));
    }
    Ok(out)
}

impl ExecutionPlan for MotifMatchExec {
    fn name(&self) -> &str {
        "MotifMatchExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.cache
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        self.inputs.iter().collect()
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    /// The number of matches is not known before matching; twice the edges is the guess.
    fn statistics_from_inputs(&self, input_stats: &[Arc<Statistics>], _: &StatisticsArgs) -> DfResult<Arc<Statistics>> {
        let mut s = Statistics::new_unknown(&self.schema());
        if let Some(Precision::Exact(n) | Precision::Inexact(n)) = input_stats.get(1).map(|i| i.num_rows) {
            s.num_rows = Precision::Inexact(n.saturating_mul(2));
        }
        Ok(Arc::new(s))
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(MotifMatchExec::new(
            self.core.clone(),
            children,
            self.full_schema.clone(),
            self.projection.clone(),
            self.filters.clone(),
            self.types.clone(),
        )?))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!("MotifMatchExec has one partition, asked for {partition}")));
        }
        let (core, inputs, schema, projection, filters, types) = (
            self.core.clone(),
            self.inputs.clone(),
            self.full_schema.clone(),
            self.projection.clone(),
            self.filters.clone(),
            self.types.clone(),
        );
        let out_schema = self.cache.eq_properties.schema().clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<DfResult<RecordBatch>>(2);
        let fut = async move {
            let (vplan, eplan) = (inputs[0].clone(), inputs[1].clone());
            let vbatches = collect(vplan.clone(), context.clone()).await?;
            let ebatches = collect(eplan.clone(), context).await?;
            let work = move || -> Result<()> {
                let vertices = structs(&vbatches, &vplan.schema(), &types.0, "the vertex table")?;
                let edges = structs(&ebatches, &eplan.schema(), &types.1, "the edge table")?;
                let col = |s: &StructArray, c: &str, t: Table| -> Result<IdColumn> {
                    let a = s.column_by_name(c).ok_or_else(|| Error::Internal(format!("no column {c}")))?;
                    IdColumn::from_array(a.as_ref(), t, c)
                };
                let dict = ids::build(None, col(&edges, "src", Table::Edges)?, col(&edges, "dst", Table::Edges)?)?;
                let row_of = rows_of_dense(&dict.ids, col(&vertices, "id", Table::Vertices)?)?;
                let allowed = domains(&core, &filters, &types.0, &vertices, &row_of)?;
                enumerate(dict.ids.len(), &dict.src, &dict.dst, &core, &allowed, |m| {
                    let b = to_batch(&m, &core, (&vertices, &row_of), &edges, &schema, &projection);
                    // A closed receiver means the query was dropped: stop.
                    tx.blocking_send(b.map_err(external)).map_err(|_| Error::Cancelled)
                })
            };
            match tokio::task::spawn_blocking(work).await {
                Ok(Ok(())) | Ok(Err(Error::Cancelled)) => Ok(()),
                Ok(Err(e)) => Err(external(e)),
                Err(e) => Err(DataFusionError::External(Box::new(e))),
            }
        };
        let stream = futures::stream::unfold((Some(Box::pin(fut)), rx), |(fut, mut rx)| async move {
            // The producer runs beside the receiver; its error (if any) comes after the batches.
            match fut {
                Some(mut f) => {
                    tokio::select! {
                        r = &mut f => match r {
                            Ok(()) => rx.recv().await.map(|b| (b, (None, rx))),
                            Err(e) => Some((Err(e), (None, rx))),
                        },
                        b = rx.recv() => b.map(|b| (b, (Some(f), rx))),
                    }
                }
                None => rx.recv().await.map(|b| (b, (None, rx))),
            }
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(out_schema, stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(vars: &[&str], edges: &[(Option<&str>, usize, usize)]) -> Core {
        Core {
            vars: vars.iter().map(|s| s.to_string()).collect(),
            edges: edges.iter().map(|&(n, s, d)| CoreEdge { name: n.map(Into::into), src: s, dst: d }).collect(),
        }
    }

    fn all(n: usize, src: &[u32], dst: &[u32], c: &Core) -> Matches {
        let mut out = Matches::new(c);
        let allowed = vec![None; c.vars.len()];
        enumerate(n, src, dst, c, &allowed, |m| {
            out.append(m);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn gallop_finds_the_first_not_smaller() {
        let l = [1, 3, 3, 5, 8, 13, 21];
        for x in 0..25 {
            assert_eq!(gallop(&l, x), l.partition_point(|&y| y < x), "{x}");
        }
        assert_eq!(gallop(&[], 4), 0);
    }

    #[test]
    fn cycles_and_parallel_edges() {
        // 0->1, 1->2, 2->0 (twice), 1->0
        let (src, dst) = ([0, 1, 2, 2, 1], [1, 2, 0, 0, 0]);
        let tri = core(&["a", "b", "c"], &[(None, 0, 1), (None, 1, 2), (Some("e"), 2, 0)]);
        assert!(tri.is_cyclic());
        let m = all(3, &src, &dst, &tri);
        // Each rotation of 0->1->2->0, with both 2->0 rows.
        assert_eq!(m.len(), 6);
        let pair = core(&["a", "b"], &[(None, 0, 1), (None, 1, 0)]);
        assert_eq!(all(3, &src, &dst, &pair).len(), 2); // (0,1) and (1,0)
        let path = core(&["a", "b", "c"], &[(None, 0, 1), (None, 1, 2)]);
        assert!(!path.is_cyclic());
        let loops = core(&["a"], &[(None, 0, 0)]);
        assert!(loops.is_cyclic());
        assert_eq!(all(3, &src, &dst, &loops).len(), 0);
    }
}
