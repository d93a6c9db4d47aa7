//! The identity platform: authorization code flow with PKCE, the AADSTS errors, refresh.

mod common;

use common::*;
use serde_json::Value;

const GRAPH: &str = "00000003-0000-0000-c000-000000000000";

#[tokio::test]
async fn code_flow_with_pkce_consent_and_cross_resource_refresh() {
    let env = Env::start().await;
    let sp_write = env.sp_scope("AllSites.Write");
    let az = Authorize::new(
        &env,
        &format!("openid profile offline_access User.Read {sp_write}"),
    );
    let (loc, cookie) = interactive(&env, &az, "adele", None).await;
    assert!(loc.starts_with(&env.app()), "{loc}");
    let p = location_params(&loc);
    assert_eq!(p["state"], "state-123");
    assert!(cookie.is_some(), "session cookie set");
    let code = p["code"].clone();

    let (status, body) = redeem(&env, &az, &code, "openid profile offline_access User.Read").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let at = claims(body["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], GRAPH);
    assert_eq!(at["scp"], "User.Read");
    assert_eq!(at["upn"], upn("adele"));
    assert_eq!(at["tid"], emulator::TENANT_ID);
    assert!(at["oid"].as_str().unwrap().len() == 36);
    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], emulator::DEMO_CLIENT_ID);
    assert_eq!(id["nonce"], "nonce-456");
    assert_eq!(id["preferred_username"], upn("adele"));
    assert_eq!(id["oid"], at["oid"]);
    let rt = body["refresh_token"].as_str().unwrap().to_string();

    // The JWT header names the key published in the JWKS.
    let header: Value = {
        use base64::Engine as _;
        let h = body["access_token"]
            .as_str()
            .unwrap()
            .split('.')
            .next()
            .unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .unwrap(),
        )
        .unwrap()
    };
    let jwks: Value = env
        .http
        .get(env.login("/discovery/v2.0/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], header["kid"]);

    // Cross-resource refresh: the same refresh token redeems a SharePoint token.
    let (status, sp) = refresh(&env, &rt, &format!("{sp_write} offline_access")).await;
    assert_eq!(status, 200, "{sp}");
    let spc = claims(sp["access_token"].as_str().unwrap());
    assert_eq!(spc["aud"], env.emu.origin("contoso-my"));
    // What the user consented to, and the tenant's admin consent for the page's permissions.
    assert_eq!(
        spc["scp"],
        "AllSites.Read AllSites.Write User.ReadWrite.All"
    );
    assert!(sp["refresh_token"].as_str().unwrap() != rt);
    assert!(sp["scope"].as_str().unwrap().contains(&sp_write));

    // Code is single use.
    let (status, err) = redeem(&env, &az, &code, "User.Read").await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_grant");
    assert_eq!(aadsts(&err), 54005);

    // The session makes the next authorize silent (login_hint), and prompt=none works too.
    let mut az2 = Authorize::new(&env, "openid User.Read");
    az2.extra.push(("login_hint".into(), upn("adele")));
    let r = get_with_cookie(&env, &az2.url(&env), cookie.as_deref()).await;
    assert_eq!(r.status(), 302);
    assert!(location_params(&location(&r)).contains_key("code"));
    let mut az3 = Authorize::new(&env, "openid User.Read");
    az3.extra.push(("prompt".into(), "none".into()));
    let r = get_with_cookie(&env, &az3.url(&env), cookie.as_deref()).await;
    assert_eq!(r.status(), 302);
    assert!(location_params(&location(&r)).contains_key("code"));

    // The log has the token requests with their form fields, without secrets.
    let log = env.emu.control().log().await.unwrap();
    let tok: Vec<_> = log
        .iter()
        .filter(|e| e.path_and_query.ends_with("/token"))
        .collect();
    assert!(tok
        .iter()
        .any(|e| e.grant_type.as_deref() == Some("authorization_code") && e.has_code_verifier));
    assert!(tok
        .iter()
        .any(|e| e.grant_type.as_deref() == Some("refresh_token")));
    assert!(log
        .iter()
        .any(|e| e.code_challenge_method.as_deref() == Some("S256")));
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&code), "the code never appears in the log");
    assert!(
        !text.contains(&rt),
        "the refresh token never appears in the log"
    );
}

