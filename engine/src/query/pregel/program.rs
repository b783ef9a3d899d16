//! A program's expressions parsed and compiled once: the vertex-state, triplet (`src.*`,
//! `dst.*`, `edge.*` as qualified columns, projected to the columns read) and message schemas,
//! DataFusion physical expressions for messages and updates, aggregate calls lowered to
//! `GroupsAccumulator`s with the expression around them compiled over their results.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch};
use datafusion::arrow::compute::{self, cast, concat};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, TableReference};
use datafusion::execution::SessionState;
use datafusion::logical_expr::Expr;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::optimizer::analyzer::type_coercion::TypeCoercionRewriter;
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::aggregate::{AggregateFunctionExpr, LoweredAggregateBuilder};
use rayon::prelude::*;

use super::{AM_MSG, BLOCK, MSG, PREGEL_MSG};
use crate::error::{Error, Result};
use crate::graph::Graph;

/// Which API a program serves (the message column's GraphFrames alias differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Pregel,
    AggregateMessages,
}

/// One aggregate call inside an aggregate expression.
pub(super) struct AggCall {
    pub(super) agg: Arc<AggregateFunctionExpr>,
    pub(super) args: Vec<Arc<dyn PhysicalExpr>>,
    pub(super) filter: Option<Arc<dyn PhysicalExpr>>,
}

/// Messages and their aggregation, compiled for one graph's vertex state schema.
pub(super) struct Program<'g> {
    pub(super) graph: &'g Graph,
    /// Columns of the state read as `src.*` / `dst.*`, of the edge table as `edge.*`.
    pub(super) src_cols: Vec<usize>,
    pub(super) dst_cols: Vec<usize>,
    pub(super) edge_cols: Vec<usize>,
    pub(super) triplet: SchemaRef,
    /// `triplet` with every column nullable: the per-vertex batches of one-endpoint messages
    /// hold the columns they do not read as nulls.
    pub(super) triplet_nullable: SchemaRef,
    /// The messages.
    pub(super) msgs: Vec<Message>,
    pub(super) msg_type: DataType,
    /// Whether any message reads `dst.*` beyond `dst.id` (GraphFrames' test for skipping).
    pub(super) reads_dst: bool,
    /// The aggregation input: `msg`, its alias, `id` (of the receiver), projected to the used.
    pub(super) agg_input: SchemaRef,
    pub(super) agg_used: Vec<usize>,
    pub(super) calls: Vec<AggCall>,
    /// Per aggregate expression: the expression over the calls' results, and its field.
    pub(super) outer: Vec<Arc<dyn PhysicalExpr>>,
    pub(super) outer_schema: SchemaRef,
    pub(super) agg_fields: Vec<Arc<Field>>,
}

