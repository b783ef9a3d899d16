//! The one list of algorithms. Every front end — the CLI's subcommands and help, the SQL table
//! functions and `ember sql --functions`, the notebook's graph cell, the bench runner, and the
//! later Python and distributed front ends — derives what it offers from these specs
//! ([`AlgorithmSpec`]: name, description, parameters with type, default, range and doc, output
//! columns, EXPLAIN name, engines, run function).
//!
//! Adding an algorithm: its file in `algo/` with its `SPEC`, and one line here.
//!
//! Beside the algorithms, [`JOB_PARAMS`] are the settings every graph job takes (how to read
//! the edges and which engine runs), which SQL accepts by name and the CLI as flags.

use crate::algo::spec::{AlgorithmSpec, DefaultValue, Param, ParamKind, Value};
use crate::algo::{self, Engine};
use crate::error::{Error, Result};
use crate::partition::Strategy;

/// Every algorithm, in the order help texts list them.
pub static ALGORITHMS: &[&AlgorithmSpec] = &[
    &algo::pagerank::SPEC,
    &algo::wcc::SPEC,
    &algo::scc::SPEC,
    &algo::sssp::SPEC,
    &algo::bfs::SPEC,
    &algo::landmarks::SPEC,
    &algo::cdlp::SPEC,
    &algo::lcc::SPEC,
    &algo::triangles::SPEC,
    &algo::degrees::SPEC,
    &algo::kcore::SPEC,
    &algo::mis::SPEC,
    &algo::lpa::SPEC,
];

/// The algorithm called `name` (case-insensitive), or an error listing the known ones.
pub fn lookup(name: &str) -> Result<&'static AlgorithmSpec> {
    let l = name.trim().to_ascii_lowercase();
    ALGORITHMS
        .iter()
        .copied()
        .find(|s| s.name == l)
        .ok_or_else(|| Error::Config(format!("unknown algorithm '{}'; known: {}", name.trim(), names().join(", "))))
}

/// The algorithms' names.
pub fn names() -> Vec<&'static str> {
    ALGORITHMS.iter().map(|s| s.name).collect()
}

/// Settings of every graph job, beside the algorithm's own parameters.
pub static JOB_PARAMS: &[Param] = &[
    Param {
        name: "directed",
        kind: ParamKind::Bool,
        default: DefaultValue::Value("true"),
        doc: "false reads every edge both ways",
        aliases: &[],
    },
    Param {
        name: "src_column",
        kind: ParamKind::Name,
        default: DefaultValue::Value("src"),
        doc: "source column of the edge table",
        aliases: &[],
    },
    Param {
        name: "dst_column",
        kind: ParamKind::Name,
        default: DefaultValue::Value("dst"),
        doc: "destination column of the edge table",
        aliases: &[],
    },
    Param {
        name: "weight_column",
        kind: ParamKind::Name,
        default: DefaultValue::Value("weight"),
        doc: "weight column of the edge table (sssp)",
        aliases: &[],
    },
    PARTITIONS,
    STRATEGY,
    ENGINE,
    CHECKPOINT,
    CHECKPOINT_EVERY,
    RESUME,
    WITH_VERTICES,
];

/// The result's shape: `id` and the result, or GraphFrames' vertex table plus the result.
pub const WITH_VERTICES: Param = Param {
    name: "with_vertices",
    kind: ParamKind::Bool,
    default: DefaultValue::Value("false"),
    doc: "true: the vertex table's columns, then the result's (GraphFrames' shape); false: id and the result",
    aliases: &[],
};

/// Where iterative runs write checkpoints (none when unset).
pub const CHECKPOINT: Param = Param {
    name: "checkpoint",
    kind: ParamKind::Path,
    default: DefaultValue::Unset,
    doc: "folder for checkpoints of iterative runs (PageRank, WCC, SSSP, BFS); none when unset",
    aliases: &[],
};

/// Supersteps between checkpoints.
pub const CHECKPOINT_EVERY: Param = Param {
    name: "checkpoint_every",
    kind: ParamKind::Int { min: 1, max: u32::MAX as i64 },
    default: DefaultValue::Value("10"),
    doc: "supersteps (iterations) between checkpoints",
    aliases: &[],
};

