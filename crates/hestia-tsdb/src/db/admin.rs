//! The admin operations behind Prometheus' `/api/v1/admin/tsdb/*`:
//! [`Db::clean_tombstones`] and [`Db::snapshot_blocks`] (a snapshot
//! without the head, `skip_head=true`).

use std::path::Path;

use super::{link_tree, Db};
use crate::block::BlockId;
use crate::Error;

impl Db {
    /// Rewrites every block holding tombstones without the deleted
    /// samples (a one-block compaction) and removes the old block.
    /// Returns the `(new, old)` block ids; a block whose every sample was
    /// deleted is removed without a replacement.
    pub fn clean_tombstones(&self) -> Result<Vec<(BlockId, BlockId)>, Error> {
        let _g = self.maintenance.lock();
        let mut done = Vec::new();
        for b in self.blocks() {
            if b.tombstones().is_empty() {
                continue;
            }
            let old = b.meta().id;
            let new = self.merge(std::slice::from_ref(&b))?;
            done.push((new, old));
        }
        Ok(done)
    }

    /// Like [`Db::snapshot`] but without the head: only the blocks are
    /// hard-linked into `dir`. Returns their ids.
    pub fn snapshot_blocks(&self, dir: impl AsRef<Path>) -> Result<Vec<BlockId>, Error> {
        let _g = self.maintenance.lock();
        self.write_snapshot(dir.as_ref(), false)
    }

    /// The snapshot itself, under the maintenance lock: blocks linked,
    /// the head written as a block when `with_head`.
    pub(super) fn write_snapshot(
        &self,
        dir: &Path,
        with_head: bool,
    ) -> Result<Vec<BlockId>, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("creating snapshot", dir, e))?;
        let mut ids = Vec::new();
        for b in self.blocks() {
            link_tree(b.dir(), &dir.join(b.meta().id.to_string()))?;
            ids.push(b.meta().id);
        }
        if with_head {
            if let Some(id) = super::compact::write_head_block(self, dir, i64::MIN, i64::MAX)? {
                ids.push(id);
            }
        }
        if self.opts.block.sync {
            crate::block::sync_dir(dir)?;
        }
        Ok(ids)
    }
}
