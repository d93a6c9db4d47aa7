//! SharePoint: PeopleManager in its three formats, SetMyProfilePicture, files, userphoto.aspx,
//! the "managing your own data" refusal.

mod common;

use common::*;
use serde_json::{json, Value};

const NOMETA: &str = "application/json;odata=nometadata";

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 120, 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn dims(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).expect("an image");
    (img.width(), img.height())
}

async fn sp_get(env: &Env, t: &str, url: &str, accept: Option<&str>) -> (u16, String) {
    let mut rb = env
        .http
        .get(url)
        .bearer_auth(t)
        .header("origin", env.app_origin());
    if let Some(a) = accept {
        rb = rb.header("accept", a);
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn set_picture(env: &Env, t: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = env
        .http
        .post(env.my("/_api/SP.UserProfiles.PeopleManager/SetMyProfilePicture"))
        .bearer_auth(t)
        .header("accept", NOMETA)
        .header("origin", env.app_origin())
        .body(bytes)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn prop<'a>(p: &'a Value, key: &str) -> &'a str {
    p["UserProfileProperties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|kv| kv["Key"] == key)
        .and_then(|kv| kv["Value"].as_str())
        .unwrap_or("")
}

#[tokio::test]
async fn people_manager_in_every_format() {
    let env = Env::start().await;
    let t = token(
        &env,
        "adele",
        &env.sp_scopes(&["AllSites.Read", "User.Read.All"]),
    )
    .await;
    let url = env.my("/_api/SP.UserProfiles.PeopleManager/GetMyProperties");
    let (s, body) = sp_get(&env, &t, &url, Some(NOMETA)).await;
    assert_eq!(s, 200, "{body}");
    let p: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        p["AccountName"],
        format!("i:0#.f|membership|{}", upn("adele"))
    );
    assert_eq!(p["DisplayName"], "Adele Vance");
    assert_eq!(p["Email"], upn("adele"));
    let pic = p["PictureUrl"].as_str().unwrap();
    assert!(
        pic.starts_with(&format!(
            "{}/User%20Photos/Profile%20Pictures/",
            env.emu.origin("contoso-my")
        )),
        "{pic}"
    );
    assert!(pic.ends_with("_MThumb.jpg"));
    assert_eq!(prop(&p, "PictureURL"), pic);
    assert_eq!(prop(&p, "SPS-PicturePlaceholderState"), "0");
    assert!(!prop(&p, "SPS-PictureTimestamp").is_empty());
    assert_eq!(prop(&p, "SPS-PictureExchangeSyncState"), "0");
    assert_eq!(p["UserProfileProperties"][0]["ValueType"], "Edm.String");

    let (_, body) = sp_get(&env, &t, &url, Some("application/json;odata=verbose")).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["d"]["DisplayName"], "Adele Vance");
    assert!(
        v["d"]["UserProfileProperties"]["results"]
            .as_array()
            .unwrap()
            .len()
            > 10
    );
    let (_, body) = sp_get(&env, &t, &url, None).await;
    assert!(body.starts_with("<?xml"), "{body}");
    assert!(body.contains("<d:DisplayName>Adele Vance</d:DisplayName>"));

    let url = format!(
        "{}?@v='i:0%23.f|membership|{}'",
        env.my("/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)"),
        upn("janis")
    );
    let (s, body) = sp_get(&env, &t, &url, Some(NOMETA)).await;
    assert_eq!(s, 200, "{body}");
    let p: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(p["DisplayName"], "Jānis Bērziņš");
    assert_eq!(prop(&p, "SPS-PicturePlaceholderState"), "1");
    assert!(p["PictureUrl"].is_null());

    let url = format!(
        "{}?@v='i:0%23.f|membership|{}'",
        env.my("/_api/SP.UserProfiles.PeopleManager/GetUserProfilePropertyFor(accountName=@v,propertyName='SPS-PicturePlaceholderState')"),
        upn("alex")
    );
    let (_, body) = sp_get(&env, &t, &url, Some(NOMETA)).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"value": "0"})
    );
}

