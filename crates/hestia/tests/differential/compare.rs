//! Comparing two query API answers: the same status (or error type), the
//! same result type, label sets and timestamps exactly, values within
//! 1e-6 relative as upstream's test scripts compare them (NaN equals NaN).

use std::collections::BTreeMap;

use serde_json::Value;

/// Relative tolerance for values.
const EPSILON: f64 = 1e-6;

/// A label set.
pub type Labels = BTreeMap<String, String>;

/// An answer, normalized.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `status: error`, with its `errorType`.
    Error(String),
    /// An instant vector: labels, timestamp (ms), value text.
    Vector(Vec<(Labels, i64, String)>),
    /// A range vector: labels and points (ms, value text).
    Matrix(Vec<(Labels, Vec<(i64, String)>)>),
    /// A scalar.
    Scalar(i64, String),
    /// A string.
    Str(i64, String),
}

fn millis(v: &Value) -> Result<i64, String> {
    let s = v
        .as_f64()
        .ok_or_else(|| format!("timestamp {v} is not a number"))?;
    Ok((s * 1000.0).round() as i64)
}

fn point(p: &Value) -> Result<(i64, String), String> {
    let t = millis(&p[0])?;
    let v = p[1]
        .as_str()
        .ok_or_else(|| format!("value {} is not a string", p[1]))?;
    Ok((t, v.to_string()))
}

fn labels(m: &Value) -> Result<Labels, String> {
    let obj = m
        .as_object()
        .ok_or_else(|| format!("metric {m} is not an object"))?;
    Ok(obj
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect())
}

impl Answer {
    /// Reads an API answer.
    pub fn parse(v: &Value) -> Result<Answer, String> {
        if v["status"] == "error" {
            return Ok(Answer::Error(
                v["errorType"].as_str().unwrap_or("?").to_string(),
            ));
        }
        if v["status"] != "success" {
            return Err(format!("unexpected answer {v}"));
        }
        let data = &v["data"];
        let result = &data["result"];
        match data["resultType"].as_str() {
            Some("vector") => {
                let mut out = Vec::new();
                for s in result.as_array().ok_or("result is not an array")? {
                    let (t, val) = point(&s["value"])?;
                    out.push((labels(&s["metric"])?, t, val));
                }
                Ok(Answer::Vector(out))
            }
            Some("matrix") => {
                let mut out = Vec::new();
                for s in result.as_array().ok_or("result is not an array")? {
                    let points = s["values"]
                        .as_array()
                        .ok_or("values is not an array")?
                        .iter()
                        .map(point)
                        .collect::<Result<Vec<_>, _>>()?;
                    out.push((labels(&s["metric"])?, points));
                }
                Ok(Answer::Matrix(out))
            }
            Some("scalar") => {
                let (t, v) = point(result)?;
                Ok(Answer::Scalar(t, v))
            }
            Some("string") => {
                let (t, v) = point(result)?;
                Ok(Answer::Str(t, v))
            }
            other => Err(format!("unknown resultType {other:?}")),
        }
    }

    /// Whether the answer holds no series.
    pub fn is_empty(&self) -> bool {
        match self {
            Answer::Vector(v) => v.is_empty(),
            Answer::Matrix(m) => m.is_empty(),
            _ => false,
        }
    }

    /// The number of series or 1.
    pub fn len(&self) -> usize {
        match self {
            Answer::Vector(v) => v.len(),
            Answer::Matrix(m) => m.len(),
            _ => 1,
        }
    }

    /// Rewrites `le` label values into the canonical form Prometheus 3
    /// (and Hestia) store (`1` → `1.0`); returns how many changed.
    pub fn canonicalize_le(&mut self) -> usize {
        let mut changed = 0;
        let mut fix = |l: &mut Labels| {
            if let Some(le) = l.get_mut("le") {
                let canonical = canonical_le(le);
                if canonical != *le {
                    *le = canonical;
                    changed += 1;
                }
            }
        };
        match self {
            Answer::Vector(v) => v.iter_mut().for_each(|(l, _, _)| fix(l)),
            Answer::Matrix(m) => m.iter_mut().for_each(|(l, _)| fix(l)),
            _ => {}
        }
        changed
    }

