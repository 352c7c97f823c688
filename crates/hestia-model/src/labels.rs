//! [`Labels`]: the immutable, sorted label set that identifies a series,
//! with its lookups, projections (`keep`, `drop`), Prometheus' ordering and
//! the stable hashes used for series identity and PromQL grouping.

use std::sync::Arc;

use xxhash_rust::xxh3::Xxh3Default;

use crate::builder::LabelsBuilder;
use crate::names::METRIC_NAME;
use crate::text::PromqlLabels;
use crate::Error;

/// One label: name and (never empty) value, while a set is being built.
pub(crate) type Pair = (Box<str>, Box<str>);

/// Separator fed to the hash after every name and every value. The byte
/// `0xff` never occurs in UTF-8, so `{a="bc"}` and `{ab="c"}` differ.
const HASH_SEPARATOR: [u8; 1] = [0xff];

/// An immutable set of labels, sorted by name, that identifies a series.
///
/// * The metric name is the ordinary label [`METRIC_NAME`] (`__name__`).
/// * Names are unique. A label with an empty value is the same as an
///   absent label (as in Prometheus), so such labels are never stored:
///   constructors and [`LabelsBuilder`] drop them.
/// * One allocation holds the whole set (see "Layout" below), so a set of
///   six labels costs its text plus about 25 bytes; cloning is an `Arc`
///   increment.
/// * `Ord` is Prometheus' `labels.Compare`: lexicographic over the sorted
///   `(name, value)` pairs, comparing names then values byte-wise, and a
///   set that is a prefix of another sorts first.
/// * `Display` prints Prometheus' `Labels.String()` form,
///   `{__name__="up", job="api"}`; [`Labels::promql`] gives the PromQL
///   form `up{job="api"}`.
/// * The derived [`std::hash::Hash`] is for in-process maps; the stable,
///   documented 64-bit hash is [`Labels::hash`].
///
/// Layout: one `str`, the number of labels then, per label in name order,
/// the name's length, the name, the value's length and the value. Numbers
/// are written in base 64 with ASCII digits (`0x00`–`0x3f`, with `0x40`
/// added to every digit but the last), so the whole is valid UTF-8 and
/// every slice boundary falls on a character boundary.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Labels(Arc<str>);

impl Default for Labels {
    fn default() -> Self {
        Labels(Arc::from("\0"))
    }
}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Labels) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Labels {
    fn cmp(&self, other: &Labels) -> std::cmp::Ordering {
        if Arc::ptr_eq(&self.0, &other.0) {
            return std::cmp::Ordering::Equal;
        }
        self.iter().cmp(other.iter())
    }
}

/// Appends `n` in the layout's base-64 ASCII digits.
fn push_len(out: &mut String, mut n: usize) {
    loop {
        let digit = (n & 0x3f) as u8;
        n >>= 6;
        if n == 0 {
            out.push(char::from(digit));
            return;
        }
        out.push(char::from(digit | 0x40));
    }
}

/// Reads a number written by [`push_len`] at `*pos`, moving past it.
fn read_len(bytes: &[u8], pos: &mut usize) -> usize {
    let mut n = 0usize;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*pos) {
        *pos += 1;
        n |= usize::from(b & 0x3f) << shift;
        if b & 0x40 == 0 {
            break;
        }
        shift += 6;
    }
    n
}

/// Encodes pairs sorted by unique name, none with an empty value.
fn encode<'a>(len: usize, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Labels {
    let mut out = String::new();
    push_len(&mut out, len);
    for (n, v) in pairs {
        push_len(&mut out, n.len());
        out.push_str(n);
        push_len(&mut out, v.len());
        out.push_str(v);
    }
    Labels(Arc::from(out))
}

impl Labels {
    /// Builds a label set from `(name, value)` pairs in any order.
    ///
    /// Pairs with an empty value are dropped. A name given twice is an
    /// error ([`Error::DuplicateLabelName`]), even when one of the values is
    /// empty; use [`LabelsBuilder`] for last-wins semantics. Names are not
    /// validated: Prometheus 3 allows any UTF-8 name, and checking the
    /// legacy character set is the caller's policy
    /// ([`is_valid_label_name`](crate::is_valid_label_name)).
    pub fn new<I, N, V>(pairs: I) -> Result<Labels, Error>
    where
        I: IntoIterator<Item = (N, V)>,
        N: Into<String>,
        V: Into<String>,
    {
        let mut all: Vec<Pair> = pairs
            .into_iter()
            .map(|(n, v)| (n.into().into_boxed_str(), v.into().into_boxed_str()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(w) = all.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::DuplicateLabelName(w[0].0.to_string()));
        }
        all.retain(|(_, v)| !v.is_empty());
        Ok(Labels::from_sorted(&all))
    }

