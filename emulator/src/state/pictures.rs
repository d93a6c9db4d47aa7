//! The demo pictures: generated portraits (and their thumbnails) by key, drawn once per
//! process and kept on disk for the next one. The pictures of generated tenants (`gen:` keys,
//! see `generated_key`) are drawn on demand and only the most recent few thousand are kept, so
//! that a tenant of 10,000 users starts at once and stays small. Knows nothing of users or the
//! store.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use crate::wire::codec::{sha256_hex, SplitMix};
use crate::wire::imaging::{self, Blob, HairStyle, Portrait};

type Cell = Arc<OnceLock<Arc<Blob>>>;

/// How many pictures of generated tenants stay in memory.
const GENERATED_KEPT: usize = 3_000;

/// The key of a generated tenant's picture: user `n` of tenant `seed`, the current picture or
/// an older, different one.
pub fn generated_key(seed: u64, n: u32, older: bool) -> String {
    if older {
        format!("gen:{seed}:{n}:old")
    } else {
        format!("gen:{seed}:{n}")
    }
}

/// A generated picture by key (`adele`, `adele#SThumb`, `gen:1:42`, `gen:1:42:old#MThumb`).
pub fn blob(key: &str) -> Arc<Blob> {
    if key.starts_with("gen:") {
        return generated_blob(key);
    }
    static CACHE: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();
    let cell = {
        let mut map = CACHE.get_or_init(Default::default).lock().unwrap();
        map.entry(key.to_string()).or_default().clone()
    };
    cell.get_or_init(|| Arc::new(make(key))).clone()
}

/// A generated tenant's picture: from the bounded cache, or drawn now (two callers may both draw
/// it; the pictures are deterministic).
fn generated_blob(key: &str) -> Arc<Blob> {
    type Kept = (HashMap<String, Arc<Blob>>, VecDeque<String>);
    static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();
    let kept = KEPT.get_or_init(Default::default);
    if let Some(b) = kept.lock().unwrap_or_else(|e| e.into_inner()).0.get(key) {
        return b.clone();
    }
    let b = Arc::new(make(key));
    let mut k = kept.lock().unwrap_or_else(|e| e.into_inner());
    if k.0.insert(key.to_string(), b.clone()).is_none() {
        k.1.push_back(key.to_string());
        while k.1.len() > GENERATED_KEPT {
            if let Some(old) = k.1.pop_front() {
                k.0.remove(&old);
            }
        }
    }
    b
}

/// Makes the demo pictures in the background so that the first requests do not wait.
pub fn warm_up() {
    static STARTED: OnceLock<()> = OnceLock::new();
    if STARTED.set(()).is_err() {
        return;
    }
    std::thread::spawn(|| {
        for key in ["adele", "alex", "pradeep", "janis", "admin"] {
            let _ = blob(key);
        }
        for base in ["adele-stale", "alex", "admin"] {
            for (suffix, _) in imaging::THUMBS {
                let _ = blob(&format!("{base}#{suffix}"));
            }
        }
        let _ = blob("grady");
    });
}

fn portrait(key: &str) -> Option<Portrait> {
    let seed = key
        .bytes()
        .fold(7u64, |a, b| a.wrapping_mul(31).wrapping_add(b as u64));
    let p = |bg: [u8; 3], shirt: [u8; 3], skin: [u8; 3], hair: [u8; 3], style: HairStyle| {
        let mut p = Portrait::new(bg, shirt, skin, hair);
        p.seed = seed;
        p.hair_style = style;
        p
    };
    use HairStyle::*;
    Some(match key {
        // Current Exchange photo: warm pink background, teal top, long hair.
        "adele" => p(
            [236, 112, 150],
            [0, 128, 128],
            [241, 194, 160],
            [120, 72, 40],
            Long,
        ),
        // The stale SharePoint copy: plainly different (slate blue, mustard top, short hair).
        "adele-stale" => p(
            [70, 100, 170],
            [214, 170, 40],
            [241, 194, 160],
            [60, 40, 25],
            Short,
        ),
        "alex" => p(
            [255, 185, 0],
            [40, 60, 140],
            [224, 172, 135],
            [50, 35, 25],
            Short,
        ),
        "pradeep" => {
            let mut p = p(
                [0, 0, 0],
                [200, 40, 60],
                [176, 124, 90],
                [25, 20, 20],
                Short,
            );
            p.transparent = true;
            p
        }
        "grady" => {
            let mut p = p(
                [96, 160, 96],
                [90, 60, 130],
                [232, 185, 150],
                [170, 110, 60],
                Short,
            );
            p.width = 4000;
            p.height = 3000;
            p.noise = 13;
            p.glasses = true;
            p
        }
        "janis" => p(
            [140, 90, 200],
            [160, 40, 40],
            [245, 210, 185],
            [200, 160, 90],
            Bun,
        ),
        "admin" => {
            let mut p = p(
                [60, 60, 70],
                [0, 120, 212],
                [230, 190, 160],
                [90, 90, 90],
                Short,
            );
            p.glasses = true;
            p
        }
        _ if key.starts_with("gen:") => return generated_portrait(key),
        _ => {
            let n: u64 = key.strip_prefix("user")?.parse().ok()?;
            let h =
                |k: u64| ((n.wrapping_mul(2_654_435_761).wrapping_add(k * 97)) % 200 + 40) as u8;
            let style = [Short, Long, Bun][(n % 3) as usize];
            let mut p = p(
                [h(1), h(2), h(3)],
                [h(4), h(5), h(6)],
                [235, 190, 155],
                [h(7) / 3, h(8) / 4, h(9) / 5],
                style,
            );
            p.glasses = n % 4 == 1;
            p
        }
    })
}

