//! `SyncView` in a real DOM: what it shows in each phase, what its buttons ask for, where
//! focus goes and what the live region says.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use profile_photo_sync::i18n::Lang;
use profile_photo_sync::state::sync::{photos_after, ShownPhotos};
use profile_photo_sync::sync::{PhotoSummary, SharePointSummary, SyncFailure, SyncPhase};
use profile_photo_sync::ui::SyncView;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

struct Mounted {
    root: HtmlElement,
    phase: RwSignal<SyncPhase>,
    photos: RwSignal<Option<ShownPhotos>>,
    lang: RwSignal<Lang>,
    /// Whether a sync runs or is asked for, as the controller says; true unless a test says.
    sync_asked: RwSignal<bool>,
    clicks: Rc<RefCell<Vec<bool>>>,
}

impl Mounted {
    fn new() -> Mounted {
        let document = web_sys::window().unwrap().document().unwrap();
        let root: HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let phase = RwSignal::new(SyncPhase::Idle);
        let photos = RwSignal::new(None);
        let lang = RwSignal::new(Lang::En);
        let sync_asked = RwSignal::new(true);
        let clicks = Rc::new(RefCell::new(Vec::new()));
        let record = clicks.clone();
        leptos::mount::mount_to(root.clone(), move || {
            provide_context(lang);
            view! {
                <SyncView phase=phase photos=photos sync_asked=sync_asked
                    on_sync=move |force: bool| record.borrow_mut().push(force)/>
            }
        })
        .forget();
        Mounted {
            root,
            phase,
            photos,
            lang,
            sync_asked,
            clicks,
        }
    }

    fn find(&self, testid: &str) -> Option<Element> {
        self.root
            .query_selector(&format!("[data-testid='{testid}']"))
            .unwrap()
    }

    fn get(&self, testid: &str) -> Element {
        self.find(testid)
            .unwrap_or_else(|| panic!("no {testid} in {}", self.root.inner_html()))
    }

    fn text(&self, testid: &str) -> String {
        self.get(testid).text_content().unwrap_or_default()
    }

    fn click(&self, testid: &str) {
        self.get(testid).dyn_into::<HtmlElement>().unwrap().click();
    }

    /// Reports `phase` as the controller does: the photos first, then the phase; then lets
    /// the view render and move focus.
    async fn set(&self, phase: SyncPhase) {
        self.photos
            .update(|shown| *shown = photos_after(shown.take(), &phase));
        self.phase.set(phase);
        tick().await;
        tick().await;
    }

    /// The `id` of the focused element.
    fn focused(&self) -> String {
        web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .active_element()
            .map(|e| e.id())
            .unwrap_or_default()
    }
}

/// Lets the reactive system run.
async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

fn compared(in_sync: bool) -> SyncPhase {
    SyncPhase::Compared {
        exchange: PhotoSummary {
            image_url: Some("blob:exchange".into()),
            source_width: 4000,
            source_height: 3000,
            source_format: "JPEG",
            edge: 648,
            jpeg_bytes: 60_000,
        },
        sharepoint: SharePointSummary {
            image_url: Some("blob:sharepoint".into()),
            has_picture: true,
            picture_timestamp: Some("1".into()),
        },
        in_sync,
    }
}

#[wasm_bindgen_test]
async fn idle_shows_one_primary_action_and_no_photos() {
    let m = Mounted::new();
    tick().await;
    let en = Lang::En.text();
    assert_eq!(m.text("sync-status"), en.sync_status_idle);
    assert_eq!(
        m.get("sync-status").get_attribute("aria-live").as_deref(),
        Some("polite")
    );
    assert!(m.find("exchange-photo").is_none() && m.find("sharepoint-photo").is_none());
    assert!(m.find("sync-anyway").is_none());
    assert_eq!(m.text("sync-button"), en.sync_button);
    m.click("sync-button");
    assert_eq!(*m.clicks.borrow(), vec![false]);
}

#[wasm_bindgen_test]
async fn compared_shows_both_photos_and_in_sync_offers_sync_anyway() {
    let m = Mounted::new();
    m.set(compared(false)).await;
    assert_eq!(
        m.get("exchange-photo").get_attribute("src").as_deref(),
        Some("blob:exchange")
    );
    assert_eq!(
        m.get("sharepoint-photo").get_attribute("src").as_deref(),
        Some("blob:sharepoint")
    );
    assert!(m
        .root
        .text_content()
        .unwrap()
        .contains("In Outlook and Teams"));
    assert!(m.root.text_content().unwrap().contains("In SharePoint"));
    assert!(m.find("sync-anyway").is_none());

    m.set(SyncPhase::NothingToDo).await;
    assert!(m.find("sync-nothing-to-do").is_some());
    assert!(
        m.find("exchange-photo").is_some(),
        "photos stay after the comparison"
    );
    assert!(
        m.find("sync-button").is_none(),
        "the one action offered is to sync anyway"
    );
    m.click("sync-anyway");
    assert_eq!(*m.clicks.borrow(), vec![true]);
}

