//! Running across processes and machines on timely-dataflow: the one place that knows about
//! workers, processes and sockets.
//!
//! A run has `P` processes with `W` workers each (timely's process/worker model). [`run`] starts
//! this process's workers; each runs the caller's function on a thread of its own with a
//! [`Cluster`] handle, the same function in every worker (SPMD). The handle offers collective
//! operations built on one timely dataflow: [`Cluster::exchange`] (every worker hands one byte
//! buffer for each worker and receives, in worker order, what each sent it) and the sums and
//! broadcasts built on it. Each call is one timely round: the data goes through an exchange
//! channel keyed by the destination worker, and the round ends when timely's progress tracking
//! says every worker's input has passed it — the superstep barrier.
//!
//! Invariants: every worker makes the same sequence of collective calls (a worker that skips one
//! would leave the others waiting; the Pregel engine calls them unconditionally); what arrives
//! is ordered by sender, never by timing, so the results are deterministic. A lost peer
//! (process killed, host unreachable, connection reset) ends every collective call with
//! [`Error::Cluster`] naming the process instead of hanging: timely's networking threads poison
//! the worker, whose thread then ends, and the waiting caller sees its channel close.
//!
//! Connections are made here (not by timely's own connector, which retries forever and prints
//! on stdout): process `i` connects to every `j < i` and accepts from every `j > i`, each side
//! sending its index first, as timely expects, within a deadline that names the missing peer.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::rc::Rc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};
use timely::communication::{Config as CommConfig, Hooks};
use timely::dataflow::InputHandle;
use timely::dataflow::channels::pact::Exchange as ExchangePact;
use timely::dataflow::operators::Input;
use timely::dataflow::operators::generic::operator::Operator;

use crate::error::{Error, Result};

/// How this process takes part in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// Worker threads in each process (timely's `-w`).
    pub workers: usize,
    /// This process's index, `0..addresses.len()` (timely's `-p`).
    pub process: usize,
    /// `host:port` of every process in index order (timely's host file); empty for a run in
    /// one process.
    pub addresses: Vec<String>,
    /// How long to wait for the other processes to connect.
    pub connect_timeout: Duration,
}

impl ClusterConfig {
    /// One process with `workers` workers (no sockets).
    pub fn local(workers: usize) -> Self {
        ClusterConfig { workers, process: 0, addresses: Vec::new(), connect_timeout: Duration::from_secs(30) }
    }

    /// Reads a host file: one `host:port` per line in process order (blank lines and lines
    /// starting with `#` skipped), as timely's `-h` takes it.
    pub fn read_hosts(path: &std::path::Path) -> Result<Vec<String>> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut hosts = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let ok = line.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
            if !ok {
                return Err(Error::Parse {
                    path: path.to_path_buf(),
                    line: i as u64 + 1,
                    msg: format!("expected host:port, got '{line}'"),
                });
            }
            hosts.push(line.to_string());
        }
        if hosts.is_empty() {
            return Err(Error::Input(format!("{}: the host file lists no host:port", path.display())));
        }
        Ok(hosts)
    }

    /// Number of processes.
    pub fn processes(&self) -> usize {
        self.addresses.len().max(1)
    }

    fn validate(&self) -> Result<()> {
        if self.workers == 0 || self.workers > 1024 {
            return Err(Error::Config(format!("workers per process must be 1..=1024, got {}", self.workers)));
        }
        if self.process >= self.processes() {
            return Err(Error::Config(format!(
                "process index {} is out of range: the run has {} processes (0..={})",
                self.process,
                self.processes(),
                self.processes() - 1
            )));
        }
        Ok(())
    }
}

/// What crossed between processes, for the benchmark runner and the job plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Collective rounds (supersteps take one or two).
    pub rounds: u64,
    /// Bytes this worker sent to workers of other processes.
    pub remote_bytes: u64,
}

/// The last byte of every exchanged buffer.
const PRESENT: u8 = 0xE5;

/// One exchanged buffer: (destination worker, source worker, bytes).
type Record = (u32, u32, serde_bytes::ByteBuf);

