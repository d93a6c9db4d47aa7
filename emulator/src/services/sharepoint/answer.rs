//! SharePoint's answers and refusals in the format the client asked for with `Accept`
//! (`Fmt`: JSON with no, minimal or verbose metadata, or Atom XML): entities, collections,
//! function results, the OData errors, and the 401 for a token SharePoint does not take (the
//! `SharePoint` resource of `Bearer`). `Ctx` is the extractor every handler takes to answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::odata::{ODataCall, RequestedPath};
use crate::services::bearer::{AuthError, Resource};
use crate::state::{Shared, SHAREPOINT_APP_ID, TENANT_ID};
use crate::wire::codec::*;
use crate::wire::odata::{self, Fmt};
use crate::wire::{self, Req, Resp};

/// What every SharePoint handler answers with: the state, the answer format, the site (the
/// origin of the host asked: My Site or admin) and the request's method.
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub fmt: Fmt,
    pub site: String,
    /// The host's first label: `contoso-my` or `contoso-admin`.
    pub label: String,
    pub method: Method,
}

impl Ctx {
    pub fn of(parts: &Parts, shared: &Arc<Shared>) -> Ctx {
        let req = Req::from_parts(parts, Bytes::new(), 0);
        Ctx {
            shared: shared.clone(),
            fmt: Fmt::of(&req),
            site: shared.origin(&req.label),
            label: req.label,
            method: parts.method.clone(),
        }
    }
}

impl FromRequestParts<Arc<Shared>> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Ctx, Self::Rejection> {
        Ok(Ctx::of(parts, shared))
    }
}

impl Ctx {
    pub fn error(&self, status: StatusCode, code: &str, message: &str) -> Resp {
        odata::error(self.fmt, status, code, message)
    }

    pub fn not_found(&self) -> Resp {
        self.error(
            StatusCode::NOT_FOUND,
            "-2147024894, System.IO.FileNotFoundException",
            "File Not Found.",
        )
    }

    /// SharePoint's refusal of a request the token's permissions do not reach.
    pub fn access_denied(&self) -> Resp {
        self.error(
            StatusCode::FORBIDDEN,
            "-2147024891, System.UnauthorizedAccessException",
            "Access denied. You do not have permission to perform this action or access this resource.",
        )
    }

    pub fn invalid_picture(&self) -> Resp {
        self.error(
            StatusCode::BAD_REQUEST,
            "-2147024809, System.ArgumentException",
            "Parameter is not valid.",
        )
    }

    /// A path or method the REST API does not take.
    pub fn invalid_expression(&self, expression: &str) -> Resp {
        self.error(
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            &format!("The expression \"{expression}\" is not valid."),
        )
    }

    /// An entity (object) in the requested format.
    pub fn entity(&self, type_name: &str, id: &str, obj: Map<String, Value>) -> Resp {
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
    pub fn collection(&self, type_name: &str, items: Vec<Map<String, Value>>) -> Resp {
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
    pub fn primitive(&self, function: &str, value: Value) -> Resp {
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
    pub fn null(&self, function: &str) -> Resp {
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

pub fn json_out(status: StatusCode, v: &Value) -> Resp {
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

/// The 401 for a token SharePoint does not take.
fn unauthenticated(shared: &Shared, e: &AuthError) -> Resp {
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
    r
}

/// SharePoint (My Site or admin host) as a resource for `Bearer`: tokens for exactly the host's
/// origin. Files and pages (`/User Photos/…`, `/_layouts/…`) answer a request without a token
/// like SharePoint answers anonymous browsers; everything else with `error_description`.
pub struct SharePoint;

impl Resource for SharePoint {
    fn audience(shared: &Shared, parts: &Parts) -> String {
        let host = wire::host_of(&parts.headers, &parts.uri);
        shared.origin(host.split('.').next().unwrap_or(""))
    }

    fn refuse(shared: &Shared, parts: &Parts, e: AuthError) -> Resp {
        let path = RequestedPath::of(parts);
        if e == AuthError::Missing
            && (path.starts_with("/User Photos/") || path.starts_with("/_layouts/"))
        {
            return wire::text(StatusCode::UNAUTHORIZED, "401 UNAUTHORIZED");
        }
        unauthenticated(shared, &e)
    }
}

/// Any path outside the REST API that no route takes.
pub async fn not_found(ctx: Ctx) -> Resp {
    ctx.not_found()
}

/// A REST API path or method no route takes.
pub async fn invalid_expression(ctx: Ctx, call: ODataCall) -> Resp {
    ctx.invalid_expression(&call.expression)
}

pub fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
