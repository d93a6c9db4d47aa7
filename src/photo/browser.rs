//! The browser's codecs at work: decode with `createImageBitmap`, draw the planned square on a
//! canvas filled with white (so transparency flattens onto white) with high-quality smoothing,
//! and encode JPEG with `toBlob`. Uses an `HTMLCanvasElement` that is never attached to the
//! page: `toBlob` works in every browser the page supports, and the page is small enough that
//! a worker would cost more than it saves. The JPEG stays the browser's `Blob`: it is written,
//! shown and fingerprinted from there, never copied into wasm memory.
//!
//! Follows [`PhotoPlan`] and [`check_source`]; takes no decisions of its own and does no I/O.
//! Tested in a real browser (`tests/web/photo.rs`).

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};

use super::plan::{check_source, PhotoError, PhotoPlan, JPEG_QUALITY};
use super::sniff::ImageFormat;

/// Edge of the tiny image two photos are compared by (see [`fingerprint`]).
pub const FINGERPRINT_EDGE: u32 = 16;

/// A photo ready to write: a square JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// The JPEG, as the browser encoded it (`type` `image/jpeg`); [`bytes`] reads it.
    pub jpeg: Blob,
    /// Edge of the square output, in pixels (`width == height`).
    pub width: u32,
    pub height: u32,
    /// What the source was.
    pub source_format: ImageFormat,
    pub source_width: u32,
    pub source_height: u32,
}

/// Turns a source photo into a square JPEG of at most `edge` pixels (use
/// [`super::DEFAULT_EDGE`]): checks it, decodes it, centre-crops it, flattens transparency onto
/// white, scales it down (never up) and encodes it at quality 0.92.
///
/// ```ignore
/// let photo = photo::browser::process(&exchange_bytes, photo::DEFAULT_EDGE).await?;
/// assert_eq!(photo.jpeg.type_(), "image/jpeg");
/// ```
pub async fn process(bytes: &[u8], edge: u32) -> Result<ProcessedPhoto, PhotoError> {
    // Timed for `cargo xtask bench` (the `pps:photo-process` measure).
    let performance = web_sys::window().and_then(|w| w.performance());
    if let Some(p) = &performance {
        let _ = p.mark("pps:photo-process-start");
    }
    let result = process_untimed(bytes, edge).await;
    if let Some(p) = &performance {
        let _ = p.measure_with_start_mark("pps:photo-process", "pps:photo-process-start");
    }
    result
}

async fn process_untimed(bytes: &[u8], edge: u32) -> Result<ProcessedPhoto, PhotoError> {
    let format = check_source(bytes)?;
    let source = blob(bytes, format.mime()).map_err(|_| PhotoError::DecodeFailed)?;
    let bitmap = decode(&source).await?;
    let result = async {
        let plan = PhotoPlan::new(bitmap.width(), bitmap.height(), edge)?;
        let (canvas, _) = draw(&bitmap, &plan)?;
        let jpeg = encode_jpeg(&canvas).await?;
        Ok(ProcessedPhoto {
            jpeg,
            width: plan.edge,
            height: plan.edge,
            source_format: format,
            source_width: plan.source_width,
            source_height: plan.source_height,
        })
    }
    .await;
    bitmap.close();
    result
}

/// The photo's centred square, flattened onto white and scaled to
/// [`FINGERPRINT_EDGE`]² pixels, as RGBA bytes: what [`crate::sync`] compares to tell whether
/// two photos are the same picture.
pub async fn fingerprint(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let format = check_source(bytes)?;
    let blob = blob(bytes, format.mime()).map_err(|_| PhotoError::DecodeFailed)?;
    fingerprint_of(&blob).await
}

