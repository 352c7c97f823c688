//! Version 2 of a block's chunk files: chunks framed back to back in
//! pages of about 64 KiB, each page compressed with zstd and checked by a
//! CRC32C. A [`ChunkRef`]'s offset names the page (high bits) and the
//! chunk's offset inside the decompressed page (low `shift` bits, from
//! the file header), so reading one chunk reads and decompresses one
//! page; a [`PageCache`] keeps the last page for the next chunk, which
//! in label order is usually in the same page. Layout and read
//! amplification: `docs/format/chunks.md`.

use std::fs::File;
use std::sync::Arc;

use super::bytes::{Cursor, Fault};
use super::chunks::{read_at_most, ChunkRef, HEADER_LEN, MAGIC, MAX_CHUNK_LEN};
use crate::chunk::bstream::{put_uvarint, read_uvarint};
use crate::chunk::relative;

/// The first byte of a relative record: a chunk stored in a page as the
/// differences from an earlier chunk of the same page (no chunk encoding
/// starts with it). Followed by the uvarint distance back, in bytes,
/// from the record's length prefix to the base chunk's, then the
/// difference column.
pub(crate) const RELATIVE_RECORD: u8 = 0x84;

/// The version byte of paged chunk files.
pub const VERSION: u8 = 2;
/// Bits of a reference's offset that address the chunk inside its page
/// (what this code writes): pages of 64 KiB.
pub const SHIFT: u8 = 16;
/// The zstd level pages are compressed at.
pub const LEVEL: i32 = 9;
/// The most bytes a page header (two uvarints) takes.
const PAGE_HEADER_MAX: usize = 20;

/// The header of a paged chunk file whose references use `shift` bits
/// for the offset inside a page.
pub(crate) fn header(shift: u8) -> [u8; HEADER_LEN] {
    [MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], VERSION, shift, 0, 0]
}

/// The in-page offset bits a paged file's header names.
pub(crate) fn check_header(bytes: &[u8]) -> Result<u8, Fault> {
    let shift = bytes[5];
    if !(12..=24).contains(&shift) || bytes[6..HEADER_LEN] != [0, 0] {
        return Err(Fault {
            offset: 5,
            reason: "bad page layout in chunk file header",
        });
    }
    Ok(shift)
}

/// The largest decompressed page accepted: a page is closed once it
/// reaches `1 << shift` bytes, so it ends with at most one more chunk.
fn max_raw(shift: u8) -> u64 {
    (1u64 << shift) + MAX_CHUNK_LEN + 10
}

/// Compresses `raw` (framed chunks) into a page appended to `out`.
/// `shift` is the file's (the checksum covers it, so a damaged header
/// cannot make references point elsewhere).
pub(crate) fn write_page(out: &mut Vec<u8>, raw: &[u8], shift: u8) -> std::io::Result<()> {
    let compressed = zstd::bulk::compress(raw, LEVEL)?;
    let start = out.len();
    put_uvarint(out, raw.len() as u64);
    put_uvarint(out, compressed.len() as u64);
    out.extend_from_slice(&compressed);
    let crc = page_crc(shift, &out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// The checksum of a page: CRC32C of the file's shift byte, then the
/// page from its header to the end of the compressed bytes.
fn page_crc(shift: u8, body: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(&[shift]), body)
}

/// Where a page is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageLoc {
    /// File offset of the page header.
    pub(crate) offset: u64,
    /// Bytes from the header to the end of the checksum.
    pub(crate) len: u64,
    /// Decompressed size.
    pub(crate) raw_len: u64,
}

/// Parses the page header at the start of `buf` (file offset `offset`):
/// its location, or `Ok(None)` when `buf` is too short to tell.
fn parse_page_header(
    buf: &[u8],
    offset: u64,
    shift: u8,
    file_len: u64,
) -> Result<Option<PageLoc>, Fault> {
    let mut pos = 0;
    let (Some(raw_len), Some(comp_len)) =
        (read_uvarint(buf, &mut pos), read_uvarint(buf, &mut pos))
    else {
        if buf.len() >= PAGE_HEADER_MAX {
            return Err(Fault {
                offset,
                reason: "bad page header",
            });
        }
        return Ok(None);
    };
    let at = |reason| Fault { offset, reason };
    if raw_len == 0 || raw_len > max_raw(shift) {
        return Err(at("page size out of range"));
    }
    let len = (pos as u64)
        .checked_add(comp_len)
        .and_then(|l| l.checked_add(4))
        .ok_or(at("page size out of range"))?;
    if len > file_len.saturating_sub(offset) {
        return Err(at("page runs past the end of the file"));
    }
    Ok(Some(PageLoc {
        offset,
        len,
        raw_len,
    }))
}