impl<'g> Program<'g> {
    pub(super) fn compile(
        state: &SessionState,
        graph: &'g Graph,
        s_schema: &SchemaRef,
        to_src: &[String],
        to_dst: &[String],
        aggs: &[&str],
        role: Role,
    ) -> Result<Program<'g>> {
        let edge_schema = graph.edge_schema();
        let mut fields: Vec<(Option<TableReference>, Arc<Field>)> = Vec::new();
        for (q, schema) in [("src", s_schema), ("dst", s_schema), ("edge", &edge_schema)] {
            fields.extend(schema.fields().iter().map(|f| (Some(TableReference::bare(q)), f.clone())));
        }
        let full = DFSchema::new_with_metadata(fields, HashMap::new()).map_err(|e| Error::df("pregel", e))?;
        let send: Vec<(bool, &str)> =
            to_src.iter().map(|s| (false, s.as_str())).chain(to_dst.iter().map(|s| (true, s.as_str()))).collect();
        let mut logical = Vec::new();
        for &(to_dst, sql) in &send {
            logical.push(parse(state, sql, &full, if to_dst { "sendMsgToDst" } else { "sendMsgToSrc" })?);
        }
        for (e, &(to_dst, sql)) in logical.iter().zip(&send) {
            if let Some(name) = misread_endpoint(e) {
                return Err(Error::Config(format!(
                    "{} expression '{sql}': there is no column {name}; the columns are {}",
                    if to_dst { "sendMsgToDst" } else { "sendMsgToSrc" },
                    column_list(&full)
                )));
            }
        }
        let used = used_columns(&full, logical.iter());
        let ns = s_schema.fields().len();
        let src_cols: Vec<usize> = used.iter().copied().filter(|&i| i < ns).collect();
        let dst_cols: Vec<usize> = used.iter().filter(|&&i| (ns..2 * ns).contains(&i)).map(|i| i - ns).collect();
        let edge_cols: Vec<usize> = used.iter().filter(|&&i| i >= 2 * ns).map(|i| i - 2 * ns).collect();
        let reads_dst = dst_cols.iter().any(|&i| s_schema.field(i).name() != "id");
        let projected = project(&full, &used)?;
        let triplet = Arc::new(projected.as_arrow().clone());
        let mut msgs = Vec::new();
        let mut msg_type: Option<DataType> = None;
        for ((to_dst, sql), e) in send.iter().zip(logical) {
            let what = if *to_dst { "sendMsgToDst" } else { "sendMsgToSrc" };
            // A deterministic message that reads one endpoint only is a function of that vertex.
            let refs = used_columns(&full, std::iter::once(&e));
            let reads = if e.is_volatile() {
                Reads::Edge
            } else if refs.iter().all(|&i| i < ns) {
                Reads::Src
            } else if refs.iter().all(|&i| (ns..2 * ns).contains(&i)) {
                Reads::Dst
            } else {
                Reads::Edge
            };
            let p = physical(state, e, &projected, what, sql).map_err(|e| match e {
                Error::Config(m) => Error::Config(format!("{m}; the columns are {}", column_list(&full))),
                e => e,
            })?;
            let t = p.data_type(&triplet).map_err(|e| Error::df("pregel", e))?;
            match &msg_type {
                None => msg_type = Some(t),
                Some(m) if *m == DataType::Null => msg_type = Some(t),
                Some(m) if *m != t && t != DataType::Null && !compute::can_cast_types(&t, m) => {
                    return Err(Error::Config(format!(
                        "message '{sql}' gives {t}, the first message {m}; messages must have one type"
                    )));
                }
                _ => {}
            }
            msgs.push(Message { to_dst: *to_dst, expr: p, reads });
        }
        let msg_type = msg_type.unwrap_or(DataType::Null);

