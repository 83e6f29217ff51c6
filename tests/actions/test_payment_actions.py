"""The payment actions as Rasa runs them: rasa_sdk Trackers, CollectingDispatcher,
a real seeded SQLite database (fixtures in tests/actions/conftest.py)."""
from sqlalchemy import select

from actions.dialogue import ActionPay, ActionPaymentStatus
from bijli.models import Payment, SenderPreference
from bijli.payments.events import failed_event, paid_event, signed
from bijli.payments.webhook import handle_webhook
from bijli.settings import Settings
from tests.actions.conftest import load_tracker, message

SENDER = "919800000042"     # the fixtures' conversation


def external(ref: str) -> dict:
    """What the payment webhook's trigger puts in the tracker."""
    return message("EXTERNAL: payment_status", "payment_status", [{"entity": "payment_ref", "value": ref}])


def pay(run_action):
    texts, slots, dispatcher = run_action(ActionPay(), load_tracker("bill_shown"))
    return slots["payment_ref"], texts, dispatcher


def gateway(services, event):
    secret = Settings.from_env().webhook_secret()
    raw, headers = signed(event, secret)
    return handle_webhook(services.db, secret, raw, headers)


def test_pay_sends_the_qr_as_an_image_message(run_action):
    ref, texts, dispatcher = pay(run_action)
    images = [m["image"] for m in dispatcher.messages if m.get("image")]
    assert images == [f"http://localhost:5005/webhooks/payments/qr/{ref}.png"]
    assert f"/webhooks/payments/pay/{ref}" in texts
    assert "confirmation here" in texts


def test_webhook_trigger_gets_the_confirmation_in_the_conversation_language(run_action, services):
    ref, _, _ = pay(run_action)
    assert gateway(services, paid_event(ref, 184700)).notify
    tracker = load_tracker("bill_shown", slots={"language": "hi"}, latest_message=external(ref))
    texts, slots, _ = run_action(ActionPaymentStatus(), tracker)
    with services.db.session() as s:
        receipt = s.execute(select(Payment.receipt_no).where(Payment.ref == ref)).scalar_one()
    assert "भुगतान प्राप्त हुआ" in texts and "₹1,847.00" in texts
    assert ref in texts and receipt in texts
    assert slots["language"] == "hi"


def test_new_session_confirmation_uses_the_stored_language(run_action, services):
    ref, _, _ = pay(run_action)
    gateway(services, paid_event(ref, 184700))
    with services.db.session() as s:
        s.add(SenderPreference(sender=SENDER, language="en"))
    tracker = load_tracker("bill_shown", slots={"language": None, "menu": None}, latest_message=external(ref))
    texts, _, _ = run_action(ActionPaymentStatus(), tracker)
    assert "Payment received" in texts


def test_webhook_trigger_after_failure_offers_the_link_again(run_action, services):
    ref, first, _ = pay(run_action)
    gateway(services, failed_event(ref, 184700))
    tracker = load_tracker("bill_shown", latest_message=external(ref))
    texts, slots, dispatcher = run_action(ActionPaymentStatus(), tracker)
    assert "failed" in texts and f"tr={ref}" in texts
    assert any((m.get("image") or "").endswith(f"/qr/{ref}.png") for m in dispatcher.messages)
    assert slots["payment_ref"] == ref


def test_consumer_asking_for_the_receipt_gets_the_list(run_action, services):
    ref, _, _ = pay(run_action)
    gateway(services, paid_event(ref, 184700))
    tracker = load_tracker("bill_shown", latest_message=message("send me the payment receipt", "payment_status"))
    texts, slots, _ = run_action(ActionPaymentStatus(), tracker)
    assert "Your recent payments" in texts and ref in texts and "Receipt: R" in texts
    assert slots["menu"] == "main"


def test_a_second_pay_in_the_conversation_shows_the_same_request(run_action, services):
    ref, first, _ = pay(run_action)
    again, second, _ = pay(run_action)
    assert again == ref and f"tr={ref}" in second
    with services.db.session() as s:
        assert s.execute(select(Payment.ref).where(Payment.ivrs == "N3210987654")).scalars().all() == [ref]


def test_overpayment_is_told_in_the_conversation_language(run_action, services):
    from datetime import timedelta

    from bijli.models import utcnow
    from bijli.payments import request_payment

    ref, _, _ = pay(run_action)
    # The bill gets paid through another request made later (ref has expired by then).
    other = request_payment(services.db, Settings.from_env(), "N3210987654", "",
                            now=utcnow() + timedelta(minutes=31))
    gateway(services, paid_event(other.ref, 184700))
    assert gateway(services, paid_event(ref, 184700)).result == "overpayment"
    tracker = load_tracker("bill_shown", slots={"language": "hi"}, latest_message=external(ref))
    texts, _, _ = run_action(ActionPaymentStatus(), tracker)
    assert "₹1,847.00" in texts and "वापस" in texts and "1912" in texts and ref in texts
