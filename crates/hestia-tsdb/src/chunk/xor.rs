//! The Gorilla-style [`Encoding::Xor`](super::Encoding::Xor) chunk: the
//! appendable encoding of the head. Owns [`ChunkAppender`], its decoder,
//! and the XOR value coding that the packed encoding reuses as its
//! fallback for values that are not short decimals.
//!
//! Timestamps: the first as a zigzag varint, the second as a varint
//! delta, then delta-of-deltas in prefix-coded buckets. Values: the first
//! as 64 raw bits, then each XORed with its predecessor and written as
//! the run of meaningful bits between leading and trailing zeros, reusing
//! the previous window when it fits. See `docs/format/chunks.md`.

use super::bstream::{read_uvarint, unzigzag, zigzag, BitReader, BitWriter, Bits, ByteBuf};
use super::{Chunk, ChunkIter, Encoding, Sample};
use crate::Error;

/// Bytes before the bit stream: the encoding byte and a big-endian `u16`
/// sample count.
pub(crate) const HEADER_LEN: usize = 3;

/// The most samples an XOR chunk counts.
pub const MAX_SAMPLES: usize = u16::MAX as usize;

/// Delta-of-delta buckets after the `0` code for "same delta": the prefix,
/// its length in bits, and the signed payload width. Millisecond scrape
/// jitter mostly fits the first; `1111` is followed by all 64 bits.
const DOD_BUCKETS: [(u64, u32, u32); 3] = [(0b10, 2, 8), (0b110, 3, 14), (0b1110, 4, 20)];

/// How many bits wider than needed a reused window may be before the
/// encoder writes a new, narrower one (which costs 11 header bits).
const REUSE_SLACK: u8 = 11;

/// `leading` value meaning no window has been written yet.
const NO_WINDOW: u8 = u8::MAX;

/// Encoder and decoder state of the XOR value coding: the previous value's
/// bits and the current meaningful-bit window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct XorValues {
    pub(crate) prev: u64,
    pub(crate) leading: u8,
    pub(crate) trailing: u8,
}

impl XorValues {
    /// Starts after a first value stored raw.
    pub(crate) fn first(bits: u64) -> Self {
        XorValues {
            prev: bits,
            leading: NO_WINDOW,
            trailing: 0,
        }
    }

    /// Writes `bits` relative to the previous value.
    #[inline]
    pub(crate) fn write<B: ByteBuf>(&mut self, w: &mut Bits<B>, bits: u64) {
        let x = bits ^ self.prev;
        self.prev = bits;
        if x == 0 {
            w.write_bit(false);
            return;
        }
        w.write_bit(true);
        // Five bits hold the leading count, so at most 31 are recorded.
        let leading = (x.leading_zeros() as u8).min(31);
        let trailing = x.trailing_zeros() as u8;
        let reuse = self.leading != NO_WINDOW
            && leading >= self.leading
            && trailing >= self.trailing
            && (leading - self.leading) + (trailing - self.trailing) <= REUSE_SLACK;
        if reuse {
            w.write_bit(false);
            let width = 64 - self.leading - self.trailing;
            w.write_bits(x >> self.trailing, width as u32);
        } else {
            w.write_bit(true);
            let width = 64 - leading - trailing;
            w.write_bits(leading as u64, 5);
            // A width of 64 is written as 0 (it cannot be 0 otherwise).
            w.write_bits((width & 63) as u64, 6);
            w.write_bits(x >> trailing, width as u32);
            self.leading = leading;
            self.trailing = trailing;
        }
    }

