//! The admin page's outreach messages (sending each user their link), apart from the audit's
//! [`super::admin::AdminCatalogue`]. Same rule: one struct, every language fills every field.
//! The default message templates are here too: what a user reads in their language.

use super::number::count;
use super::Lang;

/// The outreach panel's messages in one language.
pub struct OutreachCatalogue {
    /// The default message: subject, and body with `{name}` and `{link}`.
    pub default_subject: &'static str,
    pub default_body: &'static str,
    /// `{name}` in a message to many (Bcc), as a greeting reads it.
    pub generic_name: &'static str,
    /// The ready Teams message, with the link for everyone.
    pub teams_message: fn(&str) -> String,
    pub title: &'static str,
    pub intro: &'static str,
    pub select_legend: &'static str,
    pub select_out_of_sync: &'static str,
    pub select_placeholder: &'static str,
    pub select_older: &'static str,
    /// (users selected, of them already in this campaign).
    pub selected: fn(usize, usize) -> String,
    pub template_title: &'static str,
    pub language_tabs: &'static str,
    pub subject_label: &'static str,
    pub body_label: &'static str,
    pub placeholders_hint: &'static str,
    pub reset_template: &'static str,
    pub problem_no_link: &'static str,
    pub problem_no_subject: &'static str,
    pub problem_subject_too_long: &'static str,
    pub problem_unknown_placeholder: fn(&str) -> String,
    pub threshold_label: &'static str,
    pub threshold_hint: &'static str,
    pub preview_title: &'static str,
    pub preview_for: fn(&str) -> String,
    pub preview_none: &'static str,
    pub to_label: &'static str,
    pub bcc_label: &'static str,
    pub subject_heading: &'static str,
    pub plan_title: &'static str,
    /// (messages, personal, in Bcc, Bcc messages).
    pub plan_messages: fn(usize, usize, usize, usize) -> String,
    /// About how many minutes (rounded up).
    pub plan_duration: fn(u64) -> String,
    pub plan_waiting: fn(usize) -> String,
    pub plan_nothing: &'static str,
    pub limits_note: &'static str,
    pub limits_source: &'static str,
    pub dry_run: &'static str,
    pub send: fn(usize) -> String,
    pub dry_run_title: &'static str,
    pub dry_run_nothing_sent: fn(usize) -> String,
    pub show_more: &'static str,
    pub checking: &'static str,
    pub consent_needed: &'static str,
    pub consent_button: &'static str,
    pub sending: fn(usize, usize) -> String,
    pub paused: &'static str,
    pub pause: &'static str,
    pub resume: &'static str,
    pub cancel: &'static str,
    pub finished: &'static str,
    pub cancelled: &'static str,
    pub stop_sign_in: &'static str,
    pub stop_refused: fn(&str) -> String,
    pub stop_throttled: &'static str,
    pub stop_answer_lost: &'static str,
    pub stop_storage: &'static str,
    /// (date, sent, failed, may have gone out, not sent yet).
    pub campaign_summary: fn(&str, usize, usize, usize, usize) -> String,
    pub retry: fn(usize) -> String,
    pub new_campaign: &'static str,
    pub new_campaign_confirm: &'static str,
    /// (fixed, messaged, date).
    pub effect: fn(usize, usize, &str) -> String,
    pub without_mail_title: &'static str,
    pub without_mail_intro: &'static str,
    pub export_csv: &'static str,
    pub teams_label: &'static str,
    pub csv_header: [&'static str; 6],
    /// The Results table's note on a row: sent (time), may have gone out, failed (reason).
    pub row_sent: fn(&str) -> String,
    pub row_uncertain: &'static str,
    pub row_failed: fn(&str) -> String,
    pub row_queued: &'static str,
}

impl Lang {
    pub fn outreach_text(self) -> &'static OutreachCatalogue {
        match self {
            Lang::En => &EN,
            Lang::Lv => &LV,
        }
    }
}

