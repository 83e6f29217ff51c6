"""Sender ids up to 128 characters fit everywhere, on SQLite and PostgreSQL.

A web-chat session id is a 36-character UUID; WhatsApp and other channels
give other shapes. PostgreSQL enforces VARCHAR lengths (SQLite does not), so
these run under `make test-postgres` too: a too-narrow column fails there.
"""
from datetime import datetime

import pytest
from sqlalchemy import select

from bijli import complaints as cx
from bijli.lookups import check_lookup
from bijli.models import SENDER_LENGTH, Complaint, Lookup, Payment
from bijli.payments import request_payment
from bijli.payments.events import paid_event, signed
from bijli.payments.webhook import handle_webhook
from bijli.preferences import get_language, set_language
from bijli.settings import Settings

SECRET = "test-webhook-secret"
IVRS = "N3210987654"
UUID = "3f2b8c1e-9d4a-4e7b-8a61-0c5d2e9f7b13"
LONGEST = ("web-" + "a1b2c3d4" * 16)[:SENDER_LENGTH]
SENDERS = pytest.mark.parametrize("sender", [UUID, LONGEST], ids=["uuid36", "id128"])


def test_the_ids_under_test_have_the_lengths_that_matter():
    assert (len(UUID), len(LONGEST), SENDER_LENGTH) == (36, 128, 128)


@pytest.fixture
def settings(database_url):
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET})


@SENDERS
def test_a_long_sender_can_request_a_payment_and_be_paid(seeded_db, settings, sender):
    req = request_payment(seeded_db, settings, IVRS, sender)
    raw, headers = signed(paid_event(req.ref, req.amount_paise), SECRET)
    outcome = handle_webhook(seeded_db, SECRET, raw, headers)
    assert (outcome.status, outcome.result) == (200, "paid")
    # The confirmation goes back to the whole id, not a cut one.
    assert outcome.sender == sender
    with seeded_db.session() as s:
        payment = s.execute(select(Payment).where(Payment.ref == req.ref)).scalar_one()
    assert (payment.status, payment.sender) == ("paid", sender)


@SENDERS
def test_a_long_sender_can_file_a_complaint_and_a_retry_finds_it(seeded_db, sender):
    key = f"{sender}:{'f' * 16}"  # what the complaint flow uses: sender:draft id
    with seeded_db.session() as s:
        first = cx.file_complaint(s, ivrs=IVRS, category="meter", area_type="urban",
                                  sender=sender, request_key=key)
    with seeded_db.session() as s:
        again = cx.file_complaint(s, ivrs=IVRS, category="meter", area_type="urban",
                                  sender=sender, request_key=key)
        stored = s.execute(select(Complaint)).scalar_one()
    assert (first.outcome, again.outcome) == (cx.CREATED, cx.RETRY)
    assert again.complaint.number == first.complaint.number
    assert (stored.sender, stored.request_key) == (sender, key)


@SENDERS
def test_a_long_sender_keeps_its_language(seeded_db, sender):
    set_language(seeded_db, sender, "en")
    assert get_language(seeded_db, sender) == "en"
    set_language(seeded_db, sender, "hi")
    assert get_language(seeded_db, sender) == "hi"
    # A different id sharing the first 127 characters is a different sender.
    other = sender[:-1] + ("x" if sender[-1] != "x" else "y")
    assert get_language(seeded_db, other) is None


@SENDERS
def test_a_long_sender_is_counted_by_the_lookup_limit(seeded_db, sender):
    now = datetime(2026, 1, 10, 6, 0)
    with seeded_db.session() as s:
        decision = check_lookup(s, sender, "N3210000001", now, limit=20)
    assert decision.allowed and decision.counted == 1
    with seeded_db.session() as s:
        assert s.execute(select(Lookup.sender)).scalar_one() == sender
