//! GraphFrames' `bfs` (every shortest path between two vertex sets) against GraphFrames' own
//! algorithm run literally: extend every simple path by one edge per round and stop at the
//! first round where a path reaches a target.

use ember::datafusion::arrow::array::{Array, Int64Array, StructArray};
use ember::datafusion::prelude::SessionContext;
use ember::query::GraphFrame;
use ember::query::paths::Bfs;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    n: i64,
    edges: Vec<(i64, i64)>,
    max: u32,
}

fn case() -> impl Strategy<Value = Case> {
    (1i64..8, 1u32..5).prop_flat_map(|(n, max)| {
        prop::collection::vec((0..n + 1, 0..n + 1), 0..20).prop_map(move |edges| Case { n, edges, max })
    })
}

// Vertex w = 10 * id; sources w < 20, targets w >= 40, edges with eid % 4 = 3 are filtered out.
fn is_from(v: i64) -> bool {
    v * 10 < 20
}
fn is_to(v: i64) -> bool {
    v * 10 >= 40
}
fn usable(eid: usize) -> bool {
    eid % 4 != 3
}

/// A path as (vertex ids, edge ids).
type Path = (Vec<i64>, Vec<i64>);

fn oracle(c: &Case) -> Vec<Path> {
    let both: Vec<Path> = (0..c.n).filter(|&v| is_from(v) && is_to(v)).map(|v| (vec![v, v], vec![])).collect();
    if !both.is_empty() {
        return both;
    }
    let mut paths: Vec<Path> = (0..c.n).filter(|&v| is_from(v)).map(|v| (vec![v], vec![])).collect();
    for _ in 0..c.max {
        let mut next = Vec::new();
        for (vs, es) in &paths {
            let last = *vs.last().unwrap();
            for (eid, &(s, d)) in c.edges.iter().enumerate() {
                if s == last && usable(eid) && d < c.n && s < c.n && !vs.contains(&d) {
                    let mut vs2 = vs.clone();
                    vs2.push(d);
                    let mut es2 = es.clone();
                    es2.push(eid as i64);
                    next.push((vs2, es2));
                }
            }
        }
        paths = next;
        let found: Vec<Path> = paths.iter().filter(|(vs, _)| is_to(*vs.last().unwrap())).cloned().collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

fn engine(c: &Case) -> (Vec<String>, Vec<Path>) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let ctx = SessionContext::new();
        let (v, e) = crate::helpers::small_graph(c.n, &c.edges);
        let g = GraphFrame::new(ctx.read_batch(v).unwrap(), ctx.read_batch(e).unwrap()).unwrap();
        let req =
            Bfs { edge_filter: Some("eid % 4 <> 3".into()), max_path_length: c.max, ..Bfs::new("w < 20", "w >= 40") };
        let b = g.bfs(&req).await.unwrap();
        let names: Vec<String> = b.schema().fields().iter().map(|f| f.name().clone()).collect();
        let field = |col: usize, name: &str, row: usize| -> i64 {
            let s = b.column(col).as_any().downcast_ref::<StructArray>().unwrap();
            s.column_by_name(name).unwrap().as_any().downcast_ref::<Int64Array>().unwrap().value(row)
        };
        let mut paths = Vec::new();
        for r in 0..b.num_rows() {
            let mut p: Path = (vec![], vec![]);
            for (i, n) in names.iter().enumerate() {
                if n.starts_with('e') {
                    p.1.push(field(i, "eid", r));
                    assert_eq!(field(i, "src", r), *p.0.last().unwrap(), "edge {n} leaves the previous vertex");
                } else {
                    p.0.push(field(i, "id", r));
                }
            }
            paths.push(p);
        }
        (names, paths)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn bfs_paths_match_graphframes_algorithm(c in case()) {
        let (names, mut got) = engine(&c);
        let mut want = oracle(&c);
        got.sort();
        want.sort();
        prop_assert_eq!(&got, &want);
        // from, e0, v1, e1, ..., to (from, to alone for 0-hop paths and empty results)
        let k = want.first().map(|p| p.1.len()).unwrap_or(0);
        let mut expect = vec!["from".to_string()];
        for i in 0..k {
            expect.push(format!("e{i}"));
            if i + 1 < k {
                expect.push(format!("v{}", i + 1));
            }
        }
        expect.push("to".to_string());
        prop_assert_eq!(names, expect);
    }
}
