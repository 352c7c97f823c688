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

use super::bstream::{put_uvarint, uvarint_len, zigzag, BitWriter};

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
/// any) into `runs`, those values coded as [`Layout::Sparse`] says into
/// `exceptions`; `above` if they are all above the base.
fn runs(frame: &[i64], base: i64, above: bool, runs: &mut Vec<u64>, exceptions: &mut Vec<u64>) {
    runs.clear();
    exceptions.clear();
    let mut run = 0u64;
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
}

/// Buffers [`layout`] reuses from frame to frame.
#[derive(Debug, Default)]
struct Scratch {
    values: Vec<i64>,
    runs: Vec<u64>,
    exceptions: Vec<u64>,
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

/// The median of a frame whose values are `min` plus offsets of at most
/// `width` bits (`scratch` is reused between calls): the value at the
/// middle index once sorted. Narrow frames count their offsets instead
/// of sorting.
fn median(frame: &[i64], min: i64, width: u32, scratch: &mut Vec<i64>) -> i64 {
    let mid = frame.len() / 2;
    if width <= 8 {
        let mut counts = [0u16; 256];
        for &r in frame {
            counts[r.wrapping_sub(min) as u64 as usize & 0xff] += 1;
        }
        let mut seen = 0;
        for (offset, &c) in counts.iter().enumerate() {
            seen += usize::from(c);
            if seen > mid {
                return min.wrapping_add(offset as i64);
            }
        }
    }
    scratch.clear();
    scratch.extend_from_slice(frame);
    *scratch.select_nth_unstable(mid).1
}

/// The shorter layout of `frame` and its length in bytes, header
/// included (`scratch` is reused between calls).
fn layout(frame: &[i64], frames: Frames, scratch: &mut Scratch) -> (Layout, usize) {
    let (min, width) = frame_shape(frame);
    let packed = (
        Layout::Packed { base: min, width },
        uvarint_len(zigzag(min)) + 1 + (frame.len() * width as usize).div_ceil(8),
    );
    if frames == Frames::Packed || width == 0 {
        return packed;
    }
    let base = median(frame, min, width, &mut scratch.values);
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
    // The quotients at `k = lo + i` are those at `lo` shifted by `i`:
    // one pass sums them for the four neighbours, and the largest
    // difference tells which keep every quotient in bounds.
    let (mut sums, mut top) = ([0u64; 4], 0u64);
    for &r in frame {
        let z = zigzag(r.wrapping_sub(base));
        top = top.max(z);
        let q = z >> lo;
        for (i, sum) in sums.iter_mut().enumerate() {
            *sum = sum.wrapping_add(q >> i);
        }
    }
    let n = frame.len() as u64;
    let (mut bits, mut fits) = ([0u64; 4], [false; 4]);
    for i in 0..ks {
        let k = lo + i as u32;
        fits[i] = top >> k <= MAX_QUOTIENT;
        bits[i] = sums[i].wrapping_add(n * (1 + u64::from(k)));
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
    // The base is a value of the frame: all others are above it when it
    // is the least.
    let above = base == min;
    runs(
        frame,
        base,
        above,
        &mut scratch.runs,
        &mut scratch.exceptions,
    );
    if let (Some((run, a)), Some((exc, b))) =
        (best_rice(&scratch.runs), best_rice(&scratch.exceptions))
    {
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
    /// Plans `residuals` in frames of `size` (`scratch` is reused), or
    /// `None` as soon as the plan is known to take `limit` bytes or more
    /// (every frame takes at least two).
    fn new(
        residuals: &[i64],
        frames: Frames,
        size: usize,
        scratch: &mut Scratch,
        limit: usize,
    ) -> Option<Plan> {
        let count = residuals.len().div_ceil(size);
        if count * 2 >= limit {
            return None;
        }
        let mut plan = Plan {
            len: 0,
            layouts: Vec::with_capacity(count),
        };
        for (i, frame) in residuals.chunks(size).enumerate() {
            let (l, len) = layout(frame, frames, scratch);
            plan.layouts.push(l);
            plan.len += len;
            if plan.len + (count - i - 1) * 2 >= limit {
                return None;
            }
        }
        Some(plan)
    }
}

/// The greatest common divisor of the residuals (1 when there is none
/// to use), and the residuals divided by it.
fn divide(residuals: &mut [i64]) -> u64 {
    let mut g = 0u64;
    for r in residuals.iter() {
        g = gcd(g, r.unsigned_abs());
        if g == 1 {
            return 1;
        }
    }
    if g <= 1 || g > i64::MAX as u64 {
        return 1;
    }
    // Every residual is a multiple of g = odd · 2^shift: shifting out the
    // power of two and multiplying by the odd part's inverse modulo 2^64
    // divides exactly, without a division instruction per value.
    let shift = g.trailing_zeros();
    let inverse = inverse(g >> shift) as i64;
    for r in residuals.iter_mut() {
        *r = (*r >> shift).wrapping_mul(inverse);
    }
    g
}

/// The inverse of odd `x` modulo 2^64 (Newton's iteration doubles the
/// correct low bits, from three).
fn inverse(x: u64) -> u64 {
    let mut inv = x;
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(inv)));
    }
    inv
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
    encode_within(values, out, frames, usize::MAX);
}

