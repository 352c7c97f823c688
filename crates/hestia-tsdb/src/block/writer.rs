//! [`BlockWriter`]: writes a block directory from series given in label
//! order, re-encoding their samples as [`Packed`](crate::Encoding::Packed)
//! chunks; and [`write_block`], which drains a sorted [`SeriesSet`] (a
//! head or merged blocks) into one. The block is built in `<id>.tmp` and
//! renamed into place once every file is synced, so a crash leaves either
//! no block or a complete one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hestia_model::Labels;
use hestia_storage::{SeriesSet, StorageError};

use super::bytes::{sync_dir, write_file};
use super::chunks::ChunkWriter;
use super::index::{self, ChunkMeta};
use super::meta::{BlockId, BlockMeta, BlockStats};
use super::tombstones::Tombstones;
use crate::chunk::{Chunk, Encoding, Sample};
use crate::Error;

/// How blocks are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockOptions {
    /// Most samples per chunk (1 to 1 048 576; default 8 640, a day at a
    /// 10 s interval): longer packed chunks are smaller, shorter ones
    /// cheaper to seek in.
    pub max_chunk_samples: usize,
    /// Whether to `fsync` files and directories (off only for tests).
    pub sync: bool,
}

impl Default for BlockOptions {
    fn default() -> BlockOptions {
        BlockOptions {
            max_chunk_samples: 8_640,
            sync: true,
        }
    }
}

/// What a new block is: its id, range `[min_t, max_t)` and lineage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockPlan {
    /// The new block's id.
    pub id: BlockId,
    /// First timestamp covered (inclusive).
    pub min_t: i64,
    /// End of the range (exclusive).
    pub max_t: i64,
    /// Compaction level.
    pub level: u32,
    /// Level-1 blocks it holds the data of (itself when empty).
    pub sources: Vec<BlockId>,
    /// Blocks it replaces.
    pub parents: Vec<BlockId>,
}

/// A chunk encoded by the caller, for [`BlockWriter::add_series_chunks`].
#[derive(Debug, Clone)]
pub struct EncodedChunk {
    /// The chunk.
    pub chunk: Chunk,
    /// Its first timestamp.
    pub min_t: i64,
    /// Its last timestamp.
    pub max_t: i64,
    /// Its number of samples.
    pub samples: usize,
}

/// Writes one block. Call [`add_series`](Self::add_series) in label order,
/// then [`finish`](Self::finish).
#[derive(Debug)]
pub struct BlockWriter {
    plan: BlockPlan,
    opts: BlockOptions,
    tmp: PathBuf,
    dir: PathBuf,
    chunks: ChunkWriter,
    series: Vec<(Labels, Vec<ChunkMeta>)>,
    stats: BlockStats,
}

impl BlockWriter {
    /// Starts block `plan.id` in `parent` (as `parent/<id>.tmp`).
    pub fn new(parent: &Path, plan: BlockPlan, opts: BlockOptions) -> Result<BlockWriter, Error> {
        if !(1..=Encoding::Packed.max_samples()).contains(&opts.max_chunk_samples) {
            return Err(Error::InvalidOptions(
                "max_chunk_samples must be 1 to 1048576".into(),
            ));
        }
        if plan.min_t >= plan.max_t {
            return Err(Error::InvalidOptions(format!(
                "empty block range [{}, {})",
                plan.min_t, plan.max_t
            )));
        }
        let dir = parent.join(plan.id.to_string());
        let tmp = parent.join(format!("{}.tmp", plan.id));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io("removing old block", &tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io("creating block", &tmp, e))?;
        Ok(BlockWriter {
            chunks: ChunkWriter::new(&tmp, opts.sync)?,
            plan,
            opts,
            tmp,
            dir,
            series: Vec::new(),
            stats: BlockStats::default(),
        })
    }

    /// Adds a series: its labels (after the previous series' in label
    /// order) and samples (strictly increasing, within the block's
    /// range). A series without samples is skipped.
    pub fn add_series(&mut self, labels: &Labels, samples: &[Sample]) -> Result<(), Error> {
        if samples.is_empty() {
            return Ok(());
        }
        self.check_series(labels, samples[0].t, samples[samples.len() - 1].t)?;
        let mut metas = Vec::new();
        for part in samples.chunks(self.opts.max_chunk_samples) {
            let chunk = Chunk::encode(Encoding::Packed, part)?;
            let r = self
                .chunks
                .write_keyed(chunk.as_bytes(), Some(base_key(labels)))?;
            metas.push(ChunkMeta {
                r,
                min_t: part[0].t,
                max_t: part[part.len() - 1].t,
            });
        }
        self.stats.series += 1;
        self.stats.samples += samples.len() as u64;
        self.stats.chunks += metas.len() as u64;
        self.series.push((labels.clone(), metas));
        Ok(())
    }

