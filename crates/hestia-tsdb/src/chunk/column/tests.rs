//! Tests of `column.rs`.

use super::*;
use proptest::prelude::*;

fn decode(data: &[u8], n: usize) -> Result<Vec<i64>, &'static str> {
    let mut d = ColumnDecoder::new(data, n, Frames::Rice)?;
    let mut out = Vec::new();
    while let Some(v) = d.next()? {
        out.push(v);
    }
    Ok(out)
}

proptest! {
    #[test]
    fn round_trips(values in prop_oneof![
        proptest::collection::vec(any::<i64>(), 0..400),
        proptest::collection::vec(-3i64..3, 0..400),
        proptest::collection::vec(prop_oneof![12 => Just(0i64), 1 => -5i64..100, 1 => any::<i64>()], 0..1500),
        proptest::collection::vec(prop_oneof![12 => Just(7i64), 1 => 8i64..100], 0..1500),
        (any::<i64>(), 0i64..1_000_000, 0usize..400).prop_map(|(s, d, n)| (0..n as i64).map(|i| s.wrapping_add(i * d)).collect()),
    ]) {
        for frames in [Frames::Packed, Frames::Rice] {
            let mut out = Vec::new();
            encode(&values, &mut out, frames);
            prop_assert_eq!(decode(&out, values.len()), Ok(values.clone()));
        }
    }

    /// Counting narrow frames finds the value sorting finds.
    #[test]
    fn median_is_the_middle_value_once_sorted(
        frame in prop_oneof![
            proptest::collection::vec(-3i64..300, 1..1025),
            proptest::collection::vec(any::<i64>(), 1..300),
            (any::<i64>(), proptest::collection::vec(0i64..256, 1..1025))
                .prop_map(|(s, v)| v.iter().map(|&o| s.wrapping_add(o)).collect()),
        ],
    ) {
        let (min, width) = frame_shape(&frame);
        let mut sorted = frame.clone();
        sorted.sort_unstable();
        let mut scratch = Vec::new();
        prop_assert_eq!(median(&frame, min, width, &mut scratch), sorted[frame.len() / 2]);
    }

    /// Dividing by the residuals' gcd is exact division.
    #[test]
    fn divisors_divide_exactly(
        g in prop_oneof![1u64..100_000, 1u64..=i64::MAX as u64],
        qs in proptest::collection::vec(any::<i64>(), 1..50),
    ) {
        let mut residuals: Vec<i64> = qs.iter().map(|&q| q % (i64::MAX / g as i64).max(1)).collect();
        let want: Vec<i64> = residuals.clone();
        for r in residuals.iter_mut() {
            *r *= g as i64;
        }
        let euclid = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let expected = residuals.iter().fold(0, |a, r| euclid(a, r.unsigned_abs()));
        prop_assert_eq!(residuals.iter().fold(0, |a, r| gcd(a, r.unsigned_abs())), expected);
        let d = divide(&mut residuals);
        if expected > 1 {
            prop_assert_eq!(d, expected);
            let q: Vec<i64> = want.iter().map(|&w| w * g as i64 / expected as i64).collect();
            prop_assert_eq!(residuals, q);
        } else {
            prop_assert_eq!(d, 1);
        }
    }

    /// A limit only decides whether the column is written: below its
    /// length nothing is, at or above it the very same bytes are, and a
    /// plan's length is what it writes.
    #[test]
    fn limits_do_not_change_the_column(
        values in prop_oneof![
            proptest::collection::vec(-3i64..3, 0..1500),
            proptest::collection::vec(prop_oneof![12 => Just(7i64), 1 => 8i64..100, 1 => any::<i64>()], 0..1500),
            (any::<i64>(), 0i64..1_000_000, 0usize..1500).prop_map(|(s, d, n)| (0..n as i64).map(|i| s.wrapping_add(i * d)).collect()),
        ],
        slack in -40i64..40,
    ) {
        for frames in [Frames::Packed, Frames::Rice] {
            let mut full = Vec::new();
            encode(&values, &mut full, frames);
            let planned = Column::plan(&values, frames, usize::MAX).unwrap();
            prop_assert_eq!(planned.len(), full.len());
            let limit = (full.len() as i64 + slack).max(0) as usize;
            let mut out = vec![9u8];
            let written = encode_within(&values, &mut out, frames, limit);
            prop_assert_eq!(written, full.len() < limit);
            if written {
                prop_assert_eq!(&out[1..], &full[..]);
            } else {
                prop_assert_eq!(out, vec![9u8]);
            }
        }
    }
}

