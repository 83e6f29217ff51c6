"""bijli.complaints: norms, numbering, duplicates, retries, statuses, keywords."""
from datetime import datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from bijli import complaints as cx
from bijli.categories import detect_category
from bijli.db import make_engine
from bijli.migrate import alembic_config, upgrade
from bijli.models import Complaint
from bijli.timefmt import format_ist

T0 = datetime(2025, 5, 14, 6, 0)  # naive UTC = 11:30 IST


def count(db) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(Complaint)).scalar_one()


def file(db, ivrs="N3210987654", category="no_supply", area="urban", **kw):
    kw.setdefault("now", T0)
    with db.session() as s:
        return cx.file_complaint(s, ivrs=ivrs, category=category, area_type=area, **kw)


# -- norms ------------------------------------------------------------------------

@pytest.mark.parametrize("category, area, hours", [
    ("no_supply", "urban", 4), ("no_supply", "rural", 24),
    ("no_supply", "agriculture", 24),  # agriculture is fed rural: rural norm
    ("line_damage", "urban", 12), ("line_damage", "rural", 12),
    ("transformer", "urban", 24), ("transformer", "rural", 72), ("transformer", "agriculture", 72),
])
def test_mp_norms(category, area, hours):
    assert cx.norm(category).hours(area) == hours
    assert cx.norm(category).source == "mp_norm"


def test_every_category_has_a_norm_and_line_damage_has_top_priority():
    norms = cx.load_norms()
    assert set(norms) == set(cx.CATEGORIES)
    top = min(n.priority for n in norms.values())
    assert [c for c, n in norms.items() if n.priority == top] == ["line_damage"]


