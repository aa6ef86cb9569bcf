//! Language registry: FLORES-200 code ⇄ ISO 639-1 / 639-3 ⇄ English name.
//!
//! `kk`, `kaz`, `kaz_Cyrl` and `Kazakh` all resolve to one [`Language`]; an unknown name gets
//! the nearest suggestions on a `hint:` line. English names are FLORES-200's, used in prompts
//! (`Kazakh: …`). This table covers the languages kakugo's shipped suites use and common
//! evaluation languages; extending it to all 205 SIB-200 languages is tracked in the
//! benchmarks issue.

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// FLORES-200 code, e.g. `kaz_Cyrl`.
    pub code: &'static str,
    pub name: &'static str,
    /// ISO 639-1, when the language has one.
    pub iso1: Option<&'static str>,
}

impl Language {
    /// ISO 639-3: the FLORES code's language part.
    pub fn iso3(&self) -> &'static str {
        self.code
            .split('_')
            .next()
            .expect("FLORES codes have a language part")
    }
}

macro_rules! langs {
    ($(($code:literal, $name:literal, $iso1:expr)),* $(,)?) => {
        &[$(Language { code: $code, name: $name, iso1: $iso1 }),*]
    };
}

pub const LANGUAGES: &[Language] = langs![
    ("afr_Latn", "Afrikaans", Some("af")),
    ("amh_Ethi", "Amharic", Some("am")),
    ("arb_Arab", "Modern Standard Arabic", Some("ar")),
    ("azj_Latn", "North Azerbaijani", Some("az")),
    ("bak_Cyrl", "Bashkir", Some("ba")),
    ("bel_Cyrl", "Belarusian", Some("be")),
    ("ben_Beng", "Bengali", Some("bn")),
    ("bod_Tibt", "Standard Tibetan", Some("bo")),
    ("bul_Cyrl", "Bulgarian", Some("bg")),
    ("cat_Latn", "Catalan", Some("ca")),
    ("ces_Latn", "Czech", Some("cs")),
    ("cym_Latn", "Welsh", Some("cy")),
    ("dan_Latn", "Danish", Some("da")),
    ("deu_Latn", "German", Some("de")),
    ("ell_Grek", "Greek", Some("el")),
    ("eng_Latn", "English", Some("en")),
    ("est_Latn", "Estonian", Some("et")),
    ("eus_Latn", "Basque", Some("eu")),
    ("fin_Latn", "Finnish", Some("fi")),
    ("fra_Latn", "French", Some("fr")),
    ("gle_Latn", "Irish", Some("ga")),
    ("guj_Gujr", "Gujarati", Some("gu")),
    ("hat_Latn", "Haitian Creole", Some("ht")),
    ("hau_Latn", "Hausa", Some("ha")),
    ("heb_Hebr", "Hebrew", Some("he")),
    ("hin_Deva", "Hindi", Some("hi")),
    ("hun_Latn", "Hungarian", Some("hu")),
    ("hye_Armn", "Armenian", Some("hy")),
    ("ibo_Latn", "Igbo", Some("ig")),
    ("ind_Latn", "Indonesian", Some("id")),
    ("isl_Latn", "Icelandic", Some("is")),
    ("ita_Latn", "Italian", Some("it")),
    ("jpn_Jpan", "Japanese", Some("ja")),
    ("kat_Geor", "Georgian", Some("ka")),
    ("kaz_Cyrl", "Kazakh", Some("kk")),
    ("khm_Khmr", "Khmer", Some("km")),
    ("kin_Latn", "Kinyarwanda", Some("rw")),
    ("kir_Cyrl", "Kyrgyz", Some("ky")),
    ("kor_Hang", "Korean", Some("ko")),
    ("lao_Laoo", "Lao", Some("lo")),
    ("lit_Latn", "Lithuanian", Some("lt")),
    ("mal_Mlym", "Malayalam", Some("ml")),
    ("mar_Deva", "Marathi", Some("mr")),
    ("mkd_Cyrl", "Macedonian", Some("mk")),
    ("mlt_Latn", "Maltese", Some("mt")),
    ("mya_Mymr", "Burmese", Some("my")),
    ("nld_Latn", "Dutch", Some("nl")),
    ("npi_Deva", "Nepali", Some("ne")),
    ("nqo_Nkoo", "N'Ko", None),
    ("nya_Latn", "Nyanja", Some("ny")),
    ("pes_Arab", "Western Persian", Some("fa")),
    ("pol_Latn", "Polish", Some("pl")),
    ("por_Latn", "Portuguese", Some("pt")),
    ("ron_Latn", "Romanian", Some("ro")),
    ("rus_Cyrl", "Russian", Some("ru")),
    ("sin_Sinh", "Sinhala", Some("si")),
    ("slk_Latn", "Slovak", Some("sk")),
    ("sna_Latn", "Shona", Some("sn")),
    ("som_Latn", "Somali", Some("so")),
    ("spa_Latn", "Spanish", Some("es")),
    ("srp_Cyrl", "Serbian", Some("sr")),
    ("swe_Latn", "Swedish", Some("sv")),
    ("swh_Latn", "Swahili", Some("sw")),
    ("tam_Taml", "Tamil", Some("ta")),
    ("tat_Cyrl", "Tatar", Some("tt")),
    ("tel_Telu", "Telugu", Some("te")),
    ("tgk_Cyrl", "Tajik", Some("tg")),
    ("tha_Thai", "Thai", Some("th")),
    ("tur_Latn", "Turkish", Some("tr")),
    ("ukr_Cyrl", "Ukrainian", Some("uk")),
    ("urd_Arab", "Urdu", Some("ur")),
    ("uzn_Latn", "Northern Uzbek", Some("uz")),
    ("vie_Latn", "Vietnamese", Some("vi")),
    ("wol_Latn", "Wolof", Some("wo")),
    ("xho_Latn", "Xhosa", Some("xh")),
    ("yor_Latn", "Yoruba", Some("yo")),
    ("zho_Hans", "Chinese (Simplified)", Some("zh")),
    ("zul_Latn", "Zulu", Some("zu")),
];

