//! The Microsoft identity platform v2 endpoints on `login.localhost`: discovery, keys,
//! authorize (sign-in and consent pages), token (auth code + PKCE, refresh), logout.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::Router;
use serde_json::json;

use crate::model::IdTokenTamper;
mod pages;
use crate::state::*;
use crate::wire::aadsts::{token_error, trace};
use crate::wire::codec::*;
use crate::wire::{self, Req, Resp};

const OIDC: [&str; 4] = ["openid", "profile", "offline_access", "email"];

const GRAPH_SCOPES: &[(&str, &str)] = &[
    ("User.Read", "Sign you in and read your profile"),
    ("User.ReadWrite", "Read and update your profile"),
    ("User.ReadBasic.All", "Read all users' basic profiles"),
    ("User.Read.All", "Read all users' full profiles"),
    (
        "User.ReadWrite.All",
        "Read and write all users' full profiles",
    ),
    ("ProfilePhoto.Read.All", "Read all users' profile photos"),
    (
        "ProfilePhoto.ReadWrite.All",
        "Read and write all profile photos",
    ),
    ("GroupMember.Read.All", "Read group memberships"),
    ("Group.Read.All", "Read all groups"),
    ("Directory.Read.All", "Read directory data"),
    ("People.Read", "Read your relevant people list"),
    ("Mail.Read", "Read your mail"),
    ("Files.Read", "Read your files"),
    ("Files.ReadWrite", "Have full access to your files"),
    ("Sites.Read.All", "Read items in all site collections"),
    (
        "Sites.ReadWrite.All",
        "Edit or delete items in all site collections",
    ),
];

const SHAREPOINT_SCOPES: &[(&str, &str)] = &[
    ("AllSites.Read", "Read items in all site collections"),
    (
        "AllSites.Write",
        "Read and write items in all site collections",
    ),
    (
        "AllSites.Manage",
        "Read and write items and lists in all site collections",
    ),
    (
        "AllSites.FullControl",
        "Have full control of all site collections",
    ),
    ("MyFiles.Read", "Read your files"),
    ("MyFiles.Write", "Read and write your files"),
    ("User.Read.All", "Read user profiles"),
    ("User.ReadWrite.All", "Read and write user profiles"),
    ("Sites.Search.All", "Run search queries as a user"),
    ("TermStore.Read.All", "Read managed metadata"),
    ("TermStore.ReadWrite.All", "Read and write managed metadata"),
];

/// A parsed `scope` parameter.
#[derive(Debug, Default, Clone)]
pub struct Scopes {
    pub oidc: BTreeSet<String>,
    /// Resource (token audience) → scope names (may contain `.default`).
    pub resources: BTreeMap<String, BTreeSet<String>>,
}

impl Scopes {
    pub fn has(&self, s: &str) -> bool {
        self.oidc.contains(s)
    }
}

pub fn resource_label(aud: &str) -> String {
    if aud == GRAPH_APP_ID {
        "Microsoft Graph".to_string()
    } else {
        format!("SharePoint ({})", aud.trim_start_matches("http://"))
    }
}

/// The SharePoint resources of the tenant (token audiences).
pub fn sharepoint_resources(shared: &Shared) -> [String; 2] {
    [shared.my_site(), shared.admin_site()]
}

/// Parses a space-separated scope list into OIDC scopes and per-resource scopes.
pub fn parse_scopes(shared: &Shared, scope: &str) -> Result<Scopes, String> {
    let mut out = Scopes::default();
    for s in scope.split_whitespace() {
        if OIDC.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.oidc.insert(s.to_ascii_lowercase());
            continue;
        }
        let (resource, name) = if let Some(idx) = s.find("://") {
            let after = &s[idx + 3..];
            let Some(slash) = after.find('/') else {
                return Err(format!("The scope '{s}' does not name a permission."));
            };
            let res = &s[..idx + 3 + slash];
            let name = &after[slash + 1..];
            let res_l = res.to_ascii_lowercase();
            let graph_local = shared.origin("graph");
            let aud = if res_l == "https://graph.microsoft.com" || res_l == graph_local {
                GRAPH_APP_ID.to_string()
            } else if let Some(sp) = sharepoint_resources(shared)
                .iter()
                .find(|r| r.eq_ignore_ascii_case(res))
            {
                sp.clone()
            } else {
                return Err(format!(
                    "AADSTS500011: The resource principal named {res} was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
                ));
            };
            (aud, name.to_string())
        } else if let Some(name) = s
            .strip_prefix(GRAPH_APP_ID)
            .and_then(|r| r.strip_prefix('/'))
        {
            (GRAPH_APP_ID.to_string(), name.to_string())
        } else {
            (GRAPH_APP_ID.to_string(), s.to_string())
        };
        let known = if resource == GRAPH_APP_ID {
            GRAPH_SCOPES
        } else {
            SHAREPOINT_SCOPES
        };
        let canonical = if name == ".default" {
            ".default".to_string()
        } else if let Some((k, _)) = known.iter().find(|(k, _)| k.eq_ignore_ascii_case(&name)) {
            k.to_string()
        } else {
            return Err(format!(
                "AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid."
            ));
        };
        out.resources.entry(resource).or_default().insert(canonical);
    }
    Ok(out)
}

