"""`make bench-train`: how long `rasa train --force` of our assistant takes (into a temp directory;
models/ is untouched). Writes results/bench/training.json, then reports/bench.md.

Not part of `make bench` (it would keep both cores busy for minutes); rasa init's training is
timed once, when results/bench/rasa-init is made.
"""
import json
import subprocess
import sys
import tempfile
import time

from scripts.bench import report
from scripts.bench.common import RESULTS, ROOT


def train_ours() -> float:
    """Seconds of `rasa train --force --domain domain` (no cache reuse for the graph's components)."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as out:
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "rasa"), "train", "--force", "--domain", "domain", "--quiet",
                        "--out", out], cwd=ROOT, check=True, capture_output=True, timeout=3600)
        return time.perf_counter() - t0


def main() -> int:
    print("rasa train --force (temp directory) ...", flush=True)
    seconds = train_ours()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "training.json").write_text(json.dumps({"seconds": seconds, "date": time.strftime("%Y-%m-%d %H:%M %Z")}))
    print(f"trained in {seconds:.0f} s")
    return report.main([])


if __name__ == "__main__":
    sys.exit(main())
