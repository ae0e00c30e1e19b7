//! Languages: message catalogues (Fluent, in `locales/`), the choice of
//! language per request, and locale-aware numbers, money and dates.
//!
//! Every word a page shows comes from a catalogue; templates call
//! [`I18n::t`] with a message key. Both catalogues must hold the same keys, a
//! test checks it, and another checks every key a template uses.

use std::borrow::Cow;
use std::collections::HashMap;

use attain_core::Money;
use chrono::{DateTime, NaiveDate, Utc};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use rust_decimal::Decimal;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl From<attain_core::Language> for Lang {
    fn from(language: attain_core::Language) -> Self {
        match language {
            attain_core::Language::En => Lang::En,
            attain_core::Language::ZhCn => Lang::ZhCn,
        }
    }
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// BCP 47 code, as stored and sent in cookies: `en`, `zh-CN`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "中文",
        }
    }

    /// Parses a code, accepting common variants (`zh`, `zh-Hans`, `en-GB`).
    pub fn from_code(code: &str) -> Option<Lang> {
        let lower = code.trim().to_ascii_lowercase();
        if lower == "en" || lower.starts_with("en-") {
            Some(Lang::En)
        } else if lower == "zh"
            || lower == "zh-cn"
            || lower.starts_with("zh-hans")
            || lower == "zh-sg"
        {
            Some(Lang::ZhCn)
        } else {
            None
        }
    }

    /// Picks the best supported language from an `Accept-Language` header,
    /// honouring q-values; `fallback` (the organisation's default language)
    /// when nothing matches.
    pub fn negotiate(accept_language: &str, fallback: Lang) -> Lang {
        let mut best: Option<(Lang, f32)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            // Traditional Chinese readers still read Simplified better than English.
            let lang = Lang::from_code(tag).or_else(|| {
                tag.to_ascii_lowercase()
                    .starts_with("zh")
                    .then_some(Lang::ZhCn)
            });
            if let Some(lang) = lang
                && best.is_none_or(|(_, bq)| q > bq)
            {
                best = Some((lang, q));
            }
        }
        best.map_or(fallback, |(lang, _)| lang)
    }

    fn langid(self) -> LanguageIdentifier {
        self.code()
            .parse::<LanguageIdentifier>()
            .unwrap_or_default()
    }
}

/// Translation and formatting for one request's language.
#[derive(Debug, Clone)]
pub struct I18n {
    lang: Lang,
    id: LanguageIdentifier,
}

impl I18n {
    /// A KPI value in its unit, for people: money in the currency, counts
    /// whole, percentages and the rest to one or two places; "—" for none.
    pub fn kpi_value(
        &self,
        unit: attain_core::kpi::Unit,
        value: Option<Decimal>,
        currency: attain_core::Currency,
    ) -> String {
        use attain_core::kpi::Unit;
        let Some(v) = value else {
            return "—".into();
        };
        match unit {
            Unit::Money => self.money(&Money::new(v, currency).rounded()),
            Unit::Count => self.decimal(v, 0),
            Unit::Percent => format!("{} %", self.decimal(v, 1)),
            Unit::Ratio => self.decimal(v, 2),
            Unit::Days | Unit::Hours | Unit::Score => self.decimal(v, 1),
        }
    }

    /// For a language.
    pub fn new(lang: Lang) -> Self {
        Self {
            lang,
            id: lang.langid(),
        }
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message for `key`; the key itself (and a log line) if it is missing.
    pub fn t(&self, key: &str) -> String {
        LOCALES.try_lookup(&self.id, key).unwrap_or_else(|| {
            tracing::warn!(key, lang = self.lang.code(), "missing message");
            key.to_owned()
        })
    }

    /// The message for `key` with named arguments.
    pub fn ta(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            // A whole number goes in as a number, so plural forms
            // (`[one]`, `*[other]`) choose by it.
            .map(|(k, v)| {
                let value = match v.parse::<i64>() {
                    Ok(n) => FluentValue::from(n),
                    Err(_) => FluentValue::from(v.clone()),
                };
                (Cow::Borrowed(*k), value)
            })
            .collect();
        LOCALES
            .try_lookup_with_args(&self.id, key, &map)
            .unwrap_or_else(|| {
                tracing::warn!(key, lang = self.lang.code(), "missing message");
                key.to_owned()
            })
    }

    /// The message for `key` with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        self.ta(key, &[(name, value.to_string())])
    }

    /// A whole number with thousands separators: `12,345` (both languages group by three).
    pub fn int(&self, n: impl std::borrow::Borrow<i64>) -> String {
        let n: i64 = *n.borrow();
        group(&n.unsigned_abs().to_string(), n < 0)
    }

