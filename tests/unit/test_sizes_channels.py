"""What our channels let through to Rasa (issue 18, items 1 and 6), over HTTP.

One real Sanic server on loopback mounts the REST, payments, WhatsApp and Twilio
channels at ``/webhooks/<name>/`` as ``rasa run`` does; ``on_new_message`` records
what would reach Rasa. Checked: a body over ``MAX_WEBHOOK_BODY_BYTES`` gets 413
before any signature is computed, a long message reaches Rasa cut to
``MAX_MESSAGE_CHARS``, and WhatsApp deliveries for another phone number are dropped.
"""
import json
import logging
from typing import Dict, Iterator
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import select

from bijli.limits import MAX_MESSAGE_CHARS, MAX_WEBHOOK_BODY_BYTES
from bijli.whatsapp.models import WhatsAppMessage
from bijli.whatsapp.signature import sign
from channels.payments import PaymentWebhookInput
from channels.rest import RestInput
from channels.twilio import TwilioInput, twilio_signature
from channels.whatsapp import WhatsAppInput
from tests.channel_server import LoopbackChannels

APP_SECRET = "unit-whatsapp-app-secret"        # test-only values
TWILIO_TOKEN = "unit-twilio-auth-token"
OURS, THEIRS = "106540352242922", "999000111222333"
WA_ID = "919812345678"
TWO_MB = 2_000_000


class ChannelApp(LoopbackChannels):
    """The REST, payments, WhatsApp and Twilio channels on one loopback server."""

    def __init__(self) -> None:
        self.twilio = TwilioInput("AC-test", TWILIO_TOKEN, "whatsapp:+14155238886")
        super().__init__([RestInput(), PaymentWebhookInput(), WhatsAppInput(), self.twilio])


@pytest.fixture(scope="module")
def server() -> Iterator[ChannelApp]:
    srv = ChannelApp()
    yield srv
    srv.stop()


@pytest.fixture
def app(server, db, monkeypatch) -> ChannelApp:
    """The server with this test's database and WhatsApp settings, nothing received yet."""
    monkeypatch.setenv("WHATSAPP_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", OURS)
    server.twilio.database = db
    server.twilio.public_base_url = None
    server.received.clear()
    return server


def whatsapp_body(text: str, wamid: str, phone_number_id: str = OURS) -> bytes:
    body = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "917552551222", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": "Sunil"}, "wa_id": WA_ID}],
            "messages": [{"from": WA_ID, "id": wamid, "timestamp": "1717000000", "type": "text",
                          "text": {"body": text}}]}}]}]}
    return json.dumps(body).encode()


def post_whatsapp(app: ChannelApp, raw: bytes) -> requests.Response:
    return requests.post(f"{app.url}/webhooks/whatsapp/webhook", data=raw, timeout=30, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, APP_SECRET)})


def twilio_form(app: ChannelApp, body: str, sid: str) -> Dict[str, str]:
    fields = [("From", "whatsapp:+919812345678"), ("Body", body), ("MessageSid", sid),
              ("To", "whatsapp:+14155238886")]
    url = f"{app.url}/webhooks/twilio/webhook"
    return {"data": urlencode(fields), "headers": {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, url, fields)}}


# -- request sizes ---------------------------------------------------------------------------------

WEBHOOKS = {   # path -> content type; every POST route under /webhooks
    "/webhooks/rest/webhook": "application/json",
    "/webhooks/payments/webhook": "application/json",
    "/webhooks/payments/pay/BS0000000000": "application/x-www-form-urlencoded",
    "/webhooks/whatsapp/webhook": "application/json",
    "/webhooks/twilio/webhook": "application/x-www-form-urlencoded",
}


def big_body(content_type: str, size: int) -> bytes:
    """A well-formed body of about ``size`` bytes, carrying no signature."""
    if content_type == "application/json":
        return json.dumps({"sender": WA_ID, "message": "x" * size}).encode()
    return urlencode({"From": "whatsapp:+919812345678", "Body": "x" * size, "outcome": "pay"}).encode()


