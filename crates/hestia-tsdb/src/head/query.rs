//! [`HeadQuerier`]: selects series of the [`Head`] by matchers over an
//! inclusive time range. Under the read lock, a select evaluates the
//! matchers on the postings and takes, for each selected series, its
//! labels, its newest closed chunk's reference and a copy of its open
//! chunk, plus one snapshot of the chunk files; then it streams without
//! the lock, reading each series' closed chunks in range (walking back
//! from the newest) when the series is reached. [`HeadSamples`] decodes
//! one chunk at a time into a small buffer, merging in the series'
//! out-of-order samples in range, which the select copies (decoded)
//! under the lock.

use std::collections::BTreeSet;

use hestia_model::{Labels, Matcher, Sample};
use hestia_storage::{
    Querier, SampleIterator, SelectHints, Series, SeriesSet, SeriesSource, StorageError,
};

use super::chunk_files::{walk, ChunkSnapshot, HeadChunkRef};
use super::ooo::OooSamples;
use super::series::MemSeries;
use super::state::State;
use super::Head;
use crate::index::{postings_for_matchers, SeriesId};
use crate::ChunkIter;

pub(super) struct HeadQuerier<'h> {
    head: &'h Head,
    min_t: i64,
    max_t: i64,
}

impl<'h> HeadQuerier<'h> {
    pub(super) fn new(head: &'h Head, min_t: i64, max_t: i64) -> HeadQuerier<'h> {
        HeadQuerier { head, min_t, max_t }
    }

    /// Calls `f` with each series the matchers select that has data
    /// overlapping the querier's range (by its time span: a series whose
    /// samples straddle the range without one inside it is included,
    /// which `label_names`/`label_values` may do).
    fn for_each_overlapping(
        &self,
        state: &State,
        matchers: &[Matcher],
        mut f: impl FnMut(&MemSeries),
    ) {
        let min_t = self.min_t.max(state.floor);
        let bound = state.min_time.max(state.floor);
        for id in postings_for_matchers(&state.postings, matchers) {
            if let Some(s) = state
                .get(id)
                .filter(|s| s.overlaps(min_t, self.max_t, bound, state.ooo_of(id)))
            {
                f(s);
            }
        }
    }
}

impl Querier for HeadQuerier<'_> {
    fn select(&self, sorted: bool, hints: &SelectHints, matchers: &[Matcher]) -> SeriesSet<'_> {
        let max_t = self.max_t.min(hints.end);
        let mut selected = Vec::new();
        let (files, min_t) = {
            let state = self.head.state.read();
            let min_t = self.min_t.max(hints.start).max(state.floor);
            if min_t > max_t {
                return SeriesSet::empty();
            }
            let bound = state.min_time.max(state.floor);
            for id in postings_for_matchers(&state.postings, matchers) {
                let Some(series) = state.get(id) else {
                    continue;
                };
                if let Some(snap) = snapshot(id, series, state.ooo_of(id), min_t, max_t, bound) {
                    selected.push((state.labels_of(id), snap));
                }
            }
            (state.files.snapshot(), min_t)
        };
        if sorted {
            selected.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        SeriesSet::new(Selected {
            series: selected.into_iter(),
            files,
            min_t,
            max_t,
        })
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let state = self.head.state.read();
        if matchers.is_empty() {
            // Over-approximates (series outside the range), as the
            // contract allows: the index has the answer at hand.
            return Ok(state.postings.names().map(String::from).collect());
        }
        let mut names = BTreeSet::new();
        self.for_each_overlapping(&state, matchers, |s| {
            names.extend(state.label_ids(s).map(|(n, _)| n));
        });
        let mut out: Vec<String> = names
            .into_iter()
            .map(|n| state.symbols.resolve(n).to_string())
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let state = self.head.state.read();
        if matchers.is_empty() {
            return Ok(state
                .postings
                .values(name)
                .map(|(v, _)| v.to_string())
                .collect());
        }
        let Some(name_id) = state.symbols.get(name) else {
            return Ok(Vec::new());
        };
        let mut values = BTreeSet::new();
        self.for_each_overlapping(&state, matchers, |s| {
            if let Some((_, v)) = state.label_ids(s).find(|&(n, _)| n == name_id) {
                values.insert(v);
            }
        });
        let mut out: Vec<String> = values
            .into_iter()
            .map(|v| state.symbols.resolve(v).to_string())
            .collect();
        out.sort_unstable();
        Ok(out)
    }
}

