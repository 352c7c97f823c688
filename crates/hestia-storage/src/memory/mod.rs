//! [`MemStorage`]: the in-memory reference implementation of the contract
//! (feature `memory`). It is written to be obviously correct rather than
//! fast: other crates' tests compare against it.
//!
//! State is one reader-writer lock over a table of series, each with its
//! labels and an `Arc`'d vector of samples. Appenders collect pending
//! samples privately and apply them under the write lock on commit; a
//! querier copies the sample `Arc`s of the series in its range under the
//! read lock, which makes it a snapshot.

mod append;
mod query;

use std::collections::BTreeMap;
use std::sync::Arc;

use hestia_model::{Labels, Sample};
use parking_lot::RwLock;

use crate::{Appendable, Appender, Querier, Queryable, SeriesRef, StorageError};

use self::append::MemAppender;
use self::query::MemQuerier;

/// An in-memory storage implementing [`Appendable`] and [`Queryable`]
/// exactly as the contract states:
///
/// * appends follow the rules on [`Appender`]: out-of-order and
///   conflicting duplicate samples are refused per series, exact repeats
///   stored once, values (stale markers included) kept bit-exactly;
/// * no out-of-order window: `AppendError::TooOld` never occurs;
/// * optional limits: a series limit ([`with_series_limit`]) and an oldest
///   appendable time ([`with_min_valid_time`]);
/// * queriers are snapshots taken at [`Queryable::querier`], always return
///   series sorted, and ignore [`SelectHints`](crate::SelectHints);
///   `label_names`/`label_values` are exact (only series with samples in
///   range);
/// * series are never deleted, and a reference is the series' index; a
///   reference naming a series is trusted without reading the labels
///   (which may then be empty), one naming none falls back to the labels
///   (`AppendError::UnknownSeriesRef` if they are empty).
///
/// ```
/// use hestia_model::{labels, MatchType, Matcher, Sample};
/// use hestia_storage::{Appendable, MemStorage, Queryable, SelectHints};
///
/// let storage = MemStorage::new();
/// let up = labels! { "__name__" => "up", "job" => "api" };
/// let mut app = storage.appender();
/// let series = app.append(None, &up, 1_000, 1.0).unwrap();
/// app.append(Some(series), &up, 2_000, 0.0).unwrap();
/// assert!(app.append(Some(series), &up, 1_500, 1.0).is_err()); // out of order
/// app.commit().unwrap();
///
/// let querier = storage.querier(0, 1_999).unwrap();
/// let job = Matcher::new(MatchType::Regex, "job", "a.*").unwrap();
/// let mut set = querier.select(true, &SelectHints::default(), &[job]);
/// let found = set.next().unwrap().unwrap();
/// assert_eq!(found.labels(), &up);
/// assert_eq!(found.into_samples().unwrap(), [Sample::new(1_000, 1.0)]);
/// assert!(set.next().is_none());
/// ```
///
/// [`with_series_limit`]: MemStorage::with_series_limit
/// [`with_min_valid_time`]: MemStorage::with_min_valid_time
#[derive(Debug, Default)]
pub struct MemStorage {
    state: RwLock<State>,
    series_limit: Option<usize>,
    min_valid_time: Option<i64>,
}

#[derive(Debug, Default)]
struct State {
    /// Indexed by `SeriesRef`.
    series: Vec<MemSeries>,
    /// Label set to index, in label order.
    by_labels: BTreeMap<Labels, usize>,
}

#[derive(Debug)]
struct MemSeries {
    labels: Labels,
    /// Strictly increasing timestamps; shared with queriers, copied on
    /// write.
    samples: Arc<Vec<Sample>>,
}

impl MemStorage {
    /// An empty storage without limits.
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    /// Refuses to create more than `limit` series
    /// ([`AppendError::SeriesLimit`](crate::AppendError::SeriesLimit)).
    pub fn with_series_limit(mut self, limit: usize) -> MemStorage {
        self.series_limit = Some(limit);
        self
    }

    /// Refuses samples before `t`
    /// ([`AppendError::OutOfBounds`](crate::AppendError::OutOfBounds)).
    pub fn with_min_valid_time(mut self, t: i64) -> MemStorage {
        self.min_valid_time = Some(t);
        self
    }

    /// The number of series, with or without samples.
    pub fn series_count(&self) -> usize {
        self.state.read().series.len()
    }

    /// The number of committed samples.
    pub fn sample_count(&self) -> usize {
        self.state
            .read()
            .series
            .iter()
            .map(|s| s.samples.len())
            .sum()
    }

    /// Every series with its committed samples, in label order; series
    /// without samples are left out. For tests that compare whole
    /// contents.
    pub fn dump(&self) -> Vec<(Labels, Vec<Sample>)> {
        let state = self.state.read();
        state
            .by_labels
            .values()
            .map(|&i| &state.series[i])
            .filter(|s| !s.samples.is_empty())
            .map(|s| (s.labels.clone(), s.samples.to_vec()))
            .collect()
    }
}

impl State {
    /// The index of the series `hint` names if any (trusted without
    /// reading `labels`, as the contract allows), else of the series
    /// `labels`.
    fn find(&self, hint: Option<SeriesRef>, labels: &Labels) -> Option<usize> {
        let hinted = hint
            .and_then(|r| usize::try_from(r.0).ok())
            .filter(|&i| i < self.series.len());
        hinted.or_else(|| self.by_labels.get(labels).copied())
    }

    fn newest(&self, index: usize) -> Option<Sample> {
        self.series[index].samples.last().copied()
    }
}

impl Appendable for MemStorage {
    fn appender(&self) -> Box<dyn Appender + '_> {
        Box::new(MemAppender::new(self))
    }
}

impl Queryable for MemStorage {
    fn querier(&self, min_t: i64, max_t: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        Ok(Box::new(MemQuerier::new(&self.state.read(), min_t, max_t)))
    }
}