@pytest.mark.parametrize("path", sorted(WEBHOOKS))
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_two_megabyte_body_gets_413_before_any_signature_is_checked(app, caplog, path, framing):
    content_type = WEBHOOKS[path]
    raw = big_body(content_type, TWO_MB)
    # chunked: no Content-Length to read, so Sanic must stop at the limit as it reads.
    data = raw if framing == "content-length" else (raw[i:i + 65536] for i in range(0, len(raw), 65536))
    with caplog.at_level(logging.INFO):
        r = requests.post(app.url + path, data=data, timeout=60, headers={"Content-Type": content_type})
    assert r.status_code == 413
    assert app.received == []
    assert not [rec for rec in caplog.records if "signature" in rec.getMessage().lower()]


@pytest.mark.parametrize("path, status", [
    ("/webhooks/rest/webhook", 200),               # development: REST is open
    ("/webhooks/payments/webhook", 401),
    ("/webhooks/whatsapp/webhook", 401),
    ("/webhooks/twilio/webhook", 401),
])
def test_a_body_at_the_limit_is_read_and_its_signature_checked(app, path, status):
    content_type = WEBHOOKS[path]
    raw = big_body(content_type, 100)
    raw = raw.replace(b"x" * 100, b"x" * (100 + MAX_WEBHOOK_BODY_BYTES - len(raw)))
    assert len(raw) == MAX_WEBHOOK_BODY_BYTES
    r = requests.post(app.url + path, data=raw, timeout=60, headers={"Content-Type": content_type})
    assert r.status_code == status


# -- long messages are cut before Rasa --------------------------------------------------------------

def test_rest_cuts_a_ten_thousand_character_message(app):
    r = requests.post(f"{app.url}/webhooks/rest/webhook", json={"sender": WA_ID, "message": "1," * 5000},
                      timeout=30)
    assert r.status_code == 200
    [message] = app.received
    assert message.text == ("1," * 5000)[:MAX_MESSAGE_CHARS] and len(message.text) == 4096


def test_whatsapp_cuts_a_ten_thousand_character_message(app):
    assert post_whatsapp(app, whatsapp_body("N1 " * 3334, "wamid.long")).status_code == 200
    [message] = app.wait_for(1)
    assert len(message.text) == MAX_MESSAGE_CHARS and message.text == ("N1 " * 3334)[:MAX_MESSAGE_CHARS]


def test_twilio_cuts_a_ten_thousand_character_message(app):
    r = requests.post(f"{app.url}/webhooks/twilio/webhook", timeout=30,
                      **twilio_form(app, "₹1,000/- " * 1112, "SMlong"))
    assert r.status_code == 204
    [message] = app.received
    assert len(message.text) == MAX_MESSAGE_CHARS


# -- WhatsApp: only our phone number -----------------------------------------------------------------

def test_a_delivery_for_another_phone_number_is_acknowledged_and_dropped(app, db, caplog):
    with caplog.at_level(logging.WARNING):
        r = post_whatsapp(app, whatsapp_body("Hi from elsewhere", "wamid.theirs", THEIRS))
    assert (r.status_code, r.text) == (200, "ok")
    assert any(THEIRS in rec.getMessage() for rec in caplog.records)
    # The same sender's next message, to our number, is answered; nothing came before it.
    assert post_whatsapp(app, whatsapp_body("Hi", "wamid.ours")).status_code == 200
    assert [m.text for m in app.wait_for(1)] == ["Hi"]
    with db.session() as s:
        assert s.execute(select(WhatsAppMessage.wamid)).scalars().all() == ["wamid.ours"]


# -- Twilio: a retry reaches Rasa once -------------------------------------------------------------------

def test_a_twilio_retry_of_the_same_message_sid_is_answered_once(app, database_url):
    from bijli.db import Database

    form = twilio_form(app, "Hi", "SM0123456789abcdef0123456789abcdef")
    url = f"{app.url}/webhooks/twilio/webhook"
    assert requests.post(url, timeout=30, **form).status_code == 204
    assert requests.post(url, timeout=30, **form).status_code == 204       # Twilio's retry
    assert [m.text for m in app.received] == ["Hi"]
    app.twilio.database = restarted = Database(database_url)               # a new process
    assert requests.post(url, timeout=30, **form).status_code == 204
    assert [m.text for m in app.received] == ["Hi"]
    # Another message is answered.
    assert requests.post(url, timeout=30, **twilio_form(app, "2", "SMother")).status_code == 204
    assert [m.text for m in app.received] == ["Hi", "2"]
    restarted.dispose()
