"""The NLU gate (scripts/nlu_gate.py) on small hand-made `rasa test nlu` outputs.

What a maintainer would notice: one intent collapsing behind a good average
fails the build, a tiny intent does not, the rules/classifier split counts
the right examples, and a missing or broken results file fails loudly
instead of passing.
"""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("nlu_gate", ROOT / "scripts" / "nlu_gate.py")
gate = importlib.util.module_from_spec(_spec)
sys.modules["nlu_gate"] = gate
_spec.loader.exec_module(gate)

INTENTS = ["greet", "check_bill", "pay_bill", "register_complaint", "thank", "out_of_scope"]


def make_report(scores: Dict[str, Tuple[float, int]], accuracy: float, macro: float) -> dict:
    """An intent_report.json as `rasa test nlu` writes it."""
    report = {name: {"precision": f1, "recall": f1, "f1-score": f1, "support": n, "confused_with": {}}
              for name, (f1, n) in scores.items()}
    total = sum(n for _, n in scores.values())
    report["accuracy"] = accuracy
    report["macro avg"] = {"precision": macro, "recall": macro, "f1-score": macro, "support": total}
    report["weighted avg"] = {"precision": macro, "recall": macro, "f1-score": macro, "support": total}
    return report


def make_predictions(scores: Dict[str, Tuple[float, int]], wrong: int = 0) -> Tuple[List[dict], List[dict]]:
    """(successes, errors) rows with one row per supported example; the first `wrong` are errors."""
    rows = []
    for name, (_, n) in scores.items():
        rows += [{"text": f"{name} message {'x' * (i + 1)}", "intent": name,
                  "intent_prediction": {"name": name, "confidence": 0.9}} for i in range(n)]
    for row in rows[:wrong]:
        row["intent_prediction"] = {"name": "out_of_scope" if row["intent"] != "out_of_scope" else "greet",
                                    "confidence": 0.5}
    return rows[wrong:], rows[:wrong]


def write_set(results: Path, name: str, report: dict, successes: List[dict], errors: List[dict]) -> Path:
    d = results / name
    d.mkdir(parents=True)
    (d / "intent_report.json").write_text(json.dumps(report), encoding="utf-8")
    (d / "intent_successes.json").write_text(json.dumps(successes, ensure_ascii=False), encoding="utf-8")
    (d / "intent_errors.json").write_text(json.dumps(errors, ensure_ascii=False), encoding="utf-8")
    return d


def healthy(f1: float = 0.97, n: int = 15) -> Dict[str, Tuple[float, int]]:
    return {name: (f1, n) for name in INTENTS}


def no_rules(text: str) -> bool:
    return False


# --- floors -------------------------------------------------------------------

def test_collapsed_intent_fails_even_with_a_good_average():
    scores = healthy(0.99)
    scores["register_complaint"] = (0.40, 15)
    report = make_report(scores, accuracy=0.96, macro=0.94)  # both above the set floors
    result = gate.check_set("heldout", report, [], gate.FLOORS["heldout"], by_rules=no_rules)
    assert result.failures == ["heldout: intent register_complaint F1 0.400 < floor 0.85 (support 15)"]


def test_the_same_set_without_the_collapse_passes():
    report = make_report(healthy(0.99), accuracy=0.96, macro=0.94)
    result = gate.check_set("heldout", report, [], gate.FLOORS["heldout"], by_rules=no_rules)
    assert result.failures == []


def test_low_support_intent_is_reported_not_gated():
    scores = healthy(0.99)
    scores["thank"] = (0.0, 4)  # below min_support 5
    report = make_report(scores, accuracy=0.96, macro=0.94)
    result = gate.check_set("realistic", report, [], gate.FLOORS["realistic"], by_rules=no_rules)
    assert result.failures == []
    line = next(row for row in gate.render(result) if row.strip().startswith("thank"))
    assert "0.000" in line and "reported, not gated" in line


def test_support_of_five_is_gated():
    scores = healthy(0.99)
    scores["thank"] = (0.50, 5)
    report = make_report(scores, accuracy=0.96, macro=0.94)
    result = gate.check_set("realistic", report, [], gate.FLOORS["realistic"], by_rules=no_rules)
    assert result.failures == ["realistic: intent thank F1 0.500 < floor 0.75 (support 5)"]


