//! A user's Exchange photo: `…/photo` (metadata), `…/photo/$value` (bytes; `PUT` replaces it),
//! `…/photos` (the sizes there are), `…/photos/{size}` and `…/photos/{size}/$value` (a
//! centre-cropped, resized JPEG), under `/me` and `/users/{id}`. Every route checks the scope
//! (read or write, own or other), then the mailbox, then the photo, in that order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::extract::{RawPathParams, State};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use super::error::{denied, not_found_segment};
use super::users::{Target, READ_SELF};
use crate::state::{BlobRef, ExchangePhoto, Shared, User};
use crate::wire::codec::now_ms;
use crate::wire::graph::{error, json as gjson};
use crate::wire::imaging::Blob;
use crate::wire::{self, Resp};

pub const PHOTO_SIZES: [u32; 9] = [48, 64, 96, 120, 240, 360, 432, 504, 648];

const PHOTO_OTHERS: [&str; 6] = [
    "ProfilePhoto.Read.All",
    "ProfilePhoto.ReadWrite.All",
    "User.Read.All",
    "User.ReadBasic.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
];
const PHOTO_WRITE_SELF: [&str; 2] = ["User.ReadWrite", "ProfilePhoto.ReadWrite.All"];
const PHOTO_WRITE_OTHERS: [&str; 2] = ["ProfilePhoto.ReadWrite.All", "User.ReadWrite.All"];

/// Whether a path is answered by the Outlook photo service (its concurrency limit and service
/// time apply).
pub fn is_photo_path(path: &str) -> bool {
    path.contains("/photo")
}

/// What a photo route may do once the scope and the mailbox are checked.
enum Access {
    /// A `PUT` or `PATCH`, for this user.
    Write(User),
    /// A read: the stored photo, if the user has one.
    Read(User, Option<Arc<Blob>>),
}

/// Checks the scope for `method` (a write is `PUT` or `PATCH`), then the mailbox; a read loads
/// the photo.
async fn open(target: Target, method: &Method) -> Result<Access, Resp> {
    let Target { caller, user, own } = target;
    let write = method == Method::PUT || method == Method::PATCH;
    let ok = match (write, own) {
        (false, true) => caller.has_any(&READ_SELF) || caller.has_any(&PHOTO_OTHERS),
        (false, false) => caller.has_any(&PHOTO_OTHERS),
        (true, true) => caller.has_any(&PHOTO_WRITE_SELF) || caller.has_any(&PHOTO_WRITE_OTHERS),
        (true, false) => caller.has_any(&PHOTO_WRITE_OTHERS),
    };
    if !ok {
        return Err(denied());
    }
    if !user.mailbox {
        return Err(error(
            StatusCode::NOT_FOUND,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        ));
    }
    if write {
        return Ok(Access::Write(user));
    }
    let Some(p) = user.exchange_photo.clone() else {
        return Ok(Access::Read(user, None));
    };
    match tokio::task::spawn_blocking(move || p.blob.get()).await {
        Ok(b) => Ok(Access::Read(user, Some(b))),
        Err(_) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            "photo",
        )),
    }
}

/// A read on a route that takes no write: the user and their photo, if any.
async fn read(target: Target, method: &Method) -> Result<(User, Option<Arc<Blob>>), Resp> {
    match open(target, method).await? {
        Access::Read(user, b) => Ok((user, b)),
        Access::Write(_) => Err(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            "Only PUT …/photo/$value is emulated.",
        )),
    }
}

/// A read of an existing photo: the user and the photo, or `ImageNotFound`.
async fn read_existing(target: Target, method: &Method) -> Result<(User, Arc<Blob>), Resp> {
    match read(target, method).await? {
        (user, Some(b)) => Ok((user, b)),
        (_, None) => Err(image_not_found()),
    }
}

fn image_not_found() -> Resp {
    error(
        StatusCode::NOT_FOUND,
        "ImageNotFound",
        "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
    )
}

fn ctx_base(shared: &Shared) -> String {
    format!("{}/v1.0/$metadata", shared.origin("graph"))
}

/// The photo's own size (a photo whose size is unknown counts as 648 × 648).
fn own_size(b: &Blob) -> (u32, u32) {
    if b.width == 0 {
        (648, 648)
    } else {
        (b.width, b.height)
    }
}

fn parse_size(s: &str) -> Option<u32> {
    let (w, h) = s
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(a, b)| (a.to_string(), b.to_string()))?;
    let w: u32 = w.parse().ok()?;
    let h: u32 = h.parse().ok()?;
    (w == h).then_some(w)
}

/// The size named by `{size}` if the photo has it.
fn available(b: &Blob, size: &str) -> Result<u32, Resp> {
    parse_size(size)
        .filter(|s| available_sizes(b).contains(s))
        .ok_or_else(image_not_found)
}

fn meta(ctx: &str, b: &Blob, w: u32, h: u32) -> Value {
    json!({
        "@odata.context": ctx,
        "@odata.mediaContentType": if w == b.width && h == b.height { b.content_type.clone() } else { "image/jpeg".to_string() },
        "@odata.mediaEtag": b.etag(),
        "id": format!("{w}X{h}"),
        "height": h,
        "width": w,
    })
}

fn available_sizes(b: &Blob) -> Vec<u32> {
    let side = if b.width == 0 {
        648
    } else {
        b.width.min(b.height)
    };
    PHOTO_SIZES.iter().copied().filter(|s| *s <= side).collect()
}

fn first_segment(params: &RawPathParams) -> String {
    let rest = params.iter().find(|(k, _)| *k == "rest").map(|(_, v)| v);
    let rest = rest.unwrap_or("");
    rest.split('/')
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_string()
}

