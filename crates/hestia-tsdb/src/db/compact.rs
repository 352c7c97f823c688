//! The database's maintenance: cutting the head into level-1 blocks,
//! merging blocks into larger ones, and retention. All of it runs in
//! [`Db::compact`] under the maintenance lock; queries and appends go on
//! meanwhile (a new block is added to the list before the head drops its
//! data or the replaced blocks are deleted).

use std::path::Path;
use std::sync::atomic::Ordering;

use hestia_storage::{Queryable, SelectHints};

use super::{remove_block, Db};
use crate::block::{write_block, Block, BlockId, BlockPlan};
use crate::Error;

/// What one [`Db::compact`] call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactReport {
    /// Blocks cut from the head.
    pub head_blocks: Vec<BlockId>,
    /// Blocks made by merging others, with the blocks they replaced.
    pub merged: Vec<(BlockId, Vec<BlockId>)>,
    /// Blocks deleted by retention.
    pub retention: Vec<BlockId>,
}

/// The start of the window of size `range` holding `t`, if representable.
fn window_start(t: i64, range: i64) -> Option<i64> {
    t.checked_sub(t.rem_euclid(range))
}

/// Writes the head's samples in `[min_t, max_t]` (inclusive) as a level-1
/// block in `dir`, covering `[head min, max + 1)`. `None` if there were
/// none (or the range cannot be represented).
pub(super) fn write_head_block(
    db: &Db,
    dir: &Path,
    min_t: i64,
    max_t: i64,
) -> Result<Option<BlockId>, Error> {
    let Some((lo, hi)) = db.head.time_range() else {
        return Ok(None);
    };
    let (lo, hi) = (lo.max(min_t), hi.min(max_t));
    let Some(end) = hi.checked_add(1).filter(|&end| lo < end) else {
        return Ok(None);
    };
    let id = db.next_id();
    let plan = BlockPlan {
        id,
        min_t: lo,
        max_t: end,
        level: 1,
        sources: Vec::new(),
        parents: Vec::new(),
    };
    let q = db
        .head
        .querier(lo, hi)
        .map_err(|e| Error::Source(e.to_string()))?;
    let set = q.select(true, &SelectHints::default(), &[]);
    Ok(write_block(dir, set, plan, db.opts.block)?.map(|m| m.id))
}

impl Db {
    /// Cuts the head into blocks while it spans more than 1.5 block
    /// ranges (each block covers the aligned window holding the head's
    /// oldest sample), merges blocks that fill a window of a larger
    /// compaction range, and applies retention.
    pub fn compact(&self) -> Result<CompactReport, Error> {
        let _g = self.maintenance.lock();
        let c = &self.counters;
        c.compactions_triggered.fetch_add(1, Ordering::Relaxed);
        let result = self.compact_locked();
        match &result {
            Ok(r) => c.compactions.fetch_add(
                (r.head_blocks.len() + r.merged.len()) as u64,
                Ordering::Relaxed,
            ),
            Err(_) => c.compactions_failed.fetch_add(1, Ordering::Relaxed),
        };
        result
    }

    fn compact_locked(&self) -> Result<CompactReport, Error> {
        let mut report = CompactReport::default();
        let range = self.opts.block_range;
        while let Some((lo, hi)) = self.head.time_range() {
            if i128::from(hi) - i128::from(lo) <= i128::from(range) * 3 / 2 {
                break;
            }
            let Some(end) = window_start(lo, range).and_then(|s| s.checked_add(range)) else {
                break;
            };
            // Refuse samples before the cut first, so that none lands in
            // the head's range being written (or, accepted out of order,
            // behind it) and is then truncated away unwritten: commits
            // drop what is before the bound when they apply.
            self.head
                .set_min_valid_time(end.max(self.head.min_valid_time()));
            if let Some(id) = write_head_block(self, &self.dir, lo, end - 1)? {
                self.add_block(id)?;
                report.head_blocks.push(id);
            }
            self.head.truncate(end)?;
        }
        while let Some(group) = self.plan() {
            let parents: Vec<BlockId> = group.iter().map(|b| b.meta().id).collect();
            let id = self.merge(&group)?;
            report.merged.push((id, parents));
        }
        report.retention = self.apply_retention()?;
        Ok(report)
    }

