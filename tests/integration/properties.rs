//! Property tests on random graphs: components, SCC, Dijkstra and BFS against petgraph;
//! PageRank, CDLP, LCC and triangles against plain reference implementations; and results
//! that do not depend on the partition count, strategy or thread count.
#![allow(clippy::needless_range_loop)] // index loops mirror the definitions being checked

use std::collections::{BTreeSet, HashMap};

use ember::algo::{self, Common, Engine, pagerank};
use ember::ids::IdColumn;
use ember::kernel::{self, Csr, Direction};
use ember::{EdgeList, Graph, GraphOptions, Strategy as PartStrategy};
use petgraph::unionfind::UnionFind;
use proptest::prelude::*;

use crate::helpers::close;

#[derive(Debug, Clone)]
struct Case {
    n: usize,
    edges: Vec<(usize, usize, u32)>,
    directed: bool,
    partitions: u32,
    strategy: usize,
    threads: usize,
}

fn case() -> impl proptest::strategy::Strategy<Value = Case> {
    (1usize..28, any::<bool>(), 1u32..7, 0usize..5, 1usize..4).prop_flat_map(
        |(n, directed, partitions, strategy, threads)| {
            prop::collection::vec((0..n, 0..n, 0u32..20), 0..90).prop_map(move |edges| Case {
                n,
                edges,
                directed,
                partitions,
                strategy,
                threads,
            })
        },
    )
}

const STRATEGIES: [&str; 5] = ["dbh", "1d", "2d", "random", "canonical-random"];

/// Original id of dense vertex i: non-contiguous, and the vertex table lists them in
/// descending order so dense order differs from id order.
fn id_of(i: usize) -> i64 {
    i as i64 * 3 + 7
}

fn edge_list(c: &Case) -> EdgeList {
    EdgeList {
        src: IdColumn::Int(c.edges.iter().map(|e| id_of(e.0)).collect()),
        dst: IdColumn::Int(c.edges.iter().map(|e| id_of(e.1)).collect()),
        weight: Some(c.edges.iter().map(|e| e.2 as f64).collect()),
        vertices: Some(IdColumn::Int((0..c.n).rev().map(id_of).collect())),
        directed: Some(c.directed),
    }
}

fn build(c: &Case) -> Graph {
    Graph::from_edge_list(edge_list(c), &GraphOptions::default()).unwrap()
}

/// Dense index of test vertex i (the vertex table is reversed).
fn dense(c: &Case, i: usize) -> usize {
    c.n - 1 - i
}

/// The case's partitioning; the engine alternates between Pregel and the kernels by case so
/// the oracle tests below check both.
fn common(c: &Case) -> Common {
    Common {
        partitions: c.partitions,
        strategy: PartStrategy::parse(STRATEGIES[c.strategy]).unwrap(),
        engine: if c.edges.len().is_multiple_of(2) { Engine::Pregel } else { Engine::Kernel },
        ..Default::default()
    }
}

fn with_engine(c: &Common, engine: Engine) -> Common {
    Common { engine, ..c.clone() }
}

