//! The `User Photos` library of the My Site host: `GetFolderByServerRelativeUrl(…)` (the folder,
//! its `Folders`, its `Files`, `Files/add(url=…,overwrite=…)`), `GetFileByServerRelativeUrl(…)`
//! (the file, `$value`), and the files themselves at `/User Photos/…` as a browser gets them.
//! Each geo's My Site host has its own library (the files of its geo); the admin host has none.
//! In the pictures folder a user may add their own thumbnails (and files of no user); another
//! user's only a site collection administrator of the host may (`owner_of`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::answer::{obj, Ctx, SharePoint};
use super::odata::{ODataCall, RequestedPath, Segment};
use crate::services::bearer::{Bearer, Caller};
use crate::state::seed::personal_segment;
use crate::state::*;
use crate::wire::codec::*;
use crate::wire::imaging::{self, Blob};
use crate::wire::{self, Resp};

/// `…/GetFolderByServerRelativeUrl('…')[/…]`
pub async fn folder(ctx: Ctx, caller: Bearer<SharePoint>, call: ODataCall, body: Bytes) -> Resp {
    let folder = normalise_path(call.segment(1).first_arg());
    let rest = call.names_from(2);
    let segments = call.segments.get(2..).unwrap_or(&[]);
    folder_call(&ctx, &caller, &folder, segments, &rest, body).await
}

/// The user a picture file belongs to, by its name: `{oid}_…` (how the emulator names the
/// thumbnails, `{oid}_MThumb.jpg`) or `{account}_…` (the account-derived name,
/// `adele_contoso_onmicrosoft_com_MThumb.jpg`), any case.
fn owner_of<'a>(tenant: &'a Tenant, name: &str) -> Option<&'a User> {
    let name = name.to_ascii_lowercase();
    tenant.users.iter().find(|u| {
        name.strip_prefix(&u.oid.to_ascii_lowercase())
            .or_else(|| name.strip_prefix(&personal_segment(&u.upn)))
            .is_some_and(|rest| rest.starts_with('_'))
    })
}

/// Whether `caller` may write the picture file `name` on the My Site host of `geo`: a file of
/// their own or of no user, or any file for a site collection administrator of the host.
fn may_write_picture(inner: &Inner, geo: Geo, caller: &Caller, name: &str) -> bool {
    match owner_of(&inner.tenant, name) {
        Some(owner) if !owner.upn.eq_ignore_ascii_case(&caller.upn) => {
            inner.is_site_collection_admin(geo, &caller.upn)
        }
        _ => true,
    }
}

/// `…/GetFileByServerRelativeUrl('…')[/…]`
pub async fn file(ctx: Ctx, call: ODataCall) -> Resp {
    let file = normalise_path(call.segment(1).first_arg());
    file_call(&ctx, &file, &call.names_from(2)).await
}

/// The geo whose My Site host was asked (`None`: the admin host).
fn geo_of(ctx: &Ctx) -> Option<Geo> {
    Geo::of_label(&ctx.label)
}

/// `/User Photos/…`: the file's bytes, on a My Site host, for `GET`.
pub async fn download(ctx: Ctx, RequestedPath(path): RequestedPath) -> Resp {
    match geo_of(&ctx) {
        Some(geo) if ctx.method == Method::GET => serve_file(&ctx.shared, &path, geo).await,
        _ => ctx.not_found(),
    }
}

fn file_json(ctx: &Ctx, path: &str, f: &StoredFile, len: usize) -> Map<String, Value> {
    let name = path.rsplit('/').next().unwrap_or("");
    obj(json!({
        "CheckInComment": "",
        "CheckOutType": 2,
        "ContentTag": "{1},1,1",
        "Exists": true,
        "Length": len.to_string(),
        "Level": 1,
        "MajorVersion": 1,
        "MinorVersion": 0,
        "Name": name,
        "ServerRelativeUrl": path,
        "TimeCreated": iso8601(f.modified_ms),
        "TimeLastModified": iso8601(f.modified_ms),
        "Title": null,
        "UniqueId": guid_from_name(&format!("file:{path}")),
        "ETag": format!("\"{{{}}},1\"", guid_from_name(&format!("file:{path}")).to_uppercase()),
        "odata.site": ctx.site,
    }))
}

