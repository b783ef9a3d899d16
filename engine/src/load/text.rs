//! Streaming, parallel reading of line-oriented text (optionally gzip-compressed).
//!
//! The file is read in blocks of whole lines; each block is cut into pieces at line boundaries
//! and the pieces are parsed in parallel by a format's `parse` function, which returns one part
//! per piece. Parts come back in file order, so results do not depend on the thread count.
//! Line numbers are exact (1-based, counting every line, comments included); `\r` before `\n`
//! is stripped, and so is a UTF-8 byte order mark at the start. Memory stays at about one block plus the parsed parts.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;

use crate::context::CancelToken;
use crate::error::{Error, Result};

const BLOCK: usize = 16 << 20;

/// The smallest block: a file of unknown size (gzip, a pipe) starts here and doubles per block
/// up to [`BLOCK`], so a small input costs no 16 MiB buffer (zeroing one was 56% of loading a small file).
const FIRST_BLOCK: usize = 64 << 10;

/// The longest line any text format accepts; a longer one (a file without newlines, or with
/// `\r` alone as the line end) is an error naming its line, not a hang.
pub const MAX_LINE: usize = 64 << 20;

/// The most vertices a graph can have (dense indices are `u32`, `u32::MAX` is reserved).
pub const MAX_VERTICES: u64 = u32::MAX as u64 - 1;

/// A line-oriented reader over a plain or gzip file.
pub struct TextReader {
    path: PathBuf,
    inner: BufReader<Box<dyn Read + Send>>,
    /// Number of lines consumed so far.
    line: u64,
    gz: bool,
    /// Size of the next block [`TextReader::parse_parallel`] reads: the whole file when its size
    /// is known and under [`BLOCK`], else growing from [`FIRST_BLOCK`] to [`BLOCK`].
    next_block: usize,
    /// Checked before each block: a cancelled load stops within one block.
    cancel: CancelToken,
}

/// An error inside a piece: the line (1-based, within the whole file) and the message.
pub type LineError = (u64, String);

impl TextReader {
    /// Opens `path`; gzip is detected by its magic bytes, not by the file name.
    pub fn open(path: &Path) -> Result<Self> {
        let f = File::open(path).map_err(|e| Error::io(path, e))?;
        // One byte past the end, so that the first read sees the end of the file.
        let len = f.metadata().map_or(0, |m| m.len()).saturating_add(1);
        Self::from_source(path, Box::new(f), len, true)
    }

    /// Opens the lines of an uncompressed file that start in bytes `start..end` (a split of a
    /// distributed read; see [`line_range`]): `start` and `end` must be line starts (or the
    /// file's length). Line numbers count from the range's first line; [`lines_before`] turns
    /// them into the file's.
    pub fn open_range(path: &Path, start: u64, end: u64) -> Result<Self> {
        use std::io::{Seek, SeekFrom};
        let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
        f.seek(SeekFrom::Start(start)).map_err(|e| Error::io(path, e))?;
        let len = end.saturating_sub(start);
        let mut r = Self::from_source(path, Box::new(f.take(len)), len.saturating_add(1), start == 0)?;
        r.gz = false;
        Ok(r)
    }