/// For algorithms without a kernel, which reject `Engine::Kernel`: the case's partitioning on
/// the Pregel engine.
fn pregel_only(c: &Common) -> Common {
    with_engine(c, Engine::Pregel)
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

fn same_partition(a: &[usize], b: &[usize]) -> bool {
    let (mut f, mut g) = (HashMap::new(), HashMap::new());
    a.iter().zip(b).all(|(x, y)| *f.entry(x).or_insert(y) == y && *g.entry(y).or_insert(x) == x)
}

fn petgraph_of(c: &Case) -> petgraph::Graph<(), f64> {
    let mut pg = petgraph::Graph::<(), f64>::new();
    let nodes: Vec<_> = (0..c.n).map(|_| pg.add_node(())).collect();
    for &(u, v, w) in &c.edges {
        pg.add_edge(nodes[u], nodes[v], w as f64);
        if !c.directed {
            pg.add_edge(nodes[v], nodes[u], w as f64);
        }
    }
    pg
}

/// Plain LDBC PageRank: dense loops, no engine.
fn reference_pagerank(c: &Case, d: f64, iters: u32) -> Vec<f64> {
    let n = c.n;
    let arcs: Vec<(usize, usize)> =
        c.edges.iter().flat_map(|&(u, v, _)| if c.directed { vec![(u, v)] } else { vec![(u, v), (v, u)] }).collect();
    let mut out = vec![0usize; n];
    for &(u, _) in &arcs {
        out[u] += 1;
    }
    let mut r = vec![1.0 / n as f64; n];
    for _ in 0..iters {
        let dangling: f64 = (0..n).filter(|&v| out[v] == 0).map(|v| r[v]).sum();
        let mut next = vec![(1.0 - d) / n as f64 + d * dangling / n as f64; n];
        for &(u, v) in &arcs {
            next[v] += d * r[u] / out[u] as f64;
        }
        r = next;
    }
    r
}

fn neighbor_sets(c: &Case) -> Vec<BTreeSet<usize>> {
    let mut nb = vec![BTreeSet::new(); c.n];
    for &(u, v, _) in &c.edges {
        if u != v {
            nb[u].insert(v);
            nb[v].insert(u);
        }
    }
    nb
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, .. ProptestConfig::default() })]

    #[test]
    fn components_match_petgraph(c in case()) {
        let g = build(&c);
        let cm = common(&c);
        let w = in_pool(c.threads, || algo::wcc::run(&g, &algo::wcc::Config { max_supersteps: None, common: cm.clone() })).unwrap();
        let mut uf = UnionFind::<usize>::new(c.n);
        for &(u, v, _) in &c.edges { uf.union(u, v); }
        let ours: Vec<usize> = (0..c.n).map(|i| w.component[dense(&c, i)] as usize).collect();
        let theirs: Vec<usize> = (0..c.n).map(|i| uf.find(i)).collect();
        prop_assert!(same_partition(&ours, &theirs));
        // Each label is the member with the smallest original id (GraphX convention).
        for i in 0..c.n {
            let rep = c.n - 1 - ours[i];
            prop_assert!((0..c.n).filter(|&j| theirs[j] == theirs[i]).all(|j| j >= rep));
        }

        let s = in_pool(c.threads, || algo::scc::run(&g, &algo::scc::Config { common: pregel_only(&cm) })).unwrap();
        let pg = petgraph_of(&c);
        let mut comp = vec![0usize; c.n];
        for (k, scc) in petgraph::algo::tarjan_scc(&pg).iter().enumerate() {
            for v in scc { comp[v.index()] = k; }
        }
        let ours: Vec<usize> = (0..c.n).map(|i| s.component[dense(&c, i)] as usize).collect();
        prop_assert!(same_partition(&ours, &comp), "scc {:?} vs {:?}", ours, comp);
    }

    #[test]
    fn shortest_paths_match_petgraph(c in case(), src in 0usize..28) {
        let src = src % c.n;
        let g = build(&c);
        let cm = common(&c);
        let s = dense(&c, src) as u32;
        let d = in_pool(c.threads, || algo::sssp::run(&g, &algo::sssp::Config { source: s, common: cm.clone() })).unwrap();
        let b = in_pool(c.threads, || algo::bfs::run(&g, &algo::bfs::Config { source: s, common: cm.clone() })).unwrap();
        let pg = petgraph_of(&c);
        let node = petgraph::graph::NodeIndex::new(src);
        let want = petgraph::algo::dijkstra(&pg, node, None, |e| *e.weight());
        let hops = petgraph::algo::dijkstra(&pg, node, None, |_| 1u32);
        for i in 0..c.n {
            let ni = petgraph::graph::NodeIndex::new(i);
            let ours = d.distance[dense(&c, i)];
            match want.get(&ni) {
                Some(&x) => prop_assert_eq!(ours, x),
                None => prop_assert!(ours.is_infinite()),
            }
            let h = b.hops[dense(&c, i)];
            match hops.get(&ni) {
                Some(&x) => prop_assert_eq!(h, x),
                None => prop_assert_eq!(h, algo::bfs::UNREACHED),
            }
        }
        // Landmarks: hops from every vertex to the landmark = BFS on the reversed graph.
        let l = in_pool(c.threads, || algo::landmarks::run(&g, &algo::landmarks::Config { landmarks: vec![s], common: pregel_only(&cm) })).unwrap();
        let mut rev = pg.clone();
        rev.reverse();
        let to = petgraph::algo::dijkstra(&rev, node, None, |_| 1u32);
        for i in 0..c.n {
            let h = l.hops[0][dense(&c, i)];
            prop_assert_eq!(to.get(&petgraph::graph::NodeIndex::new(i)).copied().unwrap_or(algo::bfs::UNREACHED), h);
        }
    }

    #[test]
    fn pagerank_matches_reference(c in case(), iters in 1u32..30) {
        let g = build(&c);
        let cm = common(&c);
        let cfg = pagerank::Config { iterations: iters, common: cm, ..Default::default() };
        let pr = in_pool(c.threads, || pagerank::run(&g, &cfg)).unwrap();
        let want = reference_pagerank(&c, 0.85, iters);
        for i in 0..c.n {
            prop_assert!(close(pr.rank[dense(&c, i)], want[i], 1e-9), "{} vs {}", pr.rank[dense(&c, i)], want[i]);
        }
        prop_assert!(close(pr.rank.iter().sum::<f64>(), 1.0, 1e-9));
    }

    #[test]
    fn results_do_not_depend_on_partitioning_or_threads(c in case(), other_p in 1u32..9, other_s in 0usize..5) {
        let g = build(&c);
        let a = common(&c);
        let b = Common { partitions: other_p, strategy: PartStrategy::parse(STRATEGIES[other_s]).unwrap(), ..Default::default() };
        let wa = in_pool(c.threads, || algo::wcc::run(&g, &algo::wcc::Config { max_supersteps: None, common: a.clone() })).unwrap();
        let wb = in_pool(1, || algo::wcc::run(&g, &algo::wcc::Config { max_supersteps: None, common: b.clone() })).unwrap();
        prop_assert_eq!(wa.component, wb.component);
        let pa = in_pool(c.threads, || pagerank::run(&g, &pagerank::Config { common: a.clone(), ..Default::default() })).unwrap();
        let pb = in_pool(1, || pagerank::run(&g, &pagerank::Config { common: b.clone(), ..Default::default() })).unwrap();
        for (x, y) in pa.rank.iter().zip(&pb.rank) { prop_assert!(close(*x, *y, 1e-9)); }
        // GraphX's delta-Pregel has no kernel: Auto runs it on Pregel.
        let ga = pagerank::Config { variant: pagerank::Variant::Graphx, tolerance: Some(1e-6), iterations: 500, common: with_engine(&a, Engine::Auto), ..Default::default() };
        let gb = pagerank::Config { common: b.clone(), ..ga.clone() };
        let (x, y) = (in_pool(c.threads, || pagerank::run(&g, &ga)).unwrap(), in_pool(2, || pagerank::run(&g, &gb)).unwrap());
        for (p, q) in x.rank.iter().zip(&y.rank) { prop_assert!(close(*p, *q, 1e-9)); }
        let da = in_pool(c.threads, || algo::degrees::run(&g, &algo::degrees::Config { common: pregel_only(&a) })).unwrap();
        let db = in_pool(3, || algo::degrees::run(&g, &algo::degrees::Config { common: pregel_only(&b) })).unwrap();
        prop_assert_eq!(da.degree, db.degree);
        let ta = in_pool(c.threads, || algo::triangles::run(&g, &algo::triangles::Config { common: pregel_only(&a) })).unwrap();
        let tb = in_pool(1, || algo::triangles::run(&g, &algo::triangles::Config { common: pregel_only(&b) })).unwrap();
        prop_assert_eq!(ta.triangles, tb.triangles);
    }

    #[test]
    fn kernels_give_the_pregel_results(c in case(), src in 0usize..28, tol in prop::option::of(1e-9f64..1e-3), delta in 0.25f64..40.0, scale in 1u32..8) {
        let g = build(&c);
        let s = dense(&c, src % c.n) as u32;
        let (p, k) = (with_engine(&common(&c), Engine::Pregel), with_engine(&common(&c), Engine::Kernel));
        let cc = |cm: &Common| algo::wcc::run(&g, &algo::wcc::Config { max_supersteps: None, common: cm.clone() }).unwrap().component;
        prop_assert_eq!(cc(&p), in_pool(c.threads, || cc(&k)));
        let bfs = |cm: &Common| algo::bfs::run(&g, &algo::bfs::Config { source: s, common: cm.clone() }).unwrap().hops;
        prop_assert_eq!(bfs(&p), in_pool(c.threads, || bfs(&k)));
        let sp = |cm: &Common| algo::sssp::run(&g, &algo::sssp::Config { source: s, common: cm.clone() }).unwrap().distance;
        prop_assert_eq!(sp(&p), in_pool(c.threads, || sp(&k)));
        // Any bucket width gives the same distances, with fractional weights too.
        let scaled = Graph::from_edge_list(EdgeList {
            weight: Some(c.edges.iter().map(|e| e.2 as f64 / scale as f64 + 0.1).collect()),
            ..edge_list(&c)
        }, &GraphOptions::default()).unwrap();
        let out = Csr::build(&scaled, Direction::Out, true);
        let want = algo::sssp::run(&scaled, &algo::sssp::Config { source: s, common: p.clone() }).unwrap().distance;
        let got = in_pool(c.threads, || kernel::sssp::run(&out, s, delta, &Default::default())).unwrap().distance;
        prop_assert_eq!(want, got);
        for variant in [pagerank::Variant::Ldbc, pagerank::Variant::Graphx] {
            let sources = if src % 3 == 0 { vec![s] } else { vec![] };
            let tolerance = if variant == pagerank::Variant::Ldbc { tol } else { None };
            let cfg = |cm: &Common| pagerank::Config { iterations: 25, tolerance, variant, sources: sources.clone(), common: cm.clone(), ..Default::default() };
            let (a, b) = (pagerank::run(&g, &cfg(&p)).unwrap(), in_pool(c.threads, || pagerank::run(&g, &cfg(&k))).unwrap());
            prop_assert_eq!(a.iterations, b.iterations);
            for (x, y) in a.rank.iter().zip(&b.rank) { prop_assert!(close(*x, *y, 1e-12), "{} vs {}", x, y); }
        }
    }

    #[test]
    fn mis_is_independent_maximal_and_the_same_on_any_thread_count(c in case(), seed in any::<i64>()) {
        let g = build(&c);
        let nb = neighbor_sets(&c);
        let cfg = algo::mis::Config { seed, ..Default::default() };
        let got = in_pool(c.threads, || algo::mis::run(&g, &cfg)).unwrap().selected;
        prop_assert_eq!(&got, &in_pool(1, || algo::mis::run(&g, &cfg)).unwrap().selected);
        let sel = |v: usize| got[dense(&c, v)];
        for v in 0..c.n {
            if sel(v) {
                prop_assert!(nb[v].iter().all(|&u| !sel(u)), "{} and a neighbour are both selected", v);
            } else {
                prop_assert!(nb[v].iter().any(|&u| sel(u)), "{} could be added", v);
            }
        }
    }

    #[test]
    fn graphframes_label_propagation_matches_its_definition(c in case(), iters in 0u32..8) {
        // GraphFrames' runInGraphFrames, step by step: labels along in-edges (both ways when
        // undirected), most frequent with ties to the smallest, NULL without messages, stop when
        // no label changed (a NULL on either side is no change).
        let g = build(&c);
        let mut label: Vec<Option<i64>> = (0..c.n).map(|i| Some(id_of(i))).collect();
        let mut runs = 0;
        while runs < iters {
            let mut next = vec![None; c.n];
            for (v, slot) in next.iter_mut().enumerate() {
                let mut count: HashMap<i64, usize> = HashMap::new();
                for &(a, b, _) in &c.edges {
                    if b == v && let Some(l) = label[a] { *count.entry(l).or_default() += 1; }
                    if !c.directed && a == v && let Some(l) = label[b] { *count.entry(l).or_default() += 1; }
                }
                *slot = count.iter().max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0))).map(|(&l, _)| l);
            }
            let changed = next.iter().zip(&label).any(|(a, b)| a.is_some() && b.is_some() && a != b);
            label = next;
            runs += 1;
            if !changed { break; }
        }
        let out = in_pool(c.threads, || algo::lpa::run(&g, iters, &common(&c))).unwrap();
        prop_assert_eq!(out.iterations, runs);
        let ember::ids::VertexIds::Int(ids) = g.ids() else { unreachable!() };
        for v in 0..c.n {
            prop_assert_eq!(out.label[dense(&c, v)].map(|l| ids[l as usize]), label[v], "vertex {}", v);
        }
    }

    #[test]
    fn kcore_matches_the_definition(c in case()) {
        // By definition: v's core number is the largest k such that v survives repeatedly
        // deleting the vertices with fewer than k neighbours left.
        let g = build(&c);
        let nb = neighbor_sets(&c);
        let got = in_pool(c.threads, || algo::kcore::run(&g, &Default::default())).unwrap().core;
        for v in 0..c.n {
            let survives = |k: usize| {
                let mut alive = vec![true; c.n];
                loop {
                    let drop: Vec<usize> = (0..c.n)
                        .filter(|&u| alive[u] && nb[u].iter().filter(|&&w| alive[w]).count() < k)
                        .collect();
                    if drop.is_empty() { return alive[v]; }
                    for u in drop { alive[u] = false; }
                }
            };
            let want = (0..=c.n).take_while(|&k| survives(k)).last().unwrap_or(0);
            prop_assert_eq!(got[dense(&c, v)] as usize, want, "vertex {}", v);
        }
    }

    #[test]
    fn neighbourhood_algorithms_match_brute_force(c in case(), iters in 0u32..6) {
        let g = build(&c);
        let cm = common(&c);
        let nb = neighbor_sets(&c);
        let arcs: BTreeSet<(usize, usize)> = c.edges.iter().filter(|e| e.0 != e.1)
            .flat_map(|&(u, v, _)| if c.directed { vec![(u, v)] } else { vec![(u, v), (v, u)] }).collect();
        let t = in_pool(c.threads, || algo::triangles::run(&g, &algo::triangles::Config { common: pregel_only(&cm) })).unwrap();
        let l = in_pool(c.threads, || algo::lcc::run(&g, &algo::lcc::Config { common: pregel_only(&cm) })).unwrap();
        for v in 0..c.n {
            let tri = nb[v].iter().flat_map(|&a| nb[v].iter().map(move |&b| (a, b))).filter(|&(a, b)| a < b && nb[a].contains(&b)).count();
            prop_assert_eq!(t.triangles[dense(&c, v)], tri as u64);
            let k = nb[v].len() as f64;
            let among = nb[v].iter().flat_map(|&a| nb[v].iter().map(move |&b| (a, b))).filter(|p| arcs.contains(p)).count();
            let want = if k < 2.0 { 0.0 } else { among as f64 / (k * (k - 1.0)) };
            prop_assert!(close(l.lcc[dense(&c, v)], want, 1e-12));
        }
        // CDLP: labels are original ids; neighbours with multiplicity over every edge end.
        let mut label: Vec<i64> = (0..c.n).map(id_of).collect();
        for _ in 0..iters {
            let mut next = label.clone();
            for (v, slot) in next.iter_mut().enumerate() {
                let mut count: HashMap<i64, usize> = HashMap::new();
                for &(a, b, _) in &c.edges {
                    if a == v { *count.entry(label[b]).or_default() += 1; }
                    if b == v { *count.entry(label[a]).or_default() += 1; }
                }
                if let Some(best) = count.iter().max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0))) { *slot = *best.0; }
            }
            label = next;
        }
        let ember::ids::VertexIds::Int(ids) = g.ids() else { unreachable!() };
        // The kernel and the Pregel program (labels collected as multisets by the combiner).
        for common in [cm.clone(), pregel_only(&cm)] {
            let out = in_pool(c.threads, || algo::cdlp::run(&g, &algo::cdlp::Config { iterations: iters, common })).unwrap();
            for v in 0..c.n {
                prop_assert_eq!(ids[out.label[dense(&c, v)] as usize], label[v]);
            }
        }
    }
}

