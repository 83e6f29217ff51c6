"""The forms' steps (bijli/flows/forms.py) on their own: which questions are still
needed, in the domain's order, and how an answer that is none is left to the rules."""
from bijli.flows import forms
from bijli.flows.core import Reply, Turn
from tests.dialogue import Conversation

STRANGER = "919700000061"


def test_the_lookup_asks_in_the_domains_order_and_only_what_is_missing():
    order = ["lookup_method", "ivrs", "area_type"]       # a designer's order (docs/designing.md, recipe 2)
    assert forms.required_lookup({}, order) == order
    assert forms.required_lookup({"lookup_method": "mobile"}, order) == ["lookup_method", "ivrs"]
    # found at the IVRS question: the type still to come in this order (filled from the
    # record when the IVRS number came first in free text)
    assert forms.required_lookup({"lookup_method": "ivrs", "ivrs": "N3210987654"}, order) == order
    assert forms.required_lookup({"lookup_failed": True}, order) == []        # 3 wrong tries: done
    assert forms.required_complaint({"lookup_failed": True}) == []


def test_a_bare_zero_is_never_an_answer(services):
    for slot in ("lookup_method", "area_type", "ivrs"):
        turn = Turn(sender=STRANGER, text="0", intent="choose_option", entities={"option": "0"},
                    slots={"requested_slot": slot})
        extract = {"lookup_method": forms.extract_lookup_method, "area_type": forms.extract_area_type,
                   "ivrs": forms.extract_ivrs}[slot]
        reply = extract(turn, services, Reply(lang="en"))
        assert reply.slots == {} and reply.messages == [], slot


def test_a_new_request_at_the_ivrs_question_is_left_to_the_rules(services):
    turn = Turn(sender=STRANGER, text="ghar me light nahi hai", intent="report_no_supply",
                slots={"requested_slot": "ivrs"})
    reply = forms.extract_ivrs(turn, services, Reply(lang="hi"))
    assert reply.slots == {} and reply.messages == []


def test_an_ivrs_number_found_at_its_question_leaves_a_later_type_question_open(services):
    at_question = Turn(sender=STRANGER, text="N3210987654", intent="inform",
                       slots={"requested_slot": "ivrs", "lookup_method": "ivrs"})
    reply = forms.validate_ivrs(at_question, services, Reply(lang="en"), "N3210987654")
    assert reply.slots["ivrs"] == "N3210987654" and "area_type" not in reply.slots
    in_free_text = Turn(sender=STRANGER, text="bill N3210987654", intent="check_bill",
                        slots={"requested_slot": None, "lookup_method": "ivrs"})
    reply = forms.validate_ivrs(in_free_text, services, Reply(lang="en"), "N3210987654")
    assert reply.slots["area_type"] == "urban"     # nothing more to ask


def test_connection_type_asked_after_the_ivrs_number_is_corrected_by_the_record(services):
    turn = Turn(sender=STRANGER, text="1", intent="choose_option",
                slots={"requested_slot": "area_type", "ivrs": "1100223344"})
    reply = forms.validate_area_type(turn, services, Reply(lang="en"), "urban")
    assert reply.slots["area_type"] == "rural"
    assert "our records show this connection as rural (you chose urban)" in reply.messages[0].text


def test_the_walk_through_and_its_digressions_in_one_conversation(services):
    chat = Conversation(services, STRANGER, lang="en")
    chat.say("Hi", "greet")
    assert "1. By registered mobile number" in chat.say("2", "choose_option")
    assert chat.loop == "bill_lookup_form" and chat.slots["requested_slot"] == "lookup_method"
    thanked = chat.say("thanks a lot", "thank")
    assert "How would you like to proceed?" in thanked and chat.loop == "bill_lookup_form"
    assert "1. Urban" in chat.say("2", "choose_option")
    assert "Please type your IVRS number" in chat.say("1", "choose_option")
    complaint = chat.say("no electricity since morning", "report_no_supply")
    assert chat.loop == "complaint_form" and chat.slots["complaint_category"] == "no_supply"
    assert "IVRS" in complaint
    menu = chat.say("0", "show_menu")
    assert chat.loop is None and "1. Register a complaint" in menu


def test_a_designer_may_ask_the_connection_type_after_the_ivrs_number(services, monkeypatch):
    """docs/designing.md, recipe 2: only domain/forms.yml's order changes."""
    from tests import dialogue

    monkeypatch.setitem(dialogue.ORDER, "bill_lookup_form", ["lookup_method", "ivrs", "area_type"])
    chat = Conversation(services, STRANGER, lang="en")
    chat.say("2", "choose_option")
    assert "Please type your IVRS number" in chat.say("2", "choose_option")     # by IVRS: the number first
    assert "1. Urban" in chat.say("1100223344", "inform", ivrs="1100223344")    # then the type
    bill = chat.say("1", "choose_option")                                        # urban; the record says rural
    assert "our records show this connection as rural (you chose urban)" in bill
    assert "IVRS: 1100223344 (rural)" in bill and "Amount due: ₹1,942.00" in bill and chat.loop is None
