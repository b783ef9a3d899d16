//! The notebook model: an ordered list of cells and their settings, serialisable with serde.
//! No egui here: the UI reads and edits this model; the runner executes cells from it.
//!
//! File format (JSON, `format` 1): `{ "format": 1, "title": ..., "cells": [ { "id", "name",
//! "type": "sql" | "dataframe" | "graph" | "markdown", ...kind fields, "view": {...},
//! "output": {...}? } ] }`. Unknown fields are ignored and missing ones take defaults, so older
//! and newer files open. `output` holds the last small result (at most [`SAVED_ROWS`] rows).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Rows of a cell's last result kept in the notebook file.
pub const SAVED_ROWS: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notebook {
    #[serde(default = "format_version")]
    pub format: u32,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub cells: Vec<Cell>,
}

fn format_version() -> u32 {
    1
}

impl Default for Notebook {
    fn default() -> Self {
        Notebook { format: 1, title: "Untitled".into(), cells: vec![] }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub id: u64,
    /// The table name the cell's result is registered under.
    pub name: String,
    #[serde(flatten)]
    pub kind: CellKind,
    #[serde(default)]
    pub view: CellView,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<SavedOutput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CellKind {
    Sql {
        sql: String,
    },
    #[serde(rename = "dataframe")]
    DataFrame {
        pipeline: Pipeline,
    },
    Graph {
        graph: GraphSpec,
    },
    Markdown {
        text: String,
    },
}

impl CellKind {
    pub fn label(&self) -> &'static str {
        match self {
            CellKind::Sql { .. } => "SQL",
            CellKind::DataFrame { .. } => "DataFrame",
            CellKind::Graph { .. } => "Graph",
            CellKind::Markdown { .. } => "Markdown",
        }
    }
    pub fn runnable(&self) -> bool {
        !matches!(self, CellKind::Markdown { .. })
    }
}

/// Output tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    #[default]
    Table,
    Plan,
    Chart,
    Graph,
    Supersteps,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    #[default]
    Bar,
    Line,
    Scatter,
}

/// How a cell's output is shown (saved with the notebook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CellView {
    #[serde(default)]
    pub tab: Tab,
    #[serde(default)]
    pub chart: ChartKind,
    #[serde(default)]
    pub x: String,
    #[serde(default)]
    pub y: String,
}

/// A small copy of a cell's last result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedOutput {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total_rows: u64,
}

/// A DataFrame pipeline: a source and steps whose expressions are SQL expressions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Pipeline {
    pub source: Source,
    #[serde(default)]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Source {
    /// A table or view of the session (a previous cell's result, ...).
    Table(String),
    /// A CSV/Parquet/JSON file.
    File(String),
}

impl Default for Source {
    fn default() -> Self {
        Source::Table(String::new())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    Filter { condition: String },
    Select { columns: String },
    WithColumn { name: String, expr: String },
    GroupBy { keys: String, aggregates: String },
    Join { table: String, on: String, how: String },
    Sort { by: String, descending: bool },
    Limit { n: u64 },
}

impl Step {
    pub const KINDS: &'static [&'static str] =
        &["filter", "select", "with column", "group by", "join", "sort", "limit"];

    pub fn new(kind: &str) -> Step {
        match kind {
            "filter" => Step::Filter { condition: String::new() },
            "select" => Step::Select { columns: String::new() },
            "with column" => Step::WithColumn { name: String::new(), expr: String::new() },
            "group by" => Step::GroupBy { keys: String::new(), aggregates: String::new() },
            "join" => Step::Join { table: String::new(), on: String::new(), how: "inner".into() },
            "sort" => Step::Sort { by: String::new(), descending: false },
            _ => Step::Limit { n: 10 },
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Step::Filter { .. } => "filter",
            Step::Select { .. } => "select",
            Step::WithColumn { .. } => "with column",
            Step::GroupBy { .. } => "group by",
            Step::Join { .. } => "join",
            Step::Sort { .. } => "sort",
            Step::Limit { .. } => "limit",
        }
    }
}

