//! `sharepoint::response`: `GetMyProperties` in both JSON dialects, and the classification of
//! SharePoint's error answers.

use proptest::prelude::*;
use serde_json::{json, Value};

use profile_photo_sync::sharepoint::response::{classify, parse_profile};
use profile_photo_sync::sharepoint::{
    SharePointCall, SharePointError, SharePointProblem, SharePointProfile,
};

use crate::strategies::{body, json_value, text};

fn call() -> impl Strategy<Value = SharePointCall> {
    prop::sample::select(vec![
        SharePointCall::GetMyProperties,
        SharePointCall::SetMyProfilePicture,
        SharePointCall::Thumbnail,
    ])
}

/// SharePoint's error body in its shapes (`odata.error` or `error`, message as an object or
/// a string), with the message that means "not an image" now and then.
fn error_body() -> impl Strategy<Value = Vec<u8>> {
    let message = prop_oneof![
        Just("Parameter is not valid.".to_owned()),
        text(),
        text().prop_map(|t| format!("{t}Parameter is not valid{t}")),
    ];
    (
        prop::sample::select(vec!["odata.error", "error"]),
        text(),
        message,
        any::<bool>(),
    )
        .prop_map(|(wrapper, code, message, as_object)| {
            let message = if as_object {
                json!({"lang": "en-US", "value": message})
            } else {
                json!(message)
            };
            json!({ wrapper: {"code": code, "message": message} })
                .to_string()
                .into_bytes()
        })
}

/// A profile property value as SharePoint writes them: text, possibly padded or empty.
fn property_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}",
        " ?[0-9] ?",
        "[a-zA-Z0-9:/._ \\-]{0,30}",
        text(),
    ]
}

