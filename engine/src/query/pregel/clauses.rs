//! A program written as text: the clauses of SQL's `pregel(...)` and `aggregate_messages(...)`
//! (and of the Python builder), GraphFrames' builder method names each followed by its
//! arguments, as listed in [`registry::PREGEL`] and [`registry::AGGREGATE_MESSAGES`].

use super::{AggregateMessages, Partitioning, Pregel};
use crate::error::{Error, Result};
use crate::partition::Strategy;
use crate::registry;

/// Splits `args` into clauses of `known` (names matched ignoring case, `_` and a `set`
/// prefix); errors name the argument by its 1-based position after `offset` others.
fn clauses<'a>(
    args: &'a [String],
    known: &[(&'static str, usize, &str)],
    offset: usize,
) -> Result<Vec<(&'static str, &'a [String], usize)>> {
    let norm = |s: &str| {
        let s = s.replace('_', "").to_ascii_lowercase();
        s.strip_prefix("set").map(str::to_string).unwrap_or(s)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let pos = offset + i + 1;
        let Some(&(name, arity, _)) = known.iter().find(|(k, _, _)| norm(k) == norm(&args[i])) else {
            let names: Vec<&str> = known.iter().map(|k| k.0).collect();
            return Err(Error::Config(format!(
                "argument {pos} ('{}') is not a clause; clauses are: {}",
                args[i],
                names.join(", ")
            )));
        };
        if i + arity >= args.len() {
            let what = if arity == 1 { "an argument".to_string() } else { format!("{arity} arguments") };
            return Err(Error::Config(format!("argument {pos}: {name} needs {what} after it")));
        }
        out.push((name, &args[i + 1..=i + arity], pos));
        i += arity + 1;
    }
    Ok(out)
}

fn flag(name: &str, v: &str, pos: usize) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::Config(format!("argument {}: {name} takes true or false, got '{v}'", pos + 1))),
    }
}

fn partitioning(p: &mut Partitioning, name: &str, v: &str, pos: usize) -> Result<()> {
    if name == "strategy" {
        p.strategy = Strategy::parse(v)?;
    } else {
        p.partitions = v.trim().parse().map_err(|_| {
            Error::Config(format!("argument {}: partitions must be a whole number, got '{v}'", pos + 1))
        })?;
    }
    Ok(())
}

impl Pregel {
    /// A program from the clauses of [`registry::PREGEL`] written as text, the arguments after the first
    /// `offset` (for positions in errors).
    pub fn from_clauses(args: &[String], offset: usize) -> Result<Pregel> {
        let mut p = Pregel::new();
        for (name, a, pos) in clauses(args, registry::PREGEL.clauses, offset)? {
            match name {
                "withVertexColumn" => p = p.with_vertex_column(&a[0], &a[1], &a[2]),
                "sendMsgToSrc" => p.to_src.push(a[0].clone()),
                "sendMsgToDst" => p.to_dst.push(a[0].clone()),
                "aggMsgs" => p.agg = Some(a[0].clone()),
                "setMaxIter" => {
                    p.max_iter = a[0].trim().parse().ok().filter(|&n| n >= 1).ok_or_else(|| {
                        Error::Config(format!(
                            "argument {}: setMaxIter must be a whole number >= 1, got '{}'",
                            pos + 1,
                            a[0]
                        ))
                    })?
                }
                "setEarlyStopping" => p.early_stopping = flag(name, &a[0], pos)?,
                "setStopIfAllNonActiveVertices" => p.stop_if_all_inactive = flag(name, &a[0], pos)?,
                "setSkipMessagesFromNonActiveVertices" => p.skip_messages_from_inactive = flag(name, &a[0], pos)?,
                "setInitialActiveVertexExpression" => p.initial_active = Some(a[0].clone()),
                "setCheckpointInterval" => {
                    p.checkpoint_interval = a[0].trim().parse().map_err(|_| {
                        Error::Config(format!(
                            "argument {}: setCheckpointInterval must be a whole number >= 0, got '{}'",
                            pos + 1,
                            a[0]
                        ))
                    })?
                }
                "checkpoint" => p.checkpoint = Some(a[0].clone()).filter(|d| !d.trim().is_empty()),
                "resume" => p.resume = flag(name, &a[0], pos)?,
                "setUpdateActiveVertexExpression" => p.update_active = Some(a[0].clone()),
                _ => partitioning(&mut p.partitioning, name, &a[0], pos)?,
            }
        }
        Ok(p)
    }
}

impl AggregateMessages {
    /// A round from the clauses of [`registry::AGGREGATE_MESSAGES`] written as text (see [`Pregel::from_clauses`]).
    pub fn from_clauses(args: &[String], offset: usize) -> Result<AggregateMessages> {
        let mut am = AggregateMessages::default();
        for (name, a, pos) in clauses(args, registry::AGGREGATE_MESSAGES.clauses, offset)? {
            match name {
                "sendToSrc" => am.to_src.push(a[0].clone()),
                "sendToDst" => am.to_dst.push(a[0].clone()),
                "agg" => am.aggs.push(a[0].clone()),
                _ => partitioning(&mut am.partitioning, name, &a[0], pos)?,
            }
        }
        Ok(am)
    }
}