#[tokio::test]
async fn audience_must_be_exactly_the_host() {
    let env = Env::start().await;
    let graph = token(&env, "adele", "User.Read").await;
    let url = env.my("/_api/SP.UserProfiles.PeopleManager/GetMyProperties");
    let r = env
        .http
        .get(&url)
        .bearer_auth(&graph)
        .header("accept", NOMETA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer realm="));
    let v: Value = r.json().await.unwrap();
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .starts_with("Invalid audience Uri"),
        "{v}"
    );
    let admin_tok = token(
        &env,
        "adele",
        &env.admin_scopes(&["AllSites.Read", "User.Read.All"]),
    )
    .await;
    let (s, _) = sp_get(&env, &admin_tok, &url, Some(NOMETA)).await;
    assert_eq!(s, 401);
    let (s, _) = sp_get(
        &env,
        &admin_tok,
        &env.admin("/_api/SP.UserProfiles.PeopleManager/GetMyProperties"),
        Some(NOMETA),
    )
    .await;
    assert_eq!(s, 200);
    let r = env.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn set_my_profile_picture_writes_three_thumbnails_and_refuses_garbage() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let t = token(
        &env,
        "megan",
        &env.sp_scopes(&["AllSites.Write", "User.ReadWrite.All"]),
    )
    .await;
    let before = ctl.state().await.unwrap();
    let megan = before.user("megan").unwrap().clone();

    // Garbage first: 400, and nothing written.
    for garbage in [
        b"not an image at all".to_vec(),
        b"\x89PNG\r\n\x1a\ntruncated".to_vec(),
        b"RIFF\0\0\0\0WEBPVP8 ".to_vec(),
    ] {
        let (s, v) = set_picture(&env, &t, garbage).await;
        assert_eq!(s, 400);
        assert_eq!(
            v["odata.error"]["code"],
            "-2147024809, System.ArgumentException"
        );
        assert_eq!(
            v["odata.error"]["message"]["value"],
            "Parameter is not valid."
        );
    }
    let mut too_big = png(64, 64);
    too_big.resize(5_000_000, 0);
    let (s, _) = set_picture(&env, &t, too_big).await;
    assert_eq!(s, 400);
    assert_eq!(ctl.state().await.unwrap(), before, "nothing written");

    let (s, v) = set_picture(&env, &t, png(300, 200)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!({"odata.null": true}));
    let st = ctl.state().await.unwrap();
    for (suffix, size) in [("SThumb", 48), ("MThumb", 72), ("LThumb", 200)] {
        let path = format!("/User Photos/Profile Pictures/{}_{suffix}.jpg", megan.oid);
        let f = st.file(&path).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(
            (f.width, f.height, f.content_type.as_str()),
            (size, size, "image/jpeg")
        );
        let bytes = ctl.file("contoso-my", &path).await.unwrap();
        assert_eq!(dims(&bytes), (size, size));
    }
    let p = st.profile("megan").unwrap();
    assert_eq!(
        p["PictureURL"],
        format!(
            "{}/User%20Photos/Profile%20Pictures/{}_MThumb.jpg",
            env.emu.origin("contoso-my"),
            megan.oid
        )
    );
    assert_eq!(p["SPS-PicturePlaceholderState"], "0");
    assert_eq!(p["SPS-PictureExchangeSyncState"], "0");
    let ts1: u64 = p["SPS-PictureTimestamp"].parse().unwrap();

    // Timestamps strictly increase, even within a second.
    let (s, _) = set_picture(&env, &t, png(100, 100)).await;
    assert_eq!(s, 200);
    let ts2: u64 = ctl.state().await.unwrap().profile("megan").unwrap()["SPS-PictureTimestamp"]
        .parse()
        .unwrap();
    assert!(ts2 > ts1);

    // The file is served with a SharePoint token, not without.
    let url = format!(
        "{}/User%20Photos/Profile%20Pictures/{}_LThumb.jpg",
        env.emu.origin("contoso-my"),
        megan.oid
    );
    let r = env.http.get(&url).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(dims(&r.bytes().await.unwrap()), (200, 200));
    assert_eq!(env.http.get(&url).send().await.unwrap().status(), 401);

    // A read-only token may not write.
    let ro = token(
        &env,
        "megan",
        &env.sp_scopes(&["AllSites.Read", "User.Read.All"]),
    )
    .await;
    let (s, _) = set_picture(&env, &ro, png(10, 10)).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn userphoto_syncs_on_request() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let st = ctl.state().await.unwrap();
    assert!(!st.user("adele").unwrap().in_sync);
    assert!(st.user("alex").unwrap().in_sync);
    assert!(st.user("megan").unwrap().in_sync, "no photo anywhere");
    assert!(!st.user("janis").unwrap().in_sync);
    assert!(!st.user("pradeep").unwrap().in_sync);
    let old = st
        .file(&format!(
            "/User Photos/Profile Pictures/{}_LThumb.jpg",
            st.user("adele").unwrap().oid
        ))
        .unwrap()
        .sha256
        .clone();

    // Someone else looking at adele's picture does not sync it.
    let alex = token(
        &env,
        "alex",
        &env.sp_scopes(&["AllSites.Read", "User.Read.All"]),
    )
    .await;
    let url = format!(
        "{}?size=L&accountname={}",
        env.my("/_layouts/15/userphoto.aspx"),
        upn("adele")
    );
    let r = env.http.get(&url).bearer_auth(&alex).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(!ctl.state().await.unwrap().user("adele").unwrap().in_sync);

    let adele = token(
        &env,
        "adele",
        &env.sp_scopes(&["AllSites.Read", "User.Read.All"]),
    )
    .await;
    let r = env.http.get(&url).bearer_auth(&adele).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(dims(&bytes), (200, 200));
    let st = ctl.state().await.unwrap();
    let u = st.user("adele").unwrap();
    assert!(u.in_sync);
    assert_eq!(
        u.sharepoint_source_etag.as_ref(),
        Some(&u.exchange_photo.as_ref().unwrap().etag)
    );
    let f = st
        .file(&format!(
            "/User Photos/Profile Pictures/{}_LThumb.jpg",
            u.oid
        ))
        .unwrap();
    assert_ne!(f.sha256, old);

    // A user with no picture gets the grey placeholder.
    let megan = token(
        &env,
        "megan",
        &env.sp_scopes(&["AllSites.Read", "User.Read.All"]),
    )
    .await;
    let url = format!(
        "{}?size=S&accountname={}",
        env.my("/_layouts/15/userphoto.aspx"),
        upn("megan")
    );
    let r = env.http.get(&url).bearer_auth(&megan).send().await.unwrap();
    assert_eq!(dims(&r.bytes().await.unwrap()), (48, 48));
}

