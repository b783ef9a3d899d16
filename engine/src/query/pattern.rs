//! GraphFrames' motif pattern language, parsed into terms that [`super::motif`] compiles.
//!
//! ```text
//! (a)-[e]->(b); (b)-[e2]->(a)      edges, joined where names repeat
//! (a)-[]->(b); !(b)-[]->(a)        anonymous elements; a negated term (no such edge)
//! (a)<-[e]-(b)   (a)<-[e]->(b)     reversed; both directions (edges e1 and e2)
//! (a)-[e]-(b)                      either direction (columns _pattern and _direction)
//! (a)-[e*3]->(b)                   a chain of 3 edges (_e1.._e3 through _ab1, _ab2)
//! (a)-[e*1..3]->(b)  (a)-[*2]-(b)  every length in a range: the pattern's only term
//! ```
//!
//! The rules are GraphFrames 0.12's (`org.graphframes.pattern`): names are `[A-Za-z0-9_]+`;
//! a name is a vertex or an edge, not both; an edge name appears once; a negated term names
//! no edge; a term must name something (`()-[]->()` and a lone `()` are refused). Ember is
//! lenient where GraphFrames fails on form alone: spaces may appear between any tokens, and
//! negated terms may come before the terms that bind their vertices. Negation of a term with a
//! length (`*N`) is refused rather than expanded. Every error names the column (1-based,
//! in characters) of the offending term or token.
//!
//! Invariant of the output: reversed, bidirectional and fixed-length edges are rewritten away,
//! so a [`Shape::Terms`] holds only directed edges, undirected single edges, lone named
//! vertices and negated anonymous edges.

use crate::error::{Error, Result};

/// The longest chain a `*N` or `*M..N` term may ask for (each step is a join in the plan).
pub const MAX_LENGTH: u32 = 32;
/// The most edge terms a pattern may have after expansion.
pub const MAX_TERMS: usize = 64;

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub shape: Shape,
}

/// What a pattern asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Terms joined together.
    Terms(Vec<Term>),
    /// `(src)-[edge*min..max]->(dst)` (`directed: false` for `-(dst)`: both directions): the
    /// union of the fixed-length patterns, with `_hop`, `_pattern` and `_direction` columns.
    VarLength { src: Option<String>, edge: Option<String>, min: u32, max: u32, directed: bool, dst: Option<String> },
}

/// One term of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `(a)`: every vertex, unless `a` is bound by another term.
    Vertex(String),
    /// `(a)-[e]->(b)`.
    Edge(Edge),
    /// `(a)-[e]-(b)`: the edge in either direction.
    Undirected(Edge),
    /// `!(a)-[]->(b)`: no such edge.
    Not(Edge),
}

/// An edge term's names (`None`: anonymous).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub name: Option<String>,
    pub src: Option<String>,
    pub dst: Option<String>,
}

impl Edge {
    pub fn reversed(&self) -> Edge {
        Edge { name: self.name.clone(), src: self.dst.clone(), dst: self.src.clone() }
    }
}

/// The named elements in the order they first appear (source, edge, destination), as the
/// result's columns, with `_pattern`/`_direction` after an undirected edge. Vertices that
/// only a `*N` expansion of two anonymous ends introduced (`__tmpv1`, ...) are left out.
pub fn result_columns(terms: &[Term]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let add = |n: &Option<String>, out: &mut Vec<String>| {
        if let Some(n) = n
            && !out.contains(n)
        {
            out.push(n.clone());
        }
    };
    for t in terms {
        match t {
            Term::Vertex(v) => add(&Some(v.clone()), &mut out),
            Term::Edge(e) | Term::Not(e) => {
                add(&e.src, &mut out);
                add(&e.name, &mut out);
                add(&e.dst, &mut out);
            }
            Term::Undirected(e) => {
                add(&e.src, &mut out);
                add(&e.name, &mut out);
                add(&e.dst, &mut out);
                add(&Some("_pattern".into()), &mut out);
                add(&Some("_direction".into()), &mut out);
            }
        }
    }
    out.retain(|n| !n.starts_with("__tmpv"));
    out
}

