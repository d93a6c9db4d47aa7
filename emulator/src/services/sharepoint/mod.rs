//! SharePoint Online: the My Site host (`contoso-my.localhost`) and the admin host
//! (`contoso-admin.localhost`).
//!
//! One axum `Router` (`routes`) behind SharePoint's admission (resource units, the bearer token,
//! write scopes for anything but `GET`/`HEAD`), on paths made routable by `odata::normalise`
//! (lower case; REST calls' arguments taken out of the path). One file per endpoint family:
//! `people` (PeopleManager), `web` (contextinfo, the web), `library` (the `User Photos` library
//! and its files), `userphoto` (`userphoto.aspx`); `answer` holds the answer formats and the
//! refusals, `odata` the path syntax.

mod answer;
mod library;
mod odata;
mod people;
mod userphoto;
mod web;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::middleware::{from_fn_with_state, Next};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;

use crate::model::SharePointScopeRules;
use crate::pipeline::limits;
use crate::services::bearer::{self, Bearer};
use crate::state::Shared;
use crate::wire::Resp;
use answer::{Ctx, SharePoint};

const WRITE_SCOPES: [&str; 5] = [
    "AllSites.Write",
    "AllSites.Manage",
    "AllSites.FullControl",
    "MyFiles.Write",
    "User.ReadWrite.All",
];

/// Permissions that read user profiles (PeopleManager's reads).
const PROFILE_READ: [&str; 2] = ["User.Read.All", "User.ReadWrite.All"];
/// The permission that writes user profiles (PeopleManager's writes): Microsoft's answer to
/// "Access denied" on profile updates.
const PROFILE_WRITE: [&str; 1] = ["User.ReadWrite.All"];
/// Site permissions, which read site content (files, pages, the web).
const SITE_READ: [&str; 4] = [
    "AllSites.Read",
    "AllSites.Write",
    "AllSites.Manage",
    "AllSites.FullControl",
];

/// The permission areas of a SharePoint request: user profiles (PeopleManager) apart from the
/// sites' content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Profiles,
    Content,
}

impl Area {
    /// The area of a request path, as `odata::normalise` leaves it (lower case).
    fn of(path: &str) -> Area {
        if path.starts_with(PEOPLE) {
            Area::Profiles
        } else {
            Area::Content
        }
    }
}

/// Whether `caller` may do a request of `area` (`write`: anything but GET and HEAD), under the
/// emulator's assumptions `rules` where Microsoft documents nothing.
fn permitted(
    caller: &bearer::Caller,
    area: Area,
    write: bool,
    rules: SharePointScopeRules,
) -> bool {
    match (area, write) {
        (Area::Profiles, true) => caller.has_any(&PROFILE_WRITE),
        (Area::Profiles, false) => {
            caller.has_any(&PROFILE_READ)
                || (rules.site_scopes_read_profiles && caller.has_any(&SITE_READ))
        }
        (Area::Content, true) => caller.has_any(&WRITE_SCOPES),
        (Area::Content, false) => {
            caller.has_any(&SITE_READ)
                || (rules.profile_scopes_read_files && caller.has_any(&PROFILE_READ))
        }
    }
}

/// SharePoint's router (My Site host and admin host).
pub fn router() -> Router<Arc<Shared>> {
    super::rewrite_then_route(odata::normalise, routes)
}

const PEOPLE: &str = "/_api/sp.userprofiles.peoplemanager";

fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            &format!("{PEOPLE}/getmyproperties"),
            get_only(people::my_properties),
        )
        .route(
            &format!("{PEOPLE}/getpropertiesfor"),
            get_only(people::properties_for),
        )
        .route(
            &format!("{PEOPLE}/getuserprofilepropertyfor"),
            get_only(people::property_for),
        )
        .route(
            &format!("{PEOPLE}/setmyprofilepicture"),
            post_only(people::set_my_picture),
        )
        .route(
            &format!("{PEOPLE}/setsinglevalueprofileproperty"),
            post_only(people::set_single_value),
        )
        .route("/_api/contextinfo", post_only(web::context_info))
        .route("/_api/web", get_only(web::web))
        .route(
            "/_api/web/getfolderbyserverrelativeurl",
            any(library::folder),
        )
        .route(
            "/_api/web/getfolderbyserverrelativeurl/{*rest}",
            any(library::folder),
        )
        .route("/_api/web/getfilebyserverrelativeurl", any(library::file))
        .route(
            "/_api/web/getfilebyserverrelativeurl/{*rest}",
            any(library::file),
        )
        .route("/_api/", any(answer::invalid_expression))
        .route("/_api/{*rest}", any(answer::invalid_expression))
        .route("/_layouts/15/userphoto.aspx", any(userphoto::userphoto))
        .route("/user%20photos/", any(library::download))
        .route("/user%20photos/{*file}", any(library::download))
        .fallback(answer::not_found)
        .layer(from_fn_with_state(shared.clone(), admission))
        // The pipeline has read the body already, within its own limit.
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

/// A REST function read with `GET` (not `HEAD`); any other method is an invalid expression.
fn get_only<H, T>(handler: H) -> MethodRouter<Arc<Shared>>
where
    H: Handler<T, Arc<Shared>>,
    T: 'static,
{
    get(handler)
        .head(answer::invalid_expression)
        .fallback(answer::invalid_expression)
}

/// A REST function called with `POST`; any other method is an invalid expression.
fn post_only<H, T>(handler: H) -> MethodRouter<Arc<Shared>>
where
    H: Handler<T, Arc<Shared>>,
    T: 'static,
{
    post(handler).fallback(answer::invalid_expression)
}

