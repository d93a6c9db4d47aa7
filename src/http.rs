//! The one way the page talks to the network: a `fetch` wrapper over `gloo-net`.
//!
//! Owns timeouts (an `AbortController` per request), the mapping of browser failures to
//! [`HttpError`], and reading bodies as bytes, text or JSON, never more than the request's
//! [`HttpRequest::max_body_bytes`] (1 MB unless it says otherwise). It knows nothing about tokens,
//! Graph or SharePoint: `auth`, `graph` and `sharepoint` build requests and read responses;
//! only they call this module. No credentials (cookies) are ever sent: every call is `omit`,
//! except the page's own files ([`HttpRequest::own_file`]), which go as `same-origin` so that
//! the browser can answer them from a `<link rel="preload" crossorigin>` of `index.html`.

use gloo_net::http::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, RequestCredentials};

/// How long a request may take before it is abandoned, unless the caller says otherwise.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// The most a response body may hold unless the caller says otherwise: 1 MB, far above any
/// JSON answer the page reads (a discovery document, a token, a profile: a few KB each).
pub const MAX_JSON_BYTES: usize = 1_000_000;

/// A request to send.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub timeout_ms: u32,
    /// A file beside the page (`config.json`): sent with `credentials: same-origin`.
    pub own_file: bool,
    /// The body is read up to this many bytes; a longer one is abandoned while it is read
    /// ([`HttpError::TooLarge`]).
    pub max_body_bytes: usize,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    Text(String),
    /// A file the browser holds (a photo it encoded), sent as it is, not copied through wasm.
    Blob(web_sys::Blob),
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body::Bytes(bytes)
    }
}

impl From<web_sys::Blob> for Body {
    fn from(blob: web_sys::Blob) -> Body {
        Body::Blob(blob)
    }
}

/// What came back: the status, the headers the browser lets the page read, and the body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why no response could be read. `Display` is the technical form (a code, the origin, the
/// browser's own words), for details and logs; the screens word each kind themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The browser could not reach the server: offline, DNS, refused, or blocked by CORS
    /// (the browser does not tell these apart).
    #[error("network_error {origin}: {detail}")]
    Network { origin: String, detail: String },
    #[error("timeout {origin} ({seconds} s)")]
    Timeout { origin: String, seconds: u32 },
    /// The body was longer than the request allowed; reading stopped there.
    #[error("too_large {origin} (> {limit_bytes} B)")]
    TooLarge { origin: String, limit_bytes: usize },
}

impl HttpError {
    /// True when the same request may well succeed later (not an answer that is too long).
    pub fn is_transient(&self) -> bool {
        !matches!(self, HttpError::TooLarge { .. })
    }
}

/// Counts a body's bytes as they arrive, and says when they go over the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit {
    limit: usize,
    read: usize,
}

impl BodyLimit {
    pub fn new(limit: usize) -> BodyLimit {
        BodyLimit { limit, read: 0 }
    }

    /// False when the `Content-Length` the server declared is already over the limit.
    pub fn allows_declared(&self, content_length: Option<&str>) -> bool {
        content_length
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_none_or(|declared| declared <= self.limit as u64)
    }

    /// Counts `chunk` more bytes; false once the body is over the limit.
    pub fn take(&mut self, chunk: usize) -> bool {
        self.read = self.read.saturating_add(chunk);
        self.read <= self.limit
    }
}

impl HttpRequest {
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::GET, url)
    }

    pub fn post(url: impl Into<String>) -> Self {
        Self::new(Method::POST, url)
    }

    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            own_file: false,
            max_body_bytes: MAX_JSON_BYTES,
        }
    }

    /// Reads at most `bytes` of the body (default [`MAX_JSON_BYTES`]).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    /// Marks a relative URL of a file beside the page, fetched as a preload of `index.html`
    /// would fetch it (`same-origin` credentials; the page sets no cookies of its own).
    pub fn own_file(mut self) -> Self {
        self.own_file = true;
        self
    }

    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.timeout_ms = ms;
        self
    }
}