/// Resume from the checkpoint folder's last checkpoint.
pub const RESUME: Param = Param {
    name: "resume",
    kind: ParamKind::Bool,
    default: DefaultValue::Value("false"),
    doc: "continue from the last checkpoint in the checkpoint folder (same algorithm, parameters and graph)",
    aliases: &[],
};

/// The checkpoint a job's settings ask for, from `checkpoint`, `checkpoint_every` and `resume`
/// as text (absent: `None`).
pub fn checkpoint_from(dir: Option<&str>, every: &str, resume: &str) -> Result<Option<crate::checkpoint::Checkpoint>> {
    let every = match CHECKPOINT_EVERY.kind.parse(every).map_err(|m| Error::Config(format!("checkpoint_every {m}")))? {
        Value::Int(x) => x as u32,
        _ => return Err(Error::Internal("checkpoint_every is an integer".into())),
    };
    let resume =
        matches!(RESUME.kind.parse(resume).map_err(|m| Error::Config(format!("resume {m}")))?, Value::Bool(true));
    match dir.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Ok(Some(crate::checkpoint::Checkpoint::new(d, every, resume)?)),
        None if resume => Err(Error::Config("resume needs a checkpoint folder".into())),
        None => Ok(None),
    }
}

/// The engine settings of a job (`partitions`, `strategy`, `engine`, `checkpoint`,
/// `checkpoint_every`, `resume`) from `(name, value)` text, the defaults for those not given;
/// other names are left to the caller. For front ends that take settings by name (Python).
pub fn common_from<K: AsRef<str>, V: AsRef<str>>(
    settings: &[(K, V)],
    ctx: crate::context::RunContext,
) -> Result<algo::Common> {
    let given = |p: &Param| settings.iter().find(|(k, _)| k.as_ref() == p.name).map(|(_, v)| v.as_ref().trim());
    let value = |p: &Param| -> Result<Value> {
        let text = match (given(p), p.default) {
            (Some(t), _) => t,
            (None, DefaultValue::Value(d)) => d,
            (None, _) => return Err(Error::Internal(format!("setting {} has no default", p.name))),
        };
        p.kind.parse(text).map_err(|m| Error::Config(format!("{} {m}", p.name)))
    };
    let text = |p: &Param| -> Result<String> {
        match value(p)? {
            Value::Text(t) => Ok(t),
            other => Err(Error::Internal(format!("setting {}: {other:?}", p.name))),
        }
    };
    let partitions = match value(&PARTITIONS)? {
        Value::Int(x) => x as u32,
        other => return Err(Error::Internal(format!("partitions: {other:?}"))),
    };
    let or_default = |p: &Param| given(p).map(str::to_string).unwrap_or_else(|| p.default.describe());
    let checkpoint = checkpoint_from(given(&CHECKPOINT), &or_default(&CHECKPOINT_EVERY), &or_default(&RESUME))?;
    Ok(algo::Common {
        strategy: Strategy::parse(&text(&STRATEGY)?)?,
        partitions,
        engine: Engine::parse(&text(&ENGINE)?)?,
        ctx: crate::context::RunContext { checkpoint, ..ctx },
        cluster: None,
    })
}

/// Edge partitions of the Pregel engine.
pub const PARTITIONS: Param = Param {
    name: "partitions",
    kind: ParamKind::Int { min: 0, max: 1 << 16 },
    default: DefaultValue::Value("0"),
    doc: "edge partitions for the Pregel engine (0: one per core)",
    aliases: &[],
};

/// The vertex-cut strategy.
pub const STRATEGY: Param = Param {
    name: "strategy",
    kind: ParamKind::Choice(Strategy::NAMES),
    default: DefaultValue::Value("dbh"),
    doc: "vertex-cut partition strategy",
    aliases: &[],
};

/// The engine choice.
pub const ENGINE: Param = Param {
    name: "engine",
    kind: ParamKind::Choice(Engine::NAMES),
    default: DefaultValue::Value("auto"),
    doc: "auto (the specialised kernel where one computes the result), pregel, or kernel",
    aliases: &[],
};

/// The job setting called `name`.
pub fn job_param(name: &str) -> Option<&'static Param> {
    JOB_PARAMS.iter().find(|p| p.name == name)
}

