//! `ember sql`: runs a SQL script over registered tables and graphs. Results print as a table,
//! CSV or JSON lines; with `--out` the last statement's result streams into a file (CSV or
//! Parquet) without printing its rows.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::out::{out, outln};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use ember::datafusion::arrow::array::RecordBatch;
use ember::datafusion::arrow::datatypes::SchemaRef;
use ember::load::{self, Format};
use ember::output::OutFormat;
use ember::sql::{Session, SessionOptions, plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SqlOutFormat {
    /// An aligned table and a row count (stdout only).
    Table,
    Csv,
    /// JSON lines (stdout only).
    Json,
    /// Parquet (with --out only).
    Parquet,
}

#[derive(Args, Debug)]
pub struct SqlArgs {
    /// The SQL script, statements separated by `;` [default: read from stdin].
    statement: Option<String>,
    /// Register a CSV/TSV/Parquet/NDJSON file as a table: NAME=PATH (repeatable).
    #[arg(long = "table", value_name = "NAME=PATH")]
    tables: Vec<String>,
    /// Load a graph file and register NAME_vertices and NAME_edges: NAME=PATH (repeatable).
    #[arg(long = "graph", value_name = "NAME=PATH")]
    graphs: Vec<String>,
    /// Input format of the --graph files [default: from the file name].
    #[arg(long, value_parser = Format::NAMES.to_vec())]
    format: Option<String>,
    /// Read --graph files as undirected.
    #[arg(long)]
    undirected: bool,
    /// Output format: table, csv or json on stdout; with --out, csv or parquet
    /// [default: table, or --out's extension].
    #[arg(long, value_enum)]
    out_format: Option<SqlOutFormat>,
    /// Print the logical, optimized and physical plans instead of running.
    #[arg(long, conflicts_with = "analyze")]
    explain: bool,
    /// Run and print the physical plan with per-operator metrics.
    #[arg(long)]
    analyze: bool,
    /// Write the last statement's result to this file (streamed; its rows are not printed).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Memory limit for query execution, in MiB.
    #[arg(long)]
    memory_limit_mb: Option<usize>,
    /// Print the reference of the graph table functions and exit.
    #[arg(long)]
    functions: bool,
}

fn name_path(arg: &str, flag: &str) -> Result<(String, PathBuf)> {
    match arg.split_once('=') {
        Some((n, p)) if !n.is_empty() && !p.is_empty() => Ok((n.to_string(), PathBuf::from(p))),
        _ => bail!("{flag} takes NAME=PATH, got '{arg}'"),
    }
}

pub fn sql_cmd(a: SqlArgs) -> Result<ExitCode> {
    use std::io::Read;
    if a.functions {
        out!("{}", ember::registry::reference());
        return Ok(ExitCode::SUCCESS);
    }
    // Where results go, checked before anything runs.
    let file_format = match (&a.out, a.out_format) {
        (Some(out), None) => Some(OutFormat::from_path(out)?),
        (Some(_), Some(SqlOutFormat::Csv)) => Some(OutFormat::Csv),
        (Some(_), Some(SqlOutFormat::Parquet)) => Some(OutFormat::Parquet),
        (Some(_), Some(f)) => bail!("--out writes csv or parquet, not {f:?} (leave --out away to print)"),
        (None, Some(SqlOutFormat::Parquet)) => bail!("--out-format parquet needs --out PATH"),
        (None, _) => None,
    };
    if let Some(out) = &a.out {
        ember::output::check_target(out)?;
    }
    let print_format = a.out_format.unwrap_or(SqlOutFormat::Table);
    let graph_format = a.format.as_deref().map(Format::parse).transpose()?;
    let script = match &a.statement {
        Some(s) => s.clone(),
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).context("reading SQL from stdin")?;
            s
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().build().context("starting the runtime")?;
    // A corrupt Parquet page makes the parquet crate panic while a statement runs: an error line
    // naming the table's file (when one Parquet file is registered) instead. Only execution is
    // wrapped; planning stays as it is.
    let parquet: Vec<&String> = a.tables.iter().filter(|t| t.to_ascii_lowercase().contains(".parquet")).collect();
    let what = match parquet.as_slice() {
        [one] => name_path(one, "--table").map(|(_, p)| p.display().to_string()).unwrap_or_else(|_| one.to_string()),
        _ => "a Parquet table".to_string(),
    };
    let work = async {
        let opts = SessionOptions { memory_limit: a.memory_limit_mb.map(|m| m << 20), ..Default::default() };
        let session = Session::with_options(&opts)?;
        for t in &a.tables {
            let (name, path) = name_path(t, "--table")?;
            session.register_file(&name, &path).await?;
        }
        for g in &a.graphs {
            let (name, path) = name_path(g, "--graph")?;
            let mut spec = load::LoadSpec::new(&path);
            spec.format = graph_format;
            spec.options.directed = !a.undirected;
            session.load_graph(&spec, &format!("{name}_vertices"), &format!("{name}_edges")).await?;
        }
        let results = session.sql_all(&script).await?;
        let n = results.len();
        for (i, r) in results.into_iter().enumerate() {
            let last = i + 1 == n;
            if n > 1 && print_format == SqlOutFormat::Table && !(last && file_format.is_some()) {
                let first = r.sql.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("--")).unwrap_or("");
                outln!("-- {first}");
            }
            if a.explain {
                let p = plan::explain(&r.df).await?;
                outln!(
                    "== Logical plan ==\n{}== Optimized logical plan ==\n{}== Physical plan ==\n{}",
                    p.logical.render(),
                    p.optimized.render(),
                    p.physical.render()
                );
                continue;
            }
            if let (true, Some(path), Some(format)) = (last, &a.out, file_format) {
                if a.analyze {
                    let an = ember::contain::reader_panics(&what, plan::analyze(r.df)).await?;
                    let df = session
                        .context()
                        .read_batches(an.batches.clone())
                        .map_err(|e| ember::Error::df("writing", e))?;
                    let rows = session.write_as(df, path, Some(format)).await?;
                    eprintln!("wrote {rows} rows to {}", path.display());
                    outln!("== Physical plan with metrics ({:.3?}) ==\n{}", an.elapsed, an.plans.physical.render());
                } else {
                    let rows = ember::contain::reader_panics(&what, session.write_as(r.df, path, Some(format)))
                        .await
                        .map_err(|e| match e {
                        ember::Error::DataFusion { source, .. } => session.sql_error(&r.sql, source),
                        other => other,
                    })?;
                    eprintln!("wrote {rows} rows to {}", path.display());
                }
                continue;
            }
            let schema = std::sync::Arc::new(r.df.schema().as_arrow().clone());
            let (batches, analyzed) = if a.analyze {
                let an = ember::contain::reader_panics(&what, plan::analyze(r.df)).await?;
                (an.batches.clone(), Some(an))
            } else {
                let (df, sql, session) = (r.df, &r.sql, &session);
                let collect = async move { df.collect().await.map_err(|e| session.sql_error(sql, e)) };
                (ember::contain::reader_panics(&what, collect).await?, None)
            };
            print_batches(&schema, &batches, print_format)?;
            if let Some(an) = analyzed {
                outln!("== Physical plan with metrics ({:.3?}) ==\n{}", an.elapsed, an.plans.physical.render());
            }
        }
        Ok::<_, anyhow::Error>(())
    };
    // A signal drops the work: queries stop, graph jobs are cancelled, a file being written is
    // removed (its writer's temporary), and the target stays as it was.
    rt.block_on(async {
        let cancelled = wait_cancelled(crate::interrupt());
        futures::pin_mut!(work, cancelled);
        match futures::future::select(work, cancelled).await {
            futures::future::Either::Left((r, _)) => r,
            futures::future::Either::Right(_) => Err(ember::Error::Cancelled.into()),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves once `token` is cancelled (checked every 20 ms on a blocking thread).
async fn wait_cancelled(token: ember::CancelToken) {
    while !token.is_cancelled() {
        let _ = tokio::task::spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(20))).await;
    }
}

/// Prints a statement's result; `schema` is the statement's own, so an empty result still
/// shows its columns.
fn print_batches(schema: &SchemaRef, batches: &[RecordBatch], format: SqlOutFormat) -> Result<()> {
    use ember::datafusion::arrow;
    if schema.fields().is_empty() {
        // A statement without a result (CREATE VIEW, SET, ...).
        if format == SqlOutFormat::Table {
            outln!("OK");
        }
        return Ok(());
    }
    let mut non_empty: Vec<_> = batches.iter().filter(|b| b.num_columns() > 0).cloned().collect();
    if non_empty.is_empty() {
        non_empty.push(RecordBatch::new_empty(schema.clone()));
    }
    match format {
        SqlOutFormat::Table => {
            if !non_empty.is_empty() {
                outln!("{}", arrow::util::pretty::pretty_format_batches(&non_empty)?);
            }
            let rows: usize = non_empty.iter().map(|b| b.num_rows()).sum();
            outln!("{rows} row{}", if rows == 1 { "" } else { "s" });
        }
        SqlOutFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(crate::out::Stdout);
            for b in &non_empty {
                w.write(b)?;
            }
        }
        SqlOutFormat::Json | SqlOutFormat::Parquet => {
            let mut w = arrow::json::LineDelimitedWriter::new(crate::out::Stdout);
            for b in &non_empty {
                w.write(b)?;
            }
            w.finish()?;
        }
    }
    Ok(())
}