fn quote_ident(s: &str) -> String {
    let s = s.trim();
    if !s.is_empty()
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
    {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
}

impl Pipeline {
    /// The pipeline as one SQL query (a chain of CTEs, one per step): the preview shown before
    /// the cell runs (a run shows DataFusion's own SQL of the plan, `pipeline.rs`). SQL ignores
    /// an ORDER BY inside a CTE, so a sort is applied where it takes effect: with a later LIMIT,
    /// and on the final SELECT while only filters, new columns and limits follow it (a select,
    /// group by or join after a sort ends its order in the preview). `source_table` is what the
    /// source is registered as (a file source is registered by the runner).
    pub fn to_sql(&self, source_table: &str) -> Result<String, String> {
        let mut ctes = vec![format!("s0 AS (SELECT * FROM {})", quote_ident(source_table))];
        let mut order: Option<String> = None;
        for (i, step) in self.steps.iter().enumerate() {
            let prev = format!("s{i}");
            let need = |v: &str, what: &str| -> Result<(), String> {
                if v.trim().is_empty() {
                    Err(format!("step {} ({}): {what} is empty", i + 1, step.kind()))
                } else {
                    Ok(())
                }
            };
            let body = match step {
                Step::Filter { condition } => {
                    need(condition, "the condition")?;
                    format!("SELECT * FROM {prev} WHERE {}", condition.trim())
                }
                Step::Select { columns } => {
                    need(columns, "the column list")?;
                    order = None;
                    format!("SELECT {} FROM {prev}", columns.trim())
                }
                Step::WithColumn { name, expr } => {
                    need(name, "the name")?;
                    need(expr, "the expression")?;
                    format!("SELECT *, {} AS {} FROM {prev}", expr.trim(), quote_ident(name))
                }
                Step::GroupBy { keys, aggregates } => {
                    need(aggregates, "the aggregates")?;
                    order = None;
                    let k = list(keys);
                    let mut cols = k.clone();
                    cols.extend(list(aggregates));
                    if k.is_empty() {
                        format!("SELECT {} FROM {prev}", cols.join(", "))
                    } else {
                        format!("SELECT {} FROM {prev} GROUP BY {}", cols.join(", "), k.join(", "))
                    }
                }
                Step::Join { table, on, how } => {
                    need(table, "the table")?;
                    need(on, "the join columns")?;
                    order = None;
                    let how = match how.to_ascii_lowercase().as_str() {
                        "left" => "LEFT JOIN",
                        "right" => "RIGHT JOIN",
                        "full" | "outer" => "FULL JOIN",
                        _ => "JOIN",
                    };
                    format!("SELECT * FROM {prev} {how} {} USING ({})", quote_ident(table), list(on).join(", "))
                }
                Step::Sort { by, descending } => {
                    need(by, "the sort columns")?;
                    let dir = if *descending { " DESC" } else { "" };
                    let cols: Vec<String> = list(by).iter().map(|c| format!("{c}{dir}")).collect();
                    order = Some(cols.join(", "));
                    format!("SELECT * FROM {prev}")
                }
                Step::Limit { n } => match &order {
                    Some(o) => format!("SELECT * FROM {prev} ORDER BY {o} LIMIT {n}"),
                    None => format!("SELECT * FROM {prev} LIMIT {n}"),
                },
            };
            ctes.push(format!("s{} AS ({body})", i + 1));
        }
        let tail = order.map(|o| format!(" ORDER BY {o}")).unwrap_or_default();
        Ok(format!("WITH {}\nSELECT * FROM s{}{tail}", ctes.join(",\n     "), self.steps.len()))
    }

    /// The pipeline as PySpark code (read-only help for Spark users).
    pub fn to_pyspark(&self) -> String {
        let mut s = String::from("from pyspark.sql import functions as F\n\n");
        s.push_str(&match &self.source {
            Source::Table(t) => format!("df = spark.table(\"{t}\")"),
            Source::File(p) => {
                let lower = p.to_ascii_lowercase();
                if lower.ends_with(".parquet") {
                    format!("df = spark.read.parquet(\"{p}\")")
                } else if lower.ends_with(".json") {
                    format!("df = spark.read.json(\"{p}\")")
                } else {
                    format!("df = spark.read.csv(\"{p}\", header=True, inferSchema=True)")
                }
            }
        });
        for step in &self.steps {
            s.push_str("\n    ");
            s.push_str(&match step {
                Step::Filter { condition } => format!(".filter(\"{}\")", condition.trim()),
                Step::Select { columns } => {
                    let c: Vec<String> = list(columns).iter().map(|x| format!("F.expr(\"{x}\")")).collect();
                    format!(".select({})", c.join(", "))
                }
                Step::WithColumn { name, expr } => {
                    format!(".withColumn(\"{}\", F.expr(\"{}\"))", name.trim(), expr.trim())
                }
                Step::GroupBy { keys, aggregates } => {
                    let k: Vec<String> = list(keys).iter().map(|x| format!("\"{x}\"")).collect();
                    let a: Vec<String> = list(aggregates)
                        .iter()
                        .map(|x| match x.rsplit_once(" AS ").or_else(|| x.rsplit_once(" as ")) {
                            Some((e, alias)) => format!("F.expr(\"{}\").alias(\"{}\")", e.trim(), alias.trim()),
                            None => format!("F.expr(\"{x}\")"),
                        })
                        .collect();
                    format!(".groupBy({}).agg({})", k.join(", "), a.join(", "))
                }
                Step::Join { table, on, how } => {
                    let o: Vec<String> = list(on).iter().map(|x| format!("\"{x}\"")).collect();
                    format!(".join(spark.table(\"{table}\"), on=[{}], how=\"{how}\")", o.join(", "))
                }
                Step::Sort { by, descending } => {
                    let f = if *descending { "F.desc" } else { "F.asc" };
                    let c: Vec<String> = list(by).iter().map(|x| format!("{f}(\"{x}\")")).collect();
                    format!(".orderBy({})", c.join(", "))
                }
                Step::Limit { n } => format!(".limit({n})"),
            });
        }
        s
    }
}

/// Where a graph cell's graph comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GraphSource {
    /// Tables of the session: a vertex table (optional, column `id`) and an edge table.
    Tables { vertices: String, edges: String },
    /// A graph file (SNAP, LDBC, Matrix Market, DIMACS, CSV, Parquet).
    File { path: String },
}