def test_each_set_has_its_own_floors():
    """Macro F1 0.80 and intents at 0.80 pass the realistic floors but not the held-out ones."""
    report = make_report(healthy(0.80), accuracy=0.92, macro=0.80)
    realistic = gate.check_set("realistic", report, [], gate.FLOORS["realistic"], by_rules=no_rules)
    heldout = gate.check_set("heldout", report, [], gate.FLOORS["heldout"], by_rules=no_rules)
    assert realistic.failures == []
    assert "heldout: accuracy 0.9200 < floor 0.95" in heldout.failures
    assert "heldout: macro F1 0.8000 < floor 0.93" in heldout.failures
    assert "heldout: intent greet F1 0.800 < floor 0.85 (support 15)" in heldout.failures


# --- who decided ------------------------------------------------------------------

def test_resolver_split_counts_menu_choices_and_bare_numbers_as_rules():
    def row(text, expected, predicted):
        return gate.Prediction(text=text, expected=expected, predicted=predicted, confidence=0.9)

    predictions = [
        row("2", "choose_option", "choose_option"),
        row("२", "choose_option", "choose_option"),
        row("option 3", "choose_option", "choose_option"),
        row("9876543210", "inform", "inform"),
        row("mera bill dikhao", "check_bill", "check_bill"),
        row("light nahi hai subah se", "report_no_supply", "check_bill"),
        row("thank you so much", "thank", "thank"),
    ]
    rules, classifier = gate.split_by_decider(predictions)
    assert (rules.count, rules.correct) == (4, 4)
    assert (classifier.count, classifier.correct) == (3, 2)
    assert classifier.accuracy == pytest.approx(2 / 3)


def test_a_good_headline_does_not_hide_a_weak_classifier(tmp_path):
    """The printed report shows the classifier's own accuracy beside the rules'."""
    predictions = [gate.Prediction("1", "choose_option", "choose_option", 1.0)] * 8 + [
        gate.Prediction("bill kitna hai", "check_bill", "pay_bill", 0.6),
        gate.Prediction("bill bhar diya", "payment_status", "payment_status", 0.8)]
    report = make_report({"choose_option": (1.0, 8), "check_bill": (0.0, 1), "payment_status": (0.67, 1)},
                         accuracy=0.9, macro=0.56)
    lines = gate.render(gate.check_set("realistic", report, predictions, gate.FLOORS["realistic"]))
    assert any("rules" in row and "8 examples" in row and "1.0000" in row for row in lines)
    assert any("classifier" in row and "2 examples" in row and "0.5000" in row for row in lines)


def test_right_answers_under_the_fallback_threshold_are_counted(tmp_path):
    """rasa test nlu scores them as right; live they become nlu_fallback."""
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n- name: DIETClassifier\n- name: FallbackClassifier\n  threshold: 0.55\n")
    predictions = [gate.Prediction("bill kitna hai", "check_bill", "check_bill", 0.40),
                   gate.Prediction("bill dikhao", "check_bill", "check_bill", 0.90),
                   gate.Prediction("bill bharna hai", "pay_bill", "check_bill", 0.30)]  # wrong: not counted
    report = make_report({"check_bill": (0.8, 2), "pay_bill": (0.0, 1)}, accuracy=0.67, macro=0.4)
    result = gate.check_set("realistic", report, predictions, gate.FLOORS["realistic"], by_rules=no_rules,
                            fallback=gate.fallback_threshold(config))
    assert (result.fallback_threshold, result.right_below_fallback) == (0.55, 1)


# --- whole runs from disk -------------------------------------------------------------

def write_both(results: Path, realistic_scores=None, heldout_scores=None) -> None:
    for name, scores in (("heldout", heldout_scores or healthy()), ("realistic", realistic_scores or healthy())):
        write_set(results, name, make_report(scores, 0.97, 0.97), *make_predictions(scores))


def test_gate_passes_on_good_results(tmp_path, capsys):
    write_both(tmp_path)
    assert gate.main([str(tmp_path)]) == 0
    assert "NLU gate passed (heldout, realistic)" in capsys.readouterr().out


def test_gate_names_the_floor_that_failed(tmp_path, capsys):
    scores = healthy()
    scores["thank"] = (0.60, 12)
    write_both(tmp_path, realistic_scores=scores)
    assert gate.main([str(tmp_path)]) == 1
    assert "realistic: intent thank F1 0.600 < floor 0.75 (support 12)" in capsys.readouterr().err


