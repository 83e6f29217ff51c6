"""One load scenario: Locust headless (in .venv-bench) with its CSV output, plus each turn's exact
time (JSON lines from the locustfile) and the servers' CPU and memory while it ran."""
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import requests

from scripts.bench.common import LOCUST, ROOT, TEXTS, bench_ivrs, pct, snapshot, usage
from scripts.bench.servers import Target

LOCUSTFILE = ROOT / "scripts" / "bench" / "locustfile.py"


@dataclass(frozen=True)
class Scenario:
    """What Locust runs: users, pacing (turns/s per user, 0 = back to back), how long or how many."""

    name: str
    users: int
    run_time: int                  # seconds (Locust stops at the latest then)
    rate: float = 0.0
    max_walks: int = 1_000_000
    long_turns: int = 0            # > 0: one sender, this many turns
    warmup_s: float = 0.0          # turns that start in the first seconds are left out of the figures


def summarize(turns: List[dict], warmup_s: float) -> dict:
    """Latency percentiles, throughput and errors of the turns after the warm-up seconds."""
    if not turns:
        return {"n": 0, "errors": 0}
    t0 = min(t["t"] for t in turns)
    kept = [t for t in turns if t["t"] >= t0 + warmup_s]
    ms = [t["ms"] for t in kept if t["ok"]]
    start = min(t["t"] for t in kept)
    end = max(t["t"] + t["ms"] / 1000.0 for t in kept)
    per_step = {s: pct([t["ms"] for t in kept if t["ok"] and t["step"] == s], 50) for s in
                dict.fromkeys(t["step"] for t in kept)}
    return {"n": len(kept), "errors": sum(not t["ok"] for t in kept), "p50": pct(ms, 50), "p95": pct(ms, 95),
            "p99": pct(ms, 99), "max": max(ms) if ms else float("nan"),
            "turns_per_s": len(ms) / (end - start) if end > start else float("nan"),   # answered turns only
            "seconds": end - start, "per_step_p50": per_step}


def warm_up(target: Target, first_ivrs: int, walks: int = 2) -> None:
    """A few walk-throughs before measuring (models, caches and connections warm), not measured."""
    params = {"token": target.token} if target.token else None
    for w in range(walks):
        sender = f"9199{first_ivrs + w:08d}"
        for text in TEXTS:
            body = {"sender": sender, "message": bench_ivrs(first_ivrs + w) if text == "IVRS" else text}
            requests.post(f"{target.url}/webhooks/rest/webhook", params=params, json=body,
                          timeout=60, verify=target.ca or True).raise_for_status()


def run(target: Target, sc: Scenario, out: Path, sender_base: int, ivrs_first: int) -> dict:
    """Run one scenario against one target; returns its figures (and keeps Locust's CSV in ``out``)."""
    out.mkdir(parents=True, exist_ok=True)
    turns_file = out / f"{sc.name}.jsonl"
    turns_file.unlink(missing_ok=True)
    env = dict(os.environ, BENCH_MODE="long" if sc.long_turns else "walk", BENCH_RATE=str(sc.rate),
               BENCH_CHECK="1" if target.checks else "0", BENCH_TOKEN=target.token or "",
               BENCH_SENDER_BASE=str(sender_base), BENCH_IVRS_FIRST=str(ivrs_first),
               BENCH_MAX_WALKS=str(sc.max_walks), BENCH_TURNS=str(sc.long_turns or 0),
               BENCH_TURNS_OUT=str(turns_file))
    if target.ca:
        env["BENCH_CA"] = target.ca
    env.pop("PYTHONWARNINGS", None)   # the Makefile's filters name Rasa's libraries, not Locust's
    cmd = [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", target.url, "--users", str(sc.users),
           "--spawn-rate", str(sc.users), "--run-time", f"{sc.run_time}s", "--csv", str(out / sc.name),
           "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "30"]
    before = snapshot(target.roots.values())
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=sc.run_time + 120)
    after = snapshot(target.roots.values())
    (out / f"{sc.name}.log").write_text(done.stdout + done.stderr)
    turns = [json.loads(line) for line in turns_file.read_text().splitlines()] if turns_file.exists() else []
    # The servers work only while turns are in flight (Locust starts and stops around them), so
    # their CPU is spread over that window, and counted per turn over all the turns sent.
    window = (max(t["t"] + t["ms"] / 1000.0 for t in turns) - min(t["t"] for t in turns)) if turns else 0.0
    procs = usage(before, after, window)
    result = summarize(turns, sc.warmup_s)
    result.update({"scenario": sc.name, "users": sc.users, "rate_per_user": sc.rate,
                   "locust_exit": done.returncode, "procs": procs, "turns_all": len(turns), "window_s": window,
                   "failures": _failures(out / f"{sc.name}_failures.csv")})
    if sc.long_turns:
        # The cost of every answered turn, also one whose reply failed a check (the report lists those).
        result["by_turn"] = [[t["turn"], t["ms"]] for t in sorted(turns, key=lambda t: t["turn"])
                             if t.get("answered", t["ok"])]
    return result


def _failures(path: Path) -> Dict[str, int]:
    """Locust's failures CSV: error message -> occurrences."""
    if not path.exists():
        return {}
    import csv
    with path.open() as f:
        return {f"{r['Name']}: {r['Error']}": int(r["Occurrences"]) for r in csv.DictReader(f)}


def at_rest(target: Target, seconds: float = 3.0) -> List[dict]:
    """Each process's CPU and memory over a few idle seconds."""
    before = snapshot(target.roots.values())
    time.sleep(seconds)
    return usage(before, snapshot(target.roots.values()), seconds)


def long_ratio(by_turn: List[List[float]], first: range = range(1, 31),
               last: range = range(121, 151)) -> Optional[dict]:
    """p50 of turns 121-150 over turns 1-30 of one conversation."""
    a = [ms for n, ms in by_turn if n in first]
    b = [ms for n, ms in by_turn if n in last]
    if not a or not b:
        return None
    return {"first_p50": pct(a, 50), "last_p50": pct(b, 50), "ratio": pct(b, 50) / pct(a, 50)}
