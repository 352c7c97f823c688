//! Closed head chunks, out of RAM: [`ChunkFiles`] appends each closed
//! chunk as a CRC-checked frame to segment files `chunks_head/NNNNNNNN`
//! and reads it back with positioned reads. A frame names its series and
//! the series' previous closed chunk, so a series in RAM keeps only the
//! reference of its newest closed chunk and walks back from there
//! ([`walk`]). The layout is in `docs/format/head-chunks.md`.
//!
//! Frames are first appended to an in-memory buffer and written with one
//! positioned write per batch ([`ChunkFiles::flush`], called before the
//! head's state lock is released), so a reader never finds a reference
//! the files do not hold yet. A failed write keeps the bytes in memory,
//! where readers find them, and is retried at the next flush. A head
//! without a directory ([`ChunkFiles::in_memory`]) keeps every segment in
//! memory that way. Readers take a [`ChunkSnapshot`] (open files and
//! unwritten buffers shared by `Arc`), so deleting segments never
//! disturbs a query in progress.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::index::SeriesId;
use crate::Error;

pub use super::chunk_frame::{
    encode_frame, frame_len, parse_frame, scan, FrameHeader, HeadChunkRef, DIR, HEADER_LEN,
    SEGMENT_SIZE,
};
use super::chunk_frame::{segment_header, CRC_LEN};

/// Bytes of a segment not written to its file yet (all of them, in
/// memory), starting at `offset`.
#[derive(Debug, Clone)]
struct Pending {
    segment: u32,
    offset: u64,
    bytes: Arc<Vec<u8>>,
}

#[derive(Debug)]
struct Segment {
    n: u32,
    /// The open file (`None` in memory, or before the first write).
    file: Option<Arc<File>>,
    /// Bytes, written or pending.
    len: u64,
    /// The newest timestamp of any chunk in it.
    max_t: i64,
}

/// The head's closed chunks: segments on disk (or in memory) and what is
/// not written yet. Owned by the head's state; see the module
/// documentation.
#[derive(Debug)]
pub(crate) struct ChunkFiles {
    /// `None`: everything stays in memory.
    dir: Option<PathBuf>,
    segment_size: u64,
    segments: Vec<Segment>,
    pending: Vec<Pending>,
    /// Bytes of frames appended and not deleted.
    live_bytes: u64,
    /// Writes that failed (retried at the next flush).
    pub(crate) write_errors: u64,
    /// The last write error, for logs.
    pub(crate) last_error: Option<String>,
}

impl ChunkFiles {
    /// Chunks kept in memory, in segments of `segment_size` bytes (each
    /// copied on write only while a query holds it).
    pub(crate) fn in_memory(segment_size: usize) -> ChunkFiles {
        ChunkFiles::with(None, (segment_size as u64).clamp(1, 1 << 30))
    }

