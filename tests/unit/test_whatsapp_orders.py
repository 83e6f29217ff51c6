"""Pay inside WhatsApp (issue 9 part 2): the order card, and signed payment statuses confirmed
with Meta's payments lookup (the fake Graph API on loopback) before they change anything."""
import asyncio
import json
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bijli.flows.core import Reply, Services, Turn
from bijli.flows.payments import offer_payment, payment_status
from bijli.models import Bill, Payment
from bijli.preferences import set_language
from bijli.settings import Settings
from bijli.timefmt import format_ist
from bijli.whatsapp.orders import (
    Order,
    order_details_content,
    order_status_content,
    payment_ref_of,
)
from bijli.whatsapp.signature import sign
from bijli.whatsapp.statuses import handle_status
from bijli.whatsapp.webhook import WebhookReceiver
from tests.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph

IVRS = "N3210987654"
WA_ID = "919812345678"          # registered for N3210987654
CONFIG = "bijli-razorpay"
APP_SECRET = "test-app-secret"
DUE = 184700


@pytest.fixture
def graph():
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(graph, database_url):
    return Settings.from_env({
        "DATABASE_URL": database_url, "WHATSAPP_GRAPH_URL": graph.url, "WHATSAPP_API_VERSION": VERSION,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_PAYMENT_CONFIGURATION": CONFIG,
        "PUBLIC_BASE_URL": "https://bijli.example"})


@pytest.fixture
def svc(seeded_db, settings):
    return Services(db=seeded_db, settings=settings)


def pay(svc, lang="en", sender=WA_ID) -> Reply:
    return offer_payment(Turn(sender=sender, text="1", slots={"language": lang}), svc, Reply(lang=lang), IVRS)


def cards(reply: Reply):
    return [m.custom for m in reply.messages if m.custom]


def stored(svc, ref) -> Payment:
    with svc.db.session() as s:
        p = s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()
        s.expunge(p)
        return p


def bill_paid(svc) -> int:
    with svc.db.session() as s:
        return s.execute(select(Bill.paid_paise).join(Payment, Payment.bill_id == Bill.id)
                         .where(Payment.ivrs == IVRS).limit(1)).scalar_one() or 0


def epoch(dt: datetime) -> int:
    return int(dt.replace(tzinfo=timezone.utc).timestamp())


# -- the order card --------------------------------------------------------------------------------

def test_pay_sends_the_order_card_with_the_bill_as_its_single_item(svc):
    r = pay(svc)
    ref = r.slots["payment_ref"]
    expires = stored(svc, ref).expires_at
    amount = {"value": DUE, "offset": 100}
    [card] = cards(r)
    assert card == {"type": "interactive", "interactive": {
        "type": "order_details",
        "body": {"text": f"Electricity bill {format_month(svc, ref)}, IVRS {IVRS}: ₹1,847.00\n"
                         "Tap the button below to pay inside WhatsApp."},
        "action": {"name": "review_and_pay", "parameters": {
            "reference_id": ref, "type": "digital-goods", "currency": "INR", "total_amount": amount,
            "payment_settings": [{"type": "payment_gateway", "payment_gateway": {
                "type": "razorpay", "configuration_name": CONFIG}}],
            "order": {
                "status": "pending",
                "items": [{"retailer_id": IVRS, "name": f"Electricity bill {format_month(svc, ref)} "
                                                       f"(IVRS {IVRS})", "amount": amount, "quantity": 1}],
                "subtotal": amount, "tax": {"value": 0, "offset": 100},
                "expiration": {"timestamp": str(epoch(expires)),
                               "description": f"Pay by {format_ist(expires, zone=False)} IST"}}}}}}
    # The UPI link and the QR stay, for a phone without WhatsApp Pay.
    texts = "\n".join(m.text for m in r.messages)
    assert f"tr={ref}&" in texts and [m.image for m in r.messages if m.image]
    assert [bool(m.custom) for m in r.messages].index(True) == 1      # right after the request


def format_month(svc, ref) -> str:
    with svc.db.session() as s:
        month = s.execute(select(Bill.bill_month).join(Payment, Payment.bill_id == Bill.id)
                          .where(Payment.ref == ref)).scalar_one()
    return f"{month[5:7]}/{month[:4]}"


