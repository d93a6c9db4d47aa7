//! Microsoft Graph v1.0 on `graph.localhost`: users, groups, profile photos, `$batch`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

mod filter;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::Router;
use serde_json::{json, Map, Value};

use crate::model::LogEntry;
use crate::pipeline::limits;
use crate::services::bearer::{self as auth, AuthError, Caller};
use crate::state::*;
use crate::wire::codec::*;
use crate::wire::graph::{error, json as gjson};
use crate::wire::imaging::Blob;
use crate::wire::{self, Req, Resp};
use filter::FilterError;

fn not_found_segment(seg: &str) -> Resp {
    error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Resource not found for the segment '{seg}'."),
    )
}

fn denied() -> Resp {
    error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

fn auth_error(shared: &Shared, e: AuthError) -> Resp {
    let msg = match e {
        AuthError::Missing => "Access token is empty.",
        AuthError::Malformed => "IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.",
        AuthError::BadSignature => "Access token validation failure. Invalid signature.",
        AuthError::Expired => "Lifetime validation failed, the token is expired.",
        AuthError::NotYetValid => "Lifetime validation failed, the token is not yet valid.",
        AuthError::WrongAudience(_) => "Access token validation failure. Invalid audience.",
        AuthError::WrongIssuer => "Access token validation failure. Invalid issuer.",
        AuthError::UnknownUser => "The user of the access token does not exist.",
    };
    let mut r = error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", msg);
    wire::set_header(
        &mut r,
        "www-authenticate",
        &format!(
            "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"{GRAPH_APP_ID}\"",
            shared.origin("login")
        ),
    );
    r
}

/// One Graph call, from the wire or from a `$batch`.
struct Call {
    method: Method,
    /// Decoded path after `/v1.0`, e.g. `/me/photos/48x48/$value`.
    path: String,
    query: BTreeMap<String, String>,
    raw_query: Option<String>,
    bearer: Option<String>,
    body: Bytes,
}

/// Graph's router: every path under `/v1.0` (and `$batch`) goes to `handle`.
pub fn router() -> Router<Arc<Shared>> {
    Router::new().fallback(|State(shared): State<Arc<Shared>>, req: Req| async move {
        handle(&shared, &req).await
    })
}

pub async fn handle(shared: &Arc<Shared>, req: &Req) -> Resp {
    let mut r = handle_inner(shared, req).await;
    if !r.headers().contains_key("request-id") {
        wire::set_header(&mut r, "request-id", &random_guid());
    }
    if let Some(id) = req.header("client-request-id") {
        let id = id.to_string();
        wire::set_header(&mut r, "client-request-id", &id);
    }
    r
}

async fn handle_inner(shared: &Arc<Shared>, req: &Req) -> Resp {
    let path = req.decoded_path();
    let Some(rest) = path.strip_prefix("/v1.0") else {
        let v = path.trim_start_matches('/').split('/').next().unwrap_or("");
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Invalid version: {v}"),
        );
    };
    if rest == "/$batch" {
        if req.method != Method::POST {
            return error(
                StatusCode::METHOD_NOT_ALLOWED,
                "BadRequest",
                "Use POST for $batch.",
            );
        }
        return batch(shared, req).await;
    }
    let call = Call {
        method: req.method.clone(),
        path: rest.to_string(),
        query: req.query_map(),
        raw_query: req.query.clone(),
        bearer: req.bearer().map(str::to_string),
        body: req.body.clone(),
    };
    if let Err(r) = limits::graph_rate(shared, &auth::app_key(call.bearer.as_deref())) {
        return r;
    }
    let caller = match auth::validate_token(shared, call.bearer.as_deref(), GRAPH_APP_ID) {
        Ok(c) => c,
        Err(e) => return auth_error(shared, e),
    };
    let _slot = if is_photo_path(&call.path) {
        match limits::outlook_acquire(shared, &caller.app_id) {
            Ok(s) => s,
            Err(r) => return r,
        }
    } else {
        None
    };
    photo_service_time(shared, &call.path).await;
    route(shared, &call, &caller).await
}

fn is_photo_path(path: &str) -> bool {
    path.contains("/photo")
}

