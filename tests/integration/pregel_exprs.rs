//! GraphFrames' `pregel` and `aggregateMessages` with SQL expressions, against GraphFrames' own
//! algorithm run literally in SQL: per iteration, the triplets as joins of the edge table with
//! the vertex state twice, the messages grouped by receiver, a left join back to the state.

use std::sync::Arc;

use ember::RunContext;
use ember::Strategy as Cut;
use ember::datafusion::arrow::array::{Array, Float64Array, Int64Array, RecordBatch};
use ember::datafusion::arrow::datatypes::{DataType, Field, Schema};
use ember::datafusion::arrow::util::display::array_value_to_string;
use ember::datafusion::datasource::MemTable;
use ember::datafusion::prelude::SessionContext;
use ember::query::GraphFrame;
use ember::query::pregel::{AggregateMessages, Partitioning, Pregel};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    n: i64,
    edges: Vec<(i64, i64)>,
    program: usize,
    max_iter: u32,
    parts: Partitioning,
}

const STRATEGIES: [Cut; 5] =
    [Cut::Dbh, Cut::EdgePartition1D, Cut::EdgePartition2D, Cut::RandomVertexCut, Cut::CanonicalRandomVertexCut];

fn case() -> impl Strategy<Value = Case> {
    (1i64..9, 0..PROGRAMS, 1u32..7, 0usize..5, 1u32..5).prop_flat_map(|(n, program, max_iter, s, p)| {
        prop::collection::vec((0..n, 0..n), 0..24).prop_map(move |edges| Case {
            n,
            edges,
            program,
            max_iter,
            parts: Partitioning { strategy: STRATEGIES[s], partitions: p },
        })
    })
}

/// Vertices `id`, `w` = 10 * id, `outdeg` (edge rows leaving it); edges `src`, `dst`, `eid`.
fn tables(c: &Case) -> (RecordBatch, RecordBatch) {
    let (v, e) = crate::helpers::small_graph(c.n, &c.edges);
    let outdeg: Vec<i64> = (0..c.n).map(|i| c.edges.iter().filter(|x| x.0 == i).count() as i64).collect();
    let mut fields: Vec<Field> = v.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("outdeg", DataType::Int64, false));
    let mut cols = v.columns().to_vec();
    cols.push(Arc::new(Int64Array::from(outdeg)));
    (RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap(), e)
}

const PROGRAMS: usize = 5;

/// The programs: GraphFrames' PageRank example, SSSP with `min`, connected components by the
/// largest label with active flags, an aggregate expression around several aggregates
/// (`count(DISTINCT ...)` runs through DataFusion's accumulator adapter), messages both ways
/// with a FILTER clause and early stopping.
fn program(c: &Case) -> Pregel {
    let n = c.n as f64;
    let p = Pregel::new().max_iter(c.max_iter);
    let p = match c.program {
        0 => p
            .with_vertex_column("rank", &format!("1.0 / {n}"), &format!("coalesce(msg, 0.0) * 0.85 + 0.15 / {n}"))
            .send_msg_to_dst("src.rank / src.outdeg")
            .agg_msgs("sum(_pregel_msg_)"),
        1 => p
            .with_vertex_column(
                "dist",
                "CASE WHEN id = 0 THEN 0 ELSE NULL END",
                "CASE WHEN msg IS NULL THEN dist WHEN dist IS NULL THEN msg ELSE least(dist, msg) END",
            )
            .send_msg_to_dst("src.dist + edge.eid % 3 + 1")
            .agg_msgs("min(msg)"),
        2 => {
            let mut p = p
                .with_vertex_column("comp", "id", "CASE WHEN msg > comp THEN msg ELSE comp END")
                .send_msg_to_dst("src.comp")
                .send_msg_to_src("dst.comp")
                .agg_msgs("max(msg)");
            p.initial_active = Some("true".into());
            p.update_active = Some("coalesce(msg > comp, false)".into());
            p.skip_messages_from_inactive = true;
            p.stop_if_all_inactive = true;
            p
        }
        3 => p
            .with_vertex_column("total", "CAST(0 AS BIGINT)", "coalesce(msg, total)")
            .with_vertex_column("seen", "w", "seen + coalesce(msg, 0)")
            .send_msg_to_dst("src.w + dst.w + src.total % 7")
            .agg_msgs("sum(msg) * 2 + count(DISTINCT msg % 3)"),
        _ => {
            let mut p = p
                .with_vertex_column("hops", "CAST(NULL AS BIGINT)", "coalesce(msg, hops)")
                .send_msg_to_src("CASE WHEN src.hops IS NULL AND dst.id > src.id THEN edge.eid END")
                .send_msg_to_dst("CASE WHEN dst.hops IS NULL THEN src.w END")
                .agg_msgs("max(msg) FILTER (WHERE msg % 2 = 0)");
            p.early_stopping = true;
            p
        }
    };
    Pregel { partitioning: c.parts, ..p }
}

