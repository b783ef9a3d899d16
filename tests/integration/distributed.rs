//! Distributed runs (issue 14): the Pregel algorithms run by several timely workers, in one
//! process and in several "processes" (threads of this test, each with its own sockets over
//! loopback), give the single-process result: integers exactly, PageRank within 1e-9
//! relative. Also: algorithms without a Pregel program and kernels are refused, and a
//! distributed run's plan reports its workers.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use ember::Graph;
use ember::algo::{Common, Engine};
use ember::cluster::{self, ClusterConfig};
use ember::datafusion::arrow::array::{Array, Float64Array, RecordBatch};
use ember::job::{Algorithm, JobOutput, run};
use ember::load::{LoadSpec, load};

use crate::helpers::{close, data};

/// An algorithm and its parameters, as text.
type Case = (&'static str, Vec<(&'static str, String)>);

/// The cases for `g`: sources and landmarks are ids of `g` (its first dense vertices), and
/// sssp only where there are weights.
fn cases(g: &Graph) -> Vec<Case> {
    let ids = g.ids().to_array();
    let id = |v: usize| ember::datafusion::arrow::util::display::array_value_to_string(&ids, v % ids.len()).unwrap();
    let mut c: Vec<Case> = vec![
        ("pagerank", vec![("iterations", "15".into())]),
        ("pagerank", vec![("variant", "graphx".into()), ("tol", "0.001".into())]),
        ("wcc", vec![]),
        ("bfs", vec![("source", id(0))]),
        ("landmarks", vec![("landmarks", format!("{},{},{}", id(0), id(5), id(17)))]),
        ("pagerank", vec![("iterations", "10".into()), ("sources", id(3))]),
        ("scc", vec![]),
        ("degrees", vec![]),
        ("lcc", vec![]),
        ("triangles", vec![]),
        ("cdlp", vec![("iterations", "6".into())]),
    ];
    if g.weights().is_some() {
        c.push(("sssp", vec![("source", id(1))]));
    }
    c
}

/// Runs every case on `g` in each worker of a cluster described by `cfgs` (one config per
/// simulated process, each run on its own thread) and returns worker 0's outputs.
fn distributed(g: &Arc<Graph>, cfgs: Vec<ClusterConfig>, partitions: u32) -> Vec<JobOutput> {
    let handles: Vec<_> = cfgs
        .into_iter()
        .map(|cfg| {
            let g = g.clone();
            std::thread::spawn(move || {
                cluster::run(&cfg, move |c| {
                    let common = Common { engine: Engine::Pregel, partitions, cluster: Some(c), ..Default::default() };
                    cases(&g)
                        .iter()
                        .map(|(name, params)| run(&g, &Algorithm::new(name, params).unwrap(), &common, 0).unwrap())
                        .collect::<Vec<_>>()
                })
                .unwrap()
            })
        })
        .collect();
    let mut outs: Vec<Vec<Vec<JobOutput>>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // Every worker of every process holds the same result table.
    let first = outs[0][0].clone();
    for p in &outs {
        for w in p {
            for (a, b) in w.iter().zip(&first) {
                assert_eq!(a.table, b.table, "workers disagree");
            }
        }
    }
    outs.swap_remove(0).swap_remove(0)
}

fn same(name: &str, local: &RecordBatch, dist: &RecordBatch) {
    assert_eq!(local.schema(), dist.schema(), "{name}");
    assert_eq!(local.num_rows(), dist.num_rows(), "{name}");
    for (c, (a, b)) in local.columns().iter().zip(dist.columns()).enumerate() {
        match (a.as_any().downcast_ref::<Float64Array>(), b.as_any().downcast_ref::<Float64Array>()) {
            (Some(a), Some(b)) => {
                for i in 0..a.len() {
                    assert!(
                        close(a.value(i), b.value(i), 1e-9),
                        "{name} column {c} row {i}: {} vs {}",
                        a.value(i),
                        b.value(i)
                    );
                }
            }
            _ => assert_eq!(a, b, "{name} column {c}"),
        }
    }
}

fn check(g: &Graph, outs: &[JobOutput]) {
    check_cases(g, &cases(g), outs)
}

