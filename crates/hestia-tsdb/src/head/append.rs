//! [`HeadAppender`]: a batch for the [`Head`], checked per sample against
//! the series' newest committed sample and the batch's own, logged to the
//! WAL and applied under the write lock on commit. Also
//! [`log_unlogged`], which writes the records of a commit.
//!
//! With an out-of-order window `W`, a sample before its series' newest
//! is accepted when it is at or after the head's newest committed
//! timestamp minus `W` (read when the sample is appended; refused as
//! `TooOld` otherwise) and the series has no sample at its time (the same
//! value bit for bit is accepted and stored once, as in order; another
//! value is a duplicate). Such samples are collected apart, logged as
//! out-of-order samples records after the batch's in-order ones, and
//! applied after them into the series' out-of-order store.
//!
//! An appender's batch buffers (pending samples, which series the batch
//! holds (`batch.rs`), the out-of-order duplicate map) are handed on
//! emptied to the next appender through the head's [`SparePool`], up to
//! 65,536 entries each, so a scrape loop's batches are not regrown and
//! rehashed from empty every interval. The pool keeps as many sets as
//! the machine has cores (appending is CPU-bound, so about that many run
//! at once), not one per thread that ever appended: a server scraping 50
//! targets from a pool of blocking threads kept 40 MB of idle buffers
//! for 500,000 series that way.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use hestia_model::{Labels, Sample};
use hestia_storage::{check_series_labels, AppendError, Appender, SeriesRef, StorageError};
use parking_lot::RwLock;

use super::batch::BatchNewest;
use super::state::State;
use super::{bump, storage_error, Head};
use crate::index::SeriesId;
use crate::record::{encode_ooo_samples, encode_samples, encode_series, RefSample, RefSeries};
use crate::wal::Wal;
use crate::Error;

/// Series definitions per WAL record.
const SERIES_PER_RECORD: usize = 1_000;

pub(super) struct HeadAppender<'h> {
    head: &'h Head,
    /// Accepted samples in append order.
    pending: Vec<RefSample>,
    /// Accepted out-of-order samples in append order.
    pending_ooo: Vec<RefSample>,
    /// The newest pending sample of each series in the batch.
    newest: BatchNewest,
    /// With an out-of-order window: the value bits of every pending
    /// sample, by series and time (for duplicate checks).
    seen: HashMap<(SeriesId, i64), u64, foldhash::fast::RandomState>,
}

/// What [`HeadAppender::resolve`] finds: the series, its newest committed
/// sample, and the head's newest committed timestamp.
struct Resolved {
    id: SeriesId,
    committed: Option<Sample>,
    head_max: i64,
}

/// The batch buffers of an appender, kept for the next one: a scrape
/// loop's batches have about the same size every time, so they are not
/// regrown (and rehashed) from empty at each scrape.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    pending: Vec<RefSample>,
    pending_ooo: Vec<RefSample>,
    newest: BatchNewest,
    seen: HashMap<(SeriesId, i64), u64, foldhash::fast::RandomState>,
}

/// Buffers larger than this many entries are freed rather than kept.
const KEEP_ENTRIES: usize = 1 << 16;

/// Emptied [`Buffers`] of finished appenders, at most one set per core.
#[derive(Debug)]
pub(super) struct SparePool {
    spare: parking_lot::Mutex<Vec<Buffers>>,
    max: usize,
}

