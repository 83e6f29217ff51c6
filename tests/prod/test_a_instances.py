"""Several Rasa instances share one conversation (issue 19, the production topology).

Consecutive messages that land on different instances continue the same conversation,
whether sent to each instance's port or through nginx; two messages of one sender sent at
once to the two instances are handled one after the other, with no event lost.
"""
import threading
import uuid

import requests
import socketio

from tests.prod.race import race

WALK = ("Hi", "2", "2", "1", "N3210987654")


def sender() -> str:
    return f"prod-{uuid.uuid4().hex[:10]}"


def test_consecutive_messages_on_alternate_instances_continue_the_conversation(prod):
    a, b = prod.rasa_urls
    control = sender()
    expected = [prod.say(control, text, via=a) for text in WALK]
    alternating = sender()
    got = [prod.say(alternating, text, via=(a, b)[i % 2]) for i, text in enumerate(WALK)]
    assert got == expected
    assert "₹1,847.00" in got[-1]
    users = [e["text"] for e in prod.tracker(alternating)["events"] if e["event"] == "user"]
    assert users == list(WALK)


def test_consecutive_messages_through_nginx_reach_both_instances_and_continue(prod):
    control = sender()
    expected = [prod.say(control, text, via=prod.rasa_urls[1]) for text in WALK]
    log = prod.var / "logs" / "nginx-access.log"
    before = len(log.read_text().splitlines())
    through = sender()
    got = [prod.say(through, text) for text in WALK]
    assert got == expected
    served = [line.rsplit("upstream=", 1)[-1] for line in log.read_text().splitlines()[before:]
              if '"POST /webhooks/rest/webhook"' in line]
    assert len(served) == len(WALK)
    assert {url.split("//")[-1] for url in prod.rasa_urls} == set(served)


def test_two_messages_of_one_sender_at_once_on_two_instances_lose_nothing(prod):
    result = race(*prod.rasa_urls, prod.settings["RASA_API_TOKEN"], trials=20)
    assert (result.lost, result.interleaved) == (0, 0), result


def test_web_chat_socket_through_nginx_stays_on_one_instance(prod):
    """Socket.io's long-polling keeps its session in one process: every request of one client
    must reach the same instance (sticky), or the second poll is refused."""
    log = prod.var / "logs" / "nginx-access.log"
    before = len(log.read_text().splitlines())
    replies, sessions = [], []
    got = threading.Condition()
    http = requests.Session()
    http.verify = prod.cert
    http.trust_env = False    # else REQUESTS_CA_BUNDLE would replace the topology's certificate
    client = socketio.Client(reconnection=False, http_session=http)
    for event, into in (("session_confirm", sessions), ("bot_uttered", replies)):
        client.on(event, lambda data, into=into: _append(got, into, data))
    client.connect(prod.url, socketio_path="/socket.io", transports=["polling"], wait_timeout=60,
                   headers={"Origin": prod.settings["PUBLIC_BASE_URL"]})
    try:
        client.emit("session_request", {"session_id": None})
        with got:
            assert got.wait_for(lambda: sessions, 60)
        client.emit("user_uttered", {"message": "Hi"})
        with got:
            assert got.wait_for(lambda: replies, 120)
        shown = len(replies)
        client.emit("user_uttered", {"message": "2"})     # the bill menu: how to find the bill
        with got:
            assert got.wait_for(lambda: any("पंजीकृत मोबाइल" in (r.get("text") or "")
                                            for r in replies[shown:]), 120), replies
    finally:
        client.disconnect()
    served = {line.rsplit("upstream=", 1)[-1] for line in log.read_text().splitlines()[before:]
              if '"GET /socket.io/' in line or '"POST /socket.io/' in line}
    assert len(served) == 1, served


def _append(cond: threading.Condition, into: list, data) -> None:
    with cond:
        into.append(data)
        cond.notify_all()
