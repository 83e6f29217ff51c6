"""`make mutation-code`: mutation testing of the code where a small slip costs money or privacy.

mutmut 2 rewrites each source file in place while it tests a mutant, so this
runs it in a throwaway copy of the tree: the working tree (and anything serving
from it) never sees a mutant. Each file is tested with its own unit tests only.
On two cores the four small modules take about 10 minutes; the webhook and
events modules (database tests, ~300 mutants) about an hour more. Arguments
restrict the run to the files named. Writes reports/mutation-code.md (or
$MUTATION_REPORT): killed/total per file, and every survivor as a diff.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
REPORT = Path(os.environ.get("MUTATION_REPORT") or ROOT / "reports" / "mutation-code.md")
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "models", "var", ".rasa", "results",
                                     "__pycache__", ".pytest_cache", ".hypothesis", ".mutmut-cache")
# file -> the unit tests that exercise it, and a -k expression to pick the relevant ones
# (the helpline and complaint boundaries need a seeded database and test none of these).
NOT_DB = "not helpline and not complaint and not overdue and not norm_hours"
TARGETS: Dict[str, Tuple[List[str], str]] = {
    "bijli/ivrs.py": (["tests/unit/test_ivrs.py", "tests/unit/test_boundaries.py",
                       "tests/unit/test_fuzz_text.py"], "ivrs"),
    "bijli/money.py": (["tests/unit/test_money_upi_privacy.py", "tests/unit/test_boundaries.py"],
                       NOT_DB),
    "bijli/upi.py": (["tests/unit/test_money_upi_privacy.py", "tests/unit/test_boundaries.py"],
                     "upi or payment_ref or money"),
    "bijli/privacy.py": (["tests/unit/test_money_upi_privacy.py", "tests/unit/test_boundaries.py"],
                         NOT_DB),
    "bijli/payments/webhook.py": (["tests/unit/test_webhook.py", "tests/unit/test_payment_safety.py",
                                   "tests/unit/test_boundaries.py"], NOT_DB),
    # parse_event and verify_signature live here (the webhook module re-exports them).
    "bijli/payments/events.py": (["tests/unit/test_webhook.py", "tests/unit/test_boundaries.py",
                                  "tests/unit/test_fuzz_webhook.py"], NOT_DB),
}


def run_target(work: Path, source: str, tests: List[str], select: str) -> Dict:
    """Run mutmut on one file in the copy; return its counts and survivors."""
    tests = [t for t in tests if (work / t).exists()]
    cache = work / ".mutmut-cache"
    if cache.exists():
        cache.unlink()
    command = f"{PY} -m pytest -x -q -p no:cacheprovider " + " ".join(tests)
    if select:
        command += f" -k '{select}'"
    # mutmut 2 counts only exit status 1 as killed; a mutant that breaks collection or
    # import (pytest exits 2) would pass as a survivor, so any failure becomes 1.
    (work / ".mutation-runner.sh").write_text(f"{command} || exit 1\n")
    runner = "bash .mutation-runner.sh"
    started = time.monotonic()
    run = subprocess.run(
        [PY, "-m", "mutmut", "run", "--paths-to-mutate", source, "--tests-dir", "tests/unit",
         "--runner", runner, "--no-progress", "--simple-output"],
        cwd=work, capture_output=True, text=True)
    if run.returncode & 1:
        sys.stderr.write(run.stdout[-3000:] + run.stderr[-3000:])
        raise SystemExit(f"mutmut failed on {source}")
    xml = subprocess.run([PY, "-m", "mutmut", "junitxml", "--suspicious-policy=ignore",
                          "--untested-policy=error"], cwd=work, capture_output=True, text=True,
                         check=True).stdout
    cases = ET.fromstring(xml).iter("testcase")
    result = {"file": source, "tests": tests, "total": 0, "killed": 0, "survived": [],
              "timeout": 0, "untested": 0, "seconds": round(time.monotonic() - started)}
    for case in cases:
        result["total"] += 1
        failure, error = case.find("failure"), case.find("error")
        if failure is not None:
            result["survived"].append((case.get("line"), (failure.text or "").strip()))
        elif error is not None and "timeout" in (error.get("type") or ""):
            result["timeout"] += 1      # a mutant that hangs the tests is caught too
            result["killed"] += 1
        elif error is not None:
            result["untested"] += 1
        else:
            result["killed"] += 1
    return result


def short_diff(diff: str) -> str:
    """Only the changed lines of a unified diff."""
    lines = [ln for ln in diff.splitlines()
             if ln[:1] in "-+" and not ln.startswith(("---", "+++"))]
    return "\n".join(lines)


def write_report(results: List[Dict], seconds: int) -> None:
    total = sum(r["total"] for r in results)
    killed = sum(r["killed"] for r in results)
    out = [
        "# Mutation score: money, IVRS, UPI, masking and the payment webhook",
        "",
        f"Generated by `make mutation-code` (`scripts/mutation.py`, mutmut 2.5.1) on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC in {seconds // 60} min {seconds % 60} s. "
        "Each file is mutated in a copy of the tree and tested with the unit tests listed; "
        "a mutant is killed when a test fails (or the tests time out) with it in place.",
        "",
        f"**Total: {killed}/{total} killed ({100 * killed / max(total, 1):.1f}%).**",
        "",
        "| file | killed / total | score | survived | tests |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        score = 100 * r["killed"] / max(r["total"], 1)
        tests = ", ".join(Path(t).name for t in r["tests"])
        out.append(f"| `{r['file']}` | {r['killed']}/{r['total']} | {score:.1f}% | "
                   f"{len(r['survived'])} | {tests} |")
    out += ["", "## Survivors", ""]
    if not any(r["survived"] for r in results):
        out.append("None.")
    for r in results:
        for line, diff in r["survived"]:
            out += [f"- `{r['file']}` line {line}:", "", "  ```diff"]
            out += ["  " + ln for ln in short_diff(diff).splitlines()]
            out += ["  ```", ""]
    REPORT.write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")


def main() -> None:
    """Copy the tree, mutate each target file in turn, write the report."""
    only = sys.argv[1:]
    started = time.monotonic()
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"   # a stale .pyc would hide a mutant
    os.environ.setdefault("FUZZ_SCALE", "0.1")    # the properties run once per mutant
    with tempfile.TemporaryDirectory(prefix="bijli-mutation-") as tmp:
        work = Path(tmp) / "tree"
        shutil.copytree(ROOT, work, ignore=COPY_IGNORE)
        results = []
        for source, (tests, select) in TARGETS.items():
            if only and source not in only:
                continue
            r = run_target(work, source, tests, select)
            print(f"{source}: {r['killed']}/{r['total']} killed, {len(r['survived'])} survived "
                  f"({r['seconds']} s)", flush=True)
            results.append(r)
    write_report(results, round(time.monotonic() - started))
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
