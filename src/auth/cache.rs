//! The token cache: the signed-in account, one access token per account + resource + scopes,
//! the refresh token, and sign-ins in flight — over a [`Store`] seam (sessionStorage in the
//! page, memory when configured, memory in tests). Keys and expiry maths are pure.
//!
//! Nothing here goes to localStorage: a closed tab forgets the session.

use std::cell::RefCell;

use serde_json::{json, Value};

use super::request::{Interaction, PendingRequest, PENDING_REQUEST_TTL_MS};
use super::{AuthError, Resource};
use crate::http::json as read;

/// Every key this module writes starts with this, so sign-out can remove them all.
pub const PREFIX: &str = "pps.auth.";

/// Where the signed-in account is kept (under [`PREFIX`]).
pub const ACCOUNT_KEY: &str = "pps.auth.account";

/// When the page last started a sign-in by itself; kept beside the cache, outside what a new
/// sign-in clears, so that a loop of automatic sign-ins is impossible.
pub const REAUTH_KEY: &str = "pps.reauth-at";

/// An access token is renewed this long before it expires, so a call never starts with a
/// token that runs out on the way.
pub const EXPIRY_MARGIN_SECS: u64 = 5 * 60;

/// SPA refresh tokens live 24 hours from sign-in, whatever is done with them.
pub const SPA_REFRESH_LIFETIME_SECS: u64 = 24 * 60 * 60;

/// A write the store refused: sessionStorage throws `QuotaExceededError` when the page's
/// share of it is full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFull;

/// Where cache entries live.
pub trait Store {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&self, key: &str, value: &str) -> Result<(), StoreFull>;
    fn remove(&self, key: &str);
    fn keys(&self) -> Vec<String>;
}

/// A store in the page's memory (the `memory` cache location, and tests). A handful of
/// entries: a list searched in order is enough, and smaller in the page than a `BTreeMap`.
#[derive(Debug, Default)]
pub struct MemoryStore(RefCell<Vec<(String, String)>>);

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Option<String> {
        let entries = self.0.borrow();
        entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreFull> {
        let mut entries = self.0.borrow_mut();
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.to_owned(),
            None => entries.push((key.to_owned(), value.to_owned())),
        }
        Ok(())
    }
    fn remove(&self, key: &str) {
        self.0.borrow_mut().retain(|(k, _)| k != key);
    }
    fn keys(&self) -> Vec<String> {
        self.0.borrow().iter().map(|(k, _)| k.clone()).collect()
    }
}

/// The signed-in user, from the id token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `{oid}.{tid}`, as MSAL names accounts.
    pub home_account_id: String,
    pub oid: String,
    pub tid: String,
    pub name: String,
    pub username: String,
}

/// A token and when it expires: the access and refresh token entries have the same shape.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TokenEntry {
    secret: String,
    expires_at_secs: u64,
}

/// What the cache keeps, written as JSON objects with the members named as the fields.
/// Written by hand rather than derived: each derived type compiled in its own copy of
/// serde_json's (de)serializer.
trait Entry: Sized {
    fn to_json(&self) -> Value;
    fn from_json(value: &Value) -> Option<Self>;
}

fn text(value: &Value, key: &str) -> Option<String> {
    read::required_string(value, key).ok()
}

fn number(value: &Value, key: &str) -> Option<u64> {
    value.get(key)?.as_u64()
}

impl Entry for Account {
    fn to_json(&self) -> Value {
        json!({
            "home_account_id": self.home_account_id,
            "oid": self.oid,
            "tid": self.tid,
            "name": self.name,
            "username": self.username,
        })
    }
    fn from_json(v: &Value) -> Option<Self> {
        Some(Account {
            home_account_id: text(v, "home_account_id")?,
            oid: text(v, "oid")?,
            tid: text(v, "tid")?,
            name: text(v, "name")?,
            username: text(v, "username")?,
        })
    }
}

impl Entry for TokenEntry {
    fn to_json(&self) -> Value {
        json!({ "secret": self.secret, "expires_at_secs": self.expires_at_secs })
    }
    fn from_json(v: &Value) -> Option<Self> {
        Some(TokenEntry {
            secret: text(v, "secret")?,
            expires_at_secs: number(v, "expires_at_secs")?,
        })
    }
}

