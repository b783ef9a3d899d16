//! Graph queries over tables, as GraphFrames offers them: a [`GraphFrame`] is a vertex table
//! (`id` and attributes) and an edge table (`src`, `dst` and attributes), both DataFusion
//! DataFrames (lazy plans), and its queries return DataFrames whose plans DataFusion optimises
//! together with whatever the caller adds (filters written after [`GraphFrame::find`] reach
//! the joins' inputs).
//!
//! - [`pattern`] — GraphFrames' motif language, parsed with positioned errors.
//! - [`motif`] — a pattern compiled into a logical plan of joins.
//! - [`matcher`] — a pattern's cyclic core matched by a worst-case optimal join.
//! - [`paths`] — GraphFrames' `bfs`: every shortest path between two sets of vertices.
//! - [`all_paths`] — GraphFrames' `all_paths`: every simple path between them, up to a length.
//! - [`cycles`] — GraphFrames' `detectingCycles`: every simple cycle, from each of its vertices.
//! - [`hyper_anf`] — GraphFrames' `hyper_anf`: HyperLogLog sketches of the vertices each vertex
//!   reaches in exactly k hops.
//! - [`pregel`] — GraphFrames' `pregel` and `aggregateMessages` with SQL expressions.
//!
//! The same plans back the SQL table functions (`motifs(...)`, see [`crate::sql::queries`]).
//! Motifs stay DataFusion plans; the matcher, the path and cycle searches, `hyper_anf` and `pregel` read the tables, build dense
//! indices (and, for `pregel`, partitions) for the traversal, and return tables again. Nothing
//! here runs a registry job.

pub mod all_paths;
pub mod cycles;
pub mod hyper_anf;
pub mod matcher;
pub mod motif;
pub mod paths;
pub mod pattern;
pub mod pregel;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::JoinType;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, col, lit};
use datafusion::prelude::DataFrame;

use crate::error::{Error, Result};

/// A graph as two tables: GraphFrames' `GraphFrame`.
#[derive(Debug, Clone)]
pub struct GraphFrame {
    vertices: DataFrame,
    edges: DataFrame,
}

impl GraphFrame {
    /// A graph of a vertex table with an `id` column and an edge table with `src` and `dst`.
    pub fn new(vertices: DataFrame, edges: DataFrame) -> Result<GraphFrame> {
        check_columns(vertices.logical_plan(), edges.logical_plan())?;
        Ok(GraphFrame { vertices, edges })
    }

    /// A graph whose vertices are the edges' endpoints (one column, `id`).
    pub fn from_edges(edges: DataFrame) -> Result<GraphFrame> {
        let (state, plan) = edges.clone().into_parts();
        let vertices = DataFrame::new(state, endpoint_vertices(&plan)?);
        GraphFrame::new(vertices, edges)
    }

    pub fn vertices(&self) -> &DataFrame {
        &self.vertices
    }

    pub fn edges(&self) -> &DataFrame {
        &self.edges
    }

    /// Motif finding: every match of `pattern` (GraphFrames' language, see [`pattern`]), one
    /// struct column per named element.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use ember::datafusion::functions::core::expr_ext::FieldAccessor; // col("a").field("age")
    /// use ember::datafusion::prelude::*;
    /// let ctx = SessionContext::new();
    /// let v = ctx.sql("SELECT * FROM (VALUES (1, 'ann', 34), (2, 'bob', 29)) AS t(id, name, age)").await.unwrap();
    /// let e = ctx.sql("SELECT * FROM (VALUES (1, 2), (2, 1)) AS t(src, dst)").await.unwrap();
    /// let g = ember::query::GraphFrame::new(v, e).unwrap();
    /// let pairs = g.find("(a)-[e]->(b); (b)-[]->(a)").unwrap().filter(col("a").field("age").gt(lit(30))).unwrap();
    /// let rows = pairs.collect().await.unwrap();
    /// assert_eq!(rows.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    /// # });
    /// ```
    pub fn find(&self, pattern: &str) -> Result<DataFrame> {
        self.find_with(pattern, &motif::Options::default())
    }

    /// [`GraphFrame::find`] with planning options.
    pub fn find_with(&self, pattern: &str, opts: &motif::Options) -> Result<DataFrame> {
        let parsed = pattern::parse(pattern)?;
        let (state, edges) = self.edges.clone().into_parts();
        let plan = motif::plan_with(self.vertices.logical_plan(), &edges, &parsed, opts)?;
        Ok(DataFrame::new(state, plan))
    }

