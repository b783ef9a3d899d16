//! `GraphAlgorithmExec`: the physical operator of a graph table function. Its children are the
//! plans of the vertex and edge tables; when executed it collects them, builds the graph, runs
//! the job on a blocking thread and emits the result. It shows in `EXPLAIN` under the
//! algorithm's name (`PageRankExec: vertices=..., edges=..., iterations=20, ...`) and reports
//! graph metrics (supersteps, messages, vertices, edges, and the times of the phases the job
//! reports it ran: partition + Pregel, or CSR + kernel) to `EXPLAIN ANALYZE`.
//! Dropping the output stream cancels the job between supersteps.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricBuilder, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, SendableRecordBatchStream, collect,
};

use crate::algo::spec::AlgorithmSpec;
use crate::algo::{Common, Engine};
use crate::graph::{Graph, GraphOptions};
use crate::job::{self, Algorithm, PhaseKind};
use crate::partition::Strategy;
use crate::pregel::{CancelToken, RunContext};

/// A call of a graph table function with its arguments resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphCall {
    pub vertices: Option<String>,
    pub edges: String,
    pub algorithm: Algorithm,
    pub directed: bool,
    pub partitions: u32,
    pub strategy: Strategy,
    pub engine: Engine,
    pub src_column: String,
    pub dst_column: String,
    pub weight_column: String,
    /// Checkpoints of the run, when asked for.
    pub checkpoint: Option<crate::checkpoint::Checkpoint>,
    /// The vertex table's columns before the result's (GraphFrames' shape).
    pub with_vertices: bool,
}

impl GraphCall {
    pub fn spec(&self) -> &'static AlgorithmSpec {
        self.algorithm.spec()
    }

    /// `key=value` list for EXPLAIN.
    pub fn describe(&self) -> String {
        let mut parts = vec![
            format!("vertices={}", self.vertices.as_deref().unwrap_or("(endpoints)")),
            format!("edges={}", self.edges),
        ];
        let p = self.algorithm.describe();
        if !p.is_empty() {
            parts.push(p);
        }
        parts.push(format!("directed={}", self.directed));
        parts.push(format!("partitions={}", self.partitions));
        parts.push(format!("strategy={}", self.strategy.name()));
        if self.engine != Engine::Auto {
            parts.push(format!("engine={}", self.engine.name()));
        }
        if let Some(ck) = &self.checkpoint {
            parts.push(format!("checkpoint={}, checkpoint_every={}, resume={}", ck.dir.display(), ck.every, ck.resume));
        }
        if self.with_vertices {
            parts.push("with_vertices=true".into());
        }
        parts.join(", ")
    }
}

#[derive(Debug)]
pub struct GraphAlgorithmExec {
    call: Arc<GraphCall>,
    name: String,
    /// `[vertices, edges]` or `[edges]`.
    inputs: Vec<Arc<dyn ExecutionPlan>>,
    /// The full output schema; `projection` selects from it.
    full_schema: SchemaRef,
    projection: Option<Vec<usize>>,
    cache: Arc<PlanProperties>,
    metrics: ExecutionPlanMetricsSet,
}

impl GraphAlgorithmExec {
    pub fn new(
        call: Arc<GraphCall>,
        inputs: Vec<Arc<dyn ExecutionPlan>>,
        full_schema: SchemaRef,
        projection: Option<Vec<usize>>,
    ) -> DfResult<Self> {
        let schema = match &projection {
            Some(p) => Arc::new(full_schema.project(p)?),
            None => full_schema.clone(),
        };
        let cache = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        Ok(GraphAlgorithmExec {
            name: call.spec().exec_name.to_string(),
            call,
            inputs,
            full_schema,
            projection,
            cache: Arc::new(cache),
            metrics: ExecutionPlanMetricsSet::new(),
        })
    }
}

impl DisplayAs for GraphAlgorithmExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => {
                write!(f, "{}: {}", self.name, self.call.describe())
            }
            DisplayFormatType::TreeRender => write!(f, "{}", self.call.describe()),
        }
    }
}

/// Cancels the job when the stream (and so this guard) is dropped.
struct CancelOnDrop(CancelToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel()
    }
}