impl Entry for PendingRequest {
    fn to_json(&self) -> Value {
        json!({
            "state": self.state,
            "verifier": self.verifier,
            "nonce": self.nonce,
            "redirect_uri": self.redirect_uri,
            "scopes": self.scopes,
            "return_to": self.return_to,
            "interaction": match self.interaction {
                Interaction::Redirect => "redirect",
                Interaction::Popup => "popup",
            },
            "created_at_ms": self.created_at_ms,
        })
    }
    fn from_json(v: &Value) -> Option<Self> {
        let scopes = v.get("scopes")?.as_array()?;
        Some(PendingRequest {
            state: text(v, "state")?,
            verifier: text(v, "verifier")?,
            nonce: text(v, "nonce")?,
            redirect_uri: text(v, "redirect_uri")?,
            scopes: scopes
                .iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect::<Option<_>>()?,
            return_to: text(v, "return_to")?,
            interaction: match v.get("interaction")?.as_str()? {
                "redirect" => Interaction::Redirect,
                "popup" => Interaction::Popup,
                _ => return None,
            },
            created_at_ms: number(v, "created_at_ms")?,
        })
    }
}

/// The scopes the identity platform said it granted with a resource's last token (the token
/// response's `scope`), as it wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GrantedScopes(Vec<String>);

impl Entry for GrantedScopes {
    fn to_json(&self) -> Value {
        json!({ "scopes": self.0 })
    }
    fn from_json(v: &Value) -> Option<Self> {
        v.get("scopes")?
            .as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .map(GrantedScopes)
    }
}

/// An authority's discovery document and when to fetch it again.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DiscoveryEntry {
    document: String,
    expires_at_secs: u64,
}

impl Entry for DiscoveryEntry {
    fn to_json(&self) -> Value {
        json!({ "document": self.document, "expires_at_secs": self.expires_at_secs })
    }
    fn from_json(v: &Value) -> Option<Self> {
        Some(DiscoveryEntry {
            document: text(v, "document")?,
            expires_at_secs: number(v, "expires_at_secs")?,
        })
    }
}

/// Discovery documents are public and belong to no user, so they are kept under their own
/// prefix, which sign-in and sign-out leave alone: the page that comes back from the sign-in
/// page does not fetch the document again.
pub const DISCOVERY_PREFIX: &str = "pps.discovery|";

/// How long a discovery document is used before it is fetched again (as MSAL.js keeps an
/// authority's metadata).
pub const DISCOVERY_LIFETIME_SECS: u64 = 24 * 60 * 60;

/// The cache over its stores: `store` for the account and tokens (sessionStorage or memory,
/// as `cacheLocation` says) and `requests` for sign-ins in flight (sessionStorage whatever
/// `cacheLocation` says, as msal-browser keeps them: a redirect sign-in leaves the page, and
/// the request must be there when it comes back).
pub struct TokenCache {
    store: Box<dyn Store>,
    requests: Box<dyn Store>,
}

impl TokenCache {
    pub fn new(store: Box<dyn Store>, requests: Box<dyn Store>) -> TokenCache {
        TokenCache { store, requests }
    }

    pub fn account(&self) -> Option<Account> {
        self.read(ACCOUNT_KEY)
    }

    /// Keeps the signed-in account; [`AuthError::StorageFull`] when the store refuses it
    /// (the sign-in could not be kept).
    pub fn set_account(&self, account: &Account) -> Result<(), AuthError> {
        self.write(ACCOUNT_KEY, account)
            .map_err(|StoreFull| AuthError::StorageFull)
    }

    /// The cached access token for a resource and scopes, if it is still fresh at `now_secs`.
    pub fn access_token(
        &self,
        account: &Account,
        resource: &Resource,
        scopes: &[String],
        now_secs: u64,
    ) -> Option<String> {
        let entry: TokenEntry = self.read(&access_key(account, resource, scopes))?;
        is_fresh(entry.expires_at_secs, now_secs).then_some(entry.secret)
    }

    pub fn put_access_token(
        &self,
        account: &Account,
        resource: &Resource,
        scopes: &[String],
        secret: &str,
        expires_in_secs: u64,
        now_secs: u64,
    ) {
        let _ = self.write(
            &access_key(account, resource, scopes),
            &TokenEntry {
                secret: secret.to_owned(),
                expires_at_secs: now_secs.saturating_add(expires_in_secs),
            },
        );
    }

    /// Keeps the scopes the identity platform granted with the last token for `resource`
    /// (what the token may do, read from the token response, never from the token).
    pub fn put_granted_scopes(&self, account: &Account, resource: &Resource, granted: &[String]) {
        let _ = self.write(
            &granted_key(account, resource),
            &GrantedScopes(granted.to_vec()),
        );
    }

