"""`bijli seed` loads demo consumers only outside production (issue 8)."""
from sqlalchemy import func, select

from bijli.cli import main
from bijli.models import Consumer


def _consumers(db) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(Consumer)).scalar_one()


def test_seed_refuses_demo_data_in_production(db, monkeypatch, capsys):
    monkeypatch.setenv("BIJLI_ENV", "production")
    assert main(["seed"]) == 0
    assert "production" in capsys.readouterr().out
    assert _consumers(db) == 0


def test_seed_loads_demo_data_in_development(db, monkeypatch, capsys):
    monkeypatch.setenv("BIJLI_ENV", "development")
    assert main(["seed"]) == 0
    assert _consumers(db) == 24


def test_the_demo_amounts_do_not_change_with_the_month_only_the_bill_months_do():
    """Tests and the README quote demo amounts: a seed run in another month must show the same
    ones (a hash of the calendar month turned CI red every 1st of the month)."""
    from datetime import date

    from bijli.seed import demo_rows

    def bills(today):
        return [(r.ivrs, r.units, r.amount_paise) for r in demo_rows(today)]

    def months(today):
        return sorted({r.bill_month for r in demo_rows(today)})

    december, next_january, a_year_on = date(2026, 12, 7), date(2027, 1, 7), date(2027, 12, 31)
    assert bills(december) == bills(next_january) == bills(a_year_on)
    assert months(december) == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert months(next_january)[-1] == "2026-12" and months(a_year_on)[-1] == "2027-11"
    current = {r.ivrs: r for r in demo_rows(next_january) if r.bill_month == "2026-12"}
    assert current["N3210987654"].amount_paise == 184700          # the README's walk-through bill
    assert current["N3000000099"].amount_paise == 0                # nothing due
    assert current["1100223344"].due_date > next_january           # the current bill is not overdue
