//! Motif finding: a parsed [`Pattern`] compiled into a DataFusion logical plan of joins over a
//! vertex table (`id`, attributes) and an edge table (`src`, `dst`, attributes).
//!
//! The plan follows GraphFrames' `find`: each edge term joins the edge table (aliased by the
//! edge's name) to what the earlier terms bound, on the endpoints they share; a named vertex
//! seen for the first time joins the vertex table (aliased by its name) on `id`, so a named
//! vertex must exist in the vertex table while an anonymous end need not; a lone vertex term
//! is a cross join; an undirected term is the union of both directions with `_pattern` and
//! `_direction` columns; negated terms are anti joins applied after every positive term (named
//! vertices that only negated terms mention range over all vertices, as in GraphFrames); a
//! variable-length pattern is the union by name of its fixed lengths, with `_hop`, sorted by
//! `_hop` and `_direction`. The result has one struct column per named element, in order of
//! first appearance, holding every column of its table. When the edge terms between named
//! vertices close a cycle (and no term is undirected), that core is one scan of
//! [`super::matcher`]'s table instead of joins, and the remaining terms join onto it.
//!
//! Invariants: joins are on qualified columns (`a.id = e.src`; a core vertex's id is the `id`
//! field of its struct column `#m.#a`), so DataFusion pushes filters written on the result
//! (`a.age > 30`, which it simplifies from the struct back to the column) into the joins'
//! inputs, or into the matcher's scan for a core vertex. Internal aliases start with `#`, which
//! pattern names cannot contain.
//!
//! Differences from GraphFrames: negation is an anti join (GraphFrames' `except` also drops
//! duplicate rows), and the union of an undirected term is not sorted by `_direction`.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::common::{Column, TableReference};
use datafusion::datasource::provider_as_source;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::functions::expr_fn::named_struct;
use datafusion::logical_expr::{Expr, JoinType, LogicalPlan, LogicalPlanBuilder, col, lit};

use super::matcher::{self, Core, CoreEdge, MotifMatchTable};
use super::pattern::{self, Edge, Pattern, Shape, Term};
use crate::error::{Error, Result};

/// How a pattern is planned.
#[derive(Debug, Clone)]
pub struct Options {
    /// Match a cyclic core (triangles, reciprocal pairs, ...) with the worst-case optimal join
    /// of [`super::matcher`] instead of binary joins.
    pub wcoj: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { wcoj: true }
    }
}

/// Builds the plan of `pattern` over `vertices` and `edges`.
pub fn plan(vertices: &LogicalPlan, edges: &LogicalPlan, pattern: &Pattern) -> Result<LogicalPlan> {
    plan_with(vertices, edges, pattern, &Options::default())
}

/// [`plan`] with options.
pub fn plan_with(
    vertices: &LogicalPlan,
    edges: &LogicalPlan,
    pattern: &Pattern,
    opts: &Options,
) -> Result<LogicalPlan> {
    let c = Compiler::new(vertices, edges, opts.clone())?;
    match &pattern.shape {
        Shape::Terms(terms) => c.terms(terms)?.build().map_err(df),
        Shape::VarLength { src, edge, min, max, directed, dst } => {
            let name = |v: &Option<String>| v.clone().unwrap_or_default();
            let e = name(edge);
            let mut parts: Vec<LogicalPlan> = Vec::new();
            let mut hop = |from: &Option<String>, to: &Option<String>, h: u32, text: String, dir: &str| -> Result<()> {
                let terms: Vec<Term> = pattern::chain(from, edge, h, to).into_iter().map(Term::Edge).collect();
                let b = c.terms(&terms)?;
                let mut exprs: Vec<Expr> = b.schema().columns().into_iter().map(Expr::Column).collect();
                exprs.extend([lit(h as i32).alias("_hop"), lit(text).alias("_pattern"), lit(dir).alias("_direction")]);
                parts.push(b.project(exprs).and_then(|b| b.build()).map_err(df)?);
                Ok(())
            };
            for h in (*min..=*max).rev() {
                hop(src, dst, h, format!("({})-[{e}*{h}]->({})", name(src), name(dst)), "out")?;
            }
            if !directed {
                for h in (*min..=*max).rev() {
                    hop(dst, src, h, format!("({})<-[{e}*{h}]-({})", name(src), name(dst)), "in")?;
                }
            }
            let mut iter = parts.into_iter();
            let first = iter.next().ok_or_else(|| Error::Internal("an empty length range".into()))?;
            let mut b = LogicalPlanBuilder::from(first);
            for p in iter {
                b = b.union_by_name(p).map_err(df)?;
            }
            b.sort(vec![col("_hop").sort(true, false), col("_direction").sort(true, false)])
                .and_then(|b| b.build())
                .map_err(df)
        }
    }
}

