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
        return texts, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher

    return run