/// A request from the worker's caller thread to its timely thread: one buffer per worker.
type Request = Vec<Vec<u8>>;

/// A worker's handle on the run: its index, the number of workers and the collective
/// operations. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    index: usize,
    peers: usize,
    workers_per_process: usize,
    link: Mutex<Link>,
}

struct Link {
    to_timely: Sender<Request>,
    from_timely: Receiver<Vec<Vec<u8>>>,
    traffic: Traffic,
    /// Set once a round failed: every later call fails at once with the same message.
    failed: Option<String>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("index", &self.inner.index).field("peers", &self.inner.peers).finish()
    }
}

impl Cluster {
    /// This worker's index, `0..peers()`; worker `i` runs in process `i / workers_per_process`.
    pub fn index(&self) -> usize {
        self.inner.index
    }
    /// Number of workers in the run (processes × workers per process).
    pub fn peers(&self) -> usize {
        self.inner.peers
    }
    /// The process this worker runs in.
    pub fn process(&self) -> usize {
        self.inner.index / self.inner.workers_per_process
    }
    /// Number of processes in the run.
    pub fn processes(&self) -> usize {
        self.inner.peers / self.inner.workers_per_process
    }
    /// Bytes sent so far by this worker.
    pub fn traffic(&self) -> Traffic {
        self.inner.link.lock().map(|l| l.traffic).unwrap_or_default()
    }

    /// All-to-all: `out[w]` goes to worker `w` (`out.len() == peers()`); returns the buffers the
    /// workers sent to this one, indexed by sender.
    pub fn exchange(&self, out: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
        if out.len() != self.peers() {
            return Err(Error::Internal(format!("cluster: {} buffers for {} workers", out.len(), self.peers())));
        }
        let wpp = self.inner.workers_per_process;
        let me = self.process();
        let mut link = self.inner.link.lock().map_err(|_| Error::Cluster("a worker thread failed".into()))?;
        if let Some(msg) = &link.failed {
            return Err(Error::Cluster(msg.clone()));
        }
        for (w, b) in out.iter().enumerate() {
            if w / wpp != me {
                link.traffic.remote_bytes += b.len() as u64;
            }
        }
        link.traffic.rounds += 1;
        let lost = || match lost_peer() {
            Some((p, why)) => format!("lost process {p} (its connection to process {me} broke: {why})"),
            None => format!(
                "lost contact with another process during a round (worker {} of {} in process {me}): a process \
                 exited or a connection broke",
                self.index(),
                self.peers()
            ),
        };
        // Every buffer ends with a marker byte, so that a worker that left the run (its job
        // failed or returned early) shows up as a missing buffer instead of an empty one.
        let mut out = out;
        for b in &mut out {
            b.push(PRESENT);
        }
        if link.to_timely.send(out).is_err() {
            let m = lost();
            link.failed = Some(m.clone());
            return Err(Error::Cluster(m));
        }
        match link.from_timely.recv() {
            Ok(mut got) => {
                for (w, b) in got.iter_mut().enumerate() {
                    if b.pop() != Some(PRESENT) {
                        let m = format!(
                            "worker {w} (process {}) left the run before it ended (see that process's error)",
                            w / wpp
                        );
                        link.failed = Some(m.clone());
                        return Err(Error::Cluster(m));
                    }
                }
                Ok(got)
            }
            Err(_) => {
                let m = lost();
                link.failed = Some(m.clone());
                Err(Error::Cluster(m))
            }
        }
    }