        // The aggregation: each aggregate call lowered to DataFusion's accumulator, the
        // expression around the calls compiled over their results.
        let alias = if role == Role::Pregel { PREGEL_MSG } else { AM_MSG };
        let id_type = graph.ids().data_type();
        let m_full = DFSchema::try_from(Schema::new(vec![
            Field::new(MSG, msg_type.clone(), true),
            Field::new(alias, msg_type.clone(), true),
            Field::new("id", id_type, false),
        ]))
        .map_err(|e| Error::df("pregel", e))?;
        let what = if role == Role::Pregel { "aggMsgs" } else { "agg" };
        let mut call_exprs: Vec<Expr> = Vec::new();
        let mut outer_logical = Vec::new();
        let mut agg_names = Vec::new();
        for sql in aggs {
            let e = parse(state, sql, &m_full, what)?;
            let name = match &e {
                Expr::Alias(a) => a.name.clone(),
                e => e.schema_name().to_string(),
            };
            let e = e.unalias_nested().data;
            let e = e
                .rewrite(&mut TypeCoercionRewriter::new(&m_full))
                .map_err(|err| expr_error(what, sql, crate::sql::error_of(err, Vec::new)))?
                .data;
            let before = call_exprs.len();
            let outer = e
                .transform_down(|x| match x {
                    Expr::AggregateFunction(_) => {
                        call_exprs.push(x);
                        let c = Expr::Column(Column::new_unqualified(format!("__agg{}", call_exprs.len() - 1)));
                        Ok(Transformed::new(c, true, TreeNodeRecursion::Jump))
                    }
                    Expr::WindowFunction(_) => Err(datafusion::error::DataFusionError::Plan(
                        "window functions cannot aggregate messages".into(),
                    )),
                    other => Ok(Transformed::no(other)),
                })
                .map_err(|err| expr_error(what, sql, crate::sql::error_of(err, Vec::new)))?
                .data;
            if call_exprs.len() == before {
                return Err(Error::Config(format!(
                    "{what} expression '{sql}' has no aggregate function; write e.g. sum(msg), min(msg) or collect_list(msg)"
                )));
            }
            if let Some(c) = outer.column_refs().iter().find(|c| !c.name.starts_with("__agg")) {
                return Err(Error::Config(format!(
                    "{what} expression '{sql}': column {} is used outside an aggregate function",
                    c.name
                )));
            }
            outer_logical.push((sql, outer));
            agg_names.push(name);
        }
        let agg_used = used_columns(&m_full, call_exprs.iter());
        let m_proj = project(&m_full, &agg_used)?;
        let agg_input = Arc::new(m_proj.as_arrow().clone());
        let props = state.execution_props();
        let mut calls = Vec::new();
        for e in &call_exprs {
            let sql = e.to_string();
            let lowered =
                LoweredAggregateBuilder::new(e, &m_proj, &agg_input, props, &PhysicalPlanningContext::default())
                    .build()
                    .map_err(|err| expr_error(what, &sql, crate::sql::error_of(err, Vec::new)))?;
            if !lowered.order_bys.is_empty() {
                return Err(Error::Config(format!("{what}: ORDER BY inside '{sql}' is not supported")));
            }
            calls.push(AggCall {
                args: lowered.aggregate.expressions(),
                agg: lowered.aggregate,
                filter: lowered.filter,
            });
        }
        let outer_schema = DFSchema::try_from(Schema::new(
            calls
                .iter()
                .enumerate()
                .map(|(k, c)| Field::new(format!("__agg{k}"), c.agg.field().data_type().clone(), true))
                .collect::<Vec<_>>(),
        ))
        .map_err(|e| Error::df("pregel", e))?;
        let mut outer = Vec::new();
        let mut agg_fields = Vec::new();
        for ((sql, e), name) in outer_logical.into_iter().zip(agg_names) {
            let p = physical(state, e, &outer_schema, what, sql)?;
            let t = p.data_type(outer_schema.as_arrow()).map_err(|e| Error::df("pregel", e))?;
            agg_fields.push(Arc::new(Field::new(name, t, true)));
            outer.push(p);
        }
        let triplet_nullable = Arc::new(Schema::new(
            triplet.fields().iter().map(|f| f.as_ref().clone().with_nullable(true)).collect::<Vec<_>>(),
        ));
        Ok(Program {
            graph,
            src_cols,
            dst_cols,
            edge_cols,
            triplet_nullable,
            triplet,
            msgs,
            msg_type,
            reads_dst,
            agg_input,
            agg_used,
            calls,
            outer,
            outer_schema: Arc::new(outer_schema.as_arrow().clone()),
            agg_fields,
        })
    }
}

/// A message expression and what it reads.
pub(super) struct Message {
    pub(super) to_dst: bool,
    pub(super) expr: Arc<dyn PhysicalExpr>,
    pub(super) reads: Reads,
}

/// What a message reads: only the source's columns, only the destination's (then it is
/// evaluated once per vertex per superstep and gathered along the edges, as GraphX and GAP
/// precompute PageRank's contributions), or the edge (evaluated per edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reads {
    Src,
    Dst,
    Edge,
}

/// The update schema: the state, then `msg` and its GraphFrames alias.
pub(super) fn update_schema(s: &Schema, msg: &DataType, alias: &str) -> Schema {
    let mut fields: Vec<Field> = s.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(MSG, msg.clone(), true));
    fields.push(Field::new(alias, msg.clone(), true));
    Schema::new(fields)
}

fn expr_error(what: &str, sql: &str, e: Error) -> Error {
    Error::Config(format!("{what} expression '{sql}': {e}"))
}

fn parse(state: &SessionState, sql: &str, schema: &DFSchema, what: &str) -> Result<Expr> {
    state.create_logical_expr(sql, schema).map_err(|e| expr_error(what, sql, crate::sql::error_of(e, Vec::new)))
}

/// `e` coerced, simplified as the optimizer would (some functions, such as `coalesce`, only
/// exist in simplified form) and compiled against `schema`.
fn physical(state: &SessionState, e: Expr, schema: &DFSchema, what: &str, sql: &str) -> Result<Arc<dyn PhysicalExpr>> {
    let simplifier = ExprSimplifier::new(
        SimplifyContext::builder()
            .with_schema(Arc::new(schema.clone()))
            .with_config_options(state.config_options().clone())
            .with_current_time()
            .build(),
    );
    simplifier
        .coerce(e, schema)
        .and_then(|e| simplifier.simplify(e))
        .and_then(|e| state.create_physical_expr(e, schema))
        .map_err(|err| expr_error(what, sql, crate::sql::error_of(err, Vec::new)))
}

