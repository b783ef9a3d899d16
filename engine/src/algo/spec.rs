//! The vocabulary of the algorithm registry: what an algorithm declares about itself
//! ([`AlgorithmSpec`]: name, description, parameters with type, default, range and doc, output
//! columns, EXPLAIN operator name, which engines implement it, and its run function) and the
//! parameter values every front end hands it ([`Params`], parsed from text by one function).
//!
//! Each algorithm file defines its `SPEC`; [`crate::registry`] lists them. Front ends (CLI,
//! SQL, notebook, bench, Python) derive their arguments, help and defaults from the specs and
//! never name an algorithm or a parameter themselves.
//!
//! Invariants: a parameter's `Default::Value` text parses under its own kind (a registry unit
//! test checks every one); [`Params`] only ever holds values that passed [`ParamKind::parse`],
//! so the typed accessors fail only on a registry bug (reported as `Error::Internal`).

use std::time::Duration;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;

use crate::algo::common::Common;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::PartitionReport;

/// The type and accepted range of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// A whole number in `[min, max]`.
    Int { min: i64, max: i64 },
    /// A finite or infinite number in `[min, max]` (never NaN).
    Float { min: f64, max: f64 },
    /// One of the words (case-insensitive; stored lower-case).
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// One original vertex id.
    Vertex,
    /// Original vertex ids, comma-separated.
    Vertices,
    /// A name (a table column), non-empty.
    Name,
    /// A folder path, non-empty.
    Path,
}

impl ParamKind {
    /// A short type name for help texts (`INT`, `FLOAT`, `ldbc|graphx`, ...).
    pub fn type_name(&self) -> String {
        match self {
            ParamKind::Int { .. } => "INT".into(),
            ParamKind::Float { .. } => "FLOAT".into(),
            ParamKind::Choice(words) => words.join("|"),
            ParamKind::Bool => "BOOL".into(),
            ParamKind::Vertex => "ID".into(),
            ParamKind::Name => "NAME".into(),
            ParamKind::Path => "DIR".into(),
            ParamKind::Vertices => "ID,...".into(),
        }
    }

    /// The accepted range in words, for help and errors.
    pub fn range(&self) -> String {
        let num = |x: f64| if x == f64::INFINITY { "inf".to_string() } else { x.to_string() };
        match self {
            ParamKind::Int { min, max } => format!("a whole number in [{min}, {max}]"),
            ParamKind::Float { min, max } => format!("a number in [{}, {}]", num(*min), num(*max)),
            ParamKind::Choice(words) => format!("one of {}", words.join(", ")),
            ParamKind::Bool => "true or false".into(),
            ParamKind::Vertex => "one vertex id".into(),
            ParamKind::Name => "a column name".into(),
            ParamKind::Path => "a folder path".into(),
            ParamKind::Vertices => "vertex ids, comma-separated".into(),
        }
    }

    /// Parses `text` as this kind; the error says what was expected (without the parameter's
    /// name, which the caller adds).
    pub fn parse(&self, text: &str) -> std::result::Result<Value, String> {
        let t = text.trim();
        let bad = || format!("must be {}, got '{t}'", self.range());
        match *self {
            ParamKind::Int { min, max } => {
                let x: i64 = match t.parse::<i64>() {
                    Ok(x) => x,
                    // SQL may hand a whole number as `20.0`.
                    Err(_) => match t.parse::<f64>() {
                        Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
                        _ => return Err(bad()),
                    },
                };
                if x < min || x > max { Err(bad()) } else { Ok(Value::Int(x)) }
            }
            ParamKind::Float { min, max } => match t.parse::<f64>() {
                Ok(x) if !x.is_nan() && x >= min && x <= max => Ok(Value::Float(x)),
                _ => Err(bad()),
            },
            ParamKind::Choice(words) => {
                let l = t.to_ascii_lowercase();
                if words.contains(&l.as_str()) {
                    Ok(Value::Text(l))
                } else {
                    Err(format!("unknown value '{t}'; known: {}", words.join(", ")))
                }
            }
            ParamKind::Bool => match t.to_ascii_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(bad()),
            },
            ParamKind::Name | ParamKind::Path => {
                if t.is_empty() {
                    Err(bad())
                } else {
                    Ok(Value::Text(t.to_string()))
                }
            }
            ParamKind::Vertex => {
                if t.is_empty() || t.contains(',') {
                    Err(bad())
                } else {
                    Ok(Value::Ids(vec![t.to_string()]))
                }
            }
            ParamKind::Vertices => {
                Ok(Value::Ids(t.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()))
            }
        }
    }
}

