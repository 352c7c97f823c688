//! The head: the in-memory part of the TSDB that takes appends, with its
//! write-ahead log. [`Head`] implements the storage contract
//! ([`Appendable`], [`Queryable`] of `hestia-storage`).
//!
//! * **Series** are found by [`Labels::hash`] (collisions resolved by
//!   comparing labels) and named by a dense id, the [`SeriesRef`] handed to
//!   appenders. Ids are logged with the series and recreated by replay, so
//!   a reference stays valid across restarts. Labels are kept as ids into a
//!   symbol table (`index::Symbols`), written as varints: two to four
//!   bytes per label per series.
//! * **Samples** go to the series' open [`Xor`](crate::Encoding::Xor)
//!   chunk, 48 bytes held inside the series' state; when it is full or
//!   holds [`HeadOptions::samples_per_chunk`] samples the chunk is closed
//!   and written to the head's chunk files (`chunk_files.rs`,
//!   `<dir>/chunks_head/`, or memory for [`Head::new`]) as a frame that
//!   links to the series' previous closed chunk. A series keeps only the
//!   newest closed chunk's reference, so its memory (112 bytes of state
//!   with the open chunk, its labels as symbol ids, its postings) is the
//!   same from its first sample on and does not grow with the head's
//!   time span.
//! * **Appends** (`append.rs`) are checked per sample as the contract
//!   says, collected privately, and on commit logged to the WAL (series
//!   records for series not logged yet, then samples records) before they
//!   are applied under the write lock: a commit is visible all at once,
//!   and the WAL's order is the order commits were applied in.
//! * **Queries** (`query.rs`) evaluate matchers on the postings
//!   (`index/`), then copy, under the read lock, each selected series'
//!   newest closed chunk reference and open chunk, and a snapshot of the
//!   chunk files; the closed chunks are read (walking back from the
//!   newest) one series at a time as the result is consumed, without the
//!   lock: each select reads one consistent state and never blocks
//!   appends while its result is read.
//! * **Opening** (`replay.rs`) repairs the WAL ([`RepairReport`]) and
//!   replays it one record at a time; it never refuses to start over
//!   damaged or undecodable data, and reports what it skipped. The chunk
//!   files of the previous run are deleted first: the WAL (checkpoint
//!   plus segments) holds every sample of the head, and replay writes
//!   the chunks again as it closes them.
//!
//! * **Truncation and deletes** (`truncate.rs`): once blocks hold the
//!   oldest data, [`Head::truncate`] drops it and checkpoints the WAL;
//!   [`Head::delete`] removes samples (logged as a deletes record).
//!
//! * **Out-of-order samples** are refused and counted by default. With
//!   [`HeadOptions::out_of_order_window`] `W > 0`, a sample before its
//!   series' newest is accepted when it is at or after the head's newest
//!   timestamp minus `W` (older: `TooOld`) and the series has no sample
//!   at its time; it goes to the series' out-of-order store (`ooo.rs`:
//!   a sorted buffer of 32 samples, then in-memory XOR chunks), is
//!   logged as an out-of-order samples record, and is merged with the
//!   in-order chunks by queries. Samples before the head's minimum valid
//!   time stay `OutOfBounds` (see the option).

mod append;
mod batch;
pub(crate) mod chunk_files;
pub(crate) mod chunk_frame;
mod ooo;
mod query;
mod replay;
mod series;
mod state;
mod truncate;

use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use hestia_model::Labels;
use hestia_storage::{Appendable, Appender, Querier, Queryable, SeriesRef, StorageError};
use parking_lot::{Mutex, RwLock};

use crate::chunk::Encoding;
use crate::wal::{RepairReport, Wal, WalOptions};
use crate::Error;

pub use replay::ReplayReport;

use chunk_files::ChunkFiles;
use state::State;

