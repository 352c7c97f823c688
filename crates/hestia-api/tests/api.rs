//! Table tests per endpoint: parameter forms (GET query, POST form),
//! time and duration formats, and errors with Prometheus' `errorType`
//! and status.

mod common;

use axum::http::StatusCode;
use common::{app, bare_app, get, post_form};

/// What a case expects: an error type, or a JSON pointer's value.
enum Want {
    Error(&'static str),
    At(&'static str, &'static str),
}

/// `(uri, form body for POST, status, expectation)`.
type Case = (&'static str, Option<&'static str>, u16, Want);

async fn run(cases: &[Case]) {
    for (uri, form, status, want) in cases {
        let answer = match form {
            Some(f) => post_form(app(), uri, f).await,
            None => get(app(), uri).await,
        };
        let ctx = format!("{uri} {form:?}: {}", answer.body);
        assert_eq!(answer.status.as_u16(), *status, "{ctx}");
        let json = answer.json();
        match want {
            Want::Error(kind) => {
                assert_eq!(json["status"], "error", "{ctx}");
                assert_eq!(json["errorType"], *kind, "{ctx}");
                assert!(
                    json["error"].as_str().is_some_and(|e| !e.is_empty()),
                    "{ctx}"
                );
            }
            Want::At(pointer, value) => {
                assert_eq!(json["status"], "success", "{ctx}");
                let want: serde_json::Value = serde_json::from_str(value).unwrap();
                assert_eq!(json.pointer(pointer), Some(&want), "{pointer} in {ctx}");
            }
        }
    }
}

#[tokio::test]
async fn instant_queries() {
    use Want::*;
    run(&[
        (
            "/api/v1/query?query=1%2B1",
            None,
            200,
            At("/data/result", r#"[1700000120,"2"]"#),
        ),
        (
            "/api/v1/query?query=1%2B1&time=1700000000.5",
            None,
            200,
            At("/data/result/0", "1700000000.5"),
        ),
        (
            "/api/v1/query?query=up&time=2023-11-14T22:13:50Z",
            None,
            200,
            At("/data/result/0/value", r#"[1700000030,"1"]"#),
        ),
        (
            "/api/v1/query",
            Some("query=sum(up)&time=1700000060"),
            200,
            At("/data/result/0/value/1", r#""1""#),
        ),
        (
            "/api/v1/query?time=1700000060",
            Some("query=count(up)"),
            200,
            At("/data/resultType", r#""vector""#),
        ),
        (
            "/api/v1/query?query=up%5B30s%5D&time=1700000030",
            None,
            200,
            At("/data/result/0/values/0", r#"[1700000015,"1"]"#),
        ),
        (
            "/api/v1/query?query=%22hi%22",
            None,
            200,
            At("/data/result", r#"[1700000120,"hi"]"#),
        ),
        (
            "/api/v1/query?query=temperature&time=1700000000",
            None,
            200,
            At("/data/result/0/value/1", r#""1.5e-07""#),
        ),
        (
            "/api/v1/query?query=1/0",
            None,
            200,
            At("/data/result/1", r#""+Inf""#),
        ),
        (
            "/api/v1/query?query=up&limit=1",
            None,
            200,
            At("/warnings/0", r#""results truncated due to limit""#),
        ),
        (
            "/api/v1/query?query=up&timeout=5s",
            None,
            200,
            At("/data/resultType", r#""vector""#),
        ),
        (
            "/api/v1/query?query=quantile(2,up)",
            None,
            200,
            At(
                "/warnings/0",
                r#""PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)""#,
            ),
        ),
        ("/api/v1/query?query=sum(", None, 400, Error("bad_data")),
        ("/api/v1/query", None, 400, Error("bad_data")),
        (
            "/api/v1/query?query=up&time=yesterday",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query?query=up&timeout=soon",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query?query=up&limit=-1",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query?query=up%20%2B%20on()%20up",
            None,
            422,
            Error("execution"),
        ),
    ])
    .await;
}

#[tokio::test]
async fn range_queries() {
    use Want::*;
    run(&[
        (
            "/api/v1/query_range?query=up&start=1700000000&end=1700000030&step=15",
            None,
            200,
            At("/data/result/0/values/2", r#"[1700000030,"1"]"#),
        ),
        (
            "/api/v1/query_range?query=up&start=1700000000&end=1700000030&step=15s",
            None,
            200,
            At("/data/resultType", r#""matrix""#),
        ),
        (
            "/api/v1/query_range?query=up&start=1700000000&end=1700000001&step=0.5",
            None,
            200,
            At("/data/result/0/values/1/0", "1700000000.5"),
        ),
        (
            "/api/v1/query_range",
            Some("query=up&start=2023-11-14T22:13:20Z&end=2023-11-14T22:14:20Z&step=1m"),
            200,
            At("/data/result/1/values/1", r#"[1700000060,"0"]"#),
        ),
        (
            "/api/v1/query_range?query=up&end=1700000030&step=15",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query_range?query=up&start=1700000000&step=15",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query_range?query=up&start=1700000000&end=1700000030",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query_range?query=up&start=1700000030&end=1700000000&step=15",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query_range?query=up&start=1700000000&end=1700000030&step=0",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query_range?query=up&start=1700000000&end=1800000000&step=1",
            None,
            400,
            Error("bad_data"),
        ),
        (
            "/api/v1/query_range?query=up%5B1m%5D&start=1700000000&end=1700000030&step=15",
            None,
            400,
            Error("bad_data"),
        ),
    ])
    .await;
}

#[tokio::test]
async fn index_endpoints() {
    use Want::*;
    run(&[
        ("/api/v1/labels", None, 200, At("/data", r#"["__name__","code","handler","instance","job","room"]"#)),
        ("/api/v1/labels?match[]=up", None, 200, At("/data", r#"["__name__","instance","job"]"#)),
        ("/api/v1/labels", Some("match[]=temperature&match[]=up"), 200, At("/data", r#"["__name__","instance","job","room"]"#)),
        ("/api/v1/labels?limit=2", None, 200, At("/data", r#"["__name__","code"]"#)),
        ("/api/v1/labels?start=1800000000&end=1800000100", None, 200, At("/data", "[]")),
        ("/api/v1/labels?match[]=up{", None, 400, Error("bad_data")),
        ("/api/v1/labels?match[]=rate(up[1m])", None, 400, Error("bad_data")),
        ("/api/v1/labels?start=x", None, 400, Error("bad_data")),
        ("/api/v1/label/__name__/values", None, 200, At("/data", r#"["http_requests_total","temperature","up"]"#)),
        ("/api/v1/label/job/values?match[]=up&start=1700000000&end=1700000120", None, 200, At("/data", r#"["node"]"#)),
        ("/api/v1/label/nope/values", None, 200, At("/data", "[]")),
        ("/api/v1/series?match[]=up", None, 200, At("/data/1", r#"{"__name__":"up","instance":"b:9100","job":"node"}"#)),
        ("/api/v1/series", Some("match[]=http_requests_total{code=\"500\"}&match[]=up{instance=\"a:9100\"}"), 200, At("/data/0/code", r#""500""#)),
        ("/api/v1/series?match[]=up&limit=1", None, 200, At("/warnings", r#"["results truncated due to limit"]"#)),
        ("/api/v1/series", None, 400, Error("bad_data")),
        ("/api/v1/series?match[]={job=~\".*\"}", None, 400, Error("bad_data")),
        ("/api/v1/metadata", None, 200, At("/data/up/0", r#"{"type":"gauge","help":"Whether the target is up.","unit":""}"#)),
        ("/api/v1/metadata?metric=http_requests_total", None, 200, At("/data/http_requests_total/0/type", r#""counter""#)),
        ("/api/v1/metadata?limit=1", None, 200, At("/data", r#"{"http_requests_total":[{"type":"counter","help":"Requests served.","unit":""}]}"#)),
        ("/api/v1/query_exemplars?query=up&start=1700000000&end=1700000120", None, 200, At("/data", "[]")),
        ("/api/v1/query_exemplars?query=up(", None, 400, Error("bad_data")),
        ("/api/v1/format_query?query=sum%20by(job)(rate(up%5B5m%5D))", None, 200, At("/data", r#""sum by (job) (rate(up[5m]))""#)),
        ("/api/v1/format_query?query=foo%7B", None, 400, Error("bad_data")),
    ])
    .await;
}

#[tokio::test]
async fn status_endpoints() {
    use Want::*;
    run(&[
        (
            "/api/v1/status/buildinfo",
            None,
            200,
            At("/data/version", r#""3.0.0""#),
        ),
        (
            "/api/v1/status/flags",
            None,
            200,
            At("/data/storage.tsdb.retention.time", r#""15d""#),
        ),
        (
            "/api/v1/status/config",
            None,
            200,
            At("/data/yaml", r#""""#),
        ),
        (
            "/api/v1/status/runtimeinfo",
            None,
            503,
            Error("unavailable"),
        ),
        ("/api/v1/status/tsdb", None, 503, Error("unavailable")),
        (
            "/api/v1/targets",
            None,
            200,
            At(
                "/data/activeTargets/0/lastScrape",
                r#""2023-11-14T22:15:14.75Z""#,
            ),
        ),
        (
            "/api/v1/targets?state=active",
            None,
            200,
            At("/data/droppedTargets", "[]"),
        ),
        (
            "/api/v1/targets?state=dropped",
            None,
            200,
            At("/data/droppedTargetCounts", r#"{"node":1}"#),
        ),
        (
            "/api/v1/targets?scrapePool=other",
            None,
            200,
            At("/data/activeTargets", "[]"),
        ),
        ("/api/v1/rules", None, 200, At("/data", r#"{"groups":[]}"#)),
        (
            "/api/v1/rules?type=alert",
            None,
            200,
            At("/data/groups", "[]"),
        ),
        ("/api/v1/rules?type=both", None, 400, Error("bad_data")),
        ("/api/v1/alerts", None, 200, At("/data", r#"{"alerts":[]}"#)),
    ])
    .await;
}

#[tokio::test]
async fn without_providers() {
    let cases = [
        ("/api/v1/metadata", r#"{"status":"success","data":{}}"#),
        (
            "/api/v1/targets",
            r#"{"status":"success","data":{"activeTargets":[],"droppedTargets":[],"droppedTargetCounts":{}}}"#,
        ),
        (
            "/api/v1/status/buildinfo",
            &format!(
                r#"{{"status":"success","data":{{"version":"{}","revision":"","branch":"","buildUser":"","buildDate":"","goVersion":""}}}}"#,
                env!("CARGO_PKG_VERSION")
            ),
        ),
        ("/api/v1/status/flags", r#"{"status":"success","data":{}}"#),
    ];
    for (uri, want) in cases {
        let answer = get(bare_app(), uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert_eq!(answer.content_type, "application/json", "{uri}");
        assert_eq!(answer.body, want, "{uri}");
    }
}

#[tokio::test]
async fn probes_and_federation() {
    let healthy = get(app(), "/-/healthy").await;
    assert_eq!(
        (healthy.status, healthy.body.as_str()),
        (StatusCode::OK, "Hestia Server is Healthy.\n")
    );
    let ready = get(app(), "/-/ready").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "Hestia Server is Ready.\n")
    );

    let fed = get(app(), "/federate?match[]=up&match[]=temperature").await;
    assert_eq!(fed.status, StatusCode::OK);
    assert_eq!(fed.content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_eq!(
        fed.body,
        "# TYPE temperature untyped\n\
         temperature{room=\"lab\"} NaN 1700000120000\n\
         # TYPE up untyped\n\
         up{instance=\"a:9100\",job=\"node\"} 1 1700000120000\n\
         up{instance=\"b:9100\",job=\"node\"} 0 1700000120000\n"
    );
    let bad = get(app(), "/federate").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["errorType"], "bad_data");
}

/// A configuration with external labels, as the binary provides it.
struct External;

impl hestia_api::ConfigProvider for External {
    fn config_yaml(&self) -> String {
        String::new()
    }

    fn external_labels(&self) -> hestia_model::Labels {
        hestia_model::labels! { "cluster" => "eu-1", "job" => "federation" }
    }
}

#[tokio::test]
async fn federation_adds_missing_external_labels() {
    let app =
        hestia_api::ApiBuilder::new(std::sync::Arc::new(common::storage()), Default::default())
            .clock(|| common::NOW)
            .config(std::sync::Arc::new(External))
            .router();
    let fed = get(app, "/federate?match[]=up&match[]=temperature").await;
    assert_eq!(
        fed.body,
        "# TYPE temperature untyped\n\
         temperature{cluster=\"eu-1\",job=\"federation\",room=\"lab\"} NaN 1700000120000\n\
         # TYPE up untyped\n\
         up{cluster=\"eu-1\",instance=\"a:9100\",job=\"node\"} 1 1700000120000\n\
         up{cluster=\"eu-1\",instance=\"b:9100\",job=\"node\"} 0 1700000120000\n"
    );
}

#[tokio::test]
async fn unknown_label_name_path_is_not_found() {
    let answer = get(app(), "/api/v1/nope").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}
