//! The audit's export: CSV as RFC 4180 writes it (fields separated by commas, records by CRLF,
//! a field with a comma, quote, CR or LF in quotes with its quotes doubled), in UTF-8 with a
//! byte-order mark so that Excel reads the names' letters right. Pure.
//!
//! A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be taken by a
//! spreadsheet for a formula (OWASP, "CSV Injection"); such a cell gets a leading `'`, which
//! the spreadsheet shows as text. The export names people from the directory, which anyone
//! in the tenant can edit for themselves: their names are untrusted input.
//!
//! Written by hand: the writer is a dozen lines, and the audit page needs nothing else of a
//! CSV crate.

/// UTF-8's byte-order mark, which Excel needs to read a CSV file as UTF-8.
pub const BOM: &str = "\u{feff}";

/// A whole file: the BOM, the header record, then one record per row, each ending in CRLF.
pub fn document<R, C>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = String::from(BOM);
    record(&mut out, header.iter().map(|h| (*h).to_owned()));
    for row in rows {
        record(&mut out, row);
    }
    out
}

fn record(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field(&cell));
    }
    out.push_str("\r\n");
}

/// One field, neutralised and quoted as needed.
pub fn field(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if neutral.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_has_a_bom_a_header_and_crlf_records() {
        let doc = document(
            &["name", "status"],
            [
                vec!["Adele Vance".to_owned(), "in-sync".to_owned()],
                vec!["Jānis Bērziņš".to_owned(), "older".to_owned()],
            ],
        );
        assert_eq!(
            doc,
            "\u{feff}name,status\r\nAdele Vance,in-sync\r\nJānis Bērziņš,older\r\n"
        );
        assert!(doc.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]));
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(field("Vance, Adele"), "\"Vance, Adele\"");
        assert_eq!(field("Adele \"AV\" Vance"), "\"Adele \"\"AV\"\" Vance\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("plain"), "plain");
        assert_eq!(field(""), "");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-2"), "'-2");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\rx"), "\"'\rx\"");
        // Only a leading character counts.
        assert_eq!(field("a-b@c.com"), "a-b@c.com");
    }
}