/// [`fingerprint`] of a photo the page made itself ([`ProcessedPhoto::jpeg`]), read from its
/// `Blob`.
pub async fn fingerprint_of(image: &Blob) -> Result<Vec<u8>, PhotoError> {
    let bitmap = decode(image).await?;
    let result = (|| {
        let plan = PhotoPlan::new(bitmap.width(), bitmap.height(), FINGERPRINT_EDGE)?;
        // Small sources still give a full-size fingerprint: upscaling is harmless here.
        let plan = PhotoPlan {
            edge: FINGERPRINT_EDGE,
            ..plan
        };
        let (_, context) = draw(&bitmap, &plan)?;
        let edge = f64::from(FINGERPRINT_EDGE);
        let data = context
            .get_image_data(0.0, 0.0, edge, edge)
            .map_err(|_| PhotoError::DecodeFailed)?;
        Ok(data.data().0)
    })();
    bitmap.close();
    result
}

/// The bytes of `blob` (a copy into wasm memory: for the tests and the rare caller that needs
/// them).
pub async fn bytes(blob: &Blob) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(blob.array_buffer()).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A `blob:` URL showing `bytes` (the page's CSP allows `img-src blob:`). Revoke it with
/// [`revoke_object_url`] when the image is no longer shown.
pub fn object_url(bytes: &[u8], mime: &str) -> Option<String> {
    blob_url(&blob(bytes, mime).ok()?)
}

/// A `blob:` URL showing `blob`; revoke it as one from [`object_url`].
pub fn blob_url(blob: &Blob) -> Option<String> {
    web_sys::Url::create_object_url_with_blob(blob).ok()
}

/// Releases a URL made by [`object_url`].
pub fn revoke_object_url(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

fn blob(bytes: &[u8], mime: &str) -> Result<Blob, JsValue> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options)
}

async fn decode(image: &Blob) -> Result<ImageBitmap, PhotoError> {
    let window = web_sys::window().ok_or(PhotoError::DecodeFailed)?;
    let promise = window
        .create_image_bitmap_with_blob(image)
        .map_err(|_| PhotoError::DecodeFailed)?;
    JsFuture::from(promise)
        .await
        .map_err(|_| PhotoError::DecodeFailed)?
        .dyn_into::<ImageBitmap>()
        .map_err(|_| PhotoError::DecodeFailed)
}

/// Draws the plan's square of `bitmap` onto a new white canvas of the plan's edge.
fn draw(
    bitmap: &ImageBitmap,
    plan: &PhotoPlan,
) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), PhotoError> {
    let canvas = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
        .ok_or(PhotoError::EncodeFailed)?;
    canvas.set_width(plan.edge);
    canvas.set_height(plan.edge);
    let context = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or(PhotoError::EncodeFailed)?;
    context.set_image_smoothing_enabled(true);
    // Not in web-sys's bindings; every current engine supports it.
    let _ = Reflect::set(
        &context,
        &JsValue::from_str("imageSmoothingQuality"),
        &JsValue::from_str("high"),
    );
    let edge = f64::from(plan.edge);
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, edge, edge);
    let crop = plan.crop;
    context
        .draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            bitmap,
            f64::from(crop.x),
            f64::from(crop.y),
            f64::from(crop.size),
            f64::from(crop.size),
            0.0,
            0.0,
            edge,
            edge,
        )
        .map_err(|_| PhotoError::DecodeFailed)?;
    Ok((canvas, context))
}

async fn encode_jpeg(canvas: &HtmlCanvasElement) -> Result<Blob, PhotoError> {
    let mut started = Ok(());
    let promise = Promise::new(&mut |resolve, reject| {
        let callback = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        if let Err(e) = canvas.to_blob_with_type_and_encoder_options(
            callback.unchecked_ref(),
            "image/jpeg",
            &JsValue::from_f64(JPEG_QUALITY),
        ) {
            let _ = reject.call1(&JsValue::NULL, &e);
            started = Err(PhotoError::EncodeFailed);
        }
    });
    started?;
    let blob = JsFuture::from(promise)
        .await
        .ok()
        .and_then(|b| b.dyn_into::<Blob>().ok())
        .ok_or(PhotoError::EncodeFailed)?;
    // A browser without a JPEG encoder silently falls back to PNG, and says so in the type.
    if blob.type_() != ImageFormat::Jpeg.mime() {
        return Err(PhotoError::EncodeFailed);
    }
    Ok(blob)
}
