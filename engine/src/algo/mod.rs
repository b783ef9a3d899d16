//! Graph algorithms, one file each: `run(&Graph, &Config) -> Result<Output>` chooses the engine
//! ([`Common::use_kernel`]) and partitions or builds a CSR as needed; `run_partitioned(&PartitionedGraph,
//! &Config)` reuses a partitioning. Outputs hold dense per-vertex vectors, report what executed
//! (`execution`), and turn into record batches keyed by original ids. Each file also declares
//! its registry entry (`SPEC`, see [`spec`]), which [`crate::registry`] lists.
//!
//! Invariant: algorithms speak to partitions only through the [`crate::pregel`] engine and to
//! kernels through [`crate::kernel`]; they never see threads. What each does with self-loops
//! and parallel edges is stated in its docs.

pub mod bfs;
pub mod cdlp;
pub mod common;
pub mod degrees;
pub mod kcore;
pub mod landmarks;
pub mod lcc;
pub mod lpa;
pub mod mis;
pub mod neighbors;
pub mod pagerank;
pub mod scc;
pub mod spec;
pub mod sssp;
pub mod triangles;
pub mod wcc;

pub use common::{Common, Engine, id_batch};
