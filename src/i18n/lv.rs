//! Latviešu valoda.

use super::Catalogue;

pub static LV: Catalogue = Catalogue {
    product_name: "Profila foto sinhronizācija",
    tagline: "Jūsu foto — vienāds visur Microsoft 365",
    language_label: "Valoda",
    loading: "Ielādē…",
    skip_to_content: "Pāriet uz saturu",
    config_problem_title: "Šī lapa vēl nav iestatīta",
    config_problem_help: "Lapas uzturētājam jāizlabo tās config.json. README izvietošanas ceļvedī ir aprakstīti visi iestatījumi.",
    config_missing: |status| format!("Blakus lapai nav atrasts config.json (HTTP {status}). Iekopējiet config.json tajā pašā mapē, kur index.html."),
    config_unreachable: |reason| format!("Neizdevās ielādēt config.json: {reason}. Pārbaudiet, vai lapas serveris to piedāvā."),
    config_bad_json: |line, column, message| format!("config.json nav derīgs JSON ({line}. rinda, {column}. kolonna): {message}."),
    config_missing_field: |field, hint| format!("config.json nav lauka \"{field}\". Pievienojiet to: {hint}"),
    config_bad_client_id: |value| format!("\"clientId\" config.json failā ir \"{value}\", un tas nav lietojumprogrammas (klienta) ID. Nokopējiet GUID no lietotnes reģistrācijas pārskata lapas Entra ID."),
    config_bad_url: |field, value, reason| format!("\"{field}\" config.json failā ir \"{value}\", un tas nav derīgs URL ({reason})."),
    config_not_https: |field, value| format!("\"{field}\" config.json failā ir \"{value}\": jālieto https:// (http:// drīkst tikai localhost)."),
    config_not_an_origin: |field, value| format!("\"{field}\" config.json failā ir \"{value}\": norādiet tikai izcelsmi (shēmu un resursdatoru) bez ceļa."),
    config_bad_cache_location: |value| format!("\"cacheLocation\" config.json failā ir \"{value}\": lietojiet \"sessionStorage\" vai \"memory\"."),
    hint_client_id: "lietotnes reģistrācijas lietojumprogrammas (klienta) ID no Entra ID.",
    hint_authority: "https://login.microsoftonline.com/<jūsu nomnieks>.onmicrosoft.com",
    landing_title: "Lai SharePoint rāda jūsu pašreizējo foto",
    landing_intro: "Outlook un Teams rāda jūsu iestatīto foto, bet SharePoint un OneDrive glabā vecu kopiju. Šī lapa ar vienu klikšķi nokopē jūsu foto uz SharePoint un pārbauda, vai tas izdevās.",
    landing_steps: [
        "Pierakstieties ar darba kontu.",
        "Salīdziniet Outlook foto ar to, ko rāda SharePoint.",
        "Sinhronizējiet: SharePoint saņem jūsu pašreizējo foto.",
    ],
    sign_in: "Pierakstīties",
    not_found_title: "Lapa nav atrasta",
    not_found_body: "Šajā adresē nekā nav.",
    go_home: "Uz sākumlapu",
};
