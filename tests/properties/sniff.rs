//! `photo::sniff`: the format of a photo's bytes. A format is named only when the bytes start
//! with its signature, so bytes of one format are never taken for another, and nothing that
//! is not a JPEG, PNG, GIF or BMP is ever called supported.

use proptest::prelude::*;

use profile_photo_sync::photo::{sniff, ImageFormat};

/// The signature each format must start with, as its specification writes it (`None` is any
/// byte), kept apart from the code under test.
fn signatures(format: ImageFormat) -> Vec<Vec<Option<u8>>> {
    let exact = |bytes: &[u8]| bytes.iter().copied().map(Some).collect::<Vec<_>>();
    match format {
        ImageFormat::Jpeg => vec![exact(&[0xFF, 0xD8, 0xFF])],
        ImageFormat::Png => vec![exact(b"\x89PNG\r\n\x1a\n")],
        ImageFormat::Gif => vec![exact(b"GIF87a"), exact(b"GIF89a")],
        ImageFormat::Bmp => {
            let mut bmp = exact(b"BM");
            bmp.extend([None; 4]);
            bmp.extend(exact(&[0, 0, 0, 0]));
            vec![bmp]
        }
        ImageFormat::WebP => {
            let mut webp = exact(b"RIFF");
            webp.extend([None; 4]);
            webp.extend(exact(b"WEBP"));
            vec![webp]
        }
        ImageFormat::Tiff => vec![exact(b"II*\0"), exact(b"MM\0*")],
        // AVIF is a HEIF file whose brands name AVIF: the same signature family.
        ImageFormat::Heic | ImageFormat::Avif => [
            b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif",
        ]
        .iter()
        .map(|brand| {
            let mut heif = vec![None; 4];
            heif.extend(exact(b"ftyp"));
            heif.extend(exact(&brand[..]));
            heif
        })
        .collect(),
        ImageFormat::Other => vec![],
    }
}

const FORMATS: [ImageFormat; 8] = [
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::Gif,
    ImageFormat::Bmp,
    ImageFormat::WebP,
    ImageFormat::Tiff,
    ImageFormat::Heic,
    ImageFormat::Avif,
];

fn starts_with(bytes: &[u8], signature: &[Option<u8>]) -> bool {
    bytes.len() >= signature.len()
        && signature
            .iter()
            .zip(bytes)
            .all(|(s, b)| s.is_none_or(|s| s == *b))
}

/// HEIC and AVIF share one signature; the brands inside the `ftyp` box tell them apart.
fn family(format: ImageFormat) -> ImageFormat {
    match format {
        ImageFormat::Avif => ImageFormat::Heic,
        other => other,
    }
}

fn has_signature(bytes: &[u8], format: ImageFormat) -> bool {
    signatures(format).iter().any(|s| starts_with(bytes, s))
}

/// Bytes that start with one of `format`'s signatures, then anything. A HEIF file starts
/// with its first box's size, big-endian: its first byte is 0 for any box under 16 MiB,
/// which keeps it from also starting like a JPEG or a TIFF.
fn bytes_of(format: ImageFormat) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(signatures(format)),
        prop::collection::vec(any::<u8>(), 16),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(move |(signature, mut fill, tail)| {
            if matches!(format, ImageFormat::Heic | ImageFormat::Avif) {
                fill[0] = 0;
            }
            let mut bytes: Vec<u8> = signature
                .iter()
                .zip(&fill)
                .map(|(s, f)| s.unwrap_or(*f))
                .collect();
            bytes.extend(tail);
            bytes
        })
}

/// Any bytes, and bytes that begin like an image and then go wrong.
fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..32),
        (
            prop::sample::select(FORMATS.to_vec()),
            any::<prop::sample::Index>(),
            any::<u8>()
        )
            .prop_flat_map(|(format, at, byte)| {
                bytes_of(format).prop_map(move |mut bytes| {
                    let i = at.index(bytes.len());
                    bytes[i] = byte;
                    bytes
                })
            }),
        (
            prop::sample::select(FORMATS.to_vec()),
            any::<prop::sample::Index>()
        )
            .prop_flat_map(|(format, at)| {
                bytes_of(format).prop_map(move |mut bytes| {
                    bytes.truncate(at.index(16));
                    bytes
                })
            }),
    ]
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    /// Bytes that start with a format's signature are that format, whatever follows.
    #[test]
    fn each_format_is_recognised_by_its_signature(
        (format, bytes) in prop::sample::select(FORMATS.to_vec())
            .prop_flat_map(|f| (Just(f), bytes_of(f))),
    ) {
        prop_assert_eq!(family(sniff(&bytes)), family(format));
    }

    /// A format is named only when the bytes carry its signature, and never the other way
    /// round: no bytes are taken for a format they are not.
    #[test]
    fn no_bytes_are_taken_for_another_format(bytes in any_bytes()) {
        let found = sniff(&bytes);
        for format in FORMATS {
            if found == format {
                prop_assert!(has_signature(&bytes, format), "{bytes:02x?} taken for {format:?}");
            }
        }
        if found == ImageFormat::Other {
            for format in FORMATS {
                prop_assert!(!has_signature(&bytes, format), "{bytes:02x?} missed as {format:?}");
            }
        }
        if found.is_supported() {
            prop_assert!(
                [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Gif, ImageFormat::Bmp]
                    .iter()
                    .any(|f| has_signature(&bytes, *f))
            );
        }
    }

    /// WebP, TIFF and HEIC (or AVIF) bytes are images, and never supported ones.
    #[test]
    fn unsupported_images_are_never_supported(
        bytes in prop::sample::select(vec![ImageFormat::WebP, ImageFormat::Tiff, ImageFormat::Heic, ImageFormat::Avif])
            .prop_flat_map(bytes_of),
    ) {
        let found = sniff(&bytes);
        prop_assert!(found.is_image() && !found.is_supported(), "{found:?}");
    }

    /// Only the first 16 bytes decide.
    #[test]
    fn what_follows_the_signature_does_not_matter(
        bytes in any_bytes(),
        fill in prop::collection::vec(any::<u8>(), 16),
        tail in prop::collection::vec(any::<u8>(), 0..32),
    ) {
        let mut bytes = bytes;
        bytes.extend(fill);
        let mut longer = bytes.clone();
        longer.extend(tail);
        prop_assert_eq!(sniff(&bytes), sniff(&longer));
    }

    /// A signature cut short is no image.
    #[test]
    fn a_truncated_signature_is_nothing(
        (format, bytes) in prop::sample::select(FORMATS.to_vec())
            .prop_flat_map(|f| (Just(f), bytes_of(f))),
        keep in any::<prop::sample::Index>(),
    ) {
        let shortest = signatures(format).iter().map(Vec::len).min().unwrap();
        let cut = &bytes[..keep.index(shortest)];
        prop_assert_eq!(sniff(cut), ImageFormat::Other, "{:02x?}", cut);
    }
}
