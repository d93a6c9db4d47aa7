//! `auth::request`: the authorization response in the address, its removal from the address,
//! the AADSTS code in an error description, and the authority's discovery document.

use proptest::prelude::*;
use serde_json::json;

use profile_photo_sync::auth::request::{
    aadsts_code, classify, parse_metadata, parse_response, strip_response_params, AuthResponse,
};
use profile_photo_sync::auth::AuthError;
use profile_photo_sync::config::is_safe_endpoint;

use crate::strategies::{decode, encode, params, text, url_like};

/// The parameters an authorization answer brings, which must not stay in the address.
const RESPONSE: [&str; 7] = [
    "code",
    "state",
    "session_state",
    "error",
    "error_description",
    "error_uri",
    "client_info",
];

fn first<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    #[test]
    fn parse_response_never_panics(query in any::<String>()) {
        let _ = parse_response(&query);
    }

    /// An `error` wins over a code; a code needs its `state`; the first of a repeated
    /// parameter is the one read; anything else is no answer at all.
    #[test]
    fn parse_response_reads_what_the_query_carries(
        params in params(),
        prefix in prop::sample::select(vec!["", "?", "#"]),
    ) {
        let parsed = parse_response(&format!("{prefix}{}", encode(&params)));
        let expected = match (first(&params, "error"), first(&params, "code"), first(&params, "state")) {
            (Some(error), _, state) => Some(AuthResponse::Error {
                error: error.to_owned(),
                description: first(&params, "error_description").unwrap_or_default().to_owned(),
                state: state.map(str::to_owned),
            }),
            (None, Some(code), Some(state)) => Some(AuthResponse::Code {
                code: code.to_owned(),
                state: state.to_owned(),
            }),
            _ => None,
        };
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn strip_response_params_never_panics(query in any::<String>()) {
        let _ = strip_response_params(&query);
    }

    /// Removing the answer from the address leaves every other parameter, in order, with its
    /// value, and nothing of the answer.
    #[test]
    fn stripping_removes_the_answer_and_keeps_every_other_parameter(
        params in params(),
        leading in prop::bool::ANY,
    ) {
        let query = encode(&params);
        let query = if leading { format!("?{query}") } else { query };
        let stripped = strip_response_params(&query);
        let kept: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| !RESPONSE.contains(&k.as_str()))
            .cloned()
            .collect();
        if kept.is_empty() {
            prop_assert_eq!(stripped, "");
        } else {
            let rest = stripped.strip_prefix('?');
            prop_assert!(rest.is_some(), "{stripped:?} does not start with ?");
            prop_assert_eq!(decode(rest.unwrap()), kept);
        }
    }

    /// Stripping twice is stripping once, whatever the address held.
    #[test]
    fn stripping_is_idempotent(query in any::<String>()) {
        let once = strip_response_params(&query);
        prop_assert_eq!(strip_response_params(&once), once.clone());
        prop_assert_eq!(parse_response(&once), None);
    }

    #[test]
    fn aadsts_code_never_panics(description in any::<String>()) {
        let _ = aadsts_code(&description);
    }

    /// The number after the first `AADSTS` is the code, wherever it stands in the text.
    #[test]
    fn aadsts_code_is_the_number_after_the_marker(
        before in "[^0-9]{0,20}",
        code in any::<u32>(),
        after in "([^0-9].*)?",
    ) {
        prop_assume!(!before.contains("AADSTS"));
        prop_assert_eq!(aadsts_code(&format!("{before}AADSTS{code}{after}")), Some(code));
    }

    /// A redirect URI the app registration lacks is reported as such, whatever the error code
    /// and the rest of the description say.
    #[test]
    fn redirect_mismatch_is_always_recognised(
        error in text(),
        before in "[^0-9]{0,20}",
        after in "([^0-9].*)?",
        redirect_uri in url_like(),
    ) {
        prop_assume!(!before.contains("AADSTS"));
        prop_assert_eq!(
            classify(&error, &format!("{before}AADSTS50011{after}"), &redirect_uri),
            AuthError::RedirectUriNotRegistered { redirect_uri: redirect_uri.clone() }
        );
    }

    #[test]
    fn classify_never_panics(error in any::<String>(), description in any::<String>(), uri in text()) {
        let _ = classify(&error, &description, &uri);
    }

    #[test]
    fn parse_metadata_never_panics(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_metadata(&body);
    }

    /// A discovery document is accepted only when its authorize and token endpoints are https
    /// (or http on loopback), and then it is read as written.
    #[test]
    fn discovery_accepted_only_with_safe_endpoints(
        authorize in url_like(),
        token in url_like(),
        end_session in prop::option::of(url_like()),
        issuer in text(),
    ) {
        let mut document = json!({
            "authorization_endpoint": authorize,
            "token_endpoint": token,
            "issuer": issuer,
        });
        if let Some(end_session) = &end_session {
            document["end_session_endpoint"] = json!(end_session);
        }
        let safe = |u: &str| url::Url::parse(u).is_ok_and(|u| is_safe_endpoint(&u));
        match parse_metadata(document.to_string().as_bytes()) {
            Ok(metadata) => {
                prop_assert!(safe(&metadata.authorization_endpoint));
                prop_assert!(safe(&metadata.token_endpoint));
                prop_assert_eq!(metadata.authorization_endpoint, authorize);
                prop_assert_eq!(metadata.token_endpoint, token);
                prop_assert_eq!(metadata.end_session_endpoint, end_session);
                prop_assert_eq!(metadata.issuer, issuer);
            }
            Err(_) => prop_assert!(!safe(&authorize) || !safe(&token)),
        }
    }
}
