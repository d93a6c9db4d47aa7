//! Entry point of `tools.html` (the setup check and the link builder): mounts that page and
//! nothing else. A module of its own, so that the sync page does not carry these views.

fn main() {
    profile_photo_sync::app::mount_tools();
}