async fn photo_service_time(shared: &Shared, path: &str) {
    if is_photo_path(path) {
        let ms = shared.lock().limits.photo_service_ms;
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }
}

async fn route(shared: &Arc<Shared>, call: &Call, caller: &Caller) -> Resp {
    let segs: Vec<&str> = call
        .path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        ["me", rest @ ..] => user_resource(shared, call, caller, &caller.upn, true, rest).await,
        ["users"] => list_users(shared, call, caller),
        ["users", id, rest @ ..] => {
            let key = id.trim_matches('\'');
            let own =
                key.eq_ignore_ascii_case(&caller.upn) || key.eq_ignore_ascii_case(&caller.oid);
            user_resource(shared, call, caller, key, own, rest).await
        }
        ["groups"] => list_groups(shared, call, caller),
        ["groups", id] => group(shared, call, caller, id),
        ["groups", id, "members"] => group_members(shared, call, caller, id),
        ["groups", id, "members", "microsoft.graph.user"] => {
            group_members(shared, call, caller, id)
        }
        ["organization"] => gjson(
            StatusCode::OK,
            &json!({"value": [{"id": TENANT_ID, "displayName": "Contoso",
                "verifiedDomains": [{"name": TENANT_DOMAIN, "isDefault": true, "isInitial": true}]}]}),
        ),
        [first, ..] => not_found_segment(first),
        [] => gjson(
            StatusCode::OK,
            &json!({"@odata.context": format!("{}/v1.0/$metadata", shared.origin("graph")), "value": []}),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Users

const USER_DEFAULT: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

const USER_EXTRA: [&str; 7] = [
    "mySite",
    "department",
    "accountEnabled",
    "userType",
    "companyName",
    "usageLocation",
    "mailNickname",
];

fn user_json(shared: &Shared, u: &User) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("businessPhones".into(), json!(u.business_phones));
    m.insert("displayName".into(), json!(u.display_name));
    m.insert("givenName".into(), json!(u.given_name));
    m.insert("jobTitle".into(), json!(u.job_title));
    m.insert("mail".into(), json!(u.mail));
    m.insert("mobilePhone".into(), json!(u.mobile_phone));
    m.insert("officeLocation".into(), json!(u.office_location));
    m.insert("preferredLanguage".into(), json!(u.preferred_language));
    m.insert("surname".into(), json!(u.surname));
    m.insert("userPrincipalName".into(), json!(u.upn));
    m.insert("id".into(), json!(u.oid));
    let my_site = u.my_site.clone().unwrap_or_else(|| {
        Some(format!(
            "{}/personal/{}",
            shared.my_site(),
            crate::state::seed::personal_segment(&u.upn)
        ))
    });
    m.insert("mySite".into(), json!(my_site));
    m.insert("department".into(), json!(u.department));
    m.insert("accountEnabled".into(), json!(true));
    m.insert("userType".into(), json!("Member"));
    m.insert("companyName".into(), json!("Contoso"));
    m.insert("usageLocation".into(), json!("US"));
    m.insert(
        "mailNickname".into(),
        json!(u.upn.split('@').next().unwrap_or("")),
    );
    m
}

/// Applies `$select` (or the default property set) to a user.
fn project(full: &Map<String, Value>, select: Option<&Vec<String>>) -> Map<String, Value> {
    let mut out = Map::new();
    match select {
        Some(props) => {
            for p in props {
                if let Some((k, v)) = full.iter().find(|(k, _)| k.eq_ignore_ascii_case(p)) {
                    out.insert(k.clone(), v.clone());
                }
            }
            // Graph always returns the id.
            if let Some(id) = full.get("id") {
                out.entry("id").or_insert(id.clone());
            }
        }
        None => {
            for k in USER_DEFAULT {
                if let Some(v) = full.get(k) {
                    out.insert(k.to_string(), v.clone());
                }
            }
        }
    }
    out
}

fn parse_select(call: &Call) -> Result<Option<Vec<String>>, Resp> {
    let Some(sel) = call.query.get("$select") else {
        return Ok(None);
    };
    let props: Vec<String> = sel
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    for p in &props {
        let known = USER_DEFAULT
            .iter()
            .chain(USER_EXTRA.iter())
            .any(|k| k.eq_ignore_ascii_case(p));
        if !known {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Could not find a property named '{p}' on type 'microsoft.graph.user'."),
            ));
        }
    }
    Ok(Some(props))
}

