"""Rasa's SQL tracker store, with sessions of bounded length, that survives a database restart.

Why a session must stay short (issue 19): on every message Rasa loads and deserialises
each event of the current session, RulePolicy builds states over all of it, and each
custom action receives all of it. A consumer who keeps writing never lets the session
expire (``session_expiration_time`` counts from the last message), so each turn cost more
than the one before: 2,200 events and 375 ms a turn after 150 turns, against 135 ms at the
start.

So after ``max_session_turns`` consumer messages, at the end of a turn with no form
active, the store starts a new session exactly as Rasa does when a session expires
(``action_session_start``, ``session_started``, the slots, ``action_listen``), carrying
over every slot that holds a value. The dialogue reads only slots and the current turn
(every rule in data/rules/ starts within one turn), so the next message is understood as
before. Nothing is deleted: the full history stays in the store, and
``GET /conversations/<id>/tracker`` (``retrieve_full_tracker``) still returns all of it.

Also:
- Connections are pre-pinged: after a PostgreSQL restart the pool's stale connections
  would otherwise fail their first query; service resumes with no restart of Rasa.
- A conversation's latest session start is found first, then only its events are read,
  both through indexes: Rasa's one query (a sub-query joined with ``OR ... IS NULL``) read
  every row of the conversation's whole history on each load and each save.
- SQLite (the development default) keeps its connection open between turns and writes in
  WAL mode without an fsync per commit.
"""
import time
from typing import Any, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_MAX_SESSION_TURNS = 10
INDEXES = {"ix_events_sender_type_time": ("sender_id", "type_name", "timestamp"),
           "ix_events_sender_time": ("sender_id", "timestamp")}


class BijliSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` (same endpoint keys) plus ``max_session_turns`` (0: unbounded)."""

    def __init__(self, domain: Optional[Domain] = None,
                 max_session_turns: int = DEFAULT_MAX_SESSION_TURNS, **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        self.max_session_turns = int(max_session_turns)
        url = self.engine.url  # type: ignore[has-type]
        self.engine.dispose()  # type: ignore[has-type]
        if url.get_backend_name() == "sqlite":
            # SQLAlchemy 1.4 opens and closes a SQLite file for every session by default
            # (NullPool): a tenth of a turn's time. One pooled connection is kept instead.
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool,
                                           connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        table = self.SQLEvent.__table__
        for name, columns in INDEXES.items():
            sa.Index(name, *(table.c[column] for column in columns)).create(self.engine, checkfirst=True)

    def _event_query(self, session: Any, sender_id: Text, fetch_events_from_all_sessions: bool) -> Any:
        """The conversation's events in order: all of them, or those of its latest session."""
        events = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            start = session.query(sa.func.max(self.SQLEvent.timestamp)).filter(
                self.SQLEvent.sender_id == sender_id,
                self.SQLEvent.type_name == SessionStarted.type_name).scalar()
            if start is not None:
                events = events.filter(self.SQLEvent.timestamp >= start)
        return events.order_by(self.SQLEvent.id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn's new events; start a new session first if this one is full."""
        if self.session_is_full(tracker):
            for event in session_restart_events(tracker, self.domain):
                tracker.update(event)
        await super().save(tracker)

    def session_is_full(self, tracker: DialogueStateTracker) -> bool:
        """The session holds enough consumer messages, and the turn ended outside any form."""
        if self.max_session_turns <= 0 or tracker.active_loop_name:
            return False
        last = tracker.events[-1] if tracker.events else None
        if not (isinstance(last, ActionExecuted) and last.action_name == ACTION_LISTEN_NAME):
            return False
        return messages_in_session(tracker) >= self.max_session_turns


def messages_in_session(tracker: DialogueStateTracker) -> int:
    """The consumer messages since the session began (the tracker holds one session)."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered):
            count += 1
    return count


def session_restart_events(tracker: DialogueStateTracker, domain: Domain) -> List[Event]:
    """What Rasa's ``action_session_start`` logs, with every slot that holds a value carried over."""
    initial = {slot.name: slot.initial_value for slot in domain.slots}
    now = time.time()
    # The store reads a session from its session_started on (by timestamp): the action
    # before it must be earlier, and everything after it no earlier.
    opened = now + 0.001
    carried: List[Event] = [SlotSet(name, value, timestamp=opened)
                            for name, value in tracker.current_slot_values().items()
                            if value != initial.get(name)]
    return [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=now), SessionStarted(timestamp=opened),
            *carried, ActionExecuted(ACTION_LISTEN_NAME, timestamp=opened)]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()

