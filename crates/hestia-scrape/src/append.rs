//! Turning one scrape into appends, as Prometheus' `scrapeLoop.append`
//! and `report` do: every sample of the body goes through the target's
//! labels (`honor_labels`, conflicts renamed `exported_*`), metric
//! relabelling and the label limits; timestamps are kept or replaced
//! (`honor_timestamps`); `sample_limit` counts what survives relabelling;
//! series gone since the previous scrape get a stale marker; then the
//! synthetic series (`up`, `scrape_duration_seconds`, ...) are written at
//! the scrape's time. A series the cache knows is appended by its
//! reference alone (empty labels); if the storage no longer knows the
//! reference, its labels are computed as for a new series and appended.
//!
//! Out-of-order, duplicate and out-of-bounds samples are counted and
//! skipped; a broken limit, a parse error or another storage refusal fails
//! the whole scrape, whose caller then rolls the batch back and appends an
//! empty scrape instead (every series of the previous scrape goes stale).
//!
//! A text series is looked up in the cache by the XXH3-128 of its
//! `name{labels}` slice of the body, hashed in place (as Prometheus keys
//! its cache by the series' raw bytes); series whose `le`/`quantile` the
//! parser rewrote, and protobuf series, by the length-prefixed text of
//! [`series_key`].

use hestia_config::relabel::{self, RelabelConfig};
use hestia_expfmt::parse::{
    Entry, FamilyType, OpenMetricsParser, ProtobufParser, Series, TextCarry, TextParser,
};
use hestia_expfmt::Format;
use hestia_model::{Labels, METRIC_NAME, STALE_NAN};
use hestia_storage::{AppendError, Appender};

use crate::cache::{key_of, series_key, Key, MetaPart, MetadataSnapshot, SeriesCache};
use crate::Error;

/// The settings of a job that decide what a scrape appends.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rules {
    pub(crate) honor_labels: bool,
    pub(crate) honor_timestamps: bool,
    pub(crate) track_timestamps_staleness: bool,
    pub(crate) sample_limit: u64,
    pub(crate) label_limit: u64,
    pub(crate) label_name_length_limit: u64,
    pub(crate) label_value_length_limit: u64,
    pub(crate) metric_relabel_configs: Vec<RelabelConfig>,
    pub(crate) extra_scrape_metrics: bool,
}

/// What one scrape appended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Samples in the body (`scrape_samples_scraped`).
    pub scraped: usize,
    /// Samples left after metric relabelling
    /// (`scrape_samples_post_metric_relabeling`).
    pub post_relabel: usize,
    /// Series not seen before (`scrape_series_added`).
    pub series_added: usize,
    /// Samples the storage refused as out of order, duplicate or out of
    /// bounds (skipped without failing the scrape).
    pub refused: usize,
}

/// The per-scrape state shared by the appends of one body.
struct Run<'a> {
    app: &'a mut dyn Appender,
    cache: &'a mut SeriesCache,
    target: &'a Labels,
    rules: &'a Rules,
    t: i64,
    counts: Counts,
    appended: u64,
    limit_hit: bool,
    key: Vec<u8>,
    /// The labels passed with a cached reference: none.
    no_labels: Labels,
}

/// What [`append_body`] returns: the counts (even when the scrape
/// failed, as Prometheus reports them), the outcome, and the target's
/// metadata when a successful scrape changed it.
pub(crate) type Appended = (Counts, Result<(), Error>, Option<MetadataSnapshot>);

