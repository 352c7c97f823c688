//! A series' out-of-order samples ([`OooSamples`]): samples accepted
//! within [`HeadOptions::out_of_order_window`](super::HeadOptions) that
//! are before the series' newest in-order sample, so they cannot go to
//! its append-only chunks.
//!
//! They are kept apart, as Prometheus' out-of-order head does: a small
//! sorted buffer of at most [`OOO_CHUNK_SAMPLES`] samples, which, when
//! full, is encoded as one sorted XOR chunk kept in memory. Chunks may
//! overlap each other in time, never at a timestamp: a timestamp is
//! stored once in the whole series (in-order and out-of-order data
//! together), which inserting checks. Queries merge them with the
//! in-order chunks. The window bounds how many there are: a head cut
//! writes them into the block with the in-order samples, and truncation
//! drops the chunks that end before the cut.

use hestia_model::Sample;

use crate::{ChunkAppender, ChunkIter};

/// Out-of-order samples per chunk (Prometheus' default
/// `out_of_order_cap`).
pub(crate) const OOO_CHUNK_SAMPLES: usize = 32;

/// One closed, sorted XOR chunk of out-of-order samples.
#[derive(Debug)]
struct OooChunk {
    min_t: i64,
    max_t: i64,
    bytes: Box<[u8]>,
}

impl OooChunk {
    /// Decodes the chunk's samples, calling `f` on each. The chunk was
    /// encoded here, so it decodes.
    fn for_each(&self, mut f: impl FnMut(Sample)) {
        if let Ok(it) = ChunkIter::new(&self.bytes) {
            for s in it.flatten() {
                f(Sample::new(s.t, s.v));
            }
        }
    }
}

/// The out-of-order samples of one series.
#[derive(Debug, Default)]
pub(crate) struct OooSamples {
    chunks: Vec<OooChunk>,
    /// Sorted by time, at most [`OOO_CHUNK_SAMPLES`].
    open: Vec<Sample>,
}

impl OooSamples {
    /// Chunks holding samples (closed ones plus the open buffer).
    pub(crate) fn chunk_count(&self) -> usize {
        self.chunks.len() + usize::from(!self.open.is_empty())
    }

    /// The oldest timestamp.
    pub(crate) fn min_t(&self) -> Option<i64> {
        let open = self.open.first().map(|s| s.t);
        let closed = self.chunks.iter().map(|c| c.min_t).min();
        match (open, closed) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The value bits stored at `t`, if any.
    pub(crate) fn get(&self, t: i64) -> Option<u64> {
        if let Ok(i) = self.open.binary_search_by_key(&t, |s| s.t) {
            return Some(self.open[i].v.to_bits());
        }
        let mut found = None;
        for c in self.chunks.iter().filter(|c| c.min_t <= t && t <= c.max_t) {
            c.for_each(|s| {
                if s.t == t {
                    found = Some(s.v.to_bits());
                }
            });
            if found.is_some() {
                break;
            }
        }
        found
    }

    /// Inserts `(t, v)`; the caller checked that `t` is not stored.
    pub(crate) fn insert(&mut self, t: i64, v: f64) {
        let i = self.open.partition_point(|s| s.t < t);
        self.open.insert(i, Sample::new(t, v));
        if self.open.len() >= OOO_CHUNK_SAMPLES {
            self.close_open();
        }
    }

    fn close_open(&mut self) {
        let mut app = ChunkAppender::with_capacity(0);
        for s in &self.open {
            // Sorted and distinct, at most 32: appending cannot fail.
            let ok = app.append(s.t, s.v).is_ok();
            debug_assert!(ok);
        }
        if let (Some(first), Some(last)) = (self.open.first(), self.open.last()) {
            self.chunks.push(OooChunk {
                min_t: first.t,
                max_t: last.t,
                bytes: app.as_bytes().into(),
            });
        }
        self.open.clear();
    }

    /// The samples in `[min_t, max_t]`, sorted by time.
    pub(crate) fn range(&self, min_t: i64, max_t: i64) -> Vec<Sample> {
        let mut out: Vec<Sample> = Vec::new();
        let inside = |s: &Sample| min_t <= s.t && s.t <= max_t;
        for c in self
            .chunks
            .iter()
            .filter(|c| c.min_t <= max_t && c.max_t >= min_t)
        {
            c.for_each(|s| {
                if inside(&s) {
                    out.push(s);
                }
            });
        }
        out.extend(self.open.iter().copied().filter(inside));
        out.sort_unstable_by_key(|s| s.t);
        out
    }

    /// Drops the chunks ending before `cut` (readers skip the samples
    /// before it that the others still hold). Returns how many chunks
    /// were dropped.
    pub(crate) fn drop_before(&mut self, cut: i64) -> usize {
        let before = self.chunks.len();
        self.chunks.retain(|c| c.max_t >= cut);
        self.open.retain(|s| s.t >= cut);
        before - self.chunks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_samples_sorted_across_chunks() {
        let mut o = OooSamples::default();
        // 100 distinct timestamps in a scrambled order.
        let ts: Vec<i64> = (0..100).map(|i| (i * 37) % 100).collect();
        for &t in &ts {
            assert_eq!(o.get(t), None);
            o.insert(t, t as f64 * 0.5);
            assert_eq!(o.get(t), Some((t as f64 * 0.5).to_bits()));
        }
        assert_eq!(o.chunks.len(), 3);
        assert_eq!(o.chunk_count(), 4);
        assert_eq!(o.min_t(), Some(0));
        let all: Vec<i64> = o.range(i64::MIN, i64::MAX).iter().map(|s| s.t).collect();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        let some: Vec<i64> = o.range(10, 12).iter().map(|s| s.t).collect();
        assert_eq!(some, [10, 11, 12]);
        o.drop_before(50);
        assert!(o.range(i64::MIN, i64::MAX).iter().all(|s| s.t >= 0));
        assert!(o.range(50, i64::MAX).len() == 50);
    }

    #[test]
    fn nan_bits_survive() {
        let mut o = OooSamples::default();
        let bits = 0x7ff0_0000_0000_0002u64;
        o.insert(5, f64::from_bits(bits));
        assert_eq!(o.get(5), Some(bits));
        for t in 6..6 + OOO_CHUNK_SAMPLES as i64 {
            o.insert(t, 0.0);
        }
        assert_eq!(o.get(5), Some(bits));
        assert_eq!(o.range(5, 5)[0].v.to_bits(), bits);
    }
}
