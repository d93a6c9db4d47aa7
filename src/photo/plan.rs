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

/// The most pixels a source photo may declare before the browser is asked to decode it:
/// 50 megapixels (a 48-megapixel phone photo, 8064 × 6048, fits; decoded, that is 200 MB of
/// RGBA). A small file that declares more is a decompression bomb, not a portrait.
pub const MAX_SOURCE_PIXELS: u64 = 50_000_000;

/// The longest edge a source photo may declare (no camera makes a longer one that fits
/// [`MAX_SOURCE_PIXELS`] as a photo of a person).
pub const MAX_SOURCE_EDGE: u32 = 16_384;

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
    /// Its header declares more pixels than [`MAX_SOURCE_PIXELS`] or an edge over
    /// [`MAX_SOURCE_EDGE`]: refused before decoding (a decompression bomb).
    #[error("the photo declares {width} × {height} pixels; at most {MAX_SOURCE_PIXELS} pixels are accepted")]
    TooManyPixels { width: u32, height: u32 },
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
    if let Some((width, height)) = declared_dimensions(bytes, format) {
        let pixels = u64::from(width) * u64::from(height);
        if pixels > MAX_SOURCE_PIXELS || width > MAX_SOURCE_EDGE || height > MAX_SOURCE_EDGE {
            return Err(PhotoError::TooManyPixels { width, height });
        }
    }
    Ok(format)
}

/// The width and height an image's header declares, read without decoding: PNG's IHDR,
/// GIF's logical screen, BMP's info header, JPEG's first start-of-frame segment. `None` when
/// the header is cut short (the browser's decoder then refuses it).
pub fn declared_dimensions(bytes: &[u8], format: ImageFormat) -> Option<(u32, u32)> {
    let be32 = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let le16 = |at: usize| {
        Some(u32::from(u16::from_le_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let le32 = |at: usize| Some(i32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    match format {
        // Signature (8), chunk length (4), "IHDR", width, height.
        ImageFormat::Png => (bytes.get(12..16)? == b"IHDR").then_some((be32(16)?, be32(20)?)),
        ImageFormat::Gif => Some((le16(6)?, le16(8)?)),
        // BITMAPINFOHEADER: width and height (negative for top-down rows) at 18 and 22.
        ImageFormat::Bmp => Some((le32(18)?.unsigned_abs(), le32(22)?.unsigned_abs())),
        ImageFormat::Jpeg => jpeg_dimensions(bytes),
        _ => None,
    }
}

/// The frame size of a JPEG's first SOFn segment (after SOI, segments run marker + length).
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while *bytes.get(at)? == 0xFF && *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let height = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
            let width = u16::from_be_bytes([*bytes.get(at + 7)?, *bytes.get(at + 8)?]);
            return Some((u32::from(width), u32::from(height)));
        }
        if length < 2 {
            return None;
        }
        at = at.checked_add(2 + length)?;
    }
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

    /// A PNG signature and an IHDR chunk declaring `width` × `height`, then nothing: what a
    /// decompression bomb looks like before its (small, highly compressed) pixel data.
    fn png_declaring(width: u32, height: u32) -> Vec<u8> {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&width.to_be_bytes());
        png.extend_from_slice(&height.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png
    }

    #[test]
    fn png_declaring_20000_by_20000_is_refused_before_decoding() {
        let bomb = png_declaring(20_000, 20_000);
        assert!(
            check_source(&bomb).is_err(),
            "a 400-megapixel PNG must not reach the decoder"
        );
        assert_eq!(
            check_source(&png_declaring(4032, 3024)),
            Ok(ImageFormat::Png)
        );
    }

    #[test]
    fn declared_dimensions_are_read_from_each_header() {
        assert_eq!(
            declared_dimensions(&png_declaring(20_000, 20_000), ImageFormat::Png),
            Some((20_000, 20_000))
        );
        assert_eq!(
            check_source(&png_declaring(20_000, 20_000)),
            Err(PhotoError::TooManyPixels {
                width: 20_000,
                height: 20_000
            })
        );
        let gif = b"GIF89a\x20\x4e\x20\x4e\x00\x00\x00";
        assert_eq!(
            declared_dimensions(gif, ImageFormat::Gif),
            Some((20_000, 20_000))
        );
        let mut bmp = b"BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec();
        bmp.extend_from_slice(&648i32.to_le_bytes());
        bmp.extend_from_slice(&(-648i32).to_le_bytes());
        assert_eq!(
            declared_dimensions(&bmp, ImageFormat::Bmp),
            Some((648, 648))
        );
        // SOI, an APP0 segment, then SOF0 declaring 3024 high and 4032 wide.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x0B, 0xD0, 0x0F, 0xC0, 0x03]);
        assert_eq!(
            declared_dimensions(&jpeg, ImageFormat::Jpeg),
            Some((4032, 3024))
        );
        assert_eq!(
            declared_dimensions(&[0xFF, 0xD8, 0xFF], ImageFormat::Jpeg),
            None
        );
    }

    // Property tests run natively (`cargo test`); proptest is a native dev-dependency.

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        /// Any bytes behind any signature: reading the declared size never panics, and what
        /// passes the check declares no more than the limits.
        #[test]
        fn any_image_header_is_read_without_panic(
            signature in proptest::sample::select(vec![
                b"\x89PNG\r\n\x1a\n".to_vec(), b"GIF89a".to_vec(), b"BM".to_vec(),
                vec![0xFF, 0xD8, 0xFF],
            ]),
            rest in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        ) {
            let mut bytes = signature;
            bytes.extend(rest);
            if check_source(&bytes).is_ok() {
                if let Some((w, h)) = declared_dimensions(&bytes, sniff(&bytes)) {
                    proptest::prop_assert!(u64::from(w) * u64::from(h) <= MAX_SOURCE_PIXELS);
                    proptest::prop_assert!(w <= MAX_SOURCE_EDGE && h <= MAX_SOURCE_EDGE);
                }
            }
        }
    }
}
