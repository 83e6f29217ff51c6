"""Database access: one engine per database URL, one session per unit of work.

Engines are made on first use (never at import time) and kept by ``Database``
objects; callers pass a ``Database`` around instead of reaching for globals.
"""
from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets a busy timeout and its pragmas, since servers share the file."""
    kwargs: Dict[str, Any] = {"future": True, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
        if ":memory:" not in url and url.rstrip("/") != "sqlite:":
            # SQLAlchemy 1.4 opens and closes a SQLite file for every session (NullPool) and
            # re-runs the pragmas each time; an action made several (issue 19). Pooled instead.
            kwargs["poolclass"] = QueuePool
            kwargs["pool_pre_ping"] = False
        _ensure_sqlite_dir(url)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _ensure_sqlite_dir(url: str) -> None:
    from pathlib import Path

    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


class Database:
    """Owns an engine and hands out short-lived sessions."""

    def __init__(self, url: str, engine: Optional[Engine] = None):
        self.url = url
        self.engine = engine or make_engine(url)
        self._sessions = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error."""
        s = self._sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()
