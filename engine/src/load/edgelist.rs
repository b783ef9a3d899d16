//! Whitespace-separated edge lists: SNAP (`#` comments, tab or space separated, `.gz`), LDBC
//! Graphalytics `.e`/`.v` files, and plain vertex-id lists.
//!
//! An edge line is `src dst [weight]`; the first data line fixes the column count and every
//! other line must match it. Blank lines and comment lines are skipped.

use std::path::Path;

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::graph::EdgeList;
use crate::ids::IdColumn;
use crate::load::text::{self, LineError, TextReader};

#[derive(Default)]
struct Part {
    src: Vec<i64>,
    dst: Vec<i64>,
    weight: Vec<f64>,
    /// (line, column count) of the first data line of the piece.
    first: Option<(u64, usize)>,
}

fn parse_piece(piece: &[u8], first_line: u64, comment: u8) -> std::result::Result<Part, LineError> {
    let mut part = Part::default();
    for (line_no, line) in text::lines(piece, first_line) {
        if line.first() == Some(&comment) {
            continue;
        }
        let mut toks = text::tokens(line);
        let Some(a) = toks.next() else { continue };
        let b = toks.next().ok_or_else(|| (line_no, "expected 'src dst', found one column".to_string()))?;
        let w = toks.next();
        if let Some(extra) = toks.next() {
            return Err((
                line_no,
                format!("expected 'src dst [weight]', found an extra column '{}'", text::show(extra)),
            ));
        }
        let ncols = 2 + usize::from(w.is_some());
        match part.first {
            None => part.first = Some((line_no, ncols)),
            Some((l0, n0)) if n0 != ncols => {
                return Err((line_no, format!("expected {n0} columns as on line {l0}, found {ncols}")));
            }
            _ => {}
        }
        part.src.push(text::parse_i64(a).map_err(|m| (line_no, m))?);
        part.dst.push(text::parse_i64(b).map_err(|m| (line_no, m))?);
        if let Some(w) = w {
            part.weight.push(text::parse_f64(w).map_err(|m| (line_no, m))?);
        }
    }
    Ok(part)
}

/// Reads a SNAP-style (or LDBC `.e`) edge list. A third column becomes the edge weight.
/// A file without edges is an error.
pub fn read_edge_list(path: &Path, cancel: &CancelToken) -> Result<EdgeList> {
    let list = read_edge_list_or_empty(path, cancel)?;
    if list.src.is_empty() {
        return Err(Error::Input(format!("{}: the file has no edges", text::display(path))));
    }
    Ok(list)
}

/// Reads several edge-list files (part files) as one list, in the order given; each file's
/// errors name that file. All files must agree on the column count.
pub fn read_edge_lists(paths: &[std::path::PathBuf], cancel: &CancelToken) -> Result<EdgeList> {
    let [first, rest @ ..] = paths else {
        return Err(Error::Internal("no files to read".into()));
    };
    let mut list = read_edge_list_or_empty(first, cancel)?;
    for p in rest {
        let more = read_edge_list_or_empty(p, cancel)?;
        if more.src.is_empty() {
            continue;
        }
        if list.src.is_empty() {
            list = more;
            continue;
        }
        if more.weight.is_some() != list.weight.is_some() {
            let n = |l: &EdgeList| 2 + usize::from(l.weight.is_some());
            return Err(Error::Input(format!(
                "{}: {} columns, but {} has {}",
                text::display(p),
                n(&more),
                text::display(first),
                n(&list)
            )));
        }
        for (to, from) in [(&mut list.src, more.src), (&mut list.dst, more.dst)] {
            // Text edge lists hold integer ids only (this module builds them).
            match (to, from) {
                (IdColumn::Int(to), IdColumn::Int(from)) => to.extend(from),
                _ => return Err(Error::Internal("text edge lists have integer ids".into())),
            }
        }
        if let (Some(w), Some(mw)) = (list.weight.as_mut(), more.weight) {
            w.extend(mw);
        }
    }
    if list.src.is_empty() {
        let what = if paths.len() == 1 { "the file has" } else { "the files have" };
        return Err(Error::Input(format!("{}: {what} no edges", text::display(first))));
    }
    Ok(list)
}

/// Like [`read_edge_list`], but a file without edges gives an empty list (LDBC graphs may
/// have isolated vertices only).
pub fn read_edge_list_or_empty(path: &Path, cancel: &CancelToken) -> Result<EdgeList> {
    Ok(read_from(TextReader::open(path)?.with_cancel(cancel), path)?.0)
}

