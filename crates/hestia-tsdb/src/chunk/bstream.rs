//! Bit streams: [`Bits`] appends bits most-significant first to a byte
//! vector ([`BitWriter`]) or to fixed storage ([`FixedBytes`]);
//! [`BitReader`] reads them back and reports running out of bytes instead
//! of panicking. Also the LEB128 varints and zigzag mapping the chunk
//! encodings share.

/// Bytes a [`Bits`] writer appends to: a growing `Vec<u8>` ([`BitWriter`])
/// or fixed storage ([`FixedBytes`]).
pub(crate) trait ByteBuf {
    /// Appends a zero byte.
    fn push_zero(&mut self);
    /// The last byte.
    fn last_mut(&mut self) -> Option<&mut u8>;
}

impl ByteBuf for Vec<u8> {
    /// Grows by an eighth (at least 8 bytes) when full rather than
    /// doubling, so that buffers kept open carry little unused capacity.
    #[inline]
    fn push_zero(&mut self) {
        if self.len() == self.capacity() {
            self.reserve_exact((self.len() / 8).max(8));
        }
        self.push(0);
    }

    #[inline]
    fn last_mut(&mut self) -> Option<&mut u8> {
        <[u8]>::last_mut(self)
    }
}

/// A fixed byte slice of which the first `len` bytes are written. Bytes
/// pushed past its end are counted but not kept, so a writer tells that
/// a write did not fit by [`FixedBytes::overflowed`] instead of
/// panicking; the caller then restores what it wrote.
#[derive(Debug)]
pub(crate) struct FixedBytes<'a> {
    bytes: &'a mut [u8],
    len: usize,
    /// Stands in for bytes past the end.
    spill: u8,
}

impl<'a> FixedBytes<'a> {
    /// Continues after the first `len` bytes of `bytes`.
    pub(crate) fn new(bytes: &'a mut [u8], len: usize) -> Self {
        FixedBytes {
            bytes,
            len,
            spill: 0,
        }
    }

    /// Bytes written, counting those that did not fit.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether more bytes were pushed than the slice holds.
    pub(crate) fn overflowed(&self) -> bool {
        self.len > self.bytes.len()
    }
}

impl ByteBuf for FixedBytes<'_> {
    #[inline]
    fn push_zero(&mut self) {
        if let Some(b) = self.bytes.get_mut(self.len) {
            *b = 0;
        }
        self.len += 1;
    }

    #[inline]
    fn last_mut(&mut self) -> Option<&mut u8> {
        match self.len.checked_sub(1) {
            None => None,
            Some(i) if i < self.bytes.len() => self.bytes.get_mut(i),
            Some(_) => Some(&mut self.spill),
        }
    }
}

/// Appends bits, most significant bit first, to a [`ByteBuf`]. Unused
/// low bits of the last byte are zero, so the bytes are readable at any
/// time (the head reads chunks it is still appending to).
#[derive(Debug, Clone, Default)]
pub(crate) struct Bits<B> {
    bytes: B,
    /// Unused bits in the last byte (0 when it is full or there is none).
    free: u32,
}

/// A bit writer to a growing byte vector.
pub(crate) type BitWriter = Bits<Vec<u8>>;

impl<B: ByteBuf> Bits<B> {
    /// Continues after `bytes` whose last byte has `free` unused low bits
    /// (as [`into_parts`](Self::into_parts) left them).
    pub(crate) fn resume(bytes: B, free: u32) -> Self {
        Bits { bytes, free }
    }

    /// The bytes and the unused bits of the last byte, to resume later.
    pub(crate) fn into_parts(self) -> (B, u32) {
        (self.bytes, self.free)
    }

    #[inline]
    fn push_byte(&mut self) {
        self.bytes.push_zero();
        self.free = 8;
    }

    /// Appends one bit.
    #[inline]
    pub(crate) fn write_bit(&mut self, bit: bool) {
        if self.free == 0 {
            self.push_byte();
        }
        self.free -= 1;
        if bit {
            if let Some(last) = self.bytes.last_mut() {
                *last |= 1 << self.free;
            }
        }
    }

    /// Appends the low `n` bits of `value` (`n <= 64`), highest first.
    #[inline]
    pub(crate) fn write_bits(&mut self, value: u64, n: u32) {
        debug_assert!(n <= 64);
        let mut left = n;
        while left > 0 {
            if self.free == 0 {
                self.push_byte();
            }
            let take = left.min(self.free);
            let part = (value >> (left - take)) & ((1u64 << take) - 1);
            if let Some(last) = self.bytes.last_mut() {
                *last |= (part as u8) << (self.free - take);
            }
            self.free -= take;
            left -= take;
        }
    }

