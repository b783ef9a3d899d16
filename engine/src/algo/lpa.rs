//! Label propagation with GraphFrames' own semantics (`labelPropagation(maxIter,
//! algorithm="graphframes")`, GraphFrames 0.12's `LabelPropagation.runInGraphFrames`), beside
//! LDBC's CDLP ([`crate::algo::cdlp`]). Labels start as the vertex ids; in each iteration every
//! vertex takes the most frequent label among the labels sent along its in-edges (each edge
//! sends its source's label to its destination: parallel edges count with multiplicity, a
//! self-loop sends the vertex its own label; an undirected graph sends both ways), ties going to
//! the smallest label. A vertex that receives no label gets none (NULL), as GraphFrames' update
//! of a NULL message gives, and a vertex without a label sends nothing. The run stops after
//! `iterations`, or earlier when no vertex changed its label (GraphFrames' halt voting: a
//! vertex is active when its label changed; a NULL on either side is not a change).

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{RecordBatch, UInt32Array};
use datafusion::arrow::compute::take;
use rayon::prelude::*;

use crate::algo::cdlp::{id_rank, smallest_mode};
use crate::algo::common::{Common, id_batch};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, DefaultValue, Engines, Execution, Param, ParamKind, Params, RunOptions,
};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::kernel::{Csr, Direction};
use crate::pregel::SuperstepStats;

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "lpa",
    summary: "label propagation as GraphFrames runs it (labels along in-edges, ties to the smallest, NULL without messages)",
    params: &[Param {
        name: "iterations",
        kind: ParamKind::Int { min: 0, max: u32::MAX as i64 },
        default: DefaultValue::Value("10"),
        doc: "most iterations (GraphFrames' maxIter); stops earlier when no label changes",
        aliases: &["max_iter"],
    }],
    output: &[Column { name: "label", ty: ColumnType::Id, doc: "the community's label (a member id), NULL if none" }],
    exec_name: "GraphFramesLabelPropagationExec",
    engines: Engines { kernel: Some(KERNEL), pregel: false, checkpoints: false, shares: false },
    run: run_spec,
};

const KERNEL: &str = "label gather over the in-CSR";

/// No label.
const NONE: u32 = u32::MAX;

fn run_spec(graph: &Graph, p: &Params, common: &Common, _: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, p.u32("iterations")?, common)?;
    let labelled = out.label.iter().filter(|l| l.is_some()).count();
    Ok(AlgoRun {
        summary: vec![format!("labelled vertices: {labelled} of {}", graph.num_vertices())],
        table: out.to_batch(graph)?,
        supersteps: out.iterations,
        execution: out.execution,
    })
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Label per vertex, as the dense index of the vertex whose id is the label.
    pub label: Vec<Option<u32>>,
    /// Iterations run.
    pub iterations: u32,
    pub execution: Execution,
}

impl Output {
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        let idx = UInt32Array::from(self.label.clone());
        let col = take(graph.ids().to_array().as_ref(), &idx, None).map_err(|e| Error::arrow("labels", e))?;
        id_batch(graph, vec![(SPEC.output[0].name, Arc::new(col) as _)])
    }
}

/// Runs the in-CSR gather whatever `common.engine` says (the mode is not a combiner).
pub fn run(graph: &Graph, iterations: u32, common: &Common) -> Result<Output> {
    common.ctx.check()?;
    let t = Instant::now();
    let n = graph.num_vertices();
    let inn = Csr::build(graph, Direction::In, false);
    // Labels as ranks in id order, so that the smallest rank is the smallest id.
    let mut label = id_rank(graph.ids());
    let mut order = vec![0u32; n];
    for (v, &r) in label.iter().enumerate() {
        order[r as usize] = v as u32;
    }
    let prepare = t.elapsed();
    let t = Instant::now();
    let mut done = 0u32;
    while done < iterations {
        common.ctx.check()?;
        let t0 = Instant::now();
        let prev = &label;
        let next: Vec<u32> = (0..n as u32)
            .into_par_iter()
            .map_init(Vec::new, |buf: &mut Vec<u32>, v| {
                buf.clear();
                buf.extend(inn.neighbors(v).iter().map(|&u| prev[u as usize]).filter(|&l| l != NONE));
                smallest_mode(buf).unwrap_or(NONE)
            })
            .collect();
        let changed = next.par_iter().zip(prev.par_iter()).filter(|&(a, b)| a != b && *a != NONE && *b != NONE).count();
        let messages = (0..n as u32)
            .into_par_iter()
            .map(|v| inn.neighbors(v).iter().filter(|&&u| prev[u as usize] != NONE).count() as u64)
            .sum();
        label = next;
        done += 1;
        common.ctx.report(&SuperstepStats {
            superstep: done,
            max_supersteps: Some(iterations),
            active_vertices: changed as u64,
            messages,
            elapsed: t0.elapsed(),
        });
        if changed == 0 {
            break;
        }
    }
    Ok(Output {
        label: label.iter().map(|&r| (r != NONE).then(|| order[r as usize])).collect(),
        iterations: done,
        execution: Execution::kernel(KERNEL, prepare, t.elapsed()),
    })
}
