//! Graph algorithms as SQL table functions, one per entry of [`crate::registry`].
//!
//! ```sql
//! SELECT v.name, p.pagerank
//! FROM pagerank('vertices', 'edges', 20) p JOIN vertices v ON v.id = p.id
//! ORDER BY p.pagerank DESC LIMIT 10;
//! ```
//!
//! Every function takes the vertex table (a table or view name; `NULL` or `''` for "the
//! endpoints of the edges") and the edge table, then its own parameters in the registry's
//! order, and any parameter or job setting ([`registry::JOB_PARAMS`]) by name as a string
//! `'name=value'` (DataFusion plans table-function arguments without a schema, so a bare
//! `name = value` cannot be written). Names, positions, defaults, ranges and output columns all
//! come from the registry; `ember sql --functions` prints [`registry::reference`].

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

use crate::algo::Engine;
use crate::algo::spec::{AlgorithmSpec, Param, Value};
use crate::job::Algorithm;
use crate::partition::Strategy;
use crate::registry::{self, JOB_PARAMS};
use crate::sql::graph_exec::{GraphAlgorithmExec, GraphCall};

/// Registers every graph table function in `ctx`.
pub fn register_all(ctx: &SessionContext) {
    for spec in registry::ALGORITHMS {
        ctx.register_udtf(spec.name, Arc::new(GraphFunction { spec }));
    }
}

#[derive(Debug)]
struct GraphFunction {
    spec: &'static AlgorithmSpec,
}

fn plan_err(msg: String) -> DataFusionError {
    DataFusionError::Plan(msg)
}

/// An argument value: a literal, possibly negated.
pub(crate) fn literal(e: &Expr) -> Option<ScalarValue> {
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

pub(crate) fn text(v: &ScalarValue) -> Option<String> {
    if v.is_null() {
        return None;
    }
    Some(match v {
        ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => s.clone(),
        other => other.to_string(),
    })
}

/// A job setting's value from the named arguments, parsed under its registry kind.
fn setting(f: &str, named: &[(String, String)], name: &str) -> DfResult<Value> {
    let p: &Param = registry::job_param(name).ok_or_else(|| DataFusionError::Internal(format!("no setting {name}")))?;
    let text = named.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.trim().is_empty());
    let text = match (text, p.default) {
        (Some(t), _) => t,
        (None, crate::algo::spec::DefaultValue::Value(d)) => d,
        (None, _) => return Err(DataFusionError::Internal(format!("setting {name} has no default"))),
    };
    p.kind.parse(text).map_err(|e| plan_err(format!("{f}: {name} {e}")))
}

/// A graph table function's call, its arguments given as text (`None` for NULL), parsed as SQL
/// parses them: for front ends that receive the arguments outside Ember's SQL (the graph
/// functions registered into DataFusion's Python package). Errors are `Error::Config`.
pub fn parse_call(name: &str, args: &[Option<String>]) -> crate::Result<GraphCall> {
    let spec = registry::lookup(name)?;
    let exprs: Vec<Expr> = args.iter().map(|a| Expr::Literal(ScalarValue::Utf8(a.clone()), None)).collect();
    GraphFunction { spec }.parse(&exprs).map_err(|e| crate::Error::Config(e.find_root().to_string()))
}

