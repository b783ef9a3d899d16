//! Reading one worker's share of a graph in a distributed run: no worker reads or holds all
//! the edges. Every worker of the run calls [`read`] (it is collective) and gets a
//! [`Graph`] with every vertex, the edges of its own partitions and the whole graph's totals
//! ([`crate::graph::Share`]).
//!
//! 1. *Splits*: every worker lists the same splits of the edge input and takes its own: the
//!    input's bytes are cut into one contiguous stretch per worker, in input order. A plain text
//!    file (SNAP, LDBC `.e`) is cut at line boundaries (Hadoop's rule: a line belongs to the split
//!    its first byte is in); a Parquet file by row groups; a gzip text file or a CSV file is one
//!    split (neither can be cut without reading what comes before; Spark treats them the same).
//! 2. *Reading*: each worker parses its splits; errors name the file and its line (or row).
//!    The workers agree on the outcome, so every one of them reports the first error.
//! 3. *Dictionary*: built cooperatively — each worker's distinct ids are gathered and merged, so
//!    every worker holds the same ascending dictionary the single-process engine builds (or the
//!    vertex table's order, when there is one: vertex tables are read whole by every worker).
//! 4. *Cleaning*: self-loops are dropped where they are read; parallel edges are collapsed
//!    after sending every edge to the worker its endpoint pair hashes to, keeping the one
//!    [`Graph`]'s own simplification keeps (smallest weight, then earliest in the input).
//! 5. *Sharing out*: whole-graph degrees are summed over the workers; then every edge goes to
//!    the worker holding its partition ([`crate::partition::assign`], the function
//!    `PartitionedGraph` uses) and each worker orders its edges by input position.
//!
//! Invariants: the partitions a share yields are the single-process partitions of the same
//! input and partitioning (same vertices, same edges in the same order), so distributed results
//! equal single-process ones. Edge attribute columns other than the weight are not carried.
//! Every exchange is cut into rounds of at most [`ROUND_BYTES`] per destination.

use std::path::{Path, PathBuf};
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;

use super::{Format, LoadSpec, edgelist, files, ldbc, table, text};
use crate::checkpoint::State;
use crate::cluster::Cluster;
use crate::error::{Error, Result, Table};
use crate::graph::{self, BuildStats, Graph, Share};
use crate::ids::{self, IdColumn, VertexIds};
use crate::partition::{self, Strategy};

/// The most bytes one worker sends another in one round of an exchange.
pub const ROUND_BYTES: usize = 16 << 20;

/// Whether [`read`] can read `format` in shares (others are read whole by every process).
pub fn can_share(format: Format) -> bool {
    matches!(format, Format::Snap | Format::Ldbc | Format::Csv | Format::Parquet)
}

/// A piece of the edge input one worker reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Split {
    /// The lines of a plain text file that start in bytes `start..end`.
    Lines { path: PathBuf, start: u64, end: u64 },
    /// A whole file (gzip text, CSV).
    File(PathBuf),
    /// Row groups `groups` of a Parquet file, whose first row is row `first_row` of the file.
    RowGroups { path: PathBuf, groups: Vec<usize>, first_row: u64 },
}

/// A unit of input in the plan and its size in bytes (a `Split::Lines` unit is a whole plain
/// text file, which the plan cuts among workers; other units go whole to one worker).
struct Unit {
    split: Split,
    bytes: u64,
}

