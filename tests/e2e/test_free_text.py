"""Free-form Hindi, romanised Hindi and English over REST (issue 3)."""
import pytest


def test_bill_question_with_ivrs_goes_straight_to_the_bill(live):
    reply = live.say("919811100001", "mera bijli ka bill kitna hai? IVRS N3210987654")
    assert "₹1,847.00" in reply and "देय राशि" in reply  # romanised Hindi -> Hindi
    assert "IVRS नंबर लिखें" not in reply               # not asked again


def test_devanagari_digit_ivrs_is_understood(live):
    reply = live.say("919811100002", "मेरा आईवीआरएस नंबर ११००२२३३४४ है")
    assert "IVRS: 1100223344" in reply and "₹612.00" in reply


def test_english_question_gets_english_answers(live):
    sender = "919811100003"
    reply = live.say(sender, "I want to pay my electricity bill")
    assert "How would you like to proceed?" in reply
    live.say(sender, "2")
    live.say(sender, "1")
    bill = live.say(sender, "N3210987654")
    assert "Amount due: ₹1,847.00" in bill and "Pay now" in bill


@pytest.mark.parametrize("sender,text,expected", [
    # a no-supply complaint: the sender's registered connection is used, and the
    # summary names the category, in the message's language
    ("919977000002", "light nahi hai subah se", "बिजली नहीं है"),
    ("919300000001", "no power in my area since morning", "No power supply"),
    # payment status: nothing paid from this number yet
    ("919811100005", "paise kat gaye lekin bill jama nahi hua", "कोई भुगतान नहीं मिला"),
])
def test_free_text_reaches_the_right_flow(live, sender, text, expected):
    reply = live.say(sender, text)
    assert expected in reply, reply


def test_no_supply_from_a_mobile_with_two_connections_asks_which(live):
    sender = "919898989898"  # registered for N6600000001 (urban) and N6600000002 (rural)
    listing = live.say(sender, "बिजली नहीं आ रही है सुबह से")
    assert "N6600000001" in listing and "N6600000002" in listing
    summary = live.say(sender, "1")
    assert "बिजली नहीं है" in summary and "N6600000001" in summary and "4 घंटे" in summary


def test_change_language_holds_for_the_sender(live):
    sender = "919811100004"
    assert "English" in live.say(sender, "English please")
    # "Hi" and numbers carry no language of their own: the stored choice holds.
    assert "Welcome to Bijli Sahayak" in live.say(sender, "Hi")
    assert "How would you like to proceed?" in live.say(sender, "2")
