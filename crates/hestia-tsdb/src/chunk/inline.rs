//! [`InlineChunk`]: an [`Encoding::Xor`] chunk being appended to, held in
//! a fixed number of bytes inside its owner. The head keeps one per
//! series in the series' own state, so an open chunk costs no
//! allocation, no allocator header and no growth slack, and a series
//! costs the same bytes from its first sample to its last: when a sample
//! does not fit, the chunk is full and the head closes it (writes it to
//! its chunk files) and starts the next one.
//!
//! The bytes are exactly those of [`ChunkAppender`](super::ChunkAppender)
//! for the same samples (the same encoder writes both), so a closed
//! inline chunk is an ordinary XOR chunk.
//!
//! The timestamp coder's last delta is kept in 32 bits: a sample more
//! than `u32::MAX` milliseconds (about 49.7 days) after the one before
//! does not fit, like one that needs more bytes than are left, and the
//! state beside the chunk's bytes is 24 bytes instead of 28.

use std::num::NonZeroU8;

use super::bstream::{read_uvarint, unzigzag, Bits, FixedBytes};
use super::xor::{write_sample, Times, XorValues, HEADER_LEN, MAX_SAMPLES};
use super::{Encoding, Sample};

/// An XOR chunk in `N` inline bytes (32 to 255), appendable until a
/// sample does not fit. See the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct InlineChunk<const N: usize> {
    /// The chunk's bytes (the first `len`), then zeros.
    bytes: [u8; N],
    /// The last timestamp (0 while empty).
    t: i64,
    /// The value coder's state (see `XorValues`), kept flat.
    prev: u64,
    /// The timestamp coder's last delta.
    delta: u32,
    /// Bytes used, the header included (so never zero).
    len: NonZeroU8,
    /// Unused bits of the last byte.
    free: u8,
    leading: u8,
    trailing: u8,
}

/// What [`InlineChunk::push`] did with a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Push {
    /// Appended.
    Stored,
    /// Not after the chunk's last sample: refused.
    NotAfter,
    /// The chunk is full: refused.
    Full,
}

impl<const N: usize> Default for InlineChunk<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> InlineChunk<N> {
    /// Room for the header and the largest first sample (a 10-byte
    /// varint timestamp and 8 value bytes), and a length that fits a byte.
    const SIZE_OK: () = assert!(N >= 32 && N <= u8::MAX as usize);

    /// The length of an empty chunk: its header.
    const EMPTY: NonZeroU8 = match NonZeroU8::new(HEADER_LEN as u8) {
        Some(n) => n,
        None => panic!("the header is not empty"),
    };

    /// An empty chunk.
    pub(crate) fn new() -> Self {
        let () = Self::SIZE_OK;
        let mut bytes = [0; N];
        bytes[0] = Encoding::Xor as u8;
        let values = XorValues::first(0);
        InlineChunk {
            bytes,
            t: 0,
            prev: values.prev,
            delta: 0,
            len: Self::EMPTY,
            free: 0,
            leading: values.leading,
            trailing: values.trailing,
        }
    }

    /// Appends `(t, v)` if it fits, and says whether it did; a refused
    /// sample leaves the chunk unchanged. See [`InlineChunk::push`].
    #[cfg(test)]
    pub(crate) fn try_append(&mut self, t: i64, v: f64) -> bool {
        self.push(t, v, MAX_SAMPLES) == Push::Stored
    }

    /// Appends `(t, v)` unless it is not after the last sample or the
    /// chunk is full: it holds `max_samples` samples (or the XOR
    /// encoding's limit), or the sample needs more bytes than are left or
    /// comes more than `u32::MAX` ms after the last. A refused sample
    /// leaves the chunk unchanged. Values are stored bit-exactly, NaN
    /// payloads included.
    pub(crate) fn push(&mut self, t: i64, v: f64, max_samples: usize) -> Push {
        let count = self.count();
        if count > 0 && t <= self.t {
            return Push::NotAfter;
        }
        if count as usize >= max_samples.min(MAX_SAMPLES) {
            return Push::Full;
        }
        let delta = if count == 0 {
            0
        } else {
            match t.checked_sub(self.t).and_then(|d| u32::try_from(d).ok()) {
                Some(d) => d,
                None => return Push::Full,
            }
        };
        let mut times = Times {
            t: self.t,
            delta: u64::from(self.delta),
        };
        let len = self.len.get() as usize;
        let last = self.bytes[len - 1];
        let mut values = XorValues {
            prev: self.prev,
            leading: self.leading,
            trailing: self.trailing,
        };
        let mut w = Bits::resume(FixedBytes::new(&mut self.bytes, len), u32::from(self.free));
        write_sample(&mut w, count, &mut times, &mut values, t, v.to_bits());
        let (written, free) = w.into_parts();
        if written.overflowed() {
            // Undo: the partial last byte and the bytes after it.
            self.bytes[len - 1] = last;
            self.bytes[len..].fill(0);
            return Push::Full;
        }
        let new_len = written.len();
        self.bytes[1..HEADER_LEN].copy_from_slice(&(count + 1).to_be_bytes());
        // Not more than N (checked above), which fits a byte.
        self.len = NonZeroU8::new(new_len as u8).unwrap_or(self.len);
        self.free = free as u8;
        self.t = t;
        // The delta the coder wrote for the second sample on.
        debug_assert!(count == 0 || times.delta == u64::from(delta));
        self.delta = delta;
        (self.prev, self.leading, self.trailing) = (values.prev, values.leading, values.trailing);
        Push::Stored
    }

    /// The sample count, from the chunk's header.
    fn count(&self) -> u16 {
        u16::from_be_bytes([self.bytes[1], self.bytes[2]])
    }

