"""Billing extract import: all or nothing.

Header: ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount
Every row is validated first; if any is bad, every problem is reported as
``row N: reason`` (N = line number in the file) and nothing is written.
Re-importing updates bills by (ivrs, bill_month) in place, so recorded
payments (and the paid amount on each bill) are never lost.
Values are refused, never cut to fit: text longer than its column, numbers
past their column (or MAX_PAISE), a bill month after its bill date's month or
in the future, a mobile that is not a 10-digit Indian mobile.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import BigInteger, SmallInteger, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from bijli.ivrs import IvrsError, normalize_ivrs
from bijli.models import AREA_TYPES, Bill, Consumer, utcnow
from bijli.money import MAX_PAISE, AmountError, parse_rupees, rupees_plain
from bijli.text import to_ascii_digits
from bijli.timefmt import IST

HEADER = ["ivrs", "name", "area_type", "mobile", "tariff", "bill_month", "bill_date",
          "due_date", "units", "amount"]
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DIGITS = re.compile(r"[0-9]+")
_PLAIN_AMOUNT = re.compile(r"[0-9]+(\.[0-9]*)?")


def _int_max(column) -> int:
    """The largest value the column's integer type holds on every database (PostgreSQL sizes)."""
    if isinstance(column.type, BigInteger):
        return 2 ** 63 - 1
    if isinstance(column.type, SmallInteger):
        return 2 ** 15 - 1
    return 2 ** 31 - 1


# Limits read from the schema, so a narrower column cannot be forgotten here.
NAME_MAX = Consumer.__table__.c.name.type.length
TARIFF_MAX = Consumer.__table__.c.tariff.type.length
UNITS_MAX = _int_max(Bill.__table__.c.units)
AMOUNT_MAX_PAISE = min(MAX_PAISE, _int_max(Bill.__table__.c.amount_paise))


@dataclass(frozen=True)
class BillRow:
    line: int
    ivrs: str
    name: str
    area_type: str
    mobile: str
    tariff: str
    bill_month: str
    bill_date: date
    due_date: date
    units: int
    amount_paise: int


@dataclass
class ImportResult:
    consumers: int = 0
    bills: int = 0
    bills_created: int = 0
    bills_updated: int = 0


class BillImportError(Exception):
    """The extract is bad; ``errors`` holds one ``row N: reason`` per problem."""

    def __init__(self, errors: List[str]):
        super().__init__("\n".join(errors))
        self.errors = list(errors)


def today_ist() -> date:
    """Today's date in India, where bill months are counted."""
    return datetime.now(IST).date()


def indian_mobile(value: str) -> str:
    """'+91 98123-45678', '919812345678', '09812345678' -> '9812345678'.

    Raises ValueError for anything that is not a 10-digit Indian mobile
    (first digit 6-9) once spaces, hyphens and one prefix (+91, 91 with 12
    digits, or 0 with 11) are removed: never cut down to 10 digits.
    """
    s = re.sub(r"[\s\-]+", "", to_ascii_digits(value))
    if s.startswith("+91"):
        s = s[3:]
    elif len(s) == 12 and s.startswith("91"):
        s = s[2:]
    elif len(s) == 11 and s.startswith("0"):
        s = s[1:]
    if not (len(s) == 10 and _DIGITS.fullmatch(s) and s[0] in "6789"):
        raise ValueError(f"mobile {value!r} is not a 10-digit Indian mobile number (starting 6-9)")
    return s


