//! Weakly connected components (GraphX `ConnectedComponents`): min-label propagation along
//! edges in both directions as a Pregel program. Each component is labelled by its member
//! with the smallest original id. Self-loops and parallel edges do not matter.

use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;

use crate::algo::common::{Common, id_batch, no_edge_attrs};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, Engines, Execution, Params, RunOptions, sizes_line,
};
use crate::error::Result;
use crate::graph::Graph;
use crate::ids::VertexIds;
use crate::kernel::{self, Csr, Direction};
use crate::partition::PartitionedGraph;
use crate::pregel::{self, ActiveDirection, Msgs, PregelConfig};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "wcc",
    summary: "weakly connected components, each labelled by its smallest member id",
    params: &[],
    output: &[Column { name: "component", ty: ColumnType::Id, doc: "the component's smallest member id" }],
    exec_name: "WeaklyConnectedComponentsExec",
    engines: Engines { kernel: Some(KERNEL), pregel: true, checkpoints: true, shares: true },
    run: run_spec,
};

const KERNEL: &str = "Afforest union-find";

fn run_spec(graph: &Graph, _: &Params, common: &Common, _: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, &Config { max_supersteps: None, common: common.clone() })?;
    Ok(AlgoRun {
        table: out.to_batch(graph)?,
        summary: vec![sizes_line("components", &out.sizes())],
        supersteps: out.supersteps,
        execution: out.execution,
    })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Superstep cap (default: until no label changes).
    pub max_supersteps: Option<u32>,
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Dense index of the component's representative (its member with the smallest id).
    pub component: Vec<u32>,
    pub supersteps: u32,
    pub execution: Execution,
}

impl Output {
    pub fn num_components(&self) -> usize {
        self.component.par_iter().enumerate().filter(|&(v, &c)| v as u32 == c).count()
    }
    /// Component sizes, largest first.
    pub fn sizes(&self) -> Vec<u64> {
        component_sizes(&self.component)
    }
    /// `id, component` (the representative's original id).
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        label_batch(graph, SPEC.output[0].name, &self.component)
    }
}

/// Runs on `graph`: Afforest ([`crate::kernel::wcc`]) unless `common.engine` asks for Pregel
/// or a superstep cap is set (the kernel has no supersteps to cap).
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    if cfg.common.use_kernel(cfg.max_supersteps.is_none(), "wcc with a superstep cap")? {
        let t = Instant::now();
        let sym = Csr::build(graph, Direction::Both, false);
        let prepare = t.elapsed();
        let t = Instant::now();
        let raw = kernel::wcc::run(&sym, &cfg.common.ctx)?;
        let component = canonical_labels(graph.ids(), &raw);
        return Ok(Output { component, supersteps: 1, execution: Execution::kernel(KERNEL, prepare, t.elapsed()) });
    }
    let (pg, prepare) = cfg.common.partition_timed(graph)?;
    let mut out = run_partitioned(&pg, cfg)?;
    out.execution.prepare = prepare;
    Ok(out)
}

pub fn run_partitioned(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    let t = Instant::now();
    let g = pg.graph();
    let n = g.num_vertices();
    let init: Vec<u32> = (0..n as u32).collect();
    let pcfg =
        PregelConfig { max_supersteps: cfg.max_supersteps.unwrap_or(u32::MAX), direction: ActiveDirection::Either };
    let res = pregel::pregel_resumable(
        pg,
        init,
        &no_edge_attrs(g),
        u32::MAX,
        &pcfg,
        &cfg.common.ctx,
        |_, &a, &m| a.min(m),
        |t| {
            if t.src_attr < t.dst_attr {
                Msgs::to_dst(*t.src_attr)
            } else if t.dst_attr < t.src_attr {
                Msgs::to_src(*t.dst_attr)
            } else {
                Msgs::none()
            }
        },
        |a, b| a.min(b),
    )?;
    Ok(Output {
        component: canonical_labels(g.ids(), &res.attrs),
        supersteps: res.supersteps,
        execution: Execution::pregel(pg.report().clone(), Duration::ZERO, t.elapsed()),
    })
}

/// Relabels each class of `label` by its member with the smallest original id.
pub fn canonical_labels(ids: &VertexIds, label: &[u32]) -> Vec<u32> {
    let n = label.len();
    let mut best = vec![u32::MAX; n];
    for (v, &l) in label.iter().enumerate() {
        let b = &mut best[l as usize];
        let smaller = match ids {
            VertexIds::Int(x) => *b == u32::MAX || x[v] < x[*b as usize],
            VertexIds::Str(x) => *b == u32::MAX || x[v] < x[*b as usize],
        };
        if smaller {
            *b = v as u32;
        }
    }
    label.par_iter().map(|&l| best[l as usize]).collect()
}

/// Sizes of the classes of a labelling whose labels are members, largest first.
pub fn component_sizes(label: &[u32]) -> Vec<u64> {
    let mut count = vec![0u64; label.len()];
    for &l in label {
        count[l as usize] += 1;
    }
    let mut sizes: Vec<u64> = count.into_iter().filter(|&c| c > 0).collect();
    sizes.par_sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

/// `id, <name>` with the label's original id.
pub(crate) fn label_batch(graph: &Graph, name: &str, label: &[u32]) -> Result<RecordBatch> {
    let ids = graph.ids().to_array();
    let idx = datafusion::arrow::array::UInt32Array::from(label.to_vec());
    let col = datafusion::arrow::compute::take(ids.as_ref(), &idx, None)
        .map_err(|e| crate::error::Error::arrow("building result table", e))?;
    id_batch(graph, vec![(name, col)])
}
