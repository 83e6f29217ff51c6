"""Nothing lost or doubled under concurrency, through nginx and both instances (issue 19).

200 concurrent deliveries of the same paid webhook make one payment and one confirmation;
200 concurrent complaints from different consumers make 200 complaints, 200 numbers.
"""
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import requests
from sqlalchemy import select

from bijli.models import Bill, Complaint, Payment
from bijli.payments.events import paid_event, signed

PAYER_IVRS, PAYER = "N3210000881", "919800000881"
CONFIRMED = "भुगतान प्राप्त हुआ"
COMPLAINT_NUMBER = re.compile(r"(?:शिकायत नंबर|Complaint number): (\d{10})")


def import_bills(prod, tmp_path, rows):
    month, today = f"{date.today():%Y-%m}", date.today().isoformat()
    csv = tmp_path / "extract.csv"
    csv.write_text("ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount\n" + "".join(
        f"{ivrs},{name},urban,{mobile},LV-1.2,{month},{today},{today},{units},{amount}\n"
        for ivrs, name, mobile, units, amount in rows), encoding="utf-8")
    done = prod.bijli("import-bills", str(csv))
    assert done.returncode == 0, done.stderr


def test_200_deliveries_of_one_paid_webhook_make_one_payment_and_one_confirmation(prod, tmp_path):
    import_bills(prod, tmp_path, [(PAYER_IVRS, "Kiran Malviya", PAYER[2:], 210, "1520.00")])
    for text in ("Hi", "2", "2", "1", PAYER_IVRS):
        prod.say(PAYER, text)
    request = prod.say(PAYER, "1")
    with prod.db.session() as s:
        ref, link_id = s.execute(select(Payment.ref, Payment.provider_link_id)
                                 .where(Payment.ivrs == PAYER_IVRS)).one()
    assert ref in request and "₹1,520.00" in request
    raw, headers = signed(paid_event(ref, 152000, link_id=link_id), prod.settings["PAYMENT_WEBHOOK_SECRET"])

    def deliver(_: int) -> int:
        return requests.post(f"{prod.url}/webhooks/payments/webhook", data=raw, headers=headers,
                             timeout=120, verify=prod.cert).status_code

    with ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(deliver, range(200)))
    assert statuses == [200] * 200
    with prod.db.session() as s:
        payments = s.execute(select(Payment).where(Payment.ivrs == PAYER_IVRS)).scalars().all()
        bill = s.execute(select(Bill).where(Bill.ivrs == PAYER_IVRS)).scalar_one()
        assert [(p.ref, p.status, p.paid_amount_paise, p.flagged) for p in payments] == [
            (ref, "paid", 152000, False)]
        receipt = payments[0].receipt_no
        assert receipt and bill.paid_paise == 152000
    deadline = time.monotonic() + 30
    while not [t for t in bot_texts(prod, PAYER) if CONFIRMED in t] and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3)    # a doubled confirmation would arrive meanwhile
    confirmations = [t for t in bot_texts(prod, PAYER) if CONFIRMED in t]
    assert len(confirmations) == 1 and receipt in confirmations[0]


def bot_texts(prod, sender):
    return [e.get("text") or "" for e in prod.tracker(sender)["events"] if e["event"] == "bot"]


def test_200_concurrent_complaints_from_different_consumers_get_200_numbers(prod, tmp_path):
    consumers = [(f"N77{i:08d}", f"Consumer {i}", f"97{i:08d}", 100 + i, "500.00") for i in range(200)]
    import_bills(prod, tmp_path, consumers)

    def complain(consumer) -> str:
        sender = "91" + consumer[2]
        summary = prod.say(sender, "no power at my house")
        assert consumer[0] in summary, summary
        filed = prod.say(sender, "1")
        found = COMPLAINT_NUMBER.search(filed)
        assert found, filed
        return found.group(1)

    with ThreadPoolExecutor(200) as pool:
        numbers = list(pool.map(complain, consumers))
    assert len(set(numbers)) == 200
    with prod.db.session() as s:
        stored = s.execute(select(Complaint.ivrs, Complaint.number)
                           .where(Complaint.ivrs.like("N77%"))).all()
    assert sorted(stored) == sorted(zip((c[0] for c in consumers), numbers))
