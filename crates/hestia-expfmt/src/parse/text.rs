//! [`TextParser`]: Prometheus text format 0.0.4, with the leniency of
//! Prometheus' own lexer (blank lines, spaces and tabs around tokens and
//! inside label sets, a trailing comma, free-form `#` comments, no final
//! newline) and its checks (name syntax, UTF-8, value and integer
//! timestamp syntax), plus duplicate label names, which Prometheus refuses
//! at append time.
//!
//! The canonical `le`/`quantile` forms are memoised per exposition
//! ([`CanonicalMemo`], shared with the OpenMetrics parser): the buckets of
//! every histogram of a family repeat the same bounds.
//!
//! An exposition can also be parsed as it arrives, in pieces of whole
//! lines ([`TextParser::resume`]): a line depends on the lines before it
//! only through its number and the family of the last `# TYPE` line,
//! which a [`TextCarry`] takes from one piece's parser to the next, so
//! the entries and errors are those of the whole exposition.

use std::borrow::Cow;

use super::labels::{unescape, Canonical, SeriesLabels};
use super::lex::{head_extent, series_head, snippet, Cursor, RawLabel, SeriesHead};
use super::number::parse_value;
use super::{next_line, utf8_prefix, Entry, FamilyType, Series};
use crate::{Location, ParseError};

/// A pull parser over a Prometheus text 0.0.4 exposition.
///
/// ```
/// use hestia_expfmt::parse::{Entry, TextParser};
///
/// let input = b"# TYPE up gauge\nup{job=\"a\"} 1 1700000000000\n";
/// let entries: Vec<Entry<'_>> = TextParser::new(input).collect::<Result<_, _>>().unwrap();
/// let Entry::Series(s) = &entries[1] else { panic!() };
/// assert_eq!((s.name.as_ref(), s.value, s.timestamp), ("up", 1.0, Some(1700000000000)));
/// assert_eq!(s.labels.get("job").as_deref(), Some("a"));
/// assert_eq!(entries.last(), Some(&Entry::Eof));
/// ```
pub struct TextParser<'a> {
    text: &'a str,
    bad_utf8: Option<usize>,
    pos: usize,
    line: u32,
    done: bool,
    /// The family of the last `# TYPE` line, for `le`/`quantile`.
    family: Option<(Cow<'a, str>, FamilyType)>,
    labels: Vec<RawLabel<'a>>,
    memo: CanonicalMemo<'a>,
    /// Lines of the exposition before `text` (earlier pieces).
    lines_before: u32,
}

/// What a [`TextParser`] hands on to the parser of the next piece of the
/// same exposition: how many lines were read, and the family of the last
/// `# TYPE` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextCarry {
    line: u32,
    family: Option<(String, FamilyType)>,
}

