//! The directory reads of the admin audit: users in pages, a group's transitive members, and
//! `$batch` (up to 20 calls in one request). Pure: requests are built and answers read here;
//! `audit` sends them.
//!
//! Sources: `GET /users` pages by `@odata.nextLink` with `$top` up to 999
//! (<https://learn.microsoft.com/graph/api/user-list>); `accountEnabled` and `userType` take
//! `eq` filters without advanced queries
//! (<https://learn.microsoft.com/graph/aad-advanced-queries>); JSON batching takes 20 requests
//! and returns each answer with its own status, headers and body, non-JSON bodies in base64
//! (<https://learn.microsoft.com/graph/json-batching>).
//!
//! A `nextLink` is followed only when it points at the configured Graph base: the token goes
//! nowhere else.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::http::json;
use crate::http::{Body, HttpRequest};

/// The user properties the audit reads.
pub const USER_SELECT: &str = "id,displayName,userPrincipalName,mail,preferredLanguage";

/// Largest page Graph gives for users and members.
pub const PAGE_SIZE: u32 = 999;

/// Most requests in one `$batch`.
pub const BATCH_LIMIT: usize = 20;

/// A user as the audit lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    pub mail: Option<String>,
    /// `preferredLanguage` (`lv-LV`), when set.
    pub preferred_language: Option<String>,
}

/// One page of users.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserPage {
    pub users: Vec<DirectoryUser>,
    /// The next page's address, already checked to be on the Graph base.
    pub next: Option<String>,
}

/// `GET {base}/users?$select=…&$filter=accountEnabled eq true and userType eq 'Member'&$top=999`:
/// every enabled member account (guests and disabled accounts left out).
pub fn enabled_members_url(base_url: &str) -> String {
    format!(
        "{}/users?$select={USER_SELECT}&$filter={}&$top={PAGE_SIZE}",
        trim(base_url),
        encode("accountEnabled eq true and userType eq 'Member'")
    )
}

/// `GET {base}/groups/{id}/transitiveMembers?$select=…&$top=999`: the group's members, through
/// nested groups; devices, contacts and groups among them are dropped when read
/// ([`parse_user_page`] keeps users only). `group_id` must be a checked GUID.
pub fn transitive_members_url(base_url: &str, group_id: &str) -> String {
    format!(
        "{}/groups/{group_id}/transitiveMembers?$select={USER_SELECT},accountEnabled,userType&$top={PAGE_SIZE}",
        trim(base_url)
    )
}

/// `GET {base}/users/{upn}?$select=…`: one account of a pasted list.
pub fn user_url(base_url: &str, upn: &str) -> String {
    format!(
        "{}/users/{}?$select={USER_SELECT}",
        trim(base_url),
        encode(upn)
    )
}

/// A GET of a Graph address with the token.
pub fn get(url: String, token: &str) -> HttpRequest {
    HttpRequest::get(url)
        .header("Authorization", format!("Bearer {token}"))
        .header("Accept", "application/json")
}

/// Reads a page of `/users` or `transitiveMembers`. Members that are not users, or that are
/// disabled or guests (transitive members are not filtered by Graph), are left out.
pub fn parse_user_page(body: &[u8], base_url: &str) -> Result<UserPage, String> {
    let v = json::object(body)?;
    let items = match v.get("value") {
        Some(Value::Array(items)) => items,
        _ => return Err("no `value` list".to_owned()),
    };
    let mut users = Vec::with_capacity(items.len());
    for item in items {
        let odata_type = json::string(item, "@odata.type")?;
        if odata_type.is_some_and(|t| t != "#microsoft.graph.user") {
            continue;
        }
        if item.get("accountEnabled") == Some(&Value::Bool(false)) {
            continue;
        }
        if json::string(item, "userType")?.is_some_and(|t| t != "Member") {
            continue;
        }
        users.push(read_user(item)?);
    }
    let next = match json::string(&v, "@odata.nextLink")? {
        None => None,
        Some(link) if on_base(&link, base_url) => Some(link),
        Some(link) => return Err(format!("a next page outside Graph: {link}")),
    };
    Ok(UserPage { users, next })
}

