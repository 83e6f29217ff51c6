"""WhatsApp end to end (issue 9): signed Cloud API webhooks into the real Rasa and
action servers, replies out through a fake Graph API on loopback.

These tests start their own servers (``start_servers`` with the WHATSAPP_*
settings pointing at the fake), so the shared ``live`` servers are untouched.
"""
import json
import time
from datetime import datetime, timedelta
from itertools import count
from typing import Any, Dict, List

import pytest
import requests

from bijli.whatsapp.signature import sign
from tests.e2e.expected import amount_line, button_titles, ivrs_line, option_labels, says, shown_menu
from tests.e2e.harness import start_servers
from tests.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph

APP_SECRET = "e2e-whatsapp-app-secret"     # test-only values
VERIFY_TOKEN = "e2e-whatsapp-verify"
WAIT_SECONDS = 90.0
_ids = count(1)


@pytest.fixture(scope="module")
def graph():
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def wa(tmp_path_factory, graph):
    env = {"WHATSAPP_GRAPH_URL": graph.url, "WHATSAPP_API_VERSION": VERSION,
           "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_ACCESS_TOKEN": TOKEN,
           "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
           "WHATSAPP_CONFIRMATION_TEMPLATE": CONFIRMATION_TEMPLATE}
    with start_servers(tmp_path_factory.mktemp("e2e-whatsapp"), env=env) as servers:
        client = WhatsApp(servers.rasa_url + "/webhooks/whatsapp/webhook", graph)
        client.live = servers
        yield client


CONFIRMATION_TEMPLATE = "payment_confirmed"


class WhatsApp:
    """Plays Meta's part: signed deliveries in, and what reached the Graph API out."""

    def __init__(self, url: str, graph: FakeGraph):
        self.url = url
        self.graph = graph

    def post(self, sender: str, message: Dict[str, Any], wamid: str = "", secret: str = APP_SECRET):
        message = {"from": sender, "id": wamid or f"wamid.e2e{next(_ids):05d}",
                   "timestamp": str(int(time.time())), **message}
        body = {"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{"field": "messages",
                "value": {"messaging_product": "whatsapp",
                          "metadata": {"display_phone_number": "917552551222", "phone_number_id": PHONE_NUMBER_ID},
                          "contacts": [{"profile": {"name": "Test"}, "wa_id": sender}],
                          "messages": [message]}}]}]}
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return requests.post(self.url, data=raw, timeout=30,
                             headers={"Content-Type": "application/json",
                                      "X-Hub-Signature-256": sign(raw, secret)})

    def turn(self, sender: str, message: Dict[str, Any], until, wamid: str = "") -> List[Dict[str, Any]]:
        """Post a message; the messages sent to ``sender`` since, once ``until(messages)`` holds."""
        before = len(self.graph.sent(sender))
        answer = self.post(sender, message, wamid)
        assert (answer.status_code, answer.text) == (200, "ok")
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            new = self.graph.sent(sender)[before:]
            if until(new):
                return new
            assert time.monotonic() < deadline, f"no matching reply; sent so far: {new}"
            time.sleep(0.3)

    def say(self, sender: str, text: str, until) -> List[Dict[str, Any]]:
        return self.turn(sender, {"type": "text", "text": {"body": text}}, until)

    def tap(self, sender: str, reply_id: str, until, kind: str = "button_reply") -> List[Dict[str, Any]]:
        return self.turn(sender, {"type": "interactive",
                                  "interactive": {"type": kind, kind: {"id": reply_id, "title": reply_id}}}, until)


def words(messages: List[Dict[str, Any]]) -> str:
    """Everything a user would read in these messages."""
    out = []
    for m in messages:
        if m["type"] == "text":
            out.append(m["text"]["body"])
        elif m["type"] == "interactive":
            inter = m["interactive"]
            out.append(inter["body"]["text"])
            for b in inter["action"].get("buttons", []):
                out.append(b["reply"]["title"])
            for s in inter["action"].get("sections", []):
                out += [r["title"] for r in s["rows"]]
        elif m["type"] == "image":
            out.append(m["image"].get("caption", ""))
    return "\n".join(out)


