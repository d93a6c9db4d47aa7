//! `SyncView` in a real DOM: what it shows in each phase, and what its buttons ask for.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use profile_photo_sync::i18n::Lang;
use profile_photo_sync::sync::{PhotoSummary, SharePointSummary, SyncFailure, SyncPhase};
use profile_photo_sync::ui::SyncView;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

struct Mounted {
    root: HtmlElement,
    phase: RwSignal<SyncPhase>,
    lang: RwSignal<Lang>,
    clicks: Rc<RefCell<Vec<bool>>>,
}

impl Mounted {
    fn new() -> Mounted {
        let document = web_sys::window().unwrap().document().unwrap();
        let root: HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let phase = RwSignal::new(SyncPhase::Idle);
        let lang = RwSignal::new(Lang::En);
        let clicks = Rc::new(RefCell::new(Vec::new()));
        let record = clicks.clone();
        leptos::mount::mount_to(root.clone(), move || {
            provide_context(lang);
            view! { <SyncView phase=phase on_sync=move |force: bool| record.borrow_mut().push(force)/> }
        })
        .forget();
        Mounted {
            root,
            phase,
            lang,
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

    async fn set(&self, phase: SyncPhase) {
        self.phase.set(phase);
        tick().await;
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

#[wasm_bindgen_test]
async fn buttons_are_disabled_while_working() {
    let m = Mounted::new();
    m.set(compared(false)).await;
    m.set(SyncPhase::Writing).await;
    assert!(m.get("sync-button").has_attribute("disabled"));
    assert_eq!(m.text("sync-status"), Lang::En.text().sync_status_writing);
    assert_eq!(
        m.get("sync-view").get_attribute("aria-busy").as_deref(),
        Some("true")
    );
    assert!(m.find("exchange-photo").is_some());
    m.click("sync-button");
    assert!(
        m.clicks.borrow().is_empty(),
        "a disabled button starts nothing"
    );
    m.set(SyncPhase::Verifying).await;
    assert_eq!(m.text("sync-status"), Lang::En.text().sync_status_verifying);
}

#[wasm_bindgen_test]
async fn done_shows_the_new_photo_and_the_time() {
    let m = Mounted::new();
    m.set(compared(false)).await;
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
        Some("blob:new")
    );
    assert!(
        m.text("sync-result").contains("1.5 s"),
        "{}",
        m.text("sync-result")
    );
    assert!(!m.get("sync-button").has_attribute("disabled"));
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
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
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

    m.lang.set(Lang::Lv);
    tick().await;
    assert_eq!(
        m.text("sync-error-message"),
        Lang::Lv.text().fail_no_exchange_photo
    );
    assert_eq!(m.text("sync-status"), Lang::Lv.text().sync_status_failed);
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

    // Writing, then the result: the comparison stays on screen beside the new photo.
    m.set(SyncPhase::Writing).await;
    m.set(SyncPhase::Done {
        elapsed_ms: 500,
        new_thumbnail: Some(e.clone()),
    })
    .await;
    assert!(readable(&c).await && readable(&d).await && readable(&e).await);
}