/// A generated tenant's portrait: colours, hair and glasses from the seed and the user's number;
/// the older picture of the same user has other colours and hair. Mostly 240 px, a few 648 px
/// and 96 px (as people upload them); drawn without upscaling up to 350 px, so cheap.
fn generated_portrait(key: &str) -> Option<Portrait> {
    let mut parts = key.strip_prefix("gen:")?.split(':');
    let seed: u64 = parts.next()?.parse().ok()?;
    let n: u64 = parts.next()?.parse().ok()?;
    let older = match parts.next() {
        None => false,
        Some("old") => true,
        Some(_) => return None,
    };
    let mut rng =
        SplitMix(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ n ^ if older { 0x01d } else { 0 });
    let mut colour = |lo: u64, span: u64| {
        let mut c = [0u8; 3];
        for x in &mut c {
            *x = (lo + rng.next_u64() % span) as u8;
        }
        c
    };
    let bg = colour(40, 200);
    let shirt = colour(20, 220);
    let hair = colour(10, 120);
    let skins = [
        [241, 194, 160],
        [224, 172, 135],
        [198, 134, 96],
        [141, 85, 54],
        [255, 219, 180],
    ];
    let mut rng = SplitMix(seed ^ n.wrapping_mul(31) ^ if older { 0xbeef } else { 0 });
    let skin = skins[(rng.next_u64() % skins.len() as u64) as usize];
    let mut p = Portrait::new(bg, shirt, skin, hair);
    p.seed = n;
    p.hair_style =
        [HairStyle::Short, HairStyle::Long, HairStyle::Bun][(rng.next_u64() % 3) as usize];
    p.glasses = rng.next_u64().is_multiple_of(4);
    // 648 px portraits are drawn at 324 px and scaled up: ten times the work of a 240 px one.
    let side = match SplitMix(seed ^ n).next_u64() % 20 {
        0 => 648,
        1..=2 => 96,
        _ => 240,
    };
    p.width = side;
    p.height = side;
    Some(p)
}

fn make(key: &str) -> Blob {
    if let Some((base, suffix)) = key.split_once('#') {
        let src = blob(base);
        let img = imaging::decode_any(&src.bytes).expect("demo pictures decode");
        let size = imaging::THUMBS
            .iter()
            .find(|(s, _)| *s == suffix)
            .map(|(_, n)| *n)
            .expect("known thumbnail suffix");
        return Blob::new(imaging::square_jpeg(&img, size), "image/jpeg");
    }
    let p = portrait(key).expect("known demo picture");
    let (ext, ct) = if p.transparent {
        ("png", "image/png")
    } else {
        ("jpg", "image/jpeg")
    };
    if key.starts_with("gen:") {
        // Cheap to draw again; thousands of them must not fill the disk.
        return Blob::new(p.jpeg(88), ct);
    }
    // Pictures are deterministic: keep them on disk so that the next process (every test
    // binary, every e2e run) does not draw them again.
    let spec = format!("{RENDER_VERSION}:{p:?}");
    let file = std::env::temp_dir()
        .join("m365-emulator-pictures")
        .join(format!(
            "{key}-{}.{ext}",
            &sha256_hex(spec.as_bytes())[..16]
        ));
    if let Ok(bytes) = std::fs::read(&file) {
        if !bytes.is_empty() {
            return Blob::new(bytes, ct);
        }
    }
    let bytes = if p.transparent { p.png() } else { p.jpeg(88) };
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
        let tmp = file.with_extension(format!("{ext}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, &bytes).is_ok() {
            let _ = std::fs::rename(&tmp, &file);
        }
    }
    Blob::new(bytes, ct)
}

/// Bump when the drawing code changes (invalidates the on-disk picture cache).
const RENDER_VERSION: &str = "portrait-v2";
