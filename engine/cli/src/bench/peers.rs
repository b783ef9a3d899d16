//! Peer systems run side by side with Ember by `ember bench --peers`: each peer is a small
//! driver (in `benches/peers/`) started once per dataset, which loads the same graph file with
//! its own system and then runs one kernel per command, so the runner can alternate Ember's
//! trials with the peers' and machine noise hits both. The protocol (one JSON line prefixed
//! `EMBER-PEER ` per answer) is described in `benches/peers/peer.py`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use ember::error::{Error, Result};

/// The peers `ember bench` knows, with their drivers in the peers directory.
pub const KNOWN: &[&str] = &["networkit", "igraph", "graphx", "gap"];

/// A running peer driver with its graph loaded.
pub struct Peer {
    pub name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    out: BufReader<ChildStdout>,
    log: PathBuf,
    /// The peer's own load time (read and build its graph), in seconds.
    pub load_s: f64,
    pub vertices: u64,
    pub edges: u64,
}

/// One kernel run by a peer.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerRun {
    Done {
        seconds: f64,
        check: String,
        peak_rss_bytes: Option<u64>,
    },
    /// The system has no such kernel.
    Unavailable(String),
}

/// What a peer needs to know about the graph.
#[derive(Debug, Clone)]
pub struct PeerGraph<'a> {
    pub file: &'a Path,
    pub undirected: bool,
    pub weighted: bool,
    /// Original id of the BFS/SSSP source.
    pub source: String,
    pub iterations: u32,
    /// SSSP's bucket width, for delta-stepping peers (GAP).
    pub sssp_delta: Option<f64>,
}

impl Peer {
    /// Starts `name`'s driver from `dir` and waits until it has loaded the graph. Its stderr
    /// goes to `log_dir/NAME.log`, named in errors.
    pub fn start(name: &str, dir: &Path, g: &PeerGraph<'_>, log_dir: &Path) -> Result<Peer> {
        if !KNOWN.contains(&name) {
            return Err(Error::Config(format!("unknown peer '{name}'; known: {}", KNOWN.join(", "))));
        }
        let mut cmd = if name == "graphx" {
            Command::new(dir.join("graphx_driver.sh"))
        } else {
            let mut c = Command::new("python3");
            c.arg(dir.join(format!("{name}_driver.py")));
            c
        };
        cmd.arg("--edges").arg(g.file).arg("--source").arg(&g.source);
        cmd.arg("--iterations").arg(g.iterations.to_string());
        if let Some(d) = g.sssp_delta {
            cmd.arg("--delta").arg(d.to_string());
        }
        if g.undirected {
            cmd.arg("--undirected");
        }
        if g.weighted {
            cmd.arg("--weighted");
        }
        let log = log_dir.join(format!("{name}.log"));
        let log_file = std::fs::File::create(&log).map_err(|e| Error::io(&log, e))?;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| Error::Config(format!("cannot start peer {name} ({}): {e}", dir.display())))?;
        let stdin = child.stdin.take();
        let out =
            BufReader::new(child.stdout.take().ok_or_else(|| Error::Internal("peer stdout was not captured".into()))?);
        let mut p = Peer { name: name.into(), child, stdin, out, log, load_s: 0.0, vertices: 0, edges: 0 };
        let ready = p.answer()?;
        p.load_s = ready["load_s"].as_f64().unwrap_or(f64::NAN);
        p.vertices = ready["vertices"].as_u64().unwrap_or(0);
        p.edges = ready["edges"].as_u64().unwrap_or(0);
        Ok(p)
    }

    /// Runs one kernel (`pagerank`, `wcc`, `bfs`, `sssp`).
    pub fn run(&mut self, algorithm: &str) -> Result<PeerRun> {
        let sent = self.stdin.as_mut().map(|s| writeln!(s, "{algorithm}").and_then(|_| s.flush()));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.failed("stopped taking commands"));
        }
        let v = self.answer()?;
        if let Some(e) = v["error"].as_str() {
            return Ok(PeerRun::Unavailable(e.to_string()));
        }
        Ok(PeerRun::Done {
            seconds: v["seconds"].as_f64().ok_or_else(|| self.failed("answered without seconds"))?,
            check: v["check"].as_str().unwrap_or_default().to_string(),
            peak_rss_bytes: v["peak_rss_bytes"].as_u64(),
        })
    }

    /// The next `EMBER-PEER` line as JSON (other output is skipped).
    fn answer(&mut self) -> Result<serde_json::Value> {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.out.read_line(&mut line).map_err(|e| self.failed(&format!("unreadable output: {e}")))?;
            if n == 0 {
                return Err(self.failed("exited"));
            }
            if let Some(json) = line.trim_end().strip_prefix("EMBER-PEER ") {
                return serde_json::from_str(json).map_err(|e| self.failed(&format!("sent bad JSON ({e}): {json}")));
            }
        }
    }

    fn failed(&self, what: &str) -> Error {
        let tail = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(3).collect();
        Error::Config(format!(
            "peer {} {what}; its log is {} (last lines: {})",
            self.name,
            self.log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(mut s) = self.stdin.take() {
            let _ = writeln!(s, "quit");
        }
        // Give the driver a moment to exit on its own (the JVM takes a few seconds), then stop it.
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