    /// Every worker's outcome of a step that may fail on some workers only (reading a share of
    /// the input, checking it): this worker's own error, or else the first error (in worker
    /// order) another worker had, so that every process reports the cause. Collective.
    pub fn agree<T>(&self, r: Result<T>) -> Result<T> {
        use crate::checkpoint::State;
        let mut msg = Vec::new();
        // A cancelled worker (Ctrl-C reaches every process) makes the others' outcome cancelled.
        r.as_ref()
            .err()
            .map(|e| if matches!(e, Error::Cancelled) { String::new() } else { e.to_string() })
            .put(&mut msg);
        let got = self.all_gather(msg)?;
        let r = r?;
        for (w, b) in got.iter().enumerate() {
            if let Some(Some(text)) = <Option<String> as State>::take(&mut b.as_slice()) {
                if text.is_empty() {
                    return Err(Error::Cancelled);
                }
                let p = w / self.inner.workers_per_process;
                return Err(Error::Input(format!("{text} (in process {p}, worker {w})")));
            }
        }
        Ok(r)
    }

    /// Every worker's `bytes`, indexed by worker (an all-gather).
    pub fn all_gather(&self, bytes: Vec<u8>) -> Result<Vec<Vec<u8>>> {
        let out = (0..self.peers()).map(|_| bytes.clone()).collect();
        self.exchange(out)
    }

    /// The sum of `x` over all workers.
    pub fn sum(&self, x: u64) -> Result<u64> {
        Ok(self.sum_many(&[x])?[0])
    }

    /// Element-wise sums of `xs` over all workers (every worker passes the same length).
    pub fn sum_many(&self, xs: &[u64]) -> Result<Vec<u64>> {
        let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
        let got = self.all_gather(bytes)?;
        let mut sums = vec![0u64; xs.len()];
        for b in &got {
            if b.len() != xs.len() * 8 {
                return Err(Error::Internal("cluster: workers summed vectors of different lengths".into()));
            }
            for (s, c) in sums.iter_mut().zip(b.chunks_exact(8)) {
                // chunks_exact(8) yields 8-byte slices.
                *s = s.wrapping_add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
            }
        }
        Ok(sums)
    }
}

/// Runs `f` on every worker of this process and returns their results in worker order (this
/// process's workers only). `f` gets the worker's [`Cluster`] handle.
pub fn run<T, F>(cfg: &ClusterConfig, f: F) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(Cluster) -> T + Send + Sync + 'static,
{
    cfg.validate()?;
    quiet_network_panics();
    let (builders, guard): (Vec<AllocatorBuilder>, Box<dyn std::any::Any + Send>) = if cfg.processes() == 1 {
        CommConfig::Process(cfg.workers).try_build().map_err(Error::Cluster)?
    } else {
        let sockets = connect(cfg)?;
        let hooks = Hooks::default();
        let local = ProcessBuilder::new_typed_vector(cfg.workers, hooks.refill.clone(), hooks.spill.clone());
        let (tcp, guard) = initialize_networking_from_sockets(local, sockets, cfg.process, cfg.workers, hooks)
            .map_err(|e| Error::Cluster(format!("starting the network threads: {e}")))?;
        (tcp.into_iter().map(AllocatorBuilder::Tcp).collect(), Box::new(guard))
    };
    let wpp = cfg.workers;
    let f = Arc::new(f);
    // Workers hand their results over as soon as their job ends: after a lost peer, timely's
    // threads can wait forever for its progress messages, so they are joined only after a
    // clean run.
    let (done, results_rx) = channel::<(usize, Option<T>)>();
    let guards = timely::execute::execute_from(builders, guard, timely::WorkerConfig::default(), move |worker| {
        let index = worker.index();
        let r = serve(worker, wpp, f.clone());
        let _ = done.send((index, r));
    })
    .map_err(Error::Cluster)?;
    let mut results: Vec<(usize, Option<T>)> = Vec::with_capacity(wpp);
    while results.len() < wpp {
        match results_rx.recv() {
            Ok(r) => results.push(r),
            // Every worker thread ended (one panicked before reporting).
            Err(_) => break,
        }
    }
    let clean = results.len() == wpp && results.iter().all(|(_, r)| r.is_some()) && lost_peer().is_none();
    if !clean {
        // The stuck threads are parked and hold nothing the caller needs; the process is
        // about to report the error.
        std::mem::forget(guards);
        return Err(Error::Cluster(match lost_peer() {
            Some((p, why)) => format!("lost process {p} (a connection broke: {why})"),
            None => "a worker stopped: another process exited or a connection broke".into(),
        }));
    }
    drop(guards);
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().filter_map(|(_, r)| r).collect())
}

