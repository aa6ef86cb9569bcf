"""Helper for scripts/reference/lm_eval_side_by_side.sh (runs in the .venv-ref venv).

    python lm_eval_side_by_side.py task LANG DATA_ROOT OUT_DIR [N]
        Writes OUT_DIR/sib200_kakugo.yaml (an lm-evaluation-harness task for SIB-200 test in
        LANG, the prompt and continuations of suites/sib200.toml) and OUT_DIR/test.jsonl (the
        TSV read with a quote-aware reader: the files carry pandas' RFC 4180 quoting). With N,
        only the first N rows, also written as OUT_DIR/data/sib200/LANG for kakugo.
    python lm_eval_side_by_side.py lm-eval ARGS...
        Runs lm-evaluation-harness's CLI with torch limited to $THREADS (default 2) threads.
    python lm_eval_side_by_side.py compare LANG LM_EVAL_OUT_DIR KAKUGO_SAMPLES TIMES_TSV
        Compares per-request log-likelihoods, predictions, acc and acc_norm and prints a
        Markdown table with both wall and CPU times and the ratios.
"""
import csv, glob, hashlib, json, math, os, sys

PROMPT = "Topic of the following text: {{text}}\nTopic:"


def read_sib200(data_root, lang):
    d = os.path.join(data_root, "sib200", lang)
    with open(os.path.join(d, "labels.txt"), encoding="utf-8") as f:
        labels = [line.rstrip("\n") for line in f if line.strip()]
    with open(os.path.join(d, "test.tsv"), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quotechar='"'))
    assert rows[0] == ["index_id", "category", "text"], rows[0]
    docs = [{"index_id": r[0], "category": r[1], "text": r[2], "gold": labels.index(r[1])}
            for r in rows[1:]]
    return labels, docs


