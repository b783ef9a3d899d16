//! Output files that appear whole or not at all, and leave no name behind when the process dies.
//!
//! [`AtomicFile::create`] opens an *unnamed* file in the target's folder (Linux `O_TMPFILE`):
//! until [`AtomicFile::commit`] it has no name, so a process killed with `kill -9`, a full disk or
//! a failed write leaves nothing in the folder. `commit` syncs the data, gives the file a
//! temporary name (`linkat`) and renames it over the target in the same instant, then syncs the
//! folder. Where `O_TMPFILE` is missing (other systems, file systems without it) the file starts
//! under a hidden temporary name beside the target, removed on every error path and when the
//! `AtomicFile` is dropped uncommitted; only a killed process can leave that one behind.
//!
//! Invariants: the target is either untouched or replaced by a complete, synced file; every
//! error names the target, never the temporary.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// A file being written; becomes `target` on [`AtomicFile::commit`], vanishes otherwise.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    dir: PathBuf,
    file: File,
    /// `None`: unnamed (`O_TMPFILE`); `Some`: the hidden temporary name to remove on drop.
    named: Option<PathBuf>,
    committed: bool,
}

/// Distinguishes temporary names within one process (two outputs to one target at once).
static SEQ: AtomicU64 = AtomicU64::new(0);

fn temp_name(dir: &Path, target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.tmp-{}-{seq}", std::process::id()))
}

/// The folder `path` will live in (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks, before any work, that `path` can be an output file: its folder exists and it is not
/// a folder itself. Errors name `path`.
pub fn check_target(path: &Path) -> Result<()> {
    let dir = folder_of(path);
    let fail = |why: &str| Error::io(path, io::Error::new(io::ErrorKind::NotFound, why.to_string()));
    if path.file_name().is_none() {
        return Err(fail("is not a file path"));
    }
    if !dir.is_dir() {
        return Err(fail(&format!("the folder {} does not exist", dir.display())));
    }
    if path.is_dir() {
        return Err(fail("is a folder, not a file"));
    }
    Ok(())
}

impl AtomicFile {
    /// Starts writing what will become `target`.
    pub fn create(target: &Path) -> Result<AtomicFile> {
        check_target(target)?;
        let dir = folder_of(target);
        match unnamed_in(&dir) {
            Some(file) => Ok(AtomicFile { target: target.to_path_buf(), dir, file, named: None, committed: false }),
            None => Self::create_named(target),
        }
    }

    /// The fallback: a hidden temporary name beside the target.
    fn create_named(target: &Path) -> Result<AtomicFile> {
        check_target(target)?;
        let dir = folder_of(target);
        let tmp = temp_name(&dir, target);
        let file =
            std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(|e| Error::io(target, e))?;
        Ok(AtomicFile { target: target.to_path_buf(), dir, file, named: Some(tmp), committed: false })
    }

    /// The file's final name.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Syncs the data and puts the file in place of the target (replacing an older one).
    pub fn commit(mut self) -> Result<()> {
        let target = self.target.clone();
        self.file.sync_all().map_err(|e| Error::io(&target, e))?;
        let tmp = match self.named.clone() {
            Some(tmp) => tmp,
            None => {
                let tmp = temp_name(&self.dir, &target);
                link_unnamed(&self.file, &tmp).map_err(|e| Error::io(&target, e))?;
                // From here the file has a name: drop removes it if the rename fails.
                self.named = Some(tmp.clone());
                tmp
            }
        };
        std::fs::rename(&tmp, &target).map_err(|e| Error::io(&target, e))?;
        self.committed = true;
        // The rename is durable once the folder is synced; a folder that cannot be opened or
        // synced (some network file systems) still has the file in place.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed
            && let Some(tmp) = &self.named
        {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// An unnamed file in `dir`, where the system and file system support it.
#[cfg(target_os = "linux")]
fn unnamed_in(dir: &Path) -> Option<File> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(dir, OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC, Mode::from_bits_truncate(0o644))
        .ok()?;
    Some(File::from(fd))
}

#[cfg(not(target_os = "linux"))]
fn unnamed_in(_dir: &Path) -> Option<File> {
    None
}

/// Gives an unnamed file the name `to`.
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, to: &Path) -> io::Result<()> {
    use rustix::fs::{AtFlags, CWD};
    use std::os::fd::AsRawFd;
    // Through /proc (any user); AT_EMPTY_PATH on the descriptor needs CAP_DAC_READ_SEARCH.
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    match rustix::fs::linkat(CWD, proc_path.as_str(), CWD, to, AtFlags::SYMLINK_FOLLOW) {
        Ok(()) => Ok(()),
        Err(_) => rustix::fs::linkat(file, "", CWD, to, AtFlags::EMPTY_PATH).map_err(io::Error::from),
    }
}

#[cfg(not(target_os = "linux"))]
fn link_unnamed(_file: &File, _to: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "unnamed files are not supported here"))
}