/// One timely worker: builds the exchange dataflow, starts `f` on a thread of its own and
/// serves its collective rounds until it returns. `None` when `f` panicked.
fn serve<T, F>(worker: &mut timely::worker::Worker, wpp: usize, f: Arc<F>) -> Option<T>
where
    T: Send + 'static,
    F: Fn(Cluster) -> T + Send + Sync + 'static,
{
    let index = worker.index();
    let peers = worker.peers();
    let mut input = InputHandle::<u64, timely::container::CapacityContainerBuilder<Vec<Record>>>::new();
    // Arrived records with their round (a faster peer's next round can arrive early).
    let inbox: Rc<RefCell<Vec<(u64, Record)>>> = Rc::default();
    // The lower bound of times still to arrive at this worker's inbox.
    let frontier: Rc<RefCell<u64>> = Rc::new(RefCell::new(0));
    {
        let (inbox, frontier) = (inbox.clone(), frontier.clone());
        worker.dataflow::<u64, _, _>(|scope| {
            scope.input_from(&mut input).sink(
                ExchangePact::new(|r: &Record| r.0 as u64),
                "EmberInbox",
                move |(input, f)| {
                    input.for_each(|cap, data| {
                        // A total order: the stamp has one least time.
                        let t = cap.least().copied().unwrap_or(0);
                        inbox.borrow_mut().extend(data.drain(..).map(|r| (t, r)));
                    });
                    *frontier.borrow_mut() = f.frontier().iter().copied().min().unwrap_or(u64::MAX);
                },
            );
        });
    }
    let (to_timely, requests) = channel::<Request>();
    let (replies, from_timely) = channel::<Vec<Vec<u8>>>();
    let cluster = Cluster {
        inner: Arc::new(Inner {
            index,
            peers,
            workers_per_process: wpp,
            link: Mutex::new(Link { to_timely, from_timely, traffic: Traffic::default(), failed: None }),
        }),
    };
    std::thread::scope(|s| {
        let job = std::thread::Builder::new()
            .name(format!("ember-worker-{index}"))
            .spawn_scoped(s, move || f(cluster))
            .ok()?;
        let mut round = 0u64;
        loop {
            let out = match requests.recv_timeout(Duration::from_millis(20)) {
                Ok(out) => out,
                Err(RecvTimeoutError::Timeout) => {
                    if job.is_finished() {
                        break;
                    }
                    // Keep the network moving while the caller computes.
                    worker.step_or_park(Some(Duration::ZERO));
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            for (w, bytes) in out.into_iter().enumerate() {
                input.send((w as u32, index as u32, serde_bytes::ByteBuf::from(bytes)));
            }
            round += 1;
            input.advance_to(round);
            let mut lost = false;
            while *frontier.borrow() < round {
                // Woken by data or progress; the timeout notices a lost peer, whose network
                // thread ends without waking this one.
                worker.step_or_park(Some(Duration::from_millis(100)));
                if lost_peer().is_some() {
                    lost = true;
                    break;
                }
            }
            if lost {
                break;
            }
            // This round's records were sent at time `round - 1`; later ones stay for their round.
            let mut got: Vec<Vec<u8>> = vec![Vec::new(); peers];
            inbox.borrow_mut().retain_mut(|(t, (_, from, bytes))| {
                if *t < round {
                    got[*from as usize] = std::mem::take(bytes).into_vec();
                    false
                } else {
                    true
                }
            });
            if replies.send(got).is_err() {
                break;
            }
        }
        drop(input);
        // The job's next round (if any) fails at once instead of waiting for a reply.
        drop(replies);
        job.join().ok()
    })
}

/// The process whose connection broke first, and how (recorded by the panic hook).
static LOST: Mutex<Option<(usize, String)>> = Mutex::new(None);

fn lost_peer() -> Option<(usize, String)> {
    LOST.lock().ok().and_then(|l| l.clone())
}

/// Timely's network threads (`timely:recv-P`, `timely:send-P`, P the remote process) panic
/// when a connection breaks, and its workers then panic on the poisoned queues: expected when
/// a peer dies, reported by [`Cluster::exchange`] as an error naming P. This hook records P and
/// keeps those panics off stderr; every other panic goes to the previous hook.
fn quiet_network_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("");
            let text = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            let peer = name.strip_prefix("timely:recv-").or_else(|| name.strip_prefix("timely:send-"));
            if let Some(p) = peer.and_then(|p| p.parse::<usize>().ok()) {
                if let Ok(mut l) = LOST.lock()
                    && l.is_none()
                {
                    let why = text.strip_prefix("timely communication error: ").unwrap_or(text);
                    *l = Some((p, why.to_string()));
                }
                return;
            }
            if name.starts_with("timely:work-") && text.contains("poisoned") {
                return;
            }
            previous(info)
        }));
    });
}

