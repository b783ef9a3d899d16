//! Motif finding against an oracle: on random multigraphs (self-loops, parallel edges, edge
//! endpoints missing from the vertex table), every pattern's result equals, as a multiset of
//! rows, what a brute-force enumeration of the pattern's definition gives. The oracle shares
//! only the parser with the engine: it enumerates assignments term by term instead of joining.

use std::collections::BTreeMap;
use std::sync::Arc;

use ember::datafusion::arrow::array::{Array, Int64Array, RecordBatch, StructArray};
use ember::datafusion::arrow::datatypes::DataType;
use ember::datafusion::arrow::util::display::array_value_to_string;
use ember::datafusion::datasource::MemTable;
use ember::datafusion::prelude::SessionContext;
use ember::query::GraphFrame;
use ember::query::motif::Options;
use ember::query::pattern::{self, Edge, Shape, Term};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    /// Vertex ids 0..n are in the vertex table; edges may also use n and n + 1.
    n: i64,
    edges: Vec<(i64, i64)>,
}

fn case() -> impl Strategy<Value = Case> {
    (1i64..6)
        .prop_flat_map(|n| prop::collection::vec((0..n + 2, 0..n + 2), 0..12).prop_map(move |edges| Case { n, edges }))
}

const PATTERNS: &[&str] = &[
    "(a)-[e]->(b)",
    "(a)-[e]->(b); (b)-[e2]->(a)",
    "(a)-[]->(b); (b)-[]->(c); (c)-[]->(a)",
    "(a)-[e]->(a)",
    "(a)-[e]->()",
    "()-[e]->(b); (b)",
    "(a); (b)-[]->(a)",
    "(a)-[]->(b); !(b)-[]->(a)",
    "(a)-[e]->(b); !(a)-[]->(c)",
    "!(a)-[]->(b); (a)-[e]->(c)",
    "(a)-[e]-(b)",
    "(a)-[e]-(b); (b)-[f]->(c)",
    "(a)<-[e]->(b)",
    "(a)<-[e]-(b); (b)-[]->()",
    "(a)-[e*2]->(b)",
    "()-[*2]->()",
    "(a)-[e*1..3]->(b)",
    "(a)-[*1..2]-(b)",
    "(a)-[e]->(b); (b)-[]->(c); (c)-[f]->(a); (a)-[]->(d); !(d)-[]->(b)",
    "(a)-[e]->(b); (a)-[f]->(b); (b)-[]->(a)",
    "(a)-[]->(b); (b)-[]->(c); (c)-[]->(d); (d)-[]->(a); (a)-[]->(c)",
];

/// A result row: each non-null column as text (vertices `v<id>`, edges `e<eid>`).
type Row = Vec<(String, String)>;

fn tables(c: &Case) -> (RecordBatch, RecordBatch) {
    crate::helpers::small_graph(c.n, &c.edges)
}

/// The case's tables, registered as `v` and `e`, as a GraphFrame.
async fn frame(c: &Case) -> GraphFrame {
    let ctx = SessionContext::new();
    let (v, e) = tables(c);
    ctx.register_table("v", Arc::new(MemTable::try_new(v.schema(), vec![vec![v]]).unwrap())).unwrap();
    ctx.register_table("e", Arc::new(MemTable::try_new(e.schema(), vec![vec![e]]).unwrap())).unwrap();
    GraphFrame::new(ctx.table("v").await.unwrap(), ctx.table("e").await.unwrap()).unwrap()
}

/// Runs `pattern` through the engine: the rows, and the column names.
fn engine(c: &Case, pattern: &str, opts: &Options) -> (Vec<Row>, Vec<String>) {
    engine_filtered(c, pattern, opts, None)
}

/// [`engine`] with a SQL filter on the result (`a.w >= 20`).
fn engine_filtered(c: &Case, pattern: &str, opts: &Options, filter: Option<&str>) -> (Vec<Row>, Vec<String>) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let g = frame(c).await;
        let mut df = g.find_with(pattern, opts).unwrap();
        if let Some(f) = filter {
            let e = df.parse_sql_expr(f).unwrap();
            df = df.filter(e).unwrap();
        }
        let names: Vec<String> = df.schema().fields().iter().map(|f| f.name().clone()).collect();
        let batches = df.collect().await.unwrap();
        let mut rows = Vec::new();
        for b in &batches {
            for r in 0..b.num_rows() {
                let mut row = Row::new();
                for (name, col) in names.iter().zip(b.columns()) {
                    if col.is_null(r) {
                        continue;
                    }
                    let cell = match col.as_any().downcast_ref::<StructArray>() {
                        Some(s) => match s.column_by_name("eid") {
                            Some(eid) => format!("e{}", array_value_to_string(eid, r).unwrap()),
                            None => format!("v{}", array_value_to_string(s.column_by_name("id").unwrap(), r).unwrap()),
                        },
                        None => array_value_to_string(col, r).unwrap(),
                    };
                    row.push((name.clone(), cell));
                }
                rows.push(row);
            }
        }
        (rows, names)
    })
}

