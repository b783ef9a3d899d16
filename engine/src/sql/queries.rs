//! Graph queries as SQL table functions, one per [`registry::QUERIES`] entry: their result is
//! a view (a logical plan over the named tables) that DataFusion inlines into the statement,
//! so the joins show in EXPLAIN and filters on the result are pushed into them.
//!
//! ```sql
//! SELECT a.name, b.name FROM motifs('people', 'follows', '(a)-[e]->(b); (b)-[]->(a)')
//! WHERE a.age > 30;
//! ```

use std::sync::Arc;

use datafusion::catalog::view::ViewTable;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::datasource::provider_as_source;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::prelude::SessionContext;

use datafusion::arrow::array::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::execution::SessionState;

use super::functions::{literal, lookup, text};
use crate::query::all_paths::AllPaths;
use crate::query::cycles::DEFAULT_MAX_LENGTH;
use crate::query::hyper_anf::HyperAnf;
use crate::query::paths::Bfs;
use crate::query::pregel::{AggregateMessages, Pregel};
use crate::query::{self, GraphFrame, motif, pattern};
use crate::registry::{self, QuerySpec};

/// Registers every graph query in `ctx`.
pub fn register_all(ctx: &SessionContext) {
    for spec in registry::QUERIES {
        ctx.register_udtf(spec.name, Arc::new(Query { spec }));
    }
}

fn plan_err(msg: String) -> DataFusionError {
    DataFusionError::Plan(msg)
}

/// The call's arguments as text (`None` for NULL or ''), checked against the spec's count.
fn args(spec: &QuerySpec, exprs: &[datafusion::logical_expr::Expr]) -> DfResult<Vec<Option<String>>> {
    let f = spec.name;
    if exprs.len() < spec.required || (exprs.len() > spec.args.len() && spec.clauses.is_empty()) {
        let names: Vec<&str> = spec.args.iter().map(|(n, _)| *n).collect();
        let count = if spec.required == names.len() {
            names.len().to_string()
        } else {
            format!("{} to {}", spec.required, names.len())
        };
        return Err(plan_err(format!("{f} takes {count} arguments ({}), got {}", names.join(", "), exprs.len())));
    }
    exprs
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let v = literal(e).ok_or_else(|| {
                let what = spec.args.get(i).map_or("a clause", |a| a.0);
                plan_err(format!("{f}: argument {} ({what}) must be a literal in quotes", i + 1))
            })?;
            Ok(text(&v).filter(|s| !s.is_empty()))
        })
        .collect()
}

/// The vertex and edge tables of a call as logical plans (scans of the named tables).
fn tables(
    args: &TableFunctionArgs,
    f: &str,
    vertices: Option<&str>,
    edges: &str,
) -> DfResult<(LogicalPlan, LogicalPlan)> {
    // Table lookups of registered tables and views complete without waiting.
    let scan = |name: &str| -> DfResult<LogicalPlan> {
        let provider = futures::executor::block_on(lookup(args.session(), name, f))?;
        LogicalPlanBuilder::scan(name, provider_as_source(provider), None)?.build()
    };
    let e = scan(edges)?;
    let v = match vertices {
        Some(v) => scan(v)?,
        None => query::endpoint_vertices(&e).map_err(|err| plan_err(format!("{f}: {err}")))?,
    };
    query::check_columns(&v, &e).map_err(|err| plan_err(format!("{f}: {err}")))?;
    Ok((v, e))
}

#[derive(Debug)]
struct Query {
    spec: &'static QuerySpec,
}

impl TableFunctionImpl for Query {
    fn call_with_args(&self, call: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let f = self.spec.name;
        let a = args(self.spec, call.exprs())?;
        let edges = a[1].as_deref().ok_or_else(|| plan_err(format!("{f}: the edge table is required")))?;
        let text = if f == registry::TRIPLETS.name {
            Some("(src)-[edge]->(dst)")
        } else if f == registry::MOTIFS.name {
            a[2].as_deref()
        } else if f == registry::BFS_PATHS.name {
            return bfs_paths(&call, &a, edges);
        } else if f == registry::ALL_PATHS.name {
            return all_paths(&call, &a, edges);
        } else if f == registry::DETECTING_CYCLES.name {
            let max = number(f, "max_length", a.get(2), DEFAULT_MAX_LENGTH)?;
            return computed(&call, f, a[0].clone(), edges.to_string(), move |g| async move {
                g.detecting_cycles(max).await
            });
        } else if f == registry::HYPER_ANF.name {
            let req = HyperAnf {
                n_hops: number(f, "n_hops", a.get(2), 3)?,
                lg_nom_entries: number(f, "lg_nom_entries", a.get(3), 12)?,
                edge_filter: a.get(4).cloned().flatten(),
            };
            req.validate().map_err(|e| plan_err(e_text(e)))?;
            return computed(
                &call,
                f,
                a[0].clone(),
                edges.to_string(),
                move |g| async move { g.hyper_anf(&req).await },
            );
        } else if f == registry::PREGEL.name || f == registry::AGGREGATE_MESSAGES.name {
            return pregel(&call, f, &a, edges);
        } else {
            return Err(DataFusionError::Internal(format!("no graph query {f}")));
        };
        let text = text.ok_or_else(|| plan_err(format!("{f}: the pattern is required")))?;
        let pattern = pattern::parse(text).map_err(|e| plan_err(format!("{f}: {e}")))?;
        let (v, e) = tables(&call, f, a[0].as_deref(), edges)?;
        let plan = motif::plan(&v, &e, &pattern).map_err(|e| plan_err(format!("{f}: {}", e_text(e))))?;
        Ok(Arc::new(ViewTable::new(plan, None)))
    }
}