/// The splits of `spec`'s edge input for each of `workers` workers: contiguous stretches of
/// the input (by bytes), in input order. Every worker computes the same plan.
pub fn plan(spec: &LoadSpec, workers: usize) -> Result<Vec<Vec<Split>>> {
    let format = spec.format();
    let paths = match format {
        Format::Ldbc => vec![ldbc::LdbcGraph::open(&spec.edges)?.edge_file],
        _ => files::expand(&spec.edges)?,
    };
    let mut units = Vec::new();
    for path in paths {
        let len = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
        match format {
            Format::Parquet => {
                use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
                let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
                let reader = SerializedFileReader::new(file)
                    .map_err(|e| Error::Input(format!("{}: not a readable Parquet file: {e}", path.display())))?;
                let mut first_row = 0u64;
                for (g, rg) in reader.metadata().row_groups().iter().enumerate() {
                    let split = Split::RowGroups { path: path.clone(), groups: vec![g], first_row };
                    units.push(Unit { split, bytes: rg.compressed_size().max(1) as u64 });
                    first_row += rg.num_rows() as u64;
                }
            }
            Format::Snap | Format::Ldbc if text::splittable(&path)? => {
                units.push(Unit { split: Split::Lines { path, start: 0, end: len }, bytes: len });
            }
            _ => units.push(Unit { split: Split::File(path), bytes: len.max(1) }),
        }
    }
    let total: u64 = units.iter().map(|u| u.bytes).sum::<u64>().max(1);
    // Worker w reads the units that start in bytes [bound(w), bound(w + 1)) of the input, and
    // the part of a cuttable file that falls in that stretch.
    let bound = |w: usize| (total as u128 * w as u128 / workers as u128) as u64;
    let owner = |at: u64| (0..workers).rev().find(|&w| bound(w) <= at).unwrap_or(0);
    let mut out: Vec<Vec<Split>> = vec![Vec::new(); workers];
    let mut at = 0u64;
    for u in units {
        match u.split {
            Split::Lines { path, .. } => {
                for (w, splits) in out.iter_mut().enumerate() {
                    let lo = bound(w).max(at);
                    let hi = bound(w + 1).min(at + u.bytes);
                    if lo < hi {
                        splits.push(Split::Lines { path: path.clone(), start: lo - at, end: hi - at });
                    }
                }
            }
            split => {
                let w = owner(at);
                // Consecutive row groups of one file read by one worker are one split.
                if let (Some(Split::RowGroups { path: p, groups, .. }), Split::RowGroups { path, groups: g, .. }) =
                    (out[w].last_mut(), &split)
                    && p == path
                {
                    groups.extend_from_slice(g);
                } else {
                    out[w].push(split);
                }
            }
        }
        at += u.bytes;
    }
    Ok(out)
}

/// The edges one worker read, with original ids.
struct Read {
    src: IdColumn,
    dst: IdColumn,
    weight: Option<Vec<f64>>,
    /// Per split: edges read from it (to trace an edge row back to its file).
    rows: Vec<u64>,
    /// Column count of the first edge line of each text split with edges: (split, line in the
    /// split, columns).
    columns: Vec<(usize, u64, usize)>,
}

/// Reads this worker's share of `spec`'s graph, partitioned as `strategy` into `num_parts`
/// partitions (the partitioning the job will use: [`crate::algo::Common::shared_partitioning`]).
/// Collective: every worker of `cluster` calls it.
pub fn read(spec: &LoadSpec, cluster: &Cluster, strategy: Strategy, num_parts: u32) -> Result<Graph> {
    let format = spec.format();
    if !can_share(format) {
        return Err(Error::Internal(format!("{format:?} input is not read in shares")));
    }
    if num_parts == 0 || num_parts > 1 << 16 {
        return Err(Error::Config(format!("the number of partitions must be 1..=65536, got {num_parts}")));
    }
    let started = Instant::now();
    let (me, peers) = (cluster.index(), cluster.peers());
    // 1-2. Splits and reading (every worker plans; a planning error is the same everywhere).
    let mine = cluster.agree(plan(spec, peers).map(|mut p| p.swap_remove(me)))?;
    // An LDBC graph's properties say its direction and name its vertex file (opened once).
    let ldbc = match format {
        Format::Ldbc => Some(cluster.agree(ldbc::LdbcGraph::open(&spec.edges))?),
        _ => None,
    };
    let directed = ldbc.as_ref().map_or(spec.options.directed, |g| g.directed);
    let mut read = cluster.agree(read_splits(spec, &mine))?;
    let vertices = cluster.agree(read_vertices(spec, ldbc.as_ref()))?;
    check_columns(cluster, &mine, &read)?;
    // Weighted or not is the input's property: a worker that read no edges follows the others.
    let weighted = gather_u64(cluster, u64::from(read.weight.is_some()))?.contains(&1);
    let unweighted_edges = weighted && read.weight.is_none() && !read.src.is_empty();
    cluster.agree(if unweighted_edges {
        Err(Error::Input(format!(
            "{}: some of the input's files have a weight column and some do not",
            text::display(&spec.edges)
        )))
    } else {
        Ok(())
    })?;
    if weighted && read.weight.is_none() {
        read.weight = Some(Vec::new());
    }
    let counts = gather_u64(cluster, read.src.len() as u64)?;
    let input_edges: u64 = counts.iter().sum();
    if input_edges == 0 && format == Format::Snap {
        return Err(Error::Input(format!("{}: the input has no edges", text::display(&spec.edges))));
    }
    let first_ordinal: u64 = counts[..me].iter().sum();

    // 3. The dictionary.
    let Read { src, dst, weight, rows, .. } = read;
    let (dict, vertex_attrs) = match vertices {
        Some((ids, attrs)) => {
            // A worker that read no edges takes the vertex table's id type.
            let (src, dst) = match (&ids, src.is_empty()) {
                (IdColumn::Str(_), true) => (IdColumn::Str(Vec::new()), IdColumn::Str(Vec::new())),
                _ => (src, dst),
            };
            let dict = ids::build(Some(ids), src, dst).map_err(|e| match e {
                Error::Table { table: Table::Vertices, .. } => super::locate(e, spec),
                e => trace(e, spec, &mine, &rows),
            });
            (cluster.agree(dict)?, attrs)
        }
        None => (cooperative_dictionary(cluster, src, dst)?, None),
    };
    let ids_time = started.elapsed();

    // 4. Cleaning.
    let t = Instant::now();
    let mut edges = Edges::new(dict.src, dict.dst, weight, first_ordinal);
    let loops = if spec.options.drop_self_loops { edges.drop_self_loops() } else { 0 };
    let self_loops_removed = cluster.sum(loops)?;
    let mut duplicates_removed = 0;
    if spec.options.dedupe {
        let before = edges.len() as u64;
        edges = edges.shuffle(cluster, |s, d| pair_owner(s, d, directed, peers))?;
        edges.keep_first_of_pairs(directed);
        duplicates_removed = cluster.sum(before - edges.len() as u64)?;
    }
    let simplify_time = t.elapsed();

    // 5. Degrees and sharing out.
    let n = dict.ids.len();
    let degrees = whole_degrees(cluster, &edges, n)?;
    let total_edges = cluster.sum(edges.len() as u64)?;
    let parts = partition::assign(
        &dict.ids,
        &edges.src,
        &edges.dst,
        (strategy == Strategy::Dbh).then_some(&degrees),
        strategy,
        num_parts,
    );
    let mut edges = edges.shuffle_to(cluster, |e| parts[e] as usize % peers)?;
    edges.order_by_input(input_edges);
    let stats = BuildStats { input_edges, self_loops_removed, duplicates_removed, ids_time, simplify_time };
    let share =
        Share { total_edges, degrees, layout: partition::layout(strategy, num_parts), worker: me, workers: peers };
    let Edges { src, dst, weight, .. } = edges;
    Ok(Graph::from_share(dict.ids, src, dst, weight, directed, vertex_attrs, stats, share))
}

