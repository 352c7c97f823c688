//! Integer columns of the packed encoding: a sequence of `i64` stored as
//! differences of order 0, 1 or 2 (whichever is smallest), bit-packed in
//! frames of [`FRAME`] values, each frame with its own minimum and bit
//! width (frame-of-reference packing). A run of equal differences (a
//! regular scrape interval, a constant gauge, an idle counter) costs two
//! bytes per frame. Residuals are divided by their greatest common divisor
//! first (memory sizes in whole pages, counters stepping by 1000).
//!
//! Columns of the current packed encoding ([`Frames::Rice`]) choose
//! their frame size (16 to 1 024 values) and may also store a frame
//! Golomb-Rice coded (residuals minus the frame's median, zigzagged, as a
//! unary quotient and `k` remainder bits: skewed residuals, outliers) or
//! sparse (Rice-coded runs of the median and the values between them:
//! mostly idle counters). The encoder keeps the shortest layout, frame
//! by frame.

use super::bstream::{
    put_uvarint, read_uvarint, unzigzag, uvarint_len, zigzag, BitReader, BitWriter,
};

/// Values per frame: always in the first packed encoding, the default
/// in the current one.
pub(crate) const FRAME: usize = 128;

/// Frame sizes of the current packed encoding, by the code in bits 2–3
/// of the order byte.
const FRAME_SIZES: [usize; 8] = [FRAME, 64, 256, 512, 32, 1024, 16, 48];

/// The largest frame: every frame takes at least two bytes, so a column
/// of `len` bytes holds at most `len / 2 * MAX_FRAME` values.
pub(crate) const MAX_FRAME: usize = 1024;

/// The highest difference order.
const MAX_ORDER: u8 = 2;

/// The largest unary quotient of a Rice-coded value: a frame whose
/// values would need more is bit-packed instead, and a decoder refuses
/// longer runs of zeros.
const MAX_QUOTIENT: u64 = 48;

/// The width byte of a Rice-coded frame has this bit set; the low six
/// bits are `k`.
const RICE_FLAG: u8 = 0x80;
/// The width byte of a sparse frame has these two bits set; the low six
/// bits are the Rice parameter of its runs, a second byte that of its
/// exceptions.
const SPARSE_FLAG: u8 = 0xc0;
/// In the second byte of a sparse frame: the values other than the base
/// are all above it.
const ABOVE_FLAG: u8 = 0x40;

/// Which frame layouts a column may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frames {
    /// Bit-packed frames only (the first packed encoding).
    Packed,
    /// Bit-packed or Golomb-Rice coded, frame by frame.
    Rice,
}

/// The values stored raw before the residuals: the first value, and for
/// order 2 also the first delta.
fn heads(values: &[i64], order: u8) -> impl Iterator<Item = i64> + '_ {
    let first = values.first().copied();
    let delta = match values {
        [a, b, ..] if order == 2 => Some(b.wrapping_sub(*a)),
        _ => None,
    };
    first.filter(|_| order > 0).into_iter().chain(delta)
}

/// The order-`order` differences after the heads (wrapping arithmetic, so
/// any `i64` sequence round-trips).
fn residuals(values: &[i64], order: u8, out: &mut Vec<i64>) {
    out.clear();
    match order {
        0 => out.extend_from_slice(values),
        1 => out.extend(values.windows(2).map(|w| w[1].wrapping_sub(w[0]))),
        _ => out.extend(values.windows(3).map(|w| {
            w[2].wrapping_sub(w[1])
                .wrapping_sub(w[1].wrapping_sub(w[0]))
        })),
    }
}

/// A frame's minimum and the bit width of its largest offset from it.
fn frame_shape(frame: &[i64]) -> (i64, u32) {
    let min = frame.iter().copied().min().unwrap_or(0);
    let max = frame.iter().copied().max().unwrap_or(0);
    let span = max.wrapping_sub(min) as u64;
    (min, 64 - span.leading_zeros())
}

/// How one frame is stored.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// Offsets from `base` at a fixed bit width.
    Packed { base: i64, width: u32 },
    /// Zigzagged differences from `base` (the median), Rice-coded with
    /// parameter `k`.
    Rice { base: i64, k: u32 },
    /// Runs of `base` (the median) Rice-coded with parameter `run`, each
    /// but a final one followed by the value after it, Rice-coded with
    /// parameter `exc`: `r − base − 1` if `above` (every such value is
    /// above the base, as an idle counter's increments), otherwise
    /// `zigzag(r − base) − 1`. For mostly idle counters.
    Sparse {
        base: i64,
        run: u32,
        exc: u32,
        above: bool,
    },
}

