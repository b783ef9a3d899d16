//! The arguments every graph-reading subcommand shares (the input graph, its format and
//! cleaning, and how jobs execute), and what turns registry parameters into clap arguments.
//! Names, help texts and defaults of engine settings and algorithm parameters come from
//! `ember::registry`; nothing here repeats them.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, bail};
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use ember::algo::spec::{DefaultValue, Param, ParamKind};
use ember::algo::{Common, Engine};
use ember::graph::Graph;
use ember::load::{self, Format, LoadSpec};
use ember::registry;
use ember::{RunContext, Strategy, SuperstepStats};
use indicatif::{ProgressBar, ProgressStyle};

/// A clap argument for a registry parameter: `--name` (`_` as `-`), its aliases, a value
/// name from its kind, and help with the accepted range and the default. Required parameters
/// are checked by the registry (one plain error line, as in SQL), not by clap.
pub fn param_arg(p: &Param) -> Arg {
    let mut help = match p.kind {
        // The value name lists the choices.
        ParamKind::Choice(_) => p.doc.to_string(),
        _ => format!("{} ({})", p.doc, p.kind.range()),
    };
    match p.default {
        DefaultValue::Required => help.push_str(" [required]"),
        DefaultValue::Unset => {}
        d => help.push_str(&format!(" [default: {}]", d.describe())),
    }
    let mut a =
        Arg::new(p.name).long(p.name.replace('_', "-")).value_name(p.kind.type_name().to_uppercase()).help(help);
    for alias in p.aliases {
        a = a.alias(alias.replace('_', "-"));
    }
    match p.kind {
        // Negative numbers reach the registry's range check instead of looking like flags.
        ParamKind::Int { .. } | ParamKind::Float { .. } => a = a.allow_negative_numbers(true),
        ParamKind::Vertices => a = a.action(ArgAction::Append),
        ParamKind::Choice(words) => a = a.value_name(words.join("|")),
        // `--resume` alone means true; `--resume false` is accepted too.
        ParamKind::Bool => a = a.num_args(0..=1).default_missing_value("true"),
        _ => {}
    }
    a
}

/// The text of every given registry parameter (repeated values joined with `,`).
pub fn param_values(m: &ArgMatches, params: &[Param]) -> Vec<(String, String)> {
    params
        .iter()
        .filter_map(|p| {
            let vals: Vec<String> = m.get_many::<String>(p.name)?.cloned().collect();
            Some((p.name.to_string(), vals.join(",")))
        })
        .collect()
}

/// How jobs run: the engine, and the partitioning when they run on Pregel (registry settings
/// `engine`, `partitions`, `strategy`), as given; [`ExecArgs::common`] validates them.
#[derive(Debug, Clone)]
pub struct ExecArgs {
    given: Vec<(String, String)>,
}

const EXEC_PARAMS: [Param; 6] = [
    registry::ENGINE,
    registry::PARTITIONS,
    registry::STRATEGY,
    registry::CHECKPOINT,
    registry::CHECKPOINT_EVERY,
    registry::RESUME,
];

impl ExecArgs {
    /// The settings, checked against the registry's kinds and ranges (an error names the flag).
    pub fn common(&self, mut ctx: RunContext) -> ember::Result<Common> {
        let get = |p: &Param| -> ember::Result<String> {
            let text = self
                .given
                .iter()
                .find(|(k, _)| k == p.name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| p.default.describe());
            p.kind.parse(&text).map_err(|e| ember::Error::Config(format!("--{} {e}", p.name.replace('_', "-"))))?;
            Ok(text)
        };
        let partitions = get(&registry::PARTITIONS)?;
        let dir = self.given.iter().find(|(k, _)| k == registry::CHECKPOINT.name).map(|(_, v)| v.as_str());
        ctx.checkpoint = registry::checkpoint_from(dir, &get(&registry::CHECKPOINT_EVERY)?, &get(&registry::RESUME)?)
            .map_err(|e| match e {
            ember::Error::Config(m) => ember::Error::Config(format!("--{}", m.replace('_', "-"))),
            other => other,
        })?;
        Ok(Common {
            engine: Engine::parse(&get(&registry::ENGINE)?)?,
            partitions: partitions
                .trim()
                .parse()
                .map_err(|_| ember::Error::Config(format!("--partitions {partitions}")))?,
            strategy: Strategy::parse(&get(&registry::STRATEGY)?)?,
            ctx,
            cluster: None,
        })
    }
}

