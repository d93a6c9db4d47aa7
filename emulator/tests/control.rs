//! Control-API switches for failure tests: redirect and raw-body faults, an answer lost after
//! the write, hostile user fields and profile properties, tampered ID tokens, a skewed clock and
//! SharePoint reads that never see a new picture.

mod common;

use common::*;
use emulator::{FaultKind, FaultRule, IdTokenTamper};
use serde_json::Value;

const NOMETA: &str = "application/json;odata=nometadata";

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 3 % 256) as u8, (y * 5 % 256) as u8, 60])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

async fn my_properties(env: &Env, t: &str) -> Value {
    let r = env
        .http
        .get(env.my("/_api/SP.UserProfiles.PeopleManager/GetMyProperties"))
        .bearer_auth(t)
        .header("accept", NOMETA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn property<'a>(p: &'a Value, key: &str) -> &'a str {
    p["UserProfileProperties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|kv| kv["Key"] == key)
        .and_then(|kv| kv["Value"].as_str())
        .unwrap_or("")
}

async fn set_picture(env: &Env, t: &str, bytes: Vec<u8>) -> reqwest::Result<reqwest::Response> {
    env.http
        .post(env.my("/_api/SP.UserProfiles.PeopleManager/SetMyProfilePicture"))
        .bearer_auth(t)
        .header("accept", NOMETA)
        .body(bytes)
        .send()
        .await
}

#[tokio::test]
async fn redirect_and_body_faults() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let t = token(&env, "adele", "User.Read").await;
    let evil = format!("{}/steal", env.emu.origin("evil"));
    ctl.set_fault(FaultRule {
        host: Some("graph".into()),
        path_contains: Some("/me".into()),
        kind: FaultKind::Redirect {
            location: evil.clone(),
        },
        times: Some(1),
        ..FaultRule::default()
    })
    .await
    .unwrap();
    let r = env
        .http
        .get(env.graph("/me"))
        .bearer_auth(&t)
        .header("origin", env.app_origin())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), evil);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        env.app_origin().as_str(),
        "a redirect the browser can follow"
    );

    ctl.set_fault(FaultRule {
        host: Some("login".into()),
        path_contains: Some("/token".into()),
        method: Some("POST".into()),
        status: 200,
        kind: FaultKind::Body {
            content_type: "application/json".into(),
            body: "{\"access_token\": ".into(),
        },
        times: Some(1),
        ..FaultRule::default()
    })
    .await
    .unwrap();
    let r = env
        .http
        .post(env.login("/oauth2/v2.0/token"))
        .header("origin", env.app_origin())
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.text().await.unwrap(), "{\"access_token\": ");
    let log = ctl.log().await.unwrap();
    assert_eq!(log.last().unwrap().injected.as_deref(), Some("fault"));
}

#[tokio::test]
async fn drop_after_handling_writes_but_loses_the_answer() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let t = token(
        &env,
        "megan",
        &env.sp_scopes(&["AllSites.Write", "User.ReadWrite.All"]),
    )
    .await;
    ctl.set_fault(FaultRule {
        host: Some("contoso-my".into()),
        path_contains: Some("SetMyProfilePicture".into()),
        kind: FaultKind::DropAfterHandling,
        times: Some(1),
        ..FaultRule::default()
    })
    .await
    .unwrap();
    assert!(
        set_picture(&env, &t, jpeg(300, 300)).await.is_err(),
        "the answer is lost"
    );
    let state = ctl.state().await.unwrap();
    let oid = &state.user("megan").unwrap().oid;
    let profile = state.profile("megan").unwrap();
    assert_eq!(
        profile["SPS-PicturePlaceholderState"], "0",
        "the write happened"
    );
    assert!(profile["PictureURL"].contains(&format!("{oid}_MThumb.jpg")));
    let entry = ctl.log().await.unwrap().pop().unwrap();
    assert_eq!(entry.status, 0);
    assert_eq!(entry.injected.as_deref(), Some("dropped"));
    // Only once: the next calls answer. The lost answer closed its connection: the next
    // call came on a new one, which the client kept for the call after it (the log tells a
    // browser's resend on a kept connection from a request of its own).
    for _ in 0..2 {
        let answered = set_picture(&env, &t, jpeg(300, 300)).await.unwrap();
        assert_eq!(answered.status(), 200);
    }
    let log = ctl.log().await.unwrap();
    let [.., dropped, answered, again] = &log[..] else {
        panic!("three writes logged")
    };
    assert!(dropped.connection > 0);
    assert_ne!(answered.connection, dropped.connection);
    assert_eq!(answered.nth_on_connection, 1, "a new connection");
    assert_eq!(again.connection, answered.connection, "the kept connection");
    assert_eq!(again.nth_on_connection, 2);
}

