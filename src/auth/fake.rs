//! Test doubles for the two seams: a window ([`FakeWindow`], with a [`FakePopup`]) and a token
//! endpoint ([`FakeTokenEndpoint`]) that answers from a queue and records what it was sent,
//! and a [`session`] over them with the authority's metadata already kept, so that the flows
//! run natively from the first step to the tokens in the cache.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use serde_json::json;

use super::cache::{MemoryStore, Store, StoreFull, TokenCache};
use super::claims::fake_id_token;
use super::navigation::{Navigation, Popup};
use super::request::{discovery_url, SignInRandom};
use super::session::Session;
use super::token_endpoint::{FormAnswer, TokenEndpoint};
use crate::config::AppConfig;
use crate::http::HttpError;

pub const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
pub const TENANT: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
pub const AUTHORITY: &str = "https://login.example/contoso.onmicrosoft.com";
pub const TOKEN_URL: &str = "https://login.example/contoso.onmicrosoft.com/oauth2/v2.0/token";
pub const REDIRECT_URI: &str = "https://app.example/photo/";
/// The clock at the start of every test: 2026-01-01, in ms.
pub const START_MS: u64 = 1_767_225_600_000;

/// The window: its address, where it was sent, and a clock that moves only when the flow
/// sleeps (or the test moves it).
#[derive(Default)]
pub struct FakeWindow {
    pub query: RefCell<String>,
    pub addresses: RefCell<Vec<String>>,
    pub left_for: RefCell<Option<String>>,
    pub framed: Cell<bool>,
    pub opened_by_same_origin: Cell<bool>,
    pub now_ms: Cell<u64>,
    pub sign_outs_announced: Cell<u32>,
    draws: Cell<u8>,
}

impl Navigation for Rc<FakeWindow> {
    fn query(&self) -> String {
        self.query.borrow().clone()
    }
    fn pathname(&self) -> String {
        "/photo/".to_owned()
    }
    fn replace_address(&self, path_and_query: &str) {
        self.addresses.borrow_mut().push(path_and_query.to_owned());
    }
    fn leave_for(&self, url: &str) {
        *self.left_for.borrow_mut() = Some(url.to_owned());
    }
    fn is_framed(&self) -> bool {
        self.framed.get()
    }
    fn opened_by_same_origin_page(&self) -> bool {
        self.opened_by_same_origin.get()
    }
    fn now_ms(&self) -> u64 {
        self.now_ms.get()
    }
    fn sleep(&self, ms: u32) -> impl Future<Output = ()> {
        self.now_ms.set(self.now_ms.get() + u64::from(ms));
        std::future::ready(())
    }
    fn sign_in_random(&self) -> Option<SignInRandom> {
        // Different bytes for every sign-in, as the browser's generator gives.
        self.draws.set(self.draws.get() + 1);
        let mut random = [0u8; 64];
        for (i, byte) in random.iter_mut().enumerate() {
            *byte = (i as u8).wrapping_mul(31).wrapping_add(self.draws.get());
        }
        Some(random)
    }
    fn announce_sign_out(&self) {
        self.sign_outs_announced
            .set(self.sign_outs_announced.get() + 1);
    }
}

/// Given the authorize URL the popup was sent to, the address it comes back to.
pub type Answer = Box<dyn Fn(&str) -> String>;

/// A form as sent: its fields in order.
pub type Form = Vec<(String, String)>;

/// A sign-in popup: it comes back to the page's origin with `answer` after `polls_until_back`
/// looks, or never (`None`), and the user may have closed it.
#[derive(Default)]
pub struct FakePopup {
    pub sent_to: RefCell<Option<String>>,
    /// Called with the authorize URL; gives the address the popup comes back to.
    pub answer: RefCell<Option<Answer>>,
    pub polls_until_back: Cell<u32>,
    pub closed_by_user_after: Cell<Option<u32>>,
    pub closed: Cell<bool>,
    polls: Cell<u32>,
}

impl Popup for Rc<FakePopup> {
    fn go_to(&self, url: &str) {
        *self.sent_to.borrow_mut() = Some(url.to_owned());
    }
    fn address_if_back(&self) -> Option<String> {
        self.polls.set(self.polls.get() + 1);
        if self.polls.get() < self.polls_until_back.get() {
            return None;
        }
        let sent_to = self.sent_to.borrow().clone()?;
        self.answer.borrow().as_ref().map(|answer| answer(&sent_to))
    }
    fn is_closed(&self) -> bool {
        let by_user = self
            .closed_by_user_after
            .get()
            .is_some_and(|after| self.polls.get() >= after);
        self.closed.get() || by_user
    }
    fn close(&self) {
        self.closed.set(true);
    }
}

/// A token endpoint that answers from a queue and keeps every form it was sent. Each answer
/// comes after the caller has been suspended once, as a real request's would, so that
/// concurrent callers meet while a request is in flight.
#[derive(Default)]
pub struct FakeTokenEndpoint {
    pub answers: RefCell<VecDeque<Result<FormAnswer, HttpError>>>,
    /// Each request's URL and form.
    pub requests: RefCell<Vec<(String, Form)>>,
}