/// `(src)-[name*hops]->(dst)` as a chain of `hops` edges, named as GraphFrames names them:
/// middle vertices `_{src}{dst}{i}` (`__tmpv{i}` when both ends are anonymous), edges
/// `_{name}{i}` (anonymous when the edge is).
pub fn chain(src: &Option<String>, name: &Option<String>, hops: u32, dst: &Option<String>) -> Vec<Edge> {
    let (s, d) = (src.clone().unwrap_or_default(), dst.clone().unwrap_or_default());
    let mid =
        |i: u32| -> String { if s.is_empty() && d.is_empty() { format!("__tmpv{i}") } else { format!("_{s}{d}{i}") } };
    let mut vertices: Vec<Option<String>> = vec![src.clone()];
    vertices.extend((1..hops).map(|i| Some(mid(i))));
    vertices.push(dst.clone());
    vertices
        .windows(2)
        .enumerate()
        .map(|(i, w)| Edge {
            name: name.as_ref().map(|n| format!("_{n}{}", i + 1)),
            src: w[0].clone(),
            dst: w[1].clone(),
        })
        .collect()
}

/// A term as written, before rewriting.
#[derive(Debug)]
struct RawTerm {
    column: usize,
    negated: bool,
    src: Option<String>,
    link: Option<Link>,
    dst: Option<String>,
}

#[derive(Debug)]
struct Link {
    /// `<-[` at the start.
    incoming: bool,
    /// `]->` at the end.
    outgoing: bool,
    name: Option<String>,
    hops: Option<Hops>,
}

#[derive(Debug)]
struct Hops {
    column: usize,
    min: Option<u32>,
    /// `Some(max)` for `*min..max`; `None` for `*n`.
    range: Option<Option<u32>>,
}

struct Lexer<'a> {
    pattern: &'a str,
    chars: Vec<char>,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn err(&self, column: usize, msg: impl Into<String>) -> Error {
        pattern_error(self.pattern, column, msg)
    }
    fn skip_ws(&mut self) {
        while self.pos < self.chars.len() && self.chars[self.pos].is_whitespace() {
            self.pos += 1;
        }
    }
    fn column(&self) -> usize {
        self.pos + 1
    }
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn at(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }
    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.at(s) {
            self.pos += s.chars().count();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, s: &str, what: &str) -> Result<()> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(self.err(self.column(), format!("expected {what}, found {}", self.found())))
        }
    }
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the pattern".into(),
            Some(c) => format!("'{c}'"),
        }
    }
    fn name(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        (self.pos > start).then(|| self.chars[start..self.pos].iter().collect())
    }
    fn number(&mut self) -> Result<Option<u32>> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            return Ok(None);
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        text.parse::<u32>().map(Some).map_err(|_| self.err(start + 1, format!("length {text} is too large")))
    }
    fn vertex(&mut self) -> Result<Option<String>> {
        self.expect("(", "'(' starting a vertex")?;
        let name = self.name();
        self.expect(")", "a vertex name ([A-Za-z0-9_]) or ')'")?;
        Ok(name)
    }
    fn term(&mut self) -> Result<RawTerm> {
        self.skip_ws();
        let column = self.column();
        let negated = self.eat("!");
        let src = self.vertex()?;
        self.skip_ws();
        let incoming = self.at("<-");
        if !(incoming || self.at("-")) {
            return Ok(RawTerm { column, negated, src, link: None, dst: None });
        }
        self.pos += if incoming { 2 } else { 1 };
        self.expect("[", "'[' starting an edge")?;
        let name = self.name();
        self.skip_ws();
        let hops = if self.at("*") {
            let hc = self.column();
            self.pos += 1;
            let min = self.number()?;
            let range = if self.eat("..") { Some(self.number()?) } else { None };
            if min.is_none() && range.is_none() {
                return Err(self.err(hc, "expected a length after '*' (as in *2 or *1..3)"));
            }
            Some(Hops { column: hc, min, range })
        } else {
            None
        };
        self.expect("]", "an edge name ([A-Za-z0-9_]), '*' or ']'")?;
        self.skip_ws();
        let outgoing = if self.at("->") {
            self.pos += 2;
            true
        } else if self.at("-") {
            self.pos += 1;
            false
        } else {
            return Err(self.err(self.column(), format!("expected '->' or '-' after ']', found {}", self.found())));
        };
        let dst = self.vertex()?;
        Ok(RawTerm { column, negated, src, link: Some(Link { incoming, outgoing, name, hops }), dst })
    }
}