#[tokio::test]
async fn hostile_my_site_and_picture_url() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let evil_site = format!("{}/personal/adele", env.emu.origin("evil"));
    ctl.set_user_field(&upn("adele"), "mySite", &evil_site)
        .await
        .unwrap();
    let t = token(&env, "adele", "User.Read").await;
    let me: Value = env
        .http
        .get(env.graph("/me?$select=id,mySite"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["mySite"], evil_site.as_str());
    assert!(ctl
        .set_user_field(&upn("adele"), "userPrincipalName", "x")
        .await
        .is_err());
    assert!(ctl
        .set_user_field(&upn("nobody"), "mySite", "x")
        .await
        .is_err());

    let foreign = format!("{}/photo.jpg", env.emu.origin("evil"));
    ctl.set_profile_property(&upn("adele"), "PictureURL", &foreign)
        .await
        .unwrap();
    let sp = token(
        &env,
        "adele",
        &env.sp_scopes(&["AllSites.Read", "User.Read.All"]),
    )
    .await;
    let p = my_properties(&env, &sp).await;
    assert_eq!(p["PictureUrl"], foreign.as_str());
    assert_eq!(property(&p, "PictureURL"), foreign);
    let state = ctl.state().await.unwrap();
    assert_eq!(state.profile("adele").unwrap()["PictureURL"], foreign);
}

#[tokio::test]
async fn tampered_id_tokens_one_at_a_time() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let scope = "openid profile offline_access User.Read";
    ctl.tamper_next_id_token(IdTokenTamper::Nonce)
        .await
        .unwrap();
    let body = sign_in(&env, "adele", scope).await;
    let id = claims(body["id_token"].as_str().unwrap());
    assert_ne!(id["nonce"], "nonce-456");
    assert_eq!(id["aud"], emulator::DEMO_CLIENT_ID);
    let rt = body["refresh_token"].as_str().unwrap().to_string();

    let id_after_refresh = |body: Value| claims(body["id_token"].as_str().unwrap());
    let (_, body) = refresh(&env, &rt, scope).await;
    let good = id_after_refresh(body);
    assert_eq!(good["aud"], emulator::DEMO_CLIENT_ID);
    let issuer = good["iss"].as_str().unwrap().to_string();

    ctl.tamper_next_id_token(IdTokenTamper::Aud).await.unwrap();
    let (_, body) = refresh(&env, &rt, scope).await;
    let id = id_after_refresh(body);
    assert_ne!(id["aud"], emulator::DEMO_CLIENT_ID);
    assert_eq!(id["iss"], issuer.as_str());

    ctl.tamper_next_id_token(IdTokenTamper::Iss).await.unwrap();
    let (_, body) = refresh(&env, &rt, scope).await;
    let id = id_after_refresh(body);
    assert_ne!(id["iss"], issuer.as_str());
    assert_eq!(id["aud"], emulator::DEMO_CLIENT_ID);
}

#[tokio::test]
async fn clock_skew_shifts_issued_times_and_services_agree() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    ctl.set_clock_skew_secs(-7200).await.unwrap();
    let t = token(&env, "adele", "User.Read").await;
    let c = claims(&t);
    let iat = c["iat"].as_i64().unwrap();
    assert!((iat - (now_secs() - 7200)).abs() <= 5, "iat {iat}");
    assert!(
        c["exp"].as_i64().unwrap() < now_secs(),
        "expired by the real clock"
    );
    let r = env
        .http
        .get(env.graph("/me"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "Graph runs on the same (skewed) clock");

    ctl.set_clock_skew_secs(600).await.unwrap();
    let body = sign_in(&env, "adele", "openid profile User.Read").await;
    let id = claims(body["id_token"].as_str().unwrap());
    let iat = id["iat"].as_i64().unwrap();
    assert!((iat - (now_secs() + 600)).abs() <= 5, "iat {iat}");
    assert_eq!(body["expires_in"], 3600, "lifetimes stay relative");
}

