"""What consumers really write (issue 11), in the flows: bill disputes file billing
complaints with the bill shown, "paid but still cut off" gets the advice and a
reconnection complaint, "1912 never answers" gets every other way to reach the
discom, and "what is IVRS" at the IVRS question explains it instead of counting a
wrong number. The cue functions themselves are tested on tables of real-style text."""
import pytest
from sqlalchemy import select

from bijli.cues import asks_about_ivrs, bill_dispute, disconnection_mentioned, helpline_unreachable
from bijli.models import Complaint
from tests.unit.test_history_and_info import Chat

OWNER = "919812345678"          # registered for N3210987654 and 1100223344
STRANGER = "919700000001"


@pytest.mark.parametrize("text", [
    "mera bill 5000 aaya hai itna zyada kaise",
    "My bill doubled after the lockdown, how is that possible?",
    "bill is too high this month, ₹5,510 for a 1BHK!!!",
    "average bill bhej diya bina reading ke",
    "meter reading galat li gayi hai, bill 3 guna",
    "charged twice for October, arrears already paid shown again",
    "बिल बहुत ज्यादा आया है, 2000 यूनिट कैसे?",
    "ghar band tha phir bhi bill 4000 ka, locked house",
    "wrong bill received for Sept",
    "MY BILL IS RS 29,700 THIS MONTH. OVERBILLED!!!",
    "My house is billed at the commercial rate though it's a home, please correct the category",
    "bill me non domestic category lag rahi hai, shreni sahi karo",
    "मेरे घर का बिल व्यावसायिक दर से आ रहा है",
    "charged LV-2 tariff for a domestic meter",
    "मेरे घरेलू कनेक्शन पर बिल आ रहा है, कृपया श्रेणी सही करें",
])
def test_bill_disputes(text):
    assert bill_dispute(text)


@pytest.mark.parametrize("text", [
    "mera bill kitna hai", "what is my bill amount", "मेरा बिल कितना है", "bill bhejo",
    "pay my bill", "last 6 months ke bill dikhao", "", None,
    "what is the commercial tariff for a shop?", "which category is my bill in?", "मेरे बिल की श्रेणी क्या है?",
])
def test_bill_questions_are_not_disputes(text):
    assert not bill_dispute(text)


@pytest.mark.parametrize("text", [
    "1912 pe call nahi lag raha", "the helpline never picks up", "toll free number busy since morning",
    "koi phone nahi uthata", "कोई फोन नहीं उठाता", "1912 पर फोन लगता ही नहीं",
    "customer care unreachable for 2 days", "called 1912 ten times, no answer",
    "helpline number is always busy", "lineman ka phone switch off aata hai",
])
def test_helpline_unreachable(text):
    assert helpline_unreachable(text)


@pytest.mark.parametrize("text", [
    "talk to a human", "customer care number chahiye", "मुझे किसी व्यक्ति से बात करनी है", "1912", "",
])
def test_asking_for_a_person_is_not_unreachable(text):
    assert not helpline_unreachable(text)


@pytest.mark.parametrize("text", [
    "paid eight days ago, why the disconnection?", "bill bhar diya phir bhi connection kaat diya",
    "भुगतान के बाद भी बिजली काट दी", "paid ₹1,240 on 3rd but still no light, line cut off",
    "payment done, please reconnect my supply", "jama kar diya fir bhi light kaat di",
])
def test_disconnection_after_payment(text):
    assert disconnection_mentioned(text)


@pytest.mark.parametrize("text", [
    "payment status", "mera payment hua ya nahi", "receipt chahiye", "भुगतान की स्थिति", "paid 500 yesterday",
])
def test_plain_payment_questions(text):
    assert not disconnection_mentioned(text)


@pytest.mark.parametrize("text, expected", [
    ("mujhe nahi pata IVRS kya hota hai", True),
    ("where do I find my consumer number?", True),
    ("IVRS नंबर कहाँ लिखा होता है", True),
    ("ivrs kya hai", True),
    ("N3210987654", False),
    ("my ivrs is 1100223344", False),
    ("ivrs", False),
    ("light nahi hai", False),
])
def test_questions_about_ivrs(text, expected):
    assert asks_about_ivrs(text) is expected


# -- in the flows ---------------------------------------------------------------------

def test_bill_dispute_files_a_billing_complaint_and_shows_the_bill_first(services):
    chat = Chat(services, sender=OWNER)
    out = chat.say("my bill N3210987654 came ₹1,847 this month, far too high, how is that possible",
                   "register_complaint", ivrs="N3210987654")
    assert chat.slots["complaint_category"] == "billing"
    assert "The current bill of this connection" in out
    assert "₹1,847.00" in out and "245 units" in out
    assert "Type: Billing dispute" in out
    out = chat.say("1", "choose_option")
    assert "registered" in out.lower()
    with services.db.session() as s:
        rows = s.execute(select(Complaint)).scalars().all()
    assert [(c.ivrs, c.category) for c in rows] == [("N3210987654", "billing")]