fn pattern_error(pattern: &str, column: usize, msg: impl Into<String>) -> Error {
    Error::Pattern { pattern: pattern.to_string(), column, message: msg.into() }
}

/// Parses a pattern.
pub fn parse(pattern: &str) -> Result<Pattern> {
    let mut lx = Lexer { pattern, chars: pattern.chars().collect(), pos: 0 };
    let mut raw = Vec::new();
    loop {
        raw.push(lx.term()?);
        lx.skip_ws();
        match lx.peek() {
            None => break,
            Some(';') => {
                lx.pos += 1;
                lx.skip_ws();
                if lx.peek().is_none() {
                    break; // a trailing ';'
                }
            }
            Some(_) => return Err(lx.err(lx.column(), format!("expected ';' or the end, found {}", lx.found()))),
        }
    }
    let err = |column: usize, msg: &str| pattern_error(pattern, column, msg);

    // A term with a length range (or an undirected one with a length) is a pattern of its own.
    for t in &raw {
        let Some(link) = &t.link else { continue };
        let Some(h) = &link.hops else { continue };
        let ranged = h.range.is_some() || !link.outgoing && !link.incoming;
        if !ranged {
            continue;
        }
        if t.negated {
            return Err(err(t.column, "negation is not supported for a variable-length or undirected pattern"));
        }
        if link.incoming {
            return Err(err(t.column, "a variable-length pattern is written (a)-[e*1..3]->(b) or (a)-[e*1..3]-(b)"));
        }
        if raw.len() > 1 {
            return Err(err(
                t.column,
                "a variable-length or undirected fixed-length term must be the pattern's only term",
            ));
        }
        let (min, max) = match (h.min, h.range) {
            (Some(n), None) => (n, n),
            (Some(a), Some(Some(b))) => (a, b),
            _ => return Err(err(h.column, "unbounded length patterns are not supported; give both ends, as in *1..3")),
        };
        if min == 0 {
            return Err(err(h.column, "the length must be at least 1"));
        }
        if min > max {
            return Err(err(h.column, &format!("the length range {min}..{max} is empty")));
        }
        if max > MAX_LENGTH {
            return Err(err(h.column, &format!("lengths above {MAX_LENGTH} are not supported (each step is a join)")));
        }
        return Ok(Pattern {
            shape: Shape::VarLength {
                src: t.src.clone(),
                edge: link.name.clone(),
                min,
                max,
                directed: link.outgoing,
                dst: t.dst.clone(),
            },
        });
    }

    // Rewrite into directed, undirected, negated and vertex terms, each with its column.
    let mut terms: Vec<(Term, usize)> = Vec::new();
    for t in raw {
        let Some(link) = t.link else {
            match (t.negated, t.src) {
                (true, _) => return Err(err(t.column, "only an edge can be negated, as in !(a)-[]->(b)")),
                (false, None) => {
                    return Err(err(
                        t.column,
                        "a lone anonymous vertex () matches nothing in particular; name it, as in (a)",
                    ));
                }
                (false, Some(v)) => terms.push((Term::Vertex(v), t.column)),
            }
            continue;
        };
        let edge = Edge { name: link.name.clone(), src: t.src.clone(), dst: t.dst.clone() };
        let hops = link.hops.as_ref().and_then(|h| h.min).unwrap_or(1);
        if let Some(h) = &link.hops
            && hops == 0
        {
            return Err(err(h.column, "the length must be at least 1"));
        }
        if let Some(h) = &link.hops
            && hops > MAX_LENGTH
        {
            return Err(err(h.column, &format!("lengths above {MAX_LENGTH} are not supported (each step is a join)")));
        }
        if link.hops.is_some() && t.negated {
            return Err(err(t.column, "negation is not supported for a pattern with a length (*N)"));
        }
        let directed: Vec<Edge> = match (link.incoming, link.outgoing) {
            (false, true) => vec![edge],
            (true, false) => vec![edge.reversed()],
            (true, true) => {
                if t.negated {
                    return Err(err(t.column, "negation is not supported for a bidirectional pattern (a)<-[]->(b)"));
                }
                match (&edge.name, link.hops.is_some()) {
                    (Some(n), false) => vec![
                        Edge { name: Some(format!("{n}1")), ..edge.clone() },
                        Edge { name: Some(format!("{n}2")), ..edge.reversed() },
                    ],
                    _ => vec![edge.clone(), edge.reversed()],
                }
            }
            (false, false) => {
                if t.negated {
                    return Err(err(t.column, "negation is not supported for an undirected pattern (a)-[]-(b)"));
                }
                if edge.src.is_none() && edge.dst.is_none() && edge.name.is_none() {
                    return Err(err(t.column, "the term ()-[]-() names nothing; name a vertex or the edge"));
                }
                terms.push((Term::Undirected(edge), t.column));
                continue;
            }
        };
        for e in directed {
            let pieces = if link.hops.is_some() { chain(&e.src, &e.name, hops, &e.dst) } else { vec![e] };
            for p in pieces {
                terms.push((if t.negated { Term::Not(p) } else { Term::Edge(p) }, t.column));
            }
        }
    }
    if terms.len() > MAX_TERMS {
        return Err(err(1, &format!("{} terms after expansion; at most {MAX_TERMS} are supported", terms.len())));
    }
    validate(pattern, &terms)?;
    Ok(Pattern { shape: Shape::Terms(terms.into_iter().map(|(t, _)| t).collect()) })
}