/// GraphFrames' `Pregel.run`, one SQL statement per step.
async fn oracle(ctx: &SessionContext, p: &Pregel) -> RecordBatch {
    let types: Vec<String> = {
        let cols: Vec<String> =
            p.columns.iter().map(|c| format!("arrow_typeof({}) AS {}", c.initial, c.name)).collect();
        let b = ctx.sql(&format!("SELECT {} FROM v LIMIT 1", cols.join(", "))).await.unwrap().collect().await.unwrap();
        match b.iter().find(|b| b.num_rows() > 0) {
            Some(b) => (0..b.num_columns()).map(|i| array_value_to_string(b.column(i), 0).unwrap()).collect(),
            None => vec!["Int64".into(); p.columns.len()],
        }
    };
    let active = |e: &Option<String>| e.clone().unwrap_or_else(|| "true".into());
    let init: Vec<String> = p.columns.iter().map(|c| format!("{} AS {}", c.initial, c.name)).collect();
    let mut state = ctx
        .sql(&format!("SELECT v.*, {} AS _pregel_is_active, {} FROM v", active(&p.initial_active), init.join(", ")))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let reads_dst =
        p.to_src.iter().chain(&p.to_dst).any(|m| m.contains("dst.") && m.replace("dst.id", "").contains("dst."));
    for _ in 0..p.max_iter {
        let schema = state[0].schema();
        ctx.deregister_table("s").unwrap();
        ctx.register_table("s", Arc::new(MemTable::try_new(schema, vec![state.clone()]).unwrap())).unwrap();
        let skip = match (p.skip_messages_from_inactive, reads_dst) {
            (false, _) => "true",
            (true, false) => "src._pregel_is_active",
            (true, true) => "(src._pregel_is_active OR dst._pregel_is_active)",
        };
        let sends: Vec<String> = p
            .to_dst
            .iter()
            .map(|m| ("dst", m))
            .chain(p.to_src.iter().map(|m| ("src", m)))
            .map(|(to, m)| {
                format!(
                    "SELECT {to}.id AS __id, ({m}) AS msg FROM e AS edge JOIN s AS src ON edge.src = src.id \
                     JOIN s AS dst ON edge.dst = dst.id WHERE {skip}"
                )
            })
            .collect();
        let msgs =
            format!("SELECT __id, msg, msg AS _pregel_msg_ FROM ({}) WHERE msg IS NOT NULL", sends.join(" UNION ALL "));
        let sent: usize = ctx.sql(&msgs).await.unwrap().count().await.unwrap();
        if p.early_stopping && sent == 0 {
            break;
        }
        let agg = format!("SELECT __id, {} AS msg FROM ({msgs}) GROUP BY __id", p.agg.as_deref().unwrap());
        let upd: Vec<String> = p
            .columns
            .iter()
            .zip(&types)
            .map(|(c, t)| format!("arrow_cast({}, '{t}') AS {}", c.update, c.name))
            .collect();
        let vcols: Vec<String> = schema_of(ctx, "v").await.into_iter().map(|c| format!("s.{c}")).collect();
        let q = format!(
            "SELECT {}, {} AS _pregel_is_active, {} FROM s LEFT JOIN (SELECT __id, msg, msg AS _pregel_msg_ FROM ({agg})) a \
             ON s.id = a.__id ORDER BY s.id",
            vcols.join(", "),
            active(&p.update_active),
            upd.join(", ")
        );
        state = ctx.sql(&q).await.unwrap().collect().await.unwrap();
        if p.stop_if_all_inactive {
            let b = ember::datafusion::arrow::compute::concat_batches(&state[0].schema(), &state).unwrap();
            let a = b.column_by_name("_pregel_is_active").unwrap();
            let a = a.as_any().downcast_ref::<ember::datafusion::arrow::array::BooleanArray>().unwrap();
            if a.true_count() == 0 {
                break;
            }
        }
    }
    ember::datafusion::arrow::compute::concat_batches(&state[0].schema(), &state).unwrap()
}

