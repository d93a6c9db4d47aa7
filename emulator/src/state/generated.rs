//! Generated tenants of any size (`--users N --seed S`) for the admin audit and its benchmark:
//! deterministic users with a realistic mix of every audit status (in sync, placeholder, older
//! picture, no Exchange photo, no mailbox), disabled accounts and guests that an audit of enabled
//! members must skip, a second geo (`contoso-eu-my.localhost`) and nested groups. Builds a
//! `Tenant` value from names and picture keys only: no picture is drawn here (`pictures` draws
//! them when first asked for), so 10,000 users start at once.

use crate::model::GeneratedTenant;
use crate::state::pictures::generated_key;
use crate::state::seed::{base_profile, oid_for};
use crate::state::tenant::*;
use crate::wire::codec::{encode_path, guid_from_name, now_ms, SplitMix};
use crate::wire::imaging;

const DAY_MS: u64 = 86_400_000;

/// (display, ASCII for the UPN)
const GIVEN: &[(&str, &str)] = &[
    ("Ava", "ava"),
    ("Noah", "noah"),
    ("Mia", "mia"),
    ("Liam", "liam"),
    ("Zoë", "zoe"),
    ("Søren", "soren"),
    ("Łukasz", "lukasz"),
    ("José", "jose"),
    ("Aiko", "aiko"),
    ("Priya", "priya"),
    ("Kwame", "kwame"),
    ("Elena", "elena"),
    ("Jānis", "janis"),
    ("Fatima", "fatima"),
    ("Chen", "chen"),
    ("Olga", "olga"),
    ("Mateo", "mateo"),
    ("Amara", "amara"),
    ("Henrik", "henrik"),
    ("Isabel", "isabel"),
    ("Tomás", "tomas"),
    ("Ingrid", "ingrid"),
    ("Ravi", "ravi"),
    ("Nora", "nora"),
];

const SURNAMES: &[(&str, &str)] = &[
    ("Nguyen", "nguyen"),
    ("Müller", "muller"),
    ("Kowalski", "kowalski"),
    ("García", "garcia"),
    ("Smith", "smith"),
    ("Tanaka", "tanaka"),
    ("Okafor", "okafor"),
    ("Berziņa", "berzina"),
    ("Rossi", "rossi"),
    ("Johansson", "johansson"),
    ("Patel", "patel"),
    ("Dubois", "dubois"),
    ("Novak", "novak"),
    ("Haddad", "haddad"),
    ("Silva", "silva"),
    ("O'Brien", "obrien"),
    ("Kim", "kim"),
    ("Larsen", "larsen"),
    ("Ivanova", "ivanova"),
    ("Mensah", "mensah"),
];

/// (department, job titles)
const DEPARTMENTS: &[(&str, &[&str])] = &[
    (
        "Sales",
        &["Account Executive", "Sales Representative", "Sales Manager"],
    ),
    (
        "Marketing",
        &[
            "Marketing Specialist",
            "Content Writer",
            "Marketing Manager",
        ],
    ),
    (
        "Finance",
        &["Accountant", "Financial Analyst", "Controller"],
    ),
    (
        "Operations",
        &[
            "Operations Analyst",
            "Logistics Coordinator",
            "Site Manager",
        ],
    ),
    (
        "Engineering",
        &["Software Engineer", "QA Engineer", "Engineering Manager"],
    ),
    (
        "IT",
        &[
            "Service Desk Analyst",
            "Systems Administrator",
            "IT Manager",
        ],
    ),
];

/// `preferredLanguage` by geo, as (share, language): a made-up mix (no public figure says how
/// often tenants leave it unset or which languages they use), with some users of neither geo's
/// main language, some Latvian (`lv-LV`) in both geos and some not set at all (`null`).
const LANGUAGES_NAM: &[(f64, Option<&str>)] = &[
    (0.15, None),
    (0.68, Some("en-US")),
    (0.08, Some("es-MX")),
    (0.04, Some("fr-CA")),
    (0.05, Some("lv-LV")),
];
const LANGUAGES_EUR: &[(f64, Option<&str>)] = &[
    (0.15, None),
    (0.25, Some("de-DE")),
    (0.20, Some("lv-LV")),
    (0.15, Some("en-GB")),
    (0.15, Some("fr-FR")),
    (0.10, Some("pl-PL")),
];

