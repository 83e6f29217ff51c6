"""The dialogue's actions and the bill lookup form's validation as Rasa runs them:
rasa_sdk Trackers, CollectingDispatcher, the real domain, a real seeded database."""
from sqlalchemy import select

from actions.dialogue import (
    ActionChangeLanguage,
    ActionFallback,
    ActionMainMenu,
    ActionOutOfScope,
    ActionPay,
    ActionReadChoice,
    ActionShowBill,
    ActionStartLookup,
)
from actions.forms import AskLookupIvrs, ValidateBillLookupForm
from bijli.models import Payment, SenderPreference
from tests.actions.conftest import load_tracker, message

IN_FORM = {"name": "bill_lookup_form", "validate": True, "rejected": False}


def test_ivrs_typed_at_the_question_is_checked_and_fills_the_form(run_form):
    texts, slots, _ = run_form(ValidateBillLookupForm(), load_tracker("awaiting_ivrs"))
    assert slots["ivrs"] == "N3210987654" and slots["area_type"] == "urban"
    # every question of the form is answered (lookup_method and area_type came before): Rasa ends it
    assert texts == ""                                # the bill is the next action's


def test_the_bill_after_the_form_is_masked_with_a_pay_button(run_action):
    texts, slots, dispatcher = run_action(ActionShowBill(), load_tracker("bill_shown", slots={"language": "hi"}))
    assert "₹1,847.00" in texts and "सु*** व***" in texts and "सुनील" not in texts
    assert slots["menu"] == "bill"
    buttons = [b for m in dispatcher.messages for b in m.get("buttons") or []]
    assert {"title": "भुगतान करें", "payload": "1"} in buttons


def test_devanagari_digits_are_read_in_validation(run_form):
    tracker = load_tracker("awaiting_ivrs", latest_message=message("११००२२३३४४", "inform"))
    texts, slots, _ = run_form(ValidateBillLookupForm(), tracker)
    assert slots["ivrs"] == "1100223344" and slots["area_type"] == "rural"
    assert "ग्रामीण" in texts  # urban was chosen, the record says rural


def test_malformed_ivrs_says_what_is_wrong_and_counts_a_try(run_form, run_action):
    tracker = load_tracker("awaiting_ivrs", latest_message=message("N12", "inform"))
    texts, slots, _ = run_form(ValidateBillLookupForm(), tracker)
    assert "छोटा" in texts
    assert slots["ivrs"] is None and slots["ivrs_attempts"] == 1
    asked, _, _ = run_action(AskLookupIvrs(), load_tracker("awaiting_ivrs", slots={"ivrs_attempts": 1}))
    assert "बाकी प्रयास: 2" in asked


def test_the_third_wrong_number_ends_the_form(run_form):
    tracker = load_tracker("awaiting_ivrs", slots={"ivrs_attempts": 2},
                           latest_message=message("N9999999999", "inform"))
    texts, slots, _ = run_form(ValidateBillLookupForm(), tracker)
    assert "N9999999999" in texts and "1912" in texts
    assert slots["lookup_failed"] is True and slots["requested_slot"] is None


def test_a_message_that_is_no_answer_is_left_to_the_rules(run_form):
    tracker = load_tracker("awaiting_ivrs", latest_message=message("ghar me light nahi hai", "report_no_supply"))
    texts, slots, _ = run_form(ValidateBillLookupForm(), tracker)
    assert texts == "" and "ivrs" not in slots and "ivrs_attempts" not in slots


def test_pay_creates_one_pending_payment_for_the_bill(run_action, seeded_db):
    refs = []
    for _ in range(2):
        texts, slots, _ = run_action(ActionPay(), load_tracker("bill_shown"))
        assert "upi://pay?pa=mpcz.demo@upi&pn=MPCZ%20Bijli%20Bill&am=1847.00&cu=INR&tr=" in texts
        assert "Your payment request is ready" in texts  # English conversation
        refs.append(slots["payment_ref"])
    assert refs[0] == refs[1]       # a second Pay shows the bill's open request (issue 8)
    with seeded_db.session() as s:
        stored = {p.ref: p for p in s.execute(select(Payment)).scalars()}
    assert set(stored) == {refs[0]}
    assert all(p.status == "pending" and p.amount_paise == 184700 for p in stored.values())


def test_number_not_on_menu_lists_valid_choices(run_action, run_form):
    tracker = load_tracker("bill_shown", slots={"menu": "main", "language": "hi"},
                           latest_message=message("12", "choose_option", [{"entity": "option", "value": "12"}]))
    texts, slots, _ = run_action(ActionReadChoice(), tracker)
    assert "1, 2, 3, 4, 5, 6, 7, 8, 9" in texts and slots["choice"] == "handled" and slots["menu"] == "main"
    in_form = load_tracker("awaiting_ivrs", active_loop=IN_FORM, slots={"requested_slot": "area_type",
                                                                       "area_type": None, "lookup_method": "ivrs"},
                           latest_message=message("7", "choose_option", [{"entity": "option", "value": "7"}]))
    texts, slots, _ = run_form(ValidateBillLookupForm(), in_form)
    assert "1, 2, 3" in texts and slots["area_type"] is None


def test_greeting_in_a_new_conversation_uses_stored_language(run_action, seeded_db):
    with seeded_db.session() as s:
        s.add(SenderPreference(sender="919800000042", language="en"))
    tracker = load_tracker("bill_shown", slots={"language": None, "menu": None},
                           latest_message=message("Hi", "greet"))
    texts, slots, _ = run_action(ActionMainMenu(), tracker)
    assert "Welcome to Bijli Sahayak" in texts and slots["language"] == "en"