/// Reads one user (`/users/{upn}`).
pub fn parse_directory_user(body: &[u8]) -> Result<DirectoryUser, String> {
    read_user(&json::object(body)?)
}

fn read_user(item: &Value) -> Result<DirectoryUser, String> {
    Ok(DirectoryUser {
        id: json::required_string(item, "id")?,
        display_name: json::string(item, "displayName")?.unwrap_or_default(),
        user_principal_name: json::required_string(item, "userPrincipalName")?,
        mail: json::string(item, "mail")?,
        preferred_language: json::string(item, "preferredLanguage")?,
    })
}

/// True when `link` is an address under the Graph base (same scheme, host, port and version).
pub fn on_base(link: &str, base_url: &str) -> bool {
    let base = trim(base_url);
    link.strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'))
}

/// One call inside a `$batch`: a GET of a path relative to the version (`/users/{id}/photo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCall {
    pub id: String,
    pub path: String,
}

/// `POST {base}/$batch` with up to [`BATCH_LIMIT`] GETs.
pub fn batch(base_url: &str, token: &str, calls: &[BatchCall]) -> HttpRequest {
    debug_assert!(calls.len() <= BATCH_LIMIT);
    let requests: Vec<Value> = calls
        .iter()
        .map(|c| json!({ "id": c.id, "method": "GET", "url": c.path }))
        .collect();
    let body = json!({ "requests": requests }).to_string();
    HttpRequest::post(format!("{}/$batch", trim(base_url)))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(Body::Text(body))
}

/// One answer inside a `$batch` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchAnswer {
    pub id: String,
    pub status: u16,
    /// `Retry-After` of this answer, as sent (readable here even where the top-level header
    /// is not exposed to the page).
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    /// The body: JSON as its text, anything else decoded from base64.
    pub body: Vec<u8>,
}

/// Reads a `$batch` answer.
pub fn parse_batch(body: &[u8]) -> Result<Vec<BatchAnswer>, String> {
    let v = json::object(body)?;
    let Some(Value::Array(items)) = v.get("responses") else {
        return Err("no `responses` list".to_owned());
    };
    items.iter().map(read_answer).collect()
}

fn read_answer(item: &Value) -> Result<BatchAnswer, String> {
    let id = json::required_string(item, "id")?;
    let status = json::u32(item, "status")?
        .and_then(|s| u16::try_from(s).ok())
        .ok_or("an answer without a status")?;
    let header = |name: &str| -> Option<String> {
        item.get("headers")?
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    };
    let content_type = header("Content-Type");
    let body = match item.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => {
            let is_json = content_type
                .as_deref()
                .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
            if is_json {
                text.clone().into_bytes()
            } else {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| format!("answer {id}: the body is not base64: {e}"))?
            }
        }
        Some(other) => other.to_string().into_bytes(),
    };
    Ok(BatchAnswer {
        retry_after: header("Retry-After"),
        id,
        status,
        content_type,
        body,
    })
}

impl BatchAnswer {
    /// `Retry-After` in seconds, when it is a number (Graph may send decimals: `2.128`).
    pub fn retry_after_seconds(&self) -> Option<f64> {
        self.retry_after.as_deref()?.trim().parse::<f64>().ok()
    }
}