/// Runs `cases` on `g` in one process and compares with `outs`.
fn check_cases(g: &Graph, cases: &[Case], outs: &[JobOutput]) {
    let common = Common { engine: Engine::Pregel, ..Default::default() };
    assert_eq!(cases.len(), outs.len());
    for ((name, params), d) in cases.iter().zip(outs) {
        let local = run(g, &Algorithm::new(name, params).unwrap(), &common, 0).unwrap();
        same(&format!("{name} {params:?}"), &local.table, &d.table);
        assert_eq!(local.supersteps, d.supersteps, "{name} {params:?}");
        assert_eq!(local.messages, d.messages, "{name} {params:?}: message counts");
    }
}

fn free_ports(n: usize) -> Vec<String> {
    let ls: Vec<TcpListener> = (0..n).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    ls.iter().map(|l| l.local_addr().unwrap().to_string()).collect()
}

fn processes(n: usize, workers: usize) -> Vec<ClusterConfig> {
    let addresses = free_ports(n);
    (0..n)
        .map(|process| ClusterConfig {
            workers,
            process,
            addresses: addresses.clone(),
            connect_timeout: Duration::from_secs(30),
        })
        .collect()
}

#[test]
fn workers_in_one_process_match_one_worker() {
    let g = Arc::new(load(&LoadSpec::new(data().join("email-Eu-core.txt.gz"))).unwrap());
    for workers in [1, 3] {
        let outs = distributed(&g, vec![ClusterConfig::local(workers)], 0);
        check(&g, &outs);
    }
}

#[test]
fn processes_over_loopback_match_one_process() {
    // Directed and weighted (sssp reads the weights), then undirected.
    for (file, procs, workers, parts) in
        [("p2p-Gnutella31-weighted.txt.gz", 2, 1, 0), ("ca-HepTh.txt.gz", 3, 2, 5), ("karate.txt.gz", 2, 2, 0)]
    {
        let g = Arc::new(load(&LoadSpec::new(data().join(file))).unwrap());
        let outs = distributed(&g, processes(procs, workers), parts);
        check(&g, &outs);
        let plan = &outs[0].plan.phases;
        let pregel = plan.iter().find(|p| p.name.starts_with("Pregel")).unwrap();
        assert!(
            pregel.details.contains(&format!("workers={} in {procs} processes", procs * workers)),
            "{}",
            pregel.details
        );
        assert!(!pregel.details.contains(" sent 0 bytes"), "{}", pregel.details);
    }
}

#[test]
fn random_graphs_with_string_ids() {
    use ember::ids::IdColumn;
    use ember::{EdgeList, GraphOptions};
    // A few seeded random graphs (xorshift), directed and not, with text ids.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for (n, m, directed) in [(60u64, 200, true), (300, 900, false), (40, 41, true)] {
        let (mut s, mut d, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..m {
            s.push(format!("v{}", next() % n));
            d.push(format!("v{}", next() % n));
            w.push((next() % 9 + 1) as f64);
        }
        let g = Graph::from_edge_list(
            EdgeList {
                src: IdColumn::Str(s),
                dst: IdColumn::Str(d),
                weight: Some(w),
                vertices: None,
                directed: Some(directed),
            },
            &GraphOptions::default(),
        )
        .unwrap();
        let g = Arc::new(g);
        let outs = distributed(&g, processes(2, 2), 3);
        check(&g, &outs);
    }
}

#[test]
fn kernels_and_algorithms_without_pregel_are_refused() {
    let g = Arc::new(load(&LoadSpec::new(data().join("karate.txt.gz"))).unwrap());
    let errs = cluster::run(&ClusterConfig::local(2), move |c| {
        let kernel = Common { engine: Engine::Kernel, cluster: Some(c.clone()), ..Default::default() };
        let auto = Common { cluster: Some(c), ..Default::default() };
        let none: &[(&str, &str)] = &[];
        (
            run(&g, &Algorithm::new("wcc", none).unwrap(), &kernel, 0).unwrap_err().to_string(),
            run(&g, &Algorithm::new("kcore", none).unwrap(), &auto, 0).unwrap_err().to_string(),
        )
    })
    .unwrap();
    for (k, c) in errs {
        assert!(k.contains("runs in one process; a distributed run uses engine=pregel"), "{k}");
        assert!(c.contains("kcore has no program on the Pregel engine"), "{c}");
    }
}

