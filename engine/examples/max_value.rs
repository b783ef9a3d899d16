//! A vertex program written against Ember's public Pregel API: max-value propagation (the
//! example of the Pregel paper). Every vertex starts with a value; in each superstep a vertex
//! that learned a larger value passes it along its edges (both ways here), so at the end each
//! vertex holds the largest value of its weakly connected component.
//!
//! Run: `cargo run --example max_value -- graphs/karate.txt.gz`

use ember::load::{LoadSpec, load};
use ember::pregel::{ActiveDirection, Msgs, PregelConfig, PregelResult, pregel};
use ember::{PartitionedGraph, RunContext, Strategy};

/// Propagates the maximum of `init` through every weakly connected component.
pub fn propagate_max(pg: &PartitionedGraph<'_>, init: Vec<u64>) -> ember::Result<PregelResult<u64>> {
    let edges = vec![(); pg.graph().num_edges()];
    let cfg = PregelConfig { max_supersteps: u32::MAX, direction: ActiveDirection::Either };
    pregel(
        pg,
        init,
        &edges,
        0u64,
        &cfg,
        &RunContext::default(),
        // vprog: keep the larger of what we have and what we heard.
        |_, &value, &msg| value.max(msg),
        // send_msg: tell the endpoint with the smaller value about the larger one.
        |t| {
            if t.src_attr > t.dst_attr {
                Msgs::to_dst(*t.src_attr)
            } else if t.dst_attr > t.src_attr {
                Msgs::to_src(*t.dst_attr)
            } else {
                Msgs::none()
            }
        },
        // merge_msg: commutative and associative.
        |a, b| a.max(b),
    )
}

#[allow(dead_code)] // the integration tests include this file for `propagate_max`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "graphs/karate.txt.gz".into());
    let graph = load(&LoadSpec::new(&path))?;
    let pg = PartitionedGraph::new(&graph, Strategy::default(), 4)?;

    // Initial value of a vertex: a hash of its id, so the maximum is somewhere in the middle.
    let init: Vec<u64> =
        (0..graph.num_vertices() as u32).map(|v| (v as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40).collect();
    let result = propagate_max(&pg, init.clone())?;
    let max = init.iter().max().copied().unwrap_or(0);
    let holders = result.attrs.iter().filter(|&&v| v == max).count();
    println!(
        "{} vertices, {} edges: {} supersteps, {} messages; {holders} vertices hold the maximum {max}",
        graph.num_vertices(),
        graph.num_edges(),
        result.supersteps,
        result.messages
    );
    Ok(())
}
