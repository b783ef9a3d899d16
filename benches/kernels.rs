//! Criterion micro-benchmarks of Ember's kernels on generated graphs small enough for a quick
//! run: one PageRank iteration, WCC, BFS, SSSP (the Pregel programs and the specialised kernels),
//! building the CSR, one message-combining superstep, partitioning
//! with each strategy, loading a text edge list and a Parquet edge table, and building the id
//! dictionary. `cargo bench --bench kernels` (numbers come from here and from `ember bench`,
//! never from tests). `EMBER_BENCH_SCALE` sets the Kronecker scale (default 14).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ember::algo::{self, Common, pagerank};
use ember::generate::{self, Kind};
use ember::graph::{Graph, GraphOptions};
use ember::ids::{self, IdColumn};
use ember::kernel::{self, Csr, Direction};
use ember::load::{LoadSpec, load};
use ember::pregel::{Msgs, TripletFields, aggregate_messages};
use ember::{PartitionedGraph, Strategy};

fn scale() -> u32 {
    std::env::var("EMBER_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(14)
}

fn kron(weighted: bool) -> (generate::Config, generate::Edges) {
    let cfg = generate::Config { kind: Kind::Kron, scale: scale(), weighted, ..Default::default() };
    let e = generate::generate(&cfg).expect("generator settings are valid");
    (cfg, e)
}

fn graph(cfg: &generate::Config, e: &generate::Edges) -> Graph {
    generate::graph(e.clone(), cfg, &GraphOptions::simple(false)).expect("generated ids are valid")
}

fn kernels(c: &mut Criterion) {
    let (cfg, e) = kron(true);
    let g = graph(&cfg, &e);
    let common = Common { partitions: rayon::current_num_threads() as u32, ..Default::default() };
    let pg = common.partition(&g).expect("partition count is valid");
    let source = 0;
    let mut group = c.benchmark_group(format!("kron{}", scale()));
    group.sample_size(10);
    group.bench_function("pagerank_1_iteration", |b| {
        let cfg = pagerank::Config { iterations: 1, common: common.clone(), ..Default::default() };
        b.iter(|| black_box(pagerank::run_partitioned(&pg, &cfg).expect("valid config")))
    });
    group.bench_function("wcc", |b| {
        let cfg = algo::wcc::Config { max_supersteps: None, common: common.clone() };
        b.iter(|| black_box(algo::wcc::run_partitioned(&pg, &cfg).expect("valid config")))
    });
    group.bench_function("bfs", |b| {
        let cfg = algo::bfs::Config { source, common: common.clone() };
        b.iter(|| black_box(algo::bfs::run_partitioned(&pg, &cfg).expect("valid config")))
    });
    group.bench_function("sssp", |b| {
        let cfg = algo::sssp::Config { source, common: common.clone() };
        b.iter(|| black_box(algo::sssp::run_partitioned(&pg, &cfg).expect("valid config")))
    });
    // The specialised kernels on the same graph (CSR built once, outside the timing).
    let ctx = ember::RunContext::default();
    let sym = Csr::build(&g, Direction::Both, false);
    let weighted = Csr::build(&g, Direction::Out, true);
    group.bench_function("kernel_pagerank_1_iteration", |b| {
        // As the engine runs it: in the numbering `Prepared` chooses (built outside the timing).
        let prepared = kernel::pagerank::Prepared::build(&g, &pagerank::out_degrees(&g));
        let it = kernel::pagerank::Iterations { max: 1, tolerance: None };
        b.iter(|| black_box(prepared.run(&[], true, 0.85, it, &ctx).expect("valid input")))
    });
    group.bench_function("kernel_wcc_afforest", |b| {
        b.iter(|| black_box(kernel::wcc::afforest(&sym, &ctx).expect("not cancelled")))
    });
    group.bench_function("kernel_bfs_direction_optimizing", |b| {
        b.iter(|| black_box(kernel::bfs::run(&sym, Some(&sym), source, &ctx).expect("source exists")))
    });
    group.bench_function("kernel_sssp_delta_stepping", |b| {
        let delta = kernel::sssp::default_delta(&weighted);
        b.iter(|| black_box(kernel::sssp::run(&weighted, source, delta, &ctx).expect("source exists")))
    });
    group.bench_function("csr_build_both", |b| b.iter(|| black_box(Csr::build(&g, Direction::Both, false))));
    group.bench_function("superstep_message_combining", |b| {
        let attrs: Vec<f64> = (0..g.num_vertices()).map(|v| v as f64).collect();
        let units = vec![(); g.num_edges()];
        b.iter(|| {
            black_box(
                aggregate_messages(
                    &pg,
                    &attrs,
                    &units,
                    TripletFields::All,
                    |t| Msgs::both(*t.dst_attr, *t.src_attr),
                    |a, b| a + b,
                )
                .expect("attribute counts match"),
            )
        })
    });
    for s in Strategy::NAMES {
        let strategy = Strategy::parse(s).expect("known strategy");
        group.bench_function(format!("partition_{s}"), |b| {
            b.iter(|| black_box(PartitionedGraph::new(&g, strategy, 4).expect("valid count")))
        });
    }
    // The dictionary of integer ids as a file gives them (the generator's own are dense).
    let wide = |c: &[u32]| c.iter().map(|&x| i64::from(x)).collect::<Vec<i64>>();
    let (src, dst) = (wide(&e.src), wide(&e.dst));
    group.bench_function("dictionary", |b| {
        b.iter(|| {
            black_box(ids::build(None, IdColumn::Int(src.clone()), IdColumn::Int(dst.clone())).expect("valid ids"))
        })
    });
    group.finish();
}

fn loading(c: &mut Criterion) {
    let (cfg, e) = kron(false);
    let dir = tempfile::tempdir().expect("temp dir");
    let text = dir.path().join("kron.txt");
    let parquet = dir.path().join("kron.parquet");
    generate::write(&e, &cfg, &text).expect("write text");
    generate::write(&e, &cfg, &parquet).expect("write parquet");
    let mut group = c.benchmark_group(format!("load_kron{}", scale()));
    group.sample_size(10);
    group.throughput(criterion::Throughput::Bytes(std::fs::metadata(&text).map(|m| m.len()).unwrap_or(0)));
    group.bench_function("text_edge_list", |b| b.iter(|| black_box(load(&LoadSpec::new(&text)).expect("loads"))));
    group
        .bench_function("parquet_edge_table", |b| b.iter(|| black_box(load(&LoadSpec::new(&parquet)).expect("loads"))));
    group.finish();
}

criterion_group!(benches, kernels, loading);
criterion_main!(benches);
