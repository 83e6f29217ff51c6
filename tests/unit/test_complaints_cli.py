"""`bijli complaints list|assign|resolve`, run as the operator would."""
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bijli import complaints as cx
from bijli.models import utcnow
from bijli.timefmt import format_ist

BIJLI = Path(sys.executable).parent / "bijli"


def bijli(database_url, *args):
    env = dict(os.environ, DATABASE_URL=database_url)
    return subprocess.run([str(BIJLI), "complaints", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def file(db, category, ivrs="N3210987654", hours_ago=0):
    with db.session() as s:
        return cx.file_complaint(s, ivrs=ivrs, category=category, area_type="urban",
                                 now=utcnow() - timedelta(hours=hours_ago)).complaint


def status_of(db, number):
    with db.session() as s:
        return cx.get(s, number).status


def test_list_open_and_all(seeded_db, database_url):
    late = file(seeded_db, "no_supply", hours_ago=6)       # overdue (4 h norm)
    wire = file(seeded_db, "line_damage")
    done = file(seeded_db, "meter")
    with seeded_db.session() as s:
        cx.resolve(s, done.number)
    out = bijli(database_url, "list")
    assert out.returncode == 0, out.stderr
    rows = [row for row in out.stdout.splitlines() if row[:10].isdigit()]
    assert [r[:10] for r in rows] == [wire.number, late.number, done.number]  # priority, then age
    assert "OVERDUE" in rows[1] and format_ist(late.due_at, zone=False) in rows[1]
    assert "3 complaint(s)" in out.stdout
    opened = bijli(database_url, "list", "--open")
    assert opened.returncode == 0 and done.number not in opened.stdout
    assert wire.number in opened.stdout and "2 complaint(s) open" in opened.stdout


def test_assign_then_resolve(seeded_db, database_url):
    c = file(seeded_db, "transformer")
    out = bijli(database_url, "assign", c.number, "--to", "JE Kolar Road")
    assert out.returncode == 0 and "assigned" in out.stdout
    assert status_of(seeded_db, c.number) == "assigned"
    assert "JE Kolar Road" in bijli(database_url, "list", "--open").stdout
    out = bijli(database_url, "resolve", c.number, "--note", "DTR replaced")
    assert out.returncode == 0 and f"complaint {c.number} is now resolved" in out.stdout
    assert status_of(seeded_db, c.number) == "resolved"


def test_unknown_number_is_a_clear_error(seeded_db, database_url):
    out = bijli(database_url, "resolve", "1234567890")
    assert out.returncode == 1
    assert "no complaint with number 1234567890" in out.stderr and out.stdout == ""


def test_resolving_twice_is_refused(seeded_db, database_url):
    c = file(seeded_db, "voltage")
    assert bijli(database_url, "resolve", c.number).returncode == 0
    again = bijli(database_url, "resolve", c.number)
    assert again.returncode == 1 and "already resolved" in again.stderr
