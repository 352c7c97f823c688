//! The samples of an OpenMetrics backfill file, for `hestia tsdb import`:
//! `hestia-expfmt`'s parser plus what a backfill needs on top of it.
//!
//! * The text is parsed by [`OpenMetricsParser::lenient`], which checks
//!   the grammar and what Prometheus' own parser (and so `promtool tsdb
//!   create-blocks-from openmetrics`) checks: `# EOF` last and nothing
//!   after it, metadata syntax, label names and duplicates, exemplars.
//!   The input is read in pieces cut after a newline (4 MiB by default),
//!   so it is never held whole in memory.
//! * Every sample needs a timestamp, and a series' samples must come in
//!   increasing time order (lines of different series may interleave in
//!   any way).
//! * Series are interned: a series is found by its text as written (name,
//!   label text, canonical `le`/`quantile`), and only a line that differs
//!   from the previous one costs a hash lookup; each distinct label set
//!   gets a dense id in order of first appearance ([`Entry::series`]).
//!
//! Every error names its line (and, for syntax errors, its column).

use std::io::Read;

use hashbrown::HashMap;
use hestia_expfmt::parse::{Entry as ParsedEntry, OpenMetricsParser, Series};
use hestia_expfmt::Location;
use hestia_model::{Labels, METRIC_NAME};

use crate::Error;

/// Where and why the input is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// The line, from 1.
    pub line: u64,
    /// The column, from 1, in bytes (1 for errors about a whole line).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// One sample read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// The series: an index into [`SampleReader::labels`], in order of
    /// first appearance.
    pub series: u32,
    /// Timestamp, milliseconds.
    pub t: i64,
    /// Value (a NaN is always Prometheus' normal NaN).
    pub v: f64,
    /// The line it was on.
    pub line: u64,
    /// The metric family it belongs to, counting from 0 in input order
    /// (a new family starts at a metadata line naming another family).
    /// OpenMetrics never interleaves families, so once it grows every
    /// series seen before is complete.
    pub family: u32,
}

/// The size of the pieces the input is read in.
pub const DEFAULT_PIECE: usize = 4 << 20;

/// Reads samples from OpenMetrics text. See the module documentation for
/// what is accepted.
#[derive(Debug)]
pub struct SampleReader<R> {
    input: R,
    piece: usize,
    bytes: u64,
    /// Interned series by their key (see [`key`]).
    index: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState>,
    /// Series ids by label set, for texts that differ but mean the same.
    by_labels: HashMap<Labels, u32, foldhash::fast::RandomState>,
    labels: Vec<Labels>,
    last_t: Vec<i64>,
    /// The previous sample's key and series.
    last: Option<(Vec<u8>, u32)>,
    /// Where the previous sample's name and label text were: the piece
    /// number and the slices' addresses. The parser hands out the very
    /// same slices for a line that repeats the previous line's head, and
    /// a name borrowed from the input is at a different address on every
    /// other line, so equal addresses within one piece mean the same
    /// series.
    last_at: (u64, usize, usize, usize, usize),
    /// Pieces parsed.
    pieces: u64,
    /// The current family's number and name.
    family: (u32, String),
}

impl<R: Read> SampleReader<R> {
    /// A reader of `input`.
    pub fn new(input: R) -> SampleReader<R> {
        SampleReader::with_piece_size(input, DEFAULT_PIECE)
    }

    /// A reader of `input` that reads pieces of `piece` bytes (longer for
    /// longer lines).
    pub fn with_piece_size(input: R, piece: usize) -> SampleReader<R> {
        SampleReader {
            input,
            piece: piece.max(1),
            bytes: 0,
            family: (0, String::new()),
            index: HashMap::default(),
            by_labels: HashMap::default(),
            labels: Vec::new(),
            last_t: Vec::new(),
            last: None,
            last_at: (u64::MAX, 0, 0, 0, 0),
            pieces: 0,
        }
    }

