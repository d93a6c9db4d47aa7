//! An audit's progress as it is kept between visits: whom it reads and what it found so far,
//! never a token. Pure: the JSON is written and read here; the browser's IndexedDB keeps it
//! ([`super::saved`]).
//!
//! A reload or a closed tab then resumes where the audit stopped, and nobody already read is
//! read again.

use serde_json::{json, Map, Value};

use super::scope::AuditScope;
use super::status::{Reason, Status, StatusKind};
use crate::graph::directory::DirectoryUser;
use crate::http::json as read;

/// The version of the stored form; anything else is ignored (and the audit starts afresh).
const VERSION: u64 = 1;

/// One user of an audit: who, and (once read) their status.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub user: DirectoryUser,
    pub status: Option<Status>,
}

/// An audit in progress or finished.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The signed-in admin's account (progress is kept per account).
    pub account: String,
    /// `all`, `group:<id>`, or `list`.
    pub scope: String,
    /// When it started (milliseconds since the epoch).
    pub started_ms: f64,
    pub entries: Vec<Entry>,
    /// True once every user has a status or the admin cancelled.
    pub finished: bool,
}

impl Progress {
    pub fn new(account: &str, scope: &AuditScope, users: Vec<DirectoryUser>, now: f64) -> Progress {
        Progress {
            account: account.to_owned(),
            scope: scope.link_value().unwrap_or_else(|| "list".into()),
            started_ms: now,
            entries: users
                .into_iter()
                .map(|user| Entry { user, status: None })
                .collect(),
            finished: false,
        }
    }

    /// How many users have a status.
    pub fn done(&self) -> usize {
        self.entries.iter().filter(|e| e.status.is_some()).count()
    }

    /// The users still to read, with their places.
    pub fn pending(&self) -> Vec<(usize, DirectoryUser)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.status.is_none())
            .map(|(i, e)| (i, e.user.clone()))
            .collect()
    }

    /// The count of each kind of status, in [`Status::KINDS`] order.
    pub fn counts(&self) -> [usize; 6] {
        let mut counts = [0; 6];
        for status in self.entries.iter().filter_map(|e| e.status.as_ref()) {
            let at = Status::KINDS
                .iter()
                .position(|k| *k == status.kind())
                .unwrap_or(5);
            counts[at] += 1;
        }
        counts
    }

    pub fn to_json(&self) -> String {
        let users: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let (kind, reason) = match &e.status {
                    None => (Value::Null, Value::Null),
                    Some(s) => (
                        Value::from(s.kind().name()),
                        s.reason().map_or(Value::Null, |r| Value::from(r.code())),
                    ),
                };
                json!([
                    e.user.id,
                    e.user.user_principal_name,
                    e.user.display_name,
                    e.user.mail,
                    e.user.preferred_language,
                    kind,
                    reason
                ])
            })
            .collect();
        json!({
            "v": VERSION,
            "account": self.account,
            "scope": self.scope,
            "started": self.started_ms,
            "finished": self.finished,
            "users": users,
        })
        .to_string()
    }

    /// Reads what [`Progress::to_json`] wrote; `None` for anything else.
    pub fn from_json(text: &str) -> Option<Progress> {
        let v: Value = serde_json::from_str(text).ok()?;
        if v.get("v")?.as_u64()? != VERSION {
            return None;
        }
        let entries = v
            .get("users")?
            .as_array()?
            .iter()
            .map(entry)
            .collect::<Option<Vec<Entry>>>()?;
        Some(Progress {
            account: read::required_string(&v, "account").ok()?,
            scope: read::required_string(&v, "scope").ok()?,
            started_ms: v.get("started")?.as_f64()?,
            finished: v.get("finished")?.as_bool()?,
            entries,
        })
    }
}

fn entry(item: &Value) -> Option<Entry> {
    let a = item.as_array()?;
    let text = |i: usize| a.get(i).and_then(Value::as_str).map(str::to_owned);
    let status = match (text(5), text(6)) {
        (None, _) => None,
        (Some(kind), reason) => Some(match StatusKind::from_name(&kind)? {
            StatusKind::InSync => Status::InSync,
            StatusKind::Placeholder => Status::Placeholder,
            StatusKind::Older => Status::Older,
            StatusKind::NoExchangePhoto => Status::NoExchangePhoto,
            StatusKind::NoMailbox => Status::NoMailbox,
            StatusKind::Unreadable => Status::Unreadable(Reason::from_code(&reason?)?),
        }),
    };
    Some(Entry {
        user: DirectoryUser {
            id: text(0)?,
            user_principal_name: text(1)?,
            display_name: text(2).unwrap_or_default(),
            mail: text(3),
            preferred_language: text(4),
        },
        status,
    })
}

/// The key under which the key of `account`'s most recent audit is kept, so that a visit
/// without `audit=` in its address finds an interrupted audit of any scope (a group or a list
/// chosen in the form, not only the tenant).
pub fn latest_key(account: &str) -> String {
    let mut m = Map::new();
    m.insert("account".into(), account.to_lowercase().into());
    m.insert("latest".into(), true.into());
    Value::Object(m).to_string()
}

/// The key an audit is kept under: one per account and scope.
pub fn key(account: &str, scope: &str) -> String {
    let mut m = Map::new();
    m.insert("account".into(), account.to_lowercase().into());
    m.insert("scope".into(), scope.into());
    Value::Object(m).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::status::Service;

    fn user(n: u32) -> DirectoryUser {
        DirectoryUser {
            id: format!("id-{n}"),
            display_name: format!("User {n}"),
            user_principal_name: format!("user{n}@contoso.com"),
            mail: n.is_multiple_of(2).then(|| format!("user{n}@contoso.com")),
            preferred_language: (n == 1).then(|| "lv-LV".to_owned()),
        }
    }

    #[test]
    fn progress_survives_a_round_trip_with_every_kind_of_status() {
        let mut p = Progress::new(
            "admin@contoso.com",
            &AuditScope::Tenant,
            (0..8).map(user).collect(),
            1_700_000_000_000.0,
        );
        let statuses = [
            Status::InSync,
            Status::Placeholder,
            Status::Older,
            Status::NoExchangePhoto,
            Status::NoMailbox,
            Status::Unreadable(Reason::Throttled(Service::SharePoint)),
            Status::Unreadable(Reason::NotInDirectory),
        ];
        for (i, s) in statuses.iter().enumerate() {
            p.entries[i].status = Some(s.clone());
        }
        let back = Progress::from_json(&p.to_json()).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.done(), 7);
        assert_eq!(back.pending(), vec![(7, user(7))]);
        assert_eq!(back.counts(), [1, 1, 1, 1, 1, 2]);
        assert_eq!(back.scope, "all");
    }

    #[test]
    fn anything_else_is_not_progress() {
        for text in ["", "{}", "[]", r#"{"v":2,"users":[]}"#, r#"{"v":1}"#] {
            assert_eq!(Progress::from_json(text), None, "{text}");
        }
        let p = Progress::new("a@b.c", &AuditScope::Tenant, vec![user(1)], 0.0);
        let tampered = p.to_json().replace("null,null]", "\"sideways\",null]");
        assert_eq!(Progress::from_json(&tampered), None);
    }

    #[test]
    fn keys_are_per_account_and_scope() {
        assert_eq!(
            key("Admin@Contoso.com", "all"),
            key("admin@contoso.com", "all")
        );
        assert_ne!(
            key("admin@contoso.com", "all"),
            key("admin@contoso.com", "list")
        );
    }
}