/// A graph query: a table function whose result is a DataFusion plan over the graph's tables
/// (see [`crate::query`]); it builds no dense indices and runs no job.
#[derive(Debug)]
pub struct QuerySpec {
    pub name: &'static str,
    /// One line: what the query returns.
    pub summary: &'static str,
    /// The arguments in order: name and doc.
    pub args: &'static [(&'static str, &'static str)],
    /// How many of `args` must be given (the rest may be left off).
    pub required: usize,
    /// Clauses that may follow the arguments: a name (GraphFrames' builder method), then its
    /// arguments; (name, count, doc).
    pub clauses: &'static [(&'static str, usize, &'static str)],
    pub returns: &'static str,
}

/// Motif finding (GraphFrames' `find`).
pub const MOTIFS: QuerySpec = QuerySpec {
    name: "motifs",
    summary: "motif finding (GraphFrames' find): every match of a pattern of vertices and edges",
    args: &[
        ("vertices", "vertex table with `id` (NULL or '': the edges' endpoints)"),
        ("edges", "edge table with `src` and `dst`"),
        ("pattern", "GraphFrames' motif language: '(a)-[e]->(b); (b)-[]->(c); !(c)-[]->(a)'"),
    ],
    required: 3,
    clauses: &[],
    returns: "a struct column per named element (a vertex's holds the vertex table's columns, an edge's \
              the edge table's), in order of appearance; `_pattern`, `_direction` for an undirected edge \
              (a)-[e]-(b); `_hop` for a length range (a)-[e*1..3]->(b). Filter with a.age > 30, e.src = ...",
};

/// GraphFrames' `triplets`.
pub const TRIPLETS: QuerySpec = QuerySpec {
    name: "triplets",
    summary: "every edge with its endpoints (GraphFrames' triplets): motifs(v, e, '(src)-[edge]->(dst)')",
    args: &[
        ("vertices", "vertex table with `id` (NULL or '': the edges' endpoints)"),
        ("edges", "edge table with `src` and `dst`"),
    ],
    required: 2,
    clauses: &[],
    returns: "src, edge, dst: structs of the source vertex's, the edge's and the destination vertex's columns",
};

/// GraphFrames' `bfs`: shortest paths between two sets of vertices.
pub const BFS_PATHS: QuerySpec = QuerySpec {
    name: "bfs_paths",
    summary: "every shortest path from vertices matching one condition to vertices matching another (GraphFrames' bfs)",
    args: &[
        ("vertices", "vertex table with `id` (NULL or '': the edges' endpoints)"),
        ("edges", "edge table with `src` and `dst`"),
        ("from_expr", "SQL condition over the vertex columns where paths start, e.g. 'id = 7'"),
        ("to_expr", "SQL condition over the vertex columns where paths end, e.g. 'age < 32'"),
        ("edge_filter", "SQL condition over the edge columns: the edges paths may use (NULL or '': all)"),
        ("max_path_length", "longest path searched, default 10"),
    ],
    required: 4,
    clauses: &[],
    returns: "from, e0, v1, e1, ..., to: structs of the vertices' and edges' columns, one row per path of the \
              shortest length (from, to for a vertex matching both conditions). Computed when the \
              statement is planned, as GraphFrames computes it when called: its columns depend on the length found",
};

/// GraphFrames' `all_paths`: every simple path between two sets of vertices.
pub const ALL_PATHS: QuerySpec = QuerySpec {
    name: "all_paths",
    summary: "every simple path from vertices matching one condition to vertices matching another (GraphFrames' all_paths)",
    args: &[
        ("vertices", "vertex table with `id` (NULL or '': the edges' endpoints)"),
        ("edges", "edge table with `src` and `dst`"),
        ("from_expr", "SQL condition over the vertex columns where paths start, e.g. 'id = 7'"),
        ("to_expr", "SQL condition over the vertex columns where paths end; a path ends at the first it meets"),
        ("edge_filter", "SQL condition over the edge columns: the edges paths may use (NULL or '': all)"),
        ("max_path_length", "most edges in a path, default 5"),
        ("is_directed", "'true' (default): along the edges; 'false': either way"),
    ],
    required: 4,
    clauses: &[],
    returns: "path (list of vertex ids, no vertex twice; back to the start only when it is a target), \
              len (edges, BIGINT); ordered by len, then path",
};