#[test]
fn coded_frames_and_sizes_only_in_the_current_encoding() {
    let mut rng = crate::workload::Rng::new(9);
    // Skewed residuals: Rice frames.
    let skewed: Vec<i64> = (0..1000)
        .map(|_| {
            if rng.range(0, 20) == 0 {
                rng.range(0, 200)
            } else {
                rng.range(0, 3)
            }
        })
        .collect();
    let mut rice = Vec::new();
    encode(&skewed, &mut rice, Frames::Rice);
    let mut packed = Vec::new();
    encode(&skewed, &mut packed, Frames::Packed);
    assert!(
        rice.len() < packed.len(),
        "{} vs {}",
        rice.len(),
        packed.len()
    );
    assert_eq!(packed[0], 0, "first encoding: order 0, frames of 128");
    let decode_as = |data: &[u8], frames| -> Result<Vec<i64>, &'static str> {
        let mut d = ColumnDecoder::new(data, skewed.len(), frames)?;
        let mut out = Vec::new();
        while let Some(v) = d.next()? {
            out.push(v);
        }
        Ok(out)
    };
    assert_eq!(decode_as(&rice, Frames::Rice), Ok(skewed.clone()));
    assert_eq!(decode_as(&packed, Frames::Packed), Ok(skewed.clone()));
    assert!(
        decode_as(&rice, Frames::Packed).is_err(),
        "Rice frames in a v1 column"
    );
    // (order byte, accepted by v1, accepted by the current encoding)
    for (order, v1, current) in [
        (2u8, true, true),
        (3, false, false),
        (0b1_0101, false, true),
        (32, false, false),
    ] {
        let data = [order, 0, 0, 0, 0];
        assert_eq!(
            ColumnDecoder::new(&data, 3, Frames::Packed).is_ok(),
            v1,
            "{order:#b}"
        );
        assert_eq!(
            ColumnDecoder::new(&data, 3, Frames::Rice).is_ok(),
            current,
            "{order:#b}"
        );
    }
    // Run-away unary codes and bad width bytes fail instead of looping.
    for width in [0x80u8, 0xc0, 0xff, 65] {
        let data = [0u8, 1, 0, width, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(decode_as(&data, Frames::Rice).is_err(), "{width:#x}");
    }
}

#[test]
fn picks_the_smallest_order() {
    // (values, expected order, expected length)
    let line: Vec<i64> = (0..300).map(|i| 1_000 + 10_000 * i).collect();
    let constant = vec![7i64; 300];
    let mut rng = crate::workload::Rng::new(7);
    let noise: Vec<i64> = (0..300).map(|_| rng.range(0, 12)).collect();
    let pages: Vec<i64> = (0..200).map(|i| 4096 * (1000 + i % 4)).collect();
    let cases: &[(&str, &[i64], u8, usize)] = &[
        // Order byte, v0, divisor 10000, three frames of (min 1, width 0).
        ("arithmetic", &line, 1, 1 + 2 + 2 + 3 * 2),
        // Order 0 beats order 1 here: no head value (divisor 7, all 1s).
        ("constant", &constant, 0, 1 + 1 + 3 * 2),
        // 4-bit values: 128 / 2 bytes per full frame.
        ("bounded noise", &noise, 0, 1 + 1 + 3 * 2 + 64 + 64 + 22),
        // Divisor 4096 (2 bytes); frames of base 1000 (2 bytes) and 2-bit offsets.
        ("memory pages", &pages, 0, 1 + 2 + (3 + 32) + (3 + 18)),
        ("empty", &[], 0, 2),
    ];
    for &(what, values, order, len) in cases {
        let mut out = Vec::new();
        encode(values, &mut out, Frames::Packed);
        assert_eq!((out[0], out.len()), (order, len), "{what}");
    }
}
