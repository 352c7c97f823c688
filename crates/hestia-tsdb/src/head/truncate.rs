//! Shrinking the head once blocks hold its oldest data, and deleting from
//! it.
//!
//! * [`Head::truncate`] refuses samples before the cut from then on,
//!   drops the series whose newest sample is before it (their ids are not
//!   reused), rebuilds symbols, labels, postings and the hash index for
//!   the others (returning the memory of dropped series at once), keeps
//!   their chunks (readers skip samples before the cut, which closed
//!   chunks straddling it still hold), deletes the chunk segments that
//!   hold only older chunks, and, with a WAL, writes a checkpoint: the
//!   WAL is cut at a new segment `N + 1`, the live series and all their
//!   samples from the cut on are logged into `wal/checkpoint.N` (built as
//!   `checkpoint.N.tmp` and renamed), then segments up to `N` and older
//!   checkpoints are deleted. Replay reads the checkpoint, then the
//!   segments after it. The rebuild holds the state's write lock, so it
//!   pauses appends and queries for its duration; the checkpoint is
//!   written under the read lock.
//! * [`Head::delete`] logs a deletes record and re-encodes the affected
//!   series without the deleted samples.

use std::path::{Path, PathBuf};

use hestia_model::Matcher;

use super::Head;
use crate::index::{postings_for_matchers, SeriesId};
use crate::record::{
    encode_deletes, encode_samples, encode_series, RefDelete, RefSample, RefSeries,
};
use crate::wal::{Reader, Wal, WalOptions};
use crate::Error;

const CHECKPOINT_PREFIX: &str = "checkpoint.";

/// The checkpoints in `wal_dir` (`N` of `checkpoint.N`), sorted.
pub(super) fn checkpoints(wal_dir: &Path) -> Result<Vec<u32>, Error> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(wal_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io("listing WAL directory", wal_dir, e)),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(n) = name
            .to_str()
            .and_then(|s| s.strip_prefix(CHECKPOINT_PREFIX))
            .filter(|s| s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
        else {
            continue;
        };
        out.push(n);
    }
    out.sort_unstable();
    Ok(out)
}

fn checkpoint_dir(wal_dir: &Path, n: u32) -> PathBuf {
    wal_dir.join(format!("{CHECKPOINT_PREFIX}{n:08}"))
}

/// A reader over the latest checkpoint of `wal_dir`, if there is one, and
/// its number.
pub(super) fn open_checkpoint(wal_dir: &Path) -> Result<Option<(u32, Reader)>, Error> {
    let Some(&n) = checkpoints(wal_dir)?.last() else {
        return Ok(None);
    };
    let dir = checkpoint_dir(wal_dir, n);
    let report = Wal::inspect(&dir)?;
    let last = report.segments.last().copied().unwrap_or(0);
    let reader = Reader::open(&dir, 0..=last)?;
    Ok(Some((n, reader)))
}

/// Deletes, after a checkpoint `n` is in place, the segments it covers
/// (those still there after a crash) and older checkpoints.
pub(super) fn remove_covered(wal: &mut Wal, n: u32) -> Result<(), Error> {
    let keep_from = n.saturating_add(1).min(wal.current_segment());
    if wal.segments().start() < &keep_from {
        wal.truncate_before(keep_from)?;
    }
    for old in checkpoints(wal.dir())? {
        if old < n {
            let dir = checkpoint_dir(wal.dir(), old);
            std::fs::remove_dir_all(&dir)
                .map_err(|e| Error::io("deleting old checkpoint", &dir, e))?;
        }
    }
    Ok(())
}

impl Head {
    /// The oldest and newest sample timestamps in the head, if it has any.
    /// The oldest is exact for series without closed chunks and otherwise
    /// a lower bound: the oldest first sample since the last truncation,
    /// raised to its cut (deletes do not raise it).
    pub fn time_range(&self) -> Option<(i64, i64)> {
        self.state.read().time_range()
    }

