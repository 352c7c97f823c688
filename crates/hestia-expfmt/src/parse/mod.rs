//! Parsers: pull parsers for Prometheus text 0.0.4 ([`TextParser`]) and
//! OpenMetrics 1.0 ([`OpenMetricsParser`]), and a reader of
//! length-delimited protobuf `MetricFamily` messages ([`ProtobufParser`]).
//!
//! All three hand out the same [`Entry`] values: family metadata
//! ([`Entry::Help`], [`Entry::Type`], [`Entry::Unit`]), one
//! [`Entry::Series`] per sample, [`Entry::Comment`] (text 0.0.4 only) and a
//! final [`Entry::Eof`]. The text parsers are [`Iterator`]s whose entries
//! borrow from the input: names, label text and help are slices of it, and
//! only text with escapes is copied. The protobuf reader decodes one
//! family at a time with prost and flattens it the way Prometheus does
//! (histograms into `_count`, `_sum` and `_bucket{le}` series with a `+Inf`
//! bucket, summaries into `_count`, `_sum` and `{quantile}`); its entries
//! borrow from the reader, so it is a lending iterator
//! ([`ProtobufParser::next_entry`]).
//!
//! A parser never panics. The first malformed line ends it with an
//! [`ParseError`](crate::ParseError) that carries a [`Location`](crate::Location).
//! NaN values come back as [`NORMAL_NAN_BITS`], never as the stale marker.

mod labels;
mod lex;
mod number;
mod om_rules;
mod openmetrics;
mod protobuf;
mod text;

use std::borrow::Cow;

pub use labels::{Label, LabelIter, SeriesLabels};
pub use number::NORMAL_NAN_BITS;
pub use openmetrics::OpenMetricsParser;
pub use protobuf::ProtobufParser;
pub use text::{TextCarry, TextParser};

/// The type of a parsed metric family (the union of the three formats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FamilyType {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram` (classic buckets).
    Histogram,
    /// OpenMetrics `gaugehistogram`, protobuf `GAUGE_HISTOGRAM`.
    GaugeHistogram,
    /// `summary`.
    Summary,
    /// OpenMetrics `info`.
    Info,
    /// OpenMetrics `stateset`.
    StateSet,
    /// OpenMetrics `unknown`, text `untyped`, or no `# TYPE` at all.
    Unknown,
}

impl FamilyType {
    /// The sample-name suffixes a family of this type may use: in
    /// OpenMetrics (`openmetrics`), or in text 0.0.4 and protobuf, where
    /// counters and info metrics are named with their suffix already.
    pub(crate) fn suffixes(self, openmetrics: bool) -> &'static [&'static str] {
        match (self, openmetrics) {
            (FamilyType::Counter, true) => &["_total", "_created"],
            (FamilyType::Info, true) => &["_info"],
            (FamilyType::Histogram, true) => &["_bucket", "_count", "_sum", "_created"],
            (FamilyType::Histogram, false) => &["_bucket", "_count", "_sum"],
            (FamilyType::GaugeHistogram, true) => &["_bucket", "_gcount", "_gsum"],
            (FamilyType::GaugeHistogram, false) => &["_bucket", "_count", "_sum"],
            (FamilyType::Summary, true) => &["", "_count", "_sum", "_created"],
            (FamilyType::Summary, false) => &["", "_count", "_sum"],
            _ => &[""],
        }
    }

    /// The suffix by which `sample` belongs to family `family` of this
    /// type, if it does.
    pub(crate) fn member_suffix(
        self,
        family: &str,
        sample: &str,
        openmetrics: bool,
    ) -> Option<&'static str> {
        let rest = sample.strip_prefix(family)?;
        self.suffixes(openmetrics)
            .iter()
            .copied()
            .find(|s| *s == rest)
    }

    /// The label rewritten to canonical form on samples with `suffix`, as
    /// Prometheus 3 does: `le` of classic histogram buckets, `quantile` of
    /// summary quantiles.
    pub(crate) fn canonical_label(self, suffix: &str) -> Option<&'static str> {
        match (self, suffix) {
            (FamilyType::Histogram, "_bucket") => Some("le"),
            (FamilyType::Summary, "") => Some("quantile"),
            _ => None,
        }
    }
}

/// One sample, as written in the exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    /// The sample's metric name (with its `_total`, `_bucket`... suffix).
    pub name: Cow<'a, str>,
    /// Its labels, without the name.
    pub labels: SeriesLabels<'a>,
    /// The value. NaN is always [`NORMAL_NAN_BITS`].
    pub value: f64,
    /// The explicit timestamp in milliseconds since the epoch, if any
    /// (OpenMetrics' seconds are converted as Prometheus does).
    pub timestamp: Option<i64>,
    /// The exemplar attached to the sample (OpenMetrics and protobuf).
    pub exemplar: Option<ExemplarRef<'a>>,
}

