//! Graph algorithms as SQL table functions.
//!
//! ```sql
//! SELECT v.name, p.pagerank
//! FROM pagerank('vertices', 'edges', 20) p JOIN vertices v ON v.id = p.id
//! ORDER BY p.pagerank DESC LIMIT 10;
//! ```
//!
//! Every function takes the vertex table (a table or view name; `NULL` or `''` for "the
//! endpoints of the edges") and the edge table, then its own positional parameters, and any
//! parameter by name as a string `'name=value'` (DataFusion plans table-function arguments
//! without a schema, so a bare `name = value` cannot be written). [`FUNCTIONS`] and
//! [`COMMON_PARAMS`] are the one reference of names, positions, defaults and output columns;
//! `ember sql --functions` prints it.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session as DfSession, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;

use crate::algo::pagerank::Variant;
use crate::job::Algorithm;
use crate::partition::Strategy;
use crate::sql::graph_exec::GraphAlgorithmExec;

/// A parameter of a graph table function.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    pub name: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

/// A graph table function: its positional parameters (after `vertices, edges`), its own named
/// parameters and its output columns.
#[derive(Debug, Clone, Copy)]
pub struct FunctionDoc {
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [ParamDoc],
    pub output: &'static str,
}

/// Parameters every graph function takes (by name; `vertices` and `edges` also by position).
pub const COMMON_PARAMS: &[ParamDoc] = &[
    ParamDoc {
        name: "vertices",
        default: "NULL",
        doc: "vertex table or view with column `id` (NULL: the edges' endpoints)",
    },
    ParamDoc { name: "edges", default: "(required)", doc: "edge table or view with columns `src`, `dst`" },
    ParamDoc { name: "directed", default: "true", doc: "false reads every edge both ways" },
    ParamDoc { name: "src_column", default: "'src'", doc: "source column of the edge table" },
    ParamDoc { name: "dst_column", default: "'dst'", doc: "destination column of the edge table" },
    ParamDoc { name: "weight_column", default: "'weight'", doc: "weight column (sssp)" },
    ParamDoc { name: "partitions", default: "0", doc: "edge partitions (0: one per core)" },
    ParamDoc { name: "strategy", default: "'dbh'", doc: "partition strategy: dbh, 1d, 2d, random, canonical-random" },
    ParamDoc { name: "engine", default: "'auto'", doc: "auto (specialised kernel where one exists), pregel, kernel" },
];

const PR: &[ParamDoc] = &[
    ParamDoc { name: "iterations", default: "20", doc: "iterations (the cap when tol is given)" },
    ParamDoc { name: "damping", default: "0.85", doc: "damping factor" },
    ParamDoc { name: "tol", default: "NULL", doc: "run until the L1 change is below tol" },
    ParamDoc { name: "variant", default: "'ldbc'", doc: "'ldbc' (sums to 1) or 'graphx' (GraphX's numbers)" },
    ParamDoc { name: "sources", default: "''", doc: "personalization sources, comma-separated ids" },
];
const SOURCE: &[ParamDoc] = &[ParamDoc { name: "source", default: "(required)", doc: "source vertex id" }];
const CDLP: &[ParamDoc] = &[ParamDoc { name: "iterations", default: "10", doc: "label propagation iterations" }];
const LANDMARKS: &[ParamDoc] =
    &[ParamDoc { name: "landmarks", default: "(required)", doc: "comma-separated landmark ids" }];

/// Every graph table function.
pub const FUNCTIONS: &[FunctionDoc] = &[
    FunctionDoc { name: "pagerank", summary: "PageRank", params: PR, output: "id, pagerank DOUBLE" },
    FunctionDoc {
        name: "wcc",
        summary: "weakly connected components (label: smallest member id)",
        params: &[],
        output: "id, component",
    },
    FunctionDoc { name: "scc", summary: "strongly connected components", params: &[], output: "id, component" },
    FunctionDoc {
        name: "sssp",
        summary: "weighted shortest path lengths",
        params: SOURCE,
        output: "id, distance DOUBLE (inf: unreachable)",
    },
    FunctionDoc {
        name: "bfs",
        summary: "hop distances",
        params: SOURCE,
        output: "id, distance BIGINT (NULL: unreachable)",
    },
    FunctionDoc {
        name: "landmarks",
        summary: "hops from each vertex to each landmark",
        params: LANDMARKS,
        output: "id, landmark, distance BIGINT",
    },
    FunctionDoc { name: "cdlp", summary: "label propagation communities", params: CDLP, output: "id, label" },
    FunctionDoc { name: "lcc", summary: "local clustering coefficient", params: &[], output: "id, lcc DOUBLE" },
    FunctionDoc {
        name: "triangles",
        summary: "triangles through each vertex",
        params: &[],
        output: "id, triangles UBIGINT",
    },
    FunctionDoc {
        name: "degrees",
        summary: "in-, out- and total degree",
        params: &[],
        output: "id, in_degree, out_degree, degree UBIGINT",
    },
];

