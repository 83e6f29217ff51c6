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
