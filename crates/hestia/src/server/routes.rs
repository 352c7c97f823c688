//! The server's router: the Prometheus API from `hestia-api` with the
//! real providers, the server's own `/metrics`, and the lifecycle
//! endpoints (`/-/reload`, `/-/quit`), which answer `403` unless
//! `--web.enable-lifecycle` is set, with Prometheus' texts.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use hestia_api::ApiBuilder;
use hestia_instrument::exporter::Exporter;
use hestia_storage::Queryable;

use super::providers::Views;
use super::Shared;

/// Every route of the server.
pub fn router(shared: &Arc<Shared>) -> Router {
    let views = Arc::new(Views(shared.clone()));
    let mut api = ApiBuilder::new(
        shared.db.clone() as Arc<dyn Queryable>,
        shared.engine.clone(),
    )
    .build_info(hestia_api::BuildInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        revision: option_env!("HESTIA_REVISION").unwrap_or("").into(),
        branch: option_env!("HESTIA_BRANCH").unwrap_or("").into(),
        build_user: String::new(),
        build_date: String::new(),
        go_version: "rust".into(),
    })
    .flags(shared.options.flags.clone())
    .targets(views.clone())
    .rules(views.clone())
    .metadata(views.clone())
    .runtime_info(views.clone())
    .tsdb_stats(views.clone())
    .config(views.clone());
    if shared.options.enable_admin_api {
        api = api.admin(views);
    }
    let exporter =
        Exporter::new(shared.metrics.registry.clone()).version(env!("CARGO_PKG_VERSION"));
    let lifecycle = Router::new()
        .route("/-/reload", post(reload).put(reload))
        .route("/-/quit", post(quit).put(quit))
        .with_state(shared.clone());
    api.router()
        .merge(exporter.router())
        .merge(lifecycle)
        .layer(axum::middleware::from_fn_with_state(
            shared.metrics.http.clone(),
            super::metrics::record_request,
        ))
}

const LIFECYCLE_DISABLED: &str = "Lifecycle API is not enabled.";

/// `POST|PUT /-/reload`: reloads the configuration; `500` with the reason
/// when the new configuration is refused (the old one keeps running).
async fn reload(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    if !shared.options.enable_lifecycle {
        return (StatusCode::FORBIDDEN, LIFECYCLE_DISABLED.to_owned());
    }
    match shared.reload().await {
        Ok(()) => (StatusCode::OK, String::new()),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload config: {e}\n"),
        ),
    }
}

/// `POST|PUT /-/quit`: asks the binary to shut down.
async fn quit(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    if !shared.options.enable_lifecycle {
        return (StatusCode::FORBIDDEN, LIFECYCLE_DISABLED);
    }
    shared.request_quit();
    (StatusCode::OK, "Requesting termination... Goodbye!")
}