/// The reference of all graph table functions as text.
pub fn reference() -> String {
    let mut s =
        String::from("Graph table functions: NAME('vertices', 'edges', positional params..., 'name=value'...)\n\n");
    for f in FUNCTIONS {
        let pos: Vec<&str> = f.params.iter().map(|p| p.name).collect();
        s.push_str(&format!(
            "{}(vertices, edges{}{})  -- {}\n",
            f.name,
            if pos.is_empty() { "" } else { ", " },
            pos.join(", "),
            f.summary
        ));
        s.push_str(&format!("    returns: {}\n", f.output));
        for p in f.params {
            s.push_str(&format!("    {:<14} default {:<10} {}\n", p.name, p.default, p.doc));
        }
    }
    s.push_str("\nParameters of every function (by name):\n");
    for p in COMMON_PARAMS {
        s.push_str(&format!("    {:<14} default {:<10} {}\n", p.name, p.default, p.doc));
    }
    s
}

/// Registers every graph table function in `ctx`.
pub fn register_all(ctx: &SessionContext) {
    for f in FUNCTIONS {
        ctx.register_udtf(f.name, Arc::new(GraphFunction { doc: *f }));
    }
}

/// A call of a graph table function with its arguments resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphCall {
    pub function: &'static str,
    pub vertices: Option<String>,
    pub edges: String,
    pub algorithm: Algorithm,
    pub directed: bool,
    pub partitions: u32,
    pub strategy: Strategy,
    pub engine: crate::algo::Engine,
    pub src_column: String,
    pub dst_column: String,
    pub weight_column: String,
}

impl GraphCall {
    /// `key=value` list for EXPLAIN.
    pub fn describe(&self) -> String {
        let mut parts = vec![
            format!("vertices={}", self.vertices.as_deref().unwrap_or("(endpoints)")),
            format!("edges={}", self.edges),
        ];
        let p = self.algorithm.params();
        if !p.is_empty() {
            parts.push(p);
        }
        parts.push(format!("directed={}", self.directed));
        parts.push(format!("partitions={}", self.partitions));
        parts.push(format!("strategy={}", self.strategy.name()));
        if self.engine != crate::algo::Engine::Auto {
            parts.push(format!("engine={}", self.engine.name()));
        }
        parts.join(", ")
    }
}

#[derive(Debug)]
struct GraphFunction {
    doc: FunctionDoc,
}

fn plan_err(msg: String) -> DataFusionError {
    DataFusionError::Plan(msg)
}

/// An argument value: a literal, possibly negated.
fn literal(e: &Expr) -> Option<ScalarValue> {
    match e {
        Expr::Literal(v, _) => Some(v.clone()),
        Expr::Negative(inner) => match literal(inner)? {
            ScalarValue::Int64(Some(x)) => Some(ScalarValue::Int64(Some(-x))),
            ScalarValue::Float64(Some(x)) => Some(ScalarValue::Float64(Some(-x))),
            _ => None,
        },
        _ => None,
    }
}

fn text(v: &ScalarValue) -> Option<String> {
    if v.is_null() {
        return None;
    }
    Some(match v {
        ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => s.clone(),
        other => other.to_string(),
    })
}

