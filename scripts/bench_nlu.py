#!/usr/bin/env python
"""Benchmark our NLU pipeline (config.yml) against Rasa's default pipeline.

Trains each pipeline on data/nlu into a temp dir, scores it on both held-out
sets, tests/nlu/heldout.yml (ours) and tests/nlu/realistic.yml (written like
real consumer posts, issue 11), with ``rasa test nlu --successes``, measures
training wall time and ``/model/parse``-equivalent latency (``await
Agent.parse_message(text)`` over every held-out text, after one warm-up pass),
and writes reports/nlu.md plus one confusion matrix PNG per set for ours
(reports/nlu_confusion_<set>.png).

Pipelines:
- ``ours``: config.yml;
- ``default``: bench/default_config.yml (the `rasa init` pipeline, same seed);
- ablations of ours for the word-featurizer question (skip with --quick):
  ``ours-stock-word`` (Rasa's CountVectorsFeaturizer analyzer word, which
  splits Devanagari at vowel signs) and ``ours-char-only`` (char_wb n-grams,
  no word featurizer).

Usage: python scripts/bench_nlu.py [--quick] [--out reports/nlu.md] [--keep DIR] [--from-json BENCH_JSON]
"""
import argparse
import asyncio
import copy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Dict, List

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

warnings.filterwarnings("ignore")

import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
import nlu_gate  # noqa: E402  (floors, result loading and the rules/classifier split)

RASA = str(Path(sys.executable).parent / "rasa")
NLU_DATA = ROOT / "data" / "nlu"
TEST_DIR = ROOT / "tests" / "nlu"
SETS = list(nlu_gate.FLOORS)  # heldout, realistic
PIPELINES = ("ours", "default", "ours-stock-word", "ours-char-only")
ABLATIONS = ("ours", "ours-stock-word", "ours-char-only")


def run(cmd: List[str]) -> str:
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-4000:])
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(cmd)}")
    return p.stdout


def train(config: Path, out_dir: Path, name: str) -> float:
    t0 = time.perf_counter()
    run([RASA, "train", "nlu", "--config", str(config), "--nlu", str(NLU_DATA), "--out", str(out_dir),
         "--fixed-model-name", name, "--quiet"])
    return time.perf_counter() - t0


def evaluate(model: Path, config: Path, set_name: str, results: Path) -> Dict[str, Any]:
    """Score one model on one set; every prediction is kept on disk for the error list."""
    set_file = TEST_DIR / f"{set_name}.yml"
    if not set_file.is_file():  # rasa test nlu would silently fall back to data/
        raise SystemExit(f"held-out set {set_file} not found")
    run([RASA, "test", "nlu", "--nlu", str(set_file), "--model", str(model), "--domain", "domain",
         "--successes", "--out", str(results), "--quiet"])
    return summarise_set(set_name, results, config)


def summarise_set(set_name: str, results: Path, config: Path) -> Dict[str, Any]:
    """Scores, per-intent F1, decider split, gate verdict and errors of one set, JSON-ready."""
    report, predictions = nlu_gate.load_results(results)
    r = nlu_gate.check_set(set_name, report, predictions, nlu_gate.FLOORS[set_name],
                           fallback=nlu_gate.fallback_threshold(config))
    errors = sorted((p for p in predictions if not p.correct), key=lambda p: (p.expected, -p.confidence))
    return {
        "n": r.n, "accuracy": r.accuracy, "macro_f1": r.macro_f1, "weighted_f1": r.weighted_f1,
        "intents": [[s.name, s.f1, s.support] for s in r.intents],
        "rules": [r.rules.count, r.rules.correct], "classifier": [r.classifier.count, r.classifier.correct],
        "gate_failures": r.failures,
        "fallback_threshold": r.fallback_threshold, "right_below_fallback": r.right_below_fallback,
        "errors": [{"text": p.text, "expected": p.expected, "predicted": p.predicted,
                    "confidence": p.confidence} for p in errors],
    }


def held_out_texts() -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [m.get("text") for s in SETS for m in load_data(str(TEST_DIR / f"{s}.yml")).intent_examples]


def latency(model: Path, texts: List[str]) -> Dict[str, float]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no per-message debug lines
    logging.getLogger().setLevel(logging.WARNING)
    agent = Agent.load(str(model))

    async def go() -> List[float]:
        for t in texts:  # warm-up
            await agent.parse_message(t)
        times = []
        for t in texts:
            t0 = time.perf_counter()
            await agent.parse_message(t)
            times.append((time.perf_counter() - t0) * 1000)
        return times

    times = sorted(asyncio.run(go()))
    q = statistics.quantiles(times, n=100)
    return {"p50": statistics.median(times), "p95": q[94], "n": len(times)}