    /// Chunks written to `dir` (created), whose old segments are deleted:
    /// the head replays its WAL in full on open and writes the chunks
    /// again.
    pub(crate) fn open(dir: &Path) -> Result<ChunkFiles, Error> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io("creating head chunk directory", dir, e))?;
        let entries =
            std::fs::read_dir(dir).map_err(|e| Error::io("listing head chunks", dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing head chunks", dir, e))?;
            let path = entry.path();
            if segment_number(&path).is_some() || path.extension().is_some_and(|e| e == "tmp") {
                std::fs::remove_file(&path)
                    .map_err(|e| Error::io("removing old head chunk segment", &path, e))?;
            }
        }
        Ok(ChunkFiles::with(Some(dir.to_path_buf()), SEGMENT_SIZE))
    }

    fn with(dir: Option<PathBuf>, segment_size: u64) -> ChunkFiles {
        ChunkFiles {
            dir,
            segment_size,
            segments: Vec::new(),
            pending: Vec::new(),
            live_bytes: 0,
            write_errors: 0,
            last_error: None,
        }
    }

    /// The file of segment `n`, if on disk.
    fn path(&self, n: u32) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{n:08}")))
    }

    /// Starts segment `last + 1`.
    fn cut(&mut self) {
        let n = self.segments.last().map_or(1, |s| s.n + 1);
        self.segments.push(Segment {
            n,
            file: None,
            len: HEADER_LEN as u64,
            max_t: i64::MIN,
        });
        self.pending.push(Pending {
            segment: n,
            offset: 0,
            bytes: Arc::new(segment_header().to_vec()),
        });
    }

    /// Appends `chunk`'s frame and returns its reference. Nothing is
    /// written until [`flush`](Self::flush).
    pub(crate) fn append(&mut self, h: &FrameHeader, chunk: &[u8]) -> HeadChunkRef {
        let frame_len = frame_len(h, chunk.len()) as u64;
        let full = self
            .segments
            .last()
            .is_none_or(|s| s.len > HEADER_LEN as u64 && s.len + frame_len > self.segment_size);
        if full {
            self.cut();
        }
        let Some(seg) = self.segments.last_mut() else {
            return 0;
        };
        let offset = seg.len;
        seg.len += frame_len;
        seg.max_t = seg.max_t.max(h.max_t);
        self.live_bytes += frame_len;
        let n = seg.n;
        match self.pending.last_mut() {
            Some(p) if p.segment == n && p.offset + p.bytes.len() as u64 == offset => {
                encode_frame(Arc::make_mut(&mut p.bytes), h, chunk);
            }
            _ => {
                let mut bytes = Vec::with_capacity(frame_len as usize);
                encode_frame(&mut bytes, h, chunk);
                self.pending.push(Pending {
                    segment: n,
                    offset,
                    bytes: Arc::new(bytes),
                });
            }
        }
        (u64::from(n) << 32) | offset
    }

    /// Writes what is pending to the segment files (a no-op in memory).
    /// On failure the bytes stay pending (and readable); the error is
    /// counted, kept in `last_error` and returned.
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        if self.dir.is_none() {
            return Ok(());
        }
        while let Some(p) = self.pending.first() {
            let (segment, offset) = (p.segment, p.offset);
            let bytes = Arc::clone(&p.bytes);
            if let Err(e) = self.write(segment, offset, &bytes) {
                self.write_errors += 1;
                self.last_error = Some(e.to_string());
                return Err(e);
            }
            self.pending.remove(0);
        }
        Ok(())
    }

    fn write(&mut self, n: u32, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        let Some(path) = self.path(n) else {
            return Ok(());
        };
        let Some(seg) = self.segments.iter_mut().find(|s| s.n == n) else {
            return Ok(());
        };
        let file = match &seg.file {
            Some(f) => Arc::clone(f),
            None => {
                let f = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)
                    .map_err(|e| Error::io("creating head chunk segment", &path, e))?;
                let f = Arc::new(f);
                seg.file = Some(Arc::clone(&f));
                f
            }
        };
        file.write_all_at(bytes, offset)
            .map_err(|e| Error::io("writing head chunk segment", &path, e))
    }

    /// Deletes every segment but the newest whose chunks all end before
    /// `t` (queries holding a snapshot keep reading them).
    pub(crate) fn remove_before(&mut self, t: i64) -> Result<(), Error> {
        let Some(newest) = self.segments.last().map(|s| s.n) else {
            return Ok(());
        };
        let mut i = 0;
        while i < self.segments.len() {
            let s = &self.segments[i];
            if s.n == newest || s.max_t >= t {
                i += 1;
                continue;
            }
            let n = s.n;
            if let Some(path) = self.path(n) {
                if s.file.is_some() {
                    match std::fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(Error::io("deleting head chunk segment", &path, e)),
                    }
                }
            }
            let s = self.segments.remove(i);
            self.live_bytes -= (s.len - HEADER_LEN as u64).min(self.live_bytes);
            self.pending.retain(|p| p.segment != n);
        }
        Ok(())
    }

    /// Bytes of frames in the segments kept.
    pub(crate) fn live_bytes(&self) -> u64 {
        self.live_bytes
    }

    /// Bytes held in memory (pending or, without a directory, all).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.pending.iter().map(|p| p.bytes.capacity()).sum()
    }

    /// Segments kept.
    #[cfg(test)]
    pub(crate) fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// What a reader needs, shared: open files and pending bytes.
    pub(crate) fn snapshot(&self) -> ChunkSnapshot {
        ChunkSnapshot {
            files: self
                .segments
                .iter()
                .filter_map(|s| s.file.as_ref().map(|f| (s.n, Arc::clone(f))))
                .collect(),
            pending: self.pending.clone(),
        }
    }

    /// Reads chunk `r` of series `series` (see [`ChunkSnapshot::read`]).
    pub(crate) fn read(
        &self,
        r: HeadChunkRef,
        series: SeriesId,
        buf: &mut Vec<u8>,
    ) -> Result<FrameHeader, &'static str> {
        let file = |n: u32| {
            self.segments
                .iter()
                .find(|s| s.n == n)
                .and_then(|s| s.file.as_deref())
        };
        read_frame(file, &self.pending, r, series, buf)
    }
}

