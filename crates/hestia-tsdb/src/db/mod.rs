//! [`Db`]: the head plus persistent blocks in one directory, implementing
//! the storage contract.
//!
//! ```text
//! <dir>/wal/                 the head's WAL and checkpoint
//! <dir>/chunks_head/         the head's closed chunks (rewritten on open)
//! <dir>/<block id>/          blocks, sorted by id (creation time)
//! <dir>/<block id>.tmp/      a block being written (removed on open)
//! <dir>/<block id>.corrupt/  a block that failed to open, set aside
//! ```
//!
//! * **Opening** ([`Db::open`]) sets aside blocks that fail to open
//!   (reported in [`DbOpenReport`]), deletes blocks that a loaded block
//!   lists as parents (a compaction interrupted before it deleted them),
//!   opens the head refusing samples before the newest block's end, and
//!   applies retention.
//! * **Compaction** ([`Db::compact`], `compact.rs`): the head is cut into
//!   a level-1 block when it spans more than 1.5 block ranges, then
//!   truncated; adjacent blocks filling a window of a larger range
//!   (block range × 3, × 9, … up to [`DbOptions::max_block_range`]) are
//!   merged into one, tombstones applied; then retention deletes the
//!   oldest blocks.
//! * **Queries** ([`Db::querier`]) merge the head and the blocks
//!   overlapping the range with `hestia-storage`'s merge; the head wins on
//!   equal timestamps. The head is read first, then the list of blocks,
//!   so a concurrent cut never hides data (it may show it twice, which the
//!   merge removes).
//! * **Out-of-order samples** (with `head.out_of_order_window`) live in
//!   the head until it is cut; the cut writes them into the level-1
//!   block of their time together with the in-order samples. The head
//!   refuses samples before its minimum valid time (raised before each
//!   cut), so blocks cut from the head never overlap; blocks that do
//!   overlap (imported ones, say) are merged by queries and compaction
//!   alike (`merge_series_sets`, one sample per timestamp).
//! * **Retention** keeps every sample at or after the *retention bound*,
//!   `newest timestamp + 1 − retention_time`: a block is deleted only when
//!   its whole range `[min_t, max_t)` ends at or before the bound. The
//!   size limit then deletes the oldest blocks until the blocks' bytes fit.
//!   Blocks go oldest first, so what retention removes is always every
//!   sample before some block boundary. Neither the head nor the newest
//!   block is deleted by retention: the newest block's end is the head's
//!   lower bound after a restart (so the size limit may be exceeded by
//!   that one block).
//! * **Deletes** ([`Db::delete_series`]) go to the head (re-encoded at
//!   once) and to the blocks as tombstones, which queries honour and
//!   compaction makes permanent.
//! * **Snapshots** ([`Db::snapshot`]) hard-link the blocks' files and
//!   write the head as one more block: a directory `Db::open` can open.

mod admin;
mod compact;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use hestia_model::Matcher;
use hestia_storage::{
    merge_series_sets, Appendable, Appender, Querier, Queryable, SelectHints, SeriesSet,
    StorageError,
};
use parking_lot::{Mutex, RwLock};

use crate::block::{Block, BlockId, BlockOptions, BlockReport};
use crate::head::{Head, HeadOptions, OpenReport};
use crate::Error;

pub use compact::CompactReport;

/// Where the database gets the time for block ids.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
}

/// Two hours in milliseconds, the default block range.
pub const DEFAULT_BLOCK_RANGE: i64 = 2 * 3_600_000;

/// How a [`Db`] behaves.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// The head's options (its `min_valid_time` is raised to the end of
    /// the newest block). The out-of-order window is
    /// `head.out_of_order_window` ([`DbOptions::with_out_of_order_window`]).
    pub head: HeadOptions,
    /// How blocks are written.
    pub block: BlockOptions,
    /// The range of a block cut from the head, in milliseconds (default
    /// 2 h). The head is cut when it spans more than 1.5 of them.
    pub block_range: i64,
    /// The largest compacted block, in milliseconds. `None`: a tenth of
    /// `retention_time`, or 31 days without one. Compaction ranges are
    /// `block_range × 3^k` up to this.
    pub max_block_range: Option<i64>,
    /// Delete blocks entirely older than this many milliseconds before
    /// the newest sample. `None`: keep by time forever.
    pub retention_time: Option<i64>,
    /// Delete the oldest blocks while the blocks take more bytes than this.
    pub retention_bytes: Option<u64>,
    /// Read and decode every chunk of every block on open, so damage is
    /// found then rather than by a query (default true).
    pub verify_chunks: bool,
    /// Time source for block ids.
    pub clock: Arc<dyn Clock>,
}

impl Default for DbOptions {
    fn default() -> DbOptions {
        DbOptions {
            head: HeadOptions::default(),
            block: BlockOptions::default(),
            block_range: DEFAULT_BLOCK_RANGE,
            max_block_range: None,
            retention_time: None,
            retention_bytes: None,
            verify_chunks: true,
            clock: Arc::new(SystemClock),
        }
    }
}

