//! Redaction, applied where a record is built, before anything reaches the writer.
//!
//! - Non-display input never gets here: the engine's masked copy replaces it, and the sink
//!   records such a field as a marker with the field's length (the host's, not the secret's).
//! - Card numbers (PCI DSS 3.4): 13 to 19 digits, single spaces or dashes allowed between
//!   them, Luhn-valid: the first 6 and last 4 digits are kept, the others become `*`.
//! - User rules: named regular expressions, every match replaced by `*` of its length.
//! - Screen areas per profile: (row, column, length), 1-based, masked with `*`.
//!
//! Every function counts what fired, by rule name (`card`, a rule's name, `area`), so that
//! each record can say which rules fired and how many times.

use std::collections::BTreeMap;

use regex::Regex;

use super::settings::{AreaSetting, RuleSetting};

/// How many times each rule fired while building one record.
pub type Fired = BTreeMap<String, u32>;

fn bump(fired: &mut Fired, name: &str) {
    *fired.entry(name.to_owned()).or_insert(0) += 1;
}

/// The Luhn check over digit values.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// Mask Luhn-valid card numbers in `s`; counts each as `card` in `fired`.
pub fn mask_cards(s: &str, fired: &mut Fired) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        // A run of digits with single separators between them, starting at i.
        let mut digit_at: Vec<usize> = Vec::new();
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digit_at.push(j);
                j += 1;
            } else if (chars[j] == ' ' || chars[j] == '-')
                && j + 1 < chars.len()
                && chars[j + 1].is_ascii_digit()
                && j > i
                && chars[j - 1].is_ascii_digit()
            {
                j += 1;
            } else {
                break;
            }
        }
        let digits: Vec<u8> = digit_at
            .iter()
            .map(|&p| chars[p].to_digit(10).map_or(0, |d| d as u8))
            .collect();
        // Windows that start and end on a group boundary (a digit not glued to the one
        // before or after it), longest first, from the left.
        let boundary_start = |k: usize| k == 0 || digit_at[k] != digit_at[k - 1] + 1;
        let boundary_end = |k: usize| k + 1 == digit_at.len() || digit_at[k + 1] != digit_at[k] + 1;
        let mut k = 0;
        let mut masked_any = false;
        while k < digits.len() {
            let mut found = None;
            if boundary_start(k) {
                for len in (13..=19).rev() {
                    let end = k + len;
                    if end <= digits.len() && boundary_end(end - 1) && luhn(&digits[k..end]) {
                        found = Some(end);
                        break;
                    }
                }
            }
            if let Some(end) = found {
                for &p in &digit_at[k + 6..end - 4] {
                    chars[p] = '*';
                }
                bump(fired, "card");
                masked_any = true;
                k = end;
            } else {
                k += 1;
            }
        }
        let _ = masked_any;
        i = j.max(i + 1);
    }
    chars.into_iter().collect()
}

/// A screen area to mask, 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    pub row: usize,
    pub col: usize,
    pub len: usize,
}

/// The rules of one session (the card rule always, the user's regular expressions, the
/// areas of its profile).
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    rules: Vec<(String, Regex)>,
    areas: Vec<Area>,
}

impl Redactor {
    /// Rules from the settings (patterns already checked by `AuditSettings::validate`; one
    /// that does not compile is an error naming it) and the areas of `profile`.
    pub fn new(
        rules: &[RuleSetting],
        areas: &[AreaSetting],
        profile: Option<&str>,
    ) -> Result<Self, String> {
        let mut out = Redactor::default();
        for r in rules {
            let re = Regex::new(&r.pattern)
                .map_err(|e| format!("audit rule `{}`: bad pattern: {e}", r.name))?;
            out.rules.push((r.name.clone(), re));
        }
        out.areas = areas
            .iter()
            .filter(|a| Some(a.profile.as_str()) == profile)
            .map(|a| Area {
                row: usize::from(a.row.saturating_sub(1)),
                col: usize::from(a.col.saturating_sub(1)),
                len: usize::from(a.len),
            })
            .collect();
        Ok(out)
    }