#[tokio::test]
async fn redirect_uri_mismatch_and_unknown_client_are_error_pages() {
    let env = Env::start().await;
    let mut az = Authorize::new(&env, "openid User.Read");
    az.redirect_uri = "http://evil.localhost:1/".into();
    let r = env.http.get(az.url(&env)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let html = r.text().await.unwrap();
    assert!(html.contains("AADSTS50011"), "{html}");
    assert!(html.contains("http://evil.localhost:1/"));

    let url = az.url(&env).replace(
        emulator::DEMO_CLIENT_ID,
        "11111111-2222-3333-4444-555555555555",
    );
    let html = env
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("AADSTS700016"), "{html}");
}

#[tokio::test]
async fn authorize_errors_go_back_to_the_app_with_state() {
    let env = Env::start().await;
    // No PKCE.
    let az = Authorize::new(&env, "openid User.Read");
    let url = az.url(&env).replace("&code_challenge_method=S256", "");
    let r = env.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let p = location_params(&location(&r));
    assert_eq!(p["error"], "invalid_request");
    assert_eq!(p["state"], "state-123");

    // Cancel on the sign-in page.
    let html = env
        .http
        .get(az.url(&env))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"signin-cancel\""));
    let ctx = hidden(&html, "ctx").unwrap();
    let r = post_form(
        &env,
        &env.login("/login"),
        &[("ctx", &ctx), ("cancel", "1")],
        None,
    )
    .await;
    let p = location_params(&location(&r));
    assert_eq!(p["error"], "access_denied");
    assert_eq!(p["state"], "state-123");

    // Decline consent.
    let html = env
        .http
        .get(az.url(&env))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ctx = hidden(&html, "ctx").unwrap();
    let u = upn("megan");
    let r = post_form(
        &env,
        &env.login("/login"),
        &[("ctx", &ctx), ("account", &u)],
        None,
    )
    .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("data-testid=\"consent-cancel\""));
    let ctx = hidden(&html, "ctx").unwrap();
    let r = post_form(
        &env,
        &env.login("/consent"),
        &[("ctx", &ctx), ("action", "cancel")],
        None,
    )
    .await;
    let p = location_params(&location(&r));
    assert_eq!(p["error"], "access_denied");
    assert!(p["error_description"].starts_with("AADSTS65004"), "{p:?}");
    assert_eq!(p["state"], "state-123");

    // prompt=none without a session, and with a session but no consent.
    let mut az = Authorize::new(&env, "openid User.Read");
    az.extra.push(("prompt".into(), "none".into()));
    let r = env.http.get(az.url(&env)).send().await.unwrap();
    let p = location_params(&location(&r));
    assert_eq!(p["error"], "login_required");
    assert_eq!(p["state"], "state-123");
    let signed = Authorize::new(&env, "openid User.Read");
    let (_, cookie) = interactive(&env, &signed, "alex", None).await;
    let mut az = Authorize::new(&env, &format!("openid {}", env.sp_scope("AllSites.Write")));
    az.extra.push(("prompt".into(), "none".into()));
    let r = get_with_cookie(&env, &az.url(&env), cookie.as_deref()).await;
    let p = location_params(&location(&r));
    assert_eq!(p["error"], "consent_required");
    assert!(p["error_description"].starts_with("AADSTS65001"));

    // Fragment response mode.
    let mut az = Authorize::new(&env, "openid User.Read");
    az.extra.push(("response_mode".into(), "fragment".into()));
    let r = get_with_cookie(&env, &az.url(&env), cookie.as_deref()).await;
    let loc = location(&r);
    assert!(loc.contains("#code="), "{loc}");
}