impl DbOptions {
    /// These options with the head's out-of-order window set to
    /// `window` milliseconds (Prometheus'
    /// `storage.tsdb.out_of_order_time_window`; see
    /// [`HeadOptions::out_of_order_window`]). Samples accepted out of
    /// order are written into the block of their time when the head is
    /// cut, like in-order ones: blocks cut from the head never overlap.
    pub fn with_out_of_order_window(mut self, window: i64) -> DbOptions {
        self.head.out_of_order_window = window;
        self
    }

    /// The head's out-of-order window in milliseconds (`0`: none).
    pub fn out_of_order_window(&self) -> i64 {
        self.head.out_of_order_window
    }

    /// The compaction ranges, smallest (the block range) first.
    pub fn ranges(&self) -> Vec<i64> {
        let cap = self.max_block_range.unwrap_or(match self.retention_time {
            Some(r) => r / 10,
            None => 31 * 24 * 3_600_000,
        });
        let mut out = vec![self.block_range];
        while let Some(next) = out.last().and_then(|r| r.checked_mul(3)) {
            if next > cap || out.len() >= 10 {
                break;
            }
            out.push(next);
        }
        out
    }
}

/// What opening a database found.
#[derive(Debug, Default)]
pub struct DbOpenReport {
    /// The head's WAL repair and replay.
    pub head: OpenReport,
    /// Blocks opened, with what was wrong but worked around.
    pub blocks: Vec<(BlockId, BlockReport)>,
    /// Blocks that could not be opened (the error says which file and
    /// where), set aside as `<id>.corrupt` and not served.
    pub dropped: Vec<String>,
    /// Blocks deleted because a compacted block replaces them.
    pub replaced: Vec<BlockId>,
    /// Blocks deleted by retention.
    pub retention: Vec<BlockId>,
}

/// The TSDB: a head and blocks in one directory. See the module
/// documentation.
#[derive(Debug)]
pub struct Db {
    dir: PathBuf,
    opts: DbOptions,
    head: Head,
    /// Sorted by `min_t`.
    blocks: RwLock<Vec<Block>>,
    /// Held by compaction, deletes and snapshots.
    maintenance: Mutex<()>,
    last_id: Mutex<BlockId>,
    counters: DbCounters,
}

/// Totals of [`Db::compact`] for the self-metrics.
#[derive(Debug, Default)]
struct DbCounters {
    compactions_triggered: AtomicU64,
    compactions: AtomicU64,
    compactions_failed: AtomicU64,
}

/// The database's maintenance totals since it was opened, from
/// [`Db::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbStats {
    /// [`Db::compact`] calls.
    pub compactions_triggered: u64,
    /// Blocks written by compaction: head cuts and merges.
    pub compactions: u64,
    /// [`Db::compact`] calls that failed.
    pub compactions_failed: u64,
}