    /// Card numbers and the user's rules, in that order.
    pub fn text(&self, s: &str, fired: &mut Fired) -> String {
        let mut out = mask_cards(s, fired);
        for (name, re) in &self.rules {
            let mut n = 0u32;
            let replaced = re.replace_all(&out, |c: &regex::Captures<'_>| {
                n += 1;
                "*".repeat(c.get(0).map_or(0, |m| m.as_str().chars().count()))
            });
            if n > 0 {
                let replaced = replaced.into_owned();
                *fired.entry(name.clone()).or_insert(0) += n;
                out = replaced;
            }
        }
        out
    }

    /// Whether (row, col), 0-based, is in a masked area.
    pub fn in_area(&self, row: usize, col: usize) -> bool {
        self.areas
            .iter()
            .any(|a| a.row == row && col >= a.col && col < a.col + a.len)
    }

    /// Mask the areas in screen rows, then cards and rules in each row.
    pub fn screen(&self, rows: &[String], fired: &mut Fired) -> Vec<String> {
        rows.iter()
            .enumerate()
            .map(|(r, line)| {
                let mut hit = false;
                let masked: String = line
                    .chars()
                    .enumerate()
                    .map(|(c, ch)| {
                        if self.in_area(r, c) && ch != ' ' {
                            hit = true;
                            '*'
                        } else {
                            ch
                        }
                    })
                    .collect();
                if hit {
                    bump(fired, "area");
                }
                self.text(&masked, fired)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cards(s: &str) -> (String, u32) {
        let mut f = Fired::new();
        let out = mask_cards(s, &mut f);
        (out, f.get("card").copied().unwrap_or(0))
    }

    #[test]
    fn luhn_valid_numbers_keep_six_and_four() {
        assert_eq!(
            cards("card 4111111111111111 ok"),
            ("card 411111******1111 ok".to_owned(), 1)
        );
        assert_eq!(
            cards("4111-1111-1111-1111"),
            ("4111-11**-****-1111".to_owned(), 1)
        );
        assert_eq!(
            cards("4111 1111 1111 1111 exp 12/29"),
            ("4111 11** **** 1111 exp 12/29".to_owned(), 1)
        );
        // 13 and 19 digits.
        assert_eq!(cards("4222222222222").1, 1);
        assert_eq!(cards("6011000990139424").1, 1);
    }

    #[test]
    fn other_numbers_are_left_alone() {
        // Luhn-invalid, too short, a date and a time.
        for s in [
            "4111111111111112",
            "411111111111",
            "2026-12-03 12:15:55",
            "1234",
        ] {
            assert_eq!(cards(s), (s.to_owned(), 0), "{s}");
        }
    }

    #[test]
    fn a_card_followed_by_more_digits_is_still_found() {
        let (out, n) = cards("4111111111111111 2029");
        assert_eq!(n, 1);
        assert!(out.starts_with("411111******1111"), "{out}");
    }

    #[test]
    fn rules_and_areas_fire_and_are_counted() {
        let r = Redactor::new(
            &[RuleSetting {
                name: "ssn".into(),
                pattern: r"\d{3}-\d{2}-\d{4}".into(),
            }],
            &[AreaSetting {
                profile: "prod".into(),
                row: 2,
                col: 3,
                len: 4,
            }],
            Some("prod"),
        )
        .unwrap();
        let mut f = Fired::new();
        let rows = r.screen(
            &[
                "SSN 123-45-6789 and 987-65-4321".into(),
                "abSECRETcd".into(),
            ],
            &mut f,
        );
        assert_eq!(rows[0], "SSN *********** and ***********");
        assert_eq!(rows[1], "ab****ETcd");
        assert_eq!(f.get("ssn"), Some(&2));
        assert_eq!(f.get("area"), Some(&1));
        // Another profile's areas do not apply.
        let other = Redactor::new(&[], &[], Some("test")).unwrap();
        assert!(!other.in_area(1, 3));
    }
}