async fn set_prop(env: &Env, t: &str, who: &str, value: &str) -> (u16, Value) {
    let r = env
        .http
        .post(env.admin("/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty"))
        .bearer_auth(t)
        .header("accept", NOMETA)
        .header("content-type", NOMETA)
        .json(&json!({"accountName": format!("i:0#.f|membership|{}", upn(who)), "propertyName": "PictureURL", "propertyValue": value}))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn admin_refusal_and_its_switch() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let admin = token(
        &env,
        "admin",
        &env.admin_scopes(&["AllSites.FullControl", "User.ReadWrite.All"]),
    )
    .await;
    let (s, v) = set_prop(&env, &admin, "admin", "http://x/own.jpg").await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = set_prop(&env, &admin, "janis", "http://x/j.jpg").await;
    assert_eq!(s, 403);
    assert_eq!(
        v["odata.error"]["code"],
        "-2147024891, System.UnauthorizedAccessException"
    );
    assert_eq!(
        v["odata.error"]["message"]["value"],
        "This operation requires you to be managing your own data or have administrator privileges."
    );
    assert_eq!(
        ctl.state().await.unwrap().profile("janis").unwrap()["PictureURL"],
        ""
    );
    ctl.set_admin_refusal(false).await.unwrap();
    let (s, _) = set_prop(&env, &admin, "janis", "http://x/j.jpg").await;
    assert_eq!(s, 200);
    assert_eq!(
        ctl.state().await.unwrap().profile("janis").unwrap()["PictureURL"],
        "http://x/j.jpg"
    );
    let lee = token(
        &env,
        "lee",
        &env.admin_scopes(&["AllSites.FullControl", "User.ReadWrite.All"]),
    )
    .await;
    let (s, _) = set_prop(&env, &lee, "janis", "http://x/k.jpg").await;
    assert_eq!(s, 403, "only administrators, even with the refusal off");
}

