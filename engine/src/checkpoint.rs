//! Checkpoints of long iterative runs, and resuming from them (what GraphX users set a
//! checkpoint directory for). A run with a [`Checkpoint`] in its `RunContext` writes its whole
//! vertex state every `every` supersteps (Pregel: vertex attributes and the combined messages
//! waiting for the next superstep; the PageRank kernel: the ranks) to `DIR/checkpoint.ember`;
//! with `resume`, it starts from that file instead of from the beginning, and the result is the
//! one an uninterrupted run gives (the state is the complete state between supersteps, and every
//! reduction in Ember is deterministic).
//!
//! Invariants: a checkpoint file is written through [`crate::atomic_file`], so a run killed while
//! writing leaves the previous checkpoint intact; the file records the run it belongs to (the
//! algorithm, its parameters, the graph's sizes and the engine's state layout) and a resume from
//! another run's file is an error, never a silently wrong answer. No directory is touched unless
//! a checkpoint was asked for.

use std::path::PathBuf;

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"EMBERCK1";
const FILE: &str = "checkpoint.ember";

/// Where and how often to checkpoint, and whether to resume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub dir: PathBuf,
    /// Supersteps between checkpoints (at least 1).
    pub every: u32,
    /// Start from the checkpoint in `dir` when there is one.
    pub resume: bool,
    /// The run this checkpoint belongs to (set by the job: algorithm, parameters, graph sizes).
    pub run: String,
}

impl Checkpoint {
    pub fn new(dir: impl Into<PathBuf>, every: u32, resume: bool) -> Result<Checkpoint> {
        if every == 0 {
            return Err(Error::Config("checkpoint interval must be a whole number in [1, 4294967295], got '0'".into()));
        }
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(Error::io(
                &dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "the checkpoint folder does not exist"),
            ));
        }
        Ok(Checkpoint { dir, every, resume, run: String::new() })
    }

    /// The checkpoint file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// True when superstep `step` (1-based, completed) is due for a checkpoint.
    pub fn due(&self, step: u32) -> bool {
        step > 0 && step.is_multiple_of(self.every)
    }
}

/// A value that can be part of a checkpoint: fixed little-endian bytes.
pub trait State: Sized {
    fn put(&self, out: &mut Vec<u8>);
    fn take(input: &mut &[u8]) -> Option<Self>;
}

fn take_bytes<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = input.split_first_chunk::<N>()?;
    *input = rest;
    Some(*head)
}

macro_rules! state_num {
    ($($t:ty),*) => {$(
        impl State for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn take(input: &mut &[u8]) -> Option<Self> {
                take_bytes(input).map(<$t>::from_le_bytes)
            }
        }
    )*};
}
state_num!(u8, u32, u64, i32, i64, f32, f64);

impl State for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        u8::take(input).map(|b| b != 0)
    }
}

impl State for () {
    fn put(&self, _: &mut Vec<u8>) {}
    fn take(_: &mut &[u8]) -> Option<Self> {
        Some(())
    }
}

impl<A: State, B: State> State for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        Some((A::take(input)?, B::take(input)?))
    }
}

impl<T: State> State for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(x) => {
                out.push(1);
                x.put(out);
            }
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match u8::take(input)? {
            0 => Some(None),
            1 => T::take(input).map(Some),
            _ => None,
        }
    }
}

impl State for String {
    fn put(&self, out: &mut Vec<u8>) {
        (self.len() as u64).put(out);
        out.extend_from_slice(self.as_bytes());
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let n = usize::try_from(u64::take(input)?).ok()?;
        if n > input.len() {
            return None;
        }
        let (head, rest) = input.split_at(n);
        *input = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}

impl<T: State> State for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        put_slice(self, out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let n = u64::take(input)?;
        // Each element takes at least 0 bytes, so bound the allocation by what is left.
        let mut v = Vec::with_capacity((n as usize).min(input.len()));
        for _ in 0..n {
            v.push(T::take(input)?);
        }
        Some(v)
    }
}

/// The state of a run between supersteps.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot<VD, M> {
    /// Supersteps completed.
    pub step: u32,
    /// Messages (or arcs read) so far.
    pub total: u64,
    pub attrs: Vec<VD>,
    /// Messages waiting for the next superstep, by vertex.
    pub msgs: Vec<Option<M>>,
}

