//! GraphFrames' `pregel` and `aggregateMessages` with SQL expressions, run on Ember's
//! vertex-cut partitions instead of a join per superstep.
//!
//! A program is written as GraphFrames' builder writes it: vertex columns with an initial and
//! an update expression, messages sent to the source or destination of every edge, one
//! aggregate over the messages a vertex receives. The expressions are SQL text over
//! `src.<column>`, `dst.<column>`, `edge.<column>` (messages), `msg` (aggregate and update; also
//! `_pregel_msg_` in Pregel, `MSG` in aggregateMessages) and the vertex columns. They are parsed
//! and compiled once into DataFusion physical expressions and aggregate accumulators:
//!
//! - *scatter*: each edge partition, in parallel, evaluates the message expressions on Arrow
//!   batches of its edges (endpoint columns gathered by dense index, only the columns the
//!   expressions read) and folds the non-null messages into a `GroupsAccumulator` whose groups
//!   are the partition's local vertices (no hash map: the group is the local index);
//! - *gather*: each partition's accumulator state is merged into the masters' accumulator in
//!   partition order, through the partition's local-to-global map;
//! - *update*: the update expressions run on the vertex state plus the aggregated message
//!   (null where none arrived), in parallel slices.
//!
//! GraphFrames' semantics: every iteration updates every vertex (a vertex without messages sees
//! `msg` NULL), `setMaxIter` iterations (default 10) unless early stopping (no message sent:
//! stop before updating) or, with `setStopIfAllNonActiveVertices`, no active vertex is left.
//! The result is the vertex table, `_pregel_is_active` and the new columns.
//!
//! Invariants: a column keeps the type of its initial expression (update results are cast to
//! it); the merge order is fixed by the partitioning, so integer results are exact and float
//! results depend only on the partitioning; nothing per edge allocates outside Arrow's batch
//! kernels, which work on blocks of [`BLOCK`] edges.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, UInt32Array};
use datafusion::arrow::compute::{self, cast, concat, take};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, TableReference};
use datafusion::execution::SessionState;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{EmitTo, Expr, GroupsAccumulator};
use datafusion::optimizer::analyzer::type_coercion::TypeCoercionRewriter;
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::aggregate::{AggregateFunctionExpr, LoweredAggregateBuilder};
use datafusion::physical_expr::{GroupsAccumulatorAdapter, PhysicalExpr};
use rayon::prelude::*;

use crate::context::{RunContext, SuperstepStats};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::{PartitionedGraph, Strategy};
use crate::registry;

/// Edges per Arrow batch in the scatter.
pub const BLOCK: usize = 1 << 16;

/// The message column's name in every expression.
pub const MSG: &str = "msg";
/// GraphFrames' name of the message column in Pregel (`Pregel.msg`).
pub const PREGEL_MSG: &str = "_pregel_msg_";
/// GraphFrames' name of the message column in aggregateMessages (`AggregateMessages.msg`).
pub const AM_MSG: &str = "MSG";
/// GraphFrames' active-flag column.
pub const ACTIVE: &str = "_pregel_is_active";

/// One vertex column of a Pregel program (GraphFrames' `withVertexColumn`).
#[derive(Debug, Clone, PartialEq)]
pub struct VertexColumn {
    pub name: String,
    /// SQL over the vertex table's columns.
    pub initial: String,
    /// SQL over the vertex columns, the program's columns and `msg`.
    pub update: String,
}

/// A Pregel program in GraphFrames' builder shape (`g.pregel.withVertexColumn(...)...run()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Pregel {
    pub columns: Vec<VertexColumn>,
    /// Message expressions sent to each edge's source / destination.
    pub to_src: Vec<String>,
    pub to_dst: Vec<String>,
    /// The aggregate over `msg`, e.g. `sum(msg)`.
    pub agg: Option<String>,
    /// Iterations (GraphFrames' default 10).
    pub max_iter: u32,
    /// Stop as soon as an iteration sends no message.
    pub early_stopping: bool,
    /// Stop when no vertex is active after an update.
    pub stop_if_all_inactive: bool,
    /// Only edges with an active source (or an active endpoint, when messages read `dst.*`)
    /// send messages.
    pub skip_messages_from_inactive: bool,
    /// SQL over the vertex table: the initial active flag (default `true`).
    pub initial_active: Option<String>,
    /// SQL over the vertex columns, the program's columns and `msg`: the flag after an
    /// update (default `true`).
    pub update_active: Option<String>,
    pub partitioning: Partitioning,
    /// With a checkpoint folder in the run's context, the state is written every this many
    /// iterations (GraphFrames' `setCheckpointInterval`, default 2; 0: never).
    pub checkpoint_interval: u32,
    /// The checkpoint folder and whether to resume from it, as the clauses give them (front
    /// ends turn them into the run context's checkpoint with [`Pregel::context`]).
    pub checkpoint: Option<String>,
    pub resume: bool,
}

/// How the edges are cut into partitions for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Partitioning {
    pub strategy: Strategy,
    /// 0: one per worker thread.
    pub partitions: u32,
}