fn default_scopes(resource: &str) -> BTreeSet<String> {
    let s = if resource == GRAPH_APP_ID {
        "User.Read"
    } else {
        "AllSites.Read"
    };
    [s.to_string()].into()
}

/// The permissions the app registration configures for `resource` (what `.default` means).
fn configured_for(shared: &Shared, inner: &Inner, resource: &str) -> BTreeSet<String> {
    parse_scopes(shared, &inner.registration.api_permissions.join(" "))
        .ok()
        .and_then(|s| s.resources.get(resource).cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s != ".default")
        .collect()
}

/// Scopes of `resource` the user still has to consent to for this request.
fn missing_consent(
    shared: &Shared,
    inner: &Inner,
    upn: &str,
    resource: &str,
    wanted: &BTreeSet<String>,
) -> BTreeSet<String> {
    let have = inner.tenant.consented(upn, resource);
    let wanted = expand_default(&configured_for(shared, inner, resource), resource, wanted);
    wanted.difference(&have).cloned().collect()
}

/// Replaces `.default` by the registration's configured permissions for the resource.
fn expand_default(
    configured: &BTreeSet<String>,
    resource: &str,
    wanted: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut w: BTreeSet<String> = wanted
        .iter()
        .filter(|s| *s != ".default")
        .cloned()
        .collect();
    if wanted.contains(".default") {
        if configured.is_empty() {
            w.extend(default_scopes(resource));
        } else {
            w.extend(configured.iter().cloned());
        }
    }
    w
}

