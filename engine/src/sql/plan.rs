//! Query plans as data: logical, optimized logical and physical plans as trees of
//! [`PlanNode`] (name, details, metrics, children) that a UI can draw, with the per-operator
//! metrics of `EXPLAIN ANALYZE` after execution, and graph jobs' plans in the same shape.

use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::RecordBatch;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::{ExecutionPlan, collect, displayable};
use datafusion::prelude::DataFrame;

use crate::error::{Error, Result};
use crate::job::JobPlan;

/// One operator of a plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanNode {
    /// Operator name (`Projection`, `HashJoinExec`, `PageRankExec`, `Partition`, ...).
    pub name: String,
    /// The operator's parameters as DataFusion prints them.
    pub details: String,
    /// (name, value) pairs measured during execution (empty before it).
    pub metrics: Vec<(String, String)>,
    pub children: Vec<PlanNode>,
}

impl PlanNode {
    /// The tree as indented text, one operator per line, metrics in brackets.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(0, &mut out);
        out
    }

    fn render_into(&self, depth: usize, out: &mut String) {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&self.name);
        if !self.details.is_empty() {
            out.push_str(": ");
            out.push_str(&self.details);
        }
        if !self.metrics.is_empty() {
            let m: Vec<String> = self.metrics.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!(" [{}]", m.join(", ")));
        }
        out.push('\n');
        for c in &self.children {
            c.render_into(depth + 1, out);
        }
    }

    /// Every node, depth first.
    pub fn walk(&self) -> Vec<&PlanNode> {
        let mut v = vec![self];
        for c in &self.children {
            v.extend(c.walk());
        }
        v
    }

    /// A metric's value by name, if measured.
    pub fn metric(&self, name: &str) -> Option<&str> {
        self.metrics.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn split(line: &str) -> (String, String) {
    let line = line.trim();
    match line.split_once(": ") {
        Some((n, d)) => (n.to_string(), d.to_string()),
        None => (line.trim_end_matches(':').to_string(), String::new()),
    }
}

/// A logical plan as a tree.
pub fn logical_tree(plan: &LogicalPlan) -> PlanNode {
    let (name, details) = split(&plan.display().to_string());
    PlanNode { name, details, metrics: vec![], children: plan.inputs().into_iter().map(logical_tree).collect() }
}

/// An operator's details without the Rust debug text DataFusion prints for some of them: a
/// window's output field (`Ok(Field { name: "..", data_type: T, nullable: .. })`) becomes its
/// type `T`, and its frame (`, frame: WindowFrame { .. }`, already spelled out in the window's
/// name) is left out.
pub fn tidy(details: &str) -> String {
    let mut s = details.to_string();
    while let Some(start) = s.find("Ok(Field { name: \"") {
        let rest = &s[start..];
        let (Some(t0), Some(t1), Some(end)) =
            (rest.find("\", data_type: "), rest.find(", nullable: "), rest.find(" })"))
        else {
            break;
        };
        if !(t0 < t1 && t1 < end) {
            break;
        }
        let ty = rest[t0 + "\", data_type: ".len()..t1].to_string();
        s.replace_range(start..start + end + " })".len(), &ty);
    }
    while let Some(start) = s.find(", frame: WindowFrame {") {
        let open = start + ", frame: WindowFrame ".len();
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in s[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + i + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        match end {
            Some(e) => s.replace_range(start..e, ""),
            None => break,
        }
    }
    s
}

/// A physical plan as a tree, with the metrics it has collected so far.
pub fn physical_tree(plan: &Arc<dyn ExecutionPlan>) -> PlanNode {
    let line = displayable(plan.as_ref()).one_line().to_string();
    let (_, details) = split(&line);
    let metrics = plan
        .metrics()
        .map(|m| {
            m.aggregate_by_name()
                .sorted_for_display()
                .timestamps_removed()
                .iter()
                .map(|x| (x.value().name().to_string(), x.value().to_string()))
                .collect()
        })
        .unwrap_or_default();
    PlanNode {
        name: plan.name().to_string(),
        details: tidy(&details),
        metrics,
        children: plan.children().into_iter().map(physical_tree).collect(),
    }
}

/// The three plans of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlans {
    pub logical: PlanNode,
    pub optimized: PlanNode,
    pub physical: PlanNode,
}

/// Plans a DataFrame without running it.
pub async fn explain(df: &DataFrame) -> Result<QueryPlans> {
    let logical = logical_tree(df.logical_plan());
    let optimized = df.clone().into_optimized_plan().map_err(|e| Error::df("optimizing", e))?;
    let physical = df.clone().create_physical_plan().await.map_err(|e| Error::df("planning", e))?;
    Ok(QueryPlans { logical, optimized: logical_tree(&optimized), physical: physical_tree(&physical) })
}

/// A query's result with its plans; the physical plan carries the measured metrics.
#[derive(Debug, Clone)]
pub struct Analyzed {
    pub batches: Vec<RecordBatch>,
    pub plans: QueryPlans,
    pub elapsed: Duration,
}

/// Runs a DataFrame and returns its result and plans with per-operator metrics
/// (what `EXPLAIN ANALYZE` shows).
pub async fn analyze(df: DataFrame) -> Result<Analyzed> {
    let logical = logical_tree(df.logical_plan());
    let optimized = logical_tree(&df.clone().into_optimized_plan().map_err(|e| Error::df("optimizing", e))?);
    let task = Arc::new(df.task_ctx());
    let t = std::time::Instant::now();
    let physical = df.create_physical_plan().await.map_err(|e| Error::df("planning", e))?;
    let batches = collect(physical.clone(), task).await.map_err(|e| Error::df("executing", e))?;
    Ok(Analyzed {
        batches,
        plans: QueryPlans { logical, optimized, physical: physical_tree(&physical) },
        elapsed: t.elapsed(),
    })
}

/// A graph job's plan as a tree: the output at the root, the load at the leaf.
/// An `elapsed` metric, or none for a phase whose time is not measured on its own (the
/// dictionary is built while loading, the output with the computation).
fn elapsed(t: Duration) -> Vec<(String, String)> {
    if t.is_zero() { vec![] } else { vec![("elapsed".into(), format!("{t:.3?}"))] }
}

pub fn job_tree(plan: &JobPlan, load: Option<(String, Duration)>) -> PlanNode {
    let mut node: Option<PlanNode> =
        load.map(|(what, t)| PlanNode { name: "Load".into(), details: what, metrics: elapsed(t), children: vec![] });
    for p in &plan.phases {
        node = Some(PlanNode {
            name: p.name.clone(),
            details: p.details.clone(),
            metrics: elapsed(p.elapsed),
            children: node.into_iter().collect(),
        });
    }
    node.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_details_lose_their_debug_text() {
        let raw = "wdw=[sum(s.quantity) ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING: Ok(Field { name: \
                   \"sum(s.quantity) ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING\", data_type: Int64, \
                   nullable: true }), frame: WindowFrame { units: Rows, start_bound: Preceding(UInt64(NULL)), \
                   end_bound: Following(UInt64(NULL)), is_causal: false }]";
        assert_eq!(tidy(raw), "wdw=[sum(s.quantity) ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING: Int64]");
        assert_eq!(tidy("expr=[a@0 as a]"), "expr=[a@0 as a]");
        let plan = JobPlan {
            phases: vec![crate::job::Phase {
                kind: crate::job::PhaseKind::Output,
                name: "Output".into(),
                details: String::new(),
                elapsed: Duration::ZERO,
            }],
            ..Default::default()
        };
        assert!(job_tree(&plan, None).metrics.is_empty());
    }
}
