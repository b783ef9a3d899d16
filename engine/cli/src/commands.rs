//! The smaller subcommands: `graphalytics`, `info`, `generate` and `bench`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use ember::{RunContext, graphalytics, output};

use crate::bench;
use crate::graph_args::{ExecArgs, GraphArgs};
use crate::out::{out, outln};
use crate::run::{print_graph, secs};

#[derive(Args, Debug)]
pub struct GraphalyticsArgs {
    /// An LDBC graph folder, or a folder of them.
    dir: PathBuf,
    /// Where to write G-ALG outputs.
    #[arg(long, short = 'o', default_value = "graphalytics-out")]
    out: PathBuf,
    /// Compare with the expected outputs; exit non-zero on any mismatch.
    #[arg(long)]
    validate: bool,
    #[command(flatten)]
    exec: ExecArgs,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    #[command(flatten)]
    graph: GraphArgs,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// kron (Graph500 R-MAT, permuted ids) or urand.
    #[arg(value_parser = ["kron", "urand"])]
    kind: String,
    /// 2^scale vertex ids.
    #[arg(long)]
    scale: u32,
    /// Edges per vertex id.
    #[arg(long, default_value_t = 16)]
    edge_factor: u32,
    /// Random seed (the same seed gives the same graph on any thread count).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Add integer weights in [1, 255].
    #[arg(long)]
    weighted: bool,
    /// Output: a SNAP-style edge list, or .parquet.
    #[arg(long, short = 'o')]
    out: PathBuf,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Datasets: graph files (read as --undirected/--simple say) or kron:S, urand:S[:weighted]
    /// (generated, symmetrized and simplified as GAP does).
    #[arg(required = true)]
    datasets: Vec<String>,
    /// Algorithms, comma-separated: any of `ember run --help` [default: the four with kernels,
    /// pagerank,wcc,bfs,sssp, which the peers run too].
    #[arg(long, value_delimiter = ',')]
    algorithms: Vec<String>,
    /// Timed trials after one warm-up (the median is reported).
    #[arg(long, default_value_t = 3)]
    trials: usize,
    /// Read graph files as undirected.
    #[arg(long)]
    undirected: bool,
    /// Remove self-loops and parallel edges from graph files.
    #[arg(long)]
    simple: bool,
    /// --engine auto measures the kernels, and PageRank once more on Pregel for the ratio.
    #[command(flatten)]
    exec: ExecArgs,
    /// Peer systems to run on the same graph files, alternating with Ember: networkit, igraph, graphx, gap (the GAP Benchmark Suite, built from ../shared/peers/gapbs or $EMBER_GAPBS).
    #[arg(long, value_delimiter = ',')]
    peers: Vec<String>,
    /// Where the peer drivers are.
    #[arg(long, default_value = "benches/peers")]
    peers_dir: PathBuf,
    /// Bucket width of the delta-stepping SSSP kernel (default: from the mean weight and degree).
    #[arg(long)]
    sssp_delta: Option<f64>,
    /// Timed runs per peer and kernel (default: --trials).
    #[arg(long)]
    peer_trials: Option<usize>,
    /// Also write the rows as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also time motif finding: the matches of this pattern (GraphFrames' language, as in SQL's
    /// motifs()), counted over the dataset's vertex and edge tables; repeatable.
    #[arg(long = "motif")]
    motifs: Vec<String>,
    /// Also time PageRank written as a GraphFrames Pregel program of SQL expressions, trial
    /// by trial alternating with the built-in Pregel PageRank (the ratio is in the check column).
    #[arg(long)]
    expr_pagerank: bool,
    /// Measure running across processes instead: trials alternate between these process counts
    /// (e.g. 1,2,4; 1 = the single-process Pregel engine), each a child `ember run --json` on the
    /// dataset file, reporting compute time, the ratio to one process, bytes sent between
    /// processes per superstep and each process's peak RSS.
    #[arg(long, value_delimiter = ',', help_heading = "Distributed runs")]
    processes: Vec<usize>,
    /// Worker threads per process with --processes.
    #[arg(long, default_value_t = 1, help_heading = "Distributed runs")]
    workers: usize,
}