    /// Reads the next value's bits.
    #[inline]
    pub(crate) fn read(&mut self, r: &mut BitReader<'_>) -> Result<u64, &'static str> {
        const EOF: &str = "bit stream ends inside a value";
        if !r.read_bit().ok_or(EOF)? {
            return Ok(self.prev);
        }
        if r.read_bit().ok_or(EOF)? {
            let leading = r.read_bits(5).ok_or(EOF)? as u8;
            let mut width = r.read_bits(6).ok_or(EOF)? as u8;
            if width == 0 {
                width = 64;
            }
            if leading + width > 64 {
                return Err("value window exceeds 64 bits");
            }
            self.leading = leading;
            self.trailing = 64 - leading - width;
        } else if self.leading == NO_WINDOW {
            return Err("value reuses a window before one was written");
        }
        let width = 64 - self.leading - self.trailing;
        let x = r.read_bits(width as u32).ok_or(EOF)? << self.trailing;
        self.prev ^= x;
        Ok(self.prev)
    }
}

fn fits(v: i64, bits: u32) -> bool {
    let half = 1i64 << (bits - 1);
    (-half..half).contains(&v)
}

fn write_dod<B: ByteBuf>(w: &mut Bits<B>, dod: i64) {
    if dod == 0 {
        w.write_bit(false);
    } else if let Some(&(prefix, len, bits)) = DOD_BUCKETS.iter().find(|b| fits(dod, b.2)) {
        w.write_bits(prefix, len);
        w.write_bits(dod as u64, bits);
    } else {
        w.write_bits(0b1111, 4);
        w.write_bits(dod as u64, 64);
    }
}

fn read_dod(r: &mut BitReader<'_>) -> Option<i64> {
    let mut ones = 0;
    while ones < 4 && r.read_bit()? {
        ones += 1;
    }
    Some(match ones {
        0 => 0,
        4 => r.read_bits(64)? as i64,
        n => {
            let bits = DOD_BUCKETS[n - 1].2;
            let raw = r.read_bits(bits)?;
            ((raw << (64 - bits)) as i64) >> (64 - bits)
        }
    })
}

/// The timestamp coder's state: the last timestamp and the last delta.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Times {
    pub(crate) t: i64,
    pub(crate) delta: u64,
}

/// Writes sample number `count` (from 0) of a chunk, `t` (after
/// `times.t`) and the value `bits`, advancing both coders: the first
/// sample raw, the second's timestamp as a delta, the rest as
/// delta-of-deltas. One encoder for every appender, whatever it writes to.
#[inline]
pub(crate) fn write_sample<B: ByteBuf>(
    w: &mut Bits<B>,
    count: u16,
    times: &mut Times,
    values: &mut XorValues,
    t: i64,
    bits: u64,
) {
    match count {
        0 => {
            w.write_uvarint(zigzag(t));
            w.write_bits(bits, 64);
            *values = XorValues::first(bits);
        }
        1 => {
            // Wrapping: the true difference of increasing i64s fits u64.
            times.delta = t.wrapping_sub(times.t) as u64;
            w.write_uvarint(times.delta);
            values.write(w, bits);
        }
        _ => {
            let delta = t.wrapping_sub(times.t) as u64;
            write_dod(w, delta.wrapping_sub(times.delta) as i64);
            times.delta = delta;
            values.write(w, bits);
        }
    }
    times.t = t;
}

/// Appends samples to an [`Encoding::Xor`] chunk, the head's encoding.
/// Timestamps must strictly increase; the bytes are a valid chunk after
/// every append, so the chunk can be read while it grows.
///
/// Its buffer grows as samples come (by an eighth at a time), so a chunk
/// may hold up to 65,535 samples; the head keeps its open chunks in fixed
/// inline bytes instead (`InlineChunk`, the same bytes from the same
/// encoder). The state is kept flat, 48 bytes plus the buffer: a boxed
/// slice (its capacity) and a `u32` length instead of a `Vec`, and the
/// sample count read from the chunk's header rather than kept twice.
#[derive(Debug, Clone)]
pub struct ChunkAppender {
    /// The chunk's bytes (the first `len`), then zeros up to the capacity.
    bytes: Box<[u8]>,
    times: Times,
    /// The value coder's state (see `XorValues`).
    prev: u64,
    len: u32,
    /// Unused bits of the last byte.
    free: u8,
    leading: u8,
    trailing: u8,
}

impl Default for ChunkAppender {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkAppender {
    /// An empty chunk.
    pub fn new() -> Self {
        ChunkAppender::with_capacity(0)
    }

