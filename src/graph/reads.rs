//! The sync's three Graph reads — the user (`/me`), the photo's metadata (`/me/photo`) and its
//! bytes (`/me/photo/$value`) — in one `POST /$batch`: one request and one CORS preflight
//! instead of three of each. Pure apart from [`send`].
//!
//! Source: JSON batching (<https://learn.microsoft.com/graph/json-batching>): each request in
//! the batch is answered with its own `status`, `headers` and `body`; a body that is not JSON
//! (the photo) comes back base64-encoded; a throttled request has its own 429 with its own
//! `Retry-After`. So each answer is read here exactly as the single call's answer is
//! ([`super::response`]: "no photo", the 1 × 1 placeholder, "no mailbox", throttled,
//! refused), and [`BatchedReads::pending`] names the reads worth sending again — those not
//! answered yet or answered with a transient failure — so that the caller's retry policy
//! resends only those.

use crate::auth::TokenSource;
use crate::http::{Body, HttpError, HttpRequest};
use crate::photo::MAX_SOURCE_BYTES;

use super::directory::{self, BatchAnswer};
use super::request::ME_SELECT;
use super::response::{
    classify, parse_photo_metadata, parse_user, GraphCall, GraphError, GraphUser, PhotoMetadata,
};

/// The reads, in the order their failures are reported (who the user is first).
pub const READS: [GraphCall; 3] = [
    GraphCall::Me,
    GraphCall::PhotoMetadata,
    GraphCall::PhotoBytes,
];

/// The longest batch answer read: the largest photo accepted, base64 (4 bytes for every 3),
/// and room for the user, the metadata and the JSON around them.
pub const MAX_ANSWER_BYTES: usize = MAX_SOURCE_BYTES / 3 * 4 + 64 * 1024;

/// What the reads gave so far: each `None` until answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchedReads {
    pub user: Option<Result<GraphUser, GraphError>>,
    pub metadata: Option<Result<PhotoMetadata, GraphError>>,
    pub bytes: Option<Result<Vec<u8>, GraphError>>,
}

impl BatchedReads {
    /// The reads still to send: not answered, or answered with a failure that may pass.
    pub fn pending(&self) -> Vec<GraphCall> {
        READS
            .into_iter()
            .filter(|call| match self.failure(*call) {
                Some(Some(e)) => e.is_transient(),
                Some(None) => false,
                None => true,
            })
            .collect()
    }

    /// `None` while `call` is unanswered, then its failure, if it failed.
    fn failure(&self, call: GraphCall) -> Option<Option<&GraphError>> {
        match call {
            GraphCall::Me => self.user.as_ref().map(|r| r.as_ref().err()),
            GraphCall::PhotoMetadata => self.metadata.as_ref().map(|r| r.as_ref().err()),
            _ => self.bytes.as_ref().map(|r| r.as_ref().err()),
        }
    }

    /// The transient failure to wait on before the pending reads are sent again: the one
    /// whose `Retry-After` is longest (any of them when none has one).
    pub fn transient(&self) -> Option<GraphError> {
        READS
            .into_iter()
            .filter_map(|call| self.failure(call).flatten())
            .filter(|e| e.is_transient())
            .max_by_key(|e| seconds(e.retry_after()))
            .cloned()
    }

    /// Takes what a batch of the reads `sent` to Graph at `origin` gave ([`send`]).
    pub fn settle(
        &mut self,
        origin: &str,
        sent: &[GraphCall],
        answered: Result<Vec<BatchAnswer>, GraphError>,
    ) {
        match answered {
            Ok(answers) => self.record(origin, sent, &answers),
            Err(e) => self.fail(sent, &e),
        }
    }

    /// Reads the batch's answers to the reads `sent` from Graph at `origin`; a read without an
    /// answer is malformed.
    pub fn record(&mut self, origin: &str, sent: &[GraphCall], answers: &[BatchAnswer]) {
        for &call in sent {
            let answer = answers.iter().find(|a| a.id == id(call));
            match call {
                GraphCall::Me => {
                    self.user = Some(answer_to(call, answer).and_then(|b| parse_user(&b)));
                }
                GraphCall::PhotoMetadata => {
                    self.metadata =
                        Some(answer_to(call, answer).and_then(|b| parse_photo_metadata(&b)));
                }
                _ => {
                    self.bytes = Some(answer_to(call, answer).and_then(|b| photo_bytes(origin, b)));
                }
            }
        }
    }

