//! One piece of an OpenMetrics backfill file parsed on its own: the
//! [`State`] a piece's reading depends on, a cheap [`State::guess_after`]
//! of the state after a piece (so that pieces can be parsed before the
//! ones in front of them are), and [`parse_piece`], which parses a piece
//! from a given state into samples of locally interned series.
//!
//! `hestia-expfmt`'s lenient parser carries little from line to line: the
//! family the lines are in (its name and type, which decide which samples
//! belong to it and so whether `le`/`quantile` are made canonical) and
//! whether `# EOF` has been read. A piece starting from a state is parsed
//! after a one-line prefix that puts the parser in that state (`# TYPE
//! name type`, or `# EOF`), and its lines are numbered from its own first
//! line. The importer's own state is the count of families named by
//! metadata ([`Entry::family`](super::Entry::family)).

use std::borrow::Cow;

use hashbrown::HashMap;
use hestia_expfmt::parse::{Entry as ParsedEntry, FamilyType, OpenMetricsParser, Series};
use hestia_model::{Labels, METRIC_NAME};

use super::{err, parse_error};
use crate::Error;

/// What parsing a piece depends on: the state after the lines before it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// The family the parser's rules are in (`None` before the first line).
    family: Option<(String, FamilyType)>,
    /// Families named by metadata lines so far.
    meta_count: u32,
    /// The family the last metadata line named.
    meta_name: String,
    /// The last line was `# EOF`.
    eof: bool,
}

impl State {
    /// A metadata line for `name`, of type `kind` for `# TYPE`.
    fn metadata(&mut self, name: &str, kind: Option<FamilyType>) {
        if self.family.as_ref().is_none_or(|(f, _)| f != name) {
            self.family = Some((name.to_string(), FamilyType::Unknown));
        }
        if let (Some(k), Some((_, t))) = (kind, self.family.as_mut()) {
            *t = k;
        }
        if self.meta_name != name {
            self.meta_count += 1;
            self.meta_name.clear();
            self.meta_name.push_str(name);
        }
    }

    /// A sample line named `name`: a sample that is not of the current
    /// family starts a family of its own name and unknown type.
    fn sample(&mut self, name: &str) {
        let member = self
            .family
            .as_ref()
            .is_some_and(|(f, kind)| is_member(*kind, f, name));
        if !member {
            self.family = Some((name.to_string(), FamilyType::Unknown));
        }
    }

    /// The state after `piece` read from this one, guessed from its
    /// metadata lines and its last line alone (a sample line in between
    /// may start another family: the importer checks the guess against the
    /// state the parse of the previous piece ends in). Exact for files
    /// whose samples all belong to the family of the metadata before them.
    pub(crate) fn guess_after(&mut self, piece: &[u8]) {
        for start in metadata_lines(piece) {
            let line = line_at(piece, start);
            let kind = match line.get(..7) {
                Some(b"# TYPE ") => Some(type_named(line)),
                Some(b"# HELP ") | Some(b"# UNIT ") => None,
                _ => continue,
            };
            let rest = &line[7..];
            let name = &rest[..rest.iter().position(|&b| b == b' ').unwrap_or(rest.len())];
            if let Ok(name) = std::str::from_utf8(name) {
                self.metadata(name, kind);
            }
        }
        let last = last_line(piece);
        self.eof = last == b"# EOF";
        if !last.is_empty() && last[0] != b'#' {
            let end = last
                .iter()
                .position(|&b| b == b'{' || b == b' ')
                .unwrap_or(last.len());
            if let Ok(name) = std::str::from_utf8(&last[..end]) {
                self.sample(name);
            }
        }
    }

    /// The text that puts a fresh parser in this state.
    pub(crate) fn prefix(&self) -> String {
        match &self.family {
            _ if self.eof => "# EOF\n".to_string(),
            Some((name, kind)) => format!("# TYPE {name} {}\n", type_name(*kind)),
            None => String::new(),
        }
    }
}

/// The type a `# TYPE` line names (`Unknown` for one the parser refuses:
/// the guess does not matter then).
fn type_named(line: &[u8]) -> FamilyType {
    let kind = line.rsplit(|&b| b == b' ').next().unwrap_or(b"");
    [
        FamilyType::Counter,
        FamilyType::Gauge,
        FamilyType::Histogram,
        FamilyType::GaugeHistogram,
        FamilyType::Summary,
        FamilyType::Info,
        FamilyType::StateSet,
        FamilyType::Unknown,
    ]
    .into_iter()
    .find(|&k| type_name(k).as_bytes() == kind)
    .unwrap_or(FamilyType::Unknown)
}

