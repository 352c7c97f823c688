//! The lexical layer both text parsers share: a cursor over one line that
//! reads names, quoted strings and label sets, checks label names and
//! duplicates, and reports errors at line and column.
//!
//! `strict` selects OpenMetrics' grammar (no optional whitespace, no
//! trailing comma); otherwise the Prometheus text lexer's leniency applies.
//!
//! Label sets are read in one pass when they take the common form (bare
//! names, `name="value"` pairs separated by single commas, no blanks, no
//! `__name__`, no duplicate), with a name lookup table and values scanned
//! eight bytes at a time; anything else is read again by the general
//! reader, so errors and their columns do not depend on the fast path.

use std::borrow::Cow;

use super::labels::unescape_label;
use crate::{Location, ParseError};

/// One label as written: raw (still escaped) name and value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawLabel<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
    /// Column (0-based byte) of the name, for errors.
    pub(crate) at: usize,
}

impl<'a> RawLabel<'a> {
    /// The unescaped name.
    pub(crate) fn name(&self) -> Cow<'a, str> {
        unescape_label(self.name)
    }
}

/// A cursor over one line of a text exposition.
pub(crate) struct Cursor<'a> {
    pub(crate) s: &'a str,
    pub(crate) pos: usize,
    pub(crate) line: u32,
}

/// Shortens `s` for an error message.
pub(crate) fn snippet(s: &str) -> String {
    if s.is_empty() {
        return "end of line".to_string();
    }
    let mut out: String = s.chars().take(24).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    format!("{out:?}")
}

/// Byte classes of names: bit 0 a label name's first byte, bit 1 a label
/// name's other bytes, bit 2 a metric name's first byte, bit 3 a metric
/// name's other bytes.
const NAME_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let alpha = b.is_ascii_alphabetic() || b == b'_';
        let digit = b.is_ascii_digit();
        let mut v = 0;
        if alpha {
            v |= 0b1111;
        }
        if digit {
            v |= 0b1010;
        }
        if b == b':' {
            v |= 0b1100;
        }
        t[c] = v;
        c += 1;
    }
    t
};

pub(crate) fn is_name_start(c: u8, metric: bool) -> bool {
    NAME_CLASS[usize::from(c)] & if metric { 0b0100 } else { 0b0001 } != 0
}

pub(crate) fn is_name_char(c: u8, metric: bool) -> bool {
    NAME_CLASS[usize::from(c)] & if metric { 0b1000 } else { 0b0010 } != 0
}