/// What the module keeps of a value: trimmed, and nothing when that leaves nothing.
fn kept(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

fn small_number(value: &Option<String>) -> Option<u8> {
    value.as_deref().and_then(|v| v.trim().parse().ok())
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    #[test]
    fn classify_never_panics(
        call in call(),
        status in any::<u16>(),
        retry_after in prop::option::of(any::<String>()),
        body in prop_oneof![body(), error_body()],
    ) {
        let _ = classify(call, status, retry_after.as_deref(), &body);
    }

    /// Only the picture write's 400 "Parameter is not valid." is a refused photo; every
    /// other status means what the module says, whatever the body.
    #[test]
    fn classification_follows_the_status(
        call in call(),
        status in prop_oneof![
            prop::sample::select(vec![400u16, 401, 403, 404, 429, 500, 503, 504]),
            any::<u16>(),
        ],
        retry_after in prop::option::of(text()),
        body in prop_oneof![body(), error_body()],
    ) {
        let error = classify(call, status, retry_after.as_deref(), &body);
        match status {
            400 if matches!(error, SharePointError::Specific(SharePointProblem::PhotoRejected { .. })) => {
                prop_assert_eq!(call, SharePointCall::SetMyProfilePicture);
            }
            401 => prop_assert_eq!(error, SharePointError::Unauthorized),
            403 => prop_assert!(matches!(error, SharePointError::Forbidden { .. }), "{error:?}"),
            429 | 503 | 504 => prop_assert_eq!(
                error,
                SharePointError::Transient { status, retry_after: retry_after.clone() }
            ),
            _ => prop_assert!(matches!(error, SharePointError::Service { status: s, .. } if s == status), "{error:?}"),
        }
    }

    /// The picture write's 400 with SharePoint's "Parameter is not valid." is always a refused
    /// photo, in either error dialect.
    #[test]
    fn refused_pictures_are_recognised(
        wrapper in prop::sample::select(vec!["odata.error", "error"]),
        code in text(),
        before in text(),
        after in text(),
        as_object in any::<bool>(),
    ) {
        let text = format!("{before}Parameter is not valid.{after}");
        let message = if as_object { json!({"lang": "en-US", "value": text}) } else { json!(text) };
        let body = json!({ wrapper: {"code": code, "message": message} }).to_string();
        prop_assert_eq!(
            classify(SharePointCall::SetMyProfilePicture, 400, None, body.as_bytes()),
            SharePointError::Specific(SharePointProblem::PhotoRejected { message: text })
        );
    }

    #[test]
    fn parse_profile_never_panics(body in body()) {
        let _ = parse_profile(&body);
    }

    #[test]
    fn parse_profile_never_panics_on_odd_properties(
        account in json_value(),
        properties in json_value(),
        verbose in any::<bool>(),
    ) {
        let mut raw = json!({"AccountName": account, "UserProfileProperties": properties});
        if verbose {
            raw = json!({"d": raw});
        }
        let _ = parse_profile(raw.to_string().as_bytes());
    }

    /// A profile written in either dialect reads back as written: values trimmed, empty ones
    /// absent, picture states as small numbers, the property list's `PictureURL` before the
    /// top-level `PictureUrl`.
    #[test]
    fn profiles_read_back_as_written(
        account in "[a-z0-9:#.|@]{1,30}",
        display_name in prop::option::of(property_value()),
        picture_property in prop::option::of(property_value()),
        picture_top in prop::option::of(property_value()),
        placeholder in prop::option::of(property_value()),
        sync_state in prop::option::of(property_value()),
        timestamp in prop::option::of(property_value()),
        verbose in any::<bool>(),
        other_keys in prop::collection::vec(("[A-Za-z\\-]{1,20}", text()), 0..4),
    ) {
        let mut properties: Vec<Value> = other_keys
            .iter()
            .filter(|(k, _)| {
                !["PictureURL", "SPS-PicturePlaceholderState", "SPS-PictureExchangeSyncState", "SPS-PictureTimestamp", "AccountName"]
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(k))
            })
            .map(|(k, v)| json!({"Key": k, "Value": v, "ValueType": "Edm.String"}))
            .collect();
        for (key, value) in [
            ("PictureURL", &picture_property),
            ("SPS-PicturePlaceholderState", &placeholder),
            ("SPS-PictureExchangeSyncState", &sync_state),
            ("SPS-PictureTimestamp", &timestamp),
        ] {
            if let Some(value) = value {
                properties.push(json!({"Key": key, "Value": value, "ValueType": "Edm.String"}));
            }
        }
        let mut raw = json!({"AccountName": account, "DisplayName": display_name, "PictureUrl": picture_top});
        if verbose {
            raw["UserProfileProperties"] = json!({"results": properties});
            raw = json!({"d": raw});
        } else {
            raw["UserProfileProperties"] = Value::Array(properties);
        }
        let profile = parse_profile(raw.to_string().as_bytes());
        let expected = SharePointProfile {
            account_name: account.clone(),
            display_name: display_name.as_deref().and_then(kept),
            picture_url: picture_property
                .as_deref()
                .and_then(kept)
                .or(picture_top.as_deref().and_then(kept)),
            placeholder_state: small_number(&placeholder),
            exchange_sync_state: small_number(&sync_state),
            picture_timestamp: timestamp.as_deref().and_then(kept),
        };
        prop_assert_eq!(profile, Ok(expected));
    }

    /// A profile without an account name, in either place, is not a profile.
    #[test]
    fn a_profile_without_an_account_is_malformed(
        account in prop::option::of(prop::sample::select(vec!["", "  ", "\t\n"])),
        verbose in any::<bool>(),
    ) {
        let mut raw = json!({"DisplayName": "x", "UserProfileProperties": []});
        if let Some(account) = account {
            raw["AccountName"] = json!(account);
        }
        if verbose {
            raw = json!({"d": raw});
        }
        let parsed = parse_profile(raw.to_string().as_bytes());
        prop_assert!(matches!(parsed, Err(SharePointError::Malformed { .. })), "{parsed:?}");
    }
}
