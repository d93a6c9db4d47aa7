//! The demo tenant: deterministic users, generated portraits and SharePoint state.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use crate::imaging::{self, Blob, HairStyle, Portrait};
use crate::model::{Seed, SeedOptions};
use crate::store::*;
use crate::util::{guid_from_name, now_ms};

const DAY_MS: u64 = 86_400_000;

type Cell = Arc<OnceLock<Arc<Blob>>>;

/// A generated demo picture by key, made once per process.
pub fn blob(key: &str) -> Arc<Blob> {
    static CACHE: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();
    let cell = {
        let mut map = CACHE.get_or_init(Default::default).lock().unwrap();
        map.entry(key.to_string()).or_default().clone()
    };
    cell.get_or_init(|| Arc::new(make(key))).clone()
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
    // Pictures are deterministic: keep them on disk so that the next process (every test
    // binary, every e2e run) does not draw them again.
    let spec = format!("{RENDER_VERSION}:{p:?}");
    let file = std::env::temp_dir()
        .join("m365-emulator-pictures")
        .join(format!(
            "{key}-{}.{ext}",
            &crate::util::sha256_hex(spec.as_bytes())[..16]
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

struct Person {
    key: &'static str,
    display: &'static str,
    given: &'static str,
    surname: &'static str,
    title: &'static str,
    department: &'static str,
    mailbox: bool,
    photo: bool,
    admin: bool,
    sharepoint: Sp,
}

#[derive(Clone, Copy, PartialEq)]
enum Sp {
    /// Thumbnails made from this picture key, timestamp `days` ago.
    Picture(&'static str, u64),
    Placeholder,
}

const PEOPLE: &[Person] = &[
    Person {
        key: "adele",
        display: "Adele Vance",
        given: "Adele",
        surname: "Vance",
        title: "Retail Manager",
        department: "Retail",
        mailbox: true,
        photo: true,
        admin: false,
        sharepoint: Sp::Picture("adele-stale", 90),
    },
    Person {
        key: "alex",
        display: "Alex Wilber",
        given: "Alex",
        surname: "Wilber",
        title: "Marketing Assistant",
        department: "Marketing",
        mailbox: true,
        photo: true,
        admin: false,
        sharepoint: Sp::Picture("alex", 119),
    },
    Person {
        key: "megan",
        display: "Megan Bowen",
        given: "Megan",
        surname: "Bowen",
        title: "Marketing Manager",
        department: "Marketing",
        mailbox: true,
        photo: false,
        admin: false,
        sharepoint: Sp::Placeholder,
    },
    Person {
        key: "lee",
        display: "Lee Gu",
        given: "Lee",
        surname: "Gu",
        title: "Director",
        department: "Manufacturing",
        mailbox: false,
        photo: false,
        admin: false,
        sharepoint: Sp::Placeholder,
    },
    Person {
        key: "pradeep",
        display: "Pradeep Gupta",
        given: "Pradeep",
        surname: "Gupta",
        title: "Accountant",
        department: "Finance",
        mailbox: true,
        photo: true,
        admin: false,
        sharepoint: Sp::Placeholder,
    },
    Person {
        key: "grady",
        display: "Grady Archie",
        given: "Grady",
        surname: "Archie",
        title: "Designer",
        department: "Research & Development",
        mailbox: true,
        photo: true,
        admin: false,
        sharepoint: Sp::Placeholder,
    },
    Person {
        key: "janis",
        display: "Jānis Bērziņš",
        given: "Jānis",
        surname: "Bērziņš",
        title: "Sales Representative",
        department: "Sales",
        mailbox: true,
        photo: true,
        admin: false,
        sharepoint: Sp::Placeholder,
    },
    Person {
        key: "admin",
        display: "Contoso Admin",
        given: "Contoso",
        surname: "Admin",
        title: "SharePoint Administrator",
        department: "IT",
        mailbox: true,
        photo: true,
        admin: true,
        sharepoint: Sp::Picture("admin", 200),
    },
];

pub fn oid_for(upn: &str) -> String {
    guid_from_name(&format!("user:{}", upn.to_ascii_lowercase()))
}

/// `adele@contoso.onmicrosoft.com` → `adele_contoso_onmicrosoft_com`
pub fn personal_segment(upn: &str) -> String {
    upn.to_ascii_lowercase().replace(['@', '.'], "_")
}

pub fn tenant(port: u16, opts: &SeedOptions) -> Tenant {
    let Seed::Demo = opts.seed;
    let now = now_ms();
    let my = format!("http://contoso-my.localhost:{port}");
    let mut t = Tenant::default();
    let add = |t: &mut Tenant,
               key: String,
               display: String,
               given: String,
               surname: String,
               title: &str,
               dept: &str,
               mailbox: bool,
               photo: Option<(String, u64)>,
               admin: bool,
               sp: Option<(String, u64)>| {
        let upn = format!("{key}@{TENANT_DOMAIN}");
        let oid = oid_for(&upn);
        let user = User {
            upn: upn.clone(),
            oid: oid.clone(),
            display_name: display.clone(),
            given_name: given.clone(),
            surname: surname.clone(),
            job_title: Some(title.to_string()),
            department: Some(dept.to_string()),
            office_location: Some("18/2111".to_string()),
            mobile_phone: None,
            business_phones: vec!["+1 425 555 0109".to_string()],
            preferred_language: Some("en-US".to_string()),
            mail: mailbox.then(|| upn.clone()),
            mailbox,
            is_admin: admin,
            exchange_photo: photo.map(|(k, at)| ExchangePhoto {
                blob: BlobRef::Demo(k),
                modified_ms: at,
            }),
            my_site: None,
        };
        let mut props = base_profile(&user, &my);
        if let Some((pic, at)) = sp {
            let folder = format!("{PHOTO_LIBRARY}/{DEFAULT_PHOTO_FOLDER}");
            for (suffix, _) in imaging::THUMBS {
                t.files.insert(
                    format!("{folder}/{oid}_{suffix}.jpg"),
                    StoredFile {
                        blob: BlobRef::Demo(format!("{pic}#{suffix}")),
                        modified_ms: at,
                    },
                );
            }
            props.insert(
                "PictureURL".into(),
                format!(
                    "{my}{}",
                    crate::util::encode_path(&format!("{folder}/{oid}_MThumb.jpg"))
                ),
            );
            props.insert("SPS-PicturePlaceholderState".into(), "0".into());
            props.insert("SPS-PictureTimestamp".into(), (at / 1000).to_string());
        }
        t.profiles.insert(upn.clone(), props);
        t.users.push(user);
    };
    for p in PEOPLE {
        let ex_at = match p.sharepoint {
            Sp::Picture(_, _) if p.key == "adele" => now - 2 * DAY_MS,
            Sp::Picture(_, days) => now - (days + 1) * DAY_MS,
            Sp::Placeholder => now - 30 * DAY_MS,
        };
        let sp = match p.sharepoint {
            Sp::Picture(k, days) => Some((k.to_string(), now - days * DAY_MS)),
            Sp::Placeholder => None,
        };
        add(
            &mut t,
            p.key.to_string(),
            p.display.to_string(),
            p.given.to_string(),
            p.surname.to_string(),
            p.title,
            p.department,
            p.mailbox,
            p.photo.then(|| (p.key.to_string(), ex_at)),
            p.admin,
            sp,
        );
    }
    for i in 1..=opts.extra_users {
        let key = format!("user{i:03}");
        let photo = i % 5 != 0;
        let in_sync = photo && i % 4 == 0;
        add(
            &mut t,
            key.clone(),
            format!("Test User {i:03}"),
            "Test".to_string(),
            format!("User {i:03}"),
            "Tester",
            "QA",
            true,
            photo.then(|| (key.clone(), now - 10 * DAY_MS)),
            false,
            in_sync.then(|| (key.clone(), now - 9 * DAY_MS)),
        );
    }
    // Seeded consent: none. Every user consents on first sign-in.
    t.groups.push(Group {
        id: guid_from_name("group:all-staff"),
        display_name: "All Staff".to_string(),
        mail_nickname: "all-staff".to_string(),
        members: t.users.iter().map(|u| u.oid.clone()).collect(),
    });
    t
}

/// Profile properties as SharePoint keeps them, before any picture.
pub fn base_profile(u: &User, my_site: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let seg = personal_segment(&u.upn);
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    put("AccountName", format!("i:0#.f|membership|{}", u.upn));
    put(
        "UserProfile_GUID",
        guid_from_name(&format!("profile:{}", u.upn)),
    );
    put(
        "SID",
        format!("i:0h.f|membership|10032000{}@live.com", &u.oid[..8]),
    );
    put("ADGuid", String::new());
    put("FirstName", u.given_name.clone());
    put("LastName", u.surname.clone());
    put("PreferredName", u.display_name.clone());
    put(
        "WorkPhone",
        u.business_phones.first().cloned().unwrap_or_default(),
    );
    put("Department", u.department.clone().unwrap_or_default());
    put("Title", u.job_title.clone().unwrap_or_default());
    put("SPS-JobTitle", u.job_title.clone().unwrap_or_default());
    put("SPS-Department", u.department.clone().unwrap_or_default());
    put("Manager", String::new());
    put("AboutMe", String::new());
    put("PersonalSpace", format!("/personal/{seg}/"));
    put("PictureURL", String::new());
    put("UserName", u.upn.clone());
    put("WorkEmail", u.mail.clone().unwrap_or_default());
    put("Office", u.office_location.clone().unwrap_or_default());
    put("SPS-UserPrincipalName", u.upn.clone());
    put("SPS-ClaimID", u.upn.clone());
    put("SPS-ClaimProviderID", "membership".to_string());
    put("SPS-ClaimProviderType", "Forms".to_string());
    put("msOnline-ObjectId", u.oid.clone());
    put("SPS-PicturePlaceholderState", "1".to_string());
    put("SPS-PictureTimestamp", String::new());
    put("SPS-PictureExchangeSyncState", "0".to_string());
    put("SPS-PersonalSiteCapabilities", "36".to_string());
    put("SPS-HideFromAddressLists", "False".to_string());
    put("PreferredDataLocation", String::new());
    let _ = my_site;
    m
}
