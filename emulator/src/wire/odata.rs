//! SharePoint's OData dialect: the answer format chosen by `Accept` and the error body in each
//! format (`{"odata.error":…}`, verbose `{"error":…}`, Atom XML `<m:error>`).

use axum::http::StatusCode;
use serde_json::json;

use super::codec::xml_escape;
use super::{json, with_type, Req, Resp};

/// The answer format a SharePoint client asked for with `Accept`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fmt {
    /// `application/json;odata=nometadata`
    NoMeta,
    /// `application/json` (minimal metadata)
    Minimal,
    /// `application/json;odata=verbose`
    Verbose,
    /// Anything else: Atom XML.
    Xml,
}

impl Fmt {
    pub fn of(req: &Req) -> Fmt {
        let accept = req.header("accept").unwrap_or("").to_ascii_lowercase();
        if !accept.contains("application/json") {
            return Fmt::Xml;
        }
        if accept.contains("odata=verbose") {
            Fmt::Verbose
        } else if accept.contains("odata=nometadata") {
            Fmt::NoMeta
        } else {
            Fmt::Minimal
        }
    }
}

/// SharePoint's error body in the format `fmt`.
pub fn error(fmt: Fmt, status: StatusCode, code: &str, message: &str) -> Resp {
    match fmt {
        Fmt::NoMeta | Fmt::Minimal => json(
            status,
            &json!({"odata.error": {"code": code, "message": {"lang": "en-US", "value": message}}}),
        ),
        Fmt::Verbose => json(
            status,
            &json!({"error": {"code": code, "message": {"lang": "en-US", "value": message}}}),
        ),
        Fmt::Xml => with_type(
            status,
            "application/xml;charset=utf-8",
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><m:error xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\"><m:code>{}</m:code><m:message xml:lang=\"en-US\">{}</m:message></m:error>",
                xml_escape(code),
                xml_escape(message)
            ),
        ),
    }
}
