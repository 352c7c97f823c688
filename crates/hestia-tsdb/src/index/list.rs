//! [`PostingList`]: a sorted set of series ids stored compactly, as the
//! postings of the in-memory index keep them.
//!
//! Ids are grouped into runs of consecutive ids, and each run is written
//! as LEB128 varints:
//!
//! * the gap from the previous run's last id (from −1 for the first run),
//!   at least 1 — an isolated id is this one varint;
//! * for a run of two ids, then `1` (the second id's gap);
//! * for a run of `n ≥ 3` ids, then a `0` byte and `n − 1`.
//!
//! A gap is never 0, so the `0` byte marks a run length unambiguously, and
//! the encoding of a set is unique (runs are maximal). Series ids are
//! given out densely in exposition order, so the lists of the head are
//! long runs (every series of a target shares `job` and `instance`) or
//! short strides (`le`, `code`): mostly well under a byte per id.
//!
//! Appending an id above the last extends the last run in place (its
//! length is the last varint) or adds a gap; an id below the last (replay
//! out of order, a list built unsorted) rebuilds the list run by run.
//! Encodings of up to [`INLINE`] bytes live inside the list itself, with
//! no allocation; longer ones grow by an eighth.

use super::postings::SeriesId;

/// Encoded bytes that fit in the list itself.
const INLINE: usize = 14;

/// A sorted set of series ids, delta- and run-length-coded (see the module
/// documentation). 24 bytes, plus the encoding on the heap once it passes
/// 14 bytes.
#[derive(Clone)]
pub struct PostingList {
    len: u32,
    last: SeriesId,
    bytes: Bytes,
}

/// The encoding: in place, or on the heap behind a thin pointer (which
/// keeps the list at 24 bytes; only lists past [`INLINE`] bytes pay for
/// the box).
#[derive(Clone)]
// A `Vec` in place would make every list 8 bytes larger.
#[allow(clippy::box_collection)]
enum Bytes {
    Inline { used: u8, buf: [u8; INLINE] },
    Heap(Box<Vec<u8>>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Inline { used, buf } => &buf[..usize::from(*used)],
            Bytes::Heap(v) => v,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        match self {
            Bytes::Inline { used, buf } => &mut buf[..usize::from(*used)],
            Bytes::Heap(v) => v,
        }
    }

    /// Drops the bytes from `at` on.
    fn truncate(&mut self, at: usize) {
        match self {
            Bytes::Inline { used, buf } => {
                let at = at.min(usize::from(*used));
                buf[at..].fill(0);
                *used = at as u8;
            }
            Bytes::Heap(v) => v.truncate(at),
        }
    }

    /// Appends `x` as a varint.
    #[inline]
    fn put(&mut self, x: u64) {
        if x < 0x80 {
            match self {
                Bytes::Inline { used, buf } if usize::from(*used) < INLINE => {
                    buf[usize::from(*used)] = x as u8;
                    *used += 1;
                    return;
                }
                Bytes::Heap(v) if v.len() < v.capacity() => {
                    v.push(x as u8);
                    return;
                }
                _ => {}
            }
        }
        self.put_long(x);
    }

    /// Appends `x` as a varint, moving or growing the bytes if needed.
    fn put_long(&mut self, x: u64) {
        let mut tmp = [0u8; 10];
        let n = encode_varint(x, &mut tmp);
        let tmp = &tmp[..n];
        match self {
            Bytes::Inline { used, buf } => {
                let at = usize::from(*used);
                if at + n <= INLINE {
                    buf[at..at + n].copy_from_slice(tmp);
                    *used = (at + n) as u8;
                    return;
                }
                let mut v = Vec::with_capacity(INLINE + INLINE / 2 + n);
                v.extend_from_slice(&buf[..at]);
                v.extend_from_slice(tmp);
                *self = Bytes::Heap(Box::new(v));
            }
            Bytes::Heap(v) => {
                if v.len() + n > v.capacity() {
                    // Grow by an eighth rather than doubling: postings
                    // live as long as the head and are mostly full.
                    v.reserve_exact((v.len() / 8).max(n).max(8));
                }
                v.extend_from_slice(tmp);
            }
        }
    }
}

