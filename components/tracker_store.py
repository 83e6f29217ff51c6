"""Rasa's SQL tracker store, made to survive a database restart.

Rasa's ``SQLTrackerStore`` keeps pooled connections that die with the server: after a
PostgreSQL restart its first query on each stale connection fails. ``pool_pre_ping``
tests a connection before handing it out, so service resumes without restarting Rasa.
"""
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain


class BijliSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with connections checked before use (same endpoint keys)."""

    def __init__(self, domain: Optional[Domain] = None, **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        # Rasa made its engine (and the tables) without pre-ping: swap in one with it.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