impl ExecArgs {
    /// The partitioning flags as given (`--partitions N`, `--strategy S`), for a child `ember run`.
    pub fn partition_flags(&self) -> Vec<String> {
        let keep = [registry::PARTITIONS.name, registry::STRATEGY.name];
        self.given
            .iter()
            .filter(|(k, _)| keep.contains(&k.as_str()))
            .flat_map(|(k, v)| [format!("--{}", k.replace('_', "-")), v.clone()])
            .collect()
    }
}

impl Args for ExecArgs {
    fn augment_args(cmd: Command) -> Command {
        EXEC_PARAMS.iter().fold(cmd, |c, p| c.arg(param_arg(p)))
    }
    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for ExecArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(ExecArgs { given: param_values(m, &EXEC_PARAMS) })
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Edge file: SNAP edge list (.txt, .gz), CSV, Parquet, Matrix Market (.mtx), DIMACS (.gr),
    /// or an LDBC graph folder / .properties file.
    #[arg(long)]
    pub edges: PathBuf,
    /// Vertex file: a table with an `id` column (CSV/Parquet) or one id per line (text).
    #[arg(long)]
    pub vertices: Option<PathBuf>,
    /// Input format [default: from the file name].
    #[arg(long, value_parser = Format::NAMES.to_vec())]
    pub format: Option<String>,
    /// Treat edges as undirected.
    #[arg(long)]
    pub undirected: bool,
    /// Remove self-loops.
    #[arg(long)]
    pub drop_self_loops: bool,
    /// Collapse parallel edges (keeping the smallest weight).
    #[arg(long)]
    pub dedupe: bool,
    /// Both --drop-self-loops and --dedupe.
    #[arg(long)]
    pub simple: bool,
    /// Edge weight column of a CSV/Parquet table (text formats: the third column) [default: weight].
    #[arg(long)]
    pub weight_column: Option<String>,
    /// Source column of a CSV/Parquet edge table.
    #[arg(long, default_value = "src")]
    pub src_column: String,
    /// Destination column of a CSV/Parquet edge table.
    #[arg(long, default_value = "dst")]
    pub dst_column: String,
    /// CSV delimiter.
    #[arg(long, default_value = ",")]
    pub delimiter: char,
    #[command(flatten)]
    pub exec: ExecArgs,
}

impl GraphArgs {
    pub fn load(&self) -> Result<Graph> {
        Ok(load::load(&self.spec()?)?)
    }

    /// What to read, as the library describes it.
    pub fn spec(&self) -> Result<LoadSpec> {
        let mut spec = LoadSpec::new(&self.edges);
        spec.vertices = self.vertices.clone();
        spec.format = self.format.as_deref().map(Format::parse).transpose()?;
        spec.options.directed = !self.undirected;
        spec.options.drop_self_loops = self.drop_self_loops || self.simple;
        spec.options.dedupe = self.dedupe || self.simple;
        if let Some(w) = &self.weight_column {
            spec.options.weight_column = Some(w.clone());
        }
        spec.options.src_column = self.src_column.clone();
        spec.options.dst_column = self.dst_column.clone();
        if !self.delimiter.is_ascii() {
            bail!("the CSV delimiter must be one ASCII character");
        }
        spec.csv.delimiter = self.delimiter as u8;
        spec.cancel = crate::interrupt();
        Ok(spec)
    }
}

/// A progress bar fed by superstep statistics (hidden when stderr is not a terminal).
pub fn progress() -> (ProgressBar, RunContext) {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} superstep {pos}{msg} [{elapsed_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let b = bar.clone();
    let observer = Arc::new(move |s: &SuperstepStats| {
        b.set_position(s.superstep as u64);
        let max = s.max_supersteps.map(|m| format!("/{m}")).unwrap_or_default();
        b.set_message(format!("{max}: {} active, {} messages", s.active_vertices, s.messages));
    });
    (bar, RunContext { observer: Some(observer), cancel: crate::interrupt(), checkpoint: None })
}