fn encode_varint(mut x: u64, out: &mut [u8; 10]) -> usize {
    let mut n = 0;
    while x >= 0x80 {
        out[n] = (x as u8) | 0x80;
        x >>= 7;
        n += 1;
    }
    out[n] = x as u8;
    n + 1
}

/// Reads a varint at `*at`, advancing it; `None` at the end of `bytes` or
/// on a varint longer than a `u64`.
#[inline]
fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let b = *bytes.get(*at)?;
    if b < 0x80 {
        *at += 1;
        return Some(u64::from(b));
    }
    read_long_varint(bytes, at)
}

fn read_long_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut x = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        x |= u64::from(b & 0x7f).checked_shl(shift)?;
        if b < 0x80 {
            return Some(x);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// Where the last varint of `bytes` starts (`bytes` not empty).
fn last_varint_start(bytes: &[u8]) -> usize {
    let mut i = bytes.len() - 1;
    while i > 0 && bytes[i - 1] & 0x80 != 0 {
        i -= 1;
    }
    i
}

impl Default for PostingList {
    fn default() -> Self {
        PostingList::new()
    }
}

impl PostingList {
    /// An empty list.
    pub const fn new() -> PostingList {
        PostingList {
            len: 0,
            last: 0,
            bytes: Bytes::Inline {
                used: 0,
                buf: [0; INLINE],
            },
        }
    }

    /// The list of `ids`, in any order, duplicates dropped.
    pub fn from_ids(ids: impl IntoIterator<Item = SeriesId>) -> PostingList {
        let mut list = PostingList::new();
        for id in ids {
            list.insert(id);
        }
        list
    }

    /// The ids of `range`.
    pub fn from_range(range: std::ops::Range<SeriesId>) -> PostingList {
        let mut list = PostingList::new();
        if !range.is_empty() {
            list.push_run(range.start, range.end - range.start);
        }
        list
    }

    /// The number of ids.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the list has no ids.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The largest id, if any.
    pub fn last(&self) -> Option<SeriesId> {
        (self.len > 0).then_some(self.last)
    }

    /// The encoded bytes (see the module documentation).
    pub fn encoded(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Heap bytes the list owns beyond its own 24 (the encoding's
    /// capacity once it left the list, and its box).
    pub fn heap_bytes(&self) -> usize {
        match &self.bytes {
            Bytes::Inline { .. } => 0,
            Bytes::Heap(v) => std::mem::size_of::<Vec<u8>>() + v.capacity(),
        }
    }

    /// Adds `id`. Cheap when `id` is above every id in the list (the usual
    /// case: new series get increasing ids); otherwise the list is
    /// rebuilt, unless it already holds `id`.
    pub fn insert(&mut self, id: SeriesId) {
        if self.len == 0 || id > self.last {
            self.push_run(id, 1);
        } else if !self.contains(id) {
            self.insert_below(id);
        }
    }

    /// Appends the `n ≥ 1` ids from `start`, all above the last id and
    /// at most [`SeriesId::MAX`].
    fn push_run(&mut self, start: SeriesId, n: u32) {
        debug_assert!(n >= 1 && (self.len == 0 || start > self.last));
        if self.len > 0 && start == self.last + 1 {
            self.extend_last_run(n);
        } else {
            let gap = match self.len {
                0 => u64::from(start) + 1,
                _ => u64::from(start - self.last),
            };
            self.bytes.put(gap);
            match n {
                1 => {}
                2 => self.bytes.put(1),
                _ => {
                    self.bytes.put(0);
                    self.bytes.put(u64::from(n - 1));
                }
            }
        }
        self.len += n;
        self.last = start + (n - 1);
    }

    /// Lengthens the run that ends the list by `n ≥ 1` ids.
    fn extend_last_run(&mut self, n: u32) {
        let bytes = self.bytes.as_slice();
        let start = last_varint_start(bytes);
        if n == 1 && start > 0 && bytes[start - 1] == 0 {
            // The usual case, a run growing by one: its length is the last
            // varint, incremented in place unless it needs another byte.
            let tail = &mut self.bytes.as_mut_slice()[start..];
            if let Some(i) = tail.iter().position(|b| b & 0x7f != 0x7f) {
                tail[i] += 1;
                tail[..i].iter_mut().for_each(|b| *b = 0x80);
                return;
            }
        }
        let bytes = self.bytes.as_slice();
        let mut at = start;
        let v = read_varint(bytes, &mut at).unwrap_or(0);
        let n = u64::from(n);
        // The run's length before, and where its length is written.
        let (run, from) = if start > 0 && bytes[start - 1] == 0 {
            (v + 1, start - 1)
        } else if v == 1 && start > 0 {
            // The second id of a run of two (a gap of 1 never follows a
            // longer run).
            (2, start)
        } else {
            (1, at)
        };
        self.bytes.truncate(from);
        if run + n == 2 {
            self.bytes.put(1);
        } else {
            self.bytes.put(0);
            self.bytes.put(run + n - 1);
        }
    }

    /// Rebuilds the list with `id` (below the last id, not in the list).
    fn insert_below(&mut self, id: SeriesId) {
        let mut out = PostingList::new();
        let mut pending = Some(id);
        for (start, n) in self.runs() {
            if let Some(x) = pending.filter(|&x| x < start) {
                out.push_run(x, 1);
                pending = None;
            }
            out.push_run(start, n);
        }
        if let Some(x) = pending {
            out.push_run(x, 1);
        }
        *self = out;
    }

    /// Whether `id` is in the list.
    pub fn contains(&self, id: SeriesId) -> bool {
        if self.len == 0 || id > self.last {
            return false;
        }
        for (start, n) in self.runs() {
            if id < start {
                return false;
            }
            if id - start < n {
                return true;
            }
        }
        false
    }

    /// The runs of consecutive ids, in order, as `(first id, count)`.
    pub fn runs(&self) -> Runs<'_> {
        Runs {
            bytes: self.bytes.as_slice(),
            at: 0,
            next: 0,
        }
    }

    /// The ids, in order.
    pub fn iter(&self) -> impl Iterator<Item = SeriesId> + '_ {
        self.runs()
            .flat_map(|(start, n)| (0..n).map(move |k| start + k))
    }

    /// The ids, in order, in a new vector.
    pub fn to_vec(&self) -> Vec<SeriesId> {
        let mut out = Vec::with_capacity(self.len());
        self.extend_into(&mut out);
        out
    }

    /// Appends the ids, in order, to `out`.
    pub fn extend_into(&self, out: &mut Vec<SeriesId>) {
        // The decoding of `Runs`, in one loop: this is the hot path of
        // queries. Arithmetic wraps (the first gap of id `u32::MAX` is
        // 2³², read as 0) and a run never passes the list's length.
        out.reserve(self.len());
        let (bytes, mut at) = (self.encoded(), 0);
        let (mut next, mut left) = (0u32, self.len);
        while left > 0 {
            let Some(gap) = read_varint(bytes, &mut at) else {
                break;
            };
            let start = next.wrapping_add(gap as u32).wrapping_sub(1);
            let n = match bytes.get(at) {
                Some(0) => {
                    at += 1;
                    let count = read_varint(bytes, &mut at).unwrap_or(0);
                    (count.min(u64::from(left - 1)) as u32) + 1
                }
                Some(1) if left >= 2 => {
                    at += 1;
                    2
                }
                _ => 1,
            };
            if n == 1 {
                out.push(start);
            } else {
                push_ids(out, start, n);
            }
            next = start.wrapping_add(n);
            left -= n;
        }
    }

    /// The ids of `ids` (sorted) that are in the list.
    pub fn intersect(&self, ids: &[SeriesId]) -> Vec<SeriesId> {
        let mut out = Vec::with_capacity(ids.len().min(self.len()));
        let mut rest = ids;
        for (start, n) in self.runs() {
            let end = start + (n - 1);
            rest = &rest[count_while(rest, |y| y < start)..];
            let inside = count_while(rest, |y| y <= end);
            copy(&mut out, &rest[..inside]);
            rest = &rest[inside..];
            if rest.is_empty() {
                break;
            }
        }
        out
    }

    /// The ids of `ids` (sorted) that are not in the list.
    pub fn subtract_from(&self, ids: &[SeriesId]) -> Vec<SeriesId> {
        let mut out = Vec::with_capacity(ids.len());
        let mut rest = ids;
        for (start, n) in self.runs() {
            let end = start + (n - 1);
            let below = count_while(rest, |y| y < start);
            copy(&mut out, &rest[..below]);
            rest = &rest[below..];
            rest = &rest[count_while(rest, |y| y <= end)..];
            if rest.is_empty() {
                break;
            }
        }
        out.extend_from_slice(rest);
        out
    }

    /// The ids of the list that are not in `ids` (sorted).
    pub fn without(&self, ids: &[SeriesId]) -> Vec<SeriesId> {
        let mut out = Vec::with_capacity(self.len());
        let mut rest = ids;
        for (start, n) in self.runs() {
            rest = &rest[count_while(rest, |y| y < start)..];
            let end = start + (n - 1);
            // The first id of the run not yet copied nor refused.
            let mut from = Some(start);
            while let Some(&x) = rest.first().filter(|&&x| x <= end) {
                if let Some(f) = from.filter(|&f| x >= f) {
                    push_ids(&mut out, f, x - f);
                }
                rest = &rest[1..];
                from = x.checked_add(1).filter(|&f| f <= end);
            }
            if let Some(f) = from {
                push_ids(&mut out, f, end - f + 1);
            }
        }
        out
    }
}

/// Appends the `n` ids from `start` (`start + n - 1` at most
/// [`SeriesId::MAX`]).
#[inline]
pub(super) fn push_ids(out: &mut Vec<SeriesId>, start: SeriesId, n: u32) {
    match start.checked_add(n) {
        Some(end) => out.extend(start..end),
        None => out.extend(start..=SeriesId::MAX),
    }
}

/// How many leading elements of `sorted` satisfy `pred` (true on a
/// prefix of `sorted`): a few steps one by one (the count is usually
/// small), then doubling steps and a binary search.
#[inline]
fn count_while(sorted: &[SeriesId], pred: impl Fn(SeriesId) -> bool) -> usize {
    const LINEAR: usize = 4;
    for (i, &y) in sorted.iter().take(LINEAR).enumerate() {
        if !pred(y) {
            return i;
        }
    }
    if sorted.len() <= LINEAR {
        return sorted.len();
    }
    // sorted[..LINEAR] satisfy pred; invariant: sorted[..hi / 2] do.
    let mut hi = 2 * LINEAR;
    while hi < sorted.len() && pred(sorted[hi - 1]) {
        hi *= 2;
    }
    let lo = hi / 2;
    let hi = hi.min(sorted.len());
    lo + sorted[lo..hi].partition_point(|&y| pred(y))
}

/// Appends `ids` to `out`, one by one when they are few (cheaper than a
/// copy call).
#[inline]
fn copy(out: &mut Vec<SeriesId>, ids: &[SeriesId]) {
    if ids.len() < 8 {
        for &id in ids {
            out.push(id);
        }
    } else {
        out.extend_from_slice(ids);
    }
}

/// The runs of a [`PostingList`]: `(first id, count)` with `count ≥ 1`.
#[derive(Debug, Clone)]
pub struct Runs<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The gap origin: one past the previous run's last id.
    next: u64,
}