fn known_folders(inner: &Inner) -> Vec<String> {
    vec![PHOTO_LIBRARY.to_string(), inner.photo_folder_path()]
}

async fn folder_call(
    ctx: &Ctx,
    caller: &Caller,
    folder: &str,
    segs: &[Segment],
    rest: &[&str],
    body: Bytes,
) -> Resp {
    let (exists, photo_folder) = {
        let inner = ctx.shared.lock();
        let known = known_folders(&inner);
        (
            known.iter().any(|k| k.eq_ignore_ascii_case(folder)),
            inner.photo_folder_path(),
        )
    };
    let Some(geo) = geo_of(ctx).filter(|_| exists) else {
        return ctx.not_found();
    };
    let folder = if folder.eq_ignore_ascii_case(&photo_folder) {
        photo_folder.clone()
    } else {
        PHOTO_LIBRARY.to_string()
    };
    let m = ctx.method.clone();
    match (m, rest) {
        (Method::GET, []) => {
            let count = ctx
                .shared
                .lock()
                .read_files()
                .iter()
                .filter(|(k, f)| f.geo == geo && k.starts_with(&format!("{folder}/")))
                .count();
            ctx.entity(
                "SP.Folder",
                &format!(
                    "{}/_api/Web/GetFolderByServerRelativePath(decodedurl='{}')",
                    ctx.site, folder
                ),
                obj(json!({
                    "Exists": true,
                    "IsWOPIEnabled": false,
                    "ItemCount": count,
                    "Name": folder.rsplit('/').next().unwrap_or(""),
                    "ProgID": null,
                    "ServerRelativeUrl": folder,
                    "TimeCreated": "2020-01-01T00:00:00Z",
                    "TimeLastModified": iso8601(now_ms()),
                    "UniqueId": guid_from_name(&format!("folder:{folder}")),
                    "WelcomePage": "",
                })),
            )
        }
        (Method::GET, ["folders"]) => {
            let sub: Vec<Map<String, Value>> = if folder == PHOTO_LIBRARY {
                vec![obj(json!({
                    "Exists": true,
                    "Name": photo_folder.rsplit('/').next().unwrap_or(""),
                    "ServerRelativeUrl": photo_folder,
                    "ItemCount": 0,
                }))]
            } else {
                vec![]
            };
            ctx.collection("SP.Folder", sub)
        }
        (Method::GET, ["files"]) => {
            let files: Vec<(String, StoredFile)> = ctx
                .shared
                .lock()
                .read_files()
                .iter()
                .filter(|(k, f)| {
                    f.geo == geo
                        && k.strip_prefix(&format!("{folder}/"))
                            .is_some_and(|rest| !rest.contains('/'))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut items = vec![];
            for (k, f) in files {
                let b = f.blob.clone();
                let len = tokio::task::spawn_blocking(move || b.get().bytes.len())
                    .await
                    .unwrap_or(0);
                items.push(file_json(ctx, &k, &f, len));
            }
            ctx.collection("SP.File", items)
        }
        (Method::GET, ["files", rest @ ..]) if !segs.is_empty() => {
            let name = segs[1].first_arg().to_string();
            file_call(ctx, &format!("{folder}/{name}"), rest).await
        }
        (Method::POST, ["files", "add"]) => {
            let args = &segs[1].args;
            let name = args.get("url").cloned().unwrap_or_default();
            let overwrite = args
                .get("overwrite")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            if name.is_empty() || name.contains('/') {
                return ctx.error(
                    StatusCode::BAD_REQUEST,
                    "-2147024809, System.ArgumentException",
                    "The file name is not valid.",
                );
            }
            let path = format!("{folder}/{name}");
            if folder == photo_folder {
                let allowed = may_write_picture(&ctx.shared.lock(), geo, caller, &name);
                if !allowed {
                    return ctx.access_denied();
                }
                let b2 = body.clone();
                let ok = tokio::task::spawn_blocking(move || imaging::decode_any(&b2).is_some())
                    .await
                    .unwrap_or(false);
                if !ok {
                    return ctx.invalid_picture();
                }
            }
            let exists = ctx
                .shared
                .lock()
                .tenant
                .files
                .get(&path)
                .is_some_and(|f| f.geo == geo);
            if exists && !overwrite {
                return ctx.error(
                    StatusCode::BAD_REQUEST,
                    "-2130575257, Microsoft.SharePoint.SPException",
                    &format!("A file with the name {path} already exists. It was last modified by i:0#.f|membership|{} on {}.", "system", iso8601(now_ms())),
                );
            }
            let ct = imaging::content_type_of(&body).to_string();
            let len = body.len();
            let blob = tokio::task::spawn_blocking(move || Blob::new(body, &ct))
                .await
                .expect("blob");
            let f = StoredFile {
                blob: BlobRef::Ready(Arc::new(blob)),
                modified_ms: now_ms(),
                geo,
            };
            ctx.shared
                .lock()
                .tenant
                .files
                .insert(path.clone(), f.clone());
            ctx.entity(
                "SP.File",
                &format!(
                    "{}/_api/Web/GetFileByServerRelativePath(decodedurl='{}')",
                    ctx.site, path
                ),
                file_json(ctx, &path, &f, len),
            )
        }
        _ => ctx.error(
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The expression is not valid.",
        ),
    }
}

async fn file_call(ctx: &Ctx, path: &str, rest: &[&str]) -> Resp {
    let Some(geo) = geo_of(ctx) else {
        return ctx.not_found();
    };
    let found = {
        let inner = ctx.shared.lock();
        find_file(&inner, path, geo)
    };
    let Some((path, f)) = found else {
        return ctx.not_found();
    };
    let b = f.blob.clone();
    let blob = tokio::task::spawn_blocking(move || b.get())
        .await
        .expect("blob");
    match (ctx.method.clone(), rest) {
        (Method::GET, []) => ctx.entity(
            "SP.File",
            &format!(
                "{}/_api/Web/GetFileByServerRelativePath(decodedurl='{}')",
                ctx.site, path
            ),
            file_json(ctx, &path, &f, blob.bytes.len()),
        ),
        (Method::GET, ["$value"]) => {
            wire::with_type(StatusCode::OK, &blob.content_type, blob.bytes.clone())
        }
        _ => ctx.error(
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The expression is not valid.",
        ),
    }
}

/// A file of the geo's library by path (any case), as SharePoint's reads see it.
fn find_file(inner: &Inner, path: &str, geo: Geo) -> Option<(String, StoredFile)> {
    let files = inner.read_files();
    let exact = files.get(path).filter(|f| f.geo == geo);
    match exact {
        Some(f) => Some((path.to_string(), f.clone())),
        None => files
            .iter()
            .find(|(k, f)| f.geo == geo && k.eq_ignore_ascii_case(path))
            .map(|(k, v)| (k.clone(), v.clone())),
    }
}

async fn serve_file(shared: &Shared, path: &str, geo: Geo) -> Resp {
    let found = {
        let inner = shared.lock();
        find_file(&inner, path, geo).map(|(_, f)| f)
    };
    let Some(f) = found else {
        return wire::text(StatusCode::NOT_FOUND, "404 FILE NOT FOUND");
    };
    let blob = tokio::task::spawn_blocking(move || f.blob.get())
        .await
        .expect("blob");
    let mut r = wire::with_type(StatusCode::OK, &blob.content_type, blob.bytes.clone());
    wire::set_header(&mut r, "etag", &format!("\"{}\"", &blob.sha256[..16]));
    wire::set_header(&mut r, "cache-control", "private, max-age=0");
    r
}

/// A server-relative URL from an argument: an absolute URL's path, decoded, with a leading and no
/// trailing slash.
fn normalise_path(p: &str) -> String {
    let p = p.trim();
    let p = if let Some(rest) = p
        .strip_prefix("http://")
        .or_else(|| p.strip_prefix("https://"))
    {
        rest.find('/').map(|i| &rest[i..]).unwrap_or("/")
    } else {
        p
    };
    let p = percent_decode(p);
    let p = if p.starts_with('/') {
        p
    } else {
        format!("/{p}")
    };
    p.trim_end_matches('/').to_string()
}
