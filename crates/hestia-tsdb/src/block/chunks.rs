//! A block's chunk files (`chunks/000001`, …): the encoded chunks of all
//! its series. Version 1 frames each chunk as `uvarint len ‖ chunk ‖
//! crc32c(chunk)` after an 8-byte file header, and a [`ChunkRef`] is the
//! file number and the frame's byte offset. Version 2, which the
//! [`ChunkWriter`] writes, frames chunks (without a CRC each) into pages
//! of 64 KiB compressed with zstd, a CRC per page (`pages.rs`); its
//! references name the page and the offset inside it. The writer stores
//! identical chunks once (constant series, a histogram's upper buckets
//! equal to its `+Inf` bucket); the [`ChunkReader`] reads both versions
//! with positioned reads and checks checksums. `docs/format/chunks.md`
//! has the layouts.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::bytes::{sync_dir, Cursor, Fault};
use super::pages::{self, PageCache, PagedFile};
use crate::chunk::bstream::{put_uvarint, uvarint_len};
use crate::chunk::relative;
use crate::Error;

/// The first four bytes of a chunk file.
pub const MAGIC: [u8; 4] = *b"HCHK";
/// The unpaged chunk file format version (read, no longer written).
pub const VERSION: u8 = 1;
/// Bytes before the first chunk: magic, version, three zero bytes.
pub const HEADER_LEN: usize = 8;
/// A chunk file is cut before it would exceed this many bytes.
pub const MAX_FILE_SIZE: u64 = 512 << 20;
/// Chunks at most this long are stored once per block when identical.
const DEDUP_MAX_LEN: usize = 4096;
/// How many earlier chunks of the same key (in this page and the one
/// before) a new chunk is compared with as a base for a relative record.
const BASES: usize = 8;
/// The largest chunk accepted (a packed chunk of 2^20 samples of random
/// floats stays below it).
pub const MAX_CHUNK_LEN: u64 = 64 << 20;

/// Where a chunk is: file number (1-based) in the high 32 bits, byte
/// offset in the low 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkRef(pub u64);

impl ChunkRef {
    /// The reference of the chunk at `offset` of file `file`.
    pub fn new(file: u32, offset: u32) -> ChunkRef {
        ChunkRef((u64::from(file) << 32) | u64::from(offset))
    }

    /// The file number.
    pub fn file(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The byte offset in the file.
    pub fn offset(self) -> u32 {
        self.0 as u32
    }
}

/// The name of chunk file `n`, relative to the block directory.
pub fn file_name(n: u32) -> String {
    format!("chunks/{n:06}")
}

#[cfg(test)]
fn header() -> [u8; HEADER_LEN] {
    [MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], VERSION, 0, 0, 0]
}

/// Frames `chunk` onto `out`.
pub(crate) fn frame(out: &mut Vec<u8>, chunk: &[u8]) {
    put_uvarint(out, chunk.len() as u64);
    out.extend_from_slice(chunk);
    out.extend_from_slice(&crc32c::crc32c(chunk).to_le_bytes());
}

/// Checks a chunk file's header (either version).
pub(crate) fn check_header(bytes: &[u8]) -> Result<(), Fault> {
    let c = Cursor::new(bytes, 0);
    if bytes.len() < HEADER_LEN || bytes[..4] != MAGIC {
        return Err(c.fault("not a chunk file (bad magic)"));
    }
    if bytes[4] != VERSION && bytes[4] != pages::VERSION {
        return Err(Fault {
            offset: 4,
            reason: "unknown chunk file version",
        });
    }
    Ok(())
}

/// Parses the framed chunk at the start of `buf` (which begins at file
/// offset `offset`): the chunk's bytes, or what is wrong. `Ok(None)`
/// means `buf` is too short and holds the frame's first `needed` bytes
/// only.
pub(crate) fn parse_frame(buf: &[u8], offset: u64) -> Result<Result<&[u8], usize>, Fault> {
    let mut c = Cursor::new(buf, offset);
    let len = match c.uvarint("chunk length") {
        Ok(len) => len,
        Err(_) if buf.len() < 10 => return Ok(Err(10)),
        Err(f) => return Err(f),
    };
    if len > MAX_CHUNK_LEN {
        return Err(c.fault("chunk length exceeds the maximum"));
    }
    let need = uvarint_len(len) + len as usize + 4;
    if buf.len() < need {
        return Ok(Err(need));
    }
    let body = c.bytes(len as usize, "chunk")?;
    let crc = c.u32_le("chunk checksum")?;
    if crc32c::crc32c(body) != crc {
        return Err(Fault {
            offset,
            reason: "chunk checksum mismatch",
        });
    }
    Ok(Ok(body))
}

