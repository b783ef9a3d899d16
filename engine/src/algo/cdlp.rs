//! Community detection by synchronous label propagation (LDBC Graphalytics CDLP): labels start
//! as the vertex ids; in each iteration every vertex takes the most frequent label among its
//! neighbours' previous labels, ties to the smallest label; a vertex without neighbours keeps
//! its label. Directed graphs count in- and out-neighbours (a neighbour linked both ways
//! counts twice); parallel edges count with multiplicity, a self-loop counts the vertex's own
//! label twice.
//!
//! The kernel gathers neighbour labels through the neighbour lists into a per-thread buffer,
//! vertex-parallel. The Pregel program (GraphX's `LabelPropagation`, which sends label maps)
//! runs one message round over every edge per iteration: each edge sends each endpoint the
//! other's label, and the combiner collects a vertex's labels as a multiset ([`Labels`]: one
//! label needs no allocation; a vertex's collection grows by appending, so the cost is per
//! vertex, not per message); the mode is taken after the gather. The multiset does not depend on
//! the merge order, so the labels are exactly the kernel's, in one process or across processes.

use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;

use std::time::Instant;

use crate::algo::common::Common;
use crate::algo::common::no_edge_attrs;
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, DefaultValue, Engines, Execution, Param, ParamKind, Params, RunOptions,
    sizes_line,
};
use crate::algo::wcc;
use crate::checkpoint::State;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::ids::VertexIds;
use crate::kernel::{Csr, Direction};
use crate::pregel::{EdgeTriplet, Exchange, Msgs, SuperstepStats, TripletFields};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "cdlp",
    summary: "community detection by label propagation (LDBC CDLP: the most frequent label, ties to the smallest)",
    params: &[Param {
        name: "iterations",
        kind: ParamKind::Int { min: 0, max: u32::MAX as i64 },
        default: DefaultValue::Value("10"),
        doc: "label propagation iterations",
        aliases: &["max_iter"],
    }],
    output: &[Column { name: "label", ty: ColumnType::Id, doc: "the community's label (a member id)" }],
    exec_name: "LabelPropagationExec",
    engines: Engines { kernel: Some(KERNEL), pregel: true, checkpoints: false, shares: true },
    run: run_spec,
};

const KERNEL: &str = "label gather over the CSR";

fn run_spec(graph: &Graph, p: &Params, common: &Common, _: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, &Config { iterations: p.u32("iterations")?, common: common.clone() })?;
    Ok(AlgoRun {
        summary: vec![sizes_line("communities", &wcc::component_sizes(&out.label))],
        table: out.to_batch(graph)?,
        supersteps: out.iterations,
        execution: out.execution,
    })
}

#[derive(Debug, Clone)]
pub struct Config {
    pub iterations: u32,
    pub common: Common,
}

impl Default for Config {
    fn default() -> Self {
        Config { iterations: 10, common: Common::default() }
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Label per vertex, as the dense index of the vertex whose id is the label.
    pub label: Vec<u32>,
    pub iterations: u32,
    pub execution: Execution,
}

impl Output {
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        wcc::label_batch(graph, SPEC.output[0].name, &self.label)
    }
}

/// The most frequent value of `buf` (sorted in place), ties to the smallest; `None` if empty.
pub(crate) fn smallest_mode(buf: &mut [u32]) -> Option<u32> {
    buf.sort_unstable();
    let mut best: Option<(u32, usize)> = None;
    let mut i = 0;
    while i < buf.len() {
        let j = i + buf[i..].iter().take_while(|&&x| x == buf[i]).count();
        if best.is_none_or(|(_, c)| j - i > c) {
            best = Some((buf[i], j - i));
        }
        i = j;
    }
    best.map(|(v, _)| v)
}

/// Position of each vertex in ascending id order (so label order = id order).
pub(crate) fn id_rank(ids: &VertexIds) -> Vec<u32> {
    let n = ids.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    match ids {
        VertexIds::Int(x) => order.par_sort_unstable_by_key(|&v| x[v as usize]),
        VertexIds::Str(x) => order.par_sort_unstable_by(|&a, &b| x[a as usize].cmp(&x[b as usize])),
    }
    let mut rank = vec![0u32; n];
    for (r, &v) in order.iter().enumerate() {
        rank[v as usize] = r as u32;
    }
    rank
}

/// The labels a vertex received in one iteration (a multiset, in label-rank space).
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    One(u32),
    Many(Vec<u32>),
}

