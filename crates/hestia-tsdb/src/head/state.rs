//! [`State`]: everything the head keeps behind its lock — the symbol
//! table, the label arena, the series by id and by label hash, the
//! postings and the chunk files — and the operations on it that need
//! several of them at once (finding and creating series, appending a
//! sample, reading a series back).
//!
//! Memory per series is kept small: labels are symbol ids in one shared
//! byte arena (`[count, name, value, …]`, each a LEB128 varint: one or
//! two bytes for all but the rarest strings; no allocation per series), the hash
//! index stores only 4-byte ids (labels are hashed again when it grows),
//! series sit in pages of a table, and closed chunks are on disk.

use std::collections::HashMap;

use hashbrown::HashTable;
use hestia_model::{Labels, Sample};
use xxhash_rust::xxh3::Xxh3Default;

use super::chunk_files::{walk, ChunkFiles};
use super::ooo::OooSamples;
use super::series::{Appended, MemSeries, SeriesTable};
use crate::index::{MemPostings, SeriesId, SymbolId, Symbols};
use crate::{ChunkIter, Error};

/// The head's data. Truncation drops series but never reuses their ids,
/// so ids stay dense.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) symbols: Symbols,
    /// Series' labels: at a series' `labels` offset, the label count,
    /// then `(name, value)` symbol ids in label order, each a LEB128
    /// varint ([`push_varint`]).
    arena: Vec<u8>,
    pub(crate) series: SeriesTable,
    /// Samples accepted out of order (within the window), all before
    /// their series' newest in-order sample, for the few series that
    /// have any (kept apart so other series do not pay for a pointer).
    ooo: HashMap<SeriesId, OooSamples, foldhash::fast::RandomState>,
    /// Series ids by `Labels::hash()` (collisions told apart by labels).
    ids: HashTable<SeriesId>,
    pub(crate) postings: MemPostings,
    /// Series are not added to the postings as they are created (during
    /// replay; see [`State::defer_indexing`]).
    unindexed: bool,
    pub(crate) files: ChunkFiles,
    /// Samples before this time were truncated away (some may remain in
    /// closed chunks straddling it; readers skip them).
    pub(crate) floor: i64,
    /// No sample is older: the oldest first sample of any series since the
    /// last truncation, raised to the cut by truncation (deletes may
    /// leave it lower than the truth).
    pub(crate) min_time: i64,
    /// The newest timestamp stored since the head was opened (`i64::MIN`:
    /// none), as Prometheus' head maximum time: the out-of-order window
    /// reaches back from it. Deletes and truncation leave it.
    pub(crate) max_time: i64,
    /// Series created since the last commit logged series records.
    pub(crate) unlogged: Vec<SeriesId>,
    /// Number of series.
    pub(crate) live: usize,
    /// Closed chunks, plus open chunks holding samples.
    pub(crate) chunks: usize,
    /// Samples stored.
    pub(crate) samples: u64,
}

/// `Labels::hash()` of `pairs` (name and value symbol ids), without
/// building the labels: XXH3-64 over name, `0xff`, value, `0xff`.
fn hash_pairs(symbols: &Symbols, pairs: LabelIds<'_>) -> u64 {
    let mut h = Xxh3Default::new();
    for (n, v) in pairs {
        h.update(symbols.resolve(n).as_bytes());
        h.update(&[0xff]);
        h.update(symbols.resolve(v).as_bytes());
        h.update(&[0xff]);
    }
    h.digest()
}

/// Appends `n` to the arena as a LEB128 varint (7 bits a byte, low bits
/// first, the high bit set on every byte but the last).
fn push_varint(arena: &mut Vec<u8>, mut n: u32) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            push_compact(arena, byte);
            return;
        }
        push_compact(arena, byte | 0x80);
    }
}

/// Reads a varint written by [`push_varint`] at `*pos` (`0` past the
/// end: the arena is only written by [`State::create`]).
fn read_varint(arena: &[u8], pos: &mut usize) -> u32 {
    let mut n = 0u32;
    let mut shift = 0;
    while let Some(&b) = arena.get(*pos) {
        *pos += 1;
        n |= u32::from(b & 0x7f).wrapping_shl(shift);
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    n
}

/// The `(name, value)` symbol ids of one series in the label arena.
#[derive(Debug, Clone)]
pub(crate) struct LabelIds<'a> {
    arena: &'a [u8],
    pos: usize,
    left: usize,
}

