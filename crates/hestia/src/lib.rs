//! The library behind the `hestia` command, so that the binary only parses
//! flags and reports errors.
//!
//! The TSDB tools (`hestia tsdb …`):
//!
//! * [`import`]: backfill blocks from OpenMetrics text (read by
//!   [`openmetrics`] over `hestia-expfmt`'s parser), with a [`progress`] bar.
//! * [`analyze`]: series, label and cardinality statistics.
//! * [`dump`]: samples of selected series as text lines.
//! * [`view`]: a database directory opened read-only for those two.
//! * [`crash`]: the writer and checker of the kill-9 crash test.
//!
//! The promtool-style checks (`hestia check config|rules`, `hestia test
//! rules`) are [`promtool`], thin over `hestia-config` and `hestia-rules`.
//!
//! The server (`hestia server`) is [`server`]; [`query`] renders API
//! answers for `hestia query`.
//!
//! [`duration`] and [`selector`] read command-line values.

pub mod analyze;
pub mod crash;
pub mod dump;
pub mod duration;
mod error;
pub mod import;
pub mod openmetrics;
pub mod progress;
pub mod promtool;
pub mod query;
pub mod selector;
pub mod server;
pub mod view;

pub use error::Error;
