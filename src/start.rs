//! Entry point of `index.html`: the sync page's first module ([`profile_photo_sync::first`]),
//! which draws the signed-out landing or starts a help-article link's sign-in itself, and
//! starts the app (`main.rs`'s module) for everything else.

fn main() {
    profile_photo_sync::first::start();
}
