from sqlalchemy import select

from actions.dialogue import (
    ActionChangeLanguage,
    ActionCheckBill,
    ActionFallback,
    ActionGreet,
    ActionInform,
    ActionMenuChoice,
    ActionOutOfScope,
)
from bijli.models import Payment, SenderPreference
from tests.actions.conftest import load_tracker, message


def test_ivrs_entry_shows_masked_bill_with_pay_option(run_action):
    texts, slots, dispatcher = run_action(ActionInform(), load_tracker("awaiting_ivrs"))
    assert "₹1,847.00" in texts and "सु*** व***" in texts and "सुनील" not in texts
    assert slots["menu"] == "bill" and slots["ivrs"] == "N3210987654"
    buttons = [b for m in dispatcher.messages for b in m.get("buttons") or []]
    assert {"title": "भुगतान करें", "payload": "1"} in buttons


def test_devanagari_digits_are_read_in_validation(run_action):
    tracker = load_tracker("awaiting_ivrs", latest_message=message("११००२२३३४४", "inform"))
    texts, slots, _ = run_action(ActionInform(), tracker)
    assert slots["ivrs"] == "1100223344"
    assert "ग्रामीण" in texts  # urban was chosen, the record says rural


def test_malformed_ivrs_says_what_is_wrong_and_counts_a_try(run_action):
    tracker = load_tracker("awaiting_ivrs", latest_message=message("N12", "inform"))
    texts, slots, _ = run_action(ActionInform(), tracker)
    assert "छोटा" in texts
    assert slots["ivrs_attempts"] == 1 and slots["menu"] == "ivrs_entry"


def test_pay_creates_one_pending_payment_for_the_bill(run_action, seeded_db):
    refs = []
    for _ in range(2):
        texts, slots, _ = run_action(ActionMenuChoice(), load_tracker("bill_shown"))
        assert "upi://pay?pa=mpcz.demo@upi&pn=MPCZ%20Bijli%20Bill&am=1847.00&cu=INR&tr=" in texts
        assert "Your payment request is ready" in texts  # English conversation
        refs.append(slots["payment_ref"])
    assert refs[0] == refs[1]       # a second Pay shows the bill's open request (issue 8)
    with seeded_db.session() as s:
        stored = {p.ref: p for p in s.execute(select(Payment)).scalars()}
    assert set(stored) == {refs[0]}
    assert all(p.status == "pending" and p.amount_paise == 184700 for p in stored.values())


def test_number_not_on_menu_lists_valid_choices(run_action):
    tracker = load_tracker("bill_shown", slots={"menu": "area", "language": "hi"},
                           latest_message=message("7", "choose_option", [{"entity": "option", "value": "7"}]))
    texts, slots, _ = run_action(ActionMenuChoice(), tracker)
    assert "1, 2, 3" in texts and slots["menu"] == "area"


def test_greeting_in_a_new_conversation_uses_stored_language(run_action, seeded_db):
    with seeded_db.session() as s:
        s.add(SenderPreference(sender="919800000042", language="en"))
    tracker = load_tracker("bill_shown", slots={"language": None, "menu": None},
                           latest_message=message("Hi", "greet"))
    texts, slots, _ = run_action(ActionGreet(), tracker)
    assert "Welcome to Bijli Sahayak" in texts and slots["language"] == "en"


def test_change_language_is_stored_per_sender(run_action, seeded_db):
    tracker = load_tracker("bill_shown", slots={"language": "hi"},
                           latest_message=message("English please", "change_language",
                                                  [{"entity": "language", "value": "en"}]))
    texts, slots, _ = run_action(ActionChangeLanguage(), tracker)
    assert slots["language"] == "en" and "English" in texts
    with seeded_db.session() as s:
        assert s.get(SenderPreference, "919800000042").language == "en"


def test_free_form_english_question_with_ivrs_skips_questions(run_action):
    tracker = load_tracker("bill_shown", slots={"language": None, "menu": None, "ivrs": None},
                           latest_message=message("what is my bill for N3210987654", "check_bill",
                                                  [{"entity": "ivrs", "value": "N3210987654"}]))
    texts, slots, _ = run_action(ActionCheckBill(), tracker)
    assert "Amount due: ₹1,847.00" in texts and slots["language"] == "en"


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


def test_registered_mobile_never_shows_someone_elses_bill(run_action):
    tracker = load_tracker("bill_shown", sender_id="919812345678",
                           slots={"menu": "connection_pick", "choices": ["N3210000001"], "language": "en"},
                           latest_message=message("1", "choose_option", [{"entity": "option", "value": "1"}]))
    texts, slots, _ = run_action(ActionMenuChoice(), tracker)
    assert "₹" not in texts and slots.get("menu") == "lookup_method"


def test_free_text_bill_question_reuses_the_connection_found_earlier(run_action):
    tracker = load_tracker("bill_shown", sender_id="919700000077",
                           slots={"language": None, "menu": "main", "ivrs": "1100223344"},
                           latest_message=message("mera bill kitna hai", "check_bill"))
    texts, slots, _ = run_action(ActionCheckBill(), tracker)
    assert "IVRS: 1100223344" in texts and "देय राशि" in texts
    assert "आप कैसे आगे बढ़ना" not in texts


def test_free_text_bill_question_from_a_registered_mobile_skips_the_questions(run_action):
    tracker = load_tracker("bill_shown", sender_id="919826000001",
                           slots={"language": None, "menu": None, "ivrs": None},
                           latest_message=message("what is my bill amount", "check_bill"))
    texts, slots, _ = run_action(ActionCheckBill(), tracker)
    assert "IVRS: N3210000001" in texts and "Amount due" in texts


def test_menu_choice_still_asks_how_to_proceed_when_a_connection_is_known(run_action):
    tracker = load_tracker("bill_shown", slots={"menu": "main", "language": "hi"},
                           latest_message=message("2", "choose_option", [{"entity": "option", "value": "2"}]))
    texts, slots, _ = run_action(ActionMenuChoice(), tracker)
    assert slots["menu"] == "lookup_method" and "₹" not in texts


def test_two_out_of_scope_messages_in_a_row_offer_the_helpline(run_action):
    first = load_tracker("bill_shown", slots={"language": "en", "fallback_count": 0},
                         latest_message=message("asdkjh qwe", "out_of_scope"))
    texts, slots, _ = run_action(ActionOutOfScope(), first)
    assert "1912 (24x7)" not in texts and slots["fallback_count"] == 1
    second = load_tracker("bill_shown", slots={"language": "en", "fallback_count": 1},
                          latest_message=message("recharge my phone", "out_of_scope"))
    texts, slots, _ = run_action(ActionOutOfScope(), second)
    assert "call the electricity helpline 1912" in texts
