//! The request's OData query options as a typed extractor (`ODataQuery`), and paging over a
//! collection with `$top`, `$skiptoken` and `$count`, with Graph's refusals of a bad page size or
//! skip token.

use std::collections::BTreeMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

use crate::state::Shared;
use crate::wire::codec::{encode_form, parse_form, percent_decode};
use crate::wire::graph::{error, json as gjson};
use crate::wire::Resp;

/// The path (decoded, after `/v1.0`) and the query options of a Graph call, and whether it
/// asked for eventual consistency (`ConsistencyLevel: eventual`, needed by advanced queries).
pub struct ODataQuery {
    pub path: String,
    pub options: BTreeMap<String, String>,
    pub eventual: bool,
}

impl ODataQuery {
    pub fn get(&self, option: &str) -> Option<&String> {
        self.options.get(option)
    }

    fn wants_count(&self) -> bool {
        self.get("$count")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// An advanced query on directory objects: `ConsistencyLevel: eventual` and `$count=true`
    /// (Microsoft Graph, "Advanced query capabilities on Microsoft Entra ID objects").
    pub fn advanced(&self) -> bool {
        self.eventual && self.wants_count()
    }

    /// `$count=true` without `ConsistencyLevel: eventual`: Graph's 400.
    pub fn refuse_count(&self) -> Result<(), Resp> {
        if self.wants_count() && !self.eventual {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Request_BadRequest",
                "$count is not currently supported.",
            ));
        }
        Ok(())
    }
}

fn eventual(headers: &HeaderMap) -> bool {
    headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
}

impl<S: Send + Sync> FromRequestParts<S> for ODataQuery {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ODataQuery {
            path: percent_decode(parts.uri.path()),
            options: parts.uri.query().map(parse_form).unwrap_or_default(),
            eventual: eventual(&parts.headers),
        })
    }
}

/// `$top` (1…999, default 100) and the offset of `$skiptoken`.
fn page_params(query: &ODataQuery) -> Result<(usize, usize), Resp> {
    let top = match query.get("$top") {
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=999).contains(&n) => n,
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    &format!(
                        "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                    ),
                ))
            }
        },
        None => 100,
    };
    let skip = match query.get("$skiptoken") {
        Some(t) => match t.strip_prefix("emu").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    "Invalid skip token.",
                ))
            }
        },
        None => 0,
    };
    Ok((top, skip))
}

fn next_link(shared: &Shared, query: &ODataQuery, skip: usize) -> String {
    let mut pairs: Vec<(String, String)> = query
        .options
        .iter()
        .filter(|(k, _)| k.as_str() != "$skiptoken")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs.push(("$skiptoken".into(), format!("emu{skip}")));
    format!(
        "{}/v1.0{}?{}",
        shared.origin("graph"),
        query.path,
        encode_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    )
}

/// One page of `items`, with `@odata.nextLink` when more follow.
pub fn page(
    shared: &Shared,
    query: &ODataQuery,
    items: Vec<Map<String, Value>>,
    ctx: String,
) -> Resp {
    page_of(shared, query, &items, |m| m.clone(), ctx)
}

/// One page of `items`, each turned into JSON by `item` only if it is on the page (a tenant of
/// 10,000 users is not written out for every page of 999).
pub fn page_of<T>(
    shared: &Shared,
    query: &ODataQuery,
    items: &[T],
    item: impl Fn(&T) -> Map<String, Value>,
    ctx: String,
) -> Resp {
    let (top, skip) = match page_params(query) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = query.refuse_count() {
        return r;
    }
    let total = items.len();
    let value: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(top)
        .map(|t| Value::Object(item(t)))
        .collect();
    let mut out = json!({"@odata.context": ctx});
    if query.advanced() {
        out["@odata.count"] = json!(total);
    }
    out["value"] = json!(value);
    if skip + top < total {
        out["@odata.nextLink"] = json!(next_link(shared, query, skip + top));
    }
    gjson(StatusCode::OK, &out)
}
