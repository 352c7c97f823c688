//! A block's `index` file: the symbol table (every label name and value,
//! sorted, front-coded), the series (labels as symbol numbers, chunk
//! references with time ranges, delta-coded), and the postings (for each
//! label pair, the series carrying it), each a CRC-checked section, with a
//! table of contents at the end. Version 2 (written) compresses each
//! section's body with zstd; version 1 (stored bodies) is still read.
//! [`encode`] writes it; [`Index::decode`]
//! reads it all into memory, checking every section. A damaged postings
//! section is rebuilt from the series (reported in
//! [`Index::postings_fault`]); damaged symbols or series make the index
//! unusable. `docs/format/index.md` has the layout.

use std::collections::BTreeMap;
use std::sync::Arc;

use hestia_model::Labels;

use super::bytes::{put_section, put_u32, put_varint, Cursor, Fault};
use super::chunks::ChunkRef;
use crate::chunk::bstream::put_uvarint;
use crate::index::{MemPostings, PostingList, SeriesId};
use crate::Error;

/// The first four bytes of an index file.
pub const MAGIC: [u8; 4] = *b"HIDX";
/// The index format version this code writes (it reads 1 too).
pub const VERSION: u8 = 2;
/// The zstd level of version 2 sections.
const LEVEL: i32 = 9;
/// Bytes of the table of contents at the end: three `u64` section
/// offsets and their CRC32C.
pub const TOC_LEN: usize = 3 * 8 + 4;

/// A chunk of a series: its reference and inclusive time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkMeta {
    /// Where the chunk is.
    pub r: ChunkRef,
    /// Its first sample's timestamp.
    pub min_t: i64,
    /// Its last sample's timestamp.
    pub max_t: i64,
}

/// A series of the index: `(name, value)` symbol numbers in label order
/// and its chunks in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexSeries {
    pub(crate) labels: Box<[(u32, u32)]>,
    pub(crate) chunks: Box<[ChunkMeta]>,
}

/// A decoded index.
#[derive(Debug)]
pub(crate) struct Index {
    pub(crate) symbols: Vec<Arc<str>>,
    /// By series id (the position), in label order.
    pub(crate) series: Vec<IndexSeries>,
    pub(crate) postings: MemPostings,
    /// Damage in the postings section, which was rebuilt from the series.
    pub(crate) postings_fault: Option<Fault>,
}

/// Encodes an index of `series` (sorted by labels, each once) whose label
/// strings are all in `symbols` (sorted, each once).
pub(crate) fn encode(
    symbols: &[&str],
    series: &[(Labels, Vec<ChunkMeta>)],
) -> Result<Vec<u8>, Error> {
    let id_of: std::collections::HashMap<&str, u32> = symbols
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as u32))
        .collect();
    let ids = series
        .iter()
        .map(|(labels, chunks)| IndexSeries {
            labels: labels.iter().map(|(n, v)| (id_of[n], id_of[v])).collect(),
            chunks: chunks.clone().into_boxed_slice(),
        })
        .collect::<Vec<_>>();
    encode_ids(symbols, &ids)
}

/// Appends `body` as a version 2 section: `uvarint raw_len ‖ zstd frame`
/// framed as every section.
fn put_compressed(out: &mut Vec<u8>, body: &[u8]) -> Result<(), Error> {
    let mut stored = Vec::with_capacity(body.len() / 4 + 16);
    put_uvarint(&mut stored, body.len() as u64);
    let compressed = zstd::bulk::compress(body, LEVEL)
        .map_err(|e| Error::InvalidOptions(format!("compressing an index section: {e}")))?;
    stored.extend_from_slice(&compressed);
    put_section(out, &stored)
}