    /// The scopes granted with the last token for `resource`, if one was had.
    pub fn granted_scopes(&self, account: &Account, resource: &Resource) -> Option<Vec<String>> {
        self.read::<GrantedScopes>(&granted_key(account, resource))
            .map(|g| g.0)
    }

    /// Forgets every access token (the refresh token stays), e.g. after a 401.
    pub fn drop_access_tokens(&self) {
        for key in self.store.keys() {
            if key.starts_with(&format!("{PREFIX}at|")) {
                self.store.remove(&key);
            }
        }
    }

    /// The refresh token, if it has not reached its fixed lifetime.
    pub fn refresh_token(&self, account: &Account, now_secs: u64) -> Option<String> {
        let entry: TokenEntry = self.read(&refresh_key(account))?;
        (entry.expires_at_secs > now_secs).then_some(entry.secret)
    }

    /// Stores a refresh token. A new one from a refresh keeps the first one's expiry: an SPA
    /// refresh token's lifetime counts from sign-in and does not slide.
    pub fn put_refresh_token(
        &self,
        account: &Account,
        secret: &str,
        now_secs: u64,
        fresh_sign_in: bool,
    ) {
        let key = refresh_key(account);
        let expires_at_secs = match (fresh_sign_in, self.read::<TokenEntry>(&key)) {
            (false, Some(previous)) => previous.expires_at_secs,
            _ => now_secs.saturating_add(SPA_REFRESH_LIFETIME_SECS),
        };
        let _ = self.write(
            &key,
            &TokenEntry {
                secret: secret.to_owned(),
                expires_at_secs,
            },
        );
    }

    pub fn forget_refresh_token(&self, account: &Account) {
        self.store.remove(&refresh_key(account));
    }

    /// Remembers a sign-in in flight. [`AuthError::StorageFull`] when the store refuses it:
    /// the response could not be checked when it comes back, so the sign-in must not start.
    pub fn put_pending(&self, request: &PendingRequest) -> Result<(), AuthError> {
        let key = format!("{PREFIX}request|{}", request.state);
        self.requests
            .set(&key, &request.to_json().to_string())
            .map_err(|StoreFull| AuthError::StorageFull)
    }

    /// The sign-in in flight with this `state`, removed as it is read (one use). `None` when
    /// no such request was made here, or it is too old.
    pub fn take_pending(&self, state: &str, now_ms: u64) -> Option<PendingRequest> {
        let key = format!("{PREFIX}request|{state}");
        let request = self.peek_pending(state)?;
        self.requests.remove(&key);
        (now_ms.saturating_sub(request.created_at_ms) <= PENDING_REQUEST_TTL_MS).then_some(request)
    }

    /// Looks at a pending request without using it up (the popup's opener checks first).
    pub fn peek_pending(&self, state: &str) -> Option<PendingRequest> {
        let text = self.requests.get(&format!("{PREFIX}request|{state}"))?;
        PendingRequest::from_json(&read::parse(text.as_bytes()).ok()?)
    }

    /// The discovery document fetched from `url`, if it is younger than
    /// [`DISCOVERY_LIFETIME_SECS`].
    pub fn discovery(&self, url: &str, now_secs: u64) -> Option<String> {
        let entry: DiscoveryEntry = self.read(&format!("{DISCOVERY_PREFIX}{url}"))?;
        (now_secs < entry.expires_at_secs).then_some(entry.document)
    }

    pub fn put_discovery(&self, url: &str, document: &str, now_secs: u64) {
        let _ = self.write(
            &format!("{DISCOVERY_PREFIX}{url}"),
            &DiscoveryEntry {
                document: document.to_owned(),
                expires_at_secs: now_secs.saturating_add(DISCOVERY_LIFETIME_SECS),
            },
        );
    }

    /// When the page last started a sign-in by itself (ms since the epoch).
    pub fn reauthenticated_at(&self) -> Option<u64> {
        self.requests.get(REAUTH_KEY)?.parse().ok()
    }

    /// Notes that the page starts a sign-in by itself now. Not noted when the store is full:
    /// the page then may start one again sooner, which is only a prompt more.
    pub fn note_reauthentication(&self, now_ms: u64) {
        let _ = self.requests.set(REAUTH_KEY, &now_ms.to_string());
    }

