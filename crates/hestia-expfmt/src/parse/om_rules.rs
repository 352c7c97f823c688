//! The OpenMetrics 1.0 data-model rules a line-by-line grammar cannot see,
//! checked as the parser goes with state per family, metric and point:
//!
//! * metadata: at most one `TYPE`/`HELP`/`UNIT` per family, before its
//!   samples; a unit is a `_<unit>` suffix of the name; none for info and
//!   stateset;
//! * families: never interleaved or repeated, and no family whose name a
//!   sample of another could take (`a_created` next to counter `a`);
//! * samples: only the suffixes of the family's type (`_total` and
//!   `_created` for counters...), counter totals and histogram parts never
//!   NaN or negative, info value 1, stateset values 0 or 1, `le` and
//!   `quantile` present and valid, exemplars only on counter totals and
//!   buckets;
//! * metrics (label sets, `le`/`quantile` aside): never interleaved; all or
//!   none of their samples timestamped, timestamps not decreasing;
//! * points: buckets in increasing `le` with cumulative counts and a `+Inf`
//!   bucket; `_count` with `_sum` (`_gcount` with `_gsum`), equal to the
//!   `+Inf` bucket; no sum with negative buckets, no negative gauge
//!   histogram sum without them; a counter point has a `_total`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::labels::unescape_label;
use super::lex::RawLabel;
use super::number::parse_real;
use super::FamilyType;
use crate::{Location, ParseError};

/// Every suffix some type gives its samples.
const ALL_SUFFIXES: [&str; 8] = [
    "_total", "_created", "_count", "_sum", "_bucket", "_gcount", "_gsum", "_info",
];

/// A `u64` that is already a hash, used as is.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type KeySet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

/// One sample, as the rules see it.
pub(crate) struct Sample<'s, 'a> {
    pub(crate) at: Location,
    pub(crate) name: &'s str,
    pub(crate) labels: &'s [RawLabel<'a>],
    pub(crate) value: f64,
    /// The timestamp in seconds, as written.
    pub(crate) ts: Option<f64>,
    pub(crate) exemplar: bool,
}

/// The metadata line kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Meta {
    Help,
    Type(FamilyType),
    Unit,
}

#[derive(Default)]
struct Point {
    at: Option<Location>,
    ts: Option<f64>,
    buckets: usize,
    last_le: f64,
    last_count: f64,
    inf: Option<f64>,
    negative: bool,
    count: Option<f64>,
    sum: Option<f64>,
    total: bool,
}

struct Metric {
    key: u64,
    timestamped: bool,
    point: Point,
}

struct Family<'a> {
    name: Cow<'a, str>,
    kind: FamilyType,
    help: bool,
    typed: bool,
    unit: Option<String>,
    samples: bool,
    metrics: KeySet,
    metric: Option<Metric>,
}

/// The rule state of one OpenMetrics exposition.
#[derive(Default)]
pub(crate) struct Rules<'a> {
    /// Check the data model; otherwise only track families (for `le` and
    /// `quantile`) and check what Prometheus checks (unit suffixes).
    strict: bool,
    families: HashMap<Cow<'a, str>, FamilyType>,
    cur: Option<Family<'a>>,
}

impl<'a> Family<'a> {
    fn new(name: Cow<'a, str>) -> Self {
        Family {
            name,
            kind: FamilyType::Unknown,
            help: false,
            typed: false,
            unit: None,
            samples: false,
            metrics: KeySet::default(),
            metric: None,
        }
    }
}

/// Checks that a non-empty `unit` is the `_<unit>` suffix of `name`.
fn check_unit(at: Location, name: &str, unit: &str) -> Result<(), ParseError> {
    if unit.is_empty() || name.strip_suffix(unit).is_some_and(|b| b.ends_with('_')) {
        return Ok(());
    }
    Err(broken(
        at,
        format!("unit {unit:?} is not a suffix `_{unit}` of the family name {name}"),
    ))
}

fn broken(at: Location, rule: String) -> ParseError {
    ParseError::Semantic { at, rule }
}

impl<'a> Rules<'a> {
    /// Rules that check the whole data model (`strict`) or only what
    /// Prometheus' parser checks.
    pub(crate) fn new(strict: bool) -> Self {
        Self {
            strict,
            ..Self::default()
        }
    }

