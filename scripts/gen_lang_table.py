#!/usr/bin/env python3
"""Generate src/lang/table.rs, kakugo's language table.

Run once by hand when the table's sources change (the build never runs it):

    python3 scripts/gen_lang_table.py > src/lang/table.rs && cargo fmt

Sources (all public, checked 2025):
- English names and codes: the "Languages in FLORES-200" table of
  facebookresearch/flores `flores200/README.md`. That table says `sat_Beng` for Santali, but the
  released files (and SIB-200) use `sat_Olck`; SIB-200 adds `nqo_Nkoo` (N'Ko).
- Belebele codes: the "Languages in Belebele" table of facebookresearch/belebele `README.md`
  (122 variants; five romanised variants are not in FLORES-200).
- Global-MMLU codes: the 42 subset names of the CohereForAI/Global-MMLU dataset.
- FLORES+ codes: openlanguagedata/flores `README.md` and `CHANGELOG.md` (v2.0 relabels).
- ISO 639-1: ISO 639-1 code of the language or, for an individual language inside a
  macrolanguage (swh inside sw, zsm inside ms, ...), of its macrolanguage when FLORES has only
  that one variety.
"""

FLORES200 = """
Acehnese (Arabic script) | ace_Arab
Acehnese (Latin script) | ace_Latn
Mesopotamian Arabic | acm_Arab
Ta’izzi-Adeni Arabic | acq_Arab
Tunisian Arabic | aeb_Arab
Afrikaans | afr_Latn
South Levantine Arabic | ajp_Arab
Akan | aka_Latn
Amharic | amh_Ethi
North Levantine Arabic | apc_Arab
Modern Standard Arabic | arb_Arab
Modern Standard Arabic (Romanized) | arb_Latn
Najdi Arabic | ars_Arab
Moroccan Arabic | ary_Arab
Egyptian Arabic | arz_Arab
Assamese | asm_Beng
Asturian | ast_Latn
Awadhi | awa_Deva
Central Aymara | ayr_Latn
South Azerbaijani | azb_Arab
North Azerbaijani | azj_Latn
Bashkir | bak_Cyrl
Bambara | bam_Latn
Balinese | ban_Latn
Belarusian | bel_Cyrl
Bemba | bem_Latn
Bengali | ben_Beng
Bhojpuri | bho_Deva
Banjar (Arabic script) | bjn_Arab
Banjar (Latin script) | bjn_Latn
Standard Tibetan | bod_Tibt
Bosnian | bos_Latn
Buginese | bug_Latn
Bulgarian | bul_Cyrl
Catalan | cat_Latn
Cebuano | ceb_Latn
Czech | ces_Latn
Chokwe | cjk_Latn
Central Kurdish | ckb_Arab
Crimean Tatar | crh_Latn
Welsh | cym_Latn
Danish | dan_Latn
German | deu_Latn
Southwestern Dinka | dik_Latn
Dyula | dyu_Latn
Dzongkha | dzo_Tibt
Greek | ell_Grek
English | eng_Latn
Esperanto | epo_Latn
Estonian | est_Latn
Basque | eus_Latn
Ewe | ewe_Latn
Faroese | fao_Latn
Fijian | fij_Latn
Finnish | fin_Latn
Fon | fon_Latn
French | fra_Latn
Friulian | fur_Latn
Nigerian Fulfulde | fuv_Latn
Scottish Gaelic | gla_Latn
Irish | gle_Latn
Galician | glg_Latn
Guarani | grn_Latn
Gujarati | guj_Gujr
Haitian Creole | hat_Latn
Hausa | hau_Latn
Hebrew | heb_Hebr
Hindi | hin_Deva
Chhattisgarhi | hne_Deva
Croatian | hrv_Latn
Hungarian | hun_Latn
Armenian | hye_Armn
Igbo | ibo_Latn
Ilocano | ilo_Latn
Indonesian | ind_Latn
Icelandic | isl_Latn
Italian | ita_Latn
Javanese | jav_Latn
Japanese | jpn_Jpan
Kabyle | kab_Latn
Jingpho | kac_Latn
Kamba | kam_Latn
Kannada | kan_Knda
Kashmiri (Arabic script) | kas_Arab
Kashmiri (Devanagari script) | kas_Deva
Georgian | kat_Geor
Central Kanuri (Arabic script) | knc_Arab
Central Kanuri (Latin script) | knc_Latn
Kazakh | kaz_Cyrl
Kabiyè | kbp_Latn
Kabuverdianu | kea_Latn
Khmer | khm_Khmr
Kikuyu | kik_Latn
Kinyarwanda | kin_Latn
Kyrgyz | kir_Cyrl
Kimbundu | kmb_Latn
Northern Kurdish | kmr_Latn
Kikongo | kon_Latn
Korean | kor_Hang
Lao | lao_Laoo
Ligurian | lij_Latn
Limburgish | lim_Latn
Lingala | lin_Latn
Lithuanian | lit_Latn
Lombard | lmo_Latn
Latgalian | ltg_Latn
Luxembourgish | ltz_Latn
Luba-Kasai | lua_Latn
Ganda | lug_Latn
Luo | luo_Latn
Mizo | lus_Latn
Standard Latvian | lvs_Latn
Magahi | mag_Deva
Maithili | mai_Deva
Malayalam | mal_Mlym
Marathi | mar_Deva
Minangkabau (Arabic script) | min_Arab
Minangkabau (Latin script) | min_Latn
Macedonian | mkd_Cyrl
Plateau Malagasy | plt_Latn
Maltese | mlt_Latn
Meitei (Bengali script) | mni_Beng
Halh Mongolian | khk_Cyrl
Mossi | mos_Latn
Maori | mri_Latn
Burmese | mya_Mymr
Dutch | nld_Latn
Norwegian Nynorsk | nno_Latn
Norwegian Bokmål | nob_Latn
Nepali | npi_Deva
Northern Sotho | nso_Latn
Nuer | nus_Latn
Nyanja | nya_Latn
Occitan | oci_Latn
West Central Oromo | gaz_Latn
Odia | ory_Orya
Pangasinan | pag_Latn
Eastern Panjabi | pan_Guru
Papiamento | pap_Latn
Western Persian | pes_Arab
Polish | pol_Latn
Portuguese | por_Latn
Dari | prs_Arab
Southern Pashto | pbt_Arab
Ayacucho Quechua | quy_Latn
Romanian | ron_Latn
Rundi | run_Latn
Russian | rus_Cyrl
Sango | sag_Latn
Sanskrit | san_Deva
Santali | sat_Beng
Sicilian | scn_Latn
Shan | shn_Mymr
Sinhala | sin_Sinh
Slovak | slk_Latn
Slovenian | slv_Latn
Samoan | smo_Latn
Shona | sna_Latn
Sindhi | snd_Arab
Somali | som_Latn
Southern Sotho | sot_Latn
Spanish | spa_Latn
Tosk Albanian | als_Latn
Sardinian | srd_Latn
Serbian | srp_Cyrl
Swati | ssw_Latn
Sundanese | sun_Latn
Swedish | swe_Latn
Swahili | swh_Latn
Silesian | szl_Latn
Tamil | tam_Taml
Tatar | tat_Cyrl
Telugu | tel_Telu
Tajik | tgk_Cyrl
Tagalog | tgl_Latn
Thai | tha_Thai
Tigrinya | tir_Ethi
Tamasheq (Latin script) | taq_Latn
Tamasheq (Tifinagh script) | taq_Tfng
Tok Pisin | tpi_Latn
Tswana | tsn_Latn
Tsonga | tso_Latn
Turkmen | tuk_Latn
Tumbuka | tum_Latn
Turkish | tur_Latn
Twi | twi_Latn
Central Atlas Tamazight | tzm_Tfng
Uyghur | uig_Arab
Ukrainian | ukr_Cyrl
Umbundu | umb_Latn
Urdu | urd_Arab
Northern Uzbek | uzn_Latn
Venetian | vec_Latn
Vietnamese | vie_Latn
Waray | war_Latn
Wolof | wol_Latn
Xhosa | xho_Latn
Eastern Yiddish | ydd_Hebr
Yoruba | yor_Latn
Yue Chinese | yue_Hant
Chinese (Simplified) | zho_Hans
Chinese (Traditional) | zho_Hant
Standard Malay | zsm_Latn
Zulu | zul_Latn
"""