/// What a parameter is when not given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// It must be given.
    Required,
    /// Absent unless given (e.g. a tolerance that turns on a dynamic run).
    Unset,
    /// This value (text, parsed under the parameter's kind).
    Value(&'static str),
    /// `then` when the parameter `when` is given, else `value` (PageRank's iterations: 20, or a
    /// cap of 100 when a tolerance is given).
    Depends { value: &'static str, when: &'static str, then: &'static str },
}

impl DefaultValue {
    /// How help texts show it.
    pub fn describe(&self) -> String {
        match self {
            DefaultValue::Required => "(required)".into(),
            DefaultValue::Unset => "(unset)".into(),
            DefaultValue::Value(v) => v.to_string(),
            DefaultValue::Depends { value, when, then } => format!("{value} ({then} with {when})"),
        }
    }
}

/// A parameter of an algorithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// The name in SQL (`'name=value'`), the CLI (`--name`, `_` as `-`), Python and notebooks.
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: DefaultValue,
    pub doc: &'static str,
    /// Other names accepted for it (e.g. the CLI's `--source` for PageRank's `sources`).
    pub aliases: &'static [&'static str],
}

impl Param {
    pub fn required(&self) -> bool {
        self.default == DefaultValue::Required
    }
}

/// The type of an output column; [`ColumnType::Id`] takes the type of the graph's ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Id,
    Float64,
    Int64,
    Bool,
}

impl ColumnType {
    pub fn data_type(&self, id: &DataType) -> DataType {
        match self {
            ColumnType::Id => id.clone(),
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Bool => DataType::Boolean,
        }
    }
    /// SQL-ish name for help texts.
    pub fn sql_name(&self) -> &'static str {
        match self {
            ColumnType::Id => "ID",
            ColumnType::Float64 => "DOUBLE",
            ColumnType::Int64 => "BIGINT",
            ColumnType::Bool => "BOOLEAN",
        }
    }
}

/// An output column after the leading `id`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub doc: &'static str,
}

/// How an algorithm can run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Engines {
    /// The specialised kernel, described (`"pull over the in-CSR"`), if there is one.
    pub kernel: Option<&'static str>,
    /// Whether there is a program on the Pregel engine.
    pub pregel: bool,
    /// Whether runs write checkpoints and resume from them (a run asked to checkpoint that
    /// cannot is refused before it starts).
    pub checkpoints: bool,
    /// Whether the Pregel program runs on a distributed run's share of the graph (each worker
    /// holding only its partitions' edges, [`crate::load::shard`]); false for programs that
    /// read every vertex's neighbour set from the whole graph (they need it read whole).
    pub shares: bool,
}

/// What actually executed, as the algorithm reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Executed {
    /// A specialised kernel (or CSR computation), described.
    Kernel { description: &'static str },
    /// The Pregel engine over this partitioning.
    Pregel { partition: PartitionReport },
}

/// What ran and how long its phases took.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub executed: Executed,
    /// Building the CSR or partitioning (zero when the caller handed a partitioning in).
    pub prepare: Duration,
    /// The computation itself.
    pub compute: Duration,
}

impl Execution {
    pub fn kernel(description: &'static str, prepare: Duration, compute: Duration) -> Execution {
        Execution { executed: Executed::Kernel { description }, prepare, compute }
    }
    pub fn pregel(partition: PartitionReport, prepare: Duration, compute: Duration) -> Execution {
        Execution { executed: Executed::Pregel { partition }, prepare, compute }
    }
    pub fn is_kernel(&self) -> bool {
        matches!(self.executed, Executed::Kernel { .. })
    }
    pub fn partition(&self) -> Option<&PartitionReport> {
        match &self.executed {
            Executed::Pregel { partition } => Some(partition),
            Executed::Kernel { .. } => None,
        }
    }
}

/// The uniform result of running a registered algorithm.
#[derive(Debug, Clone)]
pub struct AlgoRun {
    /// Keyed by the original ids, with the spec's output columns.
    pub table: RecordBatch,
    /// Human-readable lines: counts, the top vertices, ...
    pub summary: Vec<String>,
    /// Supersteps or iterations run (0 where there are none, e.g. one Pregel run per landmark).
    pub supersteps: u32,
    pub execution: Execution,
}

/// Options of a registry run that are not algorithm parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Top vertices listed in the summary.
    pub top: usize,
}