    /// A metadata line for family `name`.
    pub(crate) fn metadata(
        &mut self,
        at: Location,
        meta: Meta,
        name: Cow<'a, str>,
        text: &str,
    ) -> Result<(), ParseError> {
        if !self.strict {
            if self.cur.as_ref().is_none_or(|f| f.name != name) {
                self.cur = Some(Family::new(name.clone()));
            }
            if let (Meta::Type(kind), Some(f)) = (meta, self.cur.as_mut()) {
                f.kind = kind;
            }
            if meta == Meta::Unit {
                check_unit(at, &name, text)?;
            }
            return Ok(());
        }
        if self.cur.as_ref().is_none_or(|f| f.name != name) {
            self.start_family(at, name.clone())?;
        }
        let Some(f) = self.cur.as_mut() else {
            return Ok(());
        };
        let what = match meta {
            Meta::Help => "HELP",
            Meta::Type(_) => "TYPE",
            Meta::Unit => "UNIT",
        };
        if f.samples {
            return Err(broken(
                at,
                format!("# {what} for {name} comes after its samples"),
            ));
        }
        let seen = match meta {
            Meta::Help => std::mem::replace(&mut f.help, true),
            Meta::Type(_) => std::mem::replace(&mut f.typed, true),
            Meta::Unit => f.unit.replace(text.to_string()).is_some(),
        };
        if seen {
            return Err(broken(at, format!("a second # {what} for {name}")));
        }
        if let Meta::Unit = meta {
            check_unit(at, &name, text)?;
        }
        if let Meta::Type(kind) = meta {
            f.kind = kind;
            self.families.insert(name.clone(), kind);
            for s in kind.suffixes(true).iter().filter(|s| !s.is_empty()) {
                let sample = format!("{name}{s}");
                if self.families.contains_key(sample.as_str()) {
                    return Err(broken(
                        at,
                        format!("family {sample} clashes with the {s} samples of {name}"),
                    ));
                }
            }
        }
        if matches!(f.kind, FamilyType::Info | FamilyType::StateSet)
            && f.unit.as_deref().is_some_and(|u| !u.is_empty())
        {
            return Err(broken(
                at,
                format!("{name}: info and stateset families cannot have a unit"),
            ));
        }
        Ok(())
    }

    fn start_family(&mut self, at: Location, name: Cow<'a, str>) -> Result<(), ParseError> {
        self.end_family()?;
        if self.families.contains_key(&name) {
            return Err(broken(
                at,
                format!("family {name} appears again after other families (families must not be interleaved)"),
            ));
        }
        for s in ALL_SUFFIXES {
            let Some(base) = name.strip_suffix(s) else {
                continue;
            };
            if let Some(kind) = self.families.get(base) {
                if kind.suffixes(true).contains(&s) {
                    return Err(broken(
                        at,
                        format!(
                            "family {name} clashes with the {s} samples of {kind:?} family {base}"
                        ),
                    ));
                }
            }
        }
        self.families.insert(name.clone(), FamilyType::Unknown);
        self.cur = Some(Family::new(name));
        Ok(())
    }

    fn end_family(&mut self) -> Result<(), ParseError> {
        if let Some(f) = self.cur.as_mut() {
            if let Some(m) = f.metric.take() {
                end_point(f.kind, &f.name, &m.point)?;
            }
        }
        Ok(())
    }