/// An exemplar read from an exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct ExemplarRef<'a> {
    /// The exemplar's labels.
    pub labels: SeriesLabels<'a>,
    /// The exemplar's value.
    pub value: f64,
    /// When it was observed, in milliseconds since the epoch.
    pub timestamp: Option<i64>,
}

/// One item of an exposition.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry<'a> {
    /// `# HELP <family> <help>`, help unescaped.
    Help {
        /// The family name.
        family: Cow<'a, str>,
        /// The help text.
        help: Cow<'a, str>,
    },
    /// `# TYPE <family> <type>`.
    Type {
        /// The family name.
        family: Cow<'a, str>,
        /// The type.
        kind: FamilyType,
    },
    /// `# UNIT <family> <unit>` (OpenMetrics, and protobuf's `unit`).
    Unit {
        /// The family name.
        family: Cow<'a, str>,
        /// The unit (may be empty in OpenMetrics).
        unit: Cow<'a, str>,
    },
    /// A sample.
    Series(Series<'a>),
    /// A `#` line that is not metadata (text 0.0.4 only), as written.
    Comment(&'a str),
    /// The end of the exposition; the parser yields nothing after it.
    Eof,
}

/// Parses `input` in `format`, calling `f` with every entry up to and
/// including [`Entry::Eof`]; stops at the first error.
///
/// ```
/// use hestia_expfmt::{parse, Format};
///
/// let mut n = 0;
/// parse::for_each_entry(Format::Text, b"a 1\nb 2\n", |e| {
///     n += matches!(e, parse::Entry::Series(_)) as usize;
/// })
/// .unwrap();
/// assert_eq!(n, 2);
/// ```
pub fn for_each_entry(
    format: crate::Format,
    input: &[u8],
    mut f: impl FnMut(Entry<'_>),
) -> Result<(), crate::ParseError> {
    match format {
        crate::Format::Text => TextParser::new(input).try_for_each(|e| e.map(&mut f)),
        crate::Format::OpenMetrics => OpenMetricsParser::new(input).try_for_each(|e| e.map(&mut f)),
        crate::Format::Protobuf => {
            let mut p = ProtobufParser::new(input);
            while let Some(e) = p.next_entry() {
                f(e?);
            }
            Ok(())
        }
        crate::Format::Json => Err(crate::ParseError::NoParser(format)),
    }
}

/// Splits a text input into its valid UTF-8 prefix and, if the input is
/// not entirely UTF-8, the offset of the first bad byte.
pub(crate) fn utf8_prefix(input: &[u8]) -> (&str, Option<usize>) {
    match std::str::from_utf8(input) {
        Ok(s) => (s, None),
        Err(e) => {
            let valid = e.valid_up_to();
            let s = std::str::from_utf8(&input[..valid]).unwrap_or("");
            (s, Some(valid))
        }
    }
}

/// The next line of `text` from `pos`: the line without its `\n`, and
/// whether a `\n` ended it (the newline found eight bytes at a time).
pub(crate) fn next_line(text: &str, pos: usize) -> (&str, bool) {
    let rest = text.get(pos..).unwrap_or("");
    match lex::find_any(rest.as_bytes(), 0, [b'\n']) {
        Some(i) => (rest.get(..i).unwrap_or(""), true),
        None => (rest, false),
    }
}

/// One step of a text parser's `Iterator`: the entry `next` read, then
/// [`Entry::Eof`] once the input ends; after `Eof` or an error, `done` is
/// set and the iterator yields nothing more.
pub(crate) fn iterator_step<'a>(
    done: &mut bool,
    next: Result<Option<Entry<'a>>, crate::ParseError>,
) -> Option<Result<Entry<'a>, crate::ParseError>> {
    match next {
        Ok(Some(entry)) => Some(Ok(entry)),
        Ok(None) => {
            *done = true;
            Some(Ok(Entry::Eof))
        }
        Err(e) => {
            *done = true;
            Some(Err(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership() {
        use FamilyType::*;
        for (kind, family, sample, om, want) in [
            (Counter, "a", "a_total", true, Some("_total")),
            (Counter, "a", "a_created", true, Some("_created")),
            (Counter, "a", "a", true, None),
            (Counter, "a_total", "a_total", false, Some("")),
            (Histogram, "h", "h_bucket", true, Some("_bucket")),
            (Histogram, "h", "h_created", false, None),
            (GaugeHistogram, "h", "h_gsum", true, Some("_gsum")),
            (Summary, "s", "s", true, Some("")),
            (Info, "i", "i_info", true, Some("_info")),
            (Gauge, "g", "g_total", true, None),
            (Gauge, "g", "x", true, None),
        ] {
            assert_eq!(
                kind.member_suffix(family, sample, om),
                want,
                "{kind:?} {family} {sample}"
            );
        }
    }
}