impl Iterator for LabelIds<'_> {
    type Item = (SymbolId, SymbolId);

    fn next(&mut self) -> Option<(SymbolId, SymbolId)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let n = read_varint(self.arena, &mut self.pos);
        let v = read_varint(self.arena, &mut self.pos);
        Some((n, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for LabelIds<'_> {}

/// The `(name, value)` symbol ids stored at `offset` of `arena`.
fn pairs_at(arena: &[u8], offset: u32) -> LabelIds<'_> {
    let mut pos = offset as usize;
    let left = read_varint(arena, &mut pos) as usize;
    LabelIds { arena, pos, left }
}

/// Pushes onto a vector that grows by an eighth when full (rather than
/// doubling), for the head's long-lived, slowly growing vectors.
pub(crate) fn push_compact<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 8).max(4));
    }
    v.push(x);
}

impl State {
    pub(crate) fn new(files: ChunkFiles) -> State {
        State {
            symbols: Symbols::new(),
            arena: Vec::new(),
            series: SeriesTable::default(),
            ooo: HashMap::default(),
            ids: HashTable::new(),
            postings: MemPostings::new(),
            unindexed: false,
            files,
            floor: i64::MIN,
            min_time: i64::MAX,
            max_time: i64::MIN,
            unlogged: Vec::new(),
            live: 0,
            chunks: 0,
            samples: 0,
        }
    }

    /// Series `id`, if defined.
    pub(crate) fn get(&self, id: SeriesId) -> Option<&MemSeries> {
        self.series.get(id)
    }

    /// The out-of-order samples of series `id`, if it has any.
    pub(crate) fn ooo_of(&self, id: SeriesId) -> Option<&OooSamples> {
        self.ooo.get(&id)
    }

