//! `auth::cache`: every entry written reads back as itself, expiry follows the numbers the
//! identity platform sent (however large), and entries someone else wrote into
//! sessionStorage never break a read.

use std::cell::RefCell;
use std::rc::Rc;

use proptest::prelude::*;

use profile_photo_sync::auth::cache::{
    Store, StoreFull, TokenCache, DISCOVERY_LIFETIME_SECS, DISCOVERY_PREFIX, EXPIRY_MARGIN_SECS,
    PREFIX, SPA_REFRESH_LIFETIME_SECS,
};
use profile_photo_sync::auth::request::{Interaction, PendingRequest, PENDING_REQUEST_TTL_MS};
use profile_photo_sync::auth::{Account, Resource};
use profile_photo_sync::config::MySiteOrigin;

use crate::strategies::{json_value, text};

/// A store the test can look into and tamper with while the cache owns it.
#[derive(Clone, Default)]
struct SharedStore(Rc<RefCell<Vec<(String, String)>>>);

impl Store for SharedStore {
    fn get(&self, key: &str) -> Option<String> {
        let entries = self.0.borrow();
        entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreFull> {
        self.remove(key);
        self.0.borrow_mut().push((key.to_owned(), value.to_owned()));
        Ok(())
    }
    fn remove(&self, key: &str) {
        self.0.borrow_mut().retain(|(k, _)| k != key);
    }
    fn keys(&self) -> Vec<String> {
        self.0.borrow().iter().map(|(k, _)| k.clone()).collect()
    }
}

fn cache() -> (TokenCache, SharedStore) {
    let store = SharedStore::default();
    (
        TokenCache::new(Box::new(store.clone()), Box::new(store.clone())),
        store,
    )
}

fn account() -> impl Strategy<Value = Account> {
    (text(), text(), text(), text(), text()).prop_map(
        |(home_account_id, oid, tid, name, username)| Account {
            home_account_id,
            oid,
            tid,
            name,
            username,
        },
    )
}

fn pending() -> impl Strategy<Value = PendingRequest> {
    (
        (text(), text(), text(), text()),
        prop::collection::vec(text(), 0..4),
        text(),
        prop::sample::select(vec![Interaction::Redirect, Interaction::Popup]),
        any::<u64>(),
    )
        .prop_map(
            |(
                (state, verifier, nonce, redirect_uri),
                scopes,
                return_to,
                interaction,
                created_at_ms,
            )| {
                PendingRequest {
                    state,
                    verifier,
                    nonce,
                    redirect_uri,
                    scopes,
                    return_to,
                    interaction,
                    created_at_ms,
                }
            },
        )
}

fn resource() -> impl Strategy<Value = Resource> {
    prop_oneof![
        Just(Resource::Graph),
        // Any My Site host a token may go to (the only SharePoint resources there are).
        "[a-zA-Z0-9-]{1,16}".prop_filter_map("a My Site host", |tenant| {
            MySiteOrigin::from_service(&format!("https://{tenant}-my.sharepoint.com"), false)
                .map(|origin| Resource::SharePoint { origin })
        }),
    ]
}

/// The page's clock, in Unix seconds: anything up to the year 36812.
fn now_secs() -> impl Strategy<Value = u64> {
    0u64..(1 << 40)
}

/// `expires_in` as a token endpoint may send it: usual lifetimes, any number at all, and
/// numbers near the largest (which uniform sampling alone would almost never reach).
fn expires_in() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..7200, any::<u64>(), (u64::MAX - (1 << 41))..=u64::MAX]
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    #[test]
    fn an_account_reads_back_as_written(account in account()) {
        let (cache, _) = cache();
        cache.set_account(&account).unwrap();
        prop_assert_eq!(cache.account(), Some(account));
    }

    /// A sign-in in flight reads back as written, once, while it is young enough.
    #[test]
    fn a_pending_request_reads_back_once(request in pending(), age in 0..=PENDING_REQUEST_TTL_MS) {
        let (cache, _) = cache();
        cache.put_pending(&request).unwrap();
        prop_assert_eq!(cache.peek_pending(&request.state), Some(request.clone()));
        let now = request.created_at_ms.saturating_add(age);
        prop_assert_eq!(cache.take_pending(&request.state, now), Some(request.clone()));
        prop_assert_eq!(cache.take_pending(&request.state, now), None);
    }

    /// A sign-in older than its time to live is used up and refused.
    #[test]
    fn an_old_pending_request_is_refused(
        request in pending(),
        late in 1u64..(1 << 40),
    ) {
        prop_assume!(request.created_at_ms.checked_add(PENDING_REQUEST_TTL_MS + late).is_some());
        let (cache, _) = cache();
        cache.put_pending(&request).unwrap();
        let now = request.created_at_ms + PENDING_REQUEST_TTL_MS + late;
        prop_assert_eq!(cache.take_pending(&request.state, now), None);
        prop_assert_eq!(cache.peek_pending(&request.state), None);
    }

    /// An access token is used while it has more than the margin left, for any `expires_in`
    /// (an absurd one never overflows into "expired" or a panic), and found under its scopes
    /// in any order and case.
    #[test]
    fn an_access_token_reads_back_while_fresh(
        account in account(),
        resource in resource(),
        scopes in prop::collection::vec("[a-zA-Z.]{1,12}", 0..4),
        secret in text(),
        expires_in in expires_in(),
        now in now_secs(),
    ) {
        let (cache, _) = cache();
        cache.put_access_token(&account, &resource, &scopes, &secret, expires_in, now);
        let fresh = expires_in > EXPIRY_MARGIN_SECS;
        prop_assert_eq!(
            cache.access_token(&account, &resource, &scopes, now),
            fresh.then(|| secret.clone())
        );
        let mut shuffled: Vec<String> = scopes.iter().rev().map(|s| s.to_ascii_uppercase()).collect();
        let turn = usize::from(!shuffled.is_empty());
        shuffled.rotate_left(turn);
        prop_assert_eq!(
            cache.access_token(&account, &resource, &shuffled, now),
            fresh.then(|| secret.clone())
        );
        let later = now.saturating_add(expires_in.saturating_sub(EXPIRY_MARGIN_SECS));
        prop_assert_eq!(cache.access_token(&account, &resource, &scopes, later), None);
    }

    /// A refresh token lasts 24 hours from sign-in, and a refresh does not extend that.
    #[test]
    fn a_refresh_token_keeps_its_sign_in_lifetime(
        account in account(),
        first in text(),
        second in text(),
        now in now_secs(),
        refreshed_after in 0..SPA_REFRESH_LIFETIME_SECS,
        asked_after in 0..2 * SPA_REFRESH_LIFETIME_SECS,
    ) {
        let (cache, _) = cache();
        cache.put_refresh_token(&account, &first, now, true);
        prop_assert_eq!(cache.refresh_token(&account, now), Some(first));
        cache.put_refresh_token(&account, &second, now + refreshed_after, false);
        let asked = now + asked_after;
        prop_assert_eq!(
            cache.refresh_token(&account, asked),
            (asked_after < SPA_REFRESH_LIFETIME_SECS).then_some(second)
        );
    }

    /// A discovery document reads back for a day, and survives sign-out.
    #[test]
    fn a_discovery_document_reads_back_for_a_day(
        url in text(),
        document in text(),
        now in now_secs(),
        after in 0..2 * DISCOVERY_LIFETIME_SECS,
        account in account(),
    ) {
        let (cache, _) = cache();
        cache.put_discovery(&url, &document, now);
        cache.set_account(&account).unwrap();
        cache.clear();
        prop_assert_eq!(cache.account(), None);
        prop_assert_eq!(
            cache.discovery(&url, now + after),
            (after < DISCOVERY_LIFETIME_SECS).then_some(document)
        );
    }

    /// Whatever sits under the cache's keys (another version's entries, a hand edit, a
    /// truncated write), reading it never panics.
    #[test]
    fn tampered_entries_never_break_a_read(
        account in account(),
        resource in resource(),
        state in text(),
        url in text(),
        raw in prop_oneof![json_value().prop_map(|v| v.to_string()), text()],
        now in any::<u64>(),
    ) {
        let (cache, store) = cache();
        let names = profile_photo_sync::config::DEFAULT_SHAREPOINT_SCOPES.map(str::to_owned);
        cache.set_account(&account).unwrap();
        cache.put_access_token(&account, &resource, &resource.scopes(&names), "s", 3600, 0);
        cache.put_refresh_token(&account, "r", 0, true);
        cache.put_discovery(&url, "{}", 0);
        for key in store.keys() {
            store.set(&key, &raw).unwrap();
        }
        store.set(&format!("{PREFIX}request|{state}"), &raw).unwrap();
        store.set(&format!("{DISCOVERY_PREFIX}{url}"), &raw).unwrap();
        let _ = cache.account();
        let _ = cache.access_token(&account, &resource, &resource.scopes(&names), now);
        let _ = cache.refresh_token(&account, now);
        let _ = cache.peek_pending(&state);
        let _ = cache.take_pending(&state, now);
        let _ = cache.discovery(&url, now);
    }
}