const READ_OTHERS: [&str; 5] = [
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const READ_SELF: [&str; 2] = ["User.Read", "User.ReadWrite"];
const PHOTO_OTHERS: [&str; 6] = [
    "ProfilePhoto.Read.All",
    "ProfilePhoto.ReadWrite.All",
    "User.Read.All",
    "User.ReadBasic.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
];
const PHOTO_WRITE_SELF: [&str; 2] = ["User.ReadWrite", "ProfilePhoto.ReadWrite.All"];
const PHOTO_WRITE_OTHERS: [&str; 2] = ["ProfilePhoto.ReadWrite.All", "User.ReadWrite.All"];

async fn user_resource(
    shared: &Arc<Shared>,
    call: &Call,
    caller: &Caller,
    key: &str,
    own: bool,
    rest: &[&str],
) -> Resp {
    let user = shared.lock().tenant.user(key).cloned();
    let Some(user) = user else {
        return error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
        );
    };
    let ctx_base = format!("{}/v1.0/$metadata", shared.origin("graph"));
    match rest {
        [] => {
            let ok = if own {
                caller.has_any(&READ_SELF) || caller.has_any(&READ_OTHERS)
            } else {
                caller.has_any(&READ_OTHERS)
            };
            if !ok {
                return denied();
            }
            if call.method != Method::GET {
                return error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Request_BadRequest",
                    "Only GET is emulated for users.",
                );
            }
            let select = match parse_select(call) {
                Ok(s) => s,
                Err(r) => return r,
            };
            let mut m = project(&user_json(shared, &user), select.as_ref());
            let ctx = match &select {
                Some(s) => format!("{ctx_base}#users({})/$entity", s.join(",")),
                None => format!("{ctx_base}#users/$entity"),
            };
            let mut out = Map::new();
            out.insert("@odata.context".into(), json!(ctx));
            out.append(&mut m);
            gjson(StatusCode::OK, &Value::Object(out))
        }
        ["photo", tail @ ..] | ["photos", tail @ ..] => {
            let plural = rest[0] == "photos";
            let write = call.method == Method::PUT || call.method == Method::PATCH;
            let ok = match (write, own) {
                (false, true) => caller.has_any(&READ_SELF) || caller.has_any(&PHOTO_OTHERS),
                (false, false) => caller.has_any(&PHOTO_OTHERS),
                (true, true) => {
                    caller.has_any(&PHOTO_WRITE_SELF) || caller.has_any(&PHOTO_WRITE_OTHERS)
                }
                (true, false) => caller.has_any(&PHOTO_WRITE_OTHERS),
            };
            if !ok {
                return denied();
            }
            if !user.mailbox {
                return error(
                    StatusCode::NOT_FOUND,
                    "MailboxNotEnabledForRESTAPI",
                    "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
                );
            }
            if write {
                return if !plural && tail == ["$value"] {
                    put_photo(shared, &user, call).await
                } else {
                    error(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "BadRequest",
                        "Only PUT …/photo/$value is emulated.",
                    )
                };
            }
            photo(shared, &user, plural, tail, &ctx_base).await
        }
        [seg, ..] => not_found_segment(seg),
    }
}

fn image_not_found() -> Resp {
    error(
        StatusCode::NOT_FOUND,
        "ImageNotFound",
        "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
    )
}

pub const PHOTO_SIZES: [u32; 9] = [48, 64, 96, 120, 240, 360, 432, 504, 648];

fn parse_size(s: &str) -> Option<u32> {
    let (w, h) = s
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(a, b)| (a.to_string(), b.to_string()))?;
    let w: u32 = w.parse().ok()?;
    let h: u32 = h.parse().ok()?;
    (w == h).then_some(w)
}

fn meta(ctx: &str, b: &Blob, w: u32, h: u32) -> Value {
    json!({
        "@odata.context": ctx,
        "@odata.mediaContentType": if w == b.width && h == b.height { b.content_type.clone() } else { "image/jpeg".to_string() },
        "@odata.mediaEtag": b.etag(),
        "id": format!("{w}X{h}"),
        "height": h,
        "width": w,
    })
}