def test_change_language_is_stored_per_sender(run_action, seeded_db):
    tracker = load_tracker("bill_shown", slots={"language": "hi"},
                           latest_message=message("English please", "change_language",
                                                  [{"entity": "language", "value": "en"}]))
    texts, slots, _ = run_action(ActionChangeLanguage(), tracker)
    assert slots["language"] == "en" and "English" in texts
    with seeded_db.session() as s:
        assert s.get(SenderPreference, "919800000042").language == "en"


def test_free_form_english_question_with_ivrs_skips_questions(run_action, run_form):
    tracker = load_tracker("bill_shown", slots={"language": None, "menu": None, "ivrs": None, "purpose": None},
                           latest_message=message("what is my bill for N3210987654", "check_bill",
                                                  [{"entity": "ivrs", "value": "N3210987654"}]))
    _, started, _ = run_action(ActionStartLookup(), tracker)
    assert started["purpose"] == "view" and started["ivrs"] == "N3210987654" and started["language"] == "en"
    activating = load_tracker("bill_shown", slots={**started}, latest_message=tracker.latest_message,
                              events=[{"event": "slot", "name": k, "value": v} for k, v in started.items()])
    _, checked, _ = run_form(ValidateBillLookupForm(), activating)
    assert checked["ivrs"] == "N3210987654" and checked["area_type"] == "urban"
    assert started["lookup_method"] == "ivrs"   # so no question is left: Rasa ends the form


def test_fallback_twice_offers_helpline(run_action):
    tracker = load_tracker("bill_shown", slots={"language": "hi", "menu": "main", "fallback_count": 0},
                           latest_message=message("asdf qwer", "nlu_fallback"))
    texts, slots, _ = run_action(ActionFallback(), tracker)
    assert "समझ नहीं" in texts and "1912 पर कॉल" not in texts and slots["fallback_count"] == 1
    assert "2. बिल भुगतान" in texts  # the menu is shown
    tracker = load_tracker("bill_shown", slots={"language": "hi", "menu": "main", "fallback_count": 1},
                           latest_message=message("zzzz xxxx", "nlu_fallback"))
    texts, slots, _ = run_action(ActionFallback(), tracker)
    assert "1912 पर कॉल" in texts and slots["fallback_count"] == 2


def test_out_of_scope_names_what_the_assistant_can_do(run_action):
    tracker = load_tracker("bill_shown", slots={"language": None},
                           latest_message=message("I want to book a gas cylinder", "out_of_scope"))
    texts, _, _ = run_action(ActionOutOfScope(), tracker)
    assert "only help with electricity services" in texts


def test_registered_mobile_never_shows_someone_elses_bill(run_form):
    tracker = load_tracker("awaiting_ivrs", sender_id="919812345678",
                           slots={"lookup_method": "mobile", "choices": ["N3210000001"], "language": "en"},
                           latest_message=message("1", "choose_option", [{"entity": "option", "value": "1"}]))
    texts, slots, _ = run_form(ValidateBillLookupForm(), tracker)
    assert "₹" not in texts and slots["ivrs"] is None
    assert slots["lookup_method"] is None  # the form asks how to proceed again


def test_free_text_bill_question_reuses_the_connection_found_earlier(run_action):
    tracker = load_tracker("bill_shown", sender_id="919700000077",
                           slots={"language": None, "menu": "main", "ivrs": "1100223344"},
                           latest_message=message("mera bill kitna hai", "check_bill"))
    _, slots, _ = run_action(ActionStartLookup(), tracker)
    assert slots["ivrs"] == "1100223344" and slots["purpose"] == "view" and slots["lookup_method"] == "ivrs"


def test_free_text_bill_question_from_a_registered_mobile_skips_the_questions(run_action, run_form):
    tracker = load_tracker("bill_shown", sender_id="919826000001",
                           slots={"language": None, "menu": None, "ivrs": None},
                           latest_message=message("what is my bill amount", "check_bill"))
    _, started, _ = run_action(ActionStartLookup(), tracker)
    assert started["lookup_method"] == "mobile" and started["ivrs"] is None
    activating = load_tracker("bill_shown", sender_id="919826000001", slots={**started},
                              latest_message=tracker.latest_message,
                              events=[{"event": "slot", "name": k, "value": v} for k, v in started.items()])
    _, checked, _ = run_form(ValidateBillLookupForm(), activating)
    assert checked["ivrs"] == "N3210000001" and checked["requested_slot"] is None


def test_menu_choice_still_asks_how_to_proceed_when_a_connection_is_known(run_action):
    tracker = load_tracker("bill_shown", slots={"menu": "main", "language": "hi"},
                           latest_message=message("2", "choose_option", [{"entity": "option", "value": "2"}]))
    texts, slots, _ = run_action(ActionReadChoice(), tracker)
    assert slots["choice"] == "pay_bill" and "₹" not in texts
    chosen = load_tracker("bill_shown", slots={"menu": "main", "language": "hi", "choice": "pay_bill"},
                          latest_message=tracker.latest_message)
    _, started, _ = run_action(ActionStartLookup(), chosen)
    assert started["purpose"] == "pay" and started["ivrs"] is None and started["lookup_method"] is None


def test_two_out_of_scope_messages_in_a_row_offer_the_helpline(run_action):
    first = load_tracker("bill_shown", slots={"language": "en", "fallback_count": 0},
                         latest_message=message("asdkjh qwe", "out_of_scope"))
    texts, slots, _ = run_action(ActionOutOfScope(), first)
    assert "1912 (24x7)" not in texts and slots["fallback_count"] == 1
    second = load_tracker("bill_shown", slots={"language": "en", "fallback_count": 1},
                          latest_message=message("recharge my phone", "out_of_scope"))
    texts, slots, _ = run_action(ActionOutOfScope(), second)
    assert "call the electricity helpline 1912" in texts