impl FakeTokenEndpoint {
    pub fn answer(&self, answer: Result<FormAnswer, HttpError>) {
        self.answers.borrow_mut().push_back(answer);
    }

    /// A JSON answer with `status`.
    pub fn answer_json(&self, status: u16, body: serde_json::Value) {
        self.answer(Ok(FormAnswer {
            status,
            content_type: Some("application/json; charset=utf-8".into()),
            body: body.to_string().into_bytes(),
        }));
    }

    /// The `i`th form sent, as a lookup.
    pub fn form(&self, i: usize) -> Form {
        self.requests.borrow()[i].1.clone()
    }

    pub fn count(&self) -> usize {
        self.requests.borrow().len()
    }
}

impl TokenEndpoint for Rc<FakeTokenEndpoint> {
    async fn post_form(&self, url: &str, form: String) -> Result<FormAnswer, HttpError> {
        let pairs = url::form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect();
        self.requests.borrow_mut().push((url.to_owned(), pairs));
        YieldOnce(false).await;
        self.answers
            .borrow_mut()
            .pop_front()
            .expect("the test queued an answer for every token request")
    }
}

/// Pending once, then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A store that refuses every write, as a full sessionStorage does.
#[derive(Default)]
pub struct FullStore;

impl Store for FullStore {
    fn get(&self, _: &str) -> Option<String> {
        None
    }
    fn set(&self, _: &str, _: &str) -> Result<(), StoreFull> {
        Err(StoreFull)
    }
    fn remove(&self, _: &str) {}
    fn keys(&self) -> Vec<String> {
        Vec::new()
    }
}

pub type FakeSession = Session<Rc<FakeWindow>, Rc<FakeTokenEndpoint>>;

/// The deployment the tests sign in to; `extra` adds members to its `config.json`.
pub fn config(extra: &str) -> AppConfig {
    AppConfig::parse(&format!(
        r#"{{"clientId":"{CLIENT_ID}","authority":"{AUTHORITY}"{extra}}}"#
    ))
    .unwrap()
}

/// The authority's discovery document.
pub fn discovery_document() -> String {
    json!({
        "authorization_endpoint": "https://login.example/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
        "token_endpoint": TOKEN_URL,
        "end_session_endpoint": "https://login.example/contoso.onmicrosoft.com/oauth2/v2.0/logout",
        "issuer": "https://login.example/{tenantid}/v2.0",
    })
    .to_string()
}

/// A session over a fake window and token endpoint, its discovery document already kept;
/// sign-ins in flight go to `requests`.
pub fn session_with_requests(
    config: AppConfig,
    requests: Box<dyn Store>,
) -> (FakeSession, Rc<FakeWindow>, Rc<FakeTokenEndpoint>) {
    let window = Rc::new(FakeWindow::default());
    window.now_ms.set(START_MS);
    let endpoint = Rc::new(FakeTokenEndpoint::default());
    let cache = TokenCache::new(Box::<MemoryStore>::default(), requests);
    cache.put_discovery(
        &discovery_url(&config.authority),
        &discovery_document(),
        START_MS / 1000,
    );
    let session = Session::with_parts(
        config,
        REDIRECT_URI.to_owned(),
        cache,
        window.clone(),
        endpoint.clone(),
    );
    (session, window, endpoint)
}

pub fn session() -> (FakeSession, Rc<FakeWindow>, Rc<FakeTokenEndpoint>) {
    session_with_requests(config(""), Box::<MemoryStore>::default())
}

/// A query parameter of a URL.
pub fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A member of a form.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An id token as the identity platform issues it for this app, with `nonce`, issued `iat`
/// seconds after the epoch; `change` edits its claims first.
pub fn id_token(nonce: &str, iat: u64, change: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut claims = json!({
        "aud": CLIENT_ID,
        "iss": format!("https://login.example/{TENANT}/v2.0"),
        "oid": "00000000-0000-0000-0000-0000000000ad",
        "tid": TENANT,
        "name": "Adele Vance",
        "preferred_username": "adele@contoso.onmicrosoft.com",
        "nonce": nonce,
        "iat": iat,
        "exp": iat + 3600,
    });
    change(&mut claims);
    fake_id_token(&claims)
}

/// The token endpoint's answer to a code redemption.
pub fn tokens(access: &str, refresh: &str, id_token: &str) -> serde_json::Value {
    json!({
        "token_type": "Bearer",
        "scope": "openid profile offline_access User.Read",
        "expires_in": 3600,
        "access_token": access,
        "refresh_token": refresh,
        "id_token": id_token,
    })
}

/// Runs a future to its end on this thread.
pub fn run<T>(future: impl Future<Output = T>) -> T {
    futures::executor::block_on(future)
}
