//! The photo itself: what format its bytes are in, how it is cropped and sized, and the
//! browser work that decodes, crops, resizes, flattens and re-encodes it.
//!
//! `sniff` and `plan` are pure (no `web_sys`) and tested natively: they decide, from the bytes
//! and the pixel size, whether a photo is acceptable and exactly which square to cut. `browser`
//! does only what needs the browser's own codecs (createImageBitmap, canvas, toBlob); it
//! follows the plan and takes no decisions of its own. Nothing here touches the network or
//! knows where a photo comes from or goes to.

pub mod browser;
pub mod plan;
pub mod sniff;

pub use plan::{PhotoError, PhotoPlan, SquareCrop, DEFAULT_EDGE, MAX_SOURCE_BYTES};
pub use sniff::{sniff, ImageFormat};
