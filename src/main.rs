//! Entry point of the page: mounts the app and nothing else.

fn main() {
    profile_photo_sync::app::mount();
}
