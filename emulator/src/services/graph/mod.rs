//! Microsoft Graph v1.0 on `graph.localhost`: users, groups, profile photos, `sendMail`,
//! `$batch`.
//!
//! One axum `Router` (`routes`): `/v1.0/$batch`, and the resources under `/v1.0` behind Graph's
//! admission (`admit`: the app's request rate, the bearer token, for Outlook's calls — photos
//! and `sendMail` — a request of the mailbox's budget and a slot of Outlook's concurrency
//! limit, and for photos the photo service's time). `$batch` admits its items the same way, all
//! at once, and sends each through the same resource routes. Paths are percent-decoded and
//! freed of empty segments before routing (`canonical_uri`). Handlers live in one file per
//! endpoint family: `users` (`/me`, `/users`), `photos`, `mail` (`sendMail`), `groups`,
//! `batch`; `error` holds Graph's refusals, `query` the OData query options and paging,
//! `filter` the `$filter` parser.

mod batch;
mod error;
mod filter;
mod groups;
mod mail;
mod photos;
mod query;
mod users;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::routing::{any, post};
use axum::Router;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::json;

use crate::pipeline::limits::{self, OutlookSlot};
use crate::services::bearer;
use crate::state::{Shared, GRAPH_APP_ID};
use crate::wire::codec::{encode_path, percent_decode, random_guid};
use crate::wire::graph::json as gjson;
use crate::wire::Resp;

/// Graph's router.
pub fn router() -> Router<Arc<Shared>> {
    super::rewrite_then_route(canonical, routes)
}

fn routes(shared: Arc<Shared>) -> Router {
    let resources = resources().with_state(shared.clone());
    let batch_items = resources.clone();
    Router::new()
        .route(
            "/v1.0/$batch",
            post(move |state, caller, request| {
                batch::batch(state, caller, request, batch_items.clone())
            })
            .fallback(batch::wrong_method),
        )
        .nest_service(
            "/v1.0",
            resources.layer(from_fn_with_state(shared.clone(), admission)),
        )
        .fallback(error::invalid_version)
        .layer(from_fn(request_ids))
        // The pipeline has read the body already, within its own limit.
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

/// The resources under `/v1.0`, for a request admitted by `admit`.
fn resources() -> Router<Arc<Shared>> {
    let mut r = Router::new()
        .route("/", any(service_document))
        .route("/users", any(users::list))
        .route("/groups", any(groups::list))
        .route("/groups/{id}", any(groups::group))
        .route("/groups/{id}/members", any(groups::members))
        .route(
            "/groups/{id}/members/microsoft.graph.user",
            any(groups::member_users),
        )
        .route(
            "/groups/{id}/transitiveMembers",
            any(groups::transitive_members),
        )
        .route(
            "/groups/{id}/transitiveMembers/microsoft.graph.user",
            any(groups::transitive_member_users),
        )
        .route("/organization", any(groups::organization));
    for user in ["/me", "/users/{id}"] {
        r = r
            .route(user, any(users::user))
            .route(&format!("{user}/photo"), any(photos::photo))
            .route(&format!("{user}/photo/$value"), any(photos::photo_value))
            .route(
                &format!("{user}/photo/{{*rest}}"),
                any(photos::photo_unknown),
            )
            .route(&format!("{user}/sendMail"), any(mail::send_mail))
            .route(&format!("{user}/photos"), any(photos::photos))
            .route(&format!("{user}/photos/{{size}}"), any(photos::size))
            .route(
                &format!("{user}/photos/{{size}}/$value"),
                any(photos::size_value),
            )
            .route(
                &format!("{user}/photos/{{size}}/{{*rest}}"),
                any(photos::size_unknown),
            )
            .route(&format!("{user}/{{segment}}"), any(users::unknown_segment))
            .route(
                &format!("{user}/{{segment}}/{{*rest}}"),
                any(users::unknown_segment),
            );
    }
    r.fallback(error::unknown_segment)
}

/// `/v1.0` itself.
async fn service_document(State(shared): State<Arc<Shared>>) -> Resp {
    gjson(
        StatusCode::OK,
        &json!({"@odata.context": format!("{}/v1.0/$metadata", shared.origin("graph")), "value": []}),
    )
}

/// Graph's paths as the routes expect them: percent-decoded once (re-encoded only where a URI
/// must be, so a path parameter decodes to the text sent), without empty segments, and
/// `sendMail` in any case spelt `sendMail` (Graph's segments are case-insensitive).
fn canonical(mut request: Request) -> Request {
    let uri = canonical_uri(request.uri().path(), request.uri().query());
    if let Ok(uri) = uri.parse() {
        *request.uri_mut() = uri;
    }
    request
}

/// What a query must not hold as it is (a `$batch` item's URL may hold anything).
const QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// `path?query` with the path made canonical (see `canonical`).
fn canonical_uri(path: &str, query: Option<&str>) -> String {
    let decoded = percent_decode(path);
    let segments: Vec<&str> = decoded
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.eq_ignore_ascii_case("sendMail") {
                "sendMail"
            } else {
                s
            }
        })
        .collect();
    let path = encode_path(&format!("/{}", segments.join("/")));
    match query {
        Some(q) => format!("{path}?{}", utf8_percent_encode(q, QUERY)),
        None => path,
    }
}