fn scope_description(resource: &str, scope: &str) -> String {
    let list = if resource == GRAPH_APP_ID {
        GRAPH_SCOPES
    } else {
        SHAREPOINT_SCOPES
    };
    list.iter()
        .find(|(k, _)| *k == scope)
        .map(|(_, d)| d.to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------

/// The identity platform's router: every path goes to `handle`.
pub fn router() -> Router<Arc<Shared>> {
    Router::new().fallback(|State(shared): State<Arc<Shared>>, req: Req| async move {
        handle(&shared, &req).await
    })
}

pub async fn handle(shared: &Arc<Shared>, req: &Req) -> Resp {
    let mut r = route(shared, req);
    // Like Entra ID, the sign-in pages refuse to be framed (redirects still work in frames).
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

fn route(shared: &Arc<Shared>, req: &Req) -> Resp {
    let path = req.path.clone();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let tenant = segs.first().copied().unwrap_or("");
    let rest = segs.get(1..).map(|s| s.join("/")).unwrap_or_default();
    if tenant == "common" && rest == "discovery/instance" {
        return instance_discovery(shared);
    }
    if rest.is_empty() || tenant_kind(tenant).is_none() {
        if rest.ends_with("token") {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90002,
                &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
            );
        }
        return error_page(
            StatusCode::BAD_REQUEST,
            90002,
            &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        );
    }
    match (req.method.clone(), rest.as_str()) {
        (Method::GET, "v2.0/.well-known/openid-configuration") => discovery(shared, tenant),
        (Method::GET, "discovery/v2.0/keys") | (Method::GET, "discovery/keys") => {
            wire::json(StatusCode::OK, &shared.keys.jwks(&shared.issuer()))
        }
        (Method::GET, "oauth2/v2.0/authorize") => authorize(shared, req, tenant),
        (Method::POST, "login") => login_post(shared, req, tenant),
        (Method::POST, "consent") => consent_post(shared, req, tenant),
        (Method::POST, "oauth2/v2.0/token") => token(shared, req),
        (Method::GET, "oauth2/v2.0/logout") | (Method::POST, "oauth2/v2.0/logout") => {
            logout(shared, req)
        }
        (_, "oauth2/v2.0/token") => token_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests. Received a GET request.",
        ),
        _ => error_page(
            StatusCode::NOT_FOUND,
            900144,
            "The requested page does not exist on this emulated identity platform.",
        ),
    }
}

#[derive(PartialEq)]
enum TenantKind {
    Specific,
    Multi,
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

fn discovery(shared: &Shared, tenant: &str) -> Resp {
    let login = shared.origin("login");
    let issuer_tid = if tenant_kind(tenant) == Some(TenantKind::Multi) {
        "{tenantid}"
    } else {
        TENANT_ID
    };
    let t = tenant;
    let doc = json!({
        "token_endpoint": format!("{login}/{t}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{login}/{t}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{login}/{issuer_tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{}/oidc/userinfo", shared.origin("graph")),
        "authorization_endpoint": format!("{login}/{t}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{login}/{t}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{login}/{t}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{login}/{t}/kerberos"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": format!("graph.localhost:{}", shared.port),
        "rbac_url": "https://pas.windows.net",
    });
    wire::json(StatusCode::OK, &doc)
}

fn instance_discovery(shared: &Shared) -> Resp {
    let host = format!("login.localhost:{}", shared.port);
    wire::json(
        StatusCode::OK,
        &json!({
            "tenant_discovery_endpoint": format!("http://{host}/common/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// Errors

fn error_page(status: StatusCode, code: u32, message: &str) -> Resp {
    let (trace_id, _, ts) = trace();
    wire::html(status, pages::error(code, message, &trace_id, &ts))
}

fn redirect_with(uri: &str, mode: &str, params: &[(&str, String)]) -> Resp {
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let enc = encode_form(pairs);
    let location = if mode == "fragment" {
        format!("{uri}#{enc}")
    } else if uri.contains('?') {
        format!("{uri}&{enc}")
    } else {
        format!("{uri}?{enc}")
    };
    wire::redirect(&location)
}

/// An error sent back to the app's redirect URI (always with `state`).
fn error_redirect(
    r: &AuthRequest,
    error: &str,
    code: u32,
    message: &str,
    subcode: Option<&str>,
) -> Resp {
    let (trace_id, corr, ts) = trace();
    let mut params = vec![
        ("error", error.to_string()),
        (
            "error_description",
            format!("AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}"),
        ),
        ("error_codes", format!("[{code}]")),
        ("error_uri", format!("https://login.microsoftonline.com/error?code={code}")),
    ];
    if let Some(s) = subcode {
        params.push(("error_subcode", s.to_string()));
    }
    if let Some(s) = &r.state {
        params.push(("state", s.clone()));
    }
    redirect_with(&r.redirect_uri, &r.response_mode, &params)
}

// ---------------------------------------------------------------------------------------------
// Authorize

fn authorize(shared: &Arc<Shared>, req: &Req, tenant: &str) -> Resp {
    let q = req.query_map();
    let reg = shared.lock().registration.clone();
    let Some(client_id) = q.get("client_id").filter(|c| !c.is_empty()) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if !client_id.eq_ignore_ascii_case(&reg.client_id) {
        return error_page(
            StatusCode::BAD_REQUEST,
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        );
    }
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
    if !reg.spa_redirect_uris.contains(&redirect_uri)
        && !reg.web_redirect_uris.contains(&redirect_uri)
    {
        return error_page(
            StatusCode::BAD_REQUEST,
            50011,
            &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.", reg.client_id),
        );
    }
    let response_mode = q
        .get("response_mode")
        .cloned()
        .unwrap_or_else(|| "query".to_string());
    let mut ar = AuthRequest {
        tenant: tenant.to_string(),
        client_id: reg.client_id.clone(),
        redirect_uri,
        scope: q.get("scope").cloned().unwrap_or_default(),
        state: q.get("state").cloned(),
        nonce: q.get("nonce").cloned(),
        code_challenge: q.get("code_challenge").cloned().unwrap_or_default(),
        response_mode: if response_mode == "fragment" {
            "fragment".into()
        } else {
            "query".into()
        },
        prompt: q.get("prompt").cloned(),
        login_hint: q.get("login_hint").map(|h| h.to_ascii_lowercase()),
        client_info: q.get("client_info").is_some_and(|v| v == "1"),
        created_ms: now_ms(),
        upn: None,
    };
    if response_mode != "query" && response_mode != "fragment" {
        return error_redirect(
            &ar,
            "invalid_request",
            900352,
            &format!("The response_mode '{response_mode}' is not supported by this emulator. Use 'query' or 'fragment'."),
            None,
        );
    }
    match q.get("response_type").map(String::as_str) {
        Some("code") => {}
        Some(other) => {
            return error_redirect(
                &ar,
                "unsupported_response_type",
                700054,
                &format!("response_type '{other}' is not enabled for the application."),
                None,
            )
        }
        None => {
            return error_redirect(
                &ar,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'response_type'.",
                None,
            )
        }
    }
    if ar.scope.trim().is_empty() {
        return error_redirect(
            &ar,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
            None,
        );
    }
    if let Err(msg) = parse_scopes(shared, &ar.scope) {
        let (code, m) = split_aadsts(&msg);
        return error_redirect(&ar, "invalid_scope", code, m, None);
    }
    if ar.code_challenge.is_empty() {
        return error_redirect(
            &ar,
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
            None,
        );
    }
    if q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return error_redirect(
            &ar,
            "invalid_request",
            501491,
            "The code_challenge_method must be 'S256'; 'plain' and a missing method are refused by this emulator.",
            None,
        );
    }
    if let Some(p) = &ar.prompt {
        if !["none", "login", "select_account", "consent"].contains(&p.as_str()) {
            return error_redirect(
                &ar,
                "invalid_request",
                90023,
                &format!("Invalid prompt value '{p}'."),
                None,
            );
        }
    }

    let session_id = session_cookie(req);
    let accounts = session_accounts(shared, session_id.as_deref());
    let hint = ar.login_hint.clone();
    let hinted_signed_in = hint
        .as_ref()
        .and_then(|h| accounts.iter().find(|a| a.eq_ignore_ascii_case(h)).cloned());
    let prompt = ar.prompt.clone().unwrap_or_default();
    if prompt == "none" {
        let pick = match (&hint, &hinted_signed_in) {
            (_, Some(a)) => a.clone(),
            (Some(h), None) if !accounts.is_empty() => {
                return error_redirect(
                    &ar,
                    "interaction_required",
                    16000,
                    &format!("User account '{h}' from identity provider 'live.com' is not signed in to this browser session."),
                    None,
                )
            }
            (None, None) if accounts.len() == 1 => accounts[0].clone(),
            (None, None) if accounts.len() > 1 => {
                return error_redirect(
                    &ar,
                    "interaction_required",
                    16000,
                    "Either multiple user identities are available for the current request or selected account is not supported for the scenario.",
                    None,
                )
            }
            _ => {
                return error_redirect(
                    &ar,
                    "login_required",
                    50058,
                    "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD.",
                    None,
                )
            }
        };
        ar.upn = Some(pick.clone());
        if !consent_missing(shared, &ar, &pick).is_empty() {
            let msg = consent_message(&ar.client_id);
            return error_redirect(&ar, "consent_required", 65001, &msg, None);
        }
        return issue_code(shared, ar, pick, None);
    }
    if prompt != "login" && prompt != "select_account" {
        let pick = hinted_signed_in
            .or_else(|| (hint.is_none() && accounts.len() == 1).then(|| accounts[0].clone()));
        if let Some(pick) = pick {
            return after_sign_in(shared, ar, pick, None);
        }
    }
    show_sign_in(shared, ar, &accounts)
}

fn split_aadsts(msg: &str) -> (u32, &str) {
    if let Some(rest) = msg.strip_prefix("AADSTS") {
        if let Some((code, m)) = rest.split_once(": ") {
            if let Ok(c) = code.parse() {
                return (c, m);
            }
        }
    }
    (70011, msg)
}

fn consent_message(client_id: &str) -> String {
    format!("The user or administrator has not consented to use the application with ID '{client_id}' named '{APP_DISPLAY_NAME}'. Send an interactive authorization request for this user and resource.")
}

fn session_accounts(shared: &Shared, sid: Option<&str>) -> Vec<String> {
    let Some(sid) = sid else { return vec![] };
    shared
        .lock()
        .sessions
        .get(sid)
        .map(|s| s.accounts.clone())
        .unwrap_or_default()
}

fn show_sign_in(shared: &Shared, ar: AuthRequest, accounts: &[String]) -> Resp {
    let ctx = random_token(24);
    let rows: Vec<pages::AccountRow> = {
        let inner = shared.lock();
        let mut rows: Vec<pages::AccountRow> = inner
            .tenant
            .users
            .iter()
            .map(|u| pages::AccountRow {
                upn: u.upn.clone(),
                display_name: u.display_name.clone(),
                signed_in: accounts.iter().any(|a| a.eq_ignore_ascii_case(&u.upn)),
                hinted: ar
                    .login_hint
                    .as_ref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&u.upn)),
            })
            .collect();
        rows.sort_by_key(|r| (!r.hinted, !r.signed_in));
        rows
    };
    let pick = ar.prompt.as_deref() == Some("select_account") || !accounts.is_empty();
    let tenant = ar.tenant.clone();
    shared.lock().pending.insert(ctx.clone(), ar);
    let mut r = wire::html(
        StatusCode::OK,
        pages::sign_in(&tenant, &ctx, APP_DISPLAY_NAME, &rows, pick),
    );
    wire::set_header(&mut r, "cache-control", "no-store");
    r
}

fn take_pending(
    shared: &Shared,
    req: &Req,
) -> Result<(AuthRequest, String, BTreeMap<String, String>), Resp> {
    let form = req.form();
    let ctx = form.get("ctx").cloned().unwrap_or_default();
    let found = shared.lock().pending.remove(&ctx);
    match found {
        Some(ar) if now_ms().saturating_sub(ar.created_ms) < 3_600_000 => Ok((ar, ctx, form)),
        _ => Err(error_page(
            StatusCode::BAD_REQUEST,
            90014,
            "The sign-in request has expired or was already completed. Go back to the app and sign in again.",
        )),
    }
}

fn login_post(shared: &Arc<Shared>, req: &Req, _tenant: &str) -> Resp {
    let (ar, _ctx, form) = match take_pending(shared, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if form.contains_key("cancel") {
        return error_redirect(
            &ar,
            "access_denied",
            50126,
            "The user canceled the sign-in.",
            Some("cancel"),
        );
    }
    let account = form.get("account").cloned().unwrap_or_default();
    let upn = shared.lock().tenant.user(&account).map(|u| u.upn.clone());
    let Some(upn) = upn else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50034,
            &format!("The user account {account} does not exist in the 'contoso.onmicrosoft.com' directory."),
        );
    };
    // Sign the account in to this browser's session.
    let sid = session_cookie(req).filter(|s| shared.lock().sessions.contains_key(s));
    let sid = sid.unwrap_or_else(|| random_token(24));
    {
        let mut inner = shared.lock();
        let s = inner.sessions.entry(sid.clone()).or_default();
        if !s.accounts.iter().any(|a| a.eq_ignore_ascii_case(&upn)) {
            s.accounts.push(upn.clone());
        }
    }
    after_sign_in(shared, ar, upn, Some(sid))
}

fn consent_missing(shared: &Shared, ar: &AuthRequest, upn: &str) -> Vec<(String, String)> {
    let Ok(scopes) = parse_scopes(shared, &ar.scope) else {
        return vec![];
    };
    let inner = shared.lock();
    let mut out = vec![];
    for (res, wanted) in &scopes.resources {
        let missing = if ar.prompt.as_deref() == Some("consent") {
            expand_default(&configured_for(shared, &inner, res), res, wanted)
        } else {
            missing_consent(shared, &inner, upn, res, wanted)
        };
        out.extend(missing.into_iter().map(|s| (res.clone(), s)));
    }
    out
}

/// Sets the session cookies: `ESTSAUTH` (SameSite=Lax, for top-level navigations) and
/// `ESTSAUTHPERSISTENT` (SameSite=None; Secure, which Chromium accepts on `*.localhost`, for
/// frames).
fn with_cookie(mut r: Resp, sid: Option<String>) -> Resp {
    if let Some(sid) = sid {
        wire::append_header(
            &mut r,
            "set-cookie",
            &format!("ESTSAUTH={sid}; Path=/; HttpOnly; SameSite=Lax"),
        );
        wire::append_header(
            &mut r,
            "set-cookie",
            &format!("ESTSAUTHPERSISTENT={sid}; Path=/; HttpOnly; Secure; SameSite=None"),
        );
    }
    r
}

fn session_cookie(req: &Req) -> Option<String> {
    req.cookie("ESTSAUTH")
        .or_else(|| req.cookie("ESTSAUTHPERSISTENT"))
}

fn after_sign_in(
    shared: &Arc<Shared>,
    mut ar: AuthRequest,
    upn: String,
    sid: Option<String>,
) -> Resp {
    ar.upn = Some(upn.clone());
    let missing = consent_missing(shared, &ar, &upn);
    if missing.is_empty() {
        return issue_code(shared, ar, upn, sid);
    }
    let ctx = random_token(24);
    let rows: Vec<pages::ScopeRow> = missing
        .iter()
        .map(|(res, s)| pages::ScopeRow {
            title: format!("{} — {}", resource_label(res), s),
            detail: scope_description(res, s),
        })
        .chain(
            ar.scope
                .split_whitespace()
                .any(|s| s.eq_ignore_ascii_case("offline_access"))
                .then(|| pages::ScopeRow {
                    title: "Maintain access to data you have given it access to".into(),
                    detail: "offline_access".into(),
                }),
        )
        .collect();
    let tenant = ar.tenant.clone();
    shared.lock().pending.insert(ctx.clone(), ar);
    let r = wire::html(
        StatusCode::OK,
        pages::consent(&tenant, &ctx, APP_DISPLAY_NAME, &upn, &rows),
    );
    with_cookie(r, sid)
}

fn consent_post(shared: &Arc<Shared>, req: &Req, _tenant: &str) -> Resp {
    let (ar, _ctx, form) = match take_pending(shared, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(upn) = ar.upn.clone() else {
        return error_page(StatusCode::BAD_REQUEST, 90014, "No account was chosen.");
    };
    if form.get("action").map(String::as_str) != Some("accept") {
        return error_redirect(
            &ar,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
            Some("cancel"),
        );
    }
    let missing = consent_missing(shared, &ar, &upn);
    {
        let mut inner = shared.lock();
        for (res, s) in missing {
            inner.tenant.grant(&upn, &res, [s]);
        }
    }
    issue_code(shared, ar, upn, None)
}

fn issue_code(shared: &Arc<Shared>, ar: AuthRequest, upn: String, sid: Option<String>) -> Resp {
    let code = format!("1.AemuA{}", random_token(48));
    let mut params = vec![("code", code.clone())];
    if ar.client_info {
        params.push(("client_info", client_info(&upn)));
    }
    if let Some(s) = &ar.state {
        params.push(("state", s.clone()));
    }
    params.push(("session_state", guid_from_name(&format!("session:{upn}"))));
    let r = redirect_with(&ar.redirect_uri, &ar.response_mode, &params);
    shared.lock().codes.insert(
        code,
        AuthCode {
            req: ar,
            upn,
            expires_ms: now_ms() + 600_000,
            redeemed: false,
        },
    );
    with_cookie(r, sid)
}

fn client_info(upn: &str) -> String {
    let oid = crate::state::seed::oid_for(upn);
    b64url(
        json!({"uid": oid, "utid": TENANT_ID})
            .to_string()
            .as_bytes(),
    )
}

// ---------------------------------------------------------------------------------------------
// Token

fn token(shared: &Arc<Shared>, req: &Req) -> Resp {
    let form = req.form();
    let reg = shared.lock().registration.clone();
    let bad =
        |error: &str, code: u32, msg: &str| token_error(StatusCode::BAD_REQUEST, error, code, msg);
    let Some(client_id) = form.get("client_id").filter(|c| !c.is_empty()) else {
        return bad(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if !client_id.eq_ignore_ascii_case(&reg.client_id) {
        return bad(
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        );
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => redeem_code(shared, req, &form, &reg),
        Some("refresh_token") => redeem_refresh(shared, req, &form, &reg),
        Some(other) => bad(
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
        None => bad(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        ),
    }
}

fn redeem_code(
    shared: &Arc<Shared>,
    req: &Req,
    form: &BTreeMap<String, String>,
    reg: &crate::model::Registration,
) -> Resp {
    let bad =
        |error: &str, code: u32, msg: &str| token_error(StatusCode::BAD_REQUEST, error, code, msg);
    let Some(code) = form.get("code").filter(|c| !c.is_empty()) else {
        return bad(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'code'.",
        );
    };
    let Some(ac) = shared.lock().codes.get(code).cloned() else {
        return bad(
            "invalid_grant",
            70000,
            "The provided value for the 'code' parameter is not valid.",
        );
    };
    let redirect_uri = form.get("redirect_uri").cloned().unwrap_or_default();
    if redirect_uri.is_empty() {
        return bad(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        );
    }
    if redirect_uri != ac.req.redirect_uri {
        return bad(
            "invalid_grant",
            70000,
            "The provided value for the input parameter 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code.",
        );
    }
    let is_spa = reg.spa_redirect_uris.contains(&redirect_uri);
    let origin = req.origin_header();
    match (is_spa, origin) {
        (true, None) => {
            return bad(
                "invalid_request",
                9002327,
                "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
            )
        }
        (false, Some(o)) => {
            return bad(
                "invalid_request",
                9002326,
                &format!("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{o}'."),
            )
        }
        (false, None) => {
            return token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
        }
        (true, Some(_)) => {}
    }
    if ac.redeemed {
        return bad(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        );
    }
    if now_ms() > ac.expires_ms {
        return bad(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        );
    }
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if verifier.is_empty() || b64url(&sha256(verifier.as_bytes())) != ac.req.code_challenge {
        return bad(
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
    }
    let scope = form
        .get("scope")
        .filter(|s| !s.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| ac.req.scope.clone());
    let want_refresh =
        scope_has(&scope, "offline_access") || scope_has(&ac.req.scope, "offline_access");
    let want_id = scope_has(&scope, "openid") || scope_has(&ac.req.scope, "openid");
    let now = now_ms();
    let refresh_secs = shared.lock().lifetimes.refresh_secs;
    let grant = Grant {
        upn: ac.upn.clone(),
        client_id: reg.client_id.clone(),
        scope,
        want_refresh,
        want_id,
        nonce: ac.req.nonce.clone(),
        signed_in_ms: now,
        refresh_expires_ms: now + refresh_secs * 1000,
        client_info: ac.req.client_info,
    };
    let issued = issue_tokens(shared, &grant);
    if issued.status().is_success() {
        if let Some(c) = shared.lock().codes.get_mut(code) {
            c.redeemed = true;
        }
    }
    issued
}

fn scope_has(scope: &str, s: &str) -> bool {
    scope.split_whitespace().any(|x| x.eq_ignore_ascii_case(s))
}

fn redeem_refresh(
    shared: &Arc<Shared>,
    req: &Req,
    form: &BTreeMap<String, String>,
    reg: &crate::model::Registration,
) -> Resp {
    let bad =
        |error: &str, code: u32, msg: &str| token_error(StatusCode::BAD_REQUEST, error, code, msg);
    let Some(rt_s) = form.get("refresh_token").filter(|c| !c.is_empty()) else {
        return bad(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'refresh_token'.",
        );
    };
    let Some(rt) = shared.lock().refresh_tokens.get(rt_s).cloned() else {
        return bad(
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        );
    };
    if !rt.client_id.eq_ignore_ascii_case(&reg.client_id) {
        return bad(
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed: the refresh token was issued to a different client.",
        );
    }
    if req.origin_header().is_none() {
        return bad(
            "invalid_request",
            9002327,
            "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
        );
    }
    let now = now_ms();
    if now >= rt.expires_ms {
        let life = rt.expires_ms.saturating_sub(rt.signed_in_ms) / 1000;
        let life = format!(
            "{}.{:02}:{:02}:{:02}",
            life / 86_400,
            (life / 3600) % 24,
            (life / 60) % 60,
            life % 60
        );
        return bad(
            "invalid_grant",
            700084,
            &format!("The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of {life}, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on {}.", iso8601(rt.signed_in_ms)),
        );
    }
    let scope = form
        .get("scope")
        .filter(|s| !s.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| rt.scope.clone());
    let grant = Grant {
        upn: rt.upn.clone(),
        client_id: reg.client_id.clone(),
        want_refresh: true,
        want_id: scope_has(&scope, "openid"),
        scope,
        nonce: None,
        signed_in_ms: rt.signed_in_ms,
        refresh_expires_ms: rt.expires_ms,
        client_info: rt.client_info || form.get("client_info").is_some_and(|v| v == "1"),
    };
    issue_tokens(shared, &grant)
}

struct Grant {
    upn: String,
    client_id: String,
    scope: String,
    want_refresh: bool,
    want_id: bool,
    nonce: Option<String>,
    signed_in_ms: u64,
    refresh_expires_ms: u64,
    client_info: bool,
}

fn issue_tokens(shared: &Arc<Shared>, g: &Grant) -> Resp {
    let bad =
        |error: &str, code: u32, msg: &str| token_error(StatusCode::BAD_REQUEST, error, code, msg);
    let scopes = match parse_scopes(shared, &g.scope) {
        Ok(s) => s,
        Err(msg) => {
            let (code, m) = split_aadsts(&msg);
            return bad("invalid_scope", code, m);
        }
    };
    if scopes.resources.len() > 1 {
        return bad(
            "invalid_scope",
            700022,
            &format!("The provided value for the input parameter scope is not valid because it contains more than one resource. Scope {} is not valid.", g.scope),
        );
    }
    let (resource, wanted) = scopes
        .resources
        .iter()
        .next()
        .map(|(r, w)| (r.clone(), w.clone()))
        .unwrap_or_else(|| (GRAPH_APP_ID.to_string(), BTreeSet::new()));
    let (user, granted) = {
        let inner = shared.lock();
        let Some(user) = inner.tenant.user(&g.upn).cloned() else {
            drop(inner);
            return bad(
                "invalid_grant",
                50034,
                "The user account does not exist in the directory.",
            );
        };
        let missing = missing_consent(shared, &inner, &g.upn, &resource, &wanted);
        if !missing.is_empty() {
            drop(inner);
            return bad("invalid_grant", 65001, &consent_message(&g.client_id));
        }
        (user, inner.tenant.consented(&g.upn, &resource))
    };
    let minted = mint_access(shared, &user, &g.client_id, &resource, &granted);
    let mut scope_out: Vec<String> = granted
        .iter()
        .map(|s| {
            if resource == GRAPH_APP_ID {
                s.clone()
            } else {
                format!("{resource}/{s}")
            }
        })
        .collect();
    for o in ["openid", "profile", "email"] {
        if scopes.has(o) {
            scope_out.push(o.to_string());
        }
    }
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope_out.join(" "),
        "expires_in": minted.expires_in,
        "ext_expires_in": minted.expires_in,
        "access_token": minted.access_token,
    });
    if g.want_refresh {
        let rt = format!("1.AemuR{}", random_token(64));
        shared.lock().refresh_tokens.insert(
            rt.clone(),
            RefreshToken {
                upn: user.upn.clone(),
                client_id: g.client_id.clone(),
                signed_in_ms: g.signed_in_ms,
                expires_ms: g.refresh_expires_ms,
                scope: g.scope.clone(),
                client_info: g.client_info,
            },
        );
        body["refresh_token"] = json!(rt);
        body["refresh_token_expires_in"] =
            json!(g.refresh_expires_ms.saturating_sub(now_ms()) / 1000);
    }
    if g.want_id {
        body["id_token"] = json!(id_token(
            shared,
            &user,
            &g.client_id,
            g.nonce.as_deref(),
            scopes.has("email")
        ));
    }
    if g.client_info {
        body["client_info"] = json!(client_info(&user.upn));
    }
    let mut r = wire::json(StatusCode::OK, &body);
    wire::set_header(&mut r, "cache-control", "no-store, no-cache");
    wire::set_header(&mut r, "pragma", "no-cache");
    r
}

/// Signs an access token for `resource` with the given scopes.
pub fn mint_access(
    shared: &Shared,
    user: &User,
    client_id: &str,
    resource: &str,
    scopes: &BTreeSet<String>,
) -> crate::model::MintedToken {
    let (serial, lifetime, now) = {
        let mut inner = shared.lock();
        inner.token_serial += 1;
        (
            inner.token_serial,
            inner.lifetimes.access_secs,
            inner.clock_secs(),
        )
    };
    let scp: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let mut claims = json!({
        "aud": resource,
        "iss": shared.issuer(),
        "iat": now,
        "nbf": now.saturating_sub(300),
        "exp": now + lifetime,
        "aio": random_token(24),
        "azp": client_id,
        "azpacr": "0",
        "appid": client_id,
        "appidacr": "0",
        "family_name": user.surname,
        "given_name": user.given_name,
        "idtyp": "user",
        "name": user.display_name,
        "oid": user.oid,
        "preferred_username": user.upn,
        "rh": "0.AemuRefreshHint.",
        "scp": scp.join(" "),
        "sub": guid_from_name(&format!("sub:{}:{}", user.oid, resource)),
        "tid": TENANT_ID,
        "unique_name": user.upn,
        "upn": user.upn,
        "uti": format!("emu{serial}"),
        "ver": "2.0",
        "xms_tseq": serial,
    });
    if user.is_admin {
        claims["wids"] = json!([SHAREPOINT_ADMIN_ROLE]);
    }
    crate::model::MintedToken {
        access_token: shared.keys.sign(&claims),
        scope: scp.join(" "),
        expires_in: lifetime,
    }
}

fn id_token(
    shared: &Shared,
    user: &User,
    client_id: &str,
    nonce: Option<&str>,
    email: bool,
) -> String {
    let (now, tamper) = {
        let mut inner = shared.lock();
        (inner.clock_secs(), inner.id_token_tamper.take())
    };
    let mut claims = json!({
        "aud": client_id,
        "iss": shared.issuer(),
        "iat": now,
        "nbf": now.saturating_sub(300),
        "exp": now + 3600,
        "name": user.display_name,
        "oid": user.oid,
        "preferred_username": user.upn,
        "rh": "0.AemuRefreshHint.",
        "sid": guid_from_name(&format!("session:{}", user.upn)),
        "sub": guid_from_name(&format!("sub:{}:{}", user.oid, client_id)),
        "tid": TENANT_ID,
        "uti": random_token(16),
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    match tamper {
        Some(IdTokenTamper::Nonce) => {
            claims["nonce"] = json!(format!("tampered-{}", random_token(12)))
        }
        Some(IdTokenTamper::Aud) => claims["aud"] = json!(guid_from_name("another-application")),
        Some(IdTokenTamper::Iss) => {
            claims["iss"] = json!(format!(
                "{}/{}/v2.0",
                shared.origin("login"),
                guid_from_name("another-tenant")
            ))
        }
        None => {}
    }
    if email {
        if let Some(m) = &user.mail {
            claims["email"] = json!(m);
        }
    }
    shared.keys.sign(&claims)
}

// ---------------------------------------------------------------------------------------------
// Logout

fn logout(shared: &Shared, req: &Req) -> Resp {
    let mut q = req.query_map();
    if req.method == Method::POST {
        q.extend(req.form());
    }
    if let Some(sid) = session_cookie(req) {
        shared.lock().sessions.remove(&sid);
    }
    let target = q.get("post_logout_redirect_uri").cloned();
    let registered = {
        let inner = shared.lock();
        let reg = &inner.registration;
        target
            .as_ref()
            .is_some_and(|t| reg.spa_redirect_uris.contains(t) || reg.web_redirect_uris.contains(t))
    };
    let mut r = match target {
        Some(t) if registered => {
            let t = match q.get("state") {
                Some(s) => {
                    let sep = if t.contains('?') { '&' } else { '?' };
                    format!("{t}{sep}{}", encode_form([("state", s.as_str())]))
                }
                None => t,
            };
            wire::redirect(&t)
        }
        _ => wire::html(StatusCode::OK, pages::signed_out()),
    };
    wire::append_header(
        &mut r,
        "set-cookie",
        "ESTSAUTH=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
    );
    wire::append_header(
        &mut r,
        "set-cookie",
        "ESTSAUTHPERSISTENT=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None",
    );
    r
}

/// Mints a token without sign-in or consent (control API).
pub fn mint_for(
    shared: &Shared,
    upn: &str,
    scope: &str,
) -> Result<crate::model::MintedToken, String> {
    let scopes = parse_scopes(shared, scope)?;
    if scopes.resources.len() > 1 {
        return Err("more than one resource".into());
    }
    let (resource, wanted) = scopes
        .resources
        .into_iter()
        .next()
        .unwrap_or_else(|| (GRAPH_APP_ID.to_string(), BTreeSet::new()));
    let (user, client_id, wanted) = {
        let inner = shared.lock();
        let u = inner
            .tenant
            .user(upn)
            .cloned()
            .ok_or_else(|| format!("no user {upn}"))?;
        let wanted = expand_default(
            &configured_for(shared, &inner, &resource),
            &resource,
            &wanted,
        );
        (u, inner.registration.client_id.clone(), wanted)
    };
    Ok(mint_access(shared, &user, &client_id, &resource, &wanted))
}

/// Grants consent from the control API; scopes as in a `scope` parameter.
pub fn grant_consent(shared: &Shared, upn: &str, scopes: &[String]) -> Result<(), String> {
    let parsed = parse_scopes(shared, &scopes.join(" "))?;
    let mut inner = shared.lock();
    let upn = inner
        .tenant
        .user(upn)
        .map(|u| u.upn.clone())
        .ok_or_else(|| format!("no user {upn}"))?;
    for (res, s) in parsed.resources {
        let s = expand_default(&configured_for(shared, &inner, &res), &res, &s);
        inner.tenant.grant(&upn, &res, s);
    }
    Ok(())
}