def test_a_resent_order_gets_a_suffix_that_still_finds_the_payment(svc):
    first, second, third = pay(svc), pay(svc, lang="hi"), pay(svc)
    ref = first.slots["payment_ref"]
    assert second.slots["payment_ref"] == third.slots["payment_ref"] == ref     # one request, shown again
    ids = [cards(r)[0]["interactive"]["action"]["parameters"]["reference_id"] for r in (first, second, third)]
    assert ids == [ref, f"{ref}.2", f"{ref}.3"]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]{1,35}", i) for i in ids)
    assert {payment_ref_of(i) for i in ids} == {ref}
    assert "WhatsApp में ही भुगतान" in cards(second)[0]["interactive"]["body"]["text"]


def test_the_card_keeps_metas_limits():
    now = datetime(2026, 11, 27, 3, 0, 0)
    order = Order("BS2611270300001234ABCD.12", "N" + "9" * 1100, "2026-10", DUE, now + timedelta(seconds=60))
    card = order_details_content(order, CONFIG, "hi", now=now)["interactive"]
    params = card["action"]["parameters"]
    assert len(card["body"]["text"]) == 1024 and card["body"]["text"].endswith("…")
    assert len(params["order"]["items"][0]["name"]) == 60
    # A request with a minute left still gets Meta's minimum of five minutes.
    assert params["order"]["expiration"]["timestamp"] == str(epoch(now) + 300)
    assert len(params["order"]["expiration"]["description"]) <= 120


def test_without_the_configuration_only_the_upi_link_and_qr(svc, settings):
    plain = Services(db=svc.db, settings=Settings.from_env({"DATABASE_URL": settings.database_url}))
    r = pay(plain)
    assert cards(r) == []
    assert f"tr={r.slots['payment_ref']}&" in "\n".join(m.text for m in r.messages)


def test_a_web_chat_session_gets_no_order_card(svc):
    assert cards(pay(svc, sender="a1b2c3d4-web-session")) == []


# -- payment statuses ------------------------------------------------------------------------------

def payment_status_entry(reference_id, txn="wa-txn-1", status="captured", txn_status="success",
                         amount=DUE, recipient=WA_ID):
    return {"id": "wamid.order-card", "recipient_id": recipient, "type": "payment", "status": status,
            "timestamp": "1764212400",
            "payment": {"reference_id": reference_id, "amount": {"value": amount, "offset": 100},
                        "currency": "INR",
                        "transaction": {"id": txn, "pg_transaction_id": "pay_" + txn.replace("-", ""),
                                        "type": "razorpay", "status": txn_status,
                                        "method": {"type": "upi"}}}}


def deliver(svc, *entries):
    """A signed delivery of ``entries``, accepted by the webhook and its statuses handled."""
    body = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
                                       "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                                       "statuses": list(entries)}}]}]}
    raw = json.dumps(body).encode()
    accepted = WebhookReceiver(svc.db, "verify", APP_SECRET).receive(
        raw, {"x-hub-signature-256": sign(raw, APP_SECRET)})
    assert accepted.status == 200
    return [handle_status(svc.db, st, svc.settings) for st in accepted.statuses]


def test_a_confirmed_success_pays_the_bill_and_completes_the_order(svc, graph):
    ref = pay(svc, lang="hi").slots["payment_ref"]
    graph.payments[ref] = FakeGraph.payment(ref, DUE, "wa-txn-1")
    [handled] = deliver(svc, payment_status_entry(ref))
    [lookup] = graph.lookups()
    assert lookup["path"] == f"/{VERSION}/{PHONE_NUMBER_ID}/payments/{CONFIG}/{ref}"
    assert lookup["auth"] == f"Bearer {TOKEN}"
    p = stored(svc, ref)
    assert (p.status, p.paid_amount_paise, p.gateway_payment_id) == ("paid", DUE, "pay_watxn1")
    assert p.receipt_no and bill_paid(svc) == DUE
    assert (handled.outcome.result, handled.outcome.notify, handled.recipient) == ("paid", True, WA_ID)
    assert handled.order_status == order_status_content(ref, True, "hi")
    assert handled.order_status["interactive"]["action"] == {"name": "review_order", "parameters": {
        "reference_id": ref, "order": {"status": "completed", "description": "भुगतान प्राप्त हुआ। धन्यवाद!"}}}
    # What the channel's trigger then shows the payer: the usual confirmation, in Hindi.
    told = payment_status(Turn(sender=WA_ID, text="", entities={"payment_ref": ref},
                               slots={"language": "hi"}), svc, Reply(lang="hi"))
    assert p.receipt_no in told.messages[0].text and "₹1,847.00" in told.messages[0].text