fn trim(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://graph.microsoft.com/v1.0";

    #[test]
    fn the_tenant_is_listed_as_enabled_members_in_the_largest_pages() {
        assert_eq!(
            enabled_members_url(BASE),
            "https://graph.microsoft.com/v1.0/users?$select=id,displayName,userPrincipalName,mail,preferredLanguage\
             &$filter=accountEnabled%20eq%20true%20and%20userType%20eq%20%27Member%27&$top=999"
        );
        assert_eq!(
            user_url(BASE, "jānis@contoso.com"),
            format!("{BASE}/users/j%C4%81nis%40contoso.com?$select={USER_SELECT}")
        );
    }

    #[test]
    fn pages_keep_enabled_member_users_and_their_next_link() {
        let body = format!(
            r##"{{"value":[
                {{"@odata.type":"#microsoft.graph.user","id":"1","displayName":"Adele","userPrincipalName":"adele@contoso.com","preferredLanguage":"lv-LV"}},
                {{"@odata.type":"#microsoft.graph.group","id":"2","displayName":"Sales"}},
                {{"@odata.type":"#microsoft.graph.user","id":"3","userPrincipalName":"guest#EXT#@contoso.com","userType":"Guest"}},
                {{"@odata.type":"#microsoft.graph.user","id":"4","userPrincipalName":"old@contoso.com","accountEnabled":false}},
                {{"id":"5","userPrincipalName":"alex@contoso.com","mail":null}}
            ],"@odata.nextLink":"{BASE}/users?$skiptoken=X"}}"##
        );
        let page = parse_user_page(body.as_bytes(), BASE).unwrap();
        let upns: Vec<&str> = page
            .users
            .iter()
            .map(|u| u.user_principal_name.as_str())
            .collect();
        assert_eq!(upns, ["adele@contoso.com", "alex@contoso.com"]);
        assert_eq!(page.users[0].preferred_language.as_deref(), Some("lv-LV"));
        assert_eq!(
            page.next.as_deref(),
            Some(&*format!("{BASE}/users?$skiptoken=X"))
        );
    }

    #[test]
    fn a_next_link_off_the_graph_base_is_refused() {
        for link in [
            "https://evil.example/v1.0/users?$skiptoken=X",
            "https://graph.microsoft.com.evil.example/v1.0/users",
            "https://graph.microsoft.com/v1.0evil/users",
            "http://graph.microsoft.com/v1.0/users",
        ] {
            let body = format!(r#"{{"value":[],"@odata.nextLink":"{link}"}}"#);
            assert!(parse_user_page(body.as_bytes(), BASE).is_err(), "{link}");
        }
    }

    #[test]
    fn a_batch_is_one_post_of_gets() {
        let calls = [
            BatchCall {
                id: "a".into(),
                path: "/users/1/photo".into(),
            },
            BatchCall {
                id: "b".into(),
                path: "/users/1/photos/48x48/$value".into(),
            },
        ];
        let r = batch(BASE, "T", &calls);
        assert_eq!(r.url, format!("{BASE}/$batch"));
        let Some(Body::Text(text)) = &r.body else {
            panic!("a text body")
        };
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["requests"][1]["url"], "/users/1/photos/48x48/$value");
        assert_eq!(v["requests"][0]["method"], "GET");
    }

    #[test]
    fn batch_answers_carry_their_status_retry_after_and_bodies() {
        let body = r#"{"responses":[
            {"id":"a","status":200,"headers":{"Content-Type":"application/json"},"body":{"width":48,"height":48}},
            {"id":"b","status":200,"headers":{"Content-Type":"image/jpeg"},"body":"/9j/4AAQ"},
            {"id":"c","status":429,"headers":{"retry-after":"7"},"body":{"error":{"code":"ApplicationThrottled"}}},
            {"id":"d","status":404,"body":null}
        ]}"#;
        let answers = parse_batch(body.as_bytes()).unwrap();
        assert_eq!(answers.len(), 4);
        let meta: Value = serde_json::from_slice(&answers[0].body).unwrap();
        assert_eq!(meta["width"], 48);
        assert_eq!(answers[1].body, [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]);
        assert_eq!(answers[2].status, 429);
        assert_eq!(answers[2].retry_after.as_deref(), Some("7"));
        assert_eq!(answers[2].retry_after_seconds(), Some(7.0));
        assert!(answers[3].body.is_empty());
        assert!(parse_batch(br#"{"responses":[{"id":"x"}]}"#).is_err());
        assert!(parse_batch(br#"{"value":[]}"#).is_err());
    }
}
