//! What the admin audit reads, against a generated tenant: every enabled member through Graph's
//! paged `/users`, a group's transitive members, photos in `$batch`, SharePoint's profiles on
//! both geos and the small thumbnail; and the throttling models it must live with. Each answer
//! is compared with the control API's ground truth.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use emulator::{
    AuditStatus, DocumentedLimits, Emulator, EmulatorOptions, GeneratedTenant, Limits, TenantTruth,
};
use serde_json::{json, Value};

const ADMIN: &str = "admin@contoso.onmicrosoft.com";

async fn generated(users: u32, seed: u64) -> (Env, TenantTruth) {
    let emu = Emulator::start(EmulatorOptions {
        generated: Some(GeneratedTenant::new(users, seed)),
        ..EmulatorOptions::default()
    })
    .await
    .expect("start");
    let http = emu.http_client();
    let truth = emu.control().truth().await.unwrap();
    (Env { emu, http }, truth)
}

async fn mint(env: &Env, upn: &str, scope: &str) -> String {
    env.emu
        .control()
        .mint_token(upn, scope)
        .await
        .unwrap()
        .access_token
}

async fn get_json(env: &Env, url: &str, token: &str) -> (u16, Value) {
    let r = env.http.get(url).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Every page of a Graph collection, following `@odata.nextLink`.
async fn all_pages(env: &Env, first: &str, token: &str) -> (Vec<Value>, usize) {
    let (mut items, mut pages, mut next) = (vec![], 0, Some(first.to_string()));
    while let Some(url) = next {
        let (status, body) = get_json(env, &url, token).await;
        assert_eq!(status, 200, "{url}: {body}");
        items.extend(body["value"].as_array().unwrap().iter().cloned());
        next = body["@odata.nextLink"].as_str().map(str::to_string);
        pages += 1;
    }
    (items, pages)
}

fn graph_url(env: &Env, path: &str, query: &[(&str, &str)]) -> String {
    reqwest::Url::parse_with_params(&env.graph(path), query)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn every_enabled_member_through_paged_users_and_the_truth_agree() {
    let (env, truth) = generated(2_500, 9).await;
    assert_eq!(truth.users.len(), 2_500);
    let token = mint(&env, ADMIN, "User.Read.All ProfilePhoto.Read.All").await;
    let first = graph_url(
        &env,
        "/users",
        &[
            (
                "$select",
                "id,displayName,userPrincipalName,mail,accountEnabled,userType",
            ),
            ("$filter", "accountEnabled eq true and userType eq 'Member'"),
            ("$top", "999"),
        ],
    );
    let (users, pages) = all_pages(&env, &first, &token).await;
    let audited: BTreeSet<&str> = truth.audited().map(|u| u.oid.as_str()).collect();
    let got: BTreeSet<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(got, audited);
    assert_eq!(got.len(), users.len(), "each user once");
    assert_eq!(pages, audited.len().div_ceil(999));
    assert!(users
        .iter()
        .all(|u| u["accountEnabled"] == true && u["userType"] == "Member"));
    assert!(users[0].get("jobTitle").is_none(), "only what $select asks");
    // Skipped: guests and disabled accounts exist, and are in the unfiltered list.
    let skipped = truth.users.len() - audited.len();
    assert!(skipped > 100, "{skipped}");
    let (all, _) = all_pages(&env, &graph_url(&env, "/users", &[("$top", "999")]), &token).await;
    assert_eq!(all.len(), 2_500);

    // The count needs an advanced query.
    let counted = graph_url(
        &env,
        "/users",
        &[
            ("$filter", "accountEnabled eq true and userType eq 'Member'"),
            ("$count", "true"),
            ("$top", "1"),
        ],
    );
    let (status, body) = get_json(&env, &counted, &token).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("Request_BadRequest"))
    );
    let r = env
        .http
        .get(&counted)
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["@odata.count"], audited.len());

    // Reading other users needs User.ReadBasic.All or User.Read.All.
    let own = mint(&env, ADMIN, "User.Read").await;
    let (status, body) = get_json(&env, &first, &own).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (403, &json!("Authorization_RequestDenied"))
    );
}

