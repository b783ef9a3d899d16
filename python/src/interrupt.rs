//! Running Ember work from Python the way a good library does: the work runs on its own thread
//! with the GIL released; the calling thread wakes at least every 50 ms to let Python run its signal
//! handlers (Ctrl-C raises `KeyboardInterrupt`, which cancels the job through its
//! [`CancelToken`] and waits for it to stop between supersteps) and to hand progress
//! ([`SuperstepStats`]) to a Python callback. Nothing here knows about graphs.

use std::sync::mpsc;
use std::time::Duration;

use ember::{CancelToken, SuperstepStats};
use pyo3::prelude::*;

/// How often the waiting thread checks for signals and progress.
const TICK: Duration = Duration::from_millis(50);

enum Msg<T> {
    Progress(SuperstepStats),
    Done(Result<T, ember::Error>),
}

/// A sender of progress from the job's thread.
#[derive(Clone)]
pub struct Progress(Option<mpsc::Sender<SuperstepStats>>);

impl Progress {
    pub fn report(&self, s: &SuperstepStats) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(s.clone());
        }
    }
    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }
}

/// Runs `work` on a scoped thread with the GIL released; returns its result, or
/// `KeyboardInterrupt` (after cancelling `cancel` and waiting for `work` to return) when a signal
/// handler raised one. `progress`, when given, is called with a dict per superstep.
pub fn run<T, F>(py: Python<'_>, cancel: &CancelToken, progress: Option<&Bound<'_, PyAny>>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(Progress) -> Result<T, ember::Error> + Send,
{
    let (tx, rx) = mpsc::channel::<Msg<T>>();
    let (ptx, prx) = mpsc::channel::<SuperstepStats>();
    let reporter = Progress(progress.map(|_| ptx));
    std::thread::scope(|s| {
        let done = tx.clone();
        s.spawn(move || {
            // A panic in the engine becomes an InternalError, not a dead interpreter.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(reporter))).unwrap_or_else(|p| {
                let what = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(ember::Error::Internal(format!("the job panicked: {what}")))
            });
            let _ = done.send(Msg::Done(r));
        });
        drop(tx);
        // Receivers are not Sync; the waiting closure borrows them through a mutex.
        let (rx, prx) = (std::sync::Mutex::new(rx), std::sync::Mutex::new(prx));
        let mut interrupted: Option<PyErr> = None;
        loop {
            let msg = py.detach(|| match prx.lock().ok().and_then(|p| p.try_recv().ok()) {
                Some(s) => Some(Msg::Progress(s)),
                None => {
                    match rx.lock().map_err(|_| mpsc::RecvTimeoutError::Disconnected).and_then(|r| r.recv_timeout(TICK))
                    {
                        Ok(m) => Some(m),
                        Err(mpsc::RecvTimeoutError::Timeout) => None,
                        // Unreachable while the thread sends its result before it ends.
                        Err(mpsc::RecvTimeoutError::Disconnected) => Some(Msg::Done(Err(ember::Error::Internal(
                            "the job's thread ended without a result".into(),
                        )))),
                    }
                }
            });
            match msg {
                Some(Msg::Done(r)) => {
                    // Progress sent just before the end is still reported.
                    let rest: Vec<SuperstepStats> = prx.lock().map(|p| p.try_iter().collect()).unwrap_or_default();
                    if let Some(cb) = progress {
                        for stats in rest {
                            if interrupted.is_some() {
                                break;
                            }
                            if let Err(e) = call(py, cb, &stats) {
                                interrupted = Some(e);
                            }
                        }
                    }
                    return match (interrupted, r) {
                        (Some(e), _) => Err(e),
                        (None, r) => r.map_err(crate::errors::to_py),
                    };
                }
                Some(Msg::Progress(stats)) => {
                    if interrupted.is_none()
                        && let Some(cb) = progress
                        && let Err(e) = call(py, cb, &stats)
                    {
                        // A failing callback stops the job, as an interrupt does.
                        cancel.cancel();
                        interrupted = Some(e);
                    }
                }
                None => {}
            }
            // Signals are checked on every turn, not only when the job is quiet: a job reporting
            // progress faster than a callback written in C (which never enters Python's eval
            // loop, where signals are otherwise handled) consumes it would never be quiet.
            if interrupted.is_none()
                && let Err(e) = py.check_signals()
            {
                cancel.cancel();
                interrupted = Some(e);
            }
        }
    })
}

fn call(py: Python<'_>, cb: &Bound<'_, PyAny>, s: &SuperstepStats) -> PyResult<()> {
    let d = pyo3::types::PyDict::new(py);
    d.set_item("superstep", s.superstep)?;
    d.set_item("max_supersteps", s.max_supersteps)?;
    d.set_item("active_vertices", s.active_vertices)?;
    d.set_item("messages", s.messages)?;
    d.set_item("elapsed", s.elapsed.as_secs_f64())?;
    cb.call1((d,))?;
    Ok(())
}
