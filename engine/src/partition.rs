//! Vertex-cut partitioning (the GraphX design): every edge goes to one of `P` edge partitions;
//! a vertex is replicated in each partition that holds one of its edges. Each vertex has one
//! master copy: masters are owned by `P` contiguous ranges of dense ids, and the routing table
//! lists, for every (master range, edge partition) pair, which local replicas that range feeds.
//!
//! Invariants: each partition's `l2g` (local -> global index) is strictly ascending, so the
//! replicas of master range `r` in partition `p` are the contiguous local slice
//! `routing[r][p]`; the slices of one partition tile `0..l2g.len()` in order of `r`. Local
//! edges keep the input order of the edges they came from. Nothing here depends on the thread
//! count. GraphX strategies use the original integer ids (the dense index for string ids).
//!
//! A distributed partitioning ([`PartitionedGraph::distributed`]) is the same assignment seen
//! from one worker of a [`Cluster`]: it holds partitions `p % peers == index` (routing columns
//! follow `parts`, not partition ids) and masters ranges `r % peers == index`. The graph is
//! either whole on every worker, or a worker's share ([`Graph::share`]) that holds exactly the
//! edges of its partitions, read for this strategy and partition count.

use rayon::prelude::*;

use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::ids::VertexIds;

/// How edges are assigned to partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// GraphX `EdgePartition1D`: by source id (all out-edges of a vertex together).
    EdgePartition1D,
    /// GraphX `EdgePartition2D`: a sqrt(P) x sqrt(P) grid over (source, destination).
    EdgePartition2D,
    /// GraphX `RandomVertexCut`: a hash of the ordered pair.
    RandomVertexCut,
    /// GraphX `CanonicalRandomVertexCut`: a hash of the unordered pair.
    CanonicalRandomVertexCut,
    /// Degree-Based Hashing (Xie et al., NIPS 2014): by the endpoint of smaller degree, so
    /// high-degree vertices are the ones cut. Ember's default (see ARCHITECTURE.md).
    #[default]
    Dbh,
}

impl Strategy {
    pub const NAMES: &'static [&'static str] = &["dbh", "1d", "2d", "random", "canonical-random"];

    pub fn parse(name: &str) -> Result<Strategy> {
        Ok(match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "dbh" => Strategy::Dbh,
            "1d" | "edgepartition1d" => Strategy::EdgePartition1D,
            "2d" | "edgepartition2d" => Strategy::EdgePartition2D,
            "random" | "randomvertexcut" => Strategy::RandomVertexCut,
            "canonical-random" | "canonicalrandomvertexcut" => Strategy::CanonicalRandomVertexCut,
            other => {
                return Err(Error::Config(format!(
                    "unknown partition strategy '{other}'; known: {}",
                    Strategy::NAMES.join(", ")
                )));
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Dbh => "dbh",
            Strategy::EdgePartition1D => "1d",
            Strategy::EdgePartition2D => "2d",
            Strategy::RandomVertexCut => "random",
            Strategy::CanonicalRandomVertexCut => "canonical-random",
        }
    }
}

const MIXING_PRIME: i64 = 1125899906842597;

/// Java's `Math.abs(x) % n` on longs, brought into `0..n` (Java gives a negative result only
/// for `Long.MIN_VALUE`, where GraphX itself would fail).
fn jmod(x: i64, n: i64) -> i64 {
    (x.wrapping_abs() % n).rem_euclid(n)
}