/// What `fetch` does with a 3xx answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Follow it (requests that carry nothing secret).
    Follow,
    /// Fail the request: a redirect is never followed with the token (`redirect: "error"`).
    Refuse,
}

impl HttpRequest {
    /// Whether `fetch` may follow a redirect for this request: never when it carries an
    /// `Authorization` header, so a 3xx from Graph or SharePoint is an error, not a second
    /// request with the token to wherever the `Location` points.
    pub fn redirects(&self) -> Redirects {
        let carries_token = self
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
        if carries_token {
            Redirects::Refuse
        } else {
            Redirects::Follow
        }
    }
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header by case-insensitive name, if the browser exposed it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// How the page reads JSON answers: parsed once into a [`serde_json::Value`], then read member
/// by member through these helpers into the answer's own type (`GraphUser`,
/// `SharePointProfile`, the discovery document, id token claims, error bodies), with a message
/// that names the member when one is missing or of the wrong type.
///
/// Why not `#[derive(Deserialize)]`: the page is downloaded by everyone who opens it, and each
/// derived type compiles its own visitor and its own instance of serde_json's deserializer
/// methods into the wasm module, while the `Value` reader is compiled once however many
/// answers read it; a lenient read (a member absent or `null`, SharePoint's two JSON dialects)
/// is also plainer to write here than as serde attributes. The exceptions are types another
/// crate derives for itself: the token endpoint's answers inside `oauth2`, and
/// `config.json`'s raw schema, read once at start.
pub mod json {
    use serde_json::Value;

    /// Parses a body.
    pub fn parse(body: &[u8]) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// A body that must be a JSON object; the error says why it is not one.
    pub fn object(body: &[u8]) -> Result<Value, String> {
        let value = parse(body).map_err(|e| e.to_string())?;
        if value.is_object() {
            Ok(value)
        } else {
            Err("not a JSON object".to_owned())
        }
    }

    /// A string member: `Ok(None)` when absent or null, an error when it is not a string.
    pub fn string(object: &Value, key: &str) -> Result<Option<String>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("`{key}` is not a string")),
        }
    }

    /// A string member as text, empty when it is absent or not a string: for error bodies,
    /// whose shape is never guaranteed.
    pub fn text(object: &Value, key: &str) -> String {
        object
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// A string member that must be there.
    pub fn required_string(object: &Value, key: &str) -> Result<String, String> {
        string(object, key)?.ok_or_else(|| format!("missing `{key}`"))
    }

    /// A whole-number member: `Ok(None)` when absent or null.
    pub fn i64(object: &Value, key: &str) -> Result<Option<i64>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("`{key}` is not a whole number")),
        }
    }

    /// A whole-number member that fits a `u32`: `Ok(None)` when absent or null.
    pub fn u32(object: &Value, key: &str) -> Result<Option<u32>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("`{key}` is not a whole number")),
        }
    }
}