/// The number of a segment file's name (eight digits), if it is one.
fn segment_number(path: &Path) -> Option<u32> {
    path.file_name()
        .and_then(|n| n.to_str())
        .filter(|s| s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
}

/// The head's chunk files as of some moment, for reading without the
/// head's lock.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChunkSnapshot {
    files: Vec<(u32, Arc<File>)>,
    pending: Vec<Pending>,
}

impl ChunkSnapshot {
    /// Reads chunk `r`, which must belong to `series`, into `buf` (its
    /// bytes, encoding byte first) and returns its frame header.
    pub(crate) fn read(
        &self,
        r: HeadChunkRef,
        series: SeriesId,
        buf: &mut Vec<u8>,
    ) -> Result<FrameHeader, &'static str> {
        let file = |n: u32| self.files.iter().find(|(m, _)| *m == n).map(|(_, f)| &**f);
        read_frame(file, &self.pending, r, series, buf)
    }
}

fn read_frame<'a>(
    file: impl Fn(u32) -> Option<&'a File>,
    pending: &[Pending],
    r: HeadChunkRef,
    series: SeriesId,
    buf: &mut Vec<u8>,
) -> Result<FrameHeader, &'static str> {
    let (n, offset) = ((r >> 32) as u32, r & u64::from(u32::MAX));
    if offset < HEADER_LEN as u64 {
        return Err("reference into a segment header");
    }
    let check = |h: FrameHeader| {
        if h.series != series {
            Err("chunk belongs to another series")
        } else if h.prev >= r {
            Err("chunk's previous chunk is not older")
        } else {
            Ok(h)
        }
    };
    let in_pending = pending
        .iter()
        .find(|p| p.segment == n && p.offset <= offset && offset < p.offset + p.bytes.len() as u64);
    if let Some(p) = in_pending {
        let at = (offset - p.offset) as usize;
        return match parse_frame(&p.bytes[at..])? {
            Ok((h, chunk, _)) => {
                buf.clear();
                buf.extend_from_slice(chunk);
                check(h)
            }
            Err(_) => Err("chunk runs past the end of the segment"),
        };
    }
    let f = file(n).ok_or("reference to a missing head chunk segment")?;
    let mut want = 512;
    loop {
        buf.resize(want, 0);
        let got = read_at_most(f, buf, offset).map_err(|_| "reading a head chunk failed")?;
        buf.truncate(got);
        match parse_frame(buf)? {
            Ok((h, chunk, frame)) => {
                let len = chunk.len();
                let at = frame - CRC_LEN - len;
                buf.copy_within(at..at + len, 0);
                buf.truncate(len);
                return check(h);
            }
            Err(need) if need > got && got == want => want = need,
            Err(_) => return Err("chunk runs past the end of the segment"),
        }
    }
}