def test_wrong_reading_is_billing_not_meter(services):
    chat = Chat(services, sender=OWNER)
    chat.say("meter reading galat li, bill 3 guna aaya N3210987654", "register_complaint",
             complaint_category="meter", ivrs="N3210987654")
    assert chat.slots["complaint_category"] == "billing"


def test_outage_with_a_bill_grumble_stays_an_outage(services):
    chat = Chat(services, sender=OWNER)
    chat.say("light nahi hai 3 ghante se aur bill bhi zyada aata hai", "report_no_supply")
    assert chat.slots["complaint_category"] == "no_supply"


def test_paid_but_disconnected_explains_and_offers_a_reconnection_complaint(services):
    chat = Chat(services, sender=OWNER, lang="en")
    out = chat.say("paid eight days ago, why the disconnection?", "payment_status")
    assert "If you paid and the supply is still disconnected" in out
    assert "do not pay again" in out
    assert chat.slots["menu"] == "paid_disconnected"
    assert "1. Yes, register a complaint" in out
    out = chat.say("1", "choose_option")
    assert chat.slots["complaint_category"] == "no_supply"
    assert "still disconnected: the supply must be reconnected" in chat.slots["complaint_details"]
    # Two connections on this mobile: the numbered pick, then the summary and the yes.
    assert chat.slots["requested_slot"] == "ivrs" and chat.slots["choices"]
    out = chat.say("1", "choose_option")
    assert "Type: No power supply" in out
    out = chat.say("1", "choose_option")
    with services.db.session() as s:
        rows = s.execute(select(Complaint)).scalars().all()
    assert [c.category for c in rows] == ["no_supply"]
    assert "reconnected" in rows[0].details


def test_plain_payment_status_keeps_the_main_menu(services):
    chat = Chat(services, sender=OWNER, lang="en")
    out = chat.say("payment status please", "payment_status")
    assert "still disconnected" not in out
    assert chat.slots["menu"] == "main"


def test_unreachable_helpline_gets_every_other_way(services):
    chat = Chat(services, sender=STRANGER, lang="en")
    out = chat.say("the helpline never picks up, called 1912 ten times", "human_handoff")
    assert out.startswith("Sorry that you could not get through to the helpline 1912")
    for way in ("option 1 of the main menu", "0755-2551222", "https://portal.mpcz.in",
                "distribution centre (DC) office", "112"):
        assert way in out
    assert chat.slots["menu"] == "main"


def test_asking_for_a_person_gets_the_helpline_and_the_other_ways(services):
    chat = Chat(services, sender=STRANGER)
    out = chat.say("मुझे किसी व्यक्ति से बात करनी है", "human_handoff")
    assert out.startswith("किसी व्यक्ति से बात करने के लिए बिजली हेल्पलाइन 1912")
    assert "0755-2551222" in out and "https://portal.mpcz.in" in out


def test_what_is_ivrs_at_the_ivrs_question_explains_and_offers_the_mobile(services):
    chat = Chat(services, sender=OWNER, lang="hi")
    chat.say("2", "choose_option")           # pay bill
    chat.say("2", "choose_option")           # by IVRS
    chat.say("1", "choose_option")           # urban
    assert chat.slots["requested_slot"] == "ivrs"
    # Even if the NLU reads it as a detail, it is a question, not a wrong number.
    out = chat.say("mujhe nahi pata IVRS kya hota hai", "inform")
    assert "बिजली बिल पर सबसे ऊपर" in out
    assert "1. पंजीकृत मोबाइल नंबर से" in out
    assert chat.slots["menu"] == "lookup_method"
    assert int(chat.slots.get("ivrs_attempts") or 0) == 0
    assert chat.slots["purpose"] == "pay"
    out = chat.say("1", "choose_option")     # by registered mobile: two connections
    assert "N3210987654" in out and "1100223344" in out


def test_ivrs_help_intent_anywhere(services):
    chat = Chat(services, sender=STRANGER, lang="en")
    out = chat.say("where do I find my consumer number", "ivrs_help")
    assert "at the top of your electricity bill" in out
    assert "1. By registered mobile number" in out
    assert chat.slots["purpose"] == "view"


@pytest.mark.parametrize("text, expected", [
    ("2", 2), ("option 3", 3), ("दूसरा", 2), ("२", 2), ("teesra", 3),
    ("do din se", None), ("char baje se light nahi", None), ("₹500", None), ("30,000/-", None),
    ("3 ghante", None), ("ek number ki bakwas service", None),
])
def test_menu_number_in_the_flows_is_only_a_bare_choice(text, expected):
    from bijli.flows.core import Turn, option_number
    assert option_number(Turn(sender=STRANGER, text=text)) == expected


def test_a_mobile_number_is_not_taken_for_an_ivrs(services):
    from bijli.flows.connection import ivrs_in_turn
    from bijli.flows.core import Turn
    assert ivrs_in_turn(Turn(sender=STRANGER, text="mera mobile 9876543210 hai",
                             entities={"mobile": "9876543210"})) is None
    assert ivrs_in_turn(Turn(sender=STRANGER, text="IVRS 1100223344 aur mobile 9876543210",
                             entities={"ivrs": "1100223344", "mobile": "9876543210"})) == "1100223344"
