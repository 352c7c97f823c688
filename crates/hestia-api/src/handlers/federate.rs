//! `/federate`: the latest sample (within the 5-minute lookback, not
//! stale) of every series matching a `match[]`, as Prometheus text
//! exposition 0.0.4 with timestamps, families sorted by name and typed
//! `untyped`, with the external labels added where a series lacks them,
//! as Prometheus federates.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use hestia_model::{Labels, Sample};
use hestia_storage::SelectHints;

use crate::{blocking, Api, Error, Params, Result};

/// How far back a series' latest sample may be.
const LOOKBACK_MS: i64 = 5 * 60 * 1000;

/// The content type of text exposition 0.0.4.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /federate?match[]=…`.
pub async fn federate(State(api): State<Api>, params: Params) -> Result<Response> {
    let matcher_sets = params.matcher_sets()?;
    if matcher_sets.is_empty() {
        return Err(Error::BadData("no match[] parameter provided".into()));
    }
    let now = (api.now)();
    let external = api
        .config
        .as_ref()
        .map(|c| c.external_labels())
        .unwrap_or_default();
    let latest = blocking(move || {
        let min_t = now - LOOKBACK_MS;
        let querier = api.storage.querier(min_t, now)?;
        let hints = SelectHints::between(min_t, now);
        let mut latest: BTreeMap<Labels, Sample> = BTreeMap::new();
        for matchers in &matcher_sets {
            for series in querier.select(true, &hints, matchers) {
                let series = series?;
                let labels = series.labels().clone();
                let last = series.into_samples()?.pop();
                if let Some(s) = last.filter(|s| !s.is_stale()) {
                    latest.insert(with_external(&labels, &external), s);
                }
            }
        }
        Ok(latest)
    })
    .await?;
    let mut resp = write_text(&latest).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT));
    Ok(resp)
}

/// `labels` with every external label it lacks.
fn with_external(labels: &Labels, external: &Labels) -> Labels {
    if external.iter().all(|(n, _)| labels.get(n).is_some()) {
        return labels.clone();
    }
    let mut b = hestia_model::LabelsBuilder::new(labels);
    for (n, v) in external.iter() {
        if labels.get(n).is_none() {
            b.set(n, v);
        }
    }
    b.build()
}

/// The series as text exposition, one `# TYPE <name> untyped` per metric
/// name (series are sorted by labels, so by name first).
pub fn write_text(series: &BTreeMap<Labels, Sample>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut family: Option<&str> = None;
    for (labels, sample) in series {
        let name = labels.metric_name().unwrap_or_default();
        if family != Some(name) {
            out.extend_from_slice(b"# TYPE ");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b" untyped\n");
            family = Some(name);
        }
        out.extend_from_slice(name.as_bytes());
        let pairs = labels
            .iter()
            .filter(|(n, _)| *n != hestia_model::METRIC_NAME);
        // Names and values come from storage, so they are already valid.
        if let Ok(escaped) = hestia_expfmt::Labels::from_pairs(pairs) {
            if !escaped.is_empty() {
                out.push(b'{');
                out.extend_from_slice(escaped.escaped().as_bytes());
                out.push(b'}');
            }
        }
        out.push(b' ');
        hestia_expfmt::write_float(&mut out, sample.v);
        out.push(b' ');
        out.extend_from_slice(itoa::Buffer::new().format(sample.t).as_bytes());
        out.push(b'\n');
    }
    out
}
