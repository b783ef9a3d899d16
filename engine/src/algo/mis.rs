//! Maximal independent set (GraphFrames' `maximal_independent_set`): a set of vertices no two
//! of which are adjacent, to which no other vertex can be added. Over the simple undirected
//! graph underlying the input (direction, self-loops and parallel edges ignored). Maximal, not
//! maximum: which maximal set is found depends on `seed`.
//!
//! Luby's algorithm in synchronous rounds: every vertex gets a priority, a hash of the seed
//! and its id (so the set depends on the seed and the ids, not on the vertex order or the
//! thread count); in each round every undecided vertex whose priority is below all its
//! undecided neighbours' joins the set, and the neighbours of the joined leave. Each round
//! decides at least the undecided vertex of least priority and, in expectation, removes half
//! the edges (O(log n) rounds). GraphFrames implements Ghaffari's variant of the same scheme
//! on Spark; its result also depends on its seed.

use std::time::Instant;

use datafusion::arrow::array::{BooleanArray, RecordBatch};
use rayon::prelude::*;

use crate::algo::common::{Common, id_batch};
use crate::algo::neighbors::sets;
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, DefaultValue, Engines, Execution, Param, ParamKind, Params, RunOptions,
};
use crate::error::Result;
use crate::graph::Graph;
use crate::kernel::{Csr, Direction};
use crate::pregel::SuperstepStats;

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "mis",
    summary: "a maximal independent set (GraphFrames' maximal_independent_set; Luby's rounds, direction ignored)",
    params: &[Param {
        name: "seed",
        kind: ParamKind::Int { min: i64::MIN, max: i64::MAX },
        default: DefaultValue::Value("42"),
        doc: "seed of the vertices' random priorities",
        aliases: &[],
    }],
    output: &[Column { name: "selected", ty: ColumnType::Bool, doc: "true for the vertices in the set" }],
    exec_name: "MaximalIndependentSetExec",
    engines: Engines { kernel: Some(KERNEL), pregel: false, checkpoints: false, shares: false },
    run: run_spec,
};

const KERNEL: &str = "Luby rounds over neighbour sets";

fn run_spec(graph: &Graph, p: &Params, common: &Common, _: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, &Config { seed: p.i64("seed")?, common: common.clone() })?;
    let size = out.selected.iter().filter(|&&s| s).count();
    Ok(AlgoRun {
        summary: vec![format!("independent set: {size} of {} vertices", graph.num_vertices())],
        table: out.to_batch(graph)?,
        supersteps: out.rounds,
        execution: out.execution,
    })
}

#[derive(Debug, Clone)]
pub struct Config {
    pub seed: i64,
    pub common: Common,
}

impl Default for Config {
    fn default() -> Self {
        Config { seed: 42, common: Common::default() }
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub selected: Vec<bool>,
    pub rounds: u32,
    pub execution: Execution,
}

impl Output {
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        let col = BooleanArray::from(self.selected.clone());
        id_batch(graph, vec![(SPEC.output[0].name, std::sync::Arc::new(col))])
    }
}

/// splitmix64: a well-mixed 64-bit hash.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const UNDECIDED: u8 = 0;
const IN: u8 = 1;
const OUT: u8 = 2;

/// Runs Luby's rounds whatever `common.engine` says (there is no Pregel program).
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    cfg.common.ctx.check()?;
    let t = Instant::now();
    let nb = sets(graph, Direction::Both);
    let n = graph.num_vertices();
    let ids = graph.ids();
    // Ties (equal hashes) are broken by the dense index.
    let prio: Vec<(u64, u32)> =
        (0..n as u32).into_par_iter().map(|v| (mix(mix(cfg.seed as u64) ^ ids.partition_key(v) as u64), v)).collect();
    let prepare = t.elapsed();
    let t = Instant::now();
    let (state, rounds) = luby(&nb, &prio, &cfg.common)?;
    Ok(Output {
        selected: state.iter().map(|&s| s == IN).collect(),
        rounds,
        execution: Execution::kernel(KERNEL, prepare, t.elapsed()),
    })
}

fn luby(nb: &Csr, prio: &[(u64, u32)], common: &Common) -> Result<(Vec<u8>, u32)> {
    let n = nb.num_vertices();
    let mut state = vec![UNDECIDED; n];
    let mut rounds = 0u32;
    loop {
        let undecided = state.par_iter().filter(|&&s| s == UNDECIDED).count() as u64;
        if undecided == 0 {
            return Ok((state, rounds));
        }
        common.ctx.check()?;
        let t = Instant::now();
        let join: Vec<bool> = (0..n as u32)
            .into_par_iter()
            .map(|v| {
                state[v as usize] == UNDECIDED
                    && nb
                        .neighbors(v)
                        .iter()
                        .all(|&u| state[u as usize] != UNDECIDED || prio[v as usize] < prio[u as usize])
            })
            .collect();
        state.par_iter_mut().zip(&join).for_each(|(s, &j)| {
            if j {
                *s = IN
            }
        });
        let leave: Vec<bool> = (0..n as u32)
            .into_par_iter()
            .map(|v| state[v as usize] == UNDECIDED && nb.neighbors(v).iter().any(|&u| join[u as usize]))
            .collect();
        state.par_iter_mut().zip(&leave).for_each(|(s, &l)| {
            if l {
                *s = OUT
            }
        });
        rounds += 1;
        common.ctx.report(&SuperstepStats {
            superstep: rounds,
            max_supersteps: None,
            active_vertices: undecided,
            messages: 0,
            elapsed: t.elapsed(),
        });
    }
}
