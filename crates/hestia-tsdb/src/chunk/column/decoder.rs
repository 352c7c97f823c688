//! Reading an integer column back (see the parent module for the
//! layout): [`ColumnDecoder`] streams its values one at a time.

use super::super::bstream::{read_uvarint, unzigzag, BitReader};
use super::{Frames, ABOVE_FLAG, FRAME, FRAME_SIZES, MAX_ORDER, MAX_QUOTIENT};

/// Streams a column of a known number of values back.
#[derive(Debug, Clone)]
pub(crate) struct ColumnDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    n: usize,
    index: usize,
    order: u8,
    /// Values per frame.
    size: usize,
    /// Residuals are stored divided by this; read after the heads.
    divisor: Option<i64>,
    prev: i64,
    delta: i64,
    frame_left: usize,
    base: i64,
    width: u32,
    /// Whether Rice-coded frames are allowed, and whether the current
    /// frame is one (its `k` is `width`).
    frames: Frames,
    kind: Kind,
    /// In a sparse frame: the Rice parameter of exceptions, the base
    /// values left before the next exception, and whether one follows.
    exc: u32,
    above: bool,
    run_left: u64,
    exception: bool,
    bits: BitReader<'a>,
}

/// How the frame being decoded is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Packed,
    Rice,
    Sparse,
}

impl<'a> ColumnDecoder<'a> {
    /// Reads the column header of `n` values at the start of `data`,
    /// whose frames may be laid out as `frames` allows.
    pub(crate) fn new(data: &'a [u8], n: usize, frames: Frames) -> Result<Self, &'static str> {
        let (order, size) = match data.first() {
            None if n == 0 => (0, FRAME),
            None => return Err("column ends before its order byte"),
            Some(&o) if o <= MAX_ORDER => (o, FRAME),
            Some(&o) if frames == Frames::Rice && o < 32 && o & 3 <= MAX_ORDER => {
                (o & 3, FRAME_SIZES[usize::from(o >> 2)])
            }
            Some(_) => return Err("column has an unknown difference order"),
        };
        Ok(ColumnDecoder {
            data,
            pos: 1,
            n,
            index: 0,
            order,
            size,
            divisor: None,
            prev: 0,
            delta: 0,
            frame_left: 0,
            base: 0,
            width: 0,
            frames,
            kind: Kind::Packed,
            exc: 0,
            above: false,
            run_left: 0,
            exception: false,
            bits: BitReader::new(&[]),
        })
    }

    fn varint(&mut self) -> Result<i64, &'static str> {
        read_uvarint(self.data, &mut self.pos)
            .map(unzigzag)
            .ok_or("column ends inside a varint")
    }

    fn residual(&mut self) -> Result<i64, &'static str> {
        let divisor = match self.divisor {
            Some(d) => d,
            None => {
                let d =
                    read_uvarint(self.data, &mut self.pos).ok_or("column ends inside a varint")?;
                if d == 0 || d > i64::MAX as u64 {
                    return Err("column divisor out of range");
                }
                *self.divisor.insert(d as i64)
            }
        };
        if self.frame_left == 0 {
            if self.kind != Kind::Packed {
                // A coded frame's length shows only once read: continue
                // at the byte after its last bit.
                self.pos += self.bits.bits_read().div_ceil(8);
            }
            self.base = self.varint()?;
            let width = *self
                .data
                .get(self.pos)
                .ok_or("column ends inside a frame header")?;
            self.pos += 1;
            let heads = (self.order as usize).min(self.n);
            let left = (self.n - heads - (self.index - heads)).min(self.size);
            self.kind = match width {
                0..=64 => Kind::Packed,
                _ if self.frames == Frames::Packed => return Err("frame bit width exceeds 64"),
                0x80..=0xbf => Kind::Rice,
                0xc0..=0xff => Kind::Sparse,
                _ => return Err("frame bit width exceeds 64"),
            };
            if self.kind != Kind::Packed {
                self.width = u32::from(width & 0x3f);
                if self.kind == Kind::Sparse {
                    let exc = *self
                        .data
                        .get(self.pos)
                        .ok_or("column ends inside a frame header")?;
                    if exc & 0x80 != 0 {
                        return Err("bad Rice parameter in frame");
                    }
                    self.exc = u32::from(exc & 0x3f);
                    self.above = exc & ABOVE_FLAG != 0;
                    self.pos += 1;
                    (self.run_left, self.exception) = (0, false);
                }
                self.bits = BitReader::new(&self.data[self.pos..]);
            } else {
                if width > 64 {
                    return Err("frame bit width exceeds 64");
                }
                self.width = width as u32;
                let len = (left * self.width as usize).div_ceil(8);
                let body = self
                    .data
                    .get(self.pos..self.pos + len)
                    .ok_or("column ends inside a frame")?;
                self.bits = BitReader::new(body);
                self.pos += len;
            }
            self.frame_left = left;
        }
        self.frame_left -= 1;
        let offset = match self.kind {
            Kind::Packed => self.bits.read_bits(self.width).ok_or("frame too short")? as i64,
            Kind::Rice => unzigzag(self.rice(self.width)?),
            Kind::Sparse => {
                if self.run_left == 0 && !self.exception {
                    // A new run: the values left in the frame (this one
                    // included) are the most it may cover; covering them
                    // all ends the frame without an exception.
                    let left = self.frame_left as u64 + 1;
                    let run = self.rice(self.width)?;
                    if run > left {
                        return Err("run past the end of its frame");
                    }
                    (self.run_left, self.exception) = (run, run < left);
                }
                if self.run_left > 0 {
                    self.run_left -= 1;
                    0
                } else {
                    self.exception = false;
                    let e = self.rice(self.exc)?.wrapping_add(1);
                    if self.above {
                        e as i64
                    } else {
                        unzigzag(e)
                    }
                }
            }
        };
        Ok(self.base.wrapping_add(offset).wrapping_mul(divisor))
    }

    /// A Rice code with parameter `k` of the current frame.
    #[inline]
    fn rice(&mut self, k: u32) -> Result<u64, &'static str> {
        let q = self
            .bits
            .read_unary(MAX_QUOTIENT as u32)
            .ok_or("bad Rice code in frame")?;
        let rem = self.bits.read_bits(k).ok_or("frame too short")?;
        Ok((u64::from(q) << k) | rem)
    }

    /// The next value, `None` after `n`.
    #[inline]
    pub(crate) fn next(&mut self) -> Result<Option<i64>, &'static str> {
        if self.index >= self.n {
            return Ok(None);
        }
        let v = match (self.order, self.index) {
            (0, _) => self.residual()?,
            (_, 0) => self.varint()?,
            (1, _) => self.prev.wrapping_add(self.residual()?),
            (_, 1) => {
                self.delta = self.varint()?;
                self.prev.wrapping_add(self.delta)
            }
            _ => {
                self.delta = self.delta.wrapping_add(self.residual()?);
                self.prev.wrapping_add(self.delta)
            }
        };
        self.prev = v;
        self.index += 1;
        Ok(Some(v))
    }
}
