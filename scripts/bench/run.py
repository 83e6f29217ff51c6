"""`make bench-load`: the walk-through under Locust against our servers and `rasa init`, side by side.

Per server, in one run: (1) one consumer after another (p50 per turn), (2) the ceiling: 4 consumers
back to back (turns/s), (3) open load: turns at a fixed rate (half our embedded ceiling, the same rate
for every server), (4) one conversation of 150 turns; CPU and memory per process at rest and under
the ceiling; on the embedded servers also `/model/parse` and the payment webhook. Writes
results/bench/load.json, then reports/bench.md (scripts/bench/report.py).

Usage: python -m scripts.bench.run [--quick] [--rate TURNS_PER_S] [--servers embedded,...]
"""
import argparse
import json
import math
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Callable, Dict, List

from scripts.bench import hooks, load, report
from scripts.bench.common import LOCUST, RESULTS, machine, newest_model
from scripts.bench.load import Scenario
from scripts.bench.servers import Skipped, Target, embedded, production, reference, train_reference

CONSUMERS_PER_SCENARIO = 500


def scenarios(quick: bool, rate: float) -> List[Scenario]:
    """The four scenarios; --quick shortens them (for trying the tooling, not for figures)."""
    s = 8 if quick else 15
    walks = CONSUMERS_PER_SCENARIO
    return [
        Scenario("sequential", users=1, run_time=s, max_walks=walks),
        Scenario("ceiling", users=4, run_time=s + 5, max_walks=walks, warmup_s=3),
        Scenario("open", users=8, run_time=s + 5, rate=rate / 8, max_walks=walks, warmup_s=3),
        Scenario("long", users=1, run_time=300, long_turns=60 if quick else 150),
    ]


def _half_ceiling(ceiling: object) -> float:
    """The open load's rate when none is given: half the first server's ceiling (0 if unknown)."""
    tps = ceiling.get("turns_per_s") if isinstance(ceiling, dict) else None
    return round(tps / 2, 1) if tps and not math.isnan(tps) else 0.0


def bench_target(target: Target, quick: bool, rate: float) -> dict:
    """All scenarios against one server, in order; returns its figures."""
    out = RESULTS / target.name.replace(" ", "-")
    result: Dict[str, object] = {"name": target.name, "notes": target.notes, "rest": load.at_rest(target)}
    load.warm_up(target, first_ivrs=0)
    for i, sc in enumerate(scenarios(quick, rate)):
        if sc.name == "open":
            rate = rate or _half_ceiling(result.get("ceiling"))
            if not rate:
                continue
            sc = replace(sc, rate=rate / sc.users)
            result["open_rate"] = rate
        print(f"  {target.name}: {sc.name} ({sc.users} users"
              f"{f', {sc.rate * sc.users:.1f} turns/s' if sc.rate else ''}) ...", flush=True)
        first = 10 + i * CONSUMERS_PER_SCENARIO
        result[sc.name] = load.run(target, sc, out, sender_base=first + 1000 * len(target.name), ivrs_first=first)
    long_run = result.get("long")
    if isinstance(long_run, dict):
        long_run["ratio"] = load.long_ratio(long_run["by_turn"])
    if target.live is not None:
        print(f"  {target.name}: /model/parse and the payment webhook ...", flush=True)
        result["parse"] = hooks.parse_latency(target.url)
        result["webhook"] = hooks.webhook_latency(target.live)
    result["after"] = load.at_rest(target, 1.0)
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short scenarios, to try the tooling")
    ap.add_argument("--rate", type=float, default=0.0,
                    help="open-load turns/s (default: half the embedded ceiling measured in this run)")
    ap.add_argument("--servers", default="embedded,rasa init,production")
    args = ap.parse_args(argv)
    if not LOCUST.exists():
        print(f"{LOCUST} missing: run `make bench-load` (it builds .venv-bench)", file=sys.stderr)
        return 2
    if newest_model() is None:
        print("no trained model in models/: run `make train` first", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    data: Dict[str, object] = {"machine": machine(), "quick": args.quick, "servers": {}, "skipped": {}}
    data["training"] = {"rasa init": train_reference()}
    consumers = 20 + 4 * CONSUMERS_PER_SCENARIO
    starts: Dict[str, Callable[[], AbstractContextManager]] = {
        "embedded": lambda: embedded(consumers), "rasa init": reference,
        "production": lambda: production(consumers)}
    rate = args.rate
    for name in [n.strip() for n in args.servers.split(",") if n.strip()]:
        print(f"{name}: starting ...", flush=True)
        try:
            with starts[name]() as target:
                figures = bench_target(target, args.quick, rate)
        except Skipped as e:
            print(f"{name}: skipped: {e}", flush=True)
            data["skipped"][name] = str(e)                         # type: ignore[index]
            continue
        data["servers"][name] = figures                            # type: ignore[index]
        if not rate and figures.get("open_rate"):
            rate = data["open_rate"] = figures["open_rate"]
    data["seconds"] = time.monotonic() - started
    (RESULTS / "load.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    report.main([])
    print(f"bench-load took {data['seconds'] / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
