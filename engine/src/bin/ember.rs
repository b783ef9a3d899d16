//! The `ember` command line: run graph algorithms on files, the LDBC Graphalytics suite, and
//! graph statistics. Errors end the process with one line on stderr and exit code 1.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ember::algo::{self, Common};
use ember::datafusion::arrow::array::RecordBatch;
use ember::graph::Graph;
use ember::load::{self, Format, LoadSpec};
use ember::{PartitionedGraph, RunContext, Strategy, SuperstepStats, graphalytics, output};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(name = "ember", version, about = "Ember graph engine: Pregel/GraphX-style graph algorithms over Arrow")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one algorithm on a graph and print a summary (and optionally write the result).
    Run(RunArgs),
    /// Run the LDBC Graphalytics algorithms of one graph folder (or of every graph folder
    /// inside DIR) and optionally validate them against the expected outputs.
    Graphalytics(GraphalyticsArgs),
    /// Print vertex/edge counts, degree statistics and the partition report of a graph.
    Info(InfoArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Algorithm {
    Pagerank,
    Wcc,
    Scc,
    Sssp,
    Bfs,
    Landmarks,
    Cdlp,
    Lcc,
    Triangles,
    Degrees,
}

#[derive(Args)]
struct GraphArgs {
    /// Edge file: SNAP edge list (.txt, .gz), CSV, Parquet, Matrix Market (.mtx), DIMACS (.gr),
    /// or an LDBC graph folder / .properties file.
    #[arg(long)]
    edges: PathBuf,
    /// Vertex file: a table with an `id` column (CSV/Parquet) or one id per line (text).
    #[arg(long)]
    vertices: Option<PathBuf>,
    /// Input format (default: from the file name).
    #[arg(long, value_parser = Format::NAMES.to_vec())]
    format: Option<String>,
    /// Treat edges as undirected.
    #[arg(long)]
    undirected: bool,
    /// Remove self-loops.
    #[arg(long)]
    drop_self_loops: bool,
    /// Collapse parallel edges (keeping the smallest weight).
    #[arg(long)]
    dedupe: bool,
    /// Both --drop-self-loops and --dedupe.
    #[arg(long)]
    simple: bool,
    /// Edge weight column of a CSV/Parquet table (text formats: the third column).
    #[arg(long)]
    weight_column: Option<String>,
    /// Source and destination column names of a CSV/Parquet edge table.
    #[arg(long, default_value = "src")]
    src_column: String,
    #[arg(long, default_value = "dst")]
    dst_column: String,
    /// CSV delimiter.
    #[arg(long, default_value = ",")]
    delimiter: char,
    /// Edge partitions (default: one per core).
    #[arg(long, default_value_t = 0)]
    partitions: u32,
    /// Partition strategy.
    #[arg(long, default_value = "dbh", value_parser = Strategy::NAMES.to_vec())]
    strategy: String,
}

#[derive(Args)]
struct RunArgs {
    algorithm: Algorithm,
    #[command(flatten)]
    graph: GraphArgs,
    /// PageRank/CDLP iterations (PageRank: the cap when --tol is given).
    #[arg(long)]
    iterations: Option<u32>,
    /// PageRank tolerance: run until the L1 change is below it.
    #[arg(long)]
    tol: Option<f64>,
    /// PageRank damping factor.
    #[arg(long, default_value_t = 0.85)]
    damping: f64,
    /// PageRank variant: ldbc (sums to 1, dangling mass spread) or graphx (GraphX's numbers).
    #[arg(long, default_value = "ldbc", value_parser = ["ldbc", "graphx"])]
    variant: String,
    /// Source vertex id (sssp, bfs; PageRank: personalization, repeatable).
    #[arg(long)]
    source: Vec<String>,
    /// Landmark vertex ids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    landmarks: Vec<String>,
    /// Write the result table (.csv or .parquet).
    #[arg(long)]
    out: Option<PathBuf>,
    /// How many top vertices to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

#[derive(Args)]
struct GraphalyticsArgs {
    /// An LDBC graph folder, or a folder of them.
    dir: PathBuf,
    /// Where to write G-ALG outputs.
    #[arg(long, default_value = "graphalytics-out")]
    out: PathBuf,
    /// Compare with the expected outputs; exit non-zero on any mismatch.
    #[arg(long)]
    validate: bool,
    #[arg(long, default_value_t = 0)]
    partitions: u32,
    #[arg(long, default_value = "dbh", value_parser = Strategy::NAMES.to_vec())]
    strategy: String,
}

#[derive(Args)]
struct InfoArgs {
    #[command(flatten)]
    graph: GraphArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run(a),
        Command::Graphalytics(a) => graphalytics_cmd(a),
        Command::Info(a) => info(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn load_graph(a: &GraphArgs) -> Result<Graph> {
    let mut spec = LoadSpec::new(&a.edges);
    spec.vertices = a.vertices.clone();
    spec.format = a.format.as_deref().map(Format::parse).transpose()?;
    spec.options.directed = !a.undirected;
    spec.options.drop_self_loops = a.drop_self_loops || a.simple;
    spec.options.dedupe = a.dedupe || a.simple;
    if let Some(w) = &a.weight_column {
        spec.options.weight_column = Some(w.clone());
    }
    spec.options.src_column = a.src_column.clone();
    spec.options.dst_column = a.dst_column.clone();
    if !a.delimiter.is_ascii() {
        bail!("the CSV delimiter must be one ASCII character");
    }
    spec.csv.delimiter = a.delimiter as u8;
    Ok(load::load(&spec)?)
}

fn common(partitions: u32, strategy: &str, ctx: RunContext) -> Result<Common> {
    Ok(Common { strategy: Strategy::parse(strategy)?, partitions, ctx })
}

/// A progress bar fed by superstep statistics (hidden when stderr is not a terminal).
fn progress() -> (ProgressBar, RunContext) {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} superstep {pos}{msg} [{elapsed_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let b = bar.clone();
    let observer = Arc::new(move |s: &SuperstepStats| {
        b.set_position(s.superstep as u64);
        let max = s.max_supersteps.map(|m| format!("/{m}")).unwrap_or_default();
        b.set_message(format!("{max}: {} active, {} messages", s.active_vertices, s.messages));
    });
    (bar, RunContext { observer: Some(observer), ..Default::default() })
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn sources(g: &Graph, ids: &[String], what: &str) -> Result<Vec<u32>> {
    ids.iter().map(|s| g.vertex_index(s).with_context(|| format!("{what} {s}"))).collect()
}

fn run(a: RunArgs) -> Result<ExitCode> {
    if let Some(out) = &a.out {
        output::OutFormat::from_path(out)?;
    }
    let t = Instant::now();
    let g = load_graph(&a.graph)?;
    let load_t = t.elapsed();
    let (bar, ctx) = progress();
    let common = common(a.graph.partitions, &a.graph.strategy, ctx)?;
    let t = Instant::now();
    let pg = common.partition(&g)?;
    let part_t = t.elapsed();
    let t = Instant::now();
    let one_source = |what: &str| -> Result<u32> {
        match a.source.as_slice() {
            [s] => Ok(g.vertex_index(s).with_context(|| format!("{what} source"))?),
            [] => bail!("{what} needs --source ID"),
            _ => bail!("{what} takes one --source"),
        }
    };
    let mut lines: Vec<String> = Vec::new();
    let (batch, supersteps): (RecordBatch, u32) = match a.algorithm {
        Algorithm::Pagerank => {
            let cfg = algo::pagerank::Config {
                damping: a.damping,
                iterations: a.iterations.unwrap_or(if a.tol.is_some() { 100 } else { 20 }),
                tolerance: a.tol,
                sources: sources(&g, &a.source, "source")?,
                variant: algo::pagerank::Variant::parse(&a.variant)?,
                common: common.clone(),
            };
            let out = algo::pagerank::run_partitioned(&pg, &cfg)?;
            if cfg.tolerance.is_some() {
                lines.push(format!("converged: {}", out.converged));
            }
            lines.extend(top(&g, &out.rank, a.top, "pagerank"));
            (out.to_batch(&g)?, out.iterations)
        }
        Algorithm::Wcc => {
            let out =
                algo::wcc::run_partitioned(&pg, &algo::wcc::Config { max_supersteps: None, common: common.clone() })?;
            let sizes = out.sizes();
            lines.push(format!("components: {}; largest: {:?}", sizes.len(), &sizes[..sizes.len().min(5)]));
            (out.to_batch(&g)?, out.supersteps)
        }
        Algorithm::Scc => {
            let out = algo::scc::run_partitioned(&pg, &algo::scc::Config { common: common.clone() })?;
            let sizes = out.sizes();
            lines.push(format!("components: {}; largest: {:?}", sizes.len(), &sizes[..sizes.len().min(5)]));
            (out.to_batch(&g)?, out.supersteps)
        }
        Algorithm::Sssp => {
            let out = algo::sssp::run_partitioned(
                &pg,
                &algo::sssp::Config { source: one_source("sssp")?, common: common.clone() },
            )?;
            let reached: Vec<f64> = out.distance.iter().copied().filter(|d| d.is_finite()).collect();
            lines.push(format!(
                "reached: {}; max distance: {}; sum: {}",
                reached.len(),
                reached.iter().copied().fold(0.0, f64::max),
                reached.iter().sum::<f64>()
            ));
            (out.to_batch(&g)?, out.supersteps)
        }
        Algorithm::Bfs => {
            let out = algo::bfs::run_partitioned(
                &pg,
                &algo::bfs::Config { source: one_source("bfs")?, common: common.clone() },
            )?;
            let reached: Vec<u64> =
                out.hops.iter().filter(|&&h| h != algo::bfs::UNREACHED).map(|&h| h as u64).collect();
            lines.push(format!(
                "reached: {}; max hops: {}; sum of hops: {}",
                reached.len(),
                reached.iter().max().unwrap_or(&0),
                reached.iter().sum::<u64>()
            ));
            (out.to_batch(&g)?, out.supersteps)
        }
        Algorithm::Landmarks => {
            if a.landmarks.is_empty() {
                bail!("landmarks needs --landmarks ID,ID,...");
            }
            let cfg = algo::bfs::LandmarksConfig {
                landmarks: sources(&g, &a.landmarks, "landmark")?,
                common: common.clone(),
            };
            let out = algo::bfs::landmarks_partitioned(&pg, &cfg)?;
            for (k, &l) in out.landmarks.iter().enumerate() {
                let reach = out.hops[k].iter().filter(|&&h| h != algo::bfs::UNREACHED).count();
                lines.push(format!("landmark {}: reached from {reach} vertices", g.ids().display(l)));
            }
            (out.to_batch(&g)?, 0)
        }
        Algorithm::Cdlp => {
            let out = algo::cdlp::run(
                &g,
                &algo::cdlp::Config { iterations: a.iterations.unwrap_or(10), common: common.clone() },
            )?;
            let sizes = algo::wcc::component_sizes(&out.label);
            lines.push(format!("communities: {}; largest: {:?}", sizes.len(), &sizes[..sizes.len().min(5)]));
            (out.to_batch(&g)?, out.iterations)
        }
        Algorithm::Lcc => {
            let out = algo::lcc::run(&g, &algo::lcc::Config { common: common.clone() })?;
            let mean = out.lcc.iter().sum::<f64>() / out.lcc.len().max(1) as f64;
            lines.push(format!("average clustering coefficient: {mean:.6}"));
            lines.extend(top(&g, &out.lcc, a.top, "lcc"));
            (out.to_batch(&g)?, 1)
        }
        Algorithm::Triangles => {
            let out = algo::triangles::run(&g, &algo::triangles::Config { common: common.clone() })?;
            lines.push(format!("triangles: {}", out.total()));
            let t: Vec<f64> = out.triangles.iter().map(|&x| x as f64).collect();
            lines.extend(top(&g, &t, a.top, "triangles"));
            (out.to_batch(&g)?, 1)
        }
        Algorithm::Degrees => {
            let out = algo::degrees::run(&g, &algo::degrees::Config { common: common.clone() })?;
            let d: Vec<f64> = out.degree.iter().map(|&x| x as f64).collect();
            lines.extend(top(&g, &d, a.top, "degree"));
            (out.to_batch(&g)?, 1)
        }
    };
    let compute_t = t.elapsed();
    bar.finish_and_clear();
    let t = Instant::now();
    if let Some(out) = &a.out {
        output::write_batches(&[batch], out)?;
    }
    let write_t = t.elapsed();
    print_graph(&g, &pg);
    println!("supersteps: {supersteps}");
    for l in lines {
        println!("{l}");
    }
    println!(
        "time: load {}, partition {}, compute {}, write {}",
        secs(load_t),
        secs(part_t),
        secs(compute_t),
        secs(write_t)
    );
    if let Some(out) = &a.out {
        println!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_graph(g: &Graph, pg: &PartitionedGraph<'_>) {
    let s = g.build_stats();
    println!(
        "graph: {} vertices, {} edges ({}){}",
        g.num_vertices(),
        g.num_edges(),
        if g.is_directed() { "directed" } else { "undirected" },
        if s.self_loops_removed + s.duplicates_removed > 0 {
            format!("; removed {} self-loops, {} duplicate edges", s.self_loops_removed, s.duplicates_removed)
        } else {
            String::new()
        }
    );
    let r = pg.report();
    println!(
        "partitions: {} ({}), replication factor {:.3}, edge balance {:.3}",
        r.num_partitions,
        r.strategy.name(),
        r.replication_factor,
        r.edge_balance
    );
}

/// The `k` vertices with the largest values (ties: smaller dense index, i.e. smaller id).
fn top(g: &Graph, values: &[f64], k: usize, name: &str) -> Vec<String> {
    let mut idx: Vec<u32> = (0..values.len() as u32).collect();
    let cmp = |a: &u32, b: &u32| values[*b as usize].total_cmp(&values[*a as usize]).then(a.cmp(b));
    if k < idx.len() {
        idx.select_nth_unstable_by(k, cmp);
        idx.truncate(k);
    }
    idx.sort_by(cmp);
    let mut out = vec![format!("top {} by {name}:", idx.len())];
    out.extend(idx.iter().map(|&v| format!("  {:>12}  {}", g.ids().display(v), values[v as usize])));
    out
}

fn graphalytics_cmd(a: GraphalyticsArgs) -> Result<ExitCode> {
    let dirs = graphalytics::graph_dirs(&a.dir)?;
    let common = common(a.partitions, &a.strategy, RunContext::default())?;
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
            println!("{:<24} {:<5} {:>10}  {verdict}", c.graph, c.algorithm.to_uppercase(), secs(c.elapsed));
        }
    }
    if a.validate {
        println!("validation: {ok} passed, {bad} failed");
    }
    Ok(if bad > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn info(a: InfoArgs) -> Result<ExitCode> {
    let g = load_graph(&a.graph)?;
    let common = common(a.graph.partitions, &a.graph.strategy, RunContext::default())?;
    let pg = common.partition(&g)?;
    print_graph(&g, &pg);
    let (out, inn) = g.degrees();
    let stat = |name: &str, d: &[u32]| {
        let max = d.iter().max().copied().unwrap_or(0);
        let mean = d.iter().map(|&x| x as f64).sum::<f64>() / d.len().max(1) as f64;
        let zero = d.iter().filter(|&&x| x == 0).count();
        println!("{name}: mean {mean:.3}, max {max}, zero {zero}");
    };
    if g.is_directed() {
        stat("out-degree", &out);
        stat("in-degree", &inn);
    } else {
        let deg: Vec<u32> = out.iter().zip(&inn).map(|(a, b)| a + b).collect();
        stat("degree", &deg);
    }
    let r = pg.report();
    println!("edges per partition: {:?}", r.edges_per_partition);
    println!("vertices per partition: {:?}", r.vertices_per_partition);
    Ok(ExitCode::SUCCESS)
}