/// GraphX's partition function for one edge, bit for bit (same mixing prime and 2D grid rule).
pub fn graphx_partition(strategy: Strategy, src: i64, dst: i64, num_parts: u32) -> u32 {
    let n = num_parts as i64;
    match strategy {
        Strategy::EdgePartition1D | Strategy::Dbh => jmod(src.wrapping_mul(MIXING_PRIME), n) as u32,
        Strategy::EdgePartition2D => {
            let ceil_sqrt = (num_parts as f64).sqrt().ceil() as i64;
            if n == ceil_sqrt * ceil_sqrt {
                let col = jmod(src.wrapping_mul(MIXING_PRIME), ceil_sqrt);
                let row = jmod(dst.wrapping_mul(MIXING_PRIME), ceil_sqrt);
                ((col * ceil_sqrt + row) % n) as u32
            } else {
                let cols = ceil_sqrt;
                let rows = (n + cols - 1) / cols;
                let last_col_rows = n - rows * (cols - 1);
                let col = jmod(src.wrapping_mul(MIXING_PRIME), n) / rows;
                let row = jmod(dst.wrapping_mul(MIXING_PRIME), if col < cols - 1 { rows } else { last_col_rows });
                (col * rows + row) as u32
            }
        }
        Strategy::RandomVertexCut => {
            (scala_tuple2_hash(src, dst).wrapping_abs() % num_parts as i32).rem_euclid(num_parts as i32) as u32
        }
        Strategy::CanonicalRandomVertexCut => {
            let (a, b) = if src < dst { (src, dst) } else { (dst, src) };
            (scala_tuple2_hash(a, b).wrapping_abs() % num_parts as i32).rem_euclid(num_parts as i32) as u32
        }
    }
}

// Scala 2.13's `(Long, Long).hashCode`: MurmurHash3.productHash with the product prefix.
fn mix_last(h: i32, data: i32) -> i32 {
    let k = data.wrapping_mul(0xcc9e2d51u32 as i32).rotate_left(15).wrapping_mul(0x1b873593);
    h ^ k
}
fn mix(h: i32, data: i32) -> i32 {
    mix_last(h, data).rotate_left(13).wrapping_mul(5).wrapping_add(0xe6546b64u32 as i32)
}
fn avalanche(mut h: i32) -> i32 {
    h ^= ((h as u32) >> 16) as i32;
    h = h.wrapping_mul(0x85ebca6bu32 as i32);
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(0xc2b2ae35u32 as i32);
    h ^ ((h as u32) >> 16) as i32
}
fn long_hash(v: i64) -> i32 {
    if v as i32 as i64 == v { v as i32 } else { (v ^ ((v as u64) >> 32) as i64) as i32 }
}
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}
/// `(a, b).hashCode()` for a Scala 2.13 `Tuple2[Long, Long]` (Spark 3.x/4.x).
pub fn scala_tuple2_hash(a: i64, b: i64) -> i32 {
    let h = mix(0xcafebabeu32 as i32, java_string_hash("Tuple2"));
    avalanche(mix(mix(h, long_hash(a)), long_hash(b)) ^ 2)
}

/// The name of a partitioning, `strategy/partitions` (what a distributed graph's share was
/// read for).
pub fn layout(strategy: Strategy, num_parts: u32) -> String {
    format!("{}/{num_parts}", strategy.name())
}

/// The partition of every edge `(src[e], dst[e])`: GraphX's functions of the original ids
/// (the dense index for string ids), DBH by the endpoint of smaller whole-graph degree
/// (`degrees`: out and in, given for DBH with more than one partition).
pub fn assign(
    ids: &VertexIds,
    src: &[u32],
    dst: &[u32],
    degrees: Option<&(Vec<u32>, Vec<u32>)>,
    strategy: Strategy,
    num_parts: u32,
) -> Vec<u32> {
    if num_parts == 1 {
        return vec![0; src.len()];
    }
    match (strategy, degrees) {
        (Strategy::Dbh, Some((out, inn))) => (0..src.len())
            .into_par_iter()
            .map(|e| {
                let (s, d) = (src[e], dst[e]);
                let deg = |v: u32| out[v as usize] as u64 + inn[v as usize] as u64;
                let pick = if (deg(s), s) <= (deg(d), d) { s } else { d };
                graphx_partition(Strategy::EdgePartition1D, ids.partition_key(pick), 0, num_parts)
            })
            .collect(),
        _ => (0..src.len())
            .into_par_iter()
            .map(|e| graphx_partition(strategy, ids.partition_key(src[e]), ids.partition_key(dst[e]), num_parts))
            .collect(),
    }
}