/// How a [`Head`] behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadOptions {
    /// The most samples a chunk holds before it is closed (default 120, as
    /// Prometheus; 1 to 65 535). A head chunk is also closed when its
    /// inline bytes are full, which on scraped data is after 25 to 120
    /// samples.
    pub samples_per_chunk: usize,
    /// The most series the head holds; creating another is refused with
    /// `AppendError::SeriesLimit` and counted. `None`: no limit.
    pub max_series: Option<usize>,
    /// Samples before this time are refused as `AppendError::OutOfBounds`
    /// (default: none). Adjustable with [`Head::set_min_valid_time`], for
    /// when blocks are cut.
    pub min_valid_time: i64,
    /// The out-of-order window in milliseconds (Prometheus'
    /// `storage.tsdb.out_of_order_time_window`). `0` (default): a sample
    /// before its series' newest is refused as `AppendError::OutOfOrder`.
    /// `W > 0`: it is accepted when at or after the head's newest
    /// timestamp minus `W`, refused as `AppendError::TooOld` before that;
    /// a sample at a time the series already has is stored once when its
    /// value is bit-identical and refused as a duplicate otherwise.
    /// Unlike Prometheus, which also takes such samples when they are
    /// older than the head's start (writing separate out-of-order
    /// blocks), samples before [`min_valid_time`](Self::min_valid_time)
    /// remain `AppendError::OutOfBounds`: the window reaches back at most
    /// to the start of the head. Negative values are refused.
    pub out_of_order_window: i64,
    /// Largest number of samples in one WAL record; a commit is split into
    /// records of at most this many, which bounds replay's memory.
    pub samples_per_record: usize,
    /// Size of the in-memory segments closed chunks are kept in by a head
    /// without a directory ([`Head::new`]; default 256 KiB). A head with a
    /// directory writes them to 128 MiB segment files instead.
    pub chunk_page_size: usize,
    /// The WAL's options (for [`Head::open`]).
    pub wal: WalOptions,
}

impl Default for HeadOptions {
    fn default() -> HeadOptions {
        HeadOptions {
            samples_per_chunk: 120,
            max_series: None,
            min_valid_time: i64::MIN,
            out_of_order_window: 0,
            samples_per_record: 10_000,
            chunk_page_size: 256 << 10,
            wal: WalOptions::default(),
        }
    }
}

impl HeadOptions {
    fn validate(&self) -> Result<(), Error> {
        let max = Encoding::Xor.max_samples();
        let problem = if !(1..=max).contains(&self.samples_per_chunk) {
            format!("samples_per_chunk must be 1 to {max}")
        } else if self.out_of_order_window < 0 {
            "out_of_order_window must not be negative".to_string()
        } else if self.samples_per_record == 0 {
            "samples_per_record must be at least 1".to_string()
        } else if self.chunk_page_size == 0 || self.chunk_page_size > u32::MAX as usize {
            "chunk_page_size must be 1 byte to 4 GiB".to_string()
        } else {
            return Ok(());
        };
        Err(Error::InvalidOptions(problem))
    }
}

/// What opening a head found: the WAL's repair and the replay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// What the WAL's repair found and dropped (see [`RepairReport`]).
    pub repair: RepairReport,
    /// What replaying the kept records did.
    pub replay: ReplayReport,
}

/// Samples refused by appenders, by reason (each an `AppendError` kind).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rejected {
    /// Before the series' newest sample without an out-of-order window
    /// (`OutOfOrder`): the out-of-order rejections.
    pub out_of_order: u64,
    /// At the time of a sample the series has, with another value
    /// (`DuplicateSampleForTimestamp`).
    pub duplicate: u64,
    /// Before the oldest appendable time (`OutOfBounds`).
    pub out_of_bounds: u64,
    /// Older than the out-of-order window (`TooOld`).
    pub too_old: u64,
    /// New series refused by the series limit (`SeriesLimit`).
    pub series_limit: u64,
    /// Unusable label sets (`InvalidLabels`).
    pub invalid_labels: u64,
}

/// The head's self-metrics, a snapshot from [`Head::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeadStats {
    /// Series in the head (with or without samples).
    pub series: usize,
    /// Chunks: closed ones plus open ones holding samples, out-of-order
    /// ones included.
    pub chunks: usize,
    /// Samples stored (replayed ones included).
    pub samples: u64,
    /// Samples committed through appenders since the head was opened.
    pub samples_appended: u64,
    /// Of those, samples accepted out of order (within the window).
    pub out_of_order_appended: u64,
    /// Samples refused by `append`, by kind.
    pub rejected: Rejected,
    /// Accepted samples dropped at commit because a concurrent appender's
    /// commit had already stored a sample at or after their time.
    pub dropped_at_commit: u64,
    /// Bytes of closed chunks (framed) in the head's chunk files, on disk
    /// or, for a head without a directory, in memory.
    pub closed_chunk_bytes: usize,
    /// Bytes of closed chunks held in memory: all of them for a head
    /// without a directory; otherwise only those not written yet (after
    /// a failed write).
    pub arena_bytes: usize,
    /// Chunk file writes that failed (the chunks stay in memory and the
    /// write is retried; the WAL still holds their samples).
    pub chunk_write_errors: u64,
    /// Interned label strings.
    pub symbols: usize,
}