pub(crate) fn put_slice<T: State>(v: &[T], out: &mut Vec<u8>) {
    (v.len() as u64).put(out);
    for x in v {
        x.put(out);
    }
}

/// Writes the state after `step` supersteps (`total` messages so far) for the run `ck.run`,
/// with `layout` naming the engine's state layout.
pub fn save<VD: State, M: State>(
    ck: &Checkpoint,
    layout: &str,
    step: u32,
    total: u64,
    attrs: &[VD],
    msgs: &[Option<M>],
) -> Result<()> {
    let mut out = Vec::with_capacity(64 + attrs.len() * 16);
    out.extend_from_slice(MAGIC);
    let key = run_key(ck, layout);
    (key.len() as u64).put(&mut out);
    out.extend_from_slice(key.as_bytes());
    step.put(&mut out);
    total.put(&mut out);
    put_slice(attrs, &mut out);
    put_slice(msgs, &mut out);
    crate::atomic_file::write_bytes(&ck.path(), &out)
}

fn run_key(ck: &Checkpoint, layout: &str) -> String {
    format!("{} | {layout}", ck.run)
}

/// The snapshot to resume from: `None` when not resuming or when the folder holds none yet.
/// `n` is the graph's vertex count.
pub fn restore<VD: State, M: State>(ck: &Checkpoint, layout: &str, n: usize) -> Result<Option<Snapshot<VD, M>>> {
    if !ck.resume {
        return Ok(None);
    }
    let Some(bytes) = read(ck)? else { return Ok(None) };
    let path = ck.path();
    let bad = |why: &str| Error::Input(format!("{}: {why}", path.display()));
    let (step, total, mut input) = header(ck, layout, MAGIC, &bytes)?;
    let attrs = Vec::<VD>::take(&mut input).ok_or_else(|| bad("truncated"))?;
    let msgs = Vec::<Option<M>>::take(&mut input).ok_or_else(|| bad("truncated"))?;
    // Kernels keep no messages: their snapshots have none.
    if attrs.len() != n || !(msgs.len() == n || msgs.is_empty()) || !input.is_empty() {
        return Err(bad("the checkpoint does not match the graph's vertex count"));
    }
    Ok(Some(Snapshot { step, total, attrs, msgs }))
}

const TABLE_MAGIC: &[u8; 8] = b"EMBERCT1";

/// Writes a run whose state is a table (the expression Pregel's vertex state) after `step`
/// supersteps (`total` messages so far): the header as in [`save`], then the batch in Arrow's
/// IPC stream format.
pub fn save_table(
    ck: &Checkpoint,
    layout: &str,
    step: u32,
    total: u64,
    batch: &datafusion::arrow::array::RecordBatch,
) -> Result<()> {
    let mut out = Vec::new();
    out.extend_from_slice(TABLE_MAGIC);
    let key = run_key(ck, layout);
    (key.len() as u64).put(&mut out);
    out.extend_from_slice(key.as_bytes());
    step.put(&mut out);
    total.put(&mut out);
    let arrow = |e| Error::arrow("writing a checkpoint", e);
    let mut w = datafusion::arrow::ipc::writer::StreamWriter::try_new(&mut out, &batch.schema()).map_err(arrow)?;
    w.write(batch).map_err(arrow)?;
    w.finish().map_err(arrow)?;
    drop(w);
    crate::atomic_file::write_bytes(&ck.path(), &out)
}

/// The table state to resume from (see [`save_table`]): `None` when not resuming or when the
/// folder holds none yet; an error for another run's checkpoint.
pub fn restore_table(
    ck: &Checkpoint,
    layout: &str,
) -> Result<Option<(u32, u64, datafusion::arrow::array::RecordBatch)>> {
    if !ck.resume {
        return Ok(None);
    }
    let Some(bytes) = read(ck)? else { return Ok(None) };
    let path = ck.path();
    let bad = |why: &str| Error::Input(format!("{}: {why}", path.display()));
    let (step, total, input) = header(ck, layout, TABLE_MAGIC, &bytes)?;
    let reader = datafusion::arrow::ipc::reader::StreamReader::try_new(input, None)
        .map_err(|e| bad(&format!("unreadable state: {e}")))?;
    let mut batches = Vec::new();
    for b in reader {
        batches.push(b.map_err(|e| bad(&format!("unreadable state: {e}")))?);
    }
    match batches.len() {
        1 => Ok(batches.pop().map(|b| (step, total, b))),
        _ => Err(bad("the state is not one table")),
    }
}

