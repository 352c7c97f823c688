//! The write-ahead log: durable, ordered records of opaque bytes in a
//! directory of segment files. What a record contains (series, samples,
//! tombstones) is the head's business; this layer frames, checksums,
//! syncs, cuts, repairs and replays.
//!
//! # Layout
//!
//! Segments are files named by eight-digit numbers (`00000000`,
//! `00000001`, …), at most [`WalOptions::segment_size`] bytes each
//! (default 128 MiB). A segment is a sequence of records, each framed as
//!
//! ```text
//! kind u8 | len u32 LE | crc u32 LE | payload[len]      crc = CRC32C(kind ‖ len ‖ payload)
//! ```
//!
//! and every segment but the one being written ends with a *seal* record
//! naming its own number. `docs/format/wal.md` has the byte diagrams.
//!
//! **Why whole length-prefixed records and not 32 KiB pages of record
//! fragments** (Prometheus, after LevelDB): pages let a reader resume at
//! the next page after corruption, but a WAL whose records depend on
//! earlier ones cannot use anything after a gap, so resynchronising buys
//! nothing; fragments and page padding cost bytes and code. A batch is
//! framed in memory and written with one `write` call. The checksum
//! covers the header too, so a damaged length is detected instead of
//! misframing the rest; kind `0` is invalid, so zero-filled space never
//! parses as a record; the seal makes a non-last segment that lost its
//! tail detectable, which a plain record stream cannot tell from a
//! segment that was cut early.
//!
//! # Durability ([`SyncPolicy`])
//!
//! A record is durable once its segment is `fdatasync`ed. Segments are
//! synced when they are sealed (before the next one is created, so any
//! non-last segment on disk is complete), by [`Wal::sync`] and
//! [`Wal::close`], and after every [`Wal::log`] with
//! [`SyncPolicy::Always`]. Creating and deleting segments syncs the
//! directory. [`SyncPolicy::Never`] skips all of it, for tests.
//!
//! # Repair ([`Wal::open`], [`RepairReport`])
//!
//! Opening reads every segment and never refuses to start over damaged
//! data. At the first damage — a torn or corrupt record, zero fill,
//! bytes after a seal, a missing seal or a missing segment — it keeps
//! every intact record before it, truncates that segment there, deletes
//! all later segments, and reports exactly what it dropped and where. In
//! the last segment that is the normal aftermath of a crash; earlier, it
//! means data was lost, and `damage.last_segment` says so for the
//! caller to log or alert on. [`Wal::inspect`] gives the same report
//! without changing anything, for a caller that wants to decide first
//! (for example to copy the directory aside).

mod reader;
mod record;
mod repair;
mod segment;

pub use reader::{Reader, Record};
pub use repair::{DamageReport, DroppedSegment, RepairReport};

use crate::Error;
use record::{put_record, put_seal, HEADER_LEN, KIND_DATA, SEAL_LEN};
use std::fmt;
use std::fs::File;
use std::io::Write;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

pub(crate) use record::{put_seal as frame_seal, Fault, SegmentDecoder};
pub(crate) use segment::sync_dir;

/// Frames `payload` as a data record onto `out`.
pub(crate) fn frame_record(out: &mut Vec<u8>, payload: &[u8]) {
    put_record(out, KIND_DATA, payload);
}

/// The smallest segment size accepted.
pub const MIN_SEGMENT_SIZE: u64 = 64;

/// The write buffer's capacity kept between batches: a scrape's samples
/// records fit; the buffer of a larger batch is freed after it.
const BUF_KEEP: usize = 512 << 10;

/// What is wrong with a WAL's bytes at some offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Damage {
    /// A record runs past the end of the segment: an interrupted write.
    Torn,
    /// From here to the end of the segment every byte is zero, as a crash
    /// can leave a file whose size was updated before its data.
    ZeroFilled,
    /// A record's checksum does not match its bytes.
    Checksum,
    /// A record header names no known kind, or a seal of the wrong size.
    BadHeader,
    /// Bytes follow the segment's seal.
    AfterSeal,
    /// The seal names another segment: the file was renamed or misplaced.
    WrongSeal,
    /// A segment that is not the last ends without a seal: its tail was
    /// lost.
    Unsealed,
    /// A segment number is absent between two present ones.
    Missing,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Damage::Torn => "record runs past the end of the segment",
            Damage::ZeroFilled => "zero-filled up to the end of the segment",
            Damage::Checksum => "record checksum mismatch",
            Damage::BadHeader => "invalid record header",
            Damage::AfterSeal => "bytes after the segment's seal",
            Damage::WrongSeal => "seal names another segment",
            Damage::Unsealed => "segment before the last ends without its seal",
            Damage::Missing => "segment missing",
        })
    }
}