/// A graph cell's settings. The algorithm and its parameters are the registry's
/// (`ember::registry`): `params` holds the given ones as text by parameter name; absent ones
/// take the registry's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "GraphSpecFile")]
pub struct GraphSpec {
    pub source: GraphSource,
    pub directed: bool,
    pub strategy: String,
    pub partitions: u32,
    /// `auto` (the specialised kernel where one exists), `pregel` or `kernel`.
    pub engine: String,
    pub algorithm: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

/// A graph cell as files hold it: today's fields, and the fixed parameter fields notebooks had
/// before the registry (read and folded into `params`, never written).
#[derive(Deserialize)]
struct GraphSpecFile {
    source: GraphSource,
    #[serde(default = "yes")]
    directed: bool,
    #[serde(default = "dbh")]
    strategy: String,
    #[serde(default)]
    partitions: u32,
    #[serde(default = "auto")]
    engine: String,
    algorithm: String,
    #[serde(default)]
    params: BTreeMap<String, String>,
    #[serde(default)]
    iterations: Option<u32>,
    #[serde(default)]
    damping: Option<f64>,
    #[serde(default)]
    tolerance: Option<f64>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    source_ids: Option<String>,
}

impl From<GraphSpecFile> for GraphSpec {
    fn from(f: GraphSpecFile) -> GraphSpec {
        let mut params = f.params;
        if let Ok(spec) = ember::registry::lookup(&f.algorithm) {
            let mut legacy: Vec<(&str, Option<String>)> = vec![
                ("iterations", f.iterations.map(|x| x.to_string())),
                ("damping", f.damping.map(|x| x.to_string())),
                ("tol", f.tolerance.map(|x| x.to_string())),
                ("variant", f.variant.filter(|v| !v.is_empty())),
            ];
            // The old `source_ids` field held whichever vertex parameter the algorithm takes.
            if let Some(p) = spec.params.iter().find(|p| {
                matches!(p.kind, ember::algo::spec::ParamKind::Vertex | ember::algo::spec::ParamKind::Vertices)
            }) {
                legacy.push((p.name, f.source_ids.filter(|s| !s.trim().is_empty())));
            }
            for (name, value) in legacy {
                if let (Some(v), Some(p)) = (value, spec.param(name)) {
                    params.entry(p.name.to_string()).or_insert(v);
                }
            }
        }
        GraphSpec {
            source: f.source,
            directed: f.directed,
            strategy: f.strategy,
            partitions: f.partitions,
            engine: f.engine,
            algorithm: f.algorithm,
            params,
        }
    }
}

fn yes() -> bool {
    true
}
fn dbh() -> String {
    "dbh".into()
}
fn auto() -> String {
    "auto".into()
}

/// The parameter holding a query cell's clauses (one argument per line).
pub const QUERY_CLAUSES: &str = "clauses";

impl Default for GraphSpec {
    fn default() -> Self {
        GraphSpec {
            source: GraphSource::Tables { vertices: String::new(), edges: String::new() },
            directed: true,
            strategy: dbh(),
            partitions: 0,
            engine: auto(),
            algorithm: ember::algo::pagerank::SPEC.name.into(),
            params: BTreeMap::new(),
        }
    }
}

impl GraphSpec {
    /// The engine job this spec describes (unknown algorithms and bad parameters are errors
    /// naming them).
    pub fn algorithm(&self) -> Result<ember::job::Algorithm, ember::Error> {
        let given: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        ember::job::Algorithm::new(&self.algorithm, &given)
    }