    /// Runs a Pregel program written with SQL expressions (GraphFrames' `pregel`, see
    /// [`pregel`]) on this graph: the tables are read once, the program runs on Ember's
    /// partitions, and the result is the vertex table with the program's columns.
    pub async fn pregel(&self, program: &pregel::Pregel, ctx: &crate::RunContext) -> Result<pregel::PregelOutput> {
        let (state, graph) = self.dense().await?;
        program.run(&state, &graph, ctx)
    }

    /// GraphFrames' `aggregateMessages`: `id` and one column per aggregate, for every vertex
    /// that received a message (see [`pregel::AggregateMessages`]).
    pub async fn aggregate_messages(
        &self,
        am: &pregel::AggregateMessages,
        ctx: &crate::RunContext,
    ) -> Result<datafusion::arrow::array::RecordBatch> {
        let (state, graph) = self.dense().await?;
        am.run(&state, &graph, ctx)
    }

    /// The tables read into a directed [`crate::Graph`] (every edge row kept), with the
    /// session the expressions are parsed in.
    async fn dense(&self) -> Result<(datafusion::execution::SessionState, crate::Graph)> {
        async fn read(df: &DataFrame, what: &str) -> Result<Vec<datafusion::arrow::array::RecordBatch>> {
            let mut b = df.clone().collect().await.map_err(|e| Error::df(format!("reading the {what}"), e))?;
            if b.is_empty() {
                b.push(datafusion::arrow::array::RecordBatch::new_empty(df.schema().inner().clone()));
            }
            Ok(b)
        }
        let (v, e) = (read(&self.vertices, "vertices").await?, read(&self.edges, "edges").await?);
        let opts = crate::graph::GraphOptions { weight_column: None, ..Default::default() };
        let graph = crate::Graph::from_batches(Some(&v), &e, &opts)?;
        Ok((self.vertices.clone().into_parts().0, graph))
    }

    /// `src`, `edge`, `dst`: one row per edge whose endpoints are both vertices, each a struct
    /// of all the columns of the source vertex, the edge and the destination vertex
    /// (GraphFrames' `triplets`, which is `find("(src)-[edge]->(dst)")`).
    pub fn triplets(&self) -> Result<DataFrame> {
        self.find("(src)-[edge]->(dst)")
    }

    /// `id`, `outDegree` (Int32): every vertex with an out-edge, as GraphFrames counts them
    /// (every edge row, from the edge table alone).
    pub fn out_degrees(&self) -> Result<DataFrame> {
        degree_of(&self.edges, &[SRC], "outDegree")
    }

    /// `id`, `inDegree` (Int32): every vertex with an in-edge.
    pub fn in_degrees(&self) -> Result<DataFrame> {
        degree_of(&self.edges, &[DST], "inDegree")
    }

    /// `id`, `degree` (Int32): edge ends at every vertex with an edge (a self-loop counts twice).
    pub fn degrees(&self) -> Result<DataFrame> {
        degree_of(&self.edges, &[SRC, DST], "degree")
    }

    /// The vertices where `condition` holds and the edges between them (GraphFrames'
    /// `filterVertices`).
    pub fn filter_vertices(&self, condition: Expr) -> Result<GraphFrame> {
        let v = self.vertices.clone().filter(condition).map_err(|e| Error::df("filtering the vertices", e))?;
        let ids = v
            .clone()
            .select(vec![col("id").alias("__ember_keep")])
            .map_err(|e| Error::df("filtering the vertices", e))?;
        let semi = |df: DataFrame, end: &str| -> Result<DataFrame> {
            df.join(ids.clone(), JoinType::LeftSemi, &[end], &["__ember_keep"], None)
                .map_err(|e| Error::df("filtering the edges", e))
        };
        let e = semi(semi(self.edges.clone(), SRC)?, DST)?;
        GraphFrame::new(v, e)
    }

    /// All vertices and the edges where `condition` holds (GraphFrames' `filterEdges`).
    pub fn filter_edges(&self, condition: Expr) -> Result<GraphFrame> {
        let e = self.edges.clone().filter(condition).map_err(|e| Error::df("filtering the edges", e))?;
        GraphFrame::new(self.vertices.clone(), e)
    }

    /// The vertices with at least one edge, and all edges (GraphFrames' `dropIsolatedVertices`).
    pub fn drop_isolated_vertices(&self) -> Result<GraphFrame> {
        let (state, edges) = self.edges.clone().into_parts();
        let ends = DataFrame::new(state, endpoint_vertices(&edges)?)
            .select(vec![col("id").alias("__ember_keep")])
            .map_err(|e| Error::df("finding isolated vertices", e))?;
        let v = self
            .vertices
            .clone()
            .join(ends, JoinType::LeftSemi, &["id"], &["__ember_keep"], None)
            .map_err(|e| Error::df("dropping isolated vertices", e))?;
        GraphFrame::new(v, self.edges.clone())
    }