    /// Forgets when the page last started a sign-in by itself (at sign-out).
    pub fn forget_reauthentication(&self) {
        self.requests.remove(REAUTH_KEY);
    }

    /// Removes everything this cache ever wrote about the user (not discovery documents),
    /// sign-ins in flight included.
    pub fn clear(&self) {
        for store in [&self.store, &self.requests] {
            for key in store.keys() {
                if key.starts_with(PREFIX) {
                    store.remove(&key);
                }
            }
        }
    }

    fn read<T: Entry>(&self, key: &str) -> Option<T> {
        T::from_json(&read::parse(self.store.get(key)?.as_bytes()).ok()?)
    }

    /// Writes an entry. Tokens and discovery documents the store cannot hold are fetched
    /// again when next needed, so their callers go on without them.
    fn write<T: Entry>(&self, key: &str, value: &T) -> Result<(), StoreFull> {
        self.store.set(key, &value.to_json().to_string())
    }
}

/// Fresh means it will still be valid after the margin.
pub fn is_fresh(expires_at_secs: u64, now_secs: u64) -> bool {
    expires_at_secs > now_secs.saturating_add(EXPIRY_MARGIN_SECS)
}

fn resource_key(resource: &Resource) -> String {
    match resource {
        Resource::Graph | Resource::GraphDirectory | Resource::GraphMail => "graph".to_owned(),
        Resource::SharePoint { origin }
        | Resource::SharePointProfiles { origin }
        | Resource::SharePointLibrary { origin } => origin.to_ascii_lowercase(),
        Resource::SharePointAdmin { my_site } => super::sharepoint_admin_origin(my_site),
    }
}

fn access_key(account: &Account, resource: &Resource, scopes: &[String]) -> String {
    let mut scopes: Vec<String> = scopes.iter().map(|s| s.to_ascii_lowercase()).collect();
    // Two or three scopes: an insertion sort, so the standard library's stable sort (~4 KB
    // of wasm for `String`s) stays out of the page.
    for i in 1..scopes.len() {
        let mut j = i;
        while j > 0 && scopes[j - 1] > scopes[j] {
            scopes.swap(j - 1, j);
            j -= 1;
        }
    }
    format!(
        "{PREFIX}at|{}|{}|{}",
        account.home_account_id,
        resource_key(resource),
        scopes.join(" ")
    )
}

fn granted_key(account: &Account, resource: &Resource) -> String {
    format!(
        "{PREFIX}scp|{}|{}",
        account.home_account_id,
        resource_key(resource)
    )
}

