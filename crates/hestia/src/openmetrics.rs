//! The samples of an OpenMetrics backfill file, for `hestia tsdb import`:
//! `hestia-expfmt`'s parser plus what a backfill needs on top of it.
//!
//! * The text is parsed by [`OpenMetricsParser::lenient`], which checks
//!   the grammar and what Prometheus' own parser (and so `promtool tsdb
//!   create-blocks-from openmetrics`) checks: `# EOF` last and nothing
//!   after it, metadata syntax, label names and duplicates, exemplars.
//!   The input is read in pieces cut after a newline (4 MiB by default),
//!   so it is never held whole in memory.
//! * Pieces can be parsed on several threads
//!   ([`SampleReader::with_threads`]): each from the parser state the
//!   pieces before it are guessed to end in (see `piece`), then merged in
//!   input order on the calling thread (`Merger`), which parses a piece
//!   again if the guess was wrong. The samples, series ids, line numbers
//!   and errors are those of a reading on one thread.
//! * Every sample needs a timestamp, and a series' samples must come in
//!   increasing time order (lines of different series may interleave in
//!   any way).
//! * Series are interned: a series is found by its text as written (name,
//!   label text, canonical `le`/`quantile`), and only a line that differs
//!   from the previous one costs a hash lookup; labels are decoded only
//!   for a text not seen before. Each distinct label set gets a dense id
//!   in order of first appearance ([`Entry::series`]).
//!
//! Every error names its line (and, for syntax errors, its column).
//!
//! [`OpenMetricsParser::lenient`]: hestia_expfmt::parse::OpenMetricsParser::lenient

use std::io::Read;

use hashbrown::HashMap;
use hestia_expfmt::Location;
use hestia_model::Labels;

mod parallel;
mod piece;
pub(crate) use piece::{parse_piece, Interner, Parsed, State};

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
    pieces: Pieces<R>,
    merger: Merger,
    threads: usize,
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
            pieces: Pieces::new(input, piece),
            merger: Merger::new(),
            threads: 1,
        }
    }

    /// Parses with `threads` threads besides the calling one, which reads
    /// and puts the samples in order (0 or 1: parses on the calling
    /// thread). The samples, their order and the errors are the same
    /// however many.
    pub fn with_threads(mut self, threads: usize) -> SampleReader<R> {
        self.threads = threads;
        self
    }

    /// Reads the input to `# EOF`, calling `f` with every sample and the
    /// bytes of input parsed so far. Stops at the first error, `f`'s
    /// included.
    pub fn for_each(
        &mut self,
        mut f: impl FnMut(Entry, u64) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.threads > 1 {
            return parallel::for_each(&mut self.pieces, &mut self.merger, self.threads, &mut f);
        }
        let mut buf = Vec::new();
        while let Some((len, last)) = self.pieces.next_into(&mut buf)? {
            let piece = &buf[..len];
            let parsed = self.merger.parse(piece, last);
            self.merger.merge(parsed, piece, last, &mut f)?;
        }
        Ok(())
    }

    /// The labels of every series seen so far, indexed by [`Entry::series`].
    pub fn labels(&self) -> &[Labels] {
        self.merger.labels()
    }

    /// The labels, giving up the reader.
    pub fn into_labels(self) -> Vec<Labels> {
        self.merger.into_labels()
    }

    /// Bytes parsed so far.
    pub fn bytes_read(&self) -> u64 {
        self.merger.bytes_read()
    }
}

/// The input cut into pieces after a newline.
#[derive(Debug)]
pub(crate) struct Pieces<R> {
    input: R,
    piece: usize,
    /// The bytes read after the previous piece's last newline.
    carry: Vec<u8>,
    at_end: bool,
    done: bool,
}

impl<R: Read> Pieces<R> {
    /// Pieces of `piece` bytes or so of `input`.
    pub(crate) fn new(input: R, piece: usize) -> Pieces<R> {
        Pieces {
            input,
            piece: piece.max(1),
            carry: Vec::new(),
            at_end: false,
            done: false,
        }
    }

    /// Reads the next piece into the start of `buf` (grown as needed):
    /// its length and whether it is the last, or `None` after the last.
    /// A piece ends with a newline unless it is the last; the last may be
    /// empty.
    pub(crate) fn next_into(&mut self, buf: &mut Vec<u8>) -> Result<Option<(usize, bool)>, Error> {
        if self.done {
            return Ok(None);
        }
        let mut filled = self.carry.len();
        let size = self.piece.max(2 * filled);
        if buf.len() < size {
            buf.resize(size, 0);
        }
        buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        loop {
            while filled < buf.len() && !self.at_end {
                match self.input.read(&mut buf[filled..]) {
                    Ok(0) => self.at_end = true,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Error::Input(e)),
                }
            }
            if self.at_end {
                self.done = true;
                return Ok(Some((filled, true)));
            }
            match buf[..filled].iter().rposition(|&b| b == b'\n') {
                Some(i) => {
                    self.carry.extend_from_slice(&buf[i + 1..filled]);
                    return Ok(Some((i + 1, false)));
                }
                // A line longer than the buffer.
                None => buf.resize(buf.len() * 2, 0),
            }
        }
    }
}

