//! SharePoint Online: the My Site host (`contoso-my.localhost`) and the admin host
//! (`contoso-admin.localhost`): PeopleManager, the `User Photos` library, `userphoto.aspx`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::Router;
use serde_json::{json, Map, Value};

use crate::pipeline::limits;
use crate::services::bearer::{self as auth, AuthError, Caller};
use crate::state::*;
use crate::wire::codec::*;
use crate::wire::imaging::{self, Blob};
use crate::wire::odata::{self, Fmt};
use crate::wire::{self, Req, Resp};

/// Largest picture SetMyProfilePicture takes (4.76 MB).
pub const MAX_PICTURE_BYTES: usize = 4_990_000;

const CLAIM_PREFIX: &str = "i:0#.f|membership|";

const WRITE_SCOPES: [&str; 5] = [
    "AllSites.Write",
    "AllSites.Manage",
    "AllSites.FullControl",
    "MyFiles.Write",
    "User.ReadWrite.All",
];

struct Ctx<'a> {
    shared: &'a Arc<Shared>,
    req: &'a Req,
    fmt: Fmt,
    site: String,
}

impl Ctx<'_> {
    fn error(&self, status: StatusCode, code: &str, message: &str) -> Resp {
        odata::error(self.fmt, status, code, message)
    }

    fn not_found(&self) -> Resp {
        self.error(
            StatusCode::NOT_FOUND,
            "-2147024894, System.IO.FileNotFoundException",
            "File Not Found.",
        )
    }

    fn invalid_picture(&self) -> Resp {
        self.error(
            StatusCode::BAD_REQUEST,
            "-2147024809, System.ArgumentException",
            "Parameter is not valid.",
        )
    }

    /// An entity (object) in the requested format.
    fn entity(&self, type_name: &str, id: &str, obj: Map<String, Value>) -> Resp {
        match self.fmt {
            Fmt::NoMeta => with_sp_type(
                json_out(StatusCode::OK, &Value::Object(obj)),
                "application/json;odata=nometadata;streaming=true;charset=utf-8",
            ),
            Fmt::Minimal => {
                let mut m = Map::new();
                m.insert(
                    "odata.metadata".into(),
                    json!(format!("{}/_api/$metadata#{type_name}", self.site)),
                );
                m.insert("odata.type".into(), json!(type_name));
                m.insert("odata.id".into(), json!(id));
                m.insert("odata.editLink".into(), json!(id));
                m.extend(obj);
                with_sp_type(
                    json_out(StatusCode::OK, &Value::Object(m)),
                    "application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
                )
            }
            Fmt::Verbose => {
                let mut m = Map::new();
                m.insert(
                    "__metadata".into(),
                    json!({"id": id, "uri": id, "type": type_name}),
                );
                for (k, v) in obj {
                    m.insert(k, verbose_value(v));
                }
                with_sp_type(
                    json_out(StatusCode::OK, &json!({"d": m})),
                    "application/json;odata=verbose;charset=utf-8",
                )
            }
            Fmt::Xml => {
                let mut props = String::new();
                for (k, v) in &obj {
                    props.push_str(&xml_prop(k, v));
                }
                wire::with_type(
                    StatusCode::OK,
                    "application/atom+xml;type=entry;charset=utf-8",
                    format!(
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?><entry xml:base=\"{base}/_api/\" xmlns=\"http://www.w3.org/2005/Atom\" xmlns:d=\"http://schemas.microsoft.com/ado/2007/08/dataservices\" xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\"><id>{id}</id><category term=\"{t}\" scheme=\"http://schemas.microsoft.com/ado/2007/08/dataservices/scheme\" /><title /><updated>{now}</updated><content type=\"application/xml\"><m:properties>{props}</m:properties></content></entry>",
                        base = xml_escape(&self.site),
                        id = xml_escape(id),
                        t = xml_escape(type_name),
                        now = iso8601(now_ms()),
                    ),
                )
            }
        }
    }

    /// A collection of entities.
    fn collection(&self, type_name: &str, items: Vec<Map<String, Value>>) -> Resp {
        match self.fmt {
            Fmt::Verbose => {
                let results: Vec<Value> = items
                    .into_iter()
                    .map(|o| {
                        let mut m = Map::new();
                        m.insert("__metadata".into(), json!({"type": type_name}));
                        for (k, v) in o {
                            m.insert(k, verbose_value(v));
                        }
                        Value::Object(m)
                    })
                    .collect();
                with_sp_type(
                    json_out(StatusCode::OK, &json!({"d": {"results": results}})),
                    "application/json;odata=verbose;charset=utf-8",
                )
            }
            Fmt::Xml => {
                let entries: String = items
                    .iter()
                    .map(|o| {
                        let props: String = o.iter().map(|(k, v)| xml_prop(k, v)).collect();
                        format!("<entry><category term=\"{type_name}\" /><content type=\"application/xml\"><m:properties>{props}</m:properties></content></entry>")
                    })
                    .collect();
                wire::with_type(
                    StatusCode::OK,
                    "application/atom+xml;type=feed;charset=utf-8",
                    format!(
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:d=\"http://schemas.microsoft.com/ado/2007/08/dataservices\" xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\">{entries}</feed>"
                    ),
                )
            }
            Fmt::NoMeta | Fmt::Minimal => {
                let mut out = json!({"value": items});
                if self.fmt == Fmt::Minimal {
                    out["odata.metadata"] =
                        json!(format!("{}/_api/$metadata#{type_name}s", self.site));
                }
                json_out(StatusCode::OK, &out)
            }
        }
    }

    /// A function returning a primitive value.
    fn primitive(&self, function: &str, value: Value) -> Resp {
        match self.fmt {
            Fmt::NoMeta => json_out(StatusCode::OK, &json!({"value": value})),
            Fmt::Minimal => json_out(
                StatusCode::OK,
                &json!({"odata.metadata": format!("{}/_api/$metadata#Edm.String", self.site), "value": value}),
            ),
            Fmt::Verbose => json_out(StatusCode::OK, &json!({"d": {function: value}})),
            Fmt::Xml => wire::with_type(
                StatusCode::OK,
                "application/xml;charset=utf-8",
                format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><d:{function} xmlns:d=\"http://schemas.microsoft.com/ado/2007/08/dataservices\">{}</d:{function}>",
                    xml_escape(value.as_str().unwrap_or(""))
                ),
            ),
        }
    }

    /// A void function's answer.
    fn null(&self, function: &str) -> Resp {
        match self.fmt {
            Fmt::NoMeta | Fmt::Minimal => json_out(StatusCode::OK, &json!({"odata.null": true})),
            Fmt::Verbose => json_out(StatusCode::OK, &json!({"d": {function: null}})),
            Fmt::Xml => wire::with_type(
                StatusCode::OK,
                "application/xml;charset=utf-8",
                format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><d:{function} xmlns:d=\"http://schemas.microsoft.com/ado/2007/08/dataservices\" xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\" m:null=\"true\" />"
                ),
            ),
        }
    }
}