fn refresh_key(account: &Account) -> String {
    format!("{PREFIX}rt|{}", account.home_account_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> TokenCache {
        TokenCache::new(Box::<MemoryStore>::default(), Box::<MemoryStore>::default())
    }

    /// A store that outlives the cache reading it, as sessionStorage outlives a page.
    struct Shared(std::rc::Rc<MemoryStore>);
    impl Store for Shared {
        fn get(&self, k: &str) -> Option<String> {
            self.0.get(k)
        }
        fn set(&self, k: &str, v: &str) -> Result<(), StoreFull> {
            self.0.set(k, v)
        }
        fn remove(&self, k: &str) {
            self.0.remove(k)
        }
        fn keys(&self) -> Vec<String> {
            self.0.keys()
        }
    }

    fn adele() -> Account {
        Account {
            home_account_id: "o1.t1".into(),
            oid: "o1".into(),
            tid: "t1".into(),
            name: "Adele Vance".into(),
            username: "adele@contoso.onmicrosoft.com".into(),
        }
    }

    fn sharepoint() -> Resource {
        Resource::SharePoint {
            origin: crate::config::MySiteOrigin::from_service(
                "https://contoso-my.sharepoint.com",
                false,
            )
            .unwrap(),
        }
    }

    /// The SharePoint permission names a deployment asks for by default.
    fn names() -> Vec<String> {
        crate::config::DEFAULT_SHAREPOINT_SCOPES
            .map(str::to_owned)
            .to_vec()
    }

    #[test]
    fn granted_scopes_are_kept_per_resource_and_go_with_the_session() {
        let c = cache();
        let a = adele();
        assert_eq!(c.granted_scopes(&a, &sharepoint()), None);
        let granted = vec![
            "https://contoso-my.sharepoint.com/AllSites.Read".to_owned(),
            "https://contoso-my.sharepoint.com/User.ReadWrite.All".to_owned(),
        ];
        c.put_granted_scopes(&a, &sharepoint(), &granted);
        assert_eq!(c.granted_scopes(&a, &sharepoint()), Some(granted));
        assert_eq!(c.granted_scopes(&a, &Resource::Graph), None);
        c.drop_access_tokens();
        assert!(
            c.granted_scopes(&a, &sharepoint()).is_some(),
            "what was granted stays known while tokens are renewed"
        );
        c.clear();
        assert_eq!(c.granted_scopes(&a, &sharepoint()), None);
    }

    #[test]
    fn access_tokens_are_kept_per_resource_and_scopes() {
        let c = cache();
        let a = adele();
        let graph_scopes = Resource::Graph.scopes(&[]);
        c.put_access_token(&a, &Resource::Graph, &graph_scopes, "g", 3600, 1_000);
        assert_eq!(
            c.access_token(&a, &Resource::Graph, &graph_scopes, 1_000)
                .as_deref(),
            Some("g")
        );
        assert_eq!(
            c.access_token(&a, &sharepoint(), &sharepoint().scopes(&names()), 1_000),
            None
        );
        c.put_access_token(
            &a,
            &sharepoint(),
            &sharepoint().scopes(&names()),
            "s",
            3600,
            1_000,
        );
        assert_eq!(
            c.access_token(&a, &sharepoint(), &sharepoint().scopes(&names()), 1_000)
                .as_deref(),
            Some("s")
        );
        assert_eq!(
            c.access_token(&a, &Resource::Graph, &["Mail.Read".into()], 1_000),
            None
        );
    }

    #[test]
    fn scope_order_and_case_do_not_matter() {
        let c = cache();
        let a = adele();
        c.put_access_token(
            &a,
            &Resource::Graph,
            &["User.Read".into(), "openid".into()],
            "g",
            3600,
            0,
        );
        assert_eq!(
            c.access_token(
                &a,
                &Resource::Graph,
                &["OPENID".into(), "user.read".into()],
                0
            )
            .as_deref(),
            Some("g")
        );
    }

    #[test]
    fn a_discovery_document_is_kept_for_a_day_across_sign_in_and_sign_out() {
        let c = cache();
        let url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration";
        assert_eq!(c.discovery(url, 1_000), None);
        c.put_discovery(url, "{\"issuer\":\"x\"}", 1_000);
        c.clear();
        assert_eq!(
            c.discovery(url, 1_000).as_deref(),
            Some("{\"issuer\":\"x\"}")
        );
        assert!(c
            .discovery(url, 1_000 + DISCOVERY_LIFETIME_SECS - 1)
            .is_some());
        assert_eq!(c.discovery(url, 1_000 + DISCOVERY_LIFETIME_SECS), None);
        assert_eq!(
            c.discovery("https://login.microsoftonline.com/other", 1_000),
            None
        );
    }

    #[test]
    fn memory_store_replaces_and_removes() {
        let store = MemoryStore::default();
        store.set("a", "1").unwrap();
        store.set("b", "2").unwrap();
        store.set("a", "3").unwrap();
        assert_eq!(store.get("a").as_deref(), Some("3"));
        assert_eq!(store.keys(), vec!["a".to_owned(), "b".to_owned()]);
        store.remove("a");
        assert_eq!(store.get("a"), None);
        assert_eq!(store.keys(), vec!["b".to_owned()]);
    }

    #[test]
    fn every_order_of_several_scopes_gives_one_key() {
        let a = adele();
        let key = |scopes: [&str; 4]| {
            let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
            access_key(&a, &Resource::Graph, &scopes)
        };
        let expected = key(["a", "b", "c", "d"]);
        assert!(expected.ends_with("|a b c d"), "{expected}");
        for order in [
            ["d", "c", "b", "a"],
            ["b", "d", "a", "c"],
            ["c", "a", "d", "b"],
            ["A", "B", "D", "C"],
        ] {
            assert_eq!(key(order), expected, "{order:?}");
        }
    }

    #[test]
    fn tokens_near_expiry_are_not_used() {
        let c = cache();
        let a = adele();
        let s = Resource::Graph.scopes(&[]);
        c.put_access_token(&a, &Resource::Graph, &s, "g", 3600, 0);
        assert!(c
            .access_token(&a, &Resource::Graph, &s, 3600 - EXPIRY_MARGIN_SECS - 1)
            .is_some());
        assert!(c
            .access_token(&a, &Resource::Graph, &s, 3600 - EXPIRY_MARGIN_SECS)
            .is_none());
    }

    #[test]
    fn refresh_token_lifetime_is_fixed_from_sign_in() {
        let c = cache();
        let a = adele();
        c.put_refresh_token(&a, "rt1", 0, true);
        c.put_refresh_token(&a, "rt2", 20 * 3600, false); // a refresh later: same absolute expiry
        assert_eq!(c.refresh_token(&a, 20 * 3600).as_deref(), Some("rt2"));
        assert_eq!(c.refresh_token(&a, SPA_REFRESH_LIFETIME_SECS), None);
        c.put_refresh_token(&a, "rt3", SPA_REFRESH_LIFETIME_SECS + 1, true); // a new sign-in
        assert!(c.refresh_token(&a, SPA_REFRESH_LIFETIME_SECS + 2).is_some());
    }

    fn pending(state: &str, at: u64) -> PendingRequest {
        PendingRequest {
            state: state.into(),
            verifier: "v".into(),
            nonce: "n".into(),
            redirect_uri: "https://app.example/".into(),
            scopes: vec![],
            return_to: "/".into(),
            interaction: Interaction::Redirect,
            created_at_ms: at,
        }
    }

    #[test]
    fn pending_requests_are_used_once() {
        let c = cache();
        c.put_pending(&pending("s1", 0)).unwrap();
        assert!(c.peek_pending("s1").is_some());
        assert!(c.take_pending("s1", 1).is_some());
        assert!(
            c.take_pending("s1", 2).is_none(),
            "a replayed state is unknown"
        );
        assert!(c.take_pending("forged", 2).is_none());
    }

    #[test]
    fn stale_pending_requests_are_refused() {
        let c = cache();
        c.put_pending(&pending("s1", 0)).unwrap();
        assert!(c.take_pending("s1", PENDING_REQUEST_TTL_MS + 1).is_none());
    }

    #[test]
    fn clear_removes_everything_it_wrote_and_nothing_else() {
        let store = std::rc::Rc::new(MemoryStore::default());
        store.set("pps.lang", "lv").unwrap();
        let c = TokenCache::new(
            Box::new(Shared(store.clone())),
            Box::new(Shared(store.clone())),
        );
        let a = adele();
        c.set_account(&a).unwrap();
        c.put_refresh_token(&a, "rt", 0, true);
        c.put_access_token(&a, &Resource::Graph, &[], "g", 3600, 0);
        c.put_pending(&pending("s", 0)).unwrap();
        c.clear();
        assert_eq!(store.keys(), vec!["pps.lang".to_owned()]);
    }

    #[test]
    fn token_with_a_huge_expires_in_does_not_overflow() {
        let c = cache();
        let a = adele();
        let scopes = Resource::Graph.scopes(&[]);
        // `expires_in` comes from the token endpoint: any number it sends is kept without
        // wrapping around to "already expired" or panicking.
        c.put_access_token(&a, &Resource::Graph, &scopes, "g", u64::MAX, 1_000);
        assert_eq!(
            c.access_token(&a, &Resource::Graph, &scopes, 1_000)
                .as_deref(),
            Some("g")
        );
        assert!(!is_fresh(u64::MAX, u64::MAX));
        assert!(is_fresh(u64::MAX, 1_000));
    }

    #[test]
    fn memory_cache_keeps_the_pending_request_across_a_navigation() {
        // `cacheLocation: "memory"`: tokens in the page's memory, sign-ins in flight in
        // sessionStorage, which outlives the page that leaves for the identity platform.
        let session_storage = std::rc::Rc::new(MemoryStore::default());
        let before = TokenCache::new(
            Box::<MemoryStore>::default(),
            Box::new(Shared(session_storage.clone())),
        );
        before.put_pending(&pending("s1", 0)).unwrap();
        drop(before);
        let after = TokenCache::new(
            Box::<MemoryStore>::default(),
            Box::new(Shared(session_storage.clone())),
        );
        assert!(
            after.take_pending("s1", 1).is_some(),
            "the page that comes back finds its request"
        );
        let a = adele();
        after.set_account(&a).unwrap();
        after.put_access_token(&a, &Resource::Graph, &[], "g", 3600, 0);
        after.put_refresh_token(&a, "rt", 0, true);
        assert!(
            session_storage.keys().is_empty(),
            "no token or account in sessionStorage: {:?}",
            session_storage.keys()
        );
    }
}