impl Default for Pregel {
    fn default() -> Self {
        Pregel {
            columns: Vec::new(),
            to_src: Vec::new(),
            to_dst: Vec::new(),
            agg: None,
            max_iter: 10,
            early_stopping: false,
            stop_if_all_inactive: false,
            skip_messages_from_inactive: false,
            initial_active: None,
            update_active: None,
            partitioning: Partitioning::default(),
            checkpoint_interval: 2,
            checkpoint: None,
            resume: false,
        }
    }
}

impl Pregel {
    pub fn new() -> Self {
        Self::default()
    }
    /// GraphFrames' `withVertexColumn(name, initialExpr, updateAfterAggMsgsExpr)`.
    pub fn with_vertex_column(mut self, name: &str, initial: &str, update: &str) -> Self {
        self.columns.push(VertexColumn { name: name.into(), initial: initial.into(), update: update.into() });
        self
    }
    /// GraphFrames' `sendMsgToSrc(msgExpr)`.
    pub fn send_msg_to_src(mut self, expr: &str) -> Self {
        self.to_src.push(expr.into());
        self
    }
    /// GraphFrames' `sendMsgToDst(msgExpr)`.
    pub fn send_msg_to_dst(mut self, expr: &str) -> Self {
        self.to_dst.push(expr.into());
        self
    }
    /// GraphFrames' `aggMsgs(aggExpr)`.
    pub fn agg_msgs(mut self, expr: &str) -> Self {
        self.agg = Some(expr.into());
        self
    }
    /// GraphFrames' `setMaxIter(value)`.
    pub fn max_iter(mut self, n: u32) -> Self {
        self.max_iter = n;
        self
    }

    /// The run a checkpoint belongs to: the program (without where its checkpoints go) and the
    /// graph's sizes.
    fn describe(&self, graph: &Graph) -> String {
        let p = Pregel { checkpoint: None, resume: false, ..self.clone() };
        format!("pregel {p:?} n={} m={}", graph.num_vertices(), graph.num_edges())
    }

    /// `base` with the checkpoint the program's clauses ask for (`checkpoint`, `resume`).
    pub fn context(&self, mut base: RunContext) -> Result<RunContext> {
        match &self.checkpoint {
            Some(dir) => {
                base.checkpoint =
                    Some(crate::checkpoint::Checkpoint::new(dir, self.checkpoint_interval.max(1), self.resume)?)
            }
            None if self.resume => return Err(Error::Config("resume needs a checkpoint folder".into())),
            None => {}
        }
        Ok(base)
    }