/// SharePoint's admission of every request: the app's resource units (a write costs more), the
/// token (401 in SharePoint's dialect), and a permission for the request's area, profiles or
/// content (403 "Access denied" without).
async fn admission(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Resp {
    let (mut parts, body) = request.into_parts();
    let write = !matches!(
        parts.method,
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let usage = match limits::sharepoint_admit(&shared, &throttling_call(&parts, write)) {
        Ok(usage) => usage,
        Err(r) => return r,
    };
    let caller = match Bearer::<SharePoint>::from_request_parts(&mut parts, &shared).await {
        Ok(caller) => caller,
        Err(r) => return r,
    };
    let rules = shared.lock().sharepoint_scope_rules;
    if !permitted(&caller, Area::of(parts.uri.path()), write, rules) {
        return Ctx::of(&parts, &shared).access_denied();
    }
    let mut r = next.run(Request::from_parts(parts, body)).await;
    usage.decorate(&mut r);
    r
}

/// The call as SharePoint's throttling counts it: the app and user of the token (read without
/// validation: a refused token counts too), whether it is a PeopleManager call, and a write.
fn throttling_call(parts: &Parts, write: bool) -> limits::SharePointCall {
    let token = bearer::token(&parts.headers);
    limits::SharePointCall {
        app: bearer::app_key(token),
        user: token
            .and_then(crate::wire::jwt::decode_claims)
            .and_then(|c| c.get("upn").and_then(|v| v.as_str()).map(str::to_string)),
        people_manager: parts.uri.path().starts_with(PEOPLE),
        write,
    }
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
    use crate::state::Geo;

    const MY: &str = "http://contoso-my.localhost:1";

    struct Answer {
        status: u16,
        headers: HeaderMap,
        text: String,
    }

    impl Answer {
        fn json(&self) -> Value {
            serde_json::from_str(&self.text).unwrap_or(Value::Null)
        }

        /// The OData error's code and message (minimal metadata).
        fn error(&self) -> (u16, String, String) {
            let v = self.json();
            let e = &v["odata.error"];
            (
                self.status,
                e["code"].as_str().unwrap_or("").to_string(),
                e["message"]["value"].as_str().unwrap_or("").to_string(),
            )
        }
    }

    async fn call(
        shared: &Arc<Shared>,
        host: &str,
        method: Method,
        uri: &str,
        token: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", format!("{host}.localhost:1"))
            .header("accept", "application/json");
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let r = router()
            .with_state(shared.clone())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    #[tokio::test]
    async fn tokens_are_refused_in_sharepoints_dialect() {
        let shared = Shared::for_tests();
        let a = call(&shared, "contoso-my", Method::GET, "/_api/web", None).await;
        assert_eq!(a.status, 401);
        assert_eq!(
            a.json()["error_description"],
            "Invalid JWT token. No token was provided in the Authorization header."
        );
        let challenge = a.headers["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Bearer realm=\""), "{challenge}");
        assert!(challenge.contains("client_id=\"00000003-0000-0ff1-ce00-000000000000\""));
        assert!(a.headers["x-ms-diagnostics"]
            .to_str()
            .unwrap()
            .starts_with("3000003;reason=\"Invalid JWT token."));
        // Files and pages answer anonymous browsers in plain text; the rule is on the path as
        // sent, in its own case.
        for path in [
            "/User%20Photos/Profile%20Pictures/x.jpg",
            "/_layouts/15/userphoto.aspx?size=L",
        ] {
            let a = call(&shared, "contoso-my", Method::GET, path, None).await;
            assert_eq!(
                (a.status, a.text.as_str()),
                (401, "401 UNAUTHORIZED"),
                "{path}"
            );
        }
        let a = call(
            &shared,
            "contoso-my",
            Method::GET,
            "/user%20photos/x.jpg",
            None,
        )
        .await;
        assert_eq!(a.status, 401);
        assert!(a.json()["error_description"].is_string());
        // The audience is exactly the host asked.
        let admin = token_for_tests(
            &shared,
            "admin",
            "http://contoso-admin.localhost:1",
            "AllSites.Read",
        );
        let a = call(
            &shared,
            "contoso-my",
            Method::GET,
            "/_api/web",
            Some(&admin),
        )
        .await;
        assert_eq!(
            a.json()["error_description"],
            "Invalid audience Uri 'http://contoso-admin.localhost:1'."
        );
        let a = call(
            &shared,
            "contoso-admin",
            Method::GET,
            "/_api/web",
            Some(&admin),
        )
        .await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["Title"], "Contoso SharePoint Admin Center");
    }

    #[tokio::test]
    async fn writes_need_a_write_scope_and_throttling_comes_first() {
        let shared = Shared::for_tests();
        let reader = token_for_tests(&shared, "adele", MY, "AllSites.Read");
        let a = call(
            &shared,
            "contoso-my",
            Method::POST,
            "/_api/contextinfo",
            Some(&reader),
        )
        .await;
        assert_eq!(
            a.error(),
            (
                403,
                "-2147024891, System.UnauthorizedAccessException".into(),
                "Access denied. You do not have permission to perform this action or access this resource.".into()
            )
        );
        // Even a path that does not exist is a write that needs the scope.
        let a = call(
            &shared,
            "contoso-my",
            Method::DELETE,
            "/nope",
            Some(&reader),
        )
        .await;
        assert_eq!(a.status, 403);
        shared.lock().limits = Limits {
            sharepoint_units_per_minute: Some(1),
            ..Limits::default()
        };
        let a = call(&shared, "contoso-my", Method::GET, "/_api/web", None).await;
        assert_eq!(a.status, 401);
        let a = call(&shared, "contoso-my", Method::GET, "/_api/web", None).await;
        assert_eq!(
            a.status, 429,
            "the budget is spent before the token is looked at"
        );
        assert!(a.headers.contains_key("retry-after"));
    }

    #[tokio::test]
    async fn paths_any_case_and_invalid_expressions() {
        let shared = Shared::for_tests();
        let writer = token_for_tests(&shared, "adele", MY, "AllSites.Write User.ReadWrite.All");
        let a = call(
            &shared,
            "contoso-my",
            Method::GET,
            "/_API/Web",
            Some(&writer),
        )
        .await;
        assert_eq!(
            (a.status, a.json()["Title"].as_str()),
            (200, Some("Contoso My Site Host"))
        );
        let a = call(
            &shared,
            "contoso-my",
            Method::GET,
            "/_api/sp.userprofiles.peoplemanager/getmyPROPERTIES",
            Some(&writer),
        )
        .await;
        assert_eq!(a.status, 200);
        assert_eq!(
            a.json()["AccountName"],
            "i:0#.f|membership|adele@contoso.onmicrosoft.com"
        );
        // A wrong method, HEAD on a GET function, an unknown function: the expression as sent.
        for (method, path, expression) in [
            (
                Method::GET,
                "/_api/SP.UserProfiles.PeopleManager/SetMyProfilePicture",
                "SP.UserProfiles.PeopleManager/SetMyProfilePicture",
            ),
            (
                Method::HEAD,
                "/_api/SP.UserProfiles.PeopleManager/GetMyProperties",
                "SP.UserProfiles.PeopleManager/GetMyProperties",
            ),
            (Method::POST, "/_api/Web", "Web"),
            (Method::GET, "/_api/Web/Lists('x')", "Web/Lists('x')"),
            (Method::GET, "/_api/", ""),
        ] {
            let a = call(&shared, "contoso-my", method.clone(), path, Some(&writer)).await;
            if method == Method::HEAD {
                assert_eq!(a.status, 400, "{path}");
                continue;
            }
            assert_eq!(
                a.error(),
                (
                    400,
                    "-1, Microsoft.SharePoint.Client.InvalidClientQueryException".into(),
                    format!("The expression \"{expression}\" is not valid.")
                ),
                "{method} {path}"
            );
        }
        // Outside the REST API: File Not Found, also for the library on the admin host.
        let on_admin = token_for_tests(
            &shared,
            "adele",
            "http://contoso-admin.localhost:1",
            "AllSites.Read",
        );
        for (host, path, token) in [
            ("contoso-my", "/nope", &writer),
            ("contoso-my", "/_api", &writer),
            (
                "contoso-admin",
                "/User%20Photos/Profile%20Pictures/x.jpg",
                &on_admin,
            ),
        ] {
            let a = call(&shared, host, Method::GET, path, Some(token)).await;
            let (status, code, _) = a.error();
            assert_eq!(
                (status, code.as_str()),
                (404, "-2147024894, System.IO.FileNotFoundException"),
                "{host}{path}"
            );
        }
        let missing = call(
            &shared,
            "contoso-my",
            Method::GET,
            "/User%20Photos/Profile%20Pictures/none.jpg",
            Some(&writer),
        )
        .await;
        assert_eq!(
            (missing.status, missing.text.as_str()),
            (404, "404 FILE NOT FOUND")
        );
        let a = call(
            &shared,
            "contoso-my",
            Method::POST,
            "/User%20Photos/Profile%20Pictures/none.jpg",
            Some(&writer),
        )
        .await;
        assert_eq!(a.error().0, 404, "only GET reads a file");
    }

    const DENIED: (u16, &str, &str) = (
        403,
        "-2147024891, System.UnauthorizedAccessException",
        "Access denied. You do not have permission to perform this action or access this resource.",
    );

    fn denied(a: &Answer) -> bool {
        let (status, code, message) = a.error();
        (status, code.as_str(), message.as_str()) == DENIED
    }

    /// A JPEG SharePoint takes as a picture.
    fn picture() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 120, 40]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    async fn post_picture(shared: &Arc<Shared>, token: &str) -> Answer {
        let r = router()
            .with_state(shared.clone())
            .oneshot(
                Request::builder()
                    .method(Method::POST)
                    .uri("/_api/SP.UserProfiles.PeopleManager/SetMyProfilePicture")
                    .header("host", "contoso-my.localhost:1")
                    .header("accept", "application/json;odata=nometadata")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::from(picture()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    const GET_MY: &str = "/_api/SP.UserProfiles.PeopleManager/GetMyProperties";

    #[tokio::test]
    async fn profile_reads_need_a_profile_permission() {
        let shared = Shared::for_tests();
        for granted in ["User.Read.All", "User.ReadWrite.All"] {
            let t = token_for_tests(&shared, "adele", MY, granted);
            let a = call(&shared, "contoso-my", Method::GET, GET_MY, Some(&t)).await;
            assert_eq!(a.status, 200, "{granted}: {}", a.text);
            assert_eq!(
                a.json()["AccountName"],
                "i:0#.f|membership|adele@contoso.onmicrosoft.com"
            );
        }
        for refused in [
            "AllSites.Read",
            "AllSites.Write",
            "AllSites.FullControl",
            "MyFiles.Write",
            "",
        ] {
            let t = token_for_tests(&shared, "adele", MY, refused);
            for path in [
                GET_MY,
                "/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='adele%40contoso.onmicrosoft.com'",
            ] {
                let a = call(&shared, "contoso-my", Method::GET, path, Some(&t)).await;
                assert!(denied(&a), "{refused} {path}: {} {}", a.status, a.text);
            }
        }
    }

    #[tokio::test]
    async fn site_permissions_reading_profiles_is_a_switch() {
        let shared = Shared::for_tests();
        let t = token_for_tests(&shared, "adele", MY, "AllSites.Write");
        shared
            .lock()
            .sharepoint_scope_rules
            .site_scopes_read_profiles = true;
        let a = call(&shared, "contoso-my", Method::GET, GET_MY, Some(&t)).await;
        assert_eq!(a.status, 200, "{}", a.text);
        // Writing the picture stays User.ReadWrite.All's, whatever the switch.
        assert!(denied(&post_picture(&shared, &t).await));
    }

    #[tokio::test]
    async fn only_user_readwrite_all_writes_the_picture_and_a_refusal_writes_nothing() {
        let shared = Shared::for_tests();
        let before = shared.lock().tenant.files.len();
        for refused in [
            "AllSites.Write",
            "AllSites.Manage",
            "AllSites.FullControl",
            "MyFiles.Write",
            "User.Read.All",
        ] {
            let t = token_for_tests(&shared, "adele", MY, refused);
            let a = post_picture(&shared, &t).await;
            assert!(denied(&a), "{refused}: {} {}", a.status, a.text);
        }
        assert_eq!(shared.lock().tenant.files.len(), before, "nothing written");
        let t = token_for_tests(&shared, "adele", MY, "User.ReadWrite.All");
        let a = post_picture(&shared, &t).await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(
            shared.lock().tenant.profiles["adele@contoso.onmicrosoft.com"]
                ["SPS-PicturePlaceholderState"],
            "0"
        );
    }

    #[tokio::test]
    async fn site_content_needs_a_site_permission_unless_switched() {
        let shared = Shared::for_tests();
        let profile_only = token_for_tests(&shared, "adele", MY, "User.ReadWrite.All");
        for path in [
            "/_api/web",
            "/User%20Photos/Profile%20Pictures/x.jpg",
            "/_layouts/15/userphoto.aspx?size=L&accountname=adele%40contoso.onmicrosoft.com",
        ] {
            let a = call(
                &shared,
                "contoso-my",
                Method::GET,
                path,
                Some(&profile_only),
            )
            .await;
            assert!(denied(&a), "{path}: {} {}", a.status, a.text);
        }
        let reader = token_for_tests(&shared, "adele", MY, "AllSites.Read");
        let a = call(
            &shared,
            "contoso-my",
            Method::GET,
            "/_api/web",
            Some(&reader),
        )
        .await;
        assert_eq!(a.status, 200);
        shared
            .lock()
            .sharepoint_scope_rules
            .profile_scopes_read_files = true;
        let a = call(
            &shared,
            "contoso-my",
            Method::GET,
            "/_api/web",
            Some(&profile_only),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.text);
    }

    async fn add_picture(shared: &Arc<Shared>, host: &str, token: &str, name: &str) -> Answer {
        let r = router()
            .with_state(shared.clone())
            .oneshot(
                Request::builder()
                    .method(Method::POST)
                    .uri(format!("/_api/web/GetFolderByServerRelativeUrl('/User%20Photos/Profile%20Pictures')/Files/add(url='{name}',overwrite=true)"))
                    .header("host", format!("{host}.localhost:1"))
                    .header("accept", "application/json;odata=nometadata")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::from(picture()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn oid(shared: &Shared, key: &str) -> String {
        shared
            .lock()
            .tenant
            .user(&format!("{key}@contoso.onmicrosoft.com"))
            .unwrap()
            .oid
            .clone()
    }

    fn stored(shared: &Shared, name: &str) -> Option<u64> {
        shared
            .lock()
            .tenant
            .files
            .get(&format!("/User Photos/Profile Pictures/{name}"))
            .map(|f| f.modified_ms)
    }

    #[tokio::test]
    async fn another_users_thumbnails_are_for_site_collection_admins_only() {
        let shared = Shared::for_tests();
        let adele = oid(&shared, "adele");
        let alex = oid(&shared, "alex");
        let admin = token_for_tests(
            &shared,
            "admin",
            MY,
            "AllSites.FullControl User.ReadWrite.All",
        );
        let before = stored(&shared, &format!("{alex}_MThumb.jpg"));
        // Another user's thumbnail, by object id (any case) or account-derived name: refused,
        // even for the SharePoint admin role, and nothing written.
        for name in [
            format!("{alex}_MThumb.jpg"),
            format!("{}_SThumb.jpg", alex.to_uppercase()),
            "alex_contoso_onmicrosoft_com_LThumb.jpg".to_string(),
        ] {
            let a = add_picture(&shared, "contoso-my", &admin, &name).await;
            assert!(denied(&a), "{name}: {} {}", a.status, a.text);
        }
        assert_eq!(stored(&shared, &format!("{alex}_MThumb.jpg")), before);
        assert_eq!(
            stored(&shared, "alex_contoso_onmicrosoft_com_LThumb.jpg"),
            None
        );
        // One's own thumbnails and files of no user: as before.
        let own = token_for_tests(&shared, "adele", MY, "AllSites.Write");
        for name in [
            format!("{adele}_MThumb.jpg"),
            "adele_contoso_onmicrosoft_com_MThumb.jpg".to_string(),
            "team_MThumb.jpg".to_string(),
        ] {
            let a = add_picture(&shared, "contoso-my", &own, &name).await;
            assert_eq!(a.status, 200, "{name}: {}", a.text);
        }
        // A site collection administrator of the host may.
        shared.lock().site_collection_admins.insert(
            Geo::Eur,
            ["admin@contoso.onmicrosoft.com".to_string()].into(),
        );
        let a = add_picture(&shared, "contoso-my", &admin, &format!("{alex}_MThumb.jpg")).await;
        assert!(denied(&a), "an admin of another host's site collection");
        shared.lock().site_collection_admins.insert(
            Geo::Nam,
            ["admin@contoso.onmicrosoft.com".to_string()].into(),
        );
        let a = add_picture(&shared, "contoso-my", &admin, &format!("{alex}_MThumb.jpg")).await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_ne!(stored(&shared, &format!("{alex}_MThumb.jpg")), before);
        // The permission comes first: a site collection admin without a write scope is refused
        // at the door, as before.
        let reader = token_for_tests(&shared, "admin", MY, "AllSites.Read");
        assert!(denied(
            &add_picture(&shared, "contoso-my", &reader, "x.jpg").await
        ));
    }
}
