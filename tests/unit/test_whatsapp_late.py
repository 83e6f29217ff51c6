"""Payment confirmations outside WhatsApp's 24-hour window go as a template (issue 9, part 3).

A real migrated database and the fake Graph API on loopback.
"""
from datetime import timedelta

import pytest

from bijli.models import utcnow
from bijli.payments import request_payment
from bijli.payments.events import paid_event, signed
from bijli.payments.webhook import handle_webhook
from bijli.preferences import set_language
from bijli.settings import Settings
from bijli.whatsapp import store
from bijli.whatsapp.client import GraphClient, GraphConfig
from bijli.whatsapp.late import outside_window, send_late_confirmation
from tests.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph

SECRET = "late-test-secret"
WA = "919812345678"
NOW = utcnow()


@pytest.fixture
def graph():
    fake = FakeGraph().start()
    yield fake
    fake.stop()


def settings_for(graph, database_url, **extra):
    return Settings.from_env({"DATABASE_URL": database_url, "WHATSAPP_GRAPH_URL": graph.url,
                              "WHATSAPP_API_VERSION": VERSION, "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
                              "WHATSAPP_ACCESS_TOKEN": TOKEN, "PAYMENT_WEBHOOK_SECRET": SECRET, **extra})


def paid_ref(db, settings) -> str:
    req = request_payment(db, settings, "N3210987654", WA)
    raw, headers = signed(paid_event(req.ref, req.amount_paise), SECRET)
    assert handle_webhook(db, SECRET, raw, headers).result == "paid"
    return req.ref


def test_the_window_is_24_hours_from_the_last_message(db):
    assert outside_window(db, WA, NOW)                         # never wrote to us
    store.record_incoming(db, "wamid.1", WA, "text", now=NOW - timedelta(hours=23, minutes=59))
    assert not outside_window(db, WA, NOW)
    assert outside_window(db, WA, NOW + timedelta(minutes=1))  # exactly 24 h
    assert outside_window(db, WA, NOW + timedelta(hours=30))


def test_a_131047_answer_closes_the_window_from_then_on(db):
    store.record_incoming(db, "wamid.2", WA, "text", now=NOW)
    store.mark_window_closed(db, WA, 131047, now=NOW + timedelta(minutes=5))
    assert outside_window(db, WA, NOW + timedelta(minutes=6))
    assert outside_window(db, WA, NOW + timedelta(minutes=6), since=NOW + timedelta(minutes=4))
    assert not outside_window(db, WA, NOW + timedelta(minutes=6), since=NOW + timedelta(minutes=5, seconds=1))
    store.record_incoming(db, "wamid.3", WA, "text", now=NOW + timedelta(minutes=7))  # writing reopens it
    assert not outside_window(db, WA, NOW + timedelta(minutes=8))


@pytest.mark.parametrize("lang, code", [("hi", "hi"), ("en", "en_US")])
def test_the_confirmation_template_in_the_payers_language(seeded_db, database_url, graph, lang, code):
    settings = settings_for(graph, database_url, WHATSAPP_CONFIRMATION_TEMPLATE="payment_confirmed",
                            WHATSAPP_REMINDER_LANGUAGE_EN="en_US")
    set_language(seeded_db, WA, lang)
    ref = paid_ref(seeded_db, settings)
    result = send_late_confirmation(seeded_db, settings, GraphClient(GraphConfig.from_settings(settings)), ref)
    assert result is not None and result.ok
    [sent] = graph.sent(WA)
    assert sent["type"] == "template"
    template = sent["template"]
    assert (template["name"], template["language"]) == ("payment_confirmed",
                                                        {"policy": "deterministic", "code": code})
    values = [p["text"] for p in template["components"][0]["parameters"]]
    assert values[:3] == ["₹1,847.00", "N3210987654", ref]
    assert values[3].startswith("R") and values[4].endswith("IST")


def test_without_a_template_nothing_is_sent(seeded_db, database_url, graph):
    settings = settings_for(graph, database_url)
    ref = paid_ref(seeded_db, settings)
    assert send_late_confirmation(seeded_db, settings, GraphClient(GraphConfig.from_settings(settings)), ref) is None
    assert graph.sent(WA) == []


def test_an_unpaid_request_is_never_confirmed(seeded_db, database_url, graph):
    settings = settings_for(graph, database_url, WHATSAPP_CONFIRMATION_TEMPLATE="payment_confirmed")
    req = request_payment(seeded_db, settings, "N3210987654", WA)
    client = GraphClient(GraphConfig.from_settings(settings))
    assert send_late_confirmation(seeded_db, settings, client, req.ref) is None
    assert graph.sent(WA) == []