/// The end of the name characters of `b` from `i` (`b.len()` if they run
/// to the end).
#[inline]
fn name_end(b: &[u8], i: usize, metric: bool) -> usize {
    let mask = if metric { 0b1000 } else { 0b0010 };
    let mut i = i;
    while i < b.len() && NAME_CLASS[usize::from(b[i])] & mask != 0 {
        i += 1;
    }
    i
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a str, line: u32) -> Self {
        Self { s, pos: 0, line }
    }

    pub(crate) fn loc(&self, pos: usize) -> Location {
        Location::Text {
            line: self.line,
            column: u32::try_from(pos + 1).unwrap_or(u32::MAX),
        }
    }

    pub(crate) fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    pub(crate) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skips spaces and tabs; returns how many.
    pub(crate) fn skip_ws(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn skip_ws_if(&mut self, lenient: bool) {
        if lenient {
            self.skip_ws();
        }
    }

    /// A syntax error at the cursor.
    pub(crate) fn expected(&self, expected: &'static str) -> ParseError {
        ParseError::Syntax {
            at: self.loc(self.pos),
            expected,
            found: snippet(self.rest()),
        }
    }

    /// Reads a bare name (`[a-zA-Z_:][a-zA-Z0-9_:]*` for metrics, without
    /// `:` for labels); `None` if there is none at the cursor.
    pub(crate) fn bare_name(&mut self, metric: bool) -> Option<&'a str> {
        let b = self.s.as_bytes();
        let start = self.pos;
        if !b.get(start).is_some_and(|&c| is_name_start(c, metric)) {
            return None;
        }
        let i = name_end(b, start + 1, metric);
        self.pos = i;
        self.s.get(start..i)
    }

    /// Reads a double-quoted string at the cursor; returns its raw inside.
    pub(crate) fn quoted(&mut self, what: &'static str) -> Result<&'a str, ParseError> {
        if !self.eat(b'"') {
            return Err(self.expected(what));
        }
        let b = self.s.as_bytes();
        let start = self.pos;
        let mut i = start;
        loop {
            match b.get(i) {
                None => {
                    return Err(ParseError::Syntax {
                        at: self.loc(start - 1),
                        expected: "a closing '\"'",
                        found: "end of line".to_string(),
                    })
                }
                Some(b'\\') => i += 2,
                Some(b'"') => break,
                Some(_) => i += 1,
            }
        }
        self.pos = i + 1;
        Ok(self.s.get(start..i).unwrap_or(""))
    }

    /// Reads a metric name, bare or quoted (Prometheus 3's UTF-8 names),
    /// as in `# HELP <name>`.
    pub(crate) fn metric_name(&mut self) -> Result<Cow<'a, str>, ParseError> {
        if self.peek() == Some(b'"') {
            let at = self.pos;
            let raw = self.quoted("a metric name")?;
            let name = unescape_label(raw);
            if name.is_empty() {
                return Err(ParseError::InvalidName {
                    at: self.loc(at),
                    what: "metric name",
                    name: String::new(),
                });
            }
            return Ok(name);
        }
        self.bare_name(true)
            .map(Cow::Borrowed)
            .ok_or_else(|| self.expected("a metric name"))
    }

    /// Reads a token up to the next space (and tab, unless `strict`).
    pub(crate) fn token(&mut self, strict: bool) -> &'a str {
        let b = self.s.as_bytes();
        let start = self.pos;
        let mut i = start;
        while let Some(&c) = b.get(i) {
            if c == b' ' || (!strict && c == b'\t') {
                break;
            }
            i += 1;
        }
        self.pos = i;
        self.s.get(start..i).unwrap_or("")
    }

    /// Reads a label set; the cursor is on `{`. Fills `out` with the labels
    /// and returns the raw text between the braces. A bare quoted string
    /// (`{"my.metric", a="b"}`) is a metric name: it is stored in `name`
    /// if `name` is `Some(None)`, refused otherwise.
    pub(crate) fn label_set(
        &mut self,
        strict: bool,
        out: &mut Vec<RawLabel<'a>>,
        name: Option<&mut Option<Cow<'a, str>>>,
    ) -> Result<&'a str, ParseError> {
        out.clear();
        let open = self.pos;
        if self.peek() == Some(b'{') {
            if let Some(end) = self.label_set_plain(open, out) {
                self.pos = end;
                return Ok(self.s.get(open + 1..end - 1).unwrap_or(""));
            }
            out.clear();
        }
        self.label_set_general(strict, out, name)
    }

    /// [`Cursor::label_set`] for any input: the reader that gives every
    /// error its position.
    fn label_set_general(
        &mut self,
        strict: bool,
        out: &mut Vec<RawLabel<'a>>,
        mut name: Option<&mut Option<Cow<'a, str>>>,
    ) -> Result<&'a str, ParseError> {
        out.clear();
        let open = self.pos;
        if !self.eat(b'{') {
            return Err(self.expected("'{'"));
        }
        let lenient = !strict;
        loop {
            self.skip_ws_if(lenient);
            if self.eat(b'}') {
                break;
            }
            let at = self.pos;
            let (label, quoted) = if self.peek() == Some(b'"') {
                (self.quoted("a label name")?, true)
            } else {
                match self.bare_name(false) {
                    Some(n) => (n, false),
                    None => return Err(self.expected("a label name")),
                }
            };
            self.skip_ws_if(lenient);
            if quoted && matches!(self.peek(), Some(b',' | b'}')) {
                match name.as_deref_mut() {
                    Some(slot @ None) => {
                        let n = unescape_label(label);
                        if n.is_empty() {
                            return Err(ParseError::InvalidName {
                                at: self.loc(at),
                                what: "metric name",
                                name: String::new(),
                            });
                        }
                        *slot = Some(n);
                    }
                    _ => {
                        self.pos = at;
                        return Err(self.expected("a label name and '='"));
                    }
                }
            } else {
                if quoted && label.is_empty() {
                    return Err(ParseError::InvalidName {
                        at: self.loc(at),
                        what: "label name",
                        name: String::new(),
                    });
                }
                if !self.eat(b'=') {
                    return Err(self.expected("'='"));
                }
                self.skip_ws_if(lenient);
                let value = self.quoted("a quoted label value")?;
                out.push(RawLabel {
                    name: label,
                    value,
                    at,
                });
                self.skip_ws_if(lenient);
            }
            if self.eat(b',') {
                if strict && self.peek() == Some(b'}') {
                    return Err(self.expected("a label name after ','"));
                }
                continue;
            }
            if self.eat(b'}') {
                break;
            }
            return Err(self.expected("',' or '}'"));
        }
        check_labels(self, out)?;
        Ok(self.s.get(open + 1..self.pos - 1).unwrap_or(""))
    }
}

