//! Microsoft Graph: users, photos and their errors, paging and filters, $batch, CORS.

mod common;

use base64::Engine as _;
use common::*;
use serde_json::{json, Value};

async fn get(
    env: &Env,
    token: Option<&str>,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut rb = env
        .http
        .get(env.graph(path))
        .header("origin", env.app_origin());
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

async fn get_json(env: &Env, token: &str, path: &str) -> (u16, Value) {
    let (s, _, b) = get(env, Some(token), path).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

fn dims(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).expect("an image");
    (img.width(), img.height())
}

#[tokio::test]
async fn me_and_my_photo_after_a_real_sign_in() {
    let env = Env::start().await;
    let tok = sign_in(&env, "adele", "openid profile offline_access User.Read").await;
    let at = tok["access_token"].as_str().unwrap();
    let (s, me) = get_json(&env, at, "/me").await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["displayName"], "Adele Vance");
    assert_eq!(me["userPrincipalName"], upn("adele"));
    assert!(me.get("mySite").is_none());
    let (_, me) = get_json(&env, at, "/me?$select=id,displayName,mySite").await;
    assert_eq!(
        me["mySite"],
        format!(
            "{}/personal/adele_contoso_onmicrosoft_com",
            env.emu.origin("contoso-my")
        )
    );
    assert!(me.get("mail").is_none());

    let state = env.emu.control().state().await.unwrap();
    let adele = state.user("adele").unwrap();
    let ex = adele.exchange_photo.as_ref().unwrap();
    let (s, meta) = get_json(&env, at, "/me/photo").await;
    assert_eq!(s, 200);
    assert_eq!(meta["@odata.mediaContentType"], "image/jpeg");
    assert_eq!(meta["@odata.mediaEtag"], ex.etag);
    assert_eq!(meta["id"], "648X648");
    assert_eq!(meta["width"], 648);
    let (s, h, bytes) = get(&env, Some(at), "/me/photo/$value").await;
    assert_eq!(s, 200);
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(
        bytes,
        env.emu
            .control()
            .exchange_photo(&upn("adele"))
            .await
            .unwrap()
    );
    let (_, photos) = get_json(&env, at, "/me/photos").await;
    let ids: Vec<&str> = photos["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "48X48", "64X64", "96X96", "120X120", "240X240", "360X360", "432X432", "504X504",
            "648X648"
        ]
    );
    for size in [48u32, 120, 648] {
        let (s, _, b) = get(&env, Some(at), &format!("/me/photos/{size}x{size}/$value")).await;
        assert_eq!(s, 200);
        assert_eq!(dims(&b), (size, size));
    }
    let (s, m) = get_json(&env, at, "/me/photos/96x96").await;
    assert_eq!((s, m["width"].as_u64()), (200, Some(96)));
    let (s, m) = get_json(&env, at, "/me/photos/50x50").await;
    assert_eq!(
        (s, m["error"]["code"].as_str()),
        (404, Some("ImageNotFound"))
    );
    // Not allowed to read others' photos with User.Read.
    let (s, m) = get_json(&env, at, &format!("/users/{}/photo/$value", upn("alex"))).await;
    assert_eq!(
        (s, m["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
}

#[tokio::test]
async fn photo_404s_png_and_big_photos() {
    let env = Env::start().await;
    let t = token(&env, "admin", "User.Read ProfilePhoto.Read.All").await;
    let (s, m) = get_json(&env, &t, &format!("/users/{}/photo", upn("megan"))).await;
    assert_eq!(s, 404);
    assert_eq!(m["error"]["code"], "ImageNotFound");
    assert_eq!(
        m["error"]["message"],
        "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown."
    );
    let (s, m) = get_json(&env, &t, &format!("/users/{}/photo/$value", upn("megan"))).await;
    assert_eq!(
        (s, m["error"]["code"].as_str()),
        (404, Some("ImageNotFound"))
    );
    let (s, m) = get_json(&env, &t, &format!("/users/{}/photos", upn("megan"))).await;
    assert_eq!((s, m["value"].as_array().map(Vec::len)), (200, Some(0)));
    let (s, m) = get_json(&env, &t, &format!("/users/{}/photo/$value", upn("lee"))).await;
    assert_eq!(s, 404);
    assert_eq!(m["error"]["code"], "MailboxNotEnabledForRESTAPI");
    assert_eq!(
        m["error"]["message"],
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
    );

    let (s, h, b) = get(
        &env,
        Some(&t),
        &format!("/users/{}/photo/$value", upn("pradeep")),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(h["content-type"], "image/png");
    let img = image::load_from_memory(&b).unwrap().to_rgba8();
    assert_eq!(img.get_pixel(0, 0)[3], 0, "transparent corner");
    assert_eq!(img.get_pixel(324, 400)[3], 255, "opaque person");

    let state = env.emu.control().state().await.unwrap();
    let grady = state.user("grady").unwrap().exchange_photo.clone().unwrap();
    assert_eq!((grady.width, grady.height), (4000, 3000));
    assert!(
        grady.bytes_len >= 3_500_000 && grady.bytes_len <= 4_990_000,
        "{}",
        grady.bytes_len
    );
    let (s, m) = get_json(&env, &t, &format!("/users/{}/photo", upn("grady"))).await;
    assert_eq!(
        (s, m["width"].as_u64(), m["height"].as_u64()),
        (200, Some(4000), Some(3000))
    );
    let (s, _, b) = get(
        &env,
        Some(&t),
        &format!("/users/{}/photos/648x648/$value", upn("grady")),
    )
    .await;
    assert_eq!((s, dims(&b)), (200, (648, 648)));

    // Garbage stored as an Exchange photo comes back as it is.
    let ctl = env.emu.control();
    ctl.set_exchange_photo_raw(
        &upn("alex"),
        b"definitely not a jpeg".to_vec(),
        "image/jpeg",
    )
    .await
    .unwrap();
    let (s, h, b) = get(
        &env,
        Some(&t),
        &format!("/users/{}/photo/$value", upn("alex")),
    )
    .await;
    assert_eq!(
        (s, h["content-type"].to_str().unwrap(), b.as_slice()),
        (200, "image/jpeg", &b"definitely not a jpeg"[..])
    );
}

#[tokio::test]
async fn authentication_and_authorization_errors() {
    let env = Env::start().await;
    let (s, h, b) = get(&env, None, "/me").await;
    assert_eq!(s, 401);
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
    assert!(h.contains_key("www-authenticate"));
    // A SharePoint token is refused by Graph.
    let sp = token(
        &env,
        "adele",
        &env.sp_scopes(&["AllSites.Read", "User.Read.All"]),
    )
    .await;
    let (s, v) = get_json(&env, &sp, "/me").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert!(v["error"]["message"].as_str().unwrap().contains("audience"));
    // Tampered signature.
    let good = token(&env, "adele", "User.Read").await;
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let mut claims = claims(&good);
    claims["upn"] = json!(upn("admin"));
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let (s, _) = get_json(&env, &parts.join("."), "/me").await;
    assert_eq!(s, 401);
    // Missing scope.
    let (s, v) = get_json(&env, &good, "/users").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    // Expired by the control API.
    let (s, _) = get_json(&env, &good, "/me").await;
    assert_eq!(s, 200);
    env.emu.control().expire_tokens().await.unwrap();
    let (s, v) = get_json(&env, &good, "/me").await;
    assert_eq!(s, 401);
    assert!(v["error"]["message"].as_str().unwrap().contains("expired"));
    let fresh = token(&env, "adele", "User.Read").await;
    assert_eq!(get_json(&env, &fresh, "/me").await.0, 200);
    // Short lifetimes.
    let ctl = env.emu.control();
    ctl.set_token_lifetimes(emulator::TokenLifetimes {
        access_secs: 1,
        refresh_secs: 86400,
    })
    .await
    .unwrap();
    let short = ctl.mint_token(&upn("adele"), "User.Read").await.unwrap();
    assert_eq!(short.expires_in, 1);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(get_json(&env, &short.access_token, "/me").await.0, 401);
}

#[tokio::test]
async fn users_paging_filter_select_and_groups() {
    let env = Env::start().await;
    let t = token(&env, "admin", "User.Read.All GroupMember.Read.All").await;
    let (s, p1) = get_json(
        &env,
        &t,
        "/users?$top=3&$select=id,displayName,userPrincipalName",
    )
    .await;
    assert_eq!(s, 200, "{p1}");
    assert_eq!(p1["value"].as_array().unwrap().len(), 3);
    assert!(p1["value"][0].get("mail").is_none());
    let mut all: Vec<String> = p1["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap().to_string())
        .collect();
    let mut next = p1["@odata.nextLink"].as_str().map(str::to_string);
    while let Some(url) = next {
        let path = url.strip_prefix(&env.graph("")).unwrap().to_string();
        let (_, p) = get_json(&env, &t, &path).await;
        all.extend(
            p["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["userPrincipalName"].as_str().unwrap().to_string()),
        );
        next = p["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(all.len(), 8);
    assert!(all.contains(&upn("janis")));

    let (_, v) = get_json(&env, &t, "/users?$filter=startswith(displayName,'a')").await;
    let names: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Adele Vance", "Alex Wilber"]);
    let f = format!(
        "/users?$filter=userPrincipalName in ('{}','{}')",
        upn("lee"),
        upn("janis")
    );
    let (_, v) = get_json(&env, &t, &f).await;
    let names: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Lee Gu", "Jānis Bērziņš"]);
    let (s, v) = get_json(&env, &t, "/users?$select=nope").await;
    assert_eq!((s, v["error"]["code"].as_str()), (400, Some("BadRequest")));
    let (s, v) = get_json(&env, &t, "/users?$filter=officeLocation eq 'x'").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("Request_UnsupportedQuery"))
    );

    let (_, groups) = get_json(&env, &t, "/groups").await;
    let gid = groups["value"][0]["id"].as_str().unwrap().to_string();
    let (s, m) = get_json(
        &env,
        &t,
        &format!("/groups/{gid}/members?$top=5&$select=id,userPrincipalName"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(m["value"].as_array().unwrap().len(), 5);
    assert_eq!(m["value"][0]["@odata.type"], "#microsoft.graph.user");
    assert!(m["@odata.nextLink"].is_string());
}

#[tokio::test]
async fn batch_with_binary_bodies_and_limits() {
    let env = Env::start().await;
    let t = token(&env, "admin", "User.Read.All ProfilePhoto.Read.All").await;
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me?$select=displayName"},
        {"id": "2", "method": "GET", "url": format!("/users/{}/photos/48x48/$value", upn("adele"))},
        {"id": "3", "method": "GET", "url": format!("/users/{}/photo/$value", upn("megan"))},
        {"id": "4", "method": "GET", "url": format!("users/{}/photo", upn("lee"))},
    ]});
    let r = env
        .http
        .post(env.graph("/$batch"))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let by_id = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("1")["body"]["displayName"], "Contoso Admin");
    let photo = by_id("2");
    assert_eq!(photo["status"], 200);
    assert_eq!(photo["headers"]["Content-Type"], "image/jpeg");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(photo["body"].as_str().unwrap())
        .unwrap();
    assert_eq!(dims(&bytes), (48, 48));
    assert_eq!(by_id("3")["status"], 404);
    assert_eq!(by_id("3")["body"]["error"]["code"], "ImageNotFound");
    assert_eq!(
        by_id("4")["body"]["error"]["code"],
        "MailboxNotEnabledForRESTAPI"
    );

    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = env
        .http
        .post(env.graph("/$batch"))
        .bearer_auth(&t)
        .json(&json!({"requests": many}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Batch items show up in the log, marked as parts of the batch.
    let log = env.emu.control().log().await.unwrap();
    let outer = log
        .iter()
        .find(|e| e.path_and_query == "/v1.0/$batch")
        .unwrap();
    assert_eq!(
        log.iter().filter(|e| e.batch_of == Some(outer.seq)).count(),
        4
    );
}

#[tokio::test]
async fn cors_like_graph() {
    let env = Env::start().await;
    let pre = || {
        env.http
            .request(reqwest::Method::OPTIONS, env.graph("/me/photo/$value"))
            .header("origin", env.app_origin())
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let r = pre().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"].to_str().unwrap(),
        env.app_origin()
    );
    assert!(r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("authorization"));
    let t = token(&env, "adele", "User.Read").await;
    let (_, h, _) = get(&env, Some(&t), "/me").await;
    let exposed = h["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(!exposed.contains("Retry-After"), "{exposed}");
    env.emu
        .control()
        .set_expose_retry_after(true)
        .await
        .unwrap();
    let (_, h, _) = get(&env, Some(&t), "/me").await;
    assert!(h["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("Retry-After"));
    let log = env.emu.control().log().await.unwrap();
    assert!(log.iter().any(|e| e.method == "OPTIONS" && e.status == 200));
}

/// Preflight answers name no `Access-Control-Max-Age` (browsers then keep them 5 s) unless
/// the control API sets one, for Graph and SharePoint alike.
#[tokio::test]
async fn preflights_name_a_max_age_only_when_told() {
    let env = Env::start().await;
    let max_age = |url: String| {
        let request = env
            .http
            .request(reqwest::Method::OPTIONS, url)
            .header("origin", env.app_origin())
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization");
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.headers()
                .get("access-control-max-age")
                .map(|v| v.to_str().unwrap().to_owned())
        }
    };
    let graph = || env.graph("/me");
    let sharepoint = || env.my("/_api/SP.UserProfiles.PeopleManager/GetMyProperties");
    assert_eq!(max_age(graph()).await, None);
    assert_eq!(max_age(sharepoint()).await, None);
    env.emu
        .control()
        .set_preflight_max_age(Some(0))
        .await
        .unwrap();
    assert_eq!(max_age(graph()).await.as_deref(), Some("0"));
    assert_eq!(max_age(sharepoint()).await.as_deref(), Some("0"));
    env.emu.control().set_preflight_max_age(None).await.unwrap();
    assert_eq!(max_age(sharepoint()).await, None);
}

/// An admin's outreach mail: `Mail.Send` is consented on the consent screen like `User.Read`,
/// the message is accepted with 202 and the control API shows it.
#[tokio::test]
async fn send_mail_after_consent_lands_in_the_emulators_mailbox() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let tok = sign_in(
        &env,
        "admin",
        "openid profile offline_access User.Read Mail.Send",
    )
    .await;
    assert!(
        tok["scope"].as_str().unwrap().contains("Mail.Send"),
        "{tok}"
    );
    let t = tok["access_token"].as_str().unwrap();
    let link = format!("{}?login_hint={}", env.app(), upn("adele"));
    let r = env
        .http
        .post(env.graph("/me/sendMail"))
        .bearer_auth(t)
        .header("origin", env.app_origin())
        .json(&json!({
            "message": {
                "subject": "Your SharePoint photo is out of date",
                "body": {"contentType": "Text", "content": format!("One click: {link}")},
                "toRecipients": [{"emailAddress": {"address": upn("adele"), "name": "Adele Vance"}}],
                "ccRecipients": [],
                "bccRecipients": [{"emailAddress": {"address": upn("admin")}}],
            },
            "saveToSentItems": false,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        env.app_origin().as_str()
    );
    assert!(r.bytes().await.unwrap().is_empty());
    let mail = ctl.sent_mail().await.unwrap();
    assert_eq!(mail.len(), 1);
    let m = &mail[0];
    assert_eq!(m.sender, upn("admin"));
    assert_eq!(m.app_id, emulator::DEMO_CLIENT_ID);
    assert_eq!(m.to[0].address, upn("adele"));
    assert_eq!(m.to[0].name.as_deref(), Some("Adele Vance"));
    assert!(m.cc.is_empty());
    assert!(m.is_addressed_to(&upn("admin")), "bcc");
    assert_eq!(m.body_content_type, "Text");
    assert!(m.body.contains(&link));
    assert!(!m.save_to_sent_items);
    assert_eq!(ctl.state().await.unwrap().sent_mail, mail);
    ctl.clear_mail().await.unwrap();
    assert!(ctl.sent_mail().await.unwrap().is_empty());

    // Someone else's mailbox: refused, nothing sent.
    let r = env
        .http
        .post(env.graph(&format!("/users/{}/sendMail", upn("adele"))))
        .bearer_auth(t)
        .json(&json!({"message": {"toRecipients": [{"emailAddress": {"address": upn("alex")}}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "ErrorAccessDenied");
    assert!(ctl.sent_mail().await.unwrap().is_empty());
}
