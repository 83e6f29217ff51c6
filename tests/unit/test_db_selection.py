"""`make test-postgres` runs only the tests marked ``db`` (``-m db``): no test that gets a
database from the fixtures may fall outside that mark, or PostgreSQL would never see it.

Checked with pytest's own ``--fixtures-per-test`` listing (the fixtures each selected test
resolves, directly or through other fixtures), not with the rule tests/conftest.py marks by.
"""
import subprocess
import sys

from tests.conftest import ROOT


def test_every_test_that_gets_a_database_is_in_the_postgres_pass():
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--fixtures-per-test",
         "-m", "not db", "tests/unit", "tests/actions"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert listing.returncode == 0, listing.stdout[-3000:] + listing.stderr[-3000:]
    out = listing.stdout
    left_out = [block.splitlines()[0] for block in out.split("- fixtures used by ")[1:]
                if "\ndatabase_url -- " in block]
    assert left_out == []
    # The listing is real (tests with fixtures are in it) and the database tests are not.
    assert "fixtures used by test_which_senders_stand_for_a_mobile" in out
    assert "test_the_db_fixture_runs_on_the_requested_engine" not in out
