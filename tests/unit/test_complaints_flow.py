"""The complaint conversation through bijli.flows.router, turn by turn, on a
real seeded database (no Rasa): what a consumer reads and what gets filed."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bijli import complaints as cx
from bijli.flows.core import Turn
from bijli.flows.router import handle
from bijli.models import Complaint, utcnow
from bijli.timefmt import format_ist
from tests.dialogue import Conversation

# Demo data (bijli/seed.py): 9826000001 has one urban connection N3210000001;
# 9812345678 has N3210987654 (urban) and 1100223344 (rural); 9977000001 has
# N4410000001 (rural); 9300000001 has N5510000001 (agriculture).
UNREGISTERED = "919700000001"


class Chat(Conversation):
    """One conversation (tests/dialogue.py): slots carried from turn to turn, as the tracker does."""

    def __init__(self, services, sender=UNREGISTERED, lang=None):
        super().__init__(services, sender, lang)


def complaints(db):
    with db.session() as s:
        return [cx.view_of(c) for c in s.execute(select(Complaint).order_by(Complaint.id)).scalars()]


# -- registering each category ----------------------------------------------------

@pytest.mark.parametrize("text, intent, category, words", [
    ("subah se light nahi hai", "report_no_supply", "no_supply", "4 घंटे"),
    ("no electricity since morning", "report_no_supply", "no_supply", "4 hours"),
    ("वोल्टेज बहुत कम है", "register_complaint", "voltage", "48 घंटे"),
    ("low voltage problem", "register_complaint", "voltage", "48 hours"),
    ("meter jal gaya", "register_complaint", "meter", "72 घंटे"),
    ("my meter is burnt", "register_complaint", "meter", "72 hours"),
    ("ट्रांसफार्मर जल गया है", "register_complaint", "transformer", "24 घंटे"),
    ("the transformer is burnt", "register_complaint", "transformer", "24 hours"),
    ("बिल गलत आया है", "register_complaint", "billing", "7 दिन"),
    ("wrong bill received", "register_complaint", "billing", "7 days"),
    ("बिजली चोरी की शिकायत", "register_complaint", "other", "72 घंटे"),
    ("report electricity theft", "register_complaint", "other", "72 hours"),
    ("तार टूट गया है", "register_complaint", "line_damage", "12 घंटे"),
    ("a wire is broken and sparking", "register_complaint", "line_damage", "12 hours"),
])
def test_each_category_from_free_text_is_filed_after_yes(services, text, intent, category, words):
    lang = "en" if words.isascii() else "hi"
    chat = Chat(services, sender="919826000001", lang=lang)  # registered: one urban connection
    summary = chat.say(text, intent)
    assert "N3210000001" in summary and words in summary  # the connection and the norm
    assert "अ*** श***" in summary and "अनीता" not in summary
    assert complaints(services.db) == []  # nothing filed before the yes
    filed = chat.say("yes" if lang == "en" else "हाँ", "affirm")
    [c] = complaints(services.db)
    assert c.category == category and c.ivrs == "N3210000001" and c.status == "registered"
    assert c.number in filed and words in filed
    assert format_ist(c.due_at) in filed and "IST" in filed
    assert c.details == text  # the consumer's own words, for the lineman
    assert c.due_at - c.created_at == timedelta(hours=cx.norm(category).hours("urban"))


def test_the_category_menu_when_the_text_names_none(services):
    chat = Chat(services, sender="919977000001")  # rural connection N4410000001
    assert "1. शिकायत दर्ज करें" in chat.say("Hi", "greet")
    menu = chat.say("1", "choose_option")
    assert "5. ट्रांसफार्मर" in menu and "4. तार टूटा" in menu
    reask = chat.say("9", "choose_option")
    assert "1, 2, 3, 4, 5, 6, 7" in reask
    summary = chat.say("5", "choose_option")
    assert "72 घंटे" in summary and "N4410000001" in summary  # rural transformer
    chat.say("1", "choose_option")
    [c] = complaints(services.db)
    assert (c.category, c.area_type, c.details) == ("transformer", "rural", "")


def test_agriculture_uses_the_rural_norm_and_says_so(services):
    chat = Chat(services, sender="919300000001", lang="en")
    summary = chat.say("power cut", "report_no_supply")
    assert "24 hours" in summary and "rural norm" in summary


# -- safety --------------------------------------------------------------------

@pytest.mark.parametrize("text, entities, lang, safety", [
    ("taar toot gaya hai", {}, "hi", "सुरक्षा सबसे पहले"),
    ("sparking in the line near my house", {}, "en", "Safety first"),
    # keyword wins even if the NLU picked another category
    ("bijli nahi hai, khamba gir gaya", {"complaint_category": "no_supply"}, "hi", "सुरक्षा सबसे पहले"),
])
def test_line_damage_gets_safety_advice_first_and_top_priority(services, text, entities, lang, safety):
    chat = Chat(services, lang=lang)
    chat.say(text, "register_complaint", **entities)
    first = chat.last.messages[0].text
    assert first.startswith("⚠️") and safety in first
    assert "10" in first and "1912" in first
    chat.say("N3210987654", "inform", ivrs="N3210987654")
    filed = chat.say("1", "choose_option")
    assert "1912" in filed and ("सर्वोच्च प्राथमिकता" in filed or "top priority" in filed)
    [c] = complaints(services.db)
    assert c.category == "line_damage" and c.priority == 1


def test_safety_advice_also_when_chosen_on_the_menu(services):
    chat = Chat(services, lang="en")
    chat.say("complaint", "register_complaint")
    chat.say("4", "choose_option")
    assert chat.last.messages[0].text.startswith("⚠️ Safety first")


# -- the connection ----------------------------------------------------------------

def test_ivrs_asked_when_the_mobile_is_not_registered(services):
    chat = Chat(services, lang="en")
    asked = chat.say("my meter is faulty", "register_complaint")
    assert "IVRS" in asked and chat.slots["requested_slot"] == "ivrs"
    assert "not found" in chat.say("N9999999999", "inform", ivrs="N9999999999")
    assert "too short" in chat.say("12345", "inform")
    summary = chat.say("n3210-987654", "inform")
    assert "N3210987654" in summary and "Meter" in summary
    assert "records show" not in summary  # no area was chosen, so no mismatch note


def test_ivrs_in_the_message_is_used(services):
    chat = Chat(services, sender="919826000001", lang="en")
    summary = chat.say("IVRS 1100223344 meter kharab hai", "register_complaint", ivrs="1100223344")
    assert "1100223344" in summary and "120 hours" not in summary and "5 days" in summary


def test_mobile_with_two_connections_lists_them_masked(services):
    chat = Chat(services, sender="919812345678")
    listing = chat.say("transformer kharab hai", "register_complaint")
    assert "N3210987654" in listing and "1100223344" in listing
    assert "9812345678" not in listing and "सुनील" not in listing
    summary = chat.say("1", "choose_option")
    assert "1100223344" in summary and "72 घंटे" in summary


def test_a_landmark_typed_at_the_summary_is_kept(services):
    chat = Chat(services, sender="919826000001", lang="en")
    chat.say("low voltage", "register_complaint")
    again = chat.say("near Hanuman mandir, ward 5", "nlu_fallback", entry="fallback")
    assert "Added" in again and "near Hanuman mandir, ward 5" in again
    assert chat.slots["menu"] == "complaint_confirm"
    # a landmark that names a pole is still a detail, not a new complaint
    chat.say("opposite pole 12", "register_complaint")
    chat.say("yes", "affirm")
    [c] = complaints(services.db)
    assert c.category == "voltage"
    assert c.details == "low voltage; near Hanuman mandir, ward 5; opposite pole 12"


@pytest.mark.parametrize("answer, intent", [("no", "deny"), ("2", "choose_option"), ("नहीं", "inform")])
def test_no_files_nothing(services, answer, intent):
    chat = Chat(services, sender="919826000001")
    chat.say("meter jal gaya", "register_complaint")
    reply = chat.say(answer, intent)
    assert "दर्ज नहीं" in reply or "not registered" in reply
    assert complaints(services.db) == []
    assert chat.say("yes", "affirm") and complaints(services.db) == []  # a late yes files nothing


# -- duplicates and retries ---------------------------------------------------------

def test_open_complaint_of_same_category_gets_its_number_back(services):
    chat = Chat(services, sender="919826000001", lang="en")
    chat.say("light nahi hai", "report_no_supply")
    chat.say("yes", "affirm")
    [c] = complaints(services.db)
    again = Chat(services, sender="919826000001", lang="en").say("no power since morning",
                                                                  "report_no_supply")
    assert c.number in again and "already" in again and "No new complaint" in again
    assert "Shall I register" not in again  # no pointless confirmation
    assert len(complaints(services.db)) == 1
    # a different category is a new complaint
    other = Chat(services, sender="919826000001", lang="en")
    other.say("meter burnt", "register_complaint")
    other.say("yes", "affirm")
    assert len(complaints(services.db)) == 2


def test_retried_confirmation_files_once_with_the_same_reply(services):
    chat = Chat(services, sender="919826000001", lang="en")
    chat.say("transformer burnt", "register_complaint")
    turn_slots = dict(chat.slots)
    replies = []
    for _ in range(2):  # the action server is called twice for the same "yes"
        turn = Turn(sender=chat.sender, text="yes", intent="affirm",
                    slots={**turn_slots, "complaint_confirmation": "confirmed"})
        replies.append("\n".join(m.text for m in handle("file_complaint", turn, services).messages))
    [c] = complaints(services.db)
    assert replies[0] == replies[1] and c.number in replies[0] and "registered" in replies[0]


def test_duplicate_found_at_filing_time(services):
    a = Chat(services, sender="919826000001", lang="en")
    b = Chat(services, sender="919826000001", lang="en")
    a.say("meter burnt", "register_complaint")
    b.say("meter running fast", "register_complaint")  # both drafts open at once
    a.say("yes", "affirm")
    second = b.say("yes", "affirm")
    [c] = complaints(services.db)
    assert c.number in second and "already" in second


def test_duplicate_told_to_another_number_gives_only_number_and_status(services):
    owner = Chat(services, sender="919826000001", lang="en")   # registered for N3210000001
    owner.say("no power since morning", "report_no_supply")
    owner.say("yes", "affirm")
    [c] = complaints(services.db)
    stranger = Chat(services, lang="en")
    stranger.say("no light at my house", "report_no_supply")
    again = stranger.say("N3210000001", "inform")
    assert c.number in again and "Status: registered" not in again and "(status: registered)" in again
    assert "No new complaint" in again and "Shall I register" not in again
    assert format_ist(c.created_at) not in again and format_ist(c.due_at) not in again
    assert len(complaints(services.db)) == 1
    # its filer (and the registered mobile) gets the full answer, with filed and due times
    full = Chat(services, sender="919826000001", lang="en").say("light nahi hai", "report_no_supply")
    assert c.number in full and format_ist(c.due_at) in full


# -- status ---------------------------------------------------------------------

def _file(services, ivrs="N3210987654", category="no_supply", area="urban", hours_ago=0):
    with services.db.session() as s:
        return cx.file_complaint(s, ivrs=ivrs, category=category, area_type=area,
                                 now=utcnow() - timedelta(hours=hours_ago)).complaint


def test_status_by_number_in_both_languages(services):
    c = _file(services, category="meter")
    en = Chat(services, lang="en").say(f"status of complaint {c.number}", "complaint_status",
                                       complaint_number=c.number)
    assert c.number in en and "Status: registered" in en and format_ist(c.due_at) in en
    assert "Filed: " + format_ist(c.created_at) in en
    hi = Chat(services).say(f"शिकायत {c.number} की स्थिति", "complaint_status")
    assert "स्थिति: दर्ज" in hi and "समय-सीमा: " + format_ist(c.due_at) in hi


def test_status_by_ivrs_lists_latest_first(services):
    old = _file(services, category="meter", hours_ago=5)
    new = _file(services, category="voltage", hours_ago=1)
    reply = Chat(services, sender="919812345678", lang="en").say(  # the registered mobile
        "status for N3210987654", "complaint_status", ivrs="N3210987654")
    assert "IVRS N3210987654" in reply and reply.index(new.number) < reply.index(old.number)


def test_status_by_ivrs_from_another_number_shows_only_its_own_complaints(services):
    others = _file(services, category="meter", hours_ago=5)    # filed by someone else
    stranger = Chat(services, lang="en")
    refused = stranger.say("status for N3210987654", "complaint_status", ivrs="N3210987654")
    assert "shown only to its registered mobile number" in refused and others.number not in refused
    assert "No complaints were found" not in refused   # nor whether there are any
    # The stranger files one on the same connection: they see theirs, never the other.
    stranger.say("low voltage", "register_complaint")
    stranger.say("N3210987654", "inform")
    stranger.say("yes", "affirm")
    [mine] = [c for c in complaints(services.db) if c.category == "voltage"]
    reply = stranger.say("status for N3210987654", "complaint_status", ivrs="N3210987654")
    assert mine.number in reply and others.number not in reply
    assert "Only the payments/complaints made from this number" in reply
    # ... and without naming the IVRS: what they filed, not the connection's others
    latest = Chat(services, lang="en").say("complaint status", "complaint_status")
    assert "filed from this number" in latest and mine.number in latest and others.number not in latest
    # the registered mobile sees both
    owner = Chat(services, sender="919812345678", lang="en").say("complaint status", "complaint_status")
    assert mine.number in owner and others.number in owner


def test_status_by_registered_mobile(services):
    mine = _file(services, ivrs="1100223344", area="rural")
    _file(services, ivrs="N3210000001")  # someone else's connection
    chat = Chat(services, sender="919812345678", lang="en")
    reply = chat.say("complaint status", "complaint_status")
    assert mine.number in reply and "N3210000001" not in reply
    assert "98******78" in reply and "9812345678" not in reply


def test_status_asks_then_reads_number_or_ivrs(services):
    c = _file(services)
    chat = Chat(services, lang="en")
    assert "complaint number (10 digits)" in chat.say("4", "choose_option")
    assert "No complaint or connection was found for 1234567890" in chat.say("1234567890", "inform")
    reply = chat.say(c.number, "nlu_fallback", entry="fallback")
    assert c.number in reply and "registered" in reply


def test_ten_digit_ivrs_is_read_as_ivrs_when_no_complaint_has_that_number(services):
    c = _file(services, ivrs="1100223344", area="rural")
    reply = Chat(services, sender="919812345678", lang="en").say("1100223344", "complaint_status")
    assert c.number in reply


def test_overdue_says_so_and_offers_the_helpline(services):
    c = _file(services, hours_ago=5)  # urban no supply: due after 4 h
    reply = Chat(services, lang="en").say(c.number, "complaint_status")
    assert "due time of this complaint has passed" in reply and "1912" in reply
    hi = Chat(services).say(c.number, "complaint_status")
    assert "समय-सीमा निकल चुकी" in hi


def test_resolved_shows_resolved_and_is_not_overdue(services):
    c = _file(services, hours_ago=30)
    with services.db.session() as s:
        cx.resolve(s, c.number)
    reply = Chat(services, lang="en").say(c.number, "complaint_status")
    assert "Status: resolved" in reply and "Resolved on" in reply and "passed" not in reply


def test_three_unknown_numbers_return_to_the_menu(services):
    chat = Chat(services, lang="en")
    chat.say("complaint status", "complaint_status")
    chat.say("1234567890", "inform")
    chat.say("hello", "inform")
    final = chat.say("2222222222", "inform")
    assert "1912" in final and "1. Register a complaint" in final
    assert chat.slots["menu"] == "main"
