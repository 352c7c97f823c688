//! Number syntax shared by the text parsers: sample values (Go's
//! `ParseFloat` without hex floats or underscores, which is what Prometheus
//! accepts and what OpenMetrics' ABNF allows), OpenMetrics timestamps in
//! seconds, and the canonical NaN.

/// The bits of the NaN every parser returns for a NaN sample value:
/// Prometheus' "normal NaN", so that a scraped NaN can never be mistaken
/// for the staleness marker (`0x7ff0000000000002`).
pub const NORMAL_NAN_BITS: u64 = 0x7ff8_0000_0000_0001;

/// Replaces any NaN by the NaN with [`NORMAL_NAN_BITS`].
pub(crate) fn normalize_nan(v: f64) -> f64 {
    if v.is_nan() {
        f64::from_bits(NORMAL_NAN_BITS)
    } else {
        v
    }
}

/// Whether `s` is a decimal real number: `[+-]? (digits [. digits*] | . digits)
/// ([eE] [+-]? digits)?`. This is OpenMetrics' `realnumber` and the decimal
/// part of Go's `ParseFloat` syntax.
fn is_decimal(s: &[u8]) -> bool {
    let mut i = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let int_start = i;
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == s.len()
}

/// Exact powers of ten up to 10^15.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The fast path of [`parse_real`]: `digits[.digits]` or `.digits` with at
/// most 15 digits in all (timestamps such as `1700000000.123`, most
/// values). The digits make an integer below 2^53 and the divisor is an
/// exact power of ten, so one IEEE division rounds the exact quotient
/// correctly, as the full parser would. `None` for anything else.
fn short_decimal(b: &[u8]) -> Option<f64> {
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let mut m: u64 = 0;
    let mut dot = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => m = m * 10 + u64::from(c - b'0'),
            b'.' if dot.is_none() => dot = Some(i),
            _ => return None,
        }
    }
    match dot {
        None if b.len() <= 15 => Some(m as f64),
        Some(_) if b.len() == 1 => None,
        Some(i) => Some(m as f64 / POW10[b.len() - 1 - i]),
        None => None,
    }
}

/// Parses a real number (no `Inf`/`NaN`); `None` if the syntax is wrong
/// or the magnitude overflows a float64.
pub(crate) fn parse_real(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    // Fast path: a short integer is exact in a float64.
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    if let Some(v) = short_decimal(digits) {
        return Some(if neg { -v } else { v });
    }
    if !is_decimal(b) {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parses a sample value: a real number, `[+-]Inf`/`[+-]Infinity` or `NaN`
/// (case-insensitive, as Go's `ParseFloat`). NaN comes back as the normal
/// NaN ([`NORMAL_NAN_BITS`]).
pub(crate) fn parse_value(s: &str) -> Option<f64> {
    if let Some(v) = parse_real(s) {
        return Some(v);
    }
    let (sign, word) = match s.as_bytes().first() {
        Some(b'+') => (1.0, &s[1..]),
        Some(b'-') => (-1.0, &s[1..]),
        _ => (0.0, s),
    };
    if word.eq_ignore_ascii_case("inf") || word.eq_ignore_ascii_case("infinity") {
        return Some(if sign < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if sign == 0.0 && word.eq_ignore_ascii_case("nan") {
        return Some(f64::from_bits(NORMAL_NAN_BITS));
    }
    None
}

/// Converts seconds to milliseconds the way Prometheus does
/// (`int64(s * 1000)`: truncation toward zero), saturating at the ends of
/// `i64` instead of Go's platform-defined result.
pub(crate) fn secs_to_ms(secs: f64) -> i64 {
    (secs * 1000.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        for (text, want) in [
            ("1", Some(1.0)),
            ("-1", Some(-1.0)),
            ("+1", Some(1.0)),
            ("0001", Some(1.0)),
            ("1.", Some(1.0)),
            (".5", Some(0.5)),
            ("-.5e-3", Some(-0.0005)),
            ("1E3", Some(1000.0)),
            ("1.5e+06", Some(1.5e6)),
            ("9223372036854775808", Some(9.223_372_036_854_776e18)),
            (
                "0000000000000000000000000000000000000000001.2e-1",
                Some(0.12),
            ),
            ("+Inf", Some(f64::INFINITY)),
            ("-inf", Some(f64::NEG_INFINITY)),
            ("Infinity", Some(f64::INFINITY)),
            ("1e400", None),
            ("", None),
            ("-", None),
            (".", None),
            ("e5", None),
            ("1e", None),
            ("1_2", None),
            ("0x1", None),
            ("0x1p-3", None),
            ("0b1", None),
            ("1 ", None),
            ("+NaN", None),
            ("Inf1", None),
            ("true", None),
        ] {
            let got = parse_value(text);
            assert_eq!(got, want, "{text:?}");
        }
        assert_eq!(parse_value("NaN").map(f64::to_bits), Some(NORMAL_NAN_BITS));
        assert_eq!(parse_value("nan").map(f64::to_bits), Some(NORMAL_NAN_BITS));
    }

    #[test]
    fn reals_exclude_specials() {
        assert_eq!(parse_real("Inf"), None);
        assert_eq!(parse_real("NaN"), None);
        assert_eq!(parse_real("1.5e3"), Some(1500.0));
    }

    #[test]
    fn milliseconds() {
        assert_eq!(secs_to_ms(1.5), 1500);
        assert_eq!(secs_to_ms(-1.1), -1100);
        assert_eq!(secs_to_ms(1e-10), 0);
        assert_eq!(secs_to_ms(1.2345678901234567e19), i64::MAX);
    }

    proptest::proptest! {
        #[test]
        fn short_decimals_round_as_the_full_parser(
            int in "[0-9]{0,12}",
            frac in proptest::option::of("[0-9]{0,8}"),
            neg in proptest::bool::ANY,
        ) {
            let text = match &frac {
                Some(f) => format!("{}{int}.{f}", if neg { "-" } else { "" }),
                None => format!("{}{int}", if neg { "-" } else { "" }),
            };
            let want = text.parse::<f64>().ok();
            proptest::prop_assert_eq!(parse_real(&text).map(f64::to_bits), want.map(f64::to_bits), "{}", text);
        }
    }
}
