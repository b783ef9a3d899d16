//! Ember's desktop notebook. The model ([`model`]), persistence ([`persist`]), the job runner
//! ([`runner`]), DataFrame cells as DataFusion plans ([`pipeline`]), sample layout ([`layout`]) and the bundled demo ([`demo`]) never import egui; [`app`] and [`ui`] draw the
//! model and send commands.

pub mod app;
pub mod csv_text;
pub mod demo;
pub mod dialogs;
pub mod layout;
pub mod model;
pub mod persist;
pub mod pipeline;
pub mod runner;
pub mod ui;
