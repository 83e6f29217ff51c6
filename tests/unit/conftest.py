"""Hypothesis profiles for the property tests (tests/unit/test_fuzz_*.py).

``ci`` (the default, what `make test` runs): derandomized, so a run is
repeatable and a failure reproduces from the same commit; no deadline (the
two shared cores make timings meaningless); no example database, so no
``.hypothesis/`` directory is written. Each property sets its own
``examples(n)``; together they generate well over 10,000 inputs.
``dev`` (HYPOTHESIS_PROFILE=dev): random seeds, so each local run explores
new inputs.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, database=None, max_examples=200, print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("dev", parent=settings.get_profile("ci"), derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# FUZZ_SCALE shrinks (or grows) every property's example count at once:
# `make mutation-code` runs the properties once per mutant, at a tenth.
FUZZ_SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def examples(n: int) -> settings:
    """Hypothesis settings for a property that should see ``n`` generated inputs."""
    return settings(max_examples=max(20, int(n * FUZZ_SCALE)))


@pytest.fixture
def snapshot(db):
    """A function returning every row of every table, to show that nothing was written."""
    from sqlalchemy import select

    from bijli.models import Base

    def take():
        with db.session() as s:
            return {t.name: s.execute(select(t).order_by(*t.primary_key.columns)).all()
                    for t in Base.metadata.sorted_tables}

    return take


# Several unit tests serve our channels on a real Sanic server in this one process. Sanic
# 21.12 rewrites its request handler's methods (TouchUp) when an app starts, and a second
# app would rewrite the rewritten code and fail ("KeyError: 'http1_request_header'"),
# unless test mode keeps the original methods to start from, as Sanic's own test client does.
from sanic import Sanic  # noqa: E402

Sanic.test_mode = True
