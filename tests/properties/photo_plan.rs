//! `photo::plan`: the check of a source photo's bytes before decoding, and the crop and size
//! planned from the dimensions the browser decoded (whatever Exchange's photo declares).

use proptest::prelude::*;

use profile_photo_sync::photo::plan::{
    check_source, declared_dimensions, MAX_SOURCE_EDGE, MAX_SOURCE_PIXELS,
};
use profile_photo_sync::photo::{sniff, PhotoError, PhotoPlan, MAX_SOURCE_BYTES};

/// A dimension: photo-sized, tiny, or anything a header may declare.
fn dimension() -> impl Strategy<Value = u32> {
    prop_oneof![1u32..5000, 0u32..4, any::<u32>(), (u32::MAX - 4)..=u32::MAX]
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    /// The bytes go on to be decoded only when they are a supported format, and then as
    /// the format they are.
    #[test]
    fn only_supported_images_pass_the_check(
        head in prop_oneof![
            Just(b"\xFF\xD8\xFF".to_vec()),
            Just(b"\x89PNG\r\n\x1a\n".to_vec()),
            Just(b"GIF89a".to_vec()),
            Just(b"BM\0\0\0\0\0\0\0\0".to_vec()),
            Just(b"RIFF\0\0\0\0WEBP".to_vec()),
            Just(b"\0\0\0\x18ftypavif".to_vec()),
            prop::collection::vec(any::<u8>(), 0..16),
        ],
        tail in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = head;
        bytes.extend(tail);
        let format = sniff(&bytes);
        match check_source(&bytes) {
            Ok(checked) => prop_assert!(checked == format && format.is_supported()),
            Err(PhotoError::NotAnImage) => prop_assert!(!format.is_image()),
            Err(PhotoError::UnsupportedFormat { format: refused }) => {
                prop_assert!(refused == format && format.is_image() && !format.is_supported());
            }
            Err(PhotoError::TooManyPixels { width, height }) => {
                // Refused before decoding: a supported format whose header declares more
                // than the page decodes.
                prop_assert!(format.is_supported());
                prop_assert_eq!(declared_dimensions(&bytes, format), Some((width, height)));
                prop_assert!(
                    u64::from(width) * u64::from(height) > MAX_SOURCE_PIXELS
                        || width > MAX_SOURCE_EDGE
                        || height > MAX_SOURCE_EDGE
                );
            }
            Err(other) => prop_assert!(false, "{other:?} for {} bytes", bytes.len()),
        }
    }

    /// The crop is the largest square inside the image, centred, and the output is never
    /// larger than the crop (no upscaling) nor empty; a zero dimension is no image.
    #[test]
    fn the_crop_is_the_centred_square_inside_the_image(
        width in dimension(),
        height in dimension(),
        requested in prop_oneof![Just(648u32), any::<u32>()],
    ) {
        let plan = PhotoPlan::new(width, height, requested);
        if width == 0 || height == 0 {
            prop_assert_eq!(plan, Err(PhotoError::DecodeFailed));
            return Ok(());
        }
        let plan = plan.unwrap();
        let crop = plan.crop;
        prop_assert_eq!(crop.size, width.min(height));
        prop_assert!(u64::from(crop.x) + u64::from(crop.size) <= u64::from(width));
        prop_assert!(u64::from(crop.y) + u64::from(crop.size) <= u64::from(height));
        // Centred: the margins on either side differ by at most one pixel.
        let right = width - crop.x - crop.size;
        let bottom = height - crop.y - crop.size;
        prop_assert!(right.abs_diff(crop.x) <= 1 && bottom.abs_diff(crop.y) <= 1);
        prop_assert!(plan.edge >= 1 && plan.edge <= crop.size && plan.edge <= requested.max(1));
        prop_assert_eq!(plan.is_identity(), width == height && plan.edge == width);
    }
}

proptest! {
    // Each case fills 5 MB: a few sizes over the limit say as much as many.
    #![proptest_config(proptest::test_runner::Config {
        cases: 16,
        ..crate::strategies::runner()
    })]

    /// Anything over the limit is refused before decoding, whatever its format.
    #[test]
    fn a_photo_over_the_limit_is_refused(over in 1usize..4096) {
        let mut bytes = b"\xFF\xD8\xFF\xE0".to_vec();
        bytes.resize(MAX_SOURCE_BYTES + over, 0);
        prop_assert_eq!(
            check_source(&bytes),
            Err(PhotoError::TooLarge { bytes: MAX_SOURCE_BYTES + over })
        );
    }
}
