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
    /// `http://contoso-my.localhost:PORT/personal/<segment>`.
    pub my_site: Option<Option<String>>,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub display_name: String,
    pub mail_nickname: String,
    pub members: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct StoredFile {
    pub blob: BlobRef,
    pub modified_ms: u64,
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
