"""A long conversation over REST: past the tracker store's session length (issue 19).

endpoints.yml bounds a session to 10 consumer messages (and no form open); the next
session carries the slots. The consumer must not notice: a Pay after the boundary is read on the bill's menu,
and the operator's history (GET /conversations/<id>/tracker) keeps every message.
"""
from datetime import date

from tests.e2e.expected import shown_menu
from tests.e2e.test_walkthrough import upi_link_in

IVRS = "N3210000150"   # its own consumer: the walk-through's must have no payment yet
WALK = ["Hi", "2", "2", "1", IVRS]


def test_a_chat_longer_than_a_session_goes_on_where_it_was(live):
    today = date.today()
    extract = live.tmp / "long_conversation.csv"
    extract.write_text(
        "ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount\n"
        f"{IVRS},Savita Lodhi,urban,9800000150,LV-1.2,{today:%Y-%m},{today},{today},160,1150.00\n",
        encoding="utf-8")
    done = live.bijli("import-bills", str(extract))
    assert done.returncode == 0, done.stderr
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
    assert "am=1150.00" in upi_link_in(pay)
    sent.append("1")
    history = [e["text"] for e in live.tracker(sender)["events"] if e["event"] == "user"]
    assert history == sent
