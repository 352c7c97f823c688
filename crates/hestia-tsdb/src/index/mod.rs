//! The in-memory inverted index of the head: a [`Symbols`] table that
//! interns label strings, [`MemPostings`] (label name → value → sorted
//! series ids, each a compact [`PostingList`]: runs and gaps as varints)
//! with the set operations on sorted id lists ([`intersect`], [`union`],
//! [`subtract`], [`union_lists`]), and
//! [`postings_for_matchers`], which turns a selector into the ids it
//! selects with Prometheus' semantics.

mod list;
mod matchers;
mod postings;
mod symbols;

pub use list::{PostingList, Runs};
pub use matchers::postings_for_matchers;
pub use postings::{intersect, subtract, union, union_lists, MemPostings, SeriesId};
pub use symbols::{SymbolId, Symbols};