/// Writes a block's chunk files.
#[derive(Debug)]
pub(crate) struct ChunkWriter {
    dir: PathBuf,
    file: Option<BufWriter<File>>,
    /// The current file's number (0 before the first).
    n: u32,
    size: u64,
    buf: Vec<u8>,
    /// The decompressed page being filled, and its number in the file.
    page: Vec<u8>,
    page_no: u32,
    seen: HashMap<Vec<u8>, ChunkRef, foldhash::fast::RandomState>,
    /// Recent chunks of the page being filled with decimal values, the
    /// candidate bases of relative records.
    bases: HashMap<u64, Vec<Base>, foldhash::fast::RandomState>,
    sync: bool,
    /// Bytes of chunks not written because an identical one was.
    pub(crate) deduplicated: u64,
}

impl ChunkWriter {
    /// Writes into `block_dir/chunks/`, which it creates.
    pub(crate) fn new(block_dir: &Path, sync: bool) -> Result<ChunkWriter, Error> {
        let dir = block_dir.join("chunks");
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io("creating chunks directory", &dir, e))?;
        Ok(ChunkWriter {
            dir,
            file: None,
            n: 0,
            size: 0,
            buf: Vec::new(),
            page: Vec::new(),
            page_no: 0,
            seen: HashMap::default(),
            bases: HashMap::default(),
            sync,
            deduplicated: 0,
        })
    }

    fn path(&self, n: u32) -> PathBuf {
        self.dir.join(format!("{n:06}"))
    }

    /// Writes `chunk` (an encoded chunk) and returns its reference.
    #[cfg(test)]
    pub(crate) fn write(&mut self, chunk: &[u8]) -> Result<ChunkRef, Error> {
        self.write_keyed(chunk, None)
    }

    /// Writes `chunk` (an encoded chunk) and returns its reference.
    /// Chunks with the same `key` (the series' labels but `le`: the
    /// buckets of one histogram) may be stored relative to each other.
    pub(crate) fn write_keyed(
        &mut self,
        chunk: &[u8],
        key: Option<u64>,
    ) -> Result<ChunkRef, Error> {
        if chunk.len() as u64 > MAX_CHUNK_LEN {
            return Err(Error::InvalidOptions(format!(
                "a chunk of {} bytes exceeds the block maximum",
                chunk.len()
            )));
        }
        if chunk.len() <= DEDUP_MAX_LEN {
            if let Some(&r) = self.seen.get(chunk) {
                self.deduplicated += chunk.len() as u64;
                return Ok(r);
            }
        }
        if self.file.is_none() {
            self.cut()?;
        }
        let in_page = self.page.len() as u32;
        let offset = (self.page_no << pages::SHIFT) | in_page;
        let r = ChunkRef::new(self.n, offset);
        let columns = match (key, chunk.first()) {
            (Some(_), Some(2 | 3)) => relative::decimal_columns(chunk),
            _ => None,
        };
        let record = match (key, &columns) {
            (Some(key), Some(c)) => self.relative_record(key, offset, c, chunk.len()),
            _ => None,
        };
        let stored = record.as_deref().unwrap_or(chunk);
        put_uvarint(&mut self.page, stored.len() as u64);
        self.page.extend_from_slice(stored);
        if let (None, Some(key), Some((ts, scale, mantissas))) = (&record, key, columns) {
            let bases = self.bases.entry(key).or_default();
            if bases.len() == BASES {
                bases.remove(0);
            }
            bases.push(Base {
                offset,
                ts,
                scale,
                mantissas,
            });
        }
        if chunk.len() <= DEDUP_MAX_LEN {
            self.seen.insert(chunk.to_vec(), r);
        }
        if self.page.len() >= 1 << pages::SHIFT {
            self.write_page()?;
        }
        Ok(r)
    }

    /// A relative record for a chunk at reference offset `offset` with
    /// decimal `columns` (timestamps, scale, mantissas), if one of the
    /// recent chunks of `key` with the same timestamps and scale makes
    /// it shorter than the chunk's `len` bytes. The base is the
    /// candidate whose differences vary least (sum of absolute second
    /// differences).
    fn relative_record(
        &self,
        key: u64,
        offset: u32,
        (ts, scale, mantissas): &(Vec<i64>, u8, Vec<i64>),
        len: usize,
    ) -> Option<Vec<u8>> {
        let own = variation(mantissas.iter().copied());
        let (variation, base) = self
            .bases
            .get(&key)?
            .iter()
            .filter(|b| b.scale == *scale && b.ts == *ts)
            .map(|b| {
                let diffs = b.mantissas.iter().zip(mantissas);
                (variation(diffs.map(|(x, y)| x.wrapping_sub(*y))), b)
            })
            .min_by_key(|c| c.0)?;
        if variation >= own {
            return None;
        }
        let mut record = vec![pages::RELATIVE_RECORD];
        put_uvarint(&mut record, u64::from(offset - base.offset));
        relative::encode_difference(&base.mantissas, mantissas, &mut record);
        (record.len() < len).then_some(record)
    }

    /// Compresses and writes the page being filled; closes the file when
    /// it is full (the next chunk cuts a new one).
    fn write_page(&mut self) -> Result<(), Error> {
        if self.page.is_empty() {
            return Ok(());
        }
        let path = self.path(self.n);
        self.buf.clear();
        pages::write_page(&mut self.buf, &self.page, pages::SHIFT)
            .map_err(|e| Error::io("compressing chunk page", &path, e))?;
        if let Some(f) = self.file.as_mut() {
            f.write_all(&self.buf)
                .map_err(|e| Error::io("writing chunk file", &path, e))?;
        }
        self.size += self.buf.len() as u64;
        self.page.clear();
        // Bases stay usable from the next page only (a reader keeps two
        // pages).
        let page_no = self.page_no;
        self.bases.retain(|_, bases| {
            bases.retain(|b| b.offset >> pages::SHIFT == page_no);
            !bases.is_empty()
        });
        self.page_no += 1;
        if self.size >= MAX_FILE_SIZE || self.page_no >= 1 << (32 - pages::SHIFT) {
            self.close_file()?;
        }
        Ok(())
    }

    fn cut(&mut self) -> Result<(), Error> {
        self.close_file()?;
        self.n += 1;
        let path = self.path(self.n);
        let mut f = BufWriter::with_capacity(
            1 << 16,
            File::create(&path).map_err(|e| Error::io("creating chunk file", &path, e))?,
        );
        f.write_all(&pages::header(pages::SHIFT))
            .map_err(|e| Error::io("writing chunk file", &path, e))?;
        self.file = Some(f);
        self.bases.clear();
        self.size = HEADER_LEN as u64;
        self.page_no = 0;
        Ok(())
    }

    fn close_file(&mut self) -> Result<(), Error> {
        let path = self.path(self.n);
        if let Some(f) = self.file.take() {
            let f = f
                .into_inner()
                .map_err(|e| Error::io("writing chunk file", &path, e.into_error()))?;
            if self.sync {
                f.sync_all()
                    .map_err(|e| Error::io("syncing chunk file", &path, e))?;
            }
        }
        Ok(())
    }

    /// Flushes and syncs the last file and the directory.
    pub(crate) fn finish(mut self) -> Result<(), Error> {
        self.write_page()?;
        self.close_file()?;
        if self.sync {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }
}

