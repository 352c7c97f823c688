//! The head's WAL records: what the payload of a [`Wal`](crate::Wal) data
//! record means. Owns the record kinds the head logs — series
//! (reference and labels), samples (reference, timestamp, value bits,
//! delta-encoded), out-of-order samples (the same, for samples accepted
//! within the out-of-order window) and deletes (reference and an
//! inclusive time range) — and their encoders and decoders.
//!
//! ```text
//! series:      0x01 ‖ { uvarint ref ‖ uvarint n ‖ n × (uvarint len ‖ name ‖ uvarint len ‖ value) }*
//! samples:     0x02 ‖ { varint Δref ‖ varint Δt ‖ value bits u64 LE }*
//! deletes:     0x03 ‖ { uvarint ref ‖ varint min_t ‖ varint max_t }*
//! ooo samples: 0x04 ‖ { varint Δref ‖ varint Δt ‖ value bits u64 LE }*
//! ```
//!
//! Δ is the difference to the previous sample of the record (the first
//! against 0), in wrapping 64-bit arithmetic, so every `i64` and `u64`
//! round-trips. `docs/format/wal.md` has the details. Decoders never
//! panic on arbitrary bytes: they return [`Error::CorruptRecord`].

use hestia_model::Labels;

use crate::chunk::bstream::{put_uvarint, read_uvarint, unzigzag, zigzag};
use crate::Error;

/// The first byte of a series record.
pub const SERIES: u8 = 1;
/// The first byte of a samples record.
pub const SAMPLES: u8 = 2;

/// The first byte of a deletes record.
pub const DELETES: u8 = 3;

/// The first byte of an out-of-order samples record.
pub const OOO_SAMPLES: u8 = 4;

/// What a record holds, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// Series definitions ([`RefSeries`]).
    Series,
    /// Samples of series defined earlier ([`RefSample`]).
    Samples,
    /// Deleted time ranges of series defined earlier ([`RefDelete`]).
    Deletes,
    /// Samples of series defined earlier accepted out of order, within
    /// the head's out-of-order window ([`RefSample`]).
    OooSamples,
}

/// A deletion as logged: samples of series `id` in `[min_t, max_t]` are
/// gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefDelete {
    /// The series' reference.
    pub id: u64,
    /// First deleted timestamp.
    pub min_t: i64,
    /// Last deleted timestamp.
    pub max_t: i64,
}

/// Appends a deletes record of `deletes` to `out`.
pub fn encode_deletes(deletes: &[RefDelete], out: &mut Vec<u8>) {
    out.push(DELETES);
    for d in deletes {
        put_uvarint(out, d.id);
        put_uvarint(out, zigzag(d.min_t));
        put_uvarint(out, zigzag(d.max_t));
    }
}

/// Decodes a deletes record, appending to `out` (cleared first).
pub fn decode_deletes(payload: &[u8], out: &mut Vec<RefDelete>) -> Result<(), Error> {
    out.clear();
    if payload.first() != Some(&DELETES) {
        return Err(corrupt("not a deletes record"));
    }
    let mut pos = 1;
    while pos < payload.len() {
        let mut next = || read_uvarint(payload, &mut pos).ok_or(corrupt("truncated delete"));
        let id = next()?;
        let min_t = unzigzag(next()?);
        let max_t = unzigzag(next()?);
        out.push(RefDelete { id, min_t, max_t });
    }
    Ok(())
}

/// A series as logged: the head's reference for it and its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefSeries {
    /// The series' reference, stable for the head's lifetime.
    pub id: u64,
    /// The series' labels.
    pub labels: Labels,
}

/// A sample as logged, naming its series by reference.
#[derive(Debug, Clone, Copy)]
pub struct RefSample {
    /// The series' reference (from an earlier [`RefSeries`]).
    pub id: u64,
    /// Milliseconds since the Unix epoch.
    pub t: i64,
    /// The value, kept bit-exact.
    pub v: f64,
}

impl PartialEq for RefSample {
    /// Bit equality of the value, as storage sees samples.
    fn eq(&self, other: &RefSample) -> bool {
        self.id == other.id && self.t == other.t && self.v.to_bits() == other.v.to_bits()
    }
}

/// The kind of the record `payload`.
pub fn record_kind(payload: &[u8]) -> Result<RecordKind, Error> {
    match payload.first() {
        Some(&SERIES) => Ok(RecordKind::Series),
        Some(&SAMPLES) => Ok(RecordKind::Samples),
        Some(&DELETES) => Ok(RecordKind::Deletes),
        Some(&OOO_SAMPLES) => Ok(RecordKind::OooSamples),
        Some(_) => Err(corrupt("unknown record kind")),
        None => Err(corrupt("empty record")),
    }
}

fn corrupt(reason: &'static str) -> Error {
    Error::CorruptRecord { reason }
}

