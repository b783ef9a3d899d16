//! Input paths as users give them: one file, a folder of part files (as Spark, pandas/pyarrow and
//! Ember write them), or a glob pattern (`edges/part-*.parquet`). Every loader and every SQL
//! table goes through [`expand`], so they all accept the same things.
//!
//! Invariants: the list is sorted and never empty; names starting with `.` or `_` (Spark's
//! `_SUCCESS`, `.part-0.crc`, hidden temporaries) and sub-folders are skipped; a compression
//! suffix (`.gz`, `.bz2`, `.xz`, `.zst`) is looked through when the format is guessed from a name.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// How a file is compressed, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

impl Compression {
    /// The compression a file name ends in, and the name without that suffix (lower case).
    pub fn split(name: &str) -> (Compression, String) {
        let lower = name.to_ascii_lowercase();
        for (suffix, c) in [
            (".gz", Compression::Gzip),
            (".gzip", Compression::Gzip),
            (".bz2", Compression::Bzip2),
            (".xz", Compression::Xz),
            (".zst", Compression::Zstd),
            (".zstd", Compression::Zstd),
        ] {
            if let Some(stem) = lower.strip_suffix(suffix) {
                return (c, stem.to_string());
            }
        }
        (Compression::None, lower)
    }

    /// The compression of `path`, by its name.
    pub fn of(path: &Path) -> Compression {
        Compression::split(&file_name(path)).0
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// True when `path` holds glob characters (`*`, `?`, `[`) in its last part.
pub fn is_glob(path: &Path) -> bool {
    file_name(path).contains(['*', '?', '['])
}

/// Names a folder listing or a glob skips: hidden files and Spark's markers (`_SUCCESS`,
/// `_committed_*`, `_metadata`).
fn skipped(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// The files `path` stands for, sorted: itself, the visible files of a folder, or the visible
/// files a glob in its last part matches. Errors name `path`.
pub fn expand(path: &Path) -> Result<Vec<PathBuf>> {
    let not_found = |why: String| Error::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, why));
    if is_glob(path) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let pattern = file_name(path);
        let matches = matcher(&pattern);
        let mut files = Vec::new();
        for (name, p) in list(&dir).map_err(|e| Error::io(&dir, e))? {
            if matches(&name) && p.is_file() {
                files.push(p);
            }
        }
        if files.is_empty() {
            return Err(not_found("no file matches the pattern".into()));
        }
        return Ok(files);
    }
    if path.is_dir() {
        let files: Vec<PathBuf> =
            list(path).map_err(|e| Error::io(path, e))?.into_iter().map(|(_, p)| p).filter(|p| p.is_file()).collect();
        if files.is_empty() {
            return Err(not_found("the folder has no data files (hidden files and _SUCCESS are skipped)".into()));
        }
        return Ok(files);
    }
    // The system's own words for a missing or unreadable file.
    std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    Ok(vec![path.to_path_buf()])
}

/// The visible entries of `dir` (name, path), sorted by name.
fn list(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !skipped(&name) {
            out.push((name, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The name the format of `path` is guessed from, lower case with any compression suffix
/// removed: the file's own name, a glob's pattern, or a folder's first data file.
pub fn format_name(path: &Path) -> String {
    if path.is_dir() && !is_glob(path) {
        return list(path)
            .ok()
            .and_then(|l| l.into_iter().find(|(_, p)| p.is_file()))
            .map(|(n, _)| Compression::split(&n).1)
            .unwrap_or_default();
    }
    Compression::split(&file_name(path)).1
}

/// A matcher for one path part, shell-style (`*`, `?`, `[abc]`, `[a-z]`, `[!a]`), by the `glob`
/// crate DataFusion already uses; a pattern that is not a valid glob (an unclosed `[`) matches
/// itself literally.
fn matcher(pattern: &str) -> impl Fn(&str) -> bool + '_ {
    let compiled = glob::Pattern::new(pattern).ok();
    move |name: &str| match &compiled {
        Some(g) => g.matches(name),
        None => name == pattern,
    }
}

#[cfg(test)]
fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    matcher(std::str::from_utf8(pattern).unwrap())(std::str::from_utf8(name).unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"part-*.parquet", b"part-00000-abc.snappy.parquet"));
        assert!(!glob_match(b"part-*.parquet", b"part-0.csv"));
        assert!(glob_match(b"*", b"x"));
        assert!(glob_match(b"a?c", b"abc"));
        assert!(glob_match(b"[ab]x", b"bx") && !glob_match(b"[ab]x", b"cx"));
        assert!(glob_match(b"[!ab]x", b"cx") && !glob_match(b"[!ab]x", b"ax"));
        assert!(glob_match(b"f[0-9].csv", b"f7.csv") && !glob_match(b"f[0-9].csv", b"fa.csv"));
        assert!(glob_match(b"[x", b"[x"));
        assert!(glob_match(b"*a*a*a*b", &[b'a'; 30].iter().copied().chain([b'b']).collect::<Vec<_>>()));
        assert!(!glob_match(b"*a*a*a*b", &[b'a'; 3000]));
    }

    #[test]
    fn folders_skip_markers_and_hidden_files() {
        let d = tempfile::tempdir().unwrap();
        for f in ["part-1.csv", "part-0.csv", "_SUCCESS", ".part-0.csv.crc"] {
            std::fs::write(d.path().join(f), "x").unwrap();
        }
        std::fs::create_dir(d.path().join("sub")).unwrap();
        let files = expand(d.path()).unwrap();
        let names: Vec<String> = files.iter().map(|p| file_name(p)).collect();
        assert_eq!(names, ["part-0.csv", "part-1.csv"]);
        assert_eq!(format_name(d.path()), "part-0.csv");
        let g = expand(&d.path().join("*-1.csv")).unwrap();
        assert_eq!(g.len(), 1);
        let e = expand(&d.path().join("*.parquet")).unwrap_err().to_string();
        assert!(e.contains("*.parquet") && e.contains("no file matches"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        let e = expand(empty.path()).unwrap_err().to_string();
        assert!(e.contains("no data files"), "{e}");
    }

    #[test]
    fn compression_suffixes() {
        assert_eq!(Compression::split("Sales.CSV.gz"), (Compression::Gzip, "sales.csv".into()));
        assert_eq!(Compression::split("a.csv.zst").0, Compression::Zstd);
        assert_eq!(Compression::split("a.csv.bz2").0, Compression::Bzip2);
        assert_eq!(Compression::split("a.csv").0, Compression::None);
    }
}