impl Iterator for Runs<'_> {
    type Item = (SeriesId, u32);

    #[inline]
    fn next(&mut self) -> Option<(SeriesId, u32)> {
        let gap = read_varint(self.bytes, &mut self.at)?;
        // The first gap counts from −1, i.e. `next` = 0 minus one.
        let start = self.next.checked_add(gap)?.checked_sub(1)?;
        let mut n = 1u64;
        match self.bytes.get(self.at) {
            Some(0) => {
                self.at += 1;
                n = read_varint(self.bytes, &mut self.at)?.checked_add(1)?;
            }
            Some(1) => {
                self.at += 1;
                n = 2;
            }
            _ => {}
        }
        let start32 = SeriesId::try_from(start).ok()?;
        let n32 = u32::try_from(n).ok()?;
        start32.checked_add(n32 - 1)?;
        self.next = start + n;
        Some((start32, n32))
    }
}

impl PartialEq for PostingList {
    fn eq(&self, other: &PostingList) -> bool {
        self.len == other.len && self.encoded() == other.encoded()
    }
}

impl Eq for PostingList {}

impl std::fmt::Debug for PostingList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<SeriesId> for PostingList {
    fn from_iter<I: IntoIterator<Item = SeriesId>>(ids: I) -> Self {
        PostingList::from_ids(ids)
    }
}

#[cfg(test)]
mod tests;