/// GraphFrames' `detectingCycles`.
pub const DETECTING_CYCLES: QuerySpec = QuerySpec {
    name: "detecting_cycles",
    summary: "every directed simple cycle, from each vertex on it (GraphFrames' detectingCycles)",
    args: &[
        ("vertices", "vertex table with `id` (NULL or '': the edges' endpoints)"),
        ("edges", "edge table with `src` and `dst`"),
        ("max_length", "most edges in a cycle, default 10 (GraphFrames' bound: its Pregel's 10 iterations)"),
    ],
    required: 2,
    clauses: &[],
    returns: "id, found_cycles (list of vertex ids from id back to id: [a, b, a]; a self-loop [a, a]); \
              one row per cycle and vertex on it",
};

/// GraphFrames' `hyper_anf`.
pub const HYPER_ANF: QuerySpec = QuerySpec {
    name: "hyper_anf",
    summary: "HyperLogLog sketches of the vertices each vertex reaches in exactly k hops (GraphFrames' hyper_anf)",
    args: &[
        ("vertices", "vertex table with `id` (NULL or '': the edges' endpoints)"),
        ("edges", "edge table with `src` and `dst`"),
        ("n_hops", "hops, default 3: columns hop_0..hop_N"),
        ("lg_nom_entries", "log2 of the sketches' registers, 4 to 21, default 12"),
        ("edge_filter", "SQL condition over the edge columns: the edges followed (NULL or '': all)"),
    ],
    required: 2,
    clauses: &[],
    returns: "id, hop_0..hop_N (BINARY: DataSketches HLL_8 sketches, as Spark's hll_sketch_agg writes them), \
              one row per vertex with an out-edge. Neighbourhood size up to 2 hops: \
              hll_sketch_estimate(hll_union(hll_union(hop_0, hop_1), hop_2))",
};

/// The clauses of a Pregel program written as text (`pregel(...)`'s arguments): GraphFrames' builder method names, each followed by its arguments.
const PREGEL_CLAUSES: &[(&str, usize, &str)] = &[
    ("withVertexColumn", 3, "name, initial SQL over the vertex columns, update SQL over them and msg (repeatable)"),
    ("sendMsgToSrc", 1, "message SQL over src.*, dst.*, edge.* sent to each edge's source (repeatable)"),
    ("sendMsgToDst", 1, "message SQL sent to each edge's destination (repeatable)"),
    ("aggMsgs", 1, "aggregate SQL over msg, e.g. sum(msg)"),
    ("setMaxIter", 1, "iterations, default 10"),
    ("setEarlyStopping", 1, "true: stop at the first iteration that sends no message"),
    ("setInitialActiveVertexExpression", 1, "SQL over the vertex columns: the initial _pregel_is_active"),
    ("setUpdateActiveVertexExpression", 1, "SQL over the vertex columns and msg: _pregel_is_active after an update"),
    ("setStopIfAllNonActiveVertices", 1, "true: stop when no vertex is active"),
    ("setSkipMessagesFromNonActiveVertices", 1, "true: inactive vertices send nothing"),
    ("setCheckpointInterval", 1, "with a checkpoint folder: iterations between checkpoints (default 2; 0: none)"),
    ("checkpoint", 1, "folder for checkpoints of the vertex state (none when not given)"),
    ("resume", 1, "true: continue from the checkpoint in the folder (the same program and graph)"),
    ("partitions", 1, "edge partitions (default one per thread)"),
    ("strategy", 1, "vertex-cut strategy (dbh, 1d, 2d, random, canonical-random)"),
];

/// The clauses of `aggregate_messages(...)` (GraphFrames' `aggregateMessages` arguments).
const AGGREGATE_CLAUSES: &[(&str, usize, &str)] = &[
    ("sendToSrc", 1, "message SQL over src.*, dst.*, edge.* sent to each edge's source (repeatable)"),
    ("sendToDst", 1, "message SQL sent to each edge's destination (repeatable)"),
    ("agg", 1, "aggregate SQL over msg, one result column each, e.g. 'sum(msg) AS total' (repeatable)"),
    ("partitions", 1, "edge partitions (default one per thread)"),
    ("strategy", 1, "vertex-cut strategy (dbh, 1d, 2d, random, canonical-random)"),
];

