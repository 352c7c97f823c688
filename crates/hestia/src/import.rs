//! Backfilling: [`import`] reads timestamped samples from OpenMetrics text
//! and writes them as blocks aligned to a block duration, as `promtool
//! tsdb create-blocks-from openmetrics` does.
//!
//! Threads: one parsing thread and one encoder thread per core (up to
//! four each), plus the calling thread. The calling thread reads the input
//! in pieces, which the parsing threads parse concurrently
//! ([`SampleReader::with_threads`](crate::openmetrics::SampleReader::with_threads)),
//! and takes the samples back in input order. It gathers each series'
//! samples per aligned window (`[k × duration, (k + 1) × duration)`) in a
//! plain vector; a run of samples goes to the encoders when its series
//! moves to another window or reaches a chunk's length, so a series gets
//! one chunk per window however the input interleaves it with others (a
//! histogram's series come point by point); every open run is sent when a
//! new metric family starts (OpenMetrics never interleaves families, so
//! those series are complete) and when the open runs hold
//! [`OPEN_SAMPLES_BUDGET`] samples. An encoder packs each run into one
//! block chunk right away, so the samples held are those of the open runs
//! plus the packed chunks (under a byte a sample on scraped data) and a
//! few pieces of input, never the whole input. The chunks are the same
//! however many threads. At `# EOF` every window with data becomes one
//! level-1 block covering the window's first to last sample, its series in
//! label order (a series' chunks in time order), written from those chunks
//! as they are; the blocks are written two at a time.
//!
//! Blocks are written only once the whole input has been read, so an
//! invalid input leaves nothing behind, and if writing one block fails the
//! blocks this import already wrote are removed. Blocks land in the
//! output directory, which a `Db` then opens like any other.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

use hestia_model::Labels;
use hestia_tsdb::block::{BlockOptions, BlockPlan, BlockWriter, EncodedChunk};
use hestia_tsdb::{BlockId, BlockMeta, Chunk, Encoding, Sample};

use crate::openmetrics::{Entry, SampleReader};
use crate::Error;

/// How [`import`] writes blocks.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The block duration in milliseconds (blocks are aligned to it).
    pub block_duration: i64,
    /// How blocks are written.
    pub block: BlockOptions,
    /// The id of the first block (the next ones count up from it); `None`:
    /// the first id of the current millisecond.
    pub first_id: Option<BlockId>,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            block_duration: hestia_tsdb::db::DEFAULT_BLOCK_RANGE,
            block: BlockOptions::default(),
            first_id: None,
        }
    }
}

/// The block duration `promtool tsdb create-blocks-from openmetrics
/// --max-block-duration` picks: the default two hours, or for a longer
/// maximum the longest of 2 h × 3^k (k up to 9) that does not exceed it.
pub fn compatible_block_duration(max: i64) -> i64 {
    let base = hestia_tsdb::db::DEFAULT_BLOCK_RANGE;
    let mut d = base;
    for _ in 0..9 {
        if d.saturating_mul(3) > max {
            break;
        }
        d *= 3;
    }
    d
}

/// How far an import has got, reported to a callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Reading the input: bytes read and samples found so far.
    Reading {
        /// Bytes read.
        bytes: u64,
        /// Samples read.
        samples: u64,
    },
    /// Writing block `block` (from 1) of `blocks`.
    Writing {
        /// The block being written, from 1.
        block: usize,
        /// The number of blocks.
        blocks: usize,
    },
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Bytes of input read.
    pub bytes: u64,
    /// Samples imported.
    pub samples: u64,
    /// Distinct series.
    pub series: usize,
    /// The blocks written, oldest first.
    pub blocks: Vec<BlockMeta>,
}

/// The most samples held in open runs (16 bytes each, so 256 MiB) before
/// every open run is sent as it is. Below it a series gets one chunk per
/// window however its samples are interleaved with other series' (as the
/// series of a histogram are, point by point); above it, more chunks.
pub const OPEN_SAMPLES_BUDGET: usize = 1 << 24;

const REPORT_EVERY: u64 = 1 << 16;

/// The size of the pieces the input is parsed in: small enough that the
/// pieces in flight between the parsing threads stay a few MiB, and
/// larger than the caller's read buffer (1 MiB for `hestia tsdb import`),
/// which then reads into them directly.
const PIECE: usize = 2 << 20;

/// Threads that parse the input: one per core, up to four (with one
/// core the calling thread parses).
fn parse_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// Runs in flight between the threads: enough for the series of a large
/// family, so that the reader hands a finished family over without
/// waiting for the encoder (runs are at most a window or a chunk long).
const QUEUE: usize = 1 << 14;

/// Samples of one series in one window, in time order.
#[derive(Debug)]
struct Run {
    series: u32,
    samples: Vec<Sample>,
}