fn json_out(status: StatusCode, v: &Value) -> Resp {
    let mut r = wire::json(status, v);
    wire::set_header(&mut r, "x-sharepointhealthscore", "0");
    wire::set_header(&mut r, "sprequestguid", &random_guid());
    r
}

fn with_sp_type(mut r: Resp, ct: &str) -> Resp {
    wire::set_header(&mut r, "content-type", ct);
    r
}

fn verbose_value(v: Value) -> Value {
    match v {
        Value::Array(items) => {
            let results: Vec<Value> = items
                .into_iter()
                .map(|i| match i {
                    Value::Object(o) => {
                        let mut m = Map::new();
                        m.insert("__metadata".into(), json!({"type": "SP.KeyValue"}));
                        m.extend(o);
                        Value::Object(m)
                    }
                    other => other,
                })
                .collect();
            json!({"results": results})
        }
        other => other,
    }
}

fn xml_prop(k: &str, v: &Value) -> String {
    match v {
        Value::Null => format!("<d:{k} m:null=\"true\" />"),
        Value::Bool(b) => format!("<d:{k} m:type=\"Edm.Boolean\">{b}</d:{k}>"),
        Value::Number(n) => format!("<d:{k} m:type=\"Edm.Int32\">{n}</d:{k}>"),
        Value::String(s) => format!("<d:{k}>{}</d:{k}>", xml_escape(s)),
        Value::Array(items) => {
            let inner: String = items
                .iter()
                .map(|i| match i {
                    Value::Object(o) => format!(
                        "<d:element>{}</d:element>",
                        o.iter().map(|(k, v)| xml_prop(k, v)).collect::<String>()
                    ),
                    Value::String(s) => format!("<d:element>{}</d:element>", xml_escape(s)),
                    other => format!("<d:element>{other}</d:element>"),
                })
                .collect();
            format!("<d:{k} m:type=\"Collection(SP.KeyValue)\">{inner}</d:{k}>")
        }
        Value::Object(_) => format!("<d:{k} />"),
    }
}