def _date(value: str, what: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date YYYY-MM-DD") from None


def _text(v: Dict[str, str], key: str, limit: int, problems: List[str]) -> None:
    if len(v[key]) > limit:
        problems.append(f"{key} is {len(v[key])} characters long (at most {limit})")
    if any(unicodedata.category(ch) == "Cc" for ch in v[key]):
        problems.append(f"{key} contains control characters")


def _units(value: str, problems: List[str]) -> int:
    value = to_ascii_digits(value)
    if not _DIGITS.fullmatch(value):
        problems.append(f"units {value!r} is not a whole number >= 0")
        return 0
    digits = value.lstrip("0") or "0"
    # Compare lengths first: int() of thousands of digits is slow, or refused.
    if len(digits) > len(str(UNITS_MAX)) or int(digits) > UNITS_MAX:
        problems.append(f"units {value!r} is too large (at most {UNITS_MAX})")
        return 0
    return int(digits)


def _amount(value: str, problems: List[str]) -> int:
    if not value:
        problems.append("amount is empty")
        return 0
    plain = value.replace(",", "").replace("₹", "").strip()
    whole = plain.split(".")[0].lstrip("0")
    # Lengths first: Decimal/int of thousands of digits is slow, or refused.
    if _PLAIN_AMOUNT.fullmatch(plain) and (len(whole) > len(str(AMOUNT_MAX_PAISE))
                                           or Decimal(plain) * 100 > AMOUNT_MAX_PAISE):
        problems.append(f"amount {value!r} is too large (at most {rupees_plain(AMOUNT_MAX_PAISE)})")
        return 0
    try:
        return parse_rupees(value)
    except AmountError as e:
        problems.append(str(e))
        return 0


def _parse_row(line: int, raw: Dict[str, str], today: Optional[date] = None) -> BillRow:
    problems: List[str] = []
    v = {k: (raw.get(k) or "").strip() for k in HEADER}
    ivrs = ""
    try:
        ivrs = normalize_ivrs(v["ivrs"])
    except IvrsError as e:
        problems.append(f"ivrs {v['ivrs']!r} is invalid ({e.code.replace('_', ' ')})")
    if not v["name"]:
        problems.append("name is empty")
    _text(v, "name", NAME_MAX, problems)
    _text(v, "tariff", TARIFF_MAX, problems)
    area = v["area_type"].lower()
    if area not in AREA_TYPES:
        problems.append(f"area_type {v['area_type']!r} must be one of {', '.join(AREA_TYPES)}")
    mobile = ""
    if v["mobile"]:
        try:
            mobile = indian_mobile(v["mobile"])
        except ValueError as e:
            problems.append(str(e))
    month_ok = bool(_MONTH.match(v["bill_month"]))
    if not month_ok:
        problems.append(f"bill_month {v['bill_month']!r} is not YYYY-MM")
    bill_date = due_date = None
    for key in ("bill_date", "due_date"):
        try:
            d = _date(v[key], key)
            if key == "bill_date":
                bill_date = d
            else:
                due_date = d
        except ValueError as e:
            problems.append(str(e))
    if bill_date and due_date and due_date < bill_date:
        problems.append("due_date is before bill_date")
    if month_ok and bill_date and v["bill_month"] > f"{bill_date:%Y-%m}":
        problems.append(f"bill_month {v['bill_month']} is later than the month of bill_date {bill_date}")
    this_month = f"{today or today_ist():%Y-%m}"
    if month_ok and v["bill_month"] > this_month:
        problems.append(f"bill_month {v['bill_month']} is in the future (this month is {this_month})")
    units = _units(v["units"], problems)
    amount = _amount(v["amount"], problems)
    if problems:
        raise ValueError("; ".join(problems))
    assert bill_date is not None and due_date is not None   # an unreadable date is one of the problems
    return BillRow(line, ivrs, v["name"], area, mobile, v["tariff"], v["bill_month"],
                   bill_date, due_date, units, amount)


def parse_extract(text: str, today: Optional[date] = None) -> List[BillRow]:
    """Parse and validate the whole extract; raise BillImportError listing every bad row.

    ``today`` (default: today in IST) decides which bill months are in the future.
    """
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as e:
        raise BillImportError([f"row 1: not readable as CSV ({e})"]) from None
    if header != HEADER:
        raise BillImportError([f"row 1: header must be {','.join(HEADER)} (got {','.join(header) or 'nothing'})"])
    reader.fieldnames = header
    rows: List[BillRow] = []
    errors: List[str] = []
    seen: Dict[Tuple[str, str], int] = {}
    start = 2
    while True:
        line = start
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            # The reader cannot be trusted past a broken line: report and stop.
            errors.append(f"row {line}: not readable as CSV ({e})")
            break
        start = reader.line_num + 1
        if None in raw or any(v is None for v in raw.values()):
            errors.append(f"row {line}: expected {len(HEADER)} columns")
            continue
        if not any((x or "").strip() for x in raw.values()):
            continue  # blank line
        try:
            row = _parse_row(line, raw, today)
        except ValueError as e:
            errors.append(f"row {line}: {e}")
            continue
        key = (row.ivrs, row.bill_month)
        if key in seen:
            errors.append(f"row {line}: duplicate bill for {row.ivrs} {row.bill_month} (also row {seen[key]})")
            continue
        seen[key] = line
        rows.append(row)
    if errors:
        raise BillImportError(errors)
    if not rows:
        raise BillImportError(["row 2: the file has no bill rows"])
    return rows


BATCH = 2000


def load_rows(session: Session, rows: Iterable[BillRow]) -> ImportResult:
    """Upsert consumers and bills in the caller's transaction, ``BATCH`` consumers at a time.

    A few set-based statements per batch instead of three per row: the row-at-a-time
    version wrote 190-490 rows a second, hours for a discom's 6 million bills (issue 19).
    """
    by_ivrs: Dict[str, List[BillRow]] = {}
    for r in rows:
        by_ivrs.setdefault(r.ivrs, []).append(r)
    result = ImportResult(consumers=len(by_ivrs), bills=sum(len(v) for v in by_ivrs.values()))
    ivrs_all = list(by_ivrs)
    for at in range(0, len(ivrs_all), BATCH):
        batch = {ivrs: by_ivrs[ivrs] for ivrs in ivrs_all[at:at + BATCH]}
        _load_consumers(session, batch)
        created, updated = _load_bills(session, batch)
        result.bills_created += created
        result.bills_updated += updated
    return result


def _load_consumers(session: Session, batch: Dict[str, List[BillRow]]) -> None:
    """New consumers are inserted; known ones take their details from their latest bill,
    unless the database already holds a later bill than this extract."""
    found = {c.ivrs: c for c in session.execute(
        select(Consumer).where(Consumer.ivrs.in_(batch))).scalars()}
    db_latest = dict(session.execute(
        select(Bill.ivrs, func.max(Bill.bill_month)).where(Bill.ivrs.in_(found))
        .group_by(Bill.ivrs)).all()) if found else {}
    new = []
    for ivrs, bills in batch.items():
        r = max(bills, key=lambda b: b.bill_month)
        consumer = found.get(ivrs)
        if consumer is None:
            new.append({"ivrs": ivrs, "name": r.name, "area_type": r.area_type,
                        "mobile": r.mobile or None, "tariff": r.tariff, "updated_at": utcnow()})
        elif ivrs not in db_latest or r.bill_month >= db_latest[ivrs]:
            consumer.name, consumer.area_type = r.name, r.area_type
            consumer.mobile, consumer.tariff = r.mobile or None, r.tariff
    if new:
        session.execute(insert(Consumer), new)
    session.flush()


# An executemany by primary key (SQLAlchemy 1.4's ORM has no bulk update by key in 2.0 style).
_UPDATE_BILL = (update(Bill.__table__).where(Bill.__table__.c.id == bindparam("bill_id"))
                .values(**{k: bindparam("new_" + k) for k in ("bill_date", "due_date", "units", "amount_paise")}))


def _load_bills(session: Session, batch: Dict[str, List[BillRow]]) -> Tuple[int, int]:
    """Bills by (ivrs, bill_month): inserted, or updated in place (payments are kept)."""
    known = {(ivrs, month): bill_id for bill_id, ivrs, month in session.execute(
        select(Bill.id, Bill.ivrs, Bill.bill_month).where(Bill.ivrs.in_(batch)))}
    new, changed = [], []
    for bills in batch.values():
        for r in bills:
            values = {"bill_date": r.bill_date, "due_date": r.due_date, "units": r.units,
                      "amount_paise": r.amount_paise}
            bill_id = known.get((r.ivrs, r.bill_month))
            if bill_id is None:
                new.append({"ivrs": r.ivrs, "bill_month": r.bill_month, "paid_paise": 0, **values})
            else:
                changed.append({"bill_id": bill_id, **{"new_" + k: v for k, v in values.items()}})
    if new:
        session.execute(insert(Bill), new)
    if changed:
        session.execute(_UPDATE_BILL, changed)
    session.flush()
    return len(new), len(changed)


def import_text(db, text: str, today: Optional[date] = None) -> ImportResult:
    """Validate everything, then write everything in one transaction."""
    rows = parse_extract(text, today)
    with db.session() as session:
        return load_rows(session, rows)