def test_a_suffixed_reference_pays_the_same_request(svc, graph):
    ref = pay(svc).slots["payment_ref"]
    resent = cards(pay(svc))[0]["interactive"]["action"]["parameters"]["reference_id"]
    assert resent == f"{ref}.2"
    graph.payments[resent] = FakeGraph.payment(resent, DUE, "wa-txn-9")
    [handled] = deliver(svc, payment_status_entry(resent, txn="wa-txn-9"))
    assert handled.outcome.ref == ref and stored(svc, ref).status == "paid"
    assert handled.order_status["interactive"]["action"]["parameters"]["reference_id"] == resent


def test_a_confirmed_failure_marks_it_failed_and_cancels_the_order(svc, graph):
    ref = pay(svc).slots["payment_ref"]
    graph.payments[ref] = FakeGraph.payment(ref, DUE, "wa-txn-2", status="pending", transaction_status="failed")
    [handled] = deliver(svc, payment_status_entry(ref, txn="wa-txn-2", status="pending", txn_status="failed"))
    assert stored(svc, ref).status == "failed" and bill_paid(svc) == 0
    assert (handled.outcome.result, handled.outcome.notify) == ("failed", True)
    assert handled.order_status["interactive"]["action"]["parameters"]["order"] == {
        "status": "canceled", "description": "भुगतान नहीं हो पाया। UPI लिंक से फिर से कोशिश करें।"}  # default hi
    told = payment_status(Turn(sender=WA_ID, text="", entities={"payment_ref": ref},
                               slots={"language": "en"}), svc, Reply(lang="en"))
    assert f"tr={ref}&" in "\n".join(m.text for m in told.messages)     # the link again


def test_a_duplicate_status_changes_nothing_and_sends_nothing(svc, graph):
    ref = pay(svc).slots["payment_ref"]
    graph.payments[ref] = FakeGraph.payment(ref, DUE, "wa-txn-3")
    entry = payment_status_entry(ref, txn="wa-txn-3")
    first, again = deliver(svc, entry, entry)           # Meta sent it twice
    assert first.outcome.result == "paid"
    assert (again.outcome.result, again.outcome.notify, again.order_status) == ("duplicate", False, None)
    assert bill_paid(svc) == DUE and stored(svc, ref).paid_amount_paise == DUE


@pytest.mark.parametrize("lookup", [
    "amount",           # Meta says less was paid
    "pending",          # Meta has no capture yet
    "other_txn",        # another transaction
    "usd",
    "missing",          # 404: Meta knows no such payment
    "error",            # the lookup itself fails
])
def test_a_status_the_lookup_does_not_confirm_is_not_trusted(svc, graph, snapshot, lookup):
    ref = pay(svc).slots["payment_ref"]
    answers = {
        "amount": FakeGraph.payment(ref, DUE - 100, "wa-txn-4"),
        "pending": FakeGraph.payment(ref, DUE, "wa-txn-4", status="pending", transaction_status="pending"),
        "other_txn": FakeGraph.payment(ref, DUE, "wa-txn-other"),
        "usd": FakeGraph.payment(ref, DUE, "wa-txn-4", currency="USD"),
        "error": 500,
    }
    if lookup in answers:
        graph.payments[ref] = answers[lookup]
    before = snapshot()
    assert deliver(svc, payment_status_entry(ref, txn="wa-txn-4")) == [None]
    assert len(graph.lookups()) == 1
    assert snapshot() == before and stored(svc, ref).status == "pending"


def test_the_channel_sends_the_order_update_once(svc, graph):
    from channels.whatsapp import WhatsAppInput

    set_language(svc.db, WA_ID, "en")          # the update follows the consumer's language
    ref = pay(svc).slots["payment_ref"]
    graph.payments[ref] = FakeGraph.payment(ref, DUE, "wa-txn-5")
    body = {"entry": [{"changes": [{"value": {"statuses": [payment_status_entry(ref, txn="wa-txn-5")]}}]}]}
    raw = json.dumps(body).encode()
    statuses = WebhookReceiver(svc.db, "v", APP_SECRET).receive(
        raw, {"x-hub-signature-256": sign(raw, APP_SECRET)}).statuses
    app = SimpleNamespace(ctx=SimpleNamespace(agent=None))     # no model: the trigger is skipped, logged
    channel = WhatsAppInput()
    asyncio.run(channel._statuses(app, svc.settings, statuses))
    asyncio.run(channel._statuses(app, svc.settings, statuses))     # Meta redelivers it
    sent = graph.sent(WA_ID)
    assert [m["interactive"]["type"] for m in sent] == ["order_status"]
    assert sent[0]["interactive"]["action"]["parameters"] == {
        "reference_id": ref, "order": {"status": "completed", "description": "Payment received. Thank you!"}}
