"""Free-form Hindi, romanised Hindi and English over REST (issue 3)."""
import pytest

from tests.e2e.expected import amount_line, complaint_lines, connection_pick, ivrs_line, says, shown_menu


def test_bill_question_with_ivrs_goes_straight_to_the_bill(live):
    reply = live.say("919811100001", "mera bijli ka bill kitna hai? IVRS N3210987654")
    lines = reply.splitlines()                         # romanised Hindi -> Hindi
    assert ivrs_line("N3210987654", "urban") in lines and amount_line("₹1,847.00") in lines
    assert "IVRS नंबर लिखें" not in reply               # not asked again


def test_devanagari_digit_ivrs_is_understood(live):
    reply = live.say("919811100002", "मेरा आईवीआरएस नंबर ११००२२३३४४ है")
    assert ivrs_line("1100223344", "rural") in reply.splitlines()
    assert amount_line("₹612.00") in reply.splitlines()


def test_english_question_gets_english_answers(live):
    sender = "919811100003"
    reply = live.say(sender, "I want to pay my electricity bill")
    assert reply == shown_menu("lookup_method", "en")
    assert live.say(sender, "2") == shown_menu("area", "en")
    assert live.say(sender, "1") == says("ask_ivrs", "en")
    bill = live.say(sender, "N3210987654")
    assert ivrs_line("N3210987654", "urban", "en") in bill.splitlines()
    assert amount_line("₹1,847.00", "en") in bill.splitlines()
    assert bill.endswith(shown_menu("bill", "en"))       # "1. Pay now"


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
    assert listing == connection_pick("98******98", [("N6600000001", "urban", "रा*** कु***"),
                                                     ("N6600000002", "rural", "रा*** कु***")])
    summary = live.say(sender, "1")   # the urban one: 4 hours
    type_line, connection_line = complaint_lines("no_supply", "N6600000001", "urban", "रा*** कु***")
    assert type_line in summary.splitlines() and connection_line in summary.splitlines()
    assert "4 घंटे" in summary and summary.endswith(shown_menu("complaint_confirm"))


def test_change_language_holds_for_the_sender(live):
    sender = "919811100004"
    assert live.say(sender, "English please") == (says("language_set", "en") + "\n"
                                                  + shown_menu("main", "en"))
    # "Hi" and numbers carry no language of their own: the stored choice holds.
    assert live.say(sender, "Hi") == shown_menu("main", "en")
    assert live.say(sender, "2") == shown_menu("lookup_method", "en")
