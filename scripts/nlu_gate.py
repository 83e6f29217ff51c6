#!/usr/bin/env python
"""CI gate for the NLU model on the held-out set.

Usage: python scripts/nlu_gate.py RESULTS_DIR [--min-accuracy 0.95] [--min-macro-f1 0.93]

Reads RESULTS_DIR/intent_report.json, written by
``rasa test nlu --nlu tests/nlu --model MODEL --out RESULTS_DIR``, and exits
non-zero if accuracy or macro-averaged F1 is below the threshold (``rasa
test`` itself always exits 0). A missing or unreadable report fails too.
"""
import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple

MIN_ACCURACY = 0.95
MIN_MACRO_F1 = 0.93
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def load_report(results_dir: Path) -> Dict:
    path = results_dir / "intent_report.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: run `rasa test nlu --nlu tests/nlu --model MODEL --out {results_dir}` first"
        )
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def worst_intents(report: Dict, n: int = 5) -> List[Tuple[str, float, int]]:
    rows = [
        (name, float(v.get("f1-score", 0.0)), int(v.get("support", 0)))
        for name, v in report.items()
        if name not in SUMMARY_KEYS and isinstance(v, dict)
    ]
    return sorted(rows, key=lambda r: (r[1], r[0]))[:n]


def check(report: Dict, min_accuracy: float = MIN_ACCURACY, min_macro_f1: float = MIN_MACRO_F1) -> List[str]:
    """Return a list of failure messages (empty if the gate passes)."""
    failures = []
    accuracy = report.get("accuracy")
    macro = (report.get("macro avg") or {}).get("f1-score")
    if accuracy is None or macro is None:
        return ["intent_report.json has no 'accuracy' or 'macro avg' entry"]
    if accuracy < min_accuracy:
        failures.append(f"accuracy {accuracy:.4f} < {min_accuracy}")
    if macro < min_macro_f1:
        failures.append(f"macro avg F1 {macro:.4f} < {min_macro_f1}")
    return failures


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results_dir", type=Path)
    p.add_argument("--min-accuracy", type=float, default=MIN_ACCURACY)
    p.add_argument("--min-macro-f1", type=float, default=MIN_MACRO_F1)
    args = p.parse_args(argv)
    try:
        report = load_report(args.results_dir)
    except (OSError, ValueError) as e:
        print(f"NLU gate FAILED: {e}", file=sys.stderr)
        return 2
    failures = check(report, args.min_accuracy, args.min_macro_f1)
    acc = report.get("accuracy")
    macro = (report.get("macro avg") or {}).get("f1-score")
    print(f"NLU held-out: accuracy={acc if acc is None else round(acc, 4)} "
          f"macro F1={macro if macro is None else round(macro, 4)} "
          f"(gate: accuracy >= {args.min_accuracy}, macro F1 >= {args.min_macro_f1})")
    print("worst intents (f1, support):")
    for name, f1, support in worst_intents(report):
        print(f"  {name:20s} {f1:.3f}  ({support})")
    if failures:
        print("NLU gate FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("NLU gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
