//! The second layer from the top: the control API on `control.localhost` (JSON under
//! `/control/…`), its typed client (`client`), the state snapshot tests assert on
//! (`snapshot`) and the ground truth of an audit (`truth`). Not logged and not delayed: it bypasses the pipeline. Uses services (consent,
//! minted tokens, the generated config), state and wire.
//!
//! The handlers, by what they control: `runtime` (reset, seed, state, log, faults, limits,
//! switches, SharePoint's permission rules, the app's config), `sign_in` (registration,
//! lifetimes, consent and admin consent, tokens) and `tenant_data` (photos, files, users,
//! profiles, site collection administrators, sent mail). Each takes its body as `extract::Json`
//! (lenient: the browser tests post without a `Content-Type`) and answers `Done`, an `Answer` or
//! a `Refusal`. Any origin may call the API, and `OPTIONS` on any path is a 204, so pages under
//! test can call it with `fetch`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use tower::ServiceExt as _;

mod client;
mod extract;
mod runtime;
mod sign_in;
mod snapshot;
mod tenant_data;
mod truth;

pub use client::ControlClient;
use extract::Refusal;

use crate::state::Shared;
use crate::wire;

/// The control API's router (`control.localhost`, not logged, no pipeline).
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/control/health", get_only(runtime::health))
        .route("/control/reset", post(runtime::reset_to_start))
        .route("/control/seed", post(runtime::seed))
        .route(
            "/control/faults",
            get_only(runtime::faults)
                .post(runtime::add_fault)
                .delete(runtime::clear_faults),
        )
        .route(
            "/control/limits",
            get_only(runtime::limits).post(runtime::set_limits),
        )
        .route(
            "/control/limits/documented",
            post(runtime::set_documented_limits),
        )
        .route(
            "/control/token-lifetimes",
            post(sign_in::set_token_lifetimes),
        )
        .route("/control/expire-tokens", post(sign_in::expire_tokens))
        .route(
            "/control/app-config",
            get_only(runtime::app_config).post(runtime::set_app_config),
        )
        .route(
            "/control/registration",
            get_only(sign_in::registration).post(sign_in::set_registration),
        )
        .route("/control/admin-refusal", post(runtime::set_admin_refusal))
        .route(
            "/control/expose-retry-after",
            post(runtime::set_expose_retry_after),
        )
        .route(
            "/control/preflight-max-age",
            post(runtime::set_preflight_max_age),
        )
        .route("/control/consent", post(sign_in::consent))
        .route("/control/admin-consent", post(sign_in::set_admin_consent))
        .route(
            "/control/sharepoint-scope-rules",
            get_only(runtime::sharepoint_scope_rules).post(runtime::set_sharepoint_scope_rules),
        )
        .route("/control/consent/revoke", post(sign_in::revoke_consent))
        .route("/control/state", get_only(runtime::state))
        .route("/control/tenant/truth", get_only(runtime::truth))
        .route("/control/file", get_only(tenant_data::file))
        .route(
            "/control/exchange-photo",
            get_only(tenant_data::exchange_photo)
                .put(tenant_data::set_exchange_photo)
                .post(tenant_data::set_exchange_photo)
                .delete(tenant_data::delete_exchange_photo),
        )
        .route(
            "/control/log",
            get_only(runtime::log).delete(runtime::clear_log),
        )
        .route(
            "/control/intranet-page",
            post(runtime::set_intranet_page)
                .put(runtime::set_intranet_page)
                .delete(runtime::clear_intranet_page),
        )
        .route("/control/latency", post(runtime::set_latency))
        .route("/control/photo-folder", post(tenant_data::set_photo_folder))
        .route("/control/user-field", post(tenant_data::set_user_field))
        .route(
            "/control/profile-property",
            post(tenant_data::set_profile_property),
        )
        .route("/control/tamper-id-token", post(sign_in::tamper_id_token))
        .route("/control/clock-skew", post(runtime::set_clock_skew))
        .route(
            "/control/sharepoint-stale-reads",
            post(runtime::set_sharepoint_stale_reads),
        )
        .route(
            "/control/production-headers",
            post(runtime::set_production_headers),
        )
        .route("/control/token", post(sign_in::token))
        .route(
            "/control/mail",
            get_only(tenant_data::mail).delete(tenant_data::clear_mail),
        )
        .route("/control/mail/clear", post(tenant_data::clear_mail))
        .route(
            "/control/site-collection-admins",
            get_only(tenant_data::site_collection_admins)
                .post(tenant_data::set_site_collection_admins),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(from_fn(open_to_every_origin))
}

/// A GET route that does not answer HEAD (axum would run the GET handler).
fn get_only<H, T>(handler: H) -> MethodRouter<Arc<Shared>>
where
    H: axum::handler::Handler<T, Arc<Shared>>,
    T: 'static,
{
    get(handler).head(not_found)
}

