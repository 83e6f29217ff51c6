"""The daily IVRS lookup limit (bijli.lookups, issue 8 part 5): at most N distinct
numbers per sender in 24 hours, failed tries included, kept in the database.
Real SQLite (and PostgreSQL under `make test-postgres`); the clock is passed in."""
import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bijli.db import Database
from bijli.flows.core import Services
from bijli.lookups import LIMIT, NEW, OWN, REPEAT, check_lookup, typed_key
from bijli.models import Lookup, Payment
from bijli.settings import Settings
from tests.dialogue import Conversation

T0 = datetime(2025, 6, 1, 6, 0)
STRANGER = "919700000077"
OWNER = "919812345678"        # registered for N3210987654 and 1100223344


def numbers(n, start=0):
    """``n`` distinct well-formed IVRS numbers that are not in the demo data."""
    return [f"N77000{i:05d}" for i in range(start, start + n)]


def check(db, sender, typed, now=T0, limit=20):
    with db.session() as s:
        return check_lookup(s, sender, typed, now, limit)


def rows(db, sender):
    with db.session() as s:
        return s.execute(select(func.count()).select_from(Lookup).where(Lookup.sender == sender)).scalar_one()


# -- the domain -------------------------------------------------------------------

def test_twentieth_distinct_number_allowed_twenty_first_refused(seeded_db):
    for i, n in enumerate(numbers(20)):
        d = check(seeded_db, STRANGER, n, T0 + timedelta(minutes=i))
        assert d.allowed and d.reason == NEW and d.counted == i + 1
    refused = check(seeded_db, STRANGER, "N3210987654", T0 + timedelta(hours=1))
    assert refused.refused and refused.reason == LIMIT and refused.counted == 20
    assert rows(seeded_db, STRANGER) == 20          # a refused try is not recorded
    # numbers already counted today stay free, even at the limit
    again = check(seeded_db, STRANGER, numbers(1)[0], T0 + timedelta(hours=2))
    assert again.allowed and again.reason == REPEAT
    # another sender has a limit of their own
    assert check(seeded_db, "919700000078", "N3210987654", T0 + timedelta(hours=1)).allowed


def test_allowed_again_once_24_hours_have_passed(seeded_db):
    for n in numbers(20):
        assert check(seeded_db, STRANGER, n, T0).allowed
    assert check(seeded_db, STRANGER, "N3210987654", T0 + timedelta(hours=23, minutes=59)).refused
    later = check(seeded_db, STRANGER, "N3210987654", T0 + timedelta(hours=24))
    assert later.allowed and later.reason == NEW and later.counted == 1


def test_a_repeat_moves_the_number_to_its_latest_time(seeded_db):
    first = numbers(1)[0]
    check(seeded_db, STRANGER, first, T0)
    check(seeded_db, STRANGER, first, T0 + timedelta(hours=20))   # looked up again
    for n in numbers(19, start=1):
        check(seeded_db, STRANGER, n, T0 + timedelta(hours=20))
    # 25 h after the first look, the repeat 5 h ago still counts: 20 in the window
    assert check(seeded_db, STRANGER, "N3210987654", T0 + timedelta(hours=25)).refused


def test_failed_tries_count_unknown_and_malformed(seeded_db):
    tries = ["N9999999999", "12345", "hello", "N12", "98765432101234"] + numbers(15)
    for typed in tries:
        assert check(seeded_db, STRANGER, typed).allowed
    assert check(seeded_db, STRANGER, "N3210987654").refused


def test_the_same_number_typed_differently_counts_once(seeded_db):
    for typed in ("n3210-987654", "N 3210 987654", "N3210987654", "N३२१०९८७६५४"):
        check(seeded_db, STRANGER, typed)
    assert rows(seeded_db, STRANGER) == 1
    assert typed_key("n3210-987654") == "N3210987654" and typed_key(" ab-c d ") == "ABCD"
    assert len(typed_key("x" * 200)) == 32


def test_own_connections_are_free_even_past_the_limit(seeded_db):
    for n in numbers(20):
        check(seeded_db, OWNER, n)
    assert check(seeded_db, OWNER, "N9999999999").refused
    for ivrs in ("N3210987654", "1100223344", "n3210-987654"):
        d = check(seeded_db, OWNER, ivrs)
        assert d.allowed and d.reason == OWN
    assert rows(seeded_db, OWNER) == 20
    # not the owner's: counted as anyone's
    assert check(seeded_db, OWNER, "N3210000001").refused


def test_the_count_survives_a_restart(database_url, seeded_db):
    for n in numbers(20):
        check(seeded_db, STRANGER, n)
    seeded_db.dispose()
    restarted = Database(database_url)      # a new process / another server, same database
    try:
        assert check(restarted, STRANGER, "N3210987654").refused
        assert check(restarted, STRANGER, numbers(1)[0]).allowed
    finally:
        restarted.dispose()


def test_the_same_number_at_the_same_moment_on_several_servers_counts_once(database_url, seeded_db):
    servers = [Database(database_url) for _ in range(6)]
    barrier = threading.Barrier(len(servers))
    results, errors = [], []

    def look(db):
        try:
            barrier.wait(timeout=30)
            results.append(check(db, STRANGER, "N3210987654"))
        except Exception as e:  # reported below; a thread's exception would be lost
            errors.append(e)

    threads = [threading.Thread(target=look, args=(db,)) for db in servers]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    for db in servers:
        db.dispose()
    assert errors == [] and len(results) == 6 and all(d.allowed for d in results)
    assert rows(seeded_db, STRANGER) == 1


def test_the_limit_comes_from_the_environment():
    assert Settings.from_env({}).lookup_limit_per_day == 20
    assert Settings.from_env({"LOOKUP_LIMIT_PER_DAY": "5"}).lookup_limit_per_day == 5


