//! [`SeriesLabels`]: the labels of a parsed series or exemplar, read lazily
//! from the input (text) or the decoded message (protobuf) without copying.
//!
//! A text series keeps only the slice between its braces, already checked
//! by the parser; iterating re-reads it and unescapes a value only when it
//! contains a backslash. The `le` of a classic histogram bucket and the
//! `quantile` of a summary are given in canonical OpenMetrics form (`1.0`,
//! `+Inf`) as Prometheus 3 stores them, from a small inline buffer. A text
//! series also keeps its whole `name{labels}` slice
//! ([`SeriesLabels::series_text`]), which a scraper can hash in place to
//! recognise a series seen before without reading its labels.

use std::borrow::Cow;
use std::fmt;

use crate::write::proto_types::LabelPair;

/// One label of a parsed series.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label<'l> {
    /// The label name, unescaped.
    pub name: Cow<'l, str>,
    /// The label value, unescaped.
    pub value: Cow<'l, str>,
}

/// A label value rewritten to canonical form, stored inline.
#[derive(Clone, Copy)]
pub(crate) struct Canonical {
    /// The label: `quantile` if set, `le` otherwise (a flag rather than
    /// the name keeps parsed entries small).
    quantile: bool,
    len: u8,
    buf: [u8; 32],
}

impl Canonical {
    /// The canonical form of `v` for label `name` (`le` or `quantile`).
    pub(crate) fn new(name: &'static str, v: f64) -> Self {
        let mut out = Vec::with_capacity(32);
        if v == 0.0 {
            // Go's formatOpenMetricsFloat prints both zeros as 0.0.
            out.extend_from_slice(b"0.0");
        } else {
            crate::write_canonical_float(&mut out, v);
        }
        let mut buf = [0u8; 32];
        let len = out.len().min(32);
        buf[..len].copy_from_slice(&out[..len]);
        Self {
            quantile: name == "quantile",
            len: len as u8,
            buf,
        }
    }

    /// The label whose value this replaces.
    pub(crate) fn name(&self) -> &'static str {
        if self.quantile {
            "quantile"
        } else {
            "le"
        }
    }

    pub(crate) fn value(&self) -> &str {
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }
}

#[derive(Clone, Copy)]
enum Source<'a> {
    /// The text between a series' braces (may be empty).
    Text(&'a str),
    /// Decoded protobuf pairs.
    Pairs(&'a [LabelPair]),
}

/// The labels of a parsed series (the metric name is not among them) or
/// of an exemplar, in the order written.
#[derive(Clone, Copy)]
pub struct SeriesLabels<'a> {
    source: Source<'a>,
    /// Text: replaces the value of the label of that name. Protobuf: an
    /// extra label after the pairs (`le`/`quantile` of flattened series).
    canonical: Option<Canonical>,
    /// Text series: the series' name and labels as written (empty for
    /// exemplars and protobuf).
    series_text: &'a str,
}

impl<'a> SeriesLabels<'a> {
    pub(crate) fn text(raw: &'a str, canonical: Option<Canonical>) -> Self {
        Self {
            source: Source::Text(raw),
            canonical,
            series_text: "",
        }
    }

    /// Records the text of the whole series (name and labels) as written.
    pub(crate) fn with_series_text(mut self, text: &'a str) -> Self {
        self.series_text = text;
        self
    }

    pub(crate) fn pairs(pairs: &'a [LabelPair], extra: Option<Canonical>) -> Self {
        Self {
            source: Source::Pairs(pairs),
            canonical: extra,
            series_text: "",
        }
    }

    /// An empty label set.
    pub fn empty() -> Self {
        Self::text("", None)
    }

    /// The labels, in the order written.
    pub fn iter(&self) -> LabelIter<'_> {
        LabelIter {
            source: self.source,
            pos: 0,
            canonical: self.canonical.as_ref(),
            extra_done: false,
        }
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        self.iter().find(|l| l.name == name).map(|l| l.value)
    }

    /// For a text series: the text between its braces as written
    /// (escapes and all) and the canonical value that replaces its `le` or
    /// `quantile`, if any. Together with the name they identify the label
    /// set without reading it, for callers that intern series by their
    /// text. `None` for protobuf series.
    pub fn raw_text(&self) -> Option<(&'a str, Option<&str>)> {
        match self.source {
            Source::Text(raw) => Some((raw, self.canonical.as_ref().map(Canonical::value))),
            Source::Pairs(_) => None,
        }
    }

    /// For a series of a text exposition: its name and labels as written,
    /// in one slice of the input (from the name's first byte, or the `{`
    /// of a quoted name, to the closing `}`, blanks and escapes as they
    /// are), and the canonical value that replaces its `le` or `quantile`,
    /// if any. The pair decides the series' name and labels, so a caller
    /// that interns series by their text can hash the slice as it is.
    /// `None` for protobuf series and for exemplars.
    pub fn series_text(&self) -> Option<(&'a str, Option<&str>)> {
        match self.source {
            Source::Text(_) if !self.series_text.is_empty() => Some((
                self.series_text,
                self.canonical.as_ref().map(Canonical::value),
            )),
            _ => None,
        }
    }

    /// The labels as owned pairs, in the order written.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.iter()
            .map(|l| (l.name.into_owned(), l.value.into_owned()))
            .collect()
    }
}

