"""The Twilio channel refuses unsigned or wrongly signed webhooks (issue 9, part 4).

The signature is checked against Twilio's own reference implementation (the ``twilio``
package's RequestValidator), and the channel is served by a real Sanic server on
loopback and called over HTTP, as Twilio calls it.
"""
from typing import Dict, List, Tuple
from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from channels.twilio import TwilioInput, signature_ok, signed_url, twilio_signature
from tests.channel_server import LoopbackChannels

TOKEN = "test-twilio-auth-token"   # test-only value
FIELDS = [("From", "whatsapp:+919812345678"), ("Body", "Hi"), ("To", "whatsapp:+14155238886"),
          ("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("NumMedia", "0")]


def test_signature_matches_twilios_reference_implementation():
    url = "https://bijli.example.in/webhooks/twilio/webhook?lang=hi"
    ours = twilio_signature(TOKEN, url, FIELDS)
    assert ours == RequestValidator(TOKEN).compute_signature(url, dict(FIELDS))
    assert signature_ok(TOKEN, url, FIELDS, ours)


def test_signature_depends_on_token_url_and_every_field():
    url = "https://bijli.example.in/webhooks/twilio/webhook"
    good = twilio_signature(TOKEN, url, FIELDS)
    assert not signature_ok("other-token", url, FIELDS, good)
    assert not signature_ok(TOKEN, url + "?x=1", FIELDS, good)
    assert not signature_ok(TOKEN, url, [(k, v + "!" if k == "Body" else v) for k, v in FIELDS], good)
    assert not signature_ok(TOKEN, url, FIELDS, None)
    assert not signature_ok(None, url, FIELDS, good)        # no token: fails closed
    assert not signature_ok("", url, FIELDS, twilio_signature("", url, FIELDS))


def test_signed_url_uses_the_public_base_when_set():
    assert signed_url("https://bijli.example.in/", "http://127.0.0.1:5005/webhooks/twilio/webhook?a=1",
                      "/webhooks/twilio/webhook", "a=1") == "https://bijli.example.in/webhooks/twilio/webhook?a=1"
    assert signed_url(None, "http://127.0.0.1:5005/x", "/x", "") == "http://127.0.0.1:5005/x"


# -- the channel over HTTP --------------------------------------------------------------------

class ChannelServer(LoopbackChannels):
    """One TwilioInput on a real Sanic server on loopback; each test sets the channel's token
    and public base."""

    def __init__(self) -> None:
        self.channel = TwilioInput("AC-test", TOKEN, "whatsapp:+14155238886")
        super().__init__([self.channel])

    def post(self, body: str, headers: Dict[str, str], query: str = "") -> Tuple[int, List]:
        """POST one form to the webhook; (status, messages given to Rasa by this POST)."""
        self.received.clear()
        url = f"{self.url}/webhooks/twilio/webhook" + (f"?{query}" if query else "")
        r = requests.post(url, data=body, timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
        return r.status_code, list(self.received)


@pytest.fixture(scope="module")
def server():
    srv = ChannelServer()
    yield srv
    srv.stop()


@pytest.fixture
def channel(server, db):
    # Behind a proxy: Twilio signs the public URL, not the loopback one this server sees.
    server.channel.database = db         # MessageSids seen (a fresh database per test)
    server.channel.auth_token = TOKEN
    server.channel.public_base_url = "https://bijli.example.in"
    return server


def local_url() -> str:
    """The public URL Twilio is configured with (and signs)."""
    return "https://bijli.example.in/webhooks/twilio/webhook"


def test_valid_signature_reaches_rasa_with_the_sender(channel):
    sig = twilio_signature(TOKEN, local_url(), FIELDS)
    status, received = channel.post(urlencode(FIELDS), {"X-Twilio-Signature": sig})
    assert status == 204
    assert [(m.sender_id, m.text, m.input_channel) for m in received] == \
        [("whatsapp:+919812345678", "Hi", "twilio")]


def test_field_order_on_the_wire_does_not_matter(channel):
    sig = twilio_signature(TOKEN, local_url(), FIELDS)
    status, received = channel.post(urlencode(list(reversed(FIELDS))), {"X-Twilio-Signature": sig})
    assert status == 204 and len(received) == 1


@pytest.mark.parametrize("headers", [
    {},                                                             # missing
    {"X-Twilio-Signature": "not-a-signature"},                      # garbage
    {"X-Twilio-Signature": twilio_signature("wrong-token", "https://bijli.example.in/webhooks/twilio/webhook", FIELDS)},
])
def test_missing_or_bad_signature_is_401_and_nothing_reaches_rasa(channel, headers):
    status, received = channel.post(urlencode(FIELDS), headers)
    assert status == 401 and received == []


def test_tampered_body_is_refused(channel):
    sig = twilio_signature(TOKEN, local_url(), FIELDS)
    tampered = [(k, "9" if k == "Body" else v) for k, v in FIELDS]
    status, received = channel.post(urlencode(tampered), {"X-Twilio-Signature": sig})
    assert status == 401 and received == []


def test_url_with_query_is_part_of_what_is_signed(channel):
    with_query = local_url() + "?lang=hi&x=1"
    sig = twilio_signature(TOKEN, with_query, FIELDS)
    status, received = channel.post(urlencode(FIELDS), {"X-Twilio-Signature": sig},
                                    query="lang=hi&x=1")
    assert status == 204 and len(received) == 1
    # The same signature without the query string it was made for is refused.
    status, received = channel.post(urlencode(FIELDS), {"X-Twilio-Signature": sig})
    assert status == 401 and received == []


def test_without_public_base_the_request_url_is_signed(channel):
    channel.channel.public_base_url = None
    public_sig = twilio_signature(TOKEN, local_url(), FIELDS)
    status, received = channel.post(urlencode(FIELDS), {"X-Twilio-Signature": public_sig})
    assert status == 401 and received == []   # the loopback URL was not what this signed
    own = twilio_signature(TOKEN, f"http://127.0.0.1:{channel.port}/webhooks/twilio/webhook", FIELDS)
    status, received = channel.post(urlencode(FIELDS), {"X-Twilio-Signature": own})
    assert status == 204 and len(received) == 1


def test_without_auth_token_every_post_is_refused(channel):
    channel.channel.auth_token = None
    status, received = channel.post(urlencode(FIELDS), {"X-Twilio-Signature": "x"})
    assert status == 401 and received == []


def test_from_credentials_takes_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC-env")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "env-token")
    monkeypatch.setenv("TWILIO_NUMBER", "whatsapp:+14155238886")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bijli.example.in")
    channel = TwilioInput.from_credentials(None)
    assert (channel.account_sid, channel.auth_token, channel.public_base_url) == \
        ("AC-env", "env-token", "https://bijli.example.in")