    /// The same state, owning the names it borrowed from the input, to
    /// go on with the next piece of a longer exposition.
    pub(crate) fn into_owned(self) -> Rules<'static> {
        let own = |c: Cow<'a, str>| Cow::Owned(c.into_owned());
        Rules {
            strict: self.strict,
            families: self
                .families
                .into_iter()
                .map(|(name, kind)| (own(name), kind))
                .collect(),
            cur: self.cur.map(|f| Family {
                name: own(f.name),
                kind: f.kind,
                help: f.help,
                typed: f.typed,
                unit: f.unit,
                samples: f.samples,
                metrics: f.metrics,
                metric: f.metric,
            }),
        }
    }

    /// Whether the whole data model is checked.
    pub(crate) fn is_strict(&self) -> bool {
        self.strict
    }

    /// The end of the exposition.
    pub(crate) fn finish(&mut self) -> Result<(), ParseError> {
        self.end_family()
    }

    /// A sample line. Returns its family's type and the suffix by which it
    /// belongs to the family.
    pub(crate) fn sample(
        &mut self,
        s: &Sample<'_, 'a>,
        name: Cow<'a, str>,
    ) -> Result<(FamilyType, &'static str), ParseError> {
        let member = self
            .cur
            .as_ref()
            .and_then(|f| f.kind.member_suffix(&f.name, s.name, true));
        if !self.strict {
            if let (Some(suffix), Some(f)) = (member, self.cur.as_ref()) {
                return Ok((f.kind, suffix));
            }
            self.cur = Some(Family::new(name));
            return Ok((FamilyType::Unknown, ""));
        }
        let suffix = match member {
            Some(suffix) => suffix,
            None => {
                if let Some(f) = self.cur.as_ref().filter(|f| f.name == name) {
                    return Err(broken(
                        s.at,
                        format!(
                            "sample {} lacks a suffix of its {:?} family ({})",
                            s.name,
                            f.kind,
                            f.kind.suffixes(true).join(", ")
                        ),
                    ));
                }
                self.start_family(s.at, name)?;
                ""
            }
        };
        let Some(f) = self.cur.as_mut() else {
            return Ok((FamilyType::Unknown, suffix));
        };
        f.samples = true;
        let kind = f.kind;
        check_sample(kind, &f.name, suffix, s)?;
        let special = match kind {
            FamilyType::Histogram | FamilyType::GaugeHistogram => Some("le"),
            FamilyType::Summary => Some("quantile"),
            FamilyType::StateSet => Some(f.name.as_ref()),
            _ => None,
        };
        let key = metric_key(s.labels, special);
        let new_metric = f.metric.as_ref().is_none_or(|m| m.key != key);
        if new_metric {
            if let Some(m) = f.metric.take() {
                end_point(kind, &f.name, &m.point)?;
            }
            if !f.metrics.insert(key) {
                return Err(broken(
                    s.at,
                    format!(
                        "metric {}{{…}} appears again after another metric of its family (metrics must not be interleaved)",
                        f.name
                    ),
                ));
            }
            f.metric = Some(Metric {
                key,
                timestamped: s.ts.is_some(),
                point: Point::default(),
            });
        }
        let Some(m) = f.metric.as_mut() else {
            return Ok((kind, suffix));
        };
        if m.timestamped != s.ts.is_some() {
            return Err(broken(
                s.at,
                format!(
                    "samples of one metric of {} mix explicit timestamps and none",
                    f.name
                ),
            ));
        }
        if let (Some(ts), Some(prev)) = (s.ts, m.point.ts) {
            if ts < prev {
                return Err(broken(
                    s.at,
                    format!("timestamps of a metric of {} go backwards", f.name),
                ));
            }
            if ts > prev {
                let done = std::mem::take(&mut m.point);
                end_point(kind, &f.name, &done)?;
            }
        }
        if m.point.at.is_none() {
            m.point.at = Some(s.at);
            m.point.ts = s.ts;
        }
        add_to_point(&mut m.point, kind, suffix, s)?;
        Ok((kind, suffix))
    }
}

/// Checks one sample on its own.
fn check_sample(
    kind: FamilyType,
    family: &str,
    suffix: &str,
    s: &Sample<'_, '_>,
) -> Result<(), ParseError> {
    let v = s.value;
    let fail = |rule: String| Err(broken(s.at, rule));
    let label = |name: &str| s.labels.iter().find(|l| l.name == name).map(|l| l.value);
    let exemplar_ok = matches!(
        (kind, suffix),
        (FamilyType::Counter, "_total")
            | (
                FamilyType::Histogram | FamilyType::GaugeHistogram,
                "_bucket"
            )
    );
    if s.exemplar && !exemplar_ok {
        return fail(format!(
            "{}: exemplars are only allowed on counter totals and histogram buckets",
            s.name
        ));
    }
    let counter_like = |what: &str| {
        if v.is_nan() || v < 0.0 {
            fail(format!(
                "{}: {what} must not be NaN or negative, got {v}",
                s.name
            ))
        } else {
            Ok(())
        }
    };
    match (kind, suffix) {
        (FamilyType::Counter, "_total") => counter_like("a counter total")?,
        (FamilyType::Histogram | FamilyType::GaugeHistogram, "_bucket") => {
            counter_like("a bucket count")?;
            let Some(le) = label("le") else {
                return fail(format!("{}: a bucket needs an `le` label", s.name));
            };
            if threshold(le).is_none() {
                return fail(format!("{}: invalid le {le:?}", s.name));
            }
        }
        (FamilyType::Histogram, "_count" | "_sum") | (FamilyType::GaugeHistogram, "_gcount") => {
            counter_like("a histogram count or sum")?;
        }
        (FamilyType::Summary, "_count" | "_sum") => counter_like("a summary count or sum")?,
        (FamilyType::GaugeHistogram, "_gsum") if v.is_nan() => {
            return fail(format!("{}: a gauge histogram sum must not be NaN", s.name));
        }
        (FamilyType::Summary, "") => {
            let Some(q) = label("quantile") else {
                return fail(format!(
                    "{}: a summary quantile needs a `quantile` label",
                    s.name
                ));
            };
            if !parse_real(q).is_some_and(|q| (0.0..=1.0).contains(&q)) {
                return fail(format!(
                    "{}: quantile {q:?} is not a number in [0, 1]",
                    s.name
                ));
            }
            if v < 0.0 {
                return fail(format!("{}: a quantile value must not be negative", s.name));
            }
        }
        (FamilyType::Info, _) if v != 1.0 => {
            return fail(format!("{}: an info value must be 1, got {v}", s.name));
        }
        (FamilyType::StateSet, _) => {
            if label(family).is_none() && !s.labels.iter().any(|l| l.name() == family) {
                return fail(format!("{}: a state needs a label named {family}", s.name));
            }
            if v != 0.0 && v != 1.0 {
                return fail(format!("{}: a state value must be 0 or 1, got {v}", s.name));
            }
        }
        _ => {}
    }
    let forbidden = match (kind, suffix) {
        (FamilyType::Histogram | FamilyType::GaugeHistogram, s) if s != "_bucket" => Some("le"),
        (FamilyType::Summary, s) if !s.is_empty() => Some("quantile"),
        _ => None,
    };
    if let Some(name) = forbidden.filter(|n| label(n).is_some()) {
        return fail(format!("{}: label {name} is reserved here", s.name));
    }
    Ok(())
}

