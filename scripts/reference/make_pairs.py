"""Builds the (context, continuation) pairs used by the agreement fixtures.

Real FLORES sentences (../shared/data/flores/subset) in 12 scripts, as en→xx translation
prompts `English: {eng}\n{Name}:` with continuation ` {target}`: 5 pairs per language, the
first 5 dev sentences of at most 200 characters. Deterministic; writes JSONL to stdout.
"""
import csv, json, os, sys

DATA = os.environ.get("KAKUGO_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
LANGS = [("kaz_Cyrl", "Kazakh"), ("rus_Cyrl", "Russian"), ("arb_Arab", "Arabic"), ("amh_Ethi", "Amharic"),
         ("hin_Deva", "Hindi"), ("ben_Beng", "Bengali"), ("bod_Tibt", "Tibetan"), ("zho_Hans", "Chinese"),
         ("tha_Thai", "Thai"), ("nqo_Nkoo", "N'Ko"), ("deu_Latn", "German"), ("swh_Latn", "Swahili")]

def read(lang):
    with open(os.path.join(DATA, "flores/subset", lang + ".tsv"), newline="", encoding="utf-8") as f:
        return {r["index_id"]: r for r in csv.DictReader(f, delimiter="\t")}

eng = read("eng_Latn")
for code, name in LANGS:
    tgt = read(code)
    n = 0
    for idx, row in tgt.items():
        if row["split"] != "dev" or len(row["text"]) > 200 or len(eng[idx]["text"]) > 200:
            continue
        print(json.dumps({"language": code, "index_id": int(idx),
                          "context": f"English: {eng[idx]['text']}\n{name}:",
                          "continuation": " " + row["text"]}, ensure_ascii=False))
        n += 1
        if n == 5:
            break
