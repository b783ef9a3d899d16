//! DataFrame cells as DataFusion plans: a [`Pipeline`]'s steps applied one by one with
//! DataFusion's DataFrame API (filter, select, with_column, aggregate, join, sort, limit), so
//! every step means what it says (a sort stays a sort, whatever follows it), and the SQL shown
//! for the cell is DataFusion's own rendering of that plan ([`sql_of`], its unparser), not text
//! Ember pieced together. Expressions are parsed by DataFusion against the step's input schema;
//! errors name the step. Never imports egui.

use datafusion::common::{Column, JoinType};
use datafusion::logical_expr::Expr;
use datafusion::prelude::DataFrame;
use ember::datafusion;
use ember::sql::Session;

use crate::model::{Pipeline, Step};

/// `DataFrame` of `pipeline` over the registered table `source_table`.
pub async fn dataframe(session: &Session, pipeline: &Pipeline, source_table: &str) -> Result<DataFrame, String> {
    let mut df = scan(session, source_table).await.map_err(|e| format!("source {source_table}: {}", e.find_root()))?;
    for (i, step) in pipeline.steps.iter().enumerate() {
        let at = |e: String| format!("step {} ({}): {e}", i + 1, step.kind());
        let need = |v: &str, what: &str| -> Result<(), String> {
            if v.trim().is_empty() { Err(at(format!("{what} is empty"))) } else { Ok(()) }
        };
        let df_err = |e: datafusion::error::DataFusionError| at(e.find_root().to_string());
        df = match step {
            Step::Filter { condition } => {
                need(condition, "the condition")?;
                let e = parse_expr(&df, condition.trim()).map_err(df_err)?;
                df.filter(e).map_err(df_err)?
            }
            Step::Select { columns } => {
                need(columns, "the column list")?;
                let exprs =
                    list(columns).iter().map(|c| expr(&df, c)).collect::<Result<Vec<_>, _>>().map_err(df_err)?;
                df.select(exprs).map_err(df_err)?
            }
            Step::WithColumn { name, expr: text } => {
                need(name, "the name")?;
                need(text, "the expression")?;
                let e = parse_expr(&df, text.trim()).map_err(df_err)?;
                df.with_column(name.trim(), e).map_err(df_err)?
            }
            Step::GroupBy { keys, aggregates } => {
                need(aggregates, "the aggregates")?;
                let keys = list(keys).iter().map(|c| expr(&df, c)).collect::<Result<Vec<_>, _>>().map_err(df_err)?;
                let aggs =
                    list(aggregates).iter().map(|c| expr(&df, c)).collect::<Result<Vec<_>, _>>().map_err(df_err)?;
                df.aggregate(keys, aggs).map_err(df_err)?
            }
            Step::Join { table, on, how } => {
                need(table, "the table")?;
                need(on, "the join columns")?;
                let right = scan(session, table.trim()).await.map_err(df_err)?;
                join_using(df, right, &list(on), how).map_err(df_err)?
            }
            Step::Sort { by, descending } => {
                need(by, "the sort columns")?;
                let asc = !descending;
                let keys = list(by)
                    .iter()
                    .map(|c| parse_expr(&df, c).map(|e| e.sort(asc, !asc)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(df_err)?;
                df.sort(keys).map_err(df_err)?
            }
            Step::Limit { n } => df.limit(0, Some(*n as usize)).map_err(df_err)?,
        };
    }
    Ok(df)
}

/// A scan of the registered table `name` by its name (a view too: its plan is not inlined, so
/// the SQL rendered for the pipeline names the table).
async fn scan(session: &Session, name: &str) -> datafusion::error::Result<DataFrame> {
    let ctx = session.context();
    let provider = ctx.table_provider(name).await?;
    let plan = datafusion::logical_expr::LogicalPlanBuilder::scan(
        name,
        datafusion::datasource::provider_as_source(provider),
        None,
    )?
    .build()?;
    Ok(DataFrame::new(ctx.state(), plan))
}

/// One item of a select or aggregate list: a SQL expression, optionally `expr AS alias`.
fn expr(df: &DataFrame, text: &str) -> datafusion::error::Result<Expr> {
    let (body, alias) = split_alias(text);
    let e = parse_expr(df, body)?;
    Ok(match alias {
        Some(a) => e.alias(a),
        None => e,
    })
}

/// A SQL expression over `df`'s schema, parsed by DataFusion once Ember's guard against
/// pathological parse times ([`ember::sql::guard`]) has let it through.
fn parse_expr(df: &DataFrame, text: &str) -> datafusion::error::Result<Expr> {
    ember::sql::guard::check(text).map_err(|e| datafusion::error::DataFusionError::Plan(e.to_string()))?;
    df.parse_sql_expr(text)
}

/// `"sum(x) AS total"` -> (`sum(x)`, `Some("total")`); the alias must be a plain name.
fn split_alias(text: &str) -> (&str, Option<&str>) {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(i) = lower.rfind(" as ") {
        let alias = t[i + 4..].trim();
        let plain = !alias.is_empty() && alias.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '"');
        if plain {
            return (t[..i].trim(), Some(alias.trim_matches('"')));
        }
    }
    (t, None)
}

/// SQL's `JOIN ... USING (cols)`: equal columns, each join column once in the output (for
/// right and full joins the non-null of the two sides).
fn join_using(left: DataFrame, right: DataFrame, on: &[String], how: &str) -> datafusion::error::Result<DataFrame> {
    let kind = match how.to_ascii_lowercase().as_str() {
        "left" => JoinType::Left,
        "right" => JoinType::Right,
        "full" | "outer" => JoinType::Full,
        _ => JoinType::Inner,
    };
    let left = left.alias("l")?;
    let right = right.alias("r")?;
    let keys: Vec<&str> = on.iter().map(String::as_str).collect();
    let joined = left.join(right, kind, &keys, &keys, None)?;
    let mut out: Vec<Expr> = Vec::new();
    for (qualifier, field) in joined.schema().iter() {
        let name = field.name();
        let is_key = keys.contains(&name.as_str());
        let side = qualifier.map(|q| q.to_string());
        let column = Expr::Column(Column::new(qualifier.cloned(), name));
        match (is_key, side.as_deref()) {
            (true, Some("r")) => {}
            (true, _) if matches!(kind, JoinType::Right | JoinType::Full) => {
                let r = Expr::Column(Column::new(Some("r"), name));
                out.push(datafusion::functions::expr_fn::coalesce(vec![column, r]).alias(name));
            }
            (true, _) => out.push(column.alias(name)),
            (false, _) => out.push(column),
        }
    }
    // One qualifier for the result, so later steps (and the rendered SQL) see plain columns.
    joined.select(out)?.alias("joined")
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
}

/// The SQL DataFusion renders for the DataFrame's optimized plan (runnable against the same
/// tables). The optimized plan, because the unparser renders a sort below a projection as an
/// ORDER BY in a derived table, which SQL (and DataFusion) may ignore; after optimization the
/// projections are merged and the sort is where it takes effect.
pub fn sql_of(df: &DataFrame) -> Result<String, String> {
    let plan = df.clone().into_optimized_plan().map_err(|e| format!("optimizing: {}", e.find_root()))?;
    datafusion::sql::unparser::plan_to_sql(&plan)
        .map(|s| s.to_string())
        .map_err(|e| format!("cannot render the plan as SQL: {}", e.find_root()))
}
