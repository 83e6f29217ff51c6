"""Property tests: the billing-extract importer.

Any file an operator feeds in ends in one of two ways: every row loaded, or a
``BillImportError`` listing ``row N: reason`` lines and nothing written. No
other exception escapes, and a row that is accepted fits its columns exactly
as given (issue 8, parts 6 and 7).
"""
import csv
import io
import re
from datetime import date, timedelta

from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from bijli.importer import HEADER, BillImportError, import_text, parse_extract
from bijli.models import Bill, Consumer
from bijli.money import MAX_PAISE, rupees_plain
from tests.unit.conftest import examples

INT32_MAX = 2 ** 31 - 1
NAME_LENGTH = Consumer.__table__.c.name.type.length
TARIFF_LENGTH = Consumer.__table__.c.tariff.type.length
IVRS_LENGTH = Consumer.__table__.c.ivrs.type.length


# csv.writer cannot write NUL; NUL in a file is covered by the any-file property.
ANY = st.characters(blacklist_characters="\x00")


# For each column: plausible values, and junk to put in their place.
FIELDS = {
    "ivrs": (st.sampled_from(["N3210987654", "n 3210-987654", "1100223344", "N321098765",
                              "११००२२३३४४", "N5500000001"]),
             st.text(alphabet="Nn0123456789 -x", max_size=14)),
    "name": (st.sampled_from(["Sunil Verma", "सुनील वर्मा", "Ram", "Lakshmi Bai, Smt."]),
             st.text(ANY, max_size=NAME_LENGTH + 20)),
    "area_type": (st.sampled_from(["urban", "rural", "agriculture", "Rural"]),
                  st.text(ANY, max_size=12)),
    "mobile": (st.sampled_from(["", "9812345678", "+919812345678", "09812345678", "+91 98123-45678"]),
               st.text(alphabet="0123456789+- ", max_size=16)),
    "tariff": (st.sampled_from(["LV-1.2", "LV-5", "HV-3", ""]),
               st.text(ANY, max_size=TARIFF_LENGTH + 10)),
    "bill_month": (None, st.text(alphabet="0123456789-", max_size=8)),
    "bill_date": (None, st.one_of(st.dates().map(date.isoformat), st.text(ANY, max_size=11))),
    "due_date": (None, st.one_of(st.dates().map(date.isoformat), st.text(ANY, max_size=11))),
    "units": (st.integers(0, 5000).map(str),
              st.one_of(st.integers(-10, 10 ** 20).map(str), st.text(ANY, max_size=6))),
    "amount": (st.integers(0, 10 ** 8).map(rupees_plain),
               st.one_of(st.integers(0, 10 ** 16).map(rupees_plain),
                         st.floats(allow_nan=True).map(str), st.text(ANY, max_size=10))),
}


@st.composite
def rows(draw):
    """A plausible row with none, one or two values replaced by junk, so that both
    the accepted and the refused side of each check get exercised."""
    row = {k: draw(good) for k, (good, _) in FIELDS.items() if good is not None}
    bill_date = draw(st.dates(date(2026, 1, 1), date(2026, 10, 31)))
    month = bill_date.replace(day=1) - timedelta(days=draw(st.sampled_from([0, 1])))
    row["bill_month"] = month.strftime("%Y-%m")
    row["bill_date"] = bill_date.isoformat()
    row["due_date"] = (bill_date + timedelta(days=draw(st.integers(0, 20)))).isoformat()
    for key in draw(st.lists(st.sampled_from(HEADER), max_size=2, unique=True)):
        row[key] = draw(FIELDS[key][1])
    return row


def to_csv(records):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for r in records:
        w.writerow([r[k] for k in HEADER])
    return buf.getvalue()


def physical_lines(text):
    return text.count("\n") + 1


def check_errors(errors, text):
    assert errors, "a rejected file must say why"
    for e in errors:
        m = re.match(r"^row (\d+): \S", e)
        assert m, f"not a 'row N: reason' line: {e!r}"
        assert 1 <= int(m.group(1)) <= physical_lines(text) + 1


def mobile_as_given(raw):
    """The 10 digits of an Indian mobile as written, or None if it is not one."""
    digits = re.sub(r"[\s\-]", "", raw)
    m = re.fullmatch(r"(?:\+91|91|0)?([6-9]\d{9})", digits)
    return m.group(1) if m else None


def check_accepted(row, given):
    assert re.fullmatch(r"N?\d{9,10}", row.ivrs) and len(row.ivrs) <= IVRS_LENGTH
    assert 0 < len(row.name) <= NAME_LENGTH and len(row.tariff) <= TARIFF_LENGTH
    assert 0 <= row.units <= INT32_MAX
    assert 0 <= row.amount_paise <= MAX_PAISE
    assert row.bill_date <= row.due_date
    assert row.bill_month <= row.bill_date.strftime("%Y-%m"), "a bill cannot be for a later month"
    if given["mobile"].strip():
        assert row.mobile == mobile_as_given(given["mobile"]), "a mobile is never truncated"
    else:
        assert row.mobile == ""


@examples(600)
@given(st.text(max_size=300))
@example("ivrs,name\x00\n")
@example(",".join(HEADER) + "\nN3210987654,\x00\n")
@example(",".join(HEADER) + "\n\"" + "x" * 140000 + "\"\n")
def test_any_file_is_loaded_or_refused_with_row_numbers(text):
    try:
        parse_extract(text)
    except BillImportError as e:
        check_errors(e.errors, text)


@examples(800)
@given(st.lists(rows(), min_size=1, max_size=4))
def test_rows_are_accepted_only_when_every_value_fits(records):
    text = to_csv(records)
    try:
        parsed = parse_extract(text)
    except BillImportError as e:
        event("refused")
        check_errors(e.errors, text)
        return
    event("accepted")
    assert len(parsed) == len(records)
    for row, given_row in zip(parsed, records):
        check_accepted(row, given_row)


@examples(150)
@given(st.lists(rows(), min_size=1, max_size=3))
@example([{**{k: "" for k in HEADER}, "ivrs": "N3210987654", "name": "Ram", "area_type": "urban",
           "bill_month": "2026-10", "bill_date": "2026-10-05", "due_date": "2026-10-15",
           "units": str(2 ** 40), "amount": "10.00"}])
@example([{**{k: "" for k in HEADER}, "ivrs": "N3210987654", "name": "R" * (NAME_LENGTH + 1),
           "area_type": "urban", "bill_month": "2026-10", "bill_date": "2026-10-05",
           "due_date": "2026-10-15", "units": "10", "amount": "10.00"}])
def test_an_import_writes_everything_or_nothing(db, snapshot, records):
    """On a real database: refused means not one row changed; loaded means every bill is there."""
    before = snapshot()
    text = to_csv(records)
    try:
        import_text(db, text)
    except BillImportError as e:
        event("refused")
        check_errors(e.errors, text)
        assert snapshot() == before
        return
    event("loaded")
    with db.session() as s:
        for r in parse_extract(text):
            bill = s.execute(select(Bill).where(Bill.ivrs == r.ivrs,
                                                Bill.bill_month == r.bill_month)).scalar_one()
            assert (bill.amount_paise, bill.units) == (r.amount_paise, r.units)