impl Labels {
    /// Both multisets together (the larger collection absorbs the smaller).
    pub fn merge(self, other: Labels) -> Labels {
        match (self, other) {
            (Labels::One(a), Labels::One(b)) => Labels::Many(vec![a, b]),
            (Labels::Many(mut v), Labels::One(b)) | (Labels::One(b), Labels::Many(mut v)) => {
                v.push(b);
                Labels::Many(v)
            }
            (Labels::Many(mut v), Labels::Many(mut w)) => {
                if v.len() < w.len() {
                    std::mem::swap(&mut v, &mut w);
                }
                v.extend_from_slice(&w);
                Labels::Many(v)
            }
        }
    }

    /// The most frequent label, ties to the smallest.
    fn mode(self) -> u32 {
        match self {
            Labels::One(l) => l,
            // A `Many` holds at least two labels (built by `merge`), so there is a mode.
            Labels::Many(mut v) => smallest_mode(&mut v).unwrap_or(u32::MAX),
        }
    }
}

impl State for Labels {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Labels::One(l) => {
                out.push(0);
                l.put(out);
            }
            Labels::Many(v) => {
                out.push(1);
                v.put(out);
            }
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => u32::take(input).map(Labels::One),
            1 => Vec::<u32>::take(input).map(Labels::Many),
            _ => None,
        }
    }
}

/// Runs the CSR gather, or the Pregel program where `common` chooses Pregel (`engine=pregel`,
/// a distributed run).
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    if !cfg.common.use_kernel(true, SPEC.name)? {
        return run_pregel(graph, cfg);
    }
    let t = Instant::now();
    let nb = Csr::build(graph, Direction::Both, false);
    let prepare = t.elapsed();
    let t = Instant::now();
    let label = iterate(graph, cfg, |prev| {
        let next = (0..prev.len() as u32)
            .into_par_iter()
            .map_init(Vec::new, |buf: &mut Vec<u32>, v| {
                let nbrs = nb.neighbors(v);
                if nbrs.is_empty() {
                    return prev[v as usize];
                }
                buf.clear();
                buf.extend(nbrs.iter().map(|&u| prev[u as usize]));
                smallest_mode(buf).unwrap_or(prev[v as usize])
            })
            .collect();
        Ok((next, nb.num_arcs() as u64))
    })?;
    Ok(Output { label, iterations: cfg.iterations, execution: Execution::kernel(KERNEL, prepare, t.elapsed()) })
}

/// The iterations both engines share: labels start as the ids' ranks (so the smallest label is
/// the smallest id), `step` maps the previous labels to the next ones and the messages read;
/// each iteration is reported. Returns each vertex's label as the dense index it names.
fn iterate(graph: &Graph, cfg: &Config, mut step: impl FnMut(&[u32]) -> Result<(Vec<u32>, u64)>) -> Result<Vec<u32>> {
    let n = graph.num_vertices();
    let rank = id_rank(graph.ids());
    let mut by_rank = vec![0u32; n];
    for (v, &r) in rank.iter().enumerate() {
        by_rank[r as usize] = v as u32;
    }
    let mut label = rank;
    for it in 0..cfg.iterations {
        cfg.common.ctx.check()?;
        let t0 = Instant::now();
        let (next, messages) = step(&label)?;
        let changed = next.par_iter().zip(label.par_iter()).filter(|(a, b)| a != b).count();
        label = next;
        cfg.common.ctx.report(&SuperstepStats {
            superstep: it + 1,
            max_supersteps: Some(cfg.iterations),
            active_vertices: changed as u64,
            messages,
            elapsed: t0.elapsed(),
        });
    }
    if label.iter().any(|&l| l as usize >= n) {
        return Err(Error::Internal("cdlp produced a label outside the vertex range".into()));
    }
    Ok(label.iter().map(|&r| by_rank[r as usize]).collect())
}

/// The Pregel program (see the module doc).
fn run_pregel(graph: &Graph, cfg: &Config) -> Result<Output> {
    let (pg, prepare) = cfg.common.partition_timed(graph)?;
    let t = Instant::now();
    let units = no_edge_attrs(graph);
    let start = vec![0u32; graph.num_vertices()];
    let mut ex: Exchange<'_, '_, u32, (), Labels> = Exchange::portable(&pg, &start, &units, TripletFields::All)?;
    let send = |t: &EdgeTriplet<u32, ()>| Msgs::both(Labels::One(*t.dst_attr), Labels::One(*t.src_attr));
    let merge = |a: Labels, b: Labels| a.merge(b);
    let label = iterate(graph, cfg, |prev| {
        ex.ship(prev, None);
        ex.scatter(None, &send, &merge);
        let sent = ex.gather(&merge)?;
        let next = ex.msg.par_iter_mut().zip(prev).map(|(m, &old)| m.take().map_or(old, Labels::mode)).collect();
        Ok((next, sent))
    })?;
    Ok(Output {
        label,
        iterations: cfg.iterations,
        execution: Execution::pregel(pg.report().clone(), prepare, t.elapsed()),
    })
}
