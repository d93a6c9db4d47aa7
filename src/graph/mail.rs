//! Sending a message as the signed-in user: `POST {graph}/me/sendMail`, which Graph answers
//! with 202 Accepted and no body. Pure: the request is built here; `outreach` sends it.
//!
//! Source: <https://learn.microsoft.com/graph/api/user-sendmail> (delegated `Mail.Send`; the
//! body is `{"message": {...}, "saveToSentItems": true}`, the message with `subject`,
//! `body` `{contentType, content}`, `toRecipients` and `bccRecipients`, each recipient
//! `{"emailAddress": {"address", "name"}}`).

use serde_json::{json, Value};

use crate::http::{Body, HttpRequest};

/// Most recipients of one message in Exchange Online (To, Cc and Bcc together): 500
/// (<https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits>).
pub const MAX_RECIPIENTS: usize = 500;

/// Someone a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub address: String,
    pub name: String,
}

/// A plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    /// Plain text: no markup from the directory's names can turn into HTML.
    pub body: String,
    pub to: Vec<Recipient>,
    pub bcc: Vec<Recipient>,
}

/// `POST {base}/me/sendMail` with the message as JSON, kept in the sender's Sent Items.
pub fn send_mail(base_url: &str, token: &str, message: &Message) -> HttpRequest {
    HttpRequest::post(format!("{}/me/sendMail", base_url.trim_end_matches('/')))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body(Body::Text(body(message).to_string()))
}

/// The request's JSON body.
pub fn body(message: &Message) -> Value {
    let list = |people: &[Recipient]| -> Value {
        people
            .iter()
            .map(|r| json!({"emailAddress": {"address": r.address, "name": r.name}}))
            .collect()
    };
    let mut m = json!({
        "subject": message.subject,
        "body": {"contentType": "Text", "content": message.body},
        "toRecipients": list(&message.to),
    });
    if !message.bcc.is_empty() {
        m["bccRecipients"] = list(&message.bcc);
    }
    json!({"message": m, "saveToSentItems": true})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adele() -> Recipient {
        Recipient {
            address: "adele@contoso.com".into(),
            name: "Adele \"AV\" Vance".into(),
        }
    }

    #[test]
    fn a_personal_message_is_posted_as_documented() {
        let m = Message {
            subject: "Your photo".into(),
            body: "Hello <b>Adele</b>\nhttps://x/?a=1&b=2".into(),
            to: vec![adele()],
            bcc: vec![],
        };
        let r = send_mail("https://graph.microsoft.com/v1.0/", "T", &m);
        assert_eq!(r.url, "https://graph.microsoft.com/v1.0/me/sendMail");
        assert_eq!(r.method, gloo_net::http::Method::POST);
        assert!(r
            .headers
            .contains(&("Authorization".into(), "Bearer T".into())));
        assert!(r
            .headers
            .contains(&("Content-Type".into(), "application/json".into())));
        let Some(Body::Text(text)) = &r.body else {
            panic!("a JSON body")
        };
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            v,
            json!({
                "message": {
                    "subject": "Your photo",
                    "body": {"contentType": "Text", "content": "Hello <b>Adele</b>\nhttps://x/?a=1&b=2"},
                    "toRecipients": [{"emailAddress": {"address": "adele@contoso.com", "name": "Adele \"AV\" Vance"}}]
                },
                "saveToSentItems": true
            })
        );
    }

    #[test]
    fn a_message_to_many_puts_them_in_bcc() {
        let m = Message {
            subject: "s".into(),
            body: "b".into(),
            to: vec![],
            bcc: vec![adele(), adele()],
        };
        let v = body(&m);
        assert_eq!(v["message"]["toRecipients"], json!([]));
        assert_eq!(v["message"]["bccRecipients"].as_array().unwrap().len(), 2);
    }
}