    /// An empty chunk whose buffer starts with room for `bytes` bytes, so
    /// that a chunk of about that size never reallocates (the head sizes
    /// each new chunk by the one before).
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = vec![0; bytes.max(HEADER_LEN)];
        buf[0] = Encoding::Xor as u8;
        let values = XorValues::first(0);
        ChunkAppender {
            bytes: buf.into_boxed_slice(),
            times: Times::default(),
            prev: values.prev,
            len: HEADER_LEN as u32,
            free: 0,
            leading: values.leading,
            trailing: values.trailing,
        }
    }

    /// Appends a sample. Refuses, leaving the chunk unchanged, a timestamp
    /// not after the last one ([`Error::OutOfOrderSample`]) and a sample
    /// past [`Encoding::max_samples`] ([`Error::ChunkFull`]). Values are stored
    /// bit-exactly, NaN payloads included.
    pub fn append(&mut self, t: i64, v: f64) -> Result<(), Error> {
        let count = self.count();
        if count > 0 && t <= self.times.t {
            return Err(Error::OutOfOrderSample {
                t,
                last: self.times.t,
            });
        }
        if count as usize == MAX_SAMPLES {
            return Err(Error::ChunkFull {
                encoding: Encoding::Xor,
                max: MAX_SAMPLES,
            });
        }
        let mut buf = std::mem::take(&mut self.bytes).into_vec();
        buf.truncate(self.len as usize);
        let mut w = BitWriter::resume(buf, u32::from(self.free));
        let mut values = XorValues {
            prev: self.prev,
            leading: self.leading,
            trailing: self.trailing,
        };
        write_sample(&mut w, count, &mut self.times, &mut values, t, v.to_bits());
        w.bytes_mut()[1..HEADER_LEN].copy_from_slice(&(count + 1).to_be_bytes());
        let (mut bytes, free) = w.into_parts();
        // At most 65,535 samples of at most 21 bytes each.
        self.len = bytes.len() as u32;
        // The spare capacity becomes zeros the box keeps, so no reallocation.
        bytes.resize(bytes.capacity(), 0);
        self.bytes = bytes.into_boxed_slice();
        self.free = free as u8;
        (self.prev, self.leading, self.trailing) = (values.prev, values.leading, values.trailing);
        Ok(())
    }

    /// The sample count, from the chunk's header.
    fn count(&self) -> u16 {
        u16::from_be_bytes([self.bytes[1], self.bytes[2]])
    }

    /// Samples appended so far.
    pub fn len(&self) -> usize {
        self.count() as usize
    }

    /// Whether nothing was appended yet (known without reading the
    /// buffer: the head asks for every sample appended).
    pub fn is_empty(&self) -> bool {
        self.len as usize == HEADER_LEN
    }

    /// The first appended timestamp.
    pub fn first_timestamp(&self) -> Option<i64> {
        if self.is_empty() {
            return None;
        }
        let mut pos = HEADER_LEN;
        read_uvarint(self.as_bytes(), &mut pos).map(unzigzag)
    }

    /// The last appended timestamp.
    pub fn last_timestamp(&self) -> Option<i64> {
        (!self.is_empty()).then_some(self.times.t)
    }

    /// The last appended sample, its value bit-exact.
    pub fn last(&self) -> Option<Sample> {
        (!self.is_empty()).then(|| Sample::new(self.times.t, f64::from_bits(self.prev)))
    }

    /// The chunk's bytes as they are now (encoding byte included).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Iterates over the samples appended so far.
    pub fn iter(&self) -> ChunkIter<'_> {
        ChunkIter::from_valid(self.as_bytes())
    }

    /// The finished chunk.
    pub fn finish(self) -> Chunk {
        let mut bytes = self.bytes.into_vec();
        bytes.truncate(self.len as usize);
        Chunk::from_encoded(bytes)
    }
}

/// Reads an [`Encoding::Xor`] chunk.
#[derive(Debug, Clone)]
pub(crate) struct XorDecoder<'a> {
    r: BitReader<'a>,
    total: u16,
    read: u16,
    t: i64,
    delta: u64,
    values: XorValues,
}

