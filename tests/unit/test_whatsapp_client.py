"""Sending through a fake Graph API: retries, the codes never retried, media upload."""
import logging

import pytest

from bijli.preferences import set_language
from bijli.settings import Settings
from bijli.whatsapp import store
from bijli.whatsapp.client import GraphClient, GraphConfig
from bijli.whatsapp.messenger import Messenger
from tests.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph

WA_ID = "919812345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00fake-qr" * 50


@pytest.fixture
def graph():
    fake = FakeGraph().start()
    yield fake
    fake.stop()


class Sleeps:
    """Records the pauses instead of taking them."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


def client_for(url, sleeps, token=TOKEN, **kw):
    return GraphClient(GraphConfig(url, VERSION, PHONE_NUMBER_ID, token, **kw), sleep=sleeps)


def settings_for(graph, database_url, **extra):
    env = {"DATABASE_URL": database_url, "WHATSAPP_GRAPH_URL": graph.url, "WHATSAPP_API_VERSION": VERSION,
           "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_ACCESS_TOKEN": TOKEN,
           "PUBLIC_BASE_URL": graph.url + "/files", **extra}
    return Settings.from_env(env)


def test_a_message_goes_to_the_version_and_number_with_the_bearer_token(graph):
    result = client_for(graph.url, Sleeps()).send(WA_ID, {"type": "text", "text": {"body": "नमस्ते"}})
    assert result.ok and result.id == "wamid.fake0001" and result.attempts == 1
    [req] = graph.requests
    assert req["path"] == f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
    assert req["auth"] == f"Bearer {TOKEN}"
    assert req["body"] == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID,
                           "type": "text", "text": {"body": "नमस्ते"}}


@pytest.mark.parametrize("step", [500, 503, 429, (400, 130429), (400, 131056), (500, 131000), (400, 80007)])
def test_throughput_and_server_errors_are_retried_with_backoff(graph, step):
    sleeps = Sleeps()
    graph.script = [step, step]
    result = client_for(graph.url, sleeps).send(WA_ID, {"type": "text", "text": {"body": "x"}})
    assert result.ok and result.attempts == 3
    assert len(graph.messages()) == 3 and len(graph.sent()) == 1
    assert len(sleeps.calls) == 2 and sleeps.calls[1] > sleeps.calls[0] > 0
    if step == (400, 131056):
        assert sleeps.calls[0] >= 6        # one message per 6 s to one user


def test_retries_stop_after_the_last_attempt(graph):
    sleeps = Sleeps()
    graph.script = [503] * 10
    result = client_for(graph.url, sleeps, max_attempts=4).send(WA_ID, {"type": "text", "text": {"body": "x"}})
    assert (result.ok, result.status, result.attempts) == (False, 503, 4)
    assert len(graph.messages()) == 4 and len(sleeps.calls) == 3


@pytest.mark.parametrize("code", [131050, 131047])
def test_opted_out_and_outside_the_window_are_never_retried(graph, code):
    sleeps = Sleeps()
    graph.script = [(400, code)]
    result = client_for(graph.url, sleeps).send(WA_ID, {"type": "text", "text": {"body": "x"}})
    assert (result.ok, result.error_code, result.attempts) == (False, code, 1)
    assert len(graph.messages()) == 1 and sleeps.calls == []


def test_other_client_errors_are_not_retried(graph):
    sleeps = Sleeps()
    result = client_for(graph.url, sleeps, token="wrong").send(WA_ID, {"type": "text", "text": {"body": "x"}})
    assert (result.ok, result.status, result.error_code, result.attempts) == (False, 401, 190, 1)
    assert sleeps.calls == []


def test_an_unreachable_graph_api_is_retried_then_given_up(graph):
    url = graph.url
    graph.stop()                       # nothing listens there any more
    sleeps = Sleeps()
    result = client_for(url, sleeps, max_attempts=3, timeout_seconds=2).send(
        WA_ID, {"type": "text", "text": {"body": "x"}})
    assert (result.ok, result.status, result.attempts, result.detail) == (False, None, 3, "ConnectionError")
    assert len(sleeps.calls) == 2


def test_logs_carry_neither_the_token_nor_the_full_number(graph, caplog):
    graph.script = [503, (400, 131050)]
    with caplog.at_level(logging.DEBUG):
        client_for(graph.url, Sleeps()).send(WA_ID, {"type": "text", "text": {"body": "x"}})
    assert "98******78" in caplog.text
    assert TOKEN not in caplog.text and WA_ID not in caplog.text and "9812345678" not in caplog.text


def test_without_a_number_id_or_token_nothing_is_sent(graph):
    client = GraphClient(GraphConfig(graph.url, VERSION, None, None), sleep=Sleeps())
    assert client.send(WA_ID, {"type": "text", "text": {"body": "x"}}).detail == "not configured"
    assert graph.requests == []


# -- the messenger: Rasa's messages, media, marks ---------------------------------------------------------

def messenger_for(graph, db, sleeps=None, **extra):
    settings = settings_for(graph, db.url, **extra)
    return Messenger(GraphClient(GraphConfig.from_settings(settings), sleep=sleeps or Sleeps()), db, settings)


def test_our_qr_image_is_downloaded_uploaded_and_sent_by_media_id_with_its_caption(graph, db):
    graph.files["BIJ-42.png"] = (PNG, "image/png")
    results = messenger_for(graph, db).deliver(WA_ID, {"text": "Scan this QR code in any UPI app:",
                                                       "image": graph.url + "/files/BIJ-42.png"})
    assert [r.ok for r in results] == [True]
    [upload] = graph.uploads()
    assert upload["path"] == f"/{VERSION}/{PHONE_NUMBER_ID}/media" and upload["auth"] == f"Bearer {TOKEN}"
    assert upload["fields"] == {"messaging_product": "whatsapp", "type": "image/png"}
    assert upload["file"]["data"] == PNG and upload["file"]["type"] == "image/png"
    assert graph.sent(WA_ID) == [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID,
                                  "type": "image", "image": {"id": "media-1",
                                                             "caption": "Scan this QR code in any UPI app:"}}]


def test_an_https_image_not_from_our_server_goes_by_link(graph, db):
    messenger_for(graph, db).deliver(WA_ID, {"image": "https://cdn.example.org/qr.png"})
    assert graph.uploads() == []
    assert graph.sent(WA_ID)[0]["image"] == {"link": "https://cdn.example.org/qr.png"}


def test_a_bot_message_with_buttons_and_a_custom_payload_is_sent_in_order(graph, db):
    custom = {"type": "interactive", "interactive": {"type": "order_details", "body": {"text": "Bill"}}}
    messenger_for(graph, db).deliver(WA_ID, {"text": "What next?", "buttons": [{"title": "Pay now", "payload": "1"}],
                                             "custom": custom})
    sent = graph.sent(WA_ID)
    assert [m["type"] for m in sent] == ["interactive", "interactive"]
    assert sent[0]["interactive"]["action"]["buttons"] == [{"type": "reply", "reply": {"id": "1", "title": "Pay now"}}]
    assert sent[1]["interactive"] == custom["interactive"]


def test_an_opt_out_answer_is_recorded_for_the_reminders(graph, db):
    graph.script = [(400, 131050)]
    [result] = messenger_for(graph, db).deliver(WA_ID, {"text": "hello"})
    assert result.opted_out
    contact = store.get_contact(db, WA_ID)
    assert contact.opted_out_at is not None and contact.last_error_code == 131050


def test_a_refusal_outside_the_window_is_recorded(graph, db):
    graph.script = [(400, 131047)]
    messenger_for(graph, db).deliver(WA_ID, {"text": "hello"})
    contact = store.get_contact(db, WA_ID)
    assert contact.window_closed_at is not None and contact.opted_out_at is None


def test_the_polite_reply_to_a_voice_note_is_in_the_senders_language(graph, db):
    messenger = messenger_for(graph, db)
    messenger.notice_unreadable(WA_ID)
    set_language(db, "919800000042", "en")
    messenger.notice_unreadable("919800000042")
    hindi, english = [m["text"]["body"] for m in graph.sent()]
    assert hindi.startswith("माफ़ कीजिए, मैं आवाज़ संदेश") and "लोकेशन" in hindi
    assert english.startswith("Sorry, I cannot read voice notes") and "tap a button" in english