async fn schema_of(ctx: &SessionContext, t: &str) -> Vec<String> {
    ctx.table(t).await.unwrap().schema().fields().iter().map(|f| f.name().clone()).collect()
}

/// Row `r` of every column as text, floats compared by the caller.
fn assert_same(got: &RecordBatch, want: &RecordBatch, what: &str) {
    assert_eq!(got.num_rows(), want.num_rows(), "{what}: rows");
    let names = |b: &RecordBatch| b.schema().fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
    assert_eq!(names(got), names(want), "{what}: columns");
    for c in 0..got.num_columns() {
        let (g, w) = (got.column(c), want.column(c));
        for r in 0..got.num_rows() {
            match (g.as_any().downcast_ref::<Float64Array>(), w.as_any().downcast_ref::<Float64Array>()) {
                (Some(g), Some(w)) if g.is_valid(r) && w.is_valid(r) => {
                    assert!(
                        crate::helpers::close(g.value(r), w.value(r), 1e-9),
                        "{what}: row {r} col {c}: {} vs {}",
                        g.value(r),
                        w.value(r)
                    )
                }
                _ => assert_eq!(
                    array_value_to_string(g, r).unwrap(),
                    array_value_to_string(w, r).unwrap(),
                    "{what}: row {r} column {}",
                    got.schema().field(c).name()
                ),
            }
        }
    }
}

fn run_case(c: &Case) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let ctx = SessionContext::new();
        let (v, e) = tables(c);
        ctx.register_batch("v", v.clone()).unwrap();
        ctx.register_batch("e", e.clone()).unwrap();
        ctx.register_batch("s", v.clone()).unwrap();
        let g = GraphFrame::new(ctx.read_batch(v).unwrap(), ctx.read_batch(e).unwrap()).unwrap();
        let p = program(c);
        let got = g.pregel(&p, &RunContext::default()).await.unwrap().vertices;
        let want = oracle(&ctx, &p).await;
        assert_same(&got, &want, &format!("{c:?}"));
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn pregel_matches_graphframes_semantics(c in case()) {
        run_case(&c);
    }
}