/// A type as a `# TYPE` line writes it.
fn type_name(kind: FamilyType) -> &'static str {
    match kind {
        FamilyType::Counter => "counter",
        FamilyType::Gauge => "gauge",
        FamilyType::Histogram => "histogram",
        FamilyType::GaugeHistogram => "gaugehistogram",
        FamilyType::Summary => "summary",
        FamilyType::Info => "info",
        FamilyType::StateSet => "stateset",
        FamilyType::Unknown => "unknown",
    }
}

/// Whether sample `name` belongs to family `family` of type `kind`, by
/// the sample-name suffixes OpenMetrics gives each type.
fn is_member(kind: FamilyType, family: &str, name: &str) -> bool {
    let Some(rest) = name.strip_prefix(family) else {
        return false;
    };
    let suffixes: &[&str] = match kind {
        FamilyType::Counter => &["_total", "_created"],
        FamilyType::Info => &["_info"],
        FamilyType::Histogram => &["_bucket", "_count", "_sum", "_created"],
        FamilyType::GaugeHistogram => &["_bucket", "_gcount", "_gsum"],
        FamilyType::Summary => &["", "_count", "_sum", "_created"],
        _ => &[""],
    };
    suffixes.contains(&rest)
}

/// The line starting at `start` (without its newline).
fn line_at(piece: &[u8], start: usize) -> &[u8] {
    let rest = &piece[start..];
    &rest[..rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())]
}

/// The last line of `piece` (which ends with a newline unless it is the
/// input's end).
fn last_line(piece: &[u8]) -> &[u8] {
    let body = piece.strip_suffix(b"\n").unwrap_or(piece);
    let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    &body[start..]
}

/// The starts of the lines of `piece` that begin with `#` (a backfill file
/// has few).
fn metadata_lines(piece: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let i = find_hash(piece, at)?;
        at = i + 1;
        if i == 0 || piece[i - 1] == b'\n' {
            return Some(i);
        }
    })
}

/// The first `#` at or after `from`.
fn find_hash(hay: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'#', hay.get(from..)?).map(|k| from + k)
}

/// One sample of a piece, of a locally interned series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PieceSample {
    /// The series' id in the interner that parsed the piece.
    pub(crate) series: u32,
    /// See [`Entry::family`](super::Entry::family).
    pub(crate) family: u32,
    /// The line within the piece, from 1.
    pub(crate) line: u32,
    pub(crate) t: i64,
    pub(crate) v: f64,
}

/// A piece parsed.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The interner's context (see [`Interner::new`]).
    pub(crate) ctx: usize,
    /// The state the piece was parsed from.
    pub(crate) start: State,
    /// The state after it (meaningless after an error).
    pub(crate) end: State,
    /// The local id of the first series new to the interner in this piece.
    pub(crate) first_new: u32,
    /// The labels of the series new to the interner, from `first_new` on.
    pub(crate) new: Vec<Labels>,
    /// The samples, in input order.
    pub(crate) samples: Vec<PieceSample>,
    /// Lines in the piece.
    pub(crate) lines: u64,
    /// What stopped the parse, with its line counted within the piece
    /// (0: no line), after `samples`.
    pub(crate) error: Option<Error>,
}

/// Series interned by their text, with ids local to one parsing thread.
#[derive(Debug)]
pub(crate) struct Interner {
    ctx: usize,
    index: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState>,
    labels: Vec<Labels>,
    /// The previous sample's key and series.
    last: Option<(Vec<u8>, u32)>,
    /// Pieces parsed.
    pieces: u64,
}

impl Interner {
    /// An empty interner whose pieces name it `ctx`.
    pub(crate) fn new(ctx: usize) -> Interner {
        Interner {
            ctx,
            index: HashMap::default(),
            labels: Vec::new(),
            last: None,
            pieces: 0,
        }
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
                let id = u32::try_from(self.labels.len())
                    .map_err(|_| err(line, 1, "more than 4 294 967 295 series"))?;
                self.labels.push(labels);
                self.index.insert(k.clone().into_boxed_slice(), id);
                id
            }
        };
        self.last = Some((k, id));
        Ok(id)
    }
}

/// Where the previous sample's name and label text were: the piece number
/// and the slices' addresses. The parser hands out the very same slices
/// for a line that repeats the previous line's head, and a name borrowed
/// from the input is at a different address on every other line, so equal
/// addresses within one piece mean the same series.
type HeadAt = (u64, usize, usize, usize, usize);

