//! Ember: a graph processing engine in the spirit of GraphX/Pregel and GraphFrames, over
//! Apache Arrow and DataFusion.
//!
//! The pipeline: files ([`load`]) -> a [`Graph`] (vertex and edge tables, dense `u32` vertex
//! indices via [`ids`]) -> vertex-cut partitions ([`partition`]) -> supersteps of the
//! [`pregel`] engine -> algorithm results ([`algo`]) as Arrow record batches keyed by the
//! original ids -> files ([`output`]). [`registry`] lists the algorithms with their parameters
//! and outputs; [`job`] runs one and reports what executed. The library never prints and
//! spawns no processes; progress goes to observers ([`context`]).

pub mod algo;
pub mod atomic_file;
pub mod checkpoint;
pub mod cluster;
pub mod contain;
pub mod context;
pub mod error;
pub mod generate;
pub mod graph;
pub mod graphalytics;
pub mod ids;
pub mod job;
pub mod kernel;
pub mod load;
pub mod output;
pub mod partition;
pub mod pregel;
pub mod query;
pub mod registry;
pub mod sort;
pub mod sql;

pub use context::{CancelToken, RunContext, SuperstepStats};
pub use error::{Error, Result, Table};
pub use graph::{EdgeList, Graph, GraphOptions};
pub use partition::{PartitionReport, PartitionedGraph, Strategy};
pub use pregel::{ActiveDirection, TripletFields};

/// Re-exported so users get the Arrow and DataFusion versions Ember was built with.
pub use datafusion;
/// The DataSketches crate whose HLL sketches `hyper_anf` writes (to read them in Rust).
pub use datasketches;
