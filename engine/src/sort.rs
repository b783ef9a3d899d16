//! A parallel sort for large arrays of small records with a `u64` key: one radix partition on
//! the key's top bits into up to 4096 buckets, then every bucket sorted on its own, in cache.
//!
//! rayon's parallel quicksort moves the whole array about log2(n) times through memory; at
//! hundreds of millions of records (a graph's edges when simplifying) that memory traffic is
//! the cost. Here the records move twice (partition, then an in-cache sort per bucket).
//!
//! Invariant: `key` must be monotone in `cmp` (`cmp(a, b) == Less` implies `key(a) <=
//! key(b)`); records of equal key are ordered by `cmp` alone. Safe Rust: every chunk of the
//! input receives its own disjoint output slice per bucket.

use rayon::prelude::*;

/// Partitioning pays from this many records; below it, a plain parallel sort.
const MIN_LEN: usize = 1 << 16;
const MAX_BUCKETS: usize = 4096;

/// `items` sorted by `cmp` (see the module's invariant on `key`).
pub fn par_sort_by_key_then<T, K, C>(items: Vec<T>, key: K, cmp: C) -> Vec<T>
where
    T: Copy + Send + Sync + Default,
    K: Fn(&T) -> u64 + Sync,
    C: Fn(&T, &T) -> std::cmp::Ordering + Sync,
{
    let mut items = items;
    if items.len() < MIN_LEN {
        items.par_sort_unstable_by(&cmp);
        return items;
    }
    let (lo, hi) = items
        .par_iter()
        .fold(|| (u64::MAX, 0u64), |(lo, hi), x| (lo.min(key(x)), hi.max(key(x))))
        .reduce(|| (u64::MAX, 0u64), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let span_bits = 64 - (hi - lo).leading_zeros();
    let shift = span_bits.saturating_sub(MAX_BUCKETS.trailing_zeros());
    let buckets = (((hi - lo) >> shift) + 1) as usize;
    let bucket_of = |x: &T| ((key(x) - lo) >> shift) as usize;

    let per = items.len().div_ceil(rayon::current_num_threads() * 4);
    let counts: Vec<Vec<usize>> = items
        .par_chunks(per)
        .map(|c| {
            let mut n = vec![0usize; buckets];
            for x in c {
                n[bucket_of(x)] += 1;
            }
            n
        })
        .collect();
    let totals: Vec<usize> = (0..buckets).map(|b| counts.iter().map(|c| c[b]).sum()).collect();
    let mut out = vec![T::default(); items.len()];
    // `slots[c][b]`: where chunk c writes its records of bucket b (bucket by bucket, chunk by
    // chunk, as the output is laid out).
    let mut slots: Vec<Vec<&mut [T]>> = (0..counts.len()).map(|_| Vec::with_capacity(buckets)).collect();
    for (b, mut bucket) in split_sizes(&mut out, totals.iter().copied()).into_iter().enumerate() {
        for (c, count) in counts.iter().enumerate() {
            let (mine, tail) = bucket.split_at_mut(count[b]);
            bucket = tail;
            slots[c].push(mine);
        }
    }
    items.par_chunks(per).zip(slots).for_each(|(chunk, mut slots)| {
        let mut at = vec![0usize; buckets];
        for x in chunk {
            let b = bucket_of(x);
            slots[b][at[b]] = *x;
            at[b] += 1;
        }
    });
    drop(items);
    // Sort every bucket (ties and the low key bits) on its own.
    split_sizes(&mut out, totals.iter().copied()).into_par_iter().for_each(|b| b.sort_unstable_by(&cmp));
    out
}

/// `data` cut into consecutive pieces of the given sizes (their sum at most `data.len()`).
pub(crate) fn split_sizes<T>(data: &mut [T], sizes: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    let mut out = Vec::new();
    let mut rest = data;
    for n in sizes {
        let (piece, tail) = rest.split_at_mut(n);
        out.push(piece);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_standard_sort() {
        // Keys spread wide and narrow, with many ties broken by the second field.
        for (n, spread) in [(10usize, 5u64), (200_000, 1 << 40), (200_000, 7), (300_000, u64::MAX / 3)] {
            let mut x = 12345u64;
            let items: Vec<(u64, u32)> = (0..n)
                .map(|i| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((x >> 11) % spread.max(1) + 17, (i % 97) as u32)
                })
                .collect();
            let mut expect = items.clone();
            expect.sort();
            let got = par_sort_by_key_then(items, |r| r.0, |a, b| a.cmp(b));
            assert_eq!(got, expect, "n {n} spread {spread}");
        }
    }
}
