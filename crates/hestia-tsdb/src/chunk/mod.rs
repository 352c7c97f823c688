//! Compressed chunks of float samples of one series.
//!
//! A chunk's bytes start with an [`Encoding`] byte so readers dispatch:
//!
//! * [`Encoding::Xor`]: Gorilla-style delta-of-delta timestamps and XORed
//!   values, appendable through [`ChunkAppender`] (growing) or
//!   `InlineChunk` (in fixed inline bytes: the head's open chunks). The
//!   head's encoding.
//! * [`Encoding::Packed`]: columnar, decimal-scaled, frames bit-packed
//!   or Golomb-Rice coded; built at once from samples ([`Chunk::encode`],
//!   [`Chunk::recode`]). The encoding of compacted, immutable data:
//!   several times smaller on scraped data (see the crate README for
//!   measurements).
//! * [`Encoding::PackedV1`]: the same with bit-packed frames only, as
//!   blocks written before the Rice frames hold; still read.
//! * [`Encoding::Relative`]: a packed chunk of another series plus the
//!   differences from it (a histogram bucket from its `+Inf` bucket).
//!   Block chunk files store only the differences and a reference; their
//!   reader puts the two together.
//!
//! Both decode through [`ChunkIter`]: `next()` in timestamp order and
//! `seek(t)` to the first sample at or after `t`, never backwards. Values
//! round-trip bit-exactly, NaN payloads such as Prometheus' stale marker
//! ([`STALE_NAN`]) included. Decoding arbitrary bytes never panics and
//! never allocates: it returns [`Error::CorruptChunk`] and stops.

pub(crate) mod bstream;
mod column;
mod decimal;
mod inline;
mod packed;
pub(crate) mod relative;
mod xor;

pub(crate) use inline::{InlineChunk, Push};
pub use xor::ChunkAppender;

use crate::Error;
use std::fmt;

/// Prometheus' staleness marker, a NaN with a particular payload. It must
/// survive storage bit for bit: compare with [`f64::to_bits`].
pub const STALE_NAN: f64 = f64::from_bits(0x7ff0_0000_0000_0002);

/// How a chunk's samples are encoded; the first byte of every chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Encoding {
    /// Gorilla-style and appendable; at most [`Encoding::max_samples`]
    /// (65 535) samples.
    Xor = 1,
    /// The first packed encoding: columnar, decimal-scaled and
    /// bit-packed; immutable; at most 1 048 576 samples. Read, and
    /// written only on request.
    PackedV1 = 2,
    /// Like [`Encoding::PackedV1`], but each frame of a column is either
    /// bit-packed or Golomb-Rice coded, whichever is shorter. What
    /// compaction writes.
    Packed = 3,
    /// A packed chunk with decimal values (the base) and the integer
    /// differences of this series' values from it. Made by block chunk
    /// files, not by [`Chunk::encode`].
    Relative = 4,
}

impl Encoding {
    /// The encoding a chunk's first byte names.
    pub fn from_byte(b: u8) -> Result<Self, Error> {
        match b {
            1 => Ok(Encoding::Xor),
            2 => Ok(Encoding::PackedV1),
            3 => Ok(Encoding::Packed),
            4 => Ok(Encoding::Relative),
            other => Err(Error::UnknownEncoding(other)),
        }
    }

    /// The most samples one chunk of this encoding holds.
    pub fn max_samples(self) -> usize {
        match self {
            Encoding::Xor => xor::MAX_SAMPLES,
            Encoding::Packed | Encoding::PackedV1 | Encoding::Relative => packed::MAX_SAMPLES,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Xor => "xor",
            Encoding::Packed => "packed",
            Encoding::PackedV1 => "packed-v1",
            Encoding::Relative => "relative",
        })
    }
}

/// One float sample: a timestamp in milliseconds since the Unix epoch and
/// a value. Compare values with [`Sample::bit_eq`], not `==`: a NaN is a
/// value to store like any other.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Milliseconds since the Unix epoch.
    pub t: i64,
    /// The value.
    pub v: f64,
}

impl Sample {
    /// A sample.
    pub fn new(t: i64, v: f64) -> Self {
        Sample { t, v }
    }

    /// Same timestamp and same value bits.
    pub fn bit_eq(&self, other: &Sample) -> bool {
        self.t == other.t && self.v.to_bits() == other.v.to_bits()
    }
}

/// An encoded chunk: its bytes, encoding byte first.
#[derive(Clone, PartialEq, Eq)]
pub struct Chunk {
    bytes: Vec<u8>,
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunk")
            .field("encoding", &self.encoding())
            .field("samples", &self.len())
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Chunk {
    /// Wraps bytes this crate produced.
    pub(crate) fn from_encoded(bytes: Vec<u8>) -> Self {
        Chunk { bytes }
    }

    /// Takes bytes read from storage, checking the encoding byte and the
    /// header. Damage past the header shows when iterating.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, Error> {
        ChunkIter::new(&bytes)?;
        Ok(Chunk { bytes })
    }

    /// Encodes `samples`, whose timestamps must strictly increase.
    /// [`Encoding::Relative`] is refused: it needs a base chunk.
    pub fn encode(encoding: Encoding, samples: &[Sample]) -> Result<Self, Error> {
        match encoding {
            Encoding::Xor => {
                let mut app = ChunkAppender::new();
                for s in samples {
                    app.append(s.t, s.v)?;
                }
                Ok(app.finish())
            }
            Encoding::Packed | Encoding::PackedV1 => {
                packed::encode(samples, encoding).map(Chunk::from_encoded)
            }
            Encoding::Relative => Err(Error::InvalidOptions(
                "relative chunks are made from a base chunk by block chunk files".into(),
            )),
        }
    }

