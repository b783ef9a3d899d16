//! Triangle count per vertex (GraphX `TriangleCount`): the number of triangles through each
//! vertex of the simple undirected graph underlying the input (direction, self-loops and
//! parallel edges ignored). One `aggregateMessages` round over neighbour pairs {v, u} sends
//! both ends |N(v) ∩ N(u)|; each triangle at v is counted twice.

use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, UInt64Array};

use crate::algo::lcc::pair_graph;
use crate::algo::neighbors::{intersect_count, sets};
use crate::algo::{Common, id_batch, no_edge_attrs};
use crate::error::Result;
use crate::graph::Graph;
use crate::kernel::Direction;
use crate::pregel::{self, Msgs, TripletFields};

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub triangles: Vec<u64>,
}

impl Output {
    pub fn total(&self) -> u64 {
        self.triangles.iter().sum::<u64>() / 3
    }
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        id_batch(graph, vec![("triangles", Arc::new(UInt64Array::from(self.triangles.clone())))])
    }
}

pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    cfg.common.ctx.check()?;
    let nb = sets(graph, Direction::Both);
    let pairs = pair_graph(graph, &nb);
    let pg = cfg.common.partition(&pairs)?;
    let attrs = vec![(); pairs.num_vertices()];
    let counts = pregel::aggregate_messages(
        &pg,
        &attrs,
        &no_edge_attrs(&pairs),
        TripletFields::None,
        |t| {
            let c = intersect_count(nb.neighbors(t.src), nb.neighbors(t.dst));
            Msgs::both(c, c)
        },
        |a, b| a + b,
    )?;
    Ok(Output { triangles: counts.iter().map(|c| c.unwrap_or(0) / 2).collect() })
}