    /// The graph query the cell runs instead of an algorithm, when `algorithm` names one of
    /// the registry's queries (motifs, bfs_paths, all_paths, pregel, ...).
    pub fn query(&self) -> Option<&'static ember::registry::QuerySpec> {
        ember::registry::QUERIES.iter().copied().find(|q| q.name == self.algorithm)
    }

    /// The SQL a query cell runs over the tables `vertices` (empty: the edges' endpoints) and
    /// `edges`: `SELECT * FROM name('vertices', 'edges', args..., clauses...)`. Arguments are
    /// `params` by the query's argument names (trailing empty ones left off); a query with
    /// clauses (pregel, aggregate_messages) takes them from `params["clauses"]`, one argument
    /// per line, as SQL's call lists them.
    pub fn query_sql(&self, q: &ember::registry::QuerySpec, vertices: &str, edges: &str) -> String {
        let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let mut args = vec![lit(vertices), lit(edges)];
        let mut given: Vec<String> =
            q.args[2..].iter().map(|(name, _)| self.params.get(*name).map_or("", |v| v.trim()).to_string()).collect();
        while given.last().is_some_and(String::is_empty) {
            given.pop();
        }
        args.extend(given.iter().map(|v| lit(v)));
        if !q.clauses.is_empty() {
            let text = self.params.get(QUERY_CLAUSES).map_or("", String::as_str);
            args.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(lit));
        }
        format!("SELECT * FROM {}({})", q.name, args.join(", "))
    }

    /// Sets a parameter's text (empty: back to the default).
    pub fn set_param(&mut self, name: &str, value: impl Into<String>) {
        let v = value.into();
        if v.trim().is_empty() {
            self.params.remove(name);
        } else {
            self.params.insert(name.to_string(), v);
        }
    }
}

impl Notebook {
    fn next_id(&self) -> u64 {
        self.cells.iter().map(|c| c.id).max().unwrap_or(0) + 1
    }

    /// A result name not used by another cell: `base`, `base_2`, ...
    pub fn fresh_name(&self, base: &str) -> String {
        let taken = |n: &str| self.cells.iter().any(|c| c.name == n);
        if !taken(base) {
            return base.to_string();
        }
        (2..).map(|i| format!("{base}_{i}")).find(|n| !taken(n)).unwrap_or_default()
    }

    /// Adds a cell after position `at` (or at the end) and returns its id.
    pub fn add(&mut self, kind: CellKind, at: Option<usize>) -> u64 {
        let id = self.next_id();
        let base = match &kind {
            CellKind::Sql { .. } => "query",
            CellKind::DataFrame { .. } => "frame",
            CellKind::Graph { .. } => "graph_result",
            CellKind::Markdown { .. } => "notes",
        };
        let name = self.fresh_name(base);
        let cell = Cell { id, name, kind, view: CellView::default(), output: None };
        match at {
            Some(i) if i < self.cells.len() => self.cells.insert(i + 1, cell),
            _ => self.cells.push(cell),
        }
        id
    }

    pub fn index(&self, id: u64) -> Option<usize> {
        self.cells.iter().position(|c| c.id == id)
    }

    pub fn cell(&self, id: u64) -> Option<&Cell> {
        self.cells.iter().find(|c| c.id == id)
    }

    pub fn cell_mut(&mut self, id: u64) -> Option<&mut Cell> {
        self.cells.iter_mut().find(|c| c.id == id)
    }

    pub fn remove(&mut self, id: u64) {
        self.cells.retain(|c| c.id != id);
    }

    /// Moves a cell up (`-1`) or down (`+1`).
    pub fn shift(&mut self, id: u64, by: i64) {
        if let Some(i) = self.index(id) {
            let j = i as i64 + by;
            if j >= 0 && (j as usize) < self.cells.len() {
                self.cells.swap(i, j as usize);
            }
        }
    }
}

