"""The test stories' user texts are new phrasings, not copies of NLU training examples.

`rasa test core` parses every `user:` text of tests/test_stories.yml with the trained
NLU model. A text copied from data/nlu/ was seen in training, so the story would pass
even if the model could no longer understand anything new. Texts are compared after
stripping entity annotations, normalising (bijli.text.normalize), lower-casing and
dropping punctuation, so "Hi!" and "hi" count as the same text.
"""
import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

import yaml

from bijli.text import normalize

ROOT = Path(__file__).resolve().parents[2]
STORIES = ROOT / "tests" / "test_stories.yml"
NLU_DIR = ROOT / "data" / "nlu"

# [text](entity) or [text]{"entity": ...}. The danda (।, ॥) is punctuation too.
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
# A bare menu number ("1", "0") and a one-word greeting or goodbye ("Hi", "bye") cannot be
# reworded: any other wording is a different message, or itself a training example.
UNREWORDABLE_INTENTS = {"greet", "goodbye"}


def comparison_key(text: str) -> str:
    """Annotation-free, normalised, lower-case and punctuation-free text."""
    plain = ANNOTATION.sub(lambda m: m.group(1), text)
    lowered = normalize(plain).lower()
    return " ".join(re.sub(r"[^\w\s\u0900-\u0963\u0966-\u097F]", " ", lowered).split())


def story_texts() -> List[Tuple[str, str, str]]:
    """(story name, intent, user text) for every user step of the test stories."""
    doc = yaml.safe_load(STORIES.read_text(encoding="utf-8")) or {}
    found = []
    for story in (doc.get("stories") or []) + (doc.get("rules") or []):
        name = story.get("story") or story.get("rule") or "?"
        for step in story.get("steps") or []:
            if isinstance(step, dict) and "user" in step:
                found.append((name, str(step.get("intent", "")), str(step["user"]).strip()))
    return found


def training_keys() -> Dict[str, str]:
    """Comparison key -> the training example, for every example in data/nlu/."""
    keys: Dict[str, str] = {}
    for path in sorted(NLU_DIR.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    example = line.strip()[2:].strip()
                    keys.setdefault(comparison_key(example), f"{path.name}: {example}")
    return keys


def exempt(intent: str, text: str) -> bool:
    """A bare number, or a single-word greeting / goodbye."""
    key = comparison_key(text)
    return key.isdigit() or (intent in UNREWORDABLE_INTENTS and len(key.split()) == 1)


def test_comparison_key_ignores_annotation_case_and_punctuation():
    assert comparison_key("Mera IVRS [N3210987654](ivrs) hai!") == comparison_key("mera ivrs N3210987654 hai")
    assert comparison_key("मेरा नंबर [११००२२३३४४](ivrs) है।") == comparison_key("मेरा नंबर 1100223344 है")
    assert comparison_key("bill dikhao") != comparison_key("bill dikhao na")


def test_the_stories_have_user_texts():
    texts = story_texts()
    assert len(texts) >= 20
    assert all(text for _, _, text in texts)


def test_exemptions_are_only_numbers_and_one_word_greetings():
    assert exempt("choose_option", "2") and exempt("choose_option", "०")
    assert exempt("greet", "Hi") and exempt("goodbye", "bye!")
    assert not exempt("greet", "hello ji")
    assert not exempt("affirm", "haan")


def test_no_story_text_copies_a_training_example():
    keys = training_keys()
    copies: Set[str] = set()
    for story, intent, text in story_texts():
        if not exempt(intent, text) and comparison_key(text) in keys:
            copies.add(f"{story!r}: {text!r} is {keys[comparison_key(text)]!r}")
    assert not copies, "test story texts copied from the training data:\n" + "\n".join(sorted(copies))


def test_the_test_stories_walk_the_forms_and_the_slots_that_branch():
    """At least 25 stories; the forms' steps (active_loop) and the slots the rules branch on
    (slot_was_set) are in them, so a story fails when a form or a branch goes wrong."""
    doc = yaml.safe_load(STORIES.read_text(encoding="utf-8")) or {}
    stories = doc.get("stories") or []
    steps = [step for story in stories for step in story.get("steps") or [] if isinstance(step, dict)]
    loops = {step["active_loop"] for step in steps if "active_loop" in step}
    branched = {name for step in steps for item in step.get("slot_was_set") or [] for name in item}
    assert len(stories) >= 25
    assert {"bill_lookup_form", "complaint_form", None} <= loops
    assert {"choice", "purpose", "lookup_failed", "complaint_confirmation", "requested_slot"} <= branched