impl<'a> Cursor<'a> {
    /// The common case of [`Cursor::label_set`], read in one pass: bare
    /// label names, `=` and a quoted value with nothing between them,
    /// separated by single commas, no trailing comma, no `__name__` and no
    /// duplicate. Fills `out` and returns the position after the `}` at
    /// `open`; `None` (with `out` partly filled) for anything else, which
    /// the general reader then reads again, errors and all.
    fn label_set_plain(&self, open: usize, out: &mut Vec<RawLabel<'a>>) -> Option<usize> {
        let b = self.s.as_bytes();
        let mut i = open + 1;
        if b.get(i) == Some(&b'}') {
            return Some(i + 1);
        }
        loop {
            let start = i;
            if !is_name_start(*b.get(i)?, false) {
                return None;
            }
            i = name_end(b, i + 1, false);
            let name = self.s.get(start..i)?;
            if b.get(i..i + 2)? != b"=\"" {
                return None;
            }
            i += 2;
            let value_start = i;
            loop {
                i = find_any(b, i, [b'"', b'\\'])?;
                if b[i] == b'"' {
                    break;
                }
                i += 2;
            }
            let value = self.s.get(value_start..i)?;
            if name == "__name__" || out.iter().any(|l| l.name == name) {
                return None;
            }
            out.push(RawLabel {
                name,
                value,
                at: start,
            });
            i += 1;
            match b.get(i)? {
                b',' if b.get(i + 1) != Some(&b'}') => i += 1,
                b'}' => return Some(i + 1),
                _ => return None,
            }
        }
    }
}

/// Where a series head lies in a line, as [`series_head`] (lenient) would
/// read it: see [`head_extent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeadExtent {
    /// The end of the metric name (which starts at the head).
    pub(crate) name_end: usize,
    /// The text between the braces (empty without a label set).
    pub(crate) labels: (usize, usize),
    /// The end of the head.
    pub(crate) end: usize,
}

/// The extent of the series head at `start` of `line`, found without
/// reading it: a name up to the first blank or `{` (starting as a bare
/// metric name does), then, if a `{` follows after optional blanks, up to
/// the line's last `}`. In a line that parses, that `}` closes the label
/// set (a value or timestamp has none), so this is where [`series_head`]
/// ends. Otherwise the text found is no head the parser ever returned
/// (one of those contains a single `}` outside quotes, at its end, where
/// the parser stopped), so offering it as known cannot accept a line the
/// parser refuses. `None` when the line does not start with a bare name's
/// first byte or has a `{` but no `}` after it.
pub(crate) fn head_extent(line: &str, start: usize) -> Option<HeadExtent> {
    let b = line.as_bytes();
    if !is_name_start(*b.get(start)?, true) {
        return None;
    }
    let name_end = find_any(b, start + 1, [b'{', b' ', b'\t']).unwrap_or(b.len());
    let mut open = name_end;
    while matches!(b.get(open), Some(b' ' | b'\t')) {
        open += 1;
    }
    if b.get(open) != Some(&b'{') {
        return Some(HeadExtent {
            name_end,
            labels: (name_end, name_end),
            end: name_end,
        });
    }
    let close = b.iter().rposition(|&c| c == b'}').filter(|&c| c > open)?;
    Some(HeadExtent {
        name_end,
        labels: (open + 1, close),
        end: close + 1,
    })
}

