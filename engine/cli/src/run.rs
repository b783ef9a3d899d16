//! `ember run ALGORITHM`: one subcommand per registry entry, its flags generated from the
//! algorithm's parameters, beside the shared graph arguments. Prints a summary (or, with
//! `--json`, one JSON object for scripts) and optionally writes the result table.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{ArgMatches, Args, Command, FromArgMatches};
use ember::algo::spec::{AlgorithmSpec, Executed};
use ember::graph::Graph;
use ember::job::{self, Algorithm, JobOutput};
use ember::output::{self, OutFormat};
use ember::{PartitionReport, RunContext, registry};
use serde_json::json;

use crate::distributed::{self, DistArgs};
use crate::graph_args::{GraphArgs, param_arg, param_values, progress};
use crate::out::outln;

// What every `run` subcommand takes besides the algorithm's own parameters. (A `//` comment:
// a doc comment would become every subcommand's description.)
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub graph: GraphArgs,
    /// Write the result table (.csv or .parquet, or as --out-format says).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Format of --out [default: from its extension].
    #[arg(long, value_parser = OutFormat::NAMES.to_vec())]
    pub out_format: Option<String>,
    /// How many top vertices to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print the run summary as one JSON object (graph size, engine, supersteps, phase times).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub dist: DistArgs,
}

/// The `run` command with one subcommand per registered algorithm.
pub fn command() -> Command {
    let mut run = Command::new("run")
        .about("Run one graph algorithm on a graph and print a summary (and optionally write the result)")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand_value_name("ALGORITHM")
        .subcommand_help_heading("Algorithms");
    for spec in registry::ALGORITHMS {
        let mut sub = RunArgs::augment_args(Command::new(spec.name)).about(spec.summary).after_help(format!(
            "Output columns: {}\nEngines: {}",
            spec.output_text(),
            engines_text(spec)
        ));
        for p in spec.params {
            sub = sub.arg(param_arg(p).help_heading("Algorithm parameters"));
        }
        // Written with --out: the result's shape.
        sub = sub.arg(param_arg(&registry::WITH_VERTICES));
        run = run.subcommand(sub);
    }
    run
}

fn engines_text(spec: &AlgorithmSpec) -> String {
    match (spec.engines.kernel, spec.engines.pregel) {
        (Some(k), true) => format!("a specialised kernel ({k}) by default, or --engine pregel"),
        (Some(k), false) => format!("a specialised kernel only ({k})"),
        (None, _) => "the Pregel engine".into(),
    }
}

