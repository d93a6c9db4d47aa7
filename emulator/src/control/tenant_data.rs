//! The tenant's data: Exchange photos, stored SharePoint files, the photo folder, users' Graph
//! properties, SharePoint profile properties, the My Site hosts' site collection
//! administrators, and the mailbox of what Graph's `sendMail` accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::extract::{Answer, Done, Json, Refusal};
use crate::model::{SentMail, SiteCollectionAdmins};
use crate::state::*;
use crate::wire::codec::{encode_path, now_ms, percent_decode};
use crate::wire::imaging::{content_type_of, Blob};
use crate::wire::{self, QueryParams, RawBody, Resp};

#[derive(Deserialize)]
pub(super) struct FileQuery {
    /// Percent-encoded (once more than the query string's own encoding).
    #[serde(default)]
    path: String,
}

/// A stored SharePoint file's bytes.
pub(super) async fn file(
    State(shared): State<Arc<Shared>>,
    QueryParams(q): QueryParams<FileQuery>,
) -> Result<Resp, Refusal> {
    let p = percent_decode(&q.path);
    let f = shared.lock().tenant.files.get(&p).cloned();
    let Some(f) = f else {
        return Err(Refusal::NotFound(p));
    };
    match tokio::task::spawn_blocking(move || f.blob.get()).await {
        Ok(b) => Ok(wire::with_type(
            StatusCode::OK,
            &b.content_type,
            b.bytes.clone(),
        )),
        Err(_) => Err(Refusal::NotFound(p)),
    }
}

#[derive(Deserialize)]
pub(super) struct PhotoQuery {
    #[serde(default)]
    upn: String,
    /// Defaults to the type sniffed from the bytes.
    content_type: Option<String>,
}

pub(super) async fn exchange_photo(
    State(shared): State<Arc<Shared>>,
    QueryParams(q): QueryParams<PhotoQuery>,
) -> Result<Resp, Refusal> {
    let photo = shared
        .lock()
        .tenant
        .user(&q.upn)
        .and_then(|u| u.exchange_photo.clone());
    let Some(p) = photo else {
        return Err(Refusal::NotFound(q.upn));
    };
    match tokio::task::spawn_blocking(move || p.blob.get()).await {
        Ok(b) => Ok(wire::with_type(
            StatusCode::OK,
            &b.content_type,
            b.bytes.clone(),
        )),
        Err(_) => Err(Refusal::NotFound(q.upn)),
    }
}

/// The body is the user's new Exchange photo.
pub(super) async fn set_exchange_photo(
    State(shared): State<Arc<Shared>>,
    QueryParams(q): QueryParams<PhotoQuery>,
    RawBody(body): RawBody,
) -> Result<Done, Refusal> {
    let ct = q
        .content_type
        .unwrap_or_else(|| content_type_of(&body).to_string());
    let blob = tokio::task::spawn_blocking(move || Blob::new(body, &ct))
        .await
        .expect("blob");
    let mut inner = shared.lock();
    let Some(u) = inner.tenant.user_mut(&q.upn) else {
        return Err(Refusal::NotFound(q.upn));
    };
    u.exchange_photo = Some(ExchangePhoto {
        blob: BlobRef::Ready(Arc::new(blob)),
        modified_ms: now_ms(),
    });
    Ok(Done)
}

pub(super) async fn delete_exchange_photo(
    State(shared): State<Arc<Shared>>,
    QueryParams(q): QueryParams<PhotoQuery>,
) -> Result<Done, Refusal> {
    let mut inner = shared.lock();
    let Some(u) = inner.tenant.user_mut(&q.upn) else {
        return Err(Refusal::NotFound(q.upn));
    };
    u.exchange_photo = None;
    Ok(Done)
}

#[derive(Deserialize)]
pub(super) struct FolderBody {
    name: String,
}

/// Renames the folder of `User Photos` the thumbnails live in: moves the stored files and
/// rewrites every `PictureURL` that named the old folder.
pub(super) async fn set_photo_folder(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<FolderBody>,
) -> Done {
    let mut inner = shared.lock();
    let old = inner.photo_folder_path();
    inner.photo_folder = b.name;
    let new = inner.photo_folder_path();
    let moved: BTreeMap<String, StoredFile> = std::mem::take(&mut inner.tenant.files)
        .into_iter()
        .map(|(k, v)| match k.strip_prefix(&format!("{old}/")) {
            Some(rest) => (format!("{new}/{rest}"), v),
            None => (k, v),
        })
        .collect();
    inner.tenant.files = moved;
    for geo in Geo::ALL {
        let my = shared.my_site_of(geo);
        let old_url = format!("{my}{}", encode_path(&old));
        let new_url = format!("{my}{}", encode_path(&new));
        for props in inner.tenant.profiles.values_mut() {
            if let Some(v) = props.get_mut("PictureURL") {
                *v = v.replace(&old_url, &new_url);
            }
        }
    }
    Done
}

