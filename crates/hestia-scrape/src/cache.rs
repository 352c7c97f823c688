//! [`SeriesCache`]: what one target's loop remembers between scrapes,
//! as Prometheus' `scrapeCache` does:
//!
//! * each series as written in the exposition (name and labels, in the
//!   order written) → its [`SeriesRef`], so a series seen before skips
//!   relabelling and the storage's label lookup. The text is kept only as
//!   its 128-bit XXH3 ([`Key`]) and the final labels not at all (the
//!   series is appended by reference with empty labels; should the
//!   storage no longer know the reference, the loop computes the labels
//!   again as for a new series), so an entry costs 32 bytes in the table
//!   plus its share of free slots;
//! * series that metric relabelling dropped, so they are skipped at once;
//! * whether each series was appended in the current and the previous
//!   scrape (two flags on its entry), so the series that disappeared get a
//!   stale marker;
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

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) series: SeriesRef,
    /// The scrape that last saw it (the low 32 bits of the cache's
    /// iteration count: entries not seen in a successful scrape are
    /// forgotten long before it wraps), so that an entry with its key is
    /// 32 bytes instead of 40.
    last_iter: u32,
    /// Appended in the current scrape.
    cur: bool,
    /// Appended in the previous scrape.
    prev: bool,
}

/// A target's series cache (see the module docs).
#[derive(Debug, Default)]
pub struct SeriesCache {
    iter: u64,
    successful_count: usize,
    series: KeyMap<Entry>,
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

/// Looking a series up: `Some((entry, already_seen_this_scrape))`.
pub(crate) type Lookup = Option<(Entry, bool)>;

impl SeriesCache {
    /// Number of series entries (for tests and the API).
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether no series is cached.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// How many scrapes (successful or not) this cache has been through.
    pub fn iterations(&self) -> u64 {
        self.iter
    }

    pub(crate) fn is_dropped(&mut self, key: Key) -> bool {
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

    pub(crate) fn get(&mut self, key: Key) -> Lookup {
        let iter = self.iter as u32;
        self.series.get_mut(&key).map(|e| {
            let again = e.last_iter == iter;
            e.last_iter = iter;
            (e.clone(), again)
        })
    }

    /// Caches `series` under `key`; an entry already there (the storage
    /// gave another reference) keeps its scrape flags.
    pub(crate) fn add(&mut self, key: Key, series: SeriesRef) {
        let iter = self.iter as u32;
        let e = self.series.entry(key).or_insert(Entry {
            series,
            last_iter: iter,
            cur: false,
            prev: false,
        });
        e.series = series;
        e.last_iter = iter;
    }

    /// Records that the series under `key` was appended now (it will get a
    /// stale marker if the next scrape lacks it).
    pub(crate) fn track(&mut self, key: Key) {
        if let Some(e) = self.series.get_mut(&key) {
            e.cur = true;
        }
    }

    /// Forgets what the current scrape tracked: a failed scrape counts as
    /// an empty one.
    pub(crate) fn forget_current(&mut self) {
        self.series.values_mut().for_each(|e| e.cur = false);
    }

    /// The series of the previous scrape that the current one lacks (by
    /// reference: two texts relabelled into one series count once), in
    /// reference order.
    pub(crate) fn stale(&self) -> Vec<SeriesRef> {
        let gone = self.series.values().filter(|e| e.prev && !e.cur);
        if gone.clone().next().is_none() && self.orphans.is_empty() {
            return Vec::new();
        }
        let current: HashSet<SeriesRef> = self
            .series
            .values()
            .filter(|e| e.cur)
            .map(|e| e.series)
            .collect();
        let mut out: Vec<SeriesRef> = gone
            .map(|e| e.series)
            .chain(self.orphans.iter().copied())
            .filter(|r| !current.contains(r))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Ends a scrape; `success` flushes entries not seen in it.
    pub(crate) fn iter_done(&mut self, success: bool) {
        let count = self.series.len() + self.dropped.len();
        let flush = if success {
            self.successful_count = count;
            true
        } else {
            count > self.successful_count * 2 + 1000
        };
        let iter = self.iter;
        let low = iter as u32;
        self.series.retain(|_, e| {
            e.prev = std::mem::take(&mut e.cur);
            !flush || e.last_iter == low
        });
        if flush {
            self.dropped.retain(|_, i| *i == iter);
        }
        self.orphans.clear();
        self.iter += 1;
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
            self.series
                .values()
                .filter(|e| e.prev || e.cur)
                .map(|e| e.series),
        );
        self.series.clear();
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
mod tests {
    use super::*;

    /// One successful scrape appending `keys` (text, ref).
    fn scrape(c: &mut SeriesCache, seen: &[(&str, u64)]) -> Vec<u64> {
        for &(text, r) in seen {
            let k = key_of(text.as_bytes());
            if c.get(k).is_none() {
                c.add(k, SeriesRef(r));
            }
            c.track(k);
        }
        let stale = c.stale().into_iter().map(|r| r.0).collect();
        c.iter_done(true);
        stale
    }

    #[test]
    fn entries_stay_small() {
        assert_eq!(std::mem::size_of::<(Key, Entry)>(), 32);
    }

    #[test]
    fn staleness_by_reference() {
        let mut c = SeriesCache::default();
        assert!(scrape(&mut c, &[("a", 1), ("b", 2), ("b2", 2)]).is_empty());
        // `b2` relabels into the series `b` still appended: not stale.
        assert!(scrape(&mut c, &[("a", 1), ("b", 2)]).is_empty());
        assert_eq!(scrape(&mut c, &[("b", 2)]), [1]);
        // Marked once; then forgotten.
        assert!(scrape(&mut c, &[("b", 2)]).is_empty());
        assert_eq!(c.len(), 1);
        // A failed scrape makes everything of the previous one stale.
        c.forget_current();
        assert_eq!(c.stale().len(), 1);
        c.iter_done(false);
        assert!(scrape(&mut c, &[("b", 2)]).is_empty());
        // Labels changed by a reload: the old series goes stale unless the
        // new labels resolve to the same reference.
        c.reset_series();
        assert_eq!(c.len(), 0);
        assert_eq!(scrape(&mut c, &[("b", 3)]), [2]);
        c.reset_series();
        assert!(scrape(&mut c, &[("b", 3)]).is_empty());
    }
}
