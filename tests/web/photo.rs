//! Photo processing on real images, with the browser's own codecs: test images are drawn on a
//! canvas and encoded by the browser, then run through `photo::browser`.

use js_sys::{Promise, Uint8Array};
use profile_photo_sync::photo::{self, browser, ImageFormat, PhotoError, DEFAULT_EDGE};
use profile_photo_sync::sync::compare::{mean_abs_difference, same_picture};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};

fn canvas(width: u32, height: u32) -> (HtmlCanvasElement, CanvasRenderingContext2d) {
    let canvas: HtmlCanvasElement = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    canvas.set_width(width);
    canvas.set_height(height);
    let context = canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into::<CanvasRenderingContext2d>()
        .unwrap();
    (canvas, context)
}

async fn encode(canvas: &HtmlCanvasElement, mime: &str) -> Vec<u8> {
    let promise = Promise::new(&mut |resolve, _| {
        let callback = Closure::once_into_js(move |blob: JsValue| {
            resolve.call1(&JsValue::NULL, &blob).unwrap();
        });
        canvas
            .to_blob_with_type_and_encoder_options(
                callback.unchecked_ref(),
                mime,
                &JsValue::from_f64(0.95),
            )
            .unwrap();
    });
    let blob: Blob = JsFuture::from(promise).await.unwrap().dyn_into().unwrap();
    let buffer = JsFuture::from(blob.array_buffer()).await.unwrap();
    Uint8Array::new(&buffer).to_vec()
}

/// Decodes `bytes` and returns its size and a function reading the RGBA of a pixel.
async fn decoded(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let blob =
        Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&Uint8Array::from(bytes))).unwrap();
    let bitmap: ImageBitmap = JsFuture::from(
        web_sys::window()
            .unwrap()
            .create_image_bitmap_with_blob(&blob)
            .unwrap(),
    )
    .await
    .unwrap()
    .dyn_into()
    .unwrap();
    let (w, h) = (bitmap.width(), bitmap.height());
    let (_, context) = canvas(w, h);
    context
        .draw_image_with_image_bitmap(&bitmap, 0.0, 0.0)
        .unwrap();
    let data = context
        .get_image_data(0.0, 0.0, f64::from(w), f64::from(h))
        .unwrap()
        .data()
        .0;
    (w, h, data)
}

fn pixel(rgba: &[u8], width: u32, x: u32, y: u32) -> [u8; 4] {
    let i = ((y * width + x) * 4) as usize;
    [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]
}

fn near(actual: [u8; 4], expected: [u8; 3], tolerance: u8) -> bool {
    actual[..3]
        .iter()
        .zip(expected)
        .all(|(a, e)| a.abs_diff(e) <= tolerance)
}

/// 400 × 300, transparent except a red disc in the middle and a blue band on the left 50 px
/// (outside the centred square).
async fn transparent_png() -> Vec<u8> {
    let (canvas, context) = canvas(400, 300);
    context.clear_rect(0.0, 0.0, 400.0, 300.0);
    context.set_fill_style_str("#ff0000");
    context.begin_path();
    context
        .arc(200.0, 150.0, 100.0, 0.0, std::f64::consts::TAU)
        .unwrap();
    context.fill();
    context.set_fill_style_str("#0000ff");
    context.fill_rect(0.0, 0.0, 50.0, 300.0);
    encode(&canvas, "image/png").await
}

/// 1600 × 1200 JPEG: green left half, yellow right half.
async fn two_tone_jpeg() -> Vec<u8> {
    let (canvas, context) = canvas(1600, 1200);
    context.set_fill_style_str("#00a000");
    context.fill_rect(0.0, 0.0, 800.0, 1200.0);
    context.set_fill_style_str("#ffd000");
    context.fill_rect(800.0, 0.0, 800.0, 1200.0);
    encode(&canvas, "image/jpeg").await
}

#[wasm_bindgen_test]
async fn transparent_png_is_cropped_square_and_flattened_onto_white() {
    let png = transparent_png().await;
    assert_eq!(photo::sniff(&png), ImageFormat::Png);

    let out = browser::process(&png, DEFAULT_EDGE).await.unwrap();
    assert_eq!(
        (out.width, out.height),
        (300, 300),
        "never upscaled beyond the source"
    );
    assert_eq!((out.source_width, out.source_height), (400, 300));
    assert_eq!(out.source_format, ImageFormat::Png);
    assert_eq!(out.jpeg.type_(), "image/jpeg");
    let jpeg = browser::bytes(&out.jpeg).await.unwrap();
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "JPEG magic");

    let (w, h, rgba) = decoded(&jpeg).await;
    assert_eq!((w, h), (300, 300));
    for (x, y) in [(3, 3), (296, 3), (3, 296), (296, 296)] {
        assert!(
            near(pixel(&rgba, w, x, y), [255, 255, 255], 8),
            "corner ({x},{y}) is white: {:?}",
            pixel(&rgba, w, x, y)
        );
    }
    assert!(
        near(pixel(&rgba, w, 150, 150), [255, 0, 0], 30),
        "centre is red: {:?}",
        pixel(&rgba, w, 150, 150)
    );
    // The blue band was outside the centred square.
    assert!(
        near(pixel(&rgba, w, 1, 150), [255, 255, 255], 8),
        "no blue at the left edge: {:?}",
        pixel(&rgba, w, 1, 150)
    );
}

