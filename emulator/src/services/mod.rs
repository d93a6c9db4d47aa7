//! The fourth layer: the services, one axum `Router` each, chosen by host in `server.rs`:
//! `identity` (the Microsoft identity platform v2), `graph` (Microsoft Graph v1.0),
//! `sharepoint` (the My Site and admin hosts), `app` (the app's files and the intranet page).
//! `bearer` validates access tokens for Graph and SharePoint. Services use `pipeline` (the
//! throttling models, fault matching for `$batch` items), `state` and `wire`; never `control`
//! or `server`, and never each other except through `state`.

pub mod app;
pub mod bearer;
pub mod graph;
pub mod identity;
pub mod sharepoint;