def has(*needles):
    return lambda msgs: all(n in words(msgs) for n in needles)


def interactive(messages) -> bool:
    """Has an interactive message (buttons or a list) arrived?"""
    return any(m["type"] == "interactive" for m in messages)


def buttons(messages) -> Dict[str, str]:
    """Reply button id -> title, of the last interactive message."""
    inter = [m for m in messages if m["type"] == "interactive"]
    assert inter, f"no buttons in {messages}"
    return {b["reply"]["id"]: b["reply"]["title"] for b in inter[-1]["interactive"]["action"]["buttons"]}


def test_the_webhook_handshake_through_the_real_server(wa):
    ok = requests.get(wa.url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                      "hub.challenge": "8472"}, timeout=10)
    assert (ok.status_code, ok.text) == (200, "8472")
    bad = requests.get(wa.url, params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                       "hub.challenge": "8472"}, timeout=10)
    assert bad.status_code == 403


def test_a_badly_signed_hi_gets_401_and_nothing_is_sent(wa):
    sender = "919700000010"
    answer = wa.post(sender, {"type": "text", "text": {"body": "Hi"}}, secret="not-the-app-secret")
    assert answer.status_code == 401
    # The same message properly signed is answered; the refused one left nothing behind.
    menu = wa.say(sender, "Hi", has("2. बिल भुगतान"))
    assert words(menu).count("2. बिल भुगतान") == 1


def _walk(wa, sender: str, first: str, by_tap: bool, lang: str) -> List[Dict[str, Any]]:
    pay_word, bill_word = ("बिल भुगतान", "IVRS") if lang == "hi" else ("Pay bill", "IVRS")
    menu = wa.say(sender, first, has(f"2. {pay_word}"))
    # The main menu has 9 options: a list whose row ids are the menu numbers, over the
    # numbered text; a tap on row "2" and a typed "2" give Rasa the same "2".
    [main_list] = [m["interactive"] for m in menu if m["type"] == "interactive"]
    assert main_list["type"] == "list"
    rows = [row for s in main_list["action"]["sections"] for row in s["rows"]]
    assert main_list["body"]["text"] == shown_menu("main", lang)
    assert [row["id"] for row in rows] == [str(n) for n in range(1, 10)]
    assert rows[1]["title"] == pay_word
    # each row shows its whole label (title, then the rest as the description)
    assert [f"{row['title']} {row.get('description', '')}".strip() for row in rows] == option_labels("main", lang)
    method = wa.tap(sender, "2", has(bill_word), kind="list_reply") if by_tap else \
        wa.say(sender, "2", has(bill_word))
    assert buttons(method) == button_titles("lookup_method", lang)
    assert words(method).startswith(shown_menu("lookup_method", lang))
    area = wa.tap(sender, "2", interactive) if by_tap else wa.say(sender, "2", interactive)
    assert buttons(area) == button_titles("area", lang)
    assert buttons(area)["1"] == ("शहरी" if lang == "hi" else "Urban")
    ask = wa.tap(sender, "1", has("N3210987654")) if by_tap else wa.say(sender, "1", has("N3210987654"))
    assert words(ask) == says("ask_ivrs", lang)
    bill = wa.say(sender, "N3210987654", has("₹1,847.00"))
    lines = words(bill).splitlines()
    assert ivrs_line("N3210987654", "urban", lang) in lines and amount_line("₹1,847.00", lang) in lines
    assert "सु*** व***" in words(bill) and "सुनील" not in words(bill)   # the name stays masked
    pay = buttons(bill)
    assert pay["1"] == ("भुगतान करें" if lang == "hi" else "Pay now")
    return bill


def _whole_pay_reply(messages: List[Dict[str, Any]]) -> bool:
    """The Pay reply is complete: the UPI link, the QR image, and a text after the image."""
    kinds = [m["type"] for m in messages]
    return "upi://pay?" in words(messages) and "image" in kinds and kinds[-1] == "text"