/// One window's packed chunks, in the order they were encoded (by any of
/// the encoders), and its first and last timestamp.
#[derive(Debug)]
struct Window {
    min_t: i64,
    max_t: i64,
    chunks: Vec<(u32, EncodedChunk)>,
}

/// Reads `input` to `# EOF` and writes its samples as blocks in `dir`
/// (created if missing). `progress` is called now and then.
pub fn import(
    input: impl BufRead,
    dir: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportReport, Error> {
    import_with(input, dir, opts, progress, OPEN_SAMPLES_BUDGET, PIECE)
}

/// [`import`] holding at most `budget` samples in open runs, parsing
/// pieces of `piece` bytes.
fn import_with(
    input: impl BufRead,
    dir: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
    budget: usize,
    piece: usize,
) -> Result<ImportReport, Error> {
    if opts.block_duration < 1 {
        return Err(Error::Invalid("the block duration must be positive".into()));
    }
    let max_run = opts.block.max_chunk_samples.max(1);
    let d = opts.block_duration;
    let mut reader = SampleReader::with_piece_size(input, piece).with_threads(parse_threads());
    let mut samples = 0u64;
    let (tx, rx) = sync_channel(QUEUE);
    let rx = Mutex::new(rx);
    let (windows, read) = std::thread::scope(|scope| {
        let encoders: Vec<_> = (0..parse_threads())
            .map(|_| {
                let rx = &rx;
                scope.spawn(move || encode(rx, d))
            })
            .collect();
        let mut runs = Runs::new(tx, d, max_run, budget);
        let read = reader.for_each(|e, bytes| {
            samples += 1;
            if samples % REPORT_EVERY == 0 {
                progress(Progress::Reading { bytes, samples });
            }
            runs.add(e)
        });
        let read = read.and_then(|()| runs.finish());
        // Closes the queue, also after an error, so that the encoder ends.
        drop(runs);
        // A failed send means an encoder stopped: its error comes first.
        let mut windows = Ok(BTreeMap::new());
        for encoder in encoders {
            let w = encoder
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            windows = match (windows, w) {
                (Ok(all), Ok(w)) => Ok(join_windows(all, w)),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
        }
        (windows, read)
    });
    let windows = windows?;
    read?;
    let bytes = reader.bytes_read();
    progress(Progress::Reading { bytes, samples });
    let labels = reader.into_labels();
    let blocks = write_blocks(dir, opts, &labels, windows, progress)?;
    Ok(ImportReport {
        bytes,
        samples,
        series: labels.len(),
        blocks,
    })
}

/// The open runs of every series, on the reading side.
struct Runs {
    tx: Option<SyncSender<Run>>,
    d: i64,
    max_run: usize,
    open: Vec<Vec<Sample>>,
    /// Samples in `open`.
    held: usize,
    /// Budget of `held` (`OPEN_SAMPLES_BUDGET`, smaller in tests).
    budget: usize,
    /// The family of the previous sample.
    family: u32,
}

impl Runs {
    fn new(tx: SyncSender<Run>, d: i64, max_run: usize, budget: usize) -> Runs {
        Runs {
            tx: Some(tx),
            d,
            max_run,
            open: Vec::new(),
            held: 0,
            budget: budget.max(1),
            family: 0,
        }
    }

    fn add(&mut self, e: Entry) -> Result<(), Error> {
        let id = e.series as usize;
        if id >= self.open.len() {
            self.open.resize_with(id + 1, Vec::new);
        }
        // A new family: the series seen so far are complete, and the
        // encoder can pack them while reading goes on.
        if self.held >= self.budget || e.family != self.family {
            self.send_all()?;
            self.family = e.family;
        }
        let run = &self.open[id];
        if let Some(first) = run.first() {
            let window = |t: i64| t - t.rem_euclid(self.d);
            if run.len() >= self.max_run || window(first.t) != window(e.t) {
                self.send(e.series)?;
            }
        }
        self.open[id].push(Sample::new(e.t, e.v));
        self.held += 1;
        Ok(())
    }

    /// Sends every open run.
    fn send_all(&mut self) -> Result<(), Error> {
        for id in 0..self.open.len() {
            if !self.open[id].is_empty() {
                self.send(id as u32)?;
            }
        }
        Ok(())
    }

    fn send(&mut self, series: u32) -> Result<(), Error> {
        let samples = std::mem::take(&mut self.open[series as usize]);
        self.held -= samples.len();
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send(Run { series, samples }).is_ok());
        if sent {
            Ok(())
        } else {
            Err(Error::Invalid("the encoder stopped".into()))
        }
    }

    /// Sends every open run and closes the queue.
    fn finish(&mut self) -> Result<(), Error> {
        self.send_all()?;
        self.tx = None;
        Ok(())
    }
}

/// The windows of two encoders together.
fn join_windows(
    mut all: BTreeMap<i64, Window>,
    more: BTreeMap<i64, Window>,
) -> BTreeMap<i64, Window> {
    for (start, w) in more {
        match all.entry(start) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(w);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let a = o.get_mut();
                a.min_t = a.min_t.min(w.min_t);
                a.max_t = a.max_t.max(w.max_t);
                a.chunks.extend(w.chunks);
            }
        }
    }
    all
}

