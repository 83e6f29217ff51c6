"""The webhook's rules: handshake, signature, message types, statuses, durable dedup, order."""
import asyncio
import json

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bijli.whatsapp import store
from bijli.whatsapp.incoming import parse_delivery
from bijli.whatsapp.models import WhatsAppMessage
from bijli.whatsapp.ordering import SenderQueues
from bijli.whatsapp.signature import sign, signature_ok
from bijli.whatsapp.statuses import handle_status
from bijli.whatsapp.webhook import WebhookReceiver

SECRET = "test-app-secret"
TOKEN = "test-verify-token"
WA_ID = "919812345678"


def delivery(*messages, statuses=()):
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "917552551222", "phone_number_id": "1065"},
            "contacts": [{"profile": {"name": "Sunil"}, "wa_id": WA_ID}],
            "messages": list(messages), "statuses": list(statuses)}}]}]}


def text(body, wamid="wamid.1", sender=WA_ID):
    return {"from": sender, "id": wamid, "timestamp": "1717000000", "type": "text", "text": {"body": body}}


def signed(body):
    raw = json.dumps(body).encode()
    return raw, {"x-hub-signature-256": sign(raw, SECRET)}


@pytest.fixture
def receiver(db):
    return WebhookReceiver(db, TOKEN, SECRET)


def seen(db):
    with db.session() as s:
        return s.execute(select(func.count()).select_from(WhatsAppMessage)).scalar_one()


# -- the GET handshake ---------------------------------------------------------------------

def test_the_right_verify_token_gets_the_challenge_echoed(receiver):
    answer = receiver.verify({"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"})
    assert (answer.status, answer.body) == (200, "1158201444")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": TOKEN, "hub.challenge": "1"},
    {"hub.verify_token": TOKEN, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.verify_token": "टोकन", "hub.challenge": "1"},
])
def test_anything_else_is_forbidden(receiver, params):
    assert receiver.verify(params).status == 403


# -- signatures ---------------------------------------------------------------------------------

def test_a_valid_signature_is_accepted_and_the_message_recorded(receiver, db):
    raw, headers = signed(delivery(text("Hi")))
    accepted = receiver.receive(raw, headers)
    assert accepted.status == 200
    assert [(m.sender, m.text) for m in accepted.messages] == [(WA_ID, "Hi")]
    assert seen(db) == 1


@pytest.mark.parametrize("header", [
    None,                                   # missing
    "",                                     # empty
    "sha256=" + "0" * 64,                   # wrong
    sign(b"another body", SECRET),          # a signature of a different body
    sign(b"", "not-the-secret"),            # the wrong secret
    "sha256=ä" + "0" * 63,                  # non-ASCII
    "sha1=abcdef",                          # another scheme
])
def test_a_missing_or_bad_signature_gets_401_and_nothing_is_recorded(receiver, db, header):
    raw = json.dumps(delivery(text("Hi"))).encode()
    headers = {} if header is None else {"x-hub-signature-256": header}
    accepted = receiver.receive(raw, headers)
    assert (accepted.status, accepted.messages, accepted.statuses) == (401, [], [])
    assert seen(db) == 0


def test_the_signature_covers_the_raw_bytes_not_the_parsed_json():
    raw = b'{"entry": [],  "object":"whatsapp_business_account"}'
    header = sign(raw, SECRET)
    assert signature_ok(raw, header, SECRET)
    assert not signature_ok(json.dumps(json.loads(raw)).encode(), header, SECRET)


def test_signed_but_malformed_json_is_taken_with_200_and_ignored(receiver, db):
    raw = b"{not json"
    accepted = receiver.receive(raw, {"x-hub-signature-256": sign(raw, SECRET)})
    assert (accepted.status, accepted.messages) == (200, [])
    odd = json.dumps({"entry": "nope"}).encode()
    assert receiver.receive(odd, {"x-hub-signature-256": sign(odd, SECRET)}).status == 200


# -- message types ------------------------------------------------------------------------------