#[tokio::test]
async fn files_add_folders_and_a_localised_folder() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let t = token(
        &env,
        "grady",
        &env.sp_scopes(&["AllSites.Write", "User.ReadWrite.All"]),
    )
    .await;
    let add = |folder: &str, name: &str, body: Vec<u8>| {
        let url = env.my(&format!(
            "/_api/web/GetFolderByServerRelativeUrl('{}')/Files/add(url='{name}',overwrite=true)",
            folder.replace(' ', "%20")
        ));
        env.http
            .post(url)
            .bearer_auth(&t)
            .header("accept", NOMETA)
            .body(body)
            .send()
    };
    let r = add(
        "/User Photos/Profile Pictures",
        "grady_MThumb.jpg",
        png(72, 72),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["ServerRelativeUrl"],
        "/User Photos/Profile Pictures/grady_MThumb.jpg"
    );
    let r = add(
        "/User Photos/Profile Pictures",
        "bad.jpg",
        b"garbage".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert!(ctl
        .state()
        .await
        .unwrap()
        .file("/User Photos/Profile Pictures/bad.jpg")
        .is_none());

    let (s, body) = sp_get(
        &env,
        &t,
        &env.my("/_api/web/GetFolderByServerRelativeUrl('/User%20Photos')/Folders"),
        Some(NOMETA),
    )
    .await;
    assert_eq!(s, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["value"][0]["Name"], "Profile Pictures");

    ctl.set_photo_folder("Profilbilder").await.unwrap();
    let r = add("/User Photos/Profile Pictures", "x.jpg", png(8, 8))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (_, body) = sp_get(
        &env,
        &t,
        &env.my("/_api/web/GetFolderByServerRelativeUrl('/User%20Photos')/Folders"),
        Some(NOMETA),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["value"][0]["Name"],
        "Profilbilder"
    );
    let st = ctl.state().await.unwrap();
    assert!(st
        .files
        .iter()
        .all(|f| !f.path.contains("Profile Pictures")));
    let adele = st.user("adele").unwrap();
    assert!(st.profile("adele").unwrap()["PictureURL"].contains("/User%20Photos/Profilbilder/"));
    let (s, body) = sp_get(
        &env,
        &t,
        &env.my("/_api/web/GetFolderByServerRelativeUrl('/User%20Photos/Profilbilder')/Files"),
        Some(NOMETA),
    )
    .await;
    assert_eq!(s, 200);
    assert!(body.contains(&format!("{}_LThumb.jpg", adele.oid)));
}