/// The issue "Accessibility beyond axe" changed this: the busy button was `disabled`, which
/// dropped focus to the page; now it stays focusable (`aria-disabled`), says what it does, and
/// ignores clicks.
#[wasm_bindgen_test]
async fn the_busy_button_keeps_focus_says_what_it_does_and_ignores_clicks() {
    let m = Mounted::new();
    m.set(compared(false)).await;
    assert_eq!(
        m.focused(),
        "sync-outcome-title",
        "focus on the comparison's heading"
    );
    let button = m.get("sync-button").dyn_into::<HtmlElement>().unwrap();
    button.focus().unwrap();
    m.set(SyncPhase::Writing).await;
    let en = Lang::En.text();
    let busy = m.get("sync-button");
    assert!(busy.is_same_node(Some(&button)), "the same button");
    assert!(!busy.has_attribute("disabled"));
    assert_eq!(busy.get_attribute("aria-disabled").as_deref(), Some("true"));
    assert_eq!(
        busy.text_content().unwrap_or_default(),
        en.sync_button_writing
    );
    assert_eq!(
        web_sys::window()
            .unwrap()
            .document()
            .unwrap()
            .active_element()
            .as_ref(),
        Some(&busy),
        "the busy button keeps focus"
    );
    assert_eq!(m.text("sync-status"), en.sync_status_writing);
    assert_eq!(
        m.get("sync-view").get_attribute("aria-busy").as_deref(),
        Some("true")
    );
    assert!(m.find("exchange-photo").is_some());
    m.click("sync-button");
    assert!(m.clicks.borrow().is_empty(), "a busy button starts nothing");
    let write = m
        .root
        .query_selector("[data-step='write']")
        .unwrap()
        .unwrap();
    assert_eq!(write.get_attribute("data-state").as_deref(), Some("active"));
    assert_eq!(write.get_attribute("aria-current").as_deref(), Some("step"));
    m.set(SyncPhase::Verifying).await;
    assert_eq!(m.text("sync-status"), en.sync_status_verifying);
    assert_eq!(m.text("sync-button"), en.sync_button_verifying);
}

/// Back from signing in, the photos are read for the comparison: the button offers the sync
/// at once (primary, not busy) and a click asks for it; once asked, reading is busy.
#[wasm_bindgen_test]
async fn reading_for_the_comparison_offers_the_sync_at_once() {
    let m = Mounted::new();
    m.sync_asked.set(false);
    m.set(SyncPhase::Reading).await;
    let en = Lang::En.text();
    let button = m.get("sync-button");
    assert_eq!(button.get_attribute("aria-disabled"), None);
    assert_eq!(button.text_content().unwrap_or_default(), en.sync_button);
    assert!(button.class_list().contains("primary"));
    assert_eq!(m.text("sync-status"), en.sync_status_reading);
    m.click("sync-button");
    assert_eq!(*m.clicks.borrow(), vec![false], "a sync, not forced");
    // The controller says the sync is asked: the same button, busy reading.
    m.sync_asked.set(true);
    tick().await;
    let busy = m.get("sync-button");
    assert!(busy.is_same_node(Some(&button)), "the same button");
    assert_eq!(busy.get_attribute("aria-disabled").as_deref(), Some("true"));
    assert_eq!(
        busy.text_content().unwrap_or_default(),
        en.sync_button_reading
    );
    m.click("sync-button");
    assert_eq!(
        m.clicks.borrow().len(),
        1,
        "a second click asks for nothing more"
    );
}

/// Changed with the issue "a sync screen a help desk would be proud of": the result shows
/// SharePoint's photo before and after (no longer the Exchange photo beside the new one), in
/// one success message, with no button to sync again.
#[wasm_bindgen_test]
async fn done_shows_sharepoint_before_and_after_in_one_message_and_no_sync_button() {
    let m = Mounted::new();
    m.set(compared(false)).await;
    m.set(SyncPhase::Writing).await;
    m.set(SyncPhase::Done {
        elapsed_ms: 1500,
        new_thumbnail: Some("blob:new".into()),
    })
    .await;
    assert_eq!(
        m.get("new-sharepoint-photo")
            .get_attribute("src")
            .as_deref(),
        Some("blob:new")
    );
    assert_eq!(
        m.get("sharepoint-photo").get_attribute("src").as_deref(),
        Some("blob:sharepoint"),
        "before: the photo SharePoint had"
    );
    assert!(m.find("exchange-photo").is_none());
    assert!(
        m.text("sync-result").contains("1.5 s"),
        "{}",
        m.text("sync-result")
    );
    assert_eq!(
        m.root.inner_html().matches("<h2").count(),
        1,
        "one success message"
    );
    assert!(m.find("sync-button").is_none() && m.find("sync-anyway").is_none());
    assert_eq!(m.focused(), "sync-outcome-title");
    assert_eq!(
        m.text("sync-outcome-title"),
        Lang::En.text().sync_done_title
    );
    assert_eq!(m.text("sync-status"), Lang::En.text().sync_status_done);
    assert_eq!(
        web_sys::window().unwrap().document().unwrap().title(),
        "Done — Profile Photo Sync"
    );
}

