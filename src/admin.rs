//! Entry point of `admin.html` (the admin audit): mounts that page and nothing else. A module
//! of its own, so that the page everyone opens does not carry the audit.

fn main() {
    profile_photo_sync::app::mount_admin();
}
