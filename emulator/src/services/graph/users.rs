//! `/me`, `/users` and `/users/{id}`: a user's properties with `$select`, the user list with
//! `$filter`, `$orderby` and paging, and `Target`, the extractor that names the user a path is
//! about (`me` or `{id}`) for the photo routes too.

use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::error::{denied, no_such_object, not_found_segment, Graph};
use super::filter::{self, FilterError};
use super::query::{page_of, ODataQuery};
use crate::services::bearer::{Bearer, Caller};
use crate::state::{Geo, Shared, User};
use crate::wire::graph::{error, json as gjson};
use crate::wire::Resp;

const USER_DEFAULT: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

const USER_EXTRA: [&str; 8] = [
    "mySite",
    "department",
    "accountEnabled",
    "userType",
    "companyName",
    "usageLocation",
    "mailNickname",
    "preferredDataLocation",
];

pub const READ_OTHERS: [&str; 5] = [
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub const READ_SELF: [&str; 2] = ["User.Read", "User.ReadWrite"];

/// The user a path is about: the caller for `/me/…`, `{id}` (object id or UPN, quotes allowed)
/// for `/users/{id}/…`. A user that does not exist is refused with Graph's 404.
pub struct Target {
    pub caller: Caller,
    pub user: User,
    /// Whether the caller asks about themselves (what `…Self` scopes allow).
    pub own: bool,
}

impl FromRequestParts<Arc<Shared>> for Target {
    type Rejection = Resp;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Resp> {
        let caller = Bearer::<Graph>::from_request_parts(parts, shared)
            .await?
            .into_caller();
        let params = RawPathParams::from_request_parts(parts, shared).await.ok();
        let id = params
            .as_ref()
            .and_then(|p| p.iter().find(|(k, _)| *k == "id").map(|(_, v)| v));
        let (key, own) = match id {
            None => (caller.upn.clone(), true),
            Some(id) => {
                let key = id.trim_matches('\'');
                let own =
                    key.eq_ignore_ascii_case(&caller.upn) || key.eq_ignore_ascii_case(&caller.oid);
                (key.to_string(), own)
            }
        };
        let user = shared.lock().tenant.user(&key).cloned();
        match user {
            Some(user) => Ok(Target { caller, user, own }),
            None => Err(no_such_object(&key)),
        }
    }
}

pub fn user_json(shared: &Shared, u: &User) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("businessPhones".into(), json!(u.business_phones));
    m.insert("displayName".into(), json!(u.display_name));
    m.insert("givenName".into(), json!(u.given_name));
    m.insert("jobTitle".into(), json!(u.job_title));
    m.insert("mail".into(), json!(u.mail));
    m.insert("mobilePhone".into(), json!(u.mobile_phone));
    m.insert("officeLocation".into(), json!(u.office_location));
    m.insert("preferredLanguage".into(), json!(u.preferred_language));
    m.insert("surname".into(), json!(u.surname));
    m.insert("userPrincipalName".into(), json!(u.upn));
    m.insert("id".into(), json!(u.oid));
    let my_site = u.my_site.clone().unwrap_or_else(|| {
        Some(format!(
            "{}/personal/{}",
            shared.my_site_of(u.geo),
            crate::state::seed::personal_segment(&u.upn)
        ))
    });
    m.insert("mySite".into(), json!(my_site));
    m.insert("department".into(), json!(u.department));
    m.insert("accountEnabled".into(), json!(u.account_enabled));
    m.insert("userType".into(), json!(u.user_type.as_str()));
    m.insert(
        "preferredDataLocation".into(),
        match u.geo {
            Geo::Nam => Value::Null,
            geo => json!(geo.data_location()),
        },
    );
    m.insert("companyName".into(), json!("Contoso"));
    m.insert("usageLocation".into(), json!("US"));
    m.insert(
        "mailNickname".into(),
        json!(u.upn.split('@').next().unwrap_or("")),
    );
    m
}

/// Applies `$select` (or the default property set) to a user.
pub fn project(full: &Map<String, Value>, select: Option<&Vec<String>>) -> Map<String, Value> {
    let mut out = Map::new();
    match select {
        Some(props) => {
            for p in props {
                if let Some((k, v)) = full.iter().find(|(k, _)| k.eq_ignore_ascii_case(p)) {
                    out.insert(k.clone(), v.clone());
                }
            }
            // Graph always returns the id.
            if let Some(id) = full.get("id") {
                out.entry("id").or_insert(id.clone());
            }
        }
        None => {
            for k in USER_DEFAULT {
                if let Some(v) = full.get(k) {
                    out.insert(k.to_string(), v.clone());
                }
            }
        }
    }
    out
}

/// `$select` on a user: the properties asked for, or a 400 naming the first unknown one.
pub fn parse_select(query: &ODataQuery) -> Result<Option<Vec<String>>, Resp> {
    let Some(sel) = query.get("$select") else {
        return Ok(None);
    };
    let props: Vec<String> = sel
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    for p in &props {
        let known = USER_DEFAULT
            .iter()
            .chain(USER_EXTRA.iter())
            .any(|k| k.eq_ignore_ascii_case(p));
        if !known {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Could not find a property named '{p}' on type 'microsoft.graph.user'."),
            ));
        }
    }
    Ok(Some(props))
}

