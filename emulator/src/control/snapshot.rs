//! The control API's view of the state for assertions (`GET /control/state`): users with their
//! Exchange photo and whether SharePoint shows the same picture, files, profile properties, and
//! the mail Graph's `sendMail` accepted.

use crate::model::*;
use crate::state::*;
use crate::wire::codec::percent_decode;

/// `http://contoso-my.localhost:PORT/User%20Photos/…?x` → `/User Photos/…` (on any geo's My
/// Site host).
pub fn picture_path(shared: &Shared, url: &str) -> Option<String> {
    let rest = Geo::ALL
        .into_iter()
        .find_map(|geo| url.strip_prefix(&shared.my_site_of(geo)))?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    Some(percent_decode(rest))
}

/// A snapshot for assertions (generates demo pictures on first use).
pub fn state(shared: &Shared) -> State {
    let (tenant, sent_mail) = {
        let inner = shared.lock();
        (inner.tenant.clone(), inner.sent_mail.clone())
    };
    let files: Vec<FileState> = tenant
        .files
        .iter()
        .map(|(path, f)| {
            let b = f.blob.get();
            FileState {
                host: format!("{}.localhost", f.geo.my_site_label()),
                path: path.clone(),
                width: b.width,
                height: b.height,
                sha256: b.sha256.clone(),
                bytes_len: b.bytes.len() as u64,
                content_type: b.content_type.clone(),
                modified_ms: f.modified_ms,
            }
        })
        .collect();
    let users = tenant
        .users
        .iter()
        .map(|u| {
            let ex = u
                .exchange_photo
                .as_ref()
                .map(|p| (p.blob.get(), p.modified_ms));
            let props = tenant.profiles.get(&u.upn);
            let pic_url = props
                .and_then(|p| p.get("PictureURL"))
                .filter(|v| !v.is_empty());
            let placeholder = props
                .and_then(|p| p.get("SPS-PicturePlaceholderState"))
                .map(String::as_str)
                .unwrap_or("1");
            let sp_blob = pic_url
                .and_then(|url| picture_path(shared, url))
                .and_then(|p| tenant.files.get(&p))
                .map(|f| f.blob.get());
            let source = match (&ex, &sp_blob) {
                (Some((e, _)), Some(s)) if s.looks_like(e) => Some(e.etag()),
                _ => None,
            };
            let in_sync = match (&ex, pic_url) {
                (None, None) => true,
                (Some(_), Some(_)) => source.is_some() && placeholder == "0",
                _ => false,
            };
            UserState {
                upn: u.upn.clone(),
                oid: u.oid.clone(),
                display_name: u.display_name.clone(),
                mail: u.mail.clone(),
                mailbox: u.mailbox,
                is_admin: u.is_admin,
                exchange_photo: ex.as_ref().map(|(b, at)| PhotoState {
                    sha256: b.sha256.clone(),
                    width: b.width,
                    height: b.height,
                    content_type: b.content_type.clone(),
                    bytes_len: b.bytes.len() as u64,
                    etag: b.etag(),
                    modified_ms: *at,
                }),
                sharepoint_source_etag: source,
                in_sync,
            }
        })
        .collect();
    State {
        tenant_id: TENANT_ID.to_string(),
        tenant_domain: TENANT_DOMAIN.to_string(),
        users,
        files,
        profiles: tenant.profiles.clone(),
        sent_mail,
    }
}