    /// Compiles the program for `graph` and runs it; see the module doc for the semantics.
    pub fn run(&self, state: &SessionState, graph: &Graph, ctx: &RunContext) -> Result<PregelOutput> {
        if self.columns.is_empty() {
            return Err(Error::Config(
                "pregel needs at least one vertex column (withVertexColumn(name, initial, update))".into(),
            ));
        }
        if self.to_src.is_empty() && self.to_dst.is_empty() {
            return Err(Error::Config("pregel needs a message (sendMsgToSrc or sendMsgToDst)".into()));
        }
        let agg =
            self.agg.as_deref().ok_or_else(|| Error::Config("pregel needs aggMsgs(aggExpr), e.g. sum(msg)".into()))?;
        if self.max_iter < 1 {
            return Err(Error::Config("pregel: max_iter must be at least 1".into()));
        }
        let vertices = graph.vertices_batch()?;
        let v_schema = DFSchema::try_from(vertices.schema().as_ref().clone()).map_err(|e| Error::df("pregel", e))?;
        // The state: the vertex table, the active flag, the program's columns.
        let mut names: Vec<&str> = vec![ACTIVE];
        for c in &self.columns {
            let taken = v_schema.has_column_with_unqualified_name(&c.name)
                || names.contains(&c.name.as_str())
                || [MSG, PREGEL_MSG, "id"].iter().any(|r| r.eq_ignore_ascii_case(&c.name));
            if taken {
                return Err(Error::Config(format!(
                    "pregel: vertex column name '{}' is taken (the vertex table's columns, id, msg, {PREGEL_MSG}, {ACTIVE} and the program's other columns)",
                    c.name
                )));
            }
            names.push(&c.name);
        }
        let init_sql: Vec<(&str, &str)> =
            std::iter::once(("initial active expression", self.initial_active.as_deref().unwrap_or("true")))
                .chain(self.columns.iter().map(|c| ("initial expression", c.initial.as_str())))
                .collect();
        let init = compile_all(state, &v_schema, &init_sql)?;
        let mut fields: Vec<Field> = vertices.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        for ((name, e), (_, sql)) in names.iter().zip(&init).zip(&init_sql) {
            let t = e.data_type(vertices.schema().as_ref()).map_err(|e| Error::df("pregel", e))?;
            if t == DataType::Null {
                return Err(Error::Config(format!(
                    "pregel: the initial expression of '{name}' ('{sql}') has no type; write e.g. CAST(NULL AS BIGINT)"
                )));
            }
            if *name == ACTIVE && t != DataType::Boolean {
                return Err(Error::Config(format!(
                    "pregel: the initial active expression '{sql}' must be boolean, not {t}"
                )));
            }
            fields.push(Field::new(*name, t, true));
        }
        let s_schema = Arc::new(Schema::new(fields));
        let program = Program::compile(state, graph, &s_schema, &self.to_src, &self.to_dst, &[agg], Role::Pregel)?;
        let msg_type = program.agg_fields[0].data_type().clone();
        let u_schema =
            DFSchema::try_from(update_schema(&s_schema, &msg_type, PREGEL_MSG)).map_err(|e| Error::df("pregel", e))?;
        let update_sql: Vec<(&str, &str)> =
            std::iter::once(("update active expression", self.update_active.as_deref().unwrap_or("true")))
                .chain(self.columns.iter().map(|c| ("update expression", c.update.as_str())))
                .collect();
        let update = compile_all(state, &u_schema, &update_sql)?;
        let first = vertices.num_columns();
        for (k, e) in update.iter().enumerate() {
            let want = s_schema.field(first + k).data_type();
            let t = e.data_type(u_schema.as_arrow()).map_err(|e| Error::df("pregel", e))?;
            if t != *want && t != DataType::Null && !compute::can_cast_types(&t, want) {
                return Err(Error::Config(format!(
                    "pregel: the {} '{}' gives {t}, which cannot become the column's type {want} (from its initial expression)",
                    update_sql[k].0, update_sql[k].1
                )));
            }
        }

        ctx.check()?;
        let mut cols: Vec<ArrayRef> = vertices.columns().to_vec();
        for (k, a) in eval_parallel(&init, &vertices)?.into_iter().enumerate() {
            cols.push(cast_to(a, s_schema.field(first + k).data_type())?);
        }
        let mut st = batch(&s_schema, cols)?;
        let pg = program.partition(graph, self.partitioning)?;
        let prep = program.prepare(&pg)?;
        let n = graph.num_vertices();
        let mut stats = Vec::new();
        let (mut total, mut iterations) = (0u64, 0u32);
        // Checkpoints: the state between iterations is the vertex table with its columns.
        let interval = self.checkpoint_interval;
        let ck = ctx.checkpoint.as_ref().filter(|_| interval > 0).map(|c| {
            let mut c = c.clone();
            c.run = self.describe(graph);
            c
        });
        let layout = format!("{:?}", s_schema.fields());
        if let Some(ck) = &ck
            && let Some((step, saved, b)) = crate::checkpoint::restore_table(ck, &layout)?
        {
            if b.schema().fields() != s_schema.fields() || b.num_rows() != n {
                return Err(Error::Input(format!(
                    "{}: the checkpoint's state does not fit this run",
                    ck.path().display()
                )));
            }
            (st, total, iterations) = (b, saved, step);
        }
        let skip = self.skip_messages_from_inactive.then_some(first);
        for it in iterations + 1..=self.max_iter {
            ctx.check()?;
            let t = Instant::now();
            let out = program.scatter_gather(&pg, &prep, &st, skip)?;
            total += out.sent;
            if self.early_stopping && out.sent == 0 {
                break;
            }
            let msg = out
                .columns
                .into_iter()
                .next()
                .unwrap_or_else(|| datafusion::arrow::array::new_null_array(&msg_type, n));
            let mut ucols = st.columns().to_vec();
            ucols.push(msg.clone());
            ucols.push(msg);
            let ub = batch(&Arc::new(u_schema.as_arrow().clone()), ucols)?;
            let mut cols: Vec<ArrayRef> = vertices.columns().to_vec();
            for (k, a) in eval_parallel(&update, &ub)?.into_iter().enumerate() {
                cols.push(cast_to(a, s_schema.field(first + k).data_type())?);
            }
            st = batch(&s_schema, cols)?;
            iterations = it;
            let s = SuperstepStats {
                superstep: it,
                max_supersteps: Some(self.max_iter),
                active_vertices: out.groups.order.len() as u64,
                messages: out.sent,
                elapsed: t.elapsed(),
            };
            ctx.report(&s);
            stats.push(s);
            if let Some(ck) = &ck
                && it % interval == 0
                && it < self.max_iter
            {
                crate::checkpoint::save_table(ck, &layout, it, total, &st)?;
            }
            if self.stop_if_all_inactive {
                let active = st.column(first).as_any().downcast_ref::<BooleanArray>().map_or(0, |a| a.true_count());
                if active == 0 {
                    break;
                }
            }
        }
        if let Some(ck) = &ck {
            crate::checkpoint::clear(ck)?;
        }
        Ok(PregelOutput { vertices: st, iterations, messages: total, stats })
    }
}