# Languages kakugo knows that are not FLORES-200 languages: SIB-200's N'Ko, Belebele's
# romanised variants, and the two Kakugo-paper languages without FLORES-200 data.
EXTRA = [
    # (name, code, in_sib200)
    ("N'Ko", "nqo_Nkoo", True),
    ("Bengali (Romanized)", "ben_Latn", False),
    ("Hindi (Romanized)", "hin_Latn", False),
    ("Nepali (Romanized)", "npi_Latn", False),
    ("Sinhala (Romanized)", "sin_Latn", False),
    ("Urdu (Romanized)", "urd_Latn", False),
    ("Chuvash", "chv_Cyrl", False),
    ("Southern Kurdish", "sdh_Arab", False),
]

ISO639_1 = {
    "afr": "af", "aka": "ak", "als": "sq", "amh": "am", "arb": "ar", "asm": "as", "ayr": "ay",
    "azj": "az", "bak": "ba", "bam": "bm", "bel": "be", "ben": "bn", "bod": "bo", "bos": "bs",
    "bul": "bg", "cat": "ca", "ces": "cs", "chv": "cv", "cym": "cy", "dan": "da", "deu": "de",
    "dzo": "dz", "ell": "el", "eng": "en", "epo": "eo", "est": "et", "eus": "eu", "ewe": "ee",
    "fao": "fo", "fij": "fj", "fin": "fi", "fra": "fr", "fuv": "ff", "gaz": "om", "gla": "gd",
    "gle": "ga", "glg": "gl", "grn": "gn", "guj": "gu", "hat": "ht", "hau": "ha", "heb": "he",
    "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ibo": "ig", "ind": "id", "isl": "is",
    "ita": "it", "jav": "jv", "jpn": "ja", "kan": "kn", "kas": "ks", "kat": "ka", "kaz": "kk",
    "khk": "mn", "khm": "km", "kik": "ki", "kin": "rw", "kir": "ky", "kmr": "ku", "knc": "kr",
    "kon": "kg", "kor": "ko", "lao": "lo", "lim": "li", "lin": "ln", "lit": "lt", "ltz": "lb",
    "lug": "lg", "lvs": "lv", "mal": "ml", "mar": "mr", "mkd": "mk", "mlt": "mt", "mri": "mi",
    "mya": "my", "nld": "nl", "nno": "nn", "nob": "nb", "npi": "ne", "nya": "ny", "oci": "oc",
    "ory": "or", "pan": "pa", "pbt": "ps", "pes": "fa", "plt": "mg", "pol": "pl", "por": "pt",
    "quy": "qu", "ron": "ro", "run": "rn", "rus": "ru", "sag": "sg", "san": "sa", "sin": "si",
    "slk": "sk", "slv": "sl", "smo": "sm", "sna": "sn", "snd": "sd", "som": "so", "sot": "st",
    "spa": "es", "srd": "sc", "srp": "sr", "ssw": "ss", "sun": "su", "swe": "sv", "swh": "sw",
    "tam": "ta", "tat": "tt", "tel": "te", "tgk": "tg", "tgl": "tl", "tha": "th", "tir": "ti",
    "tsn": "tn", "tso": "ts", "tuk": "tk", "tur": "tr", "twi": "tw", "uig": "ug", "ukr": "uk",
    "urd": "ur", "uzn": "uz", "vie": "vi", "wol": "wo", "xho": "xh", "ydd": "yi", "yor": "yo",
    "zho": "zh", "zsm": "ms", "zul": "zu",
}

