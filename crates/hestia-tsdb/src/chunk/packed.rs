//! The [`Encoding::Packed`](super::Encoding::Packed) chunk: the encoding
//! of immutable, compacted data. Columnar: all timestamps, then all
//! values. Timestamps are an integer column (see [`column`](super::column));
//! values are scaled to integers by one power of ten per chunk when that
//! is exact ([`decimal`](super::decimal)) and stored as an integer column
//! too. Otherwise the smallest of three lossless modes is kept: XOR-coded
//! as in the head's encoding; the float bits as order-preserving integers
//! in an integer column (monotonic sums difference well); or a decimal
//! mantissa column plus a column of residuals in units in the last place
//! (sums of decimal prices with accumulated rounding error). Built in
//! one go from a slice of samples; not appendable. See
//! `docs/format/chunks.md`.

use super::bstream::{put_uvarint, read_uvarint, uvarint_len, BitReader, BitWriter};
use super::column::{self, Column, ColumnDecoder, Frames};
use super::decimal;
use super::xor::XorValues;
use super::{Encoding, Sample};
use crate::Error;

/// The most samples a packed chunk holds.
pub const MAX_SAMPLES: usize = 1 << 20;

/// Value column modes.
const VALUES_DECIMAL: u8 = 0;
const VALUES_XOR: u8 = 1;
const VALUES_ORDERED: u8 = 2;
const VALUES_RESIDUAL: u8 = 3;

/// The bits of a float as an integer that orders like the float does
/// (negative values below positive ones, `-0.0` just below `+0.0`): the
/// magnitude bits of negative values are flipped. Its own inverse.
#[inline]
pub(crate) fn ordered(bits: u64) -> i64 {
    let i = bits as i64;
    i ^ ((i >> 63) & i64::MAX)
}

/// A value column mode for values that are not all exact decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inexact {
    Xor,
    Ordered,
    Residual(u8),
}

/// The XOR-mode value column of `bits`.
fn xor_column(bits: &[u64]) -> Vec<u8> {
    let mut w = BitWriter::from_bytes(vec![VALUES_XOR]);
    if let Some((&first, rest)) = bits.split_first() {
        w.write_bits(first, 64);
        let mut state = XorValues::first(first);
        for &b in rest {
            state.write(&mut w, b);
        }
    }
    w.into_bytes()
}

/// The decimal mantissas nearest to `bits` at `scale` and the residuals
/// of their ordered integers `ords` from those of the mantissas' values,
/// into `mantissas` and `residuals`.
fn residual_parts(
    bits: &[u64],
    ords: &[i64],
    scale: u8,
    mantissas: &mut Vec<i64>,
    residuals: &mut Vec<i64>,
) {
    mantissas.clear();
    residuals.clear();
    for (&b, &o) in bits.iter().zip(ords) {
        let m = decimal::nearest_mantissa(f64::from_bits(b), scale);
        mantissas.push(m);
        residuals.push(o.wrapping_sub(ordered(decimal::value(m, scale).to_bits())));
    }
}

/// A value column planned in a mode other than XOR.
enum Planned {
    /// Ordered integers.
    Ordered(Column),
    /// The mantissa and residual columns at a scale.
    Residual {
        scale: u8,
        mantissas: Column,
        residuals: Column,
    },
}

impl Planned {
    /// Plans the value column of `bits` (their ordered integers `ords`)
    /// in `mode` (not XOR) with the frame layouts `frames` allows, or
    /// `None` if it would take `limit` bytes or more. `m` and `r` are
    /// scratch space (left holding a residual column's mantissas and
    /// residuals).
    fn new(
        bits: &[u64],
        ords: &[i64],
        mode: Inexact,
        frames: Frames,
        limit: usize,
        m: &mut Vec<i64>,
        r: &mut Vec<i64>,
    ) -> Option<(Planned, usize)> {
        match mode {
            Inexact::Xor => None,
            Inexact::Ordered => {
                let c = Column::plan(ords, frames, limit.saturating_sub(1))?;
                let len = 1 + c.len();
                Some((Planned::Ordered(c), len))
            }
            Inexact::Residual(scale) => {
                residual_parts(bits, ords, scale, m, r);
                // Mode, scale, the mantissa column's length (at least a
                // byte), the mantissa column, the residual column.
                let mantissas = Column::plan(m, frames, limit.saturating_sub(3))?;
                let head = 2 + uvarint_len(mantissas.len() as u64) + mantissas.len();
                let residuals = Column::plan(r, frames, limit.checked_sub(head)?)?;
                let len = head + residuals.len();
                let planned = Planned::Residual {
                    scale,
                    mantissas,
                    residuals,
                };
                Some((planned, len))
            }
        }
    }

