"""The web chat's socket as an attacker drives it (issue 18 item 4), against real servers.

python-socketio's client talks to a real Rasa + action server (tests/e2e/harness.py) with
small limits: 3 sockets per address, 30 events a minute, 2 IVRS lookups a day. The tests
run in file order and share the budget of 127.0.0.1; the message-limit test is last.
"""
import threading
from typing import List, Optional

import pytest
import requests
import socketio

from bijli.i18n import t
from tests.e2e.harness import start_servers

WAIT = 120   # seconds: a turn on 2 shared cores can be slow; an upper bound, not an assertion
SOCKETS, EVENTS, LOOKUPS = 3, 30, 2
UNSIGNED = "0123456789abcdef0123456789abcdef"     # a well-formed id the server did not sign


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    env = {"WEBCHAT_MAX_SOCKETS_PER_IP": str(SOCKETS), "WEBCHAT_MESSAGES_PER_MINUTE": str(EVENTS),
           "LOOKUP_LIMIT_PER_DAY": str(LOOKUPS)}
    with start_servers(tmp_path_factory.mktemp("webchat-identity"), env=env) as live:
        yield live


class Chat:
    """One socket, as the page uses it: session_request, then messages."""

    def __init__(self, url: str):
        self.sessions: List[str] = []
        self.replies: List[dict] = []
        self._cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", self._on_session)
        self.client.on("bot_uttered", self._on_reply)
        self.client.connect(url, socketio_path="/socket.io", transports=["polling"], wait_timeout=WAIT)

    def _on_session(self, token: str) -> None:
        with self._cond:
            self.sessions.append(token)
            self._cond.notify_all()

    def _on_reply(self, message: dict) -> None:
        with self._cond:
            self.replies.append(message)
            self._cond.notify_all()

    def session(self, offered: Optional[object] = None) -> str:
        """Ask for a session (offering ``offered``); the token the server confirmed."""
        before = len(self.sessions)
        self.client.emit("session_request", {"session_id": offered})
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.sessions) > before, WAIT), "no session_confirm"
            return self.sessions[-1]

    def answered(self, event: str, data: dict) -> bool:
        """Emit ``event``; True once its session_confirm came, False if a refusal came instead."""
        sessions, replies = len(self.sessions), len(self.replies)
        self.client.emit(event, data)
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.sessions) > sessions or len(self.replies) > replies, WAIT)
            return len(self.sessions) > sessions

    def say(self, text: str, expect: str, **extra: object) -> str:
        """Send a message; wait for a reply containing ``expect``; return the new replies joined."""
        before = len(self.replies)
        # Like Rasa's own web chat widget, the message names the session (the server ignores it).
        self.client.emit("user_uttered", {"message": text, "session_id": self.sessions[-1], **extra})

        def joined() -> str:
            return "\n".join(str(m.get("text") or "") for m in self.replies[before:])
        with self._cond:
            assert self._cond.wait_for(lambda: expect in joined(), WAIT), f"no reply with {expect!r}: {joined()}"
            return joined()

    def close(self) -> None:
        self.client.disconnect()


def sender_of(token: str) -> str:
    return token.split(".")[0]


def user_texts(servers, sender: str) -> List[str]:
    return [e["text"] for e in servers.tracker(sender)["events"] if e["event"] == "user"]


def test_an_unsigned_forged_or_newline_id_is_replaced_by_a_signed_one(servers):
    chat = Chat(servers.rasa_url)
    try:
        fresh = chat.session(UNSIGNED)
        assert sender_of(fresh) != UNSIGNED and len(sender_of(fresh)) == 32 and "." in fresh
        assert chat.session(fresh + "\n") not in (fresh, fresh + "\n")          # fullmatch, not `$`
        forged = f"{'a' * 32}.{fresh.split('.')[1]}"                            # someone else's id, our tag
        assert sender_of(chat.session(forged)) != "a" * 32
        assert sender_of(chat.session("919812345678")) != "919812345678"       # a registered mobile
    finally:
        chat.close()


def test_a_returning_page_keeps_its_conversation_if_its_signed_id_verifies(servers):
    first = Chat(servers.rasa_url)
    try:
        token = first.session(None)
        first.say("Hi", "बिल भुगतान")
    finally:
        first.close()
    again = Chat(servers.rasa_url)
    try:
        assert again.session(token) == token
        again.say("Hi", "बिल भुगतान")
    finally:
        again.close()
    assert user_texts(servers, sender_of(token)) == ["Hi", "Hi"]


def test_a_message_naming_another_session_is_the_sockets_own(servers):
    victim, attacker = Chat(servers.rasa_url), Chat(servers.rasa_url)
    try:
        victim_token = victim.session(None)
        attacker_token = attacker.session(None)
        reply = attacker.say("Hi", "बिल भुगतान", session_id=victim_token)
        assert reply
    finally:
        victim.close()
        attacker.close()
    assert user_texts(servers, sender_of(attacker_token)) == ["Hi"]
    assert user_texts(servers, sender_of(victim_token)) == []
    assert victim.replies == []


def test_only_the_pages_origin_may_open_a_socket(servers):
    handshake = f"{servers.rasa_url}/socket.io/?EIO=4&transport=polling"
    evil = requests.get(handshake, headers={"Origin": "https://evil.example"}, timeout=30)
    assert evil.status_code in (400, 403)
    page = requests.get(handshake, headers={"Origin": servers.rasa_url}, timeout=30)
    assert page.status_code == 200 and page.headers.get("Access-Control-Allow-Origin") == servers.rasa_url


def test_rotating_sessions_from_one_address_cannot_pass_the_daily_lookup_limit(servers):
    chat = Chat(servers.rasa_url)
    try:
        for ivrs, amount in (("N3210987654", "₹1,847.00"), ("1100223344", "₹612.00")):
            chat.session(None)                                       # a new session for each number
            assert amount in chat.say(f"mera bijli ka bill kitna hai? IVRS {ivrs}", amount)
        chat.session(None)
        refusal = t("lookup_limit_reached", "hi", limit=LOOKUPS, helpline="1912")
        reply = chat.say("mera bijli ka bill kitna hai? IVRS N5510000001", refusal)
        assert "₹3,250.50" not in reply
    finally:
        chat.close()


def test_sockets_over_the_per_address_limit_are_refused_with_a_reason(servers):
    chats = [Chat(servers.rasa_url) for _ in range(SOCKETS)]
    try:
        refused: List[object] = []
        extra = socketio.Client(reconnection=False)
        extra.on("connect_error", refused.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            extra.connect(servers.rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=WAIT)
        assert "chats are already open" in str(refused) and "चैट पहले से खुली हैं" in str(refused)
    finally:
        for chat in chats:
            chat.close()
    # Once they are closed, the address may open a socket again (the server counts the closes).
    ready = threading.Event()
    while not ready.wait(0.5):
        try:
            Chat(servers.rasa_url).close()
            ready.set()
        except socketio.exceptions.ConnectionError:
            continue


def test_messages_over_the_per_address_limit_are_refused_and_never_reach_rasa(servers):
    chat = Chat(servers.rasa_url)
    try:
        token = chat.session(None)
        for _ in range(2 * EVENTS):                    # more than a minute's budget, one after another
            if not chat.answered("session_request", {"session_id": token}):
                break
        assert any(m.get("rate_limited") for m in chat.replies), "no refusal within twice the budget"
        reply = chat.say("Hi", "Too many messages")
        assert "बहुत सारे संदेश" in reply
        assert any(m.get("rate_limited") for m in chat.replies)
    finally:
        chat.close()
    assert user_texts(servers, sender_of(token)) == []
