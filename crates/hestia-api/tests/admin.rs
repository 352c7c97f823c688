//! The admin endpoints: refused as Prometheus refuses them without
//! `--web.enable-admin-api`, and passing their parameters to the
//! provider when enabled.

mod common;

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use common::{bare_app, post_form, storage};
use hestia_api::{AdminProvider, ApiBuilder};
use hestia_model::Matcher;

/// Records every call.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl AdminProvider for Recorder {
    fn snapshot(&self, skip_head: bool) -> Result<String, String> {
        self.0.lock().unwrap().push(format!("snapshot {skip_head}"));
        Ok("20231114T221320Z-0000000000000001".into())
    }

    fn delete_series(&self, matchers: &[Matcher], min_t: i64, max_t: i64) -> Result<(), String> {
        let m: Vec<String> = matchers.iter().map(|m| m.to_string()).collect();
        self.0
            .lock()
            .unwrap()
            .push(format!("delete {} {min_t} {max_t}", m.join(",")));
        Ok(())
    }

    fn clean_tombstones(&self) -> Result<(), String> {
        Err("disk on fire".into())
    }
}

#[tokio::test]
async fn disabled_without_a_provider() {
    for uri in [
        "/api/v1/admin/tsdb/snapshot",
        "/api/v1/admin/tsdb/delete_series",
        "/api/v1/admin/tsdb/clean_tombstones",
    ] {
        let a = post_form(bare_app(), uri, "match[]=up").await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(a.json()["errorType"], "unavailable", "{uri}");
        assert_eq!(a.json()["error"], "admin APIs disabled", "{uri}");
    }
}

#[tokio::test]
async fn calls_reach_the_provider() {
    let rec = Arc::new(Recorder::default());
    let app = || {
        ApiBuilder::new(Arc::new(storage()), Default::default())
            .admin(rec.clone())
            .router()
    };
    let a = post_form(app(), "/api/v1/admin/tsdb/snapshot", "skip_head=true").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        a.json()["data"]["name"],
        "20231114T221320Z-0000000000000001"
    );
    let a = post_form(app(), "/api/v1/admin/tsdb/snapshot", "skip_head=maybe").await;
    assert_eq!(a.json()["errorType"], "bad_data");

    let a = post_form(
        app(),
        "/api/v1/admin/tsdb/delete_series",
        "match[]=up{job=\"node\"}&start=10&end=20.5",
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
    let a = post_form(app(), "/api/v1/admin/tsdb/delete_series", "start=1").await;
    assert_eq!(a.json()["errorType"], "bad_data");

    let a = post_form(app(), "/api/v1/admin/tsdb/clean_tombstones", "").await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.json()["error"], "disk on fire");

    let calls = rec.0.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0], "snapshot true");
    assert!(calls[1].starts_with("delete "), "{calls:?}");
    assert!(calls[1].ends_with(" 10000 20500"), "{calls:?}");
    assert!(calls[1].contains("job=\"node\""), "{calls:?}");
}
