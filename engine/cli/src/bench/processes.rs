//! `ember bench FILE --processes 1,2,4`: what running across processes costs. For each
//! algorithm, trials alternate between the process counts (one warm-up round first); each trial
//! is a child `ember run ALG --json` on the same file with the Pregel engine — P = 1 is the
//! single-process engine, P > 1 runs `--processes P` over loopback (each process reading its
//! share of the input where the format allows). The child's JSON gives the compute and load
//! times, per superstep the messages, the bytes all workers sent to other processes and the
//! seconds, and each process's peak resident set.
//!
//! Invariants: every figure comes from a child's own report (nothing is estimated here); the
//! ratio column is against the P = 1 row of the same algorithm and round order.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::median;

/// One superstep of a trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub superstep: u64,
    pub messages: u64,
    /// Sent to other processes by all workers (0 in one process).
    pub remote_bytes: u64,
    pub seconds: f64,
}

/// One trial's report.
#[derive(Debug, Clone, PartialEq)]
struct Trial {
    compute_s: f64,
    load_s: f64,
    steps: Vec<Step>,
    peak_rss: Vec<u64>,
    check: String,
}

/// An algorithm at one process count.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub dataset: String,
    pub algorithm: String,
    pub processes: usize,
    pub workers: usize,
    pub compute_s: Vec<f64>,
    pub load_s: Vec<f64>,
    /// Median compute over the P = 1 row's median.
    pub ratio: Option<f64>,
    /// Peak RSS of each process in the last trial.
    pub peak_rss: Vec<u64>,
    /// The supersteps of the last trial.
    pub steps: Vec<Step>,
    /// The result summary (the same for every process count).
    pub check: String,
}

/// What to run: the file and how to read it, the algorithms with their extra flags (source,
/// iterations), process counts, workers per process, timed rounds, and flags passed through
/// (partitions, strategy).
pub struct Config<'a> {
    pub file: &'a Path,
    pub read_flags: Vec<String>,
    pub algorithms: Vec<(String, Vec<String>)>,
    pub processes: Vec<usize>,
    pub workers: usize,
    pub trials: usize,
    pub pass: Vec<String>,
}

/// Runs the trials; rows in algorithm order, then process count order.
pub fn run(cfg: &Config) -> Result<Vec<Row>> {
    if cfg.processes.is_empty() || cfg.processes.iter().any(|&p| !(1..=64).contains(&p)) {
        bail!("--processes takes counts in 1..=64, e.g. 1,2,4");
    }
    let exe = std::env::current_exe().context("finding the ember executable")?;
    let dataset = cfg.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut rows = Vec::new();
    for (alg, extra) in &cfg.algorithms {
        let mut trials: Vec<Vec<Trial>> = vec![Vec::new(); cfg.processes.len()];
        // Round 0 is the warm-up (file cache, page faults); then the counts alternate.
        for round in 0..=cfg.trials {
            for (i, &p) in cfg.processes.iter().enumerate() {
                eprintln!(
                    "  {alg}, {p} process(es), {}",
                    if round == 0 { "warm-up".into() } else { format!("trial {round}") }
                );
                let t = trial(&exe, cfg, alg, extra, p)?;
                if round > 0 {
                    trials[i].push(t);
                }
            }
        }
        let base = trials.first().map(|t| median(&t.iter().map(|x| x.compute_s).collect::<Vec<_>>()));
        for (i, ts) in trials.into_iter().enumerate() {
            let compute: Vec<f64> = ts.iter().map(|t| t.compute_s).collect();
            let last = ts.last().cloned().context("no trials")?;
            let ratio = match (cfg.processes[0], base) {
                (1, Some(b)) if b > 0.0 => Some(median(&compute) / b),
                _ => None,
            };
            rows.push(Row {
                dataset: dataset.clone(),
                algorithm: alg.clone(),
                processes: cfg.processes[i],
                workers: if cfg.processes[i] == 1 { 1 } else { cfg.workers },
                load_s: ts.iter().map(|t| t.load_s).collect(),
                compute_s: compute,
                ratio,
                peak_rss: last.peak_rss,
                steps: last.steps,
                check: last.check,
            });
        }
    }
    Ok(rows)
}

fn trial(exe: &Path, cfg: &Config, alg: &str, extra: &[String], p: usize) -> Result<Trial> {
    let mut cmd = Command::new(exe);
    cmd.arg("run").arg(alg).arg("--edges").arg(cfg.file).args(&cfg.read_flags).args(extra).args(&cfg.pass);
    cmd.args(["--engine", "pregel", "--json", "--top", "1"]);
    if p > 1 {
        cmd.args(["--processes", &p.to_string(), "--workers", &cfg.workers.to_string()]);
    }
    let o = cmd.output().with_context(|| format!("starting {}", exe.display()))?;
    if !o.status.success() {
        bail!("ember run {alg} with {p} process(es) failed: {}", String::from_utf8_lossy(&o.stderr).trim());
    }
    let v: Value = serde_json::from_slice(&o.stdout).context("reading the run's --json summary")?;
    parse(&v, p)
}

