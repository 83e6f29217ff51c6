"""The daily IVRS lookup limit also per client address for the web chat (issue 18 item 4).

A web chat sender is a session anyone can renew, so the channel names the client's network
(a keyed hash, bijli/webchat.py) and the limit counts it as a second key. Real database.
"""
from datetime import datetime, timedelta

from rasa_sdk import Tracker
from sqlalchemy import func, select

from actions.adapter import turn_from_tracker
from bijli.flows.connection import lookup_allowed
from bijli.flows.core import Reply, Turn
from bijli.lookups import LIMIT, NEW, REPEAT, check_lookup
from bijli.models import Lookup

T0 = datetime(2025, 6, 1, 6, 0)
CLIENT = "ip:0123456789abcdef01234567"


def numbers(n):
    return [f"N77100{i:05d}" for i in range(n)]


def check(db, sender, typed, client=CLIENT, now=T0, limit=5):
    with db.session() as s:
        return check_lookup(s, sender, typed, now, limit, client=client)


def test_rotating_sessions_from_one_address_stay_within_the_limit(seeded_db):
    for i, n in enumerate(numbers(5)):
        assert check(seeded_db, f"session{i}", n).allowed          # a fresh session for each number
    refused = check(seeded_db, "session-new", "N3210987654")
    assert refused.refused and refused.reason == LIMIT
    with seeded_db.session() as s:
        assert s.execute(select(func.count()).select_from(Lookup)
                         .where(Lookup.sender == "session-new")).scalar_one() == 0
    # A number this address already looked up today stays free, for any of its sessions.
    again = check(seeded_db, "session-new", numbers(5)[0])
    assert again.allowed and again.reason == NEW
    # Another address, and the same sessions after 24 hours, have budgets of their own.
    assert check(seeded_db, "session-other", "N3210987654", client="ip:ffffffffffffffffffffffff").allowed
    assert check(seeded_db, "session-new", "N3210987654", now=T0 + timedelta(hours=24)).allowed


def test_one_session_is_limited_by_itself_across_addresses(seeded_db):
    for i, n in enumerate(numbers(5)):
        assert check(seeded_db, "roamer", n, client=f"ip:{i:024d}").allowed
    assert check(seeded_db, "roamer", "N3210987654", client="ip:fresh").reason == LIMIT
    assert check(seeded_db, "roamer", numbers(1)[0], client="ip:fresh").reason == REPEAT


def test_a_web_chat_turn_counts_its_address_in_the_flow(services):
    """Through connection.lookup_allowed, as every flow calls it: rotating senders are refused."""
    limit = services.settings.lookup_limit_per_day
    for i, n in enumerate(numbers(limit)):
        turn = Turn(sender=f"web{i:030d}", text=n, client_key=CLIENT)
        assert lookup_allowed(turn, services, Reply(lang="en"), n)
    reply = Reply(lang="en")
    turn = Turn(sender="web-fresh-session", text="N3210987654", client_key=CLIENT)
    assert not lookup_allowed(turn, services, reply, "N3210987654")
    assert "already looked up" in reply.messages[0].text


def tracker(channel, metadata):
    events = [{"event": "user", "text": "N3210987654", "input_channel": channel, "metadata": metadata}]
    return Tracker("0123456789abcdef0123456789abcdef", {}, {"text": "N3210987654", "metadata": metadata},
                   events, False, None, {}, None)


def test_the_action_adapter_carries_the_web_chats_client_key_and_no_other_channels(services):
    web = turn_from_tracker(tracker("socketio", {"client_key": CLIENT}), services)
    assert web.client_key == CLIENT
    # The REST channel passes on whatever metadata its caller sends: not believed.
    assert turn_from_tracker(tracker("rest", {"client_key": CLIENT}), services).client_key is None
    assert turn_from_tracker(tracker("socketio", None), services).client_key is None