/// What a select copies of a series under the lock.
struct SeriesSnap {
    id: SeriesId,
    /// The newest closed chunk to walk back from (`0`: none needed).
    newest: HeadChunkRef,
    newest_max_t: i64,
    /// The open chunk's bytes and last timestamp, if it overlaps.
    open: Option<(Vec<u8>, i64)>,
    /// The out-of-order samples in range, sorted.
    ooo: Vec<Sample>,
}

/// What `series` (with its out-of-order samples `ooo`) has in
/// `[min_t, max_t]`, if anything may be there.
fn snapshot(
    id: SeriesId,
    series: &MemSeries,
    ooo: Option<&OooSamples>,
    min_t: i64,
    max_t: i64,
    bound: i64,
) -> Option<SeriesSnap> {
    let last = series.last()?;
    if !series.overlaps(min_t, max_t, bound, ooo) {
        return None;
    }
    let open = series
        .open_min_t()
        .filter(|&first| first <= max_t && last.t >= min_t)
        .map(|_| (series.open.as_bytes().to_vec(), last.t));
    let closed = series.newest != 0 && series.newest_max_t >= min_t;
    let ooo = ooo.map_or_else(Vec::new, |o| o.range(min_t, max_t));
    if open.is_none() && !closed && ooo.is_empty() {
        return None;
    }
    Some(SeriesSnap {
        id,
        newest: if closed { series.newest } else { 0 },
        newest_max_t: series.newest_max_t,
        open,
        ooo,
    })
}

/// One chunk of a selected series.
struct ChunkRef {
    bytes: Vec<u8>,
    max_t: i64,
}

/// The series a select took, streamed.
struct Selected {
    series: std::vec::IntoIter<(Labels, SeriesSnap)>,
    files: ChunkSnapshot,
    min_t: i64,
    max_t: i64,
}

impl Selected {
    /// The chunks of `snap` in range, oldest first: its closed chunks read
    /// from the files, then its open chunk.
    fn chunks(&self, snap: &mut SeriesSnap) -> Result<Vec<ChunkRef>, StorageError> {
        let files = &self.files;
        let closed = walk(
            snap.newest,
            snap.newest_max_t,
            self.min_t,
            self.max_t,
            |r, buf| files.read(r, snap.id, buf),
        )
        .map_err(|reason| {
            StorageError::Corrupted(format!("head chunk of series {}: {reason}", snap.id))
        })?;
        let mut chunks: Vec<ChunkRef> = closed
            .into_iter()
            .map(|(h, bytes)| ChunkRef {
                bytes,
                max_t: h.max_t,
            })
            .collect();
        if let Some((bytes, max_t)) = snap.open.take() {
            chunks.push(ChunkRef { bytes, max_t });
        }
        Ok(chunks)
    }
}

impl<'a> SeriesSource<'a> for Selected {
    fn next_series(&mut self) -> Option<Result<Series<'a>, StorageError>> {
        while let Some((labels, mut snap)) = self.series.next() {
            let chunks = match self.chunks(&mut snap) {
                Ok(chunks) => chunks,
                Err(e) => return Some(Err(e)),
            };
            let ooo = std::mem::take(&mut snap.ooo);
            let mut samples = HeadSamples::new(chunks, ooo, self.min_t, self.max_t);
            // Chunks overlapping the range may still have no sample in it.
            match samples.peek() {
                Some(s) if s.t <= self.max_t => return Some(Ok(Series::new(labels, samples))),
                Some(_) => {}
                None => {
                    if let Some(e) = samples.err() {
                        return Some(Err(e.clone()));
                    }
                }
            }
        }
        None
    }
}

/// The samples of one selected series within `[min_t, max_t]`, decoding
/// one chunk at a time and merging in its out-of-order samples (which
/// never share a timestamp with the chunks).
pub(super) struct HeadSamples {
    chunks: std::vec::IntoIter<ChunkRef>,
    /// The decoded samples of the current chunk at or after `min_t`.
    buf: Vec<Sample>,
    /// The next sample of `buf` to return.
    pos: usize,
    /// The out-of-order samples in range, sorted, and the next one.
    ooo: Vec<Sample>,
    ooo_pos: usize,
    min_t: i64,
    max_t: i64,
    current: Option<Sample>,
    err: Option<StorageError>,
    /// No chunk is left to load.
    chunks_done: bool,
    done: bool,
}