impl<'a> XorDecoder<'a> {
    /// Checks the header of `bytes` (encoding byte included).
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self, &'static str> {
        let header = bytes
            .get(1..HEADER_LEN)
            .ok_or("shorter than its 3-byte header")?;
        Ok(XorDecoder {
            r: BitReader::new(&bytes[HEADER_LEN..]),
            total: u16::from_be_bytes([header[0], header[1]]),
            read: 0,
            t: 0,
            delta: 0,
            values: XorValues::first(0),
        })
    }

    /// The sample count the header claims.
    pub(crate) fn len(&self) -> usize {
        self.total as usize
    }

    /// The next sample as timestamp and value bits.
    #[inline]
    pub(crate) fn next(&mut self) -> Result<Option<(i64, u64)>, &'static str> {
        const EOF: &str = "bit stream ends inside a timestamp";
        if self.read >= self.total {
            return Ok(None);
        }
        let bits = match self.read {
            0 => {
                self.t = unzigzag(self.r.read_uvarint().ok_or(EOF)?);
                let bits = self.r.read_bits(64).ok_or(EOF)?;
                self.values = XorValues::first(bits);
                bits
            }
            1 => {
                self.delta = self.r.read_uvarint().ok_or(EOF)?;
                self.t = self.t.wrapping_add(self.delta as i64);
                self.values.read(&mut self.r)?
            }
            _ => {
                let dod = read_dod(&mut self.r).ok_or(EOF)?;
                self.delta = self.delta.wrapping_add(dod as u64);
                self.t = self.t.wrapping_add(self.delta as i64);
                self.values.read(&mut self.r)?
            }
        };
        self.read += 1;
        Ok(Some((self.t, bits)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dod_buckets_round_trip_at_their_edges() {
        let mut cases = vec![0i64, 1, -1, i64::MIN, i64::MAX];
        for &(_, _, bits) in &DOD_BUCKETS {
            let half = 1i64 << (bits - 1);
            cases.extend([half - 1, half, -half, -half - 1]);
        }
        let mut w = BitWriter::default();
        for &c in &cases {
            write_dod(&mut w, c);
        }
        let bytes = w.into_bytes();
        let mut r = BitReader::new(&bytes);
        for &c in &cases {
            assert_eq!(read_dod(&mut r), Some(c));
        }
    }

    #[test]
    fn sizes_of_regular_series() {
        // (description, samples, expected bytes)
        let regular: Vec<(i64, f64)> = (0..120).map(|i| (i * 10_000, 1.0)).collect();
        type Case = (&'static str, Vec<(i64, f64)>, usize);
        let cases: &[Case] = &[
            ("empty", vec![], 3),
            ("one sample", vec![(0, 1.0)], 3 + 1 + 8),
            // 1 + 8 bytes first sample, 2-byte delta + 1 bit, then 2 bits per sample.
            (
                "constant, regular",
                regular,
                3 + 1 + 8 + 2 + (1 + 118 * 2usize).div_ceil(8),
            ),
        ];
        for (what, samples, want) in cases {
            let mut app = ChunkAppender::new();
            for &(t, v) in samples {
                app.append(t, v).unwrap();
            }
            assert_eq!(app.as_bytes().len(), *want, "{what}");
        }
    }

    #[test]
    fn refuses_out_of_order_and_full() {
        let mut app = ChunkAppender::new();
        app.append(10, 1.0).unwrap();
        let before = app.as_bytes().to_vec();
        for t in [10, 9, i64::MIN] {
            assert!(matches!(
                app.append(t, 2.0),
                Err(Error::OutOfOrderSample { last: 10, .. })
            ));
        }
        assert_eq!(app.as_bytes(), before);
        let mut app = ChunkAppender::new();
        for t in 0..MAX_SAMPLES as i64 {
            app.append(t, 0.0).unwrap();
        }
        assert!(matches!(
            app.append(MAX_SAMPLES as i64, 0.0),
            Err(Error::ChunkFull {
                max: MAX_SAMPLES,
                ..
            })
        ));
        assert_eq!(app.iter().count(), MAX_SAMPLES);
    }
}