/// What a browser does before uploading: centre square, resize, JPEG (transparency on black, as
/// canvas JPEG export does).
fn browser_like(bytes: &[u8], size: u32) -> Vec<u8> {
    let img = image::load_from_memory(bytes).unwrap();
    let side = img.width().min(img.height());
    let sq = img.crop_imm(
        (img.width() - side) / 2,
        (img.height() - side) / 2,
        side,
        side,
    );
    let small = sq
        .resize_exact(size, size, image::imageops::FilterType::Triangle)
        .to_rgba8();
    let rgb = image::RgbImage::from_fn(size, size, |x, y| {
        let p = small.get_pixel(x, y);
        let a = p[3] as u32;
        image::Rgb([0, 1, 2].map(|c| (p[c] as u32 * a / 255) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    rgb.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn in_sync_means_looks_like_the_exchange_photo() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    for who in ["pradeep", "grady", "janis"] {
        let ex = ctl.exchange_photo(&upn(who)).await.unwrap();
        let t = token(
            &env,
            who,
            &env.sp_scopes(&["AllSites.Write", "User.ReadWrite.All"]),
        )
        .await;
        let (s, _) = set_picture(&env, &t, browser_like(&ex, 600)).await;
        assert_eq!(s, 200);
        let st = ctl.state().await.unwrap();
        let u = st.user(who).unwrap();
        assert!(u.in_sync, "{who}");
        assert_eq!(
            u.sharepoint_source_etag.as_deref(),
            Some(u.exchange_photo.as_ref().unwrap().etag.as_str())
        );
    }
    // Someone else's photo is not "in sync".
    let alex = ctl.exchange_photo(&upn("alex")).await.unwrap();
    let t = token(
        &env,
        "adele",
        &env.sp_scopes(&["AllSites.Write", "User.ReadWrite.All"]),
    )
    .await;
    let (s, _) = set_picture(&env, &t, browser_like(&alex, 300)).await;
    assert_eq!(s, 200);
    let st = ctl.state().await.unwrap();
    assert!(!st.user("adele").unwrap().in_sync);
    assert!(st.user("adele").unwrap().sharepoint_source_etag.is_none());
}

/// The write path of an admin's outreach: overwriting another user's thumbnails in the My Site
/// host's `User Photos` library is for that host's site collection administrators only.
#[tokio::test]
async fn another_users_thumbnails_need_a_site_collection_admin() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let st = ctl.state().await.unwrap();
    let alex = st.user("alex").unwrap().oid.clone();
    let before = st
        .file(&format!("/User Photos/Profile Pictures/{alex}_LThumb.jpg"))
        .unwrap()
        .sha256
        .clone();
    let admin = token(
        &env,
        "admin",
        &env.sp_scopes(&["AllSites.FullControl", "User.ReadWrite.All"]),
    )
    .await;
    let overwrite = |name: String| {
        env.http
            .post(env.my(&format!(
                "/_api/web/GetFolderByServerRelativeUrl('/User%20Photos/Profile%20Pictures')/Files/add(url='{name}',overwrite=true)"
            )))
            .bearer_auth(&admin)
            .header("accept", NOMETA)
            .header("origin", env.app_origin())
            .body(png(200, 200))
            .send()
    };
    let r = overwrite(format!("{alex}_LThumb.jpg")).await.unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["odata.error"]["code"],
        "-2147024891, System.UnauthorizedAccessException"
    );
    assert_eq!(
        v["odata.error"]["message"]["value"],
        "Access denied. You do not have permission to perform this action or access this resource."
    );
    let file = |st: &emulator::State| {
        st.file(&format!("/User Photos/Profile Pictures/{alex}_LThumb.jpg"))
            .unwrap()
            .sha256
            .clone()
    };
    assert_eq!(file(&ctl.state().await.unwrap()), before, "nothing written");

    ctl.set_site_collection_admins("contoso-my", &[&upn("admin")])
        .await
        .unwrap();
    let admins = ctl.site_collection_admins().await.unwrap();
    assert_eq!(admins["contoso-my"], [upn("admin")]);
    assert!(admins["contoso-eu-my"].is_empty());
    let r = overwrite(format!("{alex}_LThumb.jpg")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(file(&ctl.state().await.unwrap()), before);
    assert!(ctl
        .set_site_collection_admins("contoso-admin", &[])
        .await
        .is_err());
    ctl.reset().await.unwrap();
    assert!(ctl.site_collection_admins().await.unwrap()["contoso-my"].is_empty());
}
