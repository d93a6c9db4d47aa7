//! SharePoint Online: the My Site host and the admin host.

use std::sync::Arc;

use axum::http::StatusCode;

use crate::server::{self, Req, Resp};
use crate::store::Shared;

pub async fn handle(_shared: &Arc<Shared>, _req: &Req) -> Resp {
    server::text(StatusCode::NOT_FOUND, "Not found")
}
