//! `/api/v1/admin/tsdb/{snapshot,delete_series,clean_tombstones}`: the
//! TSDB's maintenance endpoints, answered only when the binary hands the
//! router an [`AdminProvider`](crate::providers::AdminProvider) (it does
//! with `--web.enable-admin-api`); without one they answer `unavailable`
//! ("admin APIs disabled"), as Prometheus does. The work runs on the
//! blocking pool.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::json::Success;
use crate::params::{MAX_TIME, MIN_TIME};
use crate::providers::AdminProvider;
use crate::{blocking, Api, Error, Params, Result};

fn provider(api: &Api) -> Result<std::sync::Arc<dyn AdminProvider>> {
    api.admin
        .clone()
        .ok_or_else(|| Error::Unavailable("admin APIs disabled".into()))
}

/// `/api/v1/admin/tsdb/snapshot`'s data.
#[derive(Serialize)]
struct Snapshot {
    name: String,
}

/// `POST|PUT /api/v1/admin/tsdb/snapshot[?skip_head=true]`: a consistent
/// copy of the database under `<data>/snapshots/<name>`; answers the
/// name.
pub async fn snapshot(State(api): State<Api>, params: Params) -> Result<Success> {
    let p = provider(&api)?;
    let skip_head = match params.get("skip_head") {
        None => false,
        Some(s) => parse_bool(s)
            .ok_or_else(|| Error::param("skip_head", format!("cannot parse {s:?} as a bool")))?,
    };
    let name = blocking(move || p.snapshot(skip_head).map_err(Error::Internal)).await?;
    Ok(Success::of(&Snapshot { name }))
}

/// `POST|PUT /api/v1/admin/tsdb/delete_series?match[]=…[&start=…&end=…]`:
/// deletes the selected series' samples in `[start, end]` (all time by
/// default). `204 No Content`.
pub async fn delete_series(State(api): State<Api>, params: Params) -> Result<Response> {
    let p = provider(&api)?;
    let matcher_sets = params.matcher_sets()?;
    if matcher_sets.is_empty() {
        return Err(Error::BadData("no match[] parameter provided".into()));
    }
    let start = params.time_or("start", MIN_TIME)?;
    let end = params.time_or("end", MAX_TIME)?;
    blocking(move || {
        for matchers in &matcher_sets {
            p.delete_series(matchers, start, end)
                .map_err(Error::Internal)?;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST|PUT /api/v1/admin/tsdb/clean_tombstones`: rewrites the blocks
/// holding deletions without the deleted data. `204 No Content`.
pub async fn clean_tombstones(State(api): State<Api>) -> Result<Response> {
    let p = provider(&api)?;
    blocking(move || p.clean_tombstones().map_err(Error::Internal)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_bool;

    #[test]
    fn bools_as_go_reads_them() {
        for (s, want) in [
            ("true", Some(true)),
            ("1", Some(true)),
            ("T", Some(true)),
            ("False", Some(false)),
            ("0", Some(false)),
            ("yes", None),
            ("", None),
        ] {
            assert_eq!(parse_bool(s), want, "{s:?}");
        }
    }
}
