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
use axum::http::StatusCode;
use axum::middleware::{from_fn_with_state, Next};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;

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
/// token (401 in SharePoint's dialect), and a write scope for anything but `GET` and `HEAD`.
async fn admission(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Resp {
    let (mut parts, body) = request.into_parts();
    let write = !matches!(
        parts.method,
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let app = bearer::app_key(bearer::token(&parts.headers));
    if let Err(r) = limits::sharepoint_units(&shared, &app, write) {
        return r;
    }
    let caller = match Bearer::<SharePoint>::from_request_parts(&mut parts, &shared).await {
        Ok(caller) => caller,
        Err(r) => return r,
    };
    if write && !caller.has_any(&WRITE_SCOPES) {
        return Ctx::of(&parts, &shared).error(
            StatusCode::FORBIDDEN,
            "-2147024891, System.UnauthorizedAccessException",
            "Access denied. You do not have permission to perform this action or access this resource.",
        );
    }
    next.run(Request::from_parts(parts, body)).await
}
