"""The daily limit on IVRS lookups (anti-enumeration, issue 8, part 5).

Anyone may see a connection's current bill and masked name by typing its
IVRS number, so one sender trying number after number could walk the
register. A sender may therefore look up at most ``limit`` distinct IVRS
numbers in any 24 hours, failed tries (unknown or malformed numbers)
included. Free: a number already counted in the window, and the sender's own
registered connections.

The count lives in the ``lookups`` table (one row per sender and typed
number, ``looked_up_at`` the latest time), so it survives restarts and holds
across servers. The row is written with an upsert on the unique (sender, ivrs)
pair, so two servers recording the same number at once count it once.
Two *different* numbers recorded at the same instant by two servers may both
pass at the boundary (the count is read before the write): the limit can be
exceeded by the number of truly simultaneous requests, never more.

The web chat's sender is a session anyone can renew, so its messages also name
a ``client`` key (a keyed hash of the client's network, bijli/webchat.py): a
lookup must then pass the limit for the sender *and* for the client, and is
counted for both, so rotating sessions from one address stays within the limit.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import List, Optional, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bijli.access import owns
from bijli.ivrs import IvrsError, normalize_ivrs
from bijli.models import Lookup
from bijli.text import to_ascii_digits

WINDOW = timedelta(hours=24)
KEY_LENGTH = 32  # Lookup.ivrs

OWN, REPEAT, NEW, LIMIT, NOTHING = "own", "repeat", "new", "limit", "nothing"


@dataclass(frozen=True)
class LookupDecision:
    """Whether a lookup may go ahead, and why."""

    allowed: bool
    reason: str       # own | repeat | new | limit | nothing (empty input)
    counted: int      # distinct numbers counted for the sender in the window, this one included

    @property
    def refused(self) -> bool:
        return not self.allowed


def typed_key(typed: str) -> str:
    """What is stored for a typed value: the normalised IVRS number if it is
    well-formed, else the text compacted (upper case, no spaces or hyphens)."""
    try:
        return normalize_ivrs(typed)
    except IvrsError:
        compact = re.sub(r"[\s\-]+", "", to_ascii_digits(str(typed or ""))).upper()
        return compact[:KEY_LENGTH]


def _naive_utc(now: datetime) -> datetime:
    if now.tzinfo is not None:
        return now.astimezone(timezone.utc).replace(tzinfo=None)
    return now


def counted(session: Session, sender: str, now: datetime) -> int:
    """Distinct numbers counted for ``sender`` in the 24 hours before ``now``."""
    since = _naive_utc(now) - WINDOW
    return session.execute(
        select(func.count()).select_from(Lookup)
        .where(Lookup.sender == sender, Lookup.looked_up_at > since)
    ).scalar_one()


def check_lookup(session: Session, sender: str, typed: str, now: datetime, limit: int,
                 client: Optional[str] = None) -> LookupDecision:
    """Decide whether ``sender`` (and its ``client``, if given) may look up ``typed`` at ``now``,
    and record it for each if counted.

    Nothing is written when the lookup is refused, own, or empty. ``counted`` is the sender's.
    """
    now = _naive_utc(now)
    key = typed_key(typed)
    if not key:
        return LookupDecision(True, NOTHING, counted(session, sender, now))
    if owns(session, sender, key):
        return LookupDecision(True, OWN, counted(session, sender, now))
    keys: List[str] = [sender] + ([client] if client and client != sender else [])
    seen = [_standing(session, who, key, now) for who in keys]
    if any(last is None and so_far >= limit for last, so_far in seen):
        return LookupDecision(False, LIMIT, seen[0][1])
    for who, (last, _) in zip(keys, seen):
        _upsert(session, who, key, max(last, now) if last is not None else now)
    last, so_far = seen[0]
    if last is not None:
        return LookupDecision(True, REPEAT, so_far)
    return LookupDecision(True, NEW, so_far + 1)


def _standing(session: Session, who: str, key: str, now: datetime) -> Tuple[Optional[datetime], int]:
    """When ``who`` last looked up ``key`` within the window (None: not counted), and its count."""
    last = session.execute(
        select(Lookup.looked_up_at).where(Lookup.sender == who, Lookup.ivrs == key)
    ).scalar_one_or_none()
    if last is not None and last <= now - WINDOW:
        last = None
    return last, counted(session, who, now)


def _upsert(session: Session, sender: str, key: str, when: datetime) -> None:
    """Insert (sender, key) or move its time to ``when``; safe against a concurrent insert."""
    dialect = session.get_bind().dialect.name
    values = {"sender": sender, "ivrs": key, "looked_up_at": when}
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(Lookup).values(**values)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[Lookup.sender, Lookup.ivrs],
            set_={"looked_up_at": stmt.excluded.looked_up_at}))
        return
    # Other databases: update, else insert in a savepoint; a lost race is an update.
    moved = session.execute(
        update(Lookup).where(Lookup.sender == sender, Lookup.ivrs == key).values(looked_up_at=when))
    if moved.rowcount:
        return
    try:
        with session.begin_nested():
            session.add(Lookup(**values))
    except IntegrityError:
        session.execute(
            update(Lookup).where(Lookup.sender == sender, Lookup.ivrs == key).values(looked_up_at=when))
