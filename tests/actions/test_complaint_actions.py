"""The real Rasa action classes for complaints, status, past bills, new
connection and handoff, with trackers built by rasa_sdk and a real DB."""
from rasa_sdk import Tracker
from sqlalchemy import func, select

from actions.dialogue import (
    ActionComplaintStatus,
    ActionFileComplaint,
    ActionHumanHandoff,
    ActionNewConnection,
    ActionShowHistory,
    ActionStartComplaint,
)
from actions.forms import AskComplaintConfirmation, AskComplaintIvrs, ValidateComplaintForm
from bijli import complaints as cx
from bijli.models import Complaint

SLOTS = {"language": None, "menu": None, "purpose": None, "area_type": None, "ivrs": None,
         "ivrs_attempts": 0, "choices": None, "fallback_count": 0, "payment_ref": None,
         "complaint_category": None, "complaint_details": None, "complaint_draft": None,
         "complaint_confirmation": None, "lookup_failed": False, "requested_slot": None}
IN_FORM = {"name": "complaint_form", "validate": True, "rejected": False}


def tracker(text, intent, entities=None, sender="919826000001", set_now=None, active_loop=None, **slots):
    """A tracker at a user message; ``set_now``: slots set since it (what a form validates)."""
    return Tracker.from_dict({
        "sender_id": sender,
        "slots": {**SLOTS, **slots, **(set_now or {})},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                           "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
                           "message_id": "m-1"},
        "events": [{"event": "slot", "name": k, "value": v} for k, v in (set_now or {}).items()],
        "paused": False, "followup_action": None, "active_loop": active_loop or {},
        "latest_action_name": "action_listen",
    })


def then(previous_slots, text, intent, entities=None, sender="919826000001", **more):
    """The next user turn in the complaint form, with the slots set so far."""
    return tracker(text, intent, entities, sender, active_loop=IN_FORM, **{**previous_slots, **more})


def start(run_action, run_form, text, intent, entities=None, sender="919826000001", **slots):
    """action_start_complaint, then the form's activation (its validation of what was pre-filled)."""
    first = tracker(text, intent, entities, sender, **slots)
    started_texts, started, _ = run_action(ActionStartComplaint(), first)
    checked_texts, checked, dispatcher = run_form(
        ValidateComplaintForm(), tracker(text, intent, entities, sender, set_now=started, **slots))
    return started_texts + checked_texts, {**started, **checked}, dispatcher


def count(db):
    with db.session() as s:
        return s.execute(select(func.count()).select_from(Complaint)).scalar_one()


def test_register_from_registered_mobile_then_yes(run_action, run_form, seeded_db):
    _, slots, _ = start(run_action, run_form, "meter jal gaya", "register_complaint", {"complaint_category": "meter"})
    assert slots["complaint_category"] == "meter" and slots["ivrs"] == "N3210000001"
    summary, shown, dispatcher = run_action(AskComplaintConfirmation(), then(slots, "meter jal gaya",
                                                                             "register_complaint"))
    assert "N3210000001" in summary and "72 घंटे" in summary and shown["menu"] == "complaint_confirm"
    buttons = [b for m in dispatcher.messages for b in m.get("buttons") or []]
    assert {"title": "हाँ, दर्ज करें", "payload": "1"} in buttons
    _, answered, _ = run_form(ValidateComplaintForm(), then(slots, "हाँ", "affirm",
                                                            requested_slot="complaint_confirmation"))
    assert answered["complaint_confirmation"] == "confirmed" and count(seeded_db) == 0
    texts, after, _ = run_action(ActionFileComplaint(), tracker("हाँ", "affirm", **{**slots, **answered}))
    with seeded_db.session() as s:
        [(number, category, sender)] = s.execute(
            select(Complaint.number, Complaint.category, Complaint.sender)).all()
    assert number in texts and category == "meter" and sender == "919826000001"
    assert after["complaint_draft"] is None and after["menu"] == "main"


def test_retried_action_call_files_once(run_action, run_form, seeded_db):
    _, slots, _ = start(run_action, run_form, "light nahi hai", "report_no_supply")
    confirm = tracker("1", "choose_option", {"option": "1"}, **{**slots, "complaint_confirmation": "confirmed"})
    first, _, _ = run_action(ActionFileComplaint(), confirm)
    second, _, _ = run_action(ActionFileComplaint(), confirm)  # same tracker: a retried call
    assert count(seeded_db) == 1 and first == second and "शिकायत नंबर" in first


def test_line_damage_safety_first_over_the_action(run_action, run_form, seeded_db):
    texts, slots, dispatcher = start(run_action, run_form, "a wire fell on the road, sparking",
                                     "register_complaint", sender="919700000001", language="en")
    assert dispatcher.messages[0]["text"].startswith("⚠️ Safety first")
    asked, _, _ = run_action(AskComplaintIvrs(), then(slots, "a wire fell", "register_complaint",
                                                      sender="919700000001"))
    assert "IVRS" in asked


def test_ivrs_typed_after_being_asked(run_action, run_form, seeded_db):
    _, slots, _ = start(run_action, run_form, "transformer jal gaya", "register_complaint", sender="919700000001")
    assert slots.get("ivrs") is None and slots["complaint_category"] == "transformer"
    _, typed, _ = run_form(ValidateComplaintForm(), then(slots, "N4410000001", "inform", {"ivrs": "N4410000001"},
                                                         sender="919700000001", requested_slot="ivrs"))
    assert typed["ivrs"] == "N4410000001"
    texts, shown, _ = run_action(AskComplaintConfirmation(),
                                 then({**slots, **typed}, "N4410000001", "inform", sender="919700000001"))
    assert "N4410000001" in texts and "72 घंटे" in texts and shown["menu"] == "complaint_confirm"


def test_status_by_number_and_handoff_and_new_connection(run_action, seeded_db):
    with seeded_db.session() as s:
        c = cx.file_complaint(s, ivrs="N3210987654", category="voltage", area_type="urban").complaint
    texts, _, _ = run_action(ActionComplaintStatus(),
                             tracker(f"complaint {c.number} status", "complaint_status",
                                     {"complaint_number": c.number}, sender="919700000001", language="en"))
    assert c.number in texts and "Status: registered" in texts
    texts, _, _ = run_action(ActionHumanHandoff(), tracker("agent", "human_handoff", language="en"))
    assert "1912" in texts and "10 am to 5 pm" in texts
    texts, _, _ = run_action(ActionNewConnection(), tracker("new connection", "new_connection", language="en"))
    assert "https://portal.mpcz.in" in texts and "Documents" in texts


def test_past_bills_action(run_action, seeded_db):
    texts, slots, _ = run_action(ActionShowHistory(), tracker("purane bill N3210987654", "past_bills",
                                                              {"ivrs": "N3210987654"}, sender="919812345678",
                                                              ivrs="N3210987654", purpose="history"))
    assert "पिछले 6 बिल" in texts and "सु*** व***" in texts and "सुनील" not in texts
    assert texts.count(" यूनिट, ") == 6 and slots["menu"] == "bill"