/// A scraped body, whole or as it arrives.
pub(crate) enum Body<'a> {
    /// A whole body in a format.
    Whole(&'a [u8], Format),
    /// A text 0.0.4 body: each call gives its next piece (`None` at the
    /// end, an error if reading it failed).
    Text(&'a mut dyn FnMut() -> Result<Option<bytes::Bytes>, Error>),
}

/// Appends the samples of `body` and the stale markers of series that
/// disappeared, and records the families' metadata. An empty body
/// appends stale markers only.
pub(crate) fn append_body(
    app: &mut dyn Appender,
    cache: &mut SeriesCache,
    target: &Labels,
    rules: &Rules,
    body: Body<'_>,
    t: i64,
) -> Appended {
    if matches!(body, Body::Whole(b, _) if b.is_empty()) {
        return (Counts::default(), append_empty(app, cache, t), None);
    }
    let mut run = Run {
        app,
        cache,
        target,
        rules,
        t,
        counts: Counts::default(),
        appended: 0,
        limit_hit: false,
        key: Vec::new(),
        no_labels: Labels::default(),
    };
    let mut result = match body {
        Body::Whole(body, format) => run.body(format, body),
        Body::Text(next) => match run.text_stream(next) {
            Ok(0) => {
                let result = append_empty(run.app, run.cache, t);
                return (Counts::default(), result, None);
            }
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        },
    };
    if result.is_ok() && run.limit_hit {
        result = Err(Error::SampleLimit);
    }
    if result.is_ok() {
        result = mark_stale(run.app, run.cache, t);
    }
    let mut metadata = None;
    if result.is_ok() {
        metadata = run.cache.take_metadata();
        run.cache.iter_done(true);
    }
    (run.counts, result, metadata)
}

/// Prometheus' name of a family type in the metadata API.
fn kind_name(kind: FamilyType) -> &'static str {
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

/// An empty scrape: every series of the previous scrape that was not
/// seen now gets a stale marker. Used for failed scrapes (after
/// [`SeriesCache::forget_current`]) and when a target goes away.
pub(crate) fn append_empty(
    app: &mut dyn Appender,
    cache: &mut SeriesCache,
    t: i64,
) -> Result<(), Error> {
    let result = mark_stale(app, cache, t);
    cache.iter_done(false);
    result
}

fn mark_stale(app: &mut dyn Appender, cache: &SeriesCache, t: i64) -> Result<(), Error> {
    let no_labels = Labels::default();
    for series in cache.stale() {
        // By reference only (the cache keeps no labels). A reference the
        // storage no longer knows is a series it dropped already (a head
        // truncation): nothing is left to mark stale.
        match app.append(Some(series), &no_labels, t, STALE_NAN) {
            Ok(_)
            | Err(AppendError::OutOfOrder { .. })
            | Err(AppendError::DuplicateSampleForTimestamp { .. })
            | Err(AppendError::UnknownSeriesRef(_)) => {}
            Err(e) => return Err(Error::Append(e)),
        }
    }
    Ok(())
}

impl Run<'_> {
    /// Appends one series; `head` is its head's key when the text parser
    /// offered it to the cache.
    fn series(&mut self, s: &Series<'_>, head: Option<KnownHead>) -> Result<(), Error> {
        self.counts.scraped += 1;
        let explicit = s.timestamp.filter(|_| self.rules.honor_timestamps);
        let t = explicit.unwrap_or(self.t);
        let key = match s.labels.series_text() {
            Some((text, None)) => match head {
                Some((at, len, key)) if text.as_ptr() == at && text.len() == len => key,
                _ => text_key(text),
            },
            _ => {
                series_key(&mut self.key, s);
                key_of(&self.key)
            }
        };
        if self.cache.is_dropped(key) {
            return Ok(());
        }
        // A cached series is appended by reference, without labels.
        let (hit, labels) = match self.cache.get(key) {
            Some(hit) => (Some(hit), None),
            None => match self.final_labels(s, key)? {
                Some(labels) => (None, Some(labels)),
                None => return Ok(()),
            },
        };
        let cached = hit.map(|h| h.series);
        let again = hit.is_some_and(|h| h.again);
        let appended = if again && explicit.is_none() {
            // The same series twice in one body: Prometheus counts it as a
            // duplicate sample and goes on.
            self.counts.refused += 1;
            None
        } else {
            self.appended += 1;
            if self.rules.sample_limit > 0 && self.appended > self.rules.sample_limit {
                self.limit_hit = true;
                None
            } else {
                let labels = labels.as_ref().unwrap_or(&self.no_labels);
                let mut result = self.app.append(cached, labels, t, s.value);
                if let Err(AppendError::UnknownSeriesRef(_)) = result {
                    // The storage dropped the cached series (a head
                    // truncation after a long outage): its labels again,
                    // as for a new series, and the entry gets the new
                    // reference below. Not counted as added: the cache
                    // knew the series. (`None`: relabelling drops it now,
                    // which a configuration change would have to cause,
                    // and that resets the cache.)
                    match self.final_labels(s, key)? {
                        Some(labels) => result = self.app.append(None, &labels, t, s.value),
                        None => return Ok(()),
                    }
                }
                match result {
                    Ok(r) => Some(r),
                    Err(
                        AppendError::OutOfOrder { .. }
                        | AppendError::DuplicateSampleForTimestamp { .. }
                        | AppendError::OutOfBounds { .. }
                        | AppendError::TooOld { .. },
                    ) => {
                        self.counts.refused += 1;
                        None
                    }
                    Err(e) => return Err(Error::Append(e)),
                }
            }
        };
        if let Some(r) = appended {
            let entry = match hit {
                Some(h) => {
                    if h.series != r {
                        self.cache.set_series(h.entry, r);
                    }
                    h.entry
                }
                None => self.cache.add(key, r),
            };
            if explicit.is_none() || self.rules.track_timestamps_staleness {
                self.cache.track(entry);
            }
            if cached.is_none() && !self.limit_hit {
                self.counts.series_added += 1;
            }
        }
        self.counts.post_relabel += 1;
        Ok(())
    }
}

