"""The production topology, started once for all the fault tests (``make test-prod``).

``scripts/prod/up.sh`` (what ``make prod`` runs) on free loopback ports, with its settings
file and var dir in a temporary directory: PostgreSQL, Redis, the action server, two Rasa
instances, the local fake gateway and Graph API, and nginx (TLS) in front. Stopped at the
end with ``scripts/prod/down.sh``. Nothing is shared with ``make prod``'s ``var/``.
"""
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

from bijli.db import Database
from scripts.prod.env import settings as topology_settings
from tests.e2e.harness import ROOT, free_port

PORTS = ("PROD_PORT", "PROD_ACTION_PORT", "PROD_PG_PORT", "PROD_REDIS_PORT", "PROD_GATEWAY_PORT",
         "PROD_GRAPH_PORT")


def read_env_file(path: Path) -> Dict[str, str]:
    """The settings file as a dict (values as the shell would read them)."""
    out = subprocess.run(["bash", "-c", 'set -a; . "$1"; env -0', "_", str(path)],
                         capture_output=True, check=True, env={"PATH": os.environ["PATH"]})
    pairs = (item.split("=", 1) for item in out.stdout.decode().split("\0") if "=" in item)
    return dict(pairs)


@dataclass
class Prod:
    """The running topology: nginx's URL, each Rasa instance's, the settings and the scripts."""

    url: str
    rasa_urls: List[str]
    settings: Dict[str, str]
    env: Dict[str, str]
    var: Path
    cert: str
    db: Database = field(init=False)

    def __post_init__(self) -> None:
        self.db = Database(self.settings["DATABASE_URL"])

    @property
    def token(self) -> Dict[str, str]:
        return {"token": self.settings["RASA_API_TOKEN"]}

    def send(self, sender: str, text: str, via: Optional[str] = None) -> List[dict]:
        """One REST message, through nginx unless ``via`` names an instance's URL."""
        r = requests.post(f"{via or self.url}/webhooks/rest/webhook", params=self.token,
                          json={"sender": sender, "message": text}, timeout=120, verify=self.cert)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        return r.json()

    def say(self, sender: str, text: str, via: Optional[str] = None) -> str:
        return "\n".join(m.get("text") or "" for m in self.send(sender, text, via))

    def tracker(self, sender: str) -> dict:
        r = requests.get(f"{self.url}/conversations/{sender}/tracker", params=self.token,
                         timeout=30, verify=self.cert)
        r.raise_for_status()
        return r.json()

    def script(self, name: str, *args: str) -> str:
        """Run scripts/prod/NAME.sh with this topology's settings; its output."""
        done = subprocess.run(["bash", f"scripts/prod/{name}.sh", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        return done.stdout

    def bijli(self, *args: str) -> subprocess.CompletedProcess:
        env = {**self.env, **self.settings}
        return subprocess.run([str(ROOT / ".venv/bin/bijli"), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def prod() -> Prod:
    # Not under pytest's private tmp dir: PostgreSQL runs as its own user when we are root.
    tmp = Path(tempfile.mkdtemp(prefix="bijli-prod."))
    os.chmod(tmp, 0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in {name for name, _, _ in topology_settings({})}}
    env.update({name: str(free_port()) for name in PORTS})
    rasa_ports = [str(free_port()), str(free_port())]
    env.update(PROD_RASA_PORTS=" ".join(rasa_ports), PROD_VAR=str(tmp / "var"),
               PROD_ENV_FILE=str(tmp / "prod.env"))
    started = time.monotonic()
    up = subprocess.run(["bash", "scripts/prod/up.sh"], cwd=ROOT, env=env, capture_output=True,
                        text=True, timeout=900)
    try:
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-6000:]
        print(f"\nmake prod (scripts/prod/up.sh): {time.monotonic() - started:.0f} s")
        settings = read_env_file(tmp / "prod.env")
        yield Prod(url=f"https://127.0.0.1:{env['PROD_PORT']}",
                   rasa_urls=[f"http://127.0.0.1:{p}" for p in rasa_ports],
                   settings=settings, env=env, var=tmp / "var", cert=str(tmp / "var/tls/cert.pem"))
    finally:
        subprocess.run(["bash", "scripts/prod/down.sh"], cwd=ROOT, env=env, capture_output=True,
                       timeout=300)
        # The logs outlive the run (results/ is git-ignored): CI's failures can be read there.
        shutil.rmtree(ROOT / "results" / "prod-logs", ignore_errors=True)
        shutil.copytree(tmp / "var" / "logs", ROOT / "results" / "prod-logs", dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
