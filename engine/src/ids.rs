//! The vertex-id dictionary: original ids (64-bit integers or strings) <-> dense `u32` indices.
//!
//! Invariants: dense indices are `0..n` with `n < u32::MAX`; `ids[i]` is the original id of
//! index `i`; without a vertex table the indices follow the ascending order of the ids, so the
//! mapping is deterministic. Integer ids that span a compact range are mapped through a direct
//! table (one array lookup per endpoint); other ids by binary search in the sorted distinct ids.
//! No hash map is touched per edge. All passes are parallel (rayon).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use rayon::prelude::*;

use crate::error::{Error, Result, Table};

/// The original ids of a graph's vertices, indexed by dense vertex index.
#[derive(Debug, Clone)]
pub enum VertexIds {
    Int(Arc<Vec<i64>>),
    Str(Arc<Vec<String>>),
}

impl VertexIds {
    pub fn len(&self) -> usize {
        match self {
            VertexIds::Int(v) => v.len(),
            VertexIds::Str(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The id of dense index `v` as text (for messages and LDBC output).
    pub fn display(&self, v: u32) -> String {
        match self {
            VertexIds::Int(ids) => ids[v as usize].to_string(),
            VertexIds::Str(ids) => ids[v as usize].clone(),
        }
    }
    /// A 64-bit key per vertex for hash-based partitioners: the id itself for integer ids,
    /// the dense index for string ids.
    pub fn partition_key(&self, v: u32) -> i64 {
        match self {
            VertexIds::Int(ids) => ids[v as usize],
            VertexIds::Str(_) => v as i64,
        }
    }
    /// The Arrow type of [`VertexIds::to_array`].
    pub fn data_type(&self) -> datafusion::arrow::datatypes::DataType {
        match self {
            VertexIds::Int(_) => datafusion::arrow::datatypes::DataType::Int64,
            VertexIds::Str(_) => datafusion::arrow::datatypes::DataType::Utf8,
        }
    }
    /// The ids as an Arrow array (column `id` of result DataFrames).
    pub fn to_array(&self) -> ArrayRef {
        match self {
            VertexIds::Int(ids) => Arc::new(Int64Array::from(ids.as_ref().clone())),
            VertexIds::Str(ids) => Arc::new(StringArray::from_iter_values(ids.iter())),
        }
    }
    /// Dense index of an original id given as text (a CLI `--source 42`), if present.
    pub fn lookup_text(&self, text: &str) -> Option<u32> {
        match self {
            VertexIds::Int(ids) => {
                let x: i64 = text.trim().parse().ok()?;
                position_of(ids, &x)
            }
            VertexIds::Str(ids) => position_of(ids, &text.to_string()),
        }
    }
}

fn position_of<T: Ord + Sync>(ids: &[T], x: &T) -> Option<u32> {
    // Ids need not be sorted when they come from a vertex table: fall back to a scan.
    if ids.windows(2).all(|w| w[0] < w[1]) {
        ids.binary_search(x).ok().map(|i| i as u32)
    } else {
        ids.par_iter().position_first(|y| y == x).map(|i| i as u32)
    }
}

/// Endpoint ids of the edges, before mapping.
#[derive(Debug, Clone)]
pub enum IdColumn {
    Int(Vec<i64>),
    Str(Vec<String>),
}

impl IdColumn {
    pub fn len(&self) -> usize {
        match self {
            IdColumn::Int(v) => v.len(),
            IdColumn::Str(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Reads an Arrow id column (Int8..Int64, UInt8..UInt64, Utf8, LargeUtf8, Utf8View, and
    /// dictionary-encoded columns of those, as pandas writes a categorical column).
    /// `column` names the column of `table` in errors.
    pub fn from_array(array: &dyn Array, table: Table, column: &str) -> Result<Self> {
        use datafusion::arrow::compute::cast;
        use datafusion::arrow::datatypes::DataType;
        let what = &format!("{table} column `{column}`");
        if let DataType::Dictionary(_, value) = array.data_type() {
            let decoded = cast(array, value).map_err(|e| Error::arrow(what, e))?;
            return IdColumn::from_array(decoded.as_ref(), table, column);
        }
        if array.null_count() > 0 {
            let row = (0..array.len()).find(|&i| array.is_null(i)).unwrap_or(0);
            return Err(Error::row(table, row, format!("null id in column `{column}`")));
        }
        match array.data_type() {
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => {
                let a = cast(array, &DataType::Int64).map_err(|e| Error::arrow(what, e))?;
                let a = a
                    .as_any()
                    .downcast_ref::<Int64Array>()
                    .ok_or_else(|| Error::Internal("cast to Int64 did not give an Int64Array".into()))?;
                Ok(IdColumn::Int(a.values().to_vec()))
            }
            DataType::UInt64 => {
                let a = array
                    .as_any()
                    .downcast_ref::<datafusion::arrow::array::UInt64Array>()
                    .ok_or_else(|| Error::Internal("UInt64 column is not a UInt64Array".into()))?;
                let mut out = Vec::with_capacity(a.len());
                for (i, &x) in a.values().iter().enumerate() {
                    out.push(i64::try_from(x).map_err(|_| {
                        Error::row(
                            table,
                            i,
                            format!("id {x} in column `{column}` does not fit in a 64-bit signed integer"),
                        )
                    })?);
                }
                Ok(IdColumn::Int(out))
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                let a = cast(array, &DataType::Utf8).map_err(|e| Error::arrow(what, e))?;
                let a = a
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .ok_or_else(|| Error::Internal("cast to Utf8 did not give a StringArray".into()))?;
                Ok(IdColumn::Str(a.iter().map(|s| s.unwrap_or_default().to_string()).collect()))
            }
            other => Err(Error::table(table, format!("{what}: ids must be integers or strings, found type {other}"))),
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            IdColumn::Int(_) => "integer",
            IdColumn::Str(_) => "string",
        }
    }
}

/// The Arrow type Ember gives an id column of type `t`: Int64 for integers, Utf8 for strings
/// (dictionary-encoded ones by their values); `None` for a type ids cannot have.
pub fn id_data_type(t: &datafusion::arrow::datatypes::DataType) -> Option<datafusion::arrow::datatypes::DataType> {
    use datafusion::arrow::datatypes::DataType;
    match t {
        DataType::Dictionary(_, v) => id_data_type(v),
        t if t.is_integer() => Some(DataType::Int64),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(DataType::Utf8),
        _ => None,
    }
}

/// The result of building a dictionary: the vertex ids and the dense endpoints.
#[derive(Debug)]
pub struct Dictionary {
    pub ids: VertexIds,
    pub src: Vec<u32>,
    pub dst: Vec<u32>,
}

const MAX_VERTICES: usize = u32::MAX as usize - 1;

/// Builds the dictionary. With `vertices`, dense index `i` is row `i` of the vertex table and
/// every endpoint must occur there (else an error naming the first offending edge's id); the
/// vertex table must not repeat an id. Without it, the vertices are the distinct endpoints.
pub fn build(vertices: Option<IdColumn>, src: IdColumn, dst: IdColumn) -> Result<Dictionary> {
    if src.len() != dst.len() {
        return Err(Error::Internal("src and dst columns differ in length".into()));
    }
    match (vertices, src, dst) {
        (None, IdColumn::Int(s), IdColumn::Int(d)) => build_int_from_edges(s, d),
        (None, IdColumn::Str(s), IdColumn::Str(d)) => build_str(None, s, d),
        (Some(IdColumn::Int(v)), IdColumn::Int(s), IdColumn::Int(d)) => build_int_with_table(v, s, d),
        (Some(IdColumn::Str(v)), IdColumn::Str(s), IdColumn::Str(d)) => build_str(Some(v), s, d),
        (v, s, d) => Err(Error::Input(format!(
            "vertex ids must have one type: vertices are {}, src is {}, dst is {}",
            v.as_ref().map(|v| v.kind()).unwrap_or("absent"),
            s.kind(),
            d.kind()
        ))),
    }
}

pub(crate) fn check_count(n: usize) -> Result<()> {
    if n > MAX_VERTICES {
        return Err(Error::Input(format!(
            "{n} vertices exceed the engine's limit of {MAX_VERTICES} (dense u32 indices)"
        )));
    }
    Ok(())
}

/// A direct table is used when the id range is at most this many times the endpoint count.
const DIRECT_RANGE_FACTOR: u64 = 4;

fn build_int_from_edges(src: Vec<i64>, dst: Vec<i64>) -> Result<Dictionary> {
    let m = src.len();
    if m == 0 {
        return Ok(Dictionary { ids: VertexIds::Int(Arc::new(Vec::new())), src: vec![], dst: vec![] });
    }
    let (lo, hi) = src
        .par_iter()
        .chain(dst.par_iter())
        .fold(|| (i64::MAX, i64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)))
        .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let range = (hi as i128 - lo as i128 + 1) as u128;
    if range <= (2 * m as u128 + 1024) * DIRECT_RANGE_FACTOR as u128 && range < u32::MAX as u128 {
        // Direct table: mark present ids, prefix-sum to dense indices (ascending id order).
        let range = range as usize;
        use std::sync::atomic::{AtomicU32, Ordering};
        let marks: Vec<AtomicU32> = (0..range).into_par_iter().map(|_| AtomicU32::new(0)).collect();
        src.par_iter().chain(dst.par_iter()).for_each(|&x| marks[(x - lo) as usize].store(1, Ordering::Relaxed));
        let mut present: Vec<u32> = marks.into_par_iter().map(AtomicU32::into_inner).collect();
        let mut ids = Vec::new();
        let mut next = 0u32;
        for (off, slot) in present.iter_mut().enumerate() {
            if *slot != 0 {
                *slot = next;
                next += 1;
                ids.push(lo + off as i64);
            } else {
                *slot = u32::MAX;
            }
        }
        check_count(ids.len())?;
        let map = |col: &[i64]| -> Vec<u32> { col.par_iter().map(|&x| present[(x - lo) as usize]).collect() };
        let (s, d) = rayon::join(|| map(&src), || map(&dst));
        return Ok(Dictionary { ids: VertexIds::Int(Arc::new(ids)), src: s, dst: d });
    }
    let mut ids: Vec<i64> = Vec::with_capacity(2 * m);
    ids.par_extend(src.par_iter().copied());
    ids.par_extend(dst.par_iter().copied());
    ids.par_sort_unstable();
    ids.dedup();
    check_count(ids.len())?;
    let map = |col: &[i64]| -> Vec<u32> {
        // Every endpoint is in `ids` by construction.
        col.par_iter().map(|x| ids.binary_search(x).unwrap_or(0) as u32).collect()
    };
    let (s, d) = rayon::join(|| map(&src), || map(&dst));
    Ok(Dictionary { ids: VertexIds::Int(Arc::new(ids)), src: s, dst: d })
}

/// Sorted (id, row) pairs of a vertex table; errors on a repeated id.
fn sorted_table<T: Ord + Clone + Send + Sync + std::fmt::Display>(v: &[T]) -> Result<Vec<(T, u32)>> {
    check_count(v.len())?;
    let mut pairs: Vec<(T, u32)> = v.par_iter().cloned().enumerate().map(|(i, x)| (x, i as u32)).collect();
    pairs.par_sort_unstable();
    // Sorted by (id, row): the first of a repeated pair is the earlier row.
    if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::Table {
            table: Table::Vertices,
            row: Some(u64::from(w[1].1)),
            also: Some(u64::from(w[0].1)),
            msg: format!("vertex id {} appears twice", w[0].0),
        });
    }
    Ok(pairs)
}

fn map_with_table<T: Ord + Sync + std::fmt::Display>(
    table: &[(T, u32)],
    src: &[T],
    dst: &[T],
) -> Result<(Vec<u32>, Vec<u32>)> {
    map_ids(src, dst, |x| table.binary_search_by(|(y, _)| y.cmp(x)).ok().map(|p| table[p].1))
}

/// Maps both endpoint columns through `find` (the vertex row of an id); an id `find` does not
/// know is an error naming the first such edge row.
fn map_ids<T: Sync + std::fmt::Display>(
    src: &[T],
    dst: &[T],
    find: impl Fn(&T) -> Option<u32> + Sync,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let map = |col: &[T]| -> Vec<u32> { col.par_iter().map(|x| find(x).unwrap_or(u32::MAX)).collect() };
    let (s, d) = rayon::join(|| map(src), || map(dst));
    // `any` first: rayon's `position_first` costs ~5 ns per element even when nothing matches.
    let bad =
        |c: &[u32]| if c.par_iter().any(|&x| x == u32::MAX) { c.iter().position(|&x| x == u32::MAX) } else { None };
    let (bad_s, bad_d) = (bad(&s), bad(&d));
    let first = match (bad_s, bad_d) {
        (Some(a), Some(b)) if b < a => Some((b, &dst[b], "dst")),
        (Some(a), _) => Some((a, &src[a], "src")),
        (None, Some(b)) => Some((b, &dst[b], "dst")),
        (None, None) => None,
    };
    if let Some((row, id, col)) = first {
        return Err(Error::row(Table::Edges, row, format!("{col} id {id} is not in the vertex table")));
    }
    Ok((s, d))
}

/// Integer ids with a vertex table. When the table's ids span a range at most
/// [`DIRECT_RANGE_FACTOR`] times its length (ids 0..n, as generators and most exports give), a
/// direct slot per id replaces the sorted table: one array read per endpoint instead of a binary
/// search (20 cache misses each at a million vertices).
fn build_int_with_table(v: Vec<i64>, src: Vec<i64>, dst: Vec<i64>) -> Result<Dictionary> {
    check_count(v.len())?;
    let (lo, hi) = v
        .par_iter()
        .fold(|| (i64::MAX, i64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)))
        .reduce(|| (i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let range = (hi as i128 - lo as i128 + 1).max(0) as u128;
    if !v.is_empty() && range <= (v.len() as u128 + 1024) * DIRECT_RANGE_FACTOR as u128 {
        let mut slot = vec![u32::MAX; range as usize];
        for (row, &x) in v.iter().enumerate() {
            let s = &mut slot[(x - lo) as usize];
            if *s != u32::MAX {
                return Err(Error::Table {
                    table: Table::Vertices,
                    row: Some(row as u64),
                    also: Some(u64::from(*s)),
                    msg: format!("vertex id {x} appears twice"),
                });
            }
            // `check_count` above: every row fits in u32 below u32::MAX.
            *s = row as u32;
        }
        let (s, d) = map_ids(&src, &dst, |&x| {
            if x < lo || x > hi { None } else { Some(slot[(x - lo) as usize]).filter(|&r| r != u32::MAX) }
        })?;
        return Ok(Dictionary { ids: VertexIds::Int(Arc::new(v)), src: s, dst: d });
    }
    let table = sorted_table(&v)?;
    let (s, d) = map_with_table(&table, &src, &dst)?;
    Ok(Dictionary { ids: VertexIds::Int(Arc::new(v)), src: s, dst: d })
}

fn build_str(vertices: Option<Vec<String>>, src: Vec<String>, dst: Vec<String>) -> Result<Dictionary> {
    let v = match vertices {
        Some(v) => v,
        None => {
            let mut all: Vec<&String> = src.par_iter().chain(dst.par_iter()).collect();
            all.par_sort_unstable();
            all.dedup();
            all.into_iter().cloned().collect()
        }
    };
    let table = sorted_table(&v)?;
    let (s, d) = map_with_table(&table, &src, &dst)?;
    Ok(Dictionary { ids: VertexIds::Str(Arc::new(v)), src: s, dst: d })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_ids_follow_ascending_order_direct_and_sorted_paths() {
        for (s, d) in [(vec![10, 12, 10], vec![12, 11, 15]), (vec![1 << 40, 5, -3], vec![5, 1 << 40, 7])] {
            let dict = build(None, IdColumn::Int(s.clone()), IdColumn::Int(d.clone())).unwrap();
            let VertexIds::Int(ids) = &dict.ids else { panic!() };
            let mut expect: Vec<i64> = s.iter().chain(d.iter()).copied().collect();
            expect.sort();
            expect.dedup();
            assert_eq!(ids.as_ref(), &expect);
            for (i, &x) in s.iter().enumerate() {
                assert_eq!(ids[dict.src[i] as usize], x);
                assert_eq!(ids[dict.dst[i] as usize], d[i]);
            }
        }
    }

    #[test]
    fn missing_endpoint_is_named() {
        let err =
            build(Some(IdColumn::Int(vec![1, 2])), IdColumn::Int(vec![1, 2]), IdColumn::Int(vec![2, 9])).unwrap_err();
        assert_eq!(err.to_string(), "edge table row 2: dst id 9 is not in the vertex table");
    }

    #[test]
    fn repeated_vertex_is_an_error() {
        let err = build(
            Some(IdColumn::Str(vec!["a".into(), "b".into(), "a".into()])),
            IdColumn::Str(vec![]),
            IdColumn::Str(vec![]),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "vertex table row 3: vertex id a appears twice (also row 1)");
    }

    #[test]
    fn int_vertex_tables_direct_and_sorted_agree() {
        // Dense ids (a direct slot per id) and sparse ids (the sorted table), the same answers
        // and errors: rows in table order, endpoints mapped to rows, unknown ids named.
        for base in [0i64, 1 << 40] {
            let spread = if base == 0 { 1 } else { 1 << 20 };
            let v: Vec<i64> = [3, 0, 2, 1].iter().map(|&x| base + x * spread).collect();
            let at = |k: i64| base + k * spread;
            let dict = build(
                Some(IdColumn::Int(v.clone())),
                IdColumn::Int(vec![at(0), at(2)]),
                IdColumn::Int(vec![at(3), at(1)]),
            )
            .unwrap();
            assert_eq!((dict.src, dict.dst), (vec![1, 2], vec![0, 3]), "base {base}");
            let err = build(Some(IdColumn::Int(v.clone())), IdColumn::Int(vec![at(0)]), IdColumn::Int(vec![at(0) - 1]))
                .unwrap_err();
            assert_eq!(err.to_string(), format!("edge table row 1: dst id {} is not in the vertex table", at(0) - 1));
            let mut dup = v.clone();
            dup.push(at(2));
            let err = build(Some(IdColumn::Int(dup)), IdColumn::Int(vec![]), IdColumn::Int(vec![])).unwrap_err();
            assert_eq!(err.to_string(), format!("vertex table row 5: vertex id {} appears twice (also row 3)", at(2)));
        }
    }

    #[test]
    fn string_ids() {
        let dict =
            build(None, IdColumn::Str(vec!["b".into(), "a".into()]), IdColumn::Str(vec!["c".into(), "b".into()]))
                .unwrap();
        assert_eq!(dict.src, vec![1, 0]);
        assert_eq!(dict.dst, vec![2, 1]);
        assert_eq!(dict.ids.lookup_text("c"), Some(2));
    }
}