impl SparePool {
    /// A pool keeping one set of buffers per core.
    pub(super) fn new() -> SparePool {
        SparePool {
            spare: parking_lot::Mutex::new(Vec::new()),
            max: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    fn take(&self) -> Buffers {
        self.spare.lock().pop().unwrap_or_default()
    }

    fn put(&self, b: Buffers) {
        let mut spare = self.spare.lock();
        if spare.len() < self.max {
            spare.push(b);
        }
    }
}

impl<'h> HeadAppender<'h> {
    pub(super) fn new(head: &'h Head) -> HeadAppender<'h> {
        let b = head.spare.take();
        HeadAppender {
            head,
            pending: b.pending,
            pending_ooo: b.pending_ooo,
            newest: b.newest,
            seen: b.seen,
        }
    }

    /// The id of the series and its newest committed sample, creating the
    /// series if it is new. A reference naming an existing series is
    /// trusted (the contract makes passing it with other labels the
    /// caller's bug), which skips hashing the labels; one naming none
    /// with empty labels is `UnknownSeriesRef`.
    fn resolve(&self, hint: Option<SeriesRef>, labels: &Labels) -> Result<Resolved, AppendError> {
        let head = self.head;
        let found = |state: &State, id: SeriesId| Resolved {
            id,
            committed: state.get(id).and_then(|s| s.last()),
            head_max: state.max_time,
        };
        let hash = {
            let state = head.state.read();
            if let Some(s) = hint.and_then(|r| u32::try_from(r.0).ok()) {
                if state.get(s).is_some() {
                    return Ok(found(&state, s));
                }
            }
            if let Some(r) = hint.filter(|_| labels.is_empty()) {
                // A caller that kept only the reference (the contract on
                // `Appender::append`): it retries with the labels.
                return Err(AppendError::UnknownSeriesRef(r));
            }
            let hash = labels.hash();
            if let Some(id) = state.lookup(hash, labels) {
                return Ok(found(&state, id));
            }
            hash
        };
        let mut state = head.state.write();
        if let Some(id) = state.lookup(hash, labels) {
            return Ok(found(&state, id));
        }
        if hint.is_some() {
            if let Err(e) = check_series_labels(labels) {
                bump(&head.counters.invalid_labels, 1);
                return Err(e);
            }
        }
        if let Some(limit) = head.opts.max_series {
            if state.live >= limit {
                bump(&head.counters.series_limit, 1);
                return Err(AppendError::SeriesLimit { limit });
            }
        }
        let id = state.next_id();
        state.create(id, hash, labels);
        if head.wal.is_some() {
            state.unlogged.push(id);
        }
        Ok(Resolved {
            id,
            committed: None,
            head_max: state.max_time,
        })
    }

    /// Adds an accepted sample to the batch.
    fn accept(&mut self, id: SeriesId, t: i64, v: f64, ooo: bool) {
        let s = RefSample {
            id: u64::from(id),
            t,
            v,
        };
        if ooo {
            self.pending_ooo.push(s);
        } else {
            self.pending.push(s);
            self.newest.set(id, t, v);
        }
        if self.head.opts.out_of_order_window > 0 {
            self.seen.insert((id, t), v.to_bits());
        }
    }

    /// Checks a sample before its series' newest against the window and
    /// the samples the series has (committed or pending), and accepts it.
    fn append_out_of_order(
        &mut self,
        r: &Resolved,
        t: i64,
        v: f64,
        reference: SeriesRef,
    ) -> Result<SeriesRef, AppendError> {
        let c = &self.head.counters;
        let min_t = r
            .head_max
            .saturating_sub(self.head.opts.out_of_order_window);
        if t < min_t {
            bump(&c.too_old, 1);
            return Err(AppendError::TooOld { t, min_t });
        }
        let existing = match self.seen.get(&(r.id, t)) {
            Some(&bits) => Some(bits),
            None => self.head.state.read().value_at(r.id, t),
        };
        match existing {
            Some(bits) if bits == v.to_bits() => Ok(reference),
            Some(bits) => {
                bump(&c.duplicate, 1);
                Err(AppendError::DuplicateSampleForTimestamp {
                    t,
                    existing: f64::from_bits(bits),
                    new: v,
                })
            }
            None => {
                self.accept(r.id, t, v, true);
                Ok(reference)
            }
        }
    }
}

impl Appender for HeadAppender<'_> {
    fn append(
        &mut self,
        series: Option<SeriesRef>,
        labels: &Labels,
        t: i64,
        v: f64,
    ) -> Result<SeriesRef, AppendError> {
        let c = &self.head.counters;
        // With a reference the labels are checked only if the series has
        // to be created (`resolve`): an existing series' were checked when
        // it was.
        if series.is_none() {
            if let Err(e) = check_series_labels(labels) {
                bump(&c.invalid_labels, 1);
                return Err(e);
            }
        }
        let min_t = self.head.min_valid_time.load(Ordering::Relaxed);
        if t < min_t {
            bump(&c.out_of_bounds, 1);
            return Err(AppendError::OutOfBounds { t, min_t });
        }
        let r = self.resolve(series, labels)?;
        let id = r.id;
        let reference = SeriesRef(u64::from(id));
        let newest = self.newest.get(id, &self.pending).or(r.committed);
        match newest {
            Some(n) if t < n.t && self.head.opts.out_of_order_window > 0 => {
                self.append_out_of_order(&r, t, v, reference)
            }
            Some(n) if t < n.t => {
                bump(&c.out_of_order, 1);
                Err(AppendError::OutOfOrder { t, latest: n.t })
            }
            Some(n) if t == n.t && n.v.to_bits() == v.to_bits() => Ok(reference),
            Some(n) if t == n.t => {
                bump(&c.duplicate, 1);
                Err(AppendError::DuplicateSampleForTimestamp {
                    t,
                    existing: n.v,
                    new: v,
                })
            }
            _ => {
                self.accept(id, t, v, false);
                Ok(reference)
            }
        }
    }

    fn commit(self: Box<Self>) -> Result<(), StorageError> {
        let head = self.head;
        let mut wal = head.wal.as_ref().map(|w| w.lock());
        if let Some(wal) = wal.as_deref_mut() {
            log_unlogged(
                &head.state,
                wal,
                Batch {
                    samples: &self.pending,
                    ooo: &self.pending_ooo,
                },
                head.opts.samples_per_record,
            )
            .map_err(storage_error)?;
        }
        let per_chunk = head.opts.samples_per_chunk;
        let (mut applied, mut applied_ooo) = (0, 0);
        {
            let mut state = head.state.write();
            // A truncation since the samples were checked may have moved
            // the bound: what is now before it belongs to a block.
            let min_t = head.min_valid_time.load(Ordering::Relaxed);
            // Ids come from `resolve`, so they fit.
            for s in self.pending.iter().filter(|s| s.t >= min_t) {
                if state.append(s.id as SeriesId, s.t, s.v, per_chunk) {
                    applied += 1;
                }
            }
            for s in self.pending_ooo.iter().filter(|s| s.t >= min_t) {
                if state.insert_ooo(s.id as SeriesId, s.t, s.v, per_chunk) {
                    applied_ooo += 1;
                }
            }
            // Chunks closed by this commit reach the files before anyone
            // can see references to them.
            state.flush();
        }
        drop(wal);
        let c = &head.counters;
        bump(&c.appended, applied + applied_ooo);
        bump(&c.ooo_appended, applied_ooo);
        let total = (self.pending.len() + self.pending_ooo.len()) as u64;
        bump(&c.dropped_at_commit, total - applied - applied_ooo);
        Ok(())
    }

    fn rollback(self: Box<Self>) -> Result<(), StorageError> {
        Ok(())
    }
}

impl Drop for HeadAppender<'_> {
    /// Hands the emptied buffers to the head's pool, unless this batch
    /// made them large.
    fn drop(&mut self) {
        if self.pending.capacity() > KEEP_ENTRIES
            || self.pending_ooo.capacity() > KEEP_ENTRIES
            || self.newest.capacity() > KEEP_ENTRIES * 64
            || self.seen.capacity() > KEEP_ENTRIES
        {
            return;
        }
        let mut b = Buffers {
            pending: std::mem::take(&mut self.pending),
            pending_ooo: std::mem::take(&mut self.pending_ooo),
            newest: std::mem::take(&mut self.newest),
            seen: std::mem::take(&mut self.seen),
        };
        b.newest.clear(&b.pending);
        b.pending.clear();
        b.pending_ooo.clear();
        b.seen.clear();
        self.head.spare.put(b);
    }
}

/// The samples of one commit, as logged.
#[derive(Default)]
pub(super) struct Batch<'a> {
    /// In-order samples.
    pub(super) samples: &'a [RefSample],
    /// Samples accepted out of order, applied after `samples`.
    pub(super) ooo: &'a [RefSample],
}

