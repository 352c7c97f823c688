//! One series in the head ([`MemSeries`]) and the table holding them by
//! id ([`SeriesTable`]).
//!
//! A series appends to its open [`Encoding::Xor`](crate::Encoding::Xor)
//! chunk, held inline in [`OPEN_CHUNK_BYTES`] bytes of the series' state
//! ([`InlineChunk`]); when the chunk holds `samples_per_chunk` samples or
//! the next sample does not fit, that sample closes it: its bytes go to
//! the head's chunk files (`chunk_files.rs`) as a frame that points to
//! the series' previous closed chunk, and the series keeps only the
//! newest closed chunk's reference and last timestamp. Memory per series
//! is therefore the same from its first sample on, after an hour as after
//! a minute: 96 bytes, with no allocation of its own. Samples
//! accepted out of order go to a separate store (`ooo.rs`), held by the
//! state apart from the series, only for series that receive one.

use hestia_model::Sample;

use super::chunk_files::{ChunkFiles, FrameHeader, HeadChunkRef};
use super::ooo::OooSamples;
use crate::chunk::{InlineChunk, Push};
use crate::index::SeriesId;

/// Bytes of a series' open chunk. With the header and the first two
/// samples taking 19 bytes (at millisecond timestamps of today), 29 are
/// left: on scraped data (one bit a timestamp on schedule, a few to
/// ~20 bits a value) 13 to 120 samples, and ~5 for values that change in
/// all their bits. Chosen to make the series state 96 bytes (the
/// chunk's 48 and 24 of coder state beside them): 64 bytes held 24
/// samples a chunk instead of 16 on the benchmark's workload (3.44
/// instead of 4.29 bytes a sample in the head's chunk files) for 16 more
/// bytes of memory per series.
pub(crate) const OPEN_CHUNK_BYTES: usize = 48;

/// A series of the head.
#[derive(Debug)]
pub(crate) struct MemSeries {
    /// Where its labels are in the state's label arena.
    pub(crate) labels: u32,
    /// Closed chunks (in the chain from `newest`).
    pub(crate) closed: u32,
    /// The newest closed chunk (`0`: none).
    pub(crate) newest: HeadChunkRef,
    /// The newest closed chunk's last timestamp.
    pub(crate) newest_max_t: i64,
    pub(crate) open: InlineChunk<OPEN_CHUNK_BYTES>,
}

/// What appending one sample to a series did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Appended {
    /// Stored; `closed` tells whether a chunk was closed first.
    Stored { first: bool, closed: bool },
    /// Not after the series' newest sample: dropped.
    Dropped,
}

impl MemSeries {
    pub(crate) fn new(labels: u32) -> MemSeries {
        MemSeries {
            labels,
            closed: 0,
            newest: 0,
            newest_max_t: i64::MIN,
            open: InlineChunk::new(),
        }
    }

    /// The newest sample, value bits exact.
    pub(crate) fn last(&self) -> Option<Sample> {
        self.open.last().map(|s| Sample::new(s.t, s.v))
    }

    /// A lower bound of the series' oldest timestamp, given `bound`, one
    /// for every series (below which readers see nothing), and its
    /// out-of-order samples `ooo`: exact while it has no closed chunk (the
    /// series does not keep its oldest closed chunk's time), `bound`
    /// otherwise.
    pub(crate) fn min_t(&self, bound: i64, ooo: Option<&OooSamples>) -> Option<i64> {
        if self.newest == 0 {
            let ooo = ooo.and_then(|o| o.min_t());
            let open = self.open_min_t();
            let min = match (open, ooo) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            min.map(|t| t.max(bound))
        } else {
            (!self.open.is_empty()).then_some(bound)
        }
    }

    /// The open chunk's first timestamp.
    pub(crate) fn open_min_t(&self) -> Option<i64> {
        self.open.first_timestamp()
    }

    /// Whether the series (with its out-of-order samples `ooo`) may have
    /// samples in `[min_t, max_t]` (its span, starting no earlier than
    /// `bound`, overlaps it).
    pub(crate) fn overlaps(
        &self,
        min_t: i64,
        max_t: i64,
        bound: i64,
        ooo: Option<&OooSamples>,
    ) -> bool {
        match (self.min_t(bound, ooo), self.last()) {
            (Some(lo), Some(hi)) => lo <= max_t && hi.t >= min_t,
            _ => false,
        }
    }

    /// Forgets every in-order sample (the closed chunks stay in the files
    /// until their segments are deleted).
    pub(crate) fn clear(&mut self) {
        self.closed = 0;
        self.newest = 0;
        self.newest_max_t = i64::MIN;
        self.open = InlineChunk::new();
    }