fn available_sizes(b: &Blob) -> Vec<u32> {
    let side = if b.width == 0 {
        648
    } else {
        b.width.min(b.height)
    };
    PHOTO_SIZES.iter().copied().filter(|s| *s <= side).collect()
}

async fn photo(
    shared: &Arc<Shared>,
    user: &User,
    plural: bool,
    tail: &[&str],
    ctx_base: &str,
) -> Resp {
    let Some(p) = user.exchange_photo.clone() else {
        return if plural && tail.is_empty() {
            gjson(
                StatusCode::OK,
                &json!({"@odata.context": format!("{ctx_base}#users('{}')/photos", user.oid), "value": []}),
            )
        } else {
            image_not_found()
        };
    };
    let b = match tokio::task::spawn_blocking(move || p.blob.get()).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                "photo",
            )
        }
    };
    let (w, h) = if b.width == 0 {
        (648, 648)
    } else {
        (b.width, b.height)
    };
    let _ = shared;
    match (plural, tail) {
        (false, []) => gjson(
            StatusCode::OK,
            &meta(
                &format!("{ctx_base}#users('{}')/photo/$entity", user.oid),
                &b,
                w,
                h,
            ),
        ),
        (false, ["$value"]) => wire::with_type(StatusCode::OK, &b.content_type, b.bytes.clone()),
        (true, []) => {
            let value: Vec<Value> = available_sizes(&b)
                .into_iter()
                .map(|s| {
                    let mut v = meta("", &b, s, s);
                    v.as_object_mut().map(|o| o.remove("@odata.context"));
                    v
                })
                .collect();
            gjson(
                StatusCode::OK,
                &json!({"@odata.context": format!("{ctx_base}#users('{}')/photos", user.oid), "value": value}),
            )
        }
        (true, [size, rest @ ..]) => {
            let Some(s) = parse_size(size) else {
                return image_not_found();
            };
            if !available_sizes(&b).contains(&s) {
                return image_not_found();
            }
            match rest {
                [] => gjson(
                    StatusCode::OK,
                    &meta(
                        &format!("{ctx_base}#users('{}')/photos/$entity", user.oid),
                        &b,
                        s,
                        s,
                    ),
                ),
                ["$value"] => {
                    let bytes = sized(b.clone(), s).await;
                    let ct = if b.width == s && b.height == s || b.width == 0 {
                        b.content_type.clone()
                    } else {
                        "image/jpeg".to_string()
                    };
                    wire::with_type(StatusCode::OK, &ct, bytes)
                }
                [seg, ..] => not_found_segment(seg),
            }
        }
        (_, [seg, ..]) => not_found_segment(seg),
    }
}

/// The photo at `size` × `size`: the stored bytes when they already are, else a centre-cropped,
/// resized JPEG (cached).
async fn sized(b: Arc<Blob>, size: u32) -> Bytes {
    if (b.width == size && b.height == size) || b.width == 0 {
        return b.bytes.clone();
    }
    static CACHE: OnceLock<Mutex<HashMap<(String, u32), Bytes>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (b.sha256.clone(), size);
    if let Some(hit) = cache.lock().unwrap().get(&key) {
        return hit.clone();
    }
    let src = b.clone();
    let out = tokio::task::spawn_blocking(move || {
        crate::wire::imaging::decode_any(&src.bytes)
            .map(|img| Bytes::from(crate::wire::imaging::square_jpeg(&img, size)))
            .unwrap_or_else(|| src.bytes.clone())
    })
    .await
    .unwrap_or_else(|_| b.bytes.clone());
    let mut c = cache.lock().unwrap();
    if c.len() > 2000 {
        c.clear();
    }
    c.insert(key, out.clone());
    out
}

async fn put_photo(shared: &Arc<Shared>, user: &User, call: &Call) -> Resp {
    let body = call.body.clone();
    let blob = tokio::task::spawn_blocking(move || {
        crate::wire::imaging::decode_any(&body)?;
        let ct = crate::wire::imaging::content_type_of(&body);
        Some(Blob::new(body, ct))
    })
    .await
    .ok()
    .flatten();
    let Some(blob) = blob else {
        return error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidImage",
            "The photo is not a valid image.",
        );
    };
    let mut inner = shared.lock();
    if let Some(u) = inner.tenant.user_mut(&user.upn) {
        u.exchange_photo = Some(ExchangePhoto {
            blob: BlobRef::Ready(Arc::new(blob)),
            modified_ms: now_ms(),
        });
    }
    wire::empty(StatusCode::OK)
}