    /// Samples appended so far.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.count() as usize
    }

    /// Whether nothing was appended yet (known without reading the
    /// header).
    pub(crate) fn is_empty(&self) -> bool {
        self.len.get() as usize == HEADER_LEN
    }

    /// The first appended timestamp.
    pub(crate) fn first_timestamp(&self) -> Option<i64> {
        if self.is_empty() {
            return None;
        }
        let mut pos = HEADER_LEN;
        read_uvarint(self.as_bytes(), &mut pos).map(unzigzag)
    }

    /// The last appended sample, its value bit-exact.
    pub(crate) fn last(&self) -> Option<Sample> {
        (!self.is_empty()).then(|| Sample::new(self.t, f64::from_bits(self.prev)))
    }

    /// The chunk's bytes as they are now (encoding byte included).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len.get() as usize]
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{ChunkAppender, ChunkIter};

    /// Increasing timestamps with gaps from regular to huge, and values
    /// from constants to random bits (NaN payloads and the stale marker
    /// among them).
    fn samples() -> impl Strategy<Value = Vec<(i64, u64)>> {
        let gap = prop_oneof![Just(5_000i64), 1i64..20_000, 1i64..(1 << 40)];
        let value = prop_oneof![
            Just(1.0f64.to_bits()),
            (0u64..50).prop_map(|i| (i as f64).to_bits()),
            Just(0x7ff0_0000_0000_0002),
            any::<u64>(),
        ];
        (
            -(1i64 << 50)..(1i64 << 50),
            proptest::collection::vec((gap, value), 0..200),
        )
            .prop_map(|(start, steps)| {
                let mut t = start;
                steps
                    .into_iter()
                    .map(|(gap, v)| {
                        t = t.saturating_add(gap);
                        (t, v)
                    })
                    .collect::<Vec<_>>()
            })
            .prop_map(|mut s| {
                s.dedup_by_key(|x| x.0);
                s
            })
    }

    proptest! {
        #[test]
        fn holds_what_the_growing_appender_writes_until_full(s in samples()) {
            let mut inline = InlineChunk::<48>::new();
            let mut growing = ChunkAppender::new();
            let mut stored = 0;
            for &(t, bits) in &s {
                let before = inline.as_bytes().to_vec();
                if !inline.try_append(t, f64::from_bits(bits)) {
                    // Refused only when full (out of bytes, or a gap
                    // wider than a u32), and left as it was.
                    prop_assert_eq!(inline.as_bytes(), &before[..]);
                    let mut wider = growing.clone();
                    wider.append(t, f64::from_bits(bits)).unwrap();
                    let gap = i128::from(t) - i128::from(s[stored - 1].0);
                    prop_assert!(wider.as_bytes().len() > 48 || gap > i128::from(u32::MAX));
                    break;
                }
                growing.append(t, f64::from_bits(bits)).unwrap();
                stored += 1;
                prop_assert_eq!(inline.as_bytes(), growing.as_bytes());
            }
            let back: Vec<(i64, u64)> =
                ChunkIter::new(inline.as_bytes()).unwrap().map(|x| x.map(|x| (x.t, x.v.to_bits())).unwrap()).collect();
            prop_assert_eq!(&back[..], &s[..stored]);
            prop_assert_eq!(inline.len(), stored);
            prop_assert_eq!(inline.first_timestamp(), s.first().filter(|_| stored > 0).map(|x| x.0));
            prop_assert_eq!(
                inline.last().map(|x| (x.t, x.v.to_bits())),
                stored.checked_sub(1).map(|i| s[i])
            );
        }
    }

    #[test]
    fn refuses_out_of_order_and_fills_up() {
        let mut c = InlineChunk::<32>::new();
        assert!(c.is_empty() && c.last().is_none() && c.first_timestamp().is_none());
        assert!(c.try_append(1_000, 1.0));
        assert!(!c.try_append(1_000, 2.0), "not after the last sample");
        // Constant regular samples cost 2 bits each after the second.
        let mut t = 1_000;
        while c.try_append(t + 5_000, 1.0) {
            t += 5_000;
        }
        assert!(c.as_bytes().len() <= 32 && c.as_bytes().len() >= 31);
        assert_eq!(ChunkIter::new(c.as_bytes()).unwrap().count(), c.len());
        assert_eq!(c.last().map(|s| s.t), Some(t));
    }

    #[test]
    fn is_full_for_a_sample_more_than_a_u32_of_milliseconds_later() {
        let first = -(1i64 << 50);
        let second = first + i64::from(u32::MAX);
        let mut c = InlineChunk::<48>::new();
        assert!(c.try_append(first, 1.0));
        assert!(c.try_append(second, 2.0), "the widest gap that fits");
        let before = c.as_bytes().to_vec();
        assert!(!c.try_append(second + i64::from(u32::MAX) + 1, 3.0));
        assert!(!c.try_append(i64::MAX, 3.0));
        assert_eq!(c.as_bytes(), &before[..]);
        assert!(c.try_append(second + 1, 4.0));
        let back: Vec<_> = ChunkIter::new(c.as_bytes())
            .unwrap()
            .map(|x| x.unwrap().t)
            .collect();
        assert_eq!(back, [first, second, second + 1]);
        assert_eq!(c.last().map(|s| (s.t, s.v)), Some((second + 1, 4.0)));
        // A sample far from any other starts a chunk of its own.
        let mut c = InlineChunk::<48>::new();
        assert!(c.try_append(i64::MAX, 1.0));
        assert_eq!(c.last().map(|s| s.t), Some(i64::MAX));
    }
}