impl<'a> TextParser<'a> {
    /// A parser over `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Self::resume(input, TextCarry::default())
    }

    /// A parser over `piece`, the lines of an exposition that follow
    /// those a parser that gave `carry` read: every line of `piece` but
    /// the last of the exposition ends with `\n`. Entries and errors
    /// (their line numbers included) are those the whole exposition gives.
    ///
    /// ```
    /// use hestia_expfmt::parse::{Entry, TextCarry, TextParser};
    ///
    /// let mut carry = TextCarry::default();
    /// let mut values = Vec::new();
    /// for piece in [&b"# TYPE h histogram\n"[..], b"h_bucket{le=\"1\"} 3\n", b"h_count 3"] {
    ///     let mut p = TextParser::resume(piece, carry);
    ///     while let Some(e) = p.next_known(&mut |_| false).unwrap() {
    ///         if let Entry::Series(s) = e {
    ///             values.push((s.labels.get("le").map(|v| v.to_string()), s.value));
    ///         }
    ///     }
    ///     carry = p.carry();
    /// }
    /// // The bucket's `le` is canonical: the `# TYPE` line was in another piece.
    /// assert_eq!(values, [(Some("1.0".to_string()), 3.0), (None, 3.0)]);
    /// ```
    pub fn resume(piece: &'a [u8], carry: TextCarry) -> Self {
        let (text, bad_utf8) = utf8_prefix(piece);
        Self {
            text,
            bad_utf8,
            pos: 0,
            line: carry.line,
            done: false,
            family: carry.family.map(|(name, kind)| (Cow::Owned(name), kind)),
            labels: Vec::new(),
            memo: CanonicalMemo::default(),
            lines_before: carry.line,
        }
    }

    /// What the parser of the next piece needs (see
    /// [`TextParser::resume`]), once this one has read its piece.
    pub fn carry(&self) -> TextCarry {
        TextCarry {
            line: self.line,
            family: self
                .family
                .as_ref()
                .map(|(name, kind)| (name.to_string(), *kind)),
        }
    }

    /// The next entry, as [`Iterator::next`] gives it but with `None` for
    /// the end instead of [`Entry::Eof`] (and after an error), except that
    /// a series line whose head (its name and label set as written, what
    /// [`SeriesLabels::series_text`] gives) `known` accepts is returned
    /// without reading its label set again: no check of its syntax, names
    /// and duplicates, and no canonical `le`/`quantile` (heads that could
    /// have one, histogram buckets and summary quantiles, are never
    /// offered). The caller vouches that `known` accepts only heads this
    /// parser has returned before from a series that parsed, such as the
    /// series a scraper has cached: the same text gives the same labels,
    /// so only the value and timestamp are new. Entries are otherwise the
    /// same, errors included.
    ///
    /// ```
    /// use hestia_expfmt::parse::{Entry, TextParser};
    ///
    /// let input = b"up{job=\"a\"} 1\nup{job=\"a\"} 2\n";
    /// let mut p = TextParser::new(input);
    /// let mut seen = Vec::new();
    /// while let Some(e) = p.next_known(&mut |head| seen.contains(&head.to_string())).unwrap() {
    ///     if let Entry::Series(s) = e {
    ///         seen.push(s.labels.series_text().unwrap().0.to_string());
    ///         assert_eq!(s.labels.get("job").as_deref(), Some("a"));
    ///     }
    /// }
    /// assert_eq!(seen, ["up{job=\"a\"}", "up{job=\"a\"}"]);
    /// ```
    pub fn next_known(
        &mut self,
        known: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Option<Entry<'a>>, ParseError> {
        if self.done {
            return Ok(None);
        }
        let next = self.next_entry(Some(known));
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next
    }

    fn next_entry(
        &mut self,
        known: Option<&mut dyn FnMut(&str) -> bool>,
    ) -> Result<Option<Entry<'a>>, ParseError> {
        loop {
            if self.pos >= self.text.len() {
                if let Some(bad) = self.bad_utf8 {
                    return Err(self.utf8_error(bad));
                }
                return Ok(None);
            }
            let (line, had_newline) = next_line(self.text, self.pos);
            self.line += 1;
            if !had_newline {
                if let Some(bad) = self.bad_utf8 {
                    return Err(self.utf8_error(bad));
                }
            }
            self.pos += line.len() + 1;
            let mut cur = Cursor::new(line, self.line);
            cur.skip_ws();
            if cur.at_end() {
                continue;
            }
            if cur.peek() == Some(b'#') {
                return self.comment(cur).map(Some);
            }
            return self.series(cur, known).map(Some);
        }
    }

    fn utf8_error(&self, offset: usize) -> ParseError {
        let before = self.text;
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1 + self.lines_before as usize;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        ParseError::InvalidUtf8 {
            at: Location::Text {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(offset - line_start + 1).unwrap_or(u32::MAX),
            },
        }
    }

    fn comment(&mut self, mut cur: Cursor<'a>) -> Result<Entry<'a>, ParseError> {
        let whole = cur.rest();
        cur.pos += 1;
        if cur.skip_ws() == 0 {
            return Ok(Entry::Comment(whole));
        }
        let rest = cur.rest().as_bytes();
        let keyword = match rest.get(..4) {
            Some(b"HELP") => true,
            Some(b"TYPE") => false,
            _ => return Ok(Entry::Comment(whole)),
        };
        if !matches!(rest.get(4), Some(b' ' | b'\t')) {
            return Ok(Entry::Comment(whole));
        }
        cur.pos += 4;
        cur.skip_ws();
        let family = cur.metric_name()?;
        // The text is what follows the first blank after the name.
        let text = match cur.peek() {
            None => "",
            Some(b' ' | b'\t') => cur.s.get(cur.pos + 1..).unwrap_or(""),
            Some(_) => return Err(cur.expected("a blank after the metric name")),
        };
        if keyword {
            let help = unescape(text, false);
            return Ok(Entry::Help { family, help });
        }
        let kind = match text {
            "counter" => FamilyType::Counter,
            "gauge" => FamilyType::Gauge,
            "histogram" => FamilyType::Histogram,
            "summary" => FamilyType::Summary,
            "untyped" => FamilyType::Unknown,
            _ => {
                return Err(ParseError::UnknownType {
                    at: cur.loc(cur.pos + 1),
                    found: text.to_string(),
                })
            }
        };
        self.family = Some((family.clone(), kind));
        Ok(Entry::Type { family, kind })
    }

    fn series(
        &mut self,
        mut cur: Cursor<'a>,
        known: Option<&mut dyn FnMut(&str) -> bool>,
    ) -> Result<Entry<'a>, ParseError> {
        let head_start = cur.pos;
        let line = cur.s;
        let fast = known.and_then(|known| {
            let h = head_extent(line, head_start)?;
            let name = line.get(head_start..h.name_end).unwrap_or("");
            (self.canonical_suffix(name).is_none()
                && known(line.get(head_start..h.end).unwrap_or("")))
            .then_some(h)
        });
        let head = match fast {
            Some(h) => {
                cur.pos = h.end;
                SeriesHead {
                    name: Cow::Borrowed(line.get(head_start..h.name_end).unwrap_or("")),
                    raw_labels: line.get(h.labels.0..h.labels.1).unwrap_or(""),
                }
            }
            None => series_head(&mut cur, false, &mut self.labels)?,
        };
        let head_text = cur.s.get(head_start..cur.pos).unwrap_or("");
        if cur.skip_ws() == 0 {
            return Err(cur.expected("a blank before the value"));
        }
        let value_at = cur.pos;
        let token = cur.token(false);
        let value = parse_value(token).ok_or_else(|| ParseError::InvalidNumber {
            at: cur.loc(value_at),
            what: "value",
            text: token.to_string(),
        })?;
        let mut timestamp = None;
        if cur.skip_ws() > 0 && !cur.at_end() {
            let at = cur.pos;
            let token = cur.token(false);
            let ts: i64 = token.parse().map_err(|_| ParseError::InvalidNumber {
                at: cur.loc(at),
                what: "timestamp",
                text: token.to_string(),
            })?;
            timestamp = Some(ts);
            cur.skip_ws();
        }
        if !cur.at_end() {
            return Err(ParseError::Syntax {
                at: cur.loc(cur.pos),
                expected: "the end of the line",
                found: snippet(cur.rest()),
            });
        }
        let canonical = match fast {
            Some(_) => None,
            None => self.canonical(&head.name),
        };
        Ok(Entry::Series(Series {
            name: head.name,
            labels: SeriesLabels::text(head.raw_labels, canonical).with_series_text(head_text),
            value,
            timestamp,
            exemplar: None,
        }))
    }

    /// The canonical `le`/`quantile` of a bucket or quantile sample of the
    /// current family, when it differs from what is written.
    fn canonical(&mut self, name: &str) -> Option<Canonical> {
        let (kind, suffix) = self.canonical_suffix(name)?;
        self.memo.canonical_for(kind, suffix, &self.labels)
    }

    /// The family type and suffix of a sample named `name` if it is a
    /// histogram bucket or summary quantile of the current family, the
    /// only samples with a canonical form (the others are let go without
    /// comparing their name).
    fn canonical_suffix(&self, name: &str) -> Option<(FamilyType, &'static str)> {
        let (family, kind) = self.family.as_ref()?;
        let suffix = match kind {
            FamilyType::Histogram => "_bucket",
            FamilyType::Summary => "",
            _ => return None,
        };
        (name.strip_prefix(family.as_ref())? == suffix).then_some((*kind, suffix))
    }
}