fn page_params(call: &Call) -> Result<(usize, usize), Resp> {
    let top = match call.query.get("$top") {
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=999).contains(&n) => n,
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    &format!(
                        "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                    ),
                ))
            }
        },
        None => 100,
    };
    let skip = match call.query.get("$skiptoken") {
        Some(t) => match t.strip_prefix("emu").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    "Invalid skip token.",
                ))
            }
        },
        None => 0,
    };
    Ok((top, skip))
}

fn next_link(shared: &Shared, call: &Call, skip: usize) -> String {
    let mut pairs: Vec<(String, String)> = call
        .query
        .iter()
        .filter(|(k, _)| k.as_str() != "$skiptoken")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs.push(("$skiptoken".into(), format!("emu{skip}")));
    let _ = &call.raw_query;
    format!(
        "{}/v1.0{}?{}",
        shared.origin("graph"),
        call.path,
        encode_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    )
}

fn page(shared: &Shared, call: &Call, items: Vec<Map<String, Value>>, ctx: String) -> Resp {
    let (top, skip) = match page_params(call) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let total = items.len();
    let value: Vec<Value> = items
        .into_iter()
        .skip(skip)
        .take(top)
        .map(Value::Object)
        .collect();
    let mut out = json!({"@odata.context": ctx});
    if call.query.get("$count").is_some_and(|v| v == "true") {
        out["@odata.count"] = json!(total);
    }
    out["value"] = json!(value);
    if skip + top < total {
        out["@odata.nextLink"] = json!(next_link(shared, call, skip + top));
    }
    gjson(StatusCode::OK, &out)
}