/// Parses and compiles `(role, sql)` expressions over all of `schema`.
pub(super) fn compile_all(
    state: &SessionState,
    schema: &DFSchema,
    exprs: &[(&str, &str)],
) -> Result<Vec<Arc<dyn PhysicalExpr>>> {
    exprs
        .iter()
        .map(|&(what, sql)| {
            let e = parse(state, sql, schema, what)?;
            if contains_aggregate(&e) {
                return Err(Error::Config(format!("{what} '{sql}' is an aggregate; only aggMsgs aggregates")));
            }
            physical(state, e.unalias_nested().data, schema, what, sql)
        })
        .collect()
}

fn contains_aggregate(e: &Expr) -> bool {
    e.exists(|x| Ok(matches!(x, Expr::AggregateFunction(_) | Expr::WindowFunction(_)))).unwrap_or(false)
}

/// `src.x` for a vertex column `x` that does not exist resolves to a field `x` of the edge
/// column `src`: the name the user meant, to report it as missing.
fn misread_endpoint(e: &Expr) -> Option<String> {
    let mut found = None;
    let _ = e.apply(|x| {
        if let Expr::ScalarFunction(f) = x
            && f.func.name() == "get_field"
            && let [Expr::Column(c), Expr::Literal(datafusion::common::ScalarValue::Utf8(Some(field)), _), ..] =
                f.args.as_slice()
            && c.relation.as_ref().is_some_and(|r| r.table() == "edge")
            && (c.name == "src" || c.name == "dst")
        {
            found = Some(format!("{}.{field}", c.name));
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

/// `src.id, src.w, ..., edge.eid`: what message expressions may read.
fn column_list(schema: &DFSchema) -> String {
    schema.columns().iter().map(|c| c.flat_name()).collect::<Vec<_>>().join(", ")
}

/// The columns of `schema` the expressions read, in schema order.
fn used_columns<'a>(schema: &DFSchema, exprs: impl Iterator<Item = &'a Expr>) -> Vec<usize> {
    let mut set = BTreeSet::new();
    for e in exprs {
        for c in e.column_refs() {
            if let Some(i) = schema.maybe_index_of_column(c) {
                set.insert(i);
            }
        }
    }
    set.into_iter().collect()
}

/// `schema` narrowed to the columns `used` (qualifiers kept).
fn project(schema: &DFSchema, used: &[usize]) -> Result<DFSchema> {
    let fields = used
        .iter()
        .map(|&i| {
            let (q, f) = schema.qualified_field(i);
            (q.cloned(), f.clone())
        })
        .collect();
    DFSchema::new_with_metadata(fields, HashMap::new()).map_err(|e| Error::df("pregel", e))
}

pub(super) fn batch(schema: &SchemaRef, cols: Vec<ArrayRef>) -> Result<RecordBatch> {
    RecordBatch::try_new(schema.clone(), cols).map_err(|e| Error::arrow("pregel: vertex state", e))
}

pub(super) fn cast_to(a: ArrayRef, t: &DataType) -> Result<ArrayRef> {
    if a.data_type() == t { Ok(a) } else { cast(a.as_ref(), t).map_err(|e| Error::arrow(format!("casting to {t}"), e)) }
}

/// Evaluates `exprs` on `batch` in parallel slices; one array per expression.
pub(super) fn eval_parallel(exprs: &[Arc<dyn PhysicalExpr>], batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
    let n = batch.num_rows();
    let chunk = (n / (4 * rayon::current_num_threads())).max(BLOCK);
    let pieces: Vec<Vec<ArrayRef>> = (0..n.div_ceil(chunk).max(1))
        .into_par_iter()
        .map(|c| {
            let lo = (c * chunk).min(n);
            let s = batch.slice(lo, chunk.min(n - lo));
            exprs
                .iter()
                .map(|e| e.evaluate(&s).and_then(|v| v.into_array(s.num_rows())))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::df("pregel: evaluating vertex expressions", e))
        })
        .collect::<Result<_>>()?;
    (0..exprs.len())
        .map(|k| {
            let parts: Vec<&dyn Array> = pieces.iter().map(|p| p[k].as_ref()).collect();
            concat(&parts).map_err(|e| Error::arrow("pregel: vertex state", e))
        })
        .collect()
}
