//! The endpoints, grouped by what they read: [`query`] the PromQL
//! engine, [`meta`] the storage's index, [`status`] the providers,
//! [`federate`] the latest samples as text exposition, [`admin`] the
//! TSDB's maintenance.
//!
//! Every handler takes [`Params`](crate::Params) (URL query plus form
//! body) and answers [`Success`](crate::json::Success) or
//! [`Error`](crate::Error).

pub mod admin;
pub mod federate;
pub mod meta;
pub mod query;
pub mod status;

use axum::extract::{FromRequest, Request};

use crate::{Error, Params};

/// The largest form body read, 16 MiB.
const MAX_BODY: usize = 16 << 20;

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Params, Error> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|e| Error::BadData(format!("error parsing form values: {e}")))?;
        Ok(Params::from_request(
            parts.uri.query(),
            &parts.headers,
            &bytes,
        ))
    }
}
