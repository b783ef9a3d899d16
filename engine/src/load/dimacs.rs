//! DIMACS shortest-path files (`.gr`, 9th challenge): `c` comment lines, one problem line
//! `p sp N M`, then `a u v w` arcs between vertex ids 1..=N. Directed and weighted.

use std::path::Path;

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::graph::EdgeList;
use crate::ids::IdColumn;
use crate::load::text::{self, TextReader};

pub fn read(path: &Path, cancel: &CancelToken) -> Result<EdgeList> {
    let mut r = TextReader::open(path)?.with_cancel(cancel);
    let (p_line, p) = loop {
        match r.next_line()? {
            None => return Err(Error::Input(format!("{}: no 'p sp N M' problem line", text::display(path)))),
            Some((_, l)) if l.trim().is_empty() || l.starts_with('c') => continue,
            Some(x) => break x,
        }
    };
    let toks: Vec<&str> = p.split_whitespace().collect();
    let parse = |t: &str| text::parse_i64(t.as_bytes()).map_err(|m| Error::parse(path, p_line, m));
    let (n, m) = match toks[..] {
        ["p", "sp", n, m] => (parse(n)?, parse(m)?),
        _ => return Err(Error::parse(path, p_line, format!("expected 'p sp N M', found '{p}'"))),
    };
    // Checked (and allocated) before the arcs are read: a problem line can claim anything.
    let vertices = text::declared_vertices(path, p_line, n)?;
    let parts = r.parse_parallel(|piece, first| {
        let (mut s, mut d, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for (line_no, line) in text::lines(piece, first) {
            let toks: Vec<&[u8]> = text::tokens(line).collect();
            match toks.first().copied() {
                None | Some(b"c") => continue,
                Some(b"a") if toks.len() == 4 => {
                    for (t, out) in toks[1..3].iter().zip([&mut s, &mut d]) {
                        let v = text::parse_i64(t).map_err(|msg| (line_no, msg))?;
                        if v < 1 || v > n {
                            return Err((line_no, format!("vertex {v} is outside 1..={n}")));
                        }
                        out.push(v);
                    }
                    w.push(text::parse_f64(toks[3]).map_err(|msg| (line_no, msg))?);
                }
                Some(b"a") => return Err((line_no, "expected 'a u v w'".to_string())),
                Some(other) => return Err((line_no, format!("unexpected line type '{}'", text::show(other)))),
            }
        }
        Ok((s, d, w))
    })?;
    let (src, dst, weight) = text::join_counted(path, parts, "problem line", p_line, m, "arcs")?;
    Ok(EdgeList {
        src: IdColumn::Int(src),
        dst: IdColumn::Int(dst),
        weight: Some(weight),
        vertices: Some(IdColumn::Int(vertices)),
        directed: Some(true),
    })
}
