//! GraphFrames' `all_paths`, `detectingCycles` and `hyper_anf` against GraphFrames' own
//! algorithms run literally on random multigraphs (self-loops, parallel edges, edges to
//! vertices missing from the vertex table): `AggregateNeighbors`' hop-by-hop extension of
//! partial paths, Rocha-Thatte's sequence passing, and the per-hop union of the out-neighbours'
//! sets (with exact sets: small sketches count exactly).

use std::collections::{BTreeSet, HashSet};

use ember::datafusion::arrow::array::{Array, AsArray, Int64Array, ListArray, RecordBatch};
use ember::datafusion::arrow::datatypes::Int64Type;
use ember::datafusion::prelude::SessionContext;
use ember::datasketches::hll::HllSketch;
use ember::query::GraphFrame;
use ember::query::all_paths::AllPaths;
use ember::query::hyper_anf::HyperAnf;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    n: i64,
    edges: Vec<(i64, i64)>,
    max: u32,
    directed: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (1i64..8, 1u32..6, any::<bool>()).prop_flat_map(|(n, max, directed)| {
        prop::collection::vec((0..n + 1, 0..n + 1), 0..18).prop_map(move |edges| Case { n, edges, max, directed })
    })
}

/// The edges GraphFrames' joins keep (both ends in the vertex table), as (src, dst, eid).
fn known(c: &Case) -> Vec<(i64, i64, usize)> {
    c.edges.iter().enumerate().filter(|(_, e)| e.0 < c.n && e.1 < c.n).map(|(i, e)| (e.0, e.1, i)).collect()
}

fn graph(c: &Case) -> (tokio::runtime::Runtime, GraphFrame) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let ctx = SessionContext::new();
    let (v, e) = crate::helpers::small_graph(c.n, &c.edges);
    let g = GraphFrame::new(ctx.read_batch(v).unwrap(), ctx.read_batch(e).unwrap()).unwrap();
    (rt, g)
}

fn lists(a: &dyn Array) -> Vec<Vec<i64>> {
    let l = a.as_any().downcast_ref::<ListArray>().unwrap();
    (0..l.len()).map(|i| l.value(i).as_primitive::<Int64Type>().values().to_vec()).collect()
}

// Sources: w < 30; targets: w >= 40 or id = 1 (so a source can be a target); edges with
// eid % 5 = 4 filtered out.
fn is_from(v: i64) -> bool {
    v * 10 < 30
}
fn is_to(v: i64) -> bool {
    v * 10 >= 40 || v == 1
}

/// GraphFrames' AllPaths: every state extends along every usable edge; a step onto a target
/// is collected; a step onto a target or onto a vertex already on the path stops.
fn all_paths_oracle(c: &Case) -> Vec<(i64, Vec<i64>)> {
    let mut arcs: Vec<(i64, i64)> = known(c).into_iter().filter(|e| e.2 % 5 != 4).map(|e| (e.0, e.1)).collect();
    if !c.directed {
        let rev: Vec<(i64, i64)> = arcs.iter().map(|&(s, d)| (d, s)).collect();
        arcs.extend(rev);
    }
    let mut states: Vec<Vec<i64>> = (0..c.n).filter(|&v| is_from(v)).map(|v| vec![v]).collect();
    let mut found = BTreeSet::new();
    for hop in 1..=c.max as i64 {
        let mut next = Vec::new();
        for p in &states {
            for &(s, d) in &arcs {
                if s != *p.last().unwrap() {
                    continue;
                }
                let mut q = p.clone();
                q.push(d);
                if is_to(d) {
                    found.insert((hop, q.clone()));
                }
                if !(p.contains(&d) || is_to(d)) {
                    next.push(q);
                }
            }
        }
        states = next;
    }
    found.into_iter().collect()
}