    /// `len`: the bytes to read plus one; `at_start`: the source starts the file (gzip is
    /// detected and a byte order mark dropped only there).
    fn from_source(path: &Path, mut f: Box<dyn Read + Send>, len: u64, at_start: bool) -> Result<Self> {
        if !at_start {
            let inner = BufReader::with_capacity(1 << 20, f);
            let next_block = len.clamp(FIRST_BLOCK as u64, BLOCK as u64) as usize;
            return Ok(TextReader {
                path: path.to_path_buf(),
                inner,
                line: 0,
                gz: false,
                next_block,
                cancel: CancelToken::default(),
            });
        }
        let mut magic = [0u8; 2];
        let n = read_fully(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
        let gz = n == 2 && magic == [0x1f, 0x8b];
        let head = std::io::Cursor::new(magic[..n].to_vec());
        let chained: Box<dyn Read + Send> = Box::new(head.chain(f));
        let mut decoded: Box<dyn Read + Send> = if gz { Box::new(MultiGzDecoder::new(chained)) } else { chained };
        // A UTF-8 byte order mark (Windows editors write one) is not part of the first line.
        let mut start = [0u8; 3];
        let k = read_fully(&mut decoded, &mut start).map_err(|e| {
            let what = if gz { "corrupt or truncated gzip data" } else { "read error" };
            Error::parse(path, 1, format!("{what}: {e}"))
        })?;
        let skip = if start[..k] == [0xEF, 0xBB, 0xBF] { 3 } else { 0 };
        let rest: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(start[skip..k].to_vec()).chain(decoded));
        let inner = BufReader::with_capacity(1 << 20, rest);
        let next_block = if gz { FIRST_BLOCK } else { len.clamp(FIRST_BLOCK as u64, BLOCK as u64) as usize };
        Ok(TextReader { path: path.to_path_buf(), inner, line: 0, gz, next_block, cancel: CancelToken::default() })
    }

    /// Numbers the lines as if `before` lines came first (a split of a file).
    pub fn after_lines(mut self, before: u64) -> Self {
        self.line = before;
        self
    }

    /// Stops reading (with `Error::Cancelled`) once `cancel` is cancelled.
    pub fn with_cancel(mut self, cancel: &CancelToken) -> Self {
        self.cancel = cancel.clone();
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The error for a line longer than [`MAX_LINE`] that starts at the next line.
    fn long_line(&self, start: &[u8]) -> Error {
        let hint = if start.contains(&b'\r') {
            "; the file seems to end lines with \\r alone (old Mac style): convert it to \\n"
        } else {
            ""
        };
        Error::parse(&self.path, self.line + 1, format!("line longer than {} MiB{hint}", MAX_LINE >> 20))
    }

    fn read_error(&self, e: std::io::Error) -> Error {
        let what = if self.gz { "corrupt or truncated gzip data" } else { "read error" };
        Error::parse(&self.path, self.line + 1, format!("{what}: {e}"))
    }

    /// Reads the next line (without `\r\n`), for headers read before the parallel part.
    /// Returns `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<(u64, String)>> {
        let mut buf = Vec::new();
        let n =
            (&mut self.inner).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf).map_err(|e| self.read_error(e))?;
        if n == 0 {
            return Ok(None);
        }
        if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
            return Err(self.long_line(&buf));
        }
        self.line += 1;
        let text = String::from_utf8(trim_eol(&buf).to_vec())
            .map_err(|_| Error::parse(&self.path, self.line, "line is not valid UTF-8"))?;
        Ok(Some((self.line, text)))
    }

    /// Parses the rest of the file in parallel. `parse(piece, first_line)` receives whole lines.
    pub fn parse_parallel<T, F>(&mut self, parse: F) -> Result<Vec<T>>
    where
        T: Send,
        F: Fn(&[u8], u64) -> std::result::Result<T, LineError> + Sync,
    {
        let mut parts = Vec::new();
        let mut block: Vec<u8> = Vec::new();
        let mut carry: Vec<u8> = Vec::new();
        loop {
            if self.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            block.clear();
            block.append(&mut carry);
            let start = block.len();
            // A carried long line gets a buffer twice its size (see below), else one block.
            block.resize(self.next_block.max(start * 2), 0);
            self.next_block = (self.next_block * 2).min(BLOCK);
            let mut filled = start;
            while filled < block.len() {
                let n = self.inner.read(&mut block[filled..]).map_err(|e| self.read_error(e))?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            let eof = filled < block.len();
            block.truncate(filled);
            if block.is_empty() {
                break;
            }
            // The line carried over from the last block (it starts the block) ends here or later.
            if start > 0 {
                let end = block[start..].iter().position(|&b| b == b'\n').map_or(block.len(), |p| start + p);
                if end > MAX_LINE {
                    return Err(self.long_line(&block[..end.min(MAX_LINE + 1)]));
                }
            }
            let last_nl = block.iter().rposition(|&b| b == b'\n');
            // The last line of the file, or the partial line carried on, is bounded too.
            let tail = block.len() - last_nl.map_or(0, |p| p + 1);
            if tail > MAX_LINE {
                let before = last_nl.map_or(0, |p| count_lines(&block[..=p]));
                self.line += before;
                return Err(self.long_line(&block[block.len() - tail..]));
            }
            // Keep a trailing partial line for the next block (unless at end of file).
            let cut = if eof { block.len() } else { last_nl.map_or(0, |p| p + 1) };
            if cut == 0 && !eof {
                // A single line longer than the block: keep it and read on into a buffer of
                // twice the size (linear time overall), up to the longest line allowed.
                if block.len() > MAX_LINE {
                    return Err(self.long_line(&block));
                }
                carry = std::mem::take(&mut block);
                block = Vec::with_capacity(carry.len() * 2);
                continue;
            }
            carry.extend_from_slice(&block[cut..]);
            let body = &block[..cut];
            let pieces = split_lines(body, rayon::current_num_threads() * 4);
            let first = self.line + 1;
            let counted: Vec<(T, u64)> = pieces
                .par_iter()
                .map(|&(lo, hi, lines_before)| {
                    let piece = &body[lo..hi];
                    parse(piece, first + lines_before).map(|t| (t, count_lines(piece)))
                })
                .collect::<std::result::Result<_, _>>()
                .map_err(|(line, msg)| {
                    // A `\r` inside a line means the file ends lines with `\r` alone: say so
                    // instead of reporting whatever the merged line looked like.
                    let text = body.split(|&b| b == b'\n').nth((line - first) as usize).unwrap_or_default();
                    let msg = if trim_eol(text).contains(&b'\r') {
                        format!("{msg}; the line holds a \\r: the file seems to end lines with \\r alone (old Mac style): convert it to \\n")
                    } else {
                        msg
                    };
                    Error::parse(&self.path, line, msg)
                })?;
            for (t, n) in counted {
                self.line += n;
                parts.push(t);
            }
            if eof {
                break;
            }
        }
        Ok(parts)
    }
}