fn list_users(shared: &Shared, call: &Call, caller: &Caller) -> Resp {
    if !caller.has_any(&READ_OTHERS) {
        return denied();
    }
    let select = match parse_select(call) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let filter = match call.query.get("$filter").map(|f| filter::parse(f)) {
        Some(Ok(f)) => Some(f),
        Some(Err(FilterError::Unsupported)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "Request_UnsupportedQuery",
                "Unsupported Query.",
            )
        }
        Some(Err(FilterError::Syntax(m))) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Invalid filter clause: {m}"),
            )
        }
        None => None,
    };
    let users = shared.lock().tenant.users.clone();
    let mut items: Vec<Map<String, Value>> = users
        .iter()
        .map(|u| user_json(shared, u))
        .filter(|m| filter.as_ref().is_none_or(|f| f.eval(m)))
        .collect();
    if let Some(ob) = call.query.get("$orderby") {
        let key = ob.split_whitespace().next().unwrap_or("").to_string();
        let desc = ob.to_ascii_lowercase().ends_with(" desc");
        items.sort_by(|a, b| {
            let ka = a
                .get(&key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            let kb = b
                .get(&key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            if desc {
                kb.cmp(&ka)
            } else {
                ka.cmp(&kb)
            }
        });
    }
    let items = items.iter().map(|m| project(m, select.as_ref())).collect();
    let ctx = match &select {
        Some(s) => format!(
            "{}/v1.0/$metadata#users({})",
            shared.origin("graph"),
            s.join(",")
        ),
        None => format!("{}/v1.0/$metadata#users", shared.origin("graph")),
    };
    page(shared, call, items, ctx)
}

const GROUP_READ: [&str; 5] = [
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

fn group_json(g: &Group) -> Map<String, Value> {
    let v = json!({
        "id": g.id,
        "displayName": g.display_name,
        "mail": format!("{}@{TENANT_DOMAIN}", g.mail_nickname),
        "mailNickname": g.mail_nickname,
        "mailEnabled": true,
        "securityEnabled": true,
        "groupTypes": ["Unified"],
        "description": "Everyone at Contoso",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn find_group(shared: &Shared, id: &str) -> Option<Group> {
    shared
        .lock()
        .tenant
        .groups
        .iter()
        .find(|g| g.id.eq_ignore_ascii_case(id) || g.mail_nickname.eq_ignore_ascii_case(id))
        .cloned()
}

fn group_not_found(id: &str) -> Resp {
    error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

fn list_groups(shared: &Shared, call: &Call, caller: &Caller) -> Resp {
    if !caller.has_any(&GROUP_READ) {
        return denied();
    }
    let groups = shared.lock().tenant.groups.clone();
    let items = groups.iter().map(group_json).collect();
    page(
        shared,
        call,
        items,
        format!("{}/v1.0/$metadata#groups", shared.origin("graph")),
    )
}

fn group(shared: &Shared, _call: &Call, caller: &Caller, id: &str) -> Resp {
    if !caller.has_any(&GROUP_READ) {
        return denied();
    }
    match find_group(shared, id) {
        Some(g) => {
            let mut m = group_json(&g);
            m.insert(
                "@odata.context".into(),
                json!(format!(
                    "{}/v1.0/$metadata#groups/$entity",
                    shared.origin("graph")
                )),
            );
            gjson(StatusCode::OK, &Value::Object(m))
        }
        None => group_not_found(id),
    }
}

fn group_members(shared: &Shared, call: &Call, caller: &Caller, id: &str) -> Resp {
    if !caller.has_any(&GROUP_READ) {
        return denied();
    }
    let Some(g) = find_group(shared, id) else {
        return group_not_found(id);
    };
    let select = match parse_select(call) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let users = shared.lock().tenant.users.clone();
    let items = g
        .members
        .iter()
        .filter_map(|oid| users.iter().find(|u| &u.oid == oid))
        .map(|u| {
            let mut m = Map::new();
            m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
            m.append(&mut project(&user_json(shared, u), select.as_ref()));
            m
        })
        .collect();
    page(
        shared,
        call,
        items,
        format!("{}/v1.0/$metadata#directoryObjects", shared.origin("graph")),
    )
}

// ---------------------------------------------------------------------------------------------
// $batch

async fn batch(shared: &Arc<Shared>, req: &Req) -> Resp {
    let bad = || {
        error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid batch payload format.",
        )
    };
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return bad();
    };
    let Some(requests) = body.get("requests").and_then(Value::as_array) else {
        return bad();
    };
    if requests.len() > 20 {
        return error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The number of requests in a batch cannot exceed 20.",
        );
    }
    let mut ids = std::collections::HashSet::new();
    let bearer = req.bearer().map(str::to_string);
    let app = auth::app_key(bearer.as_deref());
    let caller = auth::validate_token(shared, bearer.as_deref(), GRAPH_APP_ID);
    if let Err(e) = caller {
        return auth_error(shared, e);
    }
    // Parse every item first.
    let mut calls = Vec::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return bad(),
        };
        if !ids.insert(id.clone()) {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Batch request contains a duplicate id '{id}'."),
            );
        }
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok());
        let url = r.get("url").and_then(Value::as_str);
        let (Some(method), Some(url)) = (method, url) else {
            return bad();
        };
        let url = url
            .strip_prefix("https://graph.microsoft.com")
            .or_else(|| url.strip_prefix(&shared.origin("graph")))
            .unwrap_or(url);
        let url = if url.starts_with('/') {
            url.to_string()
        } else {
            format!("/{url}")
        };
        let url = url.strip_prefix("/v1.0").map(str::to_string).unwrap_or(url);
        let (p, q) = match url.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (url.clone(), None),
        };
        let item_body = match r.get("body") {
            None | Some(Value::Null) => Bytes::new(),
            Some(Value::String(s)) => b64_decode(s)
                .map(Bytes::from)
                .unwrap_or_else(|| Bytes::from(s.clone())),
            Some(v) => Bytes::from(v.to_string()),
        };
        calls.push((
            id,
            Call {
                method,
                path: percent_decode(&p),
                query: q.as_deref().map(parse_form).unwrap_or_default(),
                raw_query: q,
                bearer: bearer.clone(),
                body: item_body,
            },
        ));
    }
    // Throttling and faults per item, decided up front as if all ran at the same time.
    let mut prepared = Vec::new();
    for (id, call) in calls {
        let pq = match &call.raw_query {
            Some(q) => format!("/v1.0{}?{q}", call.path),
            None => format!("/v1.0{}", call.path),
        };
        let seq = shared.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let early: Option<(Resp, &str)> = if call.path.contains("$batch") {
            Some((
                error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "Nested batches are not allowed.",
                ),
                "",
            ))
        } else if let Some(rule) = crate::pipeline::faults::fire(
            shared,
            "graph",
            &req.host,
            call.method.as_str(),
            &pq,
            true,
        ) {
            Some((
                crate::pipeline::faults::error_response(
                    "graph",
                    rule.status,
                    rule.retry_after_secs,
                ),
                "fault",
            ))
        } else if let Err(r) = limits::graph_rate(shared, &app) {
            Some((r, "throttled"))
        } else {
            None
        };
        let (early, slot) = match early {
            Some(e) => (Some(e), None),
            None => match auth::validate_token(shared, call.bearer.as_deref(), GRAPH_APP_ID) {
                Err(e) => (Some((auth_error(shared, e), "")), None),
                Ok(c) if is_photo_path(&call.path) => {
                    match limits::outlook_acquire(shared, &c.app_id) {
                        Ok(s) => (None, s),
                        Err(r) => (Some((r, "throttled")), None),
                    }
                }
                Ok(_) => (None, None),
            },
        };
        prepared.push((id, call, pq, seq, early, slot));
    }
    let started = shared.started.elapsed().as_millis() as u64;
    let futs = prepared
        .into_iter()
        .map(|(id, call, pq, seq, early, slot)| {
            let shared = shared.clone();
            async move {
                let t0 = std::time::Instant::now();
                let (resp, injected) = match early {
                    Some((r, i)) => (r, (!i.is_empty()).then(|| i.to_string())),
                    None => {
                        photo_service_time(&shared, &call.path).await;
                        let caller =
                            auth::validate_token(&shared, call.bearer.as_deref(), GRAPH_APP_ID);
                        let r = match caller {
                            Ok(c) => route(&shared, &call, &c).await,
                            Err(e) => auth_error(&shared, e),
                        };
                        (r, None)
                    }
                };
                drop(slot);
                (
                    id,
                    call,
                    pq,
                    seq,
                    resp,
                    injected,
                    t0.elapsed().as_millis() as u64,
                )
            }
        });
    let results = futures_util::future::join_all(futs).await;
    let mut responses = Vec::new();
    for (id, call, pq, seq, resp, injected, dur) in results {
        let status = resp.status().as_u16();
        let mut headers = Map::new();
        for (k, v) in resp.headers() {
            let name = match k.as_str() {
                "content-type" => "Content-Type",
                "retry-after" => "Retry-After",
                "location" => "Location",
                "www-authenticate" => "WWW-Authenticate",
                _ => continue,
            };
            headers.insert(name.into(), json!(v.to_str().unwrap_or("")));
        }
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        let body = if bytes.is_empty() {
            Value::Null
        } else if ct.starts_with("application/json") {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        } else if ct.starts_with("text/") {
            json!(String::from_utf8_lossy(&bytes))
        } else {
            json!(b64(&bytes))
        };
        let mut item = json!({"id": id, "status": status, "headers": headers});
        if !body.is_null() {
            item["body"] = body;
        }
        responses.push(item);
        crate::pipeline::log::finish(
            shared,
            LogEntry {
                seq,
                method: call.method.to_string(),
                host: req.host.clone(),
                origin: format!("http://{}:{}", req.host, shared.port),
                path_and_query: pq,
                status,
                has_authorization: call.bearer.is_some(),
                authorization_aud: Some(GRAPH_APP_ID.to_string()),
                authorization_upn: call
                    .bearer
                    .as_deref()
                    .and_then(crate::wire::jwt::decode_claims)
                    .and_then(|c| c.get("upn").and_then(Value::as_str).map(str::to_string)),
                origin_header: req.origin_header().map(str::to_string),
                started_ms: started,
                duration_ms: dur,
                request_bytes: call.body.len() as u64,
                response_bytes: Some(bytes.len() as u64),
                injected,
                batch_of: Some(req.seq),
                ..LogEntry::default()
            },
        );
    }
    gjson(StatusCode::OK, &json!({"responses": responses}))
}
