//! `ember run` across processes (issue 14): `--processes` over loopback and `--hosts` with
//! `--process` give the single-process result files; a killed process ends the others within
//! seconds with an error naming it; startup errors (bad host file, a port in use, a peer that
//! never comes) are clear and leave no process behind.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{data, repo};

fn ember(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ember"));
    c.args(args).current_dir(repo());
    c
}

fn run(args: &[&str]) -> Output {
    ember(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn free_ports(n: usize) -> Vec<String> {
    let ls: Vec<TcpListener> = (0..n).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    ls.iter().map(|l| l.local_addr().unwrap().to_string()).collect()
}

/// Rows of a CSV result, with PageRank-like floats compared to 1e-9 relative by the caller.
fn rows(p: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(p).unwrap().lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
}

fn same_rows(a: &Path, b: &Path) {
    let (a, b) = (rows(a), rows(b));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        for (u, v) in x.iter().zip(y) {
            match (u.parse::<f64>(), v.parse::<f64>()) {
                (Ok(p), Ok(q)) if u.contains('.') || v.contains('.') => {
                    assert!((p - q).abs() <= 1e-9 * p.abs().max(q.abs()), "{u} vs {v}")
                }
                _ => assert_eq!(u, v),
            }
        }
    }
}

#[test]
fn processes_over_loopback_write_the_single_process_result() {
    let dir = tempfile::tempdir().unwrap();
    let g = data().join("ca-HepTh.txt.gz");
    let g = g.to_str().unwrap();
    for (alg, extra) in [("wcc", vec![]), ("pagerank", vec!["--iterations", "12"]), ("bfs", vec!["--source", "3466"])] {
        let one = dir.path().join(format!("{alg}-1.csv"));
        let many = dir.path().join(format!("{alg}-3.csv"));
        let mut a = vec!["run", alg, "--edges", g, "--engine", "pregel", "-o", one.to_str().unwrap()];
        a.extend(&extra);
        let o = run(&a);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let mut b = vec!["run", alg, "--edges", g, "--processes", "3", "--workers", "2", "-o", many.to_str().unwrap()];
        b.extend(&extra);
        let o = run(&b);
        assert!(o.status.success(), "{alg}: {}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(out.contains("distributed: 6 workers in 3 processes"), "{out}");
        // One summary (process 0's), one result file.
        assert_eq!(out.matches("supersteps:").count(), 1, "{out}");
        same_rows(&one, &many);
    }
    let mut left: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    assert_eq!(left.len(), 6, "{left:?}");
}

fn hosts_file(dir: &Path, addrs: &[String]) -> String {
    let p = dir.join("hosts.txt");
    std::fs::write(&p, format!("# test run\n{}\n", addrs.join("\n"))).unwrap();
    p.to_str().unwrap().to_string()
}

fn start(hosts: &str, i: usize, extra: &[&str]) -> Child {
    let g = data().join("email-Enron.txt.gz");
    ember(&["run", "pagerank", "--edges", g.to_str().unwrap(), "--hosts", hosts, "--process", &i.to_string()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `c` at most `limit`; kills it and fails if it is still running.
fn wait_within(mut c: Child, limit: Duration) -> Output {
    let t = Instant::now();
    while t.elapsed() < limit {
        if c.try_wait().unwrap().is_some() {
            return c.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = c.kill();
    let o = c.wait_with_output().unwrap();
    panic!("still running after {limit:?}; stderr: {}", text(&o.stderr));
}

#[test]
fn hosts_file_run_and_a_killed_process() {
    let dir = tempfile::tempdir().unwrap();
    // A complete run of two processes started by hand.
    let hosts = hosts_file(dir.path(), &free_ports(2));
    let p1 = start(&hosts, 1, &["--iterations", "5"]);
    let p0 = start(&hosts, 0, &["--iterations", "5"]);
    let o0 = wait_within(p0, Duration::from_secs(120));
    let o1 = wait_within(p1, Duration::from_secs(30));
    assert!(o0.status.success() && o1.status.success(), "{} / {}", text(&o0.stderr), text(&o1.stderr));
    assert!(text(&o0.stdout).contains("distributed: 2 workers in 2 processes"), "{}", text(&o0.stdout));
    assert!(text(&o1.stdout).is_empty(), "process 1 printed: {}", text(&o1.stdout));

    // Kill either process during a long run: the other ends within seconds, naming it.
    for victim in [1usize, 0] {
        let hosts = hosts_file(dir.path(), &free_ports(2));
        let long = ["--iterations", "100000000", "--tol", "0"];
        let mut ps: Vec<Option<Child>> = (0..2).map(|i| Some(start(&hosts, i, &long))).collect();
        // Let them connect and run some supersteps.
        std::thread::sleep(Duration::from_secs(4));
        let mut v = ps[victim].take().unwrap();
        v.kill().unwrap();
        v.wait().unwrap();
        let other = ps[1 - victim].take().unwrap();
        let o = wait_within(other, Duration::from_secs(10));
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        let e = text(&o.stderr);
        assert!(e.contains(&format!("lost process {victim}")), "{e}");
        assert_eq!(e.lines().count(), 1, "one line, no panic text: {e}");
    }
}

#[test]
fn startup_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let g = data().join("karate.txt.gz");
    let g = g.to_str().unwrap();
    let bad = dir.path().join("bad-hosts.txt");
    std::fs::write(&bad, "127.0.0.1:1\nnot a host\n").unwrap();
    let o = run(&["run", "wcc", "--edges", g, "--hosts", bad.to_str().unwrap(), "--process", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("bad-hosts.txt:2: expected host:port, got 'not a host'"), "{}", text(&o.stderr));

    let hosts = hosts_file(dir.path(), &free_ports(2));
    let o = run(&["run", "wcc", "--edges", g, "--hosts", &hosts, "--process", "2"]);
    assert!(text(&o.stderr).contains("--process 2 is out of range"), "{}", text(&o.stderr));
    let o = run(&["run", "wcc", "--edges", g, "--hosts", &hosts]);
    assert!(text(&o.stderr).contains("--hosts needs --process INDEX (0..=1)"), "{}", text(&o.stderr));

    // Port in use.
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let hosts = hosts_file(dir.path(), &[addr.clone(), free_ports(1).remove(0)]);
    let o = run(&["run", "wcc", "--edges", g, "--hosts", &hosts, "--process", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains(&format!("process 0 cannot listen on {addr}")), "{}", text(&o.stderr));

    // A peer that never comes: named after the timeout.
    let hosts = hosts_file(dir.path(), &free_ports(2));
    let o = run(&["run", "wcc", "--edges", g, "--hosts", &hosts, "--process", "0", "--connect-timeout", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("waited 1 s for process(es) 1"), "{}", text(&o.stderr));

    // Kernels run in one process.
    let o = run(&["run", "wcc", "--edges", g, "--processes", "2", "--engine", "kernel"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("a distributed run uses engine=pregel"), "{}", text(&o.stderr));
}

#[test]
fn part_files_one_per_process_with_success_marker() {
    let dir = tempfile::tempdir().unwrap();
    let g = data().join("ca-HepTh.txt.gz");
    let g = g.to_str().unwrap();
    let one = dir.path().join("one.csv");
    let o = run(&["run", "wcc", "--edges", g, "--engine", "pregel", "-o", one.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let parts = dir.path().join("parts");
    let ps = parts.to_str().unwrap();
    let o = run(&["run", "wcc", "--edges", g, "--processes", "3", "--out-parts", "--out-format", "csv", "-o", ps]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut names: Vec<String> =
        std::fs::read_dir(&parts).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["_SUCCESS", "part-00000.csv", "part-00001.csv", "part-00002.csv"]);
    // The parts, in order, are the single-process file (each with its header).
    let whole = std::fs::read_to_string(&one).unwrap();
    let mut lines = whole.lines();
    let header = lines.next().unwrap();
    let mut joined = Vec::new();
    for n in &names[1..] {
        let t = std::fs::read_to_string(parts.join(n)).unwrap();
        let mut l = t.lines();
        assert_eq!(l.next(), Some(header));
        joined.extend(l.map(str::to_string));
    }
    assert_eq!(joined, lines.map(str::to_string).collect::<Vec<_>>());
    // Ember reads the folder back as one table (_SUCCESS skipped); Parquet parts too.
    let q = run(&["sql", "SELECT count(*) AS n FROM t", "--table", &format!("t={ps}"), "--out-format", "csv"]);
    assert!(q.status.success(), "{}", text(&q.stderr));
    assert!(text(&q.stdout).contains("9877"), "{}", text(&q.stdout));
    let pq = dir.path().join("pq");
    let o = run(&["run", "wcc", "--edges", g, "--processes", "2", "--out-parts", "-o", pq.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(pq.join("part-00001.parquet").exists() && pq.join("_SUCCESS").exists());
    // pyarrow reads the folder as one dataset (CI installs it; it skips `_SUCCESS` as Spark does).
    let py = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, pyarrow.dataset as ds; t = ds.dataset(sys.argv[1], format='parquet').to_table(); \
             print(t.num_rows, ','.join(t.column_names))",
            pq.to_str().unwrap(),
        ])
        .output()
        .expect("python3 (with pyarrow, which .ci/run installs)");
    assert!(py.status.success(), "{}", text(&py.stderr));
    assert_eq!(text(&py.stdout).trim(), "9877 id,component");
    // A folder with something in it is refused before any work; so is --out-parts in one process.
    let o = run(&["run", "wcc", "--edges", g, "--processes", "2", "--out-parts", "-o", ps]);
    assert!(text(&o.stderr).contains("the folder is not empty"), "{}", text(&o.stderr));
    let o = run(&["run", "wcc", "--edges", g, "--out-parts", "-o", ps]);
    assert!(text(&o.stderr).contains("--out-parts writes one part per process"), "{}", text(&o.stderr));
}

/// A plain text file: each process reads its share (the summary says so) and the result is the
/// single-process one; LCC, which needs the whole graph, reads it whole and agrees too; a bad
/// line in another process's share is reported by process 0 with the file's own line number.
#[test]
fn plain_text_is_read_in_shares() {
    let dir = tempfile::tempdir().unwrap();
    // A few thousand edges with triangles (i -> i+1, i -> i+2) and long-range ones.
    let mut plain = b"# generated\n".to_vec();
    for i in 0..3000u64 {
        plain.extend_from_slice(format!("{i}\t{}\n{i}\t{}\n{i}\t{}\n", i + 1, i + 2, (i * 7919) % 3001).as_bytes());
    }
    let g = dir.path().join("edges.txt");
    std::fs::write(&g, &plain).unwrap();
    let gs = g.to_str().unwrap();
    for alg in ["wcc", "lcc"] {
        let one = dir.path().join(format!("{alg}-1.csv"));
        let many = dir.path().join(format!("{alg}-2.csv"));
        let o = run(&["run", alg, "--edges", gs, "--engine", "pregel", "--undirected", "-o", one.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let o = run(&["run", alg, "--edges", gs, "--processes", "2", "--undirected", "-o", many.to_str().unwrap()]);
        assert!(o.status.success(), "{alg}: {}", text(&o.stderr));
        let out = text(&o.stdout);
        assert_eq!(out.contains("input read in shares: worker 0 read its part and holds"), alg == "wcc", "{out}");
        same_rows(&one, &many);
    }
    // A bad line in the second half (process 1's share): named with its line in the file.
    let lines = plain.iter().filter(|&&b| b == b'\n').count();
    let mut bad = plain.clone();
    bad.extend_from_slice(b"12 x13\n");
    let b = dir.path().join("bad.txt");
    std::fs::write(&b, &bad).unwrap();
    let o = run(&["run", "wcc", "--edges", b.to_str().unwrap(), "--processes", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("bad.txt:{}: expected an integer id, found 'x13'", lines + 1)), "{err}");
    assert!(err.contains("(in process 1, worker 1)"), "{err}");
}

/// `ember bench --processes 1,2`: a row per process count from the runs' own reports, with
/// bytes between processes per superstep and each process's peak RSS; the same check.
#[test]
fn bench_across_processes_reports_each_count() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("rows.json");
    let g = data().join("karate.txt.gz");
    let o = run(&[
        "bench",
        g.to_str().unwrap(),
        "--undirected",
        "--processes",
        "1,2",
        "--algorithms",
        "wcc,bfs",
        "--trials",
        "1",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("| karate.txt.gz | wcc | 1 (single-process engine) |"), "{out}");
    assert!(out.contains("| karate.txt.gz | bfs | 2 x 1 |"), "{out}");
    assert!(out.contains("karate.txt.gz wcc, 2 processes x 1 workers (last trial), per superstep:"), "{out}");
    let rows: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for pair in rows.chunks(2) {
        assert_eq!(pair[0]["check"], pair[1]["check"], "{pair:?}");
        assert_eq!(pair[1]["peak_rss_bytes_per_process"].as_array().unwrap().len(), 2);
        let steps = pair[1]["supersteps"].as_array().unwrap();
        assert!(steps.iter().any(|s| s["remote_bytes"].as_u64().unwrap() > 0), "{steps:?}");
        assert!(pair[1]["ratio_to_one_process"].as_f64().unwrap() > 0.0);
    }
    // Files only: a generated graph is written first.
    let o = run(&["bench", "kron:8", "--processes", "1,2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("write kron:8 with `ember generate`"), "{}", text(&o.stderr));
}

/// `kill -9` of a process after a checkpoint of a two-process run, then both processes again
/// with `--resume`: the output is byte for byte the uninterrupted run's, and the finished run
/// removes its checkpoint.
#[test]
fn a_killed_run_resumes_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("ck");
    std::fs::create_dir(&ck).unwrap();
    let reference = dir.path().join("reference.csv");
    let out = dir.path().join("ranks.csv");
    let both = |extra: &[&str]| -> Vec<Child> {
        let hosts = hosts_file(dir.path(), &free_ports(2));
        (0..2).map(|i| start(&hosts, i, extra)).collect()
    };
    let finish = |ps: Vec<Child>| {
        for (i, p) in ps.into_iter().enumerate() {
            let o = wait_within(p, Duration::from_secs(300));
            assert!(o.status.success(), "process {i}: {}", text(&o.stderr));
        }
    };
    let iters = ["--iterations", "150"];
    finish(both(&[&iters[..], &["-o", reference.to_str().unwrap()]].concat()));
    let with_ck = [&iters[..], &["--checkpoint", ck.to_str().unwrap(), "--checkpoint-every", "5"]].concat();
    let o = out.to_str().unwrap();
    for victim in [1usize, 0] {
        let mut ps = both(&[&with_ck[..], &["-o", o]].concat());
        let file = ck.join("checkpoint.ember");
        let t = Instant::now();
        while !file.exists() {
            assert!(t.elapsed() < Duration::from_secs(120), "no checkpoint appeared");
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut v = ps.remove(victim);
        v.kill().unwrap();
        v.wait().unwrap();
        let survivor = wait_within(ps.remove(0), Duration::from_secs(10));
        assert_eq!(survivor.status.code(), Some(1), "{}", text(&survivor.stderr));
        assert!(!out.exists(), "the killed run wrote its output");
        finish(both(&[&with_ck[..], &["--resume", "-o", o]].concat()));
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&reference).unwrap(), "resumed output differs");
        assert!(std::fs::read_dir(&ck).unwrap().next().is_none(), "the finished run left its checkpoint");
        std::fs::remove_file(&out).unwrap();
    }
}
