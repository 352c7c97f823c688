//! [`OpenMetricsParser`]: OpenMetrics 1.0 text, strictly as its ABNF and
//! data model say (see [`om_rules`](super::om_rules) for the latter): no
//! blank lines or comments, single spaces, `# EOF` last, timestamps in
//! seconds (converted to milliseconds), exemplars of at most 128
//! characters of label names and values.
//!
//! A long exposition can be parsed in pieces cut after newlines
//! ([`OpenMetricsParser::partial`], [`OpenMetricsParser::continue_with`]),
//! so that a reader never needs it whole in memory. A series line that
//! repeats the previous line's name and labels byte for byte (a backfill
//! file lists a series' samples together) reuses the previous line's
//! reading of them instead of lexing them again.

use std::borrow::Cow;

use super::labels::Canonical;
use super::labels::{unescape, unescape_label, SeriesLabels};
use super::lex::{series_head, Cursor, RawLabel};
use super::number::{parse_real, parse_value, secs_to_ms};
use super::om_rules::{Meta, Rules, Sample};
use super::text::CanonicalMemo;
use super::{next_line, utf8_prefix, Entry, ExemplarRef, FamilyType, Series};
use crate::{Location, ParseError};

/// The most characters an exemplar's label names and values may have.
const EXEMPLAR_MAX_CHARS: usize = 128;

/// A pull parser over an OpenMetrics 1.0 text exposition.
///
/// ```
/// use hestia_expfmt::parse::{Entry, OpenMetricsParser};
///
/// let input = b"# TYPE rpc counter\nrpc_total 7 1.5 # {trace_id=\"ab\"} 1\n# EOF\n";
/// let entries: Vec<Entry<'_>> = OpenMetricsParser::new(input).collect::<Result<_, _>>().unwrap();
/// let Entry::Series(s) = &entries[1] else { panic!() };
/// assert_eq!((s.name.as_ref(), s.value, s.timestamp), ("rpc_total", 7.0, Some(1500)));
/// let ex = s.exemplar.as_ref().unwrap();
/// assert_eq!(ex.labels.get("trace_id").as_deref(), Some("ab"));
/// assert!(OpenMetricsParser::new(b"rpc_total 1\n").any(|e| e.is_err()));
/// ```
pub struct OpenMetricsParser<'a> {
    text: &'a str,
    bad_utf8: Option<usize>,
    pos: usize,
    /// Lines read, over all pieces so far.
    line: u32,
    /// Lines in the pieces before this one.
    lines_before: u32,
    done: bool,
    /// More pieces follow this input: its end is not the exposition's.
    partial: bool,
    /// `# EOF` ended a partial piece: the next piece must be empty, and
    /// the final one then yields [`Entry::Eof`].
    eof_pending: bool,
    rules: Rules<'a>,
    labels: Vec<RawLabel<'a>>,
    exemplar_labels: Vec<RawLabel<'a>>,
    memo: CanonicalMemo<'a>,
    /// The previous line's series head, if the previous line was a sample.
    last: Option<LastHead<'a>>,
}

/// A series line's head as read, for the next line to reuse when it
/// starts with the same text. `labels` of the parser still hold its
/// labels.
struct LastHead<'a> {
    /// `name{labels}` as written.
    text: &'a str,
    name: Cow<'a, str>,
    raw_labels: &'a str,
    kind: FamilyType,
    suffix: &'static str,
    canonical: Option<Canonical>,
}

impl<'a> OpenMetricsParser<'a> {
    /// A parser over `input` that checks the whole OpenMetrics 1.0 data
    /// model (it passes the OpenMetrics parser test suite).
    pub fn new(input: &'a [u8]) -> Self {
        Self::with_rules(input, true)
    }

    /// A parser over `input` that checks the grammar and only the rules
    /// Prometheus' own OpenMetrics parser checks (`# EOF`, metadata
    /// syntax, unit suffixes, label names and duplicates, exemplar size and
    /// timestamps). Real exporters break the stricter rules: client_golang
    /// writes sums next to negative buckets and negative quantile values.
    pub fn lenient(input: &'a [u8]) -> Self {
        Self::with_rules(input, false)
    }

