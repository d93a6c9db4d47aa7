//! `SP.UserProfiles.PeopleManager`: `GetMyProperties`, `GetPropertiesFor`,
//! `GetUserProfilePropertyFor`, `SetMyProfilePicture` (the three thumbnails and the picture
//! properties, from any picture SharePoint can decode) and `SetSingleValueProfileProperty` (with
//! the refusal for other users' profiles).

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::{json, Value};

use super::answer::{json_out, obj, Ctx, SharePoint};
use super::odata::ODataCall;
use crate::services::bearer::Bearer;
use crate::state::*;
use crate::wire::codec::*;
use crate::wire::imaging::{self, Blob};
use crate::wire::odata::Fmt;
use crate::wire::Resp;

/// Largest picture SetMyProfilePicture takes (4.76 MB).
pub const MAX_PICTURE_BYTES: usize = 4_990_000;

const CLAIM_PREFIX: &str = "i:0#.f|membership|";

/// The UPN in an account name (`i:0#.f|membership|upn` or the UPN itself).
pub fn account_upn(account: &str) -> String {
    let a = account.trim();
    let lower = a.to_ascii_lowercase();
    match lower.find(CLAIM_PREFIX) {
        Some(i) => a[i + CLAIM_PREFIX.len()..].to_string(),
        None => a.to_string(),
    }
}

fn person(ctx: &Ctx, upn: &str) -> Resp {
    let inner = ctx.shared.lock();
    let Some(u) = inner.tenant.user(upn).cloned() else {
        drop(inner);
        return match ctx.fmt {
            Fmt::Verbose => json_out(StatusCode::OK, &json!({"d": {"GetPropertiesFor": null}})),
            _ => json_out(StatusCode::OK, &json!({"odata.null": true})),
        };
    };
    let props = inner
        .read_profiles()
        .get(&u.upn)
        .cloned()
        .unwrap_or_default();
    drop(inner);
    // The user's geo's My Site host (SharePoint Multi-Geo), whichever host was asked.
    let my = ctx.shared.my_site_of(u.geo);
    let picture = props.get("PictureURL").filter(|v| !v.is_empty()).cloned();
    let account = format!("{CLAIM_PREFIX}{}", u.upn);
    let upp: Vec<Value> = props
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v, "ValueType": "Edm.String"}))
        .collect();
    let o = obj(json!({
        "AccountName": account,
        "DirectReports": [],
        "DisplayName": u.display_name,
        "Email": u.mail,
        "ExtendedManagers": [],
        "ExtendedReports": [account],
        "IsFollowed": false,
        "LatestPost": null,
        "Peers": [],
        "PersonalSiteHostUrl": format!("{my}/"),
        "PersonalUrl": format!("{my}/personal/{}/", crate::state::seed::personal_segment(&u.upn)),
        "PictureUrl": picture,
        "Title": u.job_title,
        "UserProfileProperties": upp,
        "UserUrl": format!("{my}/Person.aspx?accountname={}", encode_form([("", account.as_str())]).trim_start_matches('=')),
    }));
    ctx.entity(
        "SP.UserProfiles.PersonProperties",
        &format!(
            "{}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)",
            ctx.site
        ),
        o,
    )
}

/// `SetSingleValueProfileProperty`, `{accountName, propertyName, propertyValue}` as the body.
pub async fn set_single_value(ctx: Ctx, caller: Bearer<SharePoint>, body: Bytes) -> Resp {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let body = body.get("d").cloned().unwrap_or(body);
    let get = |k: &str| {
        body.as_object().and_then(|o| {
            o.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
        })
    };
    let (Some(account), Some(prop), Some(value)) = (
        get("accountName"),
        get("propertyName"),
        get("propertyValue"),
    ) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The parameter accountName, propertyName or propertyValue is missing.",
        );
    };
    let upn = account_upn(&account);
    let mut inner = ctx.shared.lock();
    let Some(target) = inner.tenant.user(&upn).map(|u| u.upn.clone()) else {
        drop(inner);
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "-2146232832, Microsoft.Office.Server.UserProfiles.UserNotFoundException",
            "User Profile Error 1000: User Not Found: Could not load profile data from the database.",
        );
    };
    let own = target.eq_ignore_ascii_case(&caller.upn);
    if !own && (inner.admin_refusal || !caller.is_admin) {
        drop(inner);
        return ctx.error(
            StatusCode::FORBIDDEN,
            "-2147024891, System.UnauthorizedAccessException",
            "This operation requires you to be managing your own data or have administrator privileges.",
        );
    }
    let profile = inner.tenant.profiles.entry(target).or_default();
    let Some(key) = profile
        .keys()
        .find(|k| k.eq_ignore_ascii_case(&prop))
        .cloned()
    else {
        drop(inner);
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "-2146232832, Microsoft.SharePoint.SPException",
            &format!("Property Not Found: {prop}"),
        );
    };
    if [
        "AccountName",
        "UserProfile_GUID",
        "SID",
        "msOnline-ObjectId",
        "SPS-UserPrincipalName",
    ]
    .contains(&key.as_str())
    {
        drop(inner);
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "-2146232832, Microsoft.Office.Server.UserProfiles.PropertyNotEditableException",
            &format!("Property Not Editable: This property can not be modified. ({key})"),
        );
    }
    profile.insert(key, value);
    drop(inner);
    ctx.null("SetSingleValueProfileProperty")
}

