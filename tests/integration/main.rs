//! Ember's integration tests: one test binary for the engine crate (see engine/Cargo.toml).
//! Real data comes from `../shared` beside the repository, or from `$EMBER_SHARED`.

mod cli;
mod helpers;
mod ldbc;
mod loaders;
mod pregel_api;
mod properties;
mod references;
mod sql;
