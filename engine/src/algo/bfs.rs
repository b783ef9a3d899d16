//! Breadth-first search hop distances from a source, and GraphX-style landmark shortest paths
//! (`ShortestPaths`: for every vertex, hops to each landmark), as Pregel programs. Directed
//! graphs follow out-edges (landmarks: the hops of the path from the vertex to the landmark);
//! undirected graphs follow every edge. Self-loops and parallel edges do not matter.

use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch, UInt32Array};

use crate::algo::{Common, id_batch, no_edge_attrs};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::PartitionedGraph;
use crate::pregel::{self, ActiveDirection, Msgs, PregelConfig};

pub const UNREACHED: u32 = u32::MAX;

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub source: u32,
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Hops from the source; [`UNREACHED`] when unreachable.
    pub hops: Vec<u32>,
    pub supersteps: u32,
}

impl Output {
    /// `id, distance` (null when unreachable).
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        let d: Int64Array = self.hops.iter().map(|&h| (h != UNREACHED).then_some(h as i64)).collect();
        id_batch(graph, vec![("distance", Arc::new(d))])
    }
}

/// Runs on `graph`: direction-optimizing BFS ([`crate::kernel::bfs`]) unless `common.engine`
/// asks for Pregel.
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    if cfg.common.use_kernel(true, "bfs")? {
        let (out, inn) = crate::kernel::bfs::layout(graph);
        return crate::kernel::bfs::run(&out, Some(inn.as_ref().unwrap_or(&out)), cfg.source, &cfg.common.ctx);
    }
    run_partitioned(&cfg.common.partition(graph)?, cfg)
}

pub fn run_partitioned(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    let (hops, supersteps) = hops_from(pg, cfg.source, false, &cfg.common)?;
    Ok(Output { hops, supersteps })
}

/// Hop distances from `source` (with `reverse`, distances *to* it along directed edges).
fn hops_from(pg: &PartitionedGraph<'_>, source: u32, reverse: bool, common: &Common) -> Result<(Vec<u32>, u32)> {
    let g = pg.graph();
    let n = g.num_vertices();
    if source as usize >= n {
        return Err(Error::Config(format!("source index {source} is not a vertex")));
    }
    let directed = g.is_directed();
    let mut init = vec![UNREACHED; n];
    init[source as usize] = 0;
    let direction = match (directed, reverse) {
        (false, _) => ActiveDirection::Either,
        (true, false) => ActiveDirection::Out,
        (true, true) => ActiveDirection::In,
    };
    let forward = !directed || !reverse;
    let backward = !directed || reverse;
    let res = pregel::pregel(
        pg,
        init,
        &no_edge_attrs(g),
        UNREACHED,
        &PregelConfig { max_supersteps: u32::MAX, direction },
        &common.ctx,
        |_, &a, &m| a.min(m),
        |t| {
            let to_dst = (forward && *t.src_attr != UNREACHED && t.src_attr + 1 < *t.dst_attr).then(|| t.src_attr + 1);
            let to_src = (backward && *t.dst_attr != UNREACHED && t.dst_attr + 1 < *t.src_attr).then(|| t.dst_attr + 1);
            Msgs { to_src, to_dst }
        },
        |a, b| a.min(b),
    )?;
    Ok((res.attrs, res.supersteps))
}

#[derive(Debug, Clone, Default)]
pub struct LandmarksConfig {
    /// Landmark vertices (dense indices).
    pub landmarks: Vec<u32>,
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct LandmarksOutput {
    pub landmarks: Vec<u32>,
    /// `hops[k][v]`: hops from `v` to landmark `k` ([`UNREACHED`] if none).
    pub hops: Vec<Vec<u32>>,
}

impl LandmarksOutput {
    /// Long format, reachable pairs only: `id, landmark, distance`.
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        let (mut vs, mut ls, mut ds) = (Vec::new(), Vec::new(), Vec::new());
        for v in 0..graph.num_vertices() {
            for (k, &l) in self.landmarks.iter().enumerate() {
                let h = self.hops[k][v];
                if h != UNREACHED {
                    vs.push(v as u32);
                    ls.push(l);
                    ds.push(h as i64);
                }
            }
        }
        let ids = graph.ids().to_array();
        let take = |idx: Vec<u32>| {
            datafusion::arrow::compute::take(ids.as_ref(), &UInt32Array::from(idx), None)
                .map_err(|e| Error::arrow("building result table", e))
        };
        let id_col = take(vs)?;
        let l_col = take(ls)?;
        let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(vec![
            datafusion::arrow::datatypes::Field::new("id", id_col.data_type().clone(), false),
            datafusion::arrow::datatypes::Field::new("landmark", l_col.data_type().clone(), false),
            datafusion::arrow::datatypes::Field::new("distance", datafusion::arrow::datatypes::DataType::Int64, false),
        ]));
        RecordBatch::try_new(schema, vec![id_col, l_col, Arc::new(Int64Array::from(ds))])
            .map_err(|e| Error::arrow("building result table", e))
    }
}

pub fn landmarks(graph: &Graph, cfg: &LandmarksConfig) -> Result<LandmarksOutput> {
    landmarks_partitioned(&cfg.common.partition(graph)?, cfg)
}

pub fn landmarks_partitioned(pg: &PartitionedGraph<'_>, cfg: &LandmarksConfig) -> Result<LandmarksOutput> {
    if cfg.landmarks.is_empty() {
        return Err(Error::Config("landmarks: give at least one landmark vertex".into()));
    }
    let hops =
        cfg.landmarks.iter().map(|&l| hops_from(pg, l, true, &cfg.common).map(|r| r.0)).collect::<Result<Vec<_>>>()?;
    Ok(LandmarksOutput { landmarks: cfg.landmarks.clone(), hops })
}