/// The body of a version 2 section (`stored`, at file offset `at`),
/// decompressed. Grows the output only as data decompresses, so a
/// damaged length cannot make it allocate much.
fn decompress(stored: &[u8], at: u64) -> Result<Vec<u8>, Fault> {
    use std::io::Read;
    let bad = |reason| Fault { offset: at, reason };
    let mut pos = 0;
    let raw_len = crate::chunk::bstream::read_uvarint(stored, &mut pos)
        .filter(|&l| l <= u64::from(u32::MAX))
        .ok_or(bad("bad compressed section length"))?;
    let mut out = Vec::new();
    zstd::stream::read::Decoder::new(&stored[pos..])
        .map_err(|_| bad("section does not decompress"))?
        .take(raw_len + 1)
        .read_to_end(&mut out)
        .map_err(|_| bad("section does not decompress"))?;
    if out.len() as u64 != raw_len {
        return Err(bad("section decompresses to another size"));
    }
    Ok(out)
}

/// Encodes an index whose series name their labels by symbol number.
pub(crate) fn encode_ids(symbols: &[&str], series: &[IndexSeries]) -> Result<Vec<u8>, Error> {
    encode_version(symbols, series, VERSION)
}

/// Encodes an index in `version` 1 (stored sections, for tests) or 2.
fn encode_version(symbols: &[&str], series: &[IndexSeries], version: u8) -> Result<Vec<u8>, Error> {
    let put_compressed = |out: &mut Vec<u8>, body: &[u8]| match version {
        1 => put_section(out, body),
        _ => put_compressed(out, body),
    };
    let mut out = MAGIC.to_vec();
    out.push(version);
    let mut toc = Vec::with_capacity(TOC_LEN);

    let mut body = Vec::new();
    put_uvarint(&mut body, symbols.len() as u64);
    let mut prev: &str = "";
    for s in symbols {
        let shared = prev
            .bytes()
            .zip(s.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        // Never split a UTF-8 character.
        let shared = (0..=shared)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        put_uvarint(&mut body, shared as u64);
        put_uvarint(&mut body, (s.len() - shared) as u64);
        body.extend_from_slice(&s.as_bytes()[shared..]);
        prev = s;
    }
    toc.extend_from_slice(&(out.len() as u64).to_le_bytes());
    put_compressed(&mut out, &body)?;

    body.clear();
    let base = series
        .iter()
        .filter_map(|s| s.chunks.first())
        .map(|c| c.min_t)
        .min()
        .unwrap_or(0);
    put_uvarint(&mut body, series.len() as u64);
    put_varint(&mut body, base);
    let mut postings: BTreeMap<(u32, u32), Vec<SeriesId>> = BTreeMap::new();
    let mut prev_ref = 0u64;
    for (id, s) in series.iter().enumerate() {
        put_uvarint(&mut body, s.labels.len() as u64);
        for &(n, v) in s.labels.iter() {
            put_uvarint(&mut body, u64::from(n));
            put_uvarint(&mut body, u64::from(v));
            postings.entry((n, v)).or_default().push(id as SeriesId);
        }
        put_uvarint(&mut body, s.chunks.len() as u64);
        let mut prev_t = base;
        for c in s.chunks.iter() {
            put_varint(&mut body, c.min_t.wrapping_sub(prev_t));
            put_uvarint(&mut body, c.max_t.wrapping_sub(c.min_t) as u64);
            put_varint(&mut body, c.r.0.wrapping_sub(prev_ref) as i64);
            prev_ref = c.r.0;
            prev_t = c.max_t;
        }
    }
    toc.extend_from_slice(&(out.len() as u64).to_le_bytes());
    put_compressed(&mut out, &body)?;

    body.clear();
    put_uvarint(&mut body, postings.len() as u64);
    for ((n, v), ids) in &postings {
        put_uvarint(&mut body, u64::from(*n));
        put_uvarint(&mut body, u64::from(*v));
        put_uvarint(&mut body, ids.len() as u64);
        let mut prev = 0;
        for &id in ids {
            put_uvarint(&mut body, u64::from(id - prev));
            prev = id;
        }
    }
    toc.extend_from_slice(&(out.len() as u64).to_le_bytes());
    put_compressed(&mut out, &body)?;

    let crc = crc32c::crc32c(&toc);
    out.extend_from_slice(&toc);
    put_u32(&mut out, crc);
    Ok(out)
}

impl Index {
    /// Decodes and checks a whole index file.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Index, Fault> {
        let whole = Cursor::new(bytes, 0);
        if bytes.len() < 5 + TOC_LEN || bytes[..4] != MAGIC {
            return Err(whole.fault("not an index file (bad magic or too short)"));
        }
        let version = bytes[4];
        if version != 1 && version != VERSION {
            return Err(Fault {
                offset: 4,
                reason: "unknown index version",
            });
        }
        let toc_at = bytes.len() - TOC_LEN;
        let mut toc = Cursor::new(&bytes[toc_at..], toc_at as u64);
        let offsets = [toc.u64_le("toc")?, toc.u64_le("toc")?, toc.u64_le("toc")?];
        if crc32c::crc32c(&bytes[toc_at..toc_at + 24]) != toc.u32_le("toc")? {
            return Err(Fault {
                offset: toc_at as u64,
                reason: "table of contents checksum mismatch",
            });
        }
        // Section bodies: borrowed in version 1, decompressed in 2
        // (where fault offsets are the section's plus the position in the
        // decompressed body).
        let section = |i: usize, what| -> Result<(std::borrow::Cow<'_, [u8]>, u64), Fault> {
            let at = usize::try_from(offsets[i])
                .ok()
                .filter(|&o| o >= 5 && o < toc_at)
                .ok_or(Fault {
                    offset: toc_at as u64,
                    reason: "table of contents points outside the file",
                })?;
            let body = Cursor::new(&bytes[at..toc_at], at as u64).section(what)?;
            let (stored, base) = (body.rest(), body.offset());
            if version == 1 {
                return Ok((stored.into(), base));
            }
            Ok((decompress(stored, base)?.into(), base))
        };
        let (body, base) = section(0, "symbols section")?;
        let symbols = decode_symbols(Cursor::new(&body, base))?;
        let (body, base) = section(1, "series section")?;
        let series = decode_series(Cursor::new(&body, base), symbols.len())?;
        let (postings, postings_fault) = match section(2, "postings section")
            .and_then(|(body, base)| decode_postings(Cursor::new(&body, base), &symbols, &series))
        {
            Ok(p) => (p, None),
            Err(f) => (postings_from_series(&symbols, &series), Some(f)),
        };
        Ok(Index {
            symbols,
            series,
            postings,
            postings_fault,
        })
    }

    /// The labels of series `id`.
    pub(crate) fn labels(&self, id: SeriesId) -> Labels {
        let pairs = self.series.get(id as usize).map_or(&[][..], |s| &s.labels);
        Labels::new(
            pairs
                .iter()
                .map(|&(n, v)| (&*self.symbols[n as usize], &*self.symbols[v as usize])),
        )
        .unwrap_or_default()
    }
}