#[tokio::test]
async fn token_endpoint_errors() {
    let env = Env::start().await;
    let az = Authorize::new(&env, "openid offline_access User.Read");
    let (loc, _) = interactive(&env, &az, "alex", None).await;
    let code = location_params(&loc)["code"].clone();

    // No Origin header: SPA codes must be redeemed cross-origin.
    let r = env
        .http
        .post(env.login("/oauth2/v2.0/token"))
        .form(&[
            ("client_id", emulator::DEMO_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &az.redirect_uri),
            ("code_verifier", &az.verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(aadsts(&body), 9002327);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS9002327: "));
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[k].is_string(), "{k}");
    }

    // Two resources in one token request.
    let (status, body) = redeem(
        &env,
        &az,
        &code,
        &format!("User.Read {}", env.sp_scope("AllSites.Read")),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_scope");
    assert_eq!(aadsts(&body), 700022);

    // Wrong verifier.
    let mut bad = Authorize::new(&env, "User.Read");
    bad.redirect_uri = az.redirect_uri.clone();
    let (status, body) = redeem(&env, &bad, &code, "User.Read").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aadsts(&body), 501481);

    // The right verifier still works (failed attempts do not burn the code), then reuse fails.
    let (status, ok) = redeem(&env, &az, &code, "openid offline_access User.Read").await;
    assert_eq!(status, 200, "{ok}");
    let (_, body) = redeem(&env, &az, &code, "User.Read").await;
    assert_eq!(aadsts(&body), 54005);

    // Consent missing for another resource.
    let rt = ok["refresh_token"].as_str().unwrap();
    let (status, body) = refresh(&env, rt, &env.sp_scope("AllSites.Write")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aadsts(&body), 65001);

    // Refresh without Origin.
    let r = env
        .http
        .post(env.login("/oauth2/v2.0/token"))
        .form(&[
            ("client_id", emulator::DEMO_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", "User.Read"),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(aadsts(&body), 9002327);

    // Refresh tokens expire (SPA: fixed lifetime).
    let (status, _) = refresh(&env, rt, "User.Read").await;
    assert_eq!(status, 200);
    env.emu.control().expire_all_tokens().await.unwrap();
    let (status, body) = refresh(&env, rt, "User.Read").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aadsts(&body), 700084);
}

#[tokio::test]
async fn web_redirect_uri_cannot_be_redeemed_cross_origin() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let mut reg = ctl.registration().await.unwrap();
    let web = format!("{}/web-callback", env.app_origin());
    reg.web_redirect_uris.push(web.clone());
    ctl.set_registration(reg).await.unwrap();
    let mut az = Authorize::new(&env, "openid User.Read");
    az.redirect_uri = web.clone();
    let (loc, _) = interactive(&env, &az, "adele", None).await;
    assert!(loc.starts_with(&web));
    let code = location_params(&loc)["code"].clone();
    let (status, body) = redeem(&env, &az, &code, "User.Read").await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body), 9002326);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type"));
}

#[tokio::test]
async fn token_cors_only_for_registered_spa_origins() {
    let env = Env::start().await;
    let pre = |origin: String| {
        env.http
            .request(reqwest::Method::OPTIONS, env.login("/oauth2/v2.0/token"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let r = pre(env.app_origin()).await.unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"].to_str().unwrap(),
        env.app_origin()
    );
    let r = pre(env.emu.origin("evil")).await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = env
        .http
        .get(format!(
            "{}/organizations/v2.0/.well-known/openid-configuration",
            env.emu.origin("login")
        ))
        .header("origin", env.app_origin())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let doc: Value = r.json().await.unwrap();
    assert_eq!(
        doc["issuer"],
        format!("{}/{{tenantid}}/v2.0", env.emu.origin("login"))
    );
    assert_eq!(
        doc["authorization_endpoint"],
        format!(
            "{}/organizations/oauth2/v2.0/authorize",
            env.emu.origin("login")
        )
    );
    let answer = env
        .http
        .get(env.login("/v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.headers()["cache-control"].to_str().unwrap(),
        "max-age=86400, private",
        "kept a day by the browser, as Entra ID's"
    );
    let doc: Value = answer.json().await.unwrap();
    assert_eq!(
        doc["issuer"],
        format!("{}/{}/v2.0", env.emu.origin("login"), emulator::TENANT_ID)
    );
    assert_eq!(doc["token_endpoint"], env.login("/oauth2/v2.0/token"));
}

#[tokio::test]
async fn logout_clears_the_session() {
    let env = Env::start().await;
    let az = Authorize::new(&env, "openid User.Read");
    let (_, cookie) = interactive(&env, &az, "adele", None).await;
    let url = format!(
        "{}?post_logout_redirect_uri={}",
        env.login("/oauth2/v2.0/logout"),
        env.app()
    );
    let r = get_with_cookie(&env, &url, cookie.as_deref()).await;
    // Like Entra ID: a page of its own that moves on to the app, and refuses to be framed.
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "<meta http-equiv=\"refresh\" content=\"0; url={}\">",
            env.app()
        )),
        "{page}"
    );
    let mut az = Authorize::new(&env, "openid User.Read");
    az.extra.push(("prompt".into(), "none".into()));
    let r = get_with_cookie(&env, &az.url(&env), cookie.as_deref()).await;
    assert_eq!(location_params(&location(&r))["error"], "login_required");
}