fn frame(ctx: &SessionContext, n: i64, edges: &[(i64, i64)]) -> GraphFrame {
    let (v, e) = tables(&Case { n, edges: edges.to_vec(), program: 0, max_iter: 1, parts: Partitioning::default() });
    GraphFrame::new(ctx.read_batch(v).unwrap(), ctx.read_batch(e).unwrap()).unwrap()
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

#[test]
fn early_stopping_stops_at_the_first_silent_iteration() {
    block_on(async {
        let ctx = SessionContext::new();
        let g = frame(&ctx, 6, &[(0, 1), (1, 2), (2, 3), (3, 4)]);
        let mut p = Pregel::new()
            .max_iter(100)
            .with_vertex_column("d", "CASE WHEN id = 0 THEN 0 END", "coalesce(d, msg)")
            .send_msg_to_dst("CASE WHEN src.d IS NOT NULL AND dst.d IS NULL THEN src.d + 1 END")
            .agg_msgs("min(msg)");
        p.early_stopping = true;
        let out = g.pregel(&p, &RunContext::default()).await.unwrap();
        assert_eq!(out.iterations, 4, "one vertex reached per iteration, then silence");
        assert_eq!(out.messages, 4);
        let d = out.vertices.column_by_name("d").unwrap();
        let d: Vec<String> = (0..6).map(|r| array_value_to_string(d, r).unwrap()).collect();
        assert_eq!(d, ["0", "1", "2", "3", "4", ""]);
        // Without early stopping GraphFrames runs every iteration.
        p.early_stopping = false;
        p.max_iter = 7;
        assert_eq!(g.pregel(&p, &RunContext::default()).await.unwrap().iterations, 7);
    });
}

#[test]
fn aggregate_messages_matches_a_group_by_over_the_triplets() {
    block_on(async {
        let ctx = SessionContext::new();
        let edges = [(0, 1), (1, 2), (2, 0), (2, 1), (3, 1), (1, 1), (4, 2)];
        let g = frame(&ctx, 6, &edges);
        let (v, e) =
            tables(&Case { n: 6, edges: edges.to_vec(), program: 0, max_iter: 1, parts: Partitioning::default() });
        ctx.register_batch("v", v).unwrap();
        ctx.register_batch("e", e).unwrap();
        for parts in [1, 3] {
            let am = AggregateMessages {
                to_src: vec!["dst.w + edge.eid".into()],
                to_dst: vec!["src.w".into()],
                aggs: vec!["sum(MSG) AS total".into(), "count(msg)".into(), "max(msg) - min(msg) AS spread".into()],
                partitioning: Partitioning { partitions: parts, ..Default::default() },
            };
            let got = g.aggregate_messages(&am, &RunContext::default()).await.unwrap();
            let want = ctx
                .sql(
                    "SELECT id, sum(msg) AS total, count(msg), max(msg) - min(msg) AS spread FROM (
                       SELECT src.id AS id, dst.w + edge.eid AS msg FROM e AS edge JOIN v AS src ON edge.src = src.id JOIN v AS dst ON edge.dst = dst.id
                       UNION ALL
                       SELECT dst.id, src.w FROM e AS edge JOIN v AS src ON edge.src = src.id JOIN v AS dst ON edge.dst = dst.id)
                     GROUP BY id ORDER BY id",
                )
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            let want = ember::datafusion::arrow::compute::concat_batches(&want[0].schema(), &want).unwrap();
            assert_same(&got, &want, "aggregateMessages");
        }
    });
}

#[test]
fn bad_programs_are_refused_with_the_expression_named() {
    block_on(async {
        let ctx = SessionContext::new();
        let g = frame(&ctx, 3, &[(0, 1), (1, 2)]);
        let base = || {
            Pregel::new()
                .with_vertex_column("r", "1.0", "coalesce(msg, r)")
                .send_msg_to_dst("src.r")
                .agg_msgs("sum(msg)")
        };
        let err = |p: Pregel| block_on_err(&g, p);
        let e = err(base().send_msg_to_dst("src.rnk * 2"));
        assert!(e.contains("sendMsgToDst expression 'src.rnk * 2'") && e.contains("rnk"), "{e}");
        let e = err(base().agg_msgs("msg + 1"));
        assert!(e.contains("aggMsgs expression 'msg + 1' has no aggregate function"), "{e}");
        let e = err(base().agg_msgs("sum(msg) + msg"));
        assert!(e.contains("outside an aggregate"), "{e}");
        let e = err(base().with_vertex_column("w", "1", "1"));
        assert!(e.contains("vertex column name 'w' is taken"), "{e}");
        let e = err(base().with_vertex_column("x", "NULL", "msg"));
        assert!(e.contains("has no type"), "{e}");
        let e = err(base().with_vertex_column("x", "1", "sum(msg)"));
        assert!(e.contains("only aggMsgs aggregates"), "{e}");
        let e = err(base().send_msg_to_src("src.r +* 2"));
        assert!(e.contains("'src.r +* 2'") && e.contains("column"), "{e}");
        let e = err(base().max_iter(0));
        assert!(e.contains("max_iter"), "{e}");
        let e = err(Pregel { agg: None, ..base() });
        assert!(e.contains("aggMsgs"), "{e}");
        let e = err(base().with_vertex_column("y", "'a'", "'b' + 1"));
        assert!(e.contains("update expression"), "{e}");
    });
}

