//! Synthetic benchmark graphs: Graph500 Kronecker (R-MAT with A=0.57, B=0.19, C=0.19, vertex
//! ids permuted, as Graph500, GAP and LDBC's graph500-XX use) and GAP's uniform random graph
//! (`urand`), with optional integer weights in [1, 255].
//!
//! Deterministic for a seed whatever the thread count: every random number comes from a
//! counter-based generator (SplitMix64 of seed, stream and index), so edge `e` is the same on
//! any machine. Edges are directed as generated; loaders can symmetrize (`--undirected`) and
//! simplify (`--simple`) as GAP does.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch, UInt8Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::output;

/// Which generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Kron,
    Urand,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind> {
        match s {
            "kron" | "kronecker" | "graph500" => Ok(Kind::Kron),
            "urand" | "uniform" => Ok(Kind::Urand),
            other => Err(Error::Config(format!("unknown generator '{other}'; known: kron, urand"))),
        }
    }
}

/// Generator settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub kind: Kind,
    /// 2^scale vertex ids.
    pub scale: u32,
    /// Edges per vertex id (Graph500: 16).
    pub edge_factor: u32,
    pub seed: u64,
    pub weighted: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config { kind: Kind::Kron, scale: 10, edge_factor: 16, seed: 1, weighted: false }
    }
}

/// A generated edge list. Ids are the dense indices `0..2^scale` themselves (scale <= 31, so
/// they fit `u32`): 8 bytes per edge, no id dictionary to build.
#[derive(Debug, Clone, PartialEq)]
pub struct Edges {
    pub src: Vec<u32>,
    pub dst: Vec<u32>,
    pub weight: Option<Vec<u8>>,
}

#[inline]
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `i`-th random 64-bit number of `stream` for `seed`.
#[inline]
fn rand(seed: u64, stream: u64, i: u64) -> u64 {
    splitmix(splitmix(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93)) ^ i)
}

/// A random permutation of `0..n` (Fisher-Yates driven by the counter generator).
fn permutation(n: u64, seed: u64) -> Vec<u32> {
    // n <= 2^31 (scale <= 31): every id fits u32.
    let mut p: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let j = rand(seed, 3, i) % (i + 1);
        p.swap(i as usize, j as usize);
    }
    p
}

pub fn generate(cfg: &Config) -> Result<Edges> {
    if cfg.scale == 0 || cfg.scale > 31 {
        return Err(Error::Config(format!("scale must be 1..=31, got {}", cfg.scale)));
    }
    if cfg.edge_factor == 0 {
        return Err(Error::Config("edge factor must be at least 1".into()));
    }
    let n = 1u64 << cfg.scale;
    let m = n * cfg.edge_factor as u64;
    let seed = cfg.seed;
    let (src, dst): (Vec<u32>, Vec<u32>) = match cfg.kind {
        Kind::Urand => {
            (0..m).into_par_iter().map(|e| ((rand(seed, 1, e) % n) as u32, (rand(seed, 2, e) % n) as u32)).unzip()
        }
        Kind::Kron => {
            // Graph500's quadrant probabilities as 32-bit thresholds (GAP's integer form): a
            // draw below A picks (0,0), below A+B (0,1), below A+B+C (1,0), else (1,1).
            const MAX: f64 = u32::MAX as f64;
            let (a, ab, abc) = ((0.57 * MAX) as u32, (0.76 * MAX) as u32, (0.95 * MAX) as u32);
            let perm = permutation(n, seed);
            let mut src = vec![0u32; m as usize];
            let mut dst = vec![0u32; m as usize];
            // Chunks of edges: first every edge's quadrant walk, then the permuted ids, so the
            // two random reads of `perm` per edge are independent loads whose cache misses
            // overlap. Measured against one map/unzip (single runs): kron-22 generation 4.6-4.7 s
            // against 6.1 s; kron-20, whose permutation is 4 MB, 1.08 against 1.10-1.14 s.
            const CHUNK: usize = 1 << 12;
            src.par_chunks_mut(CHUNK).zip(dst.par_chunks_mut(CHUNK)).enumerate().for_each(|(c, (s, d))| {
                for (k, (s, d)) in s.iter_mut().zip(d.iter_mut()).enumerate() {
                    let e = (c * CHUNK + k) as u64;
                    // Edge e's own SplitMix64 stream (seeded by the counter generator, so the
                    // edge does not depend on the thread that makes it); each 64-bit number
                    // gives two levels' 32-bit draws.
                    let mut state = rand(seed, 4, e);
                    let (mut i, mut j) = (0u32, 0u32);
                    let mut bits = 0u64;
                    for level in 0..cfg.scale {
                        let r = if level % 2 == 0 {
                            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                            bits = splitmix(state);
                            bits as u32
                        } else {
                            (bits >> 32) as u32
                        };
                        i = (i << 1) | u32::from(r >= ab);
                        j = (j << 1) | u32::from((r >= a && r < ab) || r >= abc);
                    }
                    (*s, *d) = (i, j);
                }
                for x in s.iter_mut().chain(d.iter_mut()) {
                    *x = perm[*x as usize];
                }
            });
            (src, dst)
        }
    };
    let weight = cfg.weighted.then(|| (0..m).into_par_iter().map(|e| (rand(seed, 5, e) % 255 + 1) as u8).collect());
    Ok(Edges { src, dst, weight })
}

