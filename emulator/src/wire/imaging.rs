//! Pictures: stored blobs, decoding like SharePoint does, thumbnails, a likeness fingerprint,
//! and the generated demo portraits.

use std::sync::OnceLock;

use axum::body::Bytes;

pub use emulator_pixels::*;

use crate::wire::codec::sha256_hex;

/// Stored bytes with what the emulator knows about them.
#[derive(Debug)]
pub struct Blob {
    pub bytes: Bytes,
    pub content_type: String,
    /// 0 × 0 when the bytes are not a decodable image.
    pub width: u32,
    pub height: u32,
    pub sha256: String,
    fingerprint: OnceLock<Option<Fingerprint>>,
}

impl Blob {
    pub fn new(bytes: impl Into<Bytes>, content_type: &str) -> Blob {
        let bytes: Bytes = bytes.into();
        let (width, height) = dimensions(&bytes).unwrap_or((0, 0));
        Blob {
            sha256: sha256_hex(&bytes),
            bytes,
            content_type: content_type.to_string(),
            width,
            height,
            fingerprint: OnceLock::new(),
        }
    }

    /// Graph's `@odata.mediaEtag` for this picture.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", &self.sha256[..32])
    }

    pub fn fingerprint(&self) -> Option<&Fingerprint> {
        self.fingerprint
            .get_or_init(|| decode_any(&self.bytes).map(|img| Fingerprint::of(&img)))
            .as_ref()
    }

    /// Whether the two pictures show the same thing (after centre crop and downscale).
    pub fn looks_like(&self, other: &Blob) -> bool {
        if self.sha256 == other.sha256 {
            return true;
        }
        match (self.fingerprint(), other.fingerprint()) {
            (Some(a), Some(b)) => a.matches(b),
            _ => false,
        }
    }
}