/// An encoder thread (there is one per core): packs each run it takes
/// into a chunk of its window.
///
/// After a failure it goes on taking runs (without packing them), so that
/// the reader never waits on a queue nobody empties.
fn encode(rx: &Mutex<Receiver<Run>>, d: i64) -> Result<BTreeMap<i64, Window>, Error> {
    let mut windows: BTreeMap<i64, Window> = BTreeMap::new();
    let mut failure = None;
    loop {
        let run = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => break,
        };
        let Ok(run) = run else { break };
        let (Some(first), Some(last)) = (run.samples.first(), run.samples.last()) else {
            continue;
        };
        if failure.is_some() {
            continue;
        }
        let (min_t, max_t) = (first.t, last.t);
        let chunk = match Chunk::encode(Encoding::Packed, &run.samples) {
            Ok(c) => c,
            Err(e) => {
                failure = Some(e);
                continue;
            }
        };
        let w = windows
            .entry(min_t - min_t.rem_euclid(d))
            .or_insert(Window {
                min_t,
                max_t,
                chunks: Vec::new(),
            });
        w.min_t = w.min_t.min(min_t);
        w.max_t = w.max_t.max(max_t);
        w.chunks.push((
            run.series,
            EncodedChunk {
                chunk,
                min_t,
                max_t,
                samples: run.samples.len(),
            },
        ));
    }
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(windows),
    }
}

/// Writes one block per window, two at a time; on failure removes the
/// blocks already written.
fn write_blocks(
    dir: &Path,
    opts: &ImportOptions,
    labels: &[Labels],
    windows: BTreeMap<i64, Window>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<BlockMeta>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    // Each series' place in label order.
    let mut order: Vec<u32> = (0..labels.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| labels[a as usize].cmp(&labels[b as usize]));
    let mut rank = vec![0u32; labels.len()];
    for (r, &id) in order.iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    let first = opts
        .first_id
        .unwrap_or_else(|| BlockId::at(hestia_model::timestamp::now()));
    let blocks = windows.len();
    let jobs = Mutex::new(windows.into_values().enumerate());
    let results = Mutex::new(Vec::new());
    let work = || loop {
        let job = jobs.lock().map(|mut j| j.next());
        let Ok(Some((k, window))) = job else {
            return;
        };
        let id = BlockId(first.0 + k as u128);
        let written = write_block(dir, opts, labels, &rank, id, window);
        if let Ok(mut r) = results.lock() {
            r.push((k, written));
        }
    };
    std::thread::scope(|scope| {
        let helper = scope.spawn(work);
        work();
        let _ = helper.join();
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(k, _)| *k);
    let mut metas = Vec::new();
    let mut failure = None;
    for (k, r) in results {
        progress(Progress::Writing {
            block: k + 1,
            blocks,
        });
        match r {
            Ok(Some(meta)) => metas.push(meta),
            Ok(None) => {}
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    if let Some(e) = failure {
        for m in &metas {
            let _ = std::fs::remove_dir_all(dir.join(m.id.to_string()));
        }
        return Err(e);
    }
    Ok(metas)
}

/// Writes one window as block `id`.
fn write_block(
    dir: &Path,
    opts: &ImportOptions,
    labels: &[Labels],
    rank: &[u32],
    id: BlockId,
    mut window: Window,
) -> Result<Option<BlockMeta>, Error> {
    let plan = BlockPlan {
        id,
        min_t: window.min_t,
        max_t: window.max_t + 1,
        level: 1,
        sources: Vec::new(),
        parents: Vec::new(),
    };
    // A series' chunks in time order (they never overlap).
    window
        .chunks
        .sort_unstable_by_key(|(series, c)| (rank[*series as usize], c.min_t));
    let (ids, chunks): (Vec<u32>, Vec<EncodedChunk>) = window.chunks.into_iter().unzip();
    let mut w = BlockWriter::new(dir, plan, opts.block)?;
    let mut start = 0;
    while start < ids.len() {
        let series = ids[start];
        let end = start + ids[start..].iter().take_while(|&&s| s == series).count();
        w.add_series_chunks(&labels[series as usize], &chunks[start..end])?;
        start = end;
    }
    Ok(w.finish()?)
}

#[cfg(test)]
mod tests;
