"""Faults in the production topology (issue 19): each part stopped or restarted while a
conversation is under way, and the conversation goes on. The Rasa instance is killed last
(the others need both instances)."""
import os
import signal
import time
import uuid

from bijli.i18n import t

HELPLINE = "1912"


def sender() -> str:
    return f"prod-{uuid.uuid4().hex[:10]}"


def control_replies(prod, texts):
    control = sender()
    return [prod.say(control, text) for text in texts]


def test_action_server_down_answers_busy_in_the_consumers_language_then_continues(prod):
    expected = control_replies(prod, ("Hi", "2", "2"))
    hindi, english = sender(), sender()
    assert prod.say(hindi, "Hi") == expected[0]
    prod.say(english, "Hi")
    prod.say(english, "English please")
    prod.script("down", "actions")
    try:
        for via in (None, *prod.rasa_urls):    # through nginx and on each instance
            assert prod.say(hindi, "2", via=via) == t("service_busy", "hi", helpline=HELPLINE)
            assert prod.say(english, "2", via=via) == t("service_busy", "en", helpline=HELPLINE)
        # A new consumer writing English is answered in English.
        assert prod.say(sender(), "I want to pay my electricity bill") == \
            t("service_busy", "en", helpline=HELPLINE)
    finally:
        prod.script("up")
    # Back: the same conversation goes on from the main menu it was shown.
    assert prod.say(hindi, "2") == expected[1]
    assert prod.say(hindi, "2") == expected[2]
    english_menu = prod.say(english, "2")
    assert english_menu.isascii() and "1." in english_menu and "2." in english_menu


def test_postgresql_restarted_service_resumes_without_restarting_rasa_or_actions(prod):
    expected = control_replies(prod, ("Hi", "2", "2", "1", "N3210987654"))
    before = {name: (prod.var / "run" / f"{name}.pid").read_text() for name in pids(prod)}
    consumer = sender()
    assert prod.say(consumer, "Hi") == expected[0]
    assert prod.say(consumer, "2") == expected[1]
    prod.script("down", "postgres")
    try:
        # Down: Rasa's fail-safe tracker store answers from a fresh conversation, whose action
        # cannot reach the billing database; the consumer hears the actions' apology, not silence.
        down = prod.say(consumer, "2").splitlines()
        apology = t("action_error", "hi", helpline=HELPLINE, error_id="X").split("X")[0]
        assert down and all(line.startswith(apology) for line in down), down
    finally:
        prod.script("up")    # starts only what is not running: PostgreSQL
    # The tracker store and the billing database reconnect by themselves.
    assert [prod.say(consumer, text) for text in ("2", "1", "N3210987654")] == expected[2:]
    assert {name: (prod.var / "run" / f"{name}.pid").read_text() for name in pids(prod)} == before


def pids(prod):
    return ["actions"] + [f"rasa-{url.rsplit(':', 1)[-1]}" for url in prod.rasa_urls]


def test_one_rasa_instance_killed_mid_conversation_nginx_continues_it(prod):
    expected = control_replies(prod, ("Hi", "2", "2", "1", "N3210987654"))
    consumer = sender()
    assert [prod.say(consumer, text) for text in ("Hi", "2")] == expected[:2]
    victim = prod.rasa_urls[0].rsplit(":", 1)[-1]
    os.killpg(int((prod.var / "run" / f"rasa-{victim}.pid").read_text()), signal.SIGKILL)
    time.sleep(0.5)
    assert [prod.say(consumer, text) for text in ("2", "1", "N3210987654")] == expected[2:]