#[test]
fn graphx_static_and_dynamic_agree_and_reproduce_graphx_formula() {
    // 0 -> 1 -> 2 -> 0, 2 -> 3 (3 dangling).
    let c = Case {
        n: 4,
        edges: vec![(0, 1, 1), (1, 2, 1), (2, 0, 1), (2, 3, 1)],
        directed: true,
        partitions: 2,
        strategy: 2,
        threads: 2,
    };
    let g = build(&c);
    let stat = pagerank::run(
        &g,
        &pagerank::Config { variant: pagerank::Variant::Graphx, iterations: 300, ..Default::default() },
    )
    .unwrap();
    let dynamic = pagerank::run(
        &g,
        &pagerank::Config {
            variant: pagerank::Variant::Graphx,
            tolerance: Some(1e-14),
            iterations: 10_000,
            ..Default::default()
        },
    )
    .unwrap();
    // GraphX static: x_{k+1}(v) = 0.15 + 0.85 * sum x_k(u)/outdeg(u), from x_0 = 1; then scaled to sum n.
    let mut x = [1.0f64; 4];
    let out = [1.0, 1.0, 2.0, 0.0];
    for _ in 0..300 {
        let mut y = [0.15; 4];
        for &(u, v, _) in &c.edges {
            y[v] += 0.85 * x[u] / out[u];
        }
        x = y;
    }
    let s: f64 = x.iter().sum();
    for i in 0..4 {
        let want = x[i] * 4.0 / s;
        assert!(close(stat.rank[dense(&c, i)], want, 1e-12), "static {i}");
        assert!(close(dynamic.rank[dense(&c, i)], want, 1e-9), "dynamic {i}: {} vs {want}", dynamic.rank[dense(&c, i)]);
    }
    assert!(dynamic.converged);
}

#[test]
fn personalized_pagerank_teleports_to_sources() {
    let c = Case {
        n: 5,
        edges: vec![(0, 1, 1), (1, 2, 1), (2, 0, 1), (3, 4, 1)],
        directed: true,
        partitions: 3,
        strategy: 0,
        threads: 2,
    };
    let g = build(&c);
    let s = dense(&c, 0) as u32;
    let pr = pagerank::run(
        &g,
        &pagerank::Config { sources: vec![s], tolerance: Some(1e-12), iterations: 1000, ..Default::default() },
    )
    .unwrap();
    // Vertices 3 and 4 are unreachable from the source: no rank.
    assert_eq!(pr.rank[dense(&c, 3)], 0.0);
    assert_eq!(pr.rank[dense(&c, 4)], 0.0);
    assert!(close(pr.rank.iter().sum::<f64>(), 1.0, 1e-9));
    assert!(pr.rank[dense(&c, 0)] > pr.rank[dense(&c, 1)] && pr.rank[dense(&c, 1)] > pr.rank[dense(&c, 2)]);
}