impl HeadSamples {
    fn new(chunks: Vec<ChunkRef>, ooo: Vec<Sample>, min_t: i64, max_t: i64) -> HeadSamples {
        HeadSamples {
            chunks: chunks.into_iter(),
            buf: Vec::new(),
            pos: 0,
            ooo,
            ooo_pos: 0,
            min_t,
            max_t,
            current: None,
            err: None,
            chunks_done: false,
            done: false,
        }
    }

    /// Decodes the next chunk whose newest sample is at or after `from`.
    /// `false` when no chunk is left or one is corrupt.
    fn load(&mut self, from: i64) -> bool {
        self.buf.clear();
        self.pos = 0;
        let Some(chunk) = self.chunks.by_ref().find(|c| c.max_t >= from) else {
            return false;
        };
        let from = from.max(self.min_t);
        let iter = match ChunkIter::new(&chunk.bytes) {
            Ok(iter) => iter,
            Err(e) => {
                self.err = Some(StorageError::Corrupted(e.to_string()));
                return false;
            }
        };
        for s in iter {
            match s {
                Ok(s) if s.t < from => {}
                Ok(s) => self.buf.push(Sample::new(s.t, s.v)),
                Err(e) => {
                    self.err = Some(StorageError::Corrupted(e.to_string()));
                    return false;
                }
            }
        }
        true
    }

    /// The next chunk sample at or after `from`, without moving past it.
    fn peek_chunks(&mut self, from: i64) -> Option<Sample> {
        if self.chunks_done {
            return None;
        }
        loop {
            if let Some(last) = self.buf.last() {
                if last.t >= from {
                    self.pos += self.buf[self.pos..].partition_point(|s| s.t < from);
                    return self.buf.get(self.pos).copied();
                }
            }
            if !self.load(from) {
                self.chunks_done = true;
                return None;
            }
        }
    }

    /// The next sample at or after `from`, without moving past it, and
    /// whether it is an out-of-order one.
    fn peek_from(&mut self, from: i64) -> Option<(Sample, bool)> {
        if self.done {
            return None;
        }
        let chunk = self.peek_chunks(from);
        if self.err.is_some() {
            return None;
        }
        self.ooo_pos += self.ooo[self.ooo_pos..].partition_point(|s| s.t < from);
        match (chunk, self.ooo.get(self.ooo_pos).copied()) {
            (Some(c), Some(o)) if o.t < c.t => Some((o, true)),
            (Some(c), _) => Some((c, false)),
            (None, Some(o)) => Some((o, true)),
            (None, None) => None,
        }
    }

    /// The next sample, without moving past it.
    fn peek(&mut self) -> Option<Sample> {
        self.peek_from(self.min_t).map(|(s, _)| s)
    }

    fn step(&mut self, from: i64) -> Option<Sample> {
        let Some((s, ooo)) = self.peek_from(from).filter(|(s, _)| s.t <= self.max_t) else {
            self.done = true;
            self.current = None;
            return None;
        };
        if ooo {
            self.ooo_pos += 1;
        } else {
            self.pos += 1;
        }
        self.current = Some(s);
        Some(s)
    }
}

impl SampleIterator for HeadSamples {
    fn next(&mut self) -> Option<Sample> {
        let from = self.current.map_or(self.min_t, |c| c.t.saturating_add(1));
        if self.current.is_some_and(|c| c.t == i64::MAX) {
            self.done = true;
            self.current = None;
            return None;
        }
        self.step(from)
    }

    fn seek(&mut self, t: i64) -> Option<Sample> {
        if let Some(c) = self.current.filter(|c| c.t >= t) {
            return Some(c);
        }
        let from = t.max(self.current.map_or(self.min_t, |c| c.t.saturating_add(1)));
        self.step(from)
    }

    fn at(&self) -> Option<Sample> {
        self.current
    }

    fn err(&self) -> Option<&StorageError> {
        self.err.as_ref()
    }
}