pub static EN: OutreachCatalogue = OutreachCatalogue {
    default_subject: "Your profile photo in SharePoint and OneDrive",
    default_body: "Hello {name},\n\nSharePoint and OneDrive show an old profile photo for you, or none, instead of the one you have in Outlook and Teams.\n\nOne click brings it over. Open this link, sign in if asked, and the page copies your photo:\n{link}\n\nIt takes a few seconds and changes nothing else.\n\nThank you",
    generic_name: "colleague",
    teams_message: |link| format!("Does SharePoint or OneDrive show an old profile photo for you, or none? One click brings over the one you have in Outlook and Teams: {link}"),
    title: "Send each user their link",
    intro: "SharePoint does not let an admin write other users' profile photos from a page like this one, so the fix is each user's own one-click sync. Send the users the audit found out of sync their link, from your own mailbox.",
    select_legend: "Whom to message",
    select_out_of_sync: "Everyone out of sync (placeholder or older photo)",
    select_placeholder: "Only those SharePoint shows the placeholder for",
    select_older: "Only those SharePoint shows an older photo for",
    selected: |n, done| if done == 0 { format!("{n} users selected.") } else { format!("{n} users selected; {done} of them are already in this campaign and get no second message.") },
    template_title: "The message",
    language_tabs: "Language of the message",
    subject_label: "Subject",
    body_label: "Message",
    placeholders_hint: "{name} is the user's name, {link} their link. Each user gets the language Entra ID gives as theirs (preferredLanguage): Latvian for lv, English for anything else.",
    reset_template: "Restore the default text",
    problem_no_link: "The message must contain {link}: the link is what the user needs.",
    problem_no_subject: "Write a subject.",
    problem_subject_too_long: "The subject is longer than 255 characters. Shorten it.",
    problem_unknown_placeholder: |p| format!("{p} is not a placeholder and would go out as it is. Use {{name}} or {{link}}."),
    threshold_label: "Personal messages, at most",
    threshold_hint: "Beyond this number, users share messages in Bcc (up to 500 each) with the link for everyone, which asks them to pick their account.",
    preview_title: "Preview",
    preview_for: |name| format!("What {name} gets:"),
    preview_none: "Nobody is selected.",
    to_label: "To",
    bcc_label: "Bcc",
    subject_heading: "Subject",
    plan_title: "Plan",
    plan_messages: |messages, personal, bcc, bcc_messages| {
        let mut s = format!("{messages} messages: {personal} personal");
        if bcc > 0 {
            s.push_str(&format!(", {bcc} users in {bcc_messages} messages in Bcc"));
        }
        s.push('.');
        s
    },
    plan_duration: |minutes| match minutes {
        0 | 1 => "Sending takes about a minute.".to_owned(),
        m => format!("Sending takes about {m} minutes."),
    },
    plan_waiting: |n| format!("{n} users must wait until tomorrow: Exchange Online sends to at most 10,000 recipients a day, and your other mail counts too."),
    plan_nothing: "Nobody to message: everyone selected already has their message.",
    limits_note: "Exchange Online's sending limits: 30 messages a minute, 10,000 recipients a day, 500 recipients a message.",
    limits_source: "Exchange Online limits",
    dry_run: "Dry run",
    send: |n| if n == 1 { "Send 1 message".to_owned() } else { format!("Send {n} messages") },
    dry_run_title: "Dry run: what would go out",
    dry_run_nothing_sent: |n| format!("Nothing was sent. These {n} messages would go out:"),
    show_more: "Show more",
    checking: "Checking the permission to send mail…",
    consent_needed: "Sending asks once for your permission to send mail as you (Mail.Send). The messages go from your mailbox and stay in your Sent Items.",
    consent_button: "Allow and send",
    sending: |done, total| format!("{done} of {total} users messaged"),
    paused: "Paused. Nothing is sent until you resume.",
    pause: "Pause",
    resume: "Resume",
    cancel: "Cancel",
    finished: "Every message went out.",
    cancelled: "Cancelled. Nobody else gets a message until you send again.",
    stop_sign_in: "Sending stopped: sign in again, then send again. Nobody gets a second message.",
    stop_refused: |detail| format!("Microsoft Graph refused to send mail for this account ({detail}). The account needs a mailbox that may send, and the app the Mail.Send permission. Meanwhile, use the CSV or the Teams message below."),
    stop_throttled: "Exchange Online kept asking to slow down. Send again later: nobody gets a second message.",
    stop_answer_lost: "The answer to a message was lost, so it may have gone out. Sending stopped; check the connection and send again. That user is sent nothing more unless you ask.",
    stop_storage: "This browser would not keep the campaign, so the page cannot promise one message per user. Nothing more was sent. Allow this site to store data, or use the CSV.",
    campaign_summary: |date, sent, failed, uncertain, left| {
        let mut s = format!("Campaign of {date}: {sent} sent");
        if failed > 0 { s.push_str(&format!(", {failed} failed")); }
        if uncertain > 0 { s.push_str(&format!(", {uncertain} may have gone out")); }
        if left > 0 { s.push_str(&format!(", {left} not sent yet")); }
        s.push('.');
        s
    },
    retry: |n| format!("Send again to those that failed or may have gone out ({n})"),
    new_campaign: "Start a new campaign",
    new_campaign_confirm: "A new campaign may message everyone again. Click once more to start it.",
    effect: |fixed, messaged, date| format!("{fixed} of {messaged} users messaged on {date} have fixed their photo since."),
    without_mail_title: "Without sending mail",
    without_mail_intro: "Where the page may not send mail, export each user's link for a mail merge, or post the message below in Teams.",
    export_csv: "Export the links as CSV",
    teams_label: "A message for Teams, with the link for everyone",
    csv_header: ["Name", "Email", "Language", "Link", "Subject", "Message"],
    row_sent: |at| format!("Link sent {at}"),
    row_uncertain: "Link may have been sent",
    row_failed: |reason| format!("Link not sent ({reason})"),
    row_queued: "Link not sent yet",
};