    /// The label names and values of `s` as symbol ids, in label order.
    pub(crate) fn label_ids(&self, s: &MemSeries) -> LabelIds<'_> {
        pairs_at(&self.arena, s.labels)
    }

    /// Whether series `id`'s labels are `labels`.
    pub(crate) fn labels_eq(&self, id: SeriesId, labels: &Labels) -> bool {
        self.get(id).is_some_and(|s| {
            let pairs = self.label_ids(s);
            pairs.len() == labels.len()
                && pairs.zip(labels).all(|((n, v), (name, value))| {
                    self.symbols.resolve(n) == name && self.symbols.resolve(v) == value
                })
        })
    }

    /// The series with `labels` (whose hash is `hash`).
    pub(crate) fn lookup(&self, hash: u64, labels: &Labels) -> Option<SeriesId> {
        self.ids
            .find(hash, |&id| self.labels_eq(id, labels))
            .copied()
    }

    /// The labels of series `id`.
    pub(crate) fn labels_of(&self, id: SeriesId) -> Labels {
        let Some(s) = self.get(id) else {
            return Labels::default();
        };
        Labels::new(
            self.label_ids(s)
                .map(|(n, v)| (self.symbols.resolve(n), self.symbols.resolve(v))),
        )
        .unwrap_or_default()
    }

    /// The next id a new series gets.
    pub(crate) fn next_id(&self) -> SeriesId {
        self.series.len() as SeriesId
    }

    /// Creates series `id` (at least [`next_id`](State::next_id), or a gap
    /// left by replay) with `labels`, which no series has yet, and
    /// `hash == labels.hash()`.
    pub(crate) fn create(&mut self, id: SeriesId, hash: u64, labels: &Labels) {
        debug_assert!(self.lookup(hash, labels).is_none());
        debug_assert_eq!(hash, labels.hash());
        let offset = u32::try_from(self.arena.len()).expect("label arena past 4 GiB");
        push_varint(&mut self.arena, labels.len() as u32);
        for (n, v) in labels {
            let (n, v) = (self.symbols.intern(n), self.symbols.intern(v));
            push_varint(&mut self.arena, n);
            push_varint(&mut self.arena, v);
        }
        if !self.unindexed {
            self.index(id, offset);
        }
        self.series.insert(id, MemSeries::new(offset));
        let symbols = &self.symbols;
        let (arena, series) = (&self.arena, &self.series);
        self.ids.insert_unique(hash, id, |&other| {
            series
                .get(other)
                .map_or(0, |s| hash_pairs(symbols, pairs_at(arena, s.labels)))
        });
        self.live += 1;
    }

    /// Adds series `id`, whose labels are at `offset` in the arena, to the
    /// postings.
    fn index(&mut self, id: SeriesId, offset: u32) {
        let symbols = &self.symbols;
        let pairs = pairs_at(&self.arena, offset);
        self.postings.add(
            id,
            pairs.map(|(n, v)| (symbols.shared(n), symbols.shared(v))),
        );
    }

    /// Leaves the postings alone in [`create`](State::create) until
    /// [`index_all`](State::index_all): replay creates series in the order
    /// they were logged, which is not always id order (series whose
    /// records failed to be written are logged again after newer ones),
    /// and a posting list takes an id below its last one by re-encoding
    /// itself.
    pub(crate) fn defer_indexing(&mut self) {
        self.unindexed = true;
    }

    /// Builds the postings of every series, in id order, and indexes new
    /// series as they are created again.
    pub(crate) fn index_all(&mut self) {
        self.unindexed = false;
        self.postings = MemPostings::new();
        let series: Vec<(SeriesId, u32)> =
            self.series.iter().map(|(id, s)| (id, s.labels)).collect();
        for (id, offset) in series {
            self.index(id, offset);
        }
    }

    /// Appends a sample to series `id`; `false` if it is not after the
    /// series' newest sample (or the series does not exist). Closed
    /// chunks are written at the next [`flush`](State::flush).
    pub(crate) fn append(&mut self, id: SeriesId, t: i64, v: f64, per_chunk: usize) -> bool {
        let Some(series) = self.series.get_mut(id) else {
            return false;
        };
        match series.append(id, t, v, per_chunk, &mut self.files) {
            Appended::Dropped => false,
            Appended::Stored { first, closed } => {
                if first {
                    self.min_time = self.min_time.min(t);
                }
                self.max_time = self.max_time.max(t);
                self.chunks += usize::from(first) + usize::from(closed);
                self.samples += 1;
                true
            }
        }
    }

    /// Stores a sample accepted out of order in series `id`: in its
    /// out-of-order store when `t` is before its newest sample, appended
    /// in order when it is after (or the series has no sample). `false`
    /// if the series already has a sample at `t` (or does not exist).
    pub(crate) fn insert_ooo(&mut self, id: SeriesId, t: i64, v: f64, per_chunk: usize) -> bool {
        let Some(series) = self.get(id) else {
            return false;
        };
        if series.last().is_none_or(|last| t > last.t) {
            return self.append(id, t, v, per_chunk);
        }
        if self.value_at(id, t).is_some() {
            return false;
        }
        let ooo = self.ooo.entry(id).or_default();
        let before = ooo.chunk_count();
        ooo.insert(t, v);
        self.chunks = self.chunks + ooo.chunk_count() - before;
        self.samples += 1;
        self.min_time = self.min_time.min(t);
        true
    }

    /// The value bits series `id` stores at `t`, in order or out of
    /// order. A closed chunk that cannot be read counts as holding no
    /// sample at `t`.
    pub(crate) fn value_at(&self, id: SeriesId, t: i64) -> Option<u64> {
        let series = self.get(id)?;
        if let Some(bits) = self.ooo_of(id).and_then(|o| o.get(t)) {
            return Some(bits);
        }
        let find = |bytes: &[u8]| {
            ChunkIter::new(bytes).ok().and_then(|it| {
                it.map_while(Result::ok)
                    .find(|s| s.t >= t)
                    .filter(|s| s.t == t)
                    .map(|s| s.v.to_bits())
            })
        };
        if series.open_min_t().is_some_and(|first| first <= t) {
            return find(series.open.as_bytes());
        }
        let chunks = walk(series.newest, series.newest_max_t, t, t, |r, buf| {
            self.files.read(r, id, buf)
        })
        .ok()?;
        chunks.iter().find_map(|(_, bytes)| find(bytes))
    }

    /// Writes the chunks closed since the last flush. A failure is
    /// counted and retried at the next flush; the chunks stay readable
    /// from memory meanwhile, so callers go on.
    pub(crate) fn flush(&mut self) {
        let _ = self.files.flush();
    }
}

