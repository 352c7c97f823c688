//! The byte layout of the head's chunk segments (`chunks_head/NNNNNNNN`):
//! a segment header, then frames of `series ‖ len ‖ min_t ‖ max_t − min_t
//! ‖ prev ‖ min_t − prev_max_t ‖ chunk ‖ crc32c` (the header fields as
//! varints), each naming the series' previous closed chunk. [`scan`] walks
//! a whole segment for tools, tests and the fuzz target. See
//! `docs/format/head-chunks.md`.

use crate::block::bytes::Fault;
use crate::chunk::bstream::{put_uvarint, read_uvarint, unzigzag, uvarint_len, zigzag};
use crate::index::SeriesId;

/// The first four bytes of a head chunk segment.
pub const MAGIC: [u8; 4] = *b"HHCK";
/// The segment format version this code writes and reads (1 had fixed
/// 40-byte frame headers; segments are rewritten from the WAL on open, so
/// no version-1 segment is ever read).
pub const VERSION: u8 = 2;
/// Bytes before the first frame: magic, version, three zero bytes.
pub const HEADER_LEN: usize = 8;
/// The most bytes of a frame before the chunk: series and chunk length
/// (5-byte varints), min time, the time span, the previous chunk and the
/// gap to its max time (10-byte varints). About 20 on scraped data.
pub const MAX_FRAME_HEADER_LEN: usize = 50;
/// Bytes after the chunk: its CRC32C.
pub(crate) const CRC_LEN: usize = 4;
/// The longest chunk a frame may hold (an XOR chunk of 65 535 samples
/// stays below 1.2 MiB).
pub const MAX_CHUNK_LEN: u32 = 4 << 20;
/// A segment is cut before it would pass this many bytes.
pub const SEGMENT_SIZE: u64 = 128 << 20;
/// The directory, under the head's directory.
pub const DIR: &str = "chunks_head";

/// A closed chunk's place: segment number (from 1) in the high 32 bits,
/// byte offset of its frame in the low 32. `0` means none.
pub type HeadChunkRef = u64;

/// What a frame says about its chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The series the chunk belongs to.
    pub series: SeriesId,
    /// Its first timestamp.
    pub min_t: i64,
    /// Its last timestamp.
    pub max_t: i64,
    /// The series' previous closed chunk (`0`: none).
    pub prev: HeadChunkRef,
    /// The previous chunk's last timestamp (meaningless without one).
    pub prev_max_t: i64,
}

/// The header fields of `h` as written: series, chunk length, min time
/// (zigzag), time span, previous chunk, and the gap from the previous
/// chunk's max time (zigzag; only when there is a previous chunk).
fn header_fields(h: &FrameHeader, len: usize) -> impl Iterator<Item = u64> {
    let gap = (h.prev != 0).then(|| zigzag(h.min_t.wrapping_sub(h.prev_max_t)));
    [
        u64::from(h.series),
        len as u64,
        zigzag(h.min_t),
        h.max_t.wrapping_sub(h.min_t) as u64,
        h.prev,
    ]
    .into_iter()
    .chain(gap)
}

/// The bytes of the frame of a `len`-byte chunk described by `h`.
pub fn frame_len(h: &FrameHeader, len: usize) -> usize {
    header_fields(h, len).map(uvarint_len).sum::<usize>() + len + CRC_LEN
}

/// Appends the frame of `chunk` described by `h` to `out`.
pub fn encode_frame(out: &mut Vec<u8>, h: &FrameHeader, chunk: &[u8]) {
    let start = out.len();
    for field in header_fields(h, chunk.len()) {
        put_uvarint(out, field);
    }
    out.extend_from_slice(chunk);
    let crc = crc32c::crc32c(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

/// A frame parsed by [`parse_frame`]: its header, its chunk's bytes, and
/// the bytes of the whole frame.
pub type Parsed<'a> = (FrameHeader, &'a [u8], usize);

/// A frame at the start of `buf`, checked: its header, chunk bytes and
/// length; `Ok(Err(n))` when `buf` is shorter than the `n` bytes the
/// frame needs (at most [`MAX_FRAME_HEADER_LEN`] while its header is cut
/// short); or what is wrong with it.
pub fn parse_frame(buf: &[u8]) -> Result<Result<Parsed<'_>, usize>, &'static str> {
    let mut pos = 0;
    let mut fields = [0u64; 6];
    for i in 0..fields.len() {
        // The gap to the previous chunk's max time is there only with one.
        if i == 5 && fields[4] == 0 {
            break;
        }
        match read_uvarint(buf, &mut pos) {
            Some(v) => fields[i] = v,
            None if buf.len() < MAX_FRAME_HEADER_LEN => return Ok(Err(MAX_FRAME_HEADER_LEN)),
            None => return Err("frame header holds a malformed varint"),
        }
    }
    let [series, len, min_t, span, prev, gap] = fields;
    let series = SeriesId::try_from(series).map_err(|_| "frame's series id is out of range")?;
    if len > u64::from(MAX_CHUNK_LEN) {
        return Err("chunk length exceeds the maximum");
    }
    let end = pos + len as usize;
    if buf.len() < end + CRC_LEN {
        return Ok(Err(end + CRC_LEN));
    }
    if crc32c::crc32c(&buf[..end]) != le_u32(buf, end) {
        return Err("frame checksum mismatch");
    }
    let min_t = unzigzag(min_t);
    let h = FrameHeader {
        series,
        min_t,
        max_t: min_t.wrapping_add(span as i64),
        prev,
        prev_max_t: if prev == 0 {
            0
        } else {
            min_t.wrapping_sub(unzigzag(gap))
        },
    };
    if h.min_t > h.max_t {
        return Err("frame's time range is inverted");
    }
    Ok(Ok((h, &buf[pos..end], end + CRC_LEN)))
}

/// The bytes every segment starts with.
pub(crate) fn segment_header() -> [u8; HEADER_LEN] {
    [MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], VERSION, 0, 0, 0]
}