    /// Appends `(t, v)` if `t` is after the newest sample, closing the
    /// open chunk into `files` first when it holds `per_chunk` samples or
    /// the sample does not fit in it.
    pub(crate) fn append(
        &mut self,
        id: SeriesId,
        t: i64,
        v: f64,
        per_chunk: usize,
        files: &mut ChunkFiles,
    ) -> Appended {
        let was_empty = self.open.is_empty();
        match self.open.push(t, v, per_chunk) {
            Push::Stored => {
                return Appended::Stored {
                    first: was_empty,
                    closed: false,
                }
            }
            Push::NotAfter => return Appended::Dropped,
            Push::Full => {}
        }
        // Full: an empty chunk has room for any first sample, so there is
        // one to close.
        let mut closed = false;
        if let (Some(last), Some(first)) = (self.open.last(), self.open.first_timestamp()) {
            let h = FrameHeader {
                series: id,
                min_t: first,
                max_t: last.t,
                prev: self.newest,
                prev_max_t: self.newest_max_t,
            };
            self.newest = files.append(&h, self.open.as_bytes());
            self.newest_max_t = last.t;
            self.closed += 1;
            closed = true;
        }
        self.open = InlineChunk::new();
        // Cannot fail: a new chunk has room for any first sample.
        let stored = self.open.push(t, v, usize::MAX);
        debug_assert_eq!(stored, Push::Stored);
        Appended::Stored {
            first: was_empty,
            closed,
        }
    }
}

/// Series slots per page of the table.
const PAGE: usize = 1024;

/// Series by id, in pages of 1 024 slots allocated as ids reach them, so
/// the table never holds more than one page of unused slots beyond the
/// gaps replay leaves.
#[derive(Debug, Default)]
pub(crate) struct SeriesTable {
    pages: Vec<Option<Box<[Option<MemSeries>]>>>,
    /// One past the highest id ever defined.
    len: usize,
}

impl SeriesTable {
    /// One past the highest id defined.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Makes `len` at least `n` (ids below it are never given out again).
    pub(crate) fn reserve_ids(&mut self, n: usize) {
        self.len = self.len.max(n);
    }

    pub(crate) fn get(&self, id: SeriesId) -> Option<&MemSeries> {
        let i = id as usize;
        self.pages.get(i / PAGE)?.as_ref()?[i % PAGE].as_ref()
    }

    pub(crate) fn get_mut(&mut self, id: SeriesId) -> Option<&mut MemSeries> {
        let i = id as usize;
        self.pages.get_mut(i / PAGE)?.as_mut()?[i % PAGE].as_mut()
    }

    /// Puts `s` in slot `id`, which must be free.
    pub(crate) fn insert(&mut self, id: SeriesId, s: MemSeries) {
        let i = id as usize;
        if self.pages.len() <= i / PAGE {
            self.pages.resize_with(i / PAGE + 1, || None);
        }
        let page = self.pages[i / PAGE].get_or_insert_with(|| (0..PAGE).map(|_| None).collect());
        debug_assert!(page[i % PAGE].is_none());
        page[i % PAGE] = Some(s);
        self.len = self.len.max(i + 1);
    }

    /// Puts `s` in slot `id`, replacing what is there.
    pub(crate) fn replace(&mut self, id: SeriesId, s: MemSeries) {
        if let Some(slot) = self.get_mut(id) {
            *slot = s;
        } else {
            self.insert(id, s);
        }
    }

    /// Every series with its id, by id, taking them out of the table.
    pub(crate) fn into_series(self) -> impl Iterator<Item = (SeriesId, MemSeries)> {
        self.pages
            .into_iter()
            .enumerate()
            .filter_map(|(p, page)| page.map(|page| (p, page)))
            .flat_map(|(p, page)| {
                page.into_vec()
                    .into_iter()
                    .enumerate()
                    .filter_map(move |(i, s)| s.map(|s| ((p * PAGE + i) as SeriesId, s)))
            })
    }