impl GraphFunction {
    fn parse(&self, exprs: &[Expr]) -> DfResult<GraphCall> {
        let f = self.doc.name;
        let mut named: Vec<(String, Option<String>)> = Vec::new();
        let mut positional: Vec<Option<String>> = Vec::new();
        for (i, e) in exprs.iter().enumerate() {
            let v = literal(e).ok_or_else(|| {
                plan_err(format!("{f}: argument {} must be a literal (a table name in quotes, a number, ...)", i + 1))
            })?;
            match text(&v) {
                Some(s) if i >= 2 && s.contains('=') => {
                    let (k, val) = s.split_once('=').unwrap_or_default();
                    named.push((k.trim().to_ascii_lowercase(), Some(val.trim().to_string())));
                }
                other => {
                    if !named.is_empty() {
                        return Err(plan_err(format!("{f}: positional argument {} after a named one", i + 1)));
                    }
                    positional.push(other);
                }
            }
        }
        let names: Vec<&str> =
            ["vertices", "edges"].into_iter().chain(self.doc.params.iter().map(|p| p.name)).collect();
        if positional.len() > names.len() {
            return Err(plan_err(format!(
                "{f} takes at most {} positional arguments ({}), got {}",
                names.len(),
                names.join(", "),
                positional.len()
            )));
        }
        let mut values: Vec<(String, Option<String>)> =
            names.iter().zip(positional).map(|(n, v)| (n.to_string(), v)).collect();
        for (k, v) in named {
            let known = names.contains(&k.as_str()) || COMMON_PARAMS.iter().any(|p| p.name == k);
            if !known {
                let mut all: Vec<&str> = names.clone();
                all.extend(COMMON_PARAMS.iter().map(|p| p.name).filter(|n| !names.contains(n)));
                return Err(plan_err(format!("{f}: unknown parameter '{k}'; parameters are: {}", all.join(", "))));
            }
            if values.iter().any(|(n, _)| *n == k) {
                return Err(plan_err(format!("{f}: parameter '{k}' given twice")));
            }
            values.push((k, v));
        }
        let get = |k: &str| values.iter().find(|(n, _)| n == k).and_then(|(_, v)| v.clone()).filter(|s| !s.is_empty());
        let num = |k: &str, default: f64| -> DfResult<f64> {
            match get(k) {
                None => Ok(default),
                Some(s) => s.parse().map_err(|_| plan_err(format!("{f}: {k} must be a number, got '{s}'"))),
            }
        };
        let int = |k: &str, default: u32| -> DfResult<u32> {
            let x = num(k, default as f64)?;
            if x < 0.0 || x.fract() != 0.0 || x > u32::MAX as f64 {
                return Err(plan_err(format!("{f}: {k} must be a non-negative integer, got {x}")));
            }
            Ok(x as u32)
        };
        let required = |k: &str| get(k).ok_or_else(|| plan_err(format!("{f}: parameter '{k}' is required")));
        let list = |k: &str| -> Vec<String> {
            get(k)
                .map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
                .unwrap_or_default()
        };
        let algorithm = match f {
            "pagerank" => Algorithm::PageRank {
                iterations: int("iterations", if get("tol").is_some() { 100 } else { 20 })?,
                damping: num("damping", 0.85)?,
                tolerance: get("tol").map(|_| num("tol", 0.0)).transpose()?,
                variant: Variant::parse(&get("variant").unwrap_or_else(|| "ldbc".into()))
                    .map_err(|e| plan_err(format!("{f}: {e}")))?,
                sources: list("sources"),
            },
            "wcc" => Algorithm::Wcc,
            "scc" => Algorithm::Scc,
            "sssp" => Algorithm::Sssp { source: required("source")? },
            "bfs" => Algorithm::Bfs { source: required("source")? },
            "landmarks" => {
                let l = list("landmarks");
                if l.is_empty() {
                    return Err(plan_err(format!("{f}: parameter 'landmarks' is required")));
                }
                Algorithm::Landmarks { landmarks: l }
            }
            "cdlp" => Algorithm::Cdlp { iterations: int("iterations", 10)? },
            "lcc" => Algorithm::Lcc,
            "triangles" => Algorithm::Triangles,
            "degrees" => Algorithm::Degrees,
            other => return Err(DataFusionError::Internal(format!("unknown graph function {other}"))),
        };
        let directed = match get("directed").map(|s| s.to_ascii_lowercase()) {
            None => true,
            Some(s) if s == "true" => true,
            Some(s) if s == "false" => false,
            Some(s) => return Err(plan_err(format!("{f}: directed must be true or false, got '{s}'"))),
        };
        Ok(GraphCall {
            function: f,
            vertices: get("vertices"),
            edges: required("edges")?,
            algorithm,
            directed,
            partitions: int("partitions", 0)?,
            strategy: Strategy::parse(&get("strategy").unwrap_or_else(|| "dbh".into()))
                .map_err(|e| plan_err(format!("{f}: {e}")))?,
            engine: crate::algo::Engine::parse(&get("engine").unwrap_or_else(|| "auto".into()))
                .map_err(|e| plan_err(format!("{f}: {e}")))?,
            src_column: get("src_column").unwrap_or_else(|| "src".into()),
            dst_column: get("dst_column").unwrap_or_else(|| "dst".into()),
            weight_column: get("weight_column").unwrap_or_else(|| "weight".into()),
        })
    }
}