fn decode_symbols(mut c: Cursor<'_>) -> Result<Vec<Arc<str>>, Fault> {
    let n = c.count(c.remaining(), "symbol count")?;
    let mut out: Vec<Arc<str>> = Vec::with_capacity(n);
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..n {
        let at = c.fault("symbol");
        let shared = c.count(prev.len(), "symbol prefix")?;
        let len = c.count(c.remaining(), "symbol length")?;
        let suffix = c.bytes(len, "symbol")?;
        prev.truncate(shared);
        prev.extend_from_slice(suffix);
        let s = std::str::from_utf8(&prev).map_err(|_| Fault {
            reason: "symbol is not UTF-8",
            ..at
        })?;
        if out.last().is_some_and(|last| **last >= *s) {
            return Err(Fault {
                reason: "symbols are not sorted",
                ..at
            });
        }
        out.push(Arc::from(s));
    }
    if !c.is_empty() {
        return Err(c.fault("bytes after the last symbol"));
    }
    Ok(out)
}

fn decode_series(mut c: Cursor<'_>, symbols: usize) -> Result<Vec<IndexSeries>, Fault> {
    let n = c.count(c.remaining(), "series count")?;
    let base = c.varint("base time")?;
    let mut out: Vec<IndexSeries> = Vec::with_capacity(n);
    let mut prev_ref = 0u64;
    for _ in 0..n {
        let at = c.fault("series");
        let nl = c.count(c.remaining() / 2, "label count")?;
        let mut labels = Vec::with_capacity(nl);
        for _ in 0..nl {
            let name = c.count(symbols.saturating_sub(1), "label name symbol")?;
            let value = c.count(symbols.saturating_sub(1), "label value symbol")?;
            if symbols == 0 || labels.last().is_some_and(|&(p, _)| p >= name as u32) {
                return Err(Fault {
                    reason: "label names are not sorted",
                    ..at
                });
            }
            labels.push((name as u32, value as u32));
        }
        if labels.is_empty() {
            return Err(Fault {
                reason: "series without labels",
                ..at
            });
        }
        if out.last().is_some_and(|p| *p.labels >= *labels) {
            return Err(Fault {
                reason: "series are not sorted by labels",
                ..at
            });
        }
        let nc = c.count(c.remaining() / 3, "chunk count")?;
        let mut chunks = Vec::with_capacity(nc);
        let mut prev_t: Option<i64> = None;
        for _ in 0..nc {
            let at = c.fault("chunk meta");
            let dmin = c.varint("chunk min time")?;
            let span = c.uvarint("chunk span")?;
            let dref = c.varint("chunk reference")?;
            let min_t = prev_t.unwrap_or(base).checked_add(dmin);
            let max_t = min_t.and_then(|m| i64::try_from(i128::from(m) + i128::from(span)).ok());
            let (Some(min_t), Some(max_t)) = (min_t, max_t) else {
                return Err(Fault {
                    reason: "chunk time out of range",
                    ..at
                });
            };
            if prev_t.is_some_and(|p| min_t <= p) {
                return Err(Fault {
                    reason: "chunks overlap or are not in time order",
                    ..at
                });
            }
            prev_ref = prev_ref.wrapping_add(dref as u64);
            chunks.push(ChunkMeta {
                r: ChunkRef(prev_ref),
                min_t,
                max_t,
            });
            prev_t = Some(max_t);
        }
        out.push(IndexSeries {
            labels: labels.into_boxed_slice(),
            chunks: chunks.into_boxed_slice(),
        });
    }
    if !c.is_empty() {
        return Err(c.fault("bytes after the last series"));
    }
    Ok(out)
}