/// The seed of [`text_key`]: keys of whole series texts come from another
/// hash function than the length-prefixed keys of [`series_key`], so the
/// two kinds of text never meet.
const TEXT_KEY_SEED: u64 = 0x6865_7374_6961_7478;

/// The cache key of a text series with no canonical `le`/`quantile`
/// rewrite, from its name and labels as written (one slice of the body,
/// hashed where it lies): the text decides the series, and the same series
/// written differently (blanks, label order) only gets a second entry.
fn text_key(text: &str) -> Key {
    let h = xxhash_rust::xxh3::xxh3_128_with_seed(text.as_bytes(), TEXT_KEY_SEED);
    ((h >> 64) as u64, h as u64)
}

impl Run<'_> {
    /// A series' final labels, as for one not seen before: its scraped
    /// labels, the target's, metric relabelling (`None` when it drops the
    /// series, which is then cached as dropped) and the label limits.
    fn final_labels(&mut self, s: &Series<'_>, key: Key) -> Result<Option<Labels>, Error> {
        let mut pairs = s.labels.to_pairs();
        pairs.push((METRIC_NAME.to_string(), s.name.to_string()));
        let raw = Labels::new(pairs)
            .map_err(|e| Error::Append(AppendError::InvalidLabels(e.to_string())))?;
        let Some(labels) = mutate_sample_labels(&raw, self.target, self.rules) else {
            self.cache.add_dropped(key);
            return Ok(None);
        };
        if !labels.contains(METRIC_NAME) {
            return Err(Error::NoMetricName);
        }
        verify_label_limits(&labels, self.rules)?;
        Ok(Some(labels))
    }
}

/// A series head the text parser offered as known, and its key.
type KnownHead = (*const u8, usize, Key);