/// Connects this process to every other: to lower indices, accepts from higher ones.
fn connect(cfg: &ClusterConfig) -> Result<Vec<Option<TcpStream>>> {
    let me = cfg.process;
    let n = cfg.addresses.len();
    let deadline = Instant::now() + cfg.connect_timeout;
    let listener = TcpListener::bind(&cfg.addresses[me])
        .map_err(|e| Error::Cluster(format!("process {me} cannot listen on {}: {e}", cfg.addresses[me])))?;
    listener.set_nonblocking(true).map_err(|e| Error::Cluster(format!("listening socket: {e}")))?;
    let mut sockets: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
    for (j, addr) in cfg.addresses.iter().enumerate().take(me) {
        let target = addr
            .to_socket_addrs()
            .map_err(|e| Error::Cluster(format!("process {j}'s address {addr}: {e}")))?
            .next()
            .ok_or_else(|| Error::Cluster(format!("process {j}'s address {addr} resolves to nothing")))?;
        let mut stream = loop {
            match TcpStream::connect_timeout(&target, Duration::from_secs(1)) {
                Ok(s) => break s,
                Err(e) => {
                    if Instant::now() >= deadline {
                        return Err(Error::Cluster(format!(
                            "process {me} could not reach process {j} at {addr} within {} s: {e}",
                            cfg.connect_timeout.as_secs()
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        let hello = |e: std::io::Error| Error::Cluster(format!("greeting process {j} at {addr}: {e}"));
        stream.set_nodelay(true).map_err(hello)?;
        stream.write_all(&(me as u64).to_be_bytes()).map_err(hello)?;
        sockets[j] = Some(stream);
    }
    while sockets.iter().skip(me + 1).any(Option::is_none) {
        match listener.accept() {
            Ok((mut stream, _)) => {
                let bad = |e: std::io::Error| Error::Cluster(format!("a connection to process {me}: {e}"));
                stream.set_nonblocking(false).map_err(bad)?;
                stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(bad)?;
                let mut id = [0u8; 8];
                stream.read_exact(&mut id).map_err(bad)?;
                stream.set_read_timeout(None).map_err(bad)?;
                stream.set_nodelay(true).map_err(bad)?;
                let j = u64::from_be_bytes(id) as usize;
                if j <= me || j >= n || sockets[j].is_some() {
                    return Err(Error::Cluster(format!(
                        "process {me} was contacted by a process calling itself {j}: are two runs using the same ports?"
                    )));
                }
                sockets[j] = Some(stream);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    let missing: Vec<String> = (me + 1..n)
                        .filter(|&j| sockets[j].is_none())
                        .map(|j| format!("{j} ({})", cfg.addresses[j]))
                        .collect();
                    return Err(Error::Cluster(format!(
                        "process {me} waited {} s for process(es) {} to connect",
                        cfg.connect_timeout.as_secs(),
                        missing.join(", ")
                    )));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(Error::Cluster(format!("accepting on {}: {e}", cfg.addresses[me]))),
        }
    }
    Ok(sockets)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every worker sends `[from, to]` to every worker; each receives one buffer per sender, in
    /// sender order, over several rounds.
    fn all_to_all(cfg: &ClusterConfig, first: usize) -> Vec<Vec<u64>> {
        run(cfg, move |c| {
            let mut seen = Vec::new();
            for round in 0..5u8 {
                let out = (0..c.peers()).map(|w| vec![c.index() as u8, w as u8, round]).collect();
                let got = c.exchange(out).unwrap();
                for (from, b) in got.iter().enumerate() {
                    assert_eq!(b, &vec![from as u8, c.index() as u8, round]);
                }
                seen.push(c.sum(c.index() as u64 + first as u64).unwrap());
            }
            seen
        })
        .unwrap()
    }

    #[test]
    fn one_process_many_workers() {
        let r = all_to_all(&ClusterConfig::local(3), 0);
        assert_eq!(r.len(), 3);
        assert!(r.iter().all(|s| s == &vec![3u64; 5]));
    }

    #[test]
    fn processes_over_loopback() {
        // Three "processes" as threads of this test, two workers each, on free ports.
        let ports: Vec<u16> =
            (0..3).map(|_| TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()).collect();
        let addresses: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let handles: Vec<_> = (0..3)
            .map(|p| {
                let cfg = ClusterConfig {
                    workers: 2,
                    process: p,
                    addresses: addresses.clone(),
                    connect_timeout: Duration::from_secs(20),
                };
                std::thread::spawn(move || all_to_all(&cfg, 1))
            })
            .collect();
        for h in handles {
            let r = h.join().unwrap();
            assert_eq!(r.len(), 2);
            // sum over 6 workers of index + 1 = 21
            assert!(r.iter().all(|s| s == &vec![21u64; 5]));
        }
    }

    #[test]
    fn a_worker_leaving_early_fails_the_others() {
        let r = run(&ClusterConfig::local(3), |c| {
            if c.index() == 1 {
                return Ok(0);
            }
            c.sum(1)
        })
        .unwrap();
        assert_eq!(r[1].as_ref().unwrap(), &0);
        for w in [0, 2] {
            let e = r[w].as_ref().unwrap_err().to_string();
            assert!(e.contains("worker 1 (process 0) left the run"), "{e}");
        }
    }

    #[test]
    fn workers_agree_on_the_first_error() {
        let r = run(&ClusterConfig::local(3), |c| {
            let mine = match c.index() {
                0 => Ok(()),
                1 => Err(Error::Input("bad line".into())),
                _ => Err(Error::Input("worse line".into())),
            };
            let first = c.agree(mine).map_err(|e| e.to_string());
            let cancelled = c.agree(if c.index() == 2 { Err(Error::Cancelled) } else { Ok(()) });
            (first, cancelled.map_err(|e| matches!(e, Error::Cancelled)))
        })
        .unwrap();
        assert_eq!(r[0].0, Err("bad line (in process 0, worker 1)".to_string()));
        assert_eq!(r[1].0, Err("bad line".to_string()));
        assert_eq!(r[2].0, Err("worse line".to_string()));
        assert!(r.iter().all(|x| x.1 == Err(true)));
    }

    #[test]
    fn missing_peer_is_named() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cfg = ClusterConfig {
            workers: 1,
            process: 0,
            addresses: vec![format!("127.0.0.1:{port}"), "127.0.0.1:9".into()],
            connect_timeout: Duration::from_millis(300),
        };
        let e = run(&cfg, |_| ()).unwrap_err().to_string();
        assert!(e.contains("process(es) 1 (127.0.0.1:9)"), "{e}");
    }

    #[test]
    fn bad_host_file_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hosts");
        std::fs::write(&p, "# hosts\nlocalhost:2101\nnot-a-host\n").unwrap();
        let e = ClusterConfig::read_hosts(&p).unwrap_err().to_string();
        assert!(e.ends_with(":3: expected host:port, got 'not-a-host'"), "{e}");
    }
}