    /// The time before which samples are refused.
    pub fn min_valid_time(&self) -> i64 {
        self.min_valid_time
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Drops every sample before `cut` (which blocks now hold), refuses
    /// samples before it from now on, and checkpoints the WAL (see the
    /// module documentation).
    pub fn truncate(&self, cut: i64) -> Result<(), Error> {
        self.set_min_valid_time(cut.max(self.min_valid_time()));
        let mut wal = self.wal.as_ref().map(|w| w.lock());
        self.state.write().truncate(cut)?;
        let Some(wal) = wal.as_deref_mut() else {
            return Ok(());
        };
        let first_new = wal.next_segment()?;
        let n = first_new - 1;
        let dir = checkpoint_dir(wal.dir(), n);
        let tmp = dir.with_extension(format!("{n:08}.tmp"));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io("removing checkpoint", &tmp, e))?;
        }
        let opts = WalOptions {
            segment_size: self.opts.wal.segment_size,
            sync: self.opts.wal.sync,
        };
        let (mut cp, _) = Wal::open(&tmp, opts)?;
        self.dump_into(&mut cp)?;
        cp.close()?;
        std::fs::rename(&tmp, &dir).map_err(|e| Error::io("renaming checkpoint", &dir, e))?;
        if self.opts.wal.sync != crate::SyncPolicy::Never {
            crate::wal::sync_dir(wal.dir())?;
        }
        remove_covered(wal, n)
    }

    /// Logs every live series and all its samples into `out`.
    fn dump_into(&self, out: &mut Wal) -> Result<(), Error> {
        let state = self.state.read();
        let ids: Vec<SeriesId> = state.series.iter().map(|(id, _)| id).collect();
        for batch in ids.chunks(1_000) {
            let series: Vec<RefSeries> = batch
                .iter()
                .map(|&id| RefSeries {
                    id: u64::from(id),
                    labels: state.labels_of(id),
                })
                .collect();
            let mut rec = Vec::new();
            encode_series(&series, &mut rec);
            out.log(&[rec])?;
        }
        let mut pending: Vec<RefSample> = Vec::new();
        let per_record = self.opts.samples_per_record.max(1);
        for &id in &ids {
            for s in state.samples_of(id)? {
                pending.push(RefSample {
                    id: u64::from(id),
                    t: s.t,
                    v: s.v,
                });
                if pending.len() == per_record {
                    let mut rec = Vec::new();
                    encode_samples(&pending, &mut rec);
                    out.log(&[rec])?;
                    pending.clear();
                }
            }
        }
        if !pending.is_empty() {
            let mut rec = Vec::new();
            encode_samples(&pending, &mut rec);
            out.log(&[rec])?;
        }
        Ok(())
    }

    /// Deletes the samples in `[min_t, max_t]` of every series `matchers`
    /// select (logged first, so replay repeats it). Returns how many
    /// samples were removed.
    pub fn delete(&self, matchers: &[Matcher], min_t: i64, max_t: i64) -> Result<u64, Error> {
        if min_t > max_t {
            return Ok(0);
        }
        let mut wal = self.wal.as_ref().map(|w| w.lock());
        let ids = postings_for_matchers(&self.state.read().postings, matchers);
        if ids.is_empty() {
            return Ok(0);
        }
        if let Some(wal) = wal.as_deref_mut() {
            super::append::log_unlogged(&self.state, wal, Default::default(), 1)?;
            let deletes: Vec<RefDelete> = ids
                .iter()
                .map(|&id| RefDelete {
                    id: u64::from(id),
                    min_t,
                    max_t,
                })
                .collect();
            let mut rec = Vec::new();
            encode_deletes(&deletes, &mut rec);
            wal.log(&[rec])?;
        }
        let mut state = self.state.write();
        let per_chunk = self.opts.samples_per_chunk;
        let mut removed = 0;
        let mut failed = None;
        for &id in &ids {
            match state.retain_samples(id, per_chunk, |t| t < min_t || t > max_t) {
                Ok(n) => removed += n,
                Err(e) => failed = Some(e),
            }
        }
        state.flush();
        match failed {
            Some(e) => Err(e),
            None => Ok(removed),
        }
    }
}
