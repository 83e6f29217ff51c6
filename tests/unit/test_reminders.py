"""Bill reminders on WhatsApp (issue 9, part 3): consent, `bijli remind`, the menu option.

Sent to a fake Graph API on loopback (a real HTTP server); a real migrated database.
"""
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bijli.cli import main
from bijli.flows.core import Reply, Services
from bijli.menus import menu
from bijli.models import Bill, Consumer, Payment
from bijli.preferences import set_language
from bijli.settings import Settings
from bijli.whatsapp import store
from bijli.whatsapp.client import GraphClient, GraphConfig
from bijli.whatsapp.models import ReminderSent
from bijli.whatsapp.reminders import Reminders, consent_state, set_consent
from tests.dialogue import Conversation
from tests.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph

TODAY = date(2026, 11, 27)
TEMPLATE = "bill_due_reminder"
WA_SUNIL = "919812345678"


@pytest.fixture
def graph():
    fake = FakeGraph().start()
    yield fake
    fake.stop()


class Sleeps:
    """Records the pauses instead of taking them."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


def settings_for(graph, database_url, **extra):
    env = {"DATABASE_URL": database_url, "WHATSAPP_GRAPH_URL": graph.url, "WHATSAPP_API_VERSION": VERSION,
           "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_ACCESS_TOKEN": TOKEN,
           "WHATSAPP_REMINDER_TEMPLATE": TEMPLATE, **extra}
    return Settings.from_env(env)


def reminders_for(graph, db, database_url, sleeps=None, **extra):
    settings = settings_for(graph, database_url, **extra)
    sleeps = sleeps if sleeps is not None else Sleeps()
    client = GraphClient(GraphConfig.from_settings(settings), sleep=sleeps)
    return Reminders(db, settings, client, sleep=sleeps)


def add_bill(db, ivrs, name, mobile, due, amount_paise=184700, paid_paise=0, month="2026-11"):
    with db.session() as s:
        if s.get(Consumer, ivrs) is None:
            s.add(Consumer(ivrs=ivrs, name=name, area_type="urban", mobile=mobile, tariff="LV-1.2"))
        s.add(Bill(ivrs=ivrs, bill_month=month, bill_date=due - timedelta(days=10), due_date=due, units=300,
                   amount_paise=amount_paise, paid_paise=paid_paise))


def reminded(db):
    with db.session() as s:
        return s.execute(select(func.count()).select_from(ReminderSent)).scalar_one()


def test_the_template_carries_masked_name_amount_due_date_and_ivrs_in_the_consumers_language(
        graph, db, database_url):
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=2))
    set_consent(db, WA_SUNIL, True)
    set_language(db, WA_SUNIL, "hi")
    summary = reminders_for(graph, db, database_url).run(3, today=TODAY)
    assert summary.sent == ["N3210987654"]
    assert graph.sent() == [{
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_SUNIL, "type": "template",
        "template": {"name": TEMPLATE, "language": {"policy": "deterministic", "code": "hi"},
                     "components": [{"type": "body", "parameters": [
                         {"type": "text", "text": "सु*** व***"}, {"type": "text", "text": "₹1,847.00"},
                         {"type": "text", "text": "29-11-2026"}, {"type": "text", "text": "N3210987654"}]}]}}]


def test_an_english_speaker_gets_the_english_template_code(graph, db, database_url):
    add_bill(db, "N3210000003", "Priya Singh", "9826000003", TODAY + timedelta(days=1))
    set_consent(db, "919826000003", True)
    set_language(db, "919826000003", "en")
    reminders_for(graph, db, database_url, WHATSAPP_REMINDER_LANGUAGE_EN="en_US").run(3, today=TODAY)
    [body] = graph.sent("919826000003")
    assert body["template"]["language"]["code"] == "en_US"
    assert body["template"]["components"][0]["parameters"][0] == {"type": "text", "text": "P*** S***"}


def test_a_second_run_sends_nothing_for_a_bill_already_reminded(graph, db, database_url):
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=3))
    set_consent(db, WA_SUNIL, True)
    first = reminders_for(graph, db, database_url).run(3, today=TODAY)
    second = reminders_for(graph, db, database_url).run(3, today=TODAY)
    assert first.sent == ["N3210987654"] and second.sent == []
    assert second.skipped["already reminded"] == ["N3210987654"]
    assert len(graph.messages()) == 1


def test_two_runs_at_once_send_one_reminder_per_bill(graph, db, database_url):
    for n in range(6):
        add_bill(db, f"N32100000{n:02d}", "Ram Lal", f"98260000{n:02d}", TODAY + timedelta(days=1))
        set_consent(db, f"9198260000{n:02d}", True)
    runs = [reminders_for(graph, db, database_url) for _ in range(2)]
    threads = [threading.Thread(target=run.run, args=(3,), kwargs={"today": TODAY}) for run in runs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(b["to"] for b in graph.messages()) == [f"9198260000{n:02d}" for n in range(6)]
    assert reminded(db) == 6


def test_who_is_skipped_and_why(graph, db, database_url):
    add_bill(db, "N1", "A B", "9826000001", TODAY + timedelta(days=1))            # never opted in
    add_bill(db, "N2", "C D", "9826000002", TODAY + timedelta(days=1))            # said no on the menu
    set_consent(db, "919826000002", False)
    add_bill(db, "N3", "E F", "9826000003", TODAY + timedelta(days=1))            # 131050 after the yes
    set_consent(db, "919826000003", True, now=datetime(2026, 11, 1))
    store.mark_opted_out(db, "919826000003", 131050, now=datetime(2026, 11, 2))
    add_bill(db, "N4", "G H", "9826000004", TODAY + timedelta(days=1), paid_paise=184700)   # paid
    add_bill(db, "N5", "I J", "", TODAY + timedelta(days=1))                      # no mobile
    add_bill(db, "N6", "K L", "9826000006", TODAY + timedelta(days=9))            # not due soon
    set_consent(db, "919826000006", True)
    summary = reminders_for(graph, db, database_url).run(3, today=TODAY)
    assert graph.messages() == []
    assert {k: v for k, v in summary.skipped.items() if v} == {
        "not opted in": ["N1"], "opted out": ["N2", "N3"], "paid": ["N4"], "no mobile": ["N5"]}
    assert summary.lines() == [
        "reminders (bills due within 3 days): 0 sent, 5 skipped, 0 failed",
        "skipped: not opted in 1, opted out 2, paid 1, no mobile 1"]


def test_opting_in_again_after_a_131050_turns_reminders_back_on(db):
    store.mark_opted_out(db, WA_SUNIL, 131050, now=datetime(2026, 11, 2))
    assert consent_state(db, WA_SUNIL) == "out"
    set_consent(db, WA_SUNIL, True, now=datetime(2026, 11, 3))
    assert consent_state(db, WA_SUNIL) == "in"


def test_a_131050_answer_is_a_failure_with_its_code_and_turns_reminders_off(graph, db, database_url):
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=1))
    set_consent(db, WA_SUNIL, True)
    graph.script = [(400, 131050)]
    summary = reminders_for(graph, db, database_url).run(3, today=TODAY)
    assert len(graph.messages()) == 1          # never retried
    assert summary.lines() == [
        "reminders (bills due within 3 days): 0 sent, 0 skipped, 1 failed",
        "failed: N3210987654 to 98******78: code 131050 Unable to deliver the message. This recipient has "
        "chosen to stop receiving marketing messages"]
    assert consent_state(db, WA_SUNIL) == "out"
    assert store.get_contact(db, WA_SUNIL).opted_out_at is not None
    again = reminders_for(graph, db, database_url).run(3, today=TODAY)
    assert again.skipped["opted out"] == ["N3210987654"] and len(graph.messages()) == 1


def test_a_transient_failure_leaves_the_bill_for_the_next_run(graph, db, database_url):
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=1))
    set_consent(db, WA_SUNIL, True)
    graph.script = [(400, 132001)]    # template not approved yet
    first = reminders_for(graph, db, database_url).run(3, today=TODAY)
    assert [f.error_code for f in first.failed] == [132001] and reminded(db) == 0
    second = reminders_for(graph, db, database_url).run(3, today=TODAY)
    assert second.sent == ["N3210987654"] and reminded(db) == 1


def test_a_dry_run_sends_and_records_nothing(graph, db, database_url):
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=1))
    set_consent(db, WA_SUNIL, True)
    summary = reminders_for(graph, db, database_url).run(3, dry_run=True, today=TODAY)
    assert summary.lines() == ["reminders (bills due within 3 days): 1 would send, 0 skipped, 0 failed "
                               "(dry run: nothing sent or recorded)"]
    assert graph.requests == [] and reminded(db) == 0
    assert reminders_for(graph, db, database_url).run(3, today=TODAY).sent == ["N3210987654"]


def test_sends_are_paced_and_one_user_gets_six_seconds_between_messages(graph, db, database_url):
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=1))
    add_bill(db, "1100223344", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=2))
    add_bill(db, "N3210000003", "Priya Singh", "9826000003", TODAY + timedelta(days=3))
    set_consent(db, WA_SUNIL, True)
    set_consent(db, "919826000003", True)
    sleeps = Sleeps()
    summary = reminders_for(graph, db, database_url, sleeps=sleeps).run(3, today=TODAY)
    assert summary.sent == ["N3210987654", "1100223344", "N3210000003"]
    assert sleeps.calls == [6.0, 0.05]


def test_with_payments_configured_the_template_has_an_order_details_button(graph, db, database_url):
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=1))
    set_consent(db, WA_SUNIL, True)
    reminders_for(graph, db, database_url, WHATSAPP_PAYMENT_CONFIGURATION="mpcz-razorpay").run(3, today=TODAY)
    [body] = graph.sent()
    button = body["template"]["components"][1]
    assert {k: button[k] for k in ("type", "sub_type", "index")} == \
        {"type": "button", "sub_type": "order_details", "index": 0}
    order = button["parameters"][0]["action"]["order_details"]
    assert order["total_amount"] == {"value": 184700, "offset": 100}
    assert order["payment_settings"][0]["payment_gateway"]["configuration_name"] == "mpcz-razorpay"
    with db.session() as s:
        payment = s.execute(select(Payment).where(Payment.ivrs == "N3210987654")).scalar_one()
        assert (payment.ref, payment.amount_paise, payment.status) == (order["reference_id"], 184700, "pending")


def test_without_payments_configured_there_is_no_button(graph, db, database_url):
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", TODAY + timedelta(days=1))
    set_consent(db, WA_SUNIL, True)
    reminders_for(graph, db, database_url).run(3, today=TODAY)
    [body] = graph.sent()
    assert [c["type"] for c in body["template"]["components"]] == ["body"]


# -- `bijli remind` ---------------------------------------------------------------------

def test_the_command_refuses_without_a_template_or_a_token(monkeypatch, database_url, capsys):
    monkeypatch.delenv("WHATSAPP_REMINDER_TEMPLATE", raising=False)
    assert main(["remind"]) == 1
    assert "WHATSAPP_REMINDER_TEMPLATE" in capsys.readouterr().err
    monkeypatch.setenv("WHATSAPP_REMINDER_TEMPLATE", TEMPLATE)
    monkeypatch.delenv("WHATSAPP_ACCESS_TOKEN", raising=False)
    assert main(["remind"]) == 1
    assert "WHATSAPP_ACCESS_TOKEN" in capsys.readouterr().err


def test_the_command_sends_and_prints_the_summary(monkeypatch, graph, db, database_url, capsys):
    due = date.today() + timedelta(days=5)
    add_bill(db, "N3210987654", "सुनील वर्मा", "9812345678", due)
    set_consent(db, WA_SUNIL, True)
    for key, value in {"WHATSAPP_GRAPH_URL": graph.url, "WHATSAPP_API_VERSION": VERSION,
                       "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_ACCESS_TOKEN": TOKEN,
                       "WHATSAPP_REMINDER_TEMPLATE": TEMPLATE}.items():
        monkeypatch.setenv(key, value)
    assert main(["remind"]) == 0
    assert "0 sent" in capsys.readouterr().out and graph.messages() == []     # default: 3 days
    assert main(["remind", "--due-within", "5", "--dry-run"]) == 0
    assert "1 would send" in capsys.readouterr().out and graph.messages() == []
    assert main(["remind", "--due-within", "5"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == \
        "reminders (bills due within 5 days): 1 sent, 0 skipped, 0 failed"
    assert [b["to"] for b in graph.sent()] == [WA_SUNIL]


# -- the menu -----------------------------------------------------------------------------

def say(services, sender, text, menu_slot, lang="en"):
    chat = Conversation(services, sender, lang)
    chat.slots["menu"] = menu_slot
    chat.say(text, "choose_option")
    return chat.last


def test_main_menu_option_9_turns_reminders_on_and_off(db):
    services = Services(db=db, settings=Settings.from_env())
    opened = say(services, WA_SUNIL, "9", "main")
    assert opened.slots["menu"] == "reminders"
    assert opened.messages[0].text == "Bill reminders are off."
    assert [b["title"] for b in opened.messages[-1].buttons] == ["Turn reminders on", "Turn reminders off"]
    on = say(services, WA_SUNIL, "1", "reminders")
    assert on.messages[0].text.startswith("Bill reminders are on.") and "choose 9" in on.messages[0].text
    assert consent_state(db, WA_SUNIL) == "in"
    assert say(services, WA_SUNIL, "9", "main").messages[0].text.startswith("Bill reminders are on:")
    off = say(services, WA_SUNIL, "2", "reminders", lang="hi")
    assert off.messages[0].text == "बिल रिमाइंडर बंद हो गए। अब हम आपको रिमाइंडर नहीं भेजेंगे।"
    assert consent_state(db, WA_SUNIL) == "out"


def test_the_main_menu_keeps_its_numbers_and_comes_with_a_list_button_per_option():
    r = Reply(lang="hi").show_menu("main")
    [message] = r.messages
    count = len(menu("main").options)          # 9 today; a designer may add a 10th (docs/designing.md)
    assert 9 <= count <= 10
    assert [b["payload"] for b in message.buttons] == [str(n) for n in range(1, count + 1)]
    assert message.buttons[1]["title"] == "बिल भुगतान"
    assert message.buttons[8]["title"] == "व्हाट्सऐप पर बिल रिमाइंडर"
    assert "2. बिल भुगतान" in message.text and "9. व्हाट्सऐप पर बिल रिमाइंडर" in message.text