/// A frame found in a segment: its offset, header and chunk bytes.
pub type Frame<'a> = (u64, FrameHeader, &'a [u8]);

/// Walks a whole segment held in memory: the `(offset, header, chunk)`
/// of every intact frame up to the first damage, and the damage, if any.
/// A segment ending inside a frame (a torn write) is damage at that
/// frame's offset; a segment of only zero bytes from some frame on (a
/// file extended but never written) is reported the same way.
pub fn scan(bytes: &[u8]) -> (Vec<Frame<'_>>, Option<Fault>) {
    let mut out = Vec::new();
    if bytes.len() < HEADER_LEN || bytes[..4] != MAGIC {
        let reason = "not a head chunk segment (bad magic)";
        return (out, Some(Fault { offset: 0, reason }));
    }
    if bytes[4] != VERSION {
        let reason = "unknown head chunk segment version";
        return (out, Some(Fault { offset: 4, reason }));
    }
    if bytes[5..HEADER_LEN] != [0, 0, 0] {
        let reason = "reserved header bytes are not zero";
        return (out, Some(Fault { offset: 5, reason }));
    }
    let mut pos = HEADER_LEN;
    while pos < bytes.len() {
        let offset = pos as u64;
        match parse_frame(&bytes[pos..]) {
            Ok(Ok((h, chunk, len))) => {
                out.push((offset, h, chunk));
                pos += len;
            }
            Ok(Err(_)) => {
                let reason = "frame runs past the end of the segment";
                return (out, Some(Fault { offset, reason }));
            }
            Err(reason) => return (out, Some(Fault { offset, reason })),
        }
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn frames_round_trip(
            series in any::<u32>(),
            min_t in any::<i64>(),
            span in prop_oneof![0i64..100_000, 0i64..i64::MAX],
            prev in prop_oneof![Just(0u64), any::<u64>()],
            gap in any::<i64>(),
            chunk in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let max_t = min_t.saturating_add(span);
            let h = FrameHeader {
                series,
                min_t,
                max_t,
                prev,
                // Not written without a previous chunk: read back as 0.
                prev_max_t: if prev == 0 { 0 } else { min_t.wrapping_sub(gap) },
            };
            let mut out = vec![7];
            encode_frame(&mut out, &h, &chunk);
            prop_assert_eq!(out.len() - 1, frame_len(&h, chunk.len()));
            prop_assert!(out.len() - 1 - chunk.len() - CRC_LEN <= MAX_FRAME_HEADER_LEN);
            let (back, bytes, len) = parse_frame(&out[1..]).unwrap().unwrap();
            prop_assert_eq!((back, bytes, len), (h, &chunk[..], out.len() - 1));
            // Cut anywhere, the frame asks for more bytes than it was given.
            for cut in 0..out.len() - 1 {
                match parse_frame(&out[1..1 + cut]) {
                    Ok(Err(need)) => prop_assert!(need > cut),
                    other => prop_assert!(false, "cut at {}: {:?}", cut, other.map(|r| r.map(|p| p.2))),
                }
            }
        }
    }

    fn header(series: u32, min_t: i64, max_t: i64, prev: u64, prev_max_t: i64) -> FrameHeader {
        FrameHeader {
            series,
            min_t,
            max_t,
            prev,
            prev_max_t,
        }
    }

    #[test]
    fn scan_finds_frames_and_damage() {
        let mut seg = segment_header().to_vec();
        encode_frame(&mut seg, &header(1, 0, 5, 0, 0), &[9; 10]);
        encode_frame(&mut seg, &header(1, 6, 8, 8, 5), &[8; 3]);
        let (frames, fault) = scan(&seg);
        assert_eq!((frames.len(), fault), (2, None));
        assert_eq!(
            frames[1].0,
            (HEADER_LEN + frame_len(&header(1, 0, 5, 0, 0), 10)) as u64
        );
        assert_eq!(frames[1].1, header(1, 6, 8, 8, 5));
        assert_eq!(frames[1].2, [8; 3]);
        let ends = [HEADER_LEN, frames[1].0 as usize, seg.len()];
        for len in 0..seg.len() {
            let (frames, fault) = scan(&seg[..len]);
            let whole = ends.iter().filter(|&&e| e <= len).count().saturating_sub(1);
            assert_eq!(frames.len(), whole, "truncated to {len}");
            assert_eq!(fault.is_none(), ends.contains(&len), "truncated to {len}");
        }
        for i in 0..seg.len() {
            let mut bad = seg.clone();
            bad[i] ^= 0x20;
            let (frames, fault) = scan(&bad);
            assert!(fault.is_some(), "flip at {i} not detected");
            assert!(frames.len() < 2);
        }
    }
}