fn external(e: crate::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

impl ExecutionPlan for GraphAlgorithmExec {
    fn name(&self) -> &str {
        &self.name
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

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(GraphAlgorithmExec::new(
            self.call.clone(),
            children,
            self.full_schema.clone(),
            self.projection.clone(),
        )?))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!("{} has one partition, asked for {partition}", self.name)));
        }
        let call = self.call.clone();
        let inputs = self.inputs.clone();
        let full_schema = self.full_schema.clone();
        let projection = self.projection.clone();
        let out_schema = self.cache.eq_properties.schema().clone();
        let baseline = BaselineMetrics::new(&self.metrics, partition);
        let m = MetricBuilder::new(&self.metrics);
        let (supersteps, messages) = (m.clone().global_counter("supersteps"), m.clone().global_counter("messages"));
        let (vertices, edges) = (m.clone().global_counter("vertices"), m.clone().global_counter("edges"));
        let build_time = m.clone().subset_time("build_graph_time", partition);
        let partition_time = m.clone().subset_time("partition_time", partition);
        let pregel_time = m.clone().subset_time("pregel_time", partition);
        let csr_time = m.clone().subset_time("csr_time", partition);
        let kernel_time = MetricBuilder::new(&self.metrics).subset_time("kernel_time", partition);
        let cancel = CancelToken::new();
        let guard = CancelOnDrop(cancel.clone());
        let fut = async move {
            let _guard = guard;
            let mut collected = Vec::new();
            for input in inputs {
                collected.push(collect(input, context.clone()).await?);
            }
            let edge_batches = collected.pop().unwrap_or_default();
            let vertex_batches = collected.pop();
            let timer = baseline.elapsed_compute().timer();
            let function = call.spec().name;
            let job = tokio::task::spawn_blocking(move || -> Result<_, crate::Error> {
                let t = Instant::now();
                let opts = GraphOptions {
                    directed: call.directed,
                    src_column: call.src_column.clone(),
                    dst_column: call.dst_column.clone(),
                    weight_column: Some(call.weight_column.clone()),
                    ..GraphOptions::default()
                };
                let g = Graph::from_batches(vertex_batches.as_deref(), &edge_batches, &opts)?;
                let built = t.elapsed();
                let common = Common {
                    strategy: call.strategy,
                    partitions: call.partitions,
                    ctx: RunContext { cancel, observer: None, checkpoint: call.checkpoint.clone() },
                    engine: call.engine,
                    // SQL runs in one process.
                    cluster: None,
                };
                let out = job::run(&g, &call.algorithm, &common, 0)?;
                let table = if call.with_vertices { job::with_vertices(&g, &out.table)? } else { out.table.clone() };
                Ok((g.num_vertices(), g.num_edges(), built, out, table))
            });
            let (nv, ne, built, out, table) = job
                .await
                .map_err(|e| DataFusionError::External(Box::new(e)))?
                .map_err(|e| DataFusionError::Context(function.to_string(), Box::new(external(e))))?;
            timer.done();
            vertices.add(nv);
            edges.add(ne);
            supersteps.add(out.supersteps as usize);
            messages.add(out.messages as usize);
            build_time.add_duration(built);
            let plan = &out.plan;
            partition_time.add_duration(plan.time(PhaseKind::Partition));
            pregel_time.add_duration(plan.time(PhaseKind::Pregel));
            csr_time.add_duration(plan.time(PhaseKind::Csr));
            kernel_time.add_duration(plan.time(PhaseKind::Kernel));
            // Conform to the declared schema (nullability), then project.
            let batch = RecordBatch::try_new(full_schema, table.columns().to_vec())?;
            let batch = match &projection {
                Some(p) => batch.project(p)?,
                None => batch,
            };
            // Counts output rows, batches and bytes, and marks the operator done.
            match baseline.record_poll(std::task::Poll::Ready(Some(Ok(batch)))) {
                std::task::Poll::Ready(Some(r)) => r,
                _ => Err(DataFusionError::Internal("record_poll changed the batch".into())),
            }
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(out_schema, futures::stream::once(fut))))
    }
}