/// Resolves a FLORES code, ISO 639-1/639-3 code or English name (case-insensitive).
pub fn resolve(name: &str) -> Result<&'static Language> {
    let q = name.trim().to_lowercase();
    let found = LANGUAGES.iter().find(|l| {
        l.code.to_lowercase() == q
            || l.iso1 == Some(q.as_str())
            || l.iso3() == q
            || l.name.to_lowercase() == q
    });
    found.ok_or_else(|| {
        let mut scored: Vec<(usize, &Language)> = LANGUAGES
            .iter()
            .map(|l| {
                let d = [
                    l.code.to_lowercase(),
                    l.name.to_lowercase(),
                    l.iso3().to_string(),
                ]
                .iter()
                .map(|c| edit_distance(&q, c))
                .min()
                .expect("three candidates");
                (d, l)
            })
            .collect();
        scored.sort_by_key(|(d, l)| (*d, l.code));
        let near: Vec<String> = scored
            .iter()
            .take(3)
            .map(|(_, l)| format!("{} ({})", l.code, l.name))
            .collect();
        Error::usage_hint(
            format!("unknown language `{name}`"),
            format!("nearest: {}", near.join(", ")),
        )
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + (ca != *cb) as usize)
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_kazakh_resolves_to_one_language() {
        for name in ["kk", "kaz", "kaz_Cyrl", "Kazakh", "KAZAKH"] {
            assert_eq!(resolve(name).unwrap().code, "kaz_Cyrl", "{name}");
        }
    }

    #[test]
    fn unknown_names_get_suggestions() {
        let err = resolve("Kazak").unwrap_err().to_string();
        assert!(
            err.contains("unknown language `Kazak`")
                && err.contains("hint: nearest: kaz_Cyrl (Kazakh)"),
            "{err}"
        );
    }
}