    /// Encodes pairs that are already sorted by unique name, with no empty
    /// values.
    pub(crate) fn from_sorted(pairs: &[Pair]) -> Labels {
        debug_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0));
        debug_assert!(pairs.iter().all(|(_, v)| !v.is_empty()));
        encode(pairs.len(), pairs.iter().map(|(n, v)| (&**n, &**v)))
    }

    /// The value of label `name`, or `None` when the set has no such label.
    pub fn get(&self, name: &str) -> Option<&str> {
        for (n, v) in self.iter() {
            match n.cmp(name) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Some(v),
                std::cmp::Ordering::Greater => return None,
            }
        }
        None
    }

    /// Whether the set has a label called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The `(name, value)` pairs in name order.
    pub fn iter(&self) -> Iter<'_> {
        let mut pos = 0;
        let left = read_len(self.0.as_bytes(), &mut pos);
        Iter {
            text: &self.0,
            pos,
            left,
        }
    }

    /// The number of labels, including `__name__`.
    pub fn len(&self) -> usize {
        read_len(self.0.as_bytes(), &mut 0)
    }

    /// Whether the set has no labels at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `__name__`.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    /// The set without `__name__` (what most PromQL functions return).
    pub fn without_metric_name(&self) -> Labels {
        self.drop(&[METRIC_NAME])
    }

    /// Only the labels whose names are in `names` (any order; names the
    /// set lacks are ignored). PromQL's `by (…)`.
    pub fn keep<S: AsRef<str>>(&self, names: &[S]) -> Labels {
        self.filter(|name| contains(names, name))
    }

    /// The labels whose names are not in `names` (any order). Note that
    /// unlike [`Labels::hash_without_labels`], this keeps `__name__` unless
    /// it is listed.
    pub fn drop<S: AsRef<str>>(&self, names: &[S]) -> Labels {
        self.filter(|name| !contains(names, name))
    }

    fn filter(&self, mut keep: impl FnMut(&str) -> bool) -> Labels {
        let kept = self.iter().filter(|(n, _)| keep(n)).count();
        if kept == self.len() {
            return self.clone();
        }
        encode(kept, self.iter().filter(|(n, _)| keep(n)))
    }

    /// A builder starting from this set.
    pub fn builder(&self) -> LabelsBuilder {
        LabelsBuilder::new(self)
    }

    /// The PromQL form of the set, `up{job="api"}`; see [`PromqlLabels`].
    pub fn promql(&self) -> PromqlLabels<'_> {
        PromqlLabels(self)
    }

    /// A 64-bit hash of the set that is the same on every run, platform and
    /// build: XXH3-64 with seed 0 over, for each label in name order, the
    /// name's UTF-8 bytes, the byte `0xff`, the value's bytes and `0xff`.
    ///
    /// Equal sets hash equal; different sets may collide, so maps keyed by
    /// this hash must still compare the labels. The value is part of
    /// Hestia's on-disk and wire formats: changing the function is a
    /// breaking change.
    pub fn hash(&self) -> u64 {
        hash_pairs(self.iter())
    }

    /// The [`hash`](Labels::hash) of only the labels named in `names` (any
    /// order): equal to `self.keep(names).hash()`, without building the
    /// set. PromQL groups `by (…)` with it.
    pub fn hash_for_labels<S: AsRef<str>>(&self, names: &[S]) -> u64 {
        hash_pairs(self.iter().filter(|(n, _)| contains(names, n)))
    }

    /// The [`hash`](Labels::hash) of the labels neither named in `names`
    /// nor `__name__`: equal to `self.drop(names).without_metric_name()
    /// .hash()`. PromQL groups `without (…)` with it; as in Prometheus, the
    /// metric name never takes part.
    pub fn hash_without_labels<S: AsRef<str>>(&self, names: &[S]) -> u64 {
        hash_pairs(
            self.iter()
                .filter(|(n, _)| *n != METRIC_NAME && !contains(names, n)),
        )
    }
}

fn contains<S: AsRef<str>>(names: &[S], name: &str) -> bool {
    names.iter().any(|n| n.as_ref() == name)
}

fn hash_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut h = Xxh3Default::new();
    for (name, value) in pairs {
        h.update(name.as_bytes());
        h.update(&HASH_SEPARATOR);
        h.update(value.as_bytes());
        h.update(&HASH_SEPARATOR);
    }
    h.digest()
}

/// Iterator over the `(name, value)` pairs of a [`Labels`], in name order.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    text: &'a str,
    pos: usize,
    left: usize,
}

impl<'a> Iter<'a> {
    fn take(&mut self) -> &'a str {
        let len = read_len(self.text.as_bytes(), &mut self.pos);
        let start = self.pos;
        self.pos += len;
        // Boundaries follow ASCII digits or end the text: always valid.
        self.text.get(start..self.pos).unwrap_or_default()
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let name = self.take();
        let value = self.take();
        Some((name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_the_documented_function() {
        use xxhash_rust::xxh3::xxh3_64;
        // The values are part of the on-disk format: never change them
        // without a migration.
        assert_eq!(Labels::default().hash(), 0x2d06_8005_38d3_94c2);
        assert_eq!(Labels::default().hash(), xxh3_64(b""));
        let l = Labels::new([("job", "api"), ("__name__", "up")]).unwrap();
        assert_eq!(l.hash(), 0xb11d_aa6c_4323_c14b);
        assert_eq!(l.hash(), xxh3_64(b"__name__\xffup\xffjob\xffapi\xff"));
        // Longer than the streaming hasher's internal buffer.
        let long = "x".repeat(1000);
        let l = Labels::new([("a", long.as_str()), ("b", "c")]).unwrap();
        let bytes = [b"a\xff", long.as_bytes(), b"\xffb\xffc\xff"].concat();
        assert_eq!(l.hash(), xxh3_64(&bytes));
    }

    #[test]
    fn long_and_unicode_labels_round_trip() {
        for len in [0usize, 1, 63, 64, 65, 4095, 4096, 300_000] {
            let value = "é".repeat(len / 2) + &"x".repeat(len % 2 + 1);
            let l = Labels::new([("ünï", value.as_str()), ("a", "b"), ("z", "\u{0}")]).unwrap();
            let got: Vec<(&str, &str)> = l.iter().collect();
            assert_eq!(got, [("a", "b"), ("z", "\u{0}"), ("ünï", value.as_str())]);
            assert_eq!(l.len(), 3);
            assert_eq!(l.get("ünï"), Some(value.as_str()));
        }
        let many: Vec<(String, String)> = (0..200)
            .map(|i| (format!("l{i:03}"), i.to_string()))
            .collect();
        let l = Labels::new(many.clone()).unwrap();
        assert_eq!(l.len(), 200);
        assert!(l
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .eq(many));
    }
}
