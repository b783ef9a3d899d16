//! A vertex program written outside the crate with the public Pregel API: k-hop reachability
//! (which vertices are within k hops of a seed set), checked against BFS.

use ember::algo::{self, Common, Engine};
use ember::load::{LoadSpec, load};
use ember::pregel::{ActiveDirection, Msgs, PregelConfig, pregel};
use ember::{PartitionedGraph, RunContext, Strategy};

use crate::helpers::data;

/// Hops from the nearest seed, capped at k (u32::MAX beyond).
fn k_hop(pg: &PartitionedGraph<'_>, seeds: &[u32], k: u32) -> Vec<u32> {
    let n = pg.graph().num_vertices();
    let mut init = vec![u32::MAX; n];
    for &s in seeds {
        init[s as usize] = 0;
    }
    let edges = vec![(); pg.graph().num_edges()];
    let cfg = PregelConfig { max_supersteps: k, direction: ActiveDirection::Out };
    pregel(
        pg,
        init,
        &edges,
        u32::MAX,
        &cfg,
        &RunContext::default(),
        |_, &a, &m| a.min(m),
        |t| if *t.src_attr < k && t.src_attr + 1 < *t.dst_attr { Msgs::to_dst(t.src_attr + 1) } else { Msgs::none() },
        |a, b| a.min(b),
    )
    .unwrap()
    .attrs
}

#[test]
fn k_hop_reachability_matches_bfs() {
    let g = load(&LoadSpec::new(data().join("p2p-Gnutella05.txt.gz"))).unwrap();
    let pg = PartitionedGraph::new(&g, Strategy::EdgePartition2D, 4).unwrap();
    let seed = g.vertex_index("0").unwrap();
    let bfs = algo::bfs::run_partitioned(&pg, &algo::bfs::Config { source: seed, common: Common::default() }).unwrap();
    for k in [0, 1, 3, 6] {
        let r = k_hop(&pg, &[seed], k);
        for (v, &h) in bfs.hops.iter().enumerate() {
            let want = if h <= k { h } else { u32::MAX };
            assert_eq!(r[v], want, "k={k} v={v}");
        }
    }
}

#[test]
fn observer_sees_every_superstep_and_cancel_stops_the_run() {
    let g = load(&LoadSpec::new(data().join("power-grid.txt.gz"))).unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let ctx = RunContext {
        observer: Some(std::sync::Arc::new(move |s| s2.lock().unwrap().push(s.clone()))),
        ..Default::default()
    };
    let out = algo::wcc::run(
        &g,
        &algo::wcc::Config {
            max_supersteps: None,
            common: Common { ctx, engine: Engine::Pregel, ..Default::default() },
        },
    )
    .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len() as u32, out.supersteps + 1);
    assert!(seen.iter().enumerate().all(|(i, s)| s.superstep == i as u32));
    assert_eq!(seen.last().unwrap().messages, 0);

    // Cancel from the observer after superstep 2.
    let ctx = RunContext::default();
    let token = ctx.cancel.clone();
    let ctx = RunContext {
        observer: Some(std::sync::Arc::new(move |s| {
            if s.superstep == 2 {
                token.cancel()
            }
        })),
        ..ctx
    };
    let e = algo::wcc::run(
        &g,
        &algo::wcc::Config {
            max_supersteps: None,
            common: Common { ctx, engine: Engine::Pregel, ..Default::default() },
        },
    )
    .unwrap_err();
    assert!(matches!(e, ember::Error::Cancelled));
}

#[path = "../../engine/examples/max_value.rs"]
pub(crate) mod max_value_example;

#[test]
fn shipped_max_value_example_reaches_each_component_maximum() {
    let g = load(&LoadSpec::new(data().join("p2p-Gnutella05.txt.gz"))).unwrap();
    let pg = PartitionedGraph::new(&g, Strategy::RandomVertexCut, 5).unwrap();
    let init: Vec<u64> = (0..g.num_vertices() as u64).map(|v| (v * 7919) % 10_007).collect();
    let res = max_value_example::propagate_max(&pg, init.clone()).unwrap();
    let wcc = algo::wcc::run_partitioned(&pg, &algo::wcc::Config::default()).unwrap();
    let mut best = std::collections::HashMap::new();
    for (v, &c) in wcc.component.iter().enumerate() {
        let b = best.entry(c).or_insert(0u64);
        *b = (*b).max(init[v]);
    }
    for (v, &c) in wcc.component.iter().enumerate() {
        assert_eq!(res.attrs[v], best[&c], "vertex {v}");
    }
}

#[test]
fn aggregate_messages_ships_only_the_fields_it_is_told() {
    use ember::TripletFields;
    use ember::pregel::aggregate_messages;
    let g = load(&LoadSpec::new(data().join("email-Eu-core.txt.gz"))).unwrap();
    let attrs: Vec<u64> = (0..g.num_vertices() as u64).map(|v| v * v + 1).collect();
    let edges = vec![(); g.num_edges()];
    let mut want = vec![0u64; g.num_vertices()];
    for (&s, &d) in g.src().iter().zip(g.dst()) {
        want[d as usize] += attrs[s as usize];
    }
    for p in [1, 3, 8] {
        let pg = PartitionedGraph::new(&g, Strategy::RandomVertexCut, p).unwrap();
        let got =
            aggregate_messages(&pg, &attrs, &edges, TripletFields::Src, |t| Msgs::to_dst(*t.src_attr), |a, b| a + b)
                .unwrap();
        let got: Vec<u64> = got.into_iter().map(|m| m.unwrap_or(0)).collect();
        assert_eq!(got, want, "{p} partitions");
        // With Dst only, a source replica that is never a destination holds the placeholder.
        let placeholder =
            aggregate_messages(&pg, &attrs, &edges, TripletFields::Dst, |t| Msgs::to_dst(*t.src_attr), |a, b| a + b)
                .unwrap();
        let differs = placeholder.iter().zip(&want).any(|(a, b)| a.unwrap_or(0) != *b);
        assert!(differs, "Dst-only shipping should not deliver source attributes");
    }
}
