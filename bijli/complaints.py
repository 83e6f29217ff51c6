"""Complaints: categories, restoration norms, numbering, duplicates, statuses.

Pure domain logic over SQLAlchemy sessions (no Rasa). The caller owns the
session (``Database.session()``), so one unit of work commits or rolls back
as a whole. Times are naive UTC in the database; ``bijli.timefmt`` converts for
replies.
"""
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bijli.models import Complaint, utcnow
from bijli.text import normalize
from bijli.vocab import COMPLAINT_CATEGORIES

# The name the flows and the CLI know; the list itself lives in bijli.vocab.
CATEGORIES = COMPLAINT_CATEGORIES
STATUSES = ("registered", "assigned", "resolved")
OPEN_STATUSES = ("registered", "assigned")
# Allowed moves; re-assigning an assigned complaint (new lineman) is allowed.
TRANSITIONS: Dict[str, Tuple[str, ...]] = {
    "registered": ("assigned", "resolved"),
    "assigned": ("assigned", "resolved"),
    "resolved": (),
}
NUMBER_DIGITS = 10
MAX_DETAILS = 200

NORMS_FILE = Path(__file__).resolve().parent / "norms.yml"


class ComplaintError(Exception):
    """A complaint operation that cannot be done; ``code`` names why."""

    def __init__(self, code: str, number: str = ""):
        super().__init__(f"{code}: {number}" if number else code)
        self.code = code
        self.number = number


# -- norms ----------------------------------------------------------------

@dataclass(frozen=True)
class Norm:
    category: str
    priority: int
    urban_hours: int
    rural_hours: int
    source: str  # "mp_norm" (published) or "target" (our own)

    def hours(self, area_type: str) -> int:
        return self.urban_hours if norm_area(area_type) == "urban" else self.rural_hours


def norm_area(area_type: str) -> str:
    """Area used for the norms: agriculture connections count as rural
    (they are fed from rural feeders)."""
    return "urban" if area_type == "urban" else "rural"


def _load_norms(path: Path) -> Dict[str, Norm]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    norms = {}
    for cat, spec in raw.items():
        if cat not in CATEGORIES:
            raise ValueError(f"{path.name}: unknown category {cat!r}")
        norms[cat] = Norm(cat, int(spec["priority"]), int(spec["urban"]), int(spec["rural"]),
                          str(spec.get("source", "target")))
    missing = set(CATEGORIES) - set(norms)
    if missing:
        raise ValueError(f"{path.name}: no norm for {sorted(missing)}")
    return norms


@lru_cache(maxsize=4)
def load_norms(path: Path = NORMS_FILE) -> Dict[str, Norm]:
    """The norms table, read once per process from ``norms.yml``."""
    return _load_norms(path)


def norm(category: str) -> Norm:
    """The restoration norm of a category (bijli/norms.yml)."""
    return load_norms()[category]


# -- numbers --------------------------------------------------------------

_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{10})(?![0-9A-Za-z])")