    /// Appends the planned column to `out` (`ords` as planned; `m` and
    /// `r` as [`Planned::new`] left them).
    fn write(&self, ords: &[i64], m: &[i64], r: &[i64], out: &mut Vec<u8>) {
        match self {
            Planned::Ordered(c) => {
                out.push(VALUES_ORDERED);
                c.write(ords, out);
            }
            Planned::Residual {
                scale,
                mantissas,
                residuals,
            } => {
                out.extend_from_slice(&[VALUES_RESIDUAL, *scale]);
                put_uvarint(out, mantissas.len() as u64);
                mantissas.write(m, out);
                residuals.write(r, out);
            }
        }
    }
}

/// The value column of `bits` in the smallest of the XOR, ordered-integer
/// and decimal-residual modes, appended to `out`. Every mode and scale
/// is sized with bit-packed frames (quick to compute); with coded frames
/// allowed, the four smallest are then planned with them and the
/// smallest kept. Only the chosen column is written; a candidate is
/// given up as soon as it cannot make the cut.
fn encode_inexact(bits: &[u64], out: &mut Vec<u8>, frames: Frames) {
    let ords: Vec<i64> = bits.iter().map(|&b| ordered(b)).collect();
    let xor = xor_column(bits);
    let mut candidates = vec![Inexact::Ordered];
    // Values that are a short decimal plus a little noise (sums of
    // decimal prices, accumulated rounding error): the decimal as a
    // mantissa column, the noise in units in the last place. Scales
    // whose mantissas would not fit an i64 are not tried.
    let max = bits
        .iter()
        .map(|&b| f64::from_bits(b).abs())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    for scale in 0..=decimal::MAX_SCALE {
        if max * decimal::pow10(scale) >= 9.0e18 {
            break;
        }
        candidates.push(Inexact::Residual(scale));
    }
    let (mut m, mut r) = (
        Vec::with_capacity(bits.len()),
        Vec::with_capacity(bits.len()),
    );
    // The four smallest with bit-packed frames, smallest first (the
    // earlier of equals first); a candidate stops once as long as the
    // fourth.
    let mut sized: Vec<(Inexact, usize)> = Vec::with_capacity(5);
    sized.push((Inexact::Xor, xor.len()));
    for mode in candidates {
        let limit = sized.get(3).map_or(usize::MAX, |c| c.1);
        if let Some((_, len)) =
            Planned::new(bits, &ords, mode, Frames::Packed, limit, &mut m, &mut r)
        {
            let at = sized.partition_point(|c| c.1 <= len);
            sized.insert(at, (mode, len));
            sized.truncate(4);
        }
    }
    // Then the smallest of those with the layouts `frames` allows (the
    // earlier of equals): each must beat the best so far.
    let (mut best, mut best_len) = (None, usize::MAX);
    for &(mode, len) in sized
        .iter()
        .take(if frames == Frames::Packed { 1 } else { 4 })
    {
        if mode == Inexact::Xor {
            if len < best_len {
                (best, best_len) = (None, len);
            }
        } else if let Some((planned, len)) =
            Planned::new(bits, &ords, mode, frames, best_len, &mut m, &mut r)
        {
            (best, best_len) = (Some((mode, planned)), len);
        }
    }
    match best {
        None => out.extend_from_slice(&xor),
        Some((mode, planned)) => {
            // The scratch holds the last candidate planned: make it this one's.
            if let Inexact::Residual(scale) = mode {
                residual_parts(bits, &ords, scale, &mut m, &mut r);
            }
            planned.write(&ords, &m, &r, out);
        }
    }
}

/// The frame layouts a packed encoding's columns use.
fn frames_of(encoding: Encoding) -> Frames {
    match encoding {
        Encoding::PackedV1 => Frames::Packed,
        _ => Frames::Rice,
    }
}