/// Reads the lines of an uncompressed edge-list file that start in bytes `start..end` (line
/// starts, from [`text::line_start`]): one worker's split of a distributed read. Also returns
/// the line (counted from the split's start) and column count of the split's first edge line,
/// so that the workers can check they agree. Errors name the file's own line numbers.
pub fn read_edge_range(
    path: &Path,
    start: u64,
    end: u64,
    cancel: &CancelToken,
) -> Result<(EdgeList, Option<(u64, usize)>)> {
    let read = |before: u64| {
        TextReader::open_range(path, start, end)
            .and_then(|r| read_from(r.with_cancel(cancel).after_lines(before), path))
    };
    match read(0) {
        // Line numbers of the file: counting the lines before the split costs a read of
        // everything before it, so it is done on the error path only.
        Err(Error::Parse { .. }) if start > 0 => read(text::lines_before(path, start)?),
        other => other,
    }
}

/// Like [`read_edge_list_or_empty`], also returning the line and column count of the file's
/// first edge line.
pub fn read_edge_file(path: &Path, cancel: &CancelToken) -> Result<(EdgeList, Option<(u64, usize)>)> {
    read_from(TextReader::open(path)?.with_cancel(cancel), path)
}

/// The edges of `r`, and the line and column count of its first edge line.
fn read_from(mut r: TextReader, path: &Path) -> Result<(EdgeList, Option<(u64, usize)>)> {
    let parts = r.parse_parallel(|piece, first| parse_piece(piece, first, b'#'))?;
    let mut first: Option<(u64, usize)> = None;
    for p in &parts {
        match (first, p.first) {
            (None, f) => first = f,
            (Some((l0, n0)), Some((l, n))) if n != n0 => {
                return Err(Error::parse(path, l, format!("expected {n0} columns as on line {l0}, found {n}")));
            }
            _ => {}
        }
    }
    let ncols = first.map_or(2, |(_, n)| n);
    let total: usize = parts.iter().map(|p| p.src.len()).sum();
    let mut src = Vec::with_capacity(total);
    let mut dst = Vec::with_capacity(total);
    let mut weight = Vec::with_capacity(if ncols == 3 { total } else { 0 });
    for p in parts {
        src.extend_from_slice(&p.src);
        dst.extend_from_slice(&p.dst);
        weight.extend_from_slice(&p.weight);
    }
    let list = EdgeList {
        src: IdColumn::Int(src),
        dst: IdColumn::Int(dst),
        weight: (ncols == 3).then_some(weight),
        vertices: None,
        directed: None,
    };
    Ok((list, first))
}

/// Reads a vertex file: one integer id per line (`#` comments and blank lines skipped).
pub fn read_vertex_ids(path: &Path, cancel: &CancelToken) -> Result<Vec<i64>> {
    let mut r = TextReader::open(path)?.with_cancel(cancel);
    let parts = r.parse_parallel(|piece, first| {
        let mut ids = Vec::new();
        for (line_no, line) in text::lines(piece, first) {
            if line.first() == Some(&b'#') {
                continue;
            }
            let mut toks = text::tokens(line);
            let Some(t) = toks.next() else { continue };
            if let Some(extra) = toks.next() {
                return Err((
                    line_no,
                    format!("expected one vertex id, found an extra column '{}'", text::show(extra)),
                ));
            }
            ids.push(text::parse_i64(t).map_err(|m| (line_no, m))?);
        }
        Ok(ids)
    })?;
    Ok(parts.concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content).unwrap();
        f
    }

    #[test]
    fn snap_with_comments_crlf_tabs_and_spaces() {
        let f = file(b"# comment\r\n1\t2\r\n\r\n3 4\r\n5  6");
        let l = read_edge_list(f.path(), &CancelToken::default()).unwrap();
        let IdColumn::Int(s) = l.src else { panic!() };
        assert_eq!(s, vec![1, 3, 5]);
        assert!(l.weight.is_none());
    }

    #[test]
    fn bad_token_names_the_line() {
        let f = file(b"# c\n1 2\n3 x\n");
        let e = read_edge_list(f.path(), &CancelToken::default()).unwrap_err().to_string();
        assert!(e.ends_with(":3: expected an integer id, found 'x'"), "{e}");
    }

    #[test]
    fn column_count_must_agree() {
        let f = file(b"1 2 0.5\n3 4\n");
        let e = read_edge_list(f.path(), &CancelToken::default()).unwrap_err().to_string();
        assert!(e.ends_with(":2: expected 3 columns as on line 1, found 2"), "{e}");
    }
}
