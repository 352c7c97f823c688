//! Persistent blocks: immutable directories holding every series of a
//! time range `[min_t, max_t)`, written once by a [`BlockWriter`] (from
//! the head or from blocks being compacted) and read by a [`Block`], which
//! implements `hestia-storage`'s [`Queryable`](hestia_storage::Queryable).
//!
//! ```text
//! <id>/meta         time range, counts, level, lineage (meta.rs)
//! <id>/index        symbols, series with chunk references, postings (index.rs)
//! <id>/chunks/NNNNNN  packed chunks in zstd pages, CRC32C each (chunks.rs, pages.rs)
//! <id>/tombstones   deleted intervals per series (tombstones.rs)
//! ```
//!
//! Opening a block reads its meta, index and tombstones into memory and
//! checks them; chunks are read on demand with positioned reads, and with
//! `verify` every referenced chunk is read and decoded once at open. What
//! is damaged is reported as [`Error::CorruptBlock`] (block, file,
//! offset): a damaged meta, symbol table, series table or tombstones
//! file makes the block unusable; a damaged postings section is rebuilt
//! from the series; damaged chunks are skipped by queries with a warning
//! naming them. Decoders never panic on arbitrary bytes. Formats are in
//! `docs/format/{block,index,chunks,tombstones}.md`.

pub(crate) mod bytes;
pub mod chunks;
pub mod index;
mod meta;
pub(crate) mod pages;
mod query;
pub mod tombstones;
mod writer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hestia_model::Matcher;
use hestia_storage::{Querier, Queryable, StorageError};
use parking_lot::RwLock;

pub use chunks::ChunkRef;
pub use index::ChunkMeta;
pub use meta::{BlockId, BlockMeta, BlockStats};
pub use tombstones::Tombstones;
pub use writer::{write_block, BlockOptions, BlockPlan, BlockWriter, EncodedChunk};

pub(crate) use bytes::{replace_file, sync_dir};

use crate::chunk::ChunkIter;
use crate::index::postings_for_matchers;
use crate::Error;
use chunks::ChunkReader;
use index::Index;

/// What opening a block found wrong but could work around.
#[derive(Debug, Clone, Default)]
pub struct BlockReport {
    /// The postings section was damaged and rebuilt from the series.
    pub postings_rebuilt: Option<String>,
    /// Chunks that failed their checksum or did not decode (found when
    /// opening with `verify`); queries skip them with a warning.
    pub damaged_chunks: Vec<String>,
}

impl BlockReport {
    /// Whether nothing was wrong.
    pub fn is_clean(&self) -> bool {
        self.postings_rebuilt.is_none() && self.damaged_chunks.is_empty()
    }
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    name: String,
    meta: BlockMeta,
    index: Index,
    chunks: ChunkReader,
    tombstones: RwLock<Arc<Tombstones>>,
    /// Chunks known to be damaged.
    damaged: HashSet<ChunkRef>,
    size: u64,
    sync: bool,
}

/// An open block: a cheap handle, clonable and shared with queriers (a
/// querier keeps the block's files open even if the block is deleted).
#[derive(Debug, Clone)]
pub struct Block(Arc<Inner>);

fn read(path: &Path, op: &'static str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(op, path, e))
}

/// Total size of the files under `dir`.
pub(crate) fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

