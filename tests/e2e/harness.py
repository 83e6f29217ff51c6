"""End-to-end harness: the real action server and the real Rasa server.

``start_servers(tmp_dir)`` is a plain context manager (no pytest), used by the
``live`` fixture in ``tests/e2e/conftest.py`` and by the benchmarks (``scripts/bench/``).
In ``tmp_dir``: a fresh SQLite database (migrated, loaded with a known billing
extract through ``bijli import-bills``) and a fresh SQL tracker store; the
action server and ``rasa run --enable-api`` on free loopback ports. Nothing is
shared with ``make run``'s ``var/``.

The action server is started as ``make run`` starts it (``python -m actions.server``)
with a random ``ACTION_SERVER_TOKEN`` that Rasa sends (``action_endpoint`` headers), so
every e2e test goes through the token check. ``env`` overrides the environment (e.g.
``BIJLI_ENV=production``); with ``RASA_API_TOKEN`` set, Rasa gets ``--auth-token`` and
``Live`` sends the token on REST and API calls.
"""
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
E2E_WEBHOOK_SECRET = "e2e-test-secret"  # test-only value, not a real secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        subprocess.run([str(BIN / "rasa"), "train", "--domain", "domain", "--quiet", "--out", "models"],
                       cwd=ROOT, check=True)
        models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1]


def extract_months(today: Optional[date] = None) -> List[str]:
    """The extract's six bill months (``YYYY-MM``), newest first: the six months before ``today``'s."""
    today = today or date.today()
    months = []
    y, m = today.year, today.month
    for _ in range(6):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        months.append(f"{y:04d}-{m:02d}")
    return months


def extract_csv(today: Optional[date] = None) -> str:
    """A known billing extract: the walk-through's consumer and a few more."""
    today = today or date.today()
    issued = today - timedelta(days=3)
    due = issued + timedelta(days=15)
    rows = ["ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount"]
    months = extract_months(today)
    latest = months[0]
    for i, month in enumerate(reversed(months)):
        cur = month == latest
        if cur:
            bdate, ddate = issued, due
        else:
            bdate = date(int(month[:4]), int(month[5:]), 28)
            ddate = bdate + timedelta(days=15)
        amount = "1847.00" if cur else f"{1200 + 37 * i}.00"
        units = 245 if cur else 180 + i
        bill = f"{month},{bdate},{ddate}"
        rows += [
            f"N3210987654,सुनील वर्मा,urban,9812345678,LV-1.2,{bill},{units},{amount}",
            f"1100223344,सुनील वर्मा,rural,9812345678,LV-1.2,{bill},{units - 50},{'612.00' if cur else '540.00'}",
            f"N4410000002,गीता बाई,rural,9977000002,LV-1.1,{bill},{units - 100},{'0.00' if cur else '300.00'}",
            f"N5510000001,Mukesh Patidar,agriculture,9300000001,LV-5,{bill},{units + 400},"
            f"{'3250.50' if cur else '2900.00'}",
            # A mobile with two connections of its own (tests/e2e/test_free_text.py), listed in IVRS order.
            f"N6600000001,राजेश कुमार,urban,9898989898,LV-1.2,{bill},{units - 20},{'980.00' if cur else '860.00'}",
            f"N6600000002,राजेश कुमार,rural,9898989898,LV-1.2,{bill},{units - 80},{'450.00' if cur else '410.00'}",
        ]
    return "\n".join(rows) + "\n"


class Live:
    """Talks to the running servers over HTTP, as a channel would.

    ``procs`` holds the server processes (``"actions"``, ``"rasa"``) and
    ``startup_seconds`` how long each took from launch until it answered its
    health check (both are launched together, so they share the CPU meanwhile).
    """

    def __init__(self, rasa_url: str, action_url: str, env: Dict[str, str], tmp: Path,
                 procs: Optional[Dict[str, subprocess.Popen]] = None,
                 startup_seconds: Optional[Dict[str, float]] = None):
        self.rasa_url = rasa_url
        self.action_url = action_url
        self.env = env
        # RASA_API_TOKEN: sent as ?token= on REST and API calls (None: the servers are open).
        self.api_token: Optional[str] = env.get("RASA_API_TOKEN") or None
        self.action_token: str = env["ACTION_SERVER_TOKEN"]
        self.tmp = tmp
        self.database_url = env["DATABASE_URL"]
        self.procs = dict(procs or {})
        self.startup_seconds = dict(startup_seconds or {})

    @property
    def pids(self) -> Dict[str, int]:
        return {name: p.pid for name, p in self.procs.items()}

    @property
    def _auth(self) -> Dict[str, str]:
        return {"token": self.api_token} if self.api_token else {}

    def send(self, sender: str, text: str) -> List[dict]:
        r = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", params=self._auth,
                          json={"sender": sender, "message": text}, timeout=60)
        r.raise_for_status()
        return r.json()

    def say(self, sender: str, text: str) -> str:
        """Send a message; return all the bot's reply texts joined by newlines."""
        return "\n".join(m.get("text", "") for m in self.send(sender, text))

    def tracker(self, sender: str) -> dict:
        r = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", params=self._auth,
                         timeout=30)
        r.raise_for_status()
        return r.json()

    def bot_texts(self, sender: str) -> List[str]:
        return [e.get("text") or "" for e in self.tracker(sender).get("events", [])
                if e.get("event") == "bot"]

    def bijli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        """Run the operator CLI against this test's database and servers."""
        return subprocess.run([str(BIN / "bijli"), *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120, check=check)


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, seconds: float = 600) -> None:
    """Poll `url` until it answers 200; fail with the log's tail if `proc` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server at {url} did not start:\n{log.read_text()[-4000:]}")


def local_endpoints(action_port: int, tracker_db: Path) -> str:
    """The project's endpoints.yml (the same tracker store and action token header),
    with this run's action server port and tracker database."""
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    text = text.replace("127.0.0.1:5055", f"127.0.0.1:{action_port}")
    text = text.replace('db: "var/tracker.db"', f'db: "{tracker_db}"')
    if str(tracker_db) not in text or f":{action_port}/" not in text:
        raise RuntimeError("endpoints.yml no longer has the action URL or tracker db the harness replaces")
    return text