    /// Sorts series by labels (for results whose order is unspecified).
    fn sorted(&self) -> Answer {
        let mut a = self.clone();
        match &mut a {
            Answer::Vector(v) => v.sort_by(|x, y| x.0.cmp(&y.0)),
            Answer::Matrix(m) => m.sort_by(|x, y| x.0.cmp(&y.0)),
            _ => {}
        }
        a
    }
}

/// `le="1"` → `le="1.0"`; other values unchanged.
pub fn canonical_le(le: &str) -> String {
    match le.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && !le.contains('.') && !le.contains('e') => {
            format!("{v:.1}")
        }
        _ => le.to_string(),
    }
}

/// A value text as a float (`NaN`, `+Inf`, `-Inf` included).
pub fn float(s: &str) -> f64 {
    match s {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => s.parse().unwrap_or(f64::NAN),
    }
}

/// Upstream's `almost.Equal` with NaN equal to NaN.
pub fn almost_equal(a: f64, b: f64) -> bool {
    if a.is_nan() && b.is_nan() || a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < f64::MIN_POSITIVE {
        return diff < EPSILON * f64::MIN_POSITIVE;
    }
    diff / abs_sum.min(f64::MAX) < EPSILON
}

/// How two answers compare.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Identical, value texts included.
    Exact,
    /// Equal within the tolerance.
    Close,
    /// A `topk`/`bottomk` that kept other series of equal values: 2.42
    /// replaces the heap's top by `Pop` and `Push`, Prometheus 3 (since
    /// 2.44, prometheus/prometheus#12190) in place with `Fix`, which
    /// breaks ties differently.
    Ties,
}

fn values(a: &str, b: &str, what: &str) -> Result<bool, String> {
    if a == b {
        return Ok(true);
    }
    if almost_equal(float(a), float(b)) {
        Ok(false)
    } else {
        Err(format!("{what}: {a} vs {b}"))
    }
}

/// Compares Prometheus' answer `p` with Hestia's `h`. `ordered` when the
/// query's outermost call is `sort`/`sort_desc` (the order of values must
/// then agree as well).
pub fn compare(p: &Answer, h: &Answer, ordered: bool) -> Result<Verdict, String> {
    let mut exact = true;
    match (p.sorted(), h.sorted()) {
        (Answer::Error(a), Answer::Error(b)) => {
            if a != b {
                return Err(format!("error types differ: {a} vs {b}"));
            }
        }
        (Answer::Vector(a), Answer::Vector(b)) => {
            if a.len() != b.len() {
                return Err(format!("{} vs {} series", a.len(), b.len()));
            }
            for ((la, ta, va), (lb, tb, vb)) in a.iter().zip(&b) {
                if la != lb {
                    return Err(format!("labels {la:?} vs {lb:?}"));
                }
                if ta != tb {
                    return Err(format!("{la:?}: timestamp {ta} vs {tb}"));
                }
                exact &= values(va, vb, &format!("{la:?}"))?;
            }
            if ordered {
                let (Answer::Vector(a), Answer::Vector(b)) = (p, h) else {
                    unreachable!()
                };
                for (i, ((_, _, va), (_, _, vb))) in a.iter().zip(b).enumerate() {
                    values(va, vb, &format!("sorted position {i}"))?;
                }
            }
        }
        (Answer::Matrix(a), Answer::Matrix(b)) => {
            if a.len() != b.len() {
                let la: Vec<_> = a.iter().map(|s| &s.0).collect();
                let lb: Vec<_> = b.iter().map(|s| &s.0).collect();
                return Err(format!(
                    "{} vs {} series: {la:?} vs {lb:?}",
                    a.len(),
                    b.len()
                ));
            }
            for ((la, pa), (lb, pb)) in a.iter().zip(&b) {
                if la != lb {
                    return Err(format!("labels {la:?} vs {lb:?}"));
                }
                if pa.len() != pb.len() {
                    let ta: Vec<i64> = pa.iter().map(|p| p.0).collect();
                    let tb: Vec<i64> = pb.iter().map(|p| p.0).collect();
                    return Err(format!("{la:?}: points at {ta:?} vs {tb:?}"));
                }
                for ((ta, va), (tb, vb)) in pa.iter().zip(pb) {
                    if ta != tb {
                        return Err(format!("{la:?}: timestamp {ta} vs {tb}"));
                    }
                    exact &= values(va, vb, &format!("{la:?} at {ta}"))?;
                }
            }
        }
        (Answer::Scalar(ta, va), Answer::Scalar(tb, vb)) => {
            if ta != tb {
                return Err(format!("timestamp {ta} vs {tb}"));
            }
            exact &= values(&va, &vb, "scalar")?;
        }
        (Answer::Str(ta, va), Answer::Str(tb, vb)) => {
            if ta != tb || va != vb {
                return Err(format!("{ta} {va:?} vs {tb} {vb:?}"));
            }
        }
        (a, b) => return Err(format!("different kinds: {a:?} vs {b:?}")),
    }
    Ok(if exact {
        Verdict::Exact
    } else {
        Verdict::Close
    })
}