def test_button_and_list_replies_give_their_id_to_rasa_like_a_typed_number():
    body = delivery(
        {"from": WA_ID, "id": "w1", "type": "interactive",
         "interactive": {"type": "button_reply", "button_reply": {"id": "2", "title": "IVRS नंबर से"}}},
        {"from": WA_ID, "id": "w2", "type": "interactive",
         "interactive": {"type": "list_reply", "list_reply": {"id": "7", "title": "Change language",
                                                               "description": "(भाषा)"}}})
    first, second = parse_delivery(body).messages
    assert (first.text, second.text) == ("2", "7")
    assert first.metadata["whatsapp"]["reply"] == {"kind": "button_reply", "id": "2", "title": "IVRS नंबर से"}
    assert second.metadata["whatsapp"]["reply"]["kind"] == "list_reply"


def test_a_location_becomes_readable_text_with_the_coordinates_in_the_metadata():
    body = delivery({"from": WA_ID, "id": "w3", "type": "location",
                     "location": {"latitude": 23.2599, "longitude": 77.4126, "name": "Transformer",
                                  "address": "MP Nagar Zone 1, Bhopal"}})
    [msg] = parse_delivery(body).messages
    assert msg.readable
    assert msg.text == ("Location 23.259900,77.412600 https://maps.google.com/?q=23.259900,77.412600 "
                        "(Transformer, MP Nagar Zone 1, Bhopal)")
    assert msg.metadata["whatsapp"]["location"] == {"latitude": 23.2599, "longitude": 77.4126,
                                                    "name": "Transformer", "address": "MP Nagar Zone 1, Bhopal"}


@pytest.mark.parametrize("kind,part", [
    ("audio", {"id": "m1", "mime_type": "audio/ogg; codecs=opus", "voice": True}),
    ("image", {"id": "m2", "mime_type": "image/jpeg"}),
    ("sticker", {"id": "m3", "mime_type": "image/webp"}),
    ("video", {"id": "m4"}),
    ("document", {"id": "m5", "filename": "bill.pdf"}),
    ("unsupported", {}),
])
def test_media_kinds_are_not_readable_and_are_answered_politely(receiver, kind, part):
    raw, headers = signed(delivery({"from": WA_ID, "id": "w-" + kind, "type": kind, kind: part}))
    [msg] = receiver.receive(raw, headers).messages
    assert (msg.kind, msg.readable, msg.silent) == (kind, False, False)


def test_a_reaction_is_recorded_but_not_answered(receiver, db):
    raw, headers = signed(delivery({"from": WA_ID, "id": "w-r", "type": "reaction",
                                    "reaction": {"message_id": "wamid.x", "emoji": "👍"}}))
    assert receiver.receive(raw, headers).messages == []
    assert seen(db) == 1


def test_a_broken_item_is_skipped_and_the_rest_still_read():
    body = delivery({"id": "no-sender", "type": "text", "text": {"body": "x"}}, text("Hi", "w-ok"))
    parsed = parse_delivery(body)
    assert [m.wamid for m in parsed.messages] == ["w-ok"] and parsed.skipped == 1


# -- statuses -------------------------------------------------------------------------------------

def test_statuses_are_not_messages(receiver):
    raw, headers = signed(delivery(statuses=[
        {"id": "wamid.out1", "status": "delivered", "timestamp": "1", "recipient_id": WA_ID},
        {"id": "ref-1", "type": "payment", "status": "captured", "recipient_id": WA_ID,
         "payment": {"reference_id": "BIJ-1"}}]))
    accepted = receiver.receive(raw, headers)
    assert accepted.messages == []
    assert [(s.kind, s.status) for s in accepted.statuses] == [(None, "delivered"), ("payment", "captured")]


def test_a_failed_status_with_131050_or_131047_marks_the_contact(db):
    parsed = parse_delivery(delivery(statuses=[
        {"id": "o1", "status": "failed", "recipient_id": "919800000001", "errors": [{"code": 131050}]},
        {"id": "o2", "status": "failed", "recipient_id": "919800000002", "errors": [{"code": 131047}]},
        {"id": "o3", "status": "read", "recipient_id": "919800000003"}]))
    for status in parsed.statuses:
        handle_status(db, status)
    assert store.get_contact(db, "919800000001").opted_out_at is not None
    assert store.get_contact(db, "919800000002").window_closed_at is not None
    assert store.get_contact(db, "919800000003") is None


