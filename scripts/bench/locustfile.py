"""Locust users for `make bench` (runs in .venv-bench; the runner sets everything through the environment).

Each task is one turn, POST /webhooks/rest/webhook, so that `constant_throughput` paces turns.
- BENCH_MODE=walk: the walk-through Hi -> 2 -> 2 -> 1 -> IVRS -> 1 (Pay), a new sender (and a new
  bench consumer) for every walk-through; stops after BENCH_MAX_WALKS walk-throughs in all.
- BENCH_MODE=long: one sender repeats the walk-through for BENCH_TURNS turns, then stops.
BENCH_RATE (turns/s per user) paces each user; without it users send back to back.
BENCH_TURNS_OUT names a JSON-lines file: one line per turn (start, ms, turn number, step, ok, answered),
the runner's exact figures (Locust's own CSV rounds its percentiles).
BENCH_CHECK=1: our bot: the IVRS step must offer Pay (payload "1"), Pay must give a payment link
(the demo provider's upi://pay, or the gateway's page or QR image: https://).
"""
import itertools
import json
import os
import re
import time

from locust import HttpUser, constant, constant_throughput, events, task

STEPS = ["Hi", "2 (bill payment)", "2 (by IVRS)", "1 (urban)", "IVRS", "1 (Pay)"]
TEXTS = ["Hi", "2", "2", "1", "IVRS", "1"]
MODE = os.environ.get("BENCH_MODE", "walk")
RATE = float(os.environ.get("BENCH_RATE") or 0)
CHECK = os.environ.get("BENCH_CHECK") == "1"
TOKEN = os.environ.get("BENCH_TOKEN") or ""
CA = os.environ.get("BENCH_CA") or ""            # the certificate to trust (production's nginx speaks TLS)
SENDER_BASE = int(os.environ.get("BENCH_SENDER_BASE", "0"))
IVRS_FIRST = int(os.environ.get("BENCH_IVRS_FIRST", "0"))
MAX_WALKS = int(os.environ.get("BENCH_MAX_WALKS", "1000000"))
TURNS = int(os.environ.get("BENCH_TURNS", "150"))
WALKS = itertools.count()
PAY_LINK = re.compile(r"upi://pay|https?://")
_out = open(os.environ["BENCH_TURNS_OUT"], "a", encoding="utf-8") if os.environ.get("BENCH_TURNS_OUT") else None


def _ivrs(i: int) -> str:
    return f"N77{i:08d}"   # scripts/bench/common.py bench_ivrs


@events.request.add_listener
def _record(request_type, name, response_time, exception, context, response=None, start_time=None, **_kw):
    if _out is not None and context:
        answered = getattr(response, "status_code", 0) == 200    # even when the reply failed a check
        _out.write(json.dumps({"t": start_time or time.time(), "ms": response_time, "turn": context["turn"],
                               "step": name, "ok": exception is None, "answered": answered,
                               "user": context["user"]}) + "\n")


@events.quitting.add_listener
def _close(**_kw):
    if _out is not None:
        _out.flush()


class Consumer(HttpUser):
    """A consumer on WhatsApp, seen through the REST channel."""

    wait_time = constant_throughput(RATE) if RATE > 0 else constant(0)

    def on_start(self):
        if CA:
            self.client.verify = CA
        self.turn = 0          # turns this sender has sent
        self.walk = -1
        self.sender = ""
        self.ivrs = ""

    def _next_walk(self) -> bool:
        self.walk = next(WALKS)
        if self.walk >= MAX_WALKS:
            self.environment.runner.quit()
            return False
        self.sender = f"9198{SENDER_BASE + self.walk:08d}"
        self.ivrs = _ivrs(IVRS_FIRST + self.walk)
        self.turn = 0
        return True

    @task
    def turn_(self):
        if MODE == "long":
            if self.walk < 0 and not self._next_walk():
                return
            if self.turn >= TURNS:
                self.environment.runner.quit()
                return
        elif self.turn % len(TEXTS) == 0 and not self._next_walk():
            return
        step = self.turn % len(TEXTS)
        text = self.ivrs if TEXTS[step] == "IVRS" else TEXTS[step]
        self.turn += 1
        ctx = {"turn": self.turn, "user": self.sender}
        with self.client.post("/webhooks/rest/webhook", params={"token": TOKEN} if TOKEN else None,
                              json={"sender": self.sender, "message": text}, name=STEPS[step],
                              context=ctx, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code} {r.error or ''}"[:200])
                return
            try:
                reply = r.json()
            except ValueError:
                r.failure("not JSON")
                return
            if CHECK and not reply:
                r.failure("no reply")
            elif CHECK and STEPS[step] == "IVRS" and not any(
                    b.get("payload") == "1" for m in reply for b in m.get("buttons") or []):
                r.failure("no Pay button after the IVRS")
            elif CHECK and STEPS[step] == "1 (Pay)" and not PAY_LINK.search(json.dumps(reply)):
                r.failure(f"no payment link after Pay; the reply began {(reply[0].get('text') or '')[:40]!r}")
