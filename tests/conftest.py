"""Shared fixtures: a real, migrated SQLite database per test."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


@pytest.fixture
def database_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'bijli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    from bijli.migrate import upgrade

    upgrade(url)
    return url


@pytest.fixture
def db(database_url):
    from bijli.db import Database

    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def seeded_db(db):
    from bijli.seed import seed_if_empty

    seed_if_empty(db)
    return db


@pytest.fixture
def services(seeded_db):
    from bijli.flows.core import Services
    from bijli.settings import Settings

    return Services(db=seeded_db, settings=Settings.from_env())