# Where one ISO 639-3 code has several entries, the one a bare code resolves to. Codes with
# several entries and none listed here (ace, bjn, kas, knc, min, taq) are ambiguous on purpose:
# resolving them lists the candidates.
DEFAULT_SCRIPT = {"arb": "arb_Arab", "zho": "zho_Hans", "ben": "ben_Beng", "hin": "hin_Deva",
                  "npi": "npi_Deva", "sin": "sin_Sinh", "urd": "urd_Arab"}

BELEBELE = """
acm_Arab afr_Latn als_Latn amh_Ethi apc_Arab arb_Arab arb_Latn ars_Arab ary_Arab arz_Arab
asm_Beng azj_Latn bam_Latn ben_Beng ben_Latn bod_Tibt bul_Cyrl cat_Latn ceb_Latn ces_Latn
ckb_Arab dan_Latn deu_Latn ell_Grek eng_Latn est_Latn eus_Latn fin_Latn fra_Latn fuv_Latn
gaz_Latn grn_Latn guj_Gujr hat_Latn hau_Latn heb_Hebr hin_Deva hin_Latn hrv_Latn hun_Latn
hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn ita_Latn jav_Latn jpn_Jpan kac_Latn kan_Knda
kat_Geor kaz_Cyrl kea_Latn khk_Cyrl khm_Khmr kin_Latn kir_Cyrl kor_Hang lao_Laoo lin_Latn
lit_Latn lug_Latn luo_Latn lvs_Latn mal_Mlym mar_Deva mkd_Cyrl mlt_Latn mri_Latn mya_Mymr
nld_Latn nob_Latn npi_Deva npi_Latn nso_Latn nya_Latn ory_Orya pan_Guru pbt_Arab pes_Arab
plt_Latn pol_Latn por_Latn ron_Latn rus_Cyrl shn_Mymr sin_Latn sin_Sinh slk_Latn slv_Latn
sna_Latn snd_Arab som_Latn sot_Latn spa_Latn srp_Cyrl ssw_Latn sun_Latn swe_Latn swh_Latn
tam_Taml tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi tsn_Latn tso_Latn tur_Latn ukr_Cyrl
urd_Arab urd_Latn uzn_Latn vie_Latn war_Latn wol_Latn xho_Latn yor_Latn zho_Hans zho_Hant
zsm_Latn zul_Latn
""".split()