fn df(e: datafusion::error::DataFusionError) -> Error {
    Error::df("planning the motif", e)
}

fn qcol(alias: &str, name: &str) -> Column {
    Column::new(Some(TableReference::bare(alias)), name)
}

/// What the terms compiled so far have bound.
#[derive(Clone, Default)]
struct Partial {
    plan: Option<LogicalPlanBuilder>,
    vertices: Vec<String>,
    edges: Vec<String>,
    /// Vertices and named edges whose struct is a column of the core's match table (`#m`).
    core_vertices: Vec<String>,
    core_edges: Vec<String>,
}

impl Partial {
    fn has(&self, v: &Option<String>) -> bool {
        v.as_ref().is_some_and(|v| self.vertices.contains(v))
    }
}

struct Compiler<'a> {
    vertices: &'a LogicalPlan,
    edges: &'a LogicalPlan,
    v_cols: Vec<String>,
    e_cols: Vec<String>,
    anon: std::cell::Cell<usize>,
    opts: Options,
}

fn columns(p: &LogicalPlan) -> Vec<String> {
    p.schema().fields().iter().map(|f| f.name().clone()).collect()
}

impl<'a> Compiler<'a> {
    fn new(vertices: &'a LogicalPlan, edges: &'a LogicalPlan, opts: Options) -> Result<Self> {
        let (v_cols, e_cols) = (columns(vertices), columns(edges));
        super::check_columns(vertices, edges)?;
        let dup = |cols: &[String], what: &str| -> Result<()> {
            let mut seen = HashSet::new();
            match cols.iter().find(|c| !seen.insert(c.as_str())) {
                Some(c) => Err(Error::Input(format!("the {what} has two columns named `{c}`"))),
                None => Ok(()),
            }
        };
        dup(&v_cols, "vertex table")?;
        dup(&e_cols, "edge table")?;
        Ok(Compiler { vertices, edges, v_cols, e_cols, anon: std::cell::Cell::new(0), opts })
    }

    fn scan(&self, plan: &LogicalPlan, alias: &str) -> Result<LogicalPlan> {
        LogicalPlanBuilder::from(plan.clone()).alias(TableReference::bare(alias)).and_then(|b| b.build()).map_err(df)
    }

    fn fresh(&self, prefix: &str) -> String {
        self.anon.set(self.anon.get() + 1);
        format!("#{prefix}{}", self.anon.get())
    }

    /// The plan of `terms`, with one struct column per named element.
    fn terms(&self, terms: &[Term]) -> Result<LogicalPlanBuilder> {
        // Named vertices that appear only in negated terms range over every vertex.
        let positive: HashSet<&String> = terms
            .iter()
            .flat_map(|t| match t {
                Term::Vertex(v) => vec![Some(v)],
                Term::Edge(e) | Term::Undirected(e) => vec![e.src.as_ref(), e.dst.as_ref()],
                Term::Not(_) => vec![],
            })
            .flatten()
            .collect();
        let mut only_negated: Vec<&String> = terms
            .iter()
            .flat_map(|t| match t {
                Term::Not(e) => vec![e.src.as_ref(), e.dst.as_ref()],
                _ => vec![],
            })
            .flatten()
            .filter(|v| !positive.contains(v))
            .collect();
        only_negated.sort();
        only_negated.dedup();

        let mut p = Partial::default();
        let core = self.core(terms);
        if let Some((core, _)) = &core {
            p = self.matched(core.clone())?;
        }
        for v in only_negated {
            p = self.vertex(p, v)?;
        }
        for (i, t) in terms.iter().enumerate() {
            if core.as_ref().is_some_and(|(_, in_core)| in_core.contains(&i)) {
                continue;
            }
            p = match t {
                Term::Vertex(v) => self.vertex(p, v)?,
                Term::Edge(e) => self.edge(p, e)?,
                Term::Undirected(e) => self.undirected(p, e)?,
                Term::Not(_) => p,
            };
        }
        for t in terms {
            if let Term::Not(e) = t {
                p = self.negated(p, e)?;
            }
        }
        let plan = p.plan.clone().ok_or_else(|| Error::Internal("a pattern without positive terms".into()))?;

        let mut names = pattern::result_columns(terms);
        if names.is_empty() {
            // Only expansion vertices are named (`()-[*2]->()`): show them, as GraphFrames does.
            names = p.vertices.clone();
        }
        let exprs = names.iter().map(|n| self.element(&p, n)).collect::<Result<Vec<_>>>()?;
        plan.project(exprs).map_err(df)
    }