/// Reads up to `buf.len()` bytes at `offset`, fewer at the end of file.
fn read_at_most(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
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

/// The closed chunks of a series holding samples in `[min_t, max_t]`,
/// oldest first, found by walking back from `newest` (whose last
/// timestamp is `newest_max_t`): `read` fills a buffer with a chunk's
/// bytes and returns its header. Chunks entirely after `max_t` are
/// passed over; the walk stops at the first chunk ending before `min_t`
/// without reading it.
pub(crate) fn walk(
    newest: HeadChunkRef,
    newest_max_t: i64,
    min_t: i64,
    max_t: i64,
    mut read: impl FnMut(HeadChunkRef, &mut Vec<u8>) -> Result<FrameHeader, &'static str>,
) -> Result<Vec<(FrameHeader, Vec<u8>)>, &'static str> {
    let mut out = Vec::new();
    let (mut r, mut r_max_t) = (newest, newest_max_t);
    while r != 0 && r_max_t >= min_t {
        let mut buf = Vec::new();
        let h = read(r, &mut buf)?;
        if h.max_t != r_max_t {
            return Err("chunk's time range differs from its reference");
        }
        let prev = (h.prev, h.prev_max_t);
        if h.min_t <= max_t {
            out.push((h, buf));
        }
        if h.prev != 0 && h.prev_max_t >= h.min_t {
            return Err("chunk's previous chunk overlaps it");
        }
        (r, r_max_t) = prev;
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(series: u32, min_t: i64, max_t: i64, prev: u64, prev_max_t: i64) -> FrameHeader {
        FrameHeader {
            series,
            min_t,
            max_t,
            prev,
            prev_max_t,
        }
    }

    /// Appends three chunks of series 7 in a chain; returns their refs.
    fn chain(files: &mut ChunkFiles) -> Vec<HeadChunkRef> {
        let a = files.append(&header(7, 0, 9, 0, 0), &[1, 2, 3]);
        let b = files.append(&header(7, 10, 19, a, 9), &[4, 5]);
        let c = files.append(&header(7, 20, 29, b, 19), &[6]);
        vec![a, b, c]
    }

    fn walked(files: &ChunkFiles, newest: u64, lo: i64, hi: i64) -> Vec<Vec<u8>> {
        walk(newest, 29, lo, hi, |r, buf| files.read(r, 7, buf))
            .unwrap()
            .into_iter()
            .map(|(_, b)| b)
            .collect()
    }

    #[test]
    fn walks_in_memory_and_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        for mut files in [
            // Segments of one frame each (a segment takes one frame
            // whatever its size).
            ChunkFiles::in_memory(HEADER_LEN + 1),
            ChunkFiles::open(&dir.path().join(DIR)).unwrap(),
        ] {
            let refs = chain(&mut files);
            files.flush().unwrap();
            let c = refs[2];
            // (range, chunks expected)
            type Case = ((i64, i64), &'static [&'static [u8]]);
            let cases: &[Case] = &[
                ((0, 29), &[&[1, 2, 3], &[4, 5], &[6]]),
                ((10, 19), &[&[4, 5]]),
                ((15, 25), &[&[4, 5], &[6]]),
                ((30, 40), &[]),
                ((-5, 5), &[&[1, 2, 3]]),
            ];
            for &((lo, hi), want) in cases {
                assert_eq!(walked(&files, c, lo, hi), want, "[{lo}, {hi}]");
            }
            let snap = files.snapshot();
            let mut buf = Vec::new();
            assert_eq!(snap.read(refs[1], 7, &mut buf).unwrap().min_t, 10);
            assert_eq!(buf, [4, 5]);
            assert!(snap.read(refs[1], 8, &mut buf).is_err(), "other series");
            assert!(snap.read(refs[1] + 1, 7, &mut buf).is_err(), "mid-frame");
            assert!(snap.read(3, 7, &mut buf).is_err(), "in the header");
            assert!(snap.read(99 << 32 | 8, 7, &mut buf).is_err(), "no segment");
        }
    }

    #[test]
    fn old_segments_are_deleted_and_snapshots_keep_reading() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = ChunkFiles::open(dir.path()).unwrap();
        // One frame per segment.
        files.segment_size = HEADER_LEN as u64 + 1;
        let refs = chain(&mut files);
        files.flush().unwrap();
        assert_eq!(files.segment_count(), 3);
        let snap = files.snapshot();
        files.remove_before(20).unwrap();
        assert_eq!(files.segment_count(), 1, "the newest segment stays");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        let mut buf = Vec::new();
        assert!(files.read(refs[0], 7, &mut buf).is_err());
        snap.read(refs[0], 7, &mut buf).unwrap();
        assert_eq!(buf, [1, 2, 3]);
        // A walk from the newest chunk stops before the deleted ones.
        assert_eq!(walked(&files, refs[2], 20, 29), [[6]]);
        // Reopening starts empty.
        drop(files);
        let files = ChunkFiles::open(dir.path()).unwrap();
        assert_eq!(files.segment_count(), 0);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn failed_writes_stay_readable_and_are_retried() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("x");
        let mut files = ChunkFiles::open(&sub).unwrap();
        std::fs::remove_dir(&sub).unwrap();
        let refs = chain(&mut files);
        assert!(files.flush().is_err());
        assert_eq!(files.write_errors, 1);
        assert_eq!(walked(&files, refs[2], 0, 29).len(), 3);
        std::fs::create_dir(&sub).unwrap();
        files.flush().unwrap();
        assert_eq!(files.memory_bytes(), 0);
        assert_eq!(walked(&files, refs[2], 0, 29).len(), 3);
    }
}
