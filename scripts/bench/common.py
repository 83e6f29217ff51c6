"""Shared pieces of the bench: paths, percentiles, the bench consumers, per-process CPU and memory."""
import os
import platform
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Dict, Iterable, List, Optional

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results" / "bench"
LOCUST = ROOT / ".venv-bench" / "bin" / "locust"
# The walk-through: step names (for the report) and the texts sent; "IVRS" is replaced by the
# consumer's number. rasa init gets the same six texts.
STEPS = ["Hi", "2 (bill payment)", "2 (by IVRS)", "1 (urban)", "IVRS", "1 (Pay)"]
TEXTS = ["Hi", "2", "2", "1", "IVRS", "1"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def pct(values: Iterable[float], p: float) -> float:
    """Percentile by linear interpolation between closest ranks (p in 0..100); NaN when empty."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def bench_ivrs(i: int) -> str:
    """The i-th bench consumer's IVRS number (urban, one current bill)."""
    return f"N77{i:08d}"


def bench_extract(count: int, today: Optional[date] = None) -> str:
    """A billing extract of ``count`` bench consumers, one current bill each, for `bijli import-bills`."""
    today = today or date.today()
    rows = ["ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount"]
    for i in range(count):
        rows.append(f"{bench_ivrs(i)},Bench Consumer {i},urban,97{i:08d},LV-1.2,{today:%Y-%m},"
                     f"{today},{today + timedelta(days=15)},{150 + i % 200},{1000 + i}.00")
    return "\n".join(rows) + "\n"


def newest_model() -> Optional[Path]:
    """The newest trained model in models/ (the lead may retrain: pick the newest each time)."""
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


@dataclass(frozen=True)
class ProcSample:
    """One process's CPU seconds (user + system, its own) and resident memory at one moment."""

    pid: int
    name: str
    cpu_s: float
    rss_mb: float
    hwm_mb: float


def _cmdline(pid: int) -> str:
    raw = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    words = raw.split()
    if words and words[0].startswith("nginx"):
        return "nginx"
    # ".../rasa run ...", "python -m scripts.quiet_rasa run ..." -> "rasa run";
    # "python -m actions.server" -> "actions.server"
    for i, w in enumerate(words):
        if w.endswith("/rasa") or w in ("rasa", "scripts.quiet_rasa"):
            return " ".join(["rasa"] + words[i + 1:i + 2])
        if w == "-m" and i + 1 < len(words) and words[i + 1] != "scripts.quiet_rasa":
            return words[i + 1]
    return Path(words[0]).name if words else "?"


def descendants(pid: int) -> List[int]:
    """A process and all its descendants (via /proc/<pid>/task/*/children)."""
    found = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []
    for tid in tasks:
        try:
            kids = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except OSError:
            continue
        for k in kids:
            found.extend(descendants(int(k)))
    return found


def sample(pid: int) -> Optional[ProcSample]:
    """CPU time and memory of one process from /proc, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
        name = _cmdline(pid)
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime + stime
    mem = {k: int(v.split()[0]) / 1024.0 for k, _, v in (line.partition(":") for line in status.splitlines())
           if k in ("VmRSS", "VmHWM")}
    return ProcSample(pid, name, cpu, mem.get("VmRSS", 0.0), mem.get("VmHWM", 0.0))


def snapshot(roots: Iterable[int]) -> Dict[int, ProcSample]:
    """Every process under the given roots, by pid."""
    out: Dict[int, ProcSample] = {}
    for root in roots:
        for pid in descendants(root):
            s = sample(pid)
            if s is not None:
                out[pid] = s
    return out


def usage(before: Dict[int, ProcSample], after: Dict[int, ProcSample], seconds: float) -> List[dict]:
    """Per process: CPU seconds used between two snapshots and as % of one core over ``seconds``,
    RSS at the end, peak RSS."""
    rows = []
    for pid, a in sorted(after.items()):
        b = before.get(pid)
        used = a.cpu_s - b.cpu_s if b else a.cpu_s
        rows.append({"pid": pid, "name": a.name, "cpu_s": used,
                     "cpu_pct": used / seconds * 100.0 if seconds > 0 else float("nan"),
                     "rss_mb": a.rss_mb, "hwm_mb": a.hwm_mb})
    return rows


def machine() -> dict:
    """Where the run happened, for the report's header."""
    cpu, mem = "", ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
            break
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "cores": len(os.sched_getaffinity(0)), "cpu": cpu,
            "mem": mem, "python": platform.python_version(), "rasa": version("rasa"),
            "rasa_sdk": version("rasa-sdk"), "os": f"{platform.system()} {platform.release()}",
            "load_before": os.getloadavg()[0]}


def as_dict(obj) -> dict:
    """A dataclass as a dict (for the JSON)."""
    return asdict(obj)