/// Every worker's `x`, by worker.
fn gather_u64(c: &Cluster, x: u64) -> Result<Vec<u64>> {
    let mut mine = Vec::new();
    x.put(&mut mine);
    c.all_gather(mine)?.iter().map(|b| decode_u64(b)).collect()
}

fn decode_u64(b: &[u8]) -> Result<u64> {
    u64::take(&mut &b[..]).ok_or_else(|| Error::Internal("cluster: a worker sent a malformed count".into()))
}

fn read_splits(spec: &LoadSpec, splits: &[Split]) -> Result<Read> {
    let mut src: Option<IdColumn> = None;
    let mut dst: Option<IdColumn> = None;
    let mut weight: Option<Vec<f64>> = None;
    let mut rows = Vec::new();
    let mut columns = Vec::new();
    for (i, split) in splits.iter().enumerate() {
        let (s, d, w) = match split {
            Split::Lines { path, start, end } => {
                let len = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
                let (a, b) = (text::line_start(path, *start, len)?, text::line_start(path, *end, len)?);
                let (list, first) = edgelist::read_edge_range(path, a, b, &spec.cancel)?;
                if let Some((line, n)) = first {
                    columns.push((i, line, n));
                }
                (list.src, list.dst, list.weight)
            }
            Split::File(path) if spec.format() == Format::Csv => {
                let batches = super::runtime()?
                    .block_on(table::read_csv(&table::context(), path, &spec.csv))
                    .map_err(|e| at_file(e, spec, path))?;
                table_columns(&batches, spec, path)?
            }
            Split::File(path) => {
                let (list, first) = edgelist::read_edge_file(path, &spec.cancel)?;
                if let Some((line, n)) = first {
                    columns.push((i, line, n));
                }
                (list.src, list.dst, list.weight)
            }
            Split::RowGroups { path, groups, first_row } => {
                let batches = read_row_groups(path, groups, spec)?;
                table_columns(&batches, spec, path).map_err(|e| match e {
                    Error::Table { row: Some(r), msg, .. } => {
                        Error::Input(format!("{}: row {}: {msg}", path.display(), first_row + r + 1))
                    }
                    other => other,
                })?
            }
        };
        let had_edges = rows.iter().any(|&r| r > 0);
        if !s.is_empty() {
            match (&mut weight, w) {
                (Some(all), Some(w)) => all.extend(w),
                (None, Some(w)) if !had_edges => weight = Some(w),
                (None, None) => {}
                _ => {
                    return Err(Error::Input(format!(
                        "{}: some of the input's files have a weight column and some do not",
                        split_path(split).display()
                    )));
                }
            }
        }
        rows.push(s.len() as u64);
        append(&mut src, s)?;
        append(&mut dst, d)?;
        if spec.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
    }
    let src = src.unwrap_or(IdColumn::Int(Vec::new()));
    let dst = dst.unwrap_or(IdColumn::Int(Vec::new()));
    Ok(Read { src, dst, weight, rows, columns })
}

