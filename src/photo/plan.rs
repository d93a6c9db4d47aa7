//! Crop and size maths, and the rules a source photo must meet. Pure.
//!
//! A profile photo is square: the largest centred square of the source is kept (faces are
//! usually centred) and scaled down to the target edge, never up.

use super::sniff::{sniff, ImageFormat};

/// The largest source photo accepted: 4.76 MB, the limit SharePoint and Exchange document.
pub const MAX_SOURCE_BYTES: usize = 4_990_000;

/// The edge of the square photo written to SharePoint: the size Exchange itself stores
/// (648 × 648), from which SharePoint makes its own thumbnails.
pub const DEFAULT_EDGE: u32 = 648;

/// The edges of SharePoint's three thumbnails (`_SThumb`, `_MThumb`, `_LThumb`).
pub const SHAREPOINT_THUMBNAIL_EDGES: [u32; 3] = [48, 72, 200];

/// JPEG quality used when encoding (the `toBlob` quality argument, 0..1).
pub const JPEG_QUALITY: f64 = 0.92;

/// Why a photo cannot be used; nothing is written when any of these happens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// The bytes are not an image at all (an error page, an empty body, garbage).
    #[error("the photo is not an image")]
    NotAnImage,
    /// An image, but in a format that is not accepted (WebP, TIFF, HEIC…).
    #[error("the photo is a {} image; only JPEG, PNG, GIF and BMP are accepted", format.name())]
    UnsupportedFormat { format: ImageFormat },
    /// Over [`MAX_SOURCE_BYTES`].
    #[error("the photo is {bytes} bytes; at most {MAX_SOURCE_BYTES} bytes (4.76 MB) are accepted")]
    TooLarge { bytes: usize },
    /// The browser could not decode it (corrupt or truncated data behind a valid signature).
    #[error("the photo could not be decoded")]
    DecodeFailed,
    /// The browser could not encode the result as JPEG.
    #[error("the photo could not be encoded as JPEG")]
    EncodeFailed,
}

/// Checks a source photo's bytes before any decoding: a supported image, not too large.
///
/// ```
/// use profile_photo_sync::photo::{plan::check_source, ImageFormat, PhotoError};
/// assert_eq!(check_source(b"\xFF\xD8\xFF\xE0rest"), Ok(ImageFormat::Jpeg));
/// assert_eq!(check_source(b"not found"), Err(PhotoError::NotAnImage));
/// ```
pub fn check_source(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    let format = sniff(bytes);
    if !format.is_image() {
        return Err(PhotoError::NotAnImage);
    }
    if !format.is_supported() {
        return Err(PhotoError::UnsupportedFormat { format });
    }
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(PhotoError::TooLarge { bytes: bytes.len() });
    }
    Ok(format)
}

/// A square region of the source, in source pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SquareCrop {
    pub x: u32,
    pub y: u32,
    pub size: u32,
}

/// The largest square centred in a `width` × `height` image (an odd remainder goes right or
/// down).
pub fn centre_square(width: u32, height: u32) -> SquareCrop {
    let size = width.min(height);
    SquareCrop {
        x: (width - size) / 2,
        y: (height - size) / 2,
        size,
    }
}

/// The output edge for a square of `crop_size` pixels when `requested` is asked for: never
/// larger than the source (no upscaling), never zero.
pub fn output_edge(crop_size: u32, requested: u32) -> u32 {
    requested.min(crop_size).max(1)
}

/// Everything the browser needs to turn a decoded photo into the square to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoPlan {
    pub source_width: u32,
    pub source_height: u32,
    pub crop: SquareCrop,
    /// Edge of the square output, in pixels.
    pub edge: u32,
}

impl PhotoPlan {
    /// The plan for a decoded `width` × `height` image and a requested output edge.
    ///
    /// ```
    /// use profile_photo_sync::photo::{PhotoPlan, SquareCrop};
    /// let plan = PhotoPlan::new(4000, 3000, 648).unwrap();
    /// assert_eq!(plan.crop, SquareCrop { x: 500, y: 0, size: 3000 });
    /// assert_eq!(plan.edge, 648);
    /// ```
    pub fn new(width: u32, height: u32, requested_edge: u32) -> Result<PhotoPlan, PhotoError> {
        if width == 0 || height == 0 {
            return Err(PhotoError::DecodeFailed);
        }
        let crop = centre_square(width, height);
        Ok(PhotoPlan {
            source_width: width,
            source_height: height,
            crop,
            edge: output_edge(crop.size, requested_edge),
        })
    }