/// One edge partition: the replicas it holds and its edges in local indices.
#[derive(Debug, Clone, Default)]
pub struct EdgePartition {
    /// Global (dense) index of each local vertex, strictly ascending.
    pub l2g: Vec<u32>,
    /// Local source / destination of each edge of the partition.
    pub src: Vec<u32>,
    pub dst: Vec<u32>,
    /// Global edge index of each local edge (to read edge attributes).
    pub edges: Vec<u32>,
    /// Per local vertex: bit 1 if it is the source of a local edge, bit 2 if a destination.
    pub roles: Vec<u8>,
}

/// Per-run partition statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionReport {
    pub strategy: Strategy,
    pub num_partitions: u32,
    /// Replicas per vertex that has at least one edge.
    pub replication_factor: f64,
    /// Largest partition's edge count over the mean.
    pub edge_balance: f64,
    pub edges_per_partition: Vec<u64>,
    pub vertices_per_partition: Vec<u64>,
}

/// A graph split into edge partitions with master ranges and routing tables.
#[derive(Debug)]
pub struct PartitionedGraph<'g> {
    graph: &'g Graph,
    parts: Vec<EdgePartition>,
    /// Master range size: vertex `v` is mastered by range `v / chunk`.
    chunk: usize,
    /// `routing[r][p]` = local index range (lo, hi) in partition `p` of the vertices of range `r`.
    routing: Vec<Vec<(u32, u32)>>,
    report: PartitionReport,
    /// A distributed run: this worker holds only the partitions `p` with
    /// `p % peers == index` (in `parts`, ascending), and masters ranges the same way.
    cluster: Option<Cluster>,
}

impl<'g> PartitionedGraph<'g> {
    /// Partitions `graph` into `num_parts` edge partitions (at least 1).
    pub fn new(graph: &'g Graph, strategy: Strategy, num_parts: u32) -> Result<Self> {
        Self::build(graph, strategy, num_parts, None)
    }

    /// The share of a distributed run's partitioning that `cluster`'s worker holds: every
    /// worker computes the same assignment of edges to `num_parts` partitions and keeps those
    /// with `p % peers == index`; master range `r` belongs to worker `r % peers`. The report
    /// covers all partitions (one collective round). `graph` may be a share read for this
    /// partitioning (another is refused).
    pub fn distributed(graph: &'g Graph, strategy: Strategy, num_parts: u32, cluster: Cluster) -> Result<Self> {
        Self::build(graph, strategy, num_parts, Some(cluster))
    }

