//! The crate's errors: [`AppendError`] for one sample a storage refuses
//! (the caller counts it and goes on with the next), [`StorageError`] for
//! failures of a whole operation (a commit, a query).
//!
//! They are two enums on purpose: a scraper handles the first per sample
//! and the second per scrape, and the types keep the two from mixing.

use std::sync::Arc;

/// Why one sample was refused by [`Appender::append`](crate::Appender::append).
///
/// The appender stays usable: the caller counts the refusal by kind (as
/// Prometheus' `prometheus_target_scrapes_sample_*_total` counters do) and
/// appends the next sample. Nothing of the refused sample is stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// `t` is older than the newest sample of the series (committed, or
    /// appended earlier through the same appender).
    #[error("out of order sample: timestamp {t} is before the series' latest {latest}")]
    OutOfOrder {
        /// The refused timestamp.
        t: i64,
        /// The series' newest timestamp.
        latest: i64,
    },
    /// The series already has a sample at `t` with a different value
    /// (compared bit for bit). The same value again is not an error: it is
    /// accepted and stored once.
    #[error("duplicate sample for timestamp {t}: {existing} is stored, {new} was given")]
    DuplicateSampleForTimestamp {
        /// The timestamp.
        t: i64,
        /// The value already stored.
        existing: f64,
        /// The refused value.
        new: f64,
    },
    /// `t` is before the oldest time the storage still accepts (for the
    /// TSDB: the start of the head block).
    #[error("out of bounds: timestamp {t} is before the oldest appendable time {min_t}")]
    OutOfBounds {
        /// The refused timestamp.
        t: i64,
        /// The oldest accepted timestamp.
        min_t: i64,
    },
    /// Out of order and also older than the storage's out-of-order window,
    /// for storages that accept out-of-order samples within a window.
    #[error("too old sample: timestamp {t} is before the out-of-order window starting at {min_t}")]
    TooOld {
        /// The refused timestamp.
        t: i64,
        /// The oldest timestamp the window accepts.
        min_t: i64,
    },
    /// Creating the series would exceed the storage's series limit.
    #[error("series limit of {limit} reached")]
    SeriesLimit {
        /// The limit.
        limit: usize,
    },
    /// The label set cannot identify a series (for example it is empty or
    /// has a label with an empty name).
    #[error("invalid labels: {0}")]
    InvalidLabels(String),
    /// The sample came with a series reference and empty labels (see
    /// [`Appender::append`](crate::Appender::append)), and the reference
    /// names no series of this storage (any more: the series may have
    /// been garbage-collected). Nothing was created; the caller appends
    /// again with the series' labels.
    #[error("unknown series reference {0:?} given without labels")]
    UnknownSeriesRef(crate::SeriesRef),
}

/// A failure of a whole operation: committing a batch, running a query.
///
/// `Clone` (the I/O error is shared) so that an iterator can report the
/// error it stopped on by reference and a caller can still keep it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// Reading or writing the underlying files failed.
    #[error("storage I/O error: {0}")]
    Io(#[source] Arc<std::io::Error>),
    /// Stored data does not decode; the storage needs repair.
    #[error("corrupted data: {0}")]
    Corrupted(String),
    /// The storage has been closed (shutdown in progress).
    #[error("storage is closed")]
    Closed,
}

impl From<std::io::Error> for StorageError {
    fn from(e: std::io::Error) -> StorageError {
        StorageError::Io(Arc::new(e))
    }
}
