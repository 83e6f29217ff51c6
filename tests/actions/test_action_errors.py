"""A flow that fails still answers: an apology in the consumer's language, the
helpline and a short reference; the stack trace goes to the log only, with the
same reference, and no slot changes are returned.

The failures are real: the action's database is unreachable (a directory
instead of a SQLite file, or a PostgreSQL port nobody listens on).
"""
import asyncio
import logging
import re
import socket

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import ActionPay, ActionShowBill
from tests.actions.conftest import load_tracker, message

HELPLINE = "0755-2551222"
REFERENCE = re.compile(r"\b([0-9A-F]{8})\b")
HI_APOLOGY = "क्षमा करें, कुछ गड़बड़ हो गई।"
EN_APOLOGY = "Sorry, something went wrong."


def closed_port() -> int:
    """A loopback port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["sqlite_directory", "postgres_closed_port"])
def dead_database(request, tmp_path, monkeypatch):
    """DATABASE_URL pointing at a database that cannot be opened."""
    if request.param == "sqlite_directory":
        url = f"sqlite:///{tmp_path}"
    else:
        url = f"postgresql+psycopg2://bijli@127.0.0.1:{closed_port()}/bijli"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HELPLINE", HELPLINE)
    return url


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def failure_logs(caplog):
    return [r for r in caplog.records if r.name == "actions.adapter" and r.levelno >= logging.ERROR]


def test_unreachable_database_gets_a_hindi_apology_with_helpline_and_reference(dead_database, caplog):
    caplog.set_level(logging.INFO)
    messages, events = run(ActionShowBill(), load_tracker("bill_shown", slots={"language": "hi"}))
    assert events == []  # no half-made slot changes (ivrs, menu, attempts stay as they were)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert text.startswith(HI_APOLOGY) and HELPLINE in text
    reference = REFERENCE.search(text).group(1)
    # Nothing technical reaches the consumer.
    for leak in ("Traceback", "Error", "sqlite", "psycopg2", "127.0.0.1", dead_database):
        assert leak not in text
    # The log has the same reference, the stack trace, and a masked sender.
    logged = failure_logs(caplog)
    assert len(logged) == 1
    assert reference in logged[0].getMessage() and logged[0].exc_info is not None
    assert "98******42" in logged[0].getMessage()
    assert "919800000042" not in caplog.text


def test_the_apology_is_english_in_an_english_conversation(dead_database):
    tracker = load_tracker("bill_shown", slots={"language": "en"})
    messages, events = run(ActionShowBill(), tracker)
    assert events == []
    assert messages[0]["text"].startswith(EN_APOLOGY) and HELPLINE in messages[0]["text"]


def test_the_message_language_wins_over_the_conversation_language(dead_database):
    tracker = load_tracker("bill_shown", slots={"language": "en"},
                           latest_message=message("मेरा बिजली बिल दिखाओ", "check_bill"))
    messages, events = run(ActionShowBill(), tracker)
    assert events == []
    assert messages[0]["text"].startswith(HI_APOLOGY)


def test_no_language_yet_and_no_database_to_ask_falls_back_to_the_default(dead_database, caplog):
    # The stored-language lookup itself fails here, before any flow runs.
    tracker = load_tracker("bill_shown", slots={"language": None})
    messages, events = run(ActionShowBill(), tracker)
    assert events == []
    assert messages[0]["text"].startswith(HI_APOLOGY)
    assert len(failure_logs(caplog)) == 1


def test_each_failure_has_its_own_reference(dead_database, caplog):
    tracker = load_tracker("bill_shown")
    first, _ = run(ActionPay(), tracker)
    second, _ = run(ActionPay(), tracker)
    refs = [REFERENCE.search(m[0]["text"]).group(1) for m in (first, second)]
    assert refs[0] != refs[1]
    logged = [r.getMessage() for r in failure_logs(caplog)]
    assert len(logged) == 2 and refs[0] in logged[0] and refs[1] in logged[1]


def test_a_working_database_gets_the_real_reply_not_the_apology(run_action):
    texts, slots, _ = run_action(ActionShowBill(), load_tracker("bill_shown", slots={"language": "hi"}))
    assert HI_APOLOGY not in texts and "₹1,847.00" in texts
    assert slots["menu"] == "bill"