    /// The cyclic core of `terms` (edge terms between named vertices) and the indices of its
    /// terms, when the options allow the matcher and the pattern has one.
    fn core(&self, terms: &[Term]) -> Option<(Core, Vec<usize>)> {
        if !self.opts.wcoj || terms.iter().any(|t| matches!(t, Term::Undirected(_))) {
            return None;
        }
        let mut core = Core { vars: Vec::new(), edges: Vec::new() };
        let mut in_core = Vec::new();
        let var = |v: &String, core: &mut Core| match core.vars.iter().position(|x| x == v) {
            Some(i) => i,
            None => {
                core.vars.push(v.clone());
                core.vars.len() - 1
            }
        };
        for (i, t) in terms.iter().enumerate() {
            if let Term::Edge(Edge { name, src: Some(s), dst: Some(d) }) = t {
                let (s, d) = (var(s, &mut core), var(d, &mut core));
                core.edges.push(CoreEdge { name: name.clone(), src: s, dst: d });
                in_core.push(i);
            }
        }
        core.is_cyclic().then_some((core, in_core))
    }

    /// The core's matches: one struct column per vertex variable and named edge.
    fn matched(&self, core: Core) -> Result<Partial> {
        let vars = core.vars.clone();
        let named: Vec<String> = core.edges.iter().filter_map(|e| e.name.clone()).collect();
        let table = MotifMatchTable::new(self.vertices.clone(), self.edges.clone(), core)?;
        let b = LogicalPlanBuilder::scan(TableReference::bare("#m"), provider_as_source(Arc::new(table)), None)
            .map_err(df)?;
        Ok(Partial {
            plan: Some(b),
            vertices: vars.clone(),
            edges: named.clone(),
            core_vertices: vars,
            core_edges: named,
        })
    }

    /// A bound vertex's id: its column, or the field of its struct when the matcher bound it.
    fn id_of(&self, p: &Partial, v: &str) -> Expr {
        if p.core_vertices.iter().any(|x| x == v) {
            get_field(Expr::Column(qcol("#m", &matcher::column(v))), "id")
        } else {
            Expr::Column(qcol(v, "id"))
        }
    }

    /// A named element as its result column.
    fn element(&self, p: &Partial, name: &str) -> Result<Expr> {
        if name == "_pattern" || name == "_direction" {
            return Ok(col(Column::new_unqualified(name)));
        }
        if p.core_edges.iter().any(|e| e == name) || p.core_vertices.iter().any(|v| v == name) {
            return Ok(Expr::Column(qcol("#m", &matcher::column(name))).alias(name));
        }
        let cols = if p.edges.iter().any(|e| e == name) {
            &self.e_cols
        } else if p.vertices.iter().any(|v| v == name) {
            &self.v_cols
        } else {
            return Err(Error::Internal(format!("pattern element {name} was not bound")));
        };
        let args = cols.iter().flat_map(|c| [lit(c.as_str()), Expr::Column(qcol(name, c))]).collect();
        Ok(named_struct(args).alias(name))
    }

    /// Every column bound so far, `_pattern`/`_direction` excepted.
    fn bound_qualified(&self, p: &Partial) -> Vec<Column> {
        let mut out = Vec::new();
        for v in &p.vertices {
            out.extend(self.v_cols.iter().map(|c| qcol(v, c)));
        }
        for e in &p.edges {
            out.extend(self.e_cols.iter().map(|c| qcol(e, c)));
        }
        out
    }

    fn vertex(&self, mut p: Partial, v: &str) -> Result<Partial> {
        if p.vertices.iter().any(|x| x == v) {
            return Ok(p);
        }
        let scan = self.scan(self.vertices, v)?;
        p.plan = Some(match p.plan.take() {
            None => LogicalPlanBuilder::from(scan),
            Some(b) => b.cross_join(scan).map_err(df)?,
        });
        p.vertices.push(v.to_string());
        Ok(p)
    }

