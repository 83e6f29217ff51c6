from sqlalchemy import inspect

from bijli.db import make_engine
from bijli.migrate import upgrade


def test_migrations_create_schema_and_rerun_in_place(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    upgrade(url)  # an existing database upgrades in place (no-op at head)
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"consumers", "bills", "payments", "alembic_version"} <= tables
