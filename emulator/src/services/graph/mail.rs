//! `POST /me/sendMail` and `POST /users/{id}/sendMail`: a message sent from the signed-in
//! user's mailbox (Microsoft Graph, "user: sendMail":
//! <https://learn.microsoft.com/graph/api/user-sendmail>), checked in this order: the
//! `Mail.Send` scope, the user (only the caller's own mailbox), the mailbox, the message, then
//! Exchange Online's sending limits (`pipeline::limits::mail_admit`). An accepted message is
//! answered `202 Accepted` with no body and kept in the emulator's mailbox (`Inner::sent_mail`)
//! for the control API; nothing is delivered.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawPathParams, State};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value};

use super::error::Graph;
use crate::model::{MailRecipient, SentMail};
use crate::pipeline::limits;
use crate::services::bearer::Bearer;
use crate::state::{Shared, User};
use crate::wire::codec::now_ms;
use crate::wire::graph::error;
use crate::wire::{self, Resp};

/// The delegated permission `sendMail` takes (its only one: "Least privileged permissions:
/// Mail.Send; Higher privileged permissions: Not available").
const SEND: [&str; 1] = ["Mail.Send"];

/// Whether a path (after `/v1.0`, decoded) is a `sendMail` call: an Outlook call, under
/// Outlook's limits.
pub fn is_mail_path(path: &str) -> bool {
    path.trim_end_matches('/').ends_with("/sendMail")
}

/// Graph's refusal of a mailbox the token does not reach (a missing `Mail.Send`, or another
/// user's mailbox with a delegated token).
fn access_denied() -> Resp {
    error(
        StatusCode::FORBIDDEN,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

fn invalid_recipients(why: &str) -> Resp {
    error(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidRecipients",
        &format!("At least one recipient is not valid., {why}"),
    )
}

fn bad_request(message: &str) -> Resp {
    error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// The message of a `sendMail` body, as the mailbox keeps it.
#[derive(Debug, PartialEq)]
struct Outgoing {
    subject: String,
    content_type: String,
    content: String,
    to: Vec<MailRecipient>,
    cc: Vec<MailRecipient>,
    bcc: Vec<MailRecipient>,
    save_to_sent_items: bool,
}

impl Outgoing {
    fn recipient_count(&self) -> u32 {
        (self.to.len() + self.cc.len() + self.bcc.len()) as u32
    }
}

/// A property of a JSON object by name, any case (Graph's JSON is case-insensitive).
fn prop<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn text_of(o: &Map<String, Value>, name: &str) -> Option<String> {
    prop(o, name).and_then(Value::as_str).map(str::to_string)
}

/// `toRecipients`, `ccRecipients` or `bccRecipients`: each `{"emailAddress": {"address",
/// "name"}}`; an address that is not one is refused as Exchange refuses a recipient it cannot
/// resolve.
fn recipients(message: &Map<String, Value>, name: &str) -> Result<Vec<MailRecipient>, Resp> {
    let Some(list) = prop(message, name) else {
        return Ok(vec![]);
    };
    let Some(list) = list.as_array() else {
        return Err(bad_request(&format!(
            "Invalid value for property '{name}': a collection is expected."
        )));
    };
    let mut out = Vec::new();
    for r in list {
        let email = r
            .as_object()
            .and_then(|o| prop(o, "emailAddress"))
            .and_then(Value::as_object);
        let address = email
            .and_then(|e| text_of(e, "address"))
            .unwrap_or_default();
        let name = email.and_then(|e| text_of(e, "name"));
        let shown = if address.is_empty() {
            name.clone().unwrap_or_default()
        } else {
            address.clone()
        };
        let valid = match address.split_once('@') {
            Some((local, domain)) => !local.is_empty() && domain.contains('.'),
            None => false,
        };
        if !valid {
            return Err(invalid_recipients(&format!(
                "Recipient \"{shown}\" isn't resolved. All recipients must be resolved before a message can be submitted."
            )));
        }
        out.push(MailRecipient {
            address: address.trim().to_string(),
            name,
        });
    }
    Ok(out)
}

/// Reads a `sendMail` body (`{"message": {…}, "saveToSentItems": bool}`) sent from `sender`.
fn outgoing(body: &[u8], sender: &User) -> Result<Outgoing, Resp> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(bad_request("Empty Payload. JSON content expected."));
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."));
    };
    let save_to_sent_items = match prop(&body, "saveToSentItems") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(bad_request(&format!(
                "Cannot convert the literal '{other}' to the expected type 'Edm.Boolean'."
            )))
        }
    };
    let empty = Map::new();
    let message = prop(&body, "message")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let (content_type, content) = match prop(message, "body").and_then(Value::as_object) {
        None => ("Text".to_string(), String::new()),
        Some(b) => {
            let kind = text_of(b, "contentType").unwrap_or_else(|| "Text".into());
            let kind = match kind.to_ascii_lowercase().as_str() {
                "text" => "Text",
                "html" => "HTML",
                _ => {
                    return Err(bad_request(&format!(
                        "Cannot convert the literal '{kind}' to the expected type 'microsoft.graph.bodyType'."
                    )))
                }
            };
            (kind.to_string(), text_of(b, "content").unwrap_or_default())
        }
    };
    let to = recipients(message, "toRecipients")?;
    let cc = recipients(message, "ccRecipients")?;
    let bcc = recipients(message, "bccRecipients")?;
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Err(invalid_recipients(
            "A message can't be sent because it contains no recipients.",
        ));
    }
    // Sending as someone else needs Send As on their mailbox, which the emulator gives nobody.
    let from = prop(message, "from")
        .and_then(Value::as_object)
        .and_then(|f| prop(f, "emailAddress"))
        .and_then(Value::as_object)
        .and_then(|e| text_of(e, "address"));
    if let Some(from) = from {
        let own = from.eq_ignore_ascii_case(&sender.upn)
            || sender
                .mail
                .as_deref()
                .is_some_and(|m| from.eq_ignore_ascii_case(m));
        if !own {
            return Err(error(
                StatusCode::FORBIDDEN,
                "ErrorSendAsDenied",
                "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.",
            ));
        }
    }
    Ok(Outgoing {
        subject: text_of(message, "subject").unwrap_or_default(),
        content_type,
        content,
        to,
        cc,
        bcc,
        save_to_sent_items,
    })
}