#[wasm_bindgen_test]
async fn failure_says_what_happened_and_what_to_do() {
    let m = Mounted::new();
    m.set(SyncPhase::Failed {
        reason: SyncFailure::NoExchangePhoto,
        wrote_anything: false,
    })
    .await;
    let error = m.get("sync-error");
    // Changed with "Accessibility beyond axe": the one live region announces the failure, so
    // the notice itself is no second alert.
    assert_eq!(error.get_attribute("role"), None);
    assert!(
        m.root.query_selector("[role='alert']").unwrap().is_none(),
        "no alert beside the live region"
    );
    assert_eq!(m.focused(), "sync-outcome-title");
    assert_eq!(
        error.get_attribute("data-reason").as_deref(),
        Some("no-exchange-photo")
    );
    let en = Lang::En.text();
    assert_eq!(m.text("sync-error-message"), en.fail_no_exchange_photo);
    assert_eq!(m.text("sync-error-fix"), en.fail_no_exchange_photo_fix);
    assert!(error
        .text_content()
        .unwrap()
        .contains(en.sync_nothing_written));
    assert!(
        error.query_selector(".sync-details").unwrap().is_none(),
        "no jargon when the message says it all"
    );
    assert!(m.text("sync-status").contains(en.fail_no_exchange_photo));
    assert!(
        m.find("add-photo-link").is_some(),
        "says where to add a photo"
    );
    assert_eq!(m.text("sync-button"), en.sync_check_again);
    let report = m
        .get("sync-report-text")
        .dyn_into::<web_sys::HtmlTextAreaElement>()
        .unwrap()
        .value();
    assert!(report.contains("reason: no-exchange-photo"), "{report}");
    assert!(
        report.contains(&format!("version: {}", profile_photo_sync::config::VERSION)),
        "{report}"
    );

    m.lang.set(Lang::Lv);
    tick().await;
    assert_eq!(
        m.text("sync-error-message"),
        Lang::Lv.text().fail_no_exchange_photo
    );
    assert!(m
        .text("sync-status")
        .contains(Lang::Lv.text().fail_no_exchange_photo));
}

#[wasm_bindgen_test]
async fn unexpected_answers_show_details_for_it_and_a_possible_write() {
    let m = Mounted::new();
    m.set(SyncPhase::Failed {
        reason: SyncFailure::Unexpected {
            service: profile_photo_sync::sync::Service::SharePoint,
            detail: "SharePoint answered HTTP 500 -1: boom".into(),
        },
        wrote_anything: true,
    })
    .await;
    let error = m.get("sync-error");
    assert_eq!(
        error.get_attribute("data-wrote-anything").as_deref(),
        Some("true")
    );
    let text = error.text_content().unwrap();
    assert!(text.contains("HTTP 500"), "{text}");
    assert!(text.contains(Lang::En.text().sync_maybe_written), "{text}");
    assert!(
        text.contains(Lang::En.text().sync_maybe_written_title),
        "{text}"
    );
    assert!(
        error.class_list().contains("maybe-written"),
        "a warning, not a red error"
    );
}

/// True when the browser can still read `url`.
async fn readable(url: &str) -> bool {
    let window = web_sys::window().unwrap();
    JsFuture::from(window.fetch_with_str(url)).await.is_ok()
}

/// A comparison showing two real `blob:` URLs.
fn compared_with(exchange_url: &str, sharepoint_url: &str) -> SyncPhase {
    let SyncPhase::Compared {
        mut exchange,
        mut sharepoint,
        in_sync,
    } = compared(false)
    else {
        unreachable!()
    };
    exchange.image_url = Some(exchange_url.to_owned());
    sharepoint.image_url = Some(sharepoint_url.to_owned());
    SyncPhase::Compared {
        exchange,
        sharepoint,
        in_sync,
    }
}

#[wasm_bindgen_test]
async fn photos_no_longer_shown_are_released() {
    let url = || profile_photo_sync::photo::browser::object_url(b"x", "image/jpeg").unwrap();
    let (a, b, c, d, e) = (url(), url(), url(), url(), url());
    let m = Mounted::new();
    m.set(compared_with(&a, &b)).await;
    assert!(readable(&a).await && readable(&b).await);

    // A new comparison replaces both photos: the old ones are released.
    m.set(compared_with(&c, &d)).await;
    assert!(
        !readable(&a).await && !readable(&b).await,
        "old photos released"
    );
    assert!(
        readable(&c).await && readable(&d).await,
        "shown photos kept"
    );

    // Writing, then the result: SharePoint's photo before and after stay on screen; the
    // Exchange photo, no longer shown, is released.
    m.set(SyncPhase::Writing).await;
    m.set(SyncPhase::Done {
        elapsed_ms: 500,
        new_thumbnail: Some(e.clone()),
    })
    .await;
    assert!(readable(&d).await && readable(&e).await);
    assert!(!readable(&c).await, "the Exchange photo is no longer shown");
}