#[tokio::test]
async fn a_groups_transitive_members_are_its_nested_groups_users() {
    let (env, truth) = generated(600, 4).await;
    let token = mint(&env, ADMIN, "User.ReadBasic.All GroupMember.Read.All").await;
    let emea = truth.group("emea").unwrap();
    let url = graph_url(
        &env,
        &format!("/groups/{}/transitiveMembers/microsoft.graph.user", emea.id),
        &[
            ("$select", "id,userPrincipalName,accountEnabled,userType"),
            ("$top", "7"),
        ],
    );
    let (users, pages) = all_pages(&env, &url, &token).await;
    let got: BTreeSet<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    let want: BTreeSet<&str> = emea
        .transitive_user_ids
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(got, want);
    assert!(pages > 1);
    assert!(users
        .iter()
        .all(|u| u["@odata.type"] == "#microsoft.graph.user"));
    // Without the cast the nested groups are listed too; `members` has them, not their users.
    let (all, _) = all_pages(
        &env,
        &env.graph(&format!("/groups/{}/transitiveMembers", emea.id)),
        &token,
    )
    .await;
    let groups = all
        .iter()
        .filter(|m| m["@odata.type"] == "#microsoft.graph.group")
        .count();
    assert_eq!((groups, all.len()), (2, want.len() + 2));
    let (direct, _) = all_pages(&env, &env.graph("/groups/emea/members"), &token).await;
    assert_eq!(direct.len(), 3, "two groups and the admin");
    // Group members need a group scope.
    let users_only = mint(&env, ADMIN, "User.Read.All").await;
    let (status, body) = get_json(&env, &url, &users_only).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (403, &json!("Authorization_RequestDenied"))
    );
}

