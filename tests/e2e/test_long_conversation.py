"""A long conversation over REST: past the tracker store's session length (issue 19).

endpoints.yml bounds a session to 10 consumer messages (and no form open); the next
session carries the slots. The consumer must not notice: a Pay after the boundary is read on the bill's menu,
and the operator's history (GET /conversations/<id>/tracker) keeps every message.
"""
from tests.e2e.expected import shown_menu
from tests.e2e.test_walkthrough import upi_link_in

WALK = ["Hi", "2", "2", "1", "N3210987654"]


def test_a_chat_longer_than_a_session_goes_on_where_it_was(live):
    sender = "919800000150"
    sent = []
    for _ in range(4):
        for text in WALK:
            reply = live.say(sender, text)
            sent.append(text)
        assert reply.endswith(shown_menu("bill"))
    # 20 messages so far; the 20th ended the lookup form with the bill and its Pay menu,
    # and a new session began after it: the conversation now holds none of them.
    events = live.tracker(sender)["events"]
    starts = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    assert len(starts) >= 2
    assert [e["text"] for e in events[starts[-1]:] if e["event"] == "user"] == []

    pay = live.say(sender, "1")
    assert "am=1847.00" in upi_link_in(pay)
    sent.append("1")
    history = [e["text"] for e in live.tracker(sender)["events"] if e["event"] == "user"]
    assert history == sent
