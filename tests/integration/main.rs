//! Ember's integration tests: one test binary for the engine crate (see engine/Cargo.toml).
//! Real data comes from the repository's `graphs/` (bundled with provenance); the reference
//! check of the larger cnr-2000 runs when `$EMBER_SHARED` points at the team's shared data.

mod bfs_paths;
mod checkpoints;
mod distributed;
mod fuzz_corpora;
mod graph_searches;
mod helpers;
mod ldbc;
mod loaders;
mod motifs;
mod pregel_api;
mod pregel_exprs;
mod properties;
mod references;
mod sql;