    fn build(graph: &'g Graph, strategy: Strategy, num_parts: u32, cluster: Option<Cluster>) -> Result<Self> {
        if num_parts == 0 || num_parts > 1 << 16 {
            return Err(Error::Config(format!("the number of partitions must be 1..=65536, got {num_parts}")));
        }
        let n = graph.num_vertices();
        let (src, dst) = (graph.src(), graph.dst());
        let share = graph.share();
        if let (Some(sh), c) = (share, &cluster) {
            let fits = c.as_ref().is_some_and(|c| c.index() == sh.worker && c.peers() == sh.workers);
            if !fits || sh.layout != layout(strategy, num_parts) {
                return Err(Error::Config(format!(
                    "this worker holds the edges of partitioning {} shared out to {} workers; it cannot be \
                     partitioned as {} here (read the graph again for this partitioning)",
                    sh.layout,
                    sh.workers,
                    layout(strategy, num_parts)
                )));
            }
        }
        let degrees = (strategy == Strategy::Dbh && num_parts > 1).then(|| graph.degrees());
        let p_of = assign(graph.ids(), src, dst, degrees.as_ref(), strategy, num_parts);
        // Counting sort of edge indices by partition, keeping input order within a partition.
        let mut counts = vec![0usize; num_parts as usize];
        for &p in &p_of {
            counts[p as usize] += 1;
        }
        if share.is_some()
            && let Some(c) = &cluster
            && counts.iter().enumerate().any(|(p, &k)| k > 0 && p % c.peers() != c.index())
        {
            return Err(Error::Internal("a worker holds edges of another worker's partition".into()));
        }
        let mut start = Vec::with_capacity(counts.len() + 1);
        start.push(0usize);
        for c in &counts {
            start.push(start.last().copied().unwrap_or(0) + c);
        }
        let mut next = start.clone();
        let mut order = vec![0u32; src.len()];
        for (e, &p) in p_of.iter().enumerate() {
            order[next[p as usize]] = e as u32;
            next[p as usize] += 1;
        }
        drop(p_of);
        let owned: Vec<usize> = match &cluster {
            None => (0..num_parts as usize).collect(),
            Some(c) => (0..num_parts as usize).filter(|p| p % c.peers() == c.index()).collect(),
        };
        let parts: Vec<EdgePartition> = owned
            .par_iter()
            .map(|&p| {
                let edges = order[start[p]..start[p + 1]].to_vec();
                let mut l2g: Vec<u32> = edges.iter().flat_map(|&e| [src[e as usize], dst[e as usize]]).collect();
                l2g.sort_unstable();
                l2g.dedup();
                // Every endpoint is in l2g by construction, so the search succeeds.
                let local = |g: u32| l2g.binary_search(&g).unwrap_or(0) as u32;
                let ls: Vec<u32> = edges.iter().map(|&e| local(src[e as usize])).collect();
                let ld: Vec<u32> = edges.iter().map(|&e| local(dst[e as usize])).collect();
                let mut roles = vec![0u8; l2g.len()];
                for (&a, &b) in ls.iter().zip(&ld) {
                    roles[a as usize] |= 1;
                    roles[b as usize] |= 2;
                }
                EdgePartition { l2g, src: ls, dst: ld, edges, roles }
            })
            .collect();
        let chunk = n.div_ceil(num_parts as usize).max(1);
        let ranges = n.div_ceil(chunk);
        let routing: Vec<Vec<(u32, u32)>> = (0..ranges)
            .map(|r| {
                let (lo, hi) = ((r * chunk) as u32, ((r + 1) * chunk).min(n) as u32);
                parts
                    .iter()
                    .map(|ep| (ep.l2g.partition_point(|&g| g < lo) as u32, ep.l2g.partition_point(|&g| g < hi) as u32))
                    .collect()
            })
            .collect();
        let with_edges = match share {
            // A share holds some edges: the whole graph's degrees say which vertices have one.
            Some(sh) => sh.degrees.0.iter().zip(&sh.degrees.1).filter(|(a, b)| **a + **b > 0).count(),
            None => {
                let mut has = vec![false; n];
                for (&s, &d) in src.iter().zip(dst) {
                    has[s as usize] = true;
                    has[d as usize] = true;
                }
                has.iter().filter(|&&b| b).count()
            }
        };
        let mut vpp = vec![0u64; num_parts as usize];
        for (&p, ep) in owned.iter().zip(&parts) {
            vpp[p] = ep.l2g.len() as u64;
        }
        if let Some(c) = &cluster {
            vpp = c.sum_many(&vpp)?;
        }
        let replicas: u64 = vpp.iter().sum();
        let mut epp: Vec<u64> = counts.iter().map(|&c| c as u64).collect();
        if let (Some(_), Some(c)) = (share, &cluster) {
            epp = c.sum_many(&epp)?;
        }
        let mean = graph.total_edges() as f64 / num_parts as f64;
        let report = PartitionReport {
            strategy,
            num_partitions: num_parts,
            replication_factor: if with_edges == 0 { 0.0 } else { replicas as f64 / with_edges as f64 },
            edge_balance: if mean == 0.0 { 1.0 } else { epp.iter().copied().max().unwrap_or(0) as f64 / mean },
            edges_per_partition: epp,
            vertices_per_partition: vpp,
        };
        Ok(PartitionedGraph { graph, parts, chunk, routing, report, cluster })
    }

