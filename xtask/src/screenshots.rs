//! `cargo xtask screenshots`: refreshes the README's pictures. The end-to-end tests write their
//! screenshots into `target/screenshots/` (never into the working tree); this task runs the
//! tests that take them and copies Chromium's into `docs/screenshots/`, the only place that
//! writes there.

use std::fs;

use crate::error::{Error, Result};
use crate::process::{cmd, root, run};

/// The end-to-end tests that take the README's screenshots (libtest name filters).
const TESTS: [&str; 13] = [
    "admin::chromium::a_mixed_tenant_gets_the_true_status_for_everyone_and_the_csv_equals_the_table",
    "outreach::chromium::a_campaign_messages_each_out_of_sync_user_once_even_after_a_reload_and_a_second_click",
    "fix::the_dry_run_lists_what_would_be_written_and_writes_nothing",
    "shell::the_shell_renders_the_landing_view",
    "shell::a_broken_config_sends_employees_to_it_and_the_admin_to_the_setup_check",
    "sync::chromium::an_out_of_sync_user_syncs_with_one_click",
    "sync::screenshots_light_and_dark_in_english_and_latvian",
    "sync::the_result_is_in_view_without_scrolling_on_a_laptop_and_a_phone",
    "sync::a_failure_offers_its_actions_copies_its_details_and_names_support",
    "sync::no_exchange_photo_says_where_to_add_one",
    "embed::chromium::the_widget_in_a_cross_origin_frame",
    "links::the_built_link_signs_in",
    "setup::every_step_is_green_on_the_demo_tenant",
];

pub fn screenshots() -> Result {
    let taken = root().join("target/screenshots");
    if taken.exists() {
        fs::remove_dir_all(&taken).map_err(Error::file(&taken))?;
    }
    run(
        "the end-to-end tests that take the screenshots",
        crate::test::browsers(
            cmd("cargo")
                .args(["test", "--test", "e2e", "--locked", "--"])
                .args(TESTS),
        ),
    )?;
    let docs = root().join("docs/screenshots");
    fs::create_dir_all(&docs).map_err(Error::file(&docs))?;
    let mut copied = 0;
    for entry in fs::read_dir(&taken).map_err(Error::file(&taken))? {
        let from = entry.map_err(Error::file(&taken))?.path();
        if from.extension().is_some_and(|e| e == "png") {
            let to = docs.join(from.file_name().unwrap_or_default());
            fs::copy(&from, &to).map_err(Error::file(&to))?;
            copied += 1;
        }
    }
    eprintln!("==> {copied} screenshots copied into docs/screenshots/");
    Ok(())
}
