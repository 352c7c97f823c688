//! The [`Encoding::Relative`](super::Encoding::Relative) chunk: a series
//! stored as the difference from another series' packed chunk with the
//! same timestamps, such as a histogram bucket from its `+Inf` bucket.
//! Chunk files store only the difference and a reference to the base
//! chunk in the same page; a reader hands out the base chunk and the
//! difference together, which is this encoding:
//!
//! ```text
//! 0x04 ‖ base_len <uvarint> ‖ base chunk (packed, decimal values) ‖ difference column
//! ```
//!
//! The difference column is an integer column (see
//! [`column`](super::column)) of `base mantissa − mantissa` for every
//! sample; values are `mantissa / 10^scale` at the base's scale.
//! `docs/format/chunks.md` has the details.

use super::bstream::{put_uvarint, read_uvarint};
use super::column::{self, ColumnDecoder, Frames};
use super::decimal;
use super::packed::PackedDecoder;
use super::Encoding;

/// The timestamps, decimal scale and mantissas of a packed chunk whose
/// values are exact decimals; `None` for any other chunk.
pub(crate) fn decimal_columns(chunk: &[u8]) -> Option<(Vec<i64>, u8, Vec<i64>)> {
    let d = PackedDecoder::new(chunk).ok()?;
    let (n, mut ts, scale, mut ms) = d.into_decimal()?;
    let (mut times, mut mantissas) = (Vec::with_capacity(n), Vec::with_capacity(n));
    while let Some(t) = ts.next().ok()? {
        times.push(t);
        mantissas.push(ms.next().ok()??);
    }
    (times.len() == n).then_some((times, scale, mantissas))
}

/// The differences `base − own` of two mantissa columns of one length.
pub(crate) fn differences(base: &[i64], own: &[i64]) -> Vec<i64> {
    base.iter()
        .zip(own)
        .map(|(b, o)| b.wrapping_sub(*o))
        .collect()
}

/// The difference column of mantissas `own` from `base` (both at the
/// base's scale), appended to `out`.
pub(crate) fn encode_difference(base: &[i64], own: &[i64], out: &mut Vec<u8>) {
    column::encode(&differences(base, own), out, Frames::Rice);
}

/// The relative chunk of `base` (a packed chunk) and a difference column.
pub(crate) fn compose(base: &[u8], difference: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.push(Encoding::Relative as u8);
    put_uvarint(out, base.len() as u64);
    out.extend_from_slice(base);
    out.extend_from_slice(difference);
}

/// Reads a relative chunk.
#[derive(Debug, Clone)]
pub(crate) struct RelativeDecoder<'a> {
    n: usize,
    ts: ColumnDecoder<'a>,
    scale: u8,
    base: ColumnDecoder<'a>,
    diffs: ColumnDecoder<'a>,
}

impl<'a> RelativeDecoder<'a> {
    /// Checks the header of `bytes` (encoding byte included) and of the
    /// base chunk inside.
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self, &'static str> {
        let mut pos = 1;
        let len = read_uvarint(bytes, &mut pos).ok_or("ends inside its header")?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| pos.checked_add(l))
            .filter(|&end| end <= bytes.len())
            .ok_or("base chunk runs past the end")?;
        let base = &bytes[pos..end];
        if !matches!(base.first(), Some(2 | 3)) {
            return Err("base chunk is not packed");
        }
        let (n, ts, scale, mantissas) = PackedDecoder::new(base)?
            .into_decimal()
            .ok_or("base chunk values are not decimal")?;
        Ok(RelativeDecoder {
            n,
            ts,
            scale,
            base: mantissas,
            diffs: ColumnDecoder::new(&bytes[end..], n, Frames::Rice)?,
        })
    }

    /// The sample count of the base chunk.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// The next sample as timestamp and value bits.
    #[inline]
    pub(crate) fn next(&mut self) -> Result<Option<(i64, u64)>, &'static str> {
        let Some(t) = self.ts.next()? else {
            return Ok(None);
        };
        let m = self.base.next()?.ok_or("value column is short")?;
        let d = self.diffs.next()?.ok_or("difference column is short")?;
        Ok(Some((
            t,
            decimal::value(m.wrapping_sub(d), self.scale).to_bits(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{ChunkIter, Sample};
    use proptest::prelude::*;

    fn samples(values: &[f64]) -> Vec<Sample> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| Sample::new(1_000 + 10_000 * i as i64, v))
            .collect()
    }

    proptest! {
        #[test]
        fn round_trips(pairs in proptest::collection::vec((0i64..1_000_000, 0i64..300), 1..400), scale in 0u8..3) {
            let div = decimal::pow10(scale);
            let base_v: Vec<f64> = pairs.iter().map(|p| p.0 as f64 / div).collect();
            let own_v: Vec<f64> = pairs.iter().map(|p| (p.0 - p.1) as f64 / div).collect();
            let base = crate::Chunk::encode(Encoding::Packed, &samples(&base_v)).unwrap();
            let own = samples(&own_v);
            let Some((ts, s, ms)) = decimal_columns(base.as_bytes()) else {
                return Ok(());
            };
            prop_assert_eq!(ts.len(), own.len());
            let own_ms: Vec<i64> = own_v.iter().map(|&v| decimal::nearest_mantissa(v, s)).collect();
            // Block chunk files relate only chunks whose values are exact
            // at the base's scale (a base of 37202.0 has scale 0, which
            // cannot hold 37199.9).
            let exact = own_ms.iter().zip(&own_v).all(|(&m, v)| decimal::value(m, s).to_bits() == v.to_bits());
            prop_assume!(exact);
            let mut diff = Vec::new();
            encode_difference(&ms, &own_ms, &mut diff);
            let mut chunk = Vec::new();
            compose(base.as_bytes(), &diff, &mut chunk);
            let back: Vec<Sample> = ChunkIter::new(&chunk).unwrap().collect::<Result<_, _>>().unwrap();
            prop_assert_eq!(back.len(), own.len());
            prop_assert!(back.iter().zip(&own).all(|(a, b)| a.bit_eq(b)));
        }
    }

    #[test]
    fn bad_bases_are_refused() {
        let xor = crate::Chunk::encode(Encoding::Xor, &samples(&[1.0, 2.0])).unwrap();
        let floats = crate::Chunk::encode(Encoding::Packed, &samples(&[f64::NAN, 0.1])).unwrap();
        let good = crate::Chunk::encode(Encoding::Packed, &samples(&[1.0, 2.0])).unwrap();
        // (what, base bytes, the base length claimed)
        let cases: &[(&str, &[u8], usize)] = &[
            ("xor base", xor.as_bytes(), xor.as_bytes().len()),
            ("float base", floats.as_bytes(), floats.as_bytes().len()),
            (
                "base past the end",
                good.as_bytes(),
                good.as_bytes().len() + 1,
            ),
            ("empty base", &[], 0),
        ];
        for &(what, base, len) in cases {
            let mut chunk = vec![Encoding::Relative as u8];
            put_uvarint(&mut chunk, len as u64);
            chunk.extend_from_slice(base);
            assert!(RelativeDecoder::new(&chunk).is_err(), "{what}");
        }
        assert_eq!(decimal_columns(floats.as_bytes()), None);
    }
}