/// Chunks of `s` counted in `State::chunks`: closed ones, the open one if
/// it holds samples, and out-of-order ones (`ooo`).
fn series_chunks(s: &MemSeries, ooo: Option<&OooSamples>) -> usize {
    s.closed as usize + usize::from(!s.open.is_empty()) + ooo.map_or(0, |o| o.chunk_count())
}

/// A head chunk that could not be read back.
fn unreadable(id: SeriesId, reason: &str) -> Error {
    Error::io(
        "reading head chunk",
        super::chunk_files::DIR,
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("series {id}: {reason}"),
        ),
    )
}

impl State {
    /// Every sample of series `id` at or after the floor, oldest first.
    pub(crate) fn samples_of(&self, id: SeriesId) -> Result<Vec<Sample>, Error> {
        let Some(series) = self.get(id) else {
            return Ok(Vec::new());
        };
        let chunks = walk(
            series.newest,
            series.newest_max_t,
            self.floor,
            i64::MAX,
            |r, buf| self.files.read(r, id, buf),
        )
        .map_err(|reason| unreadable(id, reason))?;
        let mut out = Vec::new();
        let floor = self.floor;
        for bytes in chunks
            .iter()
            .map(|(_, b)| &b[..])
            .chain([series.open.as_bytes()])
        {
            let it = ChunkIter::new(bytes).map_err(|e| unreadable(id, &e.to_string()))?;
            for s in it {
                let s = s.map_err(|e| unreadable(id, &e.to_string()))?;
                if s.t >= floor {
                    out.push(Sample::new(s.t, s.v));
                }
            }
        }
        if let Some(ooo) = self.ooo_of(id) {
            out.extend(ooo.range(floor, i64::MAX));
            out.sort_unstable_by_key(|s| s.t);
        }
        Ok(out)
    }

    /// Chunks of series `id` counted in `chunks`.
    fn chunk_count(&self, id: SeriesId) -> usize {
        self.get(id)
            .map_or(0, |s| series_chunks(s, self.ooo_of(id)))
    }

    /// Keeps only the samples of series `id` that `keep` accepts,
    /// re-encoding its chunks (out-of-order samples join the in-order
    /// chunks) (the old closed chunks stay in the files
    /// until their segments are deleted). Returns how many were removed.
    pub(crate) fn retain_samples(
        &mut self,
        id: SeriesId,
        per_chunk: usize,
        keep: impl Fn(i64) -> bool,
    ) -> Result<u64, Error> {
        let all = self.samples_of(id)?;
        let kept: Vec<Sample> = all.iter().copied().filter(|s| keep(s.t)).collect();
        if kept.len() == all.len() {
            return Ok(0);
        }
        self.chunks -= self.chunk_count(id);
        self.samples -= (all.len() as u64).min(self.samples);
        if let Some(series) = self.series.get_mut(id) {
            series.clear();
        }
        self.ooo.remove(&id);
        for s in &kept {
            self.append(id, s.t, s.v, per_chunk);
        }
        Ok((all.len() - kept.len()) as u64)
    }

