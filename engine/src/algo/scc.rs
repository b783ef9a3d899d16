//! Strongly connected components (GraphX `StronglyConnectedComponents`): repeat (1) trim
//! vertices without remaining in- or out-edges (each its own component), (2) forward colouring:
//! propagate the minimum vertex index along out-edges (Pregel), (3) backward closure: from each
//! colour's root walk in-edges within the colour (Pregel); the vertices reached form the root's
//! component. Components are labelled by their member with the smallest original id.
//! Self-loops and parallel edges do not matter. An undirected graph's SCCs are its WCCs.

use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;

use crate::algo::common::{Common, no_edge_attrs};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, Engines, Execution, Params, RunOptions, sizes_line,
};
use crate::algo::wcc;
use crate::error::Result;
use crate::graph::Graph;
use crate::partition::PartitionedGraph;
use crate::pregel::{self, ActiveDirection, Msgs, PregelConfig, TripletFields};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "scc",
    summary: "strongly connected components, each labelled by its smallest member id",
    params: &[],
    output: &[Column { name: "component", ty: ColumnType::Id, doc: "the component's smallest member id" }],
    exec_name: "StronglyConnectedComponentsExec",
    engines: Engines { kernel: None, pregel: true, checkpoints: false, shares: true },
    run: run_spec,
};

fn run_spec(graph: &Graph, _: &Params, common: &Common, _: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, &Config { common: common.clone() })?;
    Ok(AlgoRun {
        table: out.to_batch(graph)?,
        summary: vec![sizes_line("components", &out.sizes())],
        supersteps: out.supersteps,
        execution: out.execution,
    })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Dense index of the component's representative.
    pub component: Vec<u32>,
    /// Rounds of trim + colouring + closure.
    pub rounds: u32,
    pub supersteps: u32,
    pub execution: Execution,
}

impl Output {
    pub fn sizes(&self) -> Vec<u64> {
        wcc::component_sizes(&self.component)
    }
    pub fn num_components(&self) -> usize {
        self.sizes().len()
    }
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        wcc::label_batch(graph, SPEC.output[0].name, &self.component)
    }
}

/// Runs on the Pregel engine (there is no kernel: `engine=kernel` is an error).
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    cfg.common.use_kernel(false, SPEC.name)?;
    let (pg, prepare) = cfg.common.partition_timed(graph)?;
    let mut out = run_partitioned(&pg, cfg)?;
    out.execution.prepare = prepare;
    Ok(out)
}

const NONE: u32 = u32::MAX;

/// Vertex state: final component (NONE while undecided) and current colour.
#[derive(Debug, Clone, Copy, PartialEq)]
struct St {
    scc: u32,
    color: u32,
}

pub fn run_partitioned(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    let t = Instant::now();
    let g = pg.graph();
    if !g.is_directed() {
        let w = wcc::run_partitioned(pg, &wcc::Config { max_supersteps: None, common: cfg.common.clone() })?;
        return Ok(Output { component: w.component, rounds: 0, supersteps: w.supersteps, execution: w.execution });
    }
    let n = g.num_vertices();
    let ctx = &cfg.common.ctx;
    let units = no_edge_attrs(g);
    let mut st: Vec<St> = (0..n as u32).map(|v| St { scc: NONE, color: v }).collect();
    let mut rounds = 0;
    let mut supersteps = 0;
    loop {
        ctx.check()?;
        // (1) Trim until stable: count in/out edges among undecided vertices.
        loop {
            let deg = pregel::aggregate_messages(
                pg,
                &st,
                &units,
                TripletFields::All,
                |t| {
                    if t.src_attr.scc == NONE && t.dst_attr.scc == NONE && t.src != t.dst {
                        Msgs::both((1u32, 0u32), (0, 1))
                    } else {
                        Msgs::none()
                    }
                },
                |a, b| (a.0 + b.0, a.1 + b.1),
            )?;
            let mut trimmed = 0;
            for (v, s) in st.iter_mut().enumerate() {
                if s.scc == NONE && deg[v].is_none_or(|(o, i)| o == 0 || i == 0) {
                    s.scc = v as u32;
                    trimmed += 1;
                }
            }
            supersteps += 1;
            if trimmed == 0 {
                break;
            }
        }
        if st.iter().all(|s| s.scc != NONE) {
            break;
        }
        rounds += 1;
        // (2) Forward colouring among undecided vertices.
        for (v, s) in st.iter_mut().enumerate() {
            s.color = v as u32;
        }
        let fwd = pregel::pregel(
            pg,
            st,
            &units,
            NONE,
            &PregelConfig { max_supersteps: u32::MAX, direction: ActiveDirection::Out },
            ctx,
            |_, s, &m| St { color: s.color.min(m), ..*s },
            |t| {
                if t.src_attr.scc == NONE && t.dst_attr.scc == NONE && t.src_attr.color < t.dst_attr.color {
                    Msgs::to_dst(t.src_attr.color)
                } else {
                    Msgs::none()
                }
            },
            |a, b| a.min(b),
        )?;
        supersteps += fwd.supersteps;
        // (3) Backward closure from roots (colour == self) inside each colour.
        let marked: Vec<(St, bool)> =
            fwd.attrs.iter().enumerate().map(|(v, s)| (*s, s.scc == NONE && s.color == v as u32)).collect();
        let bwd = pregel::pregel(
            pg,
            marked,
            &units,
            false,
            &PregelConfig { max_supersteps: u32::MAX, direction: ActiveDirection::In },
            ctx,
            |_, &(s, inside), &m| (s, inside || m),
            |t| {
                let (s, si) = t.src_attr;
                let (d, di) = t.dst_attr;
                if *di && !*si && s.scc == NONE && s.color == d.color { Msgs::to_src(true) } else { Msgs::none() }
            },
            |a, b| a || b,
        )?;
        supersteps += bwd.supersteps;
        st = bwd
            .attrs
            .iter()
            .map(|&(s, inside)| if inside && s.scc == NONE { St { scc: s.color, ..s } } else { s })
            .collect();
    }
    let label: Vec<u32> = st.iter().map(|s| s.scc).collect();
    Ok(Output {
        component: wcc::canonical_labels(g.ids(), &label),
        rounds,
        supersteps,
        execution: Execution::pregel(pg.report().clone(), Duration::ZERO, t.elapsed()),
    })
}