def _pay(wa, sender: str, by_tap: bool) -> List[Dict[str, Any]]:
    uploads = len(wa.graph.uploads())
    paid = wa.tap(sender, "1", _whole_pay_reply) if by_tap else wa.say(sender, "1", _whole_pay_reply)
    text = words(paid)
    assert "am=1847.00" in text and "cu=INR" in text
    [image] = [m for m in paid if m["type"] == "image"]
    assert len(wa.graph.uploads()) == uploads + 1
    media_id = image["image"]["id"]
    assert wa.graph.media[media_id]["type"] == "image/png"
    assert wa.graph.media[media_id]["data"].startswith(b"\x89PNG")
    return paid


def test_hindi_walkthrough_by_taps_to_the_bill_and_the_payment_request(wa):
    sender = "919700000001"
    _walk(wa, sender, "Hi", by_tap=True, lang="hi")
    paid = _pay(wa, sender, by_tap=True)
    assert "QR" in words(paid)


def test_hindi_walkthrough_by_typed_numbers(wa):
    _walk(wa, "919700000002", "Hi", by_tap=False, lang="hi")


def test_english_walkthrough_by_typed_numbers_to_the_payment_request(wa):
    sender = "919700000003"
    _walk(wa, sender, "Hello, menu please", by_tap=False, lang="en")
    paid = _pay(wa, sender, by_tap=False)
    assert "scan this QR code" in words(paid)


def test_english_walkthrough_by_taps(wa):
    _walk(wa, "919700000004", "Hello, menu please", by_tap=True, lang="en")


def test_a_redelivered_message_is_answered_once(wa):
    sender = "919700000005"
    wa.turn(sender, {"type": "text", "text": {"body": "Hi"}}, has("2. बिल भुगतान"), wamid="wamid.e2e-dup")
    again = wa.post(sender, {"type": "text", "text": {"body": "Hi"}}, wamid="wamid.e2e-dup")
    assert again.status_code == 200
    # The sender's messages are handled in order, so once "2" is answered a second
    # menu for the redelivery would already have been sent.
    after = wa.say(sender, "2", has("IVRS"))
    assert "बिल भुगतान" not in words(after)
    assert words(wa.graph.sent(sender)).count("2. बिल भुगतान") == 1


def test_a_voice_note_gets_the_polite_reply(wa):
    sender = "919700000006"
    reply = wa.turn(sender, {"type": "audio", "audio": {"id": "media-in-1", "voice": True,
                                                         "mime_type": "audio/ogg; codecs=opus"}},
                    has("आवाज़ संदेश"))
    assert [m["type"] for m in reply] == ["text"]


