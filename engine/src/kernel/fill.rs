//! Filling a CSR's target (and weight) arrays from an edge list: a two-pass radix partition, so
//! that no pass writes at random over the whole array.
//!
//! Placing each arc straight at its source's cursor writes to a random cache line of an array
//! far larger than the cache, and with an atomic cursor per vertex every such write waits for the
//! previous one (33 s for kron-24's 521M arcs on this 2-core machine). Here pass 1 sends each arc
//! to its *bucket* (2^k consecutive vertices, at most 1,024 buckets), whose region of the target
//! array is known from the offsets: every chunk of edges writes into at most 1,024 sequential
//! streams. Pass 2 places the arcs of one bucket at their vertices' cursors inside that region (a
//! few MB at kron-24, within the L3 cache). Each arc's source is kept beside it between the
//! passes (4 bytes per arc, freed at the end).
//!
//! Invariants: `offsets` are the CSR's (per source vertex, in the numbering of `src`/`dst`);
//! every list ends up holding exactly its vertex's arcs, in an order that depends on thread
//! timing (the caller sorts each list).

use std::ops::Range;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use rayon::prelude::*;

use super::{Direction, split_mut};

/// Buckets of about `BUCKET_ARCS` arcs on average, at most `MAX_BUCKETS` of them; 2^k vertices
/// each. Fewer, larger buckets won here: WCC's CSR at kron-24 took 14.8 s with 16,384 buckets,
/// 12.6-13.1 s with 4,096, 11.0 s with 2,048 and 10.0 s with 1,024 (pass 1's write streams are
/// the cost; pass 2's buckets, ~0.5M arcs at kron-24, are read and written in order anyway).
const BUCKET_ARCS: usize = 1 << 15;
const MAX_BUCKETS: usize = 1 << 10;

/// The arcs of `src -> dst` edges in `dir`, grouped by source per `offsets`: the target array
/// and, with `w`, the weights aligned with it.
pub(crate) fn fill(
    src: &[u32],
    dst: &[u32],
    dir: Direction,
    offsets: &[u64],
    w: Option<&[f64]>,
) -> (Vec<u32>, Option<Vec<f64>>) {
    let n = offsets.len() - 1;
    let m = offsets[n] as usize;
    let want = (m / BUCKET_ARCS).clamp(1, MAX_BUCKETS);
    let shift = (n.div_ceil(want).max(1)).next_power_of_two().trailing_zeros();
    let buckets = n.div_ceil(1 << shift).max(1);
    let bucket_of = |v: u32| (v >> shift) as usize;

    // Pass 0: arcs per (chunk of edges, bucket).
    let chunks: Vec<Range<usize>> = {
        let k = rayon::current_num_threads() * 4;
        let per = src.len().div_ceil(k).max(1);
        (0..src.len().div_ceil(per)).map(|c| c * per..((c + 1) * per).min(src.len())).collect()
    };
    let counts: Vec<Vec<u64>> = chunks
        .par_iter()
        .map(|r| {
            let mut c = vec![0u64; buckets];
            for e in r.clone() {
                each_arc(src[e], dst[e], dir, |from, _| c[bucket_of(from)] += 1);
            }
            c
        })
        .collect();
    // Where each chunk's arcs of each bucket start: the bucket's region, chunk by chunk.
    let mut starts: Vec<Vec<u64>> = vec![vec![0u64; buckets]; chunks.len()];
    for b in 0..buckets {
        let mut at = offsets[(b << shift).min(n)];
        for (c, count) in counts.iter().enumerate() {
            starts[c][b] = at;
            at += count[b];
        }
    }
    drop(counts);

    // Pass 1: each arc to its bucket's region, its source beside it. Positions are disjoint
    // across chunks; relaxed atomic stores are plain stores.
    let targets: Vec<AtomicU32> = (0..m).into_par_iter().map(|_| AtomicU32::new(0)).collect();
    let sources: Vec<AtomicU32> = (0..m).into_par_iter().map(|_| AtomicU32::new(0)).collect();
    let weights: Option<Vec<AtomicU64>> = w.map(|_| (0..m).into_par_iter().map(|_| AtomicU64::new(0)).collect());
    chunks.par_iter().zip(starts).for_each(|(r, mut cursor)| {
        for e in r.clone() {
            each_arc(src[e], dst[e], dir, |from, to| {
                let at = &mut cursor[bucket_of(from)];
                targets[*at as usize].store(to, Relaxed);
                sources[*at as usize].store(from, Relaxed);
                if let (Some(ws), Some(w)) = (&weights, w) {
                    ws[*at as usize].store(w[e].to_bits(), Relaxed);
                }
                *at += 1;
            });
        }
    });
    // Same size and alignment: these collects reuse the allocations in place.
    let mut targets: Vec<u32> = targets.into_iter().map(AtomicU32::into_inner).collect();
    let mut sources: Vec<u32> = sources.into_iter().map(AtomicU32::into_inner).collect();
    let mut weights: Option<Vec<f64>> =
        weights.map(|ws| ws.into_iter().map(|x| f64::from_bits(x.into_inner())).collect());

    // Pass 2: inside each bucket's region, each arc to its source's list.
    let ranges: Vec<Range<u32>> =
        (0..buckets).map(|b| (b << shift) as u32..(((b + 1) << shift).min(n)) as u32).collect();
    let t_pieces = split_mut(&mut targets, offsets, &ranges);
    let s_pieces = split_mut(&mut sources, offsets, &ranges);
    let w_pieces: Vec<Option<&mut [f64]>> = match &mut weights {
        Some(ws) => split_mut(ws, offsets, &ranges).into_iter().map(Some).collect(),
        None => ranges.iter().map(|_| None).collect(),
    };
    t_pieces.into_par_iter().zip(s_pieces).zip(w_pieces).zip(ranges.par_iter()).for_each_init(
        || (Vec::<u32>::new(), Vec::<f64>::new(), Vec::<u64>::new()),
        |(tmp_t, tmp_w, cursor), (((t, s), mut wp), r)| {
            let base = offsets[r.start as usize];
            cursor.clear();
            cursor.extend(offsets[r.start as usize..r.end as usize].iter().map(|&o| o - base));
            tmp_t.clear();
            tmp_t.extend_from_slice(t);
            if let Some(wp) = wp.as_deref() {
                tmp_w.clear();
                tmp_w.extend_from_slice(wp);
            }
            for (i, &from) in s.iter().enumerate() {
                let c = &mut cursor[(from - r.start) as usize];
                t[*c as usize] = tmp_t[i];
                if let Some(wp) = wp.as_deref_mut() {
                    wp[*c as usize] = tmp_w[i];
                }
                *c += 1;
            }
        },
    );
    (targets, weights)
}

/// The arcs of edge `s -> d` in `dir` as (from, to): one in `Out`/`In`, two in `Both`.
#[inline(always)]
fn each_arc(s: u32, d: u32, dir: Direction, mut f: impl FnMut(u32, u32)) {
    match dir {
        Direction::Out => f(s, d),
        Direction::In => f(d, s),
        Direction::Both => {
            f(s, d);
            f(d, s);
        }
    }
}
