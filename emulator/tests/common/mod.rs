//! Helpers for the emulator's own tests: a started emulator, a browser-like client, sign-in.
#![allow(dead_code)]

use std::collections::BTreeMap;

use base64::Engine as _;
use emulator::{Emulator, EmulatorOptions};
use serde_json::Value;

pub const DOMAIN: &str = "contoso.onmicrosoft.com";

pub fn upn(name: &str) -> String {
    format!("{name}@{DOMAIN}")
}

pub struct Env {
    pub emu: Emulator,
    pub http: reqwest::Client,
}

impl Env {
    pub async fn start() -> Env {
        let emu = Emulator::start(EmulatorOptions::default())
            .await
            .expect("start");
        let http = emu.http_client();
        Env { emu, http }
    }

    pub fn login(&self, path: &str) -> String {
        format!("{}/{DOMAIN}{path}", self.emu.origin("login"))
    }

    pub fn app(&self) -> String {
        self.emu.app_url()
    }

    pub fn app_origin(&self) -> String {
        self.emu.origin("app")
    }

    pub fn graph(&self, path: &str) -> String {
        format!("{}/v1.0{path}", self.emu.origin("graph"))
    }

    pub fn my(&self, path: &str) -> String {
        format!("{}{path}", self.emu.origin("contoso-my"))
    }

    pub fn admin(&self, path: &str) -> String {
        format!("{}{path}", self.emu.origin("contoso-admin"))
    }

    pub fn sp_scope(&self, scope: &str) -> String {
        format!("{}/{scope}", self.emu.origin("contoso-my"))
    }

    pub fn admin_scope(&self, scope: &str) -> String {
        format!("{}/{scope}", self.emu.origin("contoso-admin"))
    }

    /// Several permissions on the My Site host, as one `scope` parameter.
    pub fn sp_scopes(&self, names: &[&str]) -> String {
        names
            .iter()
            .map(|n| self.sp_scope(n))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Several permissions on the admin host, as one `scope` parameter.
    pub fn admin_scopes(&self, names: &[&str]) -> String {
        names
            .iter()
            .map(|n| self.admin_scope(n))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub fn pkce() -> (String, String) {
    let verifier = format!("verifier-{}-{}", rand_part(), "x".repeat(43));
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
    (verifier, challenge)
}

fn rand_part() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// The value of a hidden input `name` in an HTML page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Query (or fragment) parameters of a redirect `Location`.
pub fn location_params(loc: &str) -> BTreeMap<String, String> {
    let q = loc
        .split_once('?')
        .map(|(_, q)| q)
        .or_else(|| loc.split_once('#').map(|(_, f)| f))
        .unwrap_or("");
    form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

pub fn set_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ESTSAUTH=") && !c.starts_with("ESTSAUTH=;"))
        .map(|c| c.split(';').next().unwrap().to_string())
}

/// An authorize request as the app makes it.
pub struct Authorize {
    pub scope: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub challenge: String,
    pub verifier: String,
    pub extra: Vec<(String, String)>,
}

impl Authorize {
    pub fn new(env: &Env, scope: &str) -> Authorize {
        let (verifier, challenge) = pkce();
        Authorize {
            scope: scope.to_string(),
            redirect_uri: env.app(),
            state: "state-123".to_string(),
            nonce: "nonce-456".to_string(),
            challenge,
            verifier,
            extra: vec![],
        }
    }

    pub fn url(&self, env: &Env) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        ser.append_pair("client_id", emulator::DEMO_CLIENT_ID)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", &self.scope)
            .append_pair("state", &self.state)
            .append_pair("nonce", &self.nonce)
            .append_pair("code_challenge", &self.challenge)
            .append_pair("code_challenge_method", "S256");
        for (k, v) in &self.extra {
            ser.append_pair(k, v);
        }
        format!("{}?{}", env.login("/oauth2/v2.0/authorize"), ser.finish())
    }
}

pub async fn get_with_cookie(env: &Env, url: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut rb = env.http.get(url);
    if let Some(c) = cookie {
        rb = rb.header("cookie", c);
    }
    rb.send().await.unwrap()
}

pub async fn post_form(
    env: &Env,
    url: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut rb = env.http.post(url).form(form);
    if let Some(c) = cookie {
        rb = rb.header("cookie", c);
    }
    rb.send().await.unwrap()
}

/// Runs the interactive flow: sign-in page → account → consent (if shown) → redirect.
/// Returns (Location of the final redirect, session cookie).
pub async fn interactive(
    env: &Env,
    az: &Authorize,
    who: &str,
    cookie: Option<&str>,
) -> (String, Option<String>) {
    let r = get_with_cookie(env, &az.url(env), cookie).await;
    if r.status() == 302 {
        return (location(&r), cookie.map(str::to_string));
    }
    assert_eq!(r.status(), 200, "sign-in page");
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("data-testid=\"account-{}\"", upn(who))),
        "{html}"
    );
    let ctx = hidden(&html, "ctx").expect("ctx");
    let u = upn(who);
    let r = post_form(
        env,
        &env.login("/login"),
        &[("ctx", &ctx), ("account", &u)],
        cookie,
    )
    .await;
    let cookie = set_cookie(&r).or(cookie.map(str::to_string));
    if r.status() == 302 {
        return (location(&r), cookie);
    }
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("data-testid=\"consent-accept\""), "{html}");
    let ctx = hidden(&html, "ctx").expect("ctx");
    let r = post_form(
        env,
        &env.login("/consent"),
        &[("ctx", &ctx), ("action", "accept")],
        cookie.as_deref(),
    )
    .await;
    assert_eq!(r.status(), 302);
    (location(&r), cookie)
}

/// Redeems a code as the SPA does (with an Origin header).
pub async fn redeem(env: &Env, az: &Authorize, code: &str, scope: &str) -> (u16, Value) {
    let r = env
        .http
        .post(env.login("/oauth2/v2.0/token"))
        .header("origin", env.app_origin())
        .form(&[
            ("client_id", emulator::DEMO_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &az.redirect_uri),
            ("code_verifier", &az.verifier),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

pub async fn refresh(env: &Env, rt: &str, scope: &str) -> (u16, Value) {
    let r = env
        .http
        .post(env.login("/oauth2/v2.0/token"))
        .header("origin", env.app_origin())
        .form(&[
            ("client_id", emulator::DEMO_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// Full sign-in: returns the token response for the first resource of `scope`.
pub async fn sign_in(env: &Env, who: &str, scope: &str) -> Value {
    let az = Authorize::new(env, scope);
    let (loc, _) = interactive(env, &az, who, None).await;
    let p = location_params(&loc);
    let code = p.get("code").unwrap_or_else(|| panic!("no code in {loc}"));
    let (status, body) = redeem(env, &az, code, scope).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Claims of a JWT (no validation).
pub fn claims(jwt: &str) -> Value {
    let p = jwt.split('.').nth(1).unwrap();
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p)
        .unwrap();
    serde_json::from_slice(&b).unwrap()
}

/// An access token straight from the control API.
pub async fn token(env: &Env, who: &str, scope: &str) -> String {
    env.emu
        .control()
        .mint_token(&upn(who), scope)
        .await
        .unwrap()
        .access_token
}

pub fn aadsts(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or(0)
}
