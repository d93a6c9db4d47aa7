//! Graph's OData `$filter` on users, the subset the emulator understands: `startswith`,
//! `endswith`, `eq`, `ne`, `in`, `and`, `or`, `not` and parentheses over a few string and
//! boolean properties. Anything else is `Unsupported` (Graph's `Request_UnsupportedQuery`);
//! malformed text is a `Syntax` error. Pure: parses text, evaluates against a user's JSON.

use serde_json::{Map, Value};

/// Why a `$filter` was refused.
#[derive(Debug, PartialEq)]
pub enum FilterError {
    /// A property or function Graph does not support in this query.
    Unsupported,
    /// Not a valid expression.
    Syntax(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, FilterError> {
    let mut out = vec![];
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match cs.get(i) {
                        None => return Err(FilterError::Syntax("unterminated string".into())),
                        Some('\'') if cs.get(i + 1) == Some(&'\'') => {
                            v.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            v.push(*c);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '/' || c == '-' => {
                let mut v = String::new();
                while let Some(c) = cs.get(i) {
                    if c.is_alphanumeric() || *c == '_' || *c == '.' || *c == '/' || *c == '-' {
                        v.push(*c);
                        i += 1;
                    } else {
                        break;
                    }
                }
                out.push(Tok::Ident(v));
            }
            c => return Err(FilterError::Syntax(format!("unexpected '{c}'"))),
        }
    }
    Ok(out)
}

#[derive(Debug)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    StartsWith(String, String),
    EndsWith(String, String),
    Eq(String, Value, bool),
    In(String, Vec<String>),
}

/// The user properties `$filter` takes.
pub const PROPS: [&str; 10] = [
    "id",
    "displayName",
    "userPrincipalName",
    "mail",
    "givenName",
    "surname",
    "jobTitle",
    "department",
    "accountEnabled",
    "userType",
];

fn prop(name: &str) -> Result<String, FilterError> {
    PROPS
        .iter()
        .find(|p| p.eq_ignore_ascii_case(name))
        .map(|p| p.to_string())
        .ok_or(FilterError::Unsupported)
}

struct P {
    toks: Vec<Tok>,
    i: usize,
}

impl P {
    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).cloned();
        self.i += 1;
        t
    }
    fn expect(&mut self, t: Tok) -> Result<(), FilterError> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            other => Err(FilterError::Syntax(format!(
                "expected {t:?}, found {other:?}"
            ))),
        }
    }
    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.and()?;
        while self.peek_kw("or") {
            self.i += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.factor()?;
        while self.peek_kw("and") {
            self.i += 1;
            e = Expr::And(Box::new(e), Box::new(self.factor()?));
        }
        Ok(e)
    }
    fn string(&mut self) -> Result<String, FilterError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(s),
            other => Err(FilterError::Syntax(format!(
                "expected a string, found {other:?}"
            ))),
        }
    }
    fn factor(&mut self) -> Result<Expr, FilterError> {
        match self.next() {
            Some(Tok::Open) => {
                let e = self.or()?;
                self.expect(Tok::Close)?;
                Ok(e)
            }
            Some(Tok::Ident(f)) if f.eq_ignore_ascii_case("not") => {
                Ok(Expr::Not(Box::new(self.factor()?)))
            }
            Some(Tok::Ident(f))
                if f.eq_ignore_ascii_case("startswith") || f.eq_ignore_ascii_case("endswith") =>
            {
                self.expect(Tok::Open)?;
                let p = match self.next() {
                    Some(Tok::Ident(p)) => prop(&p)?,
                    other => {
                        return Err(FilterError::Syntax(format!(
                            "expected a property, found {other:?}"
                        )))
                    }
                };
                self.expect(Tok::Comma)?;
                let v = self.string()?;
                self.expect(Tok::Close)?;
                Ok(if f.eq_ignore_ascii_case("startswith") {
                    Expr::StartsWith(p, v)
                } else {
                    Expr::EndsWith(p, v)
                })
            }
            Some(Tok::Ident(name)) => {
                let p = prop(&name)?;
                match self.next() {
                    Some(Tok::Ident(op))
                        if op.eq_ignore_ascii_case("eq") || op.eq_ignore_ascii_case("ne") =>
                    {
                        let v = match self.next() {
                            Some(Tok::Str(s)) => Value::String(s),
                            Some(Tok::Ident(b)) if b == "true" => Value::Bool(true),
                            Some(Tok::Ident(b)) if b == "false" => Value::Bool(false),
                            Some(Tok::Ident(b)) if b == "null" => Value::Null,
                            other => {
                                return Err(FilterError::Syntax(format!(
                                    "expected a value, found {other:?}"
                                )))
                            }
                        };
                        Ok(Expr::Eq(p, v, op.eq_ignore_ascii_case("ne")))
                    }
                    Some(Tok::Ident(op)) if op.eq_ignore_ascii_case("in") => {
                        self.expect(Tok::Open)?;
                        let mut vals = vec![self.string()?];
                        loop {
                            match self.next() {
                                Some(Tok::Comma) => vals.push(self.string()?),
                                Some(Tok::Close) => break,
                                other => {
                                    return Err(FilterError::Syntax(format!(
                                        "expected , or ), found {other:?}"
                                    )))
                                }
                            }
                        }
                        if vals.len() > 15 {
                            return Err(FilterError::Syntax(
                                "too many values in 'in' (max 15)".into(),
                            ));
                        }
                        Ok(Expr::In(p, vals))
                    }
                    Some(Tok::Ident(_)) => Err(FilterError::Unsupported),
                    other => Err(FilterError::Syntax(format!(
                        "expected an operator, found {other:?}"
                    ))),
                }
            }
            other => Err(FilterError::Syntax(format!("unexpected {other:?}"))),
        }
    }
}

