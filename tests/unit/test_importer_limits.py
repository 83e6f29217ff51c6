"""Importer limits: every value that does not fit is a `row N: reason`, never a
traceback, and nothing is written. Boundaries on both sides of each limit;
the accepted side is stored and read back (on PostgreSQL too, under
`make test-postgres`, where column sizes are enforced).
"""
import csv
import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bijli.importer import (
    AMOUNT_MAX_PAISE,
    NAME_MAX,
    TARIFF_MAX,
    UNITS_MAX,
    BillImportError,
    import_text,
    indian_mobile,
)
from bijli.models import Bill, Consumer

HEADER = "ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount\n"
TODAY = date(2026, 11, 27)
IVRS = "N3210987654"


def row(**over) -> str:
    v = dict(ivrs=IVRS, name="Sunil Verma", area_type="urban", mobile="9812345678",
             tariff="LV-1.2", bill_month="2026-10", bill_date="2026-11-05", due_date="2026-11-15",
             units="245", amount="1847.00")
    v.update(over)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([v[k] for k in HEADER.strip().split(",")])
    return out.getvalue()


def stored(db):
    with db.session() as s:
        consumers = s.execute(select(func.count()).select_from(Consumer)).scalar_one()
        bills = s.execute(select(func.count()).select_from(Bill)).scalar_one()
    return consumers, bills


def rejected(db, *rows: str) -> list:
    """Import the rows; they must be refused with nothing written. Return the errors."""
    with pytest.raises(BillImportError) as e:
        import_text(db, HEADER + "".join(rows), today=TODAY)
    assert stored(db) == (0, 0)
    return e.value.errors


def accepted(db, *rows: str):
    import_text(db, HEADER + "".join(rows), today=TODAY)
    with db.session() as s:
        return s.get(Consumer, IVRS), s.execute(select(Bill).where(Bill.ivrs == IVRS)).scalar_one()


def test_the_limits_come_from_the_columns():
    assert (NAME_MAX, TARIFF_MAX) == (Consumer.name.type.length, Consumer.tariff.type.length) == (120, 16)
    assert UNITS_MAX == 2 ** 31 - 1 and AMOUNT_MAX_PAISE == 10 ** 12


# -- text lengths -------------------------------------------------------------------------

def test_a_name_of_120_characters_is_stored_whole(db):
    name = "सुनील " + "व" * (NAME_MAX - 6)  # Devanagari: characters, not bytes, count
    assert len(name) == 120
    consumer, _ = accepted(db, row(name=name))
    assert consumer.name == name


def test_a_name_of_121_characters_is_refused(db):
    assert rejected(db, row(name="A" * 121)) == ["row 2: name is 121 characters long (at most 120)"]


def test_a_tariff_of_16_characters_is_stored_and_17_is_refused(db):
    assert rejected(db, row(tariff="T" * 17)) == ["row 2: tariff is 17 characters long (at most 16)"]
    consumer, _ = accepted(db, row(tariff="LV-1.2-URBAN-XYZ"))
    assert consumer.tariff == "LV-1.2-URBAN-XYZ"


def test_control_characters_in_a_name_are_refused(db):
    assert rejected(db, row(name="Sunil\x07Verma")) == ["row 2: name contains control characters"]


# -- numbers ----------------------------------------------------------------------------------

def test_units_up_to_the_integer_column_are_stored(db):
    _, bill = accepted(db, row(units=str(2 ** 31 - 1)))
    assert bill.units == 2 ** 31 - 1


def test_units_in_devanagari_digits_are_read(db):
    _, bill = accepted(db, row(units="२४५"))
    assert bill.units == 245


@pytest.mark.parametrize("units", [str(2 ** 31), "9" * 11, "9" * 5000])
def test_units_past_the_integer_column_are_refused(db, units):
    errors = rejected(db, row(units=units))
    assert errors == [f"row 2: units {units!r} is too large (at most 2147483647)"]


def test_the_largest_amount_is_stored_to_the_paisa(db):
    _, bill = accepted(db, row(amount="10000000000.00"))
    assert bill.amount_paise == 10 ** 12


@pytest.mark.parametrize("amount", ["10000000000.01", "10,000,000,001", "99999999999999",
                                    "9" * 40 + ".50", "9" * 5000])
