//! Pixel work of the Microsoft 365 emulator: decoding like SharePoint does, thumbnails, a
//! likeness fingerprint and the generated demo portraits.
//!
//! Its own crate so that `[profile.dev.package.emulator-pixels] opt-level = 3` makes it fast in
//! debug builds: every function here is non-generic, so the `image` crate's generic code is
//! instantiated (and optimised) in this crate.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

pub use image;

/// Width and height from the header, for any format the `image` crate knows.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// The format SharePoint accepts for profile pictures: BMP, JPEG, PNG, GIF.
pub fn sharepoint_format(bytes: &[u8]) -> Option<ImageFormat> {
    match image::guess_format(bytes).ok()? {
        f @ (ImageFormat::Bmp | ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif) => Some(f),
        _ => None,
    }
}

/// Decodes BMP/JPEG/PNG/GIF; anything else (or a broken file) is `None`.
pub fn decode_any(bytes: &[u8]) -> Option<DynamicImage> {
    let format = sharepoint_format(bytes)?;
    image::load_from_memory_with_format(bytes, format).ok()
}

pub fn content_type_of(bytes: &[u8]) -> &'static str {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => "image/jpeg",
        Ok(ImageFormat::Png) => "image/png",
        Ok(ImageFormat::Gif) => "image/gif",
        Ok(ImageFormat::Bmp) => "image/bmp",
        Ok(ImageFormat::WebP) => "image/webp",
        _ => "application/octet-stream",
    }
}

/// The centre square of the picture.
pub fn centre_square(img: &DynamicImage) -> DynamicImage {
    let (w, h) = img.dimensions();
    let side = w.min(h);
    img.crop_imm((w - side) / 2, (h - side) / 2, side, side)
}

/// Composites transparency onto white (JPEG has no alpha).
pub fn flatten_white(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = p[3] as u32;
        let mix = |c: u8| ((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        *o = Rgb([mix(p[0]), mix(p[1]), mix(p[2])]);
    }
    out
}

pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality)
        .encode(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("JPEG encoding into memory");
    buf
}

pub fn encode_png(img: &RgbaImage) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    img.write_to(&mut buf, ImageFormat::Png)
        .expect("PNG encoding into memory");
    buf.into_inner()
}

/// A square JPEG of `size` pixels from the centre of the picture.
pub fn square_jpeg(img: &DynamicImage, size: u32) -> Vec<u8> {
    let sq = centre_square(img);
    let sq = if sq.width() > size * 4 {
        sq.resize_exact(size * 2, size * 2, FilterType::Triangle)
    } else {
        sq
    };
    let out = sq.resize_exact(size, size, FilterType::CatmullRom);
    encode_jpeg(&flatten_white(&out), 90)
}

/// SharePoint's three profile picture sizes.
pub const THUMBS: [(&str, u32); 3] = [("SThumb", 48), ("MThumb", 72), ("LThumb", 200)];

/// The three thumbnails SharePoint writes for a profile picture: `(suffix, size, jpeg)`.
pub fn thumbnails(img: &DynamicImage) -> Vec<(&'static str, u32, Vec<u8>)> {
    let sq = centre_square(img);
    let base = if sq.width() > 800 {
        sq.resize_exact(400, 400, FilterType::Triangle)
    } else {
        sq
    };
    THUMBS
        .iter()
        .map(|&(suffix, size)| {
            let t = base.resize_exact(size, size, FilterType::CatmullRom);
            (suffix, size, encode_jpeg(&flatten_white(&t), 90))
        })
        .collect()
}

/// A 16 × 16 sample of the centre square, to tell whether two pictures show the same thing.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    px: Vec<[u8; 4]>,
}

impl Fingerprint {
    pub fn of(img: &DynamicImage) -> Fingerprint {
        let sq = centre_square(img);
        let sq = if sq.width() > 256 {
            sq.resize_exact(128, 128, FilterType::Triangle)
        } else {
            sq
        };
        let small = sq.resize_exact(16, 16, FilterType::Triangle).to_rgba8();
        Fingerprint {
            px: small.pixels().map(|p| p.0).collect(),
        }
    }