/// When the WAL calls `fdatasync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncPolicy {
    /// After every [`Wal::log`], besides the times of `Manual`: a logged
    /// batch survives a machine crash. Costs one sync per batch.
    Always,
    /// When a segment is sealed, and on [`Wal::sync`] and [`Wal::close`]:
    /// the caller syncs on its own schedule (a timer, the end of a scrape)
    /// and a machine crash loses what was logged since. A process crash
    /// loses nothing (the data is in the page cache).
    #[default]
    Manual,
    /// Never, not even on `sync()`: for tests.
    Never,
}

/// How to open a WAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalOptions {
    /// Largest segment file in bytes; at least [`MIN_SEGMENT_SIZE`]. The
    /// largest record is this minus 22 bytes of framing.
    pub segment_size: u64,
    /// When to sync.
    pub sync: SyncPolicy,
}

impl Default for WalOptions {
    /// 128 MiB segments, [`SyncPolicy::Manual`].
    fn default() -> Self {
        WalOptions {
            segment_size: 128 << 20,
            sync: SyncPolicy::Manual,
        }
    }
}

/// An open write-ahead log. One writer per directory.
#[derive(Debug)]
pub struct Wal {
    dir: PathBuf,
    opts: WalOptions,
    first: u32,
    current: u32,
    file: File,
    /// Length of the current segment.
    size: u64,
    buf: Vec<u8>,
    poisoned: bool,
    /// Observes the duration of every segment fsync, if set.
    fsyncs: Option<hestia_instrument::Histogram>,
}

impl Wal {
    /// Observes the duration of every fsync of a segment in `histogram`
    /// from now on (in seconds; the head's self-metrics).
    pub fn observe_fsyncs(&mut self, histogram: hestia_instrument::Histogram) {
        self.fsyncs = Some(histogram);
    }

    /// Opens the WAL in `dir` (created if missing), repairing damage as
    /// the module documentation describes, and continues the last segment
    /// (or starts a new one after a sealed last segment).
    pub fn open(dir: impl AsRef<Path>, opts: WalOptions) -> Result<(Wal, RepairReport), Error> {
        let dir = dir.as_ref().to_path_buf();
        if opts.segment_size < MIN_SEGMENT_SIZE {
            return Err(Error::InvalidOptions(format!(
                "segment_size {} is below the minimum of {MIN_SEGMENT_SIZE}",
                opts.segment_size
            )));
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating WAL directory", &dir, e))?;
        let plan = repair::plan(&dir)?;
        let sync = opts.sync != SyncPolicy::Never;
        repair::apply(&dir, &plan, sync)?;
        let first = plan.report.segments.first().copied().unwrap_or(0);
        let (current, size, file) = match plan.last {
            Some((n, len, false)) => (n, len, segment::open_append(&dir, n, false)?),
            Some((n, _, true)) => (n + 1, 0, create_segment(&dir, n + 1, sync)?),
            None => (0, 0, create_segment(&dir, 0, sync)?),
        };
        let mut report = plan.report;
        if report.segments.last() != Some(&current) {
            report.segments.push(current);
        }
        let wal = Wal {
            dir,
            opts,
            first,
            current,
            file,
            size,
            buf: Vec::new(),
            poisoned: false,
            fsyncs: None,
        };
        Ok((wal, report))
    }

    /// What [`open`](Wal::open) would find and repair in `dir`, changing
    /// nothing. `segments` lists the segments that would be kept.
    pub fn inspect(dir: impl AsRef<Path>) -> Result<RepairReport, Error> {
        Ok(repair::plan(dir.as_ref())?.report)
    }

    /// The largest payload [`log`](Wal::log) accepts.
    pub fn max_record_len(&self) -> usize {
        let room = self.opts.segment_size - (HEADER_LEN + SEAL_LEN) as u64;
        room.min(u32::MAX as u64) as usize
    }

    /// Appends a batch of records, written with one `write` call per
    /// segment they land in (records never span segments; the batch may).
    /// Refuses the whole batch, writing nothing, if a record is larger
    /// than [`max_record_len`](Wal::max_record_len). If writing fails the
    /// segment is rolled back to its length before the batch.
    pub fn log<P: AsRef<[u8]>>(&mut self, records: &[P]) -> Result<(), Error> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        let max = self.max_record_len();
        if let Some(r) = records.iter().find(|r| r.as_ref().len() > max) {
            return Err(Error::RecordTooLarge {
                len: r.as_ref().len(),
                max,
            });
        }
        self.buf.clear();
        for r in records {
            let r = r.as_ref();
            let end = self.size + self.buf.len() as u64;
            if end > 0 && end + (HEADER_LEN + r.len() + SEAL_LEN) as u64 > self.opts.segment_size {
                self.flush()?;
                self.cut()?;
            }
            put_record(&mut self.buf, KIND_DATA, r);
        }
        self.flush()?;
        if self.buf.capacity() > BUF_KEEP {
            // A batch creating many series (a new target's first scrape)
            // would otherwise pin megabytes for the process's lifetime.
            self.buf = Vec::new();
        }
        if self.opts.sync == SyncPolicy::Always {
            self.sync_file()?;
        }
        Ok(())
    }

