"""A throwaway PostgreSQL server (a fresh cluster in a temp dir, on a free loopback port), as
scripts/with_postgres.sh starts one, for the data-scale bench."""
import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

from tests.e2e.harness import free_port


def _as_pg(cmd: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh server; stop it and delete its files on exit."""
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: [
        int(x) if x.isdigit() else 0 for x in Path(p).parts[-3].split(".")])
    if not initdb:
        raise SystemExit("PostgreSQL server binaries not found: make postgres-server")
    pgbin = Path(initdb[-1]).parent
    tmp = Path(tempfile.mkdtemp(prefix="bijli-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
    port = free_port()
    data = tmp / "data"
    try:
        subprocess.run(_as_pg([str(pgbin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
                       check=True, capture_output=True)
        # Settings of a small dedicated server, not of a laptop: a bench of lookups should not
        # measure a 128 MB buffer cache. fsync off: the server is thrown away afterwards.
        # pg_stat_statements: the server's own time per query, apart from the client's.
        opts = (f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=1GB "
                "-c max_wal_size=4GB -c maintenance_work_mem=512MB -c shared_preload_libraries=pg_stat_statements")
        subprocess.run(_as_pg([str(pgbin / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(tmp / "server.log"),
                               "-w", "start"]), check=True, capture_output=True)
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_pg([str(pgbin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
