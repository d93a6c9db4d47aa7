//! Whom an audit reads: the whole tenant (enabled member accounts), one group's transitive
//! members, or a list of accounts pasted or uploaded. Pure.
//!
//! A link starts an audit with `audit=all` or `audit=group:<object id>` (and `autostart=1`);
//! a list of accounts never comes from a link (it would be too long for an address, and a
//! link should not decide whom an admin reads).

/// Whom to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    /// Every enabled member account (`accountEnabled eq true and userType eq 'Member'`).
    Tenant,
    /// The transitive members of a group (users only), by the group's object id.
    Group(String),
    /// These accounts (user principal names), in the order given, without repeats.
    Accounts(Vec<String>),
}

impl AuditScope {
    /// The value of `audit=` for a link; `None` for a list of accounts.
    pub fn link_value(&self) -> Option<String> {
        match self {
            AuditScope::Tenant => Some("all".into()),
            AuditScope::Group(id) => Some(format!("group:{id}")),
            AuditScope::Accounts(_) => None,
        }
    }

    /// Reads `audit=` from a link: `all`, or `group:` and a GUID. Anything else is ignored
    /// (the page then waits for the admin's choice).
    pub fn from_link_value(value: &str) -> Option<AuditScope> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("all") {
            return Some(AuditScope::Tenant);
        }
        let id = value.strip_prefix("group:")?;
        is_guid(id).then(|| AuditScope::Group(id.to_ascii_lowercase()))
    }
}

/// An object id as Entra ID writes it: 8-4-4-4-12 hexadecimal digits.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A pasted or uploaded list, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountList {
    /// The accounts found, lower-cased, in first-seen order, without repeats.
    pub accounts: Vec<String>,
    /// Pieces that looked meant as accounts but are not one (`adele@`, `@contoso.com`), to show.
    pub rejected: Vec<String>,
}

/// The accounts in a pasted list or a CSV file: every cell or word with one `@` and something
/// on both sides of it. Separators are line breaks, commas, semicolons, tabs and spaces, and a
/// cell's quotes are dropped, so an export from Entra ID, Excel or a mail client's address
/// line all work; header cells and names (no `@`) are skipped.
pub fn read_accounts(text: &str) -> AccountList {
    let mut list = AccountList::default();
    let pieces = text
        .trim_start_matches('\u{feff}')
        .split(['\n', '\r', ',', ';', '\t', ' '])
        .map(|p| p.trim().trim_matches(['"', '\'', '<', '>']).trim())
        .filter(|p| p.contains('@'));
    for piece in pieces {
        let piece = piece.strip_prefix("mailto:").unwrap_or(piece);
        if is_account(piece) {
            let account = piece.to_lowercase();
            if !list.accounts.contains(&account) {
                list.accounts.push(account);
            }
        } else if !list.rejected.iter().any(|r| r == piece) {
            list.rejected.push(piece.to_owned());
        }
    }
    list
}

fn is_account(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_control() || c.is_whitespace())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_values_round_trip() {
        for scope in [
            AuditScope::Tenant,
            AuditScope::Group("0b3a2f5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b".into()),
        ] {
            let value = scope.link_value().unwrap();
            assert_eq!(AuditScope::from_link_value(&value), Some(scope));
        }
        assert_eq!(AuditScope::Accounts(vec![]).link_value(), None);
    }

    #[test]
    fn bad_link_values_start_nothing() {
        for value in [
            "",
            "everyone",
            "group:",
            "group:42",
            "group:../me",
            "accounts:a@b.c",
        ] {
            assert_eq!(AuditScope::from_link_value(value), None, "{value}");
        }
        assert_eq!(
            AuditScope::from_link_value(" ALL "),
            Some(AuditScope::Tenant)
        );
        assert_eq!(
            AuditScope::from_link_value("group:0B3A2F5E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"),
            Some(AuditScope::Group(
                "0b3a2f5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b".into()
            ))
        );
    }

    #[test]
    fn pasted_lists_and_csv_files_give_their_accounts_once() {
        let csv = "\u{feff}\"Display name\",\"User principal name\"\r\n\
                   \"Vance, Adele\",\"AdeleV@contoso.com\"\r\n\
                   Alex Wilber,alexw@contoso.com\r\n";
        assert_eq!(
            read_accounts(csv).accounts,
            ["adelev@contoso.com", "alexw@contoso.com"]
        );
        let pasted = "adelev@contoso.com; Alex <alexw@contoso.com>\nADELEV@contoso.com\tmailto:lee@contoso.com";
        let list = read_accounts(pasted);
        assert_eq!(
            list.accounts,
            ["adelev@contoso.com", "alexw@contoso.com", "lee@contoso.com"]
        );
        assert!(list.rejected.is_empty());
    }

    #[test]
    fn broken_addresses_are_shown_not_dropped() {
        let list = read_accounts("adele@\n@contoso.com\nalex@contoso\nnestor@contoso.com");
        assert_eq!(list.accounts, ["nestor@contoso.com"]);
        assert_eq!(list.rejected, ["adele@", "@contoso.com", "alex@contoso"]);
    }
}