/// Logs, as one batch, series records for every series not logged yet,
/// then the batch's samples records and then its out-of-order samples
/// records, each of at most `per_record` samples. On failure the series
/// stay marked unlogged. The caller holds the WAL's lock.
pub(super) fn log_unlogged(
    state: &RwLock<State>,
    wal: &mut Wal,
    batch: Batch<'_>,
    per_record: usize,
) -> Result<(), Error> {
    let (ids, series) = {
        let has_unlogged = !state.read().unlogged.is_empty();
        if has_unlogged {
            let mut st = state.write();
            let ids = std::mem::take(&mut st.unlogged);
            let series: Vec<RefSeries> = ids
                .iter()
                .map(|&id| RefSeries {
                    id: u64::from(id),
                    labels: st.labels_of(id),
                })
                .collect();
            (ids, series)
        } else {
            (Vec::new(), Vec::new())
        }
    };
    let mut records: Vec<Vec<u8>> = Vec::new();
    for chunk in series.chunks(SERIES_PER_RECORD) {
        let mut buf = Vec::new();
        encode_series(chunk, &mut buf);
        records.push(buf);
    }
    for chunk in batch.samples.chunks(per_record.max(1)) {
        let mut buf = Vec::new();
        encode_samples(chunk, &mut buf);
        records.push(buf);
    }
    for chunk in batch.ooo.chunks(per_record.max(1)) {
        let mut buf = Vec::new();
        encode_ooo_samples(chunk, &mut buf);
        records.push(buf);
    }
    if records.is_empty() {
        return Ok(());
    }
    wal.log(&records).inspect_err(|_| {
        state.write().unlogged.extend(ids);
    })
}