def variant_configs(base: dict) -> dict:
    """Ablations of our config for the word featurizer comparison."""
    out = {}
    stock = copy.deepcopy(base)
    for c in stock["pipeline"]:
        if c["name"] == "components.word_featurizer.DevanagariWordFeaturizer":
            c["name"] = "CountVectorsFeaturizer"
    out["ours-stock-word"] = stock
    char_only = copy.deepcopy(base)
    char_only["pipeline"] = [c for c in char_only["pipeline"]
                             if c["name"] != "components.word_featurizer.DevanagariWordFeaturizer"]
    out["ours-char-only"] = char_only
    return out


# --- the report --------------------------------------------------------------

def _acc(tally: List[int]) -> str:
    count, correct = tally
    return f"{correct / count:.4f}" if count else "n/a"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _scores_section(results: dict, names: List[str]) -> List[str]:
    L = ["| pipeline | set | accuracy | macro F1 | weighted F1 |", "|---|---|---|---|---|"]
    for n in names:
        for s in SETS:
            r = results[n]["sets"].get(s)
            if r:
                L.append(f"| {n} | {s} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} | {r['weighted_f1']:.4f} |")
    L += ["", "| pipeline | training time | parse p50 | parse p95 |", "|---|---|---|---|"]
    for n in names:
        r = results[n]
        L.append(f"| {n} | {r['train_s']:.0f} s | {r['p50']:.1f} ms | {r['p95']:.1f} ms |")
    o, d = results["ours"]["sets"], results.get("default", {}).get("sets", {})
    L.append("")
    for s in SETS:
        if s in o and s in d:
            verdict = "ahead of" if o[s]["accuracy"] > d[s]["accuracy"] else "NOT ahead of"
            L.append(f"- **{s}: ours is {verdict} the default** (accuracy {o[s]['accuracy']:.4f} vs "
                     f"{d[s]['accuracy']:.4f}; macro F1 {o[s]['macro_f1']:.4f} vs {d[s]['macro_f1']:.4f}).")
    return L + [""]


def _gate_section(results: dict, names: List[str]) -> List[str]:
    L = ["## The gate and who decides", "",
         "`make nlu-gate` (part of `make test`) applies these floors to ours (`scripts/nlu_gate.py`, "
         "`FLOORS`); an intent with fewer examples than the support floor is reported, not gated.", "",
         "| set | accuracy | macro F1 | every intent's F1 | support floor | ours |", "|---|---|---|---|---|---|"]
    for s in SETS:
        f = nlu_gate.FLOORS[s]
        r = results["ours"]["sets"].get(s)
        verdict = "n/a" if r is None else ("passes" if not r["gate_failures"] else
                                            "FAILS: " + "; ".join(m.split(": ", 1)[-1] for m in r["gate_failures"]))
        macro = "-" if f.min_macro_f1 is None else f"≥ {f.min_macro_f1}"
        L.append(f"| {s} | ≥ {f.min_accuracy} | {macro} | ≥ {f.min_intent_f1} | {f.min_support} | {verdict} |")
    L += ["", "Bare menu choices and number-only messages are decided by the deterministic resolver "
          "(`bijli.nlu_rules.resolve`, run by `components.menu_numbers.MenuNumberResolver`), everything else "
          "by the classifier. Their accuracies are given apart, so that a good classifier figure "
          "cannot hide behind the rules:", "",
          "| pipeline | set | rules: examples | rules: accuracy | classifier: examples | classifier: accuracy "
          "| right but under the fallback threshold |", "|---|---|---|---|---|---|---|"]
    for n in names:
        for s in SETS:
            r = results[n]["sets"].get(s)
            if r:
                low = "-" if r.get("fallback_threshold") is None else \
                    f"{r['right_below_fallback']} (< {r['fallback_threshold']})"
                L.append(f"| {n} | {s} | {r['rules'][0]} | {_acc(r['rules'])} | {r['classifier'][0]} | "
                         f"{_acc(r['classifier'])} | {low} |")
    return L + [""]