fn read_fully(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Whether `path` can be read in byte ranges: a plain file (not gzip, by its magic bytes).
pub fn splittable(path: &Path) -> Result<bool> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = [0u8; 2];
    let n = read_fully(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
    Ok(!(n == 2 && magic == [0x1f, 0x8b]))
}

/// The start of the first line that starts at or after byte `pos` of a plain file of `len`
/// bytes (Hadoop's rule for text splits: a line belongs to the split its first byte is in).
/// So the splits `line_start(a)..line_start(b)` of consecutive byte ranges hold every line
/// once. An error if no line starts within [`MAX_LINE`] bytes (the line is too long anyway).
pub fn line_start(path: &Path, pos: u64, len: u64) -> Result<u64> {
    use std::io::{Seek, SeekFrom};
    if pos == 0 || pos >= len {
        return Ok(pos.min(len));
    }
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    f.seek(SeekFrom::Start(pos - 1)).map_err(|e| Error::io(path, e))?;
    let mut r = BufReader::with_capacity(1 << 16, f.take(MAX_LINE as u64 + 1));
    let mut skipped = 0u64;
    loop {
        let buf = r.fill_buf().map_err(|e| Error::io(path, e))?;
        if buf.is_empty() {
            break;
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            return Ok(pos - 1 + skipped + i as u64 + 1);
        }
        let k = buf.len();
        skipped += k as u64;
        r.consume(k);
    }
    if pos - 1 + skipped >= len {
        return Ok(len);
    }
    let line = lines_before(path, pos)? + 1;
    Err(Error::parse(path, line, format!("line longer than {} MiB", MAX_LINE >> 20)))
}

/// Lines that end before byte `pos` of a plain file (to turn a split's line numbers into the
/// file's; read on the error path only).
pub fn lines_before(path: &Path, pos: u64) -> Result<u64> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut r = BufReader::with_capacity(1 << 20, f.take(pos));
    let mut n = 0u64;
    loop {
        let buf = r.fill_buf().map_err(|e| Error::io(path, e))?;
        if buf.is_empty() {
            return Ok(n);
        }
        n += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let k = buf.len();
        r.consume(k);
    }
}