@contextmanager
def start_servers(tmp_dir: Path, model: Optional[Path] = None,
                  env: Optional[Dict[str, str]] = None) -> Iterator[Live]:
    """Prepare ``tmp_dir`` (database, extract, endpoints), start both servers, yield a
    ``Live`` once both are healthy, and stop them on exit. ``model`` defaults to the
    newest in models/ (trained if there is none); ``env`` overrides the environment."""
    overrides = dict(env or {})
    tmp = Path(tmp_dir)
    db_file = tmp / "bijli.db"
    if db_file.exists():
        raise RuntimeError(f"{db_file} already exists; start_servers needs a fresh directory")
    action_port, rasa_port = free_port(), free_port()
    env = dict(os.environ)
    env.update({
        "BIJLI_ENV": "development",
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
        "DATABASE_URL": f"sqlite:///{db_file}",
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TQDM_DISABLE": "1",
        "PAYMENT_PROVIDER": "demo",
        "PAYMENT_WEBHOOK_SECRET": E2E_WEBHOOK_SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{rasa_port}",
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
    })
    env.pop("ACTION_HOST", None)     # actions.server's own default bind address (loopback)
    env.update(overrides)
    subprocess.run([str(BIN / "bijli"), "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    csv_path = tmp / "extract.csv"
    csv_path.write_text(extract_csv(), encoding="utf-8")
    imported = subprocess.run([str(BIN / "bijli"), "import-bills", str(csv_path)], cwd=ROOT,
                              env=env, capture_output=True, text=True)
    if imported.returncode != 0:
        raise RuntimeError(f"bijli import-bills failed:\n{imported.stderr}")
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(local_endpoints(action_port, tmp / "tracker.db"), encoding="utf-8")
    model = Path(model) if model is not None else latest_model()
    procs: Dict[str, subprocess.Popen] = {}
    started: Dict[str, float] = {}
    try:
        alog = tmp / "actions.log"
        started["actions"] = time.monotonic()
        actions = procs["actions"] = subprocess.Popen(
            [str(BIN / "python"), "-m", "actions.server", "--port", str(action_port), "--actions", "actions"],
            cwd=ROOT, env=env, stdout=alog.open("w"), stderr=subprocess.STDOUT)
        rlog = tmp / "rasa.log"
        started["rasa"] = time.monotonic()
        auth = ["--auth-token", env["RASA_API_TOKEN"]] if env.get("RASA_API_TOKEN") else []
        rasa = procs["rasa"] = subprocess.Popen(
            [str(BIN / "rasa"), "run", "--enable-api", "--port", str(rasa_port), "--interface", "127.0.0.1",
             *auth, "--model", str(model), "--endpoints", str(endpoints),
             "--credentials", str(ROOT / "credentials.yml")],
            cwd=ROOT, env=env, stdout=rlog.open("w"), stderr=subprocess.STDOUT)
        startup: Dict[str, float] = {}
        wait_healthy(f"http://127.0.0.1:{action_port}/health", actions, alog)
        startup["actions"] = time.monotonic() - started["actions"]
        wait_healthy(f"http://127.0.0.1:{rasa_port}/status" + (f"?token={env['RASA_API_TOKEN']}" if auth else ""),
              rasa, rlog)
        startup["rasa"] = time.monotonic() - started["rasa"]
        yield Live(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", env, tmp,
                   procs=procs, startup_seconds=startup)
    finally:
        for p in procs.values():
            p.terminate()
        for p in procs.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