#[test]
fn an_exchange_without_an_encoding_is_refused_across_workers() {
    use ember::pregel::{Exchange, TripletFields};
    use ember::{PartitionedGraph, Strategy};
    let g = Arc::new(load(&LoadSpec::new(data().join("karate.txt.gz"))).unwrap());
    let errs = cluster::run(&ClusterConfig::local(2), move |c| {
        let pg = PartitionedGraph::distributed(&g, Strategy::Dbh, 2, c).unwrap();
        let attrs = vec![0u8; g.num_vertices()];
        let units = vec![(); g.num_edges()];
        // A message type without a `State` encoding.
        struct Opaque;
        Exchange::<u8, (), Opaque>::with_fields(&pg, &attrs, &units, TripletFields::All).err().map(|e| e.to_string())
    })
    .unwrap();
    for e in errs {
        let e = e.expect("refused");
        assert!(e.contains("cannot be sent between processes"), "{e}");
    }
}

#[test]
fn a_distributed_run_resumes_from_its_checkpoint() {
    use ember::checkpoint::Checkpoint;
    use ember::context::{CancelToken, RunContext, SuperstepStats};
    use std::sync::Mutex;
    let g = Arc::new(load(&LoadSpec::new(data().join("email-Enron.txt.gz"))).unwrap());
    let none: Vec<(&str, String)> = Vec::new();
    for (name, params) in [("pagerank", vec![("iterations", "12".to_string())]), ("wcc", none.clone())] {
        let algo = Algorithm::new(name, &params).unwrap();
        let pregel = Common { engine: Engine::Pregel, ..Default::default() };
        let reference = run(&g, &algo, &pregel, 0).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Two workers; the first run is cancelled once superstep 3 is reported (checkpoints
        // every 2 supersteps, written by worker 0).
        let cancel = CancelToken::new();
        let (g1, a1, d1, c1) = (g.clone(), algo.clone(), dir.path().to_path_buf(), cancel.clone());
        let first = cluster::run(&ClusterConfig::local(2), move |c| {
            let c2 = c1.clone();
            let ctx = RunContext {
                cancel: c1.clone(),
                observer: Some(Arc::new(move |s: &SuperstepStats| {
                    if s.superstep >= 3 {
                        c2.cancel();
                    }
                })),
                checkpoint: Some(Checkpoint::new(&d1, 2, false).unwrap()),
            };
            let common = Common { engine: Engine::Pregel, ctx, cluster: Some(c), ..Default::default() };
            run(&g1, &a1, &common, 0).map(|_| ()).map_err(|e| e.to_string())
        })
        .unwrap();
        assert!(first.iter().all(|r| r.is_err()), "{name}: the cancelled run finished: {first:?}");
        assert!(dir.path().join("checkpoint.ember").exists(), "{name}: no checkpoint written");
        // Resumed by two workers: starts past the checkpoint, ends with the reference result.
        let seen: Arc<Mutex<Vec<u32>>> = Arc::default();
        let (g2, a2, d2, s2) = (g.clone(), algo.clone(), dir.path().to_path_buf(), seen.clone());
        let resumed = cluster::run(&ClusterConfig::local(2), move |c| {
            let s3 = s2.clone();
            let ctx = RunContext {
                observer: Some(Arc::new(move |s: &SuperstepStats| s3.lock().unwrap().push(s.superstep))),
                checkpoint: Some(Checkpoint::new(&d2, 2, true).unwrap()),
                ..Default::default()
            };
            let common = Common { engine: Engine::Pregel, ctx, cluster: Some(c), ..Default::default() };
            run(&g2, &a2, &common, 0).unwrap()
        })
        .unwrap();
        let first_step = seen.lock().unwrap().iter().copied().min();
        assert!(first_step >= Some(2), "{name}: resumed at {first_step:?}");
        for r in &resumed {
            same(name, &reference.table, &r.table);
            assert_eq!(r.supersteps, reference.supersteps, "{name}");
        }
        assert!(!dir.path().join("checkpoint.ember").exists(), "{name}: a finished run leaves its checkpoint");
    }
}

/// Reads `spec` in shares on every worker of `cfgs` (one config per simulated process) and
/// runs `g`'s cases there; checks that the shares together hold the graph's edges once, that
/// no worker holds all of them (where several have partitions) and that the build statistics
/// are the whole graph's; returns worker 0's outputs.
fn shared(spec: &LoadSpec, g: &Arc<Graph>, cfgs: Vec<ClusterConfig>) -> Vec<JobOutput> {
    use ember::load::shard;
    let cases = share_cases(g);
    let handles: Vec<_> = cfgs
        .into_iter()
        .map(|cfg| {
            let (spec, cases) = (spec.clone(), cases.clone());
            std::thread::spawn(move || {
                cluster::run(&cfg, move |c| {
                    let common = Common { engine: Engine::Pregel, cluster: Some(c.clone()), ..Default::default() };
                    let (strategy, parts) = common.shared_partitioning(c.peers());
                    let share = shard::read(&spec, &c, strategy, parts).unwrap();
                    let outs: Vec<JobOutput> = cases
                        .iter()
                        .map(|(name, params)| {
                            run(&share, &Algorithm::new(name, params).unwrap(), &common, 0)
                                .unwrap_or_else(|e| panic!("{name}: {e}"))
                        })
                        .collect();
                    (share.num_edges() as u64, share.total_edges(), share.build_stats(), outs)
                })
                .unwrap()
            })
        })
        .collect();
    let mut all: Vec<_> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let held: u64 = all.iter().map(|w| w.0).sum();
    assert_eq!(held, g.num_edges() as u64, "the shares hold every edge once");
    for (mine, total, stats, _) in &all {
        assert_eq!(*total, g.num_edges() as u64);
        let counts = |s: &ember::graph::BuildStats| (s.input_edges, s.self_loops_removed, s.duplicates_removed);
        assert_eq!(counts(stats), counts(&g.build_stats()));
        if all.len() > 1 && g.num_edges() > 100 {
            assert!(*mine < *total, "a worker holds all {total} edges");
        }
    }
    all.swap_remove(0).3
}

/// The cases a share runs: LCC and triangles read neighbour sets from the whole graph and are
/// refused on a share.
fn share_cases(g: &Graph) -> Vec<Case> {
    cases(g).into_iter().filter(|(n, _)| !matches!(*n, "lcc" | "triangles")).collect()
}

/// Seeded random edges (xorshift) with repeats, reversed pairs, self-loops and weights, as
/// text lines `src dst weight`.
fn messy_edges(n: u64, m: usize, seed: u64) -> String {
    let mut x = seed;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = String::from("# a messy graph\n");
    for _ in 0..m {
        let (a, b, w) = (next() % n, next() % n, next() % 7 + 1);
        out.push_str(&format!("{a} {b} {w}\n"));
        match next() % 5 {
            0 => out.push_str(&format!("{b} {a} {}\n", w + 1)),
            1 => out.push_str(&format!("{a} {b} {}\n", next() % 7 + 1)),
            2 => out.push_str(&format!("{a} {a} 1\n")),
            _ => {}
        }
    }
    out
}

#[test]
fn each_worker_reads_its_share_of_the_input() {
    use ember::GraphOptions;
    use ember::datafusion::arrow::array::StringArray;
    use ember::datafusion::arrow::datatypes::{DataType, Field, Schema};
    use ember::datafusion::parquet::arrow::ArrowWriter;
    use ember::datafusion::parquet::file::properties::WriterProperties;
    use ember::load::Format;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut specs: Vec<(String, LoadSpec)> = Vec::new();

    // Plain text cut at line boundaries: a real graph, and a messy one cleaned three ways
    // (parallel edges meet on one worker wherever they were read).
    let hepth = d.join("hepth.txt");
    let gz = std::fs::read(data().join("ca-HepTh.txt.gz")).unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
    std::fs::write(&hepth, &plain).unwrap();
    specs.push(("hepth".into(), LoadSpec::new(&hepth)));
    let messy = d.join("messy.txt");
    std::fs::write(&messy, messy_edges(300, 2500, 0x2545_F491_4F6C_DD1D)).unwrap();
    for (name, opts) in [
        ("messy directed", GraphOptions::default()),
        ("messy simple directed", GraphOptions::simple(true)),
        ("messy simple undirected", GraphOptions::simple(false)),
    ] {
        let mut s = LoadSpec::new(&messy);
        s.options = opts;
        specs.push((name.into(), s));
    }

    // Parquet cut by row groups, string ids, a folder of part files as Spark writes it.
    let pq = d.join("pq");
    std::fs::create_dir(&pq).unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("src", DataType::Utf8, false),
        Field::new("dst", DataType::Utf8, false),
        Field::new("weight", DataType::Float64, false),
    ]));
    let lines = messy_edges(200, 1500, 0x9E37_79B9_7F4A_7C15);
    let rows: Vec<Vec<&str>> = lines.lines().skip(1).map(|l| l.split(' ').collect()).collect();
    for (part, chunk) in rows.chunks(rows.len() / 2 + 1).enumerate() {
        let col = |i: usize| StringArray::from_iter_values(chunk.iter().map(|r| format!("v{}", r[i])));
        let w = Float64Array::from_iter_values(chunk.iter().map(|r| r[2].parse::<f64>().unwrap()));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(col(0)), Arc::new(col(1)), Arc::new(w)]).unwrap();
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(97)).build();
        let f = std::fs::File::create(pq.join(format!("part-{part:05}.parquet"))).unwrap();
        let mut wr = ArrowWriter::try_new(f, schema.clone(), Some(props)).unwrap();
        wr.write(&batch).unwrap();
        wr.close().unwrap();
    }
    std::fs::write(pq.join("_SUCCESS"), b"").unwrap();
    let mut s = LoadSpec::new(&pq);
    s.format = Some(Format::Parquet);
    s.options = GraphOptions::simple(false);
    specs.push(("parquet parts".into(), s));

    // CSV part files (each read whole by one worker) with a vertex table; an LDBC graph.
    let csv = d.join("csv");
    std::fs::create_dir(&csv).unwrap();
    let text = std::fs::read_to_string(data().join("friends_edges.csv")).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    for (i, chunk) in body.lines().collect::<Vec<_>>().chunks(3).enumerate() {
        std::fs::write(csv.join(format!("part-{i:05}.csv")), format!("{header}\n{}\n", chunk.join("\n"))).unwrap();
    }
    let mut s = LoadSpec::new(&csv);
    s.format = Some(Format::Csv);
    s.vertices = Some(data().join("friends_vertices.csv"));
    specs.push(("csv parts".into(), s));
    specs.push(("ldbc".into(), LoadSpec::new(data().join("ldbc/example-directed"))));

    for (name, spec) in &specs {
        let g = Arc::new(load(spec).unwrap_or_else(|e| panic!("{name}: {e}")));
        for cfgs in [processes(2, 2), vec![ClusterConfig::local(3)]] {
            let outs = shared(spec, &g, cfgs);
            check_cases(&g, &share_cases(&g), &outs);
        }
    }
}

