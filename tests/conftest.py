"""Shared fixtures: a real, migrated database per test (SQLite, or PostgreSQL under
`make test-postgres`), and the ``db`` mark on every test that uses one."""
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a PostgreSQL run without a PostgreSQL server before any test runs: under
    ``-m db`` test_postgres_engine.py's own check of this is not selected."""
    if os.environ.get("BIJLI_EXPECT_POSTGRES") == "1" and not os.environ.get(
            "BIJLI_TEST_POSTGRES_URL", "").startswith("postgresql"):
        raise pytest.UsageError("BIJLI_EXPECT_POSTGRES=1 but BIJLI_TEST_POSTGRES_URL is not a PostgreSQL URL: "
                                "the PostgreSQL run would silently test SQLite")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    """Mark ``db`` every test whose fixtures reach ``database_url``: `make test-postgres`
    runs ``-m db``. Decided from the fixture closure, before ``-m`` deselects (tryfirst),
    so a new test that asks for a database, directly or through another fixture, is in."""
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


def _postgres_admin(server_url: str):
    from sqlalchemy import create_engine

    return create_engine(server_url, isolation_level="AUTOCOMMIT", future=True)


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory) -> Iterator[str]:
    """One database migrated once per run (and per xdist worker), for each test to copy:
    its file (SQLite), or the CREATE DATABASE options that copy it (PostgreSQL). A copy has
    the schema that the migrations give, without running them once per test; they are
    tested themselves in test_migrations.py and test_postgres_engine.py."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from bijli.migrate import upgrade

    server = os.environ.get("BIJLI_TEST_POSTGRES_URL")
    if not server:
        path = tmp_path_factory.mktemp("template") / "bijli.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    name = "bijli_tpl_" + uuid.uuid4().hex[:12]
    admin = _postgres_admin(server)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
        # PostgreSQL 15's default WAL_LOG copy cost 3 times the server CPU of FILE_COPY here
        # (2.6 s against 0.8 s for 30 copies and drops, fsync off); older servers only copy files.
        modern = int(c.execute(text("SHOW server_version_num")).scalar_one()) >= 150000
    try:
        upgrade(make_url(server).set(database=name).render_as_string(hide_password=False))
        yield f'TEMPLATE "{name}"' + (" STRATEGY FILE_COPY" if modern else "")
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path, monkeypatch, _migrated_template):
    """A fresh, migrated database: SQLite in tmp_path, or, when
    BIJLI_TEST_POSTGRES_URL names a PostgreSQL server, a new database there."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    server = os.environ.get("BIJLI_TEST_POSTGRES_URL")
    if not server:
        path = tmp_path / "bijli.db"
        shutil.copyfile(_migrated_template, path)
        url = f"sqlite:///{path}"
        monkeypatch.setenv("DATABASE_URL", url)
        yield url
        return
    name = "bijli_t_" + uuid.uuid4().hex[:12]
    admin = _postgres_admin(server)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" {_migrated_template}'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
