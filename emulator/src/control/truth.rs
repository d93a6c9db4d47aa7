//! The ground truth of an audit (`GET /control/tenant/truth`): for every user, what an audit of
//! the tenant's photos should report, and whether an audit of enabled members reads them at
//! all; every group with its users, nested groups resolved. Computed from the current state, so
//! writes since the start count. Cheap on generated tenants: two generated pictures are compared
//! by their keys, and pixels are looked at only where a picture was written.

use std::collections::BTreeMap;

use super::snapshot::picture_path;
use crate::model::*;
use crate::state::*;

/// The truth for the tenant as it is now.
pub fn truth(shared: &Shared) -> TenantTruth {
    let tenant = shared.lock().tenant.clone();
    let users: Vec<UserTruth> = tenant
        .users
        .iter()
        .map(|u| UserTruth {
            upn: u.upn.clone(),
            oid: u.oid.clone(),
            display_name: u.display_name.clone(),
            account_enabled: u.account_enabled,
            user_type: u.user_type.as_str().to_string(),
            audited: u.is_enabled_member(),
            status: status(shared, &tenant, u),
            geo: u.geo.data_location().to_string(),
            personal_site_host: format!("{}/", shared.my_site_of(u.geo)),
        })
        .collect();
    let groups = tenant
        .groups
        .iter()
        .map(|g| GroupTruth {
            id: g.id.clone(),
            display_name: g.display_name.clone(),
            mail_nickname: g.mail_nickname.clone(),
            transitive_user_ids: tenant
                .transitive_users(g)
                .into_iter()
                .map(|u| u.oid.clone())
                .collect(),
        })
        .collect();
    let mut counts = BTreeMap::new();
    for u in users.iter().filter(|u| u.audited) {
        *counts.entry(u.status).or_insert(0) += 1;
    }
    TenantTruth {
        tenant_domain: TENANT_DOMAIN.to_string(),
        licenses: tenant.licenses(),
        users,
        groups,
        counts,
    }
}

/// What an audit should report for `u`: the mailbox first, then the Exchange photo, then what
/// SharePoint shows (the placeholder, the picture `PictureURL` names, or nothing).
pub fn status(shared: &Shared, tenant: &Tenant, u: &User) -> AuditStatus {
    if !u.mailbox {
        return AuditStatus::NoMailbox;
    }
    let Some(photo) = &u.exchange_photo else {
        return AuditStatus::NoExchangePhoto;
    };
    let props = tenant.profiles.get(&u.upn);
    let placeholder = props
        .and_then(|p| p.get("SPS-PicturePlaceholderState"))
        .is_none_or(|v| v != "0");
    let file = props
        .and_then(|p| p.get("PictureURL"))
        .filter(|v| !v.is_empty())
        .and_then(|url| picture_path(shared, url))
        .and_then(|path| tenant.files.get(&path));
    match file {
        Some(f) if !placeholder => {
            if same_picture(&photo.blob, &f.blob) {
                AuditStatus::InSync
            } else {
                AuditStatus::OlderPhoto
            }
        }
        _ => AuditStatus::Placeholder,
    }
}

/// Whether a SharePoint thumbnail shows the Exchange photo: by key when both are generated
/// (`alex` and `alex#MThumb`), else by likeness of the pixels.
fn same_picture(exchange: &BlobRef, thumbnail: &BlobRef) -> bool {
    match (exchange, thumbnail) {
        (BlobRef::Demo(photo), BlobRef::Demo(thumb)) => {
            thumb.split('#').next() == Some(photo.as_str())
        }
        _ => thumbnail.get().looks_like(&exchange.get()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_tenant_has_every_status_where_the_readme_says() {
        let shared = Shared::for_tests();
        let t = truth(&shared);
        let status = |key: &str| t.user(&format!("{key}@{TENANT_DOMAIN}")).unwrap().status;
        assert_eq!(status("adele"), AuditStatus::OlderPhoto);
        assert_eq!(status("alex"), AuditStatus::InSync);
        assert_eq!(status("admin"), AuditStatus::InSync);
        assert_eq!(status("megan"), AuditStatus::NoExchangePhoto);
        assert_eq!(status("lee"), AuditStatus::NoMailbox);
        for key in ["pradeep", "grady", "janis"] {
            assert_eq!(status(key), AuditStatus::Placeholder, "{key}");
        }
        assert!(t.users.iter().all(|u| u.audited && u.geo == "NAM"));
        assert_eq!(t.counts.values().sum::<u32>(), 8);
        assert_eq!(t.group("all-staff").unwrap().transitive_user_ids.len(), 8);
        assert_eq!(t.licenses, 7, "everyone but Lee has a mailbox");
    }

    #[test]
    fn a_generated_tenant_has_every_status_among_its_enabled_members() {
        let shared = Shared::for_tests();
        let opts = SeedOptions {
            generated: Some(GeneratedTenant::new(1_000, 42)),
            ..SeedOptions::default()
        };
        *shared.lock() = Inner::new(1, &opts, 0, &StartLimits::default());
        let t = truth(&shared);
        assert_eq!(t.users.len(), 1_000);
        for s in [
            AuditStatus::InSync,
            AuditStatus::Placeholder,
            AuditStatus::OlderPhoto,
            AuditStatus::NoExchangePhoto,
            AuditStatus::NoMailbox,
        ] {
            assert!(
                t.counts.get(&s).copied().unwrap_or(0) >= 30,
                "{s:?}: {:?}",
                t.counts
            );
        }
        let skipped: Vec<_> = t.users.iter().filter(|u| !u.audited).collect();
        assert!(skipped.iter().any(|u| u.user_type == "Guest"));
        assert!(skipped
            .iter()
            .any(|u| !u.account_enabled && u.user_type == "Member"));
        assert_eq!(
            t.counts.values().sum::<u32>() as usize,
            1_000 - skipped.len()
        );
        let eu = t.users.iter().find(|u| u.geo == "EUR").unwrap();
        assert_eq!(eu.personal_site_host, "http://contoso-eu-my.localhost:1/");
    }

    #[test]
    fn a_written_picture_is_compared_by_its_pixels() {
        let shared = Shared::for_tests();
        let upn = format!("adele@{TENANT_DOMAIN}");
        let before = truth(&shared).user(&upn).unwrap().status;
        assert_eq!(before, AuditStatus::OlderPhoto);
        // SharePoint's thumbnails replaced by ones made from the Exchange photo.
        let mut inner = shared.lock();
        let oid = inner.tenant.user(&upn).unwrap().oid.clone();
        let path = format!("/User Photos/Profile Pictures/{oid}_MThumb.jpg");
        let photo = crate::state::pictures::blob("adele");
        let img = crate::wire::imaging::decode_any(&photo.bytes).unwrap();
        let thumb = crate::wire::imaging::square_jpeg(&img, 72);
        inner.tenant.files.get_mut(&path).unwrap().blob = BlobRef::Ready(std::sync::Arc::new(
            crate::wire::imaging::Blob::new(thumb, "image/jpeg"),
        ));
        drop(inner);
        assert_eq!(
            truth(&shared).user(&upn).unwrap().status,
            AuditStatus::InSync
        );
        shared
            .lock()
            .tenant
            .profiles
            .get_mut(&upn)
            .unwrap()
            .insert("SPS-PicturePlaceholderState".into(), "1".into());
        assert_eq!(
            truth(&shared).user(&upn).unwrap().status,
            AuditStatus::Placeholder
        );
    }
}