#[derive(Debug, Default)]
struct Counters {
    appended: AtomicU64,
    ooo_appended: AtomicU64,
    out_of_order: AtomicU64,
    duplicate: AtomicU64,
    out_of_bounds: AtomicU64,
    too_old: AtomicU64,
    series_limit: AtomicU64,
    invalid_labels: AtomicU64,
    dropped_at_commit: AtomicU64,
}

fn bump(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// The TSDB's in-memory head with its WAL. See the module documentation.
///
/// ```
/// use hestia_model::{labels, Matcher};
/// use hestia_storage::{Appendable, Queryable, SelectHints};
/// use hestia_tsdb::{Head, HeadOptions};
///
/// let dir = tempfile::tempdir().unwrap();
/// let (head, report) = Head::open(dir.path(), HeadOptions::default()).unwrap();
/// assert!(report.repair.is_clean());
/// let up = labels! { "__name__" => "up", "job" => "api" };
/// let mut app = head.appender();
/// let r = app.append(None, &up, 1_000, 1.0).unwrap();
/// app.append(Some(r), &up, 2_000, 0.0).unwrap();
/// app.commit().unwrap();
/// head.close().unwrap();
///
/// let (head, report) = Head::open(dir.path(), HeadOptions::default()).unwrap();
/// assert_eq!(report.replay.samples, 2);
/// let q = head.querier(0, 1_500).unwrap();
/// let mut set = q.select(true, &SelectHints::default(), &[Matcher::equal("job", "api")]);
/// let series = set.next().unwrap().unwrap();
/// assert_eq!(series.labels(), &up);
/// assert_eq!(series.into_samples().unwrap().len(), 1);
/// ```
#[derive(Debug)]
pub struct Head {
    opts: HeadOptions,
    state: RwLock<State>,
    /// Held from logging a commit until it is applied, so the WAL's order
    /// is the order of application. Lock order: `wal`, then `state`.
    wal: Option<Mutex<Wal>>,
    min_valid_time: AtomicI64,
    counters: Counters,
    /// Durations of the WAL's fsyncs, in seconds.
    fsyncs: hestia_instrument::Histogram,
    /// How long opening took to replay the WAL, in seconds (`f64` bits).
    replay_seconds: AtomicU64,
    /// Batch buffers of finished appenders, for the next ones.
    spare: append::SparePool,
}

impl Head {
    /// A head without a WAL: nothing survives the process. For tests,
    /// benchmarks and tools.
    pub fn new(opts: HeadOptions) -> Result<Head, Error> {
        opts.validate()?;
        let state = State::new(ChunkFiles::in_memory(opts.chunk_page_size));
        Ok(Head::with_state(opts, state, None))
    }

    fn with_state(opts: HeadOptions, state: State, wal: Option<Wal>) -> Head {
        let fsyncs = hestia_instrument::Histogram::new(fsync_buckets());
        Head {
            min_valid_time: AtomicI64::new(opts.min_valid_time),
            state: RwLock::new(state),
            wal: wal.map(|mut wal| {
                wal.observe_fsyncs(fsyncs.clone());
                Mutex::new(wal)
            }),
            counters: Counters::default(),
            fsyncs,
            replay_seconds: AtomicU64::new(0f64.to_bits()),
            spare: append::SparePool::new(),
            opts,
        }
    }

    /// Opens the head whose WAL is in `dir/wal` (created if missing):
    /// repairs the WAL, replays its latest checkpoint and then its
    /// segments (skipping samples before `opts.min_valid_time`), and
    /// continues logging there. Closed chunks go to `dir/chunks_head/`,
    /// whose old segments are deleted first (replay writes them again).
    /// Damage is
    /// reported, never refused: the head starts with every sample before
    /// the first damage. Fails only on invalid options or when the
    /// directory cannot be read or written.
    pub fn open(dir: impl AsRef<Path>, opts: HeadOptions) -> Result<(Head, OpenReport), Error> {
        opts.validate()?;
        let wal_dir = dir.as_ref().join("wal");
        let (mut wal, repair) = Wal::open(&wal_dir, opts.wal)?;
        let checkpoint = truncate::open_checkpoint(&wal_dir)?;
        if let Some((n, _)) = &checkpoint {
            truncate::remove_covered(&mut wal, *n)?;
        }
        let files = ChunkFiles::open(&dir.as_ref().join(chunk_files::DIR))?;
        let mut state = State::new(files);
        let replay_opts = replay::ReplayOptions {
            per_chunk: opts.samples_per_chunk,
            min_t: opts.min_valid_time,
        };
        let started = std::time::Instant::now();
        let replay = replay::replay(&mut state, checkpoint, &wal, &replay_opts)?;
        let seconds = started.elapsed().as_secs_f64();
        let head = Head::with_state(opts, state, Some(wal));
        head.replay_seconds
            .store(seconds.to_bits(), Ordering::Relaxed);
        Ok((head, OpenReport { repair, replay }))
    }

    /// Logs the series not logged yet (created by appends that were rolled
    /// back), syncs the WAL and closes it. Dropping a head instead loses
    /// nothing committed, but leaves syncing to the operating system.
    pub fn close(self) -> Result<(), Error> {
        self.state.write().files.flush()?;
        if let Some(wal) = self.wal {
            let mut wal = wal.into_inner();
            append::log_unlogged(&self.state, &mut wal, Default::default(), 1)?;
            wal.close()?;
        }
        Ok(())
    }

    /// Makes everything committed so far durable (see
    /// [`SyncPolicy`](crate::SyncPolicy)). A no-op without a WAL.
    pub fn sync(&self) -> Result<(), Error> {
        match &self.wal {
            Some(wal) => wal.lock().sync(),
            None => Ok(()),
        }
    }

    /// Refuses samples before `t` from now on (`AppendError::OutOfBounds`).
    pub fn set_min_valid_time(&self, t: i64) {
        self.min_valid_time.store(t, Ordering::Relaxed);
    }

    /// The options the head was opened with.
    pub fn options(&self) -> &HeadOptions {
        &self.opts
    }

    /// The head's self-metrics.
    pub fn stats(&self) -> HeadStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let state = self.state.read();
        HeadStats {
            series: state.live,
            chunks: state.chunks,
            samples: state.samples,
            samples_appended: get(&c.appended),
            out_of_order_appended: get(&c.ooo_appended),
            rejected: Rejected {
                out_of_order: get(&c.out_of_order),
                duplicate: get(&c.duplicate),
                out_of_bounds: get(&c.out_of_bounds),
                too_old: get(&c.too_old),
                series_limit: get(&c.series_limit),
                invalid_labels: get(&c.invalid_labels),
            },
            dropped_at_commit: get(&c.dropped_at_commit),
            closed_chunk_bytes: state.files.live_bytes() as usize,
            arena_bytes: state.files.memory_bytes(),
            chunk_write_errors: state.files.write_errors,
            symbols: state.symbols.len(),
        }
    }

    /// The durations of the WAL's fsyncs since the head was opened, in
    /// seconds (a histogram handle: clones share the counts).
    pub fn fsync_durations(&self) -> &hestia_instrument::Histogram {
        &self.fsyncs
    }

    /// How long [`Head::open`] took to replay the WAL (checkpoint and
    /// segments), in seconds; 0 for [`Head::new`].
    pub fn replay_seconds(&self) -> f64 {
        f64::from_bits(self.replay_seconds.load(Ordering::Relaxed))
    }

    /// The head's time bounds in milliseconds without visiting every
    /// series, as Prometheus' head keeps them: a lower bound of its
    /// oldest sample (the oldest first sample since the last truncation,
    /// raised to its cut) and the newest timestamp stored since it was
    /// opened; `None` while nothing was stored. [`Head::time_range`] is
    /// exact but walks every series.
    pub fn bounds(&self) -> Option<(i64, i64)> {
        let state = self.state.read();
        (state.max_time != i64::MIN).then(|| (state.min_time.max(state.floor), state.max_time))
    }

    /// The labels of the series `r` names, if it exists.
    pub fn series_labels(&self, r: SeriesRef) -> Option<Labels> {
        let id = u32::try_from(r.0).ok()?;
        let state = self.state.read();
        state.get(id)?;
        Some(state.labels_of(id))
    }
}

impl Appendable for Head {
    fn appender(&self) -> Box<dyn Appender + '_> {
        Box::new(append::HeadAppender::new(self))
    }
}

impl Queryable for Head {
    fn querier(&self, min_t: i64, max_t: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        Ok(Box::new(query::HeadQuerier::new(self, min_t, max_t)))
    }
}

/// Buckets of the fsync histogram: 100 µs to about 1.6 s, ×4.
fn fsync_buckets() -> hestia_instrument::buckets::Buckets {
    hestia_instrument::buckets::exponential(0.000_1, 4.0, 8)
        .unwrap_or_else(|_| hestia_instrument::buckets::Buckets::default())
}

/// A WAL error as the storage contract reports it: an I/O error keeping
/// the WAL's message (operation and path).
fn storage_error(e: Error) -> StorageError {
    let kind = match &e {
        Error::Io { source, .. } => source.kind(),
        _ => std::io::ErrorKind::Other,
    };
    StorageError::from(std::io::Error::new(kind, e.to_string()))
}
