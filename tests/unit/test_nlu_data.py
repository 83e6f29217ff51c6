"""NLU training data (data/nlu) and held-out set (tests/nlu): sizes, coverage,
no overlap, entity values in their closed sets."""
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bijli.nlu_rules import AREA_TYPES, COMPLAINT_CATEGORIES, LANGUAGES
from bijli.text import normalize

ROOT = Path(__file__).resolve().parents[2]
TRAIN_DIR = ROOT / "data" / "nlu"
TEST_DIR = ROOT / "tests" / "nlu"


def _domain_intents():
    """The intents the domain declares (a designer adds one there: docs/designing.md, recipe 3)."""
    found = []
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for intent in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []:
            found.append(intent if isinstance(intent, str) else next(iter(intent)))
    return found


CONTRACT_INTENTS = _domain_intents()
MIN_TRAIN, MIN_TEST = 40, 10
# [text](entity) or [text]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[([^\]]+)\](\(([^)]*)\)|(\{[^}]*\}))")


def _examples(block):
    return [ln.strip()[2:].strip() for ln in (block.get("examples") or "").splitlines() if ln.strip().startswith("- ")]


def load(directory):
    """{intent: [annotated example, ...]} and {synonym value: [words]}."""
    intents, synonyms = defaultdict(list), {}
    for path in sorted(directory.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            if "intent" in block:
                intents[block["intent"]].extend(_examples(block))
            elif "synonym" in block:
                synonyms[str(block["synonym"])] = _examples(block)
    return intents, synonyms


def plain(example):
    return ANNOTATION.sub(lambda m: m.group(1), example)


def key(example):
    """Comparison key: normalised, lower-case, punctuation-free."""
    s = normalize(plain(example)).lower()
    s = re.sub(r"[^\w\s\u0900-\u097F]", " ", s)
    return " ".join(s.split())


def entities(example):
    for m in ANNOTATION.finditer(example):
        if m.group(3) is not None:
            name, value = m.group(3), None
            if ":" in name:
                name, value = name.split(":", 1)
        else:
            meta = yaml.safe_load(m.group(4))
            name, value = meta["entity"], meta.get("value")
        yield m.group(1), name, value


TRAIN, SYNONYMS = load(TRAIN_DIR)
TEST, _ = load(TEST_DIR)


@pytest.mark.parametrize("intent", CONTRACT_INTENTS)
def test_enough_training_examples(intent):
    assert len(TRAIN.get(intent, [])) >= MIN_TRAIN, f"{intent}: {len(TRAIN.get(intent, []))} < {MIN_TRAIN}"


@pytest.mark.parametrize("intent", CONTRACT_INTENTS)
def test_enough_test_examples(intent):
    assert len(TEST.get(intent, [])) >= MIN_TEST, f"{intent}: {len(TEST.get(intent, []))} < {MIN_TEST}"


def test_the_domain_declares_the_original_intents():
    assert {"greet", "pay_bill", "check_bill", "register_complaint", "report_no_supply", "choose_option",
            "inform", "show_menu", "out_of_scope"} <= set(CONTRACT_INTENTS)


def test_only_contract_intents():
    assert set(TRAIN) - set(CONTRACT_INTENTS) == set()
    assert set(TEST) - set(CONTRACT_INTENTS) == set()


def test_no_overlap_between_training_and_held_out():
    train_keys = {key(e) for exs in TRAIN.values() for e in exs} - {""}
    overlap = sorted({plain(e) for exs in TEST.values() for e in exs if key(e) in train_keys})
    assert not overlap, f"held-out examples also in training data: {overlap}"


def test_no_duplicate_or_conflicting_training_examples():
    seen = defaultdict(set)
    for intent, exs in TRAIN.items():
        for e in exs:
            if key(e):
                seen[key(e)].add(intent)
    conflicts = {k: v for k, v in seen.items() if len(v) > 1}
    assert not conflicts, f"same text under several intents: {conflicts}"
    counts = Counter(plain(e) for exs in TRAIN.values() for e in exs)
    dupes = [k for k, n in counts.items() if n > 1]
    assert not dupes, f"duplicate training examples: {dupes}"


def test_no_duplicate_held_out_examples():
    counts = Counter(key(e) for exs in TEST.values() for e in exs if key(e))
    assert [k for k, n in counts.items() if n > 1] == []


def test_closed_set_entity_values_in_training_data():
    word_to_value = {normalize(w).lower(): v for v, words in SYNONYMS.items() for w in words}
    allowed = {"area_type": set(AREA_TYPES), "complaint_category": set(COMPLAINT_CATEGORIES),
               "language": set(LANGUAGES)}
    bad = []
    for exs in TRAIN.values():
        for e in exs:
            for text, name, value in entities(e):
                if name not in allowed:
                    continue
                resolved = value or word_to_value.get(normalize(text).lower(), text)
                if resolved not in allowed[name]:
                    bad.append((e, name, resolved))
    assert not bad, bad


def test_entity_spans_survive_normalisation():
    from components.text_normalizer import realign_entities

    lost = []
    for exs in TRAIN.values():
        for e in exs:
            ents, raw, pos = [], "", 0
            for m in ANNOTATION.finditer(e):
                raw += e[pos:m.start()]
                ents.append({"entity": "x", "value": m.group(1), "start": len(raw), "end": len(raw) + len(m.group(1))})
                raw += m.group(1)
                pos = m.end()
            raw += e[pos:]
            if ents and len(realign_entities(raw, normalize(raw), ents)) != len(ents):
                lost.append(e)
    assert not lost, lost


def test_issue_examples_are_in_training_data():
    keys = {key(e) for exs in TRAIN.values() for e in exs}
    for text in [
        "mera bijli ka bill kitna hai? IVRS N3210987654",
        "बिजली नहीं आ रही है सुबह से",
        "paise kat gaye lekin bill jama nahi hua",
        "I want to pay my electricity bill",
        "मेरा आईवीआरएस नंबर ११००२२३३४४ है",
    ]:
        assert key(text) in keys, text


def test_menu_entities_values():
    """Every language annotation maps to hi/en; every option example is a bare choice."""
    from bijli.nlu_rules import parse_menu_choice

    not_bare = [e for e in TRAIN["choose_option"] if parse_menu_choice(normalize(plain(e))) is None]
    assert not not_bare, not_bare