/// Decodes a picture and writes the three thumbnails and the profile properties of `user`.
/// Returns false (and writes nothing) when the bytes are not a BMP, JPEG, PNG or GIF.
pub async fn store_picture(shared: &Arc<Shared>, upn: &str, bytes: Bytes) -> bool {
    let thumbs = tokio::task::spawn_blocking(move || {
        imaging::decode_any(&bytes).map(|img| imaging::thumbnails(&img))
    })
    .await
    .ok()
    .flatten();
    let Some(thumbs) = thumbs else {
        return false;
    };
    let blobs: Vec<(&str, Blob)> = tokio::task::spawn_blocking(move || {
        thumbs
            .into_iter()
            .map(|(suffix, _, jpeg)| (suffix, Blob::new(jpeg, "image/jpeg")))
            .collect()
    })
    .await
    .unwrap_or_default();
    let mut inner = shared.lock();
    let Some(user) = inner.tenant.user(upn).cloned() else {
        return false;
    };
    // Pictures live on the My Site host of the user's geo.
    let my = shared.my_site_of(user.geo);
    let folder = inner.photo_folder_path();
    let now = now_ms();
    for (suffix, blob) in blobs {
        inner.tenant.files.insert(
            format!("{folder}/{}_{suffix}.jpg", user.oid),
            StoredFile {
                blob: BlobRef::Ready(Arc::new(blob)),
                modified_ms: now,
                geo: user.geo,
            },
        );
    }
    let ts = inner.next_picture_ts();
    let url = format!(
        "{my}{}",
        encode_path(&format!("{folder}/{}_MThumb.jpg", user.oid))
    );
    let props = inner.tenant.profiles.entry(user.upn.clone()).or_default();
    props.insert("PictureURL".into(), url);
    props.insert("SPS-PicturePlaceholderState".into(), "0".into());
    props.insert("SPS-PictureTimestamp".into(), ts.to_string());
    props.insert("SPS-PictureExchangeSyncState".into(), "0".into());
    true
}

/// `SetMyProfilePicture`, the picture's bytes as the body.
pub async fn set_my_picture(ctx: Ctx, caller: Bearer<SharePoint>, body: Bytes) -> Resp {
    if body.len() > MAX_PICTURE_BYTES {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "-2147024809, System.ArgumentException",
            "The picture is too large. The maximum size is 4.76 MB.",
        );
    }
    if body.is_empty() || imaging::sharepoint_format(&body).is_none() {
        return ctx.invalid_picture();
    }
    if !store_picture(&ctx.shared, &caller.upn, body).await {
        return ctx.invalid_picture();
    }
    ctx.null("SetMyProfilePicture")
}

/// `GetMyProperties`
pub async fn my_properties(ctx: Ctx, caller: Bearer<SharePoint>) -> Resp {
    person(&ctx, &caller.upn)
}

/// `GetPropertiesFor(accountName=…)`
pub async fn properties_for(ctx: Ctx, call: ODataCall) -> Resp {
    let account = call.segment(1).arg("accountname");
    person(&ctx, &account_upn(&account))
}

/// `GetUserProfilePropertyFor(accountName=…,propertyName=…)`
pub async fn property_for(ctx: Ctx, call: ODataCall) -> Resp {
    let args = call.segment(1);
    let (account, prop) = (args.arg("accountname"), args.arg("propertyname"));
    let inner = ctx.shared.lock();
    let value = inner
        .tenant
        .user(&account_upn(&account))
        .and_then(|u| inner.read_profiles().get(&u.upn))
        .and_then(|p| {
            p.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&prop))
                .map(|(_, v)| v.clone())
        })
        .unwrap_or_default();
    drop(inner);
    ctx.primitive("GetUserProfilePropertyFor", json!(value))
}