#[tokio::test]
async fn photos_in_a_batch_answer_as_the_truth_says() {
    let (env, truth) = generated(400, 5).await;
    let token = mint(&env, ADMIN, "User.ReadBasic.All ProfilePhoto.Read.All").await;
    // Two users of each status.
    let mut picked = vec![];
    for s in [
        AuditStatus::InSync,
        AuditStatus::Placeholder,
        AuditStatus::OlderPhoto,
        AuditStatus::NoExchangePhoto,
        AuditStatus::NoMailbox,
    ] {
        picked.extend(truth.audited().filter(|u| u.status == s).take(2));
    }
    let mut requests: Vec<Value> = picked
        .iter()
        .enumerate()
        .map(|(i, u)| json!({"id": format!("m{i}"), "method": "GET", "url": format!("/users/{}/photo", u.oid)}))
        .collect();
    requests.extend(picked.iter().enumerate().map(|(i, u)| {
        json!({"id": format!("v{i}"), "method": "GET", "url": format!("/users/{}/photos/48x48/$value", u.oid)})
    }));
    assert_eq!(requests.len(), 20);
    let r = env
        .http
        .post(env.graph("/$batch"))
        .bearer_auth(&token)
        .json(&json!({ "requests": requests }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let item = |id: String| {
        body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap()
            .clone()
    };
    for (i, u) in picked.iter().enumerate() {
        let (meta, value) = (item(format!("m{i}")), item(format!("v{i}")));
        match u.status {
            AuditStatus::NoMailbox => {
                assert_eq!(meta["status"], 404);
                assert_eq!(meta["body"]["error"]["code"], "MailboxNotEnabledForRESTAPI");
            }
            AuditStatus::NoExchangePhoto => {
                assert_eq!(meta["status"], 404);
                assert_eq!(meta["body"]["error"]["code"], "ImageNotFound");
            }
            _ => {
                assert_eq!(meta["status"], 200, "{meta}");
                assert!(meta["body"]["@odata.mediaEtag"].is_string());
                assert_eq!(value["status"], 200);
                assert_eq!(value["headers"]["Content-Type"], "image/jpeg");
                let jpeg = base64_decode(value["body"].as_str().unwrap());
                assert_eq!(image::load_from_memory(&jpeg).unwrap().width(), 48);
            }
        }
    }
    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = env
        .http
        .post(env.graph("/$batch"))
        .bearer_auth(&token)
        .json(&json!({ "requests": too_many }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[tokio::test]
async fn sharepoint_profiles_name_each_users_geo_and_the_thumbnail_is_on_that_host() {
    let (env, truth) = generated(400, 6).await;
    let eu_site = env.emu.origin("contoso-eu-my");
    let my_site = env.emu.origin("contoso-my");
    let my = mint(&env, ADMIN, &format!("{my_site}/AllSites.Read")).await;
    let eu = mint(&env, ADMIN, &format!("{eu_site}/AllSites.Read")).await;
    let props = |upn: &str| {
        let url = format!(
            "{my_site}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='{}'",
            format!("i:0#.f|membership|{upn}").replace('#', "%23")
        );
        let http = env.http.clone();
        let my = my.clone();
        async move {
            let r = http
                .get(url)
                .bearer_auth(my)
                .header("accept", "application/json;odata=nometadata")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let property = |p: &Value, key: &str| {
        p["UserProfileProperties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|kv| kv["Key"] == key)
            .map(|kv| kv["Value"].as_str().unwrap().to_string())
    };
    let eu_user = truth
        .audited()
        .find(|u| u.geo == "EUR" && u.status == AuditStatus::InSync)
        .unwrap();
    let p = props(&eu_user.upn).await;
    assert_eq!(p["PersonalSiteHostUrl"], format!("{eu_site}/"));
    assert!(p["PersonalUrl"].as_str().unwrap().starts_with(&eu_site));
    let picture = p["PictureUrl"].as_str().unwrap();
    assert!(
        picture.starts_with(&format!("{eu_site}/User%20Photos/")),
        "{picture}"
    );
    assert_eq!(
        property(&p, "SPS-PicturePlaceholderState").as_deref(),
        Some("0")
    );
    assert_eq!(
        property(&p, "SPS-PictureExchangeSyncState").as_deref(),
        Some("0")
    );
    assert!(property(&p, "SPS-PictureTimestamp")
        .unwrap()
        .parse::<u64>()
        .is_ok());
    assert_eq!(
        property(&p, "PreferredDataLocation").as_deref(),
        Some("EUR")
    );
    // The small thumbnail, on the user's geo's host, with a token for that host.
    let small = picture.replace("_MThumb.jpg", "_SThumb.jpg");
    let r = env.http.get(&small).bearer_auth(&eu).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (48, 48));
    let elsewhere = small.replace(&eu_site, &my_site);
    let r = env
        .http
        .get(&elsewhere)
        .bearer_auth(&my)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "not in the default geo's library");
    // A placeholder.
    let placeholder = truth
        .audited()
        .find(|u| u.geo == "NAM" && u.status == AuditStatus::Placeholder)
        .unwrap();
    let p = props(&placeholder.upn).await;
    assert!(p["PictureUrl"].is_null());
    assert_eq!(p["PersonalSiteHostUrl"], format!("{my_site}/"));
    assert_eq!(
        property(&p, "SPS-PicturePlaceholderState").as_deref(),
        Some("1")
    );
    // Graph names the same personal site.
    let token = mint(&env, ADMIN, "User.Read.All").await;
    let (_, u) = get_json(
        &env,
        &env.graph(&format!(
            "/users/{}?$select=mySite,preferredDataLocation",
            eu_user.oid
        )),
        &token,
    )
    .await;
    assert!(u["mySite"].as_str().unwrap().starts_with(&eu_site));
    assert_eq!(u["preferredDataLocation"], "EUR");
}

#[tokio::test]
async fn sharepoint_limits_people_manager_units_and_ratelimit_headers() {
    let (env, truth) = generated(50, 2).await;
    let ctl = env.emu.control();
    // The documented limits for the tenant's licences are in force from the start.
    let limits = ctl.limits().await.unwrap();
    assert_eq!(limits, Limits::documented(truth.licenses));
    let applied = ctl
        .set_documented_limits(DocumentedLimits {
            licenses: Some(20_000),
            window_scale: Some(0.5),
        })
        .await
        .unwrap();
    assert_eq!(applied.sharepoint_units_per_minute, Some(5_000));
    assert_eq!(applied.sharepoint_people_manager_per_tenant, Some(12_000));
    assert_eq!(applied.window_scale, 0.5);

    ctl.set_limits(Limits {
        sharepoint_people_manager_per_tenant: Some(3),
        sharepoint_units_per_minute: Some(10),
        window_scale: 0.004, // 5 minutes are 1.2 s
        ..Limits::default()
    })
    .await
    .unwrap();
    let my_site = env.emu.origin("contoso-my");
    let token = mint(&env, ADMIN, &format!("{my_site}/AllSites.Read")).await;
    let get_props = || {
        env.http
            .get(format!(
                "{my_site}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='i:0%23.f|membership|{}'",
                truth.users[1].upn.replace('#', "%23")
            ))
            .bearer_auth(&token)
            .header("origin", env.app_origin())
            .send()
    };
    for _ in 0..3 {
        assert_eq!(get_props().await.unwrap().status(), 200);
    }
    let r = get_props().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: f64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0.0 && wait <= 1.2, "{wait}");
    // Not readable by the page unless exposed.
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(!exposed.contains("Retry-After"), "{exposed}");
    tokio::time::sleep(Duration::from_millis(1_250)).await;
    assert_eq!(get_props().await.unwrap().status(), 200, "a new window");

    // Resource units: RateLimit-* from 80 % of the minute's budget.
    ctl.set_limits(Limits {
        sharepoint_units_per_minute: Some(10),
        ..Limits::default()
    })
    .await
    .unwrap();
    let web = || {
        env.http
            .get(format!("{my_site}/_api/web"))
            .bearer_auth(&token)
            .send()
    };
    for _ in 0..7 {
        assert!(web()
            .await
            .unwrap()
            .headers()
            .get("ratelimit-limit")
            .is_none());
    }
    let r = web().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["ratelimit-limit"], "10");
    assert_eq!(r.headers()["ratelimit-remaining"], "2");
    // Readable by a page only when switched on (not documented for SharePoint).
    ctl.set_expose_retry_after(true).await.unwrap();
    let r = get_props().await.unwrap();
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    for h in [
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
    ] {
        assert!(exposed.contains(h), "{exposed}");
    }
    let log = ctl.log().await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.injected.as_deref() == Some("throttled") && e.status == 429));
}

#[tokio::test]
async fn outlook_requests_per_mailbox_inside_a_batch() {
    let (env, truth) = generated(30, 3).await;
    let ctl = env.emu.control();
    ctl.set_limits(Limits {
        outlook_concurrency: Some(4),
        outlook_requests_per_mailbox: Some(2),
        ..Limits::default()
    })
    .await
    .unwrap();
    let token = mint(&env, ADMIN, "ProfilePhoto.Read.All").await;
    let user = truth
        .audited()
        .find(|u| u.status == AuditStatus::InSync)
        .unwrap();
    let other = truth
        .audited()
        .find(|u| u.status == AuditStatus::OlderPhoto)
        .unwrap();
    let requests: Vec<Value> = (0..3)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{}/photo", user.upn)}))
        .chain(std::iter::once(
            json!({"id": "other", "method": "GET", "url": format!("/users/{}/photo", other.oid)}),
        ))
        .collect();
    let body: Value = env
        .http
        .post(env.graph("/$batch"))
        .bearer_auth(&token)
        .json(&json!({ "requests": requests }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let responses = body["responses"].as_array().unwrap();
    let throttled: Vec<&Value> = responses.iter().filter(|r| r["status"] == 429).collect();
    assert_eq!(throttled.len(), 1, "{body}");
    assert_ne!(throttled[0]["id"], "other", "per mailbox");
    assert_eq!(
        throttled[0]["body"]["error"]["code"],
        "ApplicationThrottled"
    );
    let wait: u64 = throttled[0]["headers"]["Retry-After"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
}