    /// A decimal with thousands separators and exactly `dp` decimals (half-even).
    pub fn decimal(&self, d: Decimal, dp: u32) -> String {
        let rounded =
            d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointNearestEven);
        let text = format!("{:.*}", dp as usize, rounded.abs());
        let (int_part, frac) = text
            .split_once('.')
            .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
        let mut out = group(int_part, rounded.is_sign_negative() && !rounded.is_zero());
        if let Some(f) = frac {
            out.push('.');
            out.push_str(f);
        }
        out
    }

    /// Money with its symbol and minor-unit decimals: `¥1,234.50` in Chinese,
    /// `CN¥1,234.50` in English (where `$` and `¥` are ambiguous).
    pub fn money(&self, m: &Money) -> String {
        let code = m.currency().code();
        let symbol = match (self.lang, code) {
            (Lang::ZhCn, "CNY") => "¥".to_owned(),
            (Lang::En, "CNY") => "CN¥".to_owned(),
            (Lang::ZhCn, "USD") => "US$".to_owned(),
            (Lang::En, "USD") => "$".to_owned(),
            (_, "EUR") => "€".to_owned(),
            (_, other) => format!("{other} "),
        };
        let amount = self.decimal(m.amount(), m.currency().minor_digits());
        match amount.strip_prefix('-') {
            Some(positive) => format!("-{symbol}{positive}"),
            None => format!("{symbol}{amount}"),
        }
    }

    /// A date: `2026年11月26日` or `26 Nov 2026`.
    pub fn date(&self, d: NaiveDate) -> String {
        match self.lang {
            Lang::ZhCn => d.format("%Y年%-m月%-d日").to_string(),
            Lang::En => d.format("%-d %b %Y").to_string(),
        }
    }

    /// An instant in UTC to the minute, labelled as UTC.
    pub fn datetime(&self, t: DateTime<Utc>) -> String {
        match self.lang {
            Lang::ZhCn => t.format("%Y年%-m月%-d日 %H:%M UTC").to_string(),
            Lang::En => t.format("%-d %b %Y %H:%M UTC").to_string(),
        }
    }
}

/// A size in bytes as people write it: `100 MB`, `2 MiB`, `200 KB`, `1,500 bytes`
/// (the same in both languages).
pub fn bytes(n: usize) -> String {
    const MB: usize = 1000 * 1000;
    const MIB: usize = 1024 * 1024;
    let count = |n: usize| group(&n.to_string(), false);
    if n >= MB && n.is_multiple_of(MB) {
        format!("{} MB", count(n / MB))
    } else if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", count(n / MIB))
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{} KB", count(n / 1000))
    } else {
        format!("{} bytes", count(n))
    }
}

fn group(digits: &str, negative: bool) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if negative {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use attain_core::Currency;
    use std::collections::BTreeSet;

    fn keys(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains('='))
            .filter_map(|l| l.split('=').next())
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect()
    }

    #[test]
    fn a_count_chooses_the_plural_form() {
        // Found by a browser test: counts went in as text, so "1 new units".
        let en = I18n::new(Lang::En);
        assert_eq!(en.t1("people-units", "count", 1), "One new unit:");
        assert_eq!(en.t1("people-units", "count", 3), "3 new units:");
        assert_eq!(en.t1("org-people", "count", 1), "1 person");
        assert_eq!(
            en.t1("settings-saved", "count", 1),
            "One setting was changed."
        );
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let en = keys(include_str!("../../locales/en/main.ftl"));
        let zh = keys(include_str!("../../locales/zh-CN/main.ftl"));
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_zh.is_empty(),
            "only in en: {only_en:?}; only in zh-CN: {only_zh:?}"
        );
        assert!(en.len() > 50, "catalogue suspiciously small: {}", en.len());
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let en = keys(include_str!("../../locales/en/main.ftl"));
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut missing = Vec::new();
        let mut folders = vec![std::path::PathBuf::from(dir), std::path::PathBuf::from(src)];
        let mut files = Vec::new();
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        assert!(
            files.len() > 40,
            "every template and source file is read, in every folder"
        );
        {
            for path in files {
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in [".t(\"", ".t1(\"", ".ta(\""] {
                    for piece in text.split(marker).skip(1) {
                        let key = piece.split('"').next().unwrap();
                        if !en.contains(key) && !key.contains('{') {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalogue: {missing:?}"
        );
    }

    #[test]
    fn messages_come_out_in_the_chosen_language() {
        assert_eq!(I18n::new(Lang::En).t("nav-home"), "Home");
        assert_eq!(I18n::new(Lang::ZhCn).t("nav-home"), "首页");
        assert_eq!(
            I18n::new(Lang::ZhCn).t1("login-throttled", "minutes", 14),
            "登录失败次数过多，请 14 分钟后再试。"
        );
        let missing = ["no", "such", "key"].join("-");
        assert_eq!(I18n::new(Lang::En).t(&missing), "no-such-key");
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            Lang::negotiate("zh-CN,zh;q=0.9,en;q=0.8", Lang::En),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::negotiate("en-US,en;q=0.9,zh-CN;q=0.8", Lang::ZhCn),
            Lang::En
        );
        assert_eq!(Lang::negotiate("fr-FR,zh-TW;q=0.5", Lang::En), Lang::ZhCn);
        assert_eq!(Lang::negotiate("de", Lang::En), Lang::En);
        assert_eq!(Lang::negotiate("", Lang::En), Lang::En);
        // Nothing asked for that Attain speaks: the organisation's default.
        assert_eq!(Lang::negotiate("de", Lang::ZhCn), Lang::ZhCn);
        assert_eq!(Lang::negotiate("", Lang::ZhCn), Lang::ZhCn);
    }

    #[test]
    fn numbers_money_and_dates_follow_the_locale() {
        let zh = I18n::new(Lang::ZhCn);
        let en = I18n::new(Lang::En);
        assert_eq!(en.int(1_234_567), "1,234,567");
        assert_eq!(en.int(-1000), "-1,000");
        assert_eq!(en.int(999), "999");
        let m = Money::parse("-1234567.125", Currency::CNY).unwrap();
        assert_eq!(zh.money(&m), "-¥1,234,567.12");
        assert_eq!(en.money(&m), "-CN¥1,234,567.12");
        assert_eq!(
            en.money(&Money::parse("0.5", Currency::USD).unwrap()),
            "$0.50"
        );
        let d = NaiveDate::from_ymd_opt(2026, 11, 6).unwrap();
        assert_eq!(zh.date(d), "2026年11月6日");
        assert_eq!(en.date(d), "6 Nov 2026");
    }
}