/// Lines in a piece: newlines, plus one for a final line without a newline.
fn count_lines(piece: &[u8]) -> u64 {
    let nl = piece.iter().filter(|&&b| b == b'\n').count() as u64;
    nl + u64::from(!piece.is_empty() && piece.last() != Some(&b'\n'))
}

/// Cuts `body` into about `k` pieces at line boundaries: (start, end, lines before start).
fn split_lines(body: &[u8], k: usize) -> Vec<(usize, usize, u64)> {
    let target = (body.len() / k.max(1)).max(1 << 16);
    let mut cuts = vec![0usize];
    let mut pos = 0;
    while pos + target < body.len() {
        match body[pos + target..].iter().position(|&b| b == b'\n') {
            Some(off) => {
                pos = pos + target + off + 1;
                if pos < body.len() {
                    cuts.push(pos);
                }
            }
            None => break,
        }
    }
    cuts.push(body.len());
    let counts: Vec<u64> = cuts.par_windows(2).map(|w| count_lines(&body[w[0]..w[1]])).collect();
    let mut before = 0;
    let mut out = Vec::with_capacity(counts.len());
    for (w, c) in cuts.windows(2).zip(counts) {
        out.push((w[0], w[1], before));
        before += c;
    }
    out
}

/// Strips a trailing `\n` and `\r`.
pub fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Iterates the lines of a piece with their 1-based line numbers.
pub fn lines(piece: &[u8], first_line: u64) -> impl Iterator<Item = (u64, &[u8])> {
    piece.split_inclusive(|&b| b == b'\n').enumerate().map(move |(i, l)| (first_line + i as u64, trim_eol(l)))
}

/// Splits a line on spaces and tabs.
pub fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b' ' || b == b'\t').filter(|t| !t.is_empty())
}

/// Shows a token in an error message (shortened if long).
pub fn show(tok: &[u8]) -> String {
    let s = String::from_utf8_lossy(tok);
    if s.chars().count() > 40 { format!("{}...", s.chars().take(40).collect::<String>()) } else { s.into_owned() }
}

/// Parses a decimal 64-bit integer id.
pub fn parse_i64(tok: &[u8]) -> std::result::Result<i64, String> {
    let (neg, digits) = match tok.first() {
        Some(b'-') => (true, &tok[1..]),
        Some(b'+') => (false, &tok[1..]),
        _ => (false, tok),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(format!("expected an integer id, found '{}'", show(tok)));
    }
    let mut v: i64 = 0;
    for &d in digits {
        let digit = (d - b'0') as i64;
        v = v
            .checked_mul(10)
            .and_then(|v| if neg { v.checked_sub(digit) } else { v.checked_add(digit) })
            .ok_or_else(|| format!("id '{}' does not fit in a 64-bit integer", show(tok)))?;
    }
    Ok(v)
}

/// Parses a real number (weights).
pub fn parse_f64(tok: &[u8]) -> std::result::Result<f64, String> {
    std::str::from_utf8(tok)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| format!("expected a number, found '{}'", show(tok)))
}

/// Parsed pieces of a counted edge file (Matrix Market, DIMACS): endpoints and weights.
pub type EdgeParts = Vec<(Vec<i64>, Vec<i64>, Vec<f64>)>;

/// Concatenates parsed pieces and checks the edge count a header line announced.
pub fn join_counted(
    path: &Path,
    parts: EdgeParts,
    header: &str,
    header_line: u64,
    announced: i64,
    what: &str,
) -> Result<(Vec<i64>, Vec<i64>, Vec<f64>)> {
    let (mut src, mut dst, mut weight) = (Vec::new(), Vec::new(), Vec::new());
    for (s, d, w) in parts {
        src.extend(s);
        dst.extend(d);
        weight.extend(w);
    }
    if src.len() as i64 != announced {
        return Err(Error::Input(format!(
            "{}: the {header} (line {header_line}) announces {announced} {what}, the file has {}",
            display(path),
            src.len()
        )));
    }
    Ok((src, dst, weight))
}