fn auth_error(shared: &Shared, site: &str, e: &AuthError) -> Resp {
    let msg = match e {
        AuthError::Missing => {
            "Invalid JWT token. No token was provided in the Authorization header.".to_string()
        }
        AuthError::Malformed => "Unsupported security token.".to_string(),
        AuthError::BadSignature | AuthError::WrongIssuer => {
            "Invalid issuer or signature.".to_string()
        }
        AuthError::Expired => "Invalid JWT token. The token is expired.".to_string(),
        AuthError::NotYetValid => "Invalid JWT token. The token is not yet valid.".to_string(),
        AuthError::WrongAudience(aud) => format!("Invalid audience Uri '{aud}'."),
        AuthError::UnknownUser => {
            "The user of the token does not exist in this tenant.".to_string()
        }
    };
    let mut r = wire::json(StatusCode::UNAUTHORIZED, &json!({"error_description": msg}));
    wire::set_header(
        &mut r,
        "www-authenticate",
        &format!(
            "Bearer realm=\"{TENANT_ID}\",client_id=\"{SHAREPOINT_APP_ID}\",trusted_issuers=\"00000001-0000-0000-c000-000000000000@*,{}/*/v2.0\",authorization_uri=\"{}/common/oauth2/authorize\"",
            shared.origin("login"),
            shared.origin("login")
        ),
    );
    wire::set_header(
        &mut r,
        "x-ms-diagnostics",
        &format!(
            "3000003;reason=\"{}\";category=\"invalid_client\"",
            msg.replace('"', "'")
        ),
    );
    let _ = site;
    r
}

/// SharePoint's router (My Site host and admin host): every path goes to `handle`.
pub fn router() -> Router<Arc<Shared>> {
    Router::new().fallback(|State(shared): State<Arc<Shared>>, req: Req| async move {
        handle(&shared, &req).await
    })
}

pub async fn handle(shared: &Arc<Shared>, req: &Req) -> Resp {
    let site = shared.origin(&req.label);
    let ctx = Ctx {
        shared,
        req,
        fmt: Fmt::of(req),
        site: site.clone(),
    };
    let path = req.decoded_path();
    let write = !matches!(req.method, Method::GET | Method::HEAD);
    if let Err(r) = limits::sharepoint_units(shared, &auth::app_key(req.bearer()), write) {
        return r;
    }
    let caller = match auth::validate_token(shared, req.bearer(), &site) {
        Ok(c) => c,
        Err(e) => {
            if path.starts_with("/User Photos/") || path.starts_with("/_layouts/") {
                // Files and pages answer like SharePoint does to anonymous browsers.
                if e == AuthError::Missing {
                    return wire::text(StatusCode::UNAUTHORIZED, "401 UNAUTHORIZED");
                }
            }
            return auth_error(shared, &site, &e);
        }
    };
    if write && !caller.has_any(&WRITE_SCOPES) {
        return ctx.error(
            StatusCode::FORBIDDEN,
            "-2147024891, System.UnauthorizedAccessException",
            "Access denied. You do not have permission to perform this action or access this resource.",
        );
    }
    let lower = path.to_ascii_lowercase();
    if lower == "/_layouts/15/userphoto.aspx" {
        return userphoto(&ctx, &caller).await;
    }
    if let Some(api) = path.strip_prefix("/_api/") {
        return api_call(&ctx, &caller, api).await;
    }
    if req.label == "contoso-my" && lower.starts_with("/user photos/") && req.method == Method::GET
    {
        return serve_file(&ctx, &path).await;
    }
    ctx.not_found()
}