/// GraphFrames' `pregel` with SQL expressions.
pub const PREGEL: QuerySpec = QuerySpec {
    name: "pregel",
    summary: "a Pregel program of SQL expressions (GraphFrames' pregel builder), run on Ember's partitions",
    args: &[
        ("vertices", "vertex table with `id` (NULL or '': the edges' endpoints)"),
        ("edges", "edge table with `src` and `dst`"),
    ],
    required: 2,
    clauses: PREGEL_CLAUSES,
    returns: "the vertex table's columns, _pregel_is_active and the program's columns after the last iteration. \
              Example: pregel('v', 'e', 'withVertexColumn', 'rank', '1.0 / 5', 'coalesce(msg, 0.0) * 0.85 + 0.03', \
              'sendMsgToDst', 'src.rank / src.\"outDegree\"', 'aggMsgs', 'sum(msg)', 'setMaxIter', '20')",
};

/// GraphFrames' `aggregateMessages` with SQL expressions.
pub const AGGREGATE_MESSAGES: QuerySpec = QuerySpec {
    name: "aggregate_messages",
    summary: "one round of messages along every edge, aggregated per receiving vertex (GraphFrames' aggregateMessages)",
    args: &[
        ("vertices", "vertex table with `id` (NULL or '': the edges' endpoints)"),
        ("edges", "edge table with `src` and `dst`"),
    ],
    required: 2,
    clauses: AGGREGATE_CLAUSES,
    returns: "id and one column per agg, for the vertices that received a message. \
              Example: aggregate_messages('v', 'e', 'sendToDst', 'src.age', 'agg', 'avg(msg) AS mean_age')",
};

/// Every graph query, for `ember sql --functions` and the front ends.
pub const QUERIES: &[&QuerySpec] =
    &[&MOTIFS, &TRIPLETS, &BFS_PATHS, &ALL_PATHS, &DETECTING_CYCLES, &HYPER_ANF, &PREGEL, &AGGREGATE_MESSAGES];

/// Scalar SQL functions over `hyper_anf`'s sketches (Spark's names; see [`crate::sql::hll`]):
/// signature and doc.
pub const SKETCH_FUNCTIONS: &[(&str, &str)] = &[
    ("hll_sketch_estimate(sketch)", "BIGINT: the estimated number of distinct values in a DataSketches HLL sketch"),
    (
        "hll_union(a, b [, allow_different_lg_config_k])",
        "BINARY: the union of two sketches (different lgConfigK only when the third argument is true)",
    ),
];

/// The reference of every algorithm and job setting as text (`ember sql --functions`).
pub fn reference() -> String {
    let mut s = String::from(
        "Graph table functions: NAME('vertices', 'edges', positional params..., 'name=value'...)\n\
         (the vertex table may be NULL or '': the edges' endpoints)\n\n",
    );
    for f in ALGORITHMS {
        let pos: Vec<&str> = f.params.iter().map(|p| p.name).collect();
        s.push_str(&format!(
            "{}(vertices, edges{}{})  -- {}\n",
            f.name,
            if pos.is_empty() { "" } else { ", " },
            pos.join(", "),
            f.summary
        ));
        s.push_str(&format!("    returns: {}\n", f.output_text()));
        s.push_str(&format!(
            "    engines: {}\n",
            match (f.engines.kernel, f.engines.pregel) {
                (Some(k), true) => format!("kernel ({k}) or pregel"),
                (Some(k), false) => format!("kernel ({k}) only"),
                (None, _) => "pregel".to_string(),
            }
        ));
        for p in f.params {
            s.push_str(&param_line(p));
        }
    }
    s.push_str("\nSettings of every function (by name):\n");
    for p in JOB_PARAMS {
        s.push_str(&param_line(p));
    }
    s.push_str("\nGraph queries (plans over the tables, optimised with the query around them):\n");
    for q in QUERIES {
        let args: Vec<String> = q
            .args
            .iter()
            .enumerate()
            .map(|(i, (n, _))| if i < q.required { n.to_string() } else { format!("[{n}]") })
            .chain((!q.clauses.is_empty()).then(|| "clauses...".to_string()))
            .collect();
        s.push_str(&format!("{}({})  -- {}\n", q.name, args.join(", "), q.summary));
        s.push_str(&format!("    returns: {}\n", q.returns));
        for (n, doc) in q.args {
            s.push_str(&format!("    {n:<14} {doc}\n"));
        }
        if !q.clauses.is_empty() {
            s.push_str("    then clauses, each a name and its arguments, all in quotes:\n");
        }
        for (n, count, doc) in q.clauses {
            s.push_str(&format!(
                "    {:<40} {doc}\n",
                format!("'{n}' + {count} argument{}", if *count == 1 { "" } else { "s" })
            ));
        }
    }
    s.push_str("\nSketch functions (over hyper_anf's hop_k columns):\n");
    for (sig, doc) in SKETCH_FUNCTIONS {
        s.push_str(&format!("{sig}  -- {doc}\n"));
    }
    s
}

