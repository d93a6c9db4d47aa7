//! The admin page's direct-write panel's messages (`admin.html`), apart from the sync page's
//! catalogue. Same rule: one struct, every language fills every field.

use super::Lang;

/// The write panel's messages in one language.
pub struct FixCatalogue {
    pub title: &'static str,
    pub intro: &'static str,
    /// (thumbnail overwrites, profile writes, nothing): the plan in a sentence.
    pub plan_summary: fn(usize, usize, usize) -> String,
    pub dry_run: &'static str,
    pub dry_run_note: &'static str,
    pub write: fn(usize) -> String,
    pub write_confirm: &'static str,
    pub cancel: &'static str,
    pub needs_consent: &'static str,
    pub consent: &'static str,
    pub progress: fn(usize, usize) -> String,
    pub finished: fn(usize, usize) -> String,
    pub col_user: &'static str,
    pub col_write: &'static str,
    pub col_result: &'static str,
    /// (file names, host): the overwrite of existing thumbnails.
    pub would_overwrite: fn(&str, &str) -> String,
    /// The profile write of a user without a picture.
    pub would_profile_write: fn(&str) -> String,
    pub waiting: &'static str,
    pub writing: &'static str,
    pub verified: &'static str,
    pub refused: &'static str,
    pub no_library_rights: &'static str,
    pub not_written: fn(&str) -> String,
    pub rolled_back: fn(&str) -> String,
    pub incomplete: fn(&str, &str) -> String,
    pub cancelled: &'static str,
    pub refusal_title: &'static str,
    pub refusal_text: &'static str,
    pub outreach_offer: fn(usize) -> String,
    pub library_title: &'static str,
    /// (host): why the admin may not write there and who can change it.
    pub library_text: fn(&str) -> String,
    pub nobody: &'static str,
}

impl Lang {
    pub fn fix_text(self) -> &'static FixCatalogue {
        match self {
            Lang::En => &EN,
            Lang::Lv => &LV,
        }
    }
}

pub static EN: FixCatalogue = FixCatalogue {
    title: "Write photos directly",
    intro: "Where SharePoint allows it, the page can write the Exchange photo into SharePoint itself: it overwrites the three thumbnails of users whose SharePoint picture already exists, and tries the profile write for users without one. SharePoint Online refuses profile writes for other users from a browser; those users fix their photo with one click from their own link.",
    plan_summary: |t, p, n| format!("{t} to overwrite the thumbnails, {p} without a picture (the profile write), {n} with nothing to write."),
    dry_run: "Show what would be written",
    dry_run_note: "Dry run: nothing has been written. Check the list, then write.",
    write: |n| format!("Write {n} users now"),
    write_confirm: "I have checked the list and want SharePoint changed for these users.",
    cancel: "Stop after this user",
    needs_consent: "Writing needs the permission to write to SharePoint (sites and user profiles).",
    consent: "Grant the permission",
    progress: |done, total| format!("Written {done} of {total}"),
    finished: |verified, total| format!("Done: {verified} of {total} written and verified."),
    col_user: "User",
    col_write: "What is written",
    col_result: "Result",
    would_overwrite: |files, host| format!("Overwrite {files} on {host}, at the sizes of the files they replace"),
    would_profile_write: |upn| format!("Set PictureURL of {upn} (the profile write, tried once), then write the three thumbnails and SPS-PicturePlaceholderState = 0"),
    waiting: "Not written yet",
    writing: "Writing…",
    verified: "Written and verified: SharePoint shows the Exchange photo.",
    refused: "Not written: SharePoint refuses profile writes for other users. Nothing was changed.",
    no_library_rights: "Not written: you may not write to the User Photos library. Nothing was changed.",
    not_written: |d| format!("Not written, nothing changed: {d}"),
    rolled_back: |d| format!("Failed and put back as it was: {d}"),
    incomplete: |d, left| format!("Failed, and could not all be put back: {d}. Left in SharePoint: {left}"),
    cancelled: "Not written: stopped before this user.",
    refusal_title: "SharePoint refuses profile writes for other users",
    refusal_text: "SharePoint Online refuses to change another person's profile when asked from a browser, even for Global and SharePoint administrators: only PowerShell with a certificate (app-only) or a SharePoint sign-in cookie gets through, and this page has neither. Nothing was written for these users. Their photo is fixed when they open their own link once: SharePoint copies the Exchange photo when the user asks for their own.",
    outreach_offer: |n| format!("Send their one-click link to these {n} users instead: each user's link is in the “Self-service link” column of the results, and in the CSV export."),
    library_title: "You may not write to the User Photos library",
    library_text: |host| format!("SharePoint refused to let you write to the User Photos library of {host}. Only site collection administrators of the My Site host may: a SharePoint administrator can add you there (SharePoint admin center → Sites → Active sites, or Set-SPOUser -IsSiteCollectionAdmin). Or leave it and send these users their one-click link instead."),
    nobody: "No user needs a direct write.",
};