/// The runs of `base` before each other value (and the final run, if
/// any), those values coded as [`Layout::Sparse`] says, and whether they
/// are all above the base.
fn runs(frame: &[i64], base: i64) -> (Vec<u64>, Vec<u64>, bool) {
    let (mut runs, mut exceptions, mut run) = (Vec::new(), Vec::new(), 0u64);
    let above = frame.iter().all(|&r| r >= base);
    for &r in frame {
        if r == base {
            run += 1;
        } else {
            runs.push(run);
            exceptions.push(if above {
                (r.wrapping_sub(base) as u64).wrapping_sub(1)
            } else {
                zigzag(r.wrapping_sub(base)) - 1
            });
            run = 0;
        }
    }
    if run > 0 {
        runs.push(run);
    }
    (runs, exceptions, above)
}

/// The best Rice parameter for `values` and the bits they then take, or
/// `None` if no parameter near the mean keeps quotients in bounds.
fn best_rice(values: &[u64]) -> Option<(u32, u64)> {
    if values.is_empty() {
        return Some((0, 0));
    }
    let mean = values.iter().map(|&v| u128::from(v)).sum::<u128>() / values.len() as u128;
    let guess = 127u32.saturating_sub((mean | 1).leading_zeros());
    (guess.saturating_sub(2)..=(guess + 1).min(63))
        .filter_map(|k| {
            let mut bits = 0u64;
            for &v in values {
                let q = v >> k;
                if q > MAX_QUOTIENT {
                    return None;
                }
                bits += q + 1 + u64::from(k);
            }
            Some((k, bits))
        })
        .min_by_key(|c| c.1)
}

/// The median of a frame (`scratch` is reused between calls).
fn median(frame: &[i64], scratch: &mut Vec<i64>) -> i64 {
    scratch.clear();
    scratch.extend_from_slice(frame);
    let mid = scratch.len() / 2;
    *scratch.select_nth_unstable(mid).1
}

/// The shorter layout of `frame` and its length in bytes, header
/// included (`scratch` is reused between calls).
fn layout(frame: &[i64], frames: Frames, scratch: &mut Vec<i64>) -> (Layout, usize) {
    let (min, width) = frame_shape(frame);
    let packed = (
        Layout::Packed { base: min, width },
        uvarint_len(zigzag(min)) + 1 + (frame.len() * width as usize).div_ceil(8),
    );
    if frames == Frames::Packed || width == 0 {
        return packed;
    }
    let base = median(frame, scratch);
    // One pass for the mean zigzagged difference from the base and how
    // often the base itself occurs.
    let (mut sum, mut equal) = (0u128, 0usize);
    for &r in frame {
        let z = zigzag(r.wrapping_sub(base));
        sum += u128::from(z);
        equal += usize::from(z == 0);
    }
    // The best k is near log2 of the mean zigzagged difference: its
    // neighbours are sized in one more pass.
    let mean = sum / frame.len() as u128;
    let guess = 127u32.saturating_sub((mean | 1).leading_zeros());
    let lo = guess.saturating_sub(2);
    let ks = ((guess + 1).min(63) - lo + 1) as usize;
    let (mut bits, mut fits) = ([0u64; 4], [true; 4]);
    for &r in frame {
        let z = zigzag(r.wrapping_sub(base));
        for (i, (bits, fits)) in bits.iter_mut().zip(&mut fits).take(ks).enumerate() {
            let k = lo + i as u32;
            let q = z >> k;
            *fits &= q <= MAX_QUOTIENT;
            *bits += q.min(MAX_QUOTIENT + 1) + 1 + u64::from(k);
        }
    }
    let mut best = packed;
    for i in (0..ks).filter(|&i| fits[i]) {
        let len = uvarint_len(zigzag(base)) + 1 + bits[i].div_ceil(8) as usize;
        if len < best.1 {
            best = (
                Layout::Rice {
                    base,
                    k: lo + i as u32,
                },
                len,
            );
        }
    }
    // Runs pay only where the median is common.
    if equal * 8 < frame.len() {
        return best;
    }
    let (run_lens, exceptions, above) = runs(frame, base);
    if let (Some((run, a)), Some((exc, b))) = (best_rice(&run_lens), best_rice(&exceptions)) {
        let len = uvarint_len(zigzag(base)) + 2 + (a + b).div_ceil(8) as usize;
        if len < best.1 {
            best = (
                Layout::Sparse {
                    base,
                    run,
                    exc,
                    above,
                },
                len,
            );
        }
    }
    best
}

/// The layouts of `residuals` in frames of `size` values and their total
/// length in bytes.
#[derive(Debug, Default)]
struct Plan {
    len: usize,
    layouts: Vec<Layout>,
}