fn param_line(p: &Param) -> String {
    format!("    {:<14} {:<26} default {:<18} {}\n", p.name, p.kind.range(), p.default.describe(), p.doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algo::spec::Params;

    #[test]
    fn names_are_unique_and_defaults_parse() {
        let mut names = names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALGORITHMS.len());
        for spec in ALGORITHMS {
            assert!(spec.exec_name.ends_with("Exec"), "{}", spec.name);
            assert!(spec.engines.kernel.is_some() || spec.engines.pregel, "{} runs nowhere", spec.name);
            for p in spec.params.iter().chain(JOB_PARAMS) {
                let defaults = match p.default {
                    DefaultValue::Value(v) => vec![v],
                    DefaultValue::Depends { value, when, then } => {
                        assert!(spec.param(when).is_some(), "{}.{}: depends on unknown {when}", spec.name, p.name);
                        vec![value, then]
                    }
                    _ => vec![],
                };
                for v in defaults {
                    p.kind.parse(v).unwrap_or_else(|e| panic!("{}.{}: default {v}: {e}", spec.name, p.name));
                }
                assert!(!p.doc.is_empty());
                assert!(JOB_PARAMS.iter().all(|j| j.name != p.name) || JOB_PARAMS.contains(p), "{}", p.name);
            }
            // Defaults alone resolve, unless a parameter is required.
            let empty: &[(&str, &str)] = &[];
            let r = Params::parse(spec, empty);
            assert_eq!(r.is_err(), spec.params.iter().any(|p| p.required()), "{}", spec.name);
        }
    }

    #[test]
    fn parses_and_describes_parameters() {
        let pr = lookup("PageRank").unwrap();
        let p = Params::parse(pr, &[("damping", "0.9"), ("iterations", "5")]).unwrap();
        assert_eq!(p.describe(), "iterations=5, damping=0.9, variant=ldbc");
        let p = Params::parse(pr, &[("tol", "1e-6")]).unwrap();
        assert_eq!(p.describe(), "iterations=100, damping=0.85, tol=0.000001, variant=ldbc");
        let p = Params::parse(pr, &[("source", "1, 2")]).unwrap();
        assert_eq!(p.ids("sources").unwrap(), ["1", "2"]);
        assert_eq!(Params::parse(pr, &p.to_text()).unwrap(), p);
        let e = |args: &[(&str, &str)]| Params::parse(pr, args).unwrap_err().to_string();
        assert!(e(&[("damping", "2")]).contains("pagerank: damping must be a number in [0, 1], got '2'"));
        assert!(e(&[("iterations", "0")]).contains("iterations must be a whole number in [1, 4294967295]"));
        assert!(e(&[("iterations", "2.5")]).contains("got '2.5'"));
        assert!(e(&[("variant", "spark")]).contains("unknown value 'spark'; known: ldbc, graphx"));
        assert!(e(&[("iters", "3")]).contains("unknown parameter 'iters'; parameters are: iterations, damping"));
        assert!(e(&[("tol", "1e-3"), ("tolerance", "1")]).contains("given twice"));
        let bfs = lookup("bfs").unwrap();
        assert!(Params::parse(bfs, &[("source", "1,2")]).is_err());
        assert!(Params::parse(bfs, &[("source", "")]).unwrap_err().to_string().contains("'source' is required"));
        assert!(lookup("nope").unwrap_err().to_string().contains("known: pagerank, wcc"));
    }
}
