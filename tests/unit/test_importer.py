import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bijli.importer import BillImportError, import_text
from bijli.models import Bill, Consumer, Payment

HEADER = "ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount\n"
GOOD = HEADER + (
    "N3210987654,Sunil Verma,urban,9812345678,LV-1.2,2026-09,2026-10-05,2026-10-15,200,1500.00\n"
    "n3210-987654,Sunil Kumar Verma,urban,+919812345678,LV-1.2,2026-10,2026-11-05,2026-11-15,245,1847.00\n"
    "११००२२३३४४,Ram,rural,,LV-1.1,2026-10,2026-11-05,2026-11-15,40,212.50\n"
)


def count(db, model):
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def test_import_loads_consumers_and_bills_with_latest_details(db):
    result = import_text(db, GOOD)
    assert (result.consumers, result.bills) == (2, 3)
    with db.session() as s:
        c = s.get(Consumer, "N3210987654")
        assert c.name == "Sunil Kumar Verma" and c.mobile == "9812345678"
        ram = s.get(Consumer, "1100223344")
        assert ram.mobile is None
        amounts = sorted(b.amount_paise for b in s.execute(select(Bill)).scalars())
    assert amounts == [21250, 150000, 184700]


def test_bad_rows_are_all_reported_and_nothing_is_written(db):
    bad = GOOD + (
        "N12,Bad,urban,9812345678,LV-1,2026-10,2026-11-05,2026-11-15,10,10.00\n"
        "N3210987655,X,town,9812345678,LV-1,2026-13,2026-11-05,2026-11-01,-3,ten\n"
        "N3210987654,Dup,urban,9812345678,LV-1.2,2026-10,2026-11-05,2026-11-15,1,1.00\n"
    )
    with pytest.raises(BillImportError) as e:
        import_text(db, bad)
    errors = e.value.errors
    assert errors[0].startswith("row 5: ivrs")
    assert errors[1].startswith("row 6:") and "area_type" in errors[1] and "bill_month" in errors[1]
    assert "units" in errors[1] and "amount" in errors[1] and "due_date is before" in errors[1]
    assert errors[2].startswith("row 7: duplicate bill")
    assert count(db, Consumer) == 0 and count(db, Bill) == 0


def test_wrong_header_is_rejected(db):
    with pytest.raises(BillImportError) as e:
        import_text(db, "ivrs,name\nN3210987654,x\n")
    assert e.value.errors[0].startswith("row 1: header")


def test_reimport_updates_bills_in_place_and_keeps_payments(db):
    import_text(db, GOOD)
    with db.session() as s:
        bill = s.execute(select(Bill).where(Bill.bill_month == "2026-10", Bill.ivrs == "N3210987654")).scalar_one()
        bill.paid_paise = 100000
        s.add(Payment(ref="BSTEST1", ivrs="N3210987654", bill_id=bill.id, amount_paise=100000,
                      status="paid", receipt_no="R1"))
        bill_id = bill.id
    corrected = GOOD.replace("245,1847.00", "250,1900.00")
    result = import_text(db, corrected)
    assert result.bills_updated == 3 and result.bills_created == 0
    with db.session() as s:
        bill = s.get(Bill, bill_id)
        assert (bill.units, bill.amount_paise, bill.paid_paise) == (250, 190000, 100000)
        assert s.execute(select(Payment)).scalar_one().status == "paid"


def test_older_extract_does_not_overwrite_newer_consumer_details(db):
    import_text(db, GOOD)
    import_text(db, HEADER + "N3210987654,Old Name,rural,9000000000,LV-1,2026-01,2026-02-05,2026-02-15,1,1.00\n")
    with db.session() as s:
        assert s.get(Consumer, "N3210987654").name == "Sunil Kumar Verma"


def test_cli_import_prints_counts_and_errors(database_url, tmp_path):
    bijli = str(Path(sys.executable).parent / "bijli")
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    ok = subprocess.run([bijli, "import-bills", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "2 consumers and 3 bills" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "N1,x,urban,,LV,2026-10,2026-11-05,2026-11-15,1,1\n", encoding="utf-8")
    fail = subprocess.run([bijli, "import-bills", str(bad)], capture_output=True, text=True)
    assert fail.returncode != 0
    assert "row 2: ivrs" in fail.stderr and "nothing was imported" in fail.stderr
    missing = subprocess.run([bijli, "import-bills", str(tmp_path / "nope.csv")], capture_output=True, text=True)
    assert missing.returncode != 0 and "cannot read" in missing.stderr


def test_demo_seed_has_all_area_types_six_months_and_a_shared_mobile(seeded_db):
    from bijli.billing import consumers_by_mobile
    from bijli.seed import seed_if_empty

    with seeded_db.session() as s:
        areas = {c.area_type for c in s.execute(select(Consumer)).scalars()}
        assert areas == {"urban", "rural", "agriculture"}
        assert s.execute(select(func.count()).select_from(Consumer)).scalar() >= 20
        per = s.execute(select(Bill.ivrs, func.count()).group_by(Bill.ivrs)).all()
        assert all(n == 6 for _, n in per)
        assert len(consumers_by_mobile(s, "9812345678")) == 2
    assert seed_if_empty(seeded_db) is None  # idempotent