    /// The whole batch failed (no answer, refused, throttled as a whole): every read `sent`
    /// failed so. An answer too long can only be the photo's, and is said so.
    pub fn fail(&mut self, sent: &[GraphCall], error: &GraphError) {
        let error = match error {
            GraphError::Http(HttpError::TooLarge { origin, .. }) => {
                GraphError::Http(HttpError::TooLarge {
                    origin: origin.clone(),
                    limit_bytes: MAX_SOURCE_BYTES,
                })
            }
            other => other.clone(),
        };
        for &call in sent {
            match call {
                GraphCall::Me => self.user = Some(Err(error.clone())),
                GraphCall::PhotoMetadata => self.metadata = Some(Err(error.clone())),
                _ => self.bytes = Some(Err(error.clone())),
            }
        }
    }
}

/// Whole seconds, as the retry policy reads `Retry-After` (a date or decimals count as none).
fn seconds(retry_after: Option<&str>) -> u64 {
    retry_after
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0)
}

/// The id of a read inside the batch.
fn id(call: GraphCall) -> &'static str {
    match call {
        GraphCall::Me => "me",
        GraphCall::PhotoMetadata => "photo",
        _ => "bytes",
    }
}

/// A read's address relative to the version, as the single call's.
fn path(call: GraphCall) -> String {
    match call {
        GraphCall::Me => format!("/me?$select={ME_SELECT}"),
        GraphCall::PhotoMetadata => "/me/photo".to_owned(),
        _ => "/me/photo/$value".to_owned(),
    }
}

/// `POST {base}/$batch` with the reads `calls`. The body is written out here (fixed ids and
/// addresses, nothing to escape) rather than serialised: the sync page has no JSON writer.
pub fn request(base_url: &str, token: &str, calls: &[GraphCall]) -> HttpRequest {
    let items: Vec<String> = calls
        .iter()
        .map(|&call| {
            format!(
                r#"{{"id":"{}","method":"GET","url":"{}"}}"#,
                id(call),
                path(call)
            )
        })
        .collect();
    let body = format!(r#"{{"requests":[{}]}}"#, items.join(","));
    HttpRequest::post(format!("{}/$batch", base_url.trim_end_matches('/')))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(Body::Text(body))
        .max_body_bytes(MAX_ANSWER_BYTES)
}

/// A success answer's body, or the answer classified as the single call's would be.
fn answer_to(call: GraphCall, answer: Option<&BatchAnswer>) -> Result<Vec<u8>, GraphError> {
    let Some(answer) = answer else {
        return Err(GraphError::Malformed {
            detail: format!("$batch: no answer to {}", path(call)),
        });
    };
    if (200..300).contains(&answer.status) {
        return Ok(answer.body.clone());
    }
    Err(classify(
        call,
        answer.status,
        answer.retry_after.as_deref(),
        &answer.body,
    ))
}

/// The photo, no longer than the single call would have read it.
fn photo_bytes(origin: &str, bytes: Vec<u8>) -> Result<Vec<u8>, GraphError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(GraphError::Http(HttpError::TooLarge {
            origin: origin.to_owned(),
            limit_bytes: MAX_SOURCE_BYTES,
        }));
    }
    Ok(bytes)
}

