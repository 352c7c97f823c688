//! [`MemAppender`]: a batch for [`MemStorage`], checked per sample against
//! committed and pending samples, applied under the write lock on commit.

use std::collections::HashMap;
use std::sync::Arc;

use hestia_model::{Labels, Sample};

use super::{MemSeries, MemStorage};
use crate::{check_series_labels, AppendError, Appender, SeriesRef, StorageError};

pub(super) struct MemAppender<'s> {
    storage: &'s MemStorage,
    /// Accepted samples in append order, by series index.
    pending: Vec<(usize, Sample)>,
    /// The newest pending sample of each series in the batch.
    newest: HashMap<usize, Sample>,
}

impl<'s> MemAppender<'s> {
    pub(super) fn new(storage: &'s MemStorage) -> MemAppender<'s> {
        MemAppender {
            storage,
            pending: Vec::new(),
            newest: HashMap::new(),
        }
    }

    /// The index of the series `hint` names, or else of the series
    /// `labels`, created if new (see [`Appender::append`] for empty
    /// labels).
    fn series_index(&self, hint: Option<SeriesRef>, labels: &Labels) -> Result<usize, AppendError> {
        if let Some(i) = self.storage.state.read().find(hint, labels) {
            return Ok(i);
        }
        if let Some(r) = hint {
            if labels.is_empty() {
                return Err(AppendError::UnknownSeriesRef(r));
            }
            check_series_labels(labels)?;
        }
        let mut state = self.storage.state.write();
        if let Some(i) = state.find(None, labels) {
            return Ok(i);
        }
        if let Some(limit) = self.storage.series_limit {
            if state.series.len() >= limit {
                return Err(AppendError::SeriesLimit { limit });
            }
        }
        let index = state.series.len();
        state.series.push(MemSeries {
            labels: labels.clone(),
            samples: Arc::default(),
        });
        state.by_labels.insert(labels.clone(), index);
        Ok(index)
    }
}

impl Appender for MemAppender<'_> {
    fn append(
        &mut self,
        series: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef, AppendError> {
        // With a reference the labels are checked only if it names no
        // series (`series_index`).
        if series.is_none() {
            check_series_labels(labels)?;
        }
        if let Some(min_t) = self.storage.min_valid_time.filter(|&min_t| t < min_t) {
            return Err(AppendError::OutOfBounds { t, min_t });
        }
        let index = self.series_index(series, labels)?;
        let reference = SeriesRef(index as u64);
        let newest = match self.newest.get(&index) {
            Some(pending) => Some(*pending),
            None => self.storage.state.read().newest(index),
        };
        match newest {
            Some(n) if t < n.t => Err(AppendError::OutOfOrder { t, latest: n.t }),
            Some(n) if t == n.t && n.v.to_bits() == v.to_bits() => Ok(reference),
            Some(n) if t == n.t => Err(AppendError::DuplicateSampleForTimestamp {
                t,
                existing: n.v,
                new: v,
            }),
            _ => {
                let sample = Sample::new(t, v);
                self.pending.push((index, sample));
                self.newest.insert(index, sample);
                Ok(reference)
            }
        }
    }

    fn commit(self: Box<Self>) -> Result<(), StorageError> {
        let mut state = self.storage.state.write();
        for (index, sample) in self.pending {
            let series = &mut state.series[index];
            // A concurrent appender's commit may have overtaken this one.
            if series.samples.last().is_some_and(|last| last.t >= sample.t) {
                continue;
            }
            Arc::make_mut(&mut series.samples).push(sample);
        }
        Ok(())
    }

    fn rollback(self: Box<Self>) -> Result<(), StorageError> {
        Ok(())
    }
}