/// Finds the pages of a paged file by reading each page's header from
/// `read(offset, buf)` (which fills `buf` with up to its length from
/// `offset` and returns how many bytes it read). Returns the pages before
/// the first damage and the damage, if any.
pub(crate) fn locate_pages(
    file_len: u64,
    shift: u8,
    mut read: impl FnMut(u64, &mut [u8]) -> std::io::Result<usize>,
) -> (Vec<PageLoc>, Option<Fault>) {
    let mut pages = Vec::new();
    let mut offset = HEADER_LEN as u64;
    let mut buf = [0u8; PAGE_HEADER_MAX];
    while offset < file_len {
        let got = match read(offset, &mut buf) {
            Ok(n) => n,
            Err(_) => {
                let reason = "reading a page header failed";
                return (pages, Some(Fault { offset, reason }));
            }
        };
        match parse_page_header(&buf[..got], offset, shift, file_len) {
            Ok(Some(loc)) => {
                offset += loc.len;
                pages.push(loc);
            }
            Ok(None) => {
                let reason = "page runs past the end of the file";
                return (pages, Some(Fault { offset, reason }));
            }
            Err(f) => return (pages, Some(f)),
        }
    }
    (pages, None)
}

/// Checks and decompresses a whole page (`bytes`, from its header to its
/// checksum, found at `loc`).
pub(crate) fn decode_page(bytes: &[u8], loc: PageLoc, shift: u8) -> Result<Vec<u8>, Fault> {
    let at = |reason| Fault {
        offset: loc.offset,
        reason,
    };
    if bytes.len() as u64 != loc.len || bytes.len() < 4 {
        return Err(at("page runs past the end of the file"));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if page_crc(shift, body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
        return Err(at("page checksum mismatch"));
    }
    let mut pos = 0;
    let _ = read_uvarint(body, &mut pos);
    let _ = read_uvarint(body, &mut pos);
    let raw = zstd::bulk::decompress(&body[pos..], loc.raw_len as usize)
        .map_err(|_| at("page does not decompress"))?;
    if raw.len() as u64 != loc.raw_len {
        return Err(at("page decompresses to another size"));
    }
    Ok(raw)
}

/// The chunk at `in_page` of a decompressed page.
pub(crate) fn chunk_in_page(raw: &[u8], in_page: usize, loc: PageLoc) -> Result<&[u8], Fault> {
    let rest = raw.get(in_page..).filter(|r| !r.is_empty()).ok_or(Fault {
        offset: loc.offset,
        reason: "reference beyond the end of its page",
    })?;
    let mut c = Cursor::new(rest, loc.offset);
    let len = c.uvarint("chunk length")?;
    if len > MAX_CHUNK_LEN {
        return Err(c.fault("chunk length exceeds the maximum"));
    }
    c.bytes(len as usize, "chunk runs past the end of its page")
}

/// The chunk at reference offset `offset` (in page `raw`, found at
/// `loc`) into `out`: its stored bytes, or for a relative record the
/// [`Relative`](crate::Encoding::Relative) chunk of its base and
/// differences. `page(p)` gives decompressed page `p` of the same file
/// (the base may be in the page before).
pub(crate) fn resolve(
    raw: &[u8],
    offset: u32,
    shift: u8,
    loc: PageLoc,
    mut page: impl FnMut(u32) -> Result<Arc<Vec<u8>>, Fault>,
    out: &mut Vec<u8>,
) -> Result<(), Fault> {
    let mask = (1u32 << shift) - 1;
    let chunk = chunk_in_page(raw, (offset & mask) as usize, loc)?;
    if chunk.first() != Some(&RELATIVE_RECORD) {
        out.clear();
        out.extend_from_slice(chunk);
        return Ok(());
    }
    let bad = |reason| Fault {
        offset: loc.offset,
        reason,
    };
    let mut pos = 1;
    let back = read_uvarint(chunk, &mut pos).ok_or(bad("bad relative record"))?;
    let base_at = u64::from(offset)
        .checked_sub(back)
        .filter(|_| back > 0)
        .ok_or(bad("relative record refers before the file"))? as u32;
    let own_page = offset >> shift;
    let base_page = base_at >> shift;
    let other;
    let base_raw: &[u8] = if base_page == own_page {
        raw
    } else if base_page + 1 == own_page {
        other = page(base_page)?;
        &other
    } else {
        return Err(bad("relative record refers too far back"));
    };
    let base = chunk_in_page(base_raw, (base_at & mask) as usize, loc)?;
    if base.first() == Some(&RELATIVE_RECORD) {
        return Err(bad("relative record refers to another record"));
    }
    relative::compose(base, &chunk[pos..], out);
    Ok(())
}

/// A decompressed page: file number, page number, bytes.
type CachedPage = (u32, u32, Arc<Vec<u8>>);

/// The pages a reader decompressed last (two: a relative chunk's base
/// may be in the page before), to serve the next chunks from.
#[derive(Debug, Default, Clone)]
pub struct PageCache {
    /// The most recently used first.
    pages: [Option<CachedPage>; 2],
}

impl PageCache {
    /// An empty cache.
    pub fn new() -> PageCache {
        PageCache::default()
    }
}

/// An open paged chunk file.
#[derive(Debug)]
pub(crate) struct PagedFile {
    pub(crate) file: File,
    pub(crate) shift: u8,
    pub(crate) pages: Vec<PageLoc>,
    /// Damage that ended the page scan on open, if any.
    pub(crate) fault: Option<Fault>,
}

impl PagedFile {
    /// Scans the pages of `file` (of `len` bytes, header `shift`).
    pub(crate) fn open(file: File, len: u64, shift: u8) -> PagedFile {
        let (pages, fault) = locate_pages(len, shift, |off, buf| read_at_most(&file, buf, off));
        PagedFile {
            file,
            shift,
            pages,
            fault,
        }
    }

    /// Reads chunk `r` (of file number `n`) into `buf`.
    pub(crate) fn read(
        &self,
        n: u32,
        r: ChunkRef,
        buf: &mut Vec<u8>,
        cache: &mut PageCache,
    ) -> Result<(), Fault> {
        let page = r.offset() >> self.shift;
        let loc = match self.pages.get(page as usize) {
            Some(&loc) => loc,
            None => {
                return Err(self.fault.unwrap_or(Fault {
                    offset: u64::from(r.offset()),
                    reason: "reference to a page beyond the file",
                }))
            }
        };
        let raw = self.page(n, page, loc, cache)?;
        resolve(
            &raw,
            r.offset(),
            self.shift,
            loc,
            |p| self.page_at(n, p, cache),
            buf,
        )
    }

    /// Decompressed page `p` of this file (number `n`).
    fn page_at(&self, n: u32, p: u32, cache: &mut PageCache) -> Result<Arc<Vec<u8>>, Fault> {
        let loc = *self.pages.get(p as usize).ok_or(Fault {
            offset: 0,
            reason: "reference to a page beyond the file",
        })?;
        self.page(n, p, loc, cache)
    }

    /// Decompressed page `page` (at `loc`) of this file (number `n`),
    /// from `cache` or read.
    fn page(
        &self,
        n: u32,
        page: u32,
        loc: PageLoc,
        cache: &mut PageCache,
    ) -> Result<Arc<Vec<u8>>, Fault> {
        let hit = cache
            .pages
            .iter()
            .position(|e| matches!(e, Some((f, p, _)) if *f == n && *p == page));
        if let Some(i) = hit {
            cache.pages.swap(0, i);
            if let Some((_, _, raw)) = &cache.pages[0] {
                return Ok(Arc::clone(raw));
            }
        }
        let mut bytes = vec![0; loc.len as usize];
        let got = read_at_most(&self.file, &mut bytes, loc.offset).map_err(|_| Fault {
            offset: loc.offset,
            reason: "read failed",
        })?;
        bytes.truncate(got);
        let raw = Arc::new(decode_page(&bytes, loc, self.shift)?);
        cache.pages.swap(0, 1);
        cache.pages[0] = Some((n, page, Arc::clone(&raw)));
        Ok(raw)
    }
}

/// Walks a whole paged chunk file held in memory: every chunk of every
/// intact page with its reference offset, up to the first damage, and
/// the damage if any (for the fuzz target and tests). Relative records
/// come as stored; one whose base cannot be found is damage.
pub(crate) fn scan_paged(bytes: &[u8]) -> (Vec<(u32, Vec<u8>)>, Option<Fault>) {
    let mut out = Vec::new();
    if let Err(f) = super::chunks::check_header(bytes) {
        return (out, Some(f));
    }
    if bytes[4] != VERSION {
        let reason = "not a paged chunk file";
        return (out, Some(Fault { offset: 4, reason }));
    }
    let shift = match check_header(bytes) {
        Ok(s) => s,
        Err(f) => return (out, Some(f)),
    };
    let (pages, fault) = locate_pages(bytes.len() as u64, shift, |off, buf| {
        let src = bytes.get(off as usize..).unwrap_or_default();
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        Ok(n)
    });
    if pages.len() > 1 << (32 - shift) {
        let reason = "more pages than references can address";
        return (out, Some(Fault { offset: 0, reason }));
    }
    let mut scratch = Vec::new();
    let mut previous: Option<Arc<Vec<u8>>> = None;
    for (p, loc) in pages.iter().enumerate() {
        let page = &bytes[loc.offset as usize..(loc.offset + loc.len) as usize];
        let raw = match decode_page(page, *loc, shift) {
            Ok(raw) => Arc::new(raw),
            Err(f) => return (out, Some(f)),
        };
        let mut pos = 0;
        while pos < raw.len() {
            let in_page = pos;
            let chunk = match chunk_in_page(&raw, pos, *loc) {
                Ok(c) => c,
                Err(f) => return (out, Some(f)),
            };
            if chunk.first() == Some(&RELATIVE_RECORD) && in_page < 1 << shift {
                let offset = ((p as u32) << shift) | in_page as u32;
                let before = |_| {
                    previous.clone().ok_or(Fault {
                        offset: loc.offset,
                        reason: "relative record refers before the file",
                    })
                };
                if let Err(f) = resolve(&raw, offset, shift, *loc, before, &mut scratch) {
                    return (out, Some(f));
                }
            }
            pos += crate::chunk::bstream::uvarint_len(chunk.len() as u64) + chunk.len();
            if in_page >= 1 << shift {
                let reason = "chunk starts past the page's addressable part";
                return (
                    out,
                    Some(Fault {
                        offset: loc.offset,
                        reason,
                    }),
                );
            }
            out.push((((p as u32) << shift) | in_page as u32, chunk.to_vec()));
        }
        previous = Some(raw);
    }
    (out, fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A paged file of `chunks` in pages closed at `page` raw bytes.
    fn file_of(chunks: &[Vec<u8>], page: usize) -> Vec<u8> {
        let mut out = header(SHIFT).to_vec();
        let mut raw = Vec::new();
        for c in chunks {
            put_uvarint(&mut raw, c.len() as u64);
            raw.extend_from_slice(c);
            if raw.len() >= page {
                write_page(&mut out, &raw, SHIFT).unwrap();
                raw.clear();
            }
        }
        if !raw.is_empty() {
            write_page(&mut out, &raw, SHIFT).unwrap();
        }
        out
    }

    #[test]
    fn pages_round_trip_and_damage_is_found_everywhere() {
        let chunks: Vec<Vec<u8>> = (0..12u8).map(|i| vec![2, i, i, 7, i]).collect();
        let bytes = file_of(&chunks, 20);
        let (found, fault) = scan_paged(&bytes);
        assert_eq!(fault, None);
        assert_eq!(
            found.iter().map(|c| &c.1).collect::<Vec<_>>(),
            chunks.iter().collect::<Vec<_>>()
        );
        assert_eq!(found[4].0, 1 << SHIFT, "the second page starts at chunk 4");
        for i in 0..bytes.len() {
            for flip in [0x01, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= flip;
                let (found, fault) = scan_paged(&bad);
                assert!(fault.is_some(), "flip {flip:#x} at {i} not detected");
                assert!(found.iter().all(|c| chunks.contains(&c.1)));
            }
        }
        for len in 0..bytes.len() {
            let (found, fault) = scan_paged(&bytes[..len]);
            let at_page_end = len == HEADER_LEN || found.len() % 4 == 0 && !found.is_empty();
            assert!(found.len() < chunks.len(), "cut at {len}");
            assert!(fault.is_some() || at_page_end, "cut at {len}");
        }
        // A reference past the chunks of a page.
        let loc = PageLoc {
            offset: 8,
            len: 0,
            raw_len: 5,
        };
        let raw = [4, 2, 1, 1, 1];
        assert_eq!(chunk_in_page(&raw, 0, loc).unwrap(), [2, 1, 1, 1]);
        for at in [5, 6, 1000] {
            assert!(chunk_in_page(&raw, at, loc).is_err(), "{at}");
        }
        assert!(chunk_in_page(&raw[..4], 0, loc).is_err(), "short");
    }
}