/// Splits `args` into clauses of `known` (names matched ignoring case, `_` and a `set`
/// prefix); errors name the argument by its 1-based position after `offset` others.
fn clauses<'a>(
    args: &'a [String],
    known: &[(&'static str, usize, &str)],
    offset: usize,
) -> Result<Vec<(&'static str, &'a [String], usize)>> {
    let norm = |s: &str| {
        let s = s.replace('_', "").to_ascii_lowercase();
        s.strip_prefix("set").map(str::to_string).unwrap_or(s)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let pos = offset + i + 1;
        let Some(&(name, arity, _)) = known.iter().find(|(k, _, _)| norm(k) == norm(&args[i])) else {
            let names: Vec<&str> = known.iter().map(|k| k.0).collect();
            return Err(Error::Config(format!(
                "argument {pos} ('{}') is not a clause; clauses are: {}",
                args[i],
                names.join(", ")
            )));
        };
        if i + arity >= args.len() {
            let what = if arity == 1 { "an argument".to_string() } else { format!("{arity} arguments") };
            return Err(Error::Config(format!("argument {pos}: {name} needs {what} after it")));
        }
        out.push((name, &args[i + 1..=i + arity], pos));
        i += arity + 1;
    }
    Ok(out)
}

fn flag(name: &str, v: &str, pos: usize) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::Config(format!("argument {}: {name} takes true or false, got '{v}'", pos + 1))),
    }
}

fn partitioning(p: &mut Partitioning, name: &str, v: &str, pos: usize) -> Result<()> {
    if name == "strategy" {
        p.strategy = Strategy::parse(v)?;
    } else {
        p.partitions = v.trim().parse().map_err(|_| {
            Error::Config(format!("argument {}: partitions must be a whole number, got '{v}'", pos + 1))
        })?;
    }
    Ok(())
}

impl Pregel {
    /// A program from the clauses of [`registry::PREGEL`] written as text, the arguments after the first
    /// `offset` (for positions in errors).
    pub fn from_clauses(args: &[String], offset: usize) -> Result<Pregel> {
        let mut p = Pregel::new();
        for (name, a, pos) in clauses(args, registry::PREGEL.clauses, offset)? {
            match name {
                "withVertexColumn" => p = p.with_vertex_column(&a[0], &a[1], &a[2]),
                "sendMsgToSrc" => p.to_src.push(a[0].clone()),
                "sendMsgToDst" => p.to_dst.push(a[0].clone()),
                "aggMsgs" => p.agg = Some(a[0].clone()),
                "setMaxIter" => {
                    p.max_iter = a[0].trim().parse().ok().filter(|&n| n >= 1).ok_or_else(|| {
                        Error::Config(format!(
                            "argument {}: setMaxIter must be a whole number >= 1, got '{}'",
                            pos + 1,
                            a[0]
                        ))
                    })?
                }
                "setEarlyStopping" => p.early_stopping = flag(name, &a[0], pos)?,
                "setStopIfAllNonActiveVertices" => p.stop_if_all_inactive = flag(name, &a[0], pos)?,
                "setSkipMessagesFromNonActiveVertices" => p.skip_messages_from_inactive = flag(name, &a[0], pos)?,
                "setInitialActiveVertexExpression" => p.initial_active = Some(a[0].clone()),
                "setCheckpointInterval" => {
                    p.checkpoint_interval = a[0].trim().parse().map_err(|_| {
                        Error::Config(format!(
                            "argument {}: setCheckpointInterval must be a whole number >= 0, got '{}'",
                            pos + 1,
                            a[0]
                        ))
                    })?
                }
                "checkpoint" => p.checkpoint = Some(a[0].clone()).filter(|d| !d.trim().is_empty()),
                "resume" => p.resume = flag(name, &a[0], pos)?,
                "setUpdateActiveVertexExpression" => p.update_active = Some(a[0].clone()),
                _ => partitioning(&mut p.partitioning, name, &a[0], pos)?,
            }
        }
        Ok(p)
    }
}

impl AggregateMessages {
    /// A round from the clauses of [`registry::AGGREGATE_MESSAGES`] written as text (see [`Pregel::from_clauses`]).
    pub fn from_clauses(args: &[String], offset: usize) -> Result<AggregateMessages> {
        let mut am = AggregateMessages::default();
        for (name, a, pos) in clauses(args, registry::AGGREGATE_MESSAGES.clauses, offset)? {
            match name {
                "sendToSrc" => am.to_src.push(a[0].clone()),
                "sendToDst" => am.to_dst.push(a[0].clone()),
                "agg" => am.aggs.push(a[0].clone()),
                _ => partitioning(&mut am.partitioning, name, &a[0], pos)?,
            }
        }
        Ok(am)
    }
}

/// What a Pregel run returns.
#[derive(Debug, Clone)]
pub struct PregelOutput {
    /// The vertex table, `_pregel_is_active` and the program's columns, one row per vertex.
    pub vertices: RecordBatch,
    /// Iterations that updated the vertices.
    pub iterations: u32,
    /// Non-null messages sent over the whole run.
    pub messages: u64,
    pub stats: Vec<SuperstepStats>,
}

/// GraphFrames' `aggregateMessages`: one round of messages, aggregated per receiving vertex.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AggregateMessages {
    pub to_src: Vec<String>,
    pub to_dst: Vec<String>,
    /// One or more aggregates over `msg` (`sum(msg) AS total`), one result column each.
    pub aggs: Vec<String>,
    pub partitioning: Partitioning,
}

