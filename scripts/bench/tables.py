"""The tables and the plot of reports/bench.md, from results/bench/load.json's figures."""
import math
from typing import List, Optional

from scripts.bench.common import ROOT, STEPS, pct

PLOT = ROOT / "reports" / "bench-long.png"
OURS = ("embedded", "production")
REF = "rasa init"
TARGETS = {"p50": 1.5, "ceiling": 0.8, "long": 1.1}


def ms(x: Optional[float]) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.0f} ms" if x >= 100 else f"{x:.1f} ms"


def num(x: Optional[float], fmt: str = "{:.1f}") -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def _get(servers: dict, name: str, *path: str) -> Optional[float]:
    node = servers.get(name)
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, (int, float)) else None


def _ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def _verdict(value: Optional[float], target: float, at_most: bool) -> str:
    if value is None:
        return "–"
    return "met" if (value <= target if at_most else value >= target) else "**not met**"


def summary(servers: dict) -> List[str]:
    """The three per-turn ratios of issue 19, for each of our topologies."""
    rows = ["| figure | " + " | ".join(n for n in (*OURS, REF) if n in servers) + " | ratio | target |",
            "|---|" + "---|" * (len([n for n in (*OURS, REF) if n in servers]) + 2)]
    shown = [n for n in (*OURS, REF) if n in servers]

    def row(label: str, path: tuple, fmt, key: str, at_most: bool, from_ratio: bool = False) -> str:
        vals = [_get(servers, n, *path) for n in shown]
        ref = _get(servers, REF, *path)
        ratios = [] if from_ratio else [
            f"{n}: **{num(_ratio(_get(servers, n, *path), ref), '{:.2f}×')}** "
            f"({_verdict(_ratio(_get(servers, n, *path), ref), TARGETS[key], at_most)})" for n in OURS if n in servers]
        if from_ratio:
            ratios = [f"{n}: **{num(_get(servers, n, *path), '{:.2f}×')}** "
                      f"({_verdict(_get(servers, n, *path), TARGETS[key], at_most)})" for n in OURS if n in servers]
        sign = "≤" if at_most else "≥"
        goal = f"{sign} {TARGETS[key]}×" + (" (its own turns 1–30)" if from_ratio else " rasa init's")
        return f"| {label} | " + " | ".join(fmt(v) for v in vals) + f" | {'; '.join(ratios)} | {goal} |"

    rows.append(row("p50 per turn, one consumer doing the walk-through", ("sequential", "p50"), ms, "p50", True))
    rows.append(row("ceiling, 4 consumers back to back (turns/s)", ("ceiling", "turns_per_s"), num, "ceiling", False))
    rows.append(row("one conversation: p50 of turns 121–150 over turns 1–30", ("long", "ratio", "ratio"),
                    lambda v: num(v, "{:.2f}×"), "long", True, from_ratio=True))
    return rows


def load_table(servers: dict, scenario: str) -> List[str]:
    rows = ["| server | turns | turns/s | p50 | p95 | p99 | max | errors |", "|---|---|---|---|---|---|---|---|"]
    for name, s in servers.items():
        r = s.get(scenario)
        if isinstance(r, dict) and r.get("n"):
            rows.append(f"| {name} | {r['n']} | {num(r.get('turns_per_s'))} | {ms(r.get('p50'))} | {ms(r.get('p95'))} "
                        f"| {ms(r.get('p99'))} | {ms(r.get('max'))} | {r['errors']} |")
    return rows


def step_table(servers: dict) -> List[str]:
    names = list(servers)
    rows = ["| step | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for step in STEPS:
        rows.append(f"| {step} | " + " | ".join(
            ms((servers[n].get("sequential") or {}).get("per_step_p50", {}).get(step)) for n in names) + " |")
    return rows


def proc_table(servers: dict) -> List[str]:
    rows = ["| server | process | CPU at rest | RSS at rest | CPU under the ceiling | RSS after | peak RSS |",
            "|---|---|---|---|---|---|---|"]
    for name, s in servers.items():
        rest = {p["pid"]: p for p in s.get("rest", [])}
        for p in (s.get("ceiling") or {}).get("procs", []):
            r = rest.get(p["pid"], {})
            rows.append(f"| {name} | {p['name']} ({p['pid']}) | {num(r.get('cpu_pct'), '{:.0f} %')} | "
                        f"{num(r.get('rss_mb'), '{:.0f} MB')} | {num(p['cpu_pct'], '{:.0f} %')} | "
                        f"{p['rss_mb']:.0f} MB | {p['hwm_mb']:.0f} MB |")
    return rows


def plot(servers: dict) -> bool:
    """Per-turn latency against the turn number of one long conversation (reports/bench-long.png)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
    drawn = False
    every = [m for s in servers.values() for _, m in (s.get("long") or {}).get("by_turn") or []]
    for name, s in servers.items():
        by_turn = (s.get("long") or {}).get("by_turn") or []
        if by_turn:
            turns, times = [t for t, _ in by_turn], [m for _, m in by_turn]
            dots = ax.plot(turns, times, ".", alpha=0.35)[0]
            # The median of the 10 turns around each turn: the trend, without one slow turn's spike.
            trend = [pct(times[max(0, i - 5):i + 5], 50) for i in range(len(times))]
            ax.plot(turns, trend, color=dots.get_color(), linewidth=2, label=f"{name} (median of 10 turns)")
            drawn = True
    if not drawn:
        plt.close(fig)
        return False
    ax.set_ylim(0, pct(every, 99) * 1.3)       # a rare slow turn would flatten everything else
    ax.set_xlabel("turn number in one conversation (the walk-through repeated)")
    ax.set_ylabel("round-trip per turn (ms)")
    ax.set_title("Cost per turn as one conversation grows")
    ax.axvspan(1, 30, alpha=0.08, color="green")
    ax.axvspan(121, 150, alpha=0.08, color="red")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(PLOT)
    plt.close(fig)
    return True
