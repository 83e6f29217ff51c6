"""Billing extract import: all or nothing.

Header: ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount
Every row is validated first; if any is bad, every problem is reported as
``row N: reason`` (N = line number in the file) and nothing is written.
Re-importing updates bills by (ivrs, bill_month) in place, so recorded
payments (and the paid amount on each bill) are never lost.
"""
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Dict, Iterable, List, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bijli.ivrs import IvrsError, normalize_ivrs
from bijli.models import AREA_TYPES, Bill, Consumer
from bijli.money import AmountError, parse_rupees
from bijli.privacy import last10

HEADER = ["ivrs", "name", "area_type", "mobile", "tariff", "bill_month", "bill_date",
          "due_date", "units", "amount"]
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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


def _date(value: str, what: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date YYYY-MM-DD") from None


def _parse_row(line: int, raw: Dict[str, str]) -> BillRow:
    problems = []
    v = {k: (raw.get(k) or "").strip() for k in HEADER}
    ivrs = ""
    try:
        ivrs = normalize_ivrs(v["ivrs"])
    except IvrsError as e:
        problems.append(f"ivrs {v['ivrs']!r} is invalid ({e.code.replace('_', ' ')})")
    if not v["name"]:
        problems.append("name is empty")
    area = v["area_type"].lower()
    if area not in AREA_TYPES:
        problems.append(f"area_type {v['area_type']!r} must be one of {', '.join(AREA_TYPES)}")
    mobile = ""
    if v["mobile"]:
        digits = re.sub(r"[\s\-+]", "", v["mobile"])
        mobile = last10(digits)
        if not digits.isdigit() or not mobile or len(digits) not in (10, 11, 12) or mobile[0] not in "6789":
            problems.append(f"mobile {v['mobile']!r} is not a 10-digit Indian mobile number")
    if not _MONTH.match(v["bill_month"]):
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
    units = 0
    if not re.fullmatch(r"\d+", v["units"]):
        problems.append(f"units {v['units']!r} is not a whole number >= 0")
    else:
        units = int(v["units"])
    amount = 0
    try:
        amount = parse_rupees(v["amount"]) if v["amount"] else None
        if amount is None:
            problems.append("amount is empty")
    except AmountError as e:
        problems.append(str(e))
    if problems:
        raise ValueError("; ".join(problems))
    return BillRow(line, ivrs, v["name"], area, mobile, v["tariff"], v["bill_month"],
                   bill_date, due_date, units, amount)


def parse_extract(text: str) -> List[BillRow]:
    """Parse and validate the whole extract; raise BillImportError listing every bad row."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if header != HEADER:
        raise BillImportError([f"row 1: header must be {','.join(HEADER)} (got {','.join(header) or 'nothing'})"])
    reader.fieldnames = header
    rows: List[BillRow] = []
    errors: List[str] = []
    seen: Dict[Tuple[str, str], int] = {}
    start = 2
    for raw in reader:
        line = start
        start = reader.line_num + 1
        if None in raw or any(v is None for v in raw.values()):
            errors.append(f"row {line}: expected {len(HEADER)} columns")
            continue
        if not any((x or "").strip() for x in raw.values()):
            continue  # blank line
        try:
            row = _parse_row(line, raw)
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


def load_rows(session: Session, rows: Iterable[BillRow]) -> ImportResult:
    """Upsert consumers and bills in the caller's transaction."""
    rows = list(rows)
    latest: Dict[str, BillRow] = {}
    for r in rows:
        if r.ivrs not in latest or r.bill_month > latest[r.ivrs].bill_month:
            latest[r.ivrs] = r
    result = ImportResult(consumers=len(latest), bills=len(rows))
    for ivrs, r in latest.items():
        consumer = session.get(Consumer, ivrs)
        db_latest = session.execute(
            select(func.max(Bill.bill_month)).where(Bill.ivrs == ivrs)).scalar()
        if consumer is None:
            session.add(Consumer(ivrs=ivrs, name=r.name, area_type=r.area_type,
                                 mobile=r.mobile or None, tariff=r.tariff))
        elif db_latest is None or r.bill_month >= db_latest:
            consumer.name, consumer.area_type = r.name, r.area_type
            consumer.mobile, consumer.tariff = r.mobile or None, r.tariff
    session.flush()
    for r in rows:
        bill = session.execute(
            select(Bill).where(Bill.ivrs == r.ivrs, Bill.bill_month == r.bill_month)
        ).scalar_one_or_none()
        if bill is None:
            session.add(Bill(ivrs=r.ivrs, bill_month=r.bill_month, bill_date=r.bill_date,
                             due_date=r.due_date, units=r.units, amount_paise=r.amount_paise,
                             paid_paise=0))
            result.bills_created += 1
        else:
            bill.bill_date, bill.due_date = r.bill_date, r.due_date
            bill.units, bill.amount_paise = r.units, r.amount_paise
            result.bills_updated += 1
    session.flush()
    return result


def import_text(db, text: str) -> ImportResult:
    """Validate everything, then write everything in one transaction."""
    rows = parse_extract(text)
    with db.session() as session:
        return load_rows(session, rows)