impl AggregateMessages {
    /// Runs the round: `id` and one column per aggregate, for the vertices that received a
    /// message (in dense order).
    pub fn run(&self, state: &SessionState, graph: &Graph, ctx: &RunContext) -> Result<RecordBatch> {
        if self.to_src.is_empty() && self.to_dst.is_empty() {
            return Err(Error::Config(
                "aggregateMessages needs a message: sendToSrc or sendToDst (an expression over src, dst, edge)".into(),
            ));
        }
        if self.aggs.is_empty() {
            return Err(Error::Config("aggregateMessages needs an aggregate over msg, e.g. sum(msg)".into()));
        }
        let vertices = graph.vertices_batch()?;
        let aggs: Vec<&str> = self.aggs.iter().map(String::as_str).collect();
        let program = Program::compile(
            state,
            graph,
            &vertices.schema(),
            &self.to_src,
            &self.to_dst,
            &aggs,
            Role::AggregateMessages,
        )?;
        ctx.check()?;
        let pg = program.partition(graph, self.partitioning)?;
        let prep = program.prepare(&pg)?;
        let out = program.scatter_gather(&pg, &prep, &vertices, None)?;
        let keep: Vec<u32> =
            (0..graph.num_vertices() as u32).filter(|&v| out.groups.slot[v as usize] != NONE).collect();
        let keep = UInt32Array::from(keep);
        let mut fields = vec![vertices.schema().field(0).clone()];
        let mut cols =
            vec![take(vertices.column(0).as_ref(), &keep, None).map_err(|e| Error::arrow("aggregateMessages", e))?];
        for (f, c) in program.agg_fields.iter().zip(out.columns) {
            fields.push(f.as_ref().clone());
            cols.push(take(c.as_ref(), &keep, None).map_err(|e| Error::arrow("aggregateMessages", e))?);
        }
        batch(&Arc::new(Schema::new(fields)), cols)
    }
}

/// Which API a program serves (the message column's GraphFrames alias differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Pregel,
    AggregateMessages,
}

/// One aggregate call inside an aggregate expression.
struct AggCall {
    agg: Arc<AggregateFunctionExpr>,
    args: Vec<Arc<dyn PhysicalExpr>>,
    filter: Option<Arc<dyn PhysicalExpr>>,
}

/// Messages and their aggregation, compiled for one graph's vertex state schema.
struct Program<'g> {
    graph: &'g Graph,
    /// Columns of the state read as `src.*` / `dst.*`, of the edge table as `edge.*`.
    src_cols: Vec<usize>,
    dst_cols: Vec<usize>,
    edge_cols: Vec<usize>,
    triplet: SchemaRef,
    /// The messages.
    msgs: Vec<Message>,
    msg_type: DataType,
    /// Whether any message reads `dst.*` beyond `dst.id` (GraphFrames' test for skipping).
    reads_dst: bool,
    /// The aggregation input: `msg`, its alias, `id` (of the receiver), projected to the used.
    agg_input: SchemaRef,
    agg_used: Vec<usize>,
    calls: Vec<AggCall>,
    /// Per aggregate expression: the expression over the calls' results, and its field.
    outer: Vec<Arc<dyn PhysicalExpr>>,
    outer_schema: SchemaRef,
    agg_fields: Vec<Arc<Field>>,
}

/// One partition's scatter: its accumulators (groups = local vertices), which local vertices
/// received a message, how many messages it sent.
type Local = (Vec<Box<dyn GroupsAccumulator>>, Groups, u64);