/// The run function every spec carries.
pub type RunFn = fn(&Graph, &Params, &Common, RunOptions) -> Result<AlgoRun>;

/// Everything Ember knows about one algorithm.
#[derive(Debug, Clone, Copy)]
pub struct AlgorithmSpec {
    /// The one name: CLI subcommand, SQL table function, notebook, Python.
    pub name: &'static str,
    /// One line, for help and the notebook.
    pub summary: &'static str,
    /// In SQL positional order (after the vertex and edge tables).
    pub params: &'static [Param],
    /// Output columns after `id`.
    pub output: &'static [Column],
    /// The physical operator's name in EXPLAIN (`PageRankExec`).
    pub exec_name: &'static str,
    pub engines: Engines,
    pub run: RunFn,
}

impl AlgorithmSpec {
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name || p.aliases.contains(&name))
    }
    /// Output columns as text: `id, pagerank DOUBLE`.
    pub fn output_text(&self) -> String {
        let mut s = String::from("id");
        for c in self.output {
            s.push_str(&format!(", {} {}", c.name, c.ty.sql_name()));
        }
        s
    }
}

/// A parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Ids(Vec<String>),
}

impl Value {
    /// As plans and EXPLAIN show it.
    pub fn render(&self, kind: ParamKind) -> String {
        match (self, kind) {
            (Value::Int(x), _) => x.to_string(),
            (Value::Float(x), _) => x.to_string(),
            (Value::Bool(b), _) => b.to_string(),
            (Value::Text(t), _) => t.clone(),
            (Value::Ids(ids), ParamKind::Vertex) => ids.join(","),
            (Value::Ids(ids), _) => format!("[{}]", ids.join(",")),
        }
    }
}

/// The parameter values of one algorithm call: every given parameter, and the defaults of the
/// others that have a value. Built only by [`Params::parse`].
#[derive(Debug, Clone)]
pub struct Params {
    spec: &'static AlgorithmSpec,
    values: Vec<(&'static str, Value)>,
}

impl PartialEq for Params {
    fn eq(&self, other: &Params) -> bool {
        self.spec.name == other.spec.name && self.values == other.values
    }
}

impl Params {
    /// Validates `given` (name or alias, text value) against `spec`: unknown and repeated names,
    /// types, ranges and required parameters, each error naming the algorithm and parameter.
    /// Empty texts count as not given.
    pub fn parse<K: AsRef<str>, V: AsRef<str>>(spec: &'static AlgorithmSpec, given: &[(K, V)]) -> Result<Params> {
        let f = spec.name;
        let mut values: Vec<(&'static str, Value)> = Vec::new();
        for (k, v) in given {
            let (k, v) = (k.as_ref().trim(), v.as_ref());
            let key = k.to_ascii_lowercase().replace('-', "_");
            let p = spec.param(&key).ok_or_else(|| {
                let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
                Error::Config(format!("{f}: unknown parameter '{k}'; parameters are: {}", names.join(", ")))
            })?;
            if v.trim().is_empty() {
                continue;
            }
            if values.iter().any(|(n, _)| *n == p.name) {
                return Err(Error::Config(format!("{f}: parameter '{}' given twice", p.name)));
            }
            let value = p.kind.parse(v).map_err(|e| Error::Config(format!("{f}: {} {e}", p.name)))?;
            values.push((p.name, value));
        }
        let given_names: Vec<&'static str> = values.iter().map(|(n, _)| *n).collect();
        for p in spec.params {
            if values.iter().any(|(n, _)| *n == p.name) {
                continue;
            }
            match p.default {
                DefaultValue::Required => {
                    return Err(Error::Config(format!("{f}: parameter '{}' is required", p.name)));
                }
                DefaultValue::Value(text) => values.push((p.name, default_value(f, p, text)?)),
                DefaultValue::Depends { value, when, then } => {
                    let text = if given_names.contains(&when) { then } else { value };
                    values.push((p.name, default_value(f, p, text)?));
                }
                DefaultValue::Unset => {}
            }
        }
        // Keep the spec's order, so plans read the same whatever order the caller used.
        values.sort_by_key(|(n, _)| spec.params.iter().position(|p| p.name == *n));
        if let Some((n, _)) = values.iter().find(|(_, v)| matches!(v, Value::Ids(ids) if ids.is_empty()))
            && spec.param(n).is_some_and(|p| p.required())
        {
            return Err(Error::Config(format!("{f}: parameter '{n}' is required")));
        }
        Ok(Params { spec, values })
    }

    pub fn spec(&self) -> &'static AlgorithmSpec {
        self.spec
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn missing(&self, name: &str) -> Error {
        Error::Internal(format!("{}: parameter '{name}' has no value of the declared kind", self.spec.name))
    }

    /// A parameter with a value, as a non-negative whole number that fits in `u32`.
    pub fn u32(&self, name: &str) -> Result<u32> {
        self.opt_u32(name)?.ok_or_else(|| self.missing(name))
    }
    pub fn opt_u32(&self, name: &str) -> Result<Option<u32>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Int(x)) => u32::try_from(*x).map(Some).map_err(|_| self.missing(name)),
            Some(_) => Err(self.missing(name)),
        }
    }
    /// A whole-number parameter with a value.
    pub fn i64(&self, name: &str) -> Result<i64> {
        match self.get(name) {
            Some(Value::Int(x)) => Ok(*x),
            _ => Err(self.missing(name)),
        }
    }
    pub fn f64(&self, name: &str) -> Result<f64> {
        self.opt_f64(name)?.ok_or_else(|| self.missing(name))
    }
    pub fn opt_f64(&self, name: &str) -> Result<Option<f64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Float(x)) => Ok(Some(*x)),
            Some(Value::Int(x)) => Ok(Some(*x as f64)),
            Some(_) => Err(self.missing(name)),
        }
    }
    pub fn text(&self, name: &str) -> Result<&str> {
        match self.get(name) {
            Some(Value::Text(t)) => Ok(t),
            _ => Err(self.missing(name)),
        }
    }
    /// Vertex ids (empty when unset).
    pub fn ids(&self, name: &str) -> Result<&[String]> {
        match self.get(name) {
            None => Ok(&[]),
            Some(Value::Ids(ids)) => Ok(ids),
            Some(_) => Err(self.missing(name)),
        }
    }
    /// One vertex id.
    pub fn vertex(&self, name: &str) -> Result<&str> {
        match self.ids(name)? {
            [one] => Ok(one),
            _ => Err(self.missing(name)),
        }
    }

    /// `name=value, ...` in the spec's order, for plans and EXPLAIN.
    pub fn describe(&self) -> String {
        self.values
            .iter()
            .filter_map(|(n, v)| self.spec.param(n).map(|p| format!("{n}={}", v.render(p.kind))))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The values as text pairs, which [`Params::parse`] reads back to the same values.
    pub fn to_text(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(n, v)| {
                let t = match v {
                    Value::Ids(ids) => ids.join(","),
                    Value::Int(x) => x.to_string(),
                    Value::Float(x) => x.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Text(t) => t.clone(),
                };
                (n.to_string(), t)
            })
            .collect()
    }
}