#[tokio::test]
async fn sign_in_pages_refuse_to_be_framed() {
    let env = Env::start().await;
    let az = Authorize::new(&env, "openid User.Read");
    let r = env.http.get(az.url(&env)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
}

#[tokio::test]
async fn dot_default_asks_for_the_configured_permissions() {
    let env = Env::start().await;
    let scope = format!("openid offline_access {}", env.sp_scope(".default"));
    let body = sign_in(&env, "pradeep", &scope).await;
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], env.emu.origin("contoso-my"));
    assert_eq!(c["scp"], "AllSites.Read User.ReadWrite.All");
    // Graph's configured permissions come with a refresh for https://graph.microsoft.com/.default
    // only after consent: not yet given.
    let rt = body["refresh_token"].as_str().unwrap();
    let (status, err) = refresh(&env, rt, "https://graph.microsoft.com/.default").await;
    assert_eq!((status, aadsts(&err)), (400, 65001));
    env.emu
        .control()
        .grant_consent(&upn("pradeep"), &["https://graph.microsoft.com/.default"])
        .await
        .unwrap();
    let (status, ok) = refresh(&env, rt, "https://graph.microsoft.com/.default").await;
    assert_eq!(status, 200, "{ok}");
    let c = claims(ok["access_token"].as_str().unwrap());
    assert_eq!(
        c["scp"],
        "GroupMember.Read.All ProfilePhoto.Read.All User.Read User.ReadBasic.All"
    );
}

#[tokio::test]
async fn sharepoint_profile_permissions_need_an_administrators_consent() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let profile = env.sp_scope("User.ReadWrite.All");
    let site = env.sp_scope("AllSites.Read");
    // A tenant whose administrator granted only the site permission.
    ctl.set_admin_consent(&[&site]).await.unwrap();

    // Interactive: no consent screen a user could accept, but "Need admin approval", and
    // going back tells the app AADSTS90094.
    let az = Authorize::new(&env, &format!("openid offline_access {profile}"));
    let r = env.http.get(az.url(&env)).send().await.unwrap();
    let ctx = hidden(&r.text().await.unwrap(), "ctx").unwrap();
    let r = post_form(
        &env,
        &env.login("/login"),
        &[("ctx", &ctx), ("account", &upn("adele"))],
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Need admin approval") && html.contains("User.ReadWrite.All"),
        "{html}"
    );
    assert!(
        !html.contains("consent-accept"),
        "nothing for a user to accept"
    );
    let ctx = hidden(&html, "ctx").unwrap();
    // Even an accept posted to it grants nothing.
    let r = post_form(
        &env,
        &env.login("/consent"),
        &[("ctx", &ctx), ("action", "accept")],
        None,
    )
    .await;
    let p = location_params(&location(&r));
    assert_eq!(p["error"], "access_denied");
    assert!(p["error_description"].starts_with("AADSTS90094: "), "{p:?}");
    assert_eq!(p["state"], "state-123");

    // Through a refresh token (the page's way): AADSTS65001, until the admin consents.
    let body = sign_in(&env, "adele", "openid offline_access User.Read").await;
    let rt = body["refresh_token"].as_str().unwrap().to_owned();
    let both = format!("{profile} {site} offline_access");
    let (status, err) = refresh(&env, &rt, &both).await;
    assert_eq!((status, aadsts(&err)), (400, 65001), "{err}");
    let (status, ok) = refresh(&env, &rt, &format!("{site} offline_access")).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(
        claims(ok["access_token"].as_str().unwrap())["scp"],
        "AllSites.Read"
    );

    ctl.set_admin_consent(&[&profile, &site]).await.unwrap();
    let rt = ok["refresh_token"].as_str().unwrap();
    let (status, ok) = refresh(&env, rt, &both).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(
        claims(ok["access_token"].as_str().unwrap())["scp"],
        "AllSites.Read User.ReadWrite.All"
    );
    assert!(ok["scope"].as_str().unwrap().contains(&profile));
    // The admin's grant is for SharePoint, so the admin host's tokens carry it too.
    let (status, admin) = refresh(
        &env,
        ok["refresh_token"].as_str().unwrap(),
        &env.admin_scope("User.ReadWrite.All"),
    )
    .await;
    assert_eq!(status, 200, "{admin}");
}