fn decode_postings(
    mut c: Cursor<'_>,
    symbols: &[Arc<str>],
    series: &[IndexSeries],
) -> Result<MemPostings, Fault> {
    let n = c.count(c.remaining() / 3, "pair count")?;
    let max_sym = symbols.len().saturating_sub(1);
    let mut lists = Vec::with_capacity(n);
    let mut prev_pair: Option<(usize, usize)> = None;
    for _ in 0..n {
        let at = c.fault("postings list");
        let name = c.count(max_sym, "postings name symbol")?;
        let value = c.count(max_sym, "postings value symbol")?;
        if symbols.is_empty() || prev_pair.is_some_and(|p| p >= (name, value)) {
            return Err(Fault {
                reason: "postings are not sorted by label pair",
                ..at
            });
        }
        prev_pair = Some((name, value));
        let len = c.count(c.remaining(), "postings length")?;
        let mut ids = PostingList::new();
        let mut id: Option<u64> = None;
        for _ in 0..len {
            let d = c.uvarint("series id")?;
            let next = match id {
                None => d,
                Some(_) if d == 0 => {
                    return Err(c.fault("series ids are not increasing"));
                }
                Some(p) => p.saturating_add(d),
            };
            if next >= series.len() as u64 {
                return Err(c.fault("series id beyond the series section"));
            }
            ids.insert(next as SeriesId);
            id = Some(next);
        }
        lists.push((Arc::clone(&symbols[name]), Arc::clone(&symbols[value]), ids));
    }
    if !c.is_empty() {
        return Err(c.fault("bytes after the last postings list"));
    }
    Ok(MemPostings::from_lists(
        PostingList::from_range(0..series.len() as SeriesId),
        lists,
    ))
}