/// A default's text parsed under its parameter's kind (a registry bug if it does not parse).
fn default_value(algorithm: &str, p: &Param, text: &str) -> Result<Value> {
    p.kind
        .parse(text)
        .map_err(|e| Error::Internal(format!("{algorithm}: the default of {} does not parse: {e}", p.name)))
}

/// Maps original vertex ids to dense indices, naming the algorithm and parameter in the error.
pub fn vertex_indices(graph: &Graph, ids: &[String], algorithm: &str, what: &str) -> Result<Vec<u32>> {
    ids.iter()
        .map(|s| {
            graph.vertex_index(s).map_err(|_| Error::Input(format!("{algorithm}: {what} {s} is not in the graph")))
        })
        .collect()
}

/// The `k` vertices with the largest values (ties: smaller dense index) as summary lines.
pub fn top_lines(g: &Graph, values: &[f64], k: usize, name: &str) -> Vec<String> {
    let mut idx: Vec<u32> = (0..values.len() as u32).collect();
    let cmp = |a: &u32, b: &u32| values[*b as usize].total_cmp(&values[*a as usize]).then(a.cmp(b));
    if k < idx.len() {
        idx.select_nth_unstable_by(k, cmp);
        idx.truncate(k);
    }
    idx.sort_by(cmp);
    let mut out = vec![format!("top {} by {name}:", idx.len())];
    out.extend(idx.iter().map(|&v| format!("  {:>12}  {}", g.ids().display(v), values[v as usize])));
    out
}

/// `components: 12; largest: [...]`.
pub fn sizes_line(what: &str, sizes: &[u64]) -> String {
    format!("{what}: {}; largest: {:?}", sizes.len(), &sizes[..sizes.len().min(5)])
}