/// Parses `piece` (cut after a newline; `last`: the input's end) from
/// state `start`, interning its series in `interner`.
pub(crate) fn parse_piece(
    interner: &mut Interner,
    start: State,
    piece: &[u8],
    last: bool,
) -> Parsed {
    interner.pieces += 1;
    let mut out = Parsed {
        ctx: interner.ctx,
        end: start.clone(),
        start,
        first_new: interner.labels.len() as u32,
        new: Vec::new(),
        // Room for lines of 64 bytes, so that it rarely grows.
        samples: Vec::with_capacity(piece.len() / 64 + 1),
        lines: 0,
        error: None,
    };
    let prefix = out.start.prefix();
    let mut p = OpenMetricsParser::lenient(prefix.as_bytes()).partial();
    for e in p.by_ref() {
        if let Err(e) = e {
            out.error = Some(Error::Invalid(format!("resuming the parse: {e}")));
            return out;
        }
    }
    let skip = p.line();
    let mut p = p.continue_with(piece);
    if !last {
        p = p.partial();
    }
    let mut head_at: HeadAt = (u64::MAX, 0, 0, 0, 0);
    let result = loop {
        // Matched in place: an entry is large, and most are samples.
        let item = p.next();
        let line = u64::from(p.line().saturating_sub(skip));
        match &item {
            None => break Ok(()),
            Some(Ok(ParsedEntry::Series(s))) => {
                match sample(interner, &mut out, s, line, &mut head_at) {
                    // The previous line's head again: the same family.
                    Ok(true) => {}
                    Ok(false) => out.end.sample(&s.name),
                    Err(e) => break Err(e),
                }
            }
            Some(Ok(ParsedEntry::Type { family, kind })) => out.end.metadata(family, Some(*kind)),
            Some(Ok(ParsedEntry::Help { family, .. } | ParsedEntry::Unit { family, .. })) => {
                out.end.metadata(family, None)
            }
            Some(Ok(_)) => {}
            Some(Err(_)) => {
                if let Some(Err(e)) = item {
                    break Err(relative(parse_error(e), skip));
                }
            }
        }
    };
    out.lines = u64::from(p.line().saturating_sub(skip));
    out.end.eof = last_line(piece) == b"# EOF";
    out.new = interner.labels[out.first_new as usize..].to_vec();
    out.error = result.err();
    out
}

/// A parser error's line made relative to the piece (after `skip` lines
/// of prefix).
fn relative(e: Error, skip: u32) -> Error {
    match e {
        Error::Parse(mut p) if p.line > 0 => {
            p.line = p.line.saturating_sub(u64::from(skip)).max(1);
            Error::Parse(p)
        }
        e => e,
    }
}

/// Interns a parsed sample's series, checks it has a timestamp and adds
/// it to `out`. Whether the line repeats the previous line's head (as
/// the parser handed it out: with no line in between).
fn sample(
    interner: &mut Interner,
    out: &mut Parsed,
    s: &Series<'_>,
    line: u64,
    head_at: &mut HeadAt,
) -> Result<bool, Error> {
    let (raw, canonical) = s.labels.raw_text().unwrap_or(("", None));
    let borrowed = matches!(s.name, Cow::Borrowed(_));
    let at = (
        if borrowed { interner.pieces } else { u64::MAX },
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
    let repeated = borrowed && at == *head_at;
    let series = match &interner.last {
        Some((_, id)) if repeated => *id,
        Some((k, id)) if same_key(k, parts) => *id,
        _ => interner.intern(s, parts, line)?,
    };
    *head_at = at;
    let Some(t) = s.timestamp else {
        return Err(err(
            line,
            1,
            format!(
                "sample of {} has no timestamp (a backfill needs one)",
                interner.labels[series as usize]
            ),
        ));
    };
    out.samples.push(PieceSample {
        series,
        family: out.end.meta_count,
        line: u32::try_from(line).unwrap_or(u32::MAX),
        t,
        v: s.value,
    });
    Ok(repeated)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_hash_and_metadata_line() {
        for len in 0..200 {
            assert_eq!(find_hash(&vec![b'a'; len], 0), None);
            assert_eq!(find_hash(&vec![b'a'; len], len + 5), None);
            for pos in 0..len {
                let mut hay = vec![b'a'; len];
                hay[pos] = b'#';
                assert_eq!(find_hash(&hay, 0), Some(pos), "{len} {pos}");
                assert_eq!(find_hash(&hay, pos), Some(pos), "{len} {pos}");
                assert_eq!(find_hash(&hay, pos + 1), None, "{len} {pos}");
            }
        }
        let text = b"# TYPE a gauge\na 1 1 # {x=\"#\"} 1\n#\n".repeat(5);
        let starts: Vec<usize> = metadata_lines(&text).collect();
        let want: Vec<usize> = (0..5).flat_map(|k| [k * 35, k * 35 + 33]).collect();
        assert_eq!(starts, want);
    }
}
