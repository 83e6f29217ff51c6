"""End-to-end harness: the real action server and the real Rasa server.

Per test session: a temporary directory with a fresh SQLite database
(migrated, loaded with a known billing extract through ``bijli import-bills``)
and a fresh SQL tracker store; the action server and ``rasa run --enable-api``
on free loopback ports. Nothing is shared with ``make run``'s ``var/``.
The start-up and shut-down live in ``tests/e2e/harness.py`` (``start_servers``),
shared with the benchmarks (``scripts/bench/``).
"""
import pytest

from tests.e2e.harness import (  # noqa: F401  (re-exported for the tests)
    BIN,
    E2E_WEBHOOK_SECRET,
    ROOT,
    Live,
    extract_csv,
    free_port,
    latest_model,
    start_servers,
)


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Live:
    with start_servers(tmp_path_factory.mktemp("e2e")) as servers:
        yield servers
