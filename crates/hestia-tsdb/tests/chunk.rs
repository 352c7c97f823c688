//! Chunk encodings through the public API: round trips of arbitrary
//! samples, `seek` against a model, bit-exact NaNs, refusals, damaged
//! headers, and the sizes on the synthetic workload.

use hestia_tsdb::chunk::STALE_NAN;
use hestia_tsdb::workload::{generate, Part, Spec};
use hestia_tsdb::{Chunk, ChunkAppender, ChunkIter, Encoding, Error, Sample};
use proptest::collection::vec;
use proptest::prelude::*;

const ENCODINGS: [Encoding; 3] = [Encoding::Xor, Encoding::Packed, Encoding::PackedV1];

/// Strictly increasing timestamps: regular scrapes, jitter, huge gaps,
/// negative starts, up to the ends of `i64`.
fn timestamps(max: usize) -> impl Strategy<Value = Vec<i64>> {
    let gap = prop_oneof![
        4 => Just(10_000u64),
        4 => 9_990u64..10_010,
        2 => 1u64..3,
        1 => 1u64..u64::MAX / 4,
        1 => any::<u64>(),
    ];
    let start = prop_oneof![
        any::<i64>(),
        Just(i64::MIN),
        -1_000_000i64..1_000_000,
        Just(i64::MAX - 5)
    ];
    (start, vec(gap, 0..max)).prop_map(|(start, gaps)| {
        let mut out = vec![start];
        let mut t = start;
        for g in gaps {
            match t.checked_add_unsigned(g.max(1)) {
                Some(next) => {
                    t = next;
                    out.push(t);
                }
                None => break,
            }
        }
        out
    })
}

/// Values: arbitrary bits (NaN payloads, infinities, -0.0, subnormals)
/// or, for the packed encoding's decimal path, decimals throughout.
fn values(n: usize) -> impl Strategy<Value = Vec<f64>> {
    let any_bits = any::<u64>().prop_map(f64::from_bits);
    let special = prop_oneof![
        Just(STALE_NAN),
        Just(f64::NAN),
        Just(-f64::NAN),
        Just(f64::INFINITY),
        Just(-0.0),
        Just(f64::MIN_POSITIVE / 2.0),
        Just(f64::MAX),
    ];
    let decimal = (-1_000_000_000i64..1_000_000_000, 0u32..6)
        .prop_map(|(m, k)| m as f64 / 10f64.powi(k as i32));
    prop_oneof![
        vec(prop_oneof![6 => any_bits, 1 => special], n),
        vec(decimal.clone(), n),
        (0.0f64..1e6, vec(0u32..100, n)).prop_map(|(start, incs)| incs
            .iter()
            .scan(start.floor(), |v, &i| {
                *v += i as f64;
                Some(*v)
            })
            .collect()),
        vec(prop_oneof![20 => decimal, 1 => Just(STALE_NAN)], n),
    ]
}

fn samples(max: usize) -> impl Strategy<Value = Vec<Sample>> {
    timestamps(max).prop_flat_map(|ts| {
        let n = ts.len();
        (Just(ts), values(n)).prop_map(|(ts, vs)| {
            ts.into_iter()
                .zip(vs)
                .map(|(t, v)| Sample::new(t, v))
                .collect()
        })
    })
}

fn decode(chunk: &Chunk) -> Vec<Sample> {
    chunk
        .iter()
        .collect::<Result<_, _>>()
        .expect("own chunk decodes")
}

fn assert_bits_eq(got: &[Sample], want: &[Sample]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g.bit_eq(w),
            "sample {i}: got {g:?} ({:#x}), want {w:?} ({:#x})",
            g.v.to_bits(),
            w.v.to_bits()
        );
    }
}

/// The model of `seek`: index of the current sample, as `ChunkIter` keeps it.
struct Model<'a> {
    s: &'a [Sample],
    pos: Option<usize>,
    done: bool,
}