/// Rocha-Thatte as GraphFrames runs it: active vertices send their sequences along their
/// out-edges; a vertex finds the sequences that start with it, keeps those without it
/// (extended by itself), and stays active while it keeps any.
fn cycles_oracle(c: &Case) -> BTreeSet<(i64, Vec<i64>)> {
    let arcs = known(c);
    let n = c.n as usize;
    let mut seqs: Vec<HashSet<Vec<i64>>> = (0..c.n).map(|v| HashSet::from([vec![v]])).collect();
    let mut active = vec![true; n];
    let mut found = BTreeSet::new();
    for _ in 0..c.max {
        let mut inbox: Vec<Option<HashSet<Vec<i64>>>> = vec![None; n];
        for &(s, d, _) in &arcs {
            if active[s as usize] && !seqs[s as usize].is_empty() {
                inbox[d as usize].get_or_insert_with(HashSet::new).extend(seqs[s as usize].iter().cloned());
            }
        }
        for v in 0..n {
            let id = v as i64;
            match inbox[v].take() {
                None => {
                    seqs[v].clear();
                    active[v] = false;
                }
                Some(msg) => {
                    for x in &msg {
                        if x[0] == id {
                            let mut cyc = x.clone();
                            cyc.push(id);
                            found.insert((id, cyc));
                        }
                    }
                    seqs[v] = msg
                        .into_iter()
                        .filter(|x| !x.contains(&id))
                        .map(|mut x| {
                            x.push(id);
                            x
                        })
                        .collect();
                    active[v] = !seqs[v].is_empty();
                }
            }
        }
    }
    found
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn all_paths_match_graphframes_algorithm(c in case()) {
        let (rt, g) = graph(&c);
        let req = AllPaths {
            edge_filter: Some("eid % 5 <> 4".into()),
            max_path_length: c.max,
            directed: c.directed,
            ..AllPaths::new("w < 30", "w >= 40 OR id = 1")
        };
        let b = rt.block_on(g.all_paths(&req)).unwrap();
        let lens = b.column_by_name("len").unwrap().as_any().downcast_ref::<Int64Array>().unwrap().values().to_vec();
        let got: Vec<(i64, Vec<i64>)> = lens.into_iter().zip(lists(b.column_by_name("path").unwrap())).collect();
        // Ordered by length, then path; each path once.
        prop_assert_eq!(got, all_paths_oracle(&c));
    }

    #[test]
    fn detecting_cycles_match_rocha_thatte(c in case()) {
        let (rt, g) = graph(&c);
        let b = rt.block_on(g.detecting_cycles(c.max)).unwrap();
        let ids = b.column(0).as_primitive::<Int64Type>().values().to_vec();
        let got: Vec<(i64, Vec<i64>)> = ids.into_iter().zip(lists(b.column(1))).collect();
        let want: Vec<(i64, Vec<i64>)> = cycles_oracle(&c).into_iter().collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn hyper_anf_counts_walk_ends(c in case()) {
        let (rt, g) = graph(&c);
        let hops = c.max.min(4);
        let req = HyperAnf { n_hops: hops, lg_nom_entries: 10, edge_filter: Some("eid % 5 <> 4".into()) };
        let b: RecordBatch = rt.block_on(g.hyper_anf(&req)).unwrap();
        let arcs: Vec<(i64, i64)> = known(&c).into_iter().filter(|e| e.2 % 5 != 4).map(|e| (e.0, e.1)).collect();
        let has_out = |v: i64| arcs.iter().any(|a| a.0 == v);
        let ids = b.column(0).as_primitive::<Int64Type>().values().to_vec();
        prop_assert_eq!(&ids, &(0..c.n).filter(|&v| has_out(v)).collect::<Vec<_>>());
        // Exact sets: hop_0 = {v}, hop_k = the union of the out-neighbours' hop_{k-1}, where a
        // neighbour without out-edges has none.
        let mut prev: Vec<Option<BTreeSet<i64>>> =
            (0..c.n).map(|v| has_out(v).then(|| BTreeSet::from([v]))).collect();
        for k in 0..=hops as usize {
            if k > 0 {
                prev = (0..c.n)
                    .map(|v| {
                        has_out(v).then(|| {
                            arcs.iter()
                                .filter(|a| a.0 == v)
                                .flat_map(|a| if k == 1 { Some(BTreeSet::from([a.1])) } else { prev[a.1 as usize].clone() })
                                .flatten()
                                .collect()
                        })
                    })
                    .collect();
            }
            let col = b.column(k + 1).as_binary::<i32>();
            for (row, &v) in ids.iter().enumerate() {
                let est = HllSketch::deserialize(col.value(row)).unwrap().estimate().round() as usize;
                prop_assert_eq!(est, prev[v as usize].as_ref().unwrap().len(), "vertex {} hop {}", v, k);
            }
        }
    }
}

#[test]
fn bad_requests_are_named() {
    let c = Case { n: 3, edges: vec![(0, 1), (1, 2)], max: 3, directed: true };
    let (rt, g) = graph(&c);
    let e = |r: ember::Result<RecordBatch>| r.unwrap_err().to_string();
    let bad = AllPaths { max_path_length: 0, ..AllPaths::new("id = 0", "id = 2") };
    assert!(e(rt.block_on(g.all_paths(&bad))).contains("max_path_length must be > 0"));
    let bad = AllPaths::new("nope = 0", "id = 2");
    let msg = e(rt.block_on(g.all_paths(&bad)));
    assert!(msg.contains("from_expr 'nope = 0'") && msg.contains("No field named nope"), "{msg}");
    let bad = AllPaths { edge_filter: Some("eid +".into()), ..AllPaths::new("id = 0", "id = 2") };
    assert!(e(rt.block_on(g.all_paths(&bad))).contains("edge_filter 'eid +'"));
    assert!(e(rt.block_on(g.detecting_cycles(0))).contains("max_length must be > 0"));
    let bad = HyperAnf { lg_nom_entries: 22, ..HyperAnf::default() };
    assert!(e(rt.block_on(g.hyper_anf(&bad))).contains("lg_nom_entries must be between 4 and 21"));
    let bad = HyperAnf { n_hops: 0, ..HyperAnf::default() };
    assert!(e(rt.block_on(g.hyper_anf(&bad))).contains("n_hops must be a positive integer"));
}