/// The language of the share of the geo's mix that `r` (0 ≤ r < 1) falls in.
fn preferred_language(geo: Geo, r: f64) -> Option<&'static str> {
    let mix = match geo {
        Geo::Nam => LANGUAGES_NAM,
        Geo::Eur => LANGUAGES_EUR,
    };
    let mut upto = 0.0;
    for (share, language) in mix {
        upto += share;
        if r < upto {
            return *language;
        }
    }
    mix.last().and_then(|(_, l)| *l)
}

/// What a generated user is meant to be (the truth is computed from the state they are built
/// into, so a test that writes later reads the truth after its writes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    InSync,
    Placeholder,
    OlderPhoto,
    /// No Exchange photo; `true`: SharePoint still shows an old picture.
    NoExchangePhoto(bool),
    NoMailbox,
}

/// The generated tenant. `port` makes the picture URLs.
pub fn tenant(port: u16, opts: &GeneratedTenant) -> Tenant {
    let now = now_ms();
    let mut t = Tenant::default();
    let n = opts.users.max(1);
    for i in 0..n {
        add_user(&mut t, port, opts.seed, i, now);
    }
    add_groups(&mut t);
    t
}

fn add_user(t: &mut Tenant, port: u16, seed: u64, i: u32, now: u64) {
    let mut rng = SplitMix(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64) << 1);
    let mut roll = || rng.next_f64();
    let (account_enabled, user_type) = match roll() {
        _ if i == 0 => (true, UserType::Member),
        r if r < 0.04 => (true, UserType::Guest),
        r if r < 0.07 => (false, UserType::Member),
        _ => (true, UserType::Member),
    };
    let kind = match roll() {
        _ if i == 0 => Kind::InSync,
        _ if user_type == UserType::Guest => Kind::NoMailbox,
        r if r < 0.42 => Kind::InSync,
        r if r < 0.62 => Kind::Placeholder,
        r if r < 0.75 => Kind::OlderPhoto,
        r if r < 0.90 => Kind::NoExchangePhoto(roll() < 0.25),
        _ => Kind::NoMailbox,
    };
    let geo = if i > 0 && user_type == UserType::Member && roll() < 0.2 {
        Geo::Eur
    } else {
        Geo::Nam
    };
    let (given, given_ascii) = GIVEN[(roll() * GIVEN.len() as f64) as usize];
    let (surname, surname_ascii) = SURNAMES[(roll() * SURNAMES.len() as f64) as usize];
    let (dept, titles) = DEPARTMENTS[(roll() * DEPARTMENTS.len() as f64) as usize];
    let title = titles[(roll() * titles.len() as f64) as usize];
    let photo_age_days = 1 + (roll() * 700.0) as u64;
    let sync_lag_days = 1 + (roll() * 20.0) as u64;
    // Drawn last, so that every draw before it (and so every status) is as it was before users
    // had a language of their own.
    let language = preferred_language(geo, roll());

    let (upn, display, mail) = if i == 0 {
        let upn = format!("admin@{TENANT_DOMAIN}");
        (upn.clone(), "Contoso Admin".to_string(), Some(upn))
    } else if user_type == UserType::Guest {
        let external = format!("{given_ascii}.{surname_ascii}{i}@fabrikam.com");
        let upn = format!("{}#EXT#@{TENANT_DOMAIN}", external.replace('@', "_"));
        (upn, format!("{given} {surname} (Fabrikam)"), Some(external))
    } else {
        let upn = format!("{given_ascii}.{surname_ascii}{i}@{TENANT_DOMAIN}");
        let mailbox = kind != Kind::NoMailbox;
        (
            upn.clone(),
            format!("{given} {surname}"),
            mailbox.then_some(upn),
        )
    };
    let mailbox = kind != Kind::NoMailbox;
    let exchange_at = now - photo_age_days * DAY_MS;
    let exchange_photo =
        matches!(kind, Kind::InSync | Kind::Placeholder | Kind::OlderPhoto).then(|| {
            ExchangePhoto {
                blob: BlobRef::Demo(generated_key(seed, i, false)),
                modified_ms: exchange_at,
            }
        });
    // The picture SharePoint shows, and when it was stored.
    let sharepoint = match kind {
        Kind::InSync => Some((
            generated_key(seed, i, false),
            (exchange_at + sync_lag_days * DAY_MS).min(now - DAY_MS / 2),
        )),
        Kind::OlderPhoto | Kind::NoExchangePhoto(true) => Some((
            generated_key(seed, i, true),
            exchange_at - (30 + sync_lag_days * 10) * DAY_MS,
        )),
        _ => None,
    };
    let oid = oid_for(&upn);
    let user = User {
        upn: upn.clone(),
        oid: oid.clone(),
        display_name: display,
        given_name: if i == 0 { "Contoso" } else { given }.to_string(),
        surname: if i == 0 { "Admin" } else { surname }.to_string(),
        job_title: Some(
            if i == 0 {
                "SharePoint Administrator"
            } else {
                title
            }
            .to_string(),
        ),
        department: Some(if i == 0 { "IT" } else { dept }.to_string()),
        office_location: Some(format!("{}/{}", 10 + i % 30, 1000 + i % 997)),
        mobile_phone: None,
        business_phones: vec![format!("+1 425 555 {:04}", i % 10_000)],
        preferred_language: if i == 0 { Some("en-US") } else { language }.map(str::to_string),
        mail,
        mailbox,
        is_admin: i == 0,
        exchange_photo,
        my_site: None,
        account_enabled,
        user_type,
        geo,
    };
    let origin = format!("http://{}.localhost:{port}", geo.my_site_label());
    let mut props = base_profile(&user, &origin);
    if let Some((key, at)) = sharepoint {
        let folder = format!("{PHOTO_LIBRARY}/{DEFAULT_PHOTO_FOLDER}");
        for (suffix, _) in imaging::THUMBS {
            t.files.insert(
                format!("{folder}/{oid}_{suffix}.jpg"),
                StoredFile {
                    blob: BlobRef::Demo(format!("{key}#{suffix}")),
                    modified_ms: at,
                    geo,
                },
            );
        }
        props.insert(
            "PictureURL".into(),
            format!(
                "{origin}{}",
                encode_path(&format!("{folder}/{oid}_MThumb.jpg"))
            ),
        );
        props.insert("SPS-PicturePlaceholderState".into(), "0".into());
        props.insert("SPS-PictureTimestamp".into(), (at / 1000).to_string());
    }
    t.profiles.insert(upn, props);
    t.users.push(user);
}