/// The brute-force enumeration of a pattern's meaning.
struct Oracle<'a> {
    c: &'a Case,
    terms: &'a [Term],
    out: Vec<Row>,
    extra: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Binding {
    vertices: BTreeMap<String, i64>,
    edges: BTreeMap<String, usize>,
    special: BTreeMap<String, String>,
}

impl Oracle<'_> {
    fn run(&mut self, i: usize, b: Binding) {
        let Some(t) = self.terms.get(i) else {
            return self.finish(b);
        };
        match t {
            Term::Vertex(v) => {
                if b.vertices.contains_key(v) {
                    return self.run(i + 1, b);
                }
                for id in 0..self.c.n {
                    let mut b2 = b.clone();
                    b2.vertices.insert(v.clone(), id);
                    self.run(i + 1, b2);
                }
            }
            Term::Edge(e) => self.edge(i, b, e),
            Term::Undirected(e) => {
                let name = |v: &Option<String>| v.clone().unwrap_or_default();
                let (s, n, d) = (name(&e.src), name(&e.name), name(&e.dst));
                for (edge, text, dir) in [
                    (e.reversed(), format!("({s})<-[{n}]-({d})"), "in"),
                    (e.clone(), format!("({s})-[{n}]->({d})"), "out"),
                ] {
                    let mut b2 = b.clone();
                    b2.special.insert("_pattern".into(), text);
                    b2.special.insert("_direction".into(), dir.into());
                    self.edge(i, b2, &edge);
                }
            }
            Term::Not(_) => self.run(i + 1, b),
        }
    }

    fn edge(&mut self, i: usize, b: Binding, e: &Edge) {
        for (k, &(s, d)) in self.c.edges.iter().enumerate() {
            let mut b2 = b.clone();
            let ok = [(&e.src, s), (&e.dst, d)].into_iter().all(|(v, x)| match v {
                None => true,
                Some(v) => match b2.vertices.get(v) {
                    Some(&y) => y == x,
                    None if x < self.c.n => {
                        b2.vertices.insert(v.clone(), x);
                        true
                    }
                    None => false,
                },
            });
            if ok {
                if let Some(n) = &e.name {
                    b2.edges.insert(n.clone(), k);
                }
                self.run(i + 1, b2);
            }
        }
    }

    /// Named vertices only in negated terms range over every vertex; then the negations filter.
    fn finish(&mut self, b: Binding) {
        let free: Vec<String> = self
            .terms
            .iter()
            .filter_map(|t| if let Term::Not(e) = t { Some(e) } else { None })
            .flat_map(|e| [e.src.clone(), e.dst.clone()])
            .flatten()
            .filter(|v| !b.vertices.contains_key(v))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        self.assign_free(&free, b);
    }

    fn assign_free(&mut self, free: &[String], b: Binding) {
        if let Some((v, rest)) = free.split_first() {
            for id in 0..self.c.n {
                let mut b2 = b.clone();
                b2.vertices.insert(v.clone(), id);
                self.assign_free(rest, b2);
            }
            return;
        }
        for t in self.terms {
            if let Term::Not(e) = t {
                let hit = self.c.edges.iter().any(|&(s, d)| {
                    e.src.as_ref().is_none_or(|v| b.vertices[v] == s)
                        && e.dst.as_ref().is_none_or(|v| b.vertices[v] == d)
                });
                if hit {
                    return;
                }
            }
        }
        let mut names = pattern::result_columns(self.terms);
        if names.is_empty() {
            names = b.vertices.keys().cloned().collect();
        }
        let mut row: Row = names
            .into_iter()
            .map(|n| {
                let cell = if let Some(v) = b.vertices.get(&n) {
                    format!("v{v}")
                } else if let Some(e) = b.edges.get(&n) {
                    format!("e{e}")
                } else {
                    b.special[&n].clone()
                };
                (n, cell)
            })
            .collect();
        row.extend(self.extra.iter().cloned());
        self.out.push(row);
    }
}

fn oracle_terms(c: &Case, terms: &[Term], extra: Vec<(String, String)>) -> Vec<Row> {
    let mut o = Oracle { c, terms, out: Vec::new(), extra };
    o.run(0, Binding::default());
    o.out
}

