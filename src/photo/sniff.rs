//! Which image format a photo's bytes are in, from their first bytes ("magic numbers"), not
//! from a file name or a `Content-Type` a service may have got wrong. Pure.

/// An image format as its first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Gif,
    Bmp,
    WebP,
    Tiff,
    Heic,
    /// AV1 in a HEIF container (`ftyp` brand `avif`/`avis`): the same box structure as HEIC,
    /// a different codec and name.
    Avif,
    /// Not a format this module recognises: most likely not an image at all.
    Other,
}

impl ImageFormat {
    /// The name people know the format by, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
            ImageFormat::Gif => "GIF",
            ImageFormat::Bmp => "BMP",
            ImageFormat::WebP => "WebP",
            ImageFormat::Tiff => "TIFF",
            ImageFormat::Heic => "HEIC",
            ImageFormat::Avif => "AVIF",
            ImageFormat::Other => "unknown",
        }
    }

    /// The MIME type, for a `Blob` the browser decodes.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Bmp => "image/bmp",
            ImageFormat::WebP => "image/webp",
            ImageFormat::Tiff => "image/tiff",
            ImageFormat::Heic => "image/heic",
            ImageFormat::Avif => "image/avif",
            ImageFormat::Other => "application/octet-stream",
        }
    }

    /// The formats Exchange and SharePoint accept as a profile photo (JPEG, PNG, GIF, BMP).
    pub fn is_supported(self) -> bool {
        matches!(
            self,
            ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::Bmp
        )
    }

    /// True when the bytes are recognisably an image, supported or not.
    pub fn is_image(self) -> bool {
        self != ImageFormat::Other
    }
}

/// The format of `bytes`, from their signature.
///
/// ```
/// use profile_photo_sync::photo::{sniff, ImageFormat};
/// assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), ImageFormat::Jpeg);
/// assert_eq!(sniff(b"<html>"), ImageFormat::Other);
/// ```
pub fn sniff(bytes: &[u8]) -> ImageFormat {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => ImageFormat::Jpeg,
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => ImageFormat::Png,
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => ImageFormat::Gif,
        // "BM" then a 4-byte file size, 4 reserved bytes and the pixel offset: "BM" alone is
        // too weak (plenty of text starts with it), so the reserved bytes must be zero.
        [b'B', b'M', _, _, _, _, 0, 0, 0, 0, ..] => ImageFormat::Bmp,
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => ImageFormat::WebP,
        [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => ImageFormat::Tiff,
        [s0, s1, s2, s3, b'f', b't', b'y', b'p', brand @ ..] if is_heif_brand(brand) => {
            let size = u32::from_be_bytes([*s0, *s1, *s2, *s3]) as usize;
            if is_avif(bytes, size) {
                ImageFormat::Avif
            } else {
                ImageFormat::Heic
            }
        }
        _ => ImageFormat::Other,
    }
}

fn is_heif_brand(brand: &[u8]) -> bool {
    let brand = &brand[..brand.len().min(4)];
    [
        b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis",
    ]
    .iter()
    .any(|b| brand == &b[..])
}

/// True when the `ftyp` box (`size` bytes from the start) names AVIF as its major brand or
/// among its compatible brands (after the 4-byte minor version at offset 12); a generic
/// `mif1` file is HEIC unless it says AVIF.
fn is_avif(bytes: &[u8], size: usize) -> bool {
    let ftyp = &bytes[..size.clamp(12, bytes.len().max(12)).min(bytes.len())];
    let major = ftyp.get(8..12);
    let compatible = ftyp.get(16..).unwrap_or_default();
    let avif = |brand: &[u8]| brand == b"avif" || brand == b"avis";
    major.is_some_and(avif) || compatible.chunks_exact(4).any(avif)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_accepted_format() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xDB, 0x00]), ImageFormat::Jpeg);
        assert_eq!(
            sniff(&[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]),
            ImageFormat::Png
        );
        assert_eq!(sniff(b"GIF89a\x01\x00"), ImageFormat::Gif);
        assert_eq!(sniff(b"GIF87a\x01\x00"), ImageFormat::Gif);
        assert_eq!(
            sniff(b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00"),
            ImageFormat::Bmp
        );
        for format in [
            ImageFormat::Jpeg,
            ImageFormat::Png,
            ImageFormat::Gif,
            ImageFormat::Bmp,
        ] {
            assert!(format.is_supported() && format.is_image(), "{format:?}");
        }
    }

    #[test]
    fn recognises_images_that_are_refused() {
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WEBPVP8 "), ImageFormat::WebP);
        assert_eq!(sniff(b"II*\x00\x08\x00"), ImageFormat::Tiff);
        assert_eq!(sniff(b"MM\x00*\x00\x00"), ImageFormat::Tiff);
        assert_eq!(
            sniff(b"\x00\x00\x00\x18ftypheic\x00\x00"),
            ImageFormat::Heic
        );
        assert_eq!(
            sniff(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic"),
            ImageFormat::Heic
        );
        for format in [
            ImageFormat::WebP,
            ImageFormat::Tiff,
            ImageFormat::Heic,
            ImageFormat::Avif,
        ] {
            assert!(format.is_image() && !format.is_supported(), "{format:?}");
        }
    }

    #[test]
    fn avif_is_told_apart_from_heic() {
        let avif = b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miafMA1B";
        assert_eq!(sniff(avif), ImageFormat::Avif);
        assert_eq!(ImageFormat::Avif.name(), "AVIF");
        let generic = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf";
        assert_eq!(
            sniff(generic),
            ImageFormat::Avif,
            "AVIF among compatible brands"
        );
        let sequence = b"\x00\x00\x00\x18ftypavis\x00\x00\x00\x00avis";
        assert_eq!(sniff(sequence), ImageFormat::Avif);
        // A box size larger than the bytes, or too small, reads what there is.
        assert_eq!(sniff(b"\xff\xff\xff\xffftypavif"), ImageFormat::Avif);
        assert_eq!(sniff(b"\x00\x00\x00\x00ftypheic"), ImageFormat::Heic);
    }

    #[test]
    fn what_is_not_an_image_is_other() {
        assert_eq!(sniff(b""), ImageFormat::Other);
        assert_eq!(
            sniff(&[0xFF, 0xD8]),
            ImageFormat::Other,
            "a truncated JPEG signature"
        );
        assert_eq!(
            sniff(b"{\"error\":{\"code\":\"ImageNotFound\"}}"),
            ImageFormat::Other
        );
        assert_eq!(sniff(b"<!DOCTYPE html>"), ImageFormat::Other);
        assert_eq!(sniff(b"BMW is a car brand"), ImageFormat::Other);
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WAVEfmt "), ImageFormat::Other);
        assert!(!ImageFormat::Other.is_image());
    }

    #[test]
    fn names_and_mime_types() {
        assert_eq!(ImageFormat::WebP.name(), "WebP");
        assert_eq!(ImageFormat::Png.mime(), "image/png");
        assert_eq!(ImageFormat::Jpeg.mime(), "image/jpeg");
    }
}