impl Plan {
    /// Plans `residuals` in frames of `size` (`scratch` is reused).
    fn new(residuals: &[i64], frames: Frames, size: usize, scratch: &mut Vec<i64>) -> Plan {
        let mut plan = Plan {
            len: 0,
            layouts: Vec::with_capacity(residuals.len().div_ceil(size)),
        };
        for frame in residuals.chunks(size) {
            let (l, len) = layout(frame, frames, scratch);
            plan.layouts.push(l);
            plan.len += len;
        }
        plan
    }
}

/// The greatest common divisor of the residuals (1 when there is none
/// to use), and the residuals divided by it.
fn divide(residuals: &mut [i64]) -> u64 {
    let g = residuals.iter().fold(0u64, |g, r| gcd(g, r.unsigned_abs()));
    if g <= 1 || g > i64::MAX as u64 {
        return 1;
    }
    for r in residuals.iter_mut() {
        *r /= g as i64;
    }
    g
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Appends `values` to `out` in the order that packs smallest, using
/// the frame layouts `frames` allows.
pub(crate) fn encode(values: &[i64], out: &mut Vec<u8>, frames: Frames) {
    let mut scratch = Vec::with_capacity(values.len());
    let mut median_scratch = Vec::with_capacity(MAX_FRAME);
    // (total length, order, divisor, plan of the frames).
    let mut best: Option<(usize, u8, u64, Plan)> = None;
    let mut best_residuals = Vec::new();
    for order in 0..=MAX_ORDER {
        residuals(values, order, &mut scratch);
        let divisor = divide(&mut scratch);
        let plan = Plan::new(&scratch, frames, FRAME, &mut median_scratch);
        let len = heads(values, order)
            .map(|h| uvarint_len(zigzag(h)))
            .sum::<usize>()
            + uvarint_len(divisor)
            + plan.len;
        if best.as_ref().is_none_or(|b| len < b.0) {
            best = Some((len, order, divisor, plan));
            std::mem::swap(&mut best_residuals, &mut scratch);
        }
    }
    let Some((_, order, divisor, mut plan)) = best else {
        return;
    };
    let scratch = best_residuals;
    // Then the frame size, for the best order only: bigger frames save
    // headers where the residuals are alike throughout, smaller ones
    // follow a changing spread.
    let mut code = 0;
    if frames == Frames::Rice && scratch.len() > 64 {
        for c in [3, 4, 5] {
            let candidate = Plan::new(&scratch, frames, FRAME_SIZES[c], &mut median_scratch);
            if candidate.len < plan.len {
                (plan, code) = (candidate, c);
            }
        }
    }
    out.push(order | (code as u8) << 2);
    for h in heads(values, order) {
        put_uvarint(out, zigzag(h));
    }
    put_uvarint(out, divisor);
    for (frame, &layout) in scratch.chunks(FRAME_SIZES[code]).zip(&plan.layouts) {
        match layout {
            Layout::Packed { base, width } => {
                put_uvarint(out, zigzag(base));
                out.push(width as u8);
                let mut w = BitWriter::from_bytes(std::mem::take(out));
                for &r in frame {
                    w.write_bits(r.wrapping_sub(base) as u64, width);
                }
                *out = w.into_bytes();
            }
            Layout::Rice { base, k } => {
                put_uvarint(out, zigzag(base));
                out.push(RICE_FLAG | k as u8);
                let mut w = BitWriter::from_bytes(std::mem::take(out));
                for &r in frame {
                    let z = zigzag(r.wrapping_sub(base));
                    w.write_bits(1, (z >> k) as u32 + 1);
                    w.write_bits(z, k);
                }
                *out = w.into_bytes();
            }
            Layout::Sparse {
                base,
                run,
                exc,
                above,
            } => {
                put_uvarint(out, zigzag(base));
                let exc_byte = exc as u8 | if above { ABOVE_FLAG } else { 0 };
                out.extend_from_slice(&[SPARSE_FLAG | run as u8, exc_byte]);
                let mut w = BitWriter::from_bytes(std::mem::take(out));
                let (run_lens, exceptions, _) = runs(frame, base);
                for (i, &n) in run_lens.iter().enumerate() {
                    w.write_bits(1, (n >> run) as u32 + 1);
                    w.write_bits(n, run);
                    if let Some(&e) = exceptions.get(i) {
                        w.write_bits(1, (e >> exc) as u32 + 1);
                        w.write_bits(e, exc);
                    }
                }
                *out = w.into_bytes();
            }
        }
    }
}

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

#[cfg(test)]
mod tests;