/// A user's vertex program written against the public API (the shipped max-value example)
/// runs unchanged across workers, on a whole graph and on shares, with the one-process result.
#[test]
fn the_shipped_user_program_runs_distributed_unchanged() {
    use crate::pregel_api::max_value_example::propagate_max;
    use ember::load::shard;
    use ember::{PartitionedGraph, Strategy};
    let spec = LoadSpec::new(data().join("email-Eu-core.txt.gz"));
    let g = Arc::new(load(&spec).unwrap());
    let init =
        |n: usize| -> Vec<u64> { (0..n as u64).map(|v| (v + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40).collect() };
    let local = propagate_max(&PartitionedGraph::new(&g, Strategy::Dbh, 3).unwrap(), init(g.num_vertices())).unwrap();
    for shares in [false, true] {
        let (g2, spec2) = (g.clone(), spec.clone());
        let outs = cluster::run(&ClusterConfig::local(3), move |c| {
            let share = shares.then(|| shard::read(&spec2, &c, Strategy::Dbh, 3).unwrap());
            let graph = share.as_ref().unwrap_or(&g2);
            let pg = PartitionedGraph::distributed(graph, Strategy::Dbh, 3, c).unwrap();
            propagate_max(&pg, init(graph.num_vertices())).unwrap()
        })
        .unwrap();
        for r in outs {
            assert_eq!(r.attrs, local.attrs, "shares: {shares}");
            assert_eq!((r.supersteps, r.messages), (local.supersteps, local.messages), "shares: {shares}");
        }
    }
}