/// `…/sendMail`
pub async fn send_mail(
    State(shared): State<Arc<Shared>>,
    method: Method,
    caller: Bearer<Graph>,
    params: RawPathParams,
    body: Bytes,
) -> Resp {
    if !caller.has_any(&SEND) {
        return access_denied();
    }
    let id = params
        .iter()
        .find(|(k, _)| *k == "id")
        .map(|(_, v)| v.trim_matches('\'').to_string());
    let sender = {
        let inner = shared.lock();
        inner
            .tenant
            .user(id.as_deref().unwrap_or(&caller.upn))
            .cloned()
    };
    let Some(sender) = sender else {
        return error(
            StatusCode::NOT_FOUND,
            "ErrorInvalidUser",
            &format!(
                "The requested user '{}' is invalid.",
                id.unwrap_or_default()
            ),
        );
    };
    // A delegated token reaches the signed-in user's own mailbox only.
    if !sender.upn.eq_ignore_ascii_case(&caller.upn) {
        return access_denied();
    }
    if method != Method::POST {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            "Only POST …/sendMail is emulated.",
        );
    }
    if !sender.mailbox {
        return error(
            StatusCode::NOT_FOUND,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        );
    }
    let message = match outgoing(&body, &sender) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let admitted = match limits::mail_admit(&shared, &sender.upn, message.recipient_count()) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut inner = shared.lock();
    inner.mail_seq += 1;
    let seq = inner.mail_seq;
    inner.sent_mail.push(SentMail {
        seq,
        sender: sender.upn.clone(),
        app_id: caller.app_id.clone(),
        to: message.to,
        cc: message.cc,
        bcc: message.bcc,
        subject: message.subject,
        body_content_type: message.content_type,
        body: message.content,
        save_to_sent_items: message.save_to_sent_items,
        accepted_ms: now_ms(),
        sent_ms: admitted.sent_ms,
    });
    wire::empty(StatusCode::ACCEPTED)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn adele() -> User {
        let shared = Shared::for_tests();
        let u = shared
            .lock()
            .tenant
            .user("adele@contoso.onmicrosoft.com")
            .cloned()
            .unwrap();
        u
    }

    async fn read(body: Value) -> Result<Outgoing, (u16, String, String)> {
        let r = match outgoing(body.to_string().as_bytes(), &adele()) {
            Ok(m) => return Ok(m),
            Err(r) => r,
        };
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        Err((
            status,
            v["error"]["code"].as_str().unwrap().to_string(),
            v["error"]["message"].as_str().unwrap().to_string(),
        ))
    }

    #[test]
    fn is_mail_path_names_send_mail_only() {
        assert!(is_mail_path("/me/sendMail"));
        assert!(is_mail_path("/users/x@y/sendMail/"));
        assert!(!is_mail_path("/me/photo"));
        assert!(!is_mail_path("/me/messages"));
    }

    #[tokio::test]
    async fn the_documented_body_is_read_whole() {
        let m = read(json!({
            "message": {
                "subject": "Meet for lunch?",
                "body": {"contentType": "HTML", "content": "<p>The new cafeteria is open.</p>"},
                "toRecipients": [{"emailAddress": {"address": "frannis@contoso.com"}}],
                "ccRecipients": [{"emailAddress": {"address": "danas@contoso.com", "name": "Dana Swope"}}],
                "bccRecipients": [{"emailAddress": {"address": "x@contoso.com"}}],
            },
            "saveToSentItems": false,
        })).await
        .unwrap();
        assert_eq!(m.subject, "Meet for lunch?");
        assert_eq!(
            (m.content_type.as_str(), m.content.as_str()),
            ("HTML", "<p>The new cafeteria is open.</p>")
        );
        assert_eq!(m.to[0].address, "frannis@contoso.com");
        assert_eq!(m.to[0].name, None);
        assert_eq!(m.cc[0].name.as_deref(), Some("Dana Swope"));
        assert_eq!(m.recipient_count(), 3);
        assert!(!m.save_to_sent_items);
        // Any case of names and of the content type; saveToSentItems defaults to true.
        let m = read(
            json!({"Message": {"Body": {"ContentType": "text", "Content": "hi"},
            "ToRecipients": [{"EmailAddress": {"Address": "a@contoso.com"}}]}}),
        )
        .await
        .unwrap();
        assert_eq!(
            (m.content_type.as_str(), m.content.as_str()),
            ("Text", "hi")
        );
        assert!(m.save_to_sent_items);
        // No body: an empty text.
        let m =
            read(json!({"message": {"bccRecipients": [{"emailAddress": {"address": "a@b.c"}}]}}))
                .await
                .unwrap();
        assert_eq!((m.content_type.as_str(), m.content.as_str()), ("Text", ""));
    }

    #[tokio::test]
    async fn messages_exchange_cannot_send_are_refused() {
        let no_recipients = "At least one recipient is not valid., A message can't be sent because it contains no recipients.";
        for body in [
            json!({}),
            json!({"message": {}}),
            json!({"message": {"subject": "x", "toRecipients": []}}),
        ] {
            assert_eq!(
                read(body.clone()).await.unwrap_err(),
                (400, "ErrorInvalidRecipients".into(), no_recipients.into()),
                "{body}"
            );
        }
        let (status, code, message) =
            read(json!({"message": {"toRecipients": [{"emailAddress": {"address": "bad"}}]}}))
                .await
                .unwrap_err();
        assert_eq!((status, code.as_str()), (400, "ErrorInvalidRecipients"));
        assert!(
            message.contains("Recipient \"bad\" isn't resolved."),
            "{message}"
        );
        let (status, code, _) = read(json!({"message": {
            "toRecipients": [{"emailAddress": {"address": "a@contoso.com"}}],
            "from": {"emailAddress": {"address": "alex@contoso.onmicrosoft.com"}}}}))
        .await
        .unwrap_err();
        assert_eq!((status, code.as_str()), (403, "ErrorSendAsDenied"));
        // One's own address as `from` is fine.
        assert!(read(json!({"message": {
            "toRecipients": [{"emailAddress": {"address": "a@contoso.com"}}],
            "from": {"emailAddress": {"address": "ADELE@contoso.onmicrosoft.com"}}}}))
        .await
        .is_ok());
        let (status, code, _) = read(json!({"message": {
            "body": {"contentType": "markdown", "content": "x"},
            "toRecipients": [{"emailAddress": {"address": "a@contoso.com"}}]}}))
        .await
        .unwrap_err();
        assert_eq!((status, code.as_str()), (400, "BadRequest"));
        let (_, _, message) = read(json!({"message": {
            "toRecipients": [{"emailAddress": {"address": "a@contoso.com"}}]},
            "saveToSentItems": "false"}))
        .await
        .unwrap_err();
        assert!(message.contains("Edm.Boolean"), "{message}");
        let bad = outgoing(b"{not json", &adele()).unwrap_err();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let empty = outgoing(b"", &adele()).unwrap_err();
        assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    }
}
