//! `graph::response`: `/me`, `/me/photo` and the classification of Graph's error answers.

use proptest::prelude::*;
use serde_json::{json, Value};

use profile_photo_sync::graph::response::{classify, parse_photo_metadata, parse_user};
use profile_photo_sync::graph::{GraphCall, GraphError, GraphProblem};

use crate::strategies::{body, json_value, text};

fn call() -> impl Strategy<Value = GraphCall> {
    prop::sample::select(vec![
        GraphCall::Me,
        GraphCall::PhotoMetadata,
        GraphCall::PhotoBytes,
    ])
}

/// Graph's error body, with codes that matter and any other.
fn error_body() -> impl Strategy<Value = Vec<u8>> {
    let code = prop_oneof![
        prop::sample::select(vec![
            "ImageNotFound",
            "ErrorItemNotFound",
            "MailboxNotEnabledForRESTAPI",
            "mailboxnotenabledforrestapi",
            "ErrorInvalidUser",
            "Authorization_RequestDenied",
            "TooManyRequests",
            "",
        ])
        .prop_map(str::to_owned),
        text(),
    ];
    (code, text()).prop_map(|(code, message)| {
        json!({"error": {"code": code, "message": message}})
            .to_string()
            .into_bytes()
    })
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(vec![400u16, 401, 403, 404, 409, 429, 500, 502, 503, 504]),
        any::<u16>(),
    ]
}

/// A string member, or something else in its place.
fn member() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop_oneof![
        3 => text().prop_map(Value::String),
        1 => json_value(),
    ])
}

fn object(members: &[(&str, &Option<Value>)]) -> Value {
    Value::Object(
        members
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| ((*k).to_owned(), v.clone())))
            .collect(),
    )
}

/// `Some(Some(s))` for a string, `Some(None)` for absent or null, `None` for anything else.
fn as_text(member: &Option<Value>) -> Option<Option<String>> {
    match member {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    }
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

    /// Each status means what the module says, whatever the body: 401 a refused token, 403
    /// no access, 404 on a photo no photo (unless Exchange says there is no mailbox), and
    /// the rest a service error that keeps its status.
    #[test]
    fn classification_follows_the_status(
        call in call(),
        status in status(),
        retry_after in prop::option::of(text()),
        body in prop_oneof![body(), error_body()],
    ) {
        let is_photo = call != GraphCall::Me;
        let error = classify(call, status, retry_after.as_deref(), &body);
        prop_assert!(!error.is_transient() || matches!(status, 429 | 503 | 504));
        if let GraphError::Specific(GraphProblem::NoMailbox { code }) = &error {
            prop_assert!(is_photo && (400..500).contains(&status) && status != 429, "{status}");
            prop_assert!(code.to_ascii_lowercase().contains("mailbox") || code.eq_ignore_ascii_case("ErrorInvalidUser"));
            return Ok(());
        }
        match status {
            404 if is_photo => prop_assert_eq!(error, GraphError::Specific(GraphProblem::NoExchangePhoto)),
            401 => prop_assert_eq!(error, GraphError::Unauthorized),
            403 => prop_assert!(matches!(error, GraphError::Forbidden { ref detail } if !detail.is_empty()), "{error:?}"),
            429 | 503 | 504 => prop_assert_eq!(
                error,
                GraphError::Transient { status, retry_after: retry_after.clone() }
            ),
            _ => prop_assert!(matches!(error, GraphError::Service { status: s, .. } if s == status), "{error:?}"),
        }
    }

    #[test]
    fn parse_user_never_panics(body in prop_oneof![body(), prop::collection::vec(any::<u8>(), 0..64)]) {
        let _ = parse_user(&body);
    }

    /// `/me` is read member by member: strings as written, a missing display name empty, a
    /// missing `id` or `userPrincipalName` or a member of the wrong type a malformed answer.
    #[test]
    fn parse_user_reads_the_members_as_written(
        id in member(),
        display_name in member(),
        upn in member(),
        my_site in member(),
        extra in json_value(),
    ) {
        let mut value = object(&[
            ("id", &id),
            ("displayName", &display_name),
            ("userPrincipalName", &upn),
            ("mySite", &my_site),
        ]);
        value["@odata.context"] = extra;
        let parsed = parse_user(value.to_string().as_bytes());
        match (as_text(&id), as_text(&display_name), as_text(&upn), as_text(&my_site)) {
            (Some(Some(id)), Some(display_name), Some(Some(upn)), Some(my_site)) => {
                let user = parsed.unwrap();
                prop_assert_eq!(user.id, id);
                prop_assert_eq!(user.display_name, display_name.unwrap_or_default());
                prop_assert_eq!(user.user_principal_name, upn);
                prop_assert_eq!(user.my_site, my_site);
            }
            _ => prop_assert!(matches!(parsed, Err(GraphError::Malformed { .. })), "{parsed:?}"),
        }
    }

    #[test]
    fn parse_photo_metadata_never_panics(body in body()) {
        let _ = parse_photo_metadata(&body);
    }

    /// `/me/photo`: sizes that fit a `u32` are read as written, a 1 × 1 (or 0 × 0) photo is
    /// Exchange's placeholder, and a size that is not a whole number in range is malformed.
    #[test]
    fn photo_metadata_sizes(
        width in prop_oneof![(0u64..1000).prop_map(Value::from), any::<u64>().prop_map(Value::from), json_value()],
        height in prop_oneof![(0u64..1000).prop_map(Value::from), any::<u64>().prop_map(Value::from), json_value()],
        content_type in member(),
        etag in member(),
    ) {
        let value = object(&[
            ("width", &Some(width.clone())),
            ("height", &Some(height.clone())),
            ("@odata.mediaContentType", &content_type),
            ("@odata.mediaEtag", &etag),
        ]);
        let size = |v: &Value| match v {
            Value::Null => Some(0),
            v => v.as_u64().and_then(|n| u32::try_from(n).ok()),
        };
        let parsed = parse_photo_metadata(value.to_string().as_bytes());
        match (size(&width), size(&height), as_text(&content_type), as_text(&etag)) {
            (Some(w), Some(h), Some(content_type), Some(etag)) => {
                if w <= 1 && h <= 1 {
                    prop_assert_eq!(parsed, Err(GraphError::Specific(GraphProblem::NoExchangePhoto)));
                } else {
                    let metadata = parsed.unwrap();
                    prop_assert_eq!((metadata.width, metadata.height), (w, h));
                    prop_assert_eq!(metadata.content_type, content_type);
                    prop_assert_eq!(metadata.media_etag, etag);
                }
            }
            _ => prop_assert!(matches!(parsed, Err(GraphError::Malformed { .. })), "{parsed:?}"),
        }
    }
}