/// `OPTIONS` on any path is a 204; every answer allows any origin.
async fn open_to_every_origin(req: Request, next: Next) -> Response {
    let mut r = if req.method() == Method::OPTIONS {
        wire::empty(StatusCode::NO_CONTENT)
    } else {
        next.run(req).await
    };
    wire::set_header(&mut r, "access-control-allow-origin", "*");
    wire::set_header(
        &mut r,
        "access-control-allow-methods",
        "GET, POST, PUT, DELETE, OPTIONS",
    );
    wire::set_header(&mut r, "access-control-allow-headers", "content-type");
    r
}

/// `not found: {method} {path}`. A path is read without its trailing slashes
/// (`/control/health/` is `/control/health`), so such a request is routed again without them.
async fn not_found(State(shared): State<Arc<Shared>>, mut req: Request) -> Response {
    let path = req.uri().path();
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() < path.len() && !trimmed.is_empty() {
        if let Ok(uri) = trimmed.parse::<Uri>() {
            *req.uri_mut() = uri;
            let Ok(r) = router().with_state(shared).oneshot(req).await;
            return r;
        }
    }
    Refusal::NotFound(format!("{} {trimmed}", req.method())).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::{to_bytes, Body};
    use axum::http::{Method, Request, StatusCode};
    use serde_json::{json, Value};
    use tower::ServiceExt as _;

    use super::*;

    async fn send(
        shared: &Arc<Shared>,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "control.localhost:1");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let r = router()
            .with_state(shared.clone())
            .oneshot(req.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let (parts, body) = r.into_parts();
        let body = to_bytes(body, usize::MAX).await.unwrap();
        let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (parts.status, parts.headers, value)
    }

    #[tokio::test]
    async fn a_json_body_is_read_with_any_or_no_content_type() {
        let shared = Shared::for_tests();
        for ct in [
            None,
            Some("text/plain;charset=UTF-8"),
            Some("application/json"),
        ] {
            let (status, _, body) = send(
                &shared,
                Method::POST,
                "/control/latency",
                ct,
                r#"{"ms": 7}"#,
            )
            .await;
            assert_eq!(
                (status, body),
                (StatusCode::OK, json!({"ok": true})),
                "{ct:?}"
            );
            assert_eq!(shared.lock().latency_ms, 7);
            shared.lock().latency_ms = 0;
        }
    }

    #[tokio::test]
    async fn an_empty_body_is_an_empty_object() {
        let shared = Shared::for_tests();
        shared.lock().refresh_tokens.clear();
        let (status, _, _) = send(&shared, Method::POST, "/control/expire-tokens", None, "").await;
        assert_eq!(status, StatusCode::OK);
        // A body whose fields are required is refused with serde's words.
        let (status, _, body) = send(&shared, Method::POST, "/control/latency", None, "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "missing field `ms` at line 1 column 2");
        let (status, _, body) = send(&shared, Method::POST, "/control/latency", None, "{").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"].as_str().unwrap().contains("EOF"));
    }

    #[tokio::test]
    async fn unknown_paths_and_methods_are_not_found_with_the_method_and_path() {
        let shared = Shared::for_tests();
        let (status, _, body) = send(&shared, Method::GET, "/control/nothing", None, "").await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"error": "not found: GET /control/nothing"})
            )
        );
        let (status, _, body) = send(&shared, Method::GET, "/control/reset", None, "").await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"error": "not found: GET /control/reset"})
            )
        );
        let (status, _, body) = send(&shared, Method::HEAD, "/control/health", None, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (_, _, body) = send(&shared, Method::GET, "/", None, "").await;
        assert_eq!(body, json!({"error": "not found: GET "}));
    }

    #[tokio::test]
    async fn trailing_slashes_are_ignored() {
        let shared = Shared::for_tests();
        let (status, _, body) = send(&shared, Method::GET, "/control/health//", None, "").await;
        assert_eq!((status, body), (StatusCode::OK, json!({"ok": true})));
        let (_, _, body) = send(&shared, Method::GET, "/control/reset/", None, "").await;
        assert_eq!(body, json!({"error": "not found: GET /control/reset"}));
    }

    #[tokio::test]
    async fn every_answer_is_open_to_every_origin_and_options_is_204_anywhere() {
        let shared = Shared::for_tests();
        for (method, path) in [
            (Method::OPTIONS, "/control/faults"),
            (Method::OPTIONS, "/anything"),
            (Method::GET, "/control/health"),
            (Method::GET, "/control/nothing"),
        ] {
            let (status, headers, _) = send(&shared, method.clone(), path, None, "").await;
            if method == Method::OPTIONS {
                assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
            }
            assert_eq!(
                headers["access-control-allow-origin"], "*",
                "{method} {path}"
            );
            assert_eq!(
                headers["access-control-allow-methods"],
                "GET, POST, PUT, DELETE, OPTIONS"
            );
            assert_eq!(headers["access-control-allow-headers"], "content-type");
        }
    }

    #[tokio::test]
    async fn refusals_name_what_is_missing() {
        let shared = Shared::for_tests();
        let (status, _, body) = send(
            &shared,
            Method::POST,
            "/control/user-field",
            None,
            r#"{"upn": "nobody", "field": "mail", "value": null}"#,
        )
        .await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"error": "not found: nobody"}))
        );
        let upn = shared.lock().tenant.users[0].upn.clone();
        let (status, _, body) = send(
            &shared,
            Method::POST,
            "/control/user-field",
            None,
            &json!({"upn": upn, "field": "displayName", "value": null}).to_string(),
        )
        .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::BAD_REQUEST,
                json!({"error": "displayName cannot be null"})
            )
        );
        let (status, _, body) = send(
            &shared,
            Method::GET,
            "/control/exchange-photo?upn=nobody",
            None,
            "",
        )
        .await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"error": "not found: nobody"}))
        );
        let (status, _, body) = send(
            &shared,
            Method::GET,
            "/control/file?path=%252Fnothing",
            None,
            "",
        )
        .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"error": "not found: /nothing"})
            )
        );
    }

    #[tokio::test]
    async fn the_mailbox_lists_and_empties_and_reset_empties_it() {
        let shared = Shared::for_tests();
        let mail = crate::model::SentMail {
            seq: 1,
            sender: "adele@contoso.onmicrosoft.com".into(),
            app_id: "app".into(),
            to: vec![crate::model::MailRecipient {
                address: "alex@contoso.onmicrosoft.com".into(),
                name: None,
            }],
            cc: vec![],
            bcc: vec![],
            subject: "s".into(),
            body_content_type: "Text".into(),
            body: "b".into(),
            save_to_sent_items: true,
            accepted_ms: 1,
            sent_ms: 1,
        };
        shared.lock().sent_mail.push(mail.clone());
        let (status, _, body) = send(&shared, Method::GET, "/control/mail", None, "").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!([mail]));
        let (_, _, state) = send(&shared, Method::GET, "/control/state", None, "").await;
        assert_eq!(state["sent_mail"], json!([mail]));
        let (status, _, _) = send(&shared, Method::DELETE, "/control/mail", None, "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(shared.lock().sent_mail.is_empty());
        shared.lock().sent_mail.push(mail.clone());
        send(&shared, Method::POST, "/control/mail/clear", None, "").await;
        assert!(shared.lock().sent_mail.is_empty());
        shared.lock().sent_mail.push(mail);
        shared.lock().mail_seq = 1;
        send(&shared, Method::POST, "/control/reset", None, "").await;
        assert!(shared.lock().sent_mail.is_empty());
        assert_eq!(shared.lock().mail_seq, 0);
    }

    #[tokio::test]
    async fn site_collection_admins_per_my_site_host() {
        let shared = Shared::for_tests();
        let (_, _, body) = send(
            &shared,
            Method::GET,
            "/control/site-collection-admins",
            None,
            "",
        )
        .await;
        assert_eq!(
            body,
            json!({"contoso-eu-my": [], "contoso-my": []}),
            "nobody at start"
        );
        for host in [
            "contoso-my",
            "http://contoso-my.localhost:1",
            "Contoso-My.localhost",
        ] {
            let (status, _, body) = send(
                &shared,
                Method::POST,
                "/control/site-collection-admins",
                None,
                &json!({"host": host, "users": ["ADMIN@contoso.onmicrosoft.com"]}).to_string(),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{host}: {body}");
        }
        let (_, _, body) = send(
            &shared,
            Method::GET,
            "/control/site-collection-admins",
            None,
            "",
        )
        .await;
        assert_eq!(
            body,
            json!({"contoso-eu-my": [], "contoso-my": ["admin@contoso.onmicrosoft.com"]})
        );
        let (status, _, body) = send(
            &shared,
            Method::POST,
            "/control/site-collection-admins",
            None,
            r#"{"host": "contoso-admin", "users": []}"#,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _, body) = send(
            &shared,
            Method::POST,
            "/control/site-collection-admins",
            None,
            r#"{"host": "contoso-my", "users": ["nobody"]}"#,
        )
        .await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"error": "not found: nobody"}))
        );
        // Replaced, not added to; reset forgets them.
        send(
            &shared,
            Method::POST,
            "/control/site-collection-admins",
            None,
            r#"{"host": "contoso-my", "users": []}"#,
        )
        .await;
        assert!(!shared
            .lock()
            .is_site_collection_admin(crate::state::Geo::Nam, "admin@contoso.onmicrosoft.com"));
        send(
            &shared,
            Method::POST,
            "/control/site-collection-admins",
            None,
            r#"{"host": "contoso-eu-my", "users": ["adele@contoso.onmicrosoft.com"]}"#,
        )
        .await;
        send(&shared, Method::POST, "/control/reset", None, "").await;
        assert!(shared.lock().site_collection_admins.is_empty());
    }
}