    /// Reads the input to `# EOF`, calling `f` with every sample and the
    /// bytes of input parsed so far. Stops at the first error, `f`'s
    /// included.
    pub fn for_each(
        &mut self,
        mut f: impl FnMut(Entry, u64) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut buf = vec![0u8; self.piece];
        let mut filled = 0;
        let mut at_end = false;
        let mut parser = OpenMetricsParser::lenient(b"");
        loop {
            while filled < buf.len() && !at_end {
                match self.input.read(&mut buf[filled..]) {
                    Ok(0) => at_end = true,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Error::Input(e)),
                }
            }
            let end = if at_end {
                filled
            } else {
                match buf[..filled].iter().rposition(|&b| b == b'\n') {
                    Some(i) => i + 1,
                    None => {
                        // A line longer than the buffer.
                        buf.resize(buf.len() * 2, 0);
                        continue;
                    }
                }
            };
            self.pieces += 1;
            let mut p = parser.continue_with(&buf[..end]);
            if !at_end {
                p = p.partial();
            }
            while let Some(entry) = p.next() {
                let line = u64::from(p.line());
                match entry.map_err(parse_error)? {
                    ParsedEntry::Series(s) => {
                        let e = self.sample(&s, line)?;
                        f(e, self.bytes)?;
                    }
                    ParsedEntry::Type { family, .. }
                    | ParsedEntry::Help { family, .. }
                    | ParsedEntry::Unit { family, .. } => self.note_family(&family),
                    _ => {}
                }
            }
            self.bytes += end as u64;
            parser = p.continue_with(b"");
            if at_end {
                return Ok(());
            }
            buf.copy_within(end..filled, 0);
            filled -= end;
        }
    }

    /// Counts a new family when a metadata line names another one.
    fn note_family(&mut self, family: &str) {
        if self.family.1 != family {
            self.family.0 += 1;
            self.family.1.clear();
            self.family.1.push_str(family);
        }
    }

    /// Interns a parsed sample's series and checks its timestamp.
    fn sample(&mut self, s: &Series<'_>, line: u64) -> Result<Entry, Error> {
        let (raw, canonical) = s.labels.raw_text().unwrap_or(("", None));
        let borrowed = matches!(s.name, std::borrow::Cow::Borrowed(_));
        let at = (
            if borrowed { self.pieces } else { u64::MAX },
            s.name.as_ptr() as usize,
            s.name.len(),
            raw.as_ptr() as usize,
            raw.len(),
        );
        let parts = [
            s.name.as_bytes(),
            raw.as_bytes(),
            canonical.unwrap_or("").as_bytes(),
        ];
        let series = match &self.last {
            Some((_, id)) if borrowed && at == self.last_at => *id,
            Some((k, id)) if same_key(k, parts) => *id,
            _ => self.intern(s, parts, line)?,
        };
        self.last_at = at;
        let id = series as usize;
        let Some(t) = s.timestamp else {
            return Err(err(
                line,
                1,
                format!(
                    "sample of {} has no timestamp (a backfill needs one)",
                    self.labels[id]
                ),
            ));
        };
        let last = self.last_t[id];
        if t <= last {
            return Err(err(
                line,
                1,
                format!(
                    "sample of {} at {t} ms is not after the series' previous one at {last} ms",
                    self.labels[id]
                ),
            ));
        }
        self.last_t[id] = t;
        Ok(Entry {
            series,
            t,
            v: s.value,
            line,
            family: self.family.0,
        })
    }

    /// The id of a series whose key differs from the previous sample's.
    fn intern(&mut self, s: &Series<'_>, parts: [&[u8]; 3], line: u64) -> Result<u32, Error> {
        let mut k = self.last.take().map(|(k, _)| k).unwrap_or_default();
        k.clear();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                k.push(0xff);
            }
            k.extend_from_slice(p);
        }
        let id = match self.index.get(k.as_slice()) {
            Some(&id) => id,
            None => {
                let labels = Labels::new(
                    std::iter::once((METRIC_NAME.into(), s.name.to_string())).chain(
                        s.labels
                            .iter()
                            .map(|l| (l.name.into_owned(), l.value.into_owned())),
                    ),
                )
                .map_err(|e| err(line, 1, e.to_string()))?;
                let id = match self.by_labels.get(&labels) {
                    Some(&id) => id,
                    None => {
                        let id = u32::try_from(self.labels.len())
                            .map_err(|_| err(line, 1, "more than 4 294 967 295 series"))?;
                        self.by_labels.insert(labels.clone(), id);
                        self.labels.push(labels);
                        self.last_t.push(i64::MIN);
                        id
                    }
                };
                self.index.insert(k.clone().into_boxed_slice(), id);
                id
            }
        };
        self.last = Some((k, id));
        Ok(id)
    }

    /// The labels of every series seen so far, indexed by [`Entry::series`].
    pub fn labels(&self) -> &[Labels] {
        &self.labels
    }

    /// The labels, giving up the reader.
    pub fn into_labels(self) -> Vec<Labels> {
        self.labels
    }

    /// Bytes parsed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }
}

/// Whether `key` is `parts` joined by `0xff` (a byte UTF-8 never has).
fn same_key(key: &[u8], parts: [&[u8]; 3]) -> bool {
    let mut rest = key;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            match rest.split_first() {
                Some((0xff, r)) => rest = r,
                _ => return false,
            }
        }
        match rest.strip_prefix(*p) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

fn err(line: u64, column: usize, message: impl Into<String>) -> Error {
    Error::Parse(ParseError {
        line,
        column,
        message: message.into(),
    })
}

/// The parser's error with its place split off.
fn parse_error(e: hestia_expfmt::ParseError) -> Error {
    let text = e.to_string();
    match e.location() {
        Some(at @ Location::Text { line, column }) => {
            let message = text
                .strip_prefix(&format!("{at}: "))
                .unwrap_or(&text)
                .to_string();
            err(u64::from(line), column as usize, message)
        }
        _ => err(0, 0, text),
    }
}

#[cfg(test)]
mod tests;
