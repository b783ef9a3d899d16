//! End-to-end tests of the `ember` binary. Summaries are compared with golden files in
//! `tests/golden/` (timing lines removed); `EMBER_BLESS=1` rewrites them.

use std::path::Path;
use std::process::{Command, Output};

use crate::{data, repo, temp_file};

fn ember(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ember")).args(args).current_dir(repo()).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares output (without `time:` and `wrote` lines) with a golden file.
fn golden(name: &str, out: &str) {
    let text: String =
        out.lines().filter(|l| !l.starts_with("time:") && !l.starts_with("wrote ")).map(|l| format!("{l}\n")).collect();
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("EMBER_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
    assert_eq!(text, want, "output differs from {}", path.display());
}

#[test]
fn with_vertices_writes_the_vertex_table_before_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("wcc.csv");
    let args = ["run", "wcc", "--edges", "graphs/friends_edges.csv", "--vertices", "graphs/friends_vertices.csv"];
    let o = ember(&[&args[..], &["--with-vertices", "--out", csv.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,name,age,component");
    assert_eq!(lines[1], "a,Alice,34,a");
    assert_eq!(lines[7], "g,Gabby,60,g");
    // Without the flag: id and the result.
    let o = ember(&[&args[..], &["--out", csv.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with("id,component\n"));
    let o = ember(&[&args[..], &["--with-vertices", "maybe"]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--with-vertices"), "{}", stderr(&o));
}

#[test]
fn readme_main_command_pagerank_on_karate() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pr.csv");
    let o = ember(&[
        "run",
        "pagerank",
        "--edges",
        "graphs/karate.txt.gz",
        "--undirected",
        "--partitions",
        "2",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    golden("run_pagerank_karate.txt", &stdout(&o));
    // The kernel ran: its CSR build is the preparation phase.
    assert!(stdout(&o).lines().any(|l| l.starts_with("time: load ")
        && l.contains("build CSR")
        && l.contains("compute")
        && l.contains("write")));
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,pagerank"));
    assert_eq!(lines.count(), 34);
    // No temporary file is left beside the output.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn every_algorithm_runs_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let g = data().join("p2p-Gnutella31-weighted.txt.gz");
    let g = g.to_str().unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("wcc", &[]),
        ("wcc", &["--engine", "pregel"]),
        ("scc", &[]),
        ("sssp", &["--source", "1"]),
        ("sssp", &["--source", "1", "--engine", "pregel"]),
        ("bfs", &["--source", "1"]),
        ("bfs", &["--source", "1", "--engine", "pregel"]),
        ("landmarks", &["--landmarks", "1,6"]),
        ("cdlp", &["--iterations", "5"]),
        ("lcc", &[]),
        ("triangles", &[]),
        ("degrees", &[]),
        ("pagerank", &["--variant", "graphx", "--tol", "1e-6"]),
    ];
    let mut all = String::new();
    for (alg, extra) in cases {
        let out = dir.path().join(format!("{alg}{}.parquet", extra.len()));
        let mut args =
            vec!["run", alg, "--edges", g, "--partitions", "3", "--strategy", "2d", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = ember(&args);
        assert!(o.status.success(), "{alg}: {}", stderr(&o));
        assert!(out.exists(), "{alg}: no output");
        all.push_str(&format!("$ ember run {alg} {}\n{}", extra.join(" "), stdout(&o)));
    }
    golden("run_all_gnutella31.txt", &all);
}

#[test]
fn graphalytics_validates_the_ldbc_suite() {
    let out = tempfile::tempdir().unwrap();
    let ldbc = data().join("ldbc");
    let o = ember(&["graphalytics", ldbc.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--validate"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("validation: 24 passed, 0 failed"), "{}", stdout(&o));
    assert!(out.path().join("example-directed/example-directed-PR").exists());
}

#[test]
fn graphalytics_fails_on_a_wrong_expected_output() {
    let dir = tempfile::tempdir().unwrap();
    let src = data().join("ldbc/test-bfs-directed");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let exp = dir.path().join("test-bfs-directed-BFS");
    let text = std::fs::read_to_string(&exp).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let (v, _) = lines[3].split_once(' ').unwrap();
    lines[3] = format!("{v} 12345");
    std::fs::write(&exp, lines.join("\n")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = ember(&["graphalytics", dir.path().to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--validate"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("MISMATCH: 1 of"), "{}", stdout(&o));
    assert!(stdout(&o).contains("validation: 0 passed, 1 failed"));
}

#[test]
fn bad_input_gives_one_line_error_and_exit_1() {
    let (_d, p) = temp_file("bad.txt", b"1 2\n2 3\n3 zz\n");
    let o = ember(&["run", "wcc", "--edges", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), format!("error: {}:3: expected an integer id, found 'zz'\n", p.display()));
    let o = ember(&["run", "sssp", "--edges", "graphs/karate.txt.gz"]);
    assert_eq!(stderr(&o), "error: invalid configuration: sssp: parameter 'source' is required\n");
    let o = ember(&["run", "bfs", "--edges", "graphs/karate.txt.gz", "--source", "999"]);
    assert_eq!(stderr(&o), "error: bfs: source 999 is not in the graph\n");
    let o = ember(&["run", "pagerank", "--edges", "graphs/karate.txt.gz", "--out", "x.json"]);
    assert_eq!(
        stderr(&o),
        "error: invalid configuration: x.json: output must end in .csv or .parquet (or give the output format)\n"
    );
    assert!(!Path::new("x.json").exists());
}

#[test]
fn info_and_help() {
    let o =
        ember(&["info", "--edges", "graphs/karate.txt.gz", "--undirected", "--partitions", "4", "--strategy", "2d"]);
    assert!(o.status.success(), "{}", stderr(&o));
    golden("info_karate.txt", &stdout(&o));
    for sub in ["run", "graphalytics", "info"] {
        let o = ember(&[sub, "--help"]);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Usage: ember"), "{sub}");
    }
}

fn ember_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .current_dir(repo())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn sql_seed_pipeline_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("totals.csv");
    let o = ember(&[
        "sql",
        "SELECT product_id, round(sum(quantity * price), 2) AS total_sales FROM sales GROUP BY product_id ORDER BY product_id",
        "--table",
        "sales=graphs/sales_data.csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // With --out the rows go to the file only.
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), format!("wrote 5 rows to {}\n", out.display()));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text, "product_id,total_sales\n101,118.45\n102,27.45\n103,14.85\n104,727.0\n105,24.0\n");
}

#[test]
fn sql_script_from_stdin_with_graph_tables() {
    let script = "-- PageRank joined with the members' clubs\n\
        CREATE VIEW ranked AS\n  SELECT p.id, p.pagerank, m.club\n  FROM pagerank('karate_vertices', 'karate_edges', 20, 'directed=false') p\n  JOIN members m USING (id);\n\
        SELECT club, count(*) AS members, round(sum(pagerank), 6) AS rank_share FROM ranked GROUP BY club ORDER BY club;\n";
    let o = ember_stdin(
        &[
            "sql",
            "--graph",
            "karate=graphs/karate.txt.gz",
            "--table",
            "members=graphs/karate_members.csv",
            "--out-format",
            "csv",
        ],
        script,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    golden("sql_stdin_script.txt", &stdout(&o));
    let o = ember_stdin(
        &["sql", "--graph", "karate=graphs/karate.txt.gz", "--table", "members=graphs/karate_members.csv"],
        script,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    golden("sql_stdin_script_table.txt", &stdout(&o));
}

#[test]
fn sql_explain_and_analyze() {
    let q = "SELECT m.club, max(p.pagerank) FROM pagerank('karate_vertices', 'karate_edges') p JOIN members m USING (id) GROUP BY m.club";
    let base = ["sql", q, "--graph", "karate=graphs/karate.txt.gz", "--table", "members=graphs/karate_members.csv"];
    let mut args = base.to_vec();
    args.push("--explain");
    let o = ember(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    for want in [
        "== Logical plan ==",
        "== Optimized logical plan ==",
        "== Physical plan ==",
        "TableScan: pagerank()",
        "PageRankExec: vertices=karate_vertices, edges=karate_edges, iterations=20",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
    let mut args = base.to_vec();
    args.push("--analyze");
    let o = ember(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    let line = s.lines().find(|l| l.trim_start().starts_with("PageRankExec")).unwrap_or_else(|| panic!("{s}"));
    // PageRank ran on its kernel: the CSR and kernel times are reported, not Pregel's.
    for want in ["output_rows=34", "supersteps=20", "vertices=34", "edges=78", "csr_time=", "kernel_time="] {
        assert!(line.contains(want), "missing {want} in {line}");
    }
}

#[test]
fn sql_errors_exit_1_with_positions() {
    let o =
        ember_stdin(&["sql", "--table", "sales=graphs/sales_data.csv"], "SELECT 1;\nSELECT prodct_id\n  FROM sales;");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: SQL error at line 2, column 8: No field named prodct_id. Did you mean 'sales.product_id'? Valid fields are sales.product_id, sales.quantity, sales.price.\n"
    );
    let o = ember(&["sql", "SELECT * FROM t", "--table", "t=graphs/missing.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: graphs/missing.csv: No such file or directory (os error 2)\n");
    let o = ember(&["sql", "SELECT * FROM t", "--table", "t"]);
    assert_eq!(stderr(&o), "error: --table takes NAME=PATH, got 't'\n");
}

#[test]
fn sql_functions_reference() {
    let o = ember(&["sql", "--functions"]);
    assert!(o.status.success());
    golden("sql_functions.txt", &stdout(&o));
}

#[test]
fn generate_is_deterministic_and_bench_reports_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, p) = (dir.path().join("a.txt"), dir.path().join("b.txt"), dir.path().join("k.parquet"));
    for out in [&a, &b] {
        let o =
            ember(&["generate", "kron", "--scale", "8", "--seed", "7", "--weighted", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).starts_with("256 vertex ids, 4096 edges;"), "{}", stdout(&o));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let o = ember(&["generate", "urand", "--scale", "8", "--out", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ember(&["info", "--edges", p.to_str().unwrap()]);
    assert!(stdout(&o).contains("4096 edges"), "{}", stdout(&o));

    let json = dir.path().join("bench.json");
    let o = ember(&[
        "bench",
        "kron:8:weighted",
        a.to_str().unwrap(),
        "--trials",
        "1",
        "--partitions",
        "2",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.starts_with("| dataset | algorithm | engine | vertices | arcs |"), "{s}");
    // The four kernels, then PageRank on Pregel for the ratio between the two paths.
    for alg in ["pagerank | kernel", "wcc | kernel", "bfs | kernel", "sssp | kernel", "pagerank | pregel"] {
        // kron:8 keeps all 2^8 ids as vertices, isolated ones included.
        assert!(s.contains(&format!("| kron:8:weighted | {alg} | 256 |")), "{alg}: {s}");
    }
    assert!(s.contains("| kron:8:weighted | pagerank | "), "side-by-side table: {s}");
    let rows: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 10);
    let o = ember(&["bench", "kron:8", "--algorithms", "pagerank,nope", "--trials", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bench: unknown algorithm 'nope'"), "{}", stderr(&o));
    let o = ember(&["bench", "kron:8", "--peers", "neo4j"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unknown peer 'neo4j'; known: networkit, igraph, graphx, gap"), "{}", stderr(&o));
}

/// `ember bench` on the weighted p2p-Gnutella31 file with `peers` (comma-separated) and
/// `trials` trials; its standard output, after asserting success.
fn bench_p2p_with_peers(peers: &str, trials: u32) -> String {
    let g = data().join("p2p-Gnutella31-weighted.txt.gz");
    let trials = trials.to_string();
    let dir = repo().join("benches/peers");
    let o = ember(&[
        "bench",
        g.to_str().unwrap(),
        "--trials",
        &trials,
        "--peers",
        peers,
        "--peers-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// The check column of `engine`'s `alg` row in `bench_p2p_with_peers`'s table.
fn peer_check(table: &str, engine: &str, alg: &str) -> Option<String> {
    let prefix = format!("| p2p-Gnutella31-weighted.txt.gz | {alg} | {engine} |");
    table
        .lines()
        .find(|l| l.starts_with(&prefix))
        .map(|l| l.trim_end_matches(" |").rsplit(" | ").next().unwrap().to_string())
}

/// `--peers` drives NetworKit and igraph on the same file, trial by trial, and their results
/// agree with Ember's. CI installs both (pip); elsewhere a missing one is skipped with a note.
#[test]
fn bench_runs_peers_side_by_side() {
    let have = |m: &str| {
        std::process::Command::new("python3").args(["-c", &format!("import {m}")]).status().is_ok_and(|s| s.success())
    };
    let (nk, ig) = (have("networkit"), have("igraph"));
    if std::env::var_os("CI").is_some() {
        assert!(nk && ig, "CI must install networkit and igraph (pip)");
    }
    let s = bench_p2p_with_peers("networkit,igraph", 2);
    let check = |engine: &str, alg: &str| peer_check(&s, engine, alg);
    for (peer, present) in [("networkit", nk), ("igraph", ig)] {
        if !present {
            assert!(s.contains(&format!("peer {peer} skipped")), "{s}");
            continue;
        }
        for alg in ["wcc", "bfs", "sssp"] {
            assert_eq!(check(peer, alg), check("kernel", alg), "{peer} {alg}: {s}");
        }
        // PageRank: the same top vertex.
        let top = |e: &str| check(e, "pagerank").unwrap().split(' ').nth(1).unwrap().to_string();
        assert_eq!(top(peer), top("kernel"));
        assert!(s.contains(&format!(" {peer} / Ember |")), "{s}");
    }
    assert_eq!(check("kernel", "wcc").as_deref(), Some("components 12; largest 62561"));
}

/// `--peers gap` builds the GAP Benchmark Suite from `../shared/peers/gapbs` (when it is there;
/// CI has it) and its kernels agree with Ember's on the same file and source.
#[test]
fn bench_runs_gap_side_by_side() {
    let src = repo().canonicalize().unwrap().parent().unwrap().join("shared/peers/gapbs");
    if !src.join("src/pr.cc").is_file() {
        assert!(std::env::var_os("CI").is_none(), "CI must have GAP's source at {}", src.display());
        return;
    }
    let s = bench_p2p_with_peers("gap", 1);
    let check = |engine: &str, alg: &str| -> String {
        peer_check(&s, engine, alg).unwrap_or_else(|| panic!("no {engine} {alg}: {s}"))
    };
    // GAP reports what it prints: vertices reached (ids 1..62586 here, so GAP's vertex 0 is an
    // isolated extra), the largest component, the top PageRank vertex.
    for alg in ["bfs", "sssp"] {
        let ember = check("kernel", alg);
        assert_eq!(check("gap", alg), ember.split(';').next().unwrap(), "{alg}: {s}");
    }
    let largest = check("kernel", "wcc").rsplit(' ').next().unwrap().to_string();
    assert_eq!(check("gap", "wcc"), format!("largest component {largest}"), "{s}");
    let top = |e: &str| check(e, "pagerank").split(' ').nth(1).unwrap().to_string();
    assert_eq!(top("gap"), top("kernel"), "{s}");
    assert!(s.contains(" gap / Ember |"), "{s}");
}

#[test]
fn run_help_comes_from_the_registry() {
    let o = ember(&["run", "--help"]);
    assert!(o.status.success());
    let s = stdout(&o);
    for spec in ember::registry::ALGORITHMS {
        let line =
            s.lines().find(|l| l.trim_start().starts_with(&format!("{} ", spec.name))).unwrap_or_else(|| panic!("{s}"));
        assert!(line.contains(spec.summary), "{line}");
    }
    // Every parameter of every algorithm, with its default stated once.
    for spec in ember::registry::ALGORITHMS {
        let s = stdout(&ember(&["run", spec.name, "--help"]));
        for p in spec.params {
            let flag = format!("--{}", p.name.replace('_', "-"));
            let line = s.lines().find(|l| l.trim_start().starts_with(&flag)).unwrap_or_else(|| panic!("{flag}: {s}"));
            assert!(line.contains(p.doc), "{line}");
            assert_eq!(
                s.matches(&format!("[default: {}]", p.default.describe())).count() >= 1,
                !matches!(
                    p.default,
                    ember::algo::spec::DefaultValue::Required | ember::algo::spec::DefaultValue::Unset
                ),
                "{line}"
            );
        }
        assert!(s.contains(&format!("Output columns: {}", spec.output_text())));
    }
}

#[test]
fn run_json_summary_and_out_format() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ranks.data");
    let o = ember(&[
        "run",
        "pagerank",
        "--edges",
        "graphs/karate.txt.gz",
        "--undirected",
        "--json",
        "-o",
        out.to_str().unwrap(),
        "--out-format",
        "parquet",
        "--iterations",
        "5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["algorithm"], "pagerank");
    assert_eq!(v["engine"], "kernel");
    assert_eq!(v["kernel"], "pull over the in-CSR");
    assert_eq!(v["supersteps"], 5);
    assert_eq!(v["parameters"]["iterations"], "5");
    assert_eq!(v["graph"]["vertices"], 34);
    assert_eq!(v["graph"]["edges"], 78);
    assert_eq!(v["rows"], 34);
    for phase in ["load", "prepare", "compute", "write"] {
        assert!(v["times_s"][phase].as_f64().unwrap() >= 0.0);
    }
    // Parquet whatever the extension says.
    assert_eq!(&std::fs::read(&out).unwrap()[..4], b"PAR1");
    // On Pregel the partition report replaces the kernel.
    let o =
        ember(&["run", "wcc", "--edges", "graphs/karate.txt.gz", "--engine", "pregel", "--partitions", "2", "--json"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["engine"], "pregel");
    assert_eq!(v["partition"]["partitions"], 2);
    assert!(v["kernel"].is_null());
}

#[test]
fn errors_are_one_plain_line() {
    // An I/O error names the file once.
    let o = ember(&["run", "wcc", "--edges", "graphs/nope.txt"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert_eq!(e.matches("graphs/nope.txt").count(), 1, "{e}");
    assert_eq!(e.matches("No such file").count() + e.matches("no such file").count(), 1, "{e}");
    // Ranges come from the registry, negative numbers included.
    let o = ember(&["run", "pagerank", "--edges", "graphs/karate.txt.gz", "--tol", "-1"]);
    assert_eq!(stderr(&o), "error: invalid configuration: pagerank: tol must be a number in [0, inf], got '-1'\n");
    let o = ember(&["run", "pagerank", "--edges", "graphs/karate.txt.gz", "--partitions", "100000"]);
    assert_eq!(
        stderr(&o),
        "error: invalid configuration: --partitions must be a whole number in [0, 65536], got '100000'\n"
    );
    let o = ember(&["run", "lcc", "--edges", "graphs/karate.txt.gz", "--engine", "kernel"]);
    assert_eq!(
        stderr(&o),
        "error: invalid configuration: there is no specialised kernel for lcc; use engine=pregel or auto\n"
    );
}

#[test]
fn an_empty_result_still_shows_its_columns() {
    let o = ember(&["sql", "SELECT * FROM sales WHERE quantity < 0", "--table", "sales=graphs/sales_data.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.contains("| product_id | quantity | price |") && s.ends_with("0 rows\n"), "{s}");
    let o = ember(&[
        "sql",
        "SELECT * FROM sales WHERE quantity < 0",
        "--table",
        "sales=graphs/sales_data.csv",
        "--out-format",
        "csv",
    ]);
    assert_eq!(stdout(&o), "product_id,quantity,price\n");
}

/// `ember ARGS` with its stdout and stderr on pipes.
fn piped(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_ember"))
        .args(args)
        .current_dir(repo())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// `ember ... | head -1`: the reader goes away and the process exits quietly.
#[test]
fn a_closed_pipe_ends_the_process_quietly() {
    use std::io::{BufRead, BufReader};
    for args in [
        vec!["sql", "SELECT * FROM generate_series(1, 3000000)", "--out-format", "csv"],
        vec!["run", "degrees", "--edges", "graphs/email-Enron.txt.gz", "--top", "30000"],
        vec!["sql", "SELECT * FROM generate_series(1, 300000)"],
        vec!["sql", "SELECT * FROM generate_series(1, 300000)", "--out-format", "json"],
        vec!["run", "pagerank", "--edges", "graphs/email-Enron.txt.gz", "--top", "30000", "--json"],
    ] {
        let mut child = piped(&args);
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        // The reader is dropped here: the pipe closes.
        let o = child.wait_with_output().unwrap();
        assert!(!first.is_empty());
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

/// Every printing command, its reader gone before it writes a byte (`ember ... | true`): it
/// exits quietly with status 0, whatever it prints and however little.
#[test]
fn every_printing_command_survives_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let g8 = dir.path().join("g8.txt");
    let g8 = g8.to_str().unwrap();
    for args in [
        vec!["info", "--edges", "graphs/karate.txt.gz"],
        vec!["graphalytics", "graphs/ldbc/example-directed"],
        vec!["bench", "kron:8", "--trials", "1", "--algorithms", "pagerank"],
        vec!["generate", "kron", "--scale", "8", "-o", g8],
        vec!["sql", "--functions"],
        vec!["run", "--help"],
        vec!["help"],
        vec!["--version"],
    ] {
        let mut child = piped(&args);
        // Closed before anything is read: every write meets EPIPE.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe") && !err.contains("error"), "{args:?}: {err}");
    }
}

/// SIGINT (and SIGTERM) cancel the running job: "cancelled", status 130, no output file, no
/// temporary file, and a previous output left as it was.
#[test]
fn a_signal_cancels_the_job_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ranks.csv");
    std::fs::write(&out, "previous\n").unwrap();
    for signal in ["-INT", "-TERM"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ember"))
            .args(["run", "pagerank", "--edges", "graphs/email-Enron.txt.gz", "--iterations", "100000000", "-o"])
            .arg(&out)
            .current_dir(repo())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Let it load and start iterating.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let k = Command::new("kill").arg(signal).arg(child.id().to_string()).status().unwrap();
        assert!(k.success());
        // Liveness only (no timing claim): a process that ignores the signal fails the test
        // instead of hanging it.
        let t = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if t.elapsed() > std::time::Duration::from_secs(120) {
                child.kill().unwrap();
                panic!("{signal}: the job did not stop");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(130), "{signal}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().last(), Some("cancelled"));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous\n");
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names, vec!["ranks.csv".to_string()]);
    }
}

/// An output into a missing folder fails before anything is computed, naming the folder and
/// the output (not the hidden temporary file).
#[test]
fn output_into_a_missing_folder_fails_first() {
    let o = ember(&["run", "pagerank", "--edges", "graphs/karate.txt.gz", "-o", "no/such/dir/r.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: no/such/dir/r.csv: the folder no/such/dir does not exist\n");
    assert_eq!(stdout(&o), "", "nothing ran");
    let o = ember(&["sql", "SELECT 1", "-o", "no/such/dir/r.csv"]);
    assert_eq!(stderr(&o), "error: no/such/dir/r.csv: the folder no/such/dir does not exist\n");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = ember(&["run", "wcc", "--edges", "graphs/karate.txt.gz", "-o", d, "--out-format", "csv"]);
    assert_eq!(stderr(&o), format!("error: {d}: is a folder, not a file\n"));
}

/// SQL a user expects: array literals, md5/sha2, and a very deep expression that must not
/// overflow the stack (DataFusion's recursion protection).
#[test]
fn deep_queries_and_the_expected_functions() {
    let o = ember(&[
        "sql",
        "SELECT make_array(1, 2)[2] AS x, md5('a') AS h, sha256('a') IS NOT NULL AS s",
        "--out-format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "x,h,s\n2,0cc175b9c0f1b6a831c399e269772661,true\n");
    let chain: Vec<String> = (0..5000).map(|i| format!("x = {i}")).collect();
    let q = format!("SELECT count(*) AS n FROM (VALUES (1), (7), (9999)) t(x) WHERE {}", chain.join(" OR "));
    let o = ember_stdin(&["sql", "--out-format", "csv"], &q);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "n\n2\n");
}

/// Corrupt Parquet files (the `parquet` fuzz target's crashes, some of which make the parquet
/// crate panic) give one error line naming the file, exit status 1 and no panic text, whether
/// read as a graph or as a SQL table.
#[test]
fn corrupt_parquet_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let crashes = repo().join("fuzz/regressions/parquet");
    let mut checked = 0;
    for e in std::fs::read_dir(&crashes).unwrap() {
        let p = dir.path().join(format!("c{checked}.parquet"));
        std::fs::copy(e.unwrap().path(), &p).unwrap();
        let table = format!("t={}", p.display());
        let path = p.to_str().unwrap();
        for args in [
            vec!["sql", "--table", &table, "SELECT * FROM t"],
            vec!["run", "wcc", "--edges", path],
            vec!["info", "--edges", path],
        ] {
            let o = ember(&args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
            assert!(err.starts_with("error: ") && err.contains(path), "{args:?}: {err}");
        }
        checked += 1;
    }
    assert!(checked >= 3);
}
