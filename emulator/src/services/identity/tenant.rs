//! The tenant segment that starts every path (`/contoso.onmicrosoft.com/…`, `/{tenant id}/…`,
//! `/organizations/…`, `/common/…`), and what the platform answers when the tenant or the path is
//! unknown, or the method is wrong.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse as _;
use tower::ServiceExt as _;

use super::errors::{error_page, TokenError};
use crate::state::{Shared, TENANT_DOMAIN, TENANT_ID};
use crate::wire::Resp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantKind {
    /// The tenant itself, by domain or id.
    Specific,
    /// `organizations` or `common`: the issuer names `{tenantid}`.
    Multi,
}

/// The tenant segment as sent (not percent-decoded: pages and discovery echo it), known to be
/// this tenant or a multi-tenant alias. An unknown one is refused with AADSTS90002.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub segment: String,
    pub kind: TenantKind,
}

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = Resp;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Tenant, Resp> {
        let (segment, _) = split(parts.uri.path());
        match tenant_kind(segment) {
            Some(kind) => Ok(Tenant {
                segment: segment.to_string(),
                kind,
            }),
            None => Err(unmatched(&parts.uri)),
        }
    }
}

fn tenant_kind(t: &str) -> Option<TenantKind> {
    let t = t.to_ascii_lowercase();
    if t == TENANT_DOMAIN || t == TENANT_ID {
        Some(TenantKind::Specific)
    } else if t == "organizations" || t == "common" {
        Some(TenantKind::Multi)
    } else {
        None
    }
}

/// `/{tenant}/{rest}` → (tenant, rest), both raw.
fn split(path: &str) -> (&str, &str) {
    let path = path.trim_start_matches('/');
    path.split_once('/').unwrap_or((path, ""))
}

/// The answer to what no route takes: an unknown tenant (AADSTS90002, as JSON on token paths),
/// the token endpoint with another method than POST (AADSTS900561), any other page (AADSTS900144,
/// 404). A path is read without its extra leading slashes (`//common/…` is `/common/…`), so such
/// a request is routed again without them.
pub async fn fallback(State(shared): State<Arc<Shared>>, mut req: Request) -> Resp {
    if let Some(uri) = without_extra_leading_slashes(req.uri()) {
        *req.uri_mut() = uri;
        let Ok(r) = super::router().with_state(shared).oneshot(req).await;
        return r;
    }
    unmatched(req.uri())
}

fn without_extra_leading_slashes(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if !path.starts_with("//") {
        return None;
    }
    let path = format!("/{}", path.trim_start_matches('/'));
    let path_and_query = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse().ok()?);
    Uri::from_parts(parts).ok()
}

fn unmatched(uri: &Uri) -> Resp {
    let (tenant, rest) = split(uri.path());
    if rest.is_empty() || tenant_kind(tenant).is_none() {
        let message = format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
        if rest.ends_with("token") {
            return TokenError::bad("invalid_request", 90002, message).into_response();
        }
        return error_page(StatusCode::BAD_REQUEST, 90002, &message);
    }
    if rest == "oauth2/v2.0/token" {
        return TokenError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            error: "invalid_request",
            code: 900561,
            message: "The endpoint only accepts POST requests. Received a GET request.".into(),
        }
        .into_response();
    }
    error_page(
        StatusCode::NOT_FOUND,
        900144,
        "The requested page does not exist on this emulated identity platform.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_is_the_first_segment_as_sent() {
        assert_eq!(
            split("/contoso.onmicrosoft.com/oauth2/v2.0/token"),
            ("contoso.onmicrosoft.com", "oauth2/v2.0/token")
        );
        assert_eq!(split("/common"), ("common", ""));
        assert_eq!(split("/"), ("", ""));
        assert_eq!(split("//x"), ("x", ""));
    }

    #[test]
    fn the_tenant_is_known_by_domain_id_or_alias_in_any_case() {
        assert_eq!(
            tenant_kind("Contoso.OnMicrosoft.com"),
            Some(TenantKind::Specific)
        );
        assert_eq!(tenant_kind(TENANT_ID), Some(TenantKind::Specific));
        assert_eq!(tenant_kind("organizations"), Some(TenantKind::Multi));
        assert_eq!(tenant_kind("COMMON"), Some(TenantKind::Multi));
        assert_eq!(tenant_kind("fabrikam.onmicrosoft.com"), None);
        assert_eq!(tenant_kind(""), None);
    }
}