    /// Appends `v` as an unsigned LEB128 varint, eight bits per byte.
    pub(crate) fn write_uvarint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.write_bits((v as u8 | 0x80) as u64, 8);
            v >>= 7;
        }
        self.write_bits(v, 8);
    }
}

impl BitWriter {
    /// Continues after `bytes` (a header), starting at a byte boundary.
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Self {
        Bits { bytes, free: 0 }
    }

    /// The bytes written so far, for patching a header in place.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Gives up the bytes.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reads bits most significant first from a byte slice. Every read returns
/// `None` once the slice is exhausted.
#[derive(Debug, Clone)]
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte of `data` to load into `buf`.
    pos: usize,
    /// Loaded bits, left-aligned: the next bit is bit 63.
    buf: u64,
    /// How many bits of `buf` are loaded and unread.
    avail: u32,
}

#[inline]
fn shl(x: u64, n: u32) -> u64 {
    x.checked_shl(n).unwrap_or(0)
}

impl<'a> BitReader<'a> {
    /// Reads `data` from its first bit.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        BitReader {
            data,
            pos: 0,
            buf: 0,
            avail: 0,
        }
    }

    /// Loads whole bytes until more than 56 bits are available or the data
    /// ends. Loading may also copy bits of a following byte below `avail`;
    /// they are the same bits the next load puts there, so reads, which
    /// only look above `avail`, are unaffected.
    #[inline]
    fn refill(&mut self) {
        if let Some(word) = self.data.get(self.pos..self.pos + 8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(word);
            self.buf |= u64::from_be_bytes(b) >> self.avail;
            let bytes = (64 - self.avail) / 8;
            self.pos += bytes as usize;
            self.avail += bytes * 8;
        } else {
            while self.avail <= 56 {
                let Some(&byte) = self.data.get(self.pos) else {
                    break;
                };
                self.buf |= (byte as u64) << (56 - self.avail);
                self.avail += 8;
                self.pos += 1;
            }
        }
    }

    /// Reads one bit.
    #[inline]
    pub(crate) fn read_bit(&mut self) -> Option<bool> {
        if self.avail == 0 {
            self.refill();
            if self.avail == 0 {
                return None;
            }
        }
        let bit = self.buf >> 63 == 1;
        self.buf <<= 1;
        self.avail -= 1;
        Some(bit)
    }

    /// Reads `n <= 64` bits as the low bits of the result.
    #[inline]
    pub(crate) fn read_bits(&mut self, n: u32) -> Option<u64> {
        debug_assert!(n <= 64);
        if n == 0 {
            return Some(0);
        }
        if self.avail < n && self.avail <= 56 {
            self.refill();
        }
        if self.avail >= n {
            let v = self.buf >> (64 - n);
            self.buf = shl(self.buf, n);
            self.avail -= n;
            return Some(v);
        }
        // More than the buffer holds (n > 56): take what is there, reload.
        let hi_n = self.avail;
        let hi = if hi_n == 0 {
            0
        } else {
            self.buf >> (64 - hi_n)
        };
        self.buf = 0;
        self.avail = 0;
        self.refill();
        let lo_n = n - hi_n;
        if self.avail < lo_n {
            return None;
        }
        let lo = self.buf >> (64 - lo_n);
        self.buf = shl(self.buf, lo_n);
        self.avail -= lo_n;
        Some(shl(hi, lo_n) | lo)
    }

    /// Reads a unary code: zeros ended by a one. Returns the number of
    /// zeros, `None` if there are more than `max` (at most 56) or the
    /// data ends first.
    #[inline]
    pub(crate) fn read_unary(&mut self, max: u32) -> Option<u32> {
        debug_assert!(max <= 56);
        if self.avail <= max {
            self.refill();
        }
        // Bits below `avail` are zero or the genuine next bits, so a one
        // found among the loaded bits ends the code.
        let zeros = self.buf.leading_zeros();
        if zeros >= self.avail || zeros > max {
            return None;
        }
        self.buf <<= zeros;
        self.buf = shl(self.buf, 1);
        self.avail -= zeros + 1;
        Some(zeros)
    }

    /// How many bits of the data have been read.
    pub(crate) fn bits_read(&self) -> usize {
        self.pos * 8 - self.avail as usize
    }

    /// Reads an unsigned LEB128 varint of eight-bit groups.
    pub(crate) fn read_uvarint(&mut self) -> Option<u64> {
        decode_uvarint(|| self.read_bits(8).map(|b| b as u8))
    }
}