/// An OpenMetrics bucket threshold: a real number or `+Inf`/`-Inf` as
/// written, never NaN.
fn threshold(le: &str) -> Option<f64> {
    match le {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => parse_real(le),
    }
}

fn add_to_point(
    p: &mut Point,
    kind: FamilyType,
    suffix: &str,
    s: &Sample<'_, '_>,
) -> Result<(), ParseError> {
    let fail = |rule: String| Err(broken(s.at, rule));
    let v = s.value;
    match (kind, suffix) {
        (FamilyType::Counter, "_total") => p.total = true,
        (FamilyType::Histogram | FamilyType::GaugeHistogram, "_bucket") => {
            let le = s
                .labels
                .iter()
                .find(|l| l.name == "le")
                .and_then(|l| threshold(l.value))
                .unwrap_or(f64::NAN);
            if p.buckets > 0 && le <= p.last_le {
                return fail(format!(
                    "{}: buckets must be in increasing order of le",
                    s.name
                ));
            }
            if p.buckets > 0 && v < p.last_count {
                return fail(format!("{}: bucket counts must be cumulative", s.name));
            }
            if v.fract() != 0.0 {
                return fail(format!("{}: bucket counts must be integers", s.name));
            }
            p.buckets += 1;
            p.last_le = le;
            p.last_count = v;
            p.negative |= le < 0.0;
            if le == f64::INFINITY {
                p.inf = Some(v);
            }
        }
        (FamilyType::Histogram, "_count") | (FamilyType::GaugeHistogram, "_gcount") => {
            let repeated = p.count.replace(v).is_some();
            if repeated {
                return fail(format!("{}: a second count in one point", s.name));
            }
        }
        (FamilyType::Histogram, "_sum") | (FamilyType::GaugeHistogram, "_gsum") => {
            let repeated = p.sum.replace(v).is_some();
            if repeated {
                return fail(format!("{}: a second sum in one point", s.name));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks a finished point.
fn end_point(kind: FamilyType, family: &str, p: &Point) -> Result<(), ParseError> {
    let Some(at) = p.at else {
        return Ok(());
    };
    let fail = |rule: String| Err(broken(at, rule));
    match kind {
        FamilyType::Histogram | FamilyType::GaugeHistogram => {
            let (count, sum) = if kind == FamilyType::Histogram {
                ("_count", "_sum")
            } else {
                ("_gcount", "_gsum")
            };
            let Some(inf) = p.inf else {
                return fail(format!("{family}: a histogram point needs a +Inf bucket"));
            };
            if p.count.is_some() != p.sum.is_some() {
                return fail(format!("{family}: {count} and {sum} must appear together"));
            }
            if p.count.is_some_and(|c| c != inf) {
                return fail(format!("{family}: {count} differs from the +Inf bucket"));
            }
            if kind == FamilyType::Histogram && p.negative && p.sum.is_some() {
                return fail(format!(
                    "{family}: a histogram with negative buckets must not have a sum"
                ));
            }
            if kind == FamilyType::GaugeHistogram && !p.negative && p.sum.is_some_and(|s| s < 0.0) {
                return fail(format!("{family}: a negative _gsum needs negative buckets"));
            }
        }
        FamilyType::Counter if !p.total => {
            return fail(format!("{family}: a counter point needs a _total sample"));
        }
        _ => {}
    }
    Ok(())
}

/// A hash of a label set that ignores label order and the label named
/// `special` (`le`, `quantile`, a stateset's state).
fn metric_key(labels: &[RawLabel<'_>], special: Option<&str>) -> u64 {
    labels
        .iter()
        .filter(|l| Some(l.name) != special)
        .map(|l| {
            let name = unescape_label(l.name);
            let value = unescape_label(l.value);
            mix(fnv(name.as_bytes()) ^ fnv(value.as_bytes()).rotate_left(29))
        })
        .fold(0x9e37_79b9_7f4a_7c15, u64::wrapping_add)
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