/// The checkpoint file's bytes, `None` when there is none yet.
fn read(ck: &Checkpoint) -> Result<Option<Vec<u8>>> {
    let path = ck.path();
    match std::fs::read(&path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// Checks a checkpoint's header (its kind `magic` and the run it belongs to) and returns the
/// step, the message total and the state's bytes.
fn header<'a>(ck: &Checkpoint, layout: &str, magic: &[u8; 8], bytes: &'a [u8]) -> Result<(u32, u64, &'a [u8])> {
    let path = ck.path();
    let bad = |why: &str| Error::Input(format!("{}: {why}", path.display()));
    let mut input = bytes;
    match take_bytes::<8>(&mut input) {
        Some(m) if &m == magic => {}
        Some(m) if &m == MAGIC || &m == TABLE_MAGIC => {
            return Err(bad("the checkpoint is of another kind of run; give another folder or drop resume"));
        }
        _ => return Err(bad("not an Ember checkpoint")),
    }
    let key_len = u64::take(&mut input).ok_or_else(|| bad("truncated"))? as usize;
    if key_len > input.len() {
        return Err(bad("truncated"));
    }
    let (key, mut input) = input.split_at(key_len);
    let want = run_key(ck, layout);
    if key != want.as_bytes() {
        return Err(bad(&format!(
            "the checkpoint is of another run ({}), not of this one ({want}); give another folder or drop --resume",
            String::from_utf8_lossy(key)
        )));
    }
    let step = u32::take(&mut input).ok_or_else(|| bad("truncated"))?;
    let total = u64::take(&mut input).ok_or_else(|| bad("truncated"))?;
    Ok((step, total, input))
}

/// Removes the checkpoint file of a finished run (a later `--resume` starts afresh).
pub fn clear(ck: &Checkpoint) -> Result<()> {
    match std::fs::remove_file(ck.path()) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&ck.path(), e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_mismatches() {
        let d = tempfile::tempdir().unwrap();
        let mut ck = Checkpoint::new(d.path(), 2, true).unwrap();
        ck.run = "pagerank iterations=20 n=3".into();
        let snap: Snapshot<(f64, f64), f64> = Snapshot {
            step: 4,
            total: 99,
            attrs: vec![(0.5, 0.1), (0.25, f64::NAN), (1.0, -0.0)],
            msgs: vec![None, Some(2.5), None],
        };
        save(&ck, "pregel", snap.step, snap.total, &snap.attrs, &snap.msgs).unwrap();
        let back: Snapshot<(f64, f64), f64> = restore(&ck, "pregel", 3).unwrap().unwrap();
        assert_eq!(back.step, 4);
        assert_eq!(back.msgs, snap.msgs);
        assert!(back.attrs[1].1.is_nan() && back.attrs[2].1.to_bits() == (-0.0f64).to_bits());
        let e = restore::<(f64, f64), f64>(&ck, "kernel", 3).unwrap_err().to_string();
        assert!(e.contains("another run"), "{e}");
        let e = restore::<(f64, f64), f64>(&ck, "pregel", 4).unwrap_err().to_string();
        assert!(e.contains("vertex count"), "{e}");
        std::fs::write(ck.path(), b"EMBERCK1\x05").unwrap();
        assert!(restore::<f64, ()>(&ck, "pregel", 3).unwrap_err().to_string().contains("truncated"));
        clear(&ck).unwrap();
        assert!(restore::<f64, ()>(&ck, "pregel", 3).unwrap().is_none());
        assert!(Checkpoint::new(d.path().join("nope"), 1, false).is_err());
        assert!(Checkpoint::new(d.path(), 0, false).is_err());
    }
}