/// The graph of generated `edges`: all `2^scale` ids are vertices (isolated ones included, as
/// GAP counts them), built from the dense ids directly (no dictionary); `opts` as for files
/// (symmetrize, simplify).
pub fn graph(edges: Edges, cfg: &Config, opts: &crate::graph::GraphOptions) -> Result<crate::graph::Graph> {
    let weight = edges.weight.map(|w| w.into_par_iter().map(f64::from).collect());
    crate::graph::Graph::from_dense_edges(1usize << cfg.scale, edges.src, edges.dst, weight, opts)
}

/// Writes edges as a SNAP-style edge list (`src<TAB>dst[<TAB>weight]`) or, for `.parquet`,
/// as a Parquet table (`src`, `dst`, `weight`), through a temporary file.
pub fn write(edges: &Edges, cfg: &Config, path: &Path) -> Result<()> {
    let parquet = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if parquet {
        let mut fields = vec![Field::new("src", DataType::Int64, false), Field::new("dst", DataType::Int64, false)];
        let mut cols: Vec<datafusion::arrow::array::ArrayRef> = [&edges.src, &edges.dst]
            .map(|c| Arc::new(Int64Array::from_iter_values(c.iter().map(|&x| i64::from(x)))) as _)
            .to_vec();
        if let Some(w) = &edges.weight {
            fields.push(Field::new("weight", DataType::UInt8, false));
            cols.push(Arc::new(UInt8Array::from(w.clone())));
        }
        let batch =
            RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| Error::arrow("building edges", e))?;
        return output::write_batches(&[batch], path);
    }
    let header = format!(
        "# Ember {} generator: scale {}, edge factor {}, seed {}{}\n# {} vertex ids, {} directed edges\n",
        match cfg.kind {
            Kind::Kron => "Graph500 Kronecker (A=0.57, B=0.19, C=0.19, permuted)",
            Kind::Urand => "uniform random",
        },
        cfg.scale,
        cfg.edge_factor,
        cfg.seed,
        if edges.weight.is_some() { ", weights 1..=255" } else { "" },
        1u64 << cfg.scale,
        edges.src.len()
    );
    // Format in parallel chunks, write in order.
    const CHUNK: usize = 1 << 18;
    let chunks: Vec<Vec<u8>> = (0..edges.src.len().div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut buf = Vec::with_capacity(CHUNK * 16);
            for e in c * CHUNK..((c + 1) * CHUNK).min(edges.src.len()) {
                let _ = match &edges.weight {
                    Some(w) => writeln!(buf, "{}\t{}\t{}", edges.src[e], edges.dst[e], w[e]),
                    None => writeln!(buf, "{}\t{}", edges.src[e], edges.dst[e]),
                };
            }
            buf
        })
        .collect();
    output::write_atomic(path, |w| {
        w.write_all(header.as_bytes()).map_err(|e| Error::io(path, e))?;
        for c in &chunks {
            w.write_all(c).map_err(|e| Error::io(path, e))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_independent_of_threads() {
        let cfg = Config { scale: 12, weighted: true, ..Default::default() };
        let a = generate(&cfg).unwrap();
        let b = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| generate(&cfg).unwrap());
        assert_eq!(a, b);
        assert_eq!(a.src.len(), 16 << 12);
        assert!(a.weight.as_ref().unwrap().iter().all(|&w| (1..=255).contains(&w)));
        let c = generate(&Config { seed: 2, ..cfg }).unwrap();
        assert_ne!(a.src, c.src);
    }

    #[test]
    fn kronecker_is_skewed_and_urand_is_not() {
        let deg_max = |e: &Edges| {
            let mut d = vec![0u32; 1 << 12];
            for &s in &e.src {
                d[s as usize] += 1;
            }
            *d.iter().max().unwrap()
        };
        let k = generate(&Config { scale: 12, ..Default::default() }).unwrap();
        let u = generate(&Config { kind: Kind::Urand, scale: 12, ..Default::default() }).unwrap();
        // Average out-degree is 16 in both; R-MAT's hubs are far above it, urand's are not.
        assert!(deg_max(&k) > 200, "{}", deg_max(&k));
        assert!(deg_max(&u) < 50, "{}", deg_max(&u));
        assert!(k.src.iter().chain(&k.dst).all(|&v| (0..1 << 12).contains(&v)));
    }
}