/// `scheme://host[:port]` of a URL, lower-cased and without a default port; `None` when it is
/// not a URL or its origin is opaque (`null`, `data:`, `file:`). What same-origin checks compare.
pub fn origin(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The origin of a URL for messages (`https://graph.microsoft.com`); the text itself when it
/// has none.
pub fn origin_of(url: &str) -> String {
    origin(url).unwrap_or_else(|| url.to_owned())
}

/// Sends a request and reads the whole body.
pub async fn send(request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let origin = origin_of(&request.url);
    let controller = AbortController::new().map_err(|e| network(&origin, format!("{e:?}")))?;
    let timer = Timeout::arm(&controller, request.timeout_ms);

    let mut builder = RequestBuilder::new(&request.url)
        .method(request.method.clone())
        .credentials(if request.own_file {
            RequestCredentials::SameOrigin
        } else {
            RequestCredentials::Omit
        })
        .abort_signal(Some(&controller.signal()));
    if request.redirects() == Redirects::Refuse {
        builder = builder.redirect(web_sys::RequestRedirect::Error);
    }
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    // One `send().await` for every kind of body: each await point is another copy of
    // gloo's send future in this function's state machine.
    let built = match request.body {
        Some(Body::Bytes(bytes)) => {
            builder.body(JsValue::from(js_sys::Uint8Array::from(bytes.as_slice())))
        }
        Some(Body::Text(text)) => builder.body(JsValue::from_str(&text)),
        Some(Body::Blob(blob)) => builder.body(JsValue::from(blob)),
        None => builder.build(),
    };
    let sent = built.map_err(|e| network(&origin, e))?.send().await;
    let result = match sent {
        Ok(response) => read(&response, request.max_body_bytes, &origin).await,
        Err(e) => Err(network(&origin, e)),
    };
    if timer.fired() {
        return Err(HttpError::Timeout {
            origin,
            seconds: request.timeout_ms.div_ceil(1000),
        });
    }
    result
}

/// Reads the answer to a `fetch` already started (`asked`, one the page's first module sent
/// for `request`), as [`send`] reads its own: at most `max_body_bytes` of body, the answer and
/// its body within `timeout_ms`. The page cannot abort a fetch it did not start, so it stops
/// waiting instead.
pub async fn receive(
    asked: js_sys::Promise,
    request: &HttpRequest,
) -> Result<HttpResponse, HttpError> {
    let origin = origin_of(&request.url);
    let received = async {
        let origin = origin.as_str();
        let response = wasm_bindgen_futures::JsFuture::from(asked)
            .await
            .map_err(|e| network(origin, format!("{e:?}")))?;
        let response =
            gloo_net::http::Response::from(response.unchecked_into::<web_sys::Response>());
        read(&response, request.max_body_bytes, origin).await
    };
    let timer = crate::browser::sleep(request.timeout_ms);
    futures::pin_mut!(received, timer);
    match futures::future::select(received, timer).await {
        futures::future::Either::Left((result, _)) => result,
        futures::future::Either::Right(_) => Err(HttpError::Timeout {
            origin: origin.clone(),
            seconds: request.timeout_ms.div_ceil(1000),
        }),
    }
}

async fn read(
    response: &gloo_net::http::Response,
    max_body_bytes: usize,
    origin: &str,
) -> Result<HttpResponse, HttpError> {
    let status = response.status();
    let headers: Vec<(String, String)> = response.headers().entries().collect();
    let body = read_capped(response, &headers, max_body_bytes, origin).await?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Reads a body chunk by chunk from its stream, stopping (and cancelling the stream) as soon
/// as it goes over `limit`: a hostile or broken server cannot make the page hold more.
async fn read_capped(
    response: &gloo_net::http::Response,
    headers: &[(String, String)],
    limit: usize,
    origin: &str,
) -> Result<Vec<u8>, HttpError> {
    let mut counted = BodyLimit::new(limit);
    let too_large = || HttpError::TooLarge {
        origin: origin.to_owned(),
        limit_bytes: limit,
    };
    let content_length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str());
    if !counted.allows_declared(content_length) {
        return Err(too_large());
    }
    let Some(stream) = response.body() else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let Some(bytes) = next_chunk(&reader)
            .await
            .map_err(|e| network(origin, format!("{e:?}")))?
        else {
            return Ok(body);
        };
        if !counted.take(bytes.length() as usize) {
            let _ = reader.cancel();
            return Err(too_large());
        }
        let start = body.len();
        body.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

/// The next chunk of a body being read, or `None` at its end.
pub async fn next_chunk(
    reader: &web_sys::ReadableStreamDefaultReader,
) -> Result<Option<js_sys::Uint8Array>, JsValue> {
    let chunk = wasm_bindgen_futures::JsFuture::from(reader.read()).await?;
    let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
        .ok()
        .and_then(|d| d.as_bool())
        .unwrap_or(true);
    if done {
        return Ok(None);
    }
    let value = js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))?;
    Ok(Some(js_sys::Uint8Array::new(&value)))
}

fn network(origin: &str, error: impl std::fmt::Display) -> HttpError {
    HttpError::Network {
        origin: origin.to_owned(),
        detail: error.to_string(),
    }
}

/// Aborts the request when it runs out of time; cleared when dropped.
struct Timeout {
    fired: std::rc::Rc<std::cell::Cell<bool>>,
    _timer: crate::browser::Timer,
}