    pub fn graph(&self) -> &'g Graph {
        self.graph
    }
    pub fn partitions(&self) -> &[EdgePartition] {
        &self.parts
    }
    pub fn report(&self) -> &PartitionReport {
        &self.report
    }
    /// The run this worker belongs to, for a distributed partitioning.
    pub fn cluster(&self) -> Option<&Cluster> {
        self.cluster.as_ref()
    }
    /// The worker that masters vertex range `r` (this process for a local partitioning).
    /// Whether this worker writes checkpoints: the only worker of a local run, worker 0 of a
    /// distributed one (every worker holds the same state; one file is written).
    pub fn writes_checkpoints(&self) -> bool {
        self.cluster.as_ref().is_none_or(|c| c.index() == 0)
    }
    /// In a distributed run, checks that every worker resumed from the same superstep (they
    /// read one checkpoint file, which must be on a file system all processes see).
    pub fn agree_on_resume(&self, step: Option<u32>) -> Result<()> {
        let Some(c) = &self.cluster else { return Ok(()) };
        let mine = step.map_or(0, |s| s as u64 + 1);
        if c.sum(mine)? != mine * c.peers() as u64 {
            return Err(Error::Input(
                "the processes of this run found different checkpoints (or some none): the checkpoint folder \
                 must be one file system all processes see"
                    .into(),
            ));
        }
        Ok(())
    }
    pub(crate) fn range_owner(&self, r: usize) -> usize {
        self.cluster.as_ref().map_or(0, |c| r % c.peers())
    }
    pub(crate) fn chunk(&self) -> usize {
        self.chunk
    }
    pub(crate) fn routing(&self) -> &[Vec<(u32, u32)>] {
        &self.routing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EdgeList, GraphOptions};
    use crate::ids::IdColumn;

    #[test]
    fn graphx_rules() {
        // 1D: |src * prime| mod P.
        assert_eq!(graphx_partition(Strategy::EdgePartition1D, 1, 99, 7), (MIXING_PRIME % 7) as u32);
        // 2D with a perfect square: col * 3 + row.
        let (c, r) = ((2 * MIXING_PRIME) % 3, (5 * MIXING_PRIME) % 3);
        assert_eq!(graphx_partition(Strategy::EdgePartition2D, 2, 5, 9), (c * 3 + r) as u32);
        // Canonical ignores direction; all results are in range.
        for (a, b) in [(1, 2), (-7, 1 << 40), (i64::MAX, 3)] {
            for p in [1, 2, 5, 16] {
                assert_eq!(
                    graphx_partition(Strategy::CanonicalRandomVertexCut, a, b, p),
                    graphx_partition(Strategy::CanonicalRandomVertexCut, b, a, p)
                );
                for s in [Strategy::EdgePartition1D, Strategy::EdgePartition2D, Strategy::RandomVertexCut] {
                    assert!(graphx_partition(s, a, b, p) < p);
                }
            }
        }
        // Java: "Tuple2".hashCode() == -1778623094 (UTF-16 polynomial).
        assert_eq!(java_string_hash("Tuple2"), -1778623094);
    }

    #[test]
    fn routing_tiles_each_partition() {
        let s: Vec<i64> = (0..500).map(|i| (i * 7) % 101).collect();
        let d: Vec<i64> = (0..500).map(|i| (i * 13 + 5) % 97).collect();
        let g = Graph::from_edge_list(
            EdgeList { src: IdColumn::Int(s), dst: IdColumn::Int(d), weight: None, vertices: None, directed: None },
            &GraphOptions::default(),
        )
        .unwrap();
        for strategy in [Strategy::Dbh, Strategy::EdgePartition2D, Strategy::RandomVertexCut] {
            let pg = PartitionedGraph::new(&g, strategy, 4).unwrap();
            let total: u64 = pg.report().edges_per_partition.iter().sum();
            assert_eq!(total as usize, g.num_edges());
            for (p, ep) in pg.partitions().iter().enumerate() {
                let mut at = 0;
                for r in pg.routing() {
                    assert_eq!(r[p].0, at);
                    at = r[p].1;
                }
                assert_eq!(at as usize, ep.l2g.len());
            }
            assert!(pg.report().replication_factor >= 1.0);
        }
    }
}
