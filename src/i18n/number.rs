//! Numbers as each language writes them: the decimal separator ("1.5" in English, "1,5" in
//! Latvian) and the form of the noun that follows a count ("1 minute", "21 minūti").
//!
//! The catalogues call these helpers instead of formatting numbers themselves, so a number
//! reads the same way in every message of a language. No float formatting code is used:
//! decimals are written by integer arithmetic, which keeps the page small.

use super::Lang;

/// The character between the whole part and the fraction.
pub fn decimal_separator(lang: Lang) -> char {
    match lang {
        Lang::En => '.',
        Lang::Lv => ',',
    }
}

/// `value` with one decimal, as `lang` writes it: `4.2` in English, `4,2` in Latvian. Ties
/// round to even, as `{:.1}` does; negative and non-finite values read as zero.
pub fn one_decimal(lang: Lang, value: f64) -> String {
    let tenths = if value.is_finite() && value > 0.0 {
        (value * 10.0).round_ties_even().min(u64::MAX as f64) as u64
    } else {
        0
    };
    format!("{}{}{}", tenths / 10, decimal_separator(lang), tenths % 10)
}

/// Which form of a noun a count takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    /// "1 minute"; in Latvian every count ending in 1 but not in 11: "21 minūti".
    One,
    /// Every other count: "2 minutes", "11 minūtēm".
    Other,
}

impl Plural {
    /// The form `count` takes in `lang`. Latvian also has a "zero" category (counts ending in 0
    /// or in 11–19), but its nouns take the same form there as in "other".
    pub fn of(lang: Lang, count: u64) -> Plural {
        let one = match lang {
            Lang::En => count == 1,
            Lang::Lv => count % 10 == 1 && count % 100 != 11,
        };
        if one {
            Plural::One
        } else {
            Plural::Other
        }
    }
}

/// `count` followed by the form of the noun it takes: `count(Lang::Lv, 21, "minūti",
/// "minūtēm")` is `"21 minūti"`.
pub fn count(lang: Lang, count: u64, one: &str, other: &str) -> String {
    let noun = match Plural::of(lang, count) {
        Plural::One => one,
        Plural::Other => other,
    };
    format!("{count} {noun}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_writes_a_decimal_point() {
        assert_eq!(one_decimal(Lang::En, 0.0), "0.0");
        assert_eq!(one_decimal(Lang::En, 1.25), "1.2");
        assert_eq!(one_decimal(Lang::En, 1.35), "1.4");
        assert_eq!(one_decimal(Lang::En, 0.734), "0.7");
        assert_eq!(one_decimal(Lang::En, 5.0), "5.0");
        assert_eq!(one_decimal(Lang::En, 12.96), "13.0");
        assert_eq!(one_decimal(Lang::En, f64::NAN), "0.0");
        assert_eq!(one_decimal(Lang::En, f64::INFINITY), "0.0");
        assert_eq!(one_decimal(Lang::En, -1.0), "0.0");
    }

    #[test]
    fn latvian_writes_a_decimal_comma() {
        assert_eq!(one_decimal(Lang::Lv, 1.5), "1,5");
        assert_eq!(one_decimal(Lang::Lv, 0.734), "0,7");
        assert_eq!(one_decimal(Lang::Lv, 12.96), "13,0");
        assert_eq!(one_decimal(Lang::Lv, 1234.5), "1234,5");
        assert_eq!(one_decimal(Lang::Lv, -3.0), "0,0");
    }

    #[test]
    fn latvian_counts_ending_in_one_but_not_eleven_take_the_singular() {
        let minutes = |n| count(Lang::Lv, n, "minūti", "minūtēm");
        assert_eq!(minutes(1), "1 minūti");
        assert_eq!(minutes(2), "2 minūtēm");
        assert_eq!(minutes(11), "11 minūtēm");
        assert_eq!(minutes(21), "21 minūti");
        assert_eq!(minutes(31), "31 minūti");
        assert_eq!(minutes(101), "101 minūti");
        assert_eq!(minutes(111), "111 minūtēm");
        assert_eq!(minutes(0), "0 minūtēm");
        assert_eq!(minutes(10), "10 minūtēm");
        assert_eq!(minutes(60), "60 minūtēm");
    }

    #[test]
    fn english_takes_the_singular_for_one_only() {
        let minutes = |n| count(Lang::En, n, "minute", "minutes");
        assert_eq!(minutes(1), "1 minute");
        assert_eq!(minutes(0), "0 minutes");
        assert_eq!(minutes(2), "2 minutes");
        assert_eq!(minutes(21), "21 minutes");
        assert_eq!(minutes(101), "101 minutes");
    }
}