/// Looks up a table provider by name in the session's default catalog and schema.
pub(crate) async fn lookup(session: &dyn DfSession, name: &str, who: &str) -> DfResult<Arc<dyn TableProvider>> {
    let opts = session.config_options();
    let (cat, sch) = (&opts.catalog.default_catalog, &opts.catalog.default_schema);
    let schema = session
        .catalog_list()
        .catalog(cat)
        .and_then(|c| c.schema(sch))
        .ok_or_else(|| plan_err(format!("no schema {cat}.{sch}")))?;
    match schema.table(name).await? {
        Some(t) => Ok(t),
        None => {
            let mut names = schema.table_names();
            names.sort();
            Err(plan_err(format!("{who}: table '{name}' not found; tables are: {}", names.join(", "))))
        }
    }
}

fn id_type(t: &DataType, what: &str) -> DfResult<DataType> {
    if t.is_integer() {
        Ok(DataType::Int64)
    } else if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        Ok(DataType::Utf8)
    } else {
        Err(plan_err(format!("{what} must hold integer or string ids, found {t}")))
    }
}

/// The output schema of a call, given the type of the vertex ids.
fn output_schema(call: &GraphCall, id: DataType) -> SchemaRef {
    let f = |name: &str, t: DataType| Field::new(name, t, true);
    let mut fields = vec![Field::new("id", id.clone(), false)];
    match call.function {
        "pagerank" => fields.push(f("pagerank", DataType::Float64)),
        "wcc" | "scc" => fields.push(f("component", id)),
        "sssp" => fields.push(f("distance", DataType::Float64)),
        "bfs" => fields.push(f("distance", DataType::Int64)),
        "landmarks" => {
            fields.push(f("landmark", id));
            fields.push(f("distance", DataType::Int64));
        }
        "cdlp" => fields.push(f("label", id)),
        "lcc" => fields.push(f("lcc", DataType::Float64)),
        "triangles" => fields.push(f("triangles", DataType::UInt64)),
        _ => {
            for n in ["in_degree", "out_degree", "degree"] {
                fields.push(f(n, DataType::UInt64));
            }
        }
    }
    Arc::new(Schema::new(fields))
}

impl TableFunctionImpl for GraphFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let call = self.parse(args.exprs())?;
        // The id type comes from the vertex table, else from the edge table's source column.
        // Table lookups of registered tables and views complete without waiting.
        let session = args.session();
        let (table, column) = match &call.vertices {
            Some(v) => (v.clone(), "id".to_string()),
            None => (call.edges.clone(), call.src_column.clone()),
        };
        let provider = futures::executor::block_on(lookup(session, &table, call.function))?;
        let schema = provider.schema();
        let field = schema.field_with_name(&column).map_err(|_| {
            let cols: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            plan_err(format!(
                "{}: table '{table}' has no column `{column}`; columns are: {}",
                call.function,
                cols.join(", ")
            ))
        })?;
        let id = id_type(field.data_type(), &format!("{}: column `{column}` of '{table}'", call.function))?;
        let schema = output_schema(&call, id);
        Ok(Arc::new(GraphTable { call: Arc::new(call), schema }))
    }
}

/// The table a graph function call returns: computed when scanned.
#[derive(Debug)]
pub struct GraphTable {
    call: Arc<GraphCall>,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for GraphTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        state: &dyn DfSession,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        use datafusion::datasource::provider_as_source;
        use datafusion::logical_expr::LogicalPlanBuilder;
        let mut inputs = Vec::new();
        let names: Vec<&String> = self.call.vertices.iter().chain(std::iter::once(&self.call.edges)).collect();
        for name in names {
            let provider = lookup(state, name, self.call.function).await?;
            let plan = LogicalPlanBuilder::scan(name.as_str(), provider_as_source(provider), None)?.build()?;
            inputs.push(state.create_physical_plan(&plan).await?);
        }
        Ok(Arc::new(GraphAlgorithmExec::new(self.call.clone(), inputs, self.schema.clone(), projection.cloned())?))
    }
}