GLOBAL_MMLU = {
    "am": "amh_Ethi", "ar": "arb_Arab", "bn": "ben_Beng", "cs": "ces_Latn", "de": "deu_Latn",
    "el": "ell_Grek", "en": "eng_Latn", "es": "spa_Latn", "fa": "pes_Arab", "fil": "tgl_Latn",
    "fr": "fra_Latn", "ha": "hau_Latn", "he": "heb_Hebr", "hi": "hin_Deva", "id": "ind_Latn",
    "ig": "ibo_Latn", "it": "ita_Latn", "ja": "jpn_Jpan", "ko": "kor_Hang", "ky": "kir_Cyrl",
    "lt": "lit_Latn", "mg": "plt_Latn", "ms": "zsm_Latn", "ne": "npi_Deva", "nl": "nld_Latn",
    "ny": "nya_Latn", "pl": "pol_Latn", "pt": "por_Latn", "ro": "ron_Latn", "ru": "rus_Cyrl",
    "si": "sin_Sinh", "sn": "sna_Latn", "so": "som_Latn", "sr": "srp_Cyrl", "sv": "swe_Latn",
    "sw": "swh_Latn", "te": "tel_Telu", "tr": "tur_Latn", "uk": "ukr_Cyrl", "vi": "vie_Latn",
    "yo": "yor_Latn", "zh": "zho_Hans",
}

# FLORES+ (v2.0) file names that differ from the FLORES-200 code. Every other FLORES-200
# language keeps its code; nqo_Nkoo and chv_Cyrl (dev only) are FLORES+ languages too.
FLORES_PLUS_RENAMED = {
    "est_Latn": "ekk_Latn", "grn_Latn": "gug_Latn", "kon_Latn": "ktu_Latn",
    "ajp_Arab": "apc_Arab_sout3123", "apc_Arab": "apc_Arab_nort3139",
    "aka_Latn": "twi_Latn_asan1239", "twi_Latn": "twi_Latn_akua1239",
    "zho_Hans": "cmn_Hans", "zho_Hant": "cmn_Hant", "tgl_Latn": "fil_Latn",
    "tzm_Tfng": "zgh_Tfng",
}
FLORES_PLUS_EXTRA = {"nqo_Nkoo": "nqo_Nkoo", "chv_Cyrl": "chv_Cyrl"}