/// A chunk of the page being written that later ones may be stored
/// relative to.
#[derive(Debug)]
struct Base {
    /// The reference offset (page and offset in it).
    offset: u32,
    ts: Vec<i64>,
    scale: u8,
    mantissas: Vec<i64>,
}

/// How much a sequence's steps vary: the sum of the absolute second
/// differences (saturating), a cheap stand-in for its packed size.
fn variation(values: impl Iterator<Item = i64>) -> u64 {
    let (mut prev, mut step, mut sum) = (None::<i64>, None::<i64>, 0u64);
    for v in values {
        if let Some(p) = prev {
            let d = v.wrapping_sub(p);
            if let Some(s) = step {
                sum = sum.saturating_add(d.wrapping_sub(s).unsigned_abs());
            }
            step = Some(d);
        }
        prev = Some(v);
    }
    sum
}

/// One chunk file, by version.
#[derive(Debug)]
enum ChunkFile {
    /// Version 1: the file and its size.
    Framed(File, u64),
    /// Version 2.
    Paged(PagedFile),
}

/// Reads chunks of a block by reference.
#[derive(Debug)]
pub(crate) struct ChunkReader {
    /// Chunk files by number, 1-based (index 0 is file 1).
    files: Vec<ChunkFile>,
}

impl ChunkReader {
    /// Opens every chunk file of `block_dir`, checking their headers.
    /// Files must be numbered from 1 without gaps.
    pub(crate) fn open(block_dir: &Path, block: &str) -> Result<ChunkReader, Error> {
        let dir = block_dir.join("chunks");
        let mut numbers = Vec::new();
        let entries =
            std::fs::read_dir(&dir).map_err(|e| Error::io("listing chunk files", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing chunk files", &dir, e))?;
            if let Some(n) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            {
                numbers.push(n);
            }
        }
        numbers.sort_unstable();
        let mut files = Vec::with_capacity(numbers.len());
        for (i, &n) in numbers.iter().enumerate() {
            if n as usize != i + 1 {
                return Err(Fault {
                    offset: 0,
                    reason: "chunk file missing",
                }
                .into_error(block, &file_name(i as u32 + 1)));
            }
            let path = dir.join(format!("{n:06}"));
            let f = File::open(&path).map_err(|e| Error::io("opening chunk file", &path, e))?;
            let size = f
                .metadata()
                .map_err(|e| Error::io("reading chunk file", &path, e))?
                .len();
            let mut head = [0u8; HEADER_LEN];
            let got = read_at_most(&f, &mut head, 0)
                .map_err(|e| Error::io("reading chunk file", &path, e))?;
            check_header(&head[..got]).map_err(|f| f.into_error(block, &file_name(n)))?;
            files.push(if head[4] == pages::VERSION {
                let shift =
                    pages::check_header(&head).map_err(|f| f.into_error(block, &file_name(n)))?;
                ChunkFile::Paged(PagedFile::open(f, size, shift))
            } else {
                ChunkFile::Framed(f, size)
            });
        }
        Ok(ChunkReader { files })
    }

    /// Reads chunk `r` into `buf` (its bytes, encoding byte first),
    /// checking the frame and checksum; a page read is kept in `cache`
    /// for the next chunk. An I/O error is reported as a fault too, at
    /// the chunk's (or page's) offset.
    pub(crate) fn read(
        &self,
        r: ChunkRef,
        buf: &mut Vec<u8>,
        cache: &mut PageCache,
    ) -> Result<(), Fault> {
        let offset = u64::from(r.offset());
        let at = |reason| Fault { offset, reason };
        let chunk_file = r
            .file()
            .checked_sub(1)
            .and_then(|i| self.files.get(i as usize))
            .ok_or(at("reference to a missing chunk file"))?;
        let (file, size) = match chunk_file {
            ChunkFile::Framed(file, size) => (file, size),
            ChunkFile::Paged(p) => return p.read(r.file(), r, buf, cache),
        };
        if offset < HEADER_LEN as u64 || offset >= *size {
            return Err(at("reference beyond the chunk file"));
        }
        let mut want = ((*size - offset).min(512)) as usize;
        loop {
            buf.resize(want, 0);
            let got = read_at_most(file, buf, offset).map_err(|_| at("read failed"))?;
            buf.truncate(got);
            match parse_frame(buf, offset)? {
                Ok(body) => {
                    let (start, len) = (body.as_ptr() as usize - buf.as_ptr() as usize, body.len());
                    buf.copy_within(start..start + len, 0);
                    buf.truncate(len);
                    return Ok(());
                }
                Err(need) if need > got && (got as u64) < *size - offset => {
                    want = need.min((*size - offset) as usize);
                }
                Err(_) => return Err(at("chunk runs past the end of the file")),
            }
        }
    }
}

/// Reads up to `buf.len()` bytes at `offset`, fewer at the end of file.
pub(crate) fn read_at_most(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match f.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Walks a whole chunk file held in memory: the `(offset, chunk)` of each
/// intact frame up to the first damage, and the damage if any.
pub(crate) fn scan(bytes: &[u8]) -> (Vec<(u64, &[u8])>, Option<Fault>) {
    let mut out = Vec::new();
    if let Err(f) = check_header(bytes) {
        return (out, Some(f));
    }
    let mut pos = HEADER_LEN;
    while pos < bytes.len() {
        match parse_frame(&bytes[pos..], pos as u64) {
            Ok(Ok(body)) => {
                out.push((pos as u64, body));
                pos += uvarint_len(body.len() as u64) + body.len() + 4;
            }
            Ok(Err(_)) => {
                return (
                    out,
                    Some(Fault {
                        offset: pos as u64,
                        reason: "chunk runs past the end of the file",
                    }),
                )
            }
            Err(f) => return (out, Some(f)),
        }
    }
    (out, None)
}

#[cfg(test)]
mod tests;