def write_task(lang, data_root, out, limit=""):
    labels, docs = read_sib200(data_root, lang)
    os.makedirs(out, exist_ok=True)
    if limit:
        # the first N rows only, also as a SIB-200 data root for kakugo (same quoting)
        docs = docs[: int(limit)]
        d = os.path.join(out, "data", "sib200", lang)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "labels.txt"), "w", encoding="utf-8") as f:
            f.write("".join(label + "\n" for label in labels))
        with open(os.path.join(d, "test.tsv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t", quotechar='"', lineterminator="\n")
            w.writerow(["index_id", "category", "text"])
            w.writerows([d["index_id"], d["category"], d["text"]] for d in docs)
    data = os.path.abspath(os.path.join(out, "test.jsonl"))
    with open(data, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    # JSON is valid YAML: no quoting surprises in the prompt or the labels.
    task = {
        "task": "sib200_kakugo",
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": data}},
        "test_split": "test",
        "output_type": "multiple_choice",
        "doc_to_text": PROMPT,
        "doc_to_choice": labels,
        "doc_to_target": "gold",
        "target_delimiter": " ",
        "metric_list": [
            {"metric": "acc", "aggregation": "mean", "higher_is_better": True},
            {"metric": "acc_norm", "aggregation": "mean", "higher_is_better": True},
        ],
        "metadata": {"version": 1.0, "language": lang},
    }
    with open(os.path.join(out, "sib200_kakugo.yaml"), "w", encoding="utf-8") as f:
        json.dump(task, f, ensure_ascii=False, indent=1)
    print(f"{len(docs)} documents, {len(labels)} labels", file=sys.stderr)


def run_lm_eval(args):
    import torch

    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    from lm_eval.__main__ import cli_evaluate

    sys.argv = ["lm_eval"] + args
    cli_evaluate()


def pick(scores):
    # first maximum, as numpy's argmax in lm-eval
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


def compare(lang, lm_dir, kakugo_samples, times):
    [lm_file] = glob.glob(os.path.join(lm_dir, "**", "samples_sib200_kakugo_*.jsonl"), recursive=True)
    [res_file] = glob.glob(os.path.join(lm_dir, "**", "results_*.json"), recursive=True)
    lm = {}
    with open(lm_file, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            lm[s["doc"]["index_id"]] = s
    kk = {}
    with open(kakugo_samples, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            kk[str(s["id"])] = s
    assert set(lm) == set(kk), "different documents"
    deltas, same_pred, same_norm = [], 0, 0
    acc = {"lm-eval": [0, 0], "kakugo": [0, 0]}
    same_prompt = 0
    for i, s in lm.items():
        args = [s["arguments"][f"gen_args_{k}"] for k in range(len(s["arguments"]))]
        conts = [a["arg_1"] for a in args]
        same_prompt += hashlib.sha256(args[0]["arg_0"].encode()).hexdigest() == kk[i]["prompt_sha256"]
        lens = [len(c[1:]) for c in conts]  # acc_norm: characters of the label (no delimiter)
        ref = [float(r[0]) for r in s["filtered_resps"]]
        ours = kk[i]["logprobs"]
        assert len(ref) == len(ours)
        deltas += [abs(a - b) for a, b in zip(ref, ours)]
        gold = int(s["target"])
        for name, lp in (("lm-eval", ref), ("kakugo", ours)):
            acc[name][0] += pick(lp) == gold
            acc[name][1] += pick([x / n for x, n in zip(lp, lens)]) == gold
        same_pred += pick(ref) == pick(ours)
        same_norm += pick([x / n for x, n in zip(ref, lens)]) == pick([x / n for x, n in zip(ours, lens)])
        # lm-eval's own per-document metrics must be what we recompute from its numbers
        assert s["acc"] == float(pick(ref) == gold), (i, s["acc"])
        assert s["acc_norm"] == float(pick([x / n for x, n in zip(ref, lens)]) == gold), i
    n = len(lm)
    with open(res_file, encoding="utf-8") as f:
        res = json.load(f)["results"]["sib200_kakugo"]
    assert abs(res["acc,none"] - acc["lm-eval"][0] / n) < 1e-9
    assert abs(res["acc_norm,none"] - acc["lm-eval"][1] / n) < 1e-9
    t, load = {}, "?"
    with open(times, encoding="utf-8") as f:
        for line in f:
            k, rest = line.rstrip("\n").split(" ", 1)
            if k == "load":
                load = " → ".join(rest.split("|"))
            else:
                wall, cpu, rss = rest.split()
                t[k] = (float(wall), float(cpu), int(rss) / 1024)
    print(f"### SIB-200 {lang} test: lm-evaluation-harness vs kakugo\n")
    print("| | lm-evaluation-harness | kakugo | ratio |\n|---|---|---|---|")
    print(f"| requests / documents | {len(deltas)} / {n} | {len(deltas)} / {n} | |")
    print(f"| acc | {acc['lm-eval'][0]}/{n} = {acc['lm-eval'][0] / n:.4f} | "
          f"{acc['kakugo'][0]}/{n} = {acc['kakugo'][0] / n:.4f} | |")
    print(f"| acc_norm | {acc['lm-eval'][1]}/{n} = {acc['lm-eval'][1] / n:.4f} | "
          f"{acc['kakugo'][1]}/{n} = {acc['kakugo'][1] / n:.4f} | |")
    print(f"| same prompt text (sha256) | | {same_prompt}/{n} | |")
    print(f"| same prediction (acc / acc_norm) | | {same_pred}/{n} / {same_norm}/{n} | |")
    print(f"| log-likelihood max / mean \\|Δ\\| (nats) | | {max(deltas):.1e} / {sum(deltas) / len(deltas):.1e} | |")
    lw, lc, lr = t["lm-eval"]
    kw, kc, kr = t["kakugo"]
    print(f"| wall time (s) | {lw:.1f} | {kw:.1f} | **{lw / kw:.1f}×** |")
    print(f"| CPU time user+sys (s) | {lc:.1f} | {kc:.1f} | {lc / kc:.1f}× |")
    print(f"| peak memory (MiB) | {lr:.0f} | {kr:.0f} | |")
    print(f"\n1/5/15-min load average before lm-eval → before kakugo → after: {load}")
    ok = max(deltas) < 1e-3 and same_prompt == n and same_pred == n and same_norm == n
    print("\nagreement:", "OK (all within 1e-3 nats, same predictions)" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "task":
        write_task(*rest)
    elif cmd == "lm-eval":
        run_lm_eval(rest)
    elif cmd == "compare":
        sys.exit(compare(*rest))
    else:
        sys.exit(f"unknown command {cmd}")