    /// Every series with its id, by id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (SeriesId, &MemSeries)> {
        self.pages
            .iter()
            .enumerate()
            .filter_map(|(p, page)| page.as_ref().map(|page| (p, page)))
            .flat_map(|(p, page)| {
                page.iter()
                    .enumerate()
                    .filter_map(move |(i, s)| s.as_ref().map(|s| ((p * PAGE + i) as SeriesId, s)))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::chunk_files::walk;
    use crate::ChunkIter;

    #[test]
    fn closes_chunks_into_the_files() {
        let mut files = ChunkFiles::in_memory(64);
        let mut s = MemSeries::new(0);
        assert_eq!(s.last(), None);
        let mut closed = 0;
        for t in 0..25 {
            if let Appended::Stored { closed: true, .. } =
                s.append(3, t * 10, t as f64, 4, &mut files)
            {
                closed += 1;
            }
        }
        assert_eq!((closed, s.closed), (6, 6));
        assert_eq!(s.open.len(), 1);
        assert_eq!(s.append(3, 240, 0.0, 4, &mut files), Appended::Dropped);
        assert_eq!((s.min_t(-7, None), s.open_min_t()), (Some(-7), Some(240)));
        let chunks = walk(s.newest, s.newest_max_t, i64::MIN, i64::MAX, |r, b| {
            files.read(r, 3, b)
        })
        .unwrap();
        let mut all = Vec::new();
        for (h, bytes) in &chunks {
            let samples: Vec<i64> = ChunkIter::new(bytes)
                .unwrap()
                .map(|x| x.unwrap().t)
                .collect();
            assert_eq!((samples[0], samples[3]), (h.min_t, h.max_t));
            all.extend(samples);
        }
        all.extend(
            ChunkIter::new(s.open.as_bytes())
                .unwrap()
                .map(|x| x.unwrap().t),
        );
        assert_eq!(all, (0..25).map(|t| t * 10).collect::<Vec<_>>());
    }

    #[test]
    fn a_gap_wider_than_a_u32_of_milliseconds_closes_the_chunk() {
        let mut files = ChunkFiles::in_memory(64);
        let mut s = MemSeries::new(0);
        let wide = i64::from(u32::MAX) + 1;
        let times = [-wide, 0, 10, 10 + wide, 11 + wide, i64::MAX];
        let appended: Vec<_> = times
            .iter()
            .map(|&t| s.append(2, t, t as f64, 120, &mut files))
            .collect();
        let stored = |first, closed| Appended::Stored { first, closed };
        assert_eq!(
            appended,
            [
                stored(true, false),
                stored(false, true),
                stored(false, false),
                stored(false, true),
                stored(false, false),
                stored(false, true),
            ]
        );
        assert_eq!(s.append(2, 5, 0.0, 120, &mut files), Appended::Dropped);
        let chunks = walk(s.newest, s.newest_max_t, i64::MIN, i64::MAX, |r, b| {
            files.read(r, 2, b)
        })
        .unwrap();
        let mut all: Vec<i64> = chunks
            .iter()
            .flat_map(|(_, bytes)| ChunkIter::new(bytes).unwrap().map(|x| x.unwrap().t))
            .collect();
        all.extend(
            ChunkIter::new(s.open.as_bytes())
                .unwrap()
                .map(|x| x.unwrap().t),
        );
        assert_eq!(all, times);
        assert_eq!(s.closed, 3);
    }

    #[test]
    fn closes_full_chunks_before_their_sample_count() {
        // Values that change in all their bits: a few samples fill the
        // inline bytes long before 120 samples.
        let mut files = ChunkFiles::in_memory(1 << 16);
        let mut s = MemSeries::new(0);
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut want = Vec::new();
        for i in 0..200 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            assert!(matches!(
                s.append(1, i * 5_000, v, 120, &mut files),
                Appended::Stored { .. }
            ));
            want.push((i * 5_000, x));
        }
        assert!(s.closed > 200 / 8, "{} closed chunks", s.closed);
        let chunks = walk(s.newest, s.newest_max_t, i64::MIN, i64::MAX, |r, b| {
            files.read(r, 1, b)
        })
        .unwrap();
        assert_eq!(chunks.len(), s.closed as usize);
        let mut all = Vec::new();
        for (_, bytes) in &chunks {
            assert!(bytes.len() <= OPEN_CHUNK_BYTES);
            all.extend(ChunkIter::new(bytes).unwrap().map(|x| x.unwrap()));
        }
        all.extend(
            ChunkIter::new(s.open.as_bytes())
                .unwrap()
                .map(|x| x.unwrap()),
        );
        let got: Vec<_> = all.iter().map(|x| (x.t, x.v.to_bits())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn series_state_stays_small() {
        assert_eq!(std::mem::size_of::<Option<MemSeries>>(), 96);
    }

    #[test]
    fn table_pages() {
        let mut t = SeriesTable::default();
        assert!(t.get(5).is_none());
        t.insert(3, MemSeries::new(30));
        t.insert(5000, MemSeries::new(50));
        assert_eq!(t.len(), 5001);
        assert_eq!(t.get(3).map(|s| s.labels), Some(30));
        assert!(t.get(4).is_none() && t.get(2000).is_none() && t.get(9999).is_none());
        t.get_mut(5000).unwrap().labels = 51;
        let ids: Vec<_> = t.iter().map(|(id, s)| (id, s.labels)).collect();
        assert_eq!(ids, [(3, 30), (5000, 51)]);
        assert_eq!(
            t.pages.iter().flatten().count(),
            2,
            "pages only where ids are"
        );
    }
}
