//! SharePoint's REST paths made routable, in one place (`normalise`, before routing). Paths are
//! case-insensitive and percent-encoded, and the REST API (`/_api/…`) uses OData call syntax:
//! `GetPropertiesFor(accountName=@v)?@v='…'`, `GetFolderByServerRelativeUrl('/a/b')/Files/add(url='x',overwrite=true)`.
//! `normalise` routes on the lower-cased path, with each call's arguments taken out (aliases
//! resolved from the query) into the `ODataCall` extension, and keeps the path as sent
//! (`RequestedPath`). Handlers take `ODataCall` as an extractor.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;

use crate::wire::codec::{encode_path, parse_form, percent_decode};

/// One segment of a REST path: its name, lower case, and its arguments (names lower case,
/// values unquoted, `@alias` resolved from the query).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Segment {
    pub name: String,
    pub args: BTreeMap<String, String>,
}

impl Segment {
    /// The argument `name`, or "".
    pub fn arg(&self, name: &str) -> String {
        self.args.get(name).cloned().unwrap_or_default()
    }

    /// The first argument (by name), or "": the one of `GetFolderByServerRelativeUrl('/a')`.
    pub fn first_arg(&self) -> &str {
        self.args.values().next().map(String::as_str).unwrap_or("")
    }
}

/// A REST API call: the path after `/_api/` as sent (decoded) and its segments. Empty outside
/// the REST API.
#[derive(Clone, Debug, Default)]
pub struct ODataCall {
    pub expression: String,
    pub segments: Vec<Segment>,
}

impl ODataCall {
    /// The segment at `i`, or an empty one.
    pub fn segment(&self, i: usize) -> Segment {
        self.segments.get(i).cloned().unwrap_or_default()
    }

    /// The names of the segments from `from` on.
    pub fn names_from(&self, from: usize) -> Vec<&str> {
        self.segments
            .iter()
            .skip(from)
            .map(|s| s.name.as_str())
            .collect()
    }

    fn parse(expression: &str, query: &BTreeMap<String, String>) -> ODataCall {
        let segments = split_segments(expression)
            .iter()
            .map(|s| {
                let (name, args) = parse_call(s, query);
                Segment {
                    name: name.to_ascii_lowercase(),
                    args,
                }
            })
            .collect();
        ODataCall {
            expression: expression.to_string(),
            segments,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ODataCall {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ODataCall>()
            .cloned()
            .unwrap_or_default())
    }
}

/// The path as sent, percent-decoded, before `normalise` lower-cased it.
#[derive(Clone, Debug)]
pub struct RequestedPath(pub String);

impl RequestedPath {
    pub fn of(parts: &Parts) -> String {
        match parts.extensions.get::<RequestedPath>() {
            Some(p) => p.0.clone(),
            None => percent_decode(parts.uri.path()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestedPath {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestedPath(RequestedPath::of(parts)))
    }
}

/// Rewrites a request for routing: the path lower case; for the REST API, one path segment per
/// call with its arguments moved into `ODataCall`.
pub fn normalise(mut request: Request) -> Request {
    let path = percent_decode(request.uri().path());
    let lower = path.to_ascii_lowercase();
    let routed = if lower.starts_with("/_api/") {
        let query = request.uri().query().map(parse_form).unwrap_or_default();
        let call = ODataCall::parse(&path["/_api/".len()..], &query);
        let names = call.names_from(0).join("/");
        request.extensions_mut().insert(call);
        format!("/_api/{names}")
    } else {
        lower
    };
    request.extensions_mut().insert(RequestedPath(path));
    let uri = match request.uri().query() {
        Some(q) => format!("{}?{q}", encode_path(&routed)),
        None => encode_path(&routed),
    };
    if let Ok(uri) = uri.parse() {
        *request.uri_mut() = uri;
    }
    request
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

#[cfg(test)]
mod tests {
    use super::*;

    fn call(expression: &str, query: &str) -> ODataCall {
        ODataCall::parse(expression, &parse_form(query))
    }

    #[test]
    fn names_lower_case_and_arguments_with_aliases() {
        let c = call(
            "SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)",
            "@v='i:0%23.f|membership|adele@contoso.com'",
        );
        assert_eq!(
            c.names_from(0),
            ["sp.userprofiles.peoplemanager", "getpropertiesfor"]
        );
        assert_eq!(
            c.segment(1).arg("accountname"),
            "i:0#.f|membership|adele@contoso.com"
        );
        let c = call(
            "SP.UserProfiles.PeopleManager/GetUserProfilePropertyFor(accountName=@v,propertyName='SPS-PictureTimestamp')",
            "@v='x@y'",
        );
        assert_eq!(c.segment(1).arg("accountname"), "x@y");
        assert_eq!(c.segment(1).arg("propertyname"), "SPS-PictureTimestamp");
    }

    #[test]
    fn slashes_and_commas_inside_quotes_stay_in_the_argument() {
        let c = call(
            "web/GetFolderByServerRelativeUrl('/User Photos/Profile Pictures')/Files/add(url='a,b.jpg',overwrite=true)",
            "",
        );
        assert_eq!(
            c.names_from(0),
            ["web", "getfolderbyserverrelativeurl", "files", "add"]
        );
        assert_eq!(c.segment(1).first_arg(), "/User Photos/Profile Pictures");
        assert_eq!(c.segment(3).arg("url"), "a,b.jpg");
        assert_eq!(c.segment(3).arg("overwrite"), "true");
    }

    #[test]
    fn doubled_quotes_and_missing_aliases() {
        let c = call(
            "web/GetFileByServerRelativeUrl('/a/O''Brien.jpg')/$value",
            "",
        );
        assert_eq!(c.segment(1).first_arg(), "/a/O'Brien.jpg");
        assert_eq!(c.names_from(2), ["$value"]);
        // An alias the query does not give is empty, not the alias text.
        let c = call("x/GetPropertiesFor(accountName=@nope)", "");
        assert_eq!(c.segment(1).arg("accountname"), "");
        assert_eq!(c.segment(7), Segment::default());
    }

    fn normalised(path: &str) -> (String, Option<ODataCall>, String) {
        let request = Request::builder()
            .uri(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let request = normalise(request);
        (
            request.uri().to_string(),
            request.extensions().get::<ODataCall>().cloned(),
            request
                .extensions()
                .get::<RequestedPath>()
                .unwrap()
                .0
                .clone(),
        )
    }

    #[test]
    fn normalise_routes_on_lower_case_and_keeps_the_path_as_sent() {
        let (uri, call, sent) = normalised(
            "/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='a%40b'",
        );
        assert_eq!(
            uri,
            "/_api/sp.userprofiles.peoplemanager/getpropertiesfor?@v='a%40b'"
        );
        assert_eq!(call.unwrap().segment(1).arg("accountname"), "a@b");
        assert_eq!(
            sent,
            "/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)"
        );
        let (uri, call, sent) = normalised("/User%20Photos/Profile%20Pictures/X_MThumb.jpg");
        assert_eq!(uri, "/user%20photos/profile%20pictures/x_mthumb.jpg");
        assert!(call.is_none());
        assert_eq!(sent, "/User Photos/Profile Pictures/X_MThumb.jpg");
        let (uri, _, _) = normalised("/_layouts/15/UserPhoto.aspx?size=L");
        assert_eq!(uri, "/_layouts/15/userphoto.aspx?size=L");
    }
}
