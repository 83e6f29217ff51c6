"""Adversarial messages: the worst case in the NLU rule layer, and what a flood costs others.

Rasa parses each message on its event loop, so a slow parse of one consumer's message
delays every other conversation (issue 18). Two measurements:

1. **In process**: every input of ``tests/adversarial.py`` at WhatsApp's full length
   (4,096 characters) through every reader of user text (normaliser, NLU rules, cues),
   best of three; and at four times that length, so a pattern that went quadratic
   shows as a ratio near 16 instead of 4.
2. **Live** (real Rasa and action servers, ``tests/e2e/harness.py``): another consumer's
   "Hi" answered alone, and again while one sender floods the REST channel with the
   adversarial messages; also ``/model/parse`` of each adversarial message (DIET included).

Writes reports/adversarial.md. Wall-clock figures on a shared machine: compare within
one run. Usage: python scripts/bench_adversarial.py [--no-live] [--out reports/adversarial.md]
"""
import argparse
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bijli.limits import MAX_MESSAGE_CHARS  # noqa: E402
from tests.adversarial import INPUTS, READERS  # noqa: E402

FLOODERS = 2


def best_of(read: Callable[[str], object], message: str, rounds: int = 3) -> float:
    """The fastest of ``rounds`` runs, in seconds (the least disturbed by other work)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        read(message)
        best = min(best, time.perf_counter() - started)
    return best


def in_process() -> List[Tuple[float, float, str, str]]:
    """(seconds at 4,096, seconds at 4×, input, reader) for every pair, slowest first."""
    rows = []
    for name, make in INPUTS.items():
        full, longer = make(MAX_MESSAGE_CHARS), make(4 * MAX_MESSAGE_CHARS)
        for reader, read in READERS.items():
            rows.append((best_of(read, full), best_of(read, longer, 1), name, reader))
    return sorted(rows, reverse=True)


def live(hi_rounds: int = 20) -> List[str]:
    """Another consumer's "Hi", alone and during a flood; /model/parse per adversarial message."""
    from tests.e2e.harness import start_servers

    lines: List[str] = []
    with tempfile.TemporaryDirectory() as tmp, start_servers(Path(tmp)) as srv:
        def hi_latencies(n: int, gap: float = 0.0) -> List[float]:
            out = []
            for i in range(n):
                started = time.perf_counter()
                srv.send(f"91960000{i:04d}", "Hi")
                out.append(time.perf_counter() - started)
                time.sleep(gap)
            return out

        hi_latencies(3)                                  # warm up
        alone = hi_latencies(hi_rounds)
        parse = []
        for name, make in INPUTS.items():
            started = time.perf_counter()
            requests.post(f"{srv.rasa_url}/model/parse", json={"text": make(MAX_MESSAGE_CHARS)},
                          params={"token": srv.api_token} if srv.api_token else None, timeout=120)
            parse.append((time.perf_counter() - started, name))
        stop = threading.Event()
        flooded = [0]

        def flood(sender: str) -> None:
            messages = [make(MAX_MESSAGE_CHARS) for make in INPUTS.values()]
            while not stop.is_set():
                srv.send(sender, messages[flooded[0] % len(messages)])
                flooded[0] += 1

        flooders = [threading.Thread(target=flood, args=(f"91960000999{i}",), daemon=True)
                    for i in range(FLOODERS)]
        for t in flooders:
            t.start()
        time.sleep(1.0)
        during = hi_latencies(hi_rounds, gap=0.2)
        stop.set()
        for t in flooders:
            t.join(timeout=120)

    def p(values: List[float], q: float) -> str:
        values = sorted(values)
        return f"{values[min(len(values) - 1, int(q * len(values)))] * 1000:.0f} ms"

    lines += ["## Live: another consumer's \"Hi\" over REST", "",
              "| | p50 | p95 | max |", "|---|---|---|---|",
              f"| alone ({hi_rounds} turns) | {p(alone, .5)} | {p(alone, .95)} | {max(alone) * 1000:.0f} ms |",
              f"| while {FLOODERS} senders flood the REST channel with the {len(INPUTS)} adversarial "
              f"4,096-character messages, back to back ({flooded[0]} sent) | {p(during, .5)} | "
              f"{p(during, .95)} | {max(during) * 1000:.0f} ms |",
              "", "## Live: `/model/parse` of each adversarial message (the whole NLU graph, DIET included)", "",
              "| input | seconds |", "|---|---|"]
    lines += [f"| {name} | {sec:.3f} |" for sec, name in sorted(parse, reverse=True)]
    lines += ["", f"median {statistics.median(s for s, _ in parse):.3f} s"]
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-live", action="store_true", help="only the in-process measurement")
    ap.add_argument("--out", default=str(ROOT / "reports" / "adversarial.md"))
    args = ap.parse_args(argv)
    rows = in_process()
    worst = rows[0]
    out = ["# Adversarial messages (issue 18, item 1)", "",
           f"Machine: {platform.machine()}, Python {platform.python_version()}. Wall clock, best of 3; "
           "written by `scripts/bench_adversarial.py` (`make bench`).", "",
           f"**Worst case in process:** {worst[0] * 1000:.1f} ms ({worst[3]} on {worst[2]}), "
           f"against the test's bound of 1 s (tests/unit/test_adversarial_text.py). "
           f"{len(INPUTS)} inputs × {len(READERS)} readers.", "",
           "## In process: the ten slowest pairs", "",
           "| reader | input | 4,096 chars | 16,384 chars | ratio (linear ≈ 4) |", "|---|---|---|---|---|"]
    for at_full, at_4x, name, reader in rows[:10]:
        out.append(f"| {reader} | {name} | {at_full * 1000:.1f} ms | {at_4x * 1000:.1f} ms | "
                   f"{at_4x / max(at_full, 1e-6):.1f} |")
    if not args.no_live:
        out += [""] + live()
    Path(args.out).write_text("\n".join(out) + "\n", encoding="utf-8")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