def _intent_section(results: dict, names: List[str], png_dir: Path) -> List[str]:
    o = results["ours"]["sets"]
    L = ["## Per intent (ours)", ""]
    for s in SETS:
        if (png_dir / f"nlu_confusion_{s}.png").is_file():
            L.append(f"- Confusion matrix, {s}: [nlu_confusion_{s}.png](nlu_confusion_{s}.png)")
    L += ["", "| intent | realistic F1 (support) | heldout F1 (support) |", "|---|---|---|"]
    held = {k: (f, n) for k, f, n in o.get("heldout", {}).get("intents", [])}
    real = o.get("realistic", {}).get("intents", [])
    seen = {k for k, _, _ in real}
    rows = [(k, f"{f:.3f} ({n})") for k, f, n in real] + [(k, "-") for k in held if k not in seen]
    for k, cell in rows:  # worst on the realistic set first
        h = held.get(k)
        L.append(f"| {k} | {cell} | " + (f"{h[0]:.3f} ({h[1]})" if h else "-") + " |")
    L += ["", "Worst 5 intents (F1, support):", ""]
    for n in names:
        for s in SETS:
            r = results[n]["sets"].get(s)
            if r:
                worst = ", ".join(f"{k} {f:.3f} ({c})" for k, f, c in r["intents"][:5])
                L.append(f"- **{n}, {s}**: {worst}")
    return L + [""]


def _errors_section(results: dict) -> List[str]:
    errors = results["ours"]["sets"].get("realistic", {}).get("errors", [])
    L = ["## Remaining errors on the realistic set (ours)", "",
         f"{len(errors)} errors, grouped by the intent the message should have had; "
         "\"Why\" is for the lead to fill in.", ""]
    groups: Dict[str, List[dict]] = {}
    for e in errors:
        groups.setdefault(e["expected"], []).append(e)
    for expected in sorted(groups, key=lambda k: (-len(groups[k]), k)):
        L += [f"### {expected} ({len(groups[expected])})", "", "Why: ", "",
              "| text | expected | predicted | confidence |", "|---|---|---|---|"]
        for e in groups[expected]:
            L.append(f"| {_cell(e['text'])} | {e['expected']} | {e['predicted'] or '-'} | {e['confidence']:.2f} |")
        L.append("")
    return L


def _ablation_section(results: dict, meta: dict) -> List[str]:
    L = ["## Word featurizer vs char n-grams", "",
         "Rasa's `CountVectorsFeaturizer` with `analyzer: word` re-splits tokens with the pattern "
         "`(?u)\\b\\w+\\b`. Python's `re` does not treat Devanagari vowel signs (matras) as `\\w`, so "
         "`बिजली` becomes `ब ज ल` and `बिल` (bill) and `बाल` collide as `ब ल`. "
         "`components.word_featurizer.DevanagariWordFeaturizer` is the same featurizer splitting on "
         "whitespace only, so each WhitespaceTokenizer token (which keeps matras) is one feature.", "",
         "Same pipeline as ours, only the word featurizer changed:", "",
         "| variant | " + " | ".join(f"{s} accuracy | {s} macro F1" for s in SETS) + " |",
         "|---|" + "---|---|" * len(SETS)]
    labels = {"ours": "Devanagari-correct word featurizer + char_wb 2-4 (ours)",
              "ours-stock-word": "stock CountVectorsFeaturizer word + char_wb 2-4",
              "ours-char-only": "char_wb 2-4 n-grams only, no word featurizer"}
    present = [n for n in ABLATIONS if n in results]
    for n in present:
        sets = results[n]["sets"]
        L.append(f"| {labels[n]} | " + " | ".join(
            f"{sets[s]['accuracy']:.4f} | {sets[s]['macro_f1']:.4f}" if s in sets else "- | -" for s in SETS) + " |")
    if len(present) == 3:
        L.append("")
        for s in SETS:
            accs = {n: results[n]["sets"][s]["accuracy"] for n in present if s in results[n]["sets"]}
            if len(accs) < 3:
                continue
            spread = max(accs.values()) - min(accs.values())
            one = 1.0 / max(meta["n_sets"].get(s, 1), 1)
            if spread <= one + 1e-9:
                L.append(f"- {s}: the three variants are within one example of each other (spread {spread:.4f}).")
            else:
                best = max(accs, key=lambda n: accs[n])
                L.append(f"- {s}: the best variant is `{best}` (accuracy spread {spread:.4f}).")
        L += ["", "The char_wb n-grams see whole syllables, which is why the stock word featurizer's broken "
              "Devanagari tokens cost little. We keep the Devanagari-correct word featurizer for its "
              "whole-word features (no बिल/बाल collision) unless the figures above show it losing; "
              "dropping it is the lever if training time matters more."]
    return L + ["", "Bare menu choices, IVRS/mobile/complaint numbers and number-only messages are decided by "
                "the deterministic `components.menu_numbers.MenuNumberResolver` (the featurizers turn every "
                "ASCII number into `__NUMBER__`), so those scores do not depend on the featurizer.", ""]