/// Whether a call (path decoded, after `/v1.0`) is answered by Outlook (Exchange Online): a
/// photo or `sendMail`. Outlook's limits apply to it ("Outlook service limits" name every
/// Outlook resource, not only photos).
pub fn is_outlook_path(path: &str) -> bool {
    photos::is_photo_path(path) || mail::is_mail_path(path)
}

/// Graph's admission of one call to a resource at `path` (decoded, after `/v1.0`): the app's
/// request rate, the token (401 in Graph's dialect), and for an Outlook call Outlook's limits:
/// a request of the app's budget for the mailbox and a concurrency slot, held by the caller
/// until the answer is made.
fn admit(
    shared: &Arc<Shared>,
    token: Option<&str>,
    path: &str,
) -> Result<Option<OutlookSlot>, Resp> {
    limits::graph_rate(shared, &bearer::app_key(token))?;
    let caller = bearer::validate_token(shared, token, GRAPH_APP_ID)
        .map_err(|e| error::unauthenticated(shared, e))?;
    if is_outlook_path(path) {
        limits::outlook_admit(shared, &caller.app_id, &mailbox_of(shared, &caller, path))
    } else {
        Ok(None)
    }
}

/// The mailbox an Outlook path is about: the caller's for `/me/…`, else the user `{id}` names
/// (by object id when the user exists).
fn mailbox_of(shared: &Shared, caller: &bearer::Caller, path: &str) -> String {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    match (segments.next(), segments.next()) {
        (Some("users"), Some(id)) => {
            let id = id.trim_matches('\'');
            shared
                .lock()
                .tenant
                .user(id)
                .map(|u| u.oid.clone())
                .unwrap_or_else(|| id.to_ascii_lowercase())
        }
        _ => caller.oid.clone(),
    }
}

/// The photo service's own time per photo call (a setting of the throttling model).
async fn photo_service_time(shared: &Shared, path: &str) {
    if photos::is_photo_path(path) {
        let ms = shared.lock().limits.photo_service_ms;
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }
}

