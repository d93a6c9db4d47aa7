//! The Microsoft identity platform v2 on `login.localhost`: discovery and keys (`discovery`),
//! authorize with its sign-in and consent pages (`authorize`, `pages`), the token endpoint's code
//! and refresh grants (`token`), logout (`logout`). Scopes and consent (`scopes`), the signed
//! tokens (`claims`), the browser session (`session`), the tenant segment (`tenant`) and the
//! AADSTS refusals (`errors`) are shared by them. Every refusal copies Entra ID's documented
//! one, code and message; this module only routes.

use std::sync::Arc;

use axum::middleware::map_response;
use axum::routing::{any, get, post};
use axum::Router;

use crate::state::Shared;
use crate::wire::{self, Resp};

mod authorize;
mod claims;
mod discovery;
mod errors;
mod logout;
mod pages;
mod scopes;
mod session;
mod tenant;
mod token;

pub use claims::mint_for;
pub use scopes::{grant_consent, set_admin_consent};

/// The identity platform's router. What no route takes (an unknown tenant or page, the token
/// endpoint with GET) gets the platform's own error page or JSON error (`tenant::fallback`);
/// a GET route does not answer HEAD.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration).head(tenant::fallback),
        )
        .route(
            "/{tenant}/discovery/v2.0/keys",
            get(discovery::keys).head(tenant::fallback),
        )
        .route(
            "/{tenant}/discovery/keys",
            get(discovery::keys).head(tenant::fallback),
        )
        .route(
            "/common/discovery/instance",
            any(discovery::instance_discovery),
        )
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::authorize).head(tenant::fallback),
        )
        .route("/{tenant}/login", post(authorize::sign_in))
        .route("/{tenant}/consent", post(authorize::consent))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token))
        .route(
            "/{tenant}/oauth2/v2.0/logout",
            get(logout::logout_get)
                .post(logout::logout_post)
                .head(tenant::fallback),
        )
        .fallback(tenant::fallback)
        .method_not_allowed_fallback(tenant::fallback)
        .layer(map_response(deny_framing))
}

/// Like Entra ID, the sign-in pages refuse to be framed (redirects still work in frames).
async fn deny_framing(mut r: Resp) -> Resp {
    let is_html = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        wire::set_header(&mut r, "x-frame-options", "DENY");
        wire::set_header(&mut r, "content-security-policy", "frame-ancestors 'none'");
    }
    r
}

#[cfg(test)]
mod tests {
    use axum::body::{to_bytes, Body};
    use axum::http::{Method, Request, StatusCode};
    use serde_json::Value;
    use tower::ServiceExt as _;

    use super::*;

    const TENANT: &str = "contoso.onmicrosoft.com";

    /// Sends `method path` to the router; the status, the headers and the body as text.
    async fn send(method: Method, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "login.localhost:1")
            .body(Body::empty())
            .unwrap();
        let r = router()
            .with_state(Shared::for_tests())
            .oneshot(req)
            .await
            .unwrap();
        let (parts, body) = r.into_parts();
        let body = to_bytes(body, usize::MAX).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    fn error_codes(body: &str) -> Value {
        serde_json::from_str::<Value>(body).unwrap()["error_codes"].clone()
    }

    #[tokio::test]
    async fn discovery_names_the_tenant_as_sent_and_a_multi_tenant_issuer() {
        let (status, _, body) = send(
            Method::GET,
            "/organizations/v2.0/.well-known/openid-configuration",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let doc: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["issuer"], "http://login.localhost:1/{tenantid}/v2.0");
        assert_eq!(
            doc["token_endpoint"],
            "http://login.localhost:1/organizations/oauth2/v2.0/token"
        );
        let (_, _, body) = send(
            Method::GET,
            &format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
        )
        .await;
        let doc: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            doc["issuer"],
            format!("http://login.localhost:1/{}/v2.0", crate::state::TENANT_ID)
        );
    }

    #[tokio::test]
    async fn keys_and_instance_discovery_are_served_beside_each_other() {
        for path in [
            "/common/discovery/keys",
            "/common/discovery/v2.0/keys",
            &format!("/{TENANT}/discovery/keys"),
        ] {
            let (status, _, body) = send(Method::GET, path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(body.contains("\"keys\""), "{path}: {body}");
        }
        let (status, _, body) = send(Method::POST, "/common/discovery/instance").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("tenant_discovery_endpoint"));
        // Only `common`, in lower case, has instance discovery.
        let (status, _, _) = send(Method::GET, "/COMMON/discovery/instance").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn an_unknown_tenant_is_aadsts90002_as_a_page_or_as_json_on_the_token_endpoint() {
        let (status, headers, body) =
            send(Method::GET, "/fabrikam.com/oauth2/v2.0/authorize").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("90002") && body.contains("Tenant &#39;fabrikam.com&#39; not found"));
        assert_eq!(headers["x-frame-options"], "DENY");
        let (status, _, body) = send(Method::POST, "/fabrikam.com/oauth2/v2.0/token").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error_codes(&body), serde_json::json!([90002]));
        // The tenant is checked before the method.
        let (_, _, body) = send(Method::GET, "/fabrikam.com/oauth2/v2.0/token").await;
        assert_eq!(error_codes(&body), serde_json::json!([90002]));
        for path in ["/", "/common", "/common/", "/fabrikam.com/nothing"] {
            let (status, _, body) = send(Method::GET, path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
            assert!(body.contains("90002"), "{path}");
        }
    }

    #[tokio::test]
    async fn the_token_endpoint_takes_only_post() {
        for method in [Method::GET, Method::PUT, Method::OPTIONS] {
            let (status, headers, body) =
                send(method.clone(), &format!("/{TENANT}/oauth2/v2.0/token")).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
            assert!(headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"));
            assert_eq!(error_codes(&body), serde_json::json!([900561]));
        }
    }

    #[tokio::test]
    async fn other_pages_and_methods_are_aadsts900144_not_found_pages() {
        for (method, path) in [
            (Method::GET, format!("/{TENANT}/nothing")),
            (Method::GET, format!("/{TENANT}/oauth2/v2.0/authorize/")),
            (Method::POST, format!("/{TENANT}/oauth2/v2.0/authorize")),
            (Method::HEAD, format!("/{TENANT}/oauth2/v2.0/authorize")),
            (Method::GET, format!("/{TENANT}/login")),
            (Method::DELETE, format!("/{TENANT}/oauth2/v2.0/logout")),
        ] {
            let (status, headers, _) = send(method.clone(), &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
            assert_eq!(headers["content-security-policy"], "frame-ancestors 'none'");
        }
    }

    #[tokio::test]
    async fn extra_leading_slashes_are_ignored() {
        let (status, _, body) = send(
            Method::GET,
            &format!("//{TENANT}/v2.0/.well-known/openid-configuration"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _, body) = send(Method::GET, "///fabrikam.com/oauth2/v2.0/authorize").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("Tenant &#39;fabrikam.com&#39; not found"));
    }

    #[tokio::test]
    async fn a_missing_client_id_is_the_error_page_and_logout_without_a_target_is_the_signed_out_page(
    ) {
        let (status, headers, body) = send(
            Method::GET,
            &format!("/{TENANT}/oauth2/v2.0/authorize?client_id="),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("900144") && body.contains("&#39;client_id&#39;"));
        assert_eq!(headers["x-frame-options"], "DENY");
        let (status, headers, _) =
            send(Method::GET, &format!("/{TENANT}/oauth2/v2.0/logout")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers.get_all("set-cookie").iter().count(), 2);
    }
}
