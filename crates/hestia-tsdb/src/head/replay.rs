//! Rebuilding the head from its WAL on open: the latest checkpoint
//! (`wal/checkpoint.N`, the live series and samples as of the last
//! truncation, covering segments up to `N`) first, then the segments
//! after it. Series records recreate series under their logged ids,
//! samples records append in log order (samples before the head's
//! minimum valid time, which blocks hold, are skipped), out-of-order
//! samples records insert into the series' out-of-order stores whatever
//! the window is now (they were accepted when logged), deletes records
//! remove samples as they did when logged.
//! One record is decoded at a time into reused buffers, so memory beyond
//! the head itself is bounded by the largest record. Nothing stops the
//! replay but an I/O error, which ends it early and is reported:
//! undecodable records, samples of unknown series and samples that are not
//! after their series' newest are skipped and counted ([`ReplayReport`]).

use std::collections::HashMap;

use super::state::State;
use crate::index::SeriesId;
use crate::record::{
    decode_deletes, decode_ooo_samples, decode_samples, decode_series, record_kind, RecordKind,
    RefDelete, RefSample, RefSeries,
};
use crate::wal::{Reader, Wal};
use crate::Error;

/// How far beyond the next free id a logged id may be. Ids are logged in
/// about the order they were made (a failed log puts a few back), so a
/// larger jump means a garbled record; refusing it keeps a bad id from
/// sizing the series table.
const MAX_ID_GAP: SeriesId = 1 << 20;

/// Closed chunks buffered during replay before they are written.
const FLUSH_BYTES: usize = 4 << 20;

/// What replaying the WAL did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Records read.
    pub records: u64,
    /// Series created.
    pub series: u64,
    /// Samples stored (out-of-order ones included).
    pub samples: u64,
    /// Of those, samples from out-of-order samples records.
    pub out_of_order_samples: u64,
    /// Samples naming a series no record defined (its record was lost),
    /// skipped.
    pub unknown_series_samples: u64,
    /// Samples not after their series' newest sample (out-of-order ones:
    /// at a time their series has), skipped (as the commit that logged
    /// them dropped them too).
    pub dropped_samples: u64,
    /// Series records repeating labels already defined under another id;
    /// their samples go to the first.
    pub duplicate_series: u64,
    /// Records whose checksum was intact but whose payload did not decode
    /// (or named an id beyond the head's range), skipped.
    pub corrupt_records: u64,
    /// Samples before the head's minimum valid time (already in blocks),
    /// skipped.
    pub below_min_time: u64,
    /// The checkpoint read first (`N` of `checkpoint.N`), if any.
    pub checkpoint: Option<u32>,
    /// The error that ended the replay early, if any (the head starts with
    /// what was read before it).
    pub read_error: Option<String>,
}

/// What replay needs besides the state.
pub(super) struct ReplayOptions {
    pub(super) per_chunk: usize,
    pub(super) min_t: i64,
}

/// Replays `checkpoint` (if any) and then every segment of `wal` into
/// `state`.
pub(super) fn replay(
    state: &mut State,
    checkpoint: Option<(u32, Reader)>,
    wal: &Wal,
    opts: &ReplayOptions,
) -> Result<ReplayReport, Error> {
    let mut report = ReplayReport::default();
    state.defer_indexing();
    // Logged ids whose labels an earlier id already had.
    let mut aliases: HashMap<u64, SeriesId> = HashMap::new();
    if let Some((n, reader)) = checkpoint {
        report.checkpoint = Some(n);
        replay_reader(state, reader, opts, &mut aliases, &mut report);
    }
    let read = match report.read_error {
        None => wal
            .reader(wal.segments())
            .map(|reader| replay_reader(state, reader, opts, &mut aliases, &mut report)),
        Some(_) => Ok(()),
    };
    state.index_all();
    state.flush();
    read.map(|()| report)
}

fn replay_reader(
    state: &mut State,
    mut reader: Reader,
    opts: &ReplayOptions,
    aliases: &mut HashMap<u64, SeriesId>,
    report: &mut ReplayReport,
) {
    let mut series: Vec<RefSeries> = Vec::new();
    let mut samples: Vec<RefSample> = Vec::new();
    let mut deletes: Vec<RefDelete> = Vec::new();
    loop {
        let record = match reader.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => break,
            Err(e) => {
                report.read_error = Some(e.to_string());
                break;
            }
        };
        report.records += 1;
        let payload = record.payload;
        let decoded = match record_kind(payload) {
            Ok(RecordKind::Series) => decode_series(payload, &mut series).map(|()| 0),
            Ok(RecordKind::Samples) => decode_samples(payload, &mut samples).map(|()| 1),
            Ok(RecordKind::Deletes) => decode_deletes(payload, &mut deletes).map(|()| 2),
            Ok(RecordKind::OooSamples) => decode_ooo_samples(payload, &mut samples).map(|()| 3),
            Err(e) => Err(e),
        };
        let resolve = |id: u64| match aliases.get(&id) {
            Some(&id) => Some(id),
            None => SeriesId::try_from(id).ok(),
        };
        match decoded {
            Err(_) => report.corrupt_records += 1,
            Ok(0) => add_series(state, &series, aliases, report),
            Ok(kind @ (1 | 3)) => {
                let ooo = kind == 3;
                for s in &samples {
                    let stored = |state: &mut State, id| match ooo {
                        false => state.append(id, s.t, s.v, opts.per_chunk),
                        true => state.insert_ooo(id, s.t, s.v, opts.per_chunk),
                    };
                    match resolve(s.id).filter(|&id| state.get(id).is_some()) {
                        None => report.unknown_series_samples += 1,
                        Some(_) if s.t < opts.min_t => report.below_min_time += 1,
                        Some(id) if stored(state, id) => {
                            report.samples += 1;
                            report.out_of_order_samples += u64::from(ooo);
                        }
                        Some(_) => report.dropped_samples += 1,
                    }
                }
            }
            Ok(_) => {
                for d in &deletes {
                    if let Some(id) = resolve(d.id).filter(|&id| state.get(id).is_some()) {
                        match state
                            .retain_samples(id, opts.per_chunk, |t| t < d.min_t || t > d.max_t)
                        {
                            Ok(removed) => report.samples -= removed.min(report.samples),
                            Err(e) => report.read_error = Some(e.to_string()),
                        }
                    }
                }
            }
        }
        // Bounds the memory of closed chunks not written yet.
        if state.files.memory_bytes() >= FLUSH_BYTES {
            state.flush();
        }
    }
}

fn add_series(
    state: &mut State,
    series: &[RefSeries],
    aliases: &mut HashMap<u64, SeriesId>,
    report: &mut ReplayReport,
) {
    let mut corrupt = false;
    for s in series {
        let hash = s.labels.hash();
        if let Some(existing) = state.lookup(hash, &s.labels) {
            if u64::from(existing) != s.id {
                aliases.insert(s.id, existing);
                report.duplicate_series += 1;
            }
            continue;
        }
        match SeriesId::try_from(s.id) {
            Ok(id)
                if id <= state.next_id().saturating_add(MAX_ID_GAP)
                    && id < SeriesId::MAX
                    && state.get(id).is_none()
                    && !s.labels.is_empty() =>
            {
                state.create(id, hash, &s.labels);
                report.series += 1;
            }
            _ => corrupt = true,
        }
    }
    if corrupt {
        report.corrupt_records += 1;
    }
}
