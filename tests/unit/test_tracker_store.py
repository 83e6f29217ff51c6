"""The tracker store's bounded sessions (components/tracker_store.py, issue 19), on SQLite."""
import asyncio
import warnings
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet, UserUttered

from components.tracker_store import BijliSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    with warnings.catch_warnings():
        # Rasa warns "Slot auto-fill has been removed in 3.0" on every domain it loads.
        warnings.filterwarnings("ignore", "Slot auto-fill has been removed", UserWarning)
        return Domain.load(str(ROOT / "domain"))


@pytest.fixture
def store(tmp_path, domain):
    made = BijliSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"),
                                max_session_turns=3)
    yield made
    made.engine.dispose()


def turn(store, sender, text, *events):
    """One consumer message and what the bot did, saved as Rasa saves a turn."""
    tracker = asyncio.run(store.get_or_create_tracker(sender))
    for event in (UserUttered(text), *events, ActionExecuted("action_listen")):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    return asyncio.run(store.retrieve(sender))


def user_texts(tracker):
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_a_full_session_starts_a_new_one_that_keeps_the_slots(store):
    turn(store, "c1", "Hi", ActionExecuted("action_main_menu"), SlotSet("language", "en"),
         SlotSet("menu", "main"))
    turn(store, "c1", "2", ActionExecuted("action_read_choice"), SlotSet("choice", "pay_bill"))
    current = turn(store, "c1", "N3210987654", ActionExecuted("action_show_bill"),
                   SlotSet("ivrs", "N3210987654"), SlotSet("menu", "bill"))
    # The third message filled the session: what the next message meets is a new one...
    assert user_texts(current) == []
    assert isinstance(current.events[0], SessionStarted)
    # ...with the conversation's state intact, so "1" is still read on the bill's menu.
    assert current.get_slot("menu") == "bill" and current.get_slot("ivrs") == "N3210987654"
    assert current.get_slot("language") == "en" and current.get_slot("choice") == "pay_bill"
    nxt = turn(store, "c1", "1", ActionExecuted("action_pay"))
    assert user_texts(nxt) == ["1"] and nxt.get_slot("menu") == "bill"
    # Nothing of the history is lost: operators read every message.
    full = asyncio.run(store.retrieve_full_tracker("c1"))
    assert user_texts(full) == ["Hi", "2", "N3210987654", "1"]


def test_no_new_session_in_the_middle_of_a_form(store):
    turn(store, "c2", "Hi", ActionExecuted("action_main_menu"))
    turn(store, "c2", "2", ActionExecuted("bill_lookup_form"), ActiveLoop("bill_lookup_form"),
         SlotSet("requested_slot", "lookup_method"))
    inside = turn(store, "c2", "2", ActionExecuted("bill_lookup_form"),
                  SlotSet("lookup_method", "ivrs"), SlotSet("requested_slot", "area_type"))
    inside = turn(store, "c2", "1", ActionExecuted("bill_lookup_form"),
                  SlotSet("area_type", "urban"), SlotSet("requested_slot", "ivrs"))
    assert user_texts(inside) == ["Hi", "2", "2", "1"]
    assert inside.active_loop_name == "bill_lookup_form"
    after = turn(store, "c2", "N3210987654", ActionExecuted("bill_lookup_form"), ActiveLoop(None),
                 SlotSet("requested_slot", None), ActionExecuted("action_show_bill"))
    assert user_texts(after) == [] and after.active_loop_name is None
    assert after.get_slot("area_type") == "urban"


def test_sessions_stay_the_same_size_however_long_the_chat(store):
    sizes = []
    for n in range(30):
        tracker = turn(store, "c3", f"message {n}", ActionExecuted("action_fallback"))
        sizes.append(len(tracker.events))
    assert max(sizes) == max(sizes[:6])
    full = asyncio.run(store.retrieve_full_tracker("c3"))
    assert len(user_texts(full)) == 30


def test_zero_keeps_one_session(tmp_path, domain):
    store = BijliSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"),
                                 max_session_turns=0)
    for n in range(5):
        tracker = turn(store, "c4", f"m{n}", ActionExecuted("action_fallback"))
    assert len(user_texts(tracker)) == 5
    store.engine.dispose()


def test_the_project_endpoints_use_this_store(monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    monkeypatch.setenv("ACTION_SERVER_TOKEN", "x" * 32)
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    assert config.type == "components.tracker_store.BijliSQLTrackerStore"
    assert int(config.kwargs["max_session_turns"]) > 0