    /// Drops everything before `cut`: series whose newest sample is before
    /// it go (their ids are never given out again); the others keep their
    /// chunks, with chains ending before `cut` forgotten and the rest read
    /// from `cut` on. Symbols, labels, postings and the hash index are
    /// rebuilt, so memory of dropped series is returned; chunk segments
    /// holding only older chunks are deleted.
    pub(crate) fn truncate(&mut self, cut: i64) -> Result<(), Error> {
        let old = std::mem::replace(self, State::new(ChunkFiles::in_memory(1)));
        let State {
            symbols: old_symbols,
            arena: old_arena,
            series: old_series,
            ooo: mut old_ooo,
            files,
            floor,
            min_time,
            max_time,
            unlogged,
            samples,
            ..
        } = old;
        self.files = files;
        self.floor = floor.max(cut);
        self.min_time = min_time.max(cut);
        self.max_time = max_time;
        self.samples = samples;
        self.series.reserve_ids(old_series.len());
        let mut kept = 0u64;
        let mut label_buf: Vec<(&str, &str)> = Vec::new();
        // Drain the old table page by page so each series moves once.
        for (id, mut s) in old_series.into_series() {
            if s.last().is_none_or(|l| l.t < cut) {
                continue;
            }
            label_buf.clear();
            label_buf.extend(
                pairs_at(&old_arena, s.labels)
                    .map(|(n, v)| (old_symbols.resolve(n), old_symbols.resolve(v))),
            );
            let labels = Labels::new(label_buf.iter().copied()).unwrap_or_default();
            self.create(id, labels.hash(), &labels);
            if s.newest_max_t < cut {
                s.newest = 0;
                s.newest_max_t = i64::MIN;
                s.closed = 0;
            }
            let ooo = old_ooo.remove(&id).map(|mut ooo| {
                ooo.drop_before(cut);
                ooo
            });
            let fresh = self.series.get_mut(id).map_or(0, |f| f.labels);
            s.labels = fresh;
            self.chunks += series_chunks(&s, ooo.as_ref());
            if let Some(ooo) = ooo {
                self.ooo.insert(id, ooo);
            }
            kept += 1;
            self.series.replace(id, s);
        }
        debug_assert_eq!(self.live as u64, kept);
        self.unlogged = unlogged
            .into_iter()
            .filter(|&id| self.get(id).is_some())
            .collect();
        self.files.remove_before(cut)
    }