impl Db {
    /// Opens (or creates) the database in `dir`.
    pub fn open(dir: impl AsRef<Path>, opts: DbOptions) -> Result<(Db, DbOpenReport), Error> {
        if opts.block_range < 1 {
            return Err(Error::InvalidOptions("block_range must be positive".into()));
        }
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating database", &dir, e))?;
        let mut report = DbOpenReport::default();
        let mut blocks = Vec::new();
        let entries =
            std::fs::read_dir(&dir).map_err(|e| Error::io("listing database", &dir, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.ends_with(".tmp") {
                std::fs::remove_dir_all(&path)
                    .map_err(|e| Error::io("removing unfinished block", &path, e))?;
                continue;
            }
            let Ok(id) = name.parse::<BlockId>() else {
                continue;
            };
            match Block::open(&path, opts.verify_chunks, opts.block.sync) {
                Ok((block, r)) => {
                    report.blocks.push((id, r));
                    blocks.push(block);
                }
                Err(e) => {
                    let aside = dir.join(format!("{name}.corrupt"));
                    std::fs::rename(&path, &aside)
                        .map_err(|e| Error::io("setting a corrupt block aside", &aside, e))?;
                    report.dropped.push(e.to_string());
                }
            }
        }
        let parents: std::collections::HashSet<BlockId> = blocks
            .iter()
            .flat_map(|b| b.meta().parents.iter().copied())
            .collect();
        for b in blocks.iter().filter(|b| parents.contains(&b.meta().id)) {
            remove_block(b)?;
            report.replaced.push(b.meta().id);
        }
        blocks.retain(|b| !parents.contains(&b.meta().id));
        blocks.sort_by_key(|b| (b.meta().min_t, b.meta().id));
        let last_id = blocks
            .iter()
            .map(|b| b.meta().id)
            .max()
            .unwrap_or(BlockId(0));
        let mut head_opts = opts.head.clone();
        if let Some(end) = blocks.iter().map(|b| b.meta().max_t).max() {
            head_opts.min_valid_time = head_opts.min_valid_time.max(end);
        }
        let (head, head_report) = Head::open(&dir, head_opts)?;
        report.head = head_report;
        let db = Db {
            dir,
            opts,
            head,
            blocks: RwLock::new(blocks),
            maintenance: Mutex::new(()),
            last_id: Mutex::new(last_id),
            counters: DbCounters::default(),
        };
        report.retention = db.apply_retention()?;
        Ok((db, report))
    }

    /// The database's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The head.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The options.
    pub fn options(&self) -> &DbOptions {
        &self.opts
    }

    /// Compaction totals since the database was opened.
    pub fn stats(&self) -> DbStats {
        let c = &self.counters;
        DbStats {
            compactions_triggered: c.compactions_triggered.load(Ordering::Relaxed),
            compactions: c.compactions.load(Ordering::Relaxed),
            compactions_failed: c.compactions_failed.load(Ordering::Relaxed),
        }
    }

    /// Bytes of the WAL directory: segments and checkpoint.
    pub fn wal_size_bytes(&self) -> u64 {
        crate::block::dir_size(&self.dir.join("wal"))
    }

    /// The blocks being served, oldest first.
    pub fn blocks(&self) -> Vec<Block> {
        self.blocks.read().clone()
    }

    /// A new block id, after every id given so far.
    fn next_id(&self) -> BlockId {
        let mut last = self.last_id.lock();
        let id = BlockId::at(self.opts.clock.now_ms()).max(BlockId(last.0 + 1));
        *last = id;
        id
    }

    /// Deletes the samples in `[min_t, max_t]` of every series `matchers`
    /// select: at once from the head, as tombstones in the blocks.
    /// Returns how many block series and head samples were affected.
    pub fn delete_series(
        &self,
        matchers: &[Matcher],
        min_t: i64,
        max_t: i64,
    ) -> Result<u64, Error> {
        let _g = self.maintenance.lock();
        let mut n = self.head.delete(matchers, min_t, max_t)?;
        for b in self.blocks() {
            if b.overlaps(min_t, max_t) {
                n += b.delete(matchers, min_t, max_t)? as u64;
            }
        }
        Ok(n)
    }

    /// Writes a consistent copy into `dir` (created; must not hold blocks
    /// of the same ids): the blocks' files hard-linked (they are never
    /// changed in place), the head written as one more block. The copy
    /// opens with [`Db::open`] (without the WAL, which the head block
    /// replaces). Returns the ids of the copied blocks.
    pub fn snapshot(&self, dir: impl AsRef<Path>) -> Result<Vec<BlockId>, Error> {
        let _g = self.maintenance.lock();
        self.write_snapshot(dir.as_ref(), true)
    }
}

/// Hard-links every file under `from` into `to` (directories created).
fn link_tree(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(to).map_err(|e| Error::io("creating snapshot block", to, e))?;
    let entries = std::fs::read_dir(from).map_err(|e| Error::io("listing block", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("listing block", from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            link_tree(&src, &dst)?;
        } else if src.extension().is_none_or(|e| e != "tmp") {
            std::fs::hard_link(&src, &dst).map_err(|e| Error::io("linking block file", &dst, e))?;
        }
    }
    Ok(())
}

/// Deletes a block's directory (queriers still holding it keep reading
/// its open files).
fn remove_block(b: &Block) -> Result<(), Error> {
    match std::fs::remove_dir_all(b.dir()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("deleting block", b.dir(), e)),
    }
}

impl Appendable for Db {
    fn appender(&self) -> Box<dyn Appender + '_> {
        self.head.appender()
    }
}

impl Queryable for Db {
    fn querier(&self, min_t: i64, max_t: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        Ok(Box::new(DbQuerier {
            db: self,
            head: self.head.querier(min_t, max_t)?,
            min_t,
            max_t,
        }))
    }
}

/// The head's querier plus the blocks as of each call.
struct DbQuerier<'a> {
    db: &'a Db,
    head: Box<dyn Querier + 'a>,
    min_t: i64,
    max_t: i64,
}

impl DbQuerier<'_> {
    fn blocks(&self, min_t: i64, max_t: i64) -> Vec<crate::block::BlockQuerier> {
        self.db
            .blocks()
            .iter()
            .rev()
            .filter(|b| b.overlaps(min_t, max_t))
            .map(|b| b.querier_owned(self.min_t, self.max_t))
            .collect()
    }

    fn union(
        &self,
        each: impl Fn(&dyn Querier) -> Result<Vec<String>, StorageError>,
    ) -> Result<Vec<String>, StorageError> {
        let mut all: std::collections::BTreeSet<String> = each(&*self.head)?.into_iter().collect();
        for q in self.blocks(self.min_t, self.max_t) {
            all.extend(each(&q)?);
        }
        Ok(all.into_iter().collect())
    }
}

impl Querier for DbQuerier<'_> {
    fn select(&self, _sorted: bool, hints: &SelectHints, matchers: &[Matcher]) -> SeriesSet<'_> {
        // The head first: a cut that happens meanwhile then shows up in
        // the list of blocks taken next.
        let mut sets = vec![self.head.select(true, hints, matchers)];
        let (min_t, max_t) = (self.min_t.max(hints.start), self.max_t.min(hints.end));
        if min_t <= max_t {
            for q in self.blocks(min_t, max_t) {
                sets.push(q.select_owned(min_t, max_t, matchers));
            }
        }
        merge_series_sets(sets)
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        self.union(|q| q.label_names(matchers))
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        self.union(|q| q.label_values(name, matchers))
    }
}