pub static LV: OutreachCatalogue = OutreachCatalogue {
    default_subject: "Jūsu profila fotoattēls pakalpojumos SharePoint un OneDrive",
    default_body: "Sveiki, {name}!\n\nPakalpojumi SharePoint un OneDrive rāda jūsu veco profila fotoattēlu vai nerāda nevienu, nevis to, kas jums ir pakalpojumos Outlook un Teams.\n\nTo var pārnest ar vienu klikšķi. Atveriet šo saiti, ja tiek prasīts, pierakstieties, un lapa pārkopēs jūsu fotoattēlu:\n{link}\n\nTas aizņem dažas sekundes un neko citu nemaina.\n\nPaldies!",
    generic_name: "kolēģi",
    teams_message: |link| format!("Vai SharePoint vai OneDrive rāda jūsu veco profila fotoattēlu vai nerāda nevienu? Ar vienu klikšķi var pārnest to, kas jums ir pakalpojumos Outlook un Teams: {link}"),
    title: "Nosūtīt katram lietotājam viņa saiti",
    intro: "SharePoint neļauj administratoram no šādas lapas rakstīt citu lietotāju profila fotoattēlus, tāpēc labojums ir katra lietotāja paša sinhronizācija ar vienu klikšķi. Nosūtiet lietotājiem, kurus pārbaude atrada nesinhronizētus, viņu saiti no savas pastkastes.",
    select_legend: "Kam rakstīt",
    select_out_of_sync: "Visiem nesinhronizētajiem (vietturis vai vecāks fotoattēls)",
    select_placeholder: "Tikai tiem, kam SharePoint rāda vietturi",
    select_older: "Tikai tiem, kam SharePoint rāda vecāku fotoattēlu",
    selected: |n, done| if done == 0 { format!("Atlasīto lietotāju skaits: {n}.") } else { format!("Atlasīto lietotāju skaits: {n}; {done} no tiem jau ir šajā kampaņā un otru ziņojumu nesaņems.") },
    template_title: "Ziņojums",
    language_tabs: "Ziņojuma valoda",
    subject_label: "Temats",
    body_label: "Ziņojums",
    placeholders_hint: "{name} ir lietotāja vārds, {link} — viņa saite. Katrs lietotājs saņem valodu, ko Entra ID norāda kā viņa valodu (preferredLanguage): latviešu valodu, ja tā ir lv, citādi angļu valodu.",
    reset_template: "Atjaunot noklusējuma tekstu",
    problem_no_link: "Ziņojumā jābūt {link}: saite ir tas, kas lietotājam vajadzīgs.",
    problem_no_subject: "Ierakstiet tematu.",
    problem_subject_too_long: "Temats ir garāks par 255 rakstzīmēm. Saīsiniet to.",
    problem_unknown_placeholder: |p| format!("{p} nav vietturis, un tas tiktu nosūtīts, kā ir. Izmantojiet {{name}} vai {{link}}."),
    threshold_label: "Personīgo ziņojumu skaits, ne vairāk kā",
    threshold_hint: "Pārējie lietotāji saņem kopīgus ziņojumus ar slēpto kopiju (līdz 500 katrā) un saiti visiem, kas lūdz izvēlēties savu kontu.",
    preview_title: "Priekšskatījums",
    preview_for: |name| format!("Ko saņem {name}:"),
    preview_none: "Neviens nav atlasīts.",
    to_label: "Kam",
    bcc_label: "Slēptā kopija",
    subject_heading: "Temats",
    plan_title: "Plāns",
    plan_messages: |messages, personal, bcc, bcc_messages| {
        let mut s = format!("Ziņojumu skaits: {messages}; personīgie: {personal}");
        if bcc > 0 {
            s.push_str(&format!("; ar slēpto kopiju: {bcc} lietotāji {bcc_messages} ziņojumos"));
        }
        s.push('.');
        s
    },
    plan_duration: |minutes| match minutes {
        0 | 1 => "Sūtīšana aizņem aptuveni minūti.".to_owned(),
        m => format!("Sūtīšana aizņem aptuveni {}.", count(Lang::Lv, m, "minūti", "minūtes")),
    },
    plan_waiting: |n| format!("Lietotājiem ({n}) jāgaida līdz rītdienai: Exchange Online dienā sūta ne vairāk kā 10 000 adresātu, un tajos ieskaitās arī jūsu pārējais pasts."),
    plan_nothing: "Nav kam rakstīt: visi atlasītie jau ir saņēmuši savu ziņojumu.",
    limits_note: "Exchange Online sūtīšanas ierobežojumi: 30 ziņojumi minūtē, 10 000 adresātu dienā, 500 adresātu vienā ziņojumā.",
    limits_source: "Exchange Online ierobežojumi",
    dry_run: "Izmēģinājums",
    send: |n| format!("Sūtīt ({n})"),
    dry_run_title: "Izmēģinājums: kas tiktu nosūtīts",
    dry_run_nothing_sent: |n| format!("Nekas netika nosūtīts. Tiktu nosūtīti šie ziņojumi ({n}):"),
    show_more: "Rādīt vairāk",
    checking: "Notiek atļaujas sūtīt pastu pārbaude…",
    consent_needed: "Sūtīšanai vienreiz nepieciešama jūsu atļauja sūtīt pastu jūsu vārdā (Mail.Send). Ziņojumi tiek sūtīti no jūsu pastkastes un paliek jūsu nosūtītajos vienumos.",
    consent_button: "Atļaut un sūtīt",
    sending: |done, total| format!("Ziņojumu saņēmuši {done} no {total} lietotājiem"),
    paused: "Pauzēts. Nekas netiek sūtīts, kamēr neturpināsiet.",
    pause: "Pauzēt",
    resume: "Turpināt",
    cancel: "Atcelt",
    finished: "Visi ziņojumi ir nosūtīti.",
    cancelled: "Atcelts. Neviens cits nesaņems ziņojumu, kamēr nesūtīsiet vēlreiz.",
    stop_sign_in: "Sūtīšana apturēta: pierakstieties vēlreiz un sūtiet vēlreiz. Neviens nesaņems otru ziņojumu.",
    stop_refused: |detail| format!("Microsoft Graph atteica sūtīt pastu šī konta vārdā ({detail}). Kontam vajag pastkasti, no kuras drīkst sūtīt, un programmai — atļauju Mail.Send. Pa to laiku izmantojiet CSV vai Teams ziņojumu zemāk."),
    stop_throttled: "Exchange Online atkārtoti lūdza palēnināt. Sūtiet vēlreiz vēlāk: neviens nesaņems otru ziņojumu.",
    stop_answer_lost: "Atbilde uz ziņojumu pazuda, tāpēc tas, iespējams, ir nosūtīts. Sūtīšana apturēta; pārbaudiet savienojumu un sūtiet vēlreiz. Šim lietotājam vairs nekas netiks sūtīts, ja vien to nelūgsiet.",
    stop_storage: "Šī pārlūkprogramma nesaglabāja kampaņu, tāpēc lapa nevar apsolīt vienu ziņojumu katram lietotājam. Nekas vairs netika nosūtīts. Atļaujiet šai vietnei glabāt datus vai izmantojiet CSV.",
    campaign_summary: |date, sent, failed, uncertain, left| {
        let mut s = format!("Kampaņa no {date}: nosūtīti {sent}");
        if failed > 0 { s.push_str(&format!(", neizdevās {failed}")); }
        if uncertain > 0 { s.push_str(&format!(", iespējams, nosūtīti {uncertain}")); }
        if left > 0 { s.push_str(&format!(", vēl nav nosūtīti {left}")); }
        s.push('.');
        s
    },
    retry: |n| format!("Sūtīt vēlreiz tiem, kam neizdevās vai, iespējams, tika nosūtīts ({n})"),
    new_campaign: "Sākt jaunu kampaņu",
    new_campaign_confirm: "Jauna kampaņa var visiem rakstīt vēlreiz. Noklikšķiniet vēlreiz, lai to sāktu.",
    effect: |fixed, messaged, date| format!("{fixed} no {messaged} lietotājiem, kuriem rakstīts {date}, kopš tā laika ir salabojuši savu fotoattēlu."),
    without_mail_title: "Bez pasta sūtīšanas",
    without_mail_intro: "Ja lapa nedrīkst sūtīt pastu, eksportējiet katra lietotāja saiti pasta sapludināšanai vai publicējiet zemāk redzamo ziņojumu pakalpojumā Teams.",
    export_csv: "Eksportēt saites kā CSV",
    teams_label: "Ziņojums pakalpojumam Teams ar saiti visiem",
    csv_header: ["Vārds", "E-pasts", "Valoda", "Saite", "Temats", "Ziņojums"],
    row_sent: |at| format!("Saite nosūtīta {at}"),
    row_uncertain: "Saite, iespējams, nosūtīta",
    row_failed: |reason| format!("Saite nav nosūtīta ({reason})"),
    row_queued: "Saite vēl nav nosūtīta",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latvian_minutes_agree_with_their_number() {
        assert_eq!(
            (LV.plan_duration)(21),
            "Sūtīšana aizņem aptuveni 21 minūti."
        );
        assert_eq!((LV.plan_duration)(5), "Sūtīšana aizņem aptuveni 5 minūtes.");
        assert_eq!((EN.plan_duration)(0), "Sending takes about a minute.");
    }

    #[test]
    fn the_plan_says_bcc_only_when_there_is_some() {
        assert_eq!((EN.plan_messages)(3, 3, 0, 0), "3 messages: 3 personal.");
        assert_eq!(
            (EN.plan_messages)(302, 300, 700, 2),
            "302 messages: 300 personal, 700 users in 2 messages in Bcc."
        );
    }
}