    /// Every edge reversed, attributes kept (GraphFrames' `as_reversed`).
    pub fn as_reversed(&self) -> Result<GraphFrame> {
        Ok(GraphFrame { vertices: self.vertices.clone(), edges: reversed(&self.edges)? })
    }

    /// Every edge both ways (GraphFrames' `as_undirected`): the edges and their reversals.
    pub fn as_undirected(&self) -> Result<GraphFrame> {
        let edges =
            self.edges.clone().union(reversed(&self.edges)?).map_err(|e| Error::df("adding the reversed edges", e))?;
        Ok(GraphFrame { vertices: self.vertices.clone(), edges })
    }

    /// A condition in SQL over the vertex table's columns (`"age > 30"`), for
    /// [`GraphFrame::filter_vertices`]; errors name the position in `sql`.
    pub fn vertex_condition(&self, sql: &str) -> Result<Expr> {
        condition(&self.vertices, sql)
    }

    /// A condition in SQL over the edge table's columns, for [`GraphFrame::filter_edges`].
    pub fn edge_condition(&self, sql: &str) -> Result<Expr> {
        condition(&self.edges, sql)
    }
}

const SRC: &str = "src";
const DST: &str = "dst";

/// `edges` with `src` and `dst` swapped, the column order kept.
fn reversed(edges: &DataFrame) -> Result<DataFrame> {
    let cols: Vec<Expr> = edges
        .schema()
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            SRC => col(DST).alias(SRC),
            DST => col(SRC).alias(DST),
            other => Expr::Column(datafusion::common::Column::new_unqualified(other)),
        })
        .collect();
    edges.clone().select(cols).map_err(|e| Error::df("reversing the edges", e))
}

fn condition(df: &DataFrame, sql: &str) -> Result<Expr> {
    crate::sql::guard::check(sql)?;
    df.parse_sql_expr(sql).map_err(|e| crate::sql::error_of(e, Vec::new))
}

/// `id` and the count of edge rows per value of `ends` (one column, or both ends unioned).
fn degree_of(edges: &DataFrame, ends: &[&str], name: &str) -> Result<DataFrame> {
    let df = |e| Error::df(format!("computing {name}"), e);
    let (state, plan) = edges.clone().into_parts();
    let mut b: Option<LogicalPlanBuilder> = None;
    for end in ends {
        let side = LogicalPlanBuilder::from(plan.clone()).project(vec![col(*end).alias("id")]).map_err(df)?;
        b = Some(match b {
            None => side,
            Some(b) => b.union(side.build().map_err(df)?).map_err(df)?,
        });
    }
    let b = b.ok_or_else(|| Error::Internal("no edge end to count".into()))?;
    let plan = b
        .aggregate(vec![col("id")], vec![count(lit(1)).alias("n")])
        .and_then(|b| b.project(vec![col("id"), cast(col("n"), DataType::Int32).alias(name)]))
        .and_then(|b| b.build())
        .map_err(df)?;
    Ok(DataFrame::new(state, plan))
}

/// The vertex and edge tables have the columns every query needs.
pub(crate) fn check_columns(vertices: &LogicalPlan, edges: &LogicalPlan) -> Result<()> {
    let need = |p: &LogicalPlan, c: &str, what: &str| -> Result<()> {
        let cols: Vec<String> = p.schema().fields().iter().map(|f| f.name().clone()).collect();
        if cols.iter().any(|x| x == c) {
            Ok(())
        } else {
            Err(Error::Input(format!("the {what} has no column `{c}`; columns are: {}", cols.join(", "))))
        }
    };
    need(vertices, "id", "vertex table")?;
    need(edges, "src", "edge table")?;
    need(edges, "dst", "edge table")
}

/// `SELECT DISTINCT id FROM (SELECT src AS id FROM edges UNION ALL SELECT dst FROM edges)`.
pub(crate) fn endpoint_vertices(edges: &LogicalPlan) -> Result<LogicalPlan> {
    let df = |e| Error::df("planning the vertices of the edges' endpoints", e);
    let side = |c: &str| {
        LogicalPlanBuilder::from(edges.clone()).project(vec![col(c).alias("id")]).and_then(|b| b.build()).map_err(df)
    };
    LogicalPlanBuilder::from(side("src")?)
        .union(side("dst")?)
        .and_then(|b| b.distinct())
        .and_then(|b| b.build())
        .map_err(df)
}