fn split_path(s: &Split) -> &Path {
    match s {
        Split::Lines { path, .. } | Split::File(path) | Split::RowGroups { path, .. } => path,
    }
}

/// Appends `more` to `to`; ids of different types (integer, string) in one input are an error.
fn append(to: &mut Option<IdColumn>, more: IdColumn) -> Result<()> {
    match (to.as_mut(), more) {
        (None, m) => *to = Some(m),
        (Some(IdColumn::Int(a)), IdColumn::Int(b)) => a.extend(b),
        (Some(IdColumn::Str(a)), IdColumn::Str(b)) => a.extend(b),
        (Some(IdColumn::Int(a)), m) if a.is_empty() => *to = Some(m),
        (Some(_), m) if m.is_empty() => {}
        _ => {
            return Err(Error::Input(
                "the input's files disagree on the id type (integers in one, strings in another)".into(),
            ));
        }
    }
    Ok(())
}

/// An error about a row of one table file, named by that file.
fn at_file(e: Error, spec: &LoadSpec, path: &Path) -> Error {
    let mut one = spec.clone();
    one.edges = path.to_path_buf();
    one.vertices = None;
    super::locate(e, &one)
}

fn table_columns(
    batches: &[RecordBatch],
    spec: &LoadSpec,
    path: &Path,
) -> Result<(IdColumn, IdColumn, Option<Vec<f64>>)> {
    if batches.iter().all(|b| b.num_rows() == 0) {
        return Ok((IdColumn::Int(Vec::new()), IdColumn::Int(Vec::new()), None));
    }
    let batch = graph::concat(batches, Table::Edges)?;
    graph::edge_columns(&batch, &spec.options).map_err(|e| match e {
        Error::Table { row: Some(_), .. } if spec.format() == Format::Csv => at_file(e, spec, path),
        other => other,
    })
}

/// Row groups `groups` of a Parquet file, only the columns the graph needs.
fn read_row_groups(path: &Path, groups: &[usize], spec: &LoadSpec) -> Result<Vec<RecordBatch>> {
    use datafusion::parquet::arrow::ProjectionMask;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let bad = |e: &dyn std::fmt::Display| Error::Input(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad(&e))?;
    let o = &spec.options;
    let wanted: Vec<usize> = builder
        .schema()
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            let n = f.name().as_str();
            n == o.src_column || n == o.dst_column || o.weight_column.as_deref() == Some(n)
        })
        .map(|(i, _)| i)
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
    let reader = builder.with_row_groups(groups.to_vec()).with_projection(mask).build().map_err(|e| bad(&e))?;
    let mut out = Vec::new();
    for b in reader {
        if spec.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        out.push(b.map_err(|e| bad(&e))?);
    }
    Ok(out)
}

/// The vertex table, read whole (every worker needs every vertex): its ids and attributes.
/// `ldbc`: the LDBC graph the input is, whose `.v` file is the vertex table.
fn read_vertices(spec: &LoadSpec, ldbc: Option<&ldbc::LdbcGraph>) -> Result<Option<(IdColumn, Option<RecordBatch>)>> {
    if let Some(g) = ldbc {
        return Ok(Some((IdColumn::Int(edgelist::read_vertex_ids(&g.vertex_file, &spec.cancel)?), None)));
    }
    let Some(v) = &spec.vertices else { return Ok(None) };
    match spec.format() {
        Format::Csv | Format::Parquet => {
            let batches = super::runtime()?.block_on(super::read_table(spec, &table::context(), v))?;
            let (ids, attrs) = graph::vertex_columns(&batches, &spec.options).map_err(|e| super::locate(e, spec))?;
            Ok(Some((ids, attrs)))
        }
        _ => Ok(Some((IdColumn::Int(super::text_vertex_ids(v, &spec.cancel)?), None))),
    }
}

/// Checks that every text split has the column count of the input's first edge line (the
/// single-process reader's rule), naming the first line that differs.
fn check_columns(c: &Cluster, mine: &[Split], read: &Read) -> Result<()> {
    let my_first = read.columns.first().map_or(0u64, |&(_, _, n)| n as u64);
    let firsts = gather_u64(c, my_first)?;
    let Some(&expect) = firsts.iter().find(|&&n| n > 0) else { return Ok(()) };
    let wrong = read.columns.iter().find(|&&(_, _, n)| n as u64 != expect).copied();
    let r = match wrong {
        None => Ok(()),
        Some((i, line, n)) => {
            let (path, before) = match &mine[i] {
                Split::Lines { path, start, .. } => {
                    let len = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
                    (path.clone(), text::lines_before(path, text::line_start(path, *start, len)?)?)
                }
                Split::File(p) | Split::RowGroups { path: p, .. } => (p.clone(), 0),
            };
            Err(Error::parse(
                &path,
                line + before,
                format!("expected {expect} columns as the input's first edge line, found {n}"),
            ))
        }
    };
    c.agree(r)
}