#[derive(Deserialize)]
pub(super) struct UserFieldBody {
    upn: String,
    field: String,
    value: Option<String>,
}

pub(super) async fn set_user_field(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<UserFieldBody>,
) -> Result<Done, Refusal> {
    let mut inner = shared.lock();
    let Some(u) = inner.tenant.user_mut(&b.upn) else {
        return Err(Refusal::NotFound(b.upn));
    };
    user_field(u, &b.field, b.value).map_err(Refusal::BadRequest)?;
    Ok(Done)
}

/// Sets one Graph property of a user; `None` is JSON `null`.
fn user_field(u: &mut User, field: &str, value: Option<String>) -> Result<(), String> {
    let required = |v: Option<String>| v.ok_or_else(|| format!("{field} cannot be null"));
    match field {
        "mySite" => u.my_site = Some(value),
        "displayName" => u.display_name = required(value)?,
        "givenName" => u.given_name = required(value)?,
        "surname" => u.surname = required(value)?,
        "mail" => u.mail = value,
        "jobTitle" => u.job_title = value,
        "department" => u.department = value,
        "officeLocation" => u.office_location = value,
        "mobilePhone" => u.mobile_phone = value,
        "preferredLanguage" => u.preferred_language = value,
        _ => return Err(format!("unknown or read-only user field: {field}")),
    }
    Ok(())
}

#[derive(Deserialize)]
pub(super) struct ProfilePropertyBody {
    upn: String,
    name: String,
    value: String,
}

pub(super) async fn set_profile_property(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<ProfilePropertyBody>,
) -> Result<Done, Refusal> {
    let mut inner = shared.lock();
    let Some(upn) = inner.tenant.user(&b.upn).map(|u| u.upn.clone()) else {
        return Err(Refusal::NotFound(b.upn));
    };
    inner
        .tenant
        .profiles
        .entry(upn)
        .or_default()
        .insert(b.name, b.value);
    Ok(Done)
}

/// `GET /control/mail`: every message `sendMail` accepted, oldest first.
pub(super) async fn mail(State(shared): State<Arc<Shared>>) -> Answer<Vec<SentMail>> {
    Answer(shared.lock().sent_mail.clone())
}

/// `DELETE /control/mail` (or `POST /control/mail/clear`): empties the mailbox. Exchange's
/// sending windows go on counting (new limits empty them).
pub(super) async fn clear_mail(State(shared): State<Arc<Shared>>) -> Done {
    shared.lock().sent_mail.clear();
    Done
}

/// `GET /control/site-collection-admins`: host label → UPNs, for every My Site host.
pub(super) async fn site_collection_admins(
    State(shared): State<Arc<Shared>>,
) -> Answer<BTreeMap<String, Vec<String>>> {
    let inner = shared.lock();
    let out = Geo::ALL
        .into_iter()
        .map(|geo| {
            let admins = inner
                .site_collection_admins
                .get(&geo)
                .map(|set| {
                    set.iter()
                        .map(|key| {
                            inner
                                .tenant
                                .user(key)
                                .map(|u| u.upn.clone())
                                .unwrap_or_else(|| key.clone())
                        })
                        .collect()
                })
                .unwrap_or_default();
            (geo.my_site_label().to_string(), admins)
        })
        .collect();
    Answer(out)
}

/// `POST /control/site-collection-admins`: the site collection administrators of one My Site
/// host become exactly the users named.
pub(super) async fn set_site_collection_admins(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<SiteCollectionAdmins>,
) -> Result<Done, Refusal> {
    let label = b
        .host
        .trim()
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .split(['.', ':', '/'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let Some(geo) = Geo::of_label(&label) else {
        return Err(Refusal::BadRequest(format!(
            "host must be a My Site host ({}), not {:?}",
            Geo::ALL.map(Geo::my_site_label).join(", "),
            b.host
        )));
    };
    let mut inner = shared.lock();
    let mut admins = BTreeSet::new();
    for upn in &b.users {
        let Some(u) = inner.tenant.user(upn) else {
            return Err(Refusal::NotFound(upn.clone()));
        };
        admins.insert(u.upn.to_ascii_lowercase());
    }
    inner.site_collection_admins.insert(geo, admins);
    Ok(Done)
}
