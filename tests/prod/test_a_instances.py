"""Several Rasa instances share one conversation (issue 19, the production topology).

Consecutive messages that land on different instances continue the same conversation,
whether sent to each instance's port or through nginx; two messages of one sender sent at
once to the two instances are handled one after the other, with no event lost.
"""
import uuid

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
