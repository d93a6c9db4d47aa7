//! The message a user gets: a subject and a plain-text body per language, with placeholders
//! (`{name}`, `{link}`) filled in per user. Pure.
//!
//! The defaults are in the catalogue ([`crate::i18n::outreach`]); the admin edits them on the
//! page. A template without `{link}` is refused: the link is the message's whole point.
//! Placeholders are filled in one pass, so a display name that itself reads `{link}` stays
//! text.

use crate::i18n::Lang;

/// The user's name.
pub const NAME: &str = "{name}";
/// The user's self-service link (or, in a message to many, the generic one).
pub const LINK: &str = "{link}";

/// Longest subject Exchange keeps whole in every client: 255 characters.
pub const MAX_SUBJECT: usize = 255;

/// A message template in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub subject: String,
    pub body: String,
}

/// What is wrong with a template, each with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateProblem {
    /// The body does not contain `{link}`.
    NoLink,
    /// The subject is empty.
    NoSubject,
    /// The subject is longer than [`MAX_SUBJECT`] characters.
    SubjectTooLong,
    /// A `{word}` that is no placeholder (a typo such as `{nmae}`): it would go out as it is.
    UnknownPlaceholder(String),
}

impl Template {
    /// The catalogue's template in `lang`.
    pub fn default_for(lang: Lang) -> Template {
        let t = lang.outreach_text();
        Template {
            subject: t.default_subject.to_owned(),
            body: t.default_body.to_owned(),
        }
    }

    /// The first problem of this template, if any.
    pub fn check(&self) -> Result<(), TemplateProblem> {
        if self.subject.trim().is_empty() {
            return Err(TemplateProblem::NoSubject);
        }
        if self.subject.chars().count() > MAX_SUBJECT {
            return Err(TemplateProblem::SubjectTooLong);
        }
        for text in [&self.subject, &self.body] {
            if let Some(unknown) = placeholders(text).find(|p| *p != NAME && *p != LINK) {
                return Err(TemplateProblem::UnknownPlaceholder(unknown.to_owned()));
            }
        }
        if !self.body.contains(LINK) {
            return Err(TemplateProblem::NoLink);
        }
        Ok(())
    }

    /// The subject and body for `name` with `link`. The subject is one line: line breaks in
    /// a name become spaces.
    pub fn render(&self, name: &str, link: &str) -> (String, String) {
        let subject = fill(&self.subject, name, link).replace(['\r', '\n'], " ");
        (subject, fill(&self.body, name, link))
    }
}

/// The language of a user's messages: Latvian for `preferredLanguage` `lv` or `lv-LV`, English
/// for anything else or nothing.
pub fn language_of(preferred_language: Option<&str>) -> Lang {
    preferred_language
        .and_then(Lang::from_tag)
        .unwrap_or(Lang::En)
}

/// `{word}` pieces of `text` (ASCII letters and `_` between braces).
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('{').filter_map(move |(start, _)| {
        let rest = &text[start + 1..];
        let end = rest.find('}')?;
        let word = &rest[..end];
        (!word.is_empty() && word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_'))
            .then(|| &text[start..start + end + 2])
    })
}

fn fill(text: &str, name: &str, link: &str) -> String {
    let mut out = String::with_capacity(text.len() + link.len());
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix(NAME) {
            out.push_str(name);
            rest = after;
        } else if let Some(after) = tail.strip_prefix(LINK) {
            out.push_str(link);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(subject: &str, body: &str) -> Template {
        Template {
            subject: subject.into(),
            body: body.into(),
        }
    }

    #[test]
    fn placeholders_are_filled_once_and_names_stay_text() {
        let t = template("Photo for {name}", "Hello {name},\n{link}\n{other} { x}");
        let (subject, body) = t.render("{link} Bērziņš", "https://p/?login_hint=a%40b&autostart=1");
        assert_eq!(subject, "Photo for {link} Bērziņš");
        assert_eq!(
            body,
            "Hello {link} Bērziņš,\nhttps://p/?login_hint=a%40b&autostart=1\n{other} { x}"
        );
        let (subject, _) = t.render("Two\nlines", "l");
        assert_eq!(subject, "Photo for Two lines", "a subject is one line");
    }

    #[test]
    fn a_template_without_its_link_or_subject_or_with_a_typo_is_refused() {
        assert_eq!(
            template("s", "no link").check(),
            Err(TemplateProblem::NoLink)
        );
        assert_eq!(
            template("s", "{LINK}").check(),
            Err(TemplateProblem::UnknownPlaceholder("{LINK}".into()))
        );
        assert_eq!(
            template("Hi {nmae}", "{link}").check(),
            Err(TemplateProblem::UnknownPlaceholder("{nmae}".into()))
        );
        assert_eq!(
            template("  ", "{link}").check(),
            Err(TemplateProblem::NoSubject)
        );
        assert_eq!(
            template(&"x".repeat(256), "{link}").check(),
            Err(TemplateProblem::SubjectTooLong)
        );
        assert_eq!(template("s", "{ not one } {link}").check(), Ok(()));
    }

    #[test]
    fn the_default_templates_are_valid_and_carry_name_and_link() {
        for lang in Lang::ALL {
            let t = Template::default_for(lang);
            assert_eq!(t.check(), Ok(()), "{lang:?}");
            assert!(t.body.contains(NAME) && t.body.contains(LINK));
        }
        assert_ne!(
            Template::default_for(Lang::En),
            Template::default_for(Lang::Lv)
        );
    }

    #[test]
    fn latvian_only_for_latvian_speakers() {
        assert_eq!(language_of(Some("lv")), Lang::Lv);
        assert_eq!(language_of(Some("lv-LV")), Lang::Lv);
        assert_eq!(language_of(Some("LV-lv")), Lang::Lv);
        assert_eq!(language_of(Some("en-GB")), Lang::En);
        assert_eq!(language_of(Some("de-DE")), Lang::En);
        assert_eq!(language_of(Some("")), Lang::En);
        assert_eq!(language_of(None), Lang::En);
    }
}