impl fmt::Debug for SeriesLabels<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|l| (l.name, l.value)))
            .finish()
    }
}

impl PartialEq for SeriesLabels<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// Iterator over [`SeriesLabels`].
pub struct LabelIter<'l> {
    source: Source<'l>,
    pos: usize,
    canonical: Option<&'l Canonical>,
    extra_done: bool,
}

impl<'l> Iterator for LabelIter<'l> {
    type Item = Label<'l>;

    fn next(&mut self) -> Option<Label<'l>> {
        match self.source {
            Source::Pairs(pairs) => {
                if let Some(p) = pairs.get(self.pos) {
                    self.pos += 1;
                    return Some(Label {
                        name: Cow::Borrowed(p.name.as_deref().unwrap_or("")),
                        value: Cow::Borrowed(p.value.as_deref().unwrap_or("")),
                    });
                }
                if self.extra_done {
                    return None;
                }
                self.extra_done = true;
                self.canonical.map(|c| Label {
                    name: Cow::Borrowed(c.name()),
                    value: Cow::Borrowed(c.value()),
                })
            }
            Source::Text(raw) => loop {
                let (name, value, next) = next_text_label(raw, self.pos)?;
                self.pos = next;
                let Some(value) = value else {
                    continue; // The quoted metric name inside the braces.
                };
                let name = unescape_label(name);
                if let Some(c) = self.canonical.filter(|c| c.name() == name) {
                    return Some(Label {
                        name,
                        value: Cow::Borrowed(c.value()),
                    });
                }
                return Some(Label {
                    name,
                    value: unescape_label(value),
                });
            },
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b',')) {
        i += 1;
    }
    i
}

/// The end of the quoted string starting at `start` (a `"`), exclusive of
/// the closing quote.
fn quoted_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
}

/// Reads the label at `pos` of already-validated label text: the raw name,
/// the raw value (`None` for a bare quoted metric name) and where the next
/// label starts.
fn next_text_label(raw: &str, pos: usize) -> Option<(&str, Option<&str>, usize)> {
    let b = raw.as_bytes();
    let mut i = skip_ws(b, pos);
    if i >= b.len() {
        return None;
    }
    let name = if b[i] == b'"' {
        let end = quoted_end(b, i)?;
        let name = raw.get(i + 1..end)?;
        i = end + 1;
        name
    } else {
        let start = i;
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            i += 1;
        }
        raw.get(start..i)?
    };
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return Some((name, None, i));
    }
    i += 1;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let end = quoted_end(b, i)?;
    let value = raw.get(i + 1..end)?;
    Some((name, Some(value), end + 1))
}

/// Unescapes a label value or quoted name: `\\`, `\"` and `\n`; any other
/// backslash sequence is kept as written (as Prometheus does).
pub(crate) fn unescape_label(raw: &str) -> Cow<'_, str> {
    unescape(raw, true)
}

/// Unescapes text: `\\` and `\n` always, `\"` when `quote` is set.
pub(crate) fn unescape(raw: &str, quote: bool) -> Cow<'_, str> {
    if !raw.as_bytes().contains(&b'\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quote => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &str, canonical: Option<Canonical>) -> Vec<(String, String)> {
        SeriesLabels::text(raw, canonical).to_pairs()
    }

    #[test]
    fn reads_text_labels() {
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(pairs("", None), vec![]);
        assert_eq!(
            pairs(r#"a="1",b="x\"y""#, None),
            [p("a", "1"), p("b", "x\"y")]
        );
        assert_eq!(
            pairs(r#" a = "1" , b= "2", "#, None),
            [p("a", "1"), p("b", "2")]
        );
        assert_eq!(
            pairs(r#""my.name","a.b"="c\\d\z""#, None),
            [p("a.b", "c\\d\\z")]
        );
        assert_eq!(
            pairs(r#"le="1",x="y""#, Some(Canonical::new("le", 1.0))),
            [p("le", "1.0"), p("x", "y")]
        );
    }

    #[test]
    fn canonical_forms() {
        for (v, want) in [
            (1.0, "1.0"),
            (-0.0, "0.0"),
            (f64::INFINITY, "+Inf"),
            (1e-5, "1e-05"),
            (-1.7976931348623157e308, "-1.7976931348623157e+308"),
        ] {
            assert_eq!(Canonical::new("le", v).value(), want);
        }
    }

    #[test]
    fn unescapes() {
        assert_eq!(unescape(r#"a\\b\nc\"d\x"#, true), "a\\b\nc\"d\\x");
        assert_eq!(unescape(r#"a\"b"#, false), "a\\\"b");
        assert_eq!(unescape("trailing\\", true), "trailing\\");
    }
}