pub static LV: FixCatalogue = FixCatalogue {
    title: "Rakstīt fotoattēlus tieši",
    intro: "Kur SharePoint to atļauj, lapa var pati ierakstīt Exchange fotoattēlu SharePoint: tā pārraksta trīs sīktēlus lietotājiem, kuriem SharePoint attēls jau ir, un mēģina profila ierakstu lietotājiem bez tā. SharePoint Online no pārlūka atsaka citu lietotāju profilu ierakstus; šie lietotāji fotoattēlu salabo ar vienu klikšķi no savas saites.",
    plan_summary: |t, p, n| format!("Sīktēlu pārrakstīšana: {t}; bez attēla (profila ieraksts): {p}; nav ko rakstīt: {n}."),
    dry_run: "Parādīt, kas tiktu ierakstīts",
    dry_run_note: "Izmēģinājums: nekas nav ierakstīts. Pārbaudiet sarakstu un tad rakstiet.",
    write: |n| format!("Rakstīt tagad (lietotāji: {n})"),
    write_confirm: "Esmu pārbaudījis sarakstu un vēlos mainīt SharePoint šiem lietotājiem.",
    cancel: "Apturēt pēc šī lietotāja",
    needs_consent: "Rakstīšanai vajag atļauju rakstīt SharePoint (vietnes un lietotāju profili).",
    consent: "Piešķirt atļauju",
    progress: |done, total| format!("Ierakstīti {done} no {total}"),
    finished: |verified, total| format!("Gatavs: {verified} no {total} ierakstīti un pārbaudīti."),
    col_user: "Lietotājs",
    col_write: "Kas tiek ierakstīts",
    col_result: "Rezultāts",
    would_overwrite: |files, host| format!("Pārrakstīt {files} vietnē {host}, aizstājamo failu izmēros"),
    would_profile_write: |upn| format!("Iestatīt lietotāja {upn} PictureURL (profila ieraksts, vienu reizi), tad ierakstīt trīs sīktēlus un SPS-PicturePlaceholderState = 0"),
    waiting: "Vēl nav ierakstīts",
    writing: "Raksta…",
    verified: "Ierakstīts un pārbaudīts: SharePoint rāda Exchange fotoattēlu.",
    refused: "Nav ierakstīts: SharePoint atsaka citu lietotāju profilu ierakstus. Nekas nav mainīts.",
    no_library_rights: "Nav ierakstīts: jums nav tiesību rakstīt bibliotēkā User Photos. Nekas nav mainīts.",
    not_written: |d| format!("Nav ierakstīts, nekas nav mainīts: {d}"),
    rolled_back: |d| format!("Neizdevās, viss atjaunots kā bija: {d}"),
    incomplete: |d, left| format!("Neizdevās, un ne visu varēja atjaunot: {d}. SharePoint palicis: {left}"),
    cancelled: "Nav ierakstīts: apturēts pirms šī lietotāja.",
    refusal_title: "SharePoint atsaka citu lietotāju profilu ierakstus",
    refusal_text: "SharePoint Online atsaka mainīt cita cilvēka profilu, ja to lūdz no pārlūka, pat globālajiem un SharePoint administratoriem: to var tikai PowerShell ar sertifikātu (tikai lietotne) vai SharePoint pierakstīšanās sīkfails, un šai lapai nav neviena no tiem. Šiem lietotājiem nekas nav ierakstīts. Viņu fotoattēls tiek salabots, kad viņi vienreiz atver savu saiti: SharePoint nokopē Exchange fotoattēlu, kad lietotājs pieprasa savu.",
    outreach_offer: |n| format!("Tā vietā nosūtiet šiem lietotājiem (kopā {n}) viņu viena klikšķa saiti: katra saite ir rezultātu kolonnā “Pašapkalpošanās saite” un CSV eksportā."),
    library_title: "Jums nav tiesību rakstīt bibliotēkā User Photos",
    library_text: |host| format!("SharePoint neļāva jums rakstīt {host} bibliotēkā User Photos. To drīkst tikai My Site resursdatora vietņu kolekcijas administratori: SharePoint administrators var jūs tur pievienot (SharePoint administrēšanas centrs → Vietnes → Aktīvās vietnes, vai Set-SPOUser -IsSiteCollectionAdmin). Vai arī nemainiet to un nosūtiet šiem lietotājiem viņu viena klikšķa saiti."),
    nobody: "Nevienam lietotājam nav vajadzīgs tiešs ieraksts.",
};
