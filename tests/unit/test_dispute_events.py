"""Gateway disputes (chargebacks) are recorded and shown to operators (issue 18, item 5)."""
import time

import pytest
from sqlalchemy import select

from bijli.cli import main
from bijli.models import Bill, PaymentDispute
from bijli.payments import request_payment
from bijli.payments.events import dispute_event, paid_event, signed
from bijli.payments.webhook import handle_webhook
from bijli.settings import Settings

SECRET = "test-webhook-secret"
IVRS = "N3210987654"
SENDER = "919812345678"


@pytest.fixture
def settings(database_url, monkeypatch):
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", SECRET)
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET})


def deliver(db, event, event_id=None):
    raw, headers = signed(event, SECRET, event_id)
    return handle_webhook(db, SECRET, raw, headers)


def test_a_dispute_is_recorded_listed_and_follows_its_events(seeded_db, settings, capsys):
    req = request_payment(seeded_db, settings, IVRS, SENDER)
    paid = paid_event(req.ref, 184700)
    deliver(seeded_db, paid)
    pay_id = paid["payload"]["payment"]["entity"]["id"]
    t0 = int(time.time())
    created = dispute_event(pay_id, 184700, dispute_id="disp_Chargeback01", now=t0)
    out = deliver(seeded_db, created)
    assert (out.status, out.result, out.ref, out.notify) == (200, "dispute_open", req.ref, False)

    assert main(["payments", "disputes"]) == 0
    line, = [x for x in capsys.readouterr().out.splitlines() if x.startswith("disp_")]
    assert line.split()[:6] == ["disp_Chargeback01", req.ref, IVRS, "₹1,847.00", "open",
                                "goods_services_not_received"]
    assert main(["payments", "list"]) == 0
    row, = [x for x in capsys.readouterr().out.splitlines() if x.startswith(req.ref)]
    assert "dispute:open" in row

    won = dispute_event(pay_id, 184700, dispute_id="disp_Chargeback01",
                        event="payment.dispute.won", now=t0 + 60)
    assert deliver(seeded_db, won).result == "dispute_won"
    # A late copy of an earlier event (made before "won") does not reopen it.
    review = dispute_event(pay_id, 184700, dispute_id="disp_Chargeback01",
                           event="payment.dispute.under_review", now=t0 + 30)
    assert deliver(seeded_db, review).result == "unchanged"
    assert deliver(seeded_db, won, event_id="evt_other").result == "duplicate"
    with seeded_db.session() as s:
        d = s.execute(select(PaymentDispute)).scalar_one()
        assert (d.status, d.last_event, d.amount_paise) == ("won", "payment.dispute.won", 184700)
        # A dispute changes no bill: operators answer it at the gateway.
        assert s.execute(select(Bill.paid_paise).where(Bill.ivrs == IVRS)
                         .order_by(Bill.bill_month.desc()).limit(1)).scalar_one() == 184700
    assert main(["payments", "disputes", "--open"]) == 0
    assert "0 dispute(s) open" in capsys.readouterr().out