/// A library error's text without DataFusion's own prefix repeated.
fn e_text(e: crate::Error) -> String {
    match e {
        crate::Error::DataFusion { context, source } => format!("{context}: {}", source.find_root()),
        other => super::functions::config_text(other),
    }
}

/// `bfs_paths(...)`: the paths are computed now, while the statement is planned (their columns
/// depend on the length found), on a thread of its own with its own runtime, so that planning
/// inside any runtime (or none) can wait for them.
fn bfs_paths(call: &TableFunctionArgs, a: &[Option<String>], edges: &str) -> DfResult<Arc<dyn TableProvider>> {
    let f = registry::BFS_PATHS.name;
    let need =
        |i: usize| a[i].clone().ok_or_else(|| plan_err(format!("{f}: {} is required", registry::BFS_PATHS.args[i].0)));
    let mut req = Bfs::new(need(2)?, need(3)?);
    req.edge_filter = a.get(4).cloned().flatten();
    req.max_path_length = number(f, "max_path_length", a.get(5), req.max_path_length)?;
    computed(call, f, a[0].clone(), edges.to_string(), move |g| async move { g.bfs(&req).await })
}

/// A whole-number argument (its default when left off, NULL or '').
fn number<T: std::str::FromStr + std::fmt::Display>(
    f: &str,
    name: &str,
    arg: Option<&Option<String>>,
    default: T,
) -> DfResult<T> {
    match arg.cloned().flatten() {
        None => Ok(default),
        Some(m) => {
            m.trim().parse::<T>().map_err(|_| plan_err(format!("{f}: {name} must be a whole number, got '{m}'")))
        }
    }
}

/// `all_paths(...)`, computed while the statement is planned.
fn all_paths(call: &TableFunctionArgs, a: &[Option<String>], edges: &str) -> DfResult<Arc<dyn TableProvider>> {
    let f = registry::ALL_PATHS.name;
    let need =
        |i: usize| a[i].clone().ok_or_else(|| plan_err(format!("{f}: {} is required", registry::ALL_PATHS.args[i].0)));
    let mut req = AllPaths::new(need(2)?, need(3)?);
    req.edge_filter = a.get(4).cloned().flatten();
    req.max_path_length = number(f, "max_path_length", a.get(5), req.max_path_length)?;
    if let Some(d) = a.get(6).cloned().flatten() {
        req.directed = match d.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(plan_err(format!("{f}: is_directed must be 'true' or 'false', got '{d}'"))),
        };
    }
    computed(call, f, a[0].clone(), edges.to_string(), move |g| async move { g.all_paths(&req).await })
}

/// `pregel(...)` and `aggregate_messages(...)`: the program's clauses after the two tables,
/// run now, while the statement is planned.
fn pregel(
    call: &TableFunctionArgs,
    f: &'static str,
    a: &[Option<String>],
    edges: &str,
) -> DfResult<Arc<dyn TableProvider>> {
    let clauses: Vec<String> = a[2..].iter().map(|x| x.clone().unwrap_or_default()).collect();
    let ctx = crate::RunContext::default();
    if f == registry::PREGEL.name {
        let p = Pregel::from_clauses(&clauses, 2).map_err(|e| plan_err(format!("{f}: {}", e_text(e))))?;
        let ctx = p.context(ctx).map_err(|e| plan_err(format!("{f}: {}", e_text(e))))?;
        computed(
            call,
            f,
            a[0].clone(),
            edges.to_string(),
            move |g| async move { Ok(g.pregel(&p, &ctx).await?.vertices) },
        )
    } else {
        let am = AggregateMessages::from_clauses(&clauses, 2).map_err(|e| plan_err(format!("{f}: {}", e_text(e))))?;
        computed(
            call,
            f,
            a[0].clone(),
            edges.to_string(),
            move |g| async move { g.aggregate_messages(&am, &ctx).await },
        )
    }
}

/// A query whose result is computed while the statement is planned, on a thread of its own
/// with its own runtime (so that planning inside any runtime, or none, can wait for it), over
/// the graph of the named tables.
fn computed<F, Fut>(
    call: &TableFunctionArgs,
    f: &str,
    vertices: Option<String>,
    edges: String,
    work: F,
) -> DfResult<Arc<dyn TableProvider>>
where
    F: FnOnce(GraphFrame) -> Fut + Send,
    Fut: std::future::Future<Output = crate::Result<RecordBatch>>,
{
    let state = call
        .session()
        .as_any()
        .downcast_ref::<SessionState>()
        .cloned()
        .ok_or_else(|| DataFusionError::Internal(format!("{f}: the session is not a SessionState")))?;
    let run = move || -> crate::Result<RecordBatch> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| crate::Error::Internal(format!("{f}: cannot start a runtime: {e}")))?;
        rt.block_on(async {
            let ctx = SessionContext::new_with_state(state);
            let table = |name: String| {
                let ctx = ctx.clone();
                async move { ctx.table(name.as_str()).await.map_err(|e| crate::Error::df(format!("reading {name}"), e)) }
            };
            let e = table(edges).await?;
            let g = match vertices {
                Some(v) => GraphFrame::new(table(v).await?, e)?,
                None => GraphFrame::from_edges(e)?,
            };
            work(g).await
        })
    };
    let batch = std::thread::scope(|s| s.spawn(run).join())
        .map_err(|_| DataFusionError::Internal(format!("{f}: the computation panicked")))?
        .map_err(|e| {
            // Library errors of a query may already name it.
            let t = e_text(e);
            plan_err(if t.starts_with(&format!("{f}:")) { t } else { format!("{f}: {t}") })
        })?;
    Ok(Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]])?))
}