/// Empty cells of each kind, for "add cell".
pub fn new_kind(label: &str) -> CellKind {
    match label {
        "SQL" => CellKind::Sql { sql: String::new() },
        "DataFrame" => CellKind::DataFrame { pipeline: Pipeline::default() },
        "Graph" => CellKind::Graph { graph: GraphSpec::default() },
        _ => CellKind::Markdown { text: String::new() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipeline_sql_and_pyspark() {
        let p = Pipeline {
            source: Source::File("sales_data.csv".into()),
            steps: vec![
                Step::WithColumn { name: "total_sales".into(), expr: "quantity * price".into() },
                Step::GroupBy { keys: "product_id".into(), aggregates: "sum(total_sales) AS total_sales".into() },
                Step::Sort { by: "total_sales".into(), descending: true },
            ],
        };
        assert_eq!(
            p.to_sql("sales").unwrap(),
            "WITH s0 AS (SELECT * FROM sales),\n     s1 AS (SELECT *, quantity * price AS total_sales FROM s0),\n     \
             s2 AS (SELECT product_id, sum(total_sales) AS total_sales FROM s1 GROUP BY product_id),\n     \
             s3 AS (SELECT * FROM s2)\nSELECT * FROM s3 ORDER BY total_sales DESC"
        );
        let py = p.to_pyspark();
        assert!(py.contains("df = spark.read.csv(\"sales_data.csv\", header=True, inferSchema=True)"));
        assert!(py.contains(".withColumn(\"total_sales\", F.expr(\"quantity * price\"))"));
        assert!(py.contains(".groupBy(\"product_id\").agg(F.expr(\"sum(total_sales)\").alias(\"total_sales\"))"));
        assert!(py.contains(".orderBy(F.desc(\"total_sales\"))"));
        let bad = Pipeline { source: Source::Table("t".into()), steps: vec![Step::new("filter")] };
        assert_eq!(bad.to_sql("t").unwrap_err(), "step 1 (filter): the condition is empty");
    }

    #[test]
    fn cells_add_move_remove_and_names_are_unique() {
        let mut nb = Notebook::default();
        let a = nb.add(new_kind("SQL"), None);
        let b = nb.add(new_kind("SQL"), None);
        assert_eq!(nb.cell(b).unwrap().name, "query_2");
        nb.shift(b, -1);
        assert_eq!(nb.cells[0].id, b);
        nb.remove(a);
        assert_eq!(nb.cells.len(), 1);
        let c = nb.add(new_kind("Graph"), Some(0));
        assert_eq!(nb.index(c), Some(1));
    }

    #[test]
    fn json_round_trip_and_defaults() {
        let mut nb = Notebook::default();
        nb.add(CellKind::Sql { sql: "SELECT 1".into() }, None);
        nb.add(new_kind("DataFrame"), None);
        nb.add(new_kind("Graph"), None);
        nb.add(CellKind::Markdown { text: "# hi".into() }, None);
        let text = serde_json::to_string_pretty(&nb).unwrap();
        assert_eq!(serde_json::from_str::<Notebook>(&text).unwrap(), nb);
        // Missing optional fields take defaults.
        let old = r#"{"cells":[{"id":1,"name":"g","type":"graph","graph":{"source":{"kind":"file","path":"x.txt"},"algorithm":"wcc"}}]}"#;
        let nb: Notebook = serde_json::from_str(old).unwrap();
        let CellKind::Graph { graph } = &nb.cells[0].kind else { panic!() };
        assert!(graph.directed);
        assert!(graph.params.is_empty());
        assert_eq!(nb.format, 1);
        // Files from before the registry: the fixed fields become parameters.
        let old = r#"{"cells":[{"id":1,"name":"g","type":"graph","graph":{"source":{"kind":"file","path":"x.txt"},
            "algorithm":"pagerank","iterations":7,"damping":0.5,"tolerance":null,"variant":"graphx","source_ids":"3"}}]}"#;
        let nb: Notebook = serde_json::from_str(old).unwrap();
        let CellKind::Graph { graph } = &nb.cells[0].kind else { panic!() };
        let want: Vec<(&str, &str)> =
            vec![("damping", "0.5"), ("iterations", "7"), ("sources", "3"), ("variant", "graphx")];
        assert_eq!(graph.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(), want);
        assert_eq!(graph.algorithm().unwrap().describe(), "iterations=7, damping=0.5, variant=graphx, sources=[3]");
    }
}