impl Model<'_> {
    fn next(&mut self) -> Option<Sample> {
        let i = self.pos.map_or(0, |p| p + 1);
        if self.done || i >= self.s.len() {
            self.done = true;
            return None;
        }
        self.pos = Some(i);
        Some(self.s[i])
    }

    fn seek(&mut self, t: i64) -> Option<Sample> {
        if let Some(p) = self.pos.filter(|&p| self.s[p].t >= t) {
            return Some(self.s[p]);
        }
        while let Some(s) = self.next() {
            if s.t >= t {
                return Some(s);
            }
        }
        None
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trips_bit_exactly(samples in samples(300)) {
        for encoding in ENCODINGS {
            let chunk = Chunk::encode(encoding, &samples).unwrap();
            prop_assert_eq!(chunk.encoding(), encoding);
            prop_assert_eq!(chunk.len(), samples.len());
            assert_bits_eq(&decode(&chunk), &samples);
            let again = Chunk::from_bytes(chunk.as_bytes().to_vec()).unwrap();
            assert_bits_eq(&decode(&again), &samples);
            let other = ENCODINGS.into_iter().find(|&e| e != encoding).unwrap();
            assert_bits_eq(&decode(&chunk.recode(other).unwrap()), &samples);
        }
    }

    #[test]
    fn seek_agrees_with_a_linear_scan(
        samples in samples(200),
        ops in vec((any::<bool>(), any::<i64>(), 0usize..200, -2i64..3), 0..30),
    ) {
        for encoding in ENCODINGS {
            let chunk = Chunk::encode(encoding, &samples).unwrap();
            let mut it = chunk.iter();
            let mut model = Model { s: &samples, pos: None, done: false };
            for &(is_seek, random, pick, nudge) in &ops {
                if is_seek {
                    // Half the targets near existing timestamps.
                    let t = samples.get(pick).map_or(random, |s| s.t.saturating_add(nudge));
                    let got = it.seek(t).map(|r| r.unwrap());
                    let want = model.seek(t);
                    prop_assert_eq!(got.map(|s| (s.t, s.v.to_bits())), want.map(|s| (s.t, s.v.to_bits())), "seek({})", t);
                } else {
                    let got = it.next().map(|r| r.unwrap());
                    let want = model.next();
                    prop_assert_eq!(got.map(|s| (s.t, s.v.to_bits())), want.map(|s| (s.t, s.v.to_bits())));
                }
            }
        }
    }

    #[test]
    fn appender_chunk_is_readable_after_every_append(samples in samples(60)) {
        let mut app = ChunkAppender::new();
        for (i, s) in samples.iter().enumerate() {
            app.append(s.t, s.v).unwrap();
            let got: Vec<Sample> = app.iter().collect::<Result<_, _>>().unwrap();
            assert_bits_eq(&got, &samples[..=i]);
        }
        prop_assert_eq!(app.last_timestamp(), samples.last().map(|s| s.t));
    }
}

#[test]
fn extreme_timestamps_round_trip() {
    let cases: &[&[i64]] = &[
        &[i64::MIN, i64::MAX],
        &[i64::MIN, -1, 0, 1, i64::MAX],
        &[i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX],
        &[-10_000, 0, 10_000, 20_000, 30_001, 39_999],
        &[0],
        &[],
    ];
    for ts in cases {
        let samples: Vec<Sample> = ts.iter().map(|&t| Sample::new(t, t as f64)).collect();
        for encoding in ENCODINGS {
            assert_bits_eq(
                &decode(&Chunk::encode(encoding, &samples).unwrap()),
                &samples,
            );
        }
    }
}

#[test]
fn nan_payloads_and_signed_zeros_keep_their_bits() {
    let bits = [
        0x7ff0_0000_0000_0002u64, // stale marker
        0x7ff8_0000_0000_0000,    // quiet NaN
        0xfff8_0000_0000_0001,    // negative NaN with payload
        0x7ff0_0000_0000_0001,    // signalling NaN
        0x8000_0000_0000_0000,    // -0.0
        0x0000_0000_0000_0001,    // smallest subnormal
        0x7ff0_0000_0000_0000,    // +inf
    ];
    for mixed_with_decimals in [false, true] {
        let samples: Vec<Sample> = bits
            .iter()
            .enumerate()
            .flat_map(|(i, &b)| {
                let t = i as i64 * 20_000;
                let mut v = vec![Sample::new(t, f64::from_bits(b))];
                if mixed_with_decimals {
                    v.push(Sample::new(t + 10_000, i as f64 / 10.0));
                }
                v
            })
            .collect();
        for encoding in ENCODINGS {
            assert_bits_eq(
                &decode(&Chunk::encode(encoding, &samples).unwrap()),
                &samples,
            );
        }
    }
}

#[test]
fn refuses_unordered_samples_and_overfull_chunks() {
    // (samples, encoding) → the refused timestamp and the last accepted one.
    let dup = [Sample::new(5, 1.0), Sample::new(5, 2.0)];
    let back = [
        Sample::new(5, 1.0),
        Sample::new(6, 1.0),
        Sample::new(-1, 1.0),
    ];
    for encoding in ENCODINGS {
        for (samples, t, last) in [(&dup[..], 5, 5), (&back[..], -1, 6)] {
            match Chunk::encode(encoding, samples) {
                Err(Error::OutOfOrderSample {
                    t: got_t,
                    last: got_last,
                }) => {
                    assert_eq!((got_t, got_last), (t, last), "{encoding}")
                }
                other => panic!("{encoding}: {other:?}"),
            }
        }
    }
    let too_many: Vec<Sample> = (0..=Encoding::Packed.max_samples() as i64)
        .map(|t| Sample::new(t, 0.0))
        .collect();
    assert!(matches!(
        Chunk::encode(Encoding::Packed, &too_many),
        Err(Error::ChunkFull {
            encoding: Encoding::Packed,
            ..
        })
    ));
    assert!(matches!(
        Chunk::encode(Encoding::Xor, &too_many[..=Encoding::Xor.max_samples()]),
        Err(Error::ChunkFull {
            encoding: Encoding::Xor,
            ..
        })
    ));
}