fn group(nick: &str, display: &str, description: &str, members: Vec<String>) -> Group {
    Group {
        id: guid_from_name(&format!("group:{nick}")),
        display_name: display.to_string(),
        mail_nickname: nick.to_string(),
        description: description.to_string(),
        members,
    }
}

/// `all-staff` (everyone, guests and disabled accounts too), one group per department, and
/// `emea`, whose members are the nested groups `emea-sales` and `emea-staff` and the admin.
fn add_groups(t: &mut Tenant) {
    let oids = |f: &dyn Fn(&User) -> bool| -> Vec<String> {
        t.users
            .iter()
            .filter(|u| f(u))
            .map(|u| u.oid.clone())
            .collect()
    };
    let mut groups = vec![group(
        "all-staff",
        "All Staff",
        "Everyone at Contoso",
        oids(&|_| true),
    )];
    for (dept, _) in DEPARTMENTS {
        let nick = dept.to_ascii_lowercase();
        groups.push(group(
            &nick,
            dept,
            &format!("The {dept} department"),
            oids(&|u| u.department.as_deref() == Some(dept) && !u.is_admin),
        ));
    }
    let eu_sales = group(
        "emea-sales",
        "EMEA Sales",
        "Sales in Europe",
        oids(&|u| u.geo == Geo::Eur && u.department.as_deref() == Some("Sales")),
    );
    let eu_staff = group(
        "emea-staff",
        "EMEA Staff",
        "Everyone else in Europe",
        oids(&|u| u.geo == Geo::Eur && u.department.as_deref() != Some("Sales")),
    );
    let mut emea_members = vec![eu_sales.id.clone(), eu_staff.id.clone()];
    emea_members.extend(oids(&|u| u.is_admin));
    groups.push(group(
        "emea",
        "EMEA",
        "Europe, Middle East and Africa",
        emea_members,
    ));
    groups.push(eu_sales);
    groups.push(eu_staff);
    t.groups = groups;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_tenant_and_another_seed_another() {
        let a = tenant(1, &GeneratedTenant::new(300, 7));
        let b = tenant(1, &GeneratedTenant::new(300, 7));
        let c = tenant(1, &GeneratedTenant::new(300, 8));
        let upns = |t: &Tenant| t.users.iter().map(|u| u.upn.clone()).collect::<Vec<_>>();
        assert_eq!(upns(&a), upns(&b));
        assert_ne!(upns(&a), upns(&c));
        assert_eq!(
            a.files.keys().collect::<Vec<_>>(),
            b.files.keys().collect::<Vec<_>>()
        );
        assert_eq!(a.users.len(), 300);
        assert_eq!(a.users[0].upn, format!("admin@{TENANT_DOMAIN}"));
        assert!(a.users[0].is_admin && a.users[0].is_enabled_member());
    }

    #[test]
    fn the_mix_has_guests_disabled_accounts_a_second_geo_and_every_picture_state() {
        let t = tenant(1, &GeneratedTenant::new(2_000, 1));
        let count = |f: &dyn Fn(&User) -> bool| t.users.iter().filter(|u| f(u)).count();
        let guests = count(&|u| u.user_type == UserType::Guest);
        let disabled = count(&|u| !u.account_enabled);
        let eur = count(&|u| u.geo == Geo::Eur);
        let no_mailbox = count(&|u| !u.mailbox && u.user_type == UserType::Member);
        let no_photo = count(&|u| u.mailbox && u.exchange_photo.is_none());
        assert!((40..=120).contains(&guests), "{guests}");
        assert!((25..=100).contains(&disabled), "{disabled}");
        assert!((250..=500).contains(&eur), "{eur}");
        assert!(
            no_mailbox > 100 && no_photo > 200,
            "{no_mailbox} {no_photo}"
        );
        // Guests look like B2B guests and have no mailbox.
        let g = t
            .users
            .iter()
            .find(|u| u.user_type == UserType::Guest)
            .unwrap();
        assert!(g.upn.contains("#EXT#@") && !g.mailbox);
        assert!(g.mail.as_deref().unwrap().ends_with("@fabrikam.com"));
        // Second-geo pictures live on the second geo's host, and their profile says so.
        let e = t
            .users
            .iter()
            .find(|u| u.geo == Geo::Eur && !t.profiles[&u.upn]["PictureURL"].is_empty())
            .unwrap();
        assert!(t.profiles[&e.upn]["PictureURL"].starts_with("http://contoso-eu-my.localhost:1/"));
        assert_eq!(t.profiles[&e.upn]["PreferredDataLocation"], "EUR");
        let f = &t.files[&format!("/User Photos/Profile Pictures/{}_SThumb.jpg", e.oid)];
        assert_eq!(f.geo, Geo::Eur);
    }

    #[test]
    fn languages_are_a_mix_with_latvian_and_unset_ones_the_same_for_the_same_seed() {
        let t = tenant(1, &GeneratedTenant::new(2_000, 1));
        let count = |lang: Option<&str>| {
            t.users
                .iter()
                .filter(|u| u.preferred_language.as_deref() == lang)
                .count()
        };
        let (lv, unset, en) = (count(Some("lv-LV")), count(None), count(Some("en-US")));
        assert!((100..=250).contains(&lv), "{lv}");
        assert!((200..=400).contains(&unset), "{unset}");
        assert!(en > 900, "{en}");
        assert!(t
            .users
            .iter()
            .any(|u| u.geo == Geo::Eur && u.preferred_language.as_deref() == Some("de-DE")));
        assert_eq!(
            t.users[0].preferred_language.as_deref(),
            Some("en-US"),
            "the admin"
        );
        let again = tenant(1, &GeneratedTenant::new(2_000, 1));
        let languages = |t: &Tenant| {
            t.users
                .iter()
                .map(|u| u.preferred_language.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(languages(&t), languages(&again));
        assert_ne!(
            languages(&t),
            languages(&tenant(1, &GeneratedTenant::new(2_000, 2)))
        );
        // Every share of each mix adds up to the whole.
        for mix in [LANGUAGES_NAM, LANGUAGES_EUR] {
            let total: f64 = mix.iter().map(|(s, _)| s).sum();
            assert!((total - 1.0).abs() < 1e-9, "{total}");
        }
    }

    #[test]
    fn groups_nest_and_cover_everyone() {
        let t = tenant(1, &GeneratedTenant::new(500, 3));
        let all = t.group("all-staff").unwrap();
        assert_eq!(t.transitive_users(all).len(), 500);
        let emea = t.group("emea").unwrap();
        let direct_users = emea.members.iter().filter(|m| t.user(m).is_some()).count();
        assert_eq!(direct_users, 1, "only the admin is a direct member");
        let everyone = t.transitive_users(emea);
        let eur = t.users.iter().filter(|u| u.geo == Geo::Eur).count();
        assert_eq!(everyone.len(), eur + 1);
    }
}
