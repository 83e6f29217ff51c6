"""Complaints filed at the same moment: the database, not a read, keeps them single.

Real threads, each with its own session, released together by a barrier placed
in the injected number draw (it runs after the duplicate check and before the
insert), so every thread has passed the check before any of them inserts.
Runs on SQLite and, under `make test-postgres`, on PostgreSQL.
"""
import secrets
import threading
from typing import Callable, List, Optional

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bijli import complaints as cx
from bijli.models import Complaint

THREADS = 8
IVRS = "N3210987654"


def gated_draws(barrier: threading.Barrier, draws: Optional[List[int]] = None) -> Callable[[int], int]:
    """A number draw that waits for every thread on its first call."""
    calls = []

    def randbelow(n: int) -> int:
        calls.append(n)
        if len(calls) == 1:
            barrier.wait(timeout=60)
        if draws is not None:
            return draws[len(calls) - 1]
        return secrets.randbelow(n)

    return randbelow


def file_together(db, jobs: List[dict]) -> List[cx.FileResult]:
    """Run file_complaint for each job in its own thread and session, all at once."""
    barrier = threading.Barrier(len(jobs))
    results: List[Optional[cx.FileResult]] = [None] * len(jobs)
    errors: List[BaseException] = []

    def work(i: int, job: dict) -> None:
        job = dict(job)
        randbelow = gated_draws(barrier, job.pop("draws", None))
        try:
            with db.session() as s:
                results[i] = cx.file_complaint(s, area_type="urban", randbelow=randbelow, **job)
        except BaseException as e:  # reported below, with the thread's job
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads), "a filing thread hung"
    assert errors == []
    return results


def rows(db, **where) -> List[Complaint]:
    with db.session() as s:
        q = select(Complaint).filter_by(**where).order_by(Complaint.id)
        return list(s.execute(q).scalars())


def test_same_fault_confirmed_by_eight_consumers_at_once_is_one_complaint(seeded_db):
    jobs = [dict(ivrs=IVRS, category="no_supply", sender=f"91981234567{i}",
                 request_key=f"91981234567{i}:draft-{i}") for i in range(THREADS)]
    results = file_together(seeded_db, jobs)
    stored = rows(seeded_db, ivrs=IVRS, category="no_supply")
    assert len(stored) == 1
    assert {r.complaint.number for r in results} == {stored[0].number}
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == [cx.CREATED] + [cx.DUPLICATE] * (THREADS - 1)
    # The one complaint is the winner's: its sender is the thread that got "created".
    winner = next(i for i, r in enumerate(results) if r.outcome == cx.CREATED)
    assert stored[0].sender == jobs[winner]["sender"]


def test_the_same_confirmation_sent_twice_at_once_files_once(seeded_db):
    job = dict(ivrs=IVRS, category="meter", sender="9812345678", request_key="9812345678:d1")
    results = file_together(seeded_db, [job, job])
    assert sorted(r.outcome for r in results) == [cx.CREATED, cx.RETRY]
    assert results[0].complaint.number == results[1].complaint.number
    assert len(rows(seeded_db, ivrs=IVRS, category="meter")) == 1


def test_different_faults_at_once_are_all_filed(seeded_db):
    jobs = [dict(ivrs=IVRS, category=c, sender="9812345678", request_key=f"9812345678:{c}")
            for c in cx.CATEGORIES]
    results = file_together(seeded_db, jobs)
    assert all(r.outcome == cx.CREATED for r in results)
    assert len({r.complaint.number for r in results}) == len(cx.CATEGORIES)
    assert sorted(c.category for c in rows(seeded_db, ivrs=IVRS)) == sorted(cx.CATEGORIES)


def test_a_number_drawn_twice_at_once_is_drawn_again_not_lost(seeded_db):
    # Every thread draws 5 first; the losers must draw again (their second draw).
    jobs = [dict(ivrs=IVRS, category=c, sender="9812345678", request_key=f"k:{c}",
                 draws=[5, 100 + i]) for i, c in enumerate(cx.CATEGORIES)]
    results = file_together(seeded_db, jobs)
    assert all(r.outcome == cx.CREATED for r in results)
    numbers = [r.complaint.number for r in results]
    assert numbers.count("1000000005") == 1
    assert len(set(numbers)) == len(cx.CATEGORIES)
    losers = {f"10000001{i:02d}" for i in range(len(cx.CATEGORIES))}
    assert set(numbers) - {"1000000005"} <= losers
    assert len(rows(seeded_db, ivrs=IVRS)) == len(cx.CATEGORIES)


def test_a_resolved_complaint_does_not_block_a_new_one(seeded_db):
    with seeded_db.session() as s:
        first = cx.file_complaint(s, ivrs=IVRS, category="voltage", area_type="urban")
        cx.resolve(s, first.complaint.number)
    again = file_together(seeded_db, [dict(ivrs=IVRS, category="voltage", sender="x")])[0]
    assert again.outcome == cx.CREATED and again.complaint.number != first.complaint.number
    with seeded_db.session() as s:
        n = s.execute(select(func.count()).select_from(Complaint)
                      .where(Complaint.ivrs == IVRS, Complaint.category == "voltage")).scalar_one()
    assert n == 2


def test_an_unknown_connection_is_an_error_not_endless_redraws(seeded_db):
    draws = []
    with pytest.raises(IntegrityError):
        with seeded_db.session() as s:
            cx.file_complaint(s, ivrs="N9999999999", category="meter", area_type="urban",
                              randbelow=lambda n: draws.append(n) or 5)
    assert len(draws) == 1 and rows(seeded_db) == []