pub fn graphalytics_cmd(a: GraphalyticsArgs) -> Result<ExitCode> {
    let dirs = graphalytics::graph_dirs(&a.dir)?;
    let common = a.exec.common(RunContext::default())?;
    let (mut ok, mut bad) = (0, 0);
    for d in dirs {
        let name = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let out_dir = if a.dir == d { a.out.clone() } else { a.out.join(&name) };
        let cases = graphalytics::run_graph(&d, &out_dir, a.validate, &common)
            .with_context(|| format!("graph {}", d.display()))?;
        for c in cases {
            let verdict = match &c.validation {
                None => "done".to_string(),
                Some(Ok(())) => {
                    ok += 1;
                    "ok".to_string()
                }
                Some(Err(why)) => {
                    bad += 1;
                    format!("MISMATCH: {why}")
                }
            };
            outln!("{:<24} {:<5} {:>10}  {verdict}", c.graph, c.algorithm.to_uppercase(), secs(c.elapsed));
        }
    }
    if a.validate {
        outln!("validation: {ok} passed, {bad} failed");
    }
    Ok(if bad > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

pub fn info(a: InfoArgs) -> Result<ExitCode> {
    let g = a.graph.load()?;
    let common = a.graph.exec.common(RunContext::default())?;
    let pg = common.partition(&g)?;
    print_graph(&g, Some(pg.report()));
    let (out, inn) = g.degrees();
    let stat = |name: &str, d: &[u32]| {
        let max = d.iter().max().copied().unwrap_or(0);
        let mean = d.iter().map(|&x| x as f64).sum::<f64>() / d.len().max(1) as f64;
        let zero = d.iter().filter(|&&x| x == 0).count();
        outln!("{name}: mean {mean:.3}, max {max}, zero {zero}");
    };
    if g.is_directed() {
        stat("out-degree", &out);
        stat("in-degree", &inn);
    } else {
        let deg: Vec<u32> = out.iter().zip(&inn).map(|(a, b)| a + b).collect();
        stat("degree", &deg);
    }
    let r = pg.report();
    outln!("edges per partition: {:?}", r.edges_per_partition);
    outln!("vertices per partition: {:?}", r.vertices_per_partition);
    Ok(ExitCode::SUCCESS)
}

pub fn generate_cmd(a: GenerateArgs) -> Result<ExitCode> {
    use ember::generate;
    let cfg = generate::Config {
        kind: generate::Kind::parse(&a.kind)?,
        scale: a.scale,
        edge_factor: a.edge_factor,
        seed: a.seed,
        weighted: a.weighted,
    };
    let t = Instant::now();
    let edges = generate::generate(&cfg)?;
    let gen_t = t.elapsed();
    let t = Instant::now();
    generate::write(&edges, &cfg, &a.out)?;
    outln!(
        "{} vertex ids, {} edges; generate {}, write {}; wrote {}",
        1u64 << a.scale,
        edges.src.len(),
        secs(gen_t),
        secs(t.elapsed()),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn bench_cmd(a: BenchArgs) -> Result<ExitCode> {
    let options = ember::GraphOptions {
        directed: !a.undirected,
        drop_self_loops: a.simple,
        dedupe: a.simple,
        ..Default::default()
    };
    let cfg = bench::BenchConfig {
        algorithms: if a.algorithms.is_empty() {
            bench::BenchConfig::default().algorithms
        } else {
            a.algorithms.clone()
        },
        trials: a.trials,
        common: a.exec.common(RunContext::default())?,
        peers: a.peers.clone(),
        peers_dir: a.peers_dir.clone(),
        peer_trials: a.peer_trials.unwrap_or(a.trials),
        sssp_delta: a.sssp_delta,
        motifs: a.motifs.clone(),
        expr_pagerank: a.expr_pagerank,
        ..Default::default()
    };
    for name in &a.algorithms {
        if let Err(e) = ember::registry::lookup(name) {
            bail!("bench: {}", e.to_string().trim_start_matches("invalid configuration: "));
        }
    }
    for m in &a.motifs {
        ember::query::pattern::parse(m).map_err(|e| anyhow::anyhow!("bench: --motif: {e}"))?;
    }
    for p in &a.peers {
        if !bench::peers::KNOWN.contains(&p.as_str()) {
            bail!("unknown peer '{p}'; known: {}", bench::peers::KNOWN.join(", "));
        }
    }
    if !a.processes.is_empty() {
        return bench_processes(&a, &cfg, &options);
    }
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for d in &a.datasets {
        let ds = bench::Dataset::parse(d, &options)?;
        eprintln!("benchmarking {} ...", ds.name());
        let out = bench::run(&ds, &cfg).with_context(|| format!("dataset {d}"))?;
        rows.extend(out.rows);
        notes.extend(out.notes);
    }
    out!("{}", bench::markdown(&rows));
    // A second table when there is something to compare the kernels with.
    if rows.iter().any(|r| r.engine != "kernel") {
        outln!();
        out!("{}", bench::side_by_side(&rows));
    }
    for n in &notes {
        outln!("note: {n}");
    }
    outln!(
        "threads: {}, trials: {} after a warm-up (median), partitions: {}",
        rayon::current_num_threads(),
        a.trials,
        rows.first().map(|r| r.partitions).unwrap_or(0)
    );
    if let Some(p) = &a.json {
        output::write_atomic(p, |w| {
            use std::io::Write;
            w.write_all(bench::json(&rows).as_bytes()).map_err(|e| ember::Error::Io { path: p.clone(), source: e })
        })?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `ember bench --processes 1,2,4`: see [`bench::processes`].
fn bench_processes(a: &BenchArgs, cfg: &bench::BenchConfig, options: &ember::GraphOptions) -> Result<ExitCode> {
    if !(1..=1024).contains(&a.workers) {
        bail!("--workers must be 1..=1024, got {}", a.workers);
    }
    if !a.peers.is_empty() || !a.motifs.is_empty() || a.expr_pagerank {
        bail!("bench: --processes measures Ember across processes alone; drop --peers, --motif and --expr-pagerank");
    }
    let mut rows = Vec::new();
    for d in &a.datasets {
        let ds = bench::Dataset::parse(d, options)?;
        let bench::Dataset::File { spec, .. } = &ds else {
            bail!("bench --processes runs `ember run` on a file: write {d} with `ember generate` and bench the file");
        };
        eprintln!("benchmarking {} across processes ...", ds.name());
        let (source, weighted) = bench::source_and_weights(&ds).with_context(|| format!("dataset {d}"))?;
        let mut algorithms = Vec::new();
        for name in &cfg.algorithms {
            let spec_ = ember::registry::lookup(name)?;
            if !spec_.engines.pregel {
                bail!("bench --processes: {name} has no Pregel program, so it cannot run across processes");
            }
            if name == ember::algo::sssp::SPEC.name && !weighted {
                eprintln!("  sssp skipped: the graph has no weights");
                continue;
            }
            let mut extra = Vec::new();
            if spec_.param("source").is_some_and(|p| p.required()) {
                extra.extend(["--source".to_string(), source.clone()]);
            }
            if name == ember::algo::pagerank::SPEC.name {
                extra.extend(["--iterations".to_string(), cfg.pagerank_iterations.to_string()]);
            }
            algorithms.push((name.clone(), extra));
        }
        let mut read_flags = Vec::new();
        if a.undirected {
            read_flags.push("--undirected".to_string());
        }
        if a.simple {
            read_flags.push("--simple".to_string());
        }
        let pcfg = bench::processes::Config {
            file: &spec.edges,
            read_flags,
            algorithms,
            processes: a.processes.clone(),
            workers: a.workers,
            trials: a.trials,
            pass: a.exec.partition_flags(),
        };
        rows.extend(bench::processes::run(&pcfg).with_context(|| format!("dataset {d}"))?);
    }
    out!("{}", bench::processes::markdown(&rows));
    outln!(
        "trials: {} after a warm-up round, alternating process counts; compute = the job's own compute time; machine threads: {}",
        a.trials,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if let Some(p) = &a.json {
        output::write_atomic(p, |w| {
            use std::io::Write;
            w.write_all(bench::processes::json(&rows).as_bytes())
                .map_err(|e| ember::Error::Io { path: p.clone(), source: e })
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
