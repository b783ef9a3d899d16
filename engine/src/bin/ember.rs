//! The `ember` command line: run graph algorithms on files, the LDBC Graphalytics suite, and
//! graph statistics. Errors end the process with one line on stderr and exit code 1.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ember::algo::{self, Common, Engine};
use ember::graph::Graph;
use ember::job::{self, Algorithm};
use ember::load::{self, Format, LoadSpec};
use ember::{PartitionReport, RunContext, Strategy, SuperstepStats, graphalytics, output};
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
    /// Run SQL (one or more statements separated by `;`, from the argument or stdin) over
    /// tables and graphs; graph algorithms are table functions (see --functions).
    Sql(SqlArgs),
    /// Generate a synthetic benchmark graph (Graph500 Kronecker or uniform random).
    Generate(GenerateArgs),
    /// Benchmark algorithms on datasets (graph files or kron:S / urand:S[:weighted]); prints a
    /// markdown table, optionally writes JSON.
    Bench(BenchArgs),
}

#[derive(Args)]
struct GenerateArgs {
    /// kron (Graph500 R-MAT, permuted ids) or urand.
    #[arg(value_parser = ["kron", "urand"])]
    kind: String,
    /// 2^scale vertex ids.
    #[arg(long)]
    scale: u32,
    /// Edges per vertex id.
    #[arg(long, default_value_t = 16)]
    edge_factor: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Add integer weights in [1, 255].
    #[arg(long)]
    weighted: bool,
    /// Output: a SNAP-style edge list, or .parquet.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct BenchArgs {
    /// Datasets: graph files (read as --undirected/--simple say) or kron:S, urand:S[:weighted]
    /// (generated, symmetrized and simplified as GAP does).
    #[arg(required = true)]
    datasets: Vec<String>,
    /// Algorithms, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "pagerank,wcc,bfs,sssp")]
    algorithms: Vec<String>,
    /// Timed trials after one warm-up (the median is reported).
    #[arg(long, default_value_t = 3)]
    trials: usize,
    #[arg(long)]
    undirected: bool,
    #[arg(long)]
    simple: bool,
    /// --engine auto measures the kernels and PageRank once more on Pregel, for the ratio.
    #[command(flatten)]
    exec: ExecArgs,
    /// Peer systems to run on the same graph files, alternating with Ember: networkit, igraph, graphx.
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
    /// Also write the rows as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum SqlFormat {
    Table,
    Csv,
    Json,
}