#[test]
fn damaged_headers_are_refused() {
    let good = Chunk::encode(
        Encoding::Packed,
        &[Sample::new(1, 1.0), Sample::new(2, 2.0)],
    )
    .unwrap();
    let mut huge_count = good.as_bytes().to_vec();
    huge_count.splice(1..2, [0xff, 0xff, 0x3f]);
    // (bytes, expected error)
    type Case = (&'static str, Vec<u8>, fn(&Error) -> bool);
    let cases: Vec<Case> = vec![
        ("empty", vec![], |e| matches!(e, Error::UnknownEncoding(0))),
        ("unknown encoding", vec![9, 0, 0], |e| {
            matches!(e, Error::UnknownEncoding(9))
        }),
        ("short xor header", vec![1, 0], |e| {
            matches!(
                e,
                Error::CorruptChunk {
                    encoding: Encoding::Xor,
                    ..
                }
            )
        }),
        ("packed without count", vec![3], |e| {
            matches!(
                e,
                Error::CorruptChunk {
                    encoding: Encoding::Packed,
                    ..
                }
            )
        }),
        ("packed v1 without count", vec![2], |e| {
            matches!(
                e,
                Error::CorruptChunk {
                    encoding: Encoding::PackedV1,
                    ..
                }
            )
        }),
        ("count beyond the bytes", huge_count, |e| {
            matches!(
                e,
                Error::CorruptChunk {
                    encoding: Encoding::Packed,
                    ..
                }
            )
        }),
        ("timestamp column past the end", vec![2, 1, 100, 0], |e| {
            matches!(e, Error::CorruptChunk { .. })
        }),
    ];
    for (what, bytes, want) in cases {
        match Chunk::from_bytes(bytes) {
            Err(e) => assert!(want(&e), "{what}: {e}"),
            Ok(c) => panic!("{what}: accepted {c:?}"),
        }
    }
}

#[test]
fn truncated_chunks_fail_or_stop_but_never_invent_samples() {
    let samples: Vec<Sample> = (0..50)
        .map(|i| Sample::new(i * 10_000 + i % 3, (i * i) as f64 / 7.0))
        .collect();
    for encoding in ENCODINGS {
        let bytes = Chunk::encode(encoding, &samples).unwrap().into_bytes();
        for cut in 0..bytes.len() {
            let Ok(it) = ChunkIter::new(&bytes[..cut]) else {
                continue;
            };
            let mut good = 0;
            for s in it {
                match s {
                    Ok(s) => {
                        assert!(s.bit_eq(&samples[good]), "{encoding} cut {cut}");
                        good += 1;
                    }
                    Err(e) => assert!(matches!(e, Error::CorruptChunk { .. })),
                }
            }
            // A cut XOR chunk can still hold its first samples; the
            // count in its header makes it fail before the end.
            assert!(
                good < samples.len(),
                "{encoding} cut at {cut} decoded everything"
            );
        }
    }
}

/// Bytes per sample on a fixed slice of the workload: catches regressions
/// of the encoders (numbers of the full run are in the README).
#[test]
fn sizes_on_the_workload_do_not_regress() {
    let series = generate(&Spec {
        targets: 1,
        samples: 720,
        ..Spec::default()
    });
    let per_sample = |encoding, len, part: Option<Part>| {
        let (mut bytes, mut n) = (0, 0);
        for s in series.iter().filter(|s| part.is_none_or(|p| s.part == p)) {
            for c in s.samples.chunks(len) {
                bytes += Chunk::encode(encoding, c).unwrap().as_bytes().len();
                n += c.len();
            }
        }
        bytes as f64 / n as f64
    };
    // (encoding, chunk length, part, at most bytes/sample)
    let cases = [
        (Encoding::Xor, 120, None, 2.3),
        (Encoding::Packed, 720, None, 1.17),
        (Encoding::Packed, 720, Some(Part::Counter), 0.40),
        (Encoding::Packed, 720, Some(Part::ConstantGauge), 0.06),
        (Encoding::Packed, 720, Some(Part::DecimalGauge), 0.58),
        (Encoding::Xor, 120, Some(Part::ConstantGauge), 0.42),
    ];
    for (encoding, len, part, max) in cases {
        let got = per_sample(encoding, len, part);
        assert!(
            got <= max,
            "{encoding} {len} {part:?}: {got:.3} bytes/sample > {max}"
        );
    }
}