/// Vertices a header may declare whatever the file's size (isolated ones included).
pub const FREE_DECLARED_VERTICES: u64 = 1 << 20;
/// Beyond [`FREE_DECLARED_VERTICES`], vertices a header may declare per byte of the file (a
/// compressed one included): real files list most of their vertices in arcs of several bytes.
pub const DECLARED_VERTICES_PER_BYTE: u64 = 64;

/// Checks a vertex count a file declares (a Matrix Market size line, a DIMACS problem line)
/// and allocates the ids `1..=n` fallibly: a huge count is an error naming the line, never an
/// abort.
pub fn declared_vertices(path: &Path, line: u64, n: i64) -> Result<Vec<i64>> {
    if n < 0 || n as u64 > MAX_VERTICES {
        return Err(Error::parse(
            path,
            line,
            format!("declares {n} vertices; Ember handles from 0 to {MAX_VERTICES} vertices"),
        ));
    }
    // Vertices beyond those the arcs touch are isolated; a header may declare some, but a count
    // far beyond what the file could describe is a corrupt header (a 105-byte file declaring
    // 595 million vertices would make Ember build gigabytes of arrays for it).
    if let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
        && n as u64 > FREE_DECLARED_VERTICES + DECLARED_VERTICES_PER_BYTE * meta.len()
    {
        return Err(Error::parse(
            path,
            line,
            format!(
                "declares {n} vertices, which a file of {} bytes cannot describe (at most {} vertices \
                 per byte beyond the first {FREE_DECLARED_VERTICES}); the header looks corrupt",
                meta.len(),
                DECLARED_VERTICES_PER_BYTE
            ),
        ));
    }
    // Building a graph keeps about this much per vertex (original id, dictionary, dense
    // arrays); an allocation of that size on an overcommitting OS "succeeds" and the process is
    // killed later, so the need is compared with the memory the OS says is available.
    const BYTES_PER_VERTEX: f64 = 32.0;
    let need = n as f64 * BYTES_PER_VERTEX;
    let gib = |b: f64| b / (1u64 << 30) as f64;
    if let Some(avail) = available_memory()
        && need > avail as f64
    {
        return Err(Error::parse(
            path,
            line,
            format!(
                "declares {n} vertices, which need about {:.1} GiB; {:.1} GiB of memory is available",
                gib(need),
                gib(avail as f64)
            ),
        ));
    }
    let mut ids: Vec<i64> = Vec::new();
    ids.try_reserve_exact(n as usize).map_err(|_| {
        Error::parse(
            path,
            line,
            format!("declares {n} vertices: not enough memory for their ids ({:.1} GiB)", gib(need)),
        )
    })?;
    ids.extend(1..=n);
    Ok(ids)
}

/// Memory available to this process (Linux: `MemAvailable` plus free swap), if known.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<u64> {
        let l = info.lines().find(|l| l.starts_with(name))?;
        Some(l.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
    };
    Some(field("MemAvailable:")? + field("SwapFree:").unwrap_or(0))
}

/// A path for messages.
pub fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_i64(b"-12"), Ok(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Ok(i64::MAX));
        assert!(parse_i64(b"9223372036854775808").unwrap_err().contains("does not fit"));
        assert!(parse_i64(b"1x").unwrap_err().contains("expected an integer id, found '1x'"));
    }

    #[test]
    fn pieces_cover_body_with_line_counts() {
        let body: Vec<u8> = (0..100_000).flat_map(|i| format!("{i} {i}\n").into_bytes()).collect();
        let pieces = split_lines(&body, 8);
        assert!(pieces.len() > 1);
        assert_eq!(pieces.first().unwrap().0, 0);
        assert_eq!(pieces.last().unwrap().1, body.len());
        for w in pieces.windows(2) {
            assert_eq!(w[0].1, w[1].0);
            assert_eq!(w[1].2 - w[0].2, count_lines(&body[w[0].0..w[0].1]));
        }
    }
}