/// Sends the reads `calls` in one batch: the answers, or why the batch got none. No retries.
pub async fn send(
    base_url: &str,
    tokens: &impl TokenSource,
    calls: &[GraphCall],
) -> Result<Vec<BatchAnswer>, GraphError> {
    let response = crate::service::call(
        GraphCall::Batch,
        &crate::auth::Resource::Graph,
        tokens,
        |t| request(base_url, t, calls),
    )
    .await?;
    directory::parse_batch(&response.body).map_err(|detail| GraphError::Malformed {
        detail: format!("$batch: {detail}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceError;
    use serde_json::Value;

    const BASE: &str = "https://graph.microsoft.com/v1.0";

    fn answers(json: &str) -> Vec<BatchAnswer> {
        directory::parse_batch(json.as_bytes()).unwrap()
    }

    #[test]
    fn the_three_reads_are_one_post_with_the_single_calls_addresses() {
        let r = request(BASE, "T", &READS);
        assert_eq!(r.url, format!("{BASE}/$batch"));
        assert_eq!(r.method, gloo_net::http::Method::POST);
        assert!(r
            .headers
            .contains(&("Authorization".into(), "Bearer T".into())));
        assert!(r.max_body_bytes > MAX_SOURCE_BYTES / 3 * 4);
        let Some(Body::Text(text)) = &r.body else {
            panic!("a JSON body")
        };
        let v: Value = serde_json::from_str(text).unwrap();
        let items: Vec<(&str, &str, &str)> = v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["id"].as_str().unwrap(),
                    i["method"].as_str().unwrap(),
                    i["url"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            items,
            [
                (
                    "me",
                    "GET",
                    "/me?$select=id,displayName,userPrincipalName,mySite"
                ),
                ("photo", "GET", "/me/photo"),
                ("bytes", "GET", "/me/photo/$value"),
            ]
        );
        let again = request(BASE, "T", &[GraphCall::PhotoBytes]);
        let Some(Body::Text(text)) = &again.body else {
            panic!("a JSON body")
        };
        assert_eq!(
            serde_json::from_str::<Value>(text).unwrap()["requests"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "only what is sent again"
        );
    }

    const USER: &str = r#"{"id":"1","displayName":"Adele Vance","userPrincipalName":"adele@contoso.com","mySite":null}"#;

    #[test]
    fn every_answer_is_read_as_its_single_call() {
        let mut reads = BatchedReads::default();
        reads.record(
            "o",
            &READS,
            &answers(&format!(
                r#"{{"responses":[
                {{"id":"bytes","status":200,"headers":{{"Content-Type":"image/jpeg"}},"body":"/9j/4AAQ"}},
                {{"id":"me","status":200,"headers":{{"Content-Type":"application/json"}},"body":{USER}}},
                {{"id":"photo","status":200,"headers":{{"Content-Type":"application/json"}},"body":{{"width":648,"height":648,"@odata.mediaContentType":"image/jpeg"}}}}
            ]}}"#
            )),
        );
        assert_eq!(
            reads.user.as_ref().unwrap().as_ref().unwrap().display_name,
            "Adele Vance"
        );
        assert_eq!(
            reads.metadata.as_ref().unwrap().as_ref().unwrap().width,
            648
        );
        assert_eq!(
            reads.bytes.as_ref().unwrap().as_ref().unwrap(),
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]
        );
        assert!(reads.pending().is_empty());
        assert_eq!(reads.transient(), None);
    }

    #[test]
    fn no_photo_the_placeholder_and_no_mailbox_stay_as_specific_as_the_single_calls() {
        let mut reads = BatchedReads::default();
        reads.record(
            "o",
            &READS,
            &answers(&format!(
                r#"{{"responses":[
                {{"id":"me","status":200,"headers":{{"Content-Type":"application/json"}},"body":{USER}}},
                {{"id":"photo","status":200,"headers":{{"Content-Type":"application/json"}},"body":{{"id":"1X1","width":1,"height":1}}}},
                {{"id":"bytes","status":404,"headers":{{"Content-Type":"application/json"}},"body":{{"error":{{"code":"ImageNotFound","message":"m"}}}}}}
            ]}}"#
            )),
        );
        let no_photo = GraphError::from(super::super::GraphProblem::NoExchangePhoto);
        assert_eq!(reads.metadata, Some(Err(no_photo.clone())));
        assert_eq!(reads.bytes, Some(Err(no_photo)));
        assert!(reads.pending().is_empty(), "no photo is not asked again");

        let mut reads = BatchedReads::default();
        reads.record(
            "o",
            &[GraphCall::PhotoBytes],
            &answers(
                r#"{"responses":[{"id":"bytes","status":404,"headers":{"Content-Type":"application/json"},
                "body":{"error":{"code":"MailboxNotEnabledForRESTAPI","message":"m"}}}]}"#,
            ),
        );
        assert!(matches!(
            reads.bytes,
            Some(Err(ServiceError::Specific(
                super::super::GraphProblem::NoMailbox { .. }
            )))
        ));
    }

    #[test]
    fn refusals_are_per_read_and_final() {
        let mut reads = BatchedReads::default();
        reads.record(
            "o",
            &READS,
            &answers(&format!(
                r#"{{"responses":[
                {{"id":"me","status":200,"headers":{{"Content-Type":"application/json"}},"body":{USER}}},
                {{"id":"photo","status":403,"headers":{{"Content-Type":"application/json"}},"body":{{"error":{{"code":"ErrorAccessDenied","message":"m"}}}}}},
                {{"id":"bytes","status":500,"headers":{{"Content-Type":"application/json"}},"body":{{"error":{{"code":"generalException","message":"m"}}}}}}
            ]}}"#
            )),
        );
        assert_eq!(
            reads.metadata,
            Some(Err(GraphError::Forbidden {
                detail: "ErrorAccessDenied".into()
            }))
        );
        assert!(matches!(
            reads.bytes,
            Some(Err(GraphError::Service { status: 500, .. }))
        ));
        assert!(reads.pending().is_empty());
    }

    #[test]
    fn only_the_throttled_read_is_sent_again_after_the_longest_retry_after() {
        let mut reads = BatchedReads::default();
        reads.record(
            "o",
            &READS,
            &answers(&format!(
                r#"{{"responses":[
                {{"id":"me","status":200,"headers":{{"Content-Type":"application/json"}},"body":{USER}}},
                {{"id":"photo","status":503,"headers":{{"Retry-After":"2"}}}},
                {{"id":"bytes","status":429,"headers":{{"Retry-After":"7","Content-Type":"application/json"}},"body":{{"error":{{"code":"ApplicationThrottled","message":"m"}}}}}}
            ]}}"#
            )),
        );
        assert_eq!(
            reads.pending(),
            [GraphCall::PhotoMetadata, GraphCall::PhotoBytes]
        );
        let wait = reads.transient().unwrap();
        assert_eq!(wait.retry_after(), Some("7"));
        reads.record(
            "o",
            &[GraphCall::PhotoMetadata, GraphCall::PhotoBytes],
            &answers(
                r#"{"responses":[
                {"id":"photo","status":200,"headers":{"Content-Type":"application/json"},"body":{"width":96,"height":96}},
                {"id":"bytes","status":200,"headers":{"Content-Type":"image/jpeg"},"body":"/9j/"}
            ]}"#,
            ),
        );
        assert!(reads.pending().is_empty());
        assert_eq!(
            reads
                .user
                .as_ref()
                .unwrap()
                .as_ref()
                .unwrap()
                .user_principal_name,
            "adele@contoso.com",
            "what was answered is kept"
        );
    }

    #[test]
    fn a_missing_answer_is_malformed_and_a_failed_batch_fails_every_read_sent() {
        let mut reads = BatchedReads::default();
        reads.record("o", &READS, &answers(r#"{"responses":[]}"#));
        assert!(matches!(
            reads.user,
            Some(Err(GraphError::Malformed { .. }))
        ));

        let mut reads = BatchedReads::default();
        let offline = GraphError::Http(HttpError::Network {
            origin: "https://graph.microsoft.com".into(),
            detail: "d".into(),
        });
        reads.fail(&READS, &offline);
        assert_eq!(reads.pending(), READS, "no answer: everything again");
        assert_eq!(reads.transient(), Some(offline));

        let mut reads = BatchedReads::default();
        reads.fail(
            &READS,
            &GraphError::Http(HttpError::TooLarge {
                origin: "o".into(),
                limit_bytes: MAX_ANSWER_BYTES,
            }),
        );
        assert_eq!(
            reads.bytes,
            Some(Err(GraphError::Http(HttpError::TooLarge {
                origin: "o".into(),
                limit_bytes: MAX_SOURCE_BYTES
            }))),
            "said as the photo's size"
        );
        assert!(reads.pending().is_empty());
    }

    #[test]
    fn a_photo_over_the_limit_is_too_large_as_the_single_call_says() {
        assert!(photo_bytes("o", vec![0; MAX_SOURCE_BYTES]).is_ok());
        assert!(matches!(
            photo_bytes("o", vec![0; MAX_SOURCE_BYTES + 1]),
            Err(GraphError::Http(HttpError::TooLarge { limit_bytes, .. })) if limit_bytes == MAX_SOURCE_BYTES
        ));
    }
}