fn block_on_err(g: &GraphFrame, p: Pregel) -> String {
    let g = g.clone();
    std::thread::spawn(move || {
        block_on(async move { g.pregel(&p, &RunContext::default()).await.unwrap_err().to_string() })
    })
    .join()
    .unwrap()
}

#[test]
fn an_interrupted_run_resumes_from_its_checkpoint_with_the_same_result() {
    use std::sync::Arc as A;
    block_on(async {
        let ctx = SessionContext::new();
        let edges: Vec<(i64, i64)> = (0..12).flat_map(|i| [(i, (i * 5 + 1) % 12), (i, (i + 7) % 12)]).collect();
        let g = frame(&ctx, 12, &edges);
        let program = |dir: Option<&std::path::Path>, resume: bool| Pregel {
            checkpoint: dir.map(|d| d.display().to_string()),
            resume,
            ..Pregel::new()
                .max_iter(9)
                .with_vertex_column("rank", "1.0 / 12", "coalesce(msg, 0.0) * 0.85 + 0.15 / 12")
                .send_msg_to_dst("src.rank / src.outdeg")
                .agg_msgs("sum(msg)")
        };
        let whole = g.pregel(&program(None, false), &RunContext::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Cancelled after iteration 5: the checkpoint of iteration 4 (interval 2) stays.
        let p = program(Some(dir.path()), false);
        let cancel = ember::CancelToken::new();
        let c2 = cancel.clone();
        let base = RunContext {
            cancel: cancel.clone(),
            observer: Some(A::new(move |s: &ember::SuperstepStats| {
                if s.superstep == 5 {
                    c2.cancel()
                }
            })),
            checkpoint: None,
        };
        let err = g.pregel(&p, &p.context(base).unwrap()).await.unwrap_err();
        assert!(matches!(err, ember::Error::Cancelled), "{err}");
        assert!(dir.path().join("checkpoint.ember").exists());
        // Another program refuses the checkpoint.
        let other = Pregel { max_iter: 8, ..program(Some(dir.path()), true) };
        let e = g.pregel(&other, &other.context(RunContext::default()).unwrap()).await.unwrap_err().to_string();
        assert!(e.contains("another run"), "{e}");
        // Resumed: iterations 5..9 run, the result is the uninterrupted one.
        let steps = A::new(std::sync::Mutex::new(Vec::new()));
        let s2 = steps.clone();
        let base = RunContext {
            observer: Some(A::new(move |s: &ember::SuperstepStats| s2.lock().unwrap().push(s.superstep))),
            ..Default::default()
        };
        let p = program(Some(dir.path()), true);
        let resumed = g.pregel(&p, &p.context(base).unwrap()).await.unwrap();
        assert_eq!(*steps.lock().unwrap(), vec![5, 6, 7, 8, 9]);
        assert_eq!(resumed.iterations, 9);
        assert_eq!(resumed.messages, whole.messages);
        assert_eq!(resumed.vertices, whole.vertices);
        assert!(!dir.path().join("checkpoint.ember").exists(), "a finished run removes its checkpoint");
    });
}
