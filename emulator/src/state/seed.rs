//! The seeded demo tenant: deterministic users, their Exchange photos (demo picture keys) and
//! their SharePoint state. Builds a `Tenant` value; the store decides when to load it.

use std::collections::BTreeMap;

use crate::model::{Seed, SeedOptions};
use crate::state::tenant::*;
use crate::wire::codec::{guid_from_name, now_ms};
use crate::wire::imaging;

const DAY_MS: u64 = 86_400_000;

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
            account_enabled: true,
            user_type: UserType::Member,
            geo: Geo::Nam,
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
                        geo: Geo::Nam,
                    },
                );
            }
            props.insert(
                "PictureURL".into(),
                format!(
                    "{my}{}",
                    crate::wire::codec::encode_path(&format!("{folder}/{oid}_MThumb.jpg"))
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
        description: "Everyone at Contoso".to_string(),
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
    put(
        "PreferredDataLocation",
        match u.geo {
            Geo::Nam => String::new(),
            geo => geo.data_location().to_string(),
        },
    );
    let _ = my_site;
    m
}