/// `admit` in front of the resources, for calls that come over the wire.
async fn admission(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Resp {
    let path = percent_decode(request.uri().path());
    let slot = match admit(&shared, bearer::token(request.headers()), &path) {
        Ok(slot) => slot,
        Err(r) => return r,
    };
    photo_service_time(&shared, &path).await;
    let response = next.run(request).await;
    drop(slot);
    response
}

/// Every answer carries a `request-id`, and echoes the client's `client-request-id`.
async fn request_ids(request: Request, next: Next) -> Resp {
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .filter(|v| v.to_str().is_ok())
        .cloned();
    let mut r = next.run(request).await;
    if !r.headers().contains_key("request-id") {
        if let Ok(id) = HeaderValue::from_str(&random_guid()) {
            r.headers_mut().insert("request-id", id);
        }
    }
    if let Some(id) = client_request_id {
        r.headers_mut().insert("client-request-id", id);
    }
    r
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{HeaderMap, Method};
    use serde_json::Value;
    use tower::ServiceExt as _;

    use super::*;
    use crate::model::Limits;
    use crate::services::bearer::token_for_tests;

    struct Answer {
        status: u16,
        headers: HeaderMap,
        body: Value,
    }

    async fn call(
        shared: &Arc<Shared>,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Value,
    ) -> Answer {
        call_with(shared, method, uri, token, body, &[]).await
    }

    async fn call_with(
        shared: &Arc<Shared>,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "graph.localhost:1");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let body = if body.is_null() {
            Body::empty()
        } else {
            Body::from(body.to_string())
        };
        let r = router()
            .with_state(shared.clone())
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    fn code(a: &Answer) -> (u16, &str) {
        (a.status, a.body["error"]["code"].as_str().unwrap_or(""))
    }

    fn message(a: &Answer) -> &str {
        a.body["error"]["message"].as_str().unwrap_or("")
    }

    fn token(shared: &Shared, key: &str, scp: &str) -> String {
        token_for_tests(shared, key, GRAPH_APP_ID, scp)
    }

    #[tokio::test]
    async fn a_missing_or_foreign_token_is_refused_with_graphs_challenge() {
        let shared = Shared::for_tests();
        let a = call(&shared, Method::GET, "/v1.0/me", None, Value::Null).await;
        assert_eq!(code(&a), (401, "InvalidAuthenticationToken"));
        assert_eq!(message(&a), "Access token is empty.");
        assert_eq!(
            a.headers["www-authenticate"],
            format!("Bearer realm=\"\", authorization_uri=\"http://login.localhost:1/common/oauth2/authorize\", client_id=\"{GRAPH_APP_ID}\"")
        );
        assert!(a.headers.contains_key("request-id"));
        let sp = token_for_tests(&shared, "adele", "http://contoso-my.localhost:1", "");
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/me/photo",
            Some(&sp),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (401, "InvalidAuthenticationToken"));
        assert!(message(&a).contains("audience"));
        // Before the token, the version: no token needed to learn it is wrong.
        let a = call(&shared, Method::GET, "/beta/me", None, Value::Null).await;
        assert_eq!(
            (code(&a), message(&a)),
            ((400, "BadRequest"), "Invalid version: beta")
        );
    }

    #[tokio::test]
    async fn unknown_segments_users_and_groups() {
        let shared = Shared::for_tests();
        let t = token(&shared, "admin", "User.Read.All GroupMember.Read.All");
        for (path, segment) in [
            ("/v1.0/nope/x", "nope"),
            ("/v1.0/me/manager", "manager"),
            (
                "/v1.0/users/adele@contoso.onmicrosoft.com/drive/root",
                "drive",
            ),
            ("/v1.0/groups/x/owners", "groups"),
        ] {
            let a = call(&shared, Method::GET, path, Some(&t), Value::Null).await;
            assert_eq!(code(&a), (400, "BadRequest"), "{path}");
            assert_eq!(
                message(&a),
                format!("Resource not found for the segment '{segment}'."),
                "{path}"
            );
        }
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/users/nobody@x/photo",
            Some(&t),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (404, "Request_ResourceNotFound"));
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/groups/nope",
            Some(&t),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (404, "Request_ResourceNotFound"));
        // `/v1.0` itself, and a path sent percent-encoded, with quotes around the id.
        let a = call(&shared, Method::GET, "/v1.0", Some(&t), Value::Null).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body["value"], serde_json::json!([]));
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/users/'adele%40contoso.onmicrosoft.com'/photo/%24value",
            Some(&t),
            Value::Null,
        )
        .await;
        assert_eq!(a.status, 200);
        assert!(a.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/"));
    }

    #[tokio::test]
    async fn scopes_methods_and_query_options_are_refused_like_graph() {
        let shared = Shared::for_tests();
        let own = token(&shared, "adele", "User.Read");
        let a = call(&shared, Method::GET, "/v1.0/users", Some(&own), Value::Null).await;
        assert_eq!(code(&a), (403, "Authorization_RequestDenied"));
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/users/alex@contoso.onmicrosoft.com",
            Some(&own),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (403, "Authorization_RequestDenied"));
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/groups",
            Some(&own),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (403, "Authorization_RequestDenied"));
        // The scope is checked before the method.
        let a = call(&shared, Method::POST, "/v1.0/me", Some(&own), Value::Null).await;
        assert_eq!(code(&a), (405, "Request_BadRequest"));
        let a = call(
            &shared,
            Method::PUT,
            "/v1.0/me/photo/$value",
            Some(&own),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (403, "Authorization_RequestDenied"));
        let writer = token(&shared, "adele", "User.ReadWrite");
        let a = call(
            &shared,
            Method::PUT,
            "/v1.0/me/photos/48x48",
            Some(&writer),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (405, "BadRequest"));
        let a = call(
            &shared,
            Method::PUT,
            "/v1.0/me/photo/$value",
            Some(&writer),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (400, "ErrorInvalidImage"));
        // A body over axum's default limit reaches the handler (the pipeline sets the limit).
        let big = Value::String("x".repeat(3_000_000));
        let a = call(
            &shared,
            Method::PUT,
            "/v1.0/me/photo/$value",
            Some(&writer),
            big,
        )
        .await;
        assert_eq!(code(&a), (400, "ErrorInvalidImage"));
        // No mailbox comes before any photo answer.
        let lee = token(&shared, "lee", "User.Read");
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/me/photos/48x48/$value",
            Some(&lee),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (404, "MailboxNotEnabledForRESTAPI"));
        // A size the photo does not come in.
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/me/photos/50x50",
            Some(&own),
            Value::Null,
        )
        .await;
        assert_eq!(code(&a), (404, "ImageNotFound"));
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/me/photos/48x48/nope",
            Some(&own),
            Value::Null,
        )
        .await;
        assert_eq!(message(&a), "Resource not found for the segment 'nope'.");

        let admin = token(&shared, "admin", "User.Read.All");
        for (query, code_wanted) in [
            ("$top=0", "Request_BadRequest"),
            ("$top=1000", "Request_BadRequest"),
            ("$skiptoken=abc", "Request_BadRequest"),
            ("$select=nope", "BadRequest"),
            ("$filter=officeLocation eq 'x'", "Request_UnsupportedQuery"),
            ("$filter=displayName eq", "BadRequest"),
        ] {
            let uri = format!("/v1.0/users?{}", query.replace(' ', "%20"));
            let a = call(&shared, Method::GET, &uri, Some(&admin), Value::Null).await;
            assert_eq!(code(&a), (400, code_wanted), "{query}");
        }
        // `$count` and `ne` only in an advanced query (`ConsistencyLevel: eventual`).
        for query in ["$top=2&$count=true", "$filter=accountEnabled%20ne%20false"] {
            let uri = format!("/v1.0/users?{query}");
            let a = call(&shared, Method::GET, &uri, Some(&admin), Value::Null).await;
            assert_eq!(a.status, 400, "{query}");
        }
        let eventual = [("ConsistencyLevel", "eventual")];
        let a = call_with(
            &shared,
            Method::GET,
            "/v1.0/users?$filter=accountEnabled%20ne%20false&$count=true",
            Some(&admin),
            Value::Null,
            &eventual,
        )
        .await;
        assert_eq!(a.body["@odata.count"], 8);
        let a = call_with(
            &shared,
            Method::GET,
            "/v1.0/users?$top=2&$count=true",
            Some(&admin),
            Value::Null,
            &eventual,
        )
        .await;
        assert_eq!(a.body["value"].as_array().unwrap().len(), 2);
        assert_eq!(a.body["@odata.count"], 8);
        assert!(a.body["@odata.nextLink"]
            .as_str()
            .unwrap()
            .starts_with("http://graph.localhost:1/v1.0/users?"));
    }

    #[tokio::test]
    async fn batch_refusals_and_items_through_the_same_routes() {
        let shared = Shared::for_tests();
        let t = token(&shared, "admin", "User.Read.All");
        let a = call(&shared, Method::GET, "/v1.0/$batch", Some(&t), Value::Null).await;
        assert_eq!(
            (code(&a), message(&a)),
            ((405, "BadRequest"), "Use POST for $batch.")
        );
        for bad in [
            json!({"nope": []}),
            json!({"requests": [{"id": "1", "url": "/me"}]}),
            json!({"requests": [{"id": true, "method": "GET", "url": "/me"}]}),
        ] {
            let a = call(&shared, Method::POST, "/v1.0/$batch", Some(&t), bad).await;
            assert_eq!(message(&a), "Invalid batch payload format.");
        }
        let twice = json!({"requests": [
            {"id": "1", "method": "GET", "url": "/me"},
            {"id": "1", "method": "GET", "url": "/me"},
        ]});
        let a = call(&shared, Method::POST, "/v1.0/$batch", Some(&t), twice).await;
        assert_eq!(message(&a), "Batch request contains a duplicate id '1'.");
        // The payload is checked before the token.
        let a = call(&shared, Method::POST, "/v1.0/$batch", None, json!({})).await;
        assert_eq!(a.status, 400);
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/$batch",
            None,
            json!({"requests": []}),
        )
        .await;
        assert_eq!(code(&a), (401, "InvalidAuthenticationToken"));

        shared.lock().limits = Limits {
            graph_requests_per_second: Some(2),
            ..Limits::default()
        };
        let items = json!({"requests": [
            {"id": "a", "method": "GET", "url": "/v1.0/users/adele@contoso.onmicrosoft.com?$select=displayName"},
            {"id": "b", "method": "GET", "url": "https://graph.microsoft.com/v1.0/$batch"},
            {"id": "c", "method": "GET", "url": "users?$filter=startswith(displayName,'a')"},
            {"id": "d", "method": "GET", "url": "/me"},
        ]});
        let a = call(&shared, Method::POST, "/v1.0/$batch", Some(&t), items).await;
        assert_eq!(a.status, 200);
        let item = |id: &str| {
            a.body["responses"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(item("a")["status"], 200);
        assert_eq!(item("a")["body"]["displayName"], "Adele Vance");
        assert_eq!(
            item("b")["body"]["error"]["message"],
            "Nested batches are not allowed."
        );
        assert_eq!(item("c")["status"], 200, "a query with spaces and quotes");
        assert_eq!(item("c")["body"]["value"].as_array().unwrap().len(), 2);
        // Two calls a second: the third admitted item is throttled, with its own Retry-After.
        assert_eq!(item("d")["status"], 429);
        assert_eq!(item("d")["headers"]["Retry-After"], "1");
        assert_eq!(item("d")["body"]["error"]["code"], "TooManyRequests");
    }

    fn message_to(addresses: &[&str]) -> Value {
        let to: Vec<Value> = addresses
            .iter()
            .map(|a| json!({"emailAddress": {"address": a}}))
            .collect();
        json!({"message": {
            "subject": "Your profile photo",
            "body": {"contentType": "HTML", "content": "<a href=\"http://app.localhost:1/\">Sync</a>"},
            "toRecipients": to,
        }})
    }

    const ADELE: &str = "adele@contoso.onmicrosoft.com";

    #[tokio::test]
    async fn send_mail_takes_mail_send_and_the_callers_own_mailbox_only() {
        let shared = Shared::for_tests();
        let body = message_to(&[ADELE]);
        let reader = token(&shared, "admin", "User.Read.All Mail.Read");
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&reader),
            body.clone(),
        )
        .await;
        assert_eq!(
            (code(&a), message(&a)),
            (
                (403, "ErrorAccessDenied"),
                "Access is denied. Check credentials and try again."
            )
        );
        let sender = token(&shared, "admin", "Mail.Send");
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&sender),
            body.clone(),
        )
        .await;
        assert_eq!(a.status, 202);
        assert_eq!(a.body, Value::Null, "no body");
        assert!(a.headers.contains_key("request-id"));
        // The own mailbox by UPN or object id, in any case of the segment.
        let oid = shared
            .lock()
            .tenant
            .user("admin@contoso.onmicrosoft.com")
            .unwrap()
            .oid
            .clone();
        for path in [
            "/v1.0/users/admin@contoso.onmicrosoft.com/sendMail".to_string(),
            format!("/v1.0/users/{oid}/SENDMAIL"),
        ] {
            let a = call(&shared, Method::POST, &path, Some(&sender), body.clone()).await;
            assert_eq!(a.status, 202, "{path}");
        }
        // Another user's mailbox needs Send As, which a delegated token does not carry.
        let a = call(
            &shared,
            Method::POST,
            &format!("/v1.0/users/{ADELE}/sendMail"),
            Some(&sender),
            body.clone(),
        )
        .await;
        assert_eq!(code(&a), (403, "ErrorAccessDenied"));
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/users/nobody@x.com/sendMail",
            Some(&sender),
            body.clone(),
        )
        .await;
        assert_eq!(
            (code(&a), message(&a)),
            (
                (404, "ErrorInvalidUser"),
                "The requested user 'nobody@x.com' is invalid."
            )
        );
        let a = call(
            &shared,
            Method::GET,
            "/v1.0/me/sendMail",
            Some(&sender),
            Value::Null,
        )
        .await;
        assert_eq!(a.status, 405);
        let lee = token(&shared, "lee", "Mail.Send");
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&lee),
            body.clone(),
        )
        .await;
        assert_eq!(code(&a), (404, "MailboxNotEnabledForRESTAPI"));
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&sender),
            json!({"message": {}}),
        )
        .await;
        assert_eq!(code(&a), (400, "ErrorInvalidRecipients"));

        let mail = shared.lock().sent_mail.clone();
        assert_eq!(mail.len(), 3, "the accepted ones only");
        assert_eq!(mail.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3]);
        let m = &mail[0];
        assert_eq!(m.sender, "admin@contoso.onmicrosoft.com");
        assert_eq!(m.app_id, "test-app");
        assert!(m.is_addressed_to("ADELE@contoso.onmicrosoft.com"));
        assert_eq!(m.subject, "Your profile photo");
        assert_eq!(m.body_content_type, "HTML");
        assert!(m.body.contains("http://app.localhost:1/"));
        assert!(m.save_to_sent_items);
        assert_eq!(m.sent_ms, m.accepted_ms);
    }

    #[tokio::test]
    async fn send_mail_keeps_exchanges_sending_limits() {
        let shared = Shared::for_tests();
        // Refused rather than carried over (the documented default), to see the 429.
        shared.lock().limits.mail_over_rate = crate::model::MailOverRate::Refuse;
        let t = token(&shared, "admin", "Mail.Send");
        let many: Vec<String> = (0..501).map(|i| format!("u{i}@contoso.com")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&t),
            message_to(&many),
        )
        .await;
        assert_eq!(
            code(&a),
            (400, "ErrorInvalidRecipients"),
            "over 500 recipients"
        );
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&t),
            message_to(&many[..500]),
        )
        .await;
        assert_eq!(a.status, 202, "500 recipients");
        for i in 1..30 {
            let a = call(
                &shared,
                Method::POST,
                "/v1.0/me/sendMail",
                Some(&t),
                message_to(&[ADELE]),
            )
            .await;
            assert_eq!(a.status, 202, "message {}", i + 1);
        }
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&t),
            message_to(&[ADELE]),
        )
        .await;
        assert_eq!(
            code(&a),
            (429, "ApplicationThrottled"),
            "the 31st of the minute"
        );
        let wait: f64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1.0..=60.0).contains(&wait), "{wait}");
        assert_eq!(shared.lock().sent_mail.len(), 30);
        // Per mailbox: another sender still sends.
        let other = token(&shared, "alex", "Mail.Send");
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&other),
            message_to(&[ADELE]),
        )
        .await;
        assert_eq!(a.status, 202);
        // `--limits off`: no sending limits.
        shared.lock().limits = Limits::default();
        shared.lock().clear_windows();
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&t),
            message_to(&many),
        )
        .await;
        assert_eq!(a.status, 202);
    }

    #[tokio::test]
    async fn send_mail_in_a_batch_is_an_outlook_item_like_any_other() {
        let shared = Shared::for_tests();
        let t = token(&shared, "admin", "Mail.Send User.Read");
        let items: Vec<Value> = ["1", "2", "3"]
            .iter()
            .map(|id| {
                json!({"id": id, "method": "POST", "url": "/me/sendMail",
                    "headers": {"Content-Type": "application/json"},
                    "body": message_to(&[ADELE])})
            })
            .collect();
        let mut items = items;
        items.push(json!({"id": "4", "method": "POST", "url": "/users/adele@contoso.onmicrosoft.com/sendMail",
            "headers": {"Content-Type": "application/json"}, "body": message_to(&[ADELE])}));
        let a = call(
            &shared,
            Method::POST,
            "/v1.0/$batch",
            Some(&t),
            json!({"requests": items}),
        )
        .await;
        assert_eq!(a.status, 200);
        let responses = a.body["responses"].as_array().unwrap();
        let status = |id: &str| responses.iter().find(|r| r["id"] == id).unwrap()["status"].clone();
        for id in ["1", "2", "3"] {
            assert_eq!(status(id), 202, "{id}");
            let r = responses.iter().find(|r| r["id"] == id).unwrap();
            assert!(r.get("body").is_none(), "202 has no body: {r}");
        }
        assert_eq!(status("4"), 403);
        assert_eq!(shared.lock().sent_mail.len(), 3);
        // Outlook's own limits count sendMail too: a mailbox's request budget.
        shared.lock().limits = Limits {
            outlook_requests_per_mailbox: Some(1),
            ..Limits::default()
        };
        shared.lock().clear_windows();
        let first = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&t),
            message_to(&[ADELE]),
        )
        .await;
        assert_eq!(first.status, 202);
        let second = call(
            &shared,
            Method::POST,
            "/v1.0/me/sendMail",
            Some(&t),
            message_to(&[ADELE]),
        )
        .await;
        assert_eq!(code(&second), (429, "ApplicationThrottled"));
    }
}
