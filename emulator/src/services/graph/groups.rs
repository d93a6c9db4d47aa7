//! `/groups`, `/groups/{id}` and `/groups/{id}/members` (also cast to `microsoft.graph.user`),
//! and `/organization`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::error::{denied, no_such_object, Graph};
use super::query::{page, ODataQuery};
use super::users::{parse_select, project, user_json};
use crate::services::bearer::Bearer;
use crate::state::{Group, Shared, TENANT_DOMAIN, TENANT_ID};
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
        "description": "Everyone at Contoso",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn find_group(shared: &Shared, id: &str) -> Option<Group> {
    shared
        .lock()
        .tenant
        .groups
        .iter()
        .find(|g| g.id.eq_ignore_ascii_case(id) || g.mail_nickname.eq_ignore_ascii_case(id))
        .cloned()
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

/// `/groups/{id}/members`, `/groups/{id}/members/microsoft.graph.user`: the members, as users.
pub async fn members(
    State(shared): State<Arc<Shared>>,
    caller: Bearer<Graph>,
    Path(id): Path<String>,
    query: ODataQuery,
) -> Resp {
    if !caller.has_any(&GROUP_READ) {
        return denied();
    }
    let Some(g) = find_group(&shared, &id) else {
        return no_such_object(&id);
    };
    let select = match parse_select(&query) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let users = shared.lock().tenant.users.clone();
    let items = g
        .members
        .iter()
        .filter_map(|oid| users.iter().find(|u| &u.oid == oid))
        .map(|u| {
            let mut m = Map::new();
            m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
            m.append(&mut project(&user_json(&shared, u), select.as_ref()));
            m
        })
        .collect();
    page(
        &shared,
        &query,
        items,
        format!("{}/v1.0/$metadata#directoryObjects", shared.origin("graph")),
    )
}

/// `/organization`
pub async fn organization() -> Resp {
    gjson(
        StatusCode::OK,
        &json!({"value": [{"id": TENANT_ID, "displayName": "Contoso",
            "verifiedDomains": [{"name": TENANT_DOMAIN, "isDefault": true, "isInitial": true}]}]}),
    )
}
