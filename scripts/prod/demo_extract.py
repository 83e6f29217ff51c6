"""The demo billing extract for the local production topology (make prod).

``bijli seed`` loads nothing in production, so ``make prod`` loads the same 24 demo
consumers the way an operator loads a discom's extract: ``bijli import-bills``. This
writes that CSV to PATH and exits 0 only when the billing database has no consumer yet
(exit 3: it has some, nothing written), so a second ``make prod`` changes nothing.
"""
import sys
from typing import List

from sqlalchemy import func, select

from bijli.db import Database
from bijli.models import Consumer
from bijli.seed import demo_rows
from bijli.settings import Settings

HEADER = "ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount"


def main(argv: List[str]) -> int:
    """Write the extract if the database is empty."""
    with Database(Settings.from_env().database_url).session() as session:
        if session.execute(select(func.count()).select_from(Consumer)).scalar():
            return 3
    lines = [HEADER] + [
        f"{r.ivrs},{r.name},{r.area_type},{r.mobile},{r.tariff},{r.bill_month},{r.bill_date},"
        f"{r.due_date},{r.units},{r.amount_paise // 100}.{r.amount_paise % 100:02d}"
        for r in demo_rows()]
    with open(argv[1], "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