/// The position of the first byte of `b` from `i` that is one of `set`,
/// eight bytes at a time: for lines of a hundred bytes or so this beats
/// the general `memchr`. Finds line ends, quotes and backslashes in label
/// values, and the end of a series head's name.
#[inline]
pub(crate) fn find_any<const N: usize>(b: &[u8], mut i: usize, set: [u8; N]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(word) = b.get(i..i + 8) {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        let mut found = 0;
        for c in set {
            // A zero byte of `x` marks a match; the lowest marked byte is
            // exact (borrows only mark bytes above a real match).
            let x = w ^ (ONES * u64::from(c));
            found |= x.wrapping_sub(ONES) & !x;
        }
        let found = found & HIGH;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?
        .iter()
        .position(|c| set.contains(c))
        .map(|p| i + p)
}

/// Refuses `__name__` as a label and duplicate names.
fn check_labels(cur: &Cursor<'_>, labels: &[RawLabel<'_>]) -> Result<(), ParseError> {
    // Without escapes in the names (bare names never have any), the raw
    // names are the names: compare them as they are.
    let plain = labels.len() <= 32 && labels.iter().all(|l| !l.name.contains('\\'));
    if plain
        && labels
            .iter()
            .enumerate()
            .all(|(i, l)| l.name != "__name__" && labels[..i].iter().all(|o| o.name != l.name))
    {
        return Ok(());
    }
    for (i, l) in labels.iter().enumerate() {
        let name = l.name();
        if name == "__name__" {
            return Err(ParseError::InvalidName {
                at: cur.loc(l.at),
                what: "label name",
                name: name.into_owned(),
            });
        }
        let dup = if labels.len() <= 32 {
            labels[..i].iter().any(|o| o.name() == name)
        } else {
            // Large sets: compare against a sorted copy once, at the end.
            false
        };
        if dup {
            return Err(ParseError::DuplicateLabel {
                at: cur.loc(l.at),
                name: name.into_owned(),
            });
        }
    }
    if labels.len() > 32 {
        let mut names: Vec<(Cow<'_, str>, usize)> =
            labels.iter().map(|l| (l.name(), l.at)).collect();
        names.sort();
        if let Some(w) = names.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(ParseError::DuplicateLabel {
                at: cur.loc(w[1].1),
                name: w[1].0.to_string(),
            });
        }
    }
    Ok(())
}

/// The head of a series line: its name and labels.
pub(crate) struct SeriesHead<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) raw_labels: &'a str,
}

/// Reads `name{labels}` or `{"name", labels}` at the cursor.
pub(crate) fn series_head<'a>(
    cur: &mut Cursor<'a>,
    strict: bool,
    labels: &mut Vec<RawLabel<'a>>,
) -> Result<SeriesHead<'a>, ParseError> {
    let start = cur.pos;
    let mut name: Option<Cow<'a, str>> = None;
    if cur.peek() != Some(b'{') {
        match cur.bare_name(true) {
            Some(n) => name = Some(Cow::Borrowed(n)),
            None => return Err(cur.expected("a metric name")),
        }
        if !strict {
            let before = cur.pos;
            cur.skip_ws();
            if cur.peek() != Some(b'{') {
                cur.pos = before;
            }
        }
    }
    let mut raw_labels = "";
    if cur.peek() == Some(b'{') {
        let slot = if name.is_none() {
            Some(&mut name)
        } else {
            None
        };
        raw_labels = cur.label_set(strict, labels, slot)?;
    } else {
        labels.clear();
    }
    let Some(name) = name else {
        return Err(ParseError::Syntax {
            at: cur.loc(start),
            expected: "a metric name",
            found: snippet(cur.s.get(start..).unwrap_or("")),
        });
    };
    Ok(SeriesHead { name, raw_labels })
}

#[cfg(test)]
mod tests;