    /// Adds a series from chunks already encoded (in any encoding): its
    /// labels (after the previous series' in label order) and its chunks,
    /// each with its first and last timestamp and number of samples,
    /// oldest first and not overlapping, within the block's range. For
    /// writers that encode while they read, such as a backfill.
    pub fn add_series_chunks(
        &mut self,
        labels: &Labels,
        chunks: &[EncodedChunk],
    ) -> Result<(), Error> {
        let (Some(first), Some(last)) = (chunks.first(), chunks.last()) else {
            return Ok(());
        };
        self.check_series(labels, first.min_t, last.max_t)?;
        if chunks.windows(2).any(|w| w[0].max_t >= w[1].min_t) {
            return Err(Error::InvalidOptions(format!(
                "chunks of {labels} overlap or are out of order"
            )));
        }
        let mut metas = Vec::with_capacity(chunks.len());
        for c in chunks {
            let r = self
                .chunks
                .write_keyed(c.chunk.as_bytes(), Some(base_key(labels)))?;
            metas.push(ChunkMeta {
                r,
                min_t: c.min_t,
                max_t: c.max_t,
            });
            self.stats.samples += c.samples as u64;
        }
        self.stats.series += 1;
        self.stats.chunks += metas.len() as u64;
        self.series.push((labels.clone(), metas));
        Ok(())
    }

    /// Checks that a series with samples in `[first, last]` may come next.
    fn check_series(&self, labels: &Labels, first: i64, last: i64) -> Result<(), Error> {
        if self.series.last().is_some_and(|(prev, _)| prev >= labels) {
            return Err(Error::InvalidOptions(format!(
                "series {labels} added out of label order"
            )));
        }
        if labels.is_empty() {
            return Err(Error::InvalidOptions("series without labels".into()));
        }
        if first < self.plan.min_t || last >= self.plan.max_t {
            return Err(Error::InvalidOptions(format!(
                "samples of {labels} outside the block's range"
            )));
        }
        Ok(())
    }

    /// Writes the index, empty tombstones and meta, and moves the block
    /// into place. Returns its meta, or `None` (and leaves nothing) when no
    /// series had samples.
    pub fn finish(self) -> Result<Option<BlockMeta>, Error> {
        if self.series.is_empty() {
            drop(self.chunks);
            std::fs::remove_dir_all(&self.tmp)
                .map_err(|e| Error::io("removing empty block", &self.tmp, e))?;
            return Ok(None);
        }
        self.chunks.finish()?;
        let symbols: BTreeSet<&str> = self
            .series
            .iter()
            .flat_map(|(l, _)| l.iter().flat_map(|(n, v)| [n, v]))
            .collect();
        let symbols: Vec<&str> = symbols.into_iter().collect();
        let sync = self.opts.sync;
        write_file(
            &self.tmp.join("index"),
            &index::encode(&symbols, &self.series)?,
            sync,
        )?;
        write_file(
            &self.tmp.join("tombstones"),
            &Tombstones::new().encode(),
            sync,
        )?;
        let mut sources = self.plan.sources.clone();
        if sources.is_empty() {
            sources.push(self.plan.id);
        }
        sources.sort_unstable();
        sources.dedup();
        let meta = BlockMeta {
            id: self.plan.id,
            min_t: self.plan.min_t,
            max_t: self.plan.max_t,
            stats: self.stats,
            level: self.plan.level,
            sources,
            parents: self.plan.parents.clone(),
        };
        write_file(&self.tmp.join("meta"), meta.encode().as_bytes(), sync)?;
        if sync {
            sync_dir(&self.tmp)?;
        }
        std::fs::rename(&self.tmp, &self.dir)
            .map_err(|e| Error::io("moving block into place", &self.dir, e))?;
        if sync {
            if let Some(parent) = self.dir.parent() {
                sync_dir(parent)?;
            }
        }
        Ok(Some(meta))
    }
}

/// The key under which chunk files store chunks relative to each other:
/// a hash of the labels but `le`, shared by the buckets of a histogram.
fn base_key(labels: &Labels) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for (name, value) in labels.iter().filter(|(n, _)| *n != "le") {
        h.update(name.as_bytes());
        h.update(&[0xff]);
        h.update(value.as_bytes());
        h.update(&[0xff]);
    }
    h.digest()
}

/// A source's failure while a block is written from it.
fn source_error(e: StorageError) -> Error {
    Error::Source(e.to_string())
}

/// Writes every series of `set` (sorted by labels) with its samples in
/// `[plan.min_t, plan.max_t)` as block `plan.id` in `parent`. A source that
/// reports warnings (data it could not read) fails the write, so that a
/// compaction never makes a loss permanent.
pub fn write_block(
    parent: &Path,
    set: SeriesSet<'_>,
    plan: BlockPlan,
    opts: BlockOptions,
) -> Result<Option<BlockMeta>, Error> {
    let (min_t, max_t) = (plan.min_t, plan.max_t);
    let mut w = BlockWriter::new(parent, plan, opts)?;
    let mut set = set;
    let mut buf: Vec<Sample> = Vec::new();
    for series in set.by_ref() {
        let series = series.map_err(source_error)?;
        let labels = series.labels().clone();
        let samples = series.into_samples().map_err(source_error)?;
        buf.clear();
        buf.extend(
            samples
                .iter()
                .filter(|s| s.t >= min_t && s.t < max_t)
                .map(|s| Sample::new(s.t, s.v)),
        );
        w.add_series(&labels, &buf)?;
    }
    if let Some(w) = set.warnings().iter().next() {
        return Err(Error::Source(w.to_string()));
    }
    w.finish()
}
