//! The `ember` command line: run graph algorithms on files (one `run` subcommand per registered
//! algorithm), SQL, the LDBC Graphalytics suite, graph statistics, generators and benchmarks.
//! The only place that prints. An error ends the process with one line on stderr (each cause
//! said once) and exit code 1.

mod bench;
mod commands;
mod distributed;
mod graph_args;
mod out;
mod run;
mod sql;

use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use ember::CancelToken;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ember",
    version,
    about = "Ember graph engine: Pregel/GraphX-style graph algorithms and SQL over Arrow",
    after_help = "`ember run --help` lists the algorithms; `ember run ALGORITHM --help` their parameters."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the LDBC Graphalytics algorithms of one graph folder (or of every graph folder
    /// inside DIR) and optionally validate them against the expected outputs.
    Graphalytics(commands::GraphalyticsArgs),
    /// Print vertex/edge counts, degree statistics and the partition report of a graph.
    Info(commands::InfoArgs),
    /// Run SQL (statements separated by `;`, from the argument or stdin) over tables and
    /// graphs; graph algorithms are table functions (see --functions).
    Sql(sql::SqlArgs),
    /// Generate a synthetic benchmark graph (Graph500 Kronecker or uniform random).
    Generate(commands::GenerateArgs),
    /// Benchmark algorithms on datasets (graph files or kron:S / urand:S[:weighted]); prints
    /// markdown tables, optionally writes JSON.
    Bench(commands::BenchArgs),
}

/// The process's cancel token. SIGINT, SIGTERM and SIGHUP cancel it: the running job stops at
/// its next check (between supersteps, iterations or 16 MiB blocks of input), partial output is
/// removed, and the process prints "cancelled" and exits with status 130. A second signal ends
/// the process at once.
pub fn interrupt() -> CancelToken {
    static TOKEN: OnceLock<CancelToken> = OnceLock::new();
    TOKEN
        .get_or_init(|| {
            let token = CancelToken::new();
            let t = token.clone();
            let signals = AtomicU32::new(0);
            // Without a handler (another one is installed) signals keep their default action.
            let _ = ctrlc::set_handler(move || {
                if signals.fetch_add(1, Ordering::SeqCst) > 0 {
                    eprintln!("cancelled");
                    std::process::exit(130);
                }
                t.cancel();
            });
            token
        })
        .clone()
}

/// Whether an error (anywhere in its chain) is a cancellation.
fn is_cancelled(e: &anyhow::Error) -> bool {
    e.chain().any(|c| matches!(c.downcast_ref::<ember::Error>(), Some(ember::Error::Cancelled)))
}

fn main() -> ExitCode {
    interrupt();
    // `run` has one subcommand per registered algorithm, generated from the registry.
    let cmd = Cli::command().subcommand(run::command());
    let matches = cmd.get_matches();
    let result = match matches.subcommand() {
        Some(("run", m)) => run::run(m),
        _ => match Cli::from_arg_matches(&matches) {
            Ok(cli) => match cli.command {
                Cmd::Graphalytics(a) => commands::graphalytics_cmd(a),
                Cmd::Info(a) => commands::info(a),
                Cmd::Sql(a) => sql::sql_cmd(a),
                Cmd::Generate(a) => commands::generate_cmd(a),
                Cmd::Bench(a) => commands::bench_cmd(a),
            },
            Err(e) => e.exit(),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) if is_cancelled(&e) || interrupt().is_cancelled() => {
            eprintln!("cancelled");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once: a cause whose text the message
/// already contains (an I/O error shown beside its path, say) is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        let c = c.trim();
        if c.is_empty() || text.contains(c) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(c);
    }
    text.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every argument of every subcommand (the generated `run` ones included) has help text.
    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if id != "help" && id != "version" && a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_name() != "help" {
                    assert!(sub.get_about().is_some(), "{path} {} has no description", sub.get_name());
                    walk(sub, &format!("{path} {}", sub.get_name()), missing);
                }
            }
        }
        let cmd = super::Cli::command().subcommand(super::run::command());
        let mut missing = Vec::new();
        walk(&cmd, "ember", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }

    #[test]
    fn causes_are_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory (os error 2)");
        let e = ember::Error::Io { path: "x.txt".into(), source: io };
        let text = super::error_text(&anyhow::Error::new(e).context("loading the graph"));
        assert_eq!(text, "loading the graph: x.txt: No such file or directory (os error 2)");
    }
}
