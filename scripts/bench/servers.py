"""The three servers the bench compares, each as a context manager that yields a `Target`.

- embedded: what `make run` serves (tests/e2e/harness.py `start_servers`: Rasa + action server,
  SQL tracker store on SQLite, a fresh temp billing database), with the bench consumers imported;
- reference: Rasa's own `rasa init --no-prompt` assistant (trained once into results/bench/rasa-init),
  `rasa run --enable-api` with its in-memory tracker store;
- production: `make prod` (mk/prod.mk): nginx (TLS) in front of two Rasa instances, PostgreSQL,
  Redis, REST with ?token=; skipped, with the reason, when it cannot start.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from scripts.bench.common import RESULTS, ROOT, bench_extract, newest_model
from tests.e2e.harness import Live, free_port, start_servers, wait_healthy

BIN = ROOT / ".venv" / "bin"
REFERENCE_DIR = RESULTS / "rasa-init"


class Skipped(Exception):
    """A server that cannot be benchmarked in this run; the message says why (it goes in the report)."""


@dataclass
class Target:
    """A server under test: where to send, which token, which processes to watch."""

    name: str
    url: str
    token: Optional[str]
    roots: Dict[str, int]
    checks: bool                       # our bot: check the Pay button and the UPI link
    live: Optional[Live] = None
    ca: Optional[str] = None           # the certificate to trust (production's nginx speaks TLS)
    notes: List[str] = field(default_factory=list)


def import_bench_consumers(env: Dict[str, str], count: int, tmp: Path) -> float:
    """Import ``count`` bench consumers through `bijli import-bills`; return its wall time (s)."""
    csv = tmp / "bench_consumers.csv"
    csv.write_text(bench_extract(count), encoding="utf-8")
    t0 = time.perf_counter()
    done = subprocess.run([str(BIN / "bijli"), "import-bills", str(csv)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"importing the bench consumers failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - t0


@contextmanager
def embedded(consumers: int) -> Iterator[Target]:
    """`make run`'s servers via the e2e harness, with ``consumers`` bench consumers imported."""
    model = newest_model()
    if model is None:
        raise SystemExit("no trained model in models/: run `make train` first")
    with tempfile.TemporaryDirectory(prefix="bench-embedded-") as tmp:
        with start_servers(Path(tmp), model=model) as live:
            import_bench_consumers(live.env, consumers, live.tmp)
            target = Target("embedded", live.rasa_url, live.api_token, live.pids, True, live)
            target.notes.append(f"model models/{model.name}; start-up: actions "
                                f"{live.startup_seconds['actions']:.1f} s, rasa {live.startup_seconds['rasa']:.1f} s")
            yield target


def train_reference() -> float:
    """`rasa init --no-prompt` into results/bench/rasa-init once; its time (s), remembered in train.json."""
    record = REFERENCE_DIR / "train.json"
    if record.exists() and list((REFERENCE_DIR / "models").glob("*.tar.gz")):
        return float(json.loads(record.read_text())["seconds"])
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    print("training the reference: rasa init --no-prompt (once) ...", flush=True)
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(REFERENCE_DIR)],
                   cwd=REFERENCE_DIR, check=True, capture_output=True, timeout=1800)
    seconds = time.perf_counter() - t0
    record.write_text(json.dumps({"seconds": seconds, "date": time.strftime("%Y-%m-%d %H:%M %Z")}))
    return seconds