/// Puts pieces parsed (each by some [`Interner`]) together in input order:
/// numbers every series in order of first appearance, checks that each
/// series' timestamps increase, and numbers lines over the whole input.
/// A piece parsed from a state other than the one the pieces before it
/// end in is parsed again, from the right one.
#[derive(Debug)]
pub(crate) struct Merger {
    bytes: u64,
    lines: u64,
    /// The state after the pieces merged so far.
    state: State,
    /// Series ids by label set, for texts that differ but mean the same.
    by_labels: HashMap<Labels, u32, foldhash::fast::RandomState>,
    labels: Vec<Labels>,
    last_t: Vec<i64>,
    /// Per interner context: its series' ids here (`u32::MAX` before their
    /// first sample is merged) and their labels until then.
    maps: Vec<(Vec<u32>, Vec<Option<Labels>>)>,
    /// The interner of context 0, for the pieces parsed here.
    own: Interner,
}

impl Merger {
    /// A merger at the input's start; its own interner is context 0.
    pub(crate) fn new() -> Merger {
        Merger {
            bytes: 0,
            lines: 0,
            state: State::default(),
            by_labels: HashMap::default(),
            labels: Vec::new(),
            last_t: Vec::new(),
            maps: Vec::new(),
            own: Interner::new(0),
        }
    }

    /// Parses the next piece here, from the state the pieces before end in.
    pub(crate) fn parse(&mut self, piece: &[u8], last: bool) -> Parsed {
        parse_piece(&mut self.own, self.state.clone(), piece, last)
    }

    /// Merges the next piece in input order, parsed by any interner:
    /// calls `f` with each of its samples and the bytes before the piece.
    pub(crate) fn merge(
        &mut self,
        parsed: Parsed,
        piece: &[u8],
        last: bool,
        f: &mut impl FnMut(Entry, u64) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.register(&parsed)?;
        let parsed = if parsed.start == self.state {
            parsed
        } else {
            let again = self.parse(piece, last);
            self.register(&again)?;
            again
        };
        for s in &parsed.samples {
            let line = self.lines + u64::from(s.line);
            let id = self.global(parsed.ctx, s.series)?;
            let last_t = &mut self.last_t[id as usize];
            if s.t <= *last_t {
                let before = *last_t;
                return Err(err(
                    line,
                    1,
                    format!(
                        "sample of {} at {} ms is not after the series' previous one at {before} ms",
                        self.labels[id as usize], s.t
                    ),
                ));
            }
            *last_t = s.t;
            let e = Entry {
                series: id,
                t: s.t,
                v: s.v,
                line,
                family: s.family,
            };
            f(e, self.bytes)?;
        }
        if let Some(e) = parsed.error {
            return Err(match e {
                Error::Parse(mut p) if p.line > 0 => {
                    p.line += self.lines;
                    Error::Parse(p)
                }
                e => e,
            });
        }
        self.state = parsed.end;
        self.lines += parsed.lines;
        self.bytes += piece.len() as u64;
        Ok(())
    }

    /// Notes the series new to a piece's interner.
    fn register(&mut self, parsed: &Parsed) -> Result<(), Error> {
        if self.maps.len() <= parsed.ctx {
            self.maps.resize_with(parsed.ctx + 1, Default::default);
        }
        let (ids, labels) = &mut self.maps[parsed.ctx];
        if ids.len() != parsed.first_new as usize {
            return Err(Error::Invalid("pieces merged out of order".into()));
        }
        ids.extend(parsed.new.iter().map(|_| u32::MAX));
        labels.extend(parsed.new.iter().cloned().map(Some));
        Ok(())
    }

    /// The id here of series `local` of context `ctx`.
    fn global(&mut self, ctx: usize, local: u32) -> Result<u32, Error> {
        let missing = || Error::Invalid("a series no interner named".into());
        let (ids, pending) = self.maps.get_mut(ctx).ok_or_else(missing)?;
        let slot = ids.get_mut(local as usize).ok_or_else(missing)?;
        if *slot != u32::MAX {
            return Ok(*slot);
        }
        let labels = pending[local as usize].take().ok_or_else(missing)?;
        let id = match self.by_labels.get(&labels) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.labels.len())
                    .ok()
                    .filter(|&id| id != u32::MAX)
                    .ok_or_else(|| Error::Invalid("more than 4 294 967 294 series".into()))?;
                self.by_labels.insert(labels.clone(), id);
                self.labels.push(labels);
                self.last_t.push(i64::MIN);
                id
            }
        };
        *slot = id;
        Ok(id)
    }

    /// The labels of every series merged so far, by id.
    pub(crate) fn labels(&self) -> &[Labels] {
        &self.labels
    }

    /// The labels, giving up the merger.
    pub(crate) fn into_labels(self) -> Vec<Labels> {
        self.labels
    }

    /// Bytes of the pieces merged.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes
    }
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