#[derive(Args)]
struct SqlArgs {
    /// The SQL script (default: read from stdin).
    statement: Option<String>,
    /// Register a CSV/TSV/Parquet/NDJSON file as a table: NAME=PATH (repeatable).
    #[arg(long = "table", value_name = "NAME=PATH")]
    tables: Vec<String>,
    /// Load a graph file and register NAME_vertices and NAME_edges: NAME=PATH (repeatable;
    /// graph options below apply).
    #[arg(long = "graph", value_name = "NAME=PATH")]
    graphs: Vec<String>,
    /// Read --graph files as undirected.
    #[arg(long)]
    undirected: bool,
    /// Output format of results.
    #[arg(long, value_enum, default_value = "table")]
    format: SqlFormat,
    /// Print the logical, optimized and physical plans instead of running.
    #[arg(long, conflicts_with = "analyze")]
    explain: bool,
    /// Run and print the physical plan with per-operator metrics.
    #[arg(long)]
    analyze: bool,
    /// Write the last statement's result to a .csv or .parquet file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Memory limit for query execution, in MiB.
    #[arg(long)]
    memory_limit_mb: Option<usize>,
    /// Print the reference of the graph table functions and exit.
    #[arg(long)]
    functions: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum AlgorithmArg {
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
    #[command(flatten)]
    exec: ExecArgs,
}

/// How algorithms run: engine, and the partitioning when they run on Pregel.
#[derive(Args)]
struct ExecArgs {
    /// Edge partitions (default: one per core).
    #[arg(long, default_value_t = 0)]
    partitions: u32,
    /// Partition strategy.
    #[arg(long, default_value = "dbh", value_parser = Strategy::NAMES.to_vec())]
    strategy: String,
    /// auto: the specialised kernel where one exists (PageRank, WCC, BFS, SSSP), else Pregel.
    #[arg(long, default_value = "auto", value_parser = ["auto", "pregel", "kernel"])]
    engine: String,
}

impl ExecArgs {
    fn common(&self, ctx: RunContext) -> Result<Common> {
        Ok(Common {
            strategy: Strategy::parse(&self.strategy)?,
            partitions: self.partitions,
            ctx,
            engine: Engine::parse(&self.engine)?,
        })
    }
}

#[derive(Args)]
struct RunArgs {
    algorithm: AlgorithmArg,
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
    #[command(flatten)]
    exec: ExecArgs,
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
        Command::Sql(a) => sql_cmd(a),
        Command::Generate(a) => generate_cmd(a),
        Command::Bench(a) => bench_cmd(a),
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

fn algorithm(a: &RunArgs) -> Result<Algorithm> {
    let one_source = |what: &str| -> Result<String> {
        match a.source.as_slice() {
            [s] => Ok(s.clone()),
            [] => bail!("{what} needs --source ID"),
            _ => bail!("{what} takes one --source"),
        }
    };
    Ok(match a.algorithm {
        AlgorithmArg::Pagerank => Algorithm::PageRank {
            damping: a.damping,
            iterations: a.iterations.unwrap_or(if a.tol.is_some() { 100 } else { 20 }),
            tolerance: a.tol,
            variant: algo::pagerank::Variant::parse(&a.variant)?,
            sources: a.source.clone(),
        },
        AlgorithmArg::Wcc => Algorithm::Wcc,
        AlgorithmArg::Scc => Algorithm::Scc,
        AlgorithmArg::Sssp => Algorithm::Sssp { source: one_source("sssp")? },
        AlgorithmArg::Bfs => Algorithm::Bfs { source: one_source("bfs")? },
        AlgorithmArg::Landmarks => {
            if a.landmarks.is_empty() {
                bail!("landmarks needs --landmarks ID,ID,...");
            }
            Algorithm::Landmarks { landmarks: a.landmarks.clone() }
        }
        AlgorithmArg::Cdlp => Algorithm::Cdlp { iterations: a.iterations.unwrap_or(10) },
        AlgorithmArg::Lcc => Algorithm::Lcc,
        AlgorithmArg::Triangles => Algorithm::Triangles,
        AlgorithmArg::Degrees => Algorithm::Degrees,
    })
}

fn run(a: RunArgs) -> Result<ExitCode> {
    if let Some(out) = &a.out {
        output::OutFormat::from_path(out)?;
    }
    let alg = algorithm(&a)?;
    let t = Instant::now();
    let g = load_graph(&a.graph)?;
    let load_t = t.elapsed();
    let (bar, ctx) = progress();
    let common = a.graph.exec.common(ctx)?;
    let out = job::run(&g, &alg, &common, a.top).map_err(|e| match e {
        ember::Error::Input(msg) if msg.starts_with("source ") => anyhow::anyhow!("{}: {msg}", alg.name()),
        other => other.into(),
    })?;
    bar.finish_and_clear();
    let t = Instant::now();
    if let Some(path) = &a.out {
        output::write_batches(std::slice::from_ref(&out.table), path)?;
    }
    let write_t = t.elapsed();
    print_graph(&g, out.plan.partition.as_ref());
    if let Some(k) = out.plan.phases.iter().find(|p| p.name.starts_with("Kernel")) {
        println!("engine: kernel ({})", k.details.split(';').next().unwrap_or_default());
    }
    println!("supersteps: {}", out.supersteps);
    for l in &out.summary {
        println!("{l}");
    }
    let phase =
        |name: &str| out.plan.phases.iter().find(|p| p.name.starts_with(name)).map(|p| p.elapsed).unwrap_or_default();
    println!(
        "time: load {}, partition {}, compute {}, write {}",
        secs(load_t),
        secs(phase("Partition")),
        secs(phase("Pregel") + phase("Kernel")),
        secs(write_t)
    );
    if let Some(path) = &a.out {
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_graph(g: &Graph, r: Option<&PartitionReport>) {
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
    if let Some(r) = r {
        println!(
            "partitions: {} ({}), replication factor {:.3}, edge balance {:.3}",
            r.num_partitions,
            r.strategy.name(),
            r.replication_factor,
            r.edge_balance
        );
    }
}

fn graphalytics_cmd(a: GraphalyticsArgs) -> Result<ExitCode> {
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
    let common = a.graph.exec.common(RunContext::default())?;
    let pg = common.partition(&g)?;
    print_graph(&g, Some(pg.report()));
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

fn name_path(arg: &str, flag: &str) -> Result<(String, PathBuf)> {
    match arg.split_once('=') {
        Some((n, p)) if !n.is_empty() && !p.is_empty() => Ok((n.to_string(), PathBuf::from(p))),
        _ => bail!("{flag} takes NAME=PATH, got '{arg}'"),
    }
}

fn sql_cmd(a: SqlArgs) -> Result<ExitCode> {
    use ember::sql::{Session, SessionOptions, plan};
    use std::io::Read;
    if a.functions {
        print!("{}", ember::sql::functions::reference());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(out) = &a.out {
        output::OutFormat::from_path(out)?;
    }
    let script = match &a.statement {
        Some(s) => s.clone(),
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).context("reading SQL from stdin")?;
            s
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().build().context("starting the runtime")?;
    rt.block_on(async {
        let opts = SessionOptions { memory_limit: a.memory_limit_mb.map(|m| m << 20), ..Default::default() };
        let session = Session::with_options(&opts)?;
        for t in &a.tables {
            let (name, path) = name_path(t, "--table")?;
            session.register_file(&name, &path).await?;
        }
        for g in &a.graphs {
            let (name, path) = name_path(g, "--graph")?;
            let mut spec = load::LoadSpec::new(&path);
            spec.options.directed = !a.undirected;
            session.load_graph(&spec, &format!("{name}_vertices"), &format!("{name}_edges")).await?;
        }
        let results = session.sql_all(&script).await?;
        let n = results.len();
        for (i, r) in results.into_iter().enumerate() {
            let is_table = matches!(a.format, SqlFormat::Table);
            if n > 1 && is_table {
                let first = r.sql.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("--")).unwrap_or("");
                println!("-- {first}");
            }
            if a.explain {
                let p = plan::explain(&r.df).await?;
                println!(
                    "== Logical plan ==\n{}== Optimized logical plan ==\n{}== Physical plan ==\n{}",
                    p.logical.render(),
                    p.optimized.render(),
                    p.physical.render()
                );
                continue;
            }
            let (batches, analyzed) = if a.analyze {
                let an = plan::analyze(r.df).await?;
                (an.batches.clone(), Some(an))
            } else {
                (r.df.collect().await.map_err(|e| session.sql_error(&r.sql, e))?, None)
            };
            if i + 1 == n
                && let Some(out) = &a.out
            {
                let df = session.context().read_batches(batches.clone()).map_err(|e| ember::Error::df("writing", e))?;
                let rows = session.write(df, out).await?;
                eprintln!("wrote {rows} rows to {}", out.display());
            }
            print_batches(&batches, a.format)?;
            if let Some(an) = analyzed {
                println!("== Physical plan with metrics ({:.3?}) ==\n{}", an.elapsed, an.plans.physical.render());
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn print_batches(batches: &[ember::datafusion::arrow::array::RecordBatch], format: SqlFormat) -> Result<()> {
    use ember::datafusion::arrow;
    let non_empty: Vec<_> = batches.iter().filter(|b| b.num_columns() > 0).cloned().collect();
    if non_empty.is_empty() && batches.iter().all(|b| b.num_columns() == 0) {
        // A statement without a result (CREATE VIEW, SET, ...).
        if matches!(format, SqlFormat::Table) {
            println!("OK");
        }
        return Ok(());
    }
    match format {
        SqlFormat::Table => {
            if !non_empty.is_empty() {
                println!("{}", arrow::util::pretty::pretty_format_batches(&non_empty)?);
            }
            let rows: usize = non_empty.iter().map(|b| b.num_rows()).sum();
            println!("{rows} row{}", if rows == 1 { "" } else { "s" });
        }
        SqlFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(std::io::stdout());
            for b in &non_empty {
                w.write(b)?;
            }
        }
        SqlFormat::Json => {
            let mut w = arrow::json::LineDelimitedWriter::new(std::io::stdout());
            for b in &non_empty {
                w.write(b)?;
            }
            w.finish()?;
        }
    }
    Ok(())
}

fn generate_cmd(a: GenerateArgs) -> Result<ExitCode> {
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
    println!(
        "{} vertex ids, {} edges; generate {}, write {}; wrote {}",
        1u64 << a.scale,
        edges.src.len(),
        secs(gen_t),
        secs(t.elapsed()),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn bench_cmd(a: BenchArgs) -> Result<ExitCode> {
    use ember::bench;
    let options = ember::GraphOptions {
        directed: !a.undirected,
        drop_self_loops: a.simple,
        dedupe: a.simple,
        ..Default::default()
    };
    let cfg = bench::BenchConfig {
        algorithms: a.algorithms.clone(),
        trials: a.trials,
        common: a.exec.common(RunContext::default())?,
        peers: a.peers.clone(),
        peers_dir: a.peers_dir.clone(),
        peer_trials: a.peer_trials.unwrap_or(a.trials),
        sssp_delta: a.sssp_delta,
        ..Default::default()
    };
    for p in &a.peers {
        if !bench::peers::KNOWN.contains(&p.as_str()) {
            bail!("unknown peer '{p}'; known: {}", bench::peers::KNOWN.join(", "));
        }
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
    print!("{}", bench::markdown(&rows));
    // A second table when there is something to compare the kernels with.
    if rows.iter().any(|r| r.engine != "kernel") {
        println!();
        print!("{}", bench::side_by_side(&rows));
    }
    for n in &notes {
        println!("note: {n}");
    }
    println!(
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