def test_amounts_past_the_limit_are_refused(db, amount):
    errors = rejected(db, row(amount=amount))
    assert errors == [f"row 2: amount {amount!r} is too large (at most 10000000000.00)"]


# -- bill months ------------------------------------------------------------------------------

def test_bill_month_may_be_the_month_of_its_bill_date_or_earlier(db):
    import_text(db, HEADER + row(bill_month="2026-11", bill_date="2026-11-01", due_date="2026-11-15")
                + row(bill_month="2026-10"), today=TODAY)
    assert stored(db) == (1, 2)


def test_bill_month_later_than_its_bill_date_is_refused(db):
    errors = rejected(db, row(bill_month="2026-11", bill_date="2026-10-31", due_date="2026-11-10"))
    assert errors == ["row 2: bill_month 2026-11 is later than the month of bill_date 2026-10-31"]


def test_bill_month_in_the_future_is_refused(db):
    errors = rejected(db, row(bill_month="2026-12", bill_date="2026-12-01", due_date="2026-12-15"))
    assert errors == ["row 2: bill_month 2026-12 is in the future (this month is 2026-11)"]
    # The same row is fine once that month has come.
    import_text(db, HEADER + row(bill_month="2026-12", bill_date="2026-12-01", due_date="2026-12-15"),
                today=date(2026, 12, 1))
    assert stored(db) == (1, 1)


# -- mobiles ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "9812345678", "+919812345678", "+91 98123 45678", "91-98123-45678", "919812345678",
    "09812345678", "098123 45678", "९८१२३४५६७८",
])
def test_indian_mobiles_are_stored_as_ten_digits(db, typed):
    consumer, _ = accepted(db, row(mobile=typed))
    assert consumer.mobile == "9812345678"


def test_the_first_digit_may_be_6_to_9():
    assert [indian_mobile(f"{d}000000001") for d in "6789"] == [
        "6000000001", "7000000001", "8000000001", "9000000001"]


@pytest.mark.parametrize("typed", [
    "5812345678",        # first digit 5
    "0812345678",        # 10 digits with a leading 0: 9 after it
    "98123456789",       # 11 digits, not 0 + 10
    "981234567",         # 9 digits
    "+9198123456789",    # +91 and 11 digits
    "919812345678 1",    # 13 digits
    "0919812345678",     # 0 and 91 both
    "+929812345678",     # another country
    "+91 5812345678",    # +91 and first digit 5
    "9812345678x", "98123.45678", "(981)2345678",
])
def test_other_mobiles_are_refused_not_cut_down(db, typed):
    errors = rejected(db, row(mobile=typed))
    assert errors == [f"row 2: mobile {typed!r} is not a 10-digit Indian mobile number (starting 6-9)"]


def test_an_empty_mobile_is_allowed(db):
    consumer, _ = accepted(db, row(mobile=""))
    assert consumer.mobile is None


# -- all together, and the command line -----------------------------------------------------

def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(db):
    errors = rejected(db, row(), row(ivrs="N3210000001", name="B" * 121, units=str(2 ** 31)),
                      row(ivrs="N3210000002", mobile="5000000000"), row(ivrs="N3210000003"))
    assert [e.split(":")[0] for e in errors] == ["row 3", "row 4"]
    assert "name is 121 characters long" in errors[0] and "units" in errors[0]


@pytest.mark.parametrize("bad", ["Sunil@NUL@Verma", "x" * 200_000])
def test_unreadable_csv_is_a_row_error(db, bad):
    # A NUL byte (written raw: the csv writer refuses it), or a field past csv's size limit.
    errors = rejected(db, row(), row(ivrs="N3210000001", name=bad).replace("@NUL@", "\x00"))
    assert len(errors) == 1 and errors[0].startswith("row 3: ")


def test_cli_reports_rows_never_a_traceback(database_url, tmp_path):
    bijli = str(Path(sys.executable).parent / "bijli")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + row(units="9" * 5000) + row(ivrs="N3210000001", amount="9" * 40)
                   + row(ivrs="N3210000002", mobile="98123456789"), encoding="utf-8")
    done = subprocess.run([bijli, "import-bills", str(bad)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert [ln.split(":")[0] for ln in lines[:3]] == ["row 2", "row 3", "row 4"]
    assert lines[3] == "3 bad row(s); nothing was imported"
