//! How the control API reads and answers. It reads a JSON body whatever its `Content-Type` says
//! (the browser tests post with none), an empty body as `{}`; it answers JSON: `{"ok": true}`
//! for a change made, the data asked for, or `{"error": …}`.

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use crate::wire::{self, read_body, Resp};

/// A JSON body, read leniently: any or no `Content-Type`, and an empty body is `{}` (so a
/// handler whose type has defaults takes an empty POST). Up to 64 MiB, like every body.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Resp;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, Resp> {
        let body = read_body(req.into_body()).await?;
        let body: &[u8] = if body.is_empty() { b"{}" } else { &body };
        serde_json::from_slice(body)
            .map(Json)
            .map_err(|e| Refusal::BadRequest(e.to_string()).into_response())
    }
}

/// `{"ok": true}`: the change is made.
pub struct Done;

impl IntoResponse for Done {
    fn into_response(self) -> Response {
        wire::json(StatusCode::OK, &json!({"ok": true}))
    }
}

/// 200 with `T` as JSON.
pub struct Answer<T>(pub T);

impl<T: Serialize> IntoResponse for Answer<T> {
    fn into_response(self) -> Response {
        wire::json(StatusCode::OK, &json!(self.0))
    }
}

/// Why the control API did nothing: `{"error": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: the body or a value in it is wrong.
    BadRequest(String),
    /// 404 `not found: {what}`: no such user, file, photo or endpoint.
    NotFound(String),
    /// 500: the work could not be finished.
    Internal(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, error) = match self {
            Refusal::BadRequest(e) => (StatusCode::BAD_REQUEST, e),
            Refusal::NotFound(what) => (StatusCode::NOT_FOUND, format!("not found: {what}")),
            Refusal::Internal(e) => (StatusCode::INTERNAL_SERVER_ERROR, e),
        };
        wire::json(status, &json!({"error": error}))
    }
}
