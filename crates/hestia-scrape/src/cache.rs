//! [`SeriesCache`]: what one target's loop remembers between scrapes,
//! as Prometheus' `scrapeCache` does:
//!
//! * each series as written in the exposition (name and labels, in the
//!   order written) → its [`SeriesRef`], so a series seen before skips
//!   relabelling and the storage's label lookup. The text is kept only as
//!   its 128-bit XXH3 ([`Key`]) and the final labels not at all (the
//!   series is appended by reference with empty labels; should the
//!   storage no longer know the reference, the loop computes the labels
//!   again as for a new series). Entries are kept in an array in the
//!   order the last successful scrape wrote them: an exposition written
//!   in the same order as before (the rule) finds each series right after
//!   the previous one, a sequential read instead of a hash probe that
//!   misses the CPU caches. Only a series out of place (new, moved or
//!   repeated) needs the hash index of positions, built when a scrape
//!   first needs it and kept only while scrapes keep needing it: a target
//!   whose exposition keeps its series and their order costs 24 bytes an
//!   entry (key and reference) and one byte of flags, and the index's
//!   slot (4 bytes plus a control byte, at most 8/7 of them per entry)
//!   only while it churns;
//! * series that metric relabelling dropped, so they are skipped at once;
//! * whether each series was seen, and appended, in the current scrape
//!   and appended in the previous one (flags beside its entry), so
//!   duplicates within a scrape are told apart and the series that
//!   disappeared get a stale marker;
//! * the references of the report series (`up`, ...);
//! * each metric family's metadata (type, help, unit) as the last
//!   successful scrape gave it, published as a [`MetadataSnapshot`] when
//!   it changes, for `/api/v1/metadata`.
//!
//! Entries not seen in a successful scrape are forgotten; after failed
//! scrapes the cache is flushed anyway once it grows past twice its size
//! at the last success plus 1000.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use hashbrown::HashTable;
use hestia_expfmt::parse::Series;
use hestia_storage::SeriesRef;

/// A series' text as written in the exposition, hashed: XXH3-128, so that
/// two texts colliding among a target's series is not a practical concern
/// (about 10⁻²⁸ for a million series).
pub(crate) type Key = (u64, u64);

/// The key of a series' text (see [`series_key`]).
pub(crate) fn key_of(text: &[u8]) -> Key {
    let h = xxhash_rust::xxh3::xxh3_128(text);
    ((h >> 64) as u64, h as u64)
}

/// Hashes a [`Key`] by taking its bits: they are a hash already.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

/// One cached series: its key and reference as 32-bit words, so that an
/// entry is 24 bytes with no padding (its flags are kept apart, one byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    key: [u32; 4],
    series: [u32; 2],
}

impl Slot {
    fn new(key: Key, series: SeriesRef) -> Slot {
        let mut s = Slot {
            key: pack_key(key),
            series: [0; 2],
        };
        s.set_series(series);
        s
    }

    fn series(&self) -> SeriesRef {
        SeriesRef(u64::from(self.series[0]) | u64::from(self.series[1]) << 32)
    }

    fn set_series(&mut self, r: SeriesRef) {
        self.series = [r.0 as u32, (r.0 >> 32) as u32];
    }

    /// The hash of the entry in the index: the key's low bits (a hash
    /// already).
    fn hash(&self) -> u64 {
        u64::from(self.key[2]) | u64::from(self.key[3]) << 32
    }
}

fn pack_key((hi, lo): Key) -> [u32; 4] {
    [hi as u32, (hi >> 32) as u32, lo as u32, (lo >> 32) as u32]
}

/// The entry was looked up or added in the current scrape.
const SEEN: u8 = 1;
/// The series was appended in the current scrape.
const CUR: u8 = 2;
/// The series was appended in the previous scrape.
const PREV: u8 = 4;