impl Timeout {
    fn arm(controller: &AbortController, ms: u32) -> Timeout {
        let fired = std::rc::Rc::new(std::cell::Cell::new(false));
        let (controller, flag) = (controller.clone(), fired.clone());
        let timer = crate::browser::Timer::start(ms, move || {
            flag.set(true);
            controller.abort();
        });
        Timeout {
            fired,
            _timer: timer,
        }
    }

    fn fired(&self) -> bool {
        self.fired.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_strips_path_and_query() {
        assert_eq!(
            origin_of("https://graph.microsoft.com/v1.0/me?$select=id"),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            origin_of("http://graph.localhost:8080/v1.0"),
            "http://graph.localhost:8080"
        );
    }

    #[test]
    fn origins_are_compared_in_one_form_and_opaque_ones_are_none() {
        assert_eq!(
            origin("HTTPS://Contoso-My.SharePoint.com:443/personal/x").as_deref(),
            Some("https://contoso-my.sharepoint.com")
        );
        assert_eq!(origin("data:image/png;base64,AAAA"), None);
        assert_eq!(origin("not a url"), None);
        assert_eq!(origin_of("not a url"), "not a url");
    }

    #[test]
    fn json_members_are_read_or_refused() {
        let v = json::parse(br#"{"a":"x","n":648,"z":null,"b":true,"neg":-1}"#).unwrap();
        assert_eq!(json::string(&v, "a"), Ok(Some("x".into())));
        assert_eq!(json::string(&v, "z"), Ok(None));
        assert_eq!(json::string(&v, "missing"), Ok(None));
        assert!(json::string(&v, "b").is_err());
        assert!(json::required_string(&v, "missing").is_err());
        assert_eq!(json::u32(&v, "n"), Ok(Some(648)));
        assert_eq!(json::u32(&v, "missing"), Ok(None));
        assert!(json::u32(&v, "neg").is_err());
        assert!(json::u32(&v, "a").is_err());
        assert_eq!(json::i64(&v, "neg"), Ok(Some(-1)));
        assert_eq!(json::text(&v, "a"), "x");
        assert_eq!(json::text(&v, "n"), "", "not a string");
        assert_eq!(json::text(&v, "missing"), "");
        assert_eq!(json::text(&serde_json::Value::Null, "a"), "");
        assert!(json::i64(&v, "b").is_err());
    }

    #[test]
    fn request_with_a_token_never_follows_a_redirect() {
        let with_token = HttpRequest::get("https://contoso-my.sharepoint.com/_api/x")
            .header("authorization", "Bearer t");
        assert_eq!(with_token.redirects(), Redirects::Refuse);
        let graph = HttpRequest::get("https://graph.microsoft.com/v1.0/me")
            .header("Accept", "application/json")
            .header("Authorization", "Bearer t");
        assert_eq!(graph.redirects(), Redirects::Refuse);
        assert_eq!(
            HttpRequest::get("config.json").own_file().redirects(),
            Redirects::Follow
        );
    }

    #[test]
    fn json_body_over_one_megabyte_is_refused_while_reading() {
        let mut limit = BodyLimit::new(MAX_JSON_BYTES);
        assert!(limit.allows_declared(None));
        assert!(limit.allows_declared(Some("1000000")));
        assert!(!limit.allows_declared(Some("1000001")));
        assert!(
            limit.allows_declared(Some("not a number")),
            "the count decides"
        );
        assert!(limit.take(600_000));
        assert!(limit.take(400_000));
        assert!(!limit.take(1), "the byte after the megabyte stops the read");
        assert!(!limit.take(usize::MAX), "no overflow");
        let photo = BodyLimit::new(crate::photo::MAX_SOURCE_BYTES);
        assert!(!photo.allows_declared(Some("4990001")));
        assert!(!HttpError::TooLarge {
            origin: "o".into(),
            limit_bytes: 1
        }
        .is_transient());
    }

    #[test]
    fn header_lookup_ignores_case() {
        let r = HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), "3".into())],
            body: vec![],
        };
        assert_eq!(r.header("Retry-After"), Some("3"));
        assert!(!r.is_success());
    }
}
