//! Panics of the Parquet reader on corrupt files, turned into errors.
//!
//! The parquet crate (59) panics on some corrupt pages (a page header whose size runs past its
//! column chunk slices out of bounds; found by the `parquet` fuzz target) instead of returning
//! an error. [`reader_panics`] runs a future that reads tables (a graph load, a SQL statement) and
//! turns such a panic into [`Error::Input`]; while one runs, the panic hook prints nothing for
//! panics raised inside the parquet, bytes or arrow-ipc (the embedded Arrow schema) crates, so the user sees one error line rather
//! than a panic message above it. Any other panic goes on as before (printed and unwound): a bug
//! in Ember stays loud.
//!
//! Invariant: the hook is installed once and delegates to the hook it replaced for every panic
//! it does not silence.

use std::future::Future;
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::FutureExt;

use crate::error::{Error, Result};

/// How many [`reader_panics`] regions are running (on any thread: DataFusion polls scans on
/// runtime workers and re-raises their panics where the stream is joined).
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
static HOOK: Once = Once::new();
/// Reader panics silenced so far.
static SILENCED: AtomicUsize = AtomicUsize::new(0);

/// Whether a panic was raised by the Parquet reader (or the byte buffers it slices).
fn from_reader(info: &PanicHookInfo<'_>) -> bool {
    info.location().is_some_and(|l| {
        let f = l.file();
        f.contains("/parquet-") || f.contains("/bytes-") || f.contains("/arrow-ipc-")
    })
}

fn install() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.load(Ordering::SeqCst) > 0 && from_reader(info) {
                SILENCED.fetch_add(1, Ordering::SeqCst);
                return;
            }
            previous(info);
        }));
    });
}

/// Leaves the region when dropped (also when the future is dropped unfinished).
struct Region;

impl Drop for Region {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The text of a panic's payload.
fn text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs `f`, catching a panic; a panic of the readers (parquet, bytes, arrow-ipc) is not printed.
/// For the synchronous checks of a file's metadata.
pub fn quietly<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> std::thread::Result<T> {
    install();
    ACTIVE.fetch_add(1, Ordering::SeqCst);
    let _region = Region;
    std::panic::catch_unwind(f)
}

/// Runs `work`, which only reads Parquet files (a table load): any panic inside it becomes
/// `Error::Input("{what}: corrupt Parquet data (...)")`.
pub async fn parquet_read<T>(what: &str, work: impl Future<Output = Result<T>>) -> Result<T> {
    contained(what, work, true).await
}

/// Runs `work` (a SQL statement, which may read Parquet tables): a panic of the Parquet reader
/// inside it becomes `Error::Input("{what}: corrupt Parquet data (...)")`; any other panic
/// unwinds on. (The reader's panics are told apart by the hook; should another hook have
/// replaced it since, every panic unwinds.)
pub async fn reader_panics<T>(what: &str, work: impl Future<Output = Result<T>>) -> Result<T> {
    contained(what, work, false).await
}

async fn contained<T>(what: &str, work: impl Future<Output = Result<T>>, any: bool) -> Result<T> {
    install();
    let before = SILENCED.load(Ordering::SeqCst);
    ACTIVE.fetch_add(1, Ordering::SeqCst);
    let region = Region;
    let r = AssertUnwindSafe(work).catch_unwind().await;
    drop(region);
    match r {
        Ok(r) => r,
        Err(panic) if any || SILENCED.load(Ordering::SeqCst) != before => {
            Err(Error::Input(format!("{what}: corrupt Parquet data ({})", text(panic.as_ref()))))
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
