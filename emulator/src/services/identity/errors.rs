//! The identity platform's three ways of refusing, each with an `AADSTSnnnn` code and trace ids
//! as Entra ID prints them: an HTML error page (nothing can be sent back to the app), an error
//! redirected to the app's redirect URI (`error`, `error_description`, `state`), and the token
//! endpoint's JSON error (`TokenError`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::pages;
use crate::state::AuthRequest;
use crate::wire::aadsts::{token_error, trace};
use crate::wire::codec::encode_form;
use crate::wire::{self, Resp};

/// The error page shown in the browser.
pub fn error_page(status: StatusCode, code: u32, message: &str) -> Resp {
    let (trace_id, _, ts) = trace();
    wire::html(status, pages::error(code, message, &trace_id, &ts))
}

/// A redirect to `uri` with `params` in its query or, for `response_mode=fragment`, its fragment.
pub fn redirect_with(uri: &str, mode: &str, params: &[(&str, String)]) -> Resp {
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let enc = encode_form(pairs);
    let location = if mode == "fragment" {
        format!("{uri}#{enc}")
    } else if uri.contains('?') {
        format!("{uri}&{enc}")
    } else {
        format!("{uri}?{enc}")
    };
    wire::redirect(&location)
}

/// An error sent back to the app's redirect URI (always with `state`).
pub fn error_redirect(
    r: &AuthRequest,
    error: &str,
    code: u32,
    message: &str,
    subcode: Option<&str>,
) -> Resp {
    let (trace_id, corr, ts) = trace();
    let mut params = vec![
        ("error", error.to_string()),
        (
            "error_description",
            format!("AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}"),
        ),
        ("error_codes", format!("[{code}]")),
        ("error_uri", format!("https://login.microsoftonline.com/error?code={code}")),
    ];
    if let Some(s) = subcode {
        params.push(("error_subcode", s.to_string()));
    }
    if let Some(s) = &r.state {
        params.push(("state", s.clone()));
    }
    redirect_with(&r.redirect_uri, &r.response_mode, &params)
}

/// The token endpoint's refusal: `{"error": …, "error_description": "AADSTSnnnn: …", …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    pub status: StatusCode,
    /// The OAuth error (`invalid_request`, `invalid_grant`, …).
    pub error: &'static str,
    pub code: u32,
    pub message: String,
}

impl TokenError {
    /// A 400, as almost every refusal of the token endpoint is.
    pub fn bad(error: &'static str, code: u32, message: impl Into<String>) -> TokenError {
        TokenError {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            message: message.into(),
        }
    }

    /// AADSTS900144 for a parameter the request must carry.
    pub fn missing(parameter: &str) -> TokenError {
        TokenError::bad(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        token_error(self.status, self.error, self.code, &self.message)
    }
}
