//! The write side of the contract: [`Appendable`] hands out [`Appender`]s,
//! an appender collects a batch of samples and commits or rolls it back,
//! and [`SeriesRef`] lets a writer skip the label lookup next time.

use hestia_model::Labels;

use crate::{AppendError, StorageError};

/// A storage's handle for one series, returned by
/// [`Appender::append`]. Passing it back on the next append lets the
/// storage skip looking the labels up, and lets the caller not keep the
/// labels at all (it then passes empty labels, see [`Appender::append`]).
///
/// A reference is only meaningful to the storage that returned it, and
/// only together with the labels it was returned for: a storage trusts a
/// reference that names one of its series and ignores the labels, so
/// passing it with other labels is a bug of the caller. A reference may go
/// stale (the series was garbage-collected); the storage then falls back
/// to the labels, or refuses the sample with
/// [`AppendError::UnknownSeriesRef`] when they are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesRef(pub u64);

/// Something samples can be written to.
///
/// `Send + Sync`: one storage serves every writer; each writer takes its
/// own appender.
pub trait Appendable: Send + Sync {
    /// A new, empty batch. Appenders of one storage may be open at the same
    /// time, on different threads.
    fn appender(&self) -> Box<dyn Appender + '_>;
}

/// One batch of samples, made visible at once by
/// [`commit`](Appender::commit) or dropped by
/// [`rollback`](Appender::rollback). Dropping an appender without either
/// rolls it back.
///
/// # Append rules
///
/// Each call to [`append`](Appender::append) checks the sample against the
/// newest sample of its series, counting both committed samples and those
/// appended earlier through the same appender:
///
/// | sample | result |
/// | --- | --- |
/// | `t` after the newest | accepted |
/// | `t` equal to the newest, value bit-identical | accepted, stored once (as Prometheus: federation and rule re-evaluation produce exact repeats) |
/// | `t` equal to the newest, other bits (a stale marker vs a value too) | [`AppendError::DuplicateSampleForTimestamp`] |
/// | `t` before the newest | [`AppendError::OutOfOrder`], or accepted / [`AppendError::TooOld`] by a storage with an out-of-order window |
/// | `t` before the storage's oldest appendable time | [`AppendError::OutOfBounds`] |
///
/// A refused sample leaves the appender usable. Samples appended to one
/// series by two appenders that are open at the same time are checked
/// against what each appender sees; a sample that the first commit makes
/// out of order or duplicate for the second is dropped silently when the
/// second commits (as in Prometheus' head), so write each series from one
/// writer at a time.
///
/// A series may be created by `append` even when the batch is then rolled
/// back; it then has no samples and is not selected by queries.
///
/// Appenders are `Send` (a batch may be built on one thread and committed
/// on another) but not `Sync`.
pub trait Appender: Send {
    /// Adds the sample `(t, v)` (milliseconds, any float including NaN and
    /// the stale marker) for the series `labels` to the batch, and returns
    /// the series' reference. `series` is a reference returned earlier
    /// for the same labels, if the caller kept one.
    ///
    /// With `series` = `Some(r)`:
    ///
    /// * if `r` names a series of this storage, `labels` is not read and
    ///   may be empty ([`Labels::default`]): a caller may keep only the
    ///   reference;
    /// * otherwise (never returned by this storage, or the series was
    ///   garbage-collected since) the series is looked up or created by
    ///   `labels` as without a reference, except that empty `labels` are
    ///   refused with [`AppendError::UnknownSeriesRef`] (not
    ///   [`AppendError::InvalidLabels`]; no series is created): the caller
    ///   then appends again with the series' labels.
    ///
    /// With `series` = `None`, empty `labels` are
    /// [`AppendError::InvalidLabels`] (see [`check_series_labels`]).
    fn append(
        &mut self,
        series: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef, AppendError>;

    /// Makes every accepted sample of the batch visible to queriers created
    /// afterwards, all at once. On error nothing of the batch is visible.
    fn commit(self: Box<Self>) -> Result<(), StorageError>;

    /// Drops the batch.
    fn rollback(self: Box<Self>) -> Result<(), StorageError>;
}

/// Checks that `labels` can identify a series, as every storage must
/// before creating one: not empty, and no label with an empty name
/// ([`AppendError::InvalidLabels`] otherwise).
pub fn check_series_labels(labels: &Labels) -> Result<(), AppendError> {
    if labels.is_empty() {
        return Err(AppendError::InvalidLabels("empty label set".into()));
    }
    if labels.iter().any(|(name, _)| name.is_empty()) {
        return Err(AppendError::InvalidLabels(format!(
            "empty label name in {labels}"
        )));
    }
    Ok(())
}