/// Group numbers in order of first message (DataFusion's accumulators assume every group
/// below `total_num_groups` has appeared in some batch, as its hash aggregation numbers
/// them): `slot[v]` is v's group or `NONE`, `order[g]` the vertex of group `g`.
struct Groups {
    slot: Vec<u32>,
    order: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Groups {
    fn new(n: usize) -> Self {
        Groups { slot: vec![NONE; n], order: Vec::new() }
    }
    #[inline]
    fn of(&mut self, v: u32) -> usize {
        let s = &mut self.slot[v as usize];
        if *s == NONE {
            *s = self.order.len() as u32;
            self.order.push(v);
        }
        *s as usize
    }
}

/// What one scatter and gather produced.
struct Gathered {
    /// Per aggregate, one value per vertex (NULL where no message arrived).
    columns: Vec<ArrayRef>,
    /// Each vertex's group (`NONE`: it received no message).
    groups: Groups,
    sent: u64,
}

impl<'g> Program<'g> {
    fn compile(
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
        Ok(Program {
            graph,
            src_cols,
            dst_cols,
            edge_cols,
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

    fn partition(&self, graph: &'g Graph, p: Partitioning) -> Result<PartitionedGraph<'g>> {
        let parts = if p.partitions == 0 { rayon::current_num_threads() as u32 } else { p.partitions };
        PartitionedGraph::new(graph, p.strategy, parts)
    }

    fn accumulators(&self) -> Result<Vec<Box<dyn GroupsAccumulator>>> {
        self.calls
            .iter()
            .map(|c| -> Result<Box<dyn GroupsAccumulator>> {
                if c.agg.groups_accumulator_supported() {
                    c.agg.create_groups_accumulator().map_err(|e| Error::df("aggregating messages", e))
                } else {
                    let agg = c.agg.clone();
                    Ok(Box::new(GroupsAccumulatorAdapter::new(move || agg.create_accumulator())))
                }
            })
            .collect()
    }

    /// One round: messages from every edge of `pg`, combined per partition, merged per vertex.
    /// `skip`: the state column of the active flag, when inactive vertices send nothing.
    /// What every superstep reads from the partitions, built once per run: each partition's
    /// edges as global endpoint arrays (sliced per block without copying), its local-to-global
    /// map as group indices, and its copy of the edge columns the messages read.
    fn prepare(&self, pg: &PartitionedGraph<'_>) -> Result<Prepared> {
        let g = self.graph;
        let edge_full: Vec<ArrayRef> = self.edge_cols.iter().map(|&i| g.edge_column(i)).collect::<Result<_>>()?;
        let parts = pg
            .partitions()
            .par_iter()
            .map(|ep| -> Result<Part> {
                let global = |l: &[u32]| UInt32Array::from_iter_values(l.iter().map(|&x| ep.l2g[x as usize]));
                let edges = if edge_full.is_empty() {
                    Vec::new()
                } else {
                    let idx = UInt32Array::from(ep.edges.clone());
                    edge_full
                        .iter()
                        .map(|c| take(c.as_ref(), &idx, None))
                        .collect::<std::result::Result<_, _>>()
                        .map_err(|e| Error::arrow("pregel: edge columns", e))?
                };
                Ok(Part {
                    gs: global(&ep.src),
                    gd: global(&ep.dst),
                    l2g: ep.l2g.iter().map(|&v| v as usize).collect(),
                    edges,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Prepared { parts, ids: self.agg_used.contains(&2).then(|| g.ids().to_array()) })
    }

    /// One round: messages from every edge of `pg`, combined per partition, merged per vertex.
    /// `skip`: the state column of the active flag, when inactive vertices send nothing.
    fn scatter_gather(
        &self,
        pg: &PartitionedGraph<'_>,
        prep: &Prepared,
        st: &RecordBatch,
        skip: Option<usize>,
    ) -> Result<Gathered> {
        let n = self.graph.num_vertices();
        let both_ways = !self.graph.is_directed();
        let per_vertex = self.vertex_messages(st)?;
        let per_vertex = &per_vertex;
        let locals = pg
            .partitions()
            .par_iter()
            .zip(&prep.parts)
            .map(|(ep, part)| -> Result<Local> {
                let mut accs = self.accumulators()?;
                let mut local = Groups::new(ep.l2g.len());
                let mut sent = 0u64;
                let mut groups: Vec<usize> = Vec::with_capacity(BLOCK);
                for a in (0..ep.src.len()).step_by(BLOCK) {
                    let b = (a + BLOCK).min(ep.src.len());
                    let (gs, gd) = (part.gs.slice(a, b - a), part.gd.slice(a, b - a));
                    let fwd =
                        Block { ls: &ep.src[a..b], ld: &ep.dst[a..b], gs: &gs, gd: &gd, edges: &part.edges, a, b };
                    sent +=
                        self.block(&fwd, st, per_vertex, skip, prep.ids.as_ref(), &mut accs, &mut local, &mut groups)?;
                    if both_ways {
                        let back = Block { ls: fwd.ld, ld: fwd.ls, gs: &gd, gd: &gs, ..fwd };
                        sent += self.block(
                            &back,
                            st,
                            per_vertex,
                            skip,
                            prep.ids.as_ref(),
                            &mut accs,
                            &mut local,
                            &mut groups,
                        )?;
                    }
                }
                Ok((accs, local, sent))
            })
            .collect::<Result<Vec<_>>>()?;
        // Partitions' states merged into the masters in partition order.
        let mut masters = self.accumulators()?;
        let mut global = Groups::new(n);
        let mut sent = 0u64;
        let mut mapped: Vec<usize> = Vec::new();
        for (part, (accs, local, s)) in prep.parts.iter().zip(locals) {
            sent += s;
            if local.order.is_empty() {
                continue;
            }
            mapped.clear();
            mapped.extend(local.order.iter().map(|&l| global.of(part.l2g[l as usize] as u32)));
            for (m, mut acc) in masters.iter_mut().zip(accs) {
                let state = acc.state(EmitTo::All).map_err(|e| Error::df("aggregating messages", e))?;
                m.merge_batch(&state, &mapped, global.order.len()).map_err(|e| Error::df("aggregating messages", e))?;
            }
        }
        let k = global.order.len();
        let columns: Vec<ArrayRef> = if k == 0 {
            self.agg_fields.iter().map(|f| datafusion::arrow::array::new_null_array(f.data_type(), n)).collect()
        } else {
            let results = masters
                .iter_mut()
                .map(|m| m.evaluate(EmitTo::All).map_err(|e| Error::df("aggregating messages", e)))
                .collect::<Result<Vec<_>>>()?;
            let rb = batch(&self.outer_schema, results)?;
            // Back to vertex order: a vertex without a group (no message) gets NULL.
            let idx = UInt32Array::from_iter(global.slot.iter().map(|&g| (g != NONE).then_some(g)));
            self.outer
                .iter()
                .map(|e| -> Result<ArrayRef> {
                    let a = e
                        .evaluate(&rb)
                        .and_then(|v| v.into_array(k))
                        .map_err(|e| Error::df("aggregating messages", e))?;
                    take(a.as_ref(), &idx, None).map_err(|e| Error::arrow("aggregating messages", e))
                })
                .collect::<Result<_>>()?
        };
        Ok(Gathered { columns, groups: global, sent })
    }

    /// The messages that read one endpoint only, evaluated once per vertex (`None` for the
    /// others): the triplet batch with that endpoint's columns from the state and the other
    /// columns, which the expression does not read, as nulls.
    fn vertex_messages(&self, st: &RecordBatch) -> Result<Vec<Option<ArrayRef>>> {
        let n = st.num_rows();
        let null = |f: &Field| datafusion::arrow::array::new_null_array(f.data_type(), n);
        let fields = self.triplet.fields();
        let (ns, nd) = (self.src_cols.len(), self.dst_cols.len());
        self.msgs
            .iter()
            .map(|m| -> Result<Option<ArrayRef>> {
                if m.reads == Reads::Edge {
                    return Ok(None);
                }
                let cols: Vec<ArrayRef> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| match m.reads {
                        Reads::Src if i < ns => st.column(self.src_cols[i]).clone(),
                        Reads::Dst if (ns..ns + nd).contains(&i) => st.column(self.dst_cols[i - ns]).clone(),
                        _ => null(f),
                    })
                    .collect();
                // Nullable: the columns not read are nulls.
                let schema = Arc::new(Schema::new(
                    fields.iter().map(|f| f.as_ref().clone().with_nullable(true)).collect::<Vec<_>>(),
                ));
                let vb =
                    RecordBatch::try_new_with_options(schema, cols, &RecordBatchOptions::new().with_row_count(Some(n)))
                        .map_err(|e| Error::arrow("pregel: per-vertex messages", e))?;
                let a = eval_parallel(std::slice::from_ref(&m.expr), &vb)?.pop();
                a.map(|a| cast_to(a, &self.msg_type)).transpose()
            })
            .collect()
    }

    /// Messages of one block of a partition's edges (one direction), folded into `accs`.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        blk: &Block<'_>,
        st: &RecordBatch,
        per_vertex: &[Option<ArrayRef>],
        skip: Option<usize>,
        ids: Option<&ArrayRef>,
        accs: &mut [Box<dyn GroupsAccumulator>],
        local: &mut Groups,
        groups: &mut Vec<usize>,
    ) -> Result<u64> {
        let err = |e| Error::arrow("pregel: building messages", e);
        let len = blk.b - blk.a;
        let (gs, gd) = (blk.gs, blk.gd);
        // The triplets, built only when a message reads the edge.
        let per_edge = self.msgs.iter().any(|m| m.reads == Reads::Edge);
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.triplet.fields().len());
        for &c in self.src_cols.iter().filter(|_| per_edge) {
            cols.push(take(st.column(c).as_ref(), gs, None).map_err(err)?);
        }
        for &c in self.dst_cols.iter().filter(|_| per_edge) {
            cols.push(take(st.column(c).as_ref(), gd, None).map_err(err)?);
        }
        for e in blk.edges.iter().filter(|_| per_edge) {
            cols.push(e.slice(blk.a, len));
        }
        let tb = if per_edge {
            Some(
                RecordBatch::try_new_with_options(
                    self.triplet.clone(),
                    cols,
                    &RecordBatchOptions::new().with_row_count(Some(len)),
                )
                .map_err(err)?,
            )
        } else {
            None
        };
        // Edges whose sender is inactive send nothing (GraphFrames' skipMessagesFromNonActiveVertices).
        let mask = match skip {
            None => None,
            Some(c) => {
                let flag = st.column(c);
                let s = take(flag.as_ref(), gs, None).map_err(err)?;
                let s = s
                    .as_any()
                    .downcast_ref::<BooleanArray>()
                    .cloned()
                    .unwrap_or_else(|| BooleanArray::from(vec![false; len]));
                Some(if self.reads_dst {
                    let d = take(flag.as_ref(), gd, None).map_err(err)?;
                    let d = d
                        .as_any()
                        .downcast_ref::<BooleanArray>()
                        .cloned()
                        .unwrap_or_else(|| BooleanArray::from(vec![false; len]));
                    compute::or_kleene(&s, &d).map_err(err)?
                } else {
                    s
                })
            }
        };
        let mut sent = 0u64;
        for (msg, vertex) in self.msgs.iter().zip(per_vertex) {
            let to_dst = &msg.to_dst;
            let m = match (vertex, &tb) {
                (Some(v), _) => take(v.as_ref(), if msg.reads == Reads::Src { gs } else { gd }, None).map_err(err)?,
                (None, Some(tb)) => {
                    let m = msg
                        .expr
                        .evaluate(tb)
                        .and_then(|v| v.into_array(len))
                        .map_err(|e| Error::df("pregel: evaluating a message", e))?;
                    cast_to(m, &self.msg_type)?
                }
                (None, None) => return Err(Error::Internal("pregel: no triplets for a per-edge message".into())),
            };
            // Non-null messages from senders allowed to send.
            let valid = BooleanArray::new(
                m.logical_nulls()
                    .map_or_else(|| datafusion::arrow::buffer::BooleanBuffer::new_set(len), |nb| nb.inner().clone()),
                None,
            );
            let valid = match &mask {
                Some(k) => compute::and_kleene(&valid, k).map_err(err)?,
                None => valid,
            };
            // A NULL active flag counts as inactive.
            let valid = match valid.nulls() {
                Some(nb) => BooleanArray::new(valid.values() & nb.inner(), None),
                None => valid,
            };
            let count = valid.true_count();
            if count == 0 {
                continue;
            }
            sent += count as u64;
            let (target, gtarget) = if *to_dst { (blk.ld, gd) } else { (blk.ls, gs) };
            // Only the rows that send (null messages and inactive senders do not) reach the
            // aggregation, so that a group exists only for a vertex that received something.
            groups.clear();
            let (m, gtarget, rows) = if count == len {
                groups.extend(target.iter().map(|&x| local.of(x)));
                (m, gtarget.clone(), len)
            } else {
                let keep = UInt32Array::from_iter_values(valid.values().set_indices().map(|i| i as u32));
                groups.extend(keep.values().iter().map(|&i| local.of(target[i as usize])));
                let m = take(m.as_ref(), &keep, None).map_err(err)?;
                let t = take(gtarget, &keep, None).map_err(err)?;
                let t = t
                    .as_any()
                    .downcast_ref::<UInt32Array>()
                    .cloned()
                    .ok_or_else(|| Error::Internal("pregel: taking endpoint indices gave another type".into()))?;
                (m, t, count)
            };
            let mut mcols: Vec<ArrayRef> = Vec::with_capacity(self.agg_used.len());
            for &c in &self.agg_used {
                mcols.push(match (c, ids) {
                    (2, Some(ids)) => take(ids.as_ref(), &gtarget, None).map_err(err)?,
                    _ => m.clone(),
                });
            }
            let mb = RecordBatch::try_new_with_options(
                self.agg_input.clone(),
                mcols,
                &RecordBatchOptions::new().with_row_count(Some(rows)),
            )
            .map_err(err)?;
            let total = local.order.len();
            for (call, acc) in self.calls.iter().zip(accs.iter_mut()) {
                let df = |e| Error::df("pregel: aggregating messages", e);
                let args = call
                    .args
                    .iter()
                    .map(|a| a.evaluate(&mb).and_then(|v| v.into_array(rows)))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(df)?;
                let own = match &call.filter {
                    Some(f) => {
                        let v = f.evaluate(&mb).and_then(|v| v.into_array(rows)).map_err(df)?;
                        Some(
                            v.as_any()
                                .downcast_ref::<BooleanArray>()
                                .cloned()
                                .ok_or_else(|| Error::Config("an aggregate's FILTER must be boolean".into()))?,
                        )
                    }
                    None => None,
                };
                acc.update_batch(&args, groups, own.as_ref(), total).map_err(df)?;
            }
        }
        Ok(sent)
    }
}

/// A message expression and what it reads.
struct Message {
    to_dst: bool,
    expr: Arc<dyn PhysicalExpr>,
    reads: Reads,
}

/// What a message reads: only the source's columns, only the destination's (then it is
/// evaluated once per vertex per superstep and gathered along the edges, as GraphX and GAP
/// precompute PageRank's contributions), or the edge (evaluated per edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    Src,
    Dst,
    Edge,
}

/// One block of a partition's edges (in the direction scanned): local endpoints, global
/// endpoints, the partition's edge columns (rows `a..b` are this block's).
#[derive(Clone, Copy)]
struct Block<'a> {
    ls: &'a [u32],
    ld: &'a [u32],
    gs: &'a UInt32Array,
    gd: &'a UInt32Array,
    edges: &'a [ArrayRef],
    a: usize,
    b: usize,
}

/// A partition as the supersteps read it (see [`Program::prepare`]).
struct Part {
    gs: UInt32Array,
    gd: UInt32Array,
    l2g: Vec<usize>,
    edges: Vec<ArrayRef>,
}

struct Prepared {
    parts: Vec<Part>,
    /// The vertex ids, when the aggregate reads `id`.
    ids: Option<ArrayRef>,
}

/// The update schema: the state, then `msg` and its GraphFrames alias.
fn update_schema(s: &Schema, msg: &DataType, alias: &str) -> Schema {
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
fn compile_all(state: &SessionState, schema: &DFSchema, exprs: &[(&str, &str)]) -> Result<Vec<Arc<dyn PhysicalExpr>>> {
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

fn batch(schema: &SchemaRef, cols: Vec<ArrayRef>) -> Result<RecordBatch> {
    RecordBatch::try_new(schema.clone(), cols).map_err(|e| Error::arrow("pregel: vertex state", e))
}

fn cast_to(a: ArrayRef, t: &DataType) -> Result<ArrayRef> {
    if a.data_type() == t { Ok(a) } else { cast(a.as_ref(), t).map_err(|e| Error::arrow(format!("casting to {t}"), e)) }
}

/// Evaluates `exprs` on `batch` in parallel slices; one array per expression.
fn eval_parallel(exprs: &[Arc<dyn PhysicalExpr>], batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
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