/// `Name(a=@v,b='x')` → ("Name", {a: value of @v, b: x})
fn parse_call(seg: &str, query: &BTreeMap<String, String>) -> (String, BTreeMap<String, String>) {
    let Some(open) = seg.find('(') else {
        return (seg.to_string(), BTreeMap::new());
    };
    let name = seg[..open].to_string();
    let inner = seg[open + 1..].trim_end_matches(')');
    let mut args = BTreeMap::new();
    let mut cur = String::new();
    let mut in_str = false;
    let mut parts = vec![];
    for c in inner.chars() {
        match c {
            '\'' => {
                in_str = !in_str;
                cur.push(c);
            }
            ',' if !in_str => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    for p in parts {
        let (k, v) = match p.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (String::new(), p.trim().to_string()),
        };
        let v = if let Some(alias) = v.strip_prefix('@') {
            query.get(&format!("@{alias}")).cloned().unwrap_or_default()
        } else {
            v
        };
        args.insert(k.to_ascii_lowercase(), unquote(&v));
    }
    (name, args)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let v = v
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or(v);
    v.replace("''", "'")
}

/// Splits `a/b('x/y')/c` at the slashes outside parentheses.
fn split_segments(path: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut depth = 0;
    let mut in_str = false;
    for c in path.chars() {
        match c {
            '\'' => {
                in_str = !in_str;
                cur.push(c)
            }
            '(' if !in_str => {
                depth += 1;
                cur.push(c)
            }
            ')' if !in_str => {
                depth -= 1;
                cur.push(c)
            }
            '/' if depth == 0 && !in_str => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn account_upn(account: &str) -> String {
    let a = account.trim();
    let lower = a.to_ascii_lowercase();
    match lower.find(CLAIM_PREFIX) {
        Some(i) => a[i + CLAIM_PREFIX.len()..].to_string(),
        None => a.to_string(),
    }
}

async fn api_call(ctx: &Ctx<'_>, caller: &Caller, api: &str) -> Resp {
    let q = ctx.req.query_map();
    let segs = split_segments(api);
    let segs: Vec<(String, BTreeMap<String, String>)> =
        segs.iter().map(|s| parse_call(s, &q)).collect();
    let names: Vec<String> = segs.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let m = ctx.req.method.clone();
    match (m, names.as_slice()) {
        (Method::GET, ["sp.userprofiles.peoplemanager", "getmyproperties"]) => {
            person(ctx, &caller.upn)
        }
        (Method::GET, ["sp.userprofiles.peoplemanager", "getpropertiesfor"]) => {
            let acc = segs[1].1.get("accountname").cloned().unwrap_or_default();
            person(ctx, &account_upn(&acc))
        }
        (Method::GET, ["sp.userprofiles.peoplemanager", "getuserprofilepropertyfor"]) => {
            let acc = segs[1].1.get("accountname").cloned().unwrap_or_default();
            let prop = segs[1].1.get("propertyname").cloned().unwrap_or_default();
            let inner = ctx.shared.lock();
            let value = inner
                .tenant
                .user(&account_upn(&acc))
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
        (Method::POST, ["sp.userprofiles.peoplemanager", "setmyprofilepicture"]) => {
            set_my_picture(ctx, caller).await
        }
        (Method::POST, ["sp.userprofiles.peoplemanager", "setsinglevalueprofileproperty"]) => {
            set_property(ctx, caller)
        }
        (Method::POST, ["contextinfo"]) => {
            let digest = format!("0x{},{}", hex(&random_bytes(32)).to_uppercase(), iso8601(now_ms()));
            ctx.entity(
                "SP.ContextWebInformation",
                &format!("{}/_api/contextinfo", ctx.site),
                obj(json!({
                    "FormDigestTimeoutSeconds": 1800,
                    "FormDigestValue": digest,
                    "LibraryVersion": "16.0.24000.12000",
                    "SiteFullUrl": ctx.site,
                    "WebFullUrl": ctx.site,
                })),
            )
        }
        (Method::GET, ["web"]) => ctx.entity(
            "SP.Web",
            &format!("{}/_api/Web", ctx.site),
            obj(json!({
                "Title": if ctx.req.label == "contoso-my" { "Contoso My Site Host" } else { "Contoso SharePoint Admin Center" },
                "Url": ctx.site,
                "ServerRelativeUrl": "/",
                "Language": 1033,
            })),
        ),
        (_, ["web", "getfolderbyserverrelativeurl", rest @ ..]) => {
            let folder = normalise_path(segs[1].1.values().next().map(String::as_str).unwrap_or(""));
            folder_call(ctx, caller, &folder, &segs[2..], rest).await
        }
        (_, ["web", "getfilebyserverrelativeurl", rest @ ..]) => {
            let file = normalise_path(segs[1].1.values().next().map(String::as_str).unwrap_or(""));
            file_call(ctx, &file, rest).await
        }
        _ => ctx.error(
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            &format!("The expression \"{api}\" is not valid."),
        ),
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

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

// ---------------------------------------------------------------------------------------------
// People

fn person(ctx: &Ctx<'_>, upn: &str) -> Resp {
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
    let my = ctx.shared.my_site();
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

fn set_property(ctx: &Ctx<'_>, caller: &Caller) -> Resp {
    let body: Value = serde_json::from_slice(&ctx.req.body).unwrap_or(Value::Null);
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
async fn store_picture(shared: &Arc<Shared>, upn: &str, bytes: Bytes) -> bool {
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
    let my = shared.my_site();
    let mut inner = shared.lock();
    let Some(user) = inner.tenant.user(upn).cloned() else {
        return false;
    };
    let folder = inner.photo_folder_path();
    let now = now_ms();
    for (suffix, blob) in blobs {
        inner.tenant.files.insert(
            format!("{folder}/{}_{suffix}.jpg", user.oid),
            StoredFile {
                blob: BlobRef::Ready(Arc::new(blob)),
                modified_ms: now,
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

async fn set_my_picture(ctx: &Ctx<'_>, caller: &Caller) -> Resp {
    let body = ctx.req.body.clone();
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
    if !store_picture(ctx.shared, &caller.upn, body).await {
        return ctx.invalid_picture();
    }
    ctx.null("SetMyProfilePicture")
}

// ---------------------------------------------------------------------------------------------
// Files

fn file_json(ctx: &Ctx<'_>, path: &str, f: &StoredFile, len: usize) -> Map<String, Value> {
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
    ctx: &Ctx<'_>,
    _caller: &Caller,
    folder: &str,
    segs: &[(String, BTreeMap<String, String>)],
    rest: &[&str],
) -> Resp {
    let (exists, photo_folder) = {
        let inner = ctx.shared.lock();
        let known = known_folders(&inner);
        (
            ctx.req.label == "contoso-my" && known.iter().any(|k| k.eq_ignore_ascii_case(folder)),
            inner.photo_folder_path(),
        )
    };
    if !exists {
        return ctx.not_found();
    }
    let folder = if folder.eq_ignore_ascii_case(&photo_folder) {
        photo_folder.clone()
    } else {
        PHOTO_LIBRARY.to_string()
    };
    let m = ctx.req.method.clone();
    match (m, rest) {
        (Method::GET, []) => {
            let count = ctx
                .shared
                .lock()
                .read_files()
                .keys()
                .filter(|k| k.starts_with(&format!("{folder}/")))
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
                .filter(|(k, _)| {
                    k.strip_prefix(&format!("{folder}/"))
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
            let name = segs[1].1.values().next().cloned().unwrap_or_default();
            file_call(ctx, &format!("{folder}/{name}"), rest).await
        }
        (Method::POST, ["files", "add"]) => {
            let args = &segs[1].1;
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
            let body = ctx.req.body.clone();
            if folder == photo_folder {
                let b2 = body.clone();
                let ok = tokio::task::spawn_blocking(move || imaging::decode_any(&b2).is_some())
                    .await
                    .unwrap_or(false);
                if !ok {
                    return ctx.invalid_picture();
                }
            }
            let exists = ctx.shared.lock().tenant.files.contains_key(&path);
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

async fn file_call(ctx: &Ctx<'_>, path: &str, rest: &[&str]) -> Resp {
    let found = {
        let inner = ctx.shared.lock();
        inner
            .read_files()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(path))
            .map(|(k, v)| (k.clone(), v.clone()))
    };
    let Some((path, f)) = found.filter(|_| ctx.req.label == "contoso-my") else {
        return ctx.not_found();
    };
    let b = f.blob.clone();
    let blob = tokio::task::spawn_blocking(move || b.get())
        .await
        .expect("blob");
    match (ctx.req.method.clone(), rest) {
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

async fn serve_file(ctx: &Ctx<'_>, path: &str) -> Resp {
    let found = {
        let inner = ctx.shared.lock();
        inner
            .read_files()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(path))
            .map(|(_, v)| v.clone())
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

// ---------------------------------------------------------------------------------------------
// userphoto.aspx

async fn userphoto(ctx: &Ctx<'_>, caller: &Caller) -> Resp {
    let q: BTreeMap<String, String> = ctx
        .req
        .query_map()
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
                    let _ = store_picture(ctx.shared, &user.upn, b.bytes.clone()).await;
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
