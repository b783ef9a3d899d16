//! The bundled demo notebook: the sales pipeline, a SQL query, and PageRank and connected
//! components on the karate club graph joined to the members' clubs, with a chart and graph
//! views. Its data files are embedded in the binary and written to a cache folder at start, so
//! the demo works from any directory.

use std::path::PathBuf;

use crate::model::{
    Cell, CellKind, CellView, ChartKind, GraphSource, GraphSpec, Notebook, Pipeline, Source, Step, Tab,
};

const FILES: &[(&str, &[u8])] = &[
    ("sales_data.csv", include_bytes!("../../graphs/sales_data.csv")),
    ("karate.txt.gz", include_bytes!("../../graphs/karate.txt.gz")),
    ("karate_members.csv", include_bytes!("../../graphs/karate_members.csv")),
];

/// Writes the demo's data files to a cache folder (once) and returns it.
pub fn data_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("ember-demo-{}", env!("CARGO_PKG_VERSION")));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, bytes) in FILES {
        let p = dir.join(name);
        if std::fs::read(&p).ok().as_deref() != Some(*bytes) {
            ember::atomic_file::write_bytes(&p, bytes).map_err(|e| e.to_string())?;
        }
    }
    Ok(dir)
}

fn cell(id: u64, name: &str, kind: CellKind, view: CellView) -> Cell {
    Cell { id, name: name.into(), kind, view, output: None }
}

/// The demo notebook, with data paths under `dir`.
pub fn notebook(dir: &std::path::Path) -> Notebook {
    let path = |f: &str| dir.join(f).display().to_string();
    let chart = |x: &str, y: &str| CellView { tab: Tab::Chart, chart: ChartKind::Bar, x: x.into(), y: y.into() };
    let graph_tab = CellView { tab: Tab::Graph, ..Default::default() };
    let cells = vec![
        cell(
            1,
            "intro",
            CellKind::Markdown {
                text: "# Welcome to Ember\n\nEach cell's result is a table named after the cell, usable by later cells. \
                       Press **Run all**, or a cell's **Run** button (Ctrl+Enter in SQL cells).\n\n\
                       1. A DataFrame pipeline over `sales_data.csv`: total sales per product.\n\
                       2. SQL over that result.\n\
                       3. PageRank and connected components on Zachary's karate club, joined to the members' clubs."
                    .into(),
            },
            CellView::default(),
        ),
        cell(
            2,
            "sales_totals",
            CellKind::DataFrame {
                pipeline: Pipeline {
                    source: Source::File(path("sales_data.csv")),
                    steps: vec![
                        Step::WithColumn { name: "total_sales".into(), expr: "quantity * price".into() },
                        Step::GroupBy { keys: "product_id".into(), aggregates: "sum(total_sales) AS total_sales".into() },
                        Step::Sort { by: "total_sales".into(), descending: true },
                    ],
                },
            },
            chart("product_id", "total_sales"),
        ),
        cell(
            3,
            "top_products",
            CellKind::Sql {
                sql: "SELECT product_id,\n       round(total_sales, 2) AS total_sales,\n       round(100 * total_sales / sum(total_sales) OVER (), 1) AS share_pct\nFROM sales_totals\nORDER BY total_sales DESC\nLIMIT 3".into(),
            },
            CellView::default(),
        ),
        cell(
            4,
            "members",
            CellKind::DataFrame { pipeline: Pipeline { source: Source::File(path("karate_members.csv")), steps: vec![] } },
            CellView::default(),
        ),
        cell(
            5,
            "karate_pagerank",
            CellKind::Graph {
                graph: GraphSpec {
                    source: GraphSource::File { path: path("karate.txt.gz") },
                    directed: false,
                    algorithm: "pagerank".into(),
                    ..GraphSpec::default()
                },
            },
            graph_tab.clone(),
        ),
        cell(
            6,
            "ranked_members",
            CellKind::Sql {
                sql: "SELECT CAST(p.id AS VARCHAR) AS member, m.club, p.pagerank\nFROM karate_pagerank p\nJOIN members m USING (id)\nORDER BY p.pagerank DESC\nLIMIT 10".into(),
            },
            chart("member", "pagerank"),
        ),
        cell(
            7,
            "karate_components",
            CellKind::Graph {
                graph: GraphSpec {
                    source: GraphSource::Tables { vertices: "karate_pagerank_vertices".into(), edges: "karate_pagerank_edges".into() },
                    directed: false,
                    algorithm: "wcc".into(),
                    ..GraphSpec::default()
                },
            },
            graph_tab,
        ),
        cell(
            8,
            "clubs_by_component",
            CellKind::Sql {
                sql: "SELECT c.component, m.club, count(*) AS members\nFROM karate_components c\nJOIN members m USING (id)\nGROUP BY c.component, m.club\nORDER BY members DESC".into(),
            },
            CellView::default(),
        ),
    ];
    Notebook { format: 1, title: "Ember demo".into(), cells }
}