impl Run<'_> {
    /// Appends every entry of `body`; stops at the first error.
    fn body(&mut self, format: Format, body: &[u8]) -> Result<(), Error> {
        let (name, err) = match format {
            Format::Text => ("text 0.0.4", None),
            Format::OpenMetrics => ("OpenMetrics", None),
            Format::Protobuf => ("protobuf", None),
            Format::Json => ("JSON", Some(hestia_expfmt::ParseError::NoParser(format))),
        };
        let parse = |source| Error::Parse {
            format: name,
            source,
        };
        if let Some(e) = err {
            return Err(parse(e));
        }
        // Each entry is matched where it lies: `map_err` would move it into
        // a `Result` with this crate's (larger) error, a copy per sample.
        match format {
            Format::Text => self.text(body, TextCarry::default()).map(drop),
            Format::OpenMetrics => {
                for e in OpenMetricsParser::lenient(body) {
                    match e {
                        Ok(e) => self.entry(&e, None)?,
                        Err(e) => return Err(parse(e)),
                    }
                }
                Ok(())
            }
            _ => {
                let mut p = ProtobufParser::new(body);
                while let Some(e) = p.next_entry() {
                    match e {
                        Ok(e) => self.entry(&e, None)?,
                        Err(e) => return Err(parse(e)),
                    }
                }
                Ok(())
            }
        }
    }

    /// Appends every entry of `piece`, whole lines of a text 0.0.4 body
    /// that follow those a parser left `carry` from (see
    /// [`TextParser::resume`]), and returns what the next piece's parser
    /// needs; stops at the first error.
    fn text(&mut self, piece: &[u8], carry: TextCarry) -> Result<TextCarry, Error> {
        // Series the cache knows skip the parser's label checks: it read
        // the same text in full when they were first cached.
        let mut p = TextParser::resume(piece, carry);
        loop {
            let mut head: Option<KnownHead> = None;
            let cache = &*self.cache;
            let next = p.next_known(&mut |text| {
                let key = text_key(text);
                head = Some((text.as_ptr(), text.len(), key));
                cache.knows(key)
            });
            // Each entry is matched where it lies (see `body`).
            match next {
                Ok(Some(e)) => self.entry(&e, head)?,
                Ok(None) => return Ok(p.carry()),
                Err(source) => {
                    return Err(Error::Parse {
                        format: "text 0.0.4",
                        source,
                    })
                }
            }
        }
    }

    /// Appends a text 0.0.4 body read piece by piece from `next`, parsing
    /// each piece's whole lines as it comes (a line cut between pieces is
    /// kept until its end arrives), and returns the body's length.
    fn text_stream(
        &mut self,
        next: &mut dyn FnMut() -> Result<Option<bytes::Bytes>, Error>,
    ) -> Result<u64, Error> {
        let mut carry = TextCarry::default();
        // The start of a line whose end has not arrived yet.
        let mut partial: Vec<u8> = Vec::new();
        let mut total = 0u64;
        while let Some(piece) = next()? {
            total += piece.len() as u64;
            let mut rest = &piece[..];
            if !partial.is_empty() {
                let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                    partial.extend_from_slice(rest);
                    continue;
                };
                partial.extend_from_slice(&rest[..=end]);
                carry = self.text(&partial, carry)?;
                partial.clear();
                rest = &rest[end + 1..];
            }
            let lines = rest.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            if lines > 0 {
                carry = self.text(&rest[..lines], carry)?;
            }
            partial.extend_from_slice(&rest[lines..]);
        }
        if !partial.is_empty() {
            self.text(&partial, carry)?;
        }
        Ok(total)
    }

    /// Appends a series or records metadata.
    fn entry(&mut self, e: &Entry<'_>, head: Option<KnownHead>) -> Result<(), Error> {
        match e {
            Entry::Series(s) => self.series(s, head),
            Entry::Type { family, kind } => {
                self.cache
                    .note_metadata(family, MetaPart::Kind(kind_name(*kind)));
                Ok(())
            }
            Entry::Help { family, help } => {
                self.cache.note_metadata(family, MetaPart::Help(help));
                Ok(())
            }
            Entry::Unit { family, unit } => {
                self.cache.note_metadata(family, MetaPart::Unit(unit));
                Ok(())
            }
            Entry::Comment(_) | Entry::Eof => Ok(()),
        }
    }
}