/// Runs `ember run` from its matches.
pub fn run(m: &ArgMatches) -> Result<ExitCode> {
    let (name, sub) = m.subcommand().context("an algorithm is required")?;
    let spec = registry::lookup(name)?;
    let args = RunArgs::from_arg_matches(sub)?;
    let algorithm = Algorithm::from_spec(spec, &param_values(sub, spec.params))?;
    let out_format = args.out_format.as_deref().map(OutFormat::parse).transpose()?;
    let with_vertices = match param_values(sub, &[registry::WITH_VERTICES]).first() {
        Some((_, v)) => matches!(
            registry::WITH_VERTICES.kind.parse(v).map_err(|e| anyhow::anyhow!("--with-vertices {e}"))?,
            ember::algo::spec::Value::Bool(true)
        ),
        None => false,
    };
    let parts = match (&args.out, args.dist.out_parts) {
        (Some(dir), true) => {
            if !args.dist.is_distributed() {
                anyhow::bail!(
                    "--out-parts writes one part per process of a distributed run; give --processes or --hosts"
                );
            }
            let p = distributed::PartsOut {
                dir: dir.clone(),
                format: out_format.unwrap_or(OutFormat::Parquet),
                with_vertices,
            };
            p.check()?;
            Some(p)
        }
        (None, true) => anyhow::bail!("--out-parts needs --out FOLDER"),
        _ => None,
    };
    if let (Some(out), None) = (&args.out, &parts) {
        // A bad output name or a missing folder fails before anything is computed.
        OutFormat::resolve(out, out_format)?;
        output::check_target(out)?;
    }
    // Settings are checked before the graph is read (and before other processes start).
    args.graph.exec.common(Default::default())?;
    let spec = args.graph.spec()?;
    let plan = if args.dist.is_distributed() { Some(args.dist.start()?) } else { None };
    // A distributed run reads the input in shares where its format allows (each worker reads
    // its part and holds its partitions' edges); other formats are read whole by every process.
    let (bar, ctx) = progress();
    if args.json {
        bar.finish_and_clear();
    }
    let t = Instant::now();
    let (g, out, load_t, costs) = match plan {
        None => {
            let g = ember::load::load(&spec)?;
            let load_t = t.elapsed();
            let common = args.graph.exec.common(ctx)?;
            let out = job::run(&g, &algorithm, &common, args.top)?;
            (std::sync::Arc::new(g), out, load_t, None)
        }
        Some(plan) => {
            // Read in shares where the format and the algorithm allow (each worker reads its
            // part and holds its partitions' edges); else every process reads the whole input.
            let input = if ember::load::shard::can_share(spec.format()) && algorithm.spec().engines.shares {
                distributed::Input::Shares(spec)
            } else {
                match ember::load::load(&spec) {
                    Ok(g) => distributed::Input::Whole(std::sync::Arc::new(g)),
                    Err(e) => {
                        plan.abort();
                        return Err(e.into());
                    }
                }
            };
            let whole_load = t.elapsed();
            let common = args.graph.exec.common(RunContext::default())?;
            match distributed::run(plan, input, &algorithm, common, ctx, args.top, parts.clone())? {
                Some(f) => {
                    let costs = Some((f.peak_rss_per_process, f.remote_bytes_per_superstep));
                    (f.graph, f.out, whole_load + f.load, costs)
                }
                // Another process of the run prints the summary and writes the output.
                None => {
                    bar.finish_and_clear();
                    return Ok(ExitCode::SUCCESS);
                }
            }
        }
    };
    bar.finish_and_clear();
    let t = Instant::now();
    if let (Some(path), None) = (&args.out, &parts) {
        let table = if with_vertices { job::with_vertices(&g, &out.table)? } else { out.table.clone() };
        output::write_batches_as(std::slice::from_ref(&table), path, out_format, &crate::interrupt())?;
    }
    let write_t = t.elapsed();
    let times = Times { load: load_t, prepare: out.execution.prepare, compute: out.execution.compute, write: write_t };
    if args.json {
        outln!("{}", summary_json(&g, &algorithm, &out, &times, args.out.as_deref(), costs.as_ref()));
        return Ok(ExitCode::SUCCESS);
    }
    print_graph(&g, out.execution.partition());
    if let Executed::Kernel { description } = &out.execution.executed {
        outln!("engine: kernel ({description})");
    }
    if let Some(c) = &out.cluster {
        outln!(
            "distributed: {} workers in {} processes; worker 0 sent {} to other processes in {} rounds",
            c.workers,
            c.processes,
            bytes_text(c.remote_bytes),
            c.rounds
        );
        if let Some(sh) = g.share() {
            outln!(
                "input read in shares: worker 0 read its part and holds {} of the {} edges",
                g.num_edges(),
                sh.total_edges
            );
        }
    }
    outln!("supersteps: {}", out.supersteps);
    for l in &out.summary {
        outln!("{l}");
    }
    let prepare = if out.execution.is_kernel() { "build CSR" } else { "partition" };
    outln!(
        "time: load {}, {prepare} {}, compute {}, write {}",
        secs(times.load),
        secs(times.prepare),
        secs(times.compute),
        secs(times.write)
    );
    if let Some(path) = &args.out {
        outln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn bytes_text(b: u64) -> String {
    if b >= 1 << 20 { format!("{:.1} MiB", b as f64 / (1 << 20) as f64) } else { format!("{b} bytes") }
}

struct Times {
    load: Duration,
    prepare: Duration,
    compute: Duration,
    write: Duration,
}

/// `costs`: a distributed run's peak RSS per process and bytes sent between processes per
/// superstep by all workers.
fn summary_json(
    g: &Graph,
    alg: &Algorithm,
    out: &JobOutput,
    t: &Times,
    path: Option<&std::path::Path>,
    costs: Option<&(Vec<u64>, Vec<u64>)>,
) -> String {
    let all_bytes = |i: usize| costs.and_then(|c| c.1.get(i).copied());
    let s = g.build_stats();
    let params: serde_json::Map<String, serde_json::Value> =
        alg.params().to_text().into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
    let (engine, kernel, partition) = match &out.execution.executed {
        Executed::Kernel { description } => ("kernel", Some(*description), None),
        Executed::Pregel { partition } => ("pregel", None, Some(partition_json(partition))),
    };
    let v = json!({
        "algorithm": alg.name(),
        "parameters": params,
        "graph": {
            "vertices": g.num_vertices(),
            "edges": g.total_edges(),
            "directed": g.is_directed(),
            "self_loops_removed": s.self_loops_removed,
            "duplicates_removed": s.duplicates_removed,
        },
        "engine": engine,
        "kernel": kernel,
        "partition": partition,
        "distributed": out.cluster.as_ref().map(|c| json!({
            "workers": c.workers,
            "processes": c.processes,
            "worker0_remote_bytes": c.remote_bytes,
            "rounds": c.rounds,
            "peak_rss_bytes_per_process": costs.map(|c| c.0.clone()),
            // Per superstep: messages (all workers), bytes sent to other processes by worker 0
            // and by all workers, seconds.
            "supersteps": out.plan.supersteps.iter().zip(&c.remote_bytes_per_superstep).enumerate().map(|(i, (s, b))| json!({
                "superstep": s.superstep,
                "messages": s.messages,
                "worker0_remote_bytes": b,
                "remote_bytes": all_bytes(i),
                "seconds": s.elapsed.as_secs_f64(),
            })).collect::<Vec<_>>(),
        })),
        "peak_rss_bytes": crate::bench::peak_rss(),
        "supersteps": out.supersteps,
        "messages": out.messages,
        "summary": out.summary,
        "rows": out.table.num_rows(),
        "times_s": {
            "load": t.load.as_secs_f64(),
            "prepare": t.prepare.as_secs_f64(),
            "compute": t.compute.as_secs_f64(),
            "write": t.write.as_secs_f64(),
        },
        "output": path.map(|p| p.display().to_string()),
    });
    v.to_string()
}

fn partition_json(r: &PartitionReport) -> serde_json::Value {
    json!({
        "strategy": r.strategy.name(),
        "partitions": r.num_partitions,
        "replication_factor": r.replication_factor,
        "edge_balance": r.edge_balance,
    })
}

pub fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

pub fn print_graph(g: &Graph, r: Option<&PartitionReport>) {
    let s = g.build_stats();
    outln!(
        "graph: {} vertices, {} edges ({}){}",
        g.num_vertices(),
        g.total_edges(),
        if g.is_directed() { "directed" } else { "undirected" },
        if s.self_loops_removed + s.duplicates_removed > 0 {
            format!("; removed {} self-loops, {} duplicate edges", s.self_loops_removed, s.duplicates_removed)
        } else {
            String::new()
        }
    );
    if let Some(r) = r {
        outln!(
            "partitions: {} ({}), replication factor {:.3}, edge balance {:.3}",
            r.num_partitions,
            r.strategy.name(),
            r.replication_factor,
            r.edge_balance
        );
    }
}