#[wasm_bindgen_test]
async fn large_jpeg_is_scaled_down_to_the_target_edge() {
    let jpeg = two_tone_jpeg().await;
    let out = browser::process(&jpeg, DEFAULT_EDGE).await.unwrap();
    assert_eq!((out.width, out.height), (648, 648));
    assert_eq!(out.source_format, ImageFormat::Jpeg);
    let (w, h, rgba) = decoded(&browser::bytes(&out.jpeg).await.unwrap()).await;
    assert_eq!((w, h), (648, 648));
    // The crop keeps x 200..1400 of the source, so the halves meet in the middle.
    assert!(
        near(pixel(&rgba, w, 100, 324), [0, 160, 0], 30),
        "{:?}",
        pixel(&rgba, w, 100, 324)
    );
    assert!(
        near(pixel(&rgba, w, 548, 324), [255, 208, 0], 30),
        "{:?}",
        pixel(&rgba, w, 548, 324)
    );

    let thumb = browser::process(&jpeg, 48).await.unwrap();
    assert_eq!((thumb.width, thumb.height), (48, 48));
}

#[wasm_bindgen_test]
async fn garbage_is_not_an_image() {
    assert_eq!(
        browser::process(b"{\"error\":{\"code\":\"ImageNotFound\"}}", DEFAULT_EDGE).await,
        Err(PhotoError::NotAnImage)
    );
    assert_eq!(
        browser::process(b"", DEFAULT_EDGE).await,
        Err(PhotoError::NotAnImage)
    );
}

#[wasm_bindgen_test]
async fn garbage_behind_a_jpeg_signature_fails_to_decode() {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..4000u32).map(|i| (i * 7919 % 251) as u8));
    assert_eq!(
        browser::process(&bytes, DEFAULT_EDGE).await,
        Err(PhotoError::DecodeFailed)
    );
    assert_eq!(
        browser::fingerprint(&bytes).await,
        Err(PhotoError::DecodeFailed)
    );
}

#[wasm_bindgen_test]
async fn webp_is_refused_before_decoding() {
    let (canvas, context) = canvas(64, 64);
    context.set_fill_style_str("#336699");
    context.fill_rect(0.0, 0.0, 64.0, 64.0);
    let webp = encode(&canvas, "image/webp").await;
    assert_eq!(
        browser::process(&webp, DEFAULT_EDGE).await,
        Err(PhotoError::UnsupportedFormat {
            format: ImageFormat::WebP
        })
    );
}

#[wasm_bindgen_test]
async fn over_4_76_mb_is_refused() {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(photo::MAX_SOURCE_BYTES + 1, 0);
    assert_eq!(
        browser::process(&bytes, DEFAULT_EDGE).await,
        Err(PhotoError::TooLarge {
            bytes: photo::MAX_SOURCE_BYTES + 1
        })
    );
}

#[wasm_bindgen_test]
async fn fingerprints_tell_the_same_picture_from_another() {
    let jpeg = two_tone_jpeg().await;
    let written = browser::process(&jpeg, DEFAULT_EDGE).await.unwrap();
    // What SharePoint would make of it: a 200 px thumbnail, re-encoded.
    let written_bytes = browser::bytes(&written.jpeg).await.unwrap();
    let thumbnail = browser::process(&written_bytes, 200).await.unwrap();
    let thumbnail_bytes = browser::bytes(&thumbnail.jpeg).await.unwrap();
    // The page's own JPEG is fingerprinted from its Blob, a downloaded one from its bytes:
    // the same image gives the same fingerprint either way.
    let a = browser::fingerprint_of(&written.jpeg).await.unwrap();
    assert_eq!(a, browser::fingerprint(&written_bytes).await.unwrap());
    let b = browser::fingerprint(&thumbnail_bytes).await.unwrap();
    assert_eq!(a.len(), 16 * 16 * 4);
    let d = mean_abs_difference(&a, &b).unwrap();
    assert!(same_picture(&a, &b), "same picture, distance {d}");

    let other = browser::process(&transparent_png().await, DEFAULT_EDGE)
        .await
        .unwrap();
    let c = browser::fingerprint_of(&other.jpeg).await.unwrap();
    let d = mean_abs_difference(&a, &c).unwrap();
    assert!(!same_picture(&a, &c), "different pictures, distance {d}");
}

#[wasm_bindgen_test]
async fn object_urls_are_blob_urls() {
    let jpeg = two_tone_jpeg().await;
    let url = browser::object_url(&jpeg, "image/jpeg").unwrap();
    assert!(url.starts_with("blob:"), "{url}");
    browser::revoke_object_url(&url);
}