/// A trial from `ember run --json`.
fn parse(v: &Value, p: usize) -> Result<Trial> {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let times = &v["times_s"];
    let steps: Vec<Step> = match v["distributed"]["supersteps"].as_array() {
        Some(steps) => steps
            .iter()
            .map(|s| Step {
                superstep: s["superstep"].as_u64().unwrap_or(0),
                messages: s["messages"].as_u64().unwrap_or(0),
                remote_bytes: s["remote_bytes"].as_u64().unwrap_or(0),
                seconds: f(&s["seconds"]),
            })
            .collect(),
        None => Vec::new(),
    };
    let peak_rss: Vec<u64> = match v["distributed"]["peak_rss_bytes_per_process"].as_array() {
        Some(a) => a.iter().filter_map(Value::as_u64).collect(),
        None => v["peak_rss_bytes"].as_u64().into_iter().collect(),
    };
    if p > 1 && steps.is_empty() {
        bail!("the run with {p} processes reported no distributed supersteps");
    }
    let check = v["summary"].as_array().map(|s| s.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "));
    Ok(Trial {
        compute_s: f(&times["compute"]),
        load_s: f(&times["load"]),
        steps,
        peak_rss,
        // Summary lines as one line: whitespace collapsed.
        check: format!("{} supersteps; {}", v["supersteps"], check.unwrap_or_default())
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    })
}

fn mib(b: u64) -> f64 {
    b as f64 / (1u64 << 20) as f64
}

/// The summary table and, per row, its last trial's supersteps.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| dataset | algorithm | processes x workers | load s (median) | compute s (median) | trials | vs 1 process | \
         MiB between processes per superstep (mean) | peak RSS MiB per process | check |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let bytes: Vec<u64> = r.steps.iter().map(|x| x.remote_bytes).collect();
        let per_step = if bytes.is_empty() { 0.0 } else { mib(bytes.iter().sum()) / bytes.len() as f64 };
        s.push_str(&format!(
            "| {} | {} | {} | {:.3} | {:.4} | {} | {} | {:.2} | {} | {} |\n",
            r.dataset,
            r.algorithm,
            if r.processes == 1 {
                "1 (single-process engine)".to_string()
            } else {
                format!("{} x {}", r.processes, r.workers)
            },
            median(&r.load_s),
            median(&r.compute_s),
            r.compute_s.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>().join(", "),
            r.ratio.map_or("-".into(), |x| format!("{x:.2}x")),
            per_step,
            r.peak_rss.iter().map(|&b| format!("{:.0}", mib(b))).collect::<Vec<_>>().join(", "),
            r.check
        ));
    }
    for r in rows.iter().filter(|r| r.processes > 1) {
        s.push_str(&format!(
            "\n{} {}, {} processes x {} workers (last trial), per superstep:\n\n| superstep | messages | bytes between processes | seconds |\n|---|---|---|---|\n",
            r.dataset, r.algorithm, r.processes, r.workers
        ));
        for x in &r.steps {
            s.push_str(&format!("| {} | {} | {} | {:.4} |\n", x.superstep, x.messages, x.remote_bytes, x.seconds));
        }
    }
    s
}

/// The rows as JSON.
pub fn json(rows: &[Row]) -> String {
    let v: Vec<Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "dataset": r.dataset,
                "algorithm": r.algorithm,
                "processes": r.processes,
                "workers_per_process": r.workers,
                "compute_s": r.compute_s,
                "compute_median_s": median(&r.compute_s),
                "load_s": r.load_s,
                "ratio_to_one_process": r.ratio,
                "peak_rss_bytes_per_process": r.peak_rss,
                "supersteps": r.steps.iter().map(|x| serde_json::json!({
                    "superstep": x.superstep, "messages": x.messages,
                    "remote_bytes": x.remote_bytes, "seconds": x.seconds,
                })).collect::<Vec<_>>(),
                "check": r.check,
            })
        })
        .collect();
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_distributed_summary_is_read() {
        let v: Value = serde_json::from_str(
            r#"{"supersteps": 2, "summary": ["components: 3"], "times_s": {"compute": 0.5, "load": 0.25},
                "distributed": {"peak_rss_bytes_per_process": [100, 200],
                  "supersteps": [{"superstep": 1, "messages": 10, "remote_bytes": 64, "seconds": 0.1}]}}"#,
        )
        .unwrap();
        let t = parse(&v, 2).unwrap();
        assert_eq!((t.compute_s, t.load_s), (0.5, 0.25));
        assert_eq!(t.peak_rss, vec![100, 200]);
        assert_eq!(t.steps, vec![Step { superstep: 1, messages: 10, remote_bytes: 64, seconds: 0.1 }]);
        assert_eq!(t.check, "2 supersteps; components: 3");
        // A run in one process reports its own peak; a "distributed" run without supersteps is an error.
        let one: Value =
            serde_json::from_str(r#"{"supersteps": 1, "times_s": {"compute": 1.0, "load": 1.0}, "peak_rss_bytes": 7}"#)
                .unwrap();
        assert_eq!(parse(&one, 1).unwrap().peak_rss, vec![7]);
        assert!(parse(&one, 2).is_err());
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }
}
