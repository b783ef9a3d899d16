//! Notebook tests: the runner without a window, and the real eframe app driven through
//! egui_kittest by accessible labels. The screenshot test renders with wgpu (software Vulkan
//! in CI) and compares with `gui/tests/snapshots/demo_notebook.png`.

mod binary;
mod fuzz_corpus;
mod runner;
mod ui;

use std::path::PathBuf;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bundled test data (`graphs/`).
pub fn data() -> PathBuf {
    repo().join("graphs")
}
