"""What consumers really write (issue 11), over REST against the real servers:
long noisy posts, amounts and durations inside sentences, bill disputes, praise,
an unreachable helpline, paid-but-disconnected, unrelated posts and "what is IVRS".
The texts here are written for this test and are in neither NLU data set."""
import pytest


def _intent(live, sender):
    return live.tracker(sender)["latest_message"]["intent"]["name"]


def test_a_long_bill_dispute_post_files_a_billing_complaint(live):
    sender = "919811100201"
    reply = live.say(sender, "@BijliVibhagBhopal Sir this is shocking!!! Bill for IVRS N6600000001 "
                             "came ₹980 when the flat was empty all month. Kindly correct it "
                             "#overbilling https://example.org/photo.jpg")
    assert _intent(live, sender) == "register_complaint"
    assert "The current bill of this connection" in reply and "amount ₹980.00" in reply
    assert "Type: Billing dispute" in reply and "IVRS: N6600000001" in reply
    filed = live.say(sender, "1")
    assert "Your complaint is registered." in filed and "Type: Billing dispute" in filed


def test_hinglish_high_bill_is_a_billing_complaint(live):
    sender = "919811100202"
    reply = live.say(sender, "bhai N6600000002 ka bill 450 rupaye aaya, itna zyada kaise? pichle mahine aadha tha")
    assert _intent(live, sender) == "register_complaint"
    assert "प्रकार: बिल संबंधी विवाद" in reply and "IVRS: N6600000002" in reply


@pytest.mark.parametrize("sender, text", [
    ("919811100210", "My bill's 30,000/- too!!!"),
    ("919811100211", "Rs 29,700 for two rooms, really?"),
    ("919811100212", "3 ghante se light nahi hai"),
    ("919811100213", "since 6 am no electricity in sector 2"),
])
def test_numbers_inside_sentences_never_choose_from_the_menu(live, sender, text):
    menu = live.say(sender, "Hi")
    assert "3. बिल देखें / पुराने बिल" in menu
    reply = live.say(sender, text)
    tracker = live.tracker(sender)
    assert tracker["latest_message"]["intent"]["name"] != "choose_option"
    assert not [e for e in tracker["latest_message"]["entities"] if e["entity"] == "option"]
    assert "Please reply with one of" not in reply and "कृपया इनमें से कोई नंबर" not in reply
    assert "पिछले 6 बिल" not in reply and "Last 6 bills" not in reply


def test_praise_is_thanked(live):
    sender = "919811100203"
    reply = live.say(sender, "Kudos to the Kolar Road team!! Supply back within an hour last night 👏👏")
    assert _intent(live, sender) == "thank"
    assert "You are welcome!" in reply


def test_an_unreachable_helpline_gets_every_other_way(live):
    sender = "919811100204"
    reply = live.say(sender, "1912 pe subah se call kar raha hu, koi uthata hi nahi!!!")
    assert _intent(live, sender) == "human_handoff"
    assert "हेल्पलाइन 1912 पर बात नहीं हो पाई" in reply
    for way in ("0755-2551222", "https://portal.mpcz.in", "वितरण केंद्र (DC)", "112"):
        assert way in reply


def test_paid_but_disconnected_gets_advice_and_a_complaint_offer(live):
    sender = "919811100205"
    reply = live.say(sender, "I paid my bill eight days ago, why has my connection been disconnected?")
    assert _intent(live, sender) == "payment_status"
    assert "If you paid and the supply is still disconnected" in reply
    assert "1. Yes, register a complaint" in reply


def test_an_unrelated_post_is_out_of_scope(live):
    sender = "919811100206"
    reply = live.say(sender, "Who do you think wins the 2028 elections? Vote wisely folks #democracy")
    assert _intent(live, sender) == "out_of_scope"
    assert "Sorry, I can only help with electricity services" in reply


def test_what_is_ivrs_at_the_ivrs_question(live):
    sender = "919811100207"
    live.say(sender, "Hi")
    live.say(sender, "2")
    live.say(sender, "2")
    asked = live.say(sender, "1")
    assert "IVRS नंबर लिखें" in asked
    reply = live.say(sender, "mujhe nahi pata IVRS kya hota hai")
    assert "बिजली बिल पर सबसे ऊपर" in reply
    assert "1. पंजीकृत मोबाइल नंबर से" in reply and "2. उपभोक्ता आईडी (IVRS नंबर) से" in reply
    # The number can still be typed straight away.
    bill = live.say(sender, "N3210987654")
    assert "₹1,847.00" in bill