/// Encodes `samples` (strictly increasing timestamps) as a packed chunk
/// of `encoding` ([`Encoding::Packed`] or [`Encoding::PackedV1`]).
pub(crate) fn encode(samples: &[Sample], encoding: Encoding) -> Result<Vec<u8>, Error> {
    let frames = frames_of(encoding);
    if samples.len() > MAX_SAMPLES {
        return Err(Error::ChunkFull {
            encoding,
            max: MAX_SAMPLES,
        });
    }
    if let Some(w) = samples.windows(2).find(|w| w[1].t <= w[0].t) {
        return Err(Error::OutOfOrderSample {
            t: w[1].t,
            last: w[0].t,
        });
    }
    let ts: Vec<i64> = samples.iter().map(|s| s.t).collect();
    let mut ts_col = Vec::new();
    column::encode(&ts, &mut ts_col, frames);

    let mut out = vec![encoding as u8];
    put_uvarint(&mut out, samples.len() as u64);
    put_uvarint(&mut out, ts_col.len() as u64);
    out.extend_from_slice(&ts_col);

    let bits: Vec<u64> = samples.iter().map(|s| s.v.to_bits()).collect();
    match decimal::to_decimal(&bits) {
        Some((scale, mantissas)) => {
            out.extend_from_slice(&[VALUES_DECIMAL, scale]);
            column::encode(&mantissas, &mut out, frames);
        }
        None => encode_inexact(&bits, &mut out, frames),
    }
    Ok(out)
}

#[derive(Debug, Clone)]
enum Values<'a> {
    Decimal {
        scale: u8,
        mantissas: ColumnDecoder<'a>,
    },
    Xor {
        r: BitReader<'a>,
        state: Option<XorValues>,
    },
    Ordered(ColumnDecoder<'a>),
    Residual {
        scale: u8,
        mantissas: ColumnDecoder<'a>,
        residuals: ColumnDecoder<'a>,
    },
}

/// Reads a packed chunk.
#[derive(Debug, Clone)]
pub(crate) struct PackedDecoder<'a> {
    encoding: Encoding,
    n: usize,
    ts: ColumnDecoder<'a>,
    values: Values<'a>,
}