def random_number(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A random 10-digit number that does not start with 0."""
    low = 10 ** (NUMBER_DIGITS - 1)
    return str(low + randbelow(9 * low))


def new_number(session: Session, randbelow: Callable[[int], int] = secrets.randbelow,
               tries: int = 20) -> str:
    """A complaint number not yet used. Random, so numbers are not guessable."""
    for _ in range(tries):
        number = random_number(randbelow)
        if session.execute(select(Complaint.id).where(Complaint.number == number)).first() is None:
            return number
    raise ComplaintError("no_free_number")


def find_number(text: Optional[str]) -> Optional[str]:
    """A 10-digit complaint number in free text (ASCII or Devanagari digits)."""
    m = _NUMBER_IN_TEXT.search(normalize(text)) if text else None
    return m.group(1) if m else None


def is_number(value: str) -> bool:
    """A complaint number: 10 digits, no leading zero (so it is never taken for a mobile's 0-prefix)."""
    return bool(value) and len(value) == NUMBER_DIGITS and value.isdigit() and value[0] != "0"


# -- views ----------------------------------------------------------------

@dataclass(frozen=True)
class ComplaintView:
    """A detached, read-only view of a complaint for replies and the CLI."""

    number: str
    ivrs: str
    category: str
    area_type: str
    priority: int
    status: str
    details: str
    created_at: datetime
    due_at: datetime
    assigned_to: Optional[str]
    assigned_at: Optional[datetime]
    resolved_at: Optional[datetime]
    resolution: Optional[str]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: Optional[datetime] = None) -> bool:
        """Still open after its due time."""
        return self.is_open and (now or utcnow()) > self.due_at

    @property
    def norm_hours(self) -> int:
        return int(round((self.due_at - self.created_at).total_seconds() / 3600))


def view_of(complaint: Complaint) -> ComplaintView:
    """A detached copy of the row, safe to use after its session has closed."""
    c = complaint
    return ComplaintView(
        number=c.number, ivrs=c.ivrs, category=c.category, area_type=c.area_type,
        priority=c.priority, status=c.status, details=c.details or "",
        created_at=c.created_at, due_at=c.due_at, assigned_to=c.assigned_to,
        assigned_at=c.assigned_at, resolved_at=c.resolved_at, resolution=c.resolution,
    )


# -- filing ----------------------------------------------------------------

CREATED, DUPLICATE, RETRY = "created", "duplicate", "retry"


@dataclass(frozen=True)
class FileResult:
    complaint: ComplaintView
    outcome: str  # created | duplicate (an open one of that category) | retry (same request)

    @property
    def created(self) -> bool:
        return self.outcome == CREATED


def open_complaint(session: Session, ivrs: str, category: str) -> Optional[Complaint]:
    """The open complaint of this category for this IVRS, if any (latest first)."""
    return session.execute(
        select(Complaint)
        .where(Complaint.ivrs == ivrs, Complaint.category == category,
               Complaint.status.in_(OPEN_STATUSES))
        .order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(1)
    ).scalar_one_or_none()


def clean_details(text: Optional[str]) -> str:
    """The consumer's details on one line, cut to what the column holds."""
    return " ".join((text or "").split())[:MAX_DETAILS]


def file_complaint(session: Session, *, ivrs: str, category: str, area_type: str,
                   details: str = "", sender: str = "", request_key: Optional[str] = None,
                   now: Optional[datetime] = None,
                   randbelow: Callable[[int], int] = secrets.randbelow,
                   tries: int = 20) -> FileResult:
    """File a complaint, or return the one that makes filing unnecessary.

    - The same ``request_key`` (a retried call for the same confirmation)
      returns the complaint it filed: outcome ``retry``.
    - An open complaint of the same category for the same IVRS is returned
      instead of a second one: outcome ``duplicate``.

    The reads below are only a fast path: two confirmations at the same moment
    both pass them. The database decides (unique request_key, number, and the
    partial unique index on open (ivrs, category)); the insert runs in a
    SAVEPOINT so a losing insert leaves the caller's transaction usable, and
    the winner's complaint is returned.
    """
    if category not in CATEGORIES:
        raise ComplaintError("bad_category")
    found = _already_filed(session, ivrs, category, request_key)
    if found is not None:
        return found
    now = now or utcnow()
    rule = norm(category)
    for _ in range(tries):
        number = new_number(session, randbelow)
        c = Complaint(
            number=number, ivrs=ivrs, category=category,
            area_type=area_type, priority=rule.priority, status="registered",
            details=clean_details(details), sender=sender or "",
            request_key=request_key or None, created_at=now,
            due_at=now + timedelta(hours=rule.hours(area_type)), updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(c)
                session.flush()
        except IntegrityError:
            # Rolled back to the savepoint. Someone else filed it first, or the
            # random number was taken in the meantime: then draw another.
            found = _already_filed(session, ivrs, category, request_key)
            if found is not None:
                return found
            if session.execute(select(Complaint.id).where(Complaint.number == number)).first() is None:
                raise  # not a lost race (e.g. an unknown IVRS): drawing again would not help
            continue
        return FileResult(view_of(c), CREATED)
    raise ComplaintError("no_free_number")


def _already_filed(session: Session, ivrs: str, category: str,
                   request_key: Optional[str]) -> Optional[FileResult]:
    """The complaint that makes filing unnecessary: same request, or open duplicate."""
    if request_key:
        done = session.execute(
            select(Complaint).where(Complaint.request_key == request_key)
        ).scalar_one_or_none()
        if done is not None:
            return FileResult(view_of(done), RETRY)
    existing = open_complaint(session, ivrs, category)
    if existing is not None:
        return FileResult(view_of(existing), DUPLICATE)
    return None


# -- queries ----------------------------------------------------------------

def get(session: Session, number: str) -> Optional[ComplaintView]:
    """The complaint with this number, or None."""
    c = _row(session, number)
    return view_of(c) if c else None


def _row(session: Session, number: str) -> Optional[Complaint]:
    return session.execute(
        select(Complaint).where(Complaint.number == str(number).strip())
    ).scalar_one_or_none()


def latest_for(session: Session, ivrs_list: Iterable[str], limit: int = 3) -> List[ComplaintView]:
    """The latest complaints of these connections, newest first."""
    ivrs_list = list(ivrs_list)
    if not ivrs_list:
        return []
    rows = session.execute(
        select(Complaint).where(Complaint.ivrs.in_(ivrs_list))
        .order_by(Complaint.created_at.desc(), Complaint.id.desc()).limit(limit)
    ).scalars()
    return [view_of(c) for c in rows]


def list_complaints(session: Session, open_only: bool = False) -> List[ComplaintView]:
    """For operators: highest priority first, then oldest first."""
    q = select(Complaint)
    if open_only:
        q = q.where(Complaint.status.in_(OPEN_STATUSES))
    q = q.order_by(Complaint.priority, Complaint.created_at, Complaint.id)
    return [view_of(c) for c in session.execute(q).scalars()]


# -- status transitions ------------------------------------------------------

def _move(session: Session, number: str, to: str) -> Complaint:
    c = _row(session, number)
    if c is None:
        raise ComplaintError("not_found", number)
    if to not in TRANSITIONS[c.status]:
        raise ComplaintError("already_resolved" if c.status == "resolved" else "bad_transition", number)
    return c


def assign(session: Session, number: str, to: str, now: Optional[datetime] = None) -> ComplaintView:
    """registered/assigned -> assigned (to a lineman or team)."""
    who = " ".join((to or "").split())[:64]
    if not who:
        raise ComplaintError("no_assignee", number)
    c = _move(session, number, "assigned")
    now = now or utcnow()
    c.status, c.assigned_to, c.assigned_at, c.updated_at = "assigned", who, now, now
    session.flush()
    return view_of(c)


def resolve(session: Session, number: str, note: str = "", now: Optional[datetime] = None) -> ComplaintView:
    """registered/assigned -> resolved."""
    c = _move(session, number, "resolved")
    now = now or utcnow()
    c.status, c.resolved_at, c.updated_at = "resolved", now, now
    c.resolution = " ".join((note or "").split())[:255] or None
    session.flush()
    return view_of(c)

