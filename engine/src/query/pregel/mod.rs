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
//!   expressions read; a deterministic message that reads one endpoint only is evaluated once
//!   per vertex and gathered along the edges) and folds the non-null messages into
//!   `GroupsAccumulator`s whose groups are the partition's local vertices, numbered in order of
//!   first message through an array (no hash map);
//! - *gather*: each partition's accumulator state is merged into the masters' accumulator in
//!   partition order, through the partition's local-to-global map;
//! - *update*: the update expressions run on the vertex state plus the aggregated message
//!   (null where none arrived), in parallel slices.
//!
//! GraphFrames' semantics: every iteration updates every vertex (a vertex without messages sees
//! `msg` NULL), `setMaxIter` iterations (default 10) unless early stopping (no message sent:
//! stop before updating) or, with `setStopIfAllNonActiveVertices`, no active vertex is left.
//! The result is the vertex table, `_pregel_is_active` and the new columns. With a checkpoint
//! folder the state is written every `setCheckpointInterval` iterations and a resumed run
//! continues from it.
//!
//! Invariants: a column keeps the type of its initial expression (update results are cast to
//! it); the merge order is fixed by the partitioning, so integer results are exact and float
//! results depend only on the partitioning; nothing per edge allocates outside Arrow's batch
//! kernels, which work on blocks of [`BLOCK`] edges.
//!
//! Files: [`clauses`] (a program written as text: SQL's and Python's clause lists), [`program`]
//! (parsing, type checks and compilation of the expressions), [`exchange`] (the superstep's
//! scatter and gather over the partitions); this file holds the API and the iteration loops.

mod clauses;
mod exchange;
mod program;

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{self, take};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::DFSchema;
use datafusion::execution::SessionState;

use crate::context::{RunContext, SuperstepStats};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::Strategy;
use exchange::NONE;
use program::{Program, Role, batch, cast_to, compile_all, eval_parallel, update_schema};

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
        let u_arrow = Arc::new(u_schema.as_arrow().clone());
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
            let ub = batch(&u_arrow, ucols)?;
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