def test_norms_table_is_checked_when_loaded(tmp_path):
    bad = tmp_path / "norms.yml"
    bad.write_text("no_supply: {priority: 2, urban: 4, rural: 24}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no norm for"):
        cx._load_norms(bad)
    bad.write_text("\n".join(f"{c}: {{priority: 1, urban: 1, rural: 2}}" for c in cx.CATEGORIES)
                   + "\ntheft: {priority: 1, urban: 1, rural: 1}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="theft"):
        cx._load_norms(bad)


@pytest.mark.parametrize("category, area, hours", [
    ("no_supply", "urban", 4), ("no_supply", "agriculture", 24), ("transformer", "rural", 72),
    ("line_damage", "urban", 12),
])
def test_due_time_follows_the_norm(seeded_db, category, area, hours):
    c = file(seeded_db, category=category, area=area).complaint
    assert c.created_at == T0 and c.due_at == T0 + timedelta(hours=hours)
    assert c.status == "registered" and c.priority == cx.norm(category).priority


# -- numbers ----------------------------------------------------------------------

def test_numbers_are_unique_ten_digit_numerals(seeded_db):
    ivrs = ["N3210987654", "1100223344", "N3210000001", "N4410000001"]
    numbers = [file(seeded_db, ivrs=i, category=c).complaint.number
               for i in ivrs for c in cx.CATEGORIES]
    assert len(numbers) == len(set(numbers)) == 28
    assert all(len(n) == 10 and n.isdigit() and n[0] != "0" for n in numbers)


def test_a_used_number_is_never_given_again(seeded_db):
    draws = iter([5, 5, 5, 7])
    first = file(seeded_db, randbelow=lambda n: next(draws)).complaint.number
    second = file(seeded_db, category="meter", randbelow=lambda n: next(draws)).complaint.number
    assert first == "1000000005" and second == "1000000007"


def test_find_number_in_text():
    assert cx.find_number("complaint 2311250001 ka status") == "2311250001"
    assert cx.find_number("शिकायत २३११२५०००१") == "2311250001"
    assert cx.find_number("N3210987654") is None  # an IVRS, not a docket
    assert cx.find_number("98123456789") is None  # 11 digits


# -- duplicates and retries -------------------------------------------------------------

def test_open_complaint_of_same_category_and_ivrs_is_returned_not_refiled(seeded_db):
    first = file(seeded_db, category="meter")
    again = file(seeded_db, category="meter", now=T0 + timedelta(hours=1))
    assert first.outcome == cx.CREATED and again.outcome == cx.DUPLICATE
    assert again.complaint.number == first.complaint.number
    assert count(seeded_db) == 1
    # another category, or another connection, is a new complaint
    assert file(seeded_db, category="voltage").created
    assert file(seeded_db, ivrs="1100223344", category="meter", area="rural").created
    assert count(seeded_db) == 3


def test_after_resolution_the_same_fault_is_a_new_complaint(seeded_db):
    first = file(seeded_db, category="meter").complaint
    with seeded_db.session() as s:
        cx.assign(s, first.number, "Lineman Ramesh")
    assert file(seeded_db, category="meter").outcome == cx.DUPLICATE  # assigned is still open
    with seeded_db.session() as s:
        cx.resolve(s, first.number)
    second = file(seeded_db, category="meter")
    assert second.created and second.complaint.number != first.number


def test_same_request_files_once(seeded_db):
    one = file(seeded_db, category="transformer", request_key="919800000001:abc")
    with seeded_db.session() as s:  # it is resolved before the retry arrives
        cx.resolve(s, one.complaint.number)
    two = file(seeded_db, category="transformer", request_key="919800000001:abc")
    assert two.outcome == cx.RETRY and two.complaint.number == one.complaint.number
    assert count(seeded_db) == 1


def test_unknown_category_is_refused_and_nothing_written(seeded_db):
    with pytest.raises(cx.ComplaintError):
        file(seeded_db, category="theft")
    assert count(seeded_db) == 0


# -- status transitions --------------------------------------------------------------

def test_registered_assigned_resolved(seeded_db):
    n = file(seeded_db).complaint.number
    with seeded_db.session() as s:
        a = cx.assign(s, n, "  Team  Bhopal-East ", now=T0 + timedelta(hours=1))
    assert a.status == "assigned" and a.assigned_to == "Team Bhopal-East"
    assert a.assigned_at == T0 + timedelta(hours=1)
    with seeded_db.session() as s:
        r = cx.resolve(s, n, "fuse replaced", now=T0 + timedelta(hours=3))
    assert r.status == "resolved" and r.resolved_at == T0 + timedelta(hours=3)
    assert r.resolution == "fuse replaced" and not r.is_open
    with seeded_db.session() as s:
        assert cx.get(s, n).status == "resolved"


def test_resolve_straight_from_registered(seeded_db):
    n = file(seeded_db).complaint.number
    with seeded_db.session() as s:
        assert cx.resolve(s, n).status == "resolved"


@pytest.mark.parametrize("move", ["resolve", "assign"])
def test_a_resolved_complaint_cannot_move(seeded_db, move):
    n = file(seeded_db).complaint.number
    with seeded_db.session() as s:
        cx.resolve(s, n)
    with pytest.raises(cx.ComplaintError) as e, seeded_db.session() as s:
        cx.resolve(s, n) if move == "resolve" else cx.assign(s, n, "x")
    assert e.value.code == "already_resolved"


def test_unknown_number_and_missing_assignee(seeded_db):
    with pytest.raises(cx.ComplaintError) as e, seeded_db.session() as s:
        cx.resolve(s, "1234567890")
    assert e.value.code == "not_found"
    n = file(seeded_db).complaint.number
    with pytest.raises(cx.ComplaintError) as e, seeded_db.session() as s:
        cx.assign(s, n, "  ")
    assert e.value.code == "no_assignee"
    with seeded_db.session() as s:
        assert cx.get(s, n).status == "registered"


def test_overdue_only_while_open(seeded_db):
    c = file(seeded_db).complaint  # due 4 h after T0
    assert not c.overdue(T0 + timedelta(hours=3, minutes=59))
    assert c.overdue(T0 + timedelta(hours=4, minutes=1))
    with seeded_db.session() as s:
        done = cx.resolve(s, c.number)
    assert not done.overdue(T0 + timedelta(days=5))


def test_lists_and_latest(seeded_db):
    old = file(seeded_db, category="meter", now=T0).complaint
    new = file(seeded_db, category="line_damage", now=T0 + timedelta(hours=2)).complaint
    other = file(seeded_db, ivrs="1100223344", category="voltage", area="rural").complaint
    with seeded_db.session() as s:
        cx.resolve(s, old.number)
        assert [c.number for c in cx.latest_for(s, ["N3210987654"])] == [new.number, old.number]
        assert [c.number for c in cx.list_complaints(s)][0] == new.number  # priority 1 first
        assert {c.number for c in cx.list_complaints(s, open_only=True)} == {new.number, other.number}


# -- text and time -----------------------------------------------------------------

@pytest.mark.parametrize("text, category", [
    ("meter jal gaya", "meter"), ("मीटर जल गया", "meter"), ("my meter is running fast", "meter"),
    ("meater kharab h", "meter"),
    ("तार टूटा", "line_damage"), ("sparking", "line_damage"), ("pole", "line_damage"),
    ("खंभे में करंट आ रहा है", "line_damage"), ("live wire fallen on the road", "line_damage"),
    ("tar tut gaya", "line_damage"), ("taar toot gaya, light nahi hai", "line_damage"),
    ("transformer jal gaya", "transformer"), ("trasformer jal gya", "transformer"),
    ("गांव का ट्रांसफार्मर फुंक गया", "transformer"), ("DP me aag lagi hai", "transformer"),
    ("voltage bahut kam hai", "voltage"), ("वोल्टेज ऊपर नीचे हो रहा है", "voltage"),
    ("bill galat aaya hai", "billing"), ("बिल बहुत ज्यादा आया है", "billing"),
    ("light nahi hai", "no_supply"), ("लाइट नहीं है", "no_supply"), ("power cut in my area", "no_supply"),
    ("बिलकुल बिजली नहीं है", "no_supply"),  # बिलकुल is not बिल
    ("padosi bijli chori kar raha hai", "other"),
    ("complaint karni hai", None), ("शिकायत दर्ज करनी है", None), ("1", None), ("", None),
])
def test_category_from_free_text(text, category):
    assert detect_category(text) == category


def test_times_are_shown_in_ist():
    assert format_ist(datetime(2025, 1, 1, 0, 0)) == "01-01-2025 05:30 IST"
    assert format_ist(datetime(2025, 1, 1, 20, 0)) == "02-01-2025 01:30 IST"
    assert format_ist(None) == "-"


# -- schema ------------------------------------------------------------------------

def test_migration_0002_adds_and_removes_the_complaints_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        assert "complaints" in insp.get_table_names()
        cols = {c["name"] for c in insp.get_columns("complaints")}
        assert {"number", "ivrs", "category", "status", "created_at", "due_at", "assigned_at",
                "resolved_at", "request_key"} <= cols
        command.downgrade(alembic_config(url), "0001_initial")
        assert "complaints" not in inspect(engine).get_table_names()
        upgrade(url)
        assert "complaints" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
