"""The database the tests run on is the one the run asked for, and the migrations
go up, down and up again on it (SQLite by default; PostgreSQL under
`make test-postgres`, which sets BIJLI_EXPECT_POSTGRES=1 so that a missing
server fails here instead of quietly testing SQLite twice)."""
import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bijli.db import make_engine
from bijli.migrate import alembic_config, upgrade
from bijli.models import Base


def expected_dialect() -> str:
    return "postgresql" if os.environ.get("BIJLI_TEST_POSTGRES_URL") else "sqlite"


# No database fixture, but it belongs to the PostgreSQL pass (make test-postgres runs -m db).
@pytest.mark.db
def test_a_postgres_run_really_has_a_postgres_server():
    if os.environ.get("BIJLI_EXPECT_POSTGRES") == "1":
        assert os.environ.get("BIJLI_TEST_POSTGRES_URL", "").startswith("postgresql"), (
            "BIJLI_EXPECT_POSTGRES=1 but BIJLI_TEST_POSTGRES_URL is not a PostgreSQL URL: "
            "the PostgreSQL run would silently test SQLite")


def test_the_db_fixture_runs_on_the_requested_engine(db):
    assert db.engine.dialect.name == expected_dialect()
    with db.engine.connect() as c:
        if expected_dialect() == "postgresql":
            assert c.execute(text("SELECT version()")).scalar().startswith("PostgreSQL")
        else:
            assert c.execute(text("SELECT sqlite_version()")).scalar()


def tables(url):
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def schema_drift(url):
    """What bijli.models has that the migrated database lacks (empty when in step)."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            diffs = compare_metadata(MigrationContext.configure(c, opts={"compare_type": False}),
                                     Base.metadata)
    finally:
        engine.dispose()
    # What the models need and the migrations lack: a table or a column. (Tables the
    # models here do not describe, e.g. a feature's own models module, are not drift;
    # index naming differs by backend.)
    return [d for d in diffs if isinstance(d, tuple) and d[0] in ("add_table", "add_column")]


def test_migrations_go_up_down_and_up_again(database_url):
    """The fixture migrated to head already; a full downgrade and a new upgrade must both work."""
    model_tables = set(Base.metadata.tables)
    assert model_tables <= tables(database_url)
    assert schema_drift(database_url) == []

    command.downgrade(alembic_config(database_url), "base")
    assert tables(database_url) - {"alembic_version"} == set()

    upgrade(database_url)
    assert model_tables <= tables(database_url)
    assert schema_drift(database_url) == []
    engine = make_engine(database_url)
    try:
        with engine.begin() as c:
            c.execute(text("INSERT INTO consumers (ivrs, name, area_type, tariff, updated_at) "
                           "VALUES ('N3210987654', 'Sunil Verma', 'urban', 'LV-1.2', CURRENT_TIMESTAMP)"))
            assert c.execute(text("SELECT count(*) FROM consumers")).scalar() == 1
    finally:
        engine.dispose()