/// A target's series cache (see the module docs).
#[derive(Debug, Default)]
pub struct SeriesCache {
    iter: u64,
    successful_count: usize,
    /// The entries, in the order the last successful scrape first wrote
    /// them (then those added since), so that an exposition written in
    /// the same order as before finds each entry where the previous one
    /// ended: a sequential read instead of a hash probe.
    slots: Vec<Slot>,
    /// Each entry's [`SEEN`], [`CUR`] and [`PREV`] flags.
    flags: Vec<u8>,
    /// Positions in `slots` by key, for lookups out of order; built when
    /// a lookup first needs it.
    index: Option<HashTable<u32>>,
    /// Whether the current scrape needed the index (else it is dropped
    /// at the scrape's end).
    index_used: bool,
    /// Where the next lookup looks first: after the entry found last.
    next: usize,
    /// How many entries the current scrape has seen.
    seen: usize,
    /// Whether the current scrape saw entries out of their order; then
    /// `order` holds the positions of those seen, in the order seen.
    scrambled: bool,
    order: Vec<u32>,
    dropped: KeyMap<u64>,
    /// Series of the previous scrape whose entries a label change
    /// forgot: stale unless appended again.
    orphans: Vec<SeriesRef>,
    pub(crate) report: HashMap<&'static str, SeriesRef>,
    metadata: HashMap<String, (Metadata, u64)>,
    metadata_changed: bool,
}

/// One metric family's metadata, as a scrape gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `counter`, `gauge`, `histogram`, `gaugehistogram`, `summary`,
    /// `info`, `stateset` or `unknown`.
    pub kind: &'static str,
    /// The help text (empty when none was given).
    pub help: String,
    /// The unit (empty when none was given).
    pub unit: String,
}

/// A target's metadata by family name.
pub type MetadataSnapshot = Arc<BTreeMap<String, Metadata>>;

