"""Action tests: real action classes, trackers from JSON fixtures, a real DB."""
import asyncio
import copy
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

FIXTURES = Path(__file__).parent / "fixtures"


def load_tracker(name: str, **changes) -> Tracker:
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    slots = changes.pop("slots", None)
    if slots:
        data["slots"].update(slots)
    data.update(changes)
    return Tracker.from_dict(data)


def message(text: str, intent: str, entities=None) -> dict:
    return {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}


@pytest.fixture
def run_action(services):
    """Run an action against the seeded test database; return (texts, events, dispatcher)."""

    def run(action, tracker):
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        texts = "\n".join(m.get("text") or "" for m in dispatcher.messages)
        return texts, slots_after(tracker, events), dispatcher

    return run


def slots_after(tracker, events) -> dict:
    """The conversation's slots once the events apply: actions send only the slots that change."""
    return {**tracker.slots, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}


@pytest.fixture(scope="session")
def domain() -> dict:
    """The assistant's domain (domain/*.yml merged), as the action server receives it."""
    import yaml

    merged: dict = {"slots": {}, "forms": {}, "actions": []}
    for path in sorted((Path(__file__).resolve().parents[2] / "domain").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged["slots"].update(doc.get("slots") or {})
        merged["forms"].update(doc.get("forms") or {})
        merged["actions"] += doc.get("actions") or []
    return merged


@pytest.fixture
def run_form(services, domain):
    """Run a form's validation action (real rasa-sdk FormValidationAction) with the real domain;
    return (texts, slots set, dispatcher)."""

    def run(action, tracker):
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, domain))
        texts = "\n".join(m.get("text") or "" for m in dispatcher.messages)
        return texts, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher

    return run