def test_pay_inside_whatsapp_sends_the_order_card_and_a_confirmed_payment_updates_it(tmp_path_factory, graph):
    """With WHATSAPP_PAYMENT_CONFIGURATION, Pay sends an order_details card (UPI link and QR
    still there); a signed payment status that Meta's lookup confirms brings the usual
    confirmation and then the order_status update."""
    env = {"WHATSAPP_GRAPH_URL": graph.url, "WHATSAPP_API_VERSION": VERSION,
           "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_ACCESS_TOKEN": TOKEN,
           "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
           "WHATSAPP_PAYMENT_CONFIGURATION": "e2e-razorpay"}
    with start_servers(tmp_path_factory.mktemp("e2e-whatsapp-pay"), env=env) as servers:
        wa = WhatsApp(servers.rasa_url + "/webhooks/whatsapp/webhook", graph)
        sender = "919700000020"
        # Typed numbers to the bill (as _walk, without its checks of the menus' form).
        wa.say(sender, "Hi", has("2. बिल भुगतान"))
        wa.say(sender, "2", has("IVRS"))
        wa.say(sender, "2", interactive)
        wa.say(sender, "1", has("N3210987654"))
        wa.say(sender, "N3210987654", has("₹1,847.00"))

        def kind_of(m):
            return m["interactive"]["type"] if m["type"] == "interactive" else m["type"]

        paid = wa.say(sender, "1", lambda m: _whole_pay_reply(m) and "order_details" in map(kind_of, m))
        [card] = [m["interactive"] for m in paid if kind_of(m) == "order_details"]
        params = card["action"]["parameters"]
        ref = params["reference_id"]
        assert ref in words(paid) and "upi://pay?" in words(paid)      # the UPI link stays as the fallback
        assert params["total_amount"] == {"value": 184700, "offset": 100}
        assert params["payment_settings"][0]["payment_gateway"]["configuration_name"] == "e2e-razorpay"
        assert [i["quantity"] for i in params["order"]["items"]] == [1]

        graph.payments[ref] = FakeGraph.payment(ref, 184700, "e2e-txn-1")
        status = {"id": "wamid.e2e-order", "recipient_id": sender, "type": "payment", "status": "captured",
                  "timestamp": str(int(time.time())),
                  "payment": {"reference_id": ref, "amount": {"value": 184700, "offset": 100}, "currency": "INR",
                              "transaction": {"id": "e2e-txn-1", "pg_transaction_id": "pay_e2e1",
                                              "type": "razorpay", "status": "success", "method": {"type": "upi"}}}}
        raw = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [status], "metadata": {
                "display_phone_number": "917552551222", "phone_number_id": PHONE_NUMBER_ID}}}]}]}).encode()
        before = len(graph.sent(sender))
        answer = requests.post(wa.url, data=raw, timeout=30, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, APP_SECRET)})
        assert answer.status_code == 200
        deadline = time.monotonic() + WAIT_SECONDS
        while not any(kind_of(m) == "order_status" for m in graph.sent(sender)[before:]):
            assert time.monotonic() < deadline, f"no order_status; sent: {graph.sent(sender)[before:]}"
            time.sleep(0.3)
        after = graph.sent(sender)[before:]
        assert "भुगतान प्राप्त हुआ" in words(after) and "₹1,847.00" in words(after)
        assert [kind_of(m) for m in after][-1] == "order_status"
        assert after[-1]["interactive"]["action"]["parameters"]["order"]["status"] == "completed"


def test_a_confirmation_after_the_24_hour_window_goes_as_the_template(wa):
    """Meta refuses free-form text 24 h after the user's last message: the confirmation is
    the approved template, with the amount, IVRS, reference and receipt."""
    import re

    from sqlalchemy import create_engine, text

    sender = "919700000077"
    wa.say(sender, "Hi", has("2."))
    wa.say(sender, "2", interactive)
    wa.say(sender, "2", interactive)
    wa.say(sender, "2", has("IVRS"))
    wa.say(sender, "N6600000002", has("₹450.00"))
    # The whole Pay reply (UPI link, QR image, then the "we'll confirm" line) before the payment,
    # or its tail races the confirmation and counts as a free-form message after the window.
    paid = wa.say(sender, "1", _whole_pay_reply)
    ref = re.search(r"tr=(BS[0-9A-F]+)", words(paid)).group(1)
    engine = create_engine(wa.live.database_url, future=True)
    with engine.begin() as c:   # the consumer's last message was 25 hours ago
        c.execute(text("UPDATE whatsapp_contacts SET last_inbound_at = :t WHERE wa_id = :w"),
                  {"t": datetime.utcnow() - timedelta(hours=25), "w": sender})
    engine.dispose()
    before = len(wa.graph.sent(sender))
    assert wa.live.bijli("simulate-payment", ref).returncode == 0
    deadline = time.monotonic() + WAIT_SECONDS
    while not any(m["type"] == "template" for m in wa.graph.sent(sender)[before:]):
        assert time.monotonic() < deadline, f"no template: {wa.graph.sent(sender)[before:]}"
        time.sleep(0.3)
    new = wa.graph.sent(sender)[before:]
    assert all(m["type"] == "template" for m in new), new     # nothing free-form
    [template] = new
    assert template["template"]["name"] == CONFIRMATION_TEMPLATE
    assert template["template"]["language"]["code"] == "hi"
    values = [p["text"] for p in template["template"]["components"][0]["parameters"]]
    assert values[:3] == ["₹450.00", "N6600000002", ref] and values[3].startswith("R")