/// GraphFrames' checks: a term names something, negated terms name no edge, a name is a
/// vertex or an edge, and an edge name appears once.
fn validate(pattern: &str, terms: &[(Term, usize)]) -> Result<()> {
    let mut vertices: Vec<&str> = Vec::new();
    let mut edges: Vec<&str> = Vec::new();
    for (t, column) in terms {
        let err = |msg: String| pattern_error(pattern, *column, msg);
        let e = match t {
            Term::Vertex(v) => {
                if edges.contains(&v.as_str()) {
                    return Err(err(format!("'{v}' names both a vertex and an edge")));
                }
                vertices.push(v);
                continue;
            }
            Term::Not(e) => {
                if let Some(n) = &e.name {
                    return Err(err(format!(
                        "a negated term cannot name its edge ('{n}' would never appear in a result); write !(a)-[]->(b)"
                    )));
                }
                e
            }
            Term::Edge(e) | Term::Undirected(e) => e,
        };
        if e.name.is_none() && e.src.is_none() && e.dst.is_none() {
            return Err(err("the term ()-[]->() names nothing; name a vertex or the edge".into()));
        }
        if let Some(n) = &e.name {
            if vertices.contains(&n.as_str()) {
                return Err(err(format!("'{n}' names both a vertex and an edge")));
            }
            if edges.contains(&n.as_str()) {
                return Err(err(format!("the edge name '{n}' appears twice; each named edge is a different column")));
            }
            edges.push(n);
        }
        for v in [&e.src, &e.dst].into_iter().flatten() {
            if edges.contains(&v.as_str()) {
                return Err(err(format!("'{v}' names both a vertex and an edge")));
            }
            vertices.push(v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: Option<&str>, src: Option<&str>, dst: Option<&str>) -> Edge {
        Edge { name: name.map(Into::into), src: src.map(Into::into), dst: dst.map(Into::into) }
    }

    fn terms(p: &str) -> Vec<Term> {
        match parse(p).unwrap_or_else(|err| panic!("{p}: {err}")).shape {
            Shape::Terms(t) => t,
            other => panic!("{p}: {other:?}"),
        }
    }

    fn column(p: &str) -> (usize, String) {
        match parse(p) {
            Err(Error::Pattern { column, message, .. }) => (column, message),
            other => panic!("{p}: {other:?}"),
        }
    }

    #[test]
    fn terms_and_rewrites() {
        assert_eq!(
            terms("(a)-[e]->(b); (b) - [e2] -> (a);"),
            vec![Term::Edge(e(Some("e"), Some("a"), Some("b"))), Term::Edge(e(Some("e2"), Some("b"), Some("a")))]
        );
        assert_eq!(terms("(a)<-[e]-(b)"), vec![Term::Edge(e(Some("e"), Some("b"), Some("a")))]);
        assert_eq!(
            terms("(a)<-[e]->(b)"),
            vec![Term::Edge(e(Some("e1"), Some("a"), Some("b"))), Term::Edge(e(Some("e2"), Some("b"), Some("a")))]
        );
        assert_eq!(
            terms("(a)<-[]->(b)"),
            vec![Term::Edge(e(None, Some("a"), Some("b"))), Term::Edge(e(None, Some("b"), Some("a")))]
        );
        assert_eq!(terms("(a)-[e]-(b)"), vec![Term::Undirected(e(Some("e"), Some("a"), Some("b")))]);
        assert_eq!(terms("(a); !(a)-[]->()"), vec![Term::Vertex("a".into()), Term::Not(e(None, Some("a"), None))]);
        assert_eq!(
            terms("(a)-[e*3]->(c)"),
            vec![
                Term::Edge(e(Some("_e1"), Some("a"), Some("_ac1"))),
                Term::Edge(e(Some("_e2"), Some("_ac1"), Some("_ac2"))),
                Term::Edge(e(Some("_e3"), Some("_ac2"), Some("c"))),
            ]
        );
        assert_eq!(
            terms("()-[*2]->()"),
            vec![Term::Edge(e(None, None, Some("__tmpv1"))), Term::Edge(e(None, Some("__tmpv1"), None))]
        );
        assert_eq!(result_columns(&terms("()-[*2]->(); (x)")), vec!["x"]);
        assert_eq!(
            result_columns(&terms("(a)-[e]-(b); (b)-[f]->(c)")),
            vec!["a", "e", "b", "_pattern", "_direction", "f", "c"]
        );
    }

    #[test]
    fn variable_length() {
        let shape = |p: &str| parse(p).unwrap().shape;
        assert_eq!(
            shape("(a)-[e*1..3]->(b)"),
            Shape::VarLength {
                src: Some("a".into()),
                edge: Some("e".into()),
                min: 1,
                max: 3,
                directed: true,
                dst: Some("b".into())
            }
        );
        assert_eq!(
            shape("(a)-[*2]-()"),
            Shape::VarLength { src: Some("a".into()), edge: None, min: 2, max: 2, directed: false, dst: None }
        );
    }

    #[test]
    fn errors_name_the_column() {
        assert_eq!(column("(a)-[e]>(b)").0, 8);
        assert_eq!(column("(a)-[e]->(b) (c)").0, 14);
        assert_eq!(column("(a-[e]->(b)").0, 3);
        assert_eq!(column("").0, 1);
        assert_eq!(column("(a)-[e]->(b); ()-[]->()").0, 15);
        assert_eq!(column("(a); ()").0, 6);
        assert_eq!(column("(a)-[e]->(b); !(b)-[f]->(a)").0, 15);
        assert_eq!(column("(a)-[e]->(b); (b)-[e]->(a)").0, 15);
        assert_eq!(column("(a)-[a]->(b)").0, 1);
        assert_eq!(column("(a)-[*..3]->(b)").0, 6);
        assert_eq!(column("(a)-[*0]->(b)").0, 6);
        assert_eq!(column("(a)-[*3..1]->(b)").0, 6);
        assert_eq!(column("(a)-[*1..3]->(b); (b)-[]->(c)").0, 1);
        assert_eq!(column("!(a)-[]-(b)").0, 1);
        assert_eq!(column("!(a)<-[]->(b)").0, 1);
        assert_eq!(column("!(a)").0, 1);
        assert!(column("(a)-[e*]->(b)").1.contains("length after '*'"));
        assert!(column("(a)-[e*33]->(b)").1.contains("lengths above 32"));
        assert!(column("(a)-[e*1..33]->(b)").1.contains("lengths above 32"));
        assert!(parse("(a)-[e*32]->(b)").is_ok());
        let many = (0..65).map(|i| format!("(v{i})-[]->(v{})", i + 1)).collect::<Vec<_>>().join(";");
        assert!(column(&many).1.contains("at most 64"));
        let err = parse("(a)-[e]>(b)").unwrap_err().to_string();
        assert_eq!(err, "invalid pattern '(a)-[e]>(b)' at column 8: expected '->' or '-' after ']', found '>'");
    }
}