impl<'a> PackedDecoder<'a> {
    /// Checks the header of `bytes` (encoding byte included).
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self, &'static str> {
        const SHORT: &str = "ends inside its header";
        let encoding = match bytes.first() {
            Some(&b) if b == Encoding::PackedV1 as u8 => Encoding::PackedV1,
            _ => Encoding::Packed,
        };
        let frames = frames_of(encoding);
        let mut pos = 1;
        let n = read_uvarint(bytes, &mut pos).ok_or(SHORT)?;
        // Every frame of timestamps takes at least two bytes, so a
        // genuine count is bounded by the length; callers may size
        // buffers by `len()`.
        if n > MAX_SAMPLES as u64 || n > 2 + (bytes.len() / 2 * column::MAX_FRAME) as u64 {
            return Err("sample count exceeds what the bytes can hold");
        }
        let n = n as usize;
        let ts_len = read_uvarint(bytes, &mut pos).ok_or(SHORT)?;
        let ts_end = usize::try_from(ts_len)
            .ok()
            .and_then(|l| pos.checked_add(l))
            .filter(|&end| end <= bytes.len())
            .ok_or("timestamp column runs past the end")?;
        let ts = ColumnDecoder::new(&bytes[pos..ts_end], n, frames)?;
        let rest = &bytes[ts_end..];
        let values = match rest.first() {
            None if n == 0 => Values::Xor {
                r: BitReader::new(&[]),
                state: None,
            },
            Some(&VALUES_DECIMAL) => {
                let scale = *rest.get(1).ok_or(SHORT)?;
                if scale > decimal::MAX_SCALE {
                    return Err("decimal scale exceeds 22");
                }
                Values::Decimal {
                    scale,
                    mantissas: ColumnDecoder::new(&rest[2..], n, frames)?,
                }
            }
            Some(&VALUES_XOR) => Values::Xor {
                r: BitReader::new(&rest[1..]),
                state: None,
            },
            Some(&VALUES_ORDERED) => Values::Ordered(ColumnDecoder::new(&rest[1..], n, frames)?),
            Some(&VALUES_RESIDUAL) => {
                let scale = *rest.get(1).ok_or(SHORT)?;
                if scale > decimal::MAX_SCALE {
                    return Err("decimal scale exceeds 22");
                }
                let mut pos = 2;
                let len = read_uvarint(rest, &mut pos).ok_or(SHORT)?;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|l| pos.checked_add(l))
                    .filter(|&end| end <= rest.len())
                    .ok_or("mantissa column runs past the end")?;
                Values::Residual {
                    scale,
                    mantissas: ColumnDecoder::new(&rest[pos..end], n, frames)?,
                    residuals: ColumnDecoder::new(&rest[end..], n, frames)?,
                }
            }
            _ => return Err("unknown value column mode"),
        };
        Ok(PackedDecoder {
            encoding,
            n,
            ts,
            values,
        })
    }

    /// The sample count, timestamp column, scale and mantissa column of
    /// a chunk whose values are in decimal mode; `None` for other modes.
    pub(crate) fn into_decimal(self) -> Option<(usize, ColumnDecoder<'a>, u8, ColumnDecoder<'a>)> {
        match self.values {
            Values::Decimal { scale, mantissas } => Some((self.n, self.ts, scale, mantissas)),
            _ => None,
        }
    }

    /// Which packed encoding the chunk is in.
    pub(crate) fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The sample count the header claims.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// The next sample as timestamp and value bits.
    #[inline]
    pub(crate) fn next(&mut self) -> Result<Option<(i64, u64)>, &'static str> {
        let Some(t) = self.ts.next()? else {
            return Ok(None);
        };
        let bits = match &mut self.values {
            Values::Decimal { scale, mantissas } => {
                let m = mantissas.next()?.ok_or("value column is short")?;
                decimal::value(m, *scale).to_bits()
            }
            Values::Xor { r, state } => match state {
                Some(s) => s.read(r)?,
                None => {
                    let first = r.read_bits(64).ok_or("bit stream ends inside a value")?;
                    *state = Some(XorValues::first(first));
                    first
                }
            },
            Values::Ordered(col) => {
                ordered(col.next()?.ok_or("value column is short")? as u64) as u64
            }
            Values::Residual {
                scale,
                mantissas,
                residuals,
            } => {
                let m = mantissas.next()?.ok_or("value column is short")?;
                let r = residuals.next()?.ok_or("residual column is short")?;
                let base = ordered(decimal::value(m, *scale).to_bits());
                ordered(base.wrapping_add(r) as u64) as u64
            }
        };
        Ok(Some((t, bits)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The value column of `bits` the plain way: every candidate written
    /// in full with bit-packed frames, the four smallest again with
    /// `frames`, the smallest kept (the earlier of equals).
    fn reference_inexact(bits: &[u64], frames: Frames) -> Vec<u8> {
        let ords: Vec<i64> = bits.iter().map(|&b| ordered(b)).collect();
        let full = |mode, frames| match mode {
            Inexact::Xor => xor_column(bits),
            Inexact::Ordered => {
                let mut out = vec![VALUES_ORDERED];
                column::encode(&ords, &mut out, frames);
                out
            }
            Inexact::Residual(scale) => {
                let (mut m, mut r) = (Vec::new(), Vec::new());
                residual_parts(bits, &ords, scale, &mut m, &mut r);
                let mut mantissas = Vec::new();
                column::encode(&m, &mut mantissas, frames);
                let mut out = vec![VALUES_RESIDUAL, scale];
                put_uvarint(&mut out, mantissas.len() as u64);
                out.extend_from_slice(&mantissas);
                column::encode(&r, &mut out, frames);
                out
            }
        };
        let max = bits
            .iter()
            .map(|&b| f64::from_bits(b).abs())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let scales = (0..=decimal::MAX_SCALE).take_while(|&s| max * decimal::pow10(s) < 9.0e18);
        let modes = [Inexact::Xor, Inexact::Ordered]
            .into_iter()
            .chain(scales.map(Inexact::Residual));
        let mut sized: Vec<(Inexact, Vec<u8>)> =
            modes.map(|m| (m, full(m, Frames::Packed))).collect();
        sized.sort_by_key(|c| c.1.len());
        sized.truncate(4);
        if frames == Frames::Rice {
            for c in sized.iter_mut().filter(|c| c.0 != Inexact::Xor) {
                c.1 = full(c.0, Frames::Rice);
            }
            sized.sort_by_key(|c| c.1.len());
        }
        sized.swap_remove(0).1
    }

    proptest! {
        /// Sizing candidates against limits and writing only the winner
        /// picks the very column the plain way does.
        #[test]
        fn inexact_values_pick_what_writing_every_candidate_picks(
            steps in proptest::collection::vec(prop_oneof![
                4 => (0u32..5).prop_map(|k| f64::from(k) * 0.0004),
                2 => (0u32..1000).prop_map(|k| f64::from(k) * 0.37),
                1 => any::<f64>(),
                1 => Just(f64::NAN),
            ], 0..700),
            start in prop_oneof![Just(0.0), 1e-3..1e12],
        ) {
            let mut v = start;
            let bits: Vec<u64> = steps.iter().map(|&s| {
                v = if s.is_finite() && (v + s).is_finite() { v + s } else { s };
                v.to_bits()
            }).collect();
            for frames in [Frames::Packed, Frames::Rice] {
                let mut out = Vec::new();
                encode_inexact(&bits, &mut out, frames);
                prop_assert_eq!(out, reference_inexact(&bits, frames));
            }
        }
    }

    /// The value mode byte of a packed chunk.
    fn mode(chunk: &[u8]) -> u8 {
        let mut pos = 1;
        read_uvarint(chunk, &mut pos).unwrap();
        let ts_len = read_uvarint(chunk, &mut pos).unwrap() as usize;
        chunk[pos + ts_len]
    }

    #[test]
    fn value_modes_are_chosen_by_size_and_round_trip() {
        let n = 300;
        let mut sum = 0.0f64;
        // Needs more than 2^53 as a decimal mantissa at every scale.
        let big = 12_345_678_901.234_f64;
        let series: Vec<(&str, Vec<f64>, u8)> = vec![
            (
                "decimal",
                (0..n).map(|i| i as f64 / 10.0).collect(),
                VALUES_DECIMAL,
            ),
            (
                "accumulated price: decimal + residual",
                (0..n)
                    .map(|i| {
                        for _ in 0..(i % 7) {
                            sum += 0.0004;
                        }
                        sum
                    })
                    .collect(),
                VALUES_RESIDUAL,
            ),
            (
                "steps of 3·2^20 + 1 units in the last place: ordered integers",
                (0..n)
                    .map(|i| f64::from_bits(big.to_bits() + ((3 << 20) + 1) * i as u64))
                    .collect(),
                VALUES_ORDERED,
            ),
            (
                "NaN and friends: XOR",
                (0..n)
                    .map(|i| match i % 4 {
                        0 => f64::NAN,
                        1 => -0.0,
                        2 => f64::from_bits(0x7ff0_0000_0000_0002),
                        _ => f64::INFINITY,
                    })
                    .collect(),
                VALUES_XOR,
            ),
        ];
        for (what, values, want) in series {
            let samples: Vec<Sample> = values
                .iter()
                .enumerate()
                .map(|(i, &v)| Sample::new(i as i64 * 1000, v))
                .collect();
            let chunk = encode(&samples, Encoding::Packed).unwrap();
            assert_eq!(mode(&chunk), want, "{what}");
            let mut d = PackedDecoder::new(&chunk).unwrap();
            for s in &samples {
                assert_eq!(d.next().unwrap(), Some((s.t, s.v.to_bits())), "{what}");
            }
            assert_eq!(d.next().unwrap(), None, "{what}");
        }
    }

    #[test]
    fn ordered_bits_order_like_floats() {
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            f64::from_bits(1),
            1.0,
            1e300,
            f64::INFINITY,
        ];
        let ords: Vec<i64> = values.iter().map(|v| ordered(v.to_bits())).collect();
        assert!(ords.windows(2).all(|w| w[0] < w[1]), "{ords:?}");
        for v in values {
            assert_eq!(ordered(ordered(v.to_bits()) as u64) as u64, v.to_bits());
        }
    }
}