/// A scraped series' labels with the target's added: with
/// `honor_labels`, scraped labels win; otherwise target labels win and a
/// conflicting scraped label is kept as `exported_<name>` (more
/// `exported_` prefixes while taken, shortest names first). Then metric
/// relabelling; `None` when it drops the series.
pub(crate) fn mutate_sample_labels(raw: &Labels, target: &Labels, rules: &Rules) -> Option<Labels> {
    let mut b = raw.builder();
    if rules.honor_labels {
        for (name, value) in target.iter() {
            if !raw.contains(name) {
                b.set(name, value);
            }
        }
    } else {
        let mut conflicts: Vec<(&str, &str)> = Vec::new();
        for (name, value) in target.iter() {
            if let Some(existing) = raw.get(name) {
                conflicts.push((name, existing));
            }
            b.set(name, value);
        }
        conflicts.sort_by_key(|(name, _)| name.len());
        for (name, value) in conflicts {
            let mut exported = name.to_string();
            loop {
                exported.insert_str(0, "exported_");
                if b.get(&exported).is_none() {
                    b.set(&exported, value);
                    break;
                }
            }
        }
    }
    let labels = b.build();
    let labels = if rules.metric_relabel_configs.is_empty() {
        labels
    } else {
        relabel::process(&labels, &rules.metric_relabel_configs)?
    };
    (!labels.is_empty()).then_some(labels)
}

/// The first `n` characters of `s` (Go's `%.50s`).
fn trunc(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// Prometheus' `verifyLabelLimits`, with its messages.
pub(crate) fn verify_label_limits(labels: &Labels, rules: &Rules) -> Result<(), Error> {
    let metric = trunc(labels.metric_name().unwrap_or(""), 50);
    let count = labels.len() as u64;
    if rules.label_limit > 0 && count > rules.label_limit {
        return Err(Error::LabelLimit(format!(
            "label_limit exceeded (metric: {metric}, number of labels: {count}, limit: {})",
            rules.label_limit
        )));
    }
    for (name, value) in labels.iter() {
        let limit = rules.label_name_length_limit;
        if limit > 0 && name.len() as u64 > limit {
            return Err(Error::LabelLimit(format!(
                "label_name_length_limit exceeded (metric: {metric}, label name: {}, length: {}, limit: {limit})",
                trunc(name, 50),
                name.len()
            )));
        }
        let limit = rules.label_value_length_limit;
        if limit > 0 && value.len() as u64 > limit {
            return Err(Error::LabelLimit(format!(
                "label_value_length_limit exceeded (metric: {metric}, label name: {}, value: {:?}, length: {}, limit: {limit})",
                trunc(name, 50),
                trunc(value, 50),
                value.len()
            )));
        }
    }
    Ok(())
}

/// The synthetic series of one scrape.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report {
    pub(crate) up: bool,
    pub(crate) duration_seconds: f64,
    pub(crate) counts: Counts,
    pub(crate) timeout_seconds: f64,
    /// Bytes read; -1 when the body size limit was hit.
    pub(crate) body_bytes: i64,
}

/// The report series' names, in the order written.
const REPORT_NAMES: [&str; 8] = [
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
    "scrape_timeout_seconds",
    "scrape_sample_limit",
    "scrape_body_size_bytes",
];

/// Appends the report series at `t`, or their stale markers when
/// `report` is `None` (the target went away).
pub(crate) fn append_report(
    app: &mut dyn Appender,
    cache: &mut SeriesCache,
    target: &Labels,
    rules: &Rules,
    t: i64,
    report: Option<&Report>,
) -> Result<(), Error> {
    let values = report.map(|r| {
        [
            if r.up { 1.0 } else { 0.0 },
            r.duration_seconds,
            r.counts.scraped as f64,
            r.counts.post_relabel as f64,
            r.counts.series_added as f64,
            r.timeout_seconds,
            rules.sample_limit as f64,
            r.body_bytes as f64,
        ]
    });
    let n = if rules.extra_scrape_metrics { 8 } else { 5 };
    for (i, name) in REPORT_NAMES.iter().take(n).enumerate() {
        let v = values.map_or(STALE_NAN, |v| v[i]);
        let mut b = target.builder();
        b.set(METRIC_NAME, name);
        let labels = b.build();
        let cached = cache.report.get(name).copied();
        match app.append(cached, &labels, t, v) {
            Ok(r) => {
                cache.report.insert(name, r);
            }
            Err(AppendError::OutOfOrder { .. })
            | Err(AppendError::DuplicateSampleForTimestamp { .. }) => {}
            Err(e) => return Err(Error::Append(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
