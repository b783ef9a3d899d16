//! `ember run ... --processes P --workers W` and `--hosts FILE --process I`: running a job
//! across processes (timely's process/worker model, through `ember::cluster`).
//!
//! `--processes P` on one machine: this process becomes process 0, picks P free loopback ports
//! and starts processes 1..P-1 as copies of itself (same arguments, plus the hidden
//! `--cluster-peers` list and `--process I`); their stdout is discarded (process 0 prints the
//! summary and writes `--out`) and their stderr names them. `--hosts FILE --process I` joins a
//! run across machines: start one `ember run` per line of the host file, each with its index.
//!
//! Invariants: every worker reads its share of the input ([`Input::Shares`]) or every process
//! the whole of it ([`Input::Whole`]: formats and algorithms that cannot use shares), and every
//! worker runs the same job; only worker 0 of process 0 reports progress, prints and writes
//! (with `--out-parts`, the first worker of each process writes its part).
//! A process that fails or dies ends the others' runs with an error naming it; on any error
//! the launcher kills and reaps its children (if the launcher itself is killed, they end on
//! their next round, having lost process 0).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use ember::RunContext;
use ember::algo::Common;
use ember::cluster::{self, ClusterConfig};
use ember::graph::Graph;
use ember::job::{self, Algorithm, JobOutput};
use ember::load::{LoadSpec, shard};
use ember::output::{self, OutFormat};

/// What the workers compute on: a graph every process read whole, or the input each worker
/// reads its share of ([`shard::read`]: the formats [`shard::can_share`] accepts).
pub enum Input {
    Whole(Arc<Graph>),
    Shares(LoadSpec),
}

/// Worker 0's graph (a share, when read in shares), its result, how long reading took, and
/// what the whole run cost: each process's peak resident set and the bytes all workers sent to
/// other processes in each superstep.
pub struct Finished {
    pub graph: Arc<Graph>,
    pub out: JobOutput,
    pub load: Duration,
    pub peak_rss_per_process: Vec<u64>,
    pub remote_bytes_per_superstep: Vec<u64>,
}

/// Where a distributed run writes its result as part files.
#[derive(Debug, Clone)]
pub struct PartsOut {
    pub dir: PathBuf,
    pub format: OutFormat,
    pub with_vertices: bool,
}

impl PartsOut {
    /// Checks the folder before any work: its parent exists, and it is new or empty (as
    /// Spark's default save mode, an existing result is never mixed with a new one).
    pub fn check(&self) -> Result<()> {
        let d = &self.dir;
        let parent = d.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        if !parent.is_dir() {
            bail!("{}: the folder {} does not exist", d.display(), parent.display());
        }
        if d.exists() {
            if !d.is_dir() {
                bail!("{}: --out-parts writes a folder, and this is a file", d.display());
            }
            if std::fs::read_dir(d).with_context(|| format!("{}", d.display()))?.next().is_some() {
                bail!("{}: the folder is not empty; remove it or choose another", d.display());
            }
        }
        Ok(())
    }

    fn part(&self, process: usize) -> PathBuf {
        let ext = match self.format {
            OutFormat::Csv => "csv",
            OutFormat::Parquet => "parquet",
        };
        self.dir.join(format!("part-{process:05}.{ext}"))
    }
}

// How a run is spread over processes (a `//` comment: clap would show a doc comment).
#[derive(Args, Debug, Clone, Default)]
pub struct DistArgs {
    /// Run across this many processes on this machine, started by this one and connected over
    /// loopback (1..=64).
    #[arg(long, help_heading = "Distributed runs")]
    pub processes: Option<usize>,
    /// Worker threads per process in a distributed run (timely workers; 1..=1024) [default: 1].
    #[arg(long, help_heading = "Distributed runs")]
    pub workers: Option<usize>,
    /// Join a run across machines: a file with one host:port per line, in process order
    /// (timely's host file); every process is started by hand with its --process index.
    #[arg(long, value_name = "FILE", help_heading = "Distributed runs")]
    pub hosts: Option<PathBuf>,
    /// This process's index in the run (0 prints the summary and writes --out).
    #[arg(long, value_name = "INDEX", help_heading = "Distributed runs")]
    pub process: Option<usize>,
    /// Write --out as a folder of part files, one per process (part-00000.parquet, ... and an
    /// empty _SUCCESS once all are written), as Spark writes a table; format from --out-format
    /// (default parquet). Without it, process 0 writes the whole result as one file.
    #[arg(long, help_heading = "Distributed runs")]
    pub out_parts: bool,
    /// Seconds to wait for the other processes to connect.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, help_heading = "Distributed runs")]
    pub connect_timeout: u64,
    /// (Set by --processes for the processes it starts: the run's loopback addresses.)
    #[arg(long, hide = true)]
    pub cluster_peers: Option<String>,
}

/// What this process does in a distributed run.
pub struct Plan {
    pub config: ClusterConfig,
    /// Processes this one started (the `--processes` launcher).
    pub children: Vec<(usize, Child)>,
}