/// Writes `target` whole through `write`, or leaves it as it was.
pub fn write_with(target: &Path, write: impl FnOnce(&mut io::BufWriter<AtomicFile>) -> Result<()>) -> Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 20, AtomicFile::create(target)?);
    write(&mut w)?;
    let f = w.into_inner().map_err(|e| Error::io(target, e.into_error()))?;
    f.commit()
}

/// Writes `bytes` as the whole of `target`, or leaves it as it was.
pub fn write_bytes(target: &Path, bytes: &[u8]) -> Result<()> {
    write_with(target, |w| w.write_all(bytes).map_err(|e| Error::io(target, e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn uncommitted_leaves_nothing_and_commit_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("out.csv");
        std::fs::write(&t, "old").unwrap();
        let mut f = AtomicFile::create(&t).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(names(dir.path()), ["out.csv"]);
        assert_eq!(std::fs::read_to_string(&t).unwrap(), "old");
        write_bytes(&t, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&t).unwrap(), "new");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn failing_writer_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("out.csv");
        std::fs::write(&t, "old").unwrap();
        let r = write_with(&t, |w| {
            w.write_all(b"partial").unwrap();
            Err(Error::io(&t, io::Error::new(io::ErrorKind::StorageFull, "no space left on device")))
        });
        assert!(r.unwrap_err().to_string().contains("no space left"));
        assert_eq!(names(dir.path()), ["out.csv"]);
        assert_eq!(std::fs::read_to_string(&t).unwrap(), "old");
    }

    #[test]
    fn two_writers_to_one_target_each_land_whole() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("x.txt");
        let mut a = AtomicFile::create(&t).unwrap();
        let mut b = AtomicFile::create(&t).unwrap();
        a.write_all(&[b'a'; 10_000]).unwrap();
        b.write_all(&[b'b'; 20_000]).unwrap();
        a.commit().unwrap();
        assert_eq!(std::fs::read(&t).unwrap(), vec![b'a'; 10_000]);
        b.commit().unwrap();
        assert_eq!(std::fs::read(&t).unwrap(), vec![b'b'; 20_000]);
        assert_eq!(names(dir.path()), ["x.txt"]);
    }

    #[test]
    fn bad_targets_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope").join("out.csv");
        let e = AtomicFile::create(&missing).unwrap_err().to_string();
        assert!(e.contains("out.csv") && e.contains("does not exist"), "{e}");
        let e = AtomicFile::create(dir.path()).unwrap_err().to_string();
        assert!(e.contains("folder"), "{e}");
    }

    #[test]
    fn named_fallback_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("out.csv");
        let mut f = AtomicFile::create_named(&t).unwrap();
        f.write_all(b"x").unwrap();
        assert_eq!(names(dir.path()).len(), 1);
        drop(f);
        assert!(names(dir.path()).is_empty());
        let mut f = AtomicFile::create_named(&t).unwrap();
        f.write_all(b"x").unwrap();
        f.commit().unwrap();
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn unnamed_files_are_used_where_supported() {
        let dir = tempfile::tempdir().unwrap();
        let f = AtomicFile::create(&dir.path().join("a")).unwrap();
        // While writing, the folder holds no name at all (tmpfs, ext4, xfs, btrfs all support it).
        if f.named.is_none() {
            assert!(names(dir.path()).is_empty());
        }
    }
}