    /// True when the output keeps the source's pixels one to one (already square and small).
    pub fn is_identity(&self) -> bool {
        self.source_width == self.source_height && self.edge == self.source_width
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of_len(len: usize) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.resize(len, 0);
        bytes
    }

    #[test]
    fn landscape_is_cropped_in_the_middle() {
        assert_eq!(
            centre_square(400, 300),
            SquareCrop {
                x: 50,
                y: 0,
                size: 300
            }
        );
        assert_eq!(
            centre_square(4000, 3000),
            SquareCrop {
                x: 500,
                y: 0,
                size: 3000
            }
        );
    }

    #[test]
    fn portrait_is_cropped_in_the_middle() {
        assert_eq!(
            centre_square(300, 400),
            SquareCrop {
                x: 0,
                y: 50,
                size: 300
            }
        );
    }

    #[test]
    fn odd_remainder_goes_right_and_down() {
        assert_eq!(
            centre_square(401, 300),
            SquareCrop {
                x: 50,
                y: 0,
                size: 300
            }
        );
        assert_eq!(
            centre_square(300, 303),
            SquareCrop {
                x: 0,
                y: 1,
                size: 300
            }
        );
    }

    #[test]
    fn square_is_kept_whole() {
        assert_eq!(
            centre_square(648, 648),
            SquareCrop {
                x: 0,
                y: 0,
                size: 648
            }
        );
        assert!(PhotoPlan::new(648, 648, DEFAULT_EDGE)
            .unwrap()
            .is_identity());
        assert!(!PhotoPlan::new(1000, 1000, DEFAULT_EDGE)
            .unwrap()
            .is_identity());
    }

    #[test]
    fn never_upscales() {
        assert_eq!(output_edge(300, DEFAULT_EDGE), 300);
        assert_eq!(PhotoPlan::new(400, 300, DEFAULT_EDGE).unwrap().edge, 300);
        assert_eq!(PhotoPlan::new(1, 1, DEFAULT_EDGE).unwrap().edge, 1);
    }

    #[test]
    fn large_photo_scales_down_to_the_target() {
        let plan = PhotoPlan::new(4000, 3000, DEFAULT_EDGE).unwrap();
        assert_eq!(plan.edge, 648);
        for edge in SHAREPOINT_THUMBNAIL_EDGES {
            assert_eq!(PhotoPlan::new(4000, 3000, edge).unwrap().edge, edge);
        }
    }

    #[test]
    fn zero_edge_request_still_gives_a_pixel() {
        assert_eq!(output_edge(300, 0), 1);
    }

    #[test]
    fn empty_image_is_a_decode_failure() {
        assert_eq!(PhotoPlan::new(0, 300, 648), Err(PhotoError::DecodeFailed));
        assert_eq!(PhotoPlan::new(300, 0, 648), Err(PhotoError::DecodeFailed));
    }

    #[test]
    fn size_limit_is_inclusive() {
        assert_eq!(
            check_source(&png_of_len(MAX_SOURCE_BYTES)),
            Ok(ImageFormat::Png)
        );
        assert_eq!(
            check_source(&png_of_len(MAX_SOURCE_BYTES + 1)),
            Err(PhotoError::TooLarge {
                bytes: MAX_SOURCE_BYTES + 1
            })
        );
    }

    #[test]
    fn source_must_be_a_supported_image() {
        assert_eq!(check_source(b""), Err(PhotoError::NotAnImage));
        assert_eq!(
            check_source(b"<html>oops</html>"),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(
            check_source(b"RIFF\x24\x00\x00\x00WEBPVP8 "),
            Err(PhotoError::UnsupportedFormat {
                format: ImageFormat::WebP
            })
        );
        assert_eq!(
            check_source(b"GIF89a\x01\x00\x01\x00"),
            Ok(ImageFormat::Gif)
        );
    }

    #[test]
    fn messages_name_the_problem() {
        let e = PhotoError::UnsupportedFormat {
            format: ImageFormat::Heic,
        };
        assert!(e.to_string().contains("HEIC"));
        assert!(PhotoError::TooLarge { bytes: 5_000_000 }
            .to_string()
            .contains("4.76 MB"));
    }
}