#[cfg(test)]
mod tests {
    use hestia_model::labels;
    use hestia_storage::Appendable;

    use super::super::HeadOptions;
    use super::*;

    /// However many appenders ran at once, the head keeps one set of
    /// buffers per core afterwards.
    #[test]
    fn the_pool_keeps_one_set_per_core() {
        let head = Head::new(HeadOptions::default()).unwrap();
        let max = head.spare.max;
        let appenders: Vec<_> = (0..max + 3).map(|_| head.appender()).collect();
        assert!(head.spare.spare.lock().is_empty());
        drop(appenders);
        assert_eq!(head.spare.spare.lock().len(), max);
    }

    /// Each appender reuses the buffers of the one before: what
    /// a rolled back batch held must not leak into the next.
    #[test]
    fn reused_buffers_start_empty() {
        let a = labels! { "__name__" => "a" };
        for window in [0, 100] {
            let head = Head::new(HeadOptions {
                out_of_order_window: window,
                ..HeadOptions::default()
            })
            .unwrap();
            // (samples as (t, value), commit?); every sample is accepted
            // unless a rolled back one is still pending: `a` at 10 would
            // refuse 5 as out of order, `a` at 5 = 1.0 would refuse 5 = 2.0
            // as a duplicate.
            let batches: [(&[(i64, f64)], bool); 4] = [
                (&[(10, 1.0)], false),
                (&[(5, 1.0)], false),
                (&[(5, 2.0)], true),
                (&[(6, 3.0)], true),
            ];
            for (i, (samples, commit)) in batches.into_iter().enumerate() {
                let mut app = head.appender();
                for &(t, v) in samples {
                    let got = app.append(None, &a, t, v);
                    assert!(got.is_ok(), "window {window}, batch {i}: @{t}: {got:?}");
                }
                if commit {
                    app.commit().unwrap();
                } else {
                    app.rollback().unwrap();
                }
            }
            assert_eq!(head.stats().samples, 2, "window {window}");
        }
    }
}
