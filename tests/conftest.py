"""Shared fixtures: a real, migrated SQLite database per test."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def _postgres_database(server_url: str):
    """Create a throwaway database on the PostgreSQL server; return (url, drop)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "bijli_t_" + uuid.uuid4().hex[:12]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def database_url(tmp_path, monkeypatch):
    """A fresh, migrated database: SQLite in tmp_path, or, when
    BIJLI_TEST_POSTGRES_URL names a PostgreSQL server, a new database there."""
    from bijli.migrate import upgrade

    server = os.environ.get("BIJLI_TEST_POSTGRES_URL")
    drop = None
    if server:
        url, drop = _postgres_database(server)
    else:
        url = f"sqlite:///{tmp_path / 'bijli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade(url)
    yield url
    if drop:
        drop()


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