    /// Writes the buffer to the current segment, rolling back on failure.
    fn flush(&mut self) -> Result<(), Error> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.file.write_all(&self.buf) {
            self.buf.clear();
            if self.file.set_len(self.size).is_err() {
                self.poisoned = true;
            }
            return Err(Error::io("writing WAL segment", self.segment_path(), e));
        }
        self.size += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    fn sync_file(&mut self) -> Result<(), Error> {
        let start = std::time::Instant::now();
        self.file
            .sync_data()
            .map_err(|e| Error::io("syncing WAL segment", self.segment_path(), e))?;
        if let Some(h) = &self.fsyncs {
            h.observe(start.elapsed().as_secs_f64());
        }
        Ok(())
    }

    fn segment_path(&self) -> PathBuf {
        segment::path(&self.dir, self.current)
    }

    /// Seals the current segment, syncs it, and starts the next.
    fn cut(&mut self) -> Result<(), Error> {
        let next = self.current + 1;
        if next > segment::MAX_SEGMENT {
            return Err(Error::InvalidOptions(
                "segment numbers are exhausted".into(),
            ));
        }
        put_seal(&mut self.buf, self.current);
        self.flush()?;
        // From here on the segment is sealed: if we fail, only reopening
        // (which starts a new segment) can continue.
        self.poisoned = true;
        let sync = self.opts.sync != SyncPolicy::Never;
        if sync {
            self.sync_file()?;
        }
        self.file = create_segment(&self.dir, next, sync)?;
        self.current = next;
        self.size = 0;
        self.poisoned = false;
        Ok(())
    }

    /// Makes everything logged so far durable (a no-op with
    /// [`SyncPolicy::Never`]).
    pub fn sync(&mut self) -> Result<(), Error> {
        if self.opts.sync == SyncPolicy::Never {
            return Ok(());
        }
        self.sync_file()
    }

    /// Seals the current segment and starts a new one, returning its
    /// number: everything logged before is in segments below it, which a
    /// checkpoint can then cover.
    pub fn next_segment(&mut self) -> Result<u32, Error> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        self.buf.clear();
        self.cut()?;
        Ok(self.current)
    }

    /// The segments on disk, oldest to current.
    pub fn segments(&self) -> RangeInclusive<u32> {
        self.first..=self.current
    }

    /// The segment being written.
    pub fn current_segment(&self) -> u32 {
        self.current
    }

    /// The WAL's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Deletes the segments before `segment`, oldest first (so an
    /// interruption leaves an unbroken range). `segment` may be at most
    /// the current one.
    pub fn truncate_before(&mut self, segment: u32) -> Result<(), Error> {
        if segment > self.current {
            return Err(Error::TruncateBeyondCurrent {
                requested: segment,
                current: self.current,
            });
        }
        for n in self.first..segment {
            let path = segment::path(&self.dir, n);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("deleting WAL segment", path, e)),
            }
            self.first = n + 1;
        }
        if self.opts.sync != SyncPolicy::Never {
            segment::sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// A reader over `segments` of this WAL (see [`Reader`]).
    pub fn reader(&self, segments: RangeInclusive<u32>) -> Result<Reader, Error> {
        Reader::open(&self.dir, segments)
    }

    /// Syncs (unless [`SyncPolicy::Never`]) and closes. Dropping a `Wal`
    /// closes it without syncing.
    pub fn close(mut self) -> Result<(), Error> {
        self.sync()
    }
}

/// Creates empty segment `n` and makes its directory entry durable.
fn create_segment(dir: &Path, n: u32, sync: bool) -> Result<File, Error> {
    let file = segment::open_append(dir, n, true)?;
    if sync {
        segment::sync_dir(dir)?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch larger than [`BUF_KEEP`] is written whole and its buffer is
    /// freed afterwards; smaller batches keep theirs for the next.
    #[test]
    fn large_batches_do_not_pin_the_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(dir.path(), WalOptions::default()).unwrap();
        wal.log(&[vec![7u8; 1000]]).unwrap();
        assert!(wal.buf.capacity() >= 1000);
        wal.log(&[vec![1u8; BUF_KEEP], vec![2u8; BUF_KEEP]])
            .unwrap();
        assert_eq!(wal.buf.capacity(), 0);
        wal.log(&[vec![3u8; 10]]).unwrap();
        let mut r = wal.reader(wal.segments()).unwrap();
        let mut lens = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            lens.push(rec.payload.len());
        }
        assert_eq!(lens, [1000, BUF_KEEP, BUF_KEEP, 10]);
    }
}