def write_report(path: Path, results: dict, meta: dict) -> None:
    """Render reports/nlu.md from the benchmark results (see summarise_set for the shape)."""
    names = [n for n in PIPELINES if n in results]
    counts = ", ".join(f"`tests/nlu/{s}.yml` ({meta['n_sets'].get(s, 0)} examples)" for s in SETS)
    L = ["# NLU benchmark: our pipeline vs Rasa's default", "",
         f"Generated by `make bench-nlu` (`scripts/bench_nlu.py`) on {meta['date']}, "
         f"{meta['cores']} CPU cores, Rasa {meta['rasa']}.", "",
         f"- Training data: `data/nlu` ({meta['n_train']} intent examples, {meta['n_intents']} intents).",
         f"- Held-out sets, never in the training data (checked by `tests/unit/test_nlu_data.py`): {counts}. "
         "`heldout` is written like our training data; `realistic` is written like real consumer posts "
         "(long, noisy, amounts and dates inside sentences; issue 11).",
         "- Both pipelines trained on the same data with `random_seed: 1`; scored with `rasa test nlu` "
         "(intent accuracy, macro- and support-weighted F1). `rasa test nlu` undoes the FallbackClassifier "
         "and scores the top intent, so a right answer under the fallback threshold counts as right here "
         "although it is `nlu_fallback` when live; those are counted apart below.",
         "- Training time: wall time of `rasa train nlu` (includes Rasa start-up, ~10-15 s), "
         "on a machine shared with other jobs, so treat it as approximate.",
         "- Latency: `await Agent.parse_message(text)` (what `/model/parse` runs) over every text of both "
         "sets after one warm-up pass, in-process, no HTTP.", ""]
    L += _scores_section(results, names)
    L += _gate_section(results, names)
    L += _intent_section(results, names, path.parent)
    L += _errors_section(results)
    L += _ablation_section(results, meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L), encoding="utf-8")


def report_meta() -> Dict[str, Any]:
    import rasa
    from rasa.shared.nlu.training_data.loading import load_data

    train = load_data(str(NLU_DATA))
    return {"date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(), "rasa": rasa.__version__,
            "n_train": len(train.intent_examples), "n_intents": len(train.intents),
            "n_sets": {s: nlu_gate.count_examples(TEST_DIR / f"{s}.yml") for s in SETS}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only ours and default, no ablations")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "nlu.md")
    ap.add_argument("--keep", type=Path, help="keep models and results in this directory")
    ap.add_argument("--from-json", type=Path, help="only re-render the report from a saved bench.json")
    args = ap.parse_args(argv)
    if args.from_json:
        write_report(args.out, json.loads(args.from_json.read_text(encoding="utf-8")), report_meta())
        return 0

    work = Path(args.keep or tempfile.mkdtemp(prefix="bench_nlu_"))
    work.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    base = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    configs = {"ours": ROOT / "config.yml", "default": ROOT / "bench" / "default_config.yml"}
    if not args.quick:
        for name, cfg in variant_configs(base).items():
            p = work / f"{name}.yml"
            p.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
            configs[name] = p

    texts = held_out_texts()
    results: Dict[str, Any] = {}
    for name, cfg in configs.items():
        print(f"[bench-nlu] {name}: training ...", flush=True)
        res: Dict[str, Any] = {"train_s": train(cfg, work / "models", name), "sets": {}}
        model = work / "models" / f"{name}.tar.gz"
        for s in SETS:
            res["sets"][s] = r = evaluate(model, cfg, s, work / "results" / name / s)
            print(f"[bench-nlu] {name} {s}: accuracy={r['accuracy']:.4f} macro_f1={r['macro_f1']:.4f}", flush=True)
            if name == "ours":
                png = work / "results" / name / s / "intent_confusion_matrix.png"
                if png.is_file():
                    shutil.copyfile(png, args.out.parent / f"nlu_confusion_{s}.png")
        res.update(latency(model, texts))
        results[name] = res
        print(f"[bench-nlu] {name}: train={res['train_s']:.0f}s p50={res['p50']:.1f}ms "
              f"p95={res['p95']:.1f}ms", flush=True)

    (work / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    write_report(args.out, results, report_meta())
    print(f"[bench-nlu] wrote {args.out} (results kept in {work})")
    behind = [s for s in SETS if results["ours"]["sets"][s]["accuracy"] <= results["default"]["sets"][s]["accuracy"]]
    if behind:
        print(f"[bench-nlu] ours is NOT ahead of the default on accuracy: {', '.join(behind)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