@contextmanager
def reference() -> Iterator[Target]:
    """Rasa's `rasa init` assistant, in-memory tracker store, `rasa run --enable-api` on loopback."""
    train_reference()
    model = sorted((REFERENCE_DIR / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[-1]
    port = free_port()
    log = RESULTS / "rasa-init.log"
    env = {k: v for k, v in os.environ.items() if k != "RASA_API_TOKEN"}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [str(BIN / "rasa"), "run", "--enable-api", "--port", str(port), "--interface", "127.0.0.1",
         "--model", str(model), "--credentials", str(REFERENCE_DIR / "credentials.yml")],
        cwd=REFERENCE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/status", proc, log)
        target = Target("rasa init", f"http://127.0.0.1:{port}", None, {"rasa": proc.pid}, False)
        target.notes.append(f"start-up {time.monotonic() - t0:.1f} s")
        yield target
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def read_env_file(path: Path) -> Dict[str, str]:
    """The KEY=VALUE lines of a prod.env, read as the shell reads them (quotes, trailing comments)."""
    values: Dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if m and not line.lstrip().startswith("#"):
            words = shlex.split(m.group(2), comments=True)
            values[m.group(1)] = words[0] if words else ""
    return values


def listeners(ports: List[int]) -> Dict[int, int]:
    """Which process listens on each loopback TCP port (port -> pid), read from /proc."""
    inodes: Dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            port = int(f[1].rsplit(":", 1)[1], 16)
            if f[3] == "0A" and port in ports:
                inodes[f"socket:[{f[9]}]"] = port
    found: Dict[int, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                port = inodes.get(os.readlink(f"/proc/{pid}/fd/{fd}"), 0)
                if port and port not in found:
                    found[port] = int(pid)
        except OSError:
            continue
    return found


PROD_PORT_KEYS = ("PROD_PORT", "PROD_ACTION_PORT", "PROD_PG_PORT", "PROD_REDIS_PORT", "PROD_GATEWAY_PORT",
                  "PROD_GRAPH_PORT")


@contextmanager
def production(consumers: int) -> Iterator[Target]:
    """A fresh `make prod` of its own (results/bench/prod, free ports: nobody's var/prod is touched),
    bench consumers imported; `make prod-stop` after."""
    if not re.search(r"^prod:", (ROOT / "mk" / "prod.mk").read_text(), re.M):
        raise Skipped("`make prod` does not exist yet (mk/prod.mk has no prod target)")
    var = RESULTS / "prod"
    shutil.rmtree(var, ignore_errors=True)          # a fresh tracker store and database each run
    var.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROD_") and k not in (
        "DATABASE_URL", "RASA_API_TOKEN", "BIJLI_ENV")}
    env.update({"PROD_VAR": str(var / "var"), "PROD_ENV_FILE": str(var / "prod.env"),
                "PROD_RASA_PORTS": f"{free_port()} {free_port()}", **{k: str(free_port()) for k in PROD_PORT_KEYS}})
    print("make prod (its own directory and ports) ...", flush=True)
    t0 = time.monotonic()
    try:
        done = subprocess.run(["make", "--no-print-directory", "prod"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=900)
        if done.returncode != 0:
            (var / "make-prod.log").write_text(done.stdout + done.stderr)
            raise Skipped(f"`make prod` failed (exit {done.returncode}; results/bench/prod/make-prod.log): "
                          f"{done.stderr.strip()[-300:]}")
        settings = read_env_file(var / "prod.env")
        settings.update({k: env[k] for k in env if k.startswith("PROD_")})
        import_env = dict(env, **settings, PYTHONPATH=str(ROOT))
        import_bench_consumers(import_env, consumers, var)
        ports = {"nginx": int(settings["PROD_PORT"]), "actions": int(settings["PROD_ACTION_PORT"])}
        for i, p in enumerate(settings["PROD_RASA_PORTS"].split()):
            ports[f"rasa {i + 1}"] = int(p)
        pids = listeners(list(ports.values()))
        roots = {name: pids[port] for name, port in ports.items() if port in pids}
        target = Target("production", f"https://127.0.0.1:{settings['PROD_PORT']}", settings.get("RASA_API_TOKEN"),
                        roots, True, ca=str(var / "var" / "tls" / "cert.pem"))
        target.notes.append(f"`make prod` took {time.monotonic() - t0:.0f} s to come up")
        yield target
    finally:
        subprocess.run(["make", "--no-print-directory", "prod-stop"], cwd=ROOT, env=env, capture_output=True,
                       timeout=300)


if __name__ == "__main__":   # `python -m scripts.bench.servers`: train the reference only
    print(f"rasa init trained in {train_reference():.0f} s", file=sys.stderr)