# -- dedup -----------------------------------------------------------------------------------------

def test_a_redelivery_is_not_answered_twice_even_after_a_restart(database_url):
    from bijli.db import Database

    raw, headers = signed(delivery(text("Hi", "wamid.HBgL-1")))
    first_db = Database(database_url)
    assert len(WebhookReceiver(first_db, TOKEN, SECRET).receive(raw, headers).messages) == 1
    assert WebhookReceiver(first_db, TOKEN, SECRET).receive(raw, headers).messages == []
    first_db.dispose()
    restarted = Database(database_url)      # a new process: nothing in memory
    again = WebhookReceiver(restarted, TOKEN, SECRET).receive(raw, headers)
    assert (again.status, again.messages, again.duplicates) == (200, [], 1)
    restarted.dispose()


def test_writing_reopens_the_window_and_records_the_time(db):
    store.mark_window_closed(db, WA_ID, 131047)
    assert store.record_incoming(db, "w-new", WA_ID, "text")
    contact = store.get_contact(db, WA_ID)
    assert contact.window_closed_at is None and contact.last_inbound_at is not None


# -- order ---------------------------------------------------------------------------------------------

def test_one_senders_messages_run_in_order_and_other_senders_are_not_held_up():
    log = []
    release = {}

    async def scenario():
        queues = SenderQueues()
        release["a1"] = asyncio.Event()

        def job(name, wait=None):
            async def run():
                log.append("start " + name)
                if wait:
                    await release[wait].wait()
                log.append("end " + name)
            return run

        queues.submit("A", job("a1", wait="a1"))
        queues.submit("A", job("a2"))
        queues.submit("B", job("b1"))
        for _ in range(5):
            await asyncio.sleep(0)
        release["a1"].set()
        await queues.drain()
        return len(queues)

    assert asyncio.run(scenario()) == 0
    assert log.index("end b1") < log.index("end a1")          # B did not wait for A
    assert log.index("end a1") < log.index("start a2")        # A's second waited for its first


def test_a_failing_job_does_not_stop_the_senders_next_message():
    log = []

    async def scenario():
        queues = SenderQueues()

        async def boom():
            raise RuntimeError("turn failed")

        async def fine():
            log.append("second")

        queues.submit("A", boom)
        queues.submit("A", fine)
        await queues.drain()

    asyncio.run(scenario())
    assert log == ["second"]


# -- odd input never breaks the webhook -----------------------------------------------------------------

_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                         st.sampled_from(["entry", "changes", "value", "messages", "statuses", "from", "id",
                                          "type", "text", "body", "interactive", "button_reply", "list_reply",
                                          "location", "latitude", "longitude", "errors", "code"]),
                         inner, max_size=5), max_leaves=30)


@hyp_settings(max_examples=300)
@given(_json)
def test_any_json_parses_without_raising(body):
    parsed = parse_delivery(body)
    assert all(m.wamid and m.sender for m in parsed.messages)


@hyp_settings(max_examples=300)
@given(st.text(max_size=80))
def test_any_signature_header_is_a_yes_or_no_never_an_error(header):
    assert signature_ok(b"{}", header, SECRET) is (header.strip().lower() == sign(b"{}", SECRET))


# -- other phone numbers (issue 18) ---------------------------------------------------------------

def test_changes_for_another_phone_number_are_dropped_before_anything_is_recorded(db):
    status = {"id": "wamid.out", "status": "delivered", "recipient_id": WA_ID}
    raw, headers = signed(delivery(text("Hi"), statuses=[status]))      # addressed to "1065"
    other = WebhookReceiver(db, TOKEN, SECRET, phone_number_id="2000").receive(raw, headers)
    assert (other.status, other.messages, other.statuses) == (200, [], [])
    assert seen(db) == 0
    ours = WebhookReceiver(db, TOKEN, SECRET, phone_number_id="1065").receive(raw, headers)
    assert [m.text for m in ours.messages] == ["Hi"] and len(ours.statuses) == 1
