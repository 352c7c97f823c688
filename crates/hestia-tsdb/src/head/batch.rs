//! [`BatchNewest`]: the newest sample each series has in an appender's
//! batch, which the in-order check compares a new sample with.
//!
//! A scrape's batch holds each series once, so the common question, "does
//! the batch hold this series yet?", is one bit per series id (ids are
//! dense). Only once a series repeats within a batch is a map from series
//! to its newest pending sample built, from the pending samples, and kept
//! up to date for the rest of the batch. A scrape's append therefore does
//! no hashing, and the buffer an appender thread keeps between batches is
//! an eighth of a byte per series instead of a hash table.

use std::collections::HashMap;

use hestia_model::Sample;

use crate::index::SeriesId;
use crate::record::RefSample;

/// See the module docs.
#[derive(Debug, Default)]
pub(super) struct BatchNewest {
    /// Bit `id % 64` of word `id / 64` set: the batch holds a sample of
    /// series `id`.
    bits: Vec<u64>,
    /// Once a series repeated in the batch: every pending series' newest
    /// sample.
    repeated: Option<HashMap<SeriesId, Sample, foldhash::fast::RandomState>>,
}

impl BatchNewest {
    fn holds(&self, id: SeriesId) -> bool {
        let id = id as usize;
        self.bits
            .get(id / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// The newest sample of series `id` among `pending` (the batch's
    /// in-order samples, in append order), if it has one.
    pub(super) fn get(&mut self, id: SeriesId, pending: &[RefSample]) -> Option<Sample> {
        if !self.holds(id) {
            return None;
        }
        let map = self.repeated.get_or_insert_with(|| {
            // Later samples overwrite earlier ones: the newest stays.
            pending
                .iter()
                .map(|s| (s.id as SeriesId, Sample::new(s.t, s.v)))
                .collect()
        });
        map.get(&id).copied()
    }

    /// Records that `(t, v)` was added to the batch as series `id`'s
    /// newest sample.
    pub(super) fn set(&mut self, id: SeriesId, t: i64, v: f64) {
        let i = id as usize;
        if self.bits.len() <= i / 64 {
            self.bits.resize(i / 64 + 1, 0);
        }
        self.bits[i / 64] |= 1 << (i % 64);
        if let Some(map) = &mut self.repeated {
            map.insert(id, Sample::new(t, v));
        }
    }

    /// Forgets the batch whose in-order samples were `pending`.
    pub(super) fn clear(&mut self, pending: &[RefSample]) {
        if pending.len() >= self.bits.len() / 8 {
            self.bits.fill(0);
        } else {
            for s in pending {
                if let Some(w) = self.bits.get_mut(s.id as usize / 64) {
                    *w = 0;
                }
            }
        }
        self.repeated = None;
    }

    /// How many series ids the bit set covers.
    pub(super) fn capacity(&self) -> usize {
        self.bits.len() * 64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(id: u64, t: i64) -> RefSample {
        RefSample { id, t, v: t as f64 }
    }

    /// Batches as sequences of (series, time) appended in order; after
    /// each, `get` must give the last sample of that series so far.
    #[test]
    fn newest_per_series_across_batches() {
        let batches: [&[(u64, i64)]; 4] = [
            &[(1, 10), (200, 10), (3, 10)],
            &[(1, 20), (1, 30), (5, 20), (1, 40)],
            &[(7, 1), (64, 2), (63, 3), (7, 4), (64, 5)],
            &[(1, 50)],
        ];
        let mut newest = BatchNewest::default();
        for batch in batches {
            let mut pending: Vec<RefSample> = Vec::new();
            for &(id, t) in batch {
                let want = pending.iter().rev().find(|s| s.id == id).map(|s| s.t);
                let got = newest.get(id as SeriesId, &pending).map(|s| s.t);
                assert_eq!(got, want, "series {id} at {t} in {batch:?}");
                newest.set(id as SeriesId, t, t as f64);
                pending.push(sample(id, t));
            }
            newest.clear(&pending);
            for id in [1, 3, 5, 7, 63, 64, 200] {
                assert_eq!(newest.get(id, &[]), None, "series {id} after {batch:?}");
            }
        }
    }
}
