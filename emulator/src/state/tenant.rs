//! The tenant's directory and content: users, groups, Exchange photos, SharePoint files, user
//! profiles and consent. Plain data; the store holds it, the seed builds it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::pictures;
use crate::wire::imaging::Blob;

pub const TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";
pub const TENANT_ID: &str = "4c3d2b1a-8f7e-4a6b-9c5d-0e1f2a3b4c5d";
pub const DEMO_CLIENT_ID: &str = "7d1b2c3e-4f50-4a61-8b72-9c83d4e5f601";
pub const APP_DISPLAY_NAME: &str = "Profile Photo Sync";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
pub const SHAREPOINT_APP_ID: &str = "00000003-0000-0ff1-ce00-000000000000";
/// Entra role template id of "SharePoint Administrator".
pub const SHAREPOINT_ADMIN_ROLE: &str = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c";
pub const PHOTO_LIBRARY: &str = "/User Photos";
pub const DEFAULT_PHOTO_FOLDER: &str = "Profile Pictures";

/// A stored picture: either ready bytes or a generated demo picture (made on first use, cached
/// for the whole process because it is deterministic).
#[derive(Clone, Debug)]
pub enum BlobRef {
    Ready(Arc<Blob>),
    Demo(String),
}

impl BlobRef {
    pub fn get(&self) -> Arc<Blob> {
        match self {
            BlobRef::Ready(b) => b.clone(),
            BlobRef::Demo(key) => pictures::blob(key),
        }
    }
}

/// The geo location of a user's SharePoint profile, personal site and pictures (SharePoint
/// Multi-Geo): each geo has its own My Site host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Geo {
    /// The default geo: `contoso-my.localhost`.
    #[default]
    Nam,
    /// A satellite geo: `contoso-eu-my.localhost`.
    Eur,
}

impl Geo {
    pub const ALL: [Geo; 2] = [Geo::Nam, Geo::Eur];

    /// The first label of the geo's My Site host.
    pub fn my_site_label(self) -> &'static str {
        match self {
            Geo::Nam => "contoso-my",
            Geo::Eur => "contoso-eu-my",
        }
    }

    /// The geo of a My Site host's first label (`None` for any other host).
    pub fn of_label(label: &str) -> Option<Geo> {
        Geo::ALL.into_iter().find(|g| g.my_site_label() == label)
    }

    /// As Entra ID's `preferredDataLocation` and SharePoint's `PreferredDataLocation` name it.
    pub fn data_location(self) -> &'static str {
        match self {
            Geo::Nam => "NAM",
            Geo::Eur => "EUR",
        }
    }
}

/// Graph's `userType`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UserType {
    #[default]
    Member,
    /// A B2B guest (`…#EXT#@contoso.onmicrosoft.com`).
    Guest,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ExchangePhoto {
    pub blob: BlobRef,
    pub modified_ms: u64,
}

#[derive(Clone, Debug)]
pub struct User {
    pub upn: String,
    pub oid: String,
    pub display_name: String,
    pub given_name: String,
    pub surname: String,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub office_location: Option<String>,
    pub mobile_phone: Option<String>,
    pub business_phones: Vec<String>,
    pub preferred_language: Option<String>,
    pub mail: Option<String>,
    pub mailbox: bool,
    pub is_admin: bool,
    pub exchange_photo: Option<ExchangePhoto>,
    /// Graph's `mySite` when set by control: `Some(None)` is `null`; `None` is the usual
    /// `http://contoso-my.localhost:PORT/personal/<segment>` (on the user's geo's host).
    pub my_site: Option<Option<String>>,
    pub account_enabled: bool,
    pub user_type: UserType,
    /// Where the user's SharePoint profile, personal site and pictures live.
    pub geo: Geo,
}

impl User {
    /// An enabled member: whom an audit of "enabled members" reads.
    pub fn is_enabled_member(&self) -> bool {
        self.account_enabled && self.user_type == UserType::Member
    }
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub display_name: String,
    pub mail_nickname: String,
    pub description: String,
    /// Direct members: user object ids and ids of nested groups.
    pub members: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct StoredFile {
    pub blob: BlobRef,
    pub modified_ms: u64,
    /// The geo whose My Site host holds the file.
    pub geo: Geo,
}

#[derive(Clone, Debug, Default)]
pub struct Tenant {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// Files on the My Site host, by decoded server-relative path.
    pub files: BTreeMap<String, StoredFile>,
    /// upn → profile properties.
    pub profiles: BTreeMap<String, BTreeMap<String, String>>,
    /// lower-case upn → resource (token audience) → consented scopes.
    pub consents: HashMap<String, HashMap<String, BTreeSet<String>>>,
}

impl Tenant {
    pub fn user(&self, key: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.upn.eq_ignore_ascii_case(key) || u.oid.eq_ignore_ascii_case(key))
    }

    pub fn user_mut(&mut self, key: &str) -> Option<&mut User> {
        self.users
            .iter_mut()
            .find(|u| u.upn.eq_ignore_ascii_case(key) || u.oid.eq_ignore_ascii_case(key))
    }

    pub fn group(&self, key: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.id.eq_ignore_ascii_case(key) || g.mail_nickname.eq_ignore_ascii_case(key))
    }

    /// The users in a group, directly or through nested groups, each once, in the order met
    /// (depth first); a cycle of groups is followed once.
    pub fn transitive_users(&self, group: &Group) -> Vec<&User> {
        let by_oid: HashMap<&str, &User> = self.users.iter().map(|u| (u.oid.as_str(), u)).collect();
        let mut seen_groups = BTreeSet::new();
        let mut seen_users = BTreeSet::new();
        let mut out = Vec::new();
        let mut stack = vec![group];
        seen_groups.insert(group.id.as_str());
        while let Some(g) = stack.pop() {
            for m in &g.members {
                if let Some(u) = by_oid.get(m.as_str()) {
                    if seen_users.insert(m.as_str()) {
                        out.push(*u);
                    }
                } else if let Some(nested) = self.groups.iter().find(|x| &x.id == m) {
                    if seen_groups.insert(nested.id.as_str()) {
                        stack.push(nested);
                    }
                }
            }
        }
        out
    }

    /// Users with an Exchange licence (a mailbox): what SharePoint's limits scale with.
    pub fn licenses(&self) -> u32 {
        self.users.iter().filter(|u| u.mailbox).count() as u32
    }

    pub fn consented(&self, upn: &str, resource: &str) -> BTreeSet<String> {
        self.consents
            .get(&upn.to_ascii_lowercase())
            .and_then(|m| m.get(resource))
            .cloned()
            .unwrap_or_default()
    }

    pub fn grant(&mut self, upn: &str, resource: &str, scopes: impl IntoIterator<Item = String>) {
        self.consents
            .entry(upn.to_ascii_lowercase())
            .or_default()
            .entry(resource.to_string())
            .or_default()
            .extend(scopes);
    }
}