    fn with_rules(input: &'a [u8], strict: bool) -> Self {
        let (text, bad_utf8) = utf8_prefix(input);
        Self {
            text,
            bad_utf8,
            pos: 0,
            line: 0,
            lines_before: 0,
            done: false,
            partial: false,
            eof_pending: false,
            rules: Rules::new(strict),
            labels: Vec::new(),
            exemplar_labels: Vec::new(),
            memo: CanonicalMemo::default(),
            last: None,
        }
    }

    /// Marks the input as one piece of a longer exposition, cut right
    /// after a newline: when the piece is used up the iterator ends
    /// without an error and without [`Entry::Eof`]; go on with
    /// [`continue_with`](Self::continue_with). The last piece is parsed
    /// without this mark, so that it must end with `# EOF`.
    ///
    /// ```
    /// use hestia_expfmt::parse::{Entry, OpenMetricsParser};
    ///
    /// let mut p = OpenMetricsParser::lenient(b"# TYPE a gauge\n").partial();
    /// assert!(matches!(p.next(), Some(Ok(Entry::Type { .. }))));
    /// assert!(p.next().is_none());
    /// let mut p = p.continue_with(b"a 1 1.5\n# EOF\n");
    /// let Some(Ok(Entry::Series(s))) = p.next() else { panic!() };
    /// assert_eq!((s.timestamp, p.line()), (Some(1500), 2));
    /// assert!(matches!(p.next(), Some(Ok(Entry::Eof))));
    /// ```
    pub fn partial(mut self) -> Self {
        self.partial = true;
        self
    }