pub fn parse(s: &str) -> Result<Expr, FilterError> {
    let mut p = P {
        toks: lex(s)?,
        i: 0,
    };
    let e = p.or()?;
    if p.i != p.toks.len() {
        return Err(FilterError::Syntax("trailing input".into()));
    }
    Ok(e)
}

fn text(m: &Map<String, Value>, p: &str) -> String {
    m.get(p)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_lowercase()
}

impl Expr {
    /// The property of the first clause that Graph takes only in an advanced query
    /// (`ConsistencyLevel: eventual` and `$count=true`): `ne`, `not` and `endsWith`.
    pub fn advanced_only(&self) -> Option<&str> {
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => a.advanced_only().or_else(|| b.advanced_only()),
            Expr::Not(a) => Some(a.first_property()),
            Expr::EndsWith(p, _) | Expr::Eq(p, _, true) => Some(p),
            Expr::StartsWith(..) | Expr::Eq(_, _, false) | Expr::In(..) => None,
        }
    }

    fn first_property(&self) -> &str {
        match self {
            Expr::Or(a, _) | Expr::And(a, _) | Expr::Not(a) => a.first_property(),
            Expr::StartsWith(p, _) | Expr::EndsWith(p, _) | Expr::Eq(p, _, _) | Expr::In(p, _) => p,
        }
    }

    pub fn eval(&self, m: &Map<String, Value>) -> bool {
        match self {
            Expr::Or(a, b) => a.eval(m) || b.eval(m),
            Expr::And(a, b) => a.eval(m) && b.eval(m),
            Expr::Not(a) => !a.eval(m),
            Expr::StartsWith(p, v) => text(m, p).starts_with(&v.to_lowercase()),
            Expr::EndsWith(p, v) => text(m, p).ends_with(&v.to_lowercase()),
            Expr::Eq(p, v, negate) => {
                let got = m.get(p).cloned().unwrap_or(Value::Null);
                let eq = match (&got, v) {
                    (Value::String(a), Value::String(b)) => {
                        a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
                    }
                    (a, b) => a == b,
                };
                eq != *negate
            }
            Expr::In(p, vals) => {
                let t = text(m, p);
                vals.iter().any(|v| v.to_lowercase() == t)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ne_not_and_endswith_need_an_advanced_query() {
        let adv = |f: &str| parse(f).unwrap().advanced_only().map(str::to_string);
        assert_eq!(adv("accountEnabled eq true and userType eq 'Member'"), None);
        assert_eq!(adv("startswith(displayName,'a') or mail in ('x')"), None);
        assert_eq!(
            adv("accountEnabled ne false").as_deref(),
            Some("accountEnabled")
        );
        assert_eq!(
            adv("userType eq 'Member' and not(startswith(mail,'x'))").as_deref(),
            Some("mail")
        );
        assert_eq!(
            adv("endswith(mail,'@contoso.com')").as_deref(),
            Some("mail")
        );
        let m = user("A", "a@x", "Sales", true);
        let mut guest = m.clone();
        guest.insert("userType".into(), json!("Guest"));
        let mut member = m.clone();
        member.insert("userType".into(), json!("Member"));
        let f = parse("accountEnabled eq true and userType eq 'Member'").unwrap();
        assert!(f.eval(&member) && !f.eval(&guest));
    }

    fn user(name: &str, upn: &str, dept: &str, enabled: bool) -> Map<String, Value> {
        match json!({"displayName": name, "userPrincipalName": upn, "department": dept,
                     "accountEnabled": enabled, "mail": upn})
        {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn matches(filter: &str, u: &Map<String, Value>) -> bool {
        parse(filter)
            .unwrap_or_else(|e| panic!("{filter}: {e:?}"))
            .eval(u)
    }

    #[test]
    fn functions_comparisons_and_lists() {
        let adele = user("Adele Vance", "adele@contoso.com", "Retail", true);
        assert!(
            matches("startswith(displayName,'adele')", &adele),
            "case-insensitive"
        );
        assert!(!matches("startswith(displayName,'Vance')", &adele));
        assert!(matches(
            "endswith(userPrincipalName,'@contoso.com')",
            &adele
        ));
        assert!(matches("department eq 'retail'", &adele));
        assert!(matches("department ne 'Sales'", &adele));
        assert!(!matches("department ne 'Retail'", &adele));
        assert!(matches("accountEnabled eq true", &adele));
        assert!(!matches("accountEnabled eq false", &adele));
        assert!(matches("mail in ('x@y', 'ADELE@contoso.com')", &adele));
        assert!(!matches("mail in ('x@y')", &adele));
    }

    #[test]
    fn precedence_not_and_parentheses() {
        let adele = user("Adele Vance", "adele@contoso.com", "Retail", true);
        // `and` binds tighter than `or`.
        assert!(matches(
            "department eq 'Sales' and accountEnabled eq true or startswith(displayName,'A')",
            &adele
        ));
        assert!(!matches(
            "department eq 'Sales' and (accountEnabled eq true or startswith(displayName,'A'))",
            &adele
        ));
        assert!(matches("not(department eq 'Sales')", &adele));
        assert!(!matches("not (startswith(displayName,'A'))", &adele));
    }

    #[test]
    fn quotes_inside_strings() {
        let obrien = user("Pat O'Brien", "pat@contoso.com", "Legal", true);
        assert!(matches("displayName eq 'Pat O''Brien'", &obrien));
    }

    #[test]
    fn unsupported_and_malformed() {
        assert_eq!(
            parse("officeLocation eq 'x'").err(),
            Some(FilterError::Unsupported),
            "a property outside the supported set"
        );
        assert_eq!(
            parse("contains(displayName,'a')").err(),
            Some(FilterError::Unsupported)
        );
        for bad in [
            "displayName eq 'open",
            "startswith(displayName 'a')",
            "displayName eq 'a' extra",
            "(displayName eq 'a'",
            "displayName eq",
        ] {
            assert!(
                matches!(parse(bad), Err(FilterError::Syntax(_))),
                "{bad}: {:?}",
                parse(bad).err()
            );
        }
    }

    #[test]
    fn keywords_any_case_null_and_negated_lists() {
        let adele = user("Adele Vance", "adele@contoso.com", "Retail", true);
        assert!(matches(
            "startsWith(displayName,'a') AND department EQ 'Retail' Or mail eq 'x'",
            &adele
        ));
        assert!(matches("NOT mail in ('x@y')", &adele));
        assert!(matches("endswith(mail,'.COM')", &adele));
        // `null` equals a property that is absent.
        assert!(matches("jobTitle eq null", &adele));
        assert!(!matches("jobTitle ne null", &adele));
        assert!(!matches("displayName eq null", &adele));
        // Strings compare without regard to case, also beyond ASCII.
        let janis = user("Jānis Bērziņš", "janis@contoso.com", "R&D", true);
        assert!(matches("displayName eq 'JĀNIS BĒRZIŅŠ'", &janis));
        assert!(matches("startswith(displayName,'jā')", &janis));
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        // An operator Graph has but the emulator does not model is unsupported, not malformed.
        assert_eq!(
            parse("displayName gt 'a'").err(),
            Some(FilterError::Unsupported)
        );
        assert_eq!(
            parse("endswith(officeLocation,'x')").err(),
            Some(FilterError::Unsupported)
        );
        // `in` takes at most 15 values.
        let fifteen: Vec<String> = (0..15).map(|i| format!("'{i}'")).collect();
        assert!(parse(&format!("mail in ({})", fifteen.join(","))).is_ok());
        let sixteen: Vec<String> = (0..16).map(|i| format!("'{i}'")).collect();
        assert_eq!(
            parse(&format!("mail in ({})", sixteen.join(","))).err(),
            Some(FilterError::Syntax(
                "too many values in 'in' (max 15)".into()
            ))
        );
        for (bad, why) in [
            ("displayName eq 'a' * 2", "unexpected '*'"),
            ("mail in 'a'", "expected Open, found Some(Str(\"a\"))"),
            (
                "mail in ('a' 'b')",
                "expected , or ), found Some(Str(\"b\"))",
            ),
            (
                "mail in ('a', b)",
                "expected a string, found Some(Ident(\"b\"))",
            ),
            (
                "startswith('a','b')",
                "expected a property, found Some(Str(\"a\"))",
            ),
            ("mail eq b", "expected a value, found Some(Ident(\"b\"))"),
            ("mail", "expected an operator, found None"),
            (")", "unexpected Some(Close)"),
            ("", "unexpected None"),
        ] {
            assert_eq!(
                parse(bad).err(),
                Some(FilterError::Syntax(why.into())),
                "{bad}"
            );
        }
    }
}