fn oracle(c: &Case, text: &str) -> Vec<Row> {
    match pattern::parse(text).unwrap().shape {
        Shape::Terms(terms) => oracle_terms(c, &terms, vec![]),
        Shape::VarLength { src, edge, min, max, directed, dst } => {
            let name = |v: &Option<String>| v.clone().unwrap_or_default();
            let e = name(&edge);
            let mut rows = Vec::new();
            for h in min..=max {
                let mut parts = vec![(
                    pattern::chain(&src, &edge, h, &dst),
                    format!("({})-[{e}*{h}]->({})", name(&src), name(&dst)),
                    "out",
                )];
                if !directed {
                    parts.push((
                        pattern::chain(&dst, &edge, h, &src),
                        format!("({})<-[{e}*{h}]-({})", name(&src), name(&dst)),
                        "in",
                    ));
                }
                for (chain, text, dir) in parts {
                    let terms: Vec<Term> = chain.into_iter().map(Term::Edge).collect();
                    let extra = vec![
                        ("_hop".into(), h.to_string()),
                        ("_pattern".into(), text),
                        ("_direction".into(), dir.into()),
                    ];
                    rows.extend(oracle_terms(c, &terms, extra));
                }
            }
            rows
        }
    }
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    for r in rows.iter_mut() {
        r.sort();
    }
    rows.sort();
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn motifs_match_the_oracle(c in case()) {
        for (p, wcoj) in PATTERNS.iter().flat_map(|p| [(p, true), (p, false)]) {
            let (rows, names) = engine(&c, p, &Options { wcoj });
            let expected = oracle(&c, p);
            if let Shape::Terms(terms) = pattern::parse(p).unwrap().shape {
                let mut want = pattern::result_columns(&terms);
                if want.is_empty() {
                    want = vec!["__tmpv1".to_string()];
                }
                prop_assert_eq!(&names, &want, "{}", p);
            } else {
                // A length range comes sorted by _hop, then _direction.
                let key = |r: &Row| {
                    let get = |k: &str| r.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
                    (get("_hop").parse::<u32>().unwrap(), get("_direction"))
                };
                let keys: Vec<_> = rows.iter().map(key).collect();
                prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{}: not sorted: {:?}", p, keys);
            }
            prop_assert_eq!(sorted(rows), sorted(expected), "{} (wcoj: {})", p, wcoj);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Filters on the result: one vertex's (pushed into the matcher's scan, restricting its
    /// candidates) and two vertices' (applied after), against the oracle's rows filtered.
    #[test]
    fn filtered_motifs_match_the_oracle(c in case()) {
        let w = |row: &Row, name: &str| -> Option<i64> {
            row.iter().find(|(n, _)| n == name).map(|(_, v)| v[1..].parse::<i64>().unwrap() * 10)
        };
        for p in ["(a)-[e]->(b); (b)-[e2]->(a)", "(a)-[]->(b); (b)-[]->(c); (c)-[]->(a)", "(a)-[e]->(b); (b)-[]->(a); (b)-[]->(c)"] {
            for (filter, keep) in [
                ("a.w >= 20", Box::new(|r: &Row| w(r, "a").unwrap() >= 20) as Box<dyn Fn(&Row) -> bool>),
                ("a.w < b.w", Box::new(|r: &Row| w(r, "a").unwrap() < w(r, "b").unwrap())),
            ] {
                for wcoj in [true, false] {
                    let (rows, _) = engine_filtered(&c, p, &Options { wcoj }, Some(filter));
                    let expected: Vec<Row> = oracle(&c, p).into_iter().filter(|r| keep(r)).collect();
                    prop_assert_eq!(sorted(rows), sorted(expected), "{} WHERE {} (wcoj: {})", p, filter, wcoj);
                }
            }
        }
    }
}

/// The graph views (triplets, degrees, filters) against counting by hand.
fn views(c: &Case) -> Result<(), TestCaseError> {
    use ember::datafusion::arrow::array::Int32Array;
    use ember::datafusion::arrow::compute::concat_batches;
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let g = frame(c).await;
        let collect = |df: ember::datafusion::prelude::DataFrame| async move {
            let schema = Arc::new(df.schema().as_arrow().clone());
            concat_batches(&schema, &df.collect().await.unwrap()).unwrap()
        };
        let ints = |b: &RecordBatch, name: &str| -> Vec<i64> {
            let col = b.column_by_name(name).unwrap();
            match col.as_any().downcast_ref::<Int32Array>() {
                Some(a) => a.values().iter().map(|&x| x as i64).collect(),
                None => col.as_any().downcast_ref::<Int64Array>().unwrap().values().to_vec(),
            }
        };
        let inside = |x: i64| x < c.n;

        let t = collect(g.triplets().unwrap()).await;
        let names: Vec<String> = t.schema().fields().iter().map(|f| f.name().clone()).collect();
        prop_assert_eq!(names, vec!["src", "edge", "dst"]);
        prop_assert_eq!(t.num_rows(), c.edges.iter().filter(|(s, d)| inside(*s) && inside(*d)).count());

        for (df, name, ends) in [
            (g.out_degrees().unwrap(), "outDegree", &[0usize][..]),
            (g.in_degrees().unwrap(), "inDegree", &[1][..]),
            (g.degrees().unwrap(), "degree", &[0, 1][..]),
        ] {
            let b = collect(df).await;
            let ty = b.schema().field_with_name(name).unwrap().data_type().clone();
            prop_assert_eq!(ty, DataType::Int32);
            let got: BTreeMap<i64, i64> = ints(&b, "id").into_iter().zip(ints(&b, name)).collect();
            let mut want: BTreeMap<i64, i64> = BTreeMap::new();
            for &(s, d) in &c.edges {
                for &end in ends {
                    *want.entry(if end == 0 { s } else { d }).or_default() += 1;
                }
            }
            prop_assert_eq!(got, want, "{}", name);
        }

        let f = g.filter_vertices(g.vertex_condition("w >= 20").unwrap()).unwrap();
        let (fv, fe) = (collect(f.vertices().clone()).await, collect(f.edges().clone()).await);
        let mut ids = ints(&fv, "id");
        ids.sort();
        prop_assert_eq!(ids, (2..c.n).collect::<Vec<_>>());
        let mut eids = ints(&fe, "eid");
        eids.sort();
        let keep = |x: i64| (2..c.n).contains(&x);
        let want: Vec<i64> =
            c.edges.iter().enumerate().filter(|(_, (s, d))| keep(*s) && keep(*d)).map(|(i, _)| i as i64).collect();
        prop_assert_eq!(eids, want);

        let f = g.filter_edges(g.edge_condition("eid % 2 = 0").unwrap()).unwrap();
        prop_assert_eq!(collect(f.vertices().clone()).await.num_rows(), c.n as usize);
        prop_assert_eq!(collect(f.edges().clone()).await.num_rows(), c.edges.len().div_ceil(2));

        let d = collect(g.drop_isolated_vertices().unwrap().vertices().clone()).await;
        let mut ids = ints(&d, "id");
        ids.sort();
        let mut want: Vec<i64> = c.edges.iter().flat_map(|&(s, d)| [s, d]).filter(|&x| inside(x)).collect();
        want.sort();
        want.dedup();
        prop_assert_eq!(ids, want);

        // as_reversed / as_undirected: (src, dst, eid) triples swapped / added.
        let triples = |b: &RecordBatch| -> Vec<(i64, i64, i64)> {
            let mut t: Vec<_> = ints(b, "src")
                .into_iter()
                .zip(ints(b, "dst"))
                .zip(ints(b, "eid"))
                .map(|((s, d), e)| (s, d, e))
                .collect();
            t.sort();
            t
        };
        let r = collect(g.as_reversed().unwrap().edges().clone()).await;
        prop_assert_eq!(
            r.schema().fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>(),
            vec!["src", "dst", "eid"]
        );
        let mut want: Vec<(i64, i64, i64)> = c.edges.iter().enumerate().map(|(i, &(s, d))| (d, s, i as i64)).collect();
        want.sort();
        prop_assert_eq!(triples(&r), want.clone());
        let u = collect(g.as_undirected().unwrap().edges().clone()).await;
        want.extend(c.edges.iter().enumerate().map(|(i, &(s, d))| (s, d, i as i64)));
        want.sort();
        prop_assert_eq!(triples(&u), want);
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn graph_views_match_counting(c in case()) {
        views(&c)?;
    }
}

#[test]
fn conditions_name_their_position() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let ctx = SessionContext::new();
        let (v, e) = tables(&Case { n: 2, edges: vec![(0, 1)] });
        let g = GraphFrame::new(ctx.read_batch(v).unwrap(), ctx.read_batch(e).unwrap()).unwrap();
        let err = g.vertex_condition("w >= >").unwrap_err().to_string();
        assert!(err.contains("line 1, column 6"), "{err}");
        let err = g.vertex_condition("age > 3").unwrap_err().to_string();
        assert!(err.contains("age") && err.contains("Valid fields are"), "{err}");
        let err = GraphFrame::new(ctx.read_batch(tables(&Case { n: 1, edges: vec![] }).1).unwrap(), g.edges().clone())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "the vertex table has no column `id`; columns are: src, dst, eid");
    });
}
