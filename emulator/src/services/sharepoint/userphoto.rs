//! `/_layouts/15/userphoto.aspx?size=S|M|L&accountname=…`: a user's thumbnail, or a placeholder.
//! Sync on request: the user looking at their own picture makes SharePoint pull a newer
//! Exchange photo first, as the real service does.

use std::collections::BTreeMap;

use axum::http::{StatusCode, Uri};

use super::answer::{Ctx, SharePoint};
use super::people::{account_upn, store_picture};
use crate::services::bearer::Bearer;
use crate::wire::codec::parse_form;
use crate::wire::imaging;
use crate::wire::{self, Resp};

pub async fn userphoto(ctx: Ctx, caller: Bearer<SharePoint>, uri: Uri) -> Resp {
    let q: BTreeMap<String, String> = uri
        .query()
        .map(parse_form)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let size = q
        .get("size")
        .map(|s| s.to_ascii_uppercase())
        .unwrap_or_else(|| "M".into());
    let (suffix, px) = match size.as_str() {
        "S" => ("SThumb", 48),
        "L" => ("LThumb", 200),
        _ => ("MThumb", 72),
    };
    let account = q
        .get("accountname")
        .or_else(|| q.get("username"))
        .or_else(|| q.get("account"))
        .cloned()
        .unwrap_or_else(|| caller.upn.clone());
    let upn = account_upn(&account);
    let user = ctx.shared.lock().tenant.user(&upn).cloned();
    if let Some(user) = &user {
        // Sync on request: the user looking at their own picture pulls a newer Exchange photo.
        if user.upn.eq_ignore_ascii_case(&caller.upn) {
            if let Some(ex) = user.exchange_photo.clone() {
                let stale = {
                    let inner = ctx.shared.lock();
                    let props = inner.tenant.profiles.get(&user.upn);
                    let has_pic = props
                        .and_then(|p| p.get("PictureURL"))
                        .is_some_and(|v| !v.is_empty());
                    let ts: u64 = props
                        .and_then(|p| p.get("SPS-PictureTimestamp"))
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    !has_pic || ex.modified_ms > ts * 1000
                };
                if stale {
                    let b = tokio::task::spawn_blocking(move || ex.blob.get())
                        .await
                        .expect("blob");
                    let _ = store_picture(&ctx.shared, &user.upn, b.bytes.clone()).await;
                }
            }
        }
        let file = {
            let inner = ctx.shared.lock();
            let placeholder = inner
                .read_profiles()
                .get(&user.upn)
                .and_then(|p| p.get("SPS-PicturePlaceholderState"))
                .is_some_and(|v| v == "1");
            let path = format!("{}/{}_{suffix}.jpg", inner.photo_folder_path(), user.oid);
            (!placeholder)
                .then(|| inner.read_files().get(&path).cloned())
                .flatten()
        };
        if let Some(f) = file {
            let blob = tokio::task::spawn_blocking(move || f.blob.get())
                .await
                .expect("blob");
            let mut r = wire::with_type(StatusCode::OK, &blob.content_type, blob.bytes.clone());
            wire::set_header(&mut r, "cache-control", "private, max-age=0");
            return r;
        }
    }
    let bytes = tokio::task::spawn_blocking(move || imaging::placeholder_jpeg(px))
        .await
        .expect("placeholder");
    let mut r = wire::with_type(StatusCode::OK, "image/jpeg", bytes);
    wire::set_header(&mut r, "cache-control", "private, max-age=0");
    r
}