impl Plan {
    /// Stops the processes this one started (this one failed before the run began).
    pub fn abort(mut self) {
        stop(&mut self.children);
    }
}

impl DistArgs {
    /// Whether the run is distributed at all.
    pub fn is_distributed(&self) -> bool {
        self.processes.is_some_and(|p| p > 1)
            || self.workers.is_some_and(|w| w > 1)
            || self.hosts.is_some()
            || self.cluster_peers.is_some()
    }

    /// Checks the flags (before the graph is read) and, for `--processes`, starts the other
    /// processes.
    pub fn start(&self) -> Result<Plan> {
        let workers = self.workers.unwrap_or(1);
        if !(1..=1024).contains(&workers) {
            bail!("--workers must be 1..=1024, got {workers}");
        }
        if self.connect_timeout == 0 || self.connect_timeout > 86_400 {
            bail!("--connect-timeout must be 1..=86400 seconds, got {}", self.connect_timeout);
        }
        let timeout = Duration::from_secs(self.connect_timeout);
        if let Some(peers) = &self.cluster_peers {
            let addresses: Vec<String> = peers.split(',').map(str::to_string).collect();
            let process = self.process.context("--cluster-peers needs --process")?;
            return Ok(Plan {
                config: ClusterConfig { workers, process, addresses, connect_timeout: timeout },
                children: Vec::new(),
            });
        }
        if let Some(hosts) = &self.hosts {
            if self.processes.is_some() {
                bail!("--hosts and --processes do not go together: the host file says how many processes run");
            }
            let addresses = ClusterConfig::read_hosts(hosts)?;
            let Some(process) = self.process else {
                bail!(
                    "--hosts needs --process INDEX (0..={}): this process's line in the host file",
                    addresses.len() - 1
                );
            };
            if process >= addresses.len() {
                bail!(
                    "--process {process} is out of range: {} lists {} hosts (0..={})",
                    hosts.display(),
                    addresses.len(),
                    addresses.len() - 1
                );
            }
            return Ok(Plan {
                config: ClusterConfig { workers, process, addresses, connect_timeout: timeout },
                children: Vec::new(),
            });
        }
        if self.process.is_some() {
            bail!("--process needs --hosts FILE (the run's host file)");
        }
        let processes = self.processes.unwrap_or(1);
        if !(1..=64).contains(&processes) {
            bail!("--processes must be 1..=64, got {processes}");
        }
        let addresses = free_loopback_addresses(processes)?;
        let mut children = Vec::new();
        for i in 1..processes {
            match spawn_copy(i, &addresses) {
                Ok(c) => children.push((i, c)),
                Err(e) => {
                    stop(&mut children);
                    return Err(e);
                }
            }
        }
        Ok(Plan { config: ClusterConfig { workers, process: 0, addresses, connect_timeout: timeout }, children })
    }
}

/// `n` loopback addresses with ports free a moment ago (the listeners are closed before the
/// processes bind them; a port taken in between shows as a clear "cannot listen" error).
fn free_loopback_addresses(n: usize) -> Result<Vec<String>> {
    let ls: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()
        .context("finding free loopback ports")?;
    ls.iter().map(|l| Ok(l.local_addr()?.to_string())).collect()
}

/// Starts process `i` as a copy of this one: the same arguments without `--processes`, plus
/// the peer list and its index.
fn spawn_copy(i: usize, addresses: &[String]) -> Result<Child> {
    let exe = std::env::current_exe().context("finding the ember executable to start the other processes")?;
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    let mut it = std::env::args_os().skip(1);
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--processes" {
            it.next();
            continue;
        }
        if s.starts_with("--processes=") {
            continue;
        }
        args.push(a);
    }
    Command::new(exe)
        .args(args)
        .arg("--cluster-peers")
        .arg(addresses.join(","))
        .arg("--process")
        .arg(i.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting process {i}"))
}

/// Writes this process's part (worker 0 of each process), then agrees with the other
/// processes that every part was written; process 0 then writes `_SUCCESS`. A failed write
/// leaves no `_SUCCESS`, so readers that honour it (Spark) see no result.
fn write_part(
    c: &cluster::Cluster,
    wpp: usize,
    graph: &Graph,
    out: &JobOutput,
    p: &PartsOut,
    cancel: &ember::CancelToken,
) -> Result<()> {
    let first_in_process = c.index().is_multiple_of(wpp);
    let mut wrote = Ok(());
    if first_in_process {
        let (procs, me) = (c.processes(), c.process());
        let rows = out.table.num_rows();
        let (lo, hi) = (rows * me / procs, rows * (me + 1) / procs);
        let slice = out.table.slice(lo, hi - lo);
        wrote = (|| -> Result<()> {
            std::fs::create_dir_all(&p.dir).with_context(|| format!("creating {}", p.dir.display()))?;
            let table = if p.with_vertices { job::with_vertices(graph, &slice)? } else { slice };
            output::write_batches_as(std::slice::from_ref(&table), &p.part(me), Some(p.format), cancel)?;
            Ok(())
        })();
    }
    let written = c.sum(u64::from(first_in_process && wrote.is_ok()))? as usize;
    wrote?;
    if written != c.processes() {
        bail!(
            "{} of {} processes could not write their part (see their errors); no _SUCCESS written",
            c.processes() - written,
            c.processes()
        );
    }
    if c.index() == 0 {
        ember::atomic_file::write_bytes(&p.dir.join("_SUCCESS"), b"")?;
    }
    Ok(())
}