impl Block {
    /// Opens the block in `dir`, whose name must be its id. With `verify`,
    /// reads and decodes every chunk once. `sync` says whether later
    /// tombstone writes are synced.
    pub fn open(dir: &Path, verify: bool, sync: bool) -> Result<(Block, BlockReport), Error> {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let meta = BlockMeta::decode(&read(&dir.join("meta"), "reading block meta")?)
            .map_err(|f| f.into_error(&name, "meta"))?;
        if meta.id.to_string() != name {
            return Err(Error::CorruptBlock {
                block: name,
                file: "meta".into(),
                offset: 0,
                reason: "the meta names another block".into(),
            });
        }
        let index = Index::decode(&read(&dir.join("index"), "reading block index")?)
            .map_err(|f| f.into_error(&name, "index"))?;
        let tombstones = match std::fs::read(dir.join("tombstones")) {
            Ok(bytes) => Tombstones::decode(&bytes, index.series.len())
                .map_err(|f| f.into_error(&name, "tombstones"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Tombstones::new(),
            Err(e) => return Err(Error::io("reading tombstones", dir.join("tombstones"), e)),
        };
        let chunks = ChunkReader::open(dir, &name)?;
        let mut report = BlockReport {
            postings_rebuilt: index
                .postings_fault
                .map(|f| f.into_error(&name, "index").to_string()),
            ..BlockReport::default()
        };
        let mut damaged = HashSet::new();
        if verify {
            let mut buf = Vec::new();
            let mut cache = pages::PageCache::new();
            let mut checked = HashSet::new();
            for c in index.series.iter().flat_map(|s| s.chunks.iter()) {
                if !checked.insert(c.r) {
                    continue;
                }
                if let Err(e) = check_chunk(&chunks, c, &mut buf, &mut cache, &name) {
                    report.damaged_chunks.push(e.to_string());
                    damaged.insert(c.r);
                }
            }
        }
        let block = Block(Arc::new(Inner {
            size: dir_size(dir),
            dir: dir.to_path_buf(),
            name,
            meta,
            index,
            chunks,
            tombstones: RwLock::new(Arc::new(tombstones)),
            damaged,
            sync,
        }));
        Ok((block, report))
    }

    /// The block's meta.
    pub fn meta(&self) -> &BlockMeta {
        &self.0.meta
    }

    /// The block's directory.
    pub fn dir(&self) -> &Path {
        &self.0.dir
    }

    /// Bytes of the block's files when it was opened.
    pub fn size_bytes(&self) -> u64 {
        self.0.size
    }

    /// The deletions recorded for the block.
    pub fn tombstones(&self) -> Arc<Tombstones> {
        Arc::clone(&self.0.tombstones.read())
    }

    /// Records the deletion of `[min_t, max_t]` of every series `matchers`
    /// select, rewriting the tombstones file. Returns how many series were
    /// affected. Queries created afterwards leave the samples out.
    pub fn delete(&self, matchers: &[Matcher], min_t: i64, max_t: i64) -> Result<usize, Error> {
        let (lo, hi) = (
            min_t.max(self.0.meta.min_t),
            max_t.min(self.0.meta.max_t - 1),
        );
        if lo > hi {
            return Ok(0);
        }
        let mut guard = self.0.tombstones.write();
        let mut t = (**guard).clone();
        let mut n = 0;
        for id in postings_for_matchers(&self.0.index.postings, matchers) {
            let s = &self.0.index.series[id as usize];
            if s.chunks.iter().any(|c| c.max_t >= lo && c.min_t <= hi) {
                t.add(id, lo, hi);
                n += 1;
            }
        }
        if n > 0 {
            replace_file(&self.0.dir.join("tombstones"), &t.encode(), self.0.sync)?;
            *guard = Arc::new(t);
        }
        Ok(n)
    }

    /// Whether `[min_t, max_t]` (inclusive) overlaps the block's range.
    pub fn overlaps(&self, min_t: i64, max_t: i64) -> bool {
        self.0.meta.min_t <= max_t && self.0.meta.max_t > min_t
    }
}

/// Reads and fully decodes one chunk.
fn check_chunk(
    chunks: &ChunkReader,
    c: &ChunkMeta,
    buf: &mut Vec<u8>,
    cache: &mut pages::PageCache,
    block: &str,
) -> Result<(), Error> {
    let file = chunks::file_name(c.r.file());
    chunks
        .read(c.r, buf, cache)
        .map_err(|f| f.into_error(block, &file))?;
    let bad = |reason: String| Error::CorruptBlock {
        block: block.to_string(),
        file: file.clone(),
        offset: u64::from(c.r.offset()),
        reason,
    };
    let it = ChunkIter::new(buf).map_err(|e| bad(e.to_string()))?;
    let mut first_last = None;
    for s in it {
        let s = s.map_err(|e| bad(e.to_string()))?;
        first_last = Some((first_last.map_or(s.t, |(f, _)| f), s.t));
    }
    if first_last != Some((c.min_t, c.max_t)) {
        return Err(bad("chunk does not span the index's time range".into()));
    }
    Ok(())
}

impl Queryable for Block {
    fn querier(&self, min_t: i64, max_t: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        Ok(Box::new(self.querier_owned(min_t, max_t)))
    }
}

impl Block {
    /// A querier that holds the block itself rather than borrowing it.
    pub fn querier_owned(&self, min_t: i64, max_t: i64) -> query::BlockQuerier {
        query::BlockQuerier::new(self.clone(), min_t, max_t)
    }
}

pub use query::BlockQuerier;