    fn add_block(&self, id: BlockId) -> Result<Block, Error> {
        let (block, _) = Block::open(&self.dir.join(id.to_string()), false, self.opts.block.sync)?;
        let mut blocks = self.blocks.write();
        blocks.push(block.clone());
        blocks.sort_by_key(|b| (b.meta().min_t, b.meta().id));
        Ok(block)
    }

    /// The first group of two or more blocks inside one window of a
    /// compaction range (smallest range first) that no later block can
    /// join: the newest block ends at or after the window's end.
    fn plan(&self) -> Option<Vec<Block>> {
        let blocks = self.blocks();
        let newest = blocks.iter().map(|b| b.meta().max_t).max()?;
        for &r in &self.opts.ranges()[1..] {
            let mut i = 0;
            while i < blocks.len() {
                let Some(start) = window_start(blocks[i].meta().min_t, r) else {
                    i += 1;
                    continue;
                };
                let end = start.saturating_add(r);
                let group: Vec<Block> = blocks[i..]
                    .iter()
                    .take_while(|b| b.meta().min_t < end)
                    .cloned()
                    .collect();
                let fits = group.iter().all(|b| b.meta().max_t <= end);
                if group.len() >= 2 && fits && end <= newest {
                    return Some(group);
                }
                i += group.len().max(1);
            }
        }
        None
    }

    /// Merges `group` into one block (tombstones applied), adds it, and
    /// deletes the group.
    pub(super) fn merge(&self, group: &[Block]) -> Result<BlockId, Error> {
        let id = self.next_id();
        let mut sources: Vec<BlockId> = group
            .iter()
            .flat_map(|b| b.meta().sources.iter().copied())
            .collect();
        sources.sort_unstable();
        sources.dedup();
        let min_t = group.iter().map(|b| b.meta().min_t).min().unwrap_or(0);
        let max_t = group.iter().map(|b| b.meta().max_t).max().unwrap_or(0);
        let plan = BlockPlan {
            id,
            min_t,
            max_t,
            level: group.iter().map(|b| b.meta().level).max().unwrap_or(0) + 1,
            sources,
            parents: group.iter().map(|b| b.meta().id).collect(),
        };
        let sets = group
            .iter()
            .map(|b| {
                b.querier_owned(min_t, max_t - 1)
                    .select_owned(min_t, max_t - 1, &[])
            })
            .collect();
        let set = hestia_storage::merge_series_sets(sets);
        let written = write_block(&self.dir, set, plan, self.opts.block)?;
        let ids: Vec<BlockId> = group.iter().map(|b| b.meta().id).collect();
        {
            let mut blocks = self.blocks.write();
            blocks.retain(|b| !ids.contains(&b.meta().id));
        }
        if written.is_some() {
            self.add_block(id)?;
        }
        for b in group {
            remove_block(b)?;
        }
        Ok(id)
    }

    /// The retention bound: samples at or after it are kept.
    pub fn retention_bound(&self) -> Option<i64> {
        let ret = self.opts.retention_time?;
        let newest_block = self.blocks().iter().map(|b| b.meta().max_t).max();
        let newest_head = self.head.time_range().map(|(_, hi)| hi.saturating_add(1));
        let newest = newest_block.max(newest_head)?;
        Some(newest.saturating_sub(ret))
    }

    /// Deletes blocks that retention no longer keeps, oldest first, never
    /// the newest (whose end is the head's lower bound after a restart).
    pub(super) fn apply_retention(&self) -> Result<Vec<BlockId>, Error> {
        let bound = self.retention_bound();
        let mut doomed: Vec<Block> = Vec::new();
        {
            let mut blocks = self.blocks.write();
            if let Some(bound) = bound {
                while blocks.len() > 1 && blocks[0].meta().max_t <= bound {
                    doomed.push(blocks.remove(0));
                }
            }
            if let Some(limit) = self.opts.retention_bytes {
                let mut total: u64 = blocks.iter().map(Block::size_bytes).sum();
                while total > limit && blocks.len() > 1 {
                    let b = blocks.remove(0);
                    total -= b.size_bytes();
                    doomed.push(b);
                }
            }
        }
        for b in &doomed {
            remove_block(b)?;
        }
        Ok(doomed.iter().map(|b| b.meta().id).collect())
    }
}
