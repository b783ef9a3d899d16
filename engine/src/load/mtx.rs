//! Matrix Market coordinate files (`.mtx`) as graphs: entry (i, j) is an edge i -> j between
//! 1-based vertex ids; the vertices are 1..=n (isolated ones included). `general` matrices are
//! directed graphs, `symmetric` (and `skew-symmetric`) ones undirected with each stored entry
//! one edge. `real`/`integer` values are edge weights; `pattern` has none.

use std::path::Path;

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::graph::EdgeList;
use crate::ids::IdColumn;
use crate::load::text::{self, TextReader};

pub fn read(path: &Path, cancel: &CancelToken) -> Result<EdgeList> {
    let mut r = TextReader::open(path)?.with_cancel(cancel);
    let (_, header) =
        r.next_line()?.ok_or_else(|| Error::Input(format!("{}: the file is empty", text::display(path))))?;
    let h: Vec<String> = header.split_whitespace().map(|s| s.to_ascii_lowercase()).collect();
    if h.len() != 5 || h[0] != "%%matrixmarket" || h[1] != "matrix" {
        return Err(Error::parse(path, 1, format!("expected a '%%MatrixMarket matrix ...' header, found '{header}'")));
    }
    if h[2] != "coordinate" {
        return Err(Error::parse(path, 1, format!("only 'coordinate' matrices are graphs, found '{}'", h[2])));
    }
    let weighted = match h[3].as_str() {
        "real" | "integer" | "double" => true,
        "pattern" => false,
        other => return Err(Error::parse(path, 1, format!("unsupported value type '{other}'"))),
    };
    let directed = match h[4].as_str() {
        "general" => true,
        "symmetric" | "skew-symmetric" => false,
        other => return Err(Error::parse(path, 1, format!("unsupported symmetry '{other}'"))),
    };
    let (size_line, size) = loop {
        match r.next_line()? {
            None => return Err(Error::Input(format!("{}: no size line", text::display(path)))),
            Some((_, l)) if l.trim().is_empty() || l.starts_with('%') => continue,
            Some(x) => break x,
        }
    };
    let nums: Vec<i64> = size
        .split_whitespace()
        .map(|t| text::parse_i64(t.as_bytes()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|m| Error::parse(path, size_line, m))?;
    let [rows, cols, nnz] = nums[..] else {
        return Err(Error::parse(path, size_line, format!("expected 'rows cols entries', found '{size}'")));
    };
    if rows < 0 || cols < 0 || nnz < 0 {
        return Err(Error::parse(path, size_line, format!("sizes must not be negative, found '{size}'")));
    }
    if rows != cols {
        return Err(Error::parse(path, size_line, format!("a graph needs a square matrix, found {rows} x {cols}")));
    }
    let n = rows;
    // Checked (and allocated) before the entries are read: a size line can claim anything.
    let vertices = text::declared_vertices(path, size_line, n)?;
    let parts = r.parse_parallel(|piece, first| {
        let (mut s, mut d, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for (line_no, line) in text::lines(piece, first) {
            if line.first() == Some(&b'%') {
                continue;
            }
            let toks: Vec<&[u8]> = text::tokens(line).collect();
            if toks.is_empty() {
                continue;
            }
            let want = 2 + usize::from(weighted);
            if toks.len() != want {
                return Err((line_no, format!("expected {want} columns, found {}", toks.len())));
            }
            for (t, out) in toks[..2].iter().zip([&mut s, &mut d]) {
                let v = text::parse_i64(t).map_err(|m| (line_no, m))?;
                if v < 1 || v > n {
                    return Err((line_no, format!("index {v} is outside 1..={n}")));
                }
                out.push(v);
            }
            if weighted {
                w.push(text::parse_f64(toks[2]).map_err(|m| (line_no, m))?);
            }
        }
        Ok((s, d, w))
    })?;
    let (src, dst, weight) = text::join_counted(path, parts, "size line", size_line, nnz, "entries")?;
    Ok(EdgeList {
        src: IdColumn::Int(src),
        dst: IdColumn::Int(dst),
        weight: weighted.then_some(weight),
        vertices: Some(IdColumn::Int(vertices)),
        directed: Some(directed),
    })
}