/// `/me`, `/users/{id}`: the user, `$select`ed.
pub async fn user(
    State(shared): State<Arc<Shared>>,
    method: Method,
    target: Target,
    query: ODataQuery,
) -> Resp {
    let Target { caller, user, own } = target;
    let ok = if own {
        caller.has_any(&READ_SELF) || caller.has_any(&READ_OTHERS)
    } else {
        caller.has_any(&READ_OTHERS)
    };
    if !ok {
        return denied();
    }
    if method != Method::GET {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Only GET is emulated for users.",
        );
    }
    let select = match parse_select(&query) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut m = project(&user_json(&shared, &user), select.as_ref());
    let ctx_base = format!("{}/v1.0/$metadata", shared.origin("graph"));
    let ctx = match &select {
        Some(s) => format!("{ctx_base}#users({})/$entity", s.join(",")),
        None => format!("{ctx_base}#users/$entity"),
    };
    let mut out = Map::new();
    out.insert("@odata.context".into(), json!(ctx));
    out.append(&mut m);
    gjson(StatusCode::OK, &Value::Object(out))
}

/// `/me/{segment}/…`, `/users/{id}/{segment}/…` other than the photo routes: the user exists,
/// the segment does not.
pub async fn unknown_segment(_: Target, params: RawPathParams) -> Resp {
    let seg = params.iter().find(|(k, _)| *k == "segment");
    not_found_segment(seg.map(|(_, v)| v).unwrap_or(""))
}

/// `/users`: every user, `$filter`ed, `$orderby`ed, `$select`ed and paged; `ne`, `not`,
/// `endsWith` and `$count` only in an advanced query (`ConsistencyLevel: eventual`).
pub async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Bearer<Graph>,
    query: ODataQuery,
) -> Resp {
    if !caller.has_any(&READ_OTHERS) {
        return denied();
    }
    let select = match parse_select(&query) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let filter = match query.get("$filter").map(|f| filter::parse(f)) {
        Some(Ok(f)) => match f.advanced_only() {
            Some(p) if !query.advanced() => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Request_UnsupportedQuery",
                    &format!("Unsupported or invalid query filter clause specified for property '{p}' of resource 'User'."),
                )
            }
            _ => Some(f),
        },
        Some(Err(FilterError::Unsupported)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "Request_UnsupportedQuery",
                "Unsupported Query.",
            )
        }
        Some(Err(FilterError::Syntax(m))) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Invalid filter clause: {m}"),
            )
        }
        None => None,
    };
    if let Err(r) = query.refuse_count() {
        return r;
    }
    let users = shared.lock().tenant.users.clone();
    let mut matched: Vec<&User> = users
        .iter()
        .filter(|u| filter.as_ref().is_none_or(|f| f.eval(&filter_view(u))))
        .collect();
    if let Some(ob) = query.get("$orderby") {
        let key = ob.split_whitespace().next().unwrap_or("").to_string();
        let desc = ob.to_ascii_lowercase().ends_with(" desc");
        let sort_key = |u: &User| {
            user_json(&shared, u)
                .get(&key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase()
        };
        let mut keyed: Vec<(String, &User)> = matched.iter().map(|u| (sort_key(u), *u)).collect();
        keyed.sort_by(|a, b| if desc { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
        matched = keyed.into_iter().map(|(_, u)| u).collect();
    }
    let ctx = match &select {
        Some(s) => format!(
            "{}/v1.0/$metadata#users({})",
            shared.origin("graph"),
            s.join(",")
        ),
        None => format!("{}/v1.0/$metadata#users", shared.origin("graph")),
    };
    page_of(
        &shared,
        &query,
        &matched,
        |u| project(&user_json(&shared, u), select.as_ref()),
        ctx,
    )
}

/// The properties `$filter` can name (`filter::PROPS`), as `user_json` has them.
fn filter_view(u: &User) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(u.oid));
    m.insert("displayName".into(), json!(u.display_name));
    m.insert("userPrincipalName".into(), json!(u.upn));
    m.insert("mail".into(), json!(u.mail));
    m.insert("givenName".into(), json!(u.given_name));
    m.insert("surname".into(), json!(u.surname));
    m.insert("jobTitle".into(), json!(u.job_title));
    m.insert("department".into(), json!(u.department));
    m.insert("accountEnabled".into(), json!(u.account_enabled));
    m.insert("userType".into(), json!(u.user_type.as_str()));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_view_has_every_filterable_property_as_the_user_json_has_it() {
        let shared = Shared::for_tests();
        for u in shared.lock().tenant.users.iter() {
            let view = filter_view(u);
            let full = user_json(&shared, u);
            for p in filter::PROPS {
                assert_eq!(view.get(p), full.get(p), "{p}");
            }
            assert_eq!(view.len(), filter::PROPS.len());
        }
    }
}
