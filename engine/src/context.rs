//! How a caller observes and cancels a run: [`RunContext`] carries a [`CancelToken`] (checked
//! between supersteps or iterations) and an observer that receives [`SuperstepStats`]. Plain
//! types shared by the Pregel engine and the kernels; nothing here knows about graphs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::error::{Error, Result};

/// Stops a run between supersteps when cancelled from any thread.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed)
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What happened in one superstep.
#[derive(Debug, Clone, PartialEq)]
pub struct SuperstepStats {
    /// 0 for the initial scatter, then 1, 2, ...
    pub superstep: u32,
    /// The largest superstep the run may reach, if known (for progress bars).
    pub max_supersteps: Option<u32>,
    /// Vertices that ran `vprog` (all of them in superstep 0).
    pub active_vertices: u64,
    /// Messages sent by the scatter of this superstep (before combining).
    pub messages: u64,
    pub elapsed: Duration,
}

/// Receives per-superstep statistics.
pub type Observer = Arc<dyn Fn(&SuperstepStats) + Send + Sync>;

/// Cancellation and observation for a run.
#[derive(Clone, Default)]
pub struct RunContext {
    pub cancel: CancelToken,
    pub observer: Option<Observer>,
    /// Write checkpoints (and resume from them) where the algorithm supports it; runs that
    /// cannot checkpoint refuse to run rather than ignore it.
    pub checkpoint: Option<crate::checkpoint::Checkpoint>,
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("cancel", &self.cancel)
            .field("observer", &self.observer.is_some())
            .field("checkpoint", &self.checkpoint)
            .finish()
    }
}

impl RunContext {
    pub fn check(&self) -> Result<()> {
        if self.cancel.is_cancelled() { Err(Error::Cancelled) } else { Ok(()) }
    }
    pub fn report(&self, stats: &SuperstepStats) {
        if let Some(o) = &self.observer {
            o(stats)
        }
    }
}