    /// The oldest and newest timestamps of the head, if it has samples.
    pub(crate) fn time_range(&self) -> Option<(i64, i64)> {
        let mut range: Option<(i64, i64)> = None;
        let bound = self.min_time.max(self.floor);
        for (id, s) in self.series.iter() {
            if let (Some(lo), Some(hi)) = (s.min_t(bound, self.ooo_of(id)), s.last()) {
                range = Some(match range {
                    None => (lo, hi.t),
                    Some((a, b)) => (a.min(lo), b.max(hi.t)),
                });
            }
        }
        range
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hestia_model::labels;

    #[test]
    fn colliding_hashes_are_told_apart_by_labels() {
        let mut state = State::new(ChunkFiles::in_memory(1024));
        let (a, b, c) = (
            labels! { "a" => "1" },
            labels! { "b" => "2" },
            labels! { "c" => "3" },
        );
        // A table whose entries all land in one bucket chain: the labels
        // decide.
        for (id, l) in [(0, &a), (1, &b), (2, &c)] {
            assert_eq!(state.lookup(l.hash(), l), None);
            state.create(id, l.hash(), l);
        }
        assert_eq!(state.lookup(a.hash(), &a), Some(0));
        assert_eq!(state.lookup(b.hash(), &b), Some(1));
        assert_eq!(state.lookup(c.hash(), &c), Some(2));
        assert_eq!(state.lookup(a.hash(), &labels! { "d" => "4" }), None);
        assert_eq!(state.lookup(b.hash(), &a), None);
        assert_eq!(state.labels_of(1), b);
        assert_eq!(state.live, 3);
    }

    #[test]
    fn deferred_indexing_builds_the_same_postings_in_any_creation_order() {
        let series: Vec<(SeriesId, Labels)> = (0..300u32)
            .map(|id| {
                let pod = format!("pod-{}", id / 10);
                let code = ["200", "500", "404", "503", "302"][id as usize % 10 / 2];
                let method = ["GET", "POST"][id as usize % 2];
                (
                    id,
                    labels! { "__name__" => "http_requests_total", "pod" => pod.as_str(), "code" => code, "method" => method },
                )
            })
            .collect();
        let build = |order: &[usize], defer: bool| {
            let mut state = State::new(ChunkFiles::in_memory(1024));
            if defer {
                state.defer_indexing();
            }
            for &i in order {
                let (id, l) = &series[i];
                state.create(*id, l.hash(), l);
            }
            if defer {
                state.index_all();
            }
            state
        };
        let in_order: Vec<usize> = (0..series.len()).collect();
        // Newest first, then interleaved: as replay meets re-logged series.
        let mut shuffled: Vec<usize> = in_order.iter().rev().copied().collect();
        shuffled.swap(3, 250);
        let want = build(&in_order, false);
        for (order, defer) in [(&in_order, true), (&shuffled, true), (&shuffled, false)] {
            let got = build(order, defer);
            assert_eq!(got.postings.all(), want.postings.all());
            for name in ["__name__", "pod", "code", "method"] {
                let values = |s: &State| -> Vec<(String, Vec<SeriesId>)> {
                    s.postings
                        .values(name)
                        .map(|(v, ids)| (v.to_string(), ids.to_vec()))
                        .collect()
                };
                assert_eq!(values(&got), values(&want), "{name}, deferred: {defer}");
            }
        }
        // After index_all, new series are indexed as they come.
        let mut state = build(&shuffled, true);
        let l = labels! { "__name__" => "up" };
        state.create(300, l.hash(), &l);
        assert_eq!(state.postings.get("__name__", "up").to_vec(), [300]);
    }

    #[test]
    fn arena_hash_is_the_labels_hash() {
        let mut state = State::new(ChunkFiles::in_memory(1024));
        let cases = [
            labels! { "__name__" => "up", "job" => "api", "instance" => "a:1" },
            labels! { "x" => "" , "y" => "é" },
            labels! { "a" => "b\u{ff}c" },
        ];
        for (id, l) in cases.iter().enumerate() {
            state.create(id as u32, l.hash(), l);
            let s = state.get(id as u32).unwrap();
            assert_eq!(
                hash_pairs(&state.symbols, state.label_ids(s)),
                l.hash(),
                "{l}"
            );
            assert_eq!(state.labels_of(id as u32), *l);
        }
        // Many series: the index grows and rehashes from the arena.
        for i in 0..5000u32 {
            let l = labels! { "i" => i.to_string() };
            state.create(100 + i, l.hash(), &l);
        }
        for i in (0..5000u32).step_by(97) {
            let l = labels! { "i" => i.to_string() };
            assert_eq!(state.lookup(l.hash(), &l), Some(100 + i));
        }
    }

    #[test]
    fn varints_round_trip() {
        let cases = [
            0,
            1,
            0x7f,
            0x80,
            0x3fff,
            0x4000,
            0x1f_ffff,
            0x20_0000,
            u32::MAX,
        ];
        let mut arena = Vec::new();
        for n in cases {
            push_varint(&mut arena, n);
        }
        assert_eq!(arena.len(), 1 + 1 + 1 + 2 + 2 + 3 + 3 + 4 + 5);
        let mut pos = 0;
        for n in cases {
            assert_eq!(read_varint(&arena, &mut pos), n);
        }
        assert_eq!(pos, arena.len());
        assert_eq!(read_varint(&arena, &mut pos), 0, "past the end");
    }

    proptest::proptest! {
        #[test]
        fn label_ids_round_trip(ids in proptest::collection::vec(proptest::num::u32::ANY, 0..40)) {
            let mut arena = vec![0xff, 0x01];
            let offset = arena.len() as u32;
            let pairs = ids.len() / 2;
            push_varint(&mut arena, pairs as u32);
            for &id in &ids[..2 * pairs] {
                push_varint(&mut arena, id);
            }
            push_varint(&mut arena, 7);
            let back: Vec<u32> = pairs_at(&arena, offset).flat_map(|(n, v)| [n, v]).collect();
            proptest::prop_assert_eq!(&back[..], &ids[..2 * pairs]);
            proptest::prop_assert_eq!(pairs_at(&arena, offset).len(), pairs);
        }
    }

    #[test]
    fn truncation_keeps_newer_chunks_and_ids() {
        let mut state = State::new(ChunkFiles::in_memory(256));
        let (a, b) = (labels! { "s" => "a" }, labels! { "s" => "b" });
        state.create(0, a.hash(), &a);
        state.create(1, b.hash(), &b);
        for t in 0..100 {
            state.append(0, t, t as f64, 10);
            if t < 50 {
                state.append(1, t, 1.0, 10);
            }
        }
        state.truncate(55).unwrap();
        assert!(state.get(1).is_none(), "b ended before the cut");
        assert_eq!(state.next_id(), 2, "ids are not reused");
        assert_eq!(state.lookup(a.hash(), &a), Some(0));
        let ts: Vec<i64> = state.samples_of(0).unwrap().iter().map(|s| s.t).collect();
        assert_eq!(ts, (55..100).collect::<Vec<_>>());
        assert_eq!(state.time_range(), Some((55, 99)));
        // Closed chunks straddling or after the cut are kept (and counted).
        assert!(state.chunks >= 5);
    }
}
