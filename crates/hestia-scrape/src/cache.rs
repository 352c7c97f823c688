//! [`SeriesCache`]: what one target's loop remembers between scrapes,
//! as Prometheus' `scrapeCache` does:
//!
//! * each series as written in the exposition (name and labels, in the
//!   order written) → its [`SeriesRef`] and final labels, so a series seen
//!   before skips relabelling and the storage's label lookup;
//! * series that metric relabelling dropped, so they are skipped at once;
//! * the series of the current and previous scrape, so the series that
//!   disappeared get a stale marker;
//! * the references of the report series (`up`, ...);
//! * each metric family's metadata (type, help, unit) as the last
//!   successful scrape gave it, published as a [`MetadataSnapshot`] when
//!   it changes, for `/api/v1/metadata`.
//!
//! Entries not seen in a successful scrape are forgotten; after failed
//! scrapes the cache is flushed anyway once it grows past twice its size
//! at the last success plus 1000.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hestia_model::Labels;
use hestia_storage::SeriesRef;

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) series: SeriesRef,
    pub(crate) labels: Labels,
    last_iter: u64,
}

/// A target's series cache (see the module docs).
#[derive(Debug, Default)]
pub struct SeriesCache {
    iter: u64,
    successful_count: usize,
    series: HashMap<String, Entry>,
    dropped: HashMap<String, u64>,
    cur: HashMap<SeriesRef, Labels>,
    prev: HashMap<SeriesRef, Labels>,
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

    pub(crate) fn is_dropped(&mut self, key: &str) -> bool {
        match self.dropped.get_mut(key) {
            Some(iter) => {
                *iter = self.iter;
                true
            }
            None => false,
        }
    }

    pub(crate) fn add_dropped(&mut self, key: &str) {
        self.dropped.insert(key.to_string(), self.iter);
    }

    pub(crate) fn get(&mut self, key: &str) -> Lookup {
        let iter = self.iter;
        self.series.get_mut(key).map(|e| {
            let again = e.last_iter == iter;
            e.last_iter = iter;
            (e.clone(), again)
        })
    }

    pub(crate) fn add(&mut self, key: &str, series: SeriesRef, labels: Labels) {
        self.series.insert(
            key.to_string(),
            Entry {
                series,
                labels,
                last_iter: self.iter,
            },
        );
    }

    /// Records that `series` was scraped now (it will get a stale marker
    /// if the next scrape lacks it).
    pub(crate) fn track(&mut self, series: SeriesRef, labels: &Labels) {
        self.cur.insert(series, labels.clone());
    }

    /// Forgets what the current scrape tracked: a failed scrape counts as
    /// an empty one.
    pub(crate) fn forget_current(&mut self) {
        self.cur.clear();
    }

    /// The series of the previous scrape that the current one lacks.
    pub(crate) fn stale(&self) -> Vec<(SeriesRef, Labels)> {
        let mut out: Vec<(SeriesRef, Labels)> = self
            .prev
            .iter()
            .filter(|(r, _)| !self.cur.contains_key(r))
            .map(|(r, l)| (*r, l.clone()))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
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
        if flush {
            let iter = self.iter;
            self.series.retain(|_, e| e.last_iter == iter);
            self.dropped.retain(|_, i| *i == iter);
        }
        std::mem::swap(&mut self.prev, &mut self.cur);
        self.cur.clear();
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

    /// Forgets the labels of every series (after a configuration change
    /// that alters them) but keeps the previous scrape's series, so those
    /// whose labels changed still get stale markers.
    pub(crate) fn reset_series(&mut self) {
        self.series.clear();
        self.dropped.clear();
    }
}

/// Writes the cache key of a series: its name and labels as written,
/// each part prefixed by its length so that no two series share a key.
pub(crate) fn series_key<'a>(
    out: &mut String,
    name: &str,
    labels: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) {
    use std::fmt::Write as _;
    out.clear();
    let _ = write!(out, "{}:{name}", name.len());
    for (n, v) in labels {
        let _ = write!(out, "{}:{n}{}:{v}", n.len(), v.len());
    }
}