/// The postings of `series`, for when the postings section is damaged.
pub(crate) fn postings_from_series(symbols: &[Arc<str>], series: &[IndexSeries]) -> MemPostings {
    let mut p = MemPostings::new();
    for (id, s) in series.iter().enumerate() {
        p.add(
            id as SeriesId,
            s.labels
                .iter()
                .map(|&(n, v)| (&symbols[n as usize], &symbols[v as usize])),
        );
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use hestia_model::labels;

    fn sample_index() -> Vec<u8> {
        let series = vec![
            (
                labels! { "__name__" => "up", "job" => "api" },
                vec![
                    ChunkMeta {
                        r: ChunkRef::new(1, 8),
                        min_t: -5,
                        max_t: 10,
                    },
                    ChunkMeta {
                        r: ChunkRef::new(1, 40),
                        min_t: 11,
                        max_t: 11,
                    },
                ],
            ),
            (
                labels! { "__name__" => "up", "job" => "web" },
                vec![ChunkMeta {
                    r: ChunkRef::new(1, 8),
                    min_t: 0,
                    max_t: 100,
                }],
            ),
        ];
        encode(&["__name__", "api", "job", "up", "web"], &series).unwrap()
    }

    #[test]
    fn round_trips_and_evaluates_postings() {
        let idx = Index::decode(&sample_index()).unwrap();
        assert_eq!(idx.series.len(), 2);
        assert_eq!(
            idx.labels(1),
            labels! { "__name__" => "up", "job" => "web" }
        );
        assert_eq!(idx.series[0].chunks[1].r, ChunkRef::new(1, 40));
        assert_eq!(idx.series[0].chunks[0].min_t, -5);
        assert_eq!(idx.postings.get("job", "api").to_vec(), [0]);
        assert_eq!(idx.postings.get("__name__", "up").to_vec(), [0, 1]);
        assert!(idx.postings_fault.is_none());
    }

    #[test]
    fn version_1_indexes_are_read() {
        let v2 = Index::decode(&sample_index()).unwrap();
        let symbols: Vec<&str> = v2.symbols.iter().map(|s| &**s).collect();
        let v1 = encode_version(&symbols, &v2.series, 1).unwrap();
        assert_eq!(v1[4], 1);
        let back = Index::decode(&v1).unwrap();
        assert_eq!(back.series, v2.series);
        assert_eq!(back.symbols, v2.symbols);
        assert_eq!(back.postings.get("job", "web").to_vec(), [1]);
        assert!(back.postings_fault.is_none());
    }

    #[test]
    fn damaged_postings_are_rebuilt_and_other_damage_refused() {
        let good = sample_index();
        let toc_at = good.len() - TOC_LEN;
        let postings_at =
            u64::from_le_bytes(good[toc_at + 16..toc_at + 24].try_into().unwrap()) as usize;
        let mut bad = good.clone();
        bad[postings_at + 5] ^= 1;
        let idx = Index::decode(&bad).unwrap();
        assert_eq!(idx.postings_fault.unwrap().offset, postings_at as u64);
        assert_eq!(idx.postings.get("job", "web").to_vec(), [1]);
        // Every other single-byte flip outside the postings is refused.
        for i in (0..postings_at).chain(toc_at..good.len()) {
            let mut bad = good.clone();
            bad[i] ^= 0x10;
            assert!(Index::decode(&bad).is_err(), "flip at {i} accepted");
        }
        for len in 0..good.len() {
            assert!(Index::decode(&good[..len]).is_err(), "truncation at {len}");
        }
    }
}
