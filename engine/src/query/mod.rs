//! Graph queries over tables, as GraphFrames offers them: a [`GraphFrame`] is a vertex table
//! (`id` and attributes) and an edge table (`src`, `dst` and attributes), both DataFusion
//! DataFrames (lazy plans), and its queries return DataFrames whose plans DataFusion optimises
//! together with whatever the caller adds (filters written after [`GraphFrame::find`] reach
//! the joins' inputs).
//!
//! - [`pattern`] — GraphFrames' motif language, parsed with positioned errors.
//! - [`motif`] — a pattern compiled into a logical plan of joins.
//!
//! The same plans back the SQL table functions (`motifs(...)`, see [`crate::sql::functions`]).
//! Nothing here runs a graph algorithm or builds dense indices: queries stay in DataFusion.

pub mod motif;
pub mod pattern;

use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder, col};
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
        let parsed = pattern::parse(pattern)?;
        let (state, edges) = self.edges.clone().into_parts();
        let plan = motif::plan(self.vertices.logical_plan(), &edges, &parsed)?;
        Ok(DataFrame::new(state, plan))
    }
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