/// Appends a series record of `series` to `out`.
pub fn encode_series(series: &[RefSeries], out: &mut Vec<u8>) {
    out.push(SERIES);
    for s in series {
        put_uvarint(out, s.id);
        put_uvarint(out, s.labels.len() as u64);
        for (name, value) in &s.labels {
            put_str(out, name);
            put_str(out, value);
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_uvarint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Decodes a series record, appending its series to `out` (cleared
/// first). Labels are checked as [`Labels::new`] checks them.
pub fn decode_series(payload: &[u8], out: &mut Vec<RefSeries>) -> Result<(), Error> {
    out.clear();
    if payload.first() != Some(&SERIES) {
        return Err(corrupt("not a series record"));
    }
    let mut pos = 1;
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    while pos < payload.len() {
        let id = read_uvarint(payload, &mut pos).ok_or(corrupt("truncated series reference"))?;
        let n = read_uvarint(payload, &mut pos).ok_or(corrupt("truncated label count"))?;
        // Each label takes at least two bytes: a bound before allocating.
        if n > (payload.len() - pos.min(payload.len())) as u64 / 2 {
            return Err(corrupt("label count exceeds the record"));
        }
        pairs.clear();
        for _ in 0..n {
            let name = read_str(payload, &mut pos)?;
            let value = read_str(payload, &mut pos)?;
            pairs.push((name, value));
        }
        let labels = Labels::new(pairs.iter().copied())
            .map_err(|_| corrupt("duplicate label name in series"))?;
        out.push(RefSeries { id, labels });
    }
    Ok(())
}

fn read_str<'a>(payload: &'a [u8], pos: &mut usize) -> Result<&'a str, Error> {
    let len = read_uvarint(payload, pos).ok_or(corrupt("truncated string length"))?;
    let end = usize::try_from(len)
        .ok()
        .and_then(|len| pos.checked_add(len))
        .filter(|&end| end <= payload.len())
        .ok_or(corrupt("string runs past the record"))?;
    let s = std::str::from_utf8(&payload[*pos..end]).map_err(|_| corrupt("label is not UTF-8"))?;
    *pos = end;
    Ok(s)
}

/// Appends a samples record of `samples` to `out`.
pub fn encode_samples(samples: &[RefSample], out: &mut Vec<u8>) {
    encode_samples_as(SAMPLES, samples, out);
}

/// Appends an out-of-order samples record of `samples` to `out`.
pub fn encode_ooo_samples(samples: &[RefSample], out: &mut Vec<u8>) {
    encode_samples_as(OOO_SAMPLES, samples, out);
}

fn encode_samples_as(kind: u8, samples: &[RefSample], out: &mut Vec<u8>) {
    out.reserve(1 + samples.len() * 12);
    out.push(kind);
    let (mut id, mut t) = (0u64, 0i64);
    for s in samples {
        put_uvarint(out, zigzag(s.id.wrapping_sub(id) as i64));
        put_uvarint(out, zigzag(s.t.wrapping_sub(t)));
        out.extend_from_slice(&s.v.to_bits().to_le_bytes());
        (id, t) = (s.id, s.t);
    }
}

/// Decodes a samples record, appending its samples to `out` (cleared
/// first).
pub fn decode_samples(payload: &[u8], out: &mut Vec<RefSample>) -> Result<(), Error> {
    decode_samples_as(SAMPLES, payload, out)
}

/// Decodes an out-of-order samples record, appending its samples to
/// `out` (cleared first).
pub fn decode_ooo_samples(payload: &[u8], out: &mut Vec<RefSample>) -> Result<(), Error> {
    decode_samples_as(OOO_SAMPLES, payload, out)
}

fn decode_samples_as(kind: u8, payload: &[u8], out: &mut Vec<RefSample>) -> Result<(), Error> {
    out.clear();
    if payload.first() != Some(&kind) {
        return Err(corrupt("not a samples record of this kind"));
    }
    let mut pos = 1;
    let (mut id, mut t) = (0u64, 0i64);
    while pos < payload.len() {
        let did = read_uvarint(payload, &mut pos).ok_or(corrupt("truncated sample reference"))?;
        let dt = read_uvarint(payload, &mut pos).ok_or(corrupt("truncated sample timestamp"))?;
        let bits = payload
            .get(pos..pos + 8)
            .ok_or(corrupt("truncated sample value"))?;
        pos += 8;
        id = id.wrapping_add(unzigzag(did) as u64);
        t = t.wrapping_add(unzigzag(dt));
        let mut b = [0u8; 8];
        b.copy_from_slice(bits);
        out.push(RefSample {
            id,
            t,
            v: f64::from_bits(u64::from_le_bytes(b)),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hestia_model::labels;
    use proptest::prelude::*;

    #[test]
    fn sizes_of_a_scrape() {
        // (what, samples, expected bytes)
        let scrape: Vec<RefSample> = (0..100)
            .map(|i| RefSample {
                id: 1000 + i,
                t: 1_700_000_000_000,
                v: 1.0,
            })
            .collect();
        let cases: [(&str, &[RefSample], usize); 2] = [
            ("empty", &[], 1),
            // First: 2-byte Δref, 6-byte Δt, 8 bytes; then 1 + 1 + 8.
            ("one scrape", &scrape, 1 + 16 + 99 * 10),
        ];
        for (what, samples, want) in cases {
            let mut out = Vec::new();
            encode_samples(samples, &mut out);
            assert_eq!(out.len(), want, "{what}");
        }
    }

    #[test]
    fn refuses_damage() {
        let mut series = Vec::new();
        encode_series(
            &[RefSeries {
                id: 7,
                labels: labels! { "__name__" => "up", "job" => "a" },
            }],
            &mut series,
        );
        // (what, payload)
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("unknown kind", vec![9]),
            ("truncated series", series[..series.len() - 1].to_vec()),
            ("huge label count", vec![SERIES, 1, 0xff, 0xff, 0x03]),
            ("string past end", vec![SERIES, 1, 1, 5, b'a']),
            ("not utf-8", vec![SERIES, 1, 1, 1, 0xff, 1, b'a']),
            (
                "duplicate name",
                vec![SERIES, 1, 2, 1, b'a', 1, b'x', 1, b'a', 1, b'y'],
            ),
            ("truncated sample", vec![SAMPLES, 2, 2, 0, 0, 0]),
            ("truncated delete", vec![DELETES, 2, 2]),
            ("truncated ooo sample", vec![OOO_SAMPLES, 2, 2, 0]),
        ];
        for (what, payload) in cases {
            let bad = match record_kind(&payload) {
                Err(_) => true,
                Ok(RecordKind::Series) => decode_series(&payload, &mut Vec::new()).is_err(),
                Ok(RecordKind::Samples) => decode_samples(&payload, &mut Vec::new()).is_err(),
                Ok(RecordKind::Deletes) => decode_deletes(&payload, &mut Vec::new()).is_err(),
                Ok(RecordKind::OooSamples) => {
                    decode_ooo_samples(&payload, &mut Vec::new()).is_err()
                }
            };
            assert!(bad, "{what}: accepted");
        }
    }

    fn arb_labels() -> impl Strategy<Value = Labels> {
        proptest::collection::btree_map("[a-z_]{1,8}", "\\PC{0,12}", 0..6)
            .prop_map(|m| Labels::new(m).unwrap())
    }

    proptest! {
        #[test]
        fn series_round_trip(series in proptest::collection::vec((any::<u64>(), arb_labels()), 0..20)) {
            let series: Vec<RefSeries> =
                series.into_iter().map(|(id, labels)| RefSeries { id, labels }).collect();
            let mut buf = Vec::new();
            encode_series(&series, &mut buf);
            prop_assert_eq!(record_kind(&buf).unwrap(), RecordKind::Series);
            let mut back = Vec::new();
            decode_series(&buf, &mut back).unwrap();
            prop_assert_eq!(back, series);
        }

        #[test]
        fn samples_round_trip(samples in proptest::collection::vec(
            (any::<u64>(), any::<i64>(), any::<u64>()), 0..200)
        ) {
            let samples: Vec<RefSample> = samples
                .into_iter()
                .map(|(id, t, bits)| RefSample { id, t, v: f64::from_bits(bits) })
                .collect();
            let mut buf = Vec::new();
            encode_samples(&samples, &mut buf);
            prop_assert_eq!(record_kind(&buf).unwrap(), RecordKind::Samples);
            let mut back = Vec::new();
            decode_samples(&buf, &mut back).unwrap();
            prop_assert_eq!(&back, &samples);
            let mut ooo = Vec::new();
            encode_ooo_samples(&samples, &mut ooo);
            prop_assert_eq!(record_kind(&ooo).unwrap(), RecordKind::OooSamples);
            prop_assert_eq!(&ooo[1..], &buf[1..]);
            prop_assert!(decode_samples(&ooo, &mut back).is_err());
            decode_ooo_samples(&ooo, &mut back).unwrap();
            prop_assert_eq!(back, samples);
        }

        #[test]
        fn deletes_round_trip(deletes in proptest::collection::vec(
            (any::<u64>(), any::<i64>(), any::<i64>()), 0..50)
        ) {
            let deletes: Vec<RefDelete> = deletes
                .into_iter()
                .map(|(id, min_t, max_t)| RefDelete { id, min_t, max_t })
                .collect();
            let mut buf = Vec::new();
            encode_deletes(&deletes, &mut buf);
            prop_assert_eq!(record_kind(&buf).unwrap(), RecordKind::Deletes);
            let mut back = Vec::new();
            decode_deletes(&buf, &mut back).unwrap();
            prop_assert_eq!(back, deletes);
        }

        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_series(&bytes, &mut Vec::new());
            let _ = decode_samples(&bytes, &mut Vec::new());
            let _ = decode_deletes(&bytes, &mut Vec::new());
            let _ = decode_ooo_samples(&bytes, &mut Vec::new());
        }
    }
}