impl GraphFunction {
    fn parse(&self, exprs: &[Expr]) -> DfResult<GraphCall> {
        let spec = self.spec;
        let f = spec.name;
        let mut named: Vec<(String, String)> = Vec::new();
        let mut positional: Vec<Option<String>> = Vec::new();
        for (i, e) in exprs.iter().enumerate() {
            let v = literal(e).ok_or_else(|| {
                plan_err(format!("{f}: argument {} must be a literal (a table name in quotes, a number, ...)", i + 1))
            })?;
            match text(&v) {
                Some(s) if i >= 2 && s.contains('=') => {
                    let (k, val) = s.split_once('=').unwrap_or_default();
                    named.push((k.trim().to_ascii_lowercase(), val.trim().to_string()));
                }
                other => {
                    if !named.is_empty() {
                        return Err(plan_err(format!("{f}: positional argument {} after a named one", i + 1)));
                    }
                    positional.push(other);
                }
            }
        }
        let names: Vec<&str> = ["vertices", "edges"].into_iter().chain(spec.params.iter().map(|p| p.name)).collect();
        if positional.len() > names.len() {
            return Err(plan_err(format!(
                "{f} takes at most {} positional arguments ({}), got {}",
                names.len(),
                names.join(", "),
                positional.len()
            )));
        }
        let mut values: Vec<(String, String)> =
            names.iter().zip(positional).filter_map(|(n, v)| v.map(|v| (n.to_string(), v))).collect();
        for (k, v) in named {
            let canonical = spec.param(&k).map(|p| p.name).unwrap_or(&k).to_string();
            let known = names.contains(&canonical.as_str()) || registry::job_param(&k).is_some();
            if !known {
                let mut all: Vec<&str> = names.clone();
                all.extend(JOB_PARAMS.iter().map(|p| p.name));
                return Err(plan_err(format!("{f}: unknown parameter '{k}'; parameters are: {}", all.join(", "))));
            }
            if values.iter().any(|(n, _)| *n == canonical) {
                return Err(plan_err(format!("{f}: parameter '{k}' given twice")));
            }
            values.push((canonical, v));
        }
        let take = |k: &str| values.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).filter(|s| !s.is_empty());
        let edges = take("edges").ok_or_else(|| plan_err(format!("{f}: parameter 'edges' is required")))?;
        let vertices = take("vertices");
        let algo_args: Vec<&(String, String)> =
            values.iter().filter(|(k, _)| spec.param(k).is_some() && k != "vertices" && k != "edges").collect();
        let algo_args: Vec<(&str, &str)> = algo_args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let algorithm = Algorithm::from_spec(spec, &algo_args).map_err(|e| plan_err(config_text(e)))?;
        let settings: Vec<(String, String)> =
            values.iter().filter(|(k, _)| registry::job_param(k).is_some()).cloned().collect();
        let text_of = |name: &str| -> DfResult<String> {
            match setting(f, &settings, name)? {
                Value::Text(t) => Ok(t),
                Value::Ids(ids) => Ok(ids.join(",")),
                other => Err(DataFusionError::Internal(format!("setting {name}: {other:?}"))),
            }
        };
        let raw = |p: &Param| settings.iter().find(|(k, _)| k == p.name).map(|(_, v)| v.clone());
        let directed = matches!(setting(f, &settings, "directed")?, Value::Bool(true));
        let partitions = match setting(f, &settings, "partitions")? {
            Value::Int(x) => x as u32,
            other => return Err(DataFusionError::Internal(format!("partitions: {other:?}"))),
        };
        Ok(GraphCall {
            vertices,
            edges,
            algorithm,
            directed,
            partitions,
            strategy: Strategy::parse(&text_of("strategy")?).map_err(|e| plan_err(format!("{f}: {e}")))?,
            engine: Engine::parse(&text_of("engine")?).map_err(|e| plan_err(format!("{f}: {e}")))?,
            src_column: text_of("src_column")?,
            dst_column: text_of("dst_column")?,
            weight_column: text_of("weight_column")?,
            checkpoint: registry::checkpoint_from(
                raw(&registry::CHECKPOINT).as_deref(),
                &raw(&registry::CHECKPOINT_EVERY).unwrap_or_else(|| registry::CHECKPOINT_EVERY.default.describe()),
                &raw(&registry::RESUME).unwrap_or_else(|| registry::RESUME.default.describe()),
            )
            .map_err(|e| plan_err(format!("{f}: {}", config_text(e))))?,
            with_vertices: matches!(setting(f, &settings, registry::WITH_VERTICES.name)?, Value::Bool(true)),
        })
    }
}

/// The message of a library error without the "invalid configuration: " prefix (SQL says
/// "Error during planning: " already).
pub(crate) fn config_text(e: crate::Error) -> String {
    match e {
        crate::Error::Config(m) => m,
        other => other.to_string(),
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
    crate::ids::id_data_type(t).ok_or_else(|| plan_err(format!("{what} must hold integer or string ids, found {t}")))
}

/// The output schema of a call, given the type of the vertex ids.
fn output_schema(spec: &AlgorithmSpec, id: DataType) -> SchemaRef {
    let mut fields = vec![Field::new("id", id.clone(), false)];
    fields.extend(spec.output.iter().map(|c| Field::new(c.name, c.ty.data_type(&id), true)));
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
        let provider = futures::executor::block_on(lookup(session, &table, call.spec().name))?;
        let schema = provider.schema();
        let field = schema.field_with_name(&column).map_err(|_| {
            let cols: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            plan_err(format!(
                "{}: table '{table}' has no column `{column}`; columns are: {}",
                call.spec().name,
                cols.join(", ")
            ))
        })?;
        let id = id_type(field.data_type(), &format!("{}: column `{column}` of '{table}'", call.spec().name))?;
        let lean = output_schema(call.spec(), id);
        let schema = match (&call.vertices, call.with_vertices) {
            (Some(_), true) => with_vertices_schema(&schema, &lean),
            _ => lean,
        };
        Ok(Arc::new(GraphTable { call: Arc::new(call), schema }))
    }
}

/// The schema of [`crate::job::with_vertices`]: the vertex table's columns (its `id` as the
/// result's), without those a result column replaces, then the result's columns.
fn with_vertices_schema(vertices: &Schema, lean: &Schema) -> SchemaRef {
    let mut fields: Vec<Field> = Vec::new();
    for f in vertices.fields() {
        if f.name() == "id" {
            fields.push(lean.field(0).clone().with_nullable(true));
        } else if lean.index_of(f.name()).is_err() {
            fields.push(f.as_ref().clone().with_nullable(true));
        }
    }
    fields.extend(lean.fields().iter().skip(1).map(|f| f.as_ref().clone().with_nullable(true)));
    Arc::new(Schema::new(fields))
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
            let provider = lookup(state, name, self.call.spec().name).await?;
            let plan = LogicalPlanBuilder::scan(name.as_str(), provider_as_source(provider), None)?.build()?;
            inputs.push(state.create_physical_plan(&plan).await?);
        }
        Ok(Arc::new(GraphAlgorithmExec::new(self.call.clone(), inputs, self.schema.clone(), projection.cloned())?))
    }
}