# Other names and codes users type. Macrolanguage codes point at the variety FLORES has (or
# the most widely written one, for az and ku); FLORES+ renamed codes point back.
ALIASES = {
    "arb_Arab": ["ara", "Arabic"], "zho_Hans": ["cmn", "Chinese", "Mandarin"],
    "pes_Arab": ["fas", "Persian", "Farsi"], "zsm_Latn": ["msa", "Malay"],
    "swh_Latn": ["swa"], "npi_Deva": ["nep"], "plt_Latn": ["mlg", "Malagasy"],
    "lvs_Latn": ["lav", "Latvian"], "khk_Cyrl": ["mon", "Mongolian"],
    "uzn_Latn": ["uzb", "Uzbek"], "azj_Latn": ["aze", "Azerbaijani"],
    "pbt_Arab": ["pus", "Pashto"], "gaz_Latn": ["orm", "Oromo"],
    "als_Latn": ["sqi", "Albanian"], "quy_Latn": ["que", "Quechua"],
    "ayr_Latn": ["aym", "Aymara"], "ydd_Hebr": ["yid", "Yiddish"],
    "kmr_Latn": ["kur", "Kurdish", "Kurmanji"], "ckb_Arab": ["Sorani"],
    "nob_Latn": ["nor", "no", "Norwegian"], "fuv_Latn": ["ful", "Fulfulde", "Fula"],
    "est_Latn": ["ekk"], "grn_Latn": ["gug"], "kon_Latn": ["ktu", "Kongo"],
    "tgl_Latn": ["fil", "Filipino"], "tzm_Tfng": ["zgh", "Tamazight"],
    "bod_Tibt": ["Tibetan"], "pan_Guru": ["Panjabi", "Punjabi"], "yue_Hant": ["Cantonese"],
    "ory_Orya": ["Oriya"], "sin_Sinh": ["Sinhalese"], "gla_Latn": ["Gaelic"],
    "nya_Latn": ["Chichewa"], "run_Latn": ["Kirundi"], "sot_Latn": ["Sesotho"],
    "tsn_Latn": ["Setswana"], "lug_Latn": ["Luganda"], "mni_Beng": ["Manipuri"],
    "hat_Latn": ["Haitian"], "nqo_Nkoo": ["Nko"], "sat_Olck": [],
}


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def opt(s):
    return "None" if s is None else f"Some({rust_str(s)})"


def main():
    rows = []
    for line in FLORES200.strip().splitlines():
        name, code = [p.strip() for p in line.split("|")]
        if code == "sat_Beng":
            code = "sat_Olck"  # the released files and SIB-200 use Ol Chiki
        rows.append((name, code, True, True))
    for name, code, sib in EXTRA:
        rows.append((name, code, False, sib))
    rows.sort(key=lambda r: r[1])
    codes = [r[1] for r in rows]
    assert len(set(codes)) == len(codes)
    assert sum(1 for r in rows if r[3]) == 205, "SIB-200 has 205 languages"
    assert len(BELEBELE) == 122 and set(BELEBELE) <= set(codes)
    assert len(GLOBAL_MMLU) == 42 and set(GLOBAL_MMLU.values()) <= set(codes)
    gmmlu = {v: k for k, v in GLOBAL_MMLU.items()}
    by_iso3 = {}
    for _, code, _, _ in rows:
        by_iso3.setdefault(code[:3], []).append(code)

    print("// @generated by scripts/gen_lang_table.py; edit the script, not this file.")
    print("//! The language table: one row per language kakugo knows, sorted by code.")
    print("//!")
    print("//! Columns: code, ISO 639-3, ISO 639-1, script, English name, default script of its")
    print("//! ISO 639-3 code, in FLORES-200, in SIB-200, in Belebele, Global-MMLU code, FLORES+ code,")
    print("//! aliases.")
    print()
    print("use super::{row, Language};")
    print()
    print("#[rustfmt::skip]")
    print(f"pub(super) static LANGUAGES: [Language; {len(rows)}] = [")
    for name, code, in_flores, in_sib in rows:
        iso3, script = code.split("_")
        default = len(by_iso3[iso3]) == 1 or DEFAULT_SCRIPT.get(iso3) == code
        if in_flores or code in FLORES_PLUS_EXTRA:
            fplus = FLORES_PLUS_RENAMED.get(code, code)
        else:
            fplus = None
        aliases = ", ".join(rust_str(a) for a in ALIASES.get(code, []))
        b = lambda x: "true" if x else "false"
        print(f"    row({rust_str(code)}, {rust_str(iso3)}, {opt(ISO639_1.get(iso3))}, "
              f"{rust_str(script)}, {rust_str(name)}, {b(default)}, {b(in_flores)}, {b(in_sib)}, "
              f"{b(code in BELEBELE)}, {opt(gmmlu.get(code))}, {opt(fplus)}, &[{aliases}]),")
    print("];")


if __name__ == "__main__":
    main()