    /// Mean absolute channel difference over the pixels opaque in both, below a threshold.
    pub fn matches(&self, other: &Fingerprint) -> bool {
        let mut sum = 0u64;
        let mut n = 0u64;
        for (a, b) in self.px.iter().zip(&other.px) {
            if a[3] >= 250 && b[3] >= 250 {
                for c in 0..3 {
                    sum += (a[c] as i32 - b[c] as i32).unsigned_abs() as u64;
                }
                n += 3;
            }
        }
        if n < 3 * 32 {
            return false;
        }
        sum / n <= 14
    }
}

// ---------------------------------------------------------------------------------------------
// Generated portraits

/// How a generated portrait looks.
#[derive(Clone, Debug)]
pub struct Portrait {
    pub width: u32,
    pub height: u32,
    pub bg_top: [u8; 3],
    pub bg_bottom: [u8; 3],
    pub shirt: [u8; 3],
    pub skin: [u8; 3],
    pub hair: [u8; 3],
    /// Transparent background (PNG with alpha).
    pub transparent: bool,
    /// Amplitude of per-pixel texture noise (0 = smooth).
    pub noise: u8,
    pub seed: u64,
    pub hair_style: HairStyle,
    pub glasses: bool,
}

/// Hair, so that people differ by more than colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HairStyle {
    Short,
    Long,
    Bun,
}

impl Portrait {
    pub fn new(bg: [u8; 3], shirt: [u8; 3], skin: [u8; 3], hair: [u8; 3]) -> Portrait {
        let darker = |c: [u8; 3]| [c[0] / 4 * 3, c[1] / 4 * 3, c[2] / 4 * 3];
        Portrait {
            width: 648,
            height: 648,
            bg_top: bg,
            bg_bottom: darker(bg),
            shirt,
            skin,
            hair,
            transparent: false,
            noise: 0,
            seed: 1,
            hair_style: HairStyle::Short,
            glasses: false,
        }
    }

