//! `/groups`, `/groups/{id}`, `/groups/{id}/members` and `/groups/{id}/transitiveMembers` (each
//! also cast to `microsoft.graph.user`: users only), and `/organization`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::error::{denied, no_such_object, Graph};
use super::query::{page, page_of, ODataQuery};
use super::users::{parse_select, project, user_json};
use crate::services::bearer::{Bearer, Caller};
use crate::state::{Group, Shared, Tenant, User, TENANT_DOMAIN, TENANT_ID};
use crate::wire::graph::json as gjson;
use crate::wire::Resp;

const GROUP_READ: [&str; 5] = [
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

fn group_json(g: &Group) -> Map<String, Value> {
    let v = json!({
        "id": g.id,
        "displayName": g.display_name,
        "mail": format!("{}@{TENANT_DOMAIN}", g.mail_nickname),
        "mailNickname": g.mail_nickname,
        "mailEnabled": true,
        "securityEnabled": true,
        "groupTypes": ["Unified"],
        "description": g.description,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn find_group(shared: &Shared, id: &str) -> Option<Group> {
    shared.lock().tenant.group(id).cloned()
}

/// `/groups`
pub async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Bearer<Graph>,
    query: ODataQuery,
) -> Resp {
    if !caller.has_any(&GROUP_READ) {
        return denied();
    }
    let groups = shared.lock().tenant.groups.clone();
    let items = groups.iter().map(group_json).collect();
    page(
        &shared,
        &query,
        items,
        format!("{}/v1.0/$metadata#groups", shared.origin("graph")),
    )
}

/// `/groups/{id}` (object id or mail nickname)
pub async fn group(
    State(shared): State<Arc<Shared>>,
    caller: Bearer<Graph>,
    Path(id): Path<String>,
) -> Resp {
    if !caller.has_any(&GROUP_READ) {
        return denied();
    }
    match find_group(&shared, &id) {
        Some(g) => {
            let mut m = group_json(&g);
            m.insert(
                "@odata.context".into(),
                json!(format!(
                    "{}/v1.0/$metadata#groups/$entity",
                    shared.origin("graph")
                )),
            );
            gjson(StatusCode::OK, &Value::Object(m))
        }
        None => no_such_object(&id),
    }
}

/// Which members a members route lists.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Members {
    /// `members`: users and nested groups.
    Direct,
    /// `transitiveMembers`: users and groups, nested groups resolved.
    Transitive,
}

/// `/groups/{id}/members`
pub async fn members(
    State(shared): State<Arc<Shared>>,
    caller: Bearer<Graph>,
    Path(id): Path<String>,
    query: ODataQuery,
) -> Resp {
    list_members(&shared, &caller, &id, &query, Members::Direct, false)
}

/// `/groups/{id}/members/microsoft.graph.user`
pub async fn member_users(
    State(shared): State<Arc<Shared>>,
    caller: Bearer<Graph>,
    Path(id): Path<String>,
    query: ODataQuery,
) -> Resp {
    list_members(&shared, &caller, &id, &query, Members::Direct, true)
}

/// `/groups/{id}/transitiveMembers`
pub async fn transitive_members(
    State(shared): State<Arc<Shared>>,
    caller: Bearer<Graph>,
    Path(id): Path<String>,
    query: ODataQuery,
) -> Resp {
    list_members(&shared, &caller, &id, &query, Members::Transitive, false)
}

/// `/groups/{id}/transitiveMembers/microsoft.graph.user`
pub async fn transitive_member_users(
    State(shared): State<Arc<Shared>>,
    caller: Bearer<Graph>,
    Path(id): Path<String>,
    query: ODataQuery,
) -> Resp {
    list_members(&shared, &caller, &id, &query, Members::Transitive, true)
}

/// A group's members, `$select`ed (on users) and paged; `users_only` for the cast to
/// `microsoft.graph.user`.
fn list_members(
    shared: &Shared,
    caller: &Caller,
    id: &str,
    query: &ODataQuery,
    which: Members,
    users_only: bool,
) -> Resp {
    if !caller.has_any(&GROUP_READ) {
        return denied();
    }
    let select = match parse_select(query) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (users, groups): (Vec<User>, Vec<Group>) = {
        let inner = shared.lock();
        let tenant = &inner.tenant;
        let Some(g) = tenant.group(id) else {
            drop(inner);
            return no_such_object(id);
        };
        match which {
            Members::Direct => {
                let by_oid: HashMap<&str, &User> =
                    tenant.users.iter().map(|u| (u.oid.as_str(), u)).collect();
                let users = g
                    .members
                    .iter()
                    .filter_map(|m| by_oid.get(m.as_str()).map(|u| (*u).clone()))
                    .collect();
                let groups = g
                    .members
                    .iter()
                    .filter(|m| !by_oid.contains_key(m.as_str()))
                    .filter_map(|m| tenant.group(m).cloned())
                    .collect();
                (users, groups)
            }
            Members::Transitive => (
                tenant.transitive_users(g).into_iter().cloned().collect(),
                transitive_groups(tenant, g).into_iter().cloned().collect(),
            ),
        }
    };
    let mut items: Vec<Member> = users.iter().map(Member::User).collect();
    if !users_only {
        items.extend(groups.iter().map(Member::Group));
    }
    let ctx = if users_only {
        format!("{}/v1.0/$metadata#users", shared.origin("graph"))
    } else {
        format!("{}/v1.0/$metadata#directoryObjects", shared.origin("graph"))
    };
    let item = |m: &Member| {
        let mut out = Map::new();
        match m {
            Member::User(u) => {
                out.insert("@odata.type".into(), json!("#microsoft.graph.user"));
                out.append(&mut project(&user_json(shared, u), select.as_ref()));
            }
            Member::Group(g) => {
                out.insert("@odata.type".into(), json!("#microsoft.graph.group"));
                out.append(&mut group_json(g));
            }
        }
        out
    };
    page_of(shared, query, &items, item, ctx)
}

/// A member as listed.
enum Member<'a> {
    User(&'a User),
    Group(&'a Group),
}

/// The groups nested in `g`, at any depth, each once.
fn transitive_groups<'t>(tenant: &'t Tenant, g: &Group) -> Vec<&'t Group> {
    let mut out: Vec<&Group> = Vec::new();
    let mut stack = vec![g.id.clone()];
    while let Some(id) = stack.pop() {
        let Some(group) = tenant.group(&id) else {
            continue;
        };
        for m in &group.members {
            if let Some(nested) = tenant.groups.iter().find(|x| &x.id == m) {
                if nested.id != g.id && !out.iter().any(|o| o.id == nested.id) {
                    out.push(nested);
                    stack.push(nested.id.clone());
                }
            }
        }
    }
    out
}

/// `/organization`
pub async fn organization() -> Resp {
    gjson(
        StatusCode::OK,
        &json!({"value": [{"id": TENANT_ID, "displayName": "Contoso",
            "verifiedDomains": [{"name": TENANT_DOMAIN, "isDefault": true, "isInitial": true}]}]}),
    )
}