    /// A parser over the next piece of the exposition, keeping the line
    /// count and the rule state (which family the lines are in, and for
    /// the strict parser everything it checks across lines). The new
    /// parser is not [`partial`](Self::partial) unless marked again. After
    /// `# EOF`, a non-empty piece is an error.
    pub fn continue_with<'b>(self, input: &'b [u8]) -> OpenMetricsParser<'b> {
        let (text, bad_utf8) = utf8_prefix(input);
        OpenMetricsParser {
            text,
            bad_utf8,
            pos: 0,
            line: self.line,
            lines_before: self.line,
            done: self.done,
            partial: false,
            eof_pending: self.eof_pending,
            rules: self.rules.into_owned(),
            labels: Vec::new(),
            exemplar_labels: Vec::new(),
            memo: CanonicalMemo::default(),
            last: None,
        }
    }

    /// The line (from 1, over all pieces) of the entry or error returned
    /// last.
    pub fn line(&self) -> u32 {
        self.line
    }

    fn end_location(&self) -> Location {
        let line =
            self.lines_before as usize + self.text.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = self.text.rfind('\n').map_or(0, |i| i + 1);
        Location::Text {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(self.text.len() - line_start + 1).unwrap_or(u32::MAX),
        }
    }

    fn next_entry(&mut self) -> Result<Option<Entry<'a>>, ParseError> {
        if self.eof_pending {
            if self.pos < self.text.len() || self.bad_utf8.is_some() {
                return Err(ParseError::DataAfterEof {
                    at: Location::Text {
                        line: self.line + 1,
                        column: 1,
                    },
                });
            }
            self.rules.finish()?;
            return Ok(None);
        }
        if self.pos >= self.text.len() {
            if self.bad_utf8.is_some() {
                return Err(ParseError::InvalidUtf8 {
                    at: self.end_location(),
                });
            }
            return Err(ParseError::MissingEof {
                at: self.end_location(),
            });
        }
        let (line, had_newline) = next_line(self.text, self.pos);
        self.line += 1;
        if !had_newline && self.bad_utf8.is_some() {
            return Err(ParseError::InvalidUtf8 {
                at: self.end_location(),
            });
        }
        self.pos += line.len() + 1;
        let cur = Cursor::new(line, self.line);
        if line == "# EOF" {
            if self.pos < self.text.len() || self.bad_utf8.is_some() {
                return Err(ParseError::DataAfterEof {
                    at: Location::Text {
                        line: self.line + 1,
                        column: 1,
                    },
                });
            }
            if self.partial {
                self.eof_pending = true;
                return Ok(None);
            }
            self.rules.finish()?;
            return Ok(None);
        }
        if !had_newline {
            return Err(ParseError::MissingEof {
                at: self.end_location(),
            });
        }
        match cur.peek() {
            None => Err(ParseError::Syntax {
                at: cur.loc(0),
                expected: "a sample or metadata (OpenMetrics has no blank lines)",
                found: "end of line".to_string(),
            }),
            Some(b'#') => {
                self.last = None;
                self.metadata(cur).map(Some)
            }
            Some(_) => self.series(cur).map(Some),
        }
    }

    fn metadata(&mut self, mut cur: Cursor<'a>) -> Result<Entry<'a>, ParseError> {
        let kind = match cur.s.as_bytes().get(..7) {
            Some(b"# HELP ") => 0,
            Some(b"# TYPE ") => 1,
            Some(b"# UNIT ") => 2,
            _ => return Err(cur.expected("# HELP, # TYPE, # UNIT or # EOF")),
        };
        cur.pos = 7;
        let at = cur.loc(0);
        let family = cur.metric_name()?;
        if !cur.eat(b' ') {
            return Err(cur.expected("a space after the metric name"));
        }
        let text = cur.rest();
        match kind {
            0 => {
                let help = unescape(text, true);
                self.rules.metadata(at, Meta::Help, family.clone(), text)?;
                Ok(Entry::Help { family, help })
            }
            1 => {
                let kind = match text {
                    "counter" => FamilyType::Counter,
                    "gauge" => FamilyType::Gauge,
                    "histogram" => FamilyType::Histogram,
                    "gaugehistogram" => FamilyType::GaugeHistogram,
                    "summary" => FamilyType::Summary,
                    "info" => FamilyType::Info,
                    "stateset" => FamilyType::StateSet,
                    "unknown" => FamilyType::Unknown,
                    _ => {
                        return Err(ParseError::UnknownType {
                            at: cur.loc(cur.pos),
                            found: text.to_string(),
                        })
                    }
                };
                self.rules
                    .metadata(at, Meta::Type(kind), family.clone(), text)?;
                Ok(Entry::Type { family, kind })
            }
            _ => {
                let b = text.as_bytes();
                if let Some(i) = b.iter().position(|&c| !super::lex::is_name_char(c, true)) {
                    cur.pos += i;
                    return Err(cur.expected("a unit of [a-zA-Z0-9_:] characters"));
                }
                self.rules.metadata(at, Meta::Unit, family.clone(), text)?;
                Ok(Entry::Unit {
                    family,
                    unit: Cow::Borrowed(text),
                })
            }
        }
    }

    fn series(&mut self, mut cur: Cursor<'a>) -> Result<Entry<'a>, ParseError> {
        let at = cur.loc(0);
        let repeated = self.last.take().filter(|h| {
            let n = h.text.len();
            cur.s.as_bytes().get(n) == Some(&b' ') && cur.s.as_bytes()[..n] == *h.text.as_bytes()
        });
        let (name, raw_labels) = match &repeated {
            Some(h) => {
                cur.pos = h.text.len();
                (h.name.clone(), h.raw_labels)
            }
            None => {
                let head = series_head(&mut cur, true, &mut self.labels)?;
                (head.name, head.raw_labels)
            }
        };
        let head_end = cur.pos;
        if !cur.eat(b' ') {
            return Err(cur.expected("a space before the value"));
        }
        let value_at = cur.pos;
        let token = cur.token(true);
        let value = parse_value(token).ok_or_else(|| ParseError::InvalidNumber {
            at: cur.loc(value_at),
            what: "value",
            text: token.to_string(),
        })?;
        let mut ts = None;
        let mut exemplar = None;
        if !cur.at_end() && !cur.rest().starts_with(" # ") {
            cur.pos += 1;
            ts = Some(self.seconds(&mut cur, "timestamp")?);
        }
        if cur.rest().starts_with(" # ") {
            cur.pos += 3;
            exemplar = Some(self.exemplar(&mut cur)?);
        }
        if !cur.at_end() {
            return Err(cur.expected("the end of the line"));
        }
        let sample = Sample {
            at,
            name: &name,
            labels: &self.labels,
            value,
            ts,
            exemplar: exemplar.is_some(),
        };
        // The lenient rules give a repeated head the same family and
        // suffix without changing state; the strict ones check every line.
        let (kind, suffix, canonical) = match repeated {
            Some(h) if !self.rules.is_strict() => (h.kind, h.suffix, h.canonical),
            repeated => {
                let (kind, suffix) = self.rules.sample(&sample, name.clone())?;
                let canonical = match repeated {
                    Some(h) if (h.kind, h.suffix) == (kind, suffix) => h.canonical,
                    _ => self.memo.canonical_for(kind, suffix, &self.labels),
                };
                (kind, suffix, canonical)
            }
        };
        self.last = Some(LastHead {
            text: &cur.s[..head_end],
            name: name.clone(),
            raw_labels,
            kind,
            suffix,
            canonical,
        });
        Ok(Entry::Series(Series {
            name,
            labels: SeriesLabels::text(raw_labels, canonical).with_series_text(&cur.s[..head_end]),
            value,
            timestamp: ts.map(secs_to_ms),
            exemplar,
        }))
    }

    /// A timestamp in seconds: a real number, never `Inf` or `NaN`.
    fn seconds(&self, cur: &mut Cursor<'a>, what: &'static str) -> Result<f64, ParseError> {
        let at = cur.pos;
        let token = cur.token(true);
        parse_real(token).ok_or_else(|| ParseError::InvalidNumber {
            at: cur.loc(at),
            what,
            text: token.to_string(),
        })
    }

    fn exemplar(&mut self, cur: &mut Cursor<'a>) -> Result<ExemplarRef<'a>, ParseError> {
        let start = cur.pos;
        let raw = cur.label_set(true, &mut self.exemplar_labels, None)?;
        let chars: usize = self
            .exemplar_labels
            .iter()
            .map(|l| {
                unescape_label(l.name).chars().count() + unescape_label(l.value).chars().count()
            })
            .sum();
        if chars > EXEMPLAR_MAX_CHARS {
            return Err(ParseError::Semantic {
                at: cur.loc(start),
                rule: format!(
                    "exemplar labels have {chars} characters, more than {EXEMPLAR_MAX_CHARS}"
                ),
            });
        }
        if !cur.eat(b' ') {
            return Err(cur.expected("a space before the exemplar value"));
        }
        let value_at = cur.pos;
        let token = cur.token(true);
        let value = parse_value(token).ok_or_else(|| ParseError::InvalidNumber {
            at: cur.loc(value_at),
            what: "exemplar value",
            text: token.to_string(),
        })?;
        let mut timestamp = None;
        if cur.eat(b' ') {
            timestamp = Some(secs_to_ms(self.seconds(cur, "exemplar timestamp")?));
        }
        Ok(ExemplarRef {
            labels: SeriesLabels::text(raw, None),
            value,
            timestamp,
        })
    }
}

impl<'a> Iterator for OpenMetricsParser<'a> {
    type Item = Result<Entry<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || (self.partial && self.pos >= self.text.len() && self.bad_utf8.is_none()) {
            return None;
        }
        let next = self.next_entry();
        if self.partial && self.eof_pending && matches!(next, Ok(None)) {
            // The end, unless the next piece has more.
            return None;
        }
        super::iterator_step(&mut self.done, next)
    }
}