/// `…/photo`: the photo's metadata.
pub async fn photo(State(shared): State<Arc<Shared>>, method: Method, target: Target) -> Resp {
    let (user, b) = match read_existing(target, &method).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (w, h) = own_size(&b);
    let ctx = format!("{}#users('{}')/photo/$entity", ctx_base(&shared), user.oid);
    gjson(StatusCode::OK, &meta(&ctx, &b, w, h))
}

/// `…/photo/$value`: the bytes as stored; `PUT` (or `PATCH`) replaces them.
pub async fn photo_value(
    State(shared): State<Arc<Shared>>,
    method: Method,
    target: Target,
    body: Bytes,
) -> Resp {
    match open(target, &method).await {
        Ok(Access::Write(user)) => put_photo(&shared, &user, body).await,
        Ok(Access::Read(_, Some(b))) => {
            wire::with_type(StatusCode::OK, &b.content_type, b.bytes.clone())
        }
        Ok(Access::Read(_, None)) => image_not_found(),
        Err(r) => r,
    }
}

/// `…/photo/{rest}` past `$value`: the photo exists, the segment does not.
pub async fn photo_unknown(method: Method, target: Target, params: RawPathParams) -> Resp {
    match read_existing(target, &method).await {
        Ok(_) => not_found_segment(&first_segment(&params)),
        Err(r) => r,
    }
}

/// `…/photos`: the sizes the photo comes in (none without a photo).
pub async fn photos(State(shared): State<Arc<Shared>>, method: Method, target: Target) -> Resp {
    let (user, b) = match read(target, &method).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let value: Vec<Value> = match b {
        None => vec![],
        Some(b) => available_sizes(&b)
            .into_iter()
            .map(|s| {
                let mut v = meta("", &b, s, s);
                v.as_object_mut().map(|o| o.remove("@odata.context"));
                v
            })
            .collect(),
    };
    gjson(
        StatusCode::OK,
        &json!({"@odata.context": format!("{}#users('{}')/photos", ctx_base(&shared), user.oid), "value": value}),
    )
}

/// `…/photos/{size}`: the metadata of one size.
pub async fn size(
    State(shared): State<Arc<Shared>>,
    method: Method,
    target: Target,
    params: RawPathParams,
) -> Resp {
    let size = params.iter().find(|(k, _)| *k == "size").map(|(_, v)| v);
    let (user, b) = match read_existing(target, &method).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match available(&b, size.unwrap_or("")) {
        Ok(s) => {
            let ctx = format!("{}#users('{}')/photos/$entity", ctx_base(&shared), user.oid);
            gjson(StatusCode::OK, &meta(&ctx, &b, s, s))
        }
        Err(r) => r,
    }
}

/// `…/photos/{size}/$value`: the photo at that size.
pub async fn size_value(method: Method, target: Target, params: RawPathParams) -> Resp {
    let size = params.iter().find(|(k, _)| *k == "size").map(|(_, v)| v);
    let b = match read_existing(target, &method).await {
        Ok((_, b)) => b,
        Err(r) => return r,
    };
    let s = match available(&b, size.unwrap_or("")) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let bytes = sized(b.clone(), s).await;
    let ct = if b.width == s && b.height == s || b.width == 0 {
        b.content_type.clone()
    } else {
        "image/jpeg".to_string()
    };
    wire::with_type(StatusCode::OK, &ct, bytes)
}

/// `…/photos/{size}/{rest}` past `$value`: the size exists, the segment does not.
pub async fn size_unknown(method: Method, target: Target, params: RawPathParams) -> Resp {
    let size = params.iter().find(|(k, _)| *k == "size").map(|(_, v)| v);
    let b = match read_existing(target, &method).await {
        Ok((_, b)) => b,
        Err(r) => return r,
    };
    match available(&b, size.unwrap_or("")) {
        Ok(_) => not_found_segment(&first_segment(&params)),
        Err(r) => r,
    }
}

/// The photo at `size` × `size`: the stored bytes when they already are, else a centre-cropped,
/// resized JPEG (cached).
async fn sized(b: Arc<Blob>, size: u32) -> Bytes {
    if (b.width == size && b.height == size) || b.width == 0 {
        return b.bytes.clone();
    }
    static CACHE: OnceLock<Mutex<HashMap<(String, u32), Bytes>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (b.sha256.clone(), size);
    if let Some(hit) = cache.lock().unwrap().get(&key) {
        return hit.clone();
    }
    let src = b.clone();
    let out = tokio::task::spawn_blocking(move || {
        crate::wire::imaging::decode_any(&src.bytes)
            .map(|img| Bytes::from(crate::wire::imaging::square_jpeg(&img, size)))
            .unwrap_or_else(|| src.bytes.clone())
    })
    .await
    .unwrap_or_else(|_| b.bytes.clone());
    let mut c = cache.lock().unwrap();
    if c.len() > 2000 {
        c.clear();
    }
    c.insert(key, out.clone());
    out
}

async fn put_photo(shared: &Shared, user: &User, body: Bytes) -> Resp {
    let blob = tokio::task::spawn_blocking(move || {
        crate::wire::imaging::decode_any(&body)?;
        let ct = crate::wire::imaging::content_type_of(&body);
        Some(Blob::new(body, ct))
    })
    .await
    .ok()
    .flatten();
    let Some(blob) = blob else {
        return error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidImage",
            "The photo is not a valid image.",
        );
    };
    let mut inner = shared.lock();
    if let Some(u) = inner.tenant.user_mut(&user.upn) {
        u.exchange_photo = Some(ExchangePhoto {
            blob: BlobRef::Ready(Arc::new(blob)),
            modified_ms: now_ms(),
        });
    }
    wire::empty(StatusCode::OK)
}