/// Appends `v` to `out` as an unsigned LEB128 varint.
pub(crate) fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The encoded length of `v` as a LEB128 varint.
pub(crate) fn uvarint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Reads an unsigned LEB128 varint from `data` at `*pos`, advancing it.
pub(crate) fn read_uvarint(data: &[u8], pos: &mut usize) -> Option<u64> {
    decode_uvarint(|| {
        let b = data.get(*pos).copied();
        *pos += 1;
        b
    })
}

/// Decodes a LEB128 varint from a byte source; `None` if the source ends
/// first or the value does not fit 64 bits.
fn decode_uvarint(mut next: impl FnMut() -> Option<u8>) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let b = next()?;
        if i == 9 && b > 1 {
            return None;
        }
        v |= ((b & 0x7f) as u64) << (7 * i);
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Maps signed to unsigned so small magnitudes get small codes.
#[inline]
pub(crate) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Inverse of [`zigzag`].
#[inline]
pub(crate) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn bits_round_trip(fields in proptest::collection::vec((any::<u64>(), 0u32..=64), 0..200)) {
            let mut w = BitWriter::default();
            for &(v, n) in &fields {
                if n == 1 { w.write_bit(v & 1 == 1) } else { w.write_bits(v, n) }
            }
            let bytes = w.into_bytes();
            let total: u32 = fields.iter().map(|f| f.1).sum();
            prop_assert_eq!(bytes.len(), total.div_ceil(8) as usize);
            let mut r = BitReader::new(&bytes);
            for &(v, n) in &fields {
                let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
                let got = if n == 1 { r.read_bit().map(u64::from) } else { r.read_bits(n) };
                prop_assert_eq!(got, Some(v & mask));
            }
            let pad = (8 - total % 8) % 8;
            prop_assert_eq!(r.read_bits(pad), Some(0));
            prop_assert_eq!(r.read_bit(), None);
        }

        #[test]
        fn varints_round_trip(vs in proptest::collection::vec(any::<i64>(), 0..50)) {
            let mut out = Vec::new();
            let mut w = BitWriter::default();
            w.write_bit(true);
            for &v in &vs {
                put_uvarint(&mut out, zigzag(v));
                w.write_uvarint(zigzag(v));
            }
            let mut pos = 0;
            let bytes = w.into_bytes();
            let mut r = BitReader::new(&bytes);
            prop_assert_eq!(r.read_bit(), Some(true));
            for &v in &vs {
                prop_assert_eq!(uvarint_len(zigzag(v)), {
                    let mut one = Vec::new();
                    put_uvarint(&mut one, zigzag(v));
                    one.len()
                });
                prop_assert_eq!(read_uvarint(&out, &mut pos).map(unzigzag), Some(v));
                prop_assert_eq!(r.read_uvarint().map(unzigzag), Some(v));
            }
            prop_assert_eq!(pos, out.len());
        }
    }

    #[test]
    fn malformed_varints_are_refused() {
        let cases: &[(&[u8], Option<u64>)] = &[
            (&[], None),
            (&[0x80], None),
            (&[0x7f], Some(127)),
            (&[0xff; 9], None),
            (
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
                Some(u64::MAX),
            ),
            (
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
                None,
            ),
            (&[0x80; 11], None),
        ];
        for &(bytes, want) in cases {
            let mut pos = 0;
            assert_eq!(read_uvarint(bytes, &mut pos), want, "{bytes:02x?}");
        }
    }

    #[test]
    fn reads_past_the_end_fail() {
        let mut r = BitReader::new(&[0xab]);
        assert_eq!(r.read_bits(9), None);
        let mut r = BitReader::new(&[0xab; 9]);
        assert_eq!(r.read_bits(3), Some(0b101));
        let all = u128::from_be_bytes(
            [[0u8; 7].as_slice(), &[0xab; 9]]
                .concat()
                .try_into()
                .unwrap(),
        );
        assert_eq!(r.read_bits(64), Some((all >> 5) as u64));
        assert_eq!(r.read_bits(6), None);
    }
}