    /// Renders at `width` × `height`; shapes are drawn on a square of the smaller side, centred.
    pub fn render(&self) -> RgbaImage {
        // Draw at most ~350 px and scale up with the (optimised) image crate.
        let scale = (self.width.max(self.height) as f32 / 350.0).ceil().max(1.0) as u32;
        let (w, h) = (self.width / scale, self.height / scale);
        let mut img = RgbaImage::new(w, h);
        let s = w.min(h) as f32;
        let ox = (w as f32 - s) / 2.0;
        let oy = (h as f32 - s) / 2.0;
        let px = 1.0 / s;
        for y in 0..h {
            let v = (y as f32 + 0.5 - oy) / s;
            let t = (y as f32 / h as f32).clamp(0.0, 1.0);
            let bg = mix3(self.bg_top, self.bg_bottom, t);
            for x in 0..w {
                let u = (x as f32 + 0.5 - ox) / s - 0.5;
                let mut c = [bg[0] as f32, bg[1] as f32, bg[2] as f32];
                let mut alpha = if self.transparent { 0.0 } else { 1.0 };
                let paint = |col: [u8; 3], cov: f32, c: &mut [f32; 3], alpha: &mut f32| {
                    if cov <= 0.0 {
                        return;
                    }
                    if *alpha <= 0.0 {
                        *c = [col[0] as f32, col[1] as f32, col[2] as f32];
                        *alpha = cov;
                        return;
                    }
                    for i in 0..3 {
                        c[i] += (col[i] as f32 - c[i]) * cov;
                    }
                    *alpha += (1.0 - *alpha) * cov;
                };
                // long hair falls behind the shoulders
                if self.hair_style == HairStyle::Long {
                    let long = ellipse(u, v, 0.0, 0.52, 0.225, 0.32, px)
                        * ((0.80 - v) / px).clamp(0.0, 1.0);
                    paint(self.hair, long, &mut c, &mut alpha);
                }
                // shoulders
                paint(
                    self.shirt,
                    ellipse(u, v, 0.0, 1.08, 0.40, 0.36, px),
                    &mut c,
                    &mut alpha,
                );
                // collar
                paint(
                    mix3(self.shirt, [255, 255, 255], 0.35),
                    ellipse(u, v, 0.0, 0.74, 0.11, 0.05, px),
                    &mut c,
                    &mut alpha,
                );
                // neck
                let neck = if u.abs() < 0.075 && v > 0.55 && v < 0.75 {
                    ((0.075 - u.abs()) / px).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                paint(mix3(self.skin, [0, 0, 0], 0.12), neck, &mut c, &mut alpha);
                if self.hair_style == HairStyle::Bun {
                    paint(
                        self.hair,
                        ellipse(u, v, 0.0, 0.19, 0.085, 0.075, px),
                        &mut c,
                        &mut alpha,
                    );
                }
                // hair behind the head
                paint(
                    self.hair,
                    ellipse(u, v, 0.0, 0.40, 0.205, 0.245, px),
                    &mut c,
                    &mut alpha,
                );
                // head
                paint(
                    self.skin,
                    ellipse(u, v, 0.0, 0.43, 0.165, 0.205, px),
                    &mut c,
                    &mut alpha,
                );
                // fringe
                let fringe =
                    ellipse(u, v, 0.0, 0.43, 0.17, 0.21, px) * ((0.32 - v) / px).clamp(0.0, 1.0);
                paint(self.hair, fringe, &mut c, &mut alpha);
                // eyes, mouth, cheeks
                let eye = [40, 36, 40];
                paint(
                    eye,
                    ellipse(u, v, -0.062, 0.425, 0.02, 0.022, px),
                    &mut c,
                    &mut alpha,
                );
                paint(
                    eye,
                    ellipse(u, v, 0.062, 0.425, 0.02, 0.022, px),
                    &mut c,
                    &mut alpha,
                );
                if self.glasses {
                    let frame = [30, 30, 35];
                    for cx in [-0.062f32, 0.062] {
                        let ring = ellipse(u, v, cx, 0.425, 0.048, 0.04, px)
                            * (1.0 - ellipse(u, v, cx, 0.425, 0.038, 0.03, px));
                        paint(frame, ring, &mut c, &mut alpha);
                    }
                    let bridge = if u.abs() < 0.02 && (v - 0.42).abs() < 0.006 {
                        1.0
                    } else {
                        0.0
                    };
                    paint(frame, bridge, &mut c, &mut alpha);
                }
                let cheek = mix3(self.skin, [220, 80, 80], 0.25);
                paint(
                    cheek,
                    ellipse(u, v, -0.095, 0.49, 0.03, 0.018, px),
                    &mut c,
                    &mut alpha,
                );
                paint(
                    cheek,
                    ellipse(u, v, 0.095, 0.49, 0.03, 0.018, px),
                    &mut c,
                    &mut alpha,
                );
                paint(
                    [150, 60, 60],
                    ellipse(u, v, 0.0, 0.535, 0.045, 0.012, px),
                    &mut c,
                    &mut alpha,
                );
                img.put_pixel(
                    x,
                    y,
                    Rgba([
                        c[0] as u8,
                        c[1] as u8,
                        c[2] as u8,
                        (alpha * 255.0 + 0.5) as u8,
                    ]),
                );
            }
        }
        let mut img = if scale > 1 {
            DynamicImage::ImageRgba8(img)
                .resize_exact(self.width, self.height, FilterType::CatmullRom)
                .into_rgba8()
        } else {
            img
        };
        if self.noise > 0 {
            add_noise(&mut img, self.noise, self.seed);
        }
        img
    }

    pub fn jpeg(&self, quality: u8) -> Vec<u8> {
        let img = DynamicImage::ImageRgba8(self.render());
        let rgb = if self.transparent {
            flatten_white(&img)
        } else {
            img.to_rgb8()
        };
        encode_jpeg(&rgb, quality)
    }

    pub fn png(&self) -> Vec<u8> {
        encode_png(&self.render())
    }
}

fn mix3(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let m = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t) as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

/// Coverage (0..1) of an anti-aliased ellipse at (u, v).
fn ellipse(u: f32, v: f32, cx: f32, cy: f32, rx: f32, ry: f32, px: f32) -> f32 {
    let dx = (u - cx) / rx;
    let dy = (v - cy) / ry;
    let d2 = dx * dx + dy * dy;
    if d2 > 1.3 {
        return 0.0;
    }
    let d = (d2.sqrt() - 1.0) * rx.min(ry);
    (0.5 - d / px).clamp(0.0, 1.0)
}

/// Film-grain-like texture so that big JPEGs stay big (as camera photos are). A table of
/// random offsets is added byte by byte (cheap even in debug builds).
fn add_noise(img: &mut RgbaImage, amp: u8, seed: u64) {
    const TABLE: usize = 65_521;
    let mut rng = SplitMix(seed);
    let span = 2 * amp as u64 + 1;
    let table: Vec<i8> = (0..TABLE)
        .map(|i| {
            if i % 4 == 3 {
                0 // alpha
            } else {
                ((rng.next_u64() % span) as i64 - amp as i64) as i8
            }
        })
        .collect();
    for chunk in img.as_mut().chunks_mut(TABLE - TABLE % 4) {
        for (b, n) in chunk.iter_mut().zip(&table) {
            *b = b.saturating_add_signed(*n);
        }
    }
}

/// SharePoint's grey "no picture" person, as a JPEG of `size` pixels.
pub fn placeholder_jpeg(size: u32) -> Vec<u8> {
    let mut p = Portrait::new(
        [225, 223, 221],
        [161, 159, 157],
        [161, 159, 157],
        [161, 159, 157],
    );
    p.bg_bottom = p.bg_top;
    p.width = size.clamp(16, 648);
    p.height = p.width;
    p.jpeg(90)
}

/// A tiny deterministic PRNG (SplitMix64): the one seeded generator of the emulator, for
/// generated pictures and for fault fractions.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_have_the_right_sizes_and_look_alike() {
        let mut p = Portrait::new([200, 60, 90], [30, 60, 160], [240, 200, 170], [60, 40, 30]);
        p.width = 300;
        p.height = 200;
        let img = DynamicImage::ImageRgba8(p.render());
        let t = thumbnails(&img);
        let sizes: Vec<_> = t
            .iter()
            .map(|(_, s, b)| (*s, dimensions(b).unwrap()))
            .collect();
        assert_eq!(
            sizes,
            vec![(48, (48, 48)), (72, (72, 72)), (200, (200, 200))]
        );
        let thumb = Fingerprint::of(&decode_any(&t[2].2).unwrap());
        let orig = Fingerprint::of(&decode_any(&p.jpeg(90)).unwrap());
        assert!(thumb.matches(&orig));
        let mut other = p.clone();
        other.bg_top = [40, 160, 90];
        other.bg_bottom = [30, 120, 70];
        assert!(!Fingerprint::of(&decode_any(&other.jpeg(90)).unwrap()).matches(&orig));
    }

    #[test]
    #[ignore]
    fn timing() {
        let mut p = Portrait::new(
            [96, 160, 96],
            [90, 60, 130],
            [232, 185, 150],
            [170, 110, 60],
        );
        p.width = 4000;
        p.height = 3000;
        p.noise = 13;
        let t = std::time::Instant::now();
        let j = p.jpeg(88);
        eprintln!("grady {:?} {}", t.elapsed(), j.len());
        let t = std::time::Instant::now();
        let img = decode_any(&j).unwrap();
        eprintln!("decode {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let _ = thumbnails(&img);
        eprintln!("thumbs {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let _ = Fingerprint::of(&img);
        eprintln!("fingerprint {:?}", t.elapsed());
    }

    #[test]
    fn garbage_is_not_an_image() {
        assert!(decode_any(b"hello world, not a picture").is_none());
        assert!(decode_any(b"\x89PNG\r\n\x1a\nbroken").is_none());
        assert!(dimensions(b"nope").is_none());
    }
}