/// Which part of a family's metadata a line gives.
pub(crate) enum MetaPart<'a> {
    Kind(&'static str),
    Help(&'a str),
    Unit(&'a str),
}

/// A series found in the cache: the entry (for [`SeriesCache::track`] and
/// [`SeriesCache::set_series`]), its reference, and whether the current
/// scrape had seen it already.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub(crate) entry: usize,
    pub(crate) series: SeriesRef,
    pub(crate) again: bool,
}

impl SeriesCache {
    /// Number of series entries (for tests and the API).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no series is cached.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many scrapes (successful or not) this cache has been through.
    pub fn iterations(&self) -> u64 {
        self.iter
    }

    /// Bytes the series entries take (their arrays, and their index: a
    /// slot and a control byte per bucket, buckets a power of two at
    /// least 8/7 of its capacity), for tests and the benchmarks.
    #[doc(hidden)]
    pub fn entry_bytes(&self) -> usize {
        let buckets = self
            .index
            .as_ref()
            .map_or(0, |index| (index.capacity() * 8 / 7).next_power_of_two());
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.flags.capacity()
            + buckets * (std::mem::size_of::<u32>() + 1)
            + self.order.capacity() * std::mem::size_of::<u32>()
    }

    pub(crate) fn is_dropped(&mut self, key: Key) -> bool {
        if self.dropped.is_empty() {
            return false;
        }
        match self.dropped.get_mut(&key) {
            Some(iter) => {
                *iter = self.iter;
                true
            }
            None => false,
        }
    }

    pub(crate) fn add_dropped(&mut self, key: Key) {
        self.dropped.insert(key, self.iter);
    }

    /// Whether `key` is cached (as a series or as dropped), without
    /// marking anything. May say no for a series out of place while the
    /// index is not built (a hint: [`SeriesCache::get`] is the answer).
    #[inline]
    pub(crate) fn knows(&self, key: Key) -> bool {
        self.find(key).is_some() || (!self.dropped.is_empty() && self.dropped.contains_key(&key))
    }

    /// The entry of `key`: first where the previous lookup ended, then in
    /// the index if it is built.
    #[inline]
    fn find(&self, key: Key) -> Option<usize> {
        let packed = pack_key(key);
        match self.slots.get(self.next) {
            Some(s) if s.key == packed => Some(self.next),
            _ => self
                .index
                .as_ref()?
                .find(key.1, |&i| self.slots[i as usize].key == packed)
                .map(|&i| i as usize),
        }
    }

    /// The index, built now if it is not; the current scrape needed it.
    fn index(&mut self) -> &mut HashTable<u32> {
        self.index_used = true;
        let slots = &self.slots;
        self.index.get_or_insert_with(|| {
            let mut index = HashTable::with_capacity(slots.len());
            for (i, s) in slots.iter().enumerate() {
                index.insert_unique(s.hash(), i as u32, |&j| slots[j as usize].hash());
            }
            index
        })
    }

    /// Looks a series up and marks its entry seen in the current scrape:
    /// first where the previous lookup ended, then in the index.
    #[inline]
    pub(crate) fn get(&mut self, key: Key) -> Option<Hit> {
        let entry = match self.find(key) {
            Some(entry) => entry,
            // `find` looked in the index.
            None if self.index.is_some() => {
                self.index_used = true;
                return None;
            }
            None => {
                self.index();
                self.find(key)?
            }
        };
        // Found elsewhere than where the last lookup ended: by the index.
        if entry != self.next {
            self.index_used = true;
        }
        self.next = entry + 1;
        let again = self.flags[entry] & SEEN != 0;
        if !again {
            self.mark_seen(entry);
        }
        Some(Hit {
            entry,
            series: self.slots[entry].series(),
            again,
        })
    }

    #[inline]
    fn mark_seen(&mut self, entry: usize) {
        self.flags[entry] |= SEEN;
        if !self.scrambled && entry != self.seen {
            self.scrambled = true;
            self.order = (0..self.seen as u32).collect();
        }
        if self.scrambled {
            self.order.push(entry as u32);
        }
        self.seen += 1;
    }

    /// Caches `series` under `key`, which [`SeriesCache::get`] did not
    /// find, as seen in the current scrape; returns its entry.
    pub(crate) fn add(&mut self, key: Key, series: SeriesRef) -> usize {
        let entry = self.slots.len();
        let slot = Slot::new(key, series);
        self.index();
        self.slots.push(slot);
        self.flags.push(0);
        let slots = &self.slots;
        if let Some(index) = &mut self.index {
            index.insert_unique(slot.hash(), entry as u32, |&i| slots[i as usize].hash());
        }
        self.mark_seen(entry);
        self.next = entry + 1;
        entry
    }

    /// Gives the entry another reference (the storage re-created the
    /// series); its scrape flags stay.
    pub(crate) fn set_series(&mut self, entry: usize, series: SeriesRef) {
        self.slots[entry].set_series(series);
    }

    /// Records that the series of `entry` was appended now (it will get a
    /// stale marker if the next scrape lacks it).
    pub(crate) fn track(&mut self, entry: usize) {
        self.flags[entry] |= CUR;
    }

    /// Forgets what the current scrape tracked: a failed scrape counts as
    /// an empty one.
    pub(crate) fn forget_current(&mut self) {
        self.flags.iter_mut().for_each(|f| *f &= !CUR);
    }

    /// The series of the previous scrape that the current one lacks (by
    /// reference: two texts relabelled into one series count once), in
    /// reference order.
    pub(crate) fn stale(&self) -> Vec<SeriesRef> {
        let entries = || self.slots.iter().zip(&self.flags);
        let mut gone = entries()
            .filter(|(_, &f)| f & (PREV | CUR) == PREV)
            .peekable();
        if gone.peek().is_none() && self.orphans.is_empty() {
            return Vec::new();
        }
        let current: HashSet<SeriesRef> = entries()
            .filter(|(_, &f)| f & CUR != 0)
            .map(|(s, _)| s.series())
            .collect();
        let mut out: Vec<SeriesRef> = gone
            .map(|(s, _)| s.series())
            .chain(self.orphans.iter().copied())
            .filter(|r| !current.contains(r))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Ends a scrape; `success` flushes entries not seen in it, and puts
    /// the entries in the order the scrape saw them if it differed.
    pub(crate) fn iter_done(&mut self, success: bool) {
        let count = self.slots.len() + self.dropped.len();
        let flush = if success {
            self.successful_count = count;
            true
        } else {
            count > self.successful_count * 2 + 1000
        };
        if flush && (self.scrambled || self.seen != self.slots.len()) {
            self.keep_seen();
        }
        for f in &mut self.flags {
            *f = if *f & CUR != 0 { PREV } else { 0 };
        }
        if flush {
            let iter = self.iter;
            self.dropped.retain(|_, i| *i == iter);
            // Room for a few new series, not for twice as many.
            if self.slots.capacity() > self.slots.len() + self.slots.len() / 8 + 64 {
                self.slots.shrink_to_fit();
                self.flags.shrink_to_fit();
            }
        }
        if !std::mem::take(&mut self.index_used) {
            // The scrape found every series in order: so will the next,
            // most likely.
            self.index = None;
        }
        self.next = 0;
        self.seen = 0;
        self.scrambled = false;
        self.order = Vec::new();
        self.orphans.clear();
        self.iter += 1;
    }

    /// Keeps only the entries seen in the current scrape, in the order
    /// seen (the index, of the old positions, is dropped).
    fn keep_seen(&mut self) {
        let order = std::mem::take(&mut self.order);
        let (slots, flags): (Vec<Slot>, Vec<u8>) = if self.scrambled {
            order
                .iter()
                .map(|&i| (self.slots[i as usize], self.flags[i as usize]))
                .unzip()
        } else {
            (
                self.slots[..self.seen].to_vec(),
                self.flags[..self.seen].to_vec(),
            )
        };
        self.slots = slots;
        self.flags = flags;
        self.index = None;
    }

    /// Records metadata of `family` seen in the current scrape.
    pub(crate) fn note_metadata(&mut self, family: &str, part: MetaPart<'_>) {
        let iter = self.iter;
        let (entry, seen) = match self.metadata.get_mut(family) {
            Some(e) => e,
            None => {
                self.metadata_changed = true;
                self.metadata.entry(family.to_owned()).or_insert((
                    Metadata {
                        kind: "unknown",
                        ..Metadata::default()
                    },
                    iter,
                ))
            }
        };
        *seen = iter;
        let changed = match part {
            MetaPart::Kind(k) => std::mem::replace(&mut entry.kind, k) != k,
            MetaPart::Help(h) if entry.help != h => {
                entry.help = h.to_owned();
                true
            }
            MetaPart::Unit(u) if entry.unit != u => {
                entry.unit = u.to_owned();
                true
            }
            MetaPart::Help(_) | MetaPart::Unit(_) => false,
        };
        self.metadata_changed |= changed;
    }

    /// After a successful scrape: drops families it did not mention and,
    /// if anything changed since the last call, the new snapshot.
    pub(crate) fn take_metadata(&mut self) -> Option<MetadataSnapshot> {
        let iter = self.iter;
        let before = self.metadata.len();
        self.metadata.retain(|_, (_, seen)| *seen == iter);
        if !std::mem::take(&mut self.metadata_changed) && self.metadata.len() == before {
            return None;
        }
        Some(Arc::new(
            self.metadata
                .iter()
                .map(|(n, (m, _))| (n.clone(), m.clone()))
                .collect(),
        ))
    }

    /// Forgets every series' entry (after a configuration change that
    /// may alter their labels) but keeps the previous scrape's references,
    /// so the series whose labels changed still get stale markers.
    pub(crate) fn reset_series(&mut self) {
        self.orphans.extend(
            self.slots
                .iter()
                .zip(&self.flags)
                .filter(|(_, &f)| f & (PREV | CUR) != 0)
                .map(|(s, _)| s.series()),
        );
        self.slots = Vec::new();
        self.flags = Vec::new();
        self.index = None;
        self.order = Vec::new();
        self.next = 0;
        self.seen = 0;
        self.scrambled = false;
        self.dropped.clear();
    }
}

/// Writes the text a series is cached by: its name and its label text,
/// each part after its length (4 bytes) so that no two series share a
/// text. Text formats give the label text between the braces as written
/// (with the canonical `le`/`quantile` value when it was rewritten), so a
/// series seen before is found without reading its labels; protobuf
/// series give their pairs.
pub(crate) fn series_key(out: &mut Vec<u8>, s: &Series<'_>) {
    fn part(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out.clear();
    part(out, s.name.as_bytes());
    match s.labels.raw_text() {
        Some((raw, canonical)) => {
            part(out, raw.as_bytes());
            if let Some(c) = canonical {
                part(out, c.as_bytes());
            }
        }
        None => {
            for l in s.labels.iter() {
                part(out, l.name.as_bytes());
                part(out, l.value.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests;