/// The dictionary of the whole input, built cooperatively: each worker maps its edges to its
/// own ascending distinct ids (the single-process dictionary's code: a direct table where ids
/// are compact), the workers' distinct ids are gathered and merged, and each worker renumbers
/// its edges into the merged, ascending dictionary — the one a single process would build.
fn cooperative_dictionary(c: &Cluster, src: IdColumn, dst: IdColumn) -> Result<ids::Dictionary> {
    let kind = match src {
        IdColumn::Int(_) if src.is_empty() => 0u8,
        IdColumn::Int(_) => 1,
        IdColumn::Str(_) => 2,
    };
    let kinds: Vec<u8> = c.all_gather(vec![kind])?.iter().map(|b| b.first().copied().unwrap_or(0)).collect();
    if kinds.contains(&1) && kinds.contains(&2) {
        return Err(Error::Input(
            "the input's files disagree on the id type (integers in one, strings in another)".into(),
        ));
    }
    // A worker that read no edges takes the others' id type.
    let (src, dst) = if kind == 0 && kinds.contains(&2) {
        (IdColumn::Str(Vec::new()), IdColumn::Str(Vec::new()))
    } else {
        (src, dst)
    };
    // Too many distinct ids on one worker is an error for every worker.
    let local = c.agree(ids::build(None, src, dst))?;
    let mut bytes = Vec::new();
    match &local.ids {
        VertexIds::Int(v) => crate::checkpoint::put_slice(v, &mut bytes),
        VertexIds::Str(v) => crate::checkpoint::put_slice(v, &mut bytes),
    }
    let got = c.all_gather(bytes)?;
    // Local index -> index in the merged dictionary (both ascending, and the merged list holds
    // every local id: a binary search each finds it).
    fn renumber<T: Ord + Sync>(local: &[T], global: &[T]) -> Vec<u32> {
        local.par_iter().map(|x| global.binary_search(x).unwrap_or(0) as u32).collect()
    }
    let (ids, to_global) = match &local.ids {
        VertexIds::Int(v) => {
            let global: Vec<i64> = merged(&got)?;
            let map = renumber(v, &global);
            (VertexIds::Int(std::sync::Arc::new(global)), map)
        }
        VertexIds::Str(v) => {
            let global: Vec<String> = merged(&got)?;
            let map = renumber(v, &global);
            (VertexIds::Str(std::sync::Arc::new(global)), map)
        }
    };
    ids::check_count(ids.len())?;
    let map = |col: &[u32]| -> Vec<u32> { col.par_iter().map(|&v| to_global[v as usize]).collect() };
    let (src, dst) = rayon::join(|| map(&local.src), || map(&local.dst));
    Ok(ids::Dictionary { ids, src, dst })
}

/// The workers' encoded id lists, merged: ascending and distinct.
fn merged<T: State + Ord + Send>(got: &[Vec<u8>]) -> Result<Vec<T>> {
    let mut all: Vec<T> = Vec::new();
    for b in got {
        let ids = Vec::<T>::take(&mut b.as_slice())
            .ok_or_else(|| Error::Internal("cluster: a worker's ids did not decode".into()))?;
        all.extend(ids);
    }
    all.par_sort_unstable();
    all.dedup();
    Ok(all)
}

/// Maps an error about this worker's edge row `row` (in reading order) to its split, so that
/// [`super::locate`] (which traces rows of the whole input) can name the file and line.
fn trace(e: Error, spec: &LoadSpec, mine: &[Split], rows: &[u64]) -> Error {
    let Error::Table { table: Table::Edges, row: Some(row), msg, .. } = e else { return e };
    let mut left = row;
    for (split, &n) in mine.iter().zip(rows) {
        if left >= n {
            left -= n;
            continue;
        }
        return match split {
            Split::Lines { path, start, .. } => match nth_edge_line(path, *start, left) {
                Some(line) => Error::Parse { path: path.clone(), line, msg },
                None => Error::Input(format!("{}: {msg}", path.display())),
            },
            Split::File(path) => {
                at_file(Error::Table { table: Table::Edges, row: Some(left), also: None, msg }, spec, path)
            }
            Split::RowGroups { path, first_row, .. } => {
                Error::Input(format!("{}: row {}: {msg}", path.display(), first_row + left + 1))
            }
        };
    }
    Error::Input(msg)
}