#[tokio::test]
async fn stale_sharepoint_reads_never_show_the_new_picture() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let t = token(
        &env,
        "adele",
        &env.sp_scopes(&["AllSites.Write", "User.ReadWrite.All"]),
    )
    .await;
    let before = my_properties(&env, &t).await;
    let old_ts = property(&before, "SPS-PictureTimestamp").to_string();
    let old_url = before["PictureUrl"].as_str().unwrap().to_string();
    let old_thumb = env
        .http
        .get(&old_url)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    ctl.set_sharepoint_stale_reads(true).await.unwrap();
    let r = set_picture(&env, &t, jpeg(400, 400)).await.unwrap();
    assert_eq!(r.status(), 200, "the write is accepted");
    let state = ctl.state().await.unwrap();
    let written = state.profile("adele").unwrap()["SPS-PictureTimestamp"].clone();
    assert_ne!(written, old_ts, "the store has the new picture");

    let after = my_properties(&env, &t).await;
    assert_eq!(property(&after, "SPS-PictureTimestamp"), old_ts);
    let thumb = env
        .http
        .get(&old_url)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(thumb, old_thumb, "the old thumbnail is still served");

    ctl.set_sharepoint_stale_reads(false).await.unwrap();
    let fresh = my_properties(&env, &t).await;
    assert_eq!(property(&fresh, "SPS-PictureTimestamp"), written);
}

#[tokio::test]
async fn app_files_come_with_the_deployment_guides_headers() {
    let dir = std::env::temp_dir().join(format!("emu-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>x</title>").unwrap();
    let emu = emulator::Emulator::start(emulator::EmulatorOptions {
        app_dir: Some(dir.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let http = emu.http_client();
    let get = || http.get(emu.app_url()).send();
    let r = get().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    assert!(directives.contains(&"default-src 'none'"), "{csp}");
    assert!(
        directives.contains(&"script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(
        directives.contains(&format!("frame-ancestors 'self' {}", emu.origin("intranet")).as_str()),
        "frame-ancestors from embedOrigins: {csp}"
    );
    let connect = directives
        .iter()
        .find(|d| d.starts_with("connect-src"))
        .unwrap();
    for host in ["login", "graph", "contoso-my", "contoso-admin"] {
        assert!(connect.contains(&emu.origin(host)), "{connect}");
    }
    assert!(!connect.contains("evil"), "{connect}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h.get("x-frame-options").is_none(), "would block embedding");

    emu.control().set_production_headers(false).await.unwrap();
    let r = get().await.unwrap();
    assert!(r.headers().get("content-security-policy").is_none());
    emu.control().reset().await.unwrap();
    let r = get().await.unwrap();
    assert!(r.headers().get("content-security-policy").is_some());
    let _ = std::fs::remove_dir_all(dir);
}

/// As the deployment guide's nginx and Apache blocks do: the app's text and wasm files go out
/// gzipped to a browser that takes gzip, as they are to a client that does not, and small
/// files as they are.
#[tokio::test]
async fn app_files_are_gzipped_for_browsers_that_take_it() {
    use std::io::Read;
    let dir = std::env::temp_dir().join(format!("emu-gzip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm: Vec<u8> = (0..64 * 1024u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("app-0123abcd_bg.wasm"), &wasm).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>x</title>").unwrap();
    let emu = emulator::Emulator::start(emulator::EmulatorOptions {
        app_dir: Some(dir.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let http = emu.http_client();
    let url = format!("{}app-0123abcd_bg.wasm", emu.app_url());
    let get = |accept: &'static str| {
        let request = http.get(&url);
        let request = if accept.is_empty() {
            request
        } else {
            request.header("accept-encoding", accept)
        };
        request.send()
    };
    for _ in 0..2 {
        let r = get("gzip, deflate, br").await.unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(r.headers()["vary"], "Accept-Encoding");
        assert_eq!(r.headers()["content-type"], "application/wasm");
        let body = r.bytes().await.unwrap();
        assert!(body.len() < wasm.len() / 4, "{} bytes", body.len());
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, wasm, "the same file, compressed");
    }
    for refused in ["", "identity", "gzip;q=0, br"] {
        let r = get(refused).await.unwrap();
        assert!(r.headers().get("content-encoding").is_none(), "{refused:?}");
        assert_eq!(r.bytes().await.unwrap().to_vec(), wasm, "{refused:?}");
    }
    let small = http
        .get(emu.app_url())
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(small.headers().get("content-encoding").is_none());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn site_permissions_read_profiles_only_when_switched_on() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let site = token(&env, "adele", &env.sp_scopes(&["AllSites.Write"])).await;
    let url = env.my("/_api/SP.UserProfiles.PeopleManager/GetMyProperties");
    let status = |t: String| {
        let (env, url) = (&env, url.clone());
        async move {
            env.http
                .get(&url)
                .bearer_auth(t)
                .header("accept", NOMETA)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        status(site.clone()).await,
        403,
        "profiles are their own area"
    );
    ctl.set_sharepoint_scope_rules(emulator::SharePointScopeRules {
        site_scopes_read_profiles: true,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(status(site.clone()).await, 200);
    ctl.reset().await.unwrap();
    assert_eq!(status(site).await, 403, "reset puts the rules back");
}