/// Appends `values` to `out` as [`encode`] does if that takes fewer
/// than `limit` bytes; otherwise leaves `out` as it is and returns
/// false.
pub(crate) fn encode_within(
    values: &[i64],
    out: &mut Vec<u8>,
    frames: Frames,
    limit: usize,
) -> bool {
    match Column::plan(values, frames, limit) {
        Some(column) => {
            column.write(values, out);
            true
        }
        None => false,
    }
}

/// How a column is to be stored: what [`encode`] writes, sized before
/// it is written.
#[derive(Debug)]
pub(crate) struct Column {
    /// The column's length in bytes.
    len: usize,
    order: u8,
    /// The frame size code.
    code: usize,
    divisor: u64,
    /// The residuals, divided by `divisor`.
    residuals: Vec<i64>,
    plan: Plan,
}

impl Column {
    /// Plans `values` in the order and frame size that pack smallest
    /// with the layouts `frames` allows, or `None` if that takes `limit`
    /// bytes or more. Candidates (difference orders, frame sizes) are
    /// given up as soon as they cannot beat the best so far, so a tight
    /// limit saves most of the work for columns that lose anyway.
    pub(crate) fn plan(values: &[i64], frames: Frames, limit: usize) -> Option<Column> {
        let mut scratch = Vec::with_capacity(values.len());
        let mut median_scratch = Scratch::default();
        // (length after the order byte, order, divisor, plan of the
        // frames). Among orders of equal length the lowest wins, so
        // order 0, tried last (it rarely wins), also wins a tie.
        // The order is chosen by its length in frames of [`FRAME`]; other
        // frame sizes may then make it shorter, so with those allowed
        // `limit` applies only after that.
        let resized = frames == Frames::Rice && values.len() > 64;
        let room = limit.saturating_sub(1);
        let mut best: Option<(usize, u8, u64, Plan)> = None;
        let mut best_residuals = Vec::new();
        for order in [1, 2, 0] {
            let bound = match &best {
                Some(b) if order == 0 => b.0 + 1,
                Some(b) => b.0,
                None if resized => usize::MAX,
                None => room,
            };
            let fixed = heads(values, order)
                .map(|h| uvarint_len(zigzag(h)))
                .sum::<usize>();
            if fixed >= bound {
                continue;
            }
            residuals(values, order, &mut scratch);
            let divisor = divide(&mut scratch);
            let fixed = fixed + uvarint_len(divisor);
            let Some(plan) = bound
                .checked_sub(fixed)
                .and_then(|room| Plan::new(&scratch, frames, FRAME, &mut median_scratch, room))
            else {
                continue;
            };
            best = Some((fixed + plan.len, order, divisor, plan));
            std::mem::swap(&mut best_residuals, &mut scratch);
        }
        let (len, order, divisor, mut plan) = best?;
        let fixed = len - plan.len;
        // Then the frame size, for the best order only: bigger frames
        // save headers where the residuals are alike throughout, smaller
        // ones follow a changing spread.
        let mut code = 0;
        if frames == Frames::Rice && best_residuals.len() > 64 {
            for c in [3, 4, 5] {
                let size = FRAME_SIZES[c];
                let bound = plan.len.min(room.saturating_sub(fixed));
                if let Some(candidate) =
                    Plan::new(&best_residuals, frames, size, &mut median_scratch, bound)
                {
                    (plan, code) = (candidate, c);
                }
            }
        }
        if fixed + plan.len >= room {
            return None;
        }
        Some(Column {
            len: 1 + fixed + plan.len,
            order,
            code,
            divisor,
            residuals: best_residuals,
            plan,
        })
    }

    /// The column's length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends the column of `values` (those it was planned for) to `out`.
    pub(crate) fn write(&self, values: &[i64], out: &mut Vec<u8>) {
        let Column {
            order,
            code,
            divisor,
            ref residuals,
            ref plan,
            ..
        } = *self;
        let start = out.len();
        write_frames(values, order, code, divisor, residuals, plan, out);
        debug_assert_eq!(out.len() - start, self.len);
    }
}

/// Writes a planned column.
fn write_frames(
    values: &[i64],
    order: u8,
    code: usize,
    divisor: u64,
    scratch: &[i64],
    plan: &Plan,
    out: &mut Vec<u8>,
) {
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
                let (mut run_lens, mut exceptions) = (Vec::new(), Vec::new());
                runs(frame, base, above, &mut run_lens, &mut exceptions);
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

mod decoder;
pub(crate) use decoder::ColumnDecoder;

#[cfg(test)]
mod tests;