/// The file line of edge line `k` (0-based; blank and comment lines skipped) of the split of
/// `path` starting at byte `start` (error path only).
fn nth_edge_line(path: &Path, start: u64, k: u64) -> Option<u64> {
    let len = std::fs::metadata(path).ok()?.len();
    let a = text::line_start(path, start, len).ok()?;
    let before = text::lines_before(path, a).ok()?;
    let mut r = text::TextReader::open_range(path, a, len).ok()?.after_lines(before);
    let mut left = k;
    while let Ok(Some((line, t))) = r.next_line() {
        if t.trim().is_empty() || t.starts_with('#') {
            continue;
        }
        if left == 0 {
            return Some(line);
        }
        left -= 1;
    }
    None
}

/// The worker that collects every copy of the endpoint pair (unordered when undirected).
fn pair_owner(s: u32, d: u32, directed: bool, peers: usize) -> usize {
    let key = graph::pair_key(s, d, directed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((key >> 32) % peers as u64) as usize
}

/// A worker's edges in dense ids, each with its position in the input (`ordinal`).
struct Edges {
    src: Vec<u32>,
    dst: Vec<u32>,
    weight: Option<Vec<f64>>,
    ordinal: Vec<u64>,
}

impl Edges {
    fn new(src: Vec<u32>, dst: Vec<u32>, weight: Option<Vec<f64>>, first: u64) -> Self {
        let ordinal = (first..first + src.len() as u64).collect();
        Edges { src, dst, weight, ordinal }
    }
    fn len(&self) -> usize {
        self.src.len()
    }
    fn keep(&mut self, keep: &[u32]) {
        let pick32 = |v: &[u32]| keep.par_iter().map(|&e| v[e as usize]).collect::<Vec<u32>>();
        (self.src, self.dst) = rayon::join(|| pick32(&self.src), || pick32(&self.dst));
        self.ordinal = keep.par_iter().map(|&e| self.ordinal[e as usize]).collect();
        if let Some(w) = &self.weight {
            self.weight = Some(keep.par_iter().map(|&e| w[e as usize]).collect());
        }
    }
    /// Drops self-loops in place (no copy of the arrays); returns how many.
    fn drop_self_loops(&mut self) -> u64 {
        let m = self.len();
        let mut at = 0;
        for e in 0..m {
            if self.src[e] != self.dst[e] {
                self.src[at] = self.src[e];
                self.dst[at] = self.dst[e];
                self.ordinal[at] = self.ordinal[e];
                if let Some(w) = &mut self.weight {
                    w[at] = w[e];
                }
                at += 1;
            }
        }
        self.src.truncate(at);
        self.dst.truncate(at);
        self.ordinal.truncate(at);
        if let Some(w) = &mut self.weight {
            w.truncate(at);
        }
        (m - at) as u64
    }
    /// Keeps one edge per endpoint pair (all copies of a pair are here): the smallest weight,
    /// then the earliest in the input, as `Graph`'s simplification does (sorting (pair, edge)
    /// records the same way). The kept edges are left in pair order: the edges are put in input
    /// order once they reach their partition's worker.
    fn keep_first_of_pairs(&mut self, directed: bool) {
        let (src, dst, w, ord) = (&self.src, &self.dst, self.weight.as_deref(), &self.ordinal);
        let recs: Vec<(u64, u32)> =
            (0..self.len()).into_par_iter().map(|e| (graph::pair_key(src[e], dst[e], directed), e as u32)).collect();
        let recs = crate::sort::par_sort_by_key_then(
            recs,
            |r| r.0,
            |x, y| {
                let (i, j) = (x.1 as usize, y.1 as usize);
                x.0.cmp(&y.0).then_with(|| match w {
                    Some(w) => w[i].total_cmp(&w[j]).then(ord[i].cmp(&ord[j])),
                    None => ord[i].cmp(&ord[j]),
                })
            },
        );
        let firsts: Vec<u32> = (0..recs.len())
            .into_par_iter()
            .filter(|&i| i == 0 || recs[i - 1].0 != recs[i].0)
            .map(|i| recs[i].1)
            .collect();
        drop(recs);
        if firsts.len() < self.len() {
            self.keep(&firsts);
        }
    }
    /// Orders the edges by their position in the input (`total`: the input's edge count, which
    /// bounds the positions). The positions are distinct, so each edge's place is the number of
    /// this worker's positions below its own: a bitmap over the input's positions and a prefix
    /// count per word give it, and the arrays are scattered into place one at a time (no sort,
    /// no records: a bit per input edge and 4 bytes per edge besides the arrays).
    fn order_by_input(&mut self, total: u64) {
        if self.ordinal.par_windows(2).all(|w| w[0] < w[1]) {
            return;
        }
        let words = total.div_ceil(64) as usize;
        let mut bits = vec![0u64; words];
        for &o in &self.ordinal {
            bits[(o / 64) as usize] |= 1 << (o % 64);
        }
        let mut before = Vec::with_capacity(words);
        let mut acc = 0u32;
        for w in &bits {
            before.push(acc);
            acc += w.count_ones();
        }
        let place: Vec<u32> = self
            .ordinal
            .par_iter()
            .map(|&o| {
                let (w, b) = ((o / 64) as usize, o % 64);
                before[w] + (bits[w] & ((1u64 << b) - 1)).count_ones()
            })
            .collect();
        drop((bits, before));
        fn scatter<T: Copy + Default>(v: &mut Vec<T>, place: &[u32]) {
            let mut out = vec![T::default(); v.len()];
            for (&x, &p) in v.iter().zip(place) {
                out[p as usize] = x;
            }
            *v = out;
        }
        scatter(&mut self.src, &place);
        scatter(&mut self.dst, &place);
        scatter(&mut self.ordinal, &place);
        if let Some(w) = &mut self.weight {
            scatter(w, &place);
        }
    }
    /// Sends each edge to the worker `to(src, dst)`; returns the edges this worker received.
    fn shuffle(self, c: &Cluster, to: impl Fn(u32, u32) -> usize + Sync) -> Result<Edges> {
        let (src, dst) = (&self.src, &self.dst);
        let by_dest = group(c.peers(), self.len(), |e| to(src[e], dst[e]));
        self.send(c, by_dest)
    }
    /// Sends edge `e` to worker `to(e)`.
    fn shuffle_to(self, c: &Cluster, to: impl Fn(usize) -> usize + Sync) -> Result<Edges> {
        let by_dest = group(c.peers(), self.len(), to);
        self.send(c, by_dest)
    }
    /// The exchange: records of (ordinal, src, dst[, weight]) in [`State`]'s encoding,
    /// `by_dest[w]` to worker `w`, in
    /// rounds of at most [`ROUND_BYTES`] per destination (memory stays at the edges sent, the
    /// edges received and one round's buffers); received edges in sender order.
    fn send(self, c: &Cluster, by_dest: Vec<Vec<u32>>) -> Result<Edges> {
        let has_w = self.weight.is_some();
        let rec = 16 + if has_w { 8 } else { 0 };
        let per_round = (ROUND_BYTES / rec).max(1);
        // How many edges arrive: the received arrays are allocated once, at their size.
        let counts: Vec<Vec<u8>> = by_dest
            .iter()
            .map(|v| {
                let mut b = Vec::new();
                (v.len() as u64).put(&mut b);
                b
            })
            .collect();
        let incoming = c.exchange(counts)?.iter().map(|b| decode_u64(b)).sum::<Result<u64>>()?;
        let my_rounds = by_dest.iter().map(|v| v.len().div_ceil(per_round)).max().unwrap_or(0) as u64;
        let rounds = gather_u64(c, my_rounds)?.into_iter().max().unwrap_or(0);
        let k = incoming as usize;
        let mut out = Edges {
            src: Vec::with_capacity(k),
            dst: Vec::with_capacity(k),
            weight: has_w.then(|| Vec::with_capacity(k)),
            ordinal: Vec::with_capacity(k),
        };
        for round in 0..rounds as usize {
            let bufs: Vec<Vec<u8>> = by_dest
                .par_iter()
                .map(|edges| {
                    let lo = (round * per_round).min(edges.len());
                    let hi = ((round + 1) * per_round).min(edges.len());
                    let mut b = Vec::with_capacity((hi - lo) * rec);
                    for &e in &edges[lo..hi] {
                        let e = e as usize;
                        self.ordinal[e].put(&mut b);
                        self.src[e].put(&mut b);
                        self.dst[e].put(&mut b);
                        if let Some(w) = &self.weight {
                            w[e].put(&mut b);
                        }
                    }
                    b
                })
                .collect();
            for b in c.exchange(bufs)? {
                let partial = || Error::Internal("cluster: a worker sent a partial edge record".into());
                let mut at: &[u8] = &b;
                while !at.is_empty() {
                    out.ordinal.push(u64::take(&mut at).ok_or_else(partial)?);
                    out.src.push(u32::take(&mut at).ok_or_else(partial)?);
                    out.dst.push(u32::take(&mut at).ok_or_else(partial)?);
                    if let Some(w) = &mut out.weight {
                        w.push(f64::take(&mut at).ok_or_else(partial)?);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Edge indices `0..m` grouped by the worker `to(e)` each goes to, in edge order within a
/// group (a counting sort: two passes, no per-edge allocation).
fn group(peers: usize, m: usize, to: impl Fn(usize) -> usize + Sync) -> Vec<Vec<u32>> {
    let dest: Vec<u32> = (0..m).into_par_iter().map(|e| to(e) as u32).collect();
    let mut sizes = vec![0usize; peers];
    for &d in &dest {
        sizes[d as usize] += 1;
    }
    let mut by_dest: Vec<Vec<u32>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (e, &d) in dest.iter().enumerate() {
        by_dest[d as usize].push(e as u32);
    }
    by_dest
}

/// The whole graph's out- and in-degrees (each worker counts its edges; the counts are summed).
fn whole_degrees(c: &Cluster, edges: &Edges, n: usize) -> Result<(Vec<u32>, Vec<u32>)> {
    let mut counts = vec![0u64; 2 * n];
    for (&s, &d) in edges.src.iter().zip(&edges.dst) {
        counts[s as usize] += 1;
        counts[n + d as usize] += 1;
    }
    let sums = c.sum_many(&counts)?;
    let to32 = |v: &[u64]| -> Result<Vec<u32>> {
        v.iter()
            .map(|&x| u32::try_from(x).map_err(|_| Error::Input("a vertex has more than 2^32 edges".into())))
            .collect()
    };
    Ok((to32(&sums[..n])?, to32(&sums[n..])?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_splits_hold_every_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.txt");
        let mut body = String::from("# comment\n");
        for i in 0..500 {
            body.push_str(&format!("{} {}\n", i, (i * 7919) % 1000));
        }
        body.push_str("7 8"); // no final newline
        std::fs::write(&path, &body).unwrap();
        let spec = LoadSpec::new(&path);
        for workers in [1, 2, 3, 7, 64] {
            let plan = plan(&spec, workers).unwrap();
            assert_eq!(plan.len(), workers);
            let mut src = Vec::new();
            for splits in &plan {
                for s in splits {
                    let Split::Lines { path, start, end } = s else { panic!("{s:?}") };
                    let len = body.len() as u64;
                    let (a, b) =
                        (text::line_start(path, *start, len).unwrap(), text::line_start(path, *end, len).unwrap());
                    let (list, _) = edgelist::read_edge_range(path, a, b, &Default::default()).unwrap();
                    let IdColumn::Int(s) = list.src else { panic!() };
                    src.extend(s);
                }
            }
            let mut expect: Vec<i64> = (0..500).collect();
            expect.push(7);
            assert_eq!(src, expect, "{workers} workers");
        }
    }

    #[test]
    fn edges_return_to_input_order_and_pairs_keep_their_first() {
        // Positions across word boundaries of the bitmap (63, 64, 127, 128), shuffled.
        let ord = vec![128u64, 5, 64, 63, 200, 127, 0];
        let m = ord.len() as u32;
        let mut e = Edges {
            src: (0..m).collect(),
            dst: (0..m).map(|i| i + 1).collect(),
            weight: Some(ord.iter().map(|&o| o as f64).collect()),
            ordinal: ord.clone(),
        };
        e.order_by_input(201);
        let mut sorted = ord.clone();
        sorted.sort();
        assert_eq!(e.ordinal, sorted);
        for i in 0..e.len() {
            // Every array moved with its edge.
            assert_eq!(e.weight.as_ref().unwrap()[i], e.ordinal[i] as f64);
            assert_eq!(e.dst[i], e.src[i] + 1);
        }
        // Parallel edges (undirected: both orientations): the smallest weight, then the earliest.
        let mut e = Edges {
            src: vec![1, 2, 1, 3, 1],
            dst: vec![2, 1, 2, 3, 2],
            weight: Some(vec![5.0, 2.0, 2.0, 1.0, 9.0]),
            ordinal: vec![10, 11, 3, 4, 0],
        };
        e.keep_first_of_pairs(false);
        e.order_by_input(12);
        assert_eq!(e.ordinal, vec![3, 4]);
    }

    #[test]
    fn errors_in_a_later_split_name_the_files_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.txt");
        let mut body = String::new();
        for i in 0..300 {
            body.push_str(&format!("{i} {}\n", i + 1));
        }
        body.push_str("5 x\n");
        std::fs::write(&path, &body).unwrap();
        let len = body.len() as u64;
        let a = text::line_start(&path, len / 2, len).unwrap();
        let err = edgelist::read_edge_range(&path, a, len, &Default::default()).err().unwrap();
        assert!(err.to_string().contains(":301:"), "{err}");
    }
}
