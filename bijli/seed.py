"""Demo data for ``make run``: 24 consumers of all three types, 6 months each.

Deterministic (no randomness), and only written into an empty database. The bill
months and dates follow the day it is seeded (the current bill is always last
month's, due in 10 days); the units and amounts do not: each comes from the
consumer and the bill's place among the six (current, one before, ...), never from
the calendar month, so the demo amounts, and every test that quotes them, are the
same whatever day it runs.
Mobile 9812345678 has two connections (N3210987654 urban, 1100223344 rural).
N3000000099 has nothing due on its current bill.
"""
import hashlib
from datetime import date, timedelta
from typing import List, Optional

from sqlalchemy import func, select

from bijli.importer import BillRow, ImportResult, load_rows
from bijli.models import Consumer

# ivrs, name, area, mobile, tariff
DEMO_CONSUMERS = [
    ("N3210987654", "सुनील वर्मा", "urban", "9812345678", "LV-1.2"),
    ("1100223344", "सुनील वर्मा", "rural", "9812345678", "LV-1.2"),
    ("N3210000001", "अनीता शर्मा", "urban", "9826000001", "LV-1.2"),
    ("N3210000002", "राजेश पटेल", "urban", "9826000002", "LV-2"),
    ("N3210000003", "Priya Singh", "urban", "9826000003", "LV-1.2"),
    ("N3210000004", "मोहम्मद सलीम", "urban", "9826000004", "LV-1.1"),
    ("N3210000005", "कविता जैन", "urban", "9826000005", "LV-1.2"),
    ("N3210000006", "Arun Mishra", "urban", "", "LV-2"),
    ("N3210000007", "सीमा यादव", "urban", "9826000007", "LV-1.2"),
    ("N3210000008", "दीपक चौहान", "urban", "9826000008", "LV-4"),
    ("N4410000001", "रामप्रसाद कुशवाहा", "rural", "9977000001", "LV-1.2"),
    ("N4410000002", "गीता बाई", "rural", "9977000002", "LV-1.1"),
    ("N4410000003", "हरि सिंह लोधी", "rural", "9977000003", "LV-1.2"),
    ("N4410000004", "Santosh Ahirwar", "rural", "9977000004", "LV-2"),
    ("N4410000005", "कमला देवी", "rural", "", "LV-1.1"),
    ("N4410000006", "भगवान दास", "rural", "9977000006", "LV-1.2"),
    ("N5510000001", "मुकेश पाटीदार", "agriculture", "9300000001", "LV-5"),
    ("N5510000002", "बलराम मीणा", "agriculture", "9300000002", "LV-5"),
    ("N5510000003", "Shyam Lal Dangi", "agriculture", "9300000003", "LV-5"),
    ("N5510000004", "जगदीश गुर्जर", "agriculture", "9300000004", "LV-5"),
    ("N5510000005", "राधेश्याम राजपूत", "agriculture", "9300000004", "LV-5"),
    ("2200334455", "लक्ष्मी नारायण", "rural", "9977000010", "LV-1.2"),
    ("N5510000006", "सुरेश धाकड़", "agriculture", "9300000006", "LV-5"),
    ("N3000000099", "नेहा गुप्ता", "urban", "9826000099", "LV-1.2"),
]

_RATE_PAISE = {"LV-1.1": 325, "LV-1.2": 610, "LV-2": 780, "LV-4": 720, "LV-5": 480}
_FIXED_PAISE = {"urban": 13900, "rural": 8800, "agriculture": 18000}


def _month_start(d: date, back: int) -> date:
    y, m = d.year, d.month - back
    while m <= 0:
        m += 12
        y -= 1
    return date(y, m, 1)


def demo_rows(today: Optional[date] = None) -> List[BillRow]:
    """Bills for the 6 months before ``today``'s month, deterministic per consumer."""
    today = today or date.today()
    rows: List[BillRow] = []
    for ivrs, name, area, mobile, tariff in DEMO_CONSUMERS:
        for back in range(6, 0, -1):
            month = _month_start(today, back)
            # The current bill was issued 5 days ago, so its due date is ahead.
            issued = (today - timedelta(days=5)) if back == 1 else _month_start(today, back - 1) + timedelta(days=4)
            h = int(hashlib.sha256(f"{ivrs}/{back}".encode()).hexdigest(), 16)
            units = 60 + h % 340 if area != "agriculture" else 300 + h % 900
            amount = units * _RATE_PAISE[tariff] + _FIXED_PAISE[area]
            amount -= amount % 100  # bills are in whole rupees
            if ivrs == "N3000000099" and back == 1:
                amount = 0
            if ivrs == "N3210987654" and back == 1:
                units, amount = 245, 184700  # the walk-through's example bill
            rows.append(BillRow(0, ivrs, name, area, mobile, tariff, f"{month:%Y-%m}",
                                issued, issued + timedelta(days=15), units, amount))
    return rows


def seed_if_empty(db, today: Optional[date] = None) -> Optional[ImportResult]:
    """Load the demo data if there are no consumers yet; return None otherwise."""
    with db.session() as session:
        if session.execute(select(func.count()).select_from(Consumer)).scalar():
            return None
        return load_rows(session, demo_rows(today))
