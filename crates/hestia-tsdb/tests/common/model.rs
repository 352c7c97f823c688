//! The append rules as plainly as they can be written, with an
//! out-of-order window: a map of series to sorted samples, and batches
//! checked against it. Queries go through a `MemStorage` built from the
//! model ([`Model::mem`]), which holds only sorted data and so needs no
//! window of its own.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};

use hestia_model::Labels;
use hestia_storage::{check_series_labels, AppendError, Appendable, MemStorage};

/// Stored samples: series → time → value bits.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The out-of-order window (0: none).
    pub window: i64,
    /// Samples before this time are out of bounds.
    pub min_valid: i64,
    /// The series limit.
    pub max_series: Option<usize>,
    series: BTreeMap<Labels, BTreeMap<i64, u64>>,
}

/// A batch being appended.
#[derive(Debug, Default)]
pub struct Batch {
    pending: HashMap<(Labels, i64), u64>,
    newest: HashMap<Labels, i64>,
}

impl Model {
    /// An empty model.
    pub fn new(window: i64, min_valid: i64, max_series: Option<usize>) -> Model {
        Model {
            window,
            min_valid,
            max_series,
            series: BTreeMap::new(),
        }
    }

    /// The head's newest timestamp (`i64::MIN`: none).
    pub fn head_max(&self) -> i64 {
        self.series
            .values()
            .filter_map(|s| s.keys().next_back().copied())
            .max()
            .unwrap_or(i64::MIN)
    }

    /// Checks `(t, v)` for `labels` as the head must, adding it to `batch`
    /// when accepted. Series are created as the head creates them (even
    /// when the batch is then rolled back).
    pub fn append(
        &mut self,
        batch: &mut Batch,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<(), AppendError> {
        check_series_labels(labels)?;
        if t < self.min_valid {
            return Err(AppendError::OutOfBounds {
                t,
                min_t: self.min_valid,
            });
        }
        if !self.series.contains_key(labels) {
            if let Some(limit) = self.max_series.filter(|&l| self.series.len() >= l) {
                return Err(AppendError::SeriesLimit { limit });
            }
            self.series.insert(labels.clone(), BTreeMap::new());
        }
        let head_max = self.head_max();
        let committed = &self.series[labels];
        let newest = committed
            .keys()
            .next_back()
            .copied()
            .max(batch.newest.get(labels).copied());
        let existing = batch
            .pending
            .get(&(labels.clone(), t))
            .or_else(|| committed.get(&t))
            .copied();
        let bits = v.to_bits();
        match newest {
            Some(n) if t < n && self.window == 0 => {
                return Err(AppendError::OutOfOrder { t, latest: n })
            }
            Some(n) if t < n && t < head_max.saturating_sub(self.window) => {
                return Err(AppendError::TooOld {
                    t,
                    min_t: head_max.saturating_sub(self.window),
                })
            }
            Some(n) if t <= n => match existing {
                Some(e) if e == bits => return Ok(()),
                Some(e) => {
                    return Err(AppendError::DuplicateSampleForTimestamp {
                        t,
                        existing: f64::from_bits(e),
                        new: v,
                    })
                }
                None => {}
            },
            _ => {
                batch.newest.insert(labels.clone(), t);
            }
        }
        batch.pending.insert((labels.clone(), t), bits);
        Ok(())
    }

    /// Stores the batch.
    pub fn commit(&mut self, batch: Batch) {
        for ((labels, t), bits) in batch.pending {
            self.series.entry(labels).or_default().insert(t, bits);
        }
    }

    /// Series, with or without samples.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// Samples stored.
    pub fn sample_count(&self) -> usize {
        self.series.values().map(BTreeMap::len).sum()
    }

    /// Refuses samples before `t` from now on (the head's bound: raised by
    /// a cut, back at the newest block's end after a reopen).
    pub fn set_min_valid(&mut self, t: i64) {
        self.min_valid = t;
    }

    /// A `MemStorage` holding the same series and samples, for queries.
    pub fn mem(&self) -> MemStorage {
        let mem = MemStorage::new();
        for (labels, samples) in &self.series {
            let mut app = mem.appender();
            if samples.is_empty() {
                app.append(None, labels, 0, 0.0).unwrap();
                app.rollback().unwrap();
                continue;
            }
            for (&t, &bits) in samples {
                app.append(None, labels, t, f64::from_bits(bits)).unwrap();
            }
            app.commit().unwrap();
        }
        mem
    }
}