/// `(labels, value)` by timestamp.
fn by_time(a: &Answer) -> BTreeMap<i64, Vec<(Labels, f64)>> {
    let mut out: BTreeMap<i64, Vec<(Labels, f64)>> = BTreeMap::new();
    match a {
        Answer::Vector(v) => {
            for (l, t, val) in v {
                out.entry(*t).or_default().push((l.clone(), float(val)));
            }
        }
        Answer::Matrix(m) => {
            for (l, points) in m {
                for (t, val) in points {
                    out.entry(*t).or_default().push((l.clone(), float(val)));
                }
            }
        }
        _ => {}
    }
    out
}

/// Whether two `topk`/`bottomk` answers differ only in which of several
/// equal values were kept: at every timestamp the series in both have the
/// same values, and the values of the series in only one of them are the
/// same multiset as those in only the other.
pub fn same_but_ties(p: &Answer, h: &Answer) -> Result<(), String> {
    let (pt, ht) = (by_time(p), by_time(h));
    if pt.keys().ne(ht.keys()) {
        return Err("different timestamps".into());
    }
    for (t, ps) in &pt {
        let hs = &ht[t];
        let mut p_only = Vec::new();
        for (l, v) in ps {
            match hs.iter().find(|(hl, _)| hl == l) {
                Some((_, hv)) if almost_equal(*v, *hv) => {}
                Some((_, hv)) => return Err(format!("{l:?} at {t}: {v} vs {hv}")),
                None => p_only.push(*v),
            }
        }
        let mut h_only: Vec<f64> = hs
            .iter()
            .filter(|(l, _)| !ps.iter().any(|(pl, _)| pl == l))
            .map(|(_, v)| *v)
            .collect();
        p_only.sort_by(f64::total_cmp);
        h_only.sort_by(f64::total_cmp);
        if p_only.len() != h_only.len()
            || p_only
                .iter()
                .zip(&h_only)
                .any(|(a, b)| !almost_equal(*a, *b))
        {
            return Err(format!("at {t}: kept {p_only:?} vs {h_only:?}"));
        }
    }
    Ok(())
}

/// A short rendering of an answer for failure messages.
pub fn show(a: &Answer) -> String {
    let text = format!("{a:?}");
    if text.len() > 1500 {
        let head: String = text.chars().take(1500).collect();
        format!("{head}… ({} series)", a.len())
    } else {
        text
    }
}
