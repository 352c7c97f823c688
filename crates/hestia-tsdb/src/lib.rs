//! Hestia's embedded time-series database.
//!
//! This crate grows in layers; so far:
//!
//! * [`chunk`]: compressed runs of float samples of one series. The head
//!   appends to [`Encoding::Xor`] chunks (Gorilla-style, appendable, cheap
//!   to append to); compaction re-encodes immutable data as
//!   [`Encoding::Packed`] (decimal scaling plus bit-packed delta frames),
//!   several times smaller on scraped data. Both decode through one
//!   [`ChunkIter`] with `next` and `seek`, and decoders never panic on
//!   arbitrary bytes.
//! * [`wal`]: the write-ahead log as bytes: segmented files of
//!   CRC32C-framed records, an explicit [`SyncPolicy`], repair of torn
//!   tails on open ([`RepairReport`]) and a streaming [`wal::Reader`].
//!   What the records contain is decided by the head, above.
//!
//! * [`head`]: the [`Head`] on top of them, implementing the
//!   `hestia-storage` contract: series interned in a symbol table and
//!   indexed by postings ([`index`]), samples in XOR chunks (closed ones
//!   written to `chunks_head/` segments and read back on demand, so memory
//!   per series stays constant), commits logged as [`record`]s to the WAL
//!   before they become visible and replayed on open.
//!
//! * [`block`]: persistent, immutable blocks (meta, index, packed chunks
//!   in zstd-compressed pages, tombstones), written from any sorted
//!   series set and queried
//!   through the storage contract; readers report damage by file and
//!   offset and never panic.
//! * [`db`]: the [`Db`], a head plus blocks in one directory: cutting the
//!   head into blocks, WAL checkpoints, compaction into larger blocks,
//!   retention by time and size, deletes through tombstones, snapshots.
//!
//! [`metrics`] registers the database's self-metrics (`hestia_tsdb_*`)
//! in a `hestia-instrument` registry.
//!
//! [`workload`] generates realistic scraped series to measure encodings
//! on; [`fuzzing`] holds the bodies of the fuzz targets so the no-panic
//! properties also run in the normal test suite.
//!
//! ```
//! use hestia_tsdb::{Chunk, ChunkAppender, Encoding};
//!
//! let mut app = ChunkAppender::new();
//! for i in 0..120 {
//!     app.append(1_700_000_000_000 + i * 10_000, i as f64).unwrap();
//! }
//! let head = app.finish();
//! let compacted = head.recode(Encoding::Packed).unwrap();
//! assert!(compacted.as_bytes().len() < head.as_bytes().len());
//! let mut it = compacted.iter();
//! let s = it.seek(1_700_000_000_000 + 55_000).unwrap().unwrap();
//! assert_eq!((s.t, s.v), (1_700_000_000_000 + 60_000, 6.0));
//! ```

pub mod block;
pub mod chunk;
pub mod db;
mod error;
pub mod fuzzing;
pub mod head;
pub mod index;
pub mod metrics;
pub mod record;
pub mod wal;
pub mod workload;

pub use block::{Block, BlockId, BlockMeta, BlockOptions};
pub use chunk::{Chunk, ChunkAppender, ChunkIter, Encoding, Sample};
pub use db::{Clock, CompactReport, Db, DbOpenReport, DbOptions, DbStats, SystemClock};
pub use error::Error;
pub use head::{Head, HeadOptions, HeadStats, OpenReport};
pub use wal::{Damage, RepairReport, SyncPolicy, Wal, WalOptions};
