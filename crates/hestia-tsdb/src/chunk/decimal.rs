//! Exact decimal scaling of floats: finding one power of ten `10^k` for a
//! whole chunk such that every value is `m / 10^k` for an integer `m`,
//! with the division giving back the very same bits. Scraped values are
//! mostly like that (counters, byte sizes, `0.01`-resolution CPU seconds,
//! one-decimal temperatures) and their mantissas difference and pack far
//! better than XORed float bits.
//!
//! Exactness argument: `m` and `10^k` are exact doubles (`|m| <= 2^53`,
//! `k <= 22`), so IEEE division returns the correctly rounded quotient,
//! the same double a correct parser returns for the decimal `m·10^-k`.
//! The encoder checks every value by decoding it anyway; any value that
//! does not come back bit-exactly (NaN, infinities, `-0.0`, values needing
//! more digits) makes the chunk fall back to XOR coding.

/// The largest scale: `10^22` is the largest exact power of ten in `f64`.
pub(crate) const MAX_SCALE: u8 = 22;

/// Mantissas are limited to the integers `f64` holds exactly.
const MAX_MANTISSA: f64 = (1u64 << 53) as f64;

const POW10: [f64; MAX_SCALE as usize + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value a mantissa stands for at `scale` (`scale <= MAX_SCALE`).
#[inline]
pub(crate) fn value(mantissa: i64, scale: u8) -> f64 {
    mantissa as f64 / POW10[scale as usize]
}

/// `10^scale` (`scale <= MAX_SCALE`).
pub(crate) fn pow10(scale: u8) -> f64 {
    POW10[scale as usize]
}

/// The integer nearest to `v · 10^scale` (saturating; `0` for NaN): the
/// mantissa of the decimal closest to `v`, exact or not.
pub(crate) fn nearest_mantissa(v: f64, scale: u8) -> i64 {
    round(v * POW10[scale as usize])
}

/// `x` rounded half away from zero, as an integer (saturating; `0` for
/// NaN): `x.round() as i64`, without a call to `round` for the usual
/// magnitudes (below 2^52 the truncating conversion and the fraction it
/// leaves are exact).
#[inline]
fn round(x: f64) -> i64 {
    if x.abs() < 4.0e15 {
        let t = x as i64;
        let fraction = x - t as f64;
        t + i64::from(fraction >= 0.5) - i64::from(fraction <= -0.5)
    } else {
        x.round() as i64
    }
}

/// `bits` as a mantissa at `scale`, if that is exact.
fn mantissa(bits: u64, scale: u8) -> Option<i64> {
    let scaled = f64::from_bits(bits) * POW10[scale as usize];
    if scaled.is_nan() || scaled.abs() > MAX_MANTISSA {
        return None;
    }
    let m = round(scaled);
    (value(m, scale).to_bits() == bits).then_some(m)
}

/// The smallest scale at which every value is an exact decimal, and the
/// mantissas at that scale; `None` if there is none.
pub(crate) fn to_decimal(values: &[u64]) -> Option<(u8, Vec<i64>)> {
    let mut scale = 0;
    for &bits in values {
        while mantissa(bits, scale).is_none() {
            scale += 1;
            if scale > MAX_SCALE {
                return None;
            }
        }
    }
    // Scaling up can push an earlier mantissa past 2^53: check them all.
    let mantissas = values
        .iter()
        .map(|&b| mantissa(b, scale))
        .collect::<Option<Vec<_>>>()?;
    Some((scale, mantissas))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_mantissa_rounds_half_away_from_zero() {
        // (value, scale, mantissa)
        let cases: &[(f64, u8, i64)] = &[
            (0.0, 0, 0),
            (-0.0, 3, 0),
            (0.5, 0, 1),
            (-0.5, 0, -1),
            (0.49999999999999994, 0, 0),
            (1.5, 0, 2),
            (-2.5, 0, -3),
            (0.0004, 4, 4),
            (0.00035, 4, 4),
            (-1.2345, 3, -1235),
            (3.9e15 + 0.5, 0, 3_900_000_000_000_001),
            (4.5e15 + 1.0, 0, 4_500_000_000_000_001),
            (1e30, 0, i64::MAX),
            (-1e30, 0, i64::MIN),
            (f64::NAN, 2, 0),
            (f64::INFINITY, 0, i64::MAX),
        ];
        for &(v, scale, want) in cases {
            assert_eq!(nearest_mantissa(v, scale), want, "{v} at {scale}");
            assert_eq!(
                nearest_mantissa(v, scale),
                (v * pow10(scale)).round() as i64,
                "{v}"
            );
        }
        // Random bit patterns and halves near the fast path's bound.
        let mut rng = crate::workload::Rng::new(3);
        for i in 0..200_000 {
            let v = match i % 3 {
                0 => f64::from_bits(rng.next_u64()),
                1 => rng.range(-1 << 40, 1 << 40) as f64 / 1024.0,
                _ => rng.range(55 << 47, 59 << 47) as f64 / 2.0 * [1.0, -1.0][i % 2],
            };
            let scale = if i % 3 == 2 {
                0
            } else {
                rng.range(0, 22) as u8
            };
            assert_eq!(
                nearest_mantissa(v, scale),
                (v * pow10(scale)).round() as i64,
                "{v} at {scale}"
            );
        }
    }

    #[test]
    fn finds_the_smallest_exact_scale() {
        // (values, expected scale; None = falls back to XOR)
        let cases: &[(&[f64], Option<u8>)] = &[
            (&[], Some(0)),
            (&[0.0, 1.0, 123456789.0], Some(0)),
            (&[1.5, 2.25], Some(2)),
            (&[0.1, 0.2, 0.3], Some(1)),
            (&[12345.67, 12346.0], Some(2)),
            (&[1e-9], Some(9)),
            (&[1e15, -1e15], Some(0)),
            (&[9007199254740992.0], Some(0)),
            // 2^53 + 2 needs a mantissa past 2^53.
            (&[9007199254740994.0], None),
            // 0.1 + 0.2: seventeen significant digits.
            (&[0.30000000000000004], None),
            (&[-0.0], None),
            (&[f64::NAN], None),
            (&[f64::INFINITY], None),
            (&[f64::from_bits(0x7ff0000000000002)], None),
            (&[f64::MIN_POSITIVE], None),
            (&[1.0, f64::NAN], None),
        ];
        for &(values, want) in cases {
            let bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
            let got = to_decimal(&bits);
            assert_eq!(got.as_ref().map(|g| g.0), want, "{values:?}");
            if let Some((scale, ms)) = got {
                for (m, b) in ms.iter().zip(&bits) {
                    assert_eq!(value(*m, scale).to_bits(), *b);
                }
            }
        }
    }
}