    fn edge(&self, mut p: Partial, e: &Edge) -> Result<Partial> {
        let alias = e.name.clone().unwrap_or_else(|| self.fresh("e"));
        let scan = self.scan(self.edges, &alias)?;
        let (src_seen, dst_seen) = (p.has(&e.src), p.has(&e.dst));
        let mut on = Vec::new();
        if src_seen {
            on.push(self.id_of(&p, e.src.as_deref().unwrap_or_default()).eq(Expr::Column(qcol(&alias, "src"))));
        }
        if dst_seen {
            on.push(self.id_of(&p, e.dst.as_deref().unwrap_or_default()).eq(Expr::Column(qcol(&alias, "dst"))));
        }
        let mut b = match p.plan.take() {
            None => LogicalPlanBuilder::from(scan),
            Some(b) if on.is_empty() => b.cross_join(scan).map_err(df)?,
            Some(b) => b.join_on(scan, JoinType::Inner, on).map_err(df)?,
        };
        if let (Some(s), false) = (&e.src, src_seen) {
            let (mut left, mut right) = (vec![qcol(&alias, "src")], vec![qcol(s, "id")]);
            if e.dst.as_ref() == Some(s) {
                left.push(qcol(&alias, "dst"));
                right.push(qcol(s, "id"));
            }
            b = b.join(self.scan(self.vertices, s)?, JoinType::Inner, (left, right), None).map_err(df)?;
            p.vertices.push(s.clone());
        }
        if let Some(n) = &e.name {
            p.edges.push(n.clone());
        }
        if let (Some(d), false) = (&e.dst, dst_seen)
            && e.src.as_ref() != Some(d)
        {
            b = b
                .join(
                    self.scan(self.vertices, d)?,
                    JoinType::Inner,
                    (vec![qcol(&alias, "dst")], vec![qcol(d, "id")]),
                    None,
                )
                .map_err(df)?;
            p.vertices.push(d.clone());
        }
        p.plan = Some(b);
        Ok(p)
    }

    fn undirected(&self, p: Partial, e: &Edge) -> Result<Partial> {
        let name = |v: &Option<String>| v.clone().unwrap_or_default();
        let (s, n, d) = (name(&e.src), name(&e.name), name(&e.dst));
        let out = self.edge(p.clone(), e)?;
        let inn = self.edge(p, &e.reversed())?;
        // Both branches project to the outgoing branch's columns under flat names (a union's
        // output is unqualified), then the direction; the union's columns get their
        // qualifiers back.
        let bound = self.bound_qualified(&out);
        let branch = |b: &Partial, text: String, dir: &str| -> Result<LogicalPlan> {
            let mut exprs: Vec<Expr> = bound.iter().map(|c| Expr::Column(c.clone()).alias(c.flat_name())).collect();
            exprs.push(lit(text).alias("_pattern"));
            exprs.push(lit(dir).alias("_direction"));
            let plan = b.plan.clone().ok_or_else(|| Error::Internal("an edge term without a plan".into()))?;
            plan.project(exprs).and_then(|b| b.build()).map_err(df)
        };
        let in_plan = branch(&inn, format!("({s})<-[{n}]-({d})"), "in")?;
        let out_plan = branch(&out, format!("({s})-[{n}]->({d})"), "out")?;
        let mut exprs: Vec<Expr> = bound
            .iter()
            .map(|c| col(Column::new_unqualified(c.flat_name())).alias_qualified(c.relation.clone(), c.name.clone()))
            .collect();
        exprs.extend([col(Column::new_unqualified("_pattern")), col(Column::new_unqualified("_direction"))]);
        let plan = LogicalPlanBuilder::from(in_plan).union(out_plan).and_then(|b| b.project(exprs)).map_err(df)?;
        Ok(Partial { plan: Some(plan), ..out })
    }

    fn negated(&self, mut p: Partial, e: &Edge) -> Result<Partial> {
        let alias = self.fresh("not");
        let scan = self.scan(self.edges, &alias)?;
        let mut on = Vec::new();
        for (v, end) in [(&e.src, "src"), (&e.dst, "dst")] {
            if let Some(v) = v {
                on.push(self.id_of(&p, v).eq(Expr::Column(qcol(&alias, end))));
            }
        }
        let b = p.plan.take().ok_or_else(|| Error::Internal("a negated term first".into()))?;
        p.plan = Some(b.join_on(scan, JoinType::LeftAnti, on).map_err(df)?);
        Ok(p)
    }
}