/// Each process's peak resident set (0 where unknown), and the bytes every worker sent to
/// other processes per superstep, summed (one collective round at the end of the job).
fn run_costs(c: &cluster::Cluster, out: &JobOutput) -> Result<(Vec<u64>, Vec<u64>)> {
    use ember::checkpoint::State;
    let mut mine = Vec::new();
    crate::bench::peak_rss().unwrap_or(0).put(&mut mine);
    out.cluster.as_ref().map(|r| r.remote_bytes_per_superstep.clone()).unwrap_or_default().put(&mut mine);
    let got = c.all_gather(mine)?;
    let mut peaks = vec![0u64; c.processes()];
    let mut bytes: Vec<u64> = Vec::new();
    let wpp = c.peers() / c.processes().max(1);
    for (w, b) in got.iter().enumerate() {
        let mut at = b.as_slice();
        let (Some(peak), Some(steps)) = (u64::take(&mut at), Vec::<u64>::take(&mut at)) else {
            bail!("a worker's run costs did not decode");
        };
        let p = w / wpp.max(1);
        peaks[p] = peaks[p].max(peak);
        if bytes.len() < steps.len() {
            bytes.resize(steps.len(), 0);
        }
        for (t, x) in bytes.iter_mut().zip(steps) {
            *t += x;
        }
    }
    Ok((peaks, bytes))
}

/// Kills and reaps the children (after a failure of this process).
fn stop(children: &mut Vec<(usize, Child)>) {
    for (_, c) in children.iter_mut() {
        let _ = c.kill();
    }
    for (_, c) in children.iter_mut() {
        let _ = c.wait();
    }
    children.clear();
}

/// With `parts`, every process writes its share of the rows (a contiguous range in vertex
/// order) as its part file, and process 0 writes `_SUCCESS` once every process has written.
/// Runs `algorithm` on `graph` in every worker of this process; returns worker 0's output in
/// process 0 (the one that prints), `None` in the others. `ctx` (progress, cancellation) is
/// given to worker 0 of process 0; the others get the cancellation only.
pub fn run(
    plan: Plan,
    input: Input,
    algorithm: &Algorithm,
    common: Common,
    ctx: RunContext,
    top: usize,
    parts: Option<PartsOut>,
) -> Result<Option<Finished>> {
    let Plan { config, mut children } = plan;
    let process = config.process;
    let wpp = config.workers;
    let algorithm = algorithm.clone();
    let cancel = ctx.cancel.clone();
    let result = cluster::run(&config, move |c| -> Result<Finished> {
        // Worker 0 of process 0 reports progress; every worker keeps the run's checkpoint
        // settings (worker 0 writes, all resume).
        let mut ctx =
            if c.index() == 0 { ctx.clone() } else { RunContext { cancel: ctx.cancel.clone(), ..Default::default() } };
        ctx.checkpoint = common.ctx.checkpoint.clone();
        let common = Common { cluster: Some(c.clone()), ctx, ..common.clone() };
        let t = Instant::now();
        let graph = match &input {
            Input::Whole(g) => g.clone(),
            Input::Shares(spec) => {
                let (strategy, parts) = common.shared_partitioning(c.peers());
                Arc::new(shard::read(spec, &c, strategy, parts)?)
            }
        };
        let load = t.elapsed();
        let out = job::run(&graph, &algorithm, &common, top)?;
        if let Some(p) = &parts {
            write_part(&c, wpp, &graph, &out, p, &cancel)?;
        }
        let (peaks, bytes) = run_costs(&c, &out)?;
        Ok(Finished { graph, out, load, peak_rss_per_process: peaks, remote_bytes_per_superstep: bytes })
    });
    let outcome: Result<Option<Finished>> = match result {
        Ok(outs) => {
            let mut first = None;
            for (w, o) in outs.into_iter().enumerate() {
                match o {
                    Ok(o) if w == 0 => first = Some(o),
                    Ok(_) => {}
                    Err(e) => {
                        stop(&mut children);
                        return Err(e).with_context(|| format!("process {process}"));
                    }
                }
            }
            Ok(if process == 0 { first } else { None })
        }
        Err(e) => Err(anyhow::Error::from(e).context(format!("process {process}"))),
    };
    if outcome.is_err() {
        stop(&mut children);
        return outcome;
    }
    // The children finish the same rounds; one that failed says why on stderr.
    for (i, c) in children.iter_mut() {
        let status = c.wait().with_context(|| format!("waiting for process {i}"))?;
        if !status.success() {
            let i = *i;
            stop(&mut children);
            bail!("process {i} failed ({status})");
        }
    }
    outcome
}