def test_missing_set_results_fail_with_exit_2(tmp_path, capsys):
    scores = healthy()
    write_set(tmp_path, "heldout", make_report(scores, 0.97, 0.97), *make_predictions(scores))
    assert gate.main([str(tmp_path)]) == 2
    assert "realistic not found" in capsys.readouterr().err


@pytest.mark.parametrize("missing", ["intent_report.json", "intent_successes.json", "intent_errors.json"])
def test_missing_file_fails_with_exit_2(tmp_path, capsys, missing):
    write_both(tmp_path)
    (tmp_path / "heldout" / missing).unlink()
    assert gate.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert missing in err and "not found" in err


def test_without_successes_the_hint_names_the_flag(tmp_path, capsys):
    write_both(tmp_path)
    (tmp_path / "realistic" / "intent_successes.json").unlink()
    assert gate.main([str(tmp_path)]) == 2
    assert "--successes" in capsys.readouterr().err


@pytest.mark.parametrize("name,content", [
    ("intent_report.json", "{not json"),
    ("intent_report.json", json.dumps({"greet": {"f1-score": 1.0, "support": 3}})),  # no accuracy
    ("intent_report.json", json.dumps({"accuracy": "high", "macro avg": [], "weighted avg": {"support": 90}})),
    ("intent_errors.json", json.dumps({"text": "a dict, not a list"})),
    ("intent_successes.json", json.dumps([{"intent_prediction": {"name": "greet"}}])),  # no text
])
def test_malformed_file_fails_with_exit_2(tmp_path, capsys, name, content):
    write_both(tmp_path)
    (tmp_path / "realistic" / name).write_text(content, encoding="utf-8")
    assert gate.main([str(tmp_path)]) == 2
    assert "NLU gate FAILED (input)" in capsys.readouterr().err


def test_predictions_that_do_not_match_the_report_fail(tmp_path, capsys):
    """Stale prediction files from an earlier run must not be scored."""
    write_both(tmp_path)
    (tmp_path / "heldout" / "intent_errors.json").write_text(json.dumps([
        {"text": "extra", "intent": "greet", "intent_prediction": {"name": "thank", "confidence": 0.4}}]))
    assert gate.main([str(tmp_path)]) == 2
    assert "stale" in capsys.readouterr().err


def set_yaml(intents=INTENTS, n: int = 15) -> str:
    """A Rasa YAML NLU file with n examples per intent."""
    body = "".join(f"- intent: {name}\n  examples: |\n" + "".join(f"    - {name} {i}\n" for i in range(n))
                   for name in intents)
    return "version: '3.1'\nnlu:\n" + body


def test_missing_set_file_fails_with_exit_2(tmp_path, capsys):
    write_both(tmp_path / "results")
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "heldout.yml").write_text(set_yaml(), encoding="utf-8")
    assert gate.main([str(tmp_path / "results"), "--sets-dir", str(sets)]) == 2
    assert "realistic.yml not found" in capsys.readouterr().err


def test_results_must_cover_every_example_of_the_set_file(tmp_path, capsys):
    """`rasa test nlu --nlu` falls back to data/ on a bad path; the count catches that."""
    write_both(tmp_path / "results")
    sets = tmp_path / "sets"
    sets.mkdir()
    for name in ("heldout", "realistic"):
        (sets / f"{name}.yml").write_text(set_yaml(), encoding="utf-8")
    assert gate.main([str(tmp_path / "results"), "--sets-dir", str(sets)]) == 0
    capsys.readouterr()
    (sets / "realistic.yml").write_text(set_yaml(INTENTS + ["deny"]), encoding="utf-8")
    assert gate.main([str(tmp_path / "results"), "--sets-dir", str(sets)]) == 2
    assert "has 105 examples but" in capsys.readouterr().err


def test_gate_runs_where_rasa_cannot_be_imported(tmp_path):
    """The gate and its resolver split must not need Rasa (CI lint/unit jobs have no model)."""
    write_both(tmp_path)
    code = ("import sys, runpy; sys.modules['rasa'] = None; "  # any `import rasa...` now raises
            f"sys.argv = ['nlu_gate.py', {str(tmp_path)!r}]; "
            f"runpy.run_path({str(ROOT / 'scripts' / 'nlu_gate.py')!r}, run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "NLU gate passed" in done.stdout