    /// The same samples in another encoding, as compaction does. Fails on
    /// a corrupt chunk or one too long for the target encoding.
    pub fn recode(&self, encoding: Encoding) -> Result<Self, Error> {
        let samples = self.iter().collect::<Result<Vec<_>, _>>()?;
        Chunk::encode(encoding, &samples)
    }

    /// The chunk's encoding.
    pub fn encoding(&self) -> Encoding {
        match self.bytes.first() {
            Some(&2) => Encoding::PackedV1,
            Some(&3) => Encoding::Packed,
            Some(&4) => Encoding::Relative,
            _ => Encoding::Xor,
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        ChunkIter::new(&self.bytes).map_or(0, |it| it.len())
    }

    /// Whether the chunk holds no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoded bytes, encoding byte first.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Gives up the encoded bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Iterates over the samples.
    pub fn iter(&self) -> ChunkIter<'_> {
        ChunkIter::from_valid(&self.bytes)
    }
}

// The packed decoder is a few hundred bytes; boxing it would make every
// iterator allocate, which decoding promises not to do.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Decoder<'a> {
    Xor(xor::XorDecoder<'a>),
    Packed(packed::PackedDecoder<'a>),
    Relative(relative::RelativeDecoder<'a>),
    Failed(HeaderError),
}

/// A decode error kept until the iterator reports it.
#[derive(Debug, Clone, Copy)]
struct HeaderError {
    encoding: Encoding,
    reason: &'static str,
}

/// Iterates over a chunk's samples in timestamp order.
///
/// Yields `Ok(sample)`s, then `None`; on damaged bytes it yields one
/// `Err(Error::CorruptChunk)` and then `None`. Samples before the error
/// are intact. Timestamps are checked to strictly increase, so consumers
/// may rely on it even for damaged input.
#[derive(Debug, Clone)]
pub struct ChunkIter<'a> {
    decoder: Decoder<'a>,
    current: Option<Sample>,
    done: bool,
}

impl<'a> ChunkIter<'a> {
    /// Starts decoding `bytes` (encoding byte first). Fails on an unknown
    /// encoding or a damaged header.
    pub fn new(bytes: &'a [u8]) -> Result<Self, Error> {
        let encoding = Encoding::from_byte(*bytes.first().ok_or(Error::UnknownEncoding(0))?)?;
        let corrupt = |reason| Error::CorruptChunk { encoding, reason };
        let decoder = match encoding {
            Encoding::Xor => Decoder::Xor(xor::XorDecoder::new(bytes).map_err(corrupt)?),
            Encoding::Packed | Encoding::PackedV1 => {
                Decoder::Packed(packed::PackedDecoder::new(bytes).map_err(corrupt)?)
            }
            Encoding::Relative => {
                Decoder::Relative(relative::RelativeDecoder::new(bytes).map_err(corrupt)?)
            }
        };
        Ok(ChunkIter {
            decoder,
            current: None,
            done: false,
        })
    }

    /// For bytes already checked: a header error becomes the first item.
    pub(crate) fn from_valid(bytes: &'a [u8]) -> Self {
        ChunkIter::new(bytes).unwrap_or_else(|e| {
            let (encoding, reason) = match e {
                Error::CorruptChunk { encoding, reason } => (encoding, reason),
                _ => (Encoding::Xor, "unknown encoding"),
            };
            ChunkIter {
                decoder: Decoder::Failed(HeaderError { encoding, reason }),
                current: None,
                done: false,
            }
        })
    }

    /// The number of samples the chunk's header claims (bounded by the
    /// byte length, so safe to size buffers by).
    pub fn len(&self) -> usize {
        match &self.decoder {
            Decoder::Xor(d) => d.len(),
            Decoder::Packed(d) => d.len(),
            Decoder::Relative(d) => d.len(),
            Decoder::Failed(_) => 0,
        }
    }

    /// Whether the header claims no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sample last returned by `next` or `seek`.
    pub fn at(&self) -> Option<Sample> {
        self.current
    }

    /// Advances to the first sample with a timestamp at or after `t` and
    /// returns it. Never moves backwards: if the current sample is already
    /// at or after `t`, returns it again. `None` when no such sample is
    /// left.
    pub fn seek(&mut self, t: i64) -> Option<Result<Sample, Error>> {
        if let Some(cur) = self.current.filter(|c| c.t >= t) {
            return Some(Ok(cur));
        }
        loop {
            match self.next()? {
                Ok(s) if s.t < t => continue,
                other => return Some(other),
            }
        }
    }

    fn fail(&mut self, encoding: Encoding, reason: &'static str) -> Option<Result<Sample, Error>> {
        self.done = true;
        Some(Err(Error::CorruptChunk { encoding, reason }))
    }
}

impl Iterator for ChunkIter<'_> {
    type Item = Result<Sample, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let (encoding, next) = match &mut self.decoder {
            Decoder::Xor(d) => (Encoding::Xor, d.next()),
            Decoder::Packed(d) => (d.encoding(), d.next()),
            Decoder::Relative(d) => (Encoding::Relative, d.next()),
            Decoder::Failed(e) => {
                let e = *e;
                return self.fail(e.encoding, e.reason);
            }
        };
        match next {
            Ok(Some((t, bits))) => {
                if self.current.is_some_and(|c| t <= c.t) {
                    return self.fail(encoding, "timestamps do not increase");
                }
                let s = Sample::new(t, f64::from_bits(bits));
                self.current = Some(s);
                Some(Ok(s))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(reason) => self.fail(encoding, reason),
        }
    }
}

impl std::iter::FusedIterator for ChunkIter<'_> {}
