"""Times and dates as consumers read them. Stored times are naive UTC;
replies show Indian Standard Time (India has no daylight saving)."""
from datetime import date, datetime, timedelta, timezone
from typing import Optional

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def to_ist(dt: datetime) -> datetime:
    """A naive-UTC (or aware) datetime in Indian Standard Time."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(IST)


def format_ist(dt: Optional[datetime], zone: bool = True) -> str:
    """'25-11-2026 22:41 IST' (24-hour clock); '-' when there is no time.

    The one way replies print a time. ``zone=False`` leaves out " IST" where the
    zone is already said (an operator table's "(IST)" header, a text "by {time} IST")."""
    if dt is None:
        return "-"
    text = to_ist(dt).strftime("%d-%m-%Y %H:%M")
    return text + " IST" if zone else text


def month_label(bill_month: str) -> str:
    """'2026-10' -> '10/2026'."""
    return f"{bill_month[5:7]}/{bill_month[:4]}" if bill_month else ""


def date_label(day: date) -> str:
    """A calendar date as '05-12-2026'."""
    return day.strftime("%d-%m-%Y")