/// How many `(label, value)` canonical forms a [`CanonicalMemo`] keeps:
/// enough for the buckets of a histogram or the quantiles of a summary.
const MEMO_SIZE: usize = 16;

/// The canonical forms of `le`/`quantile` values already worked out in an
/// exposition, by label and value as written: the buckets of every
/// histogram of a family repeat the same few bounds, and formatting a
/// float costs more than the rest of the line.
#[derive(Default)]
pub(crate) struct CanonicalMemo<'a> {
    entries: Vec<(&'static str, &'a str, Option<Canonical>)>,
    /// The entry replaced next once full.
    next: usize,
    /// The entry used last: the search starts after it, where the next
    /// bucket of a histogram usually is.
    last: usize,
}

impl<'a> CanonicalMemo<'a> {
    /// The canonical form of the `le`/`quantile` label of a sample with
    /// `suffix` in a family of type `kind`, if it parses and is written
    /// differently.
    pub(crate) fn canonical_for(
        &mut self,
        kind: FamilyType,
        suffix: &str,
        labels: &[RawLabel<'a>],
    ) -> Option<Canonical> {
        let label = kind.canonical_label(suffix)?;
        let raw = labels.iter().find(|l| l.name == label)?.value;
        let n = self.entries.len();
        for k in 1..=n {
            let i = (self.last + k) % n;
            let (l, r, c) = self.entries[i];
            if r == raw && l == label {
                self.last = i;
                return c;
            }
        }
        let c = canonical_of(label, raw);
        if n < MEMO_SIZE {
            self.last = n;
            self.entries.push((label, raw, c));
        } else {
            self.last = self.next;
            self.entries[self.next] = (label, raw, c);
            self.next = (self.next + 1) % MEMO_SIZE;
        }
        c
    }
}

/// The canonical form of `raw` as the value of `label`, if it parses and
/// is written differently.
fn canonical_of(label: &'static str, raw: &str) -> Option<Canonical> {
    let v = parse_value(raw)?;
    let c = Canonical::new(label, v);
    (c.value() != raw).then_some(c)
}

impl<'a> Iterator for TextParser<'a> {
    type Item = Result<Entry<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.next_entry(None);
        super::iterator_step(&mut self.done, next)
    }
}

#[cfg(test)]
mod tests;