# -- in the conversation ------------------------------------------------------------

class Chat(Conversation):
    def __init__(self, services, sender=STRANGER, lang="en"):
        super().__init__(services, sender, lang)

    def refusal(self):
        """The refusal message itself (the main menu after it names 1912 as well)."""
        [text] = [m.text for m in self.messages
                  if "connection numbers" in m.text or "कनेक्शन नंबर देख चुके" in m.text]
        return text


def fill(services, sender=STRANGER, count=20):
    """``count`` distinct numbers looked up by ``sender`` just now."""
    from bijli.models import utcnow
    for n in numbers(count, start=500):
        assert check(services.db, sender, n, utcnow(), services.settings.lookup_limit_per_day).allowed


def test_through_the_menu_twentieth_shown_twenty_first_refused(services):
    chat = Chat(services)
    chat.say("Hi", "greet")
    # 19 failed tries first: unknown and malformed numbers typed at the IVRS question
    failed = [f"N88000{i:05d}" if i % 2 else f"{i:04d}" for i in range(19)]
    for i in range(0, 19, 3):
        for msg in ("2", "2", "1"):                  # pay -> by IVRS -> urban
            chat.say(msg, "choose_option")
        for bad in failed[i:i + 3]:                   # the third failure returns to the menu
            reply = chat.say(bad, "inform")
            assert ("not found" if bad.startswith("N") else "too short") in reply
    chat.say("0", "choose_option")
    assert rows(services.db, STRANGER) == 19
    chat.say("2", "choose_option")
    chat.say("2", "choose_option")
    chat.say("1", "choose_option")
    bill = chat.say("N3210987654", "inform")        # the 20th: shown
    assert "Amount due: ₹1,847.00" in bill and "S*** V***" not in bill and "सु*** व***" in bill
    chat.say("0", "choose_option")
    chat.say("2", "choose_option")
    chat.say("2", "choose_option")
    chat.say("1", "choose_option")
    refused = chat.say("N3210000001", "inform")      # the 21st: refused, nothing looked up
    assert "1912" in chat.refusal() and "20 different connection numbers" in refused
    assert "₹" not in refused and "अ***" not in refused and "not found" not in refused
    assert chat.slots["menu"] == "main" and chat.slots.get("ivrs") is None  # the menu path starts afresh
    # the one already counted is still free
    assert "₹1,847.00" in chat.say("bill for N3210987654", "check_bill", ivrs="N3210987654")


def test_a_malformed_try_past_the_limit_is_refused_too(services):
    fill(services)
    chat = Chat(services, lang="hi")
    for msg in ("2", "2", "1"):
        chat.say(msg, "choose_option")
    refused = chat.say("12345", "inform")
    assert "1912" in chat.refusal() and "24 घंटे" in refused and "छोटा" not in refused


@pytest.mark.parametrize("text, intent", [
    ("show my bill N3210987654", "check_bill"),                    # bill by free text
    ("past bills N3210987654", "past_bills"),
    ("pay bill N3210987654", "pay_bill"),
    ("meter kharab hai N3210987654", "register_complaint"),       # complaint on an IVRS
    ("payment status N3210987654", "payment_status"),
    ("complaint status N3210987654", "complaint_status"),
])
def test_every_entry_point_is_limited(services, text, intent):
    fill(services)
    chat = Chat(services)
    reply = chat.say(text, intent, ivrs="N3210987654")
    assert "1912" in chat.refusal() and "20 different connection numbers" in chat.refusal()
    assert "₹" not in reply and "S*** V***" not in reply and "सु***" not in reply
    with services.db.session() as s:
        assert s.execute(select(func.count()).select_from(Payment)).scalar_one() == 0


def test_pay_with_a_typed_number_past_the_limit_creates_no_payment(services):
    fill(services)
    chat = Chat(services)
    chat.slots.update({"menu": "bill", "ivrs": numbers(1, start=500)[0]})
    reply = chat.say("pay N3210987654", "choose_option", option="1")
    assert "1912" in chat.refusal() and "upi://" not in reply
    with services.db.session() as s:
        assert s.execute(select(func.count()).select_from(Payment)).scalar_one() == 0


def test_the_registered_mobile_still_sees_its_own_past_the_limit(services):
    fill(services, sender=OWNER)
    reply = Chat(services, sender=OWNER).say("bill for N3210987654", "check_bill", ivrs="N3210987654")
    assert "Amount due: ₹1,847.00" in reply
    other = Chat(services, sender=OWNER)
    assert "₹" not in other.say("bill N3210000001", "check_bill", ivrs="N3210000001") and other.refusal()


def test_after_24_hours_the_conversation_may_look_up_again(services):
    fill(services)
    chat = Chat(services)
    assert "₹" not in chat.say("bill N3210000001", "check_bill", ivrs="N3210000001") and chat.refusal()
    with services.db.session() as s:   # a day passes
        s.execute(update(Lookup).values(looked_up_at=Lookup.looked_up_at - timedelta(hours=24)))
    assert "₹" in chat.say("bill N3210000001", "check_bill", ivrs="N3210000001")


def test_a_smaller_limit_from_the_settings(services):
    small = Services(db=services.db, settings=replace(services.settings, lookup_limit_per_day=2))
    chat = Chat(small)
    assert "₹" in chat.say("bill N3210000001", "check_bill", ivrs="N3210000001")
    assert "₹" in chat.say("bill N3210000002", "check_bill", ivrs="N3210000002")
    refused = chat.say("bill N3210000003", "check_bill", ivrs="N3210000003")
    assert "2 different connection numbers" in refused and "₹" not in refused
