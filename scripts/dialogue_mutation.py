"""`make mutation`: does `rasa test` notice when the dialogue's YAML is changed?

Makes one change at a time in a throwaway copy of the tree, retrains there and
runs the test stories (tests/test_stories.yml) with --fail-on-prediction-errors:

- **delete a rule** (every rule in data/rules/);
- **redirect a rule**: its last action goes to a different action (the main
  menu, or goodbye where it already was the main menu);
- **delete a story** (every story in data/stories/, if there are any).

A mutant is *caught* when `rasa test` fails. A surviving mutant means a path no
test story walks, or a rule or story that changes nothing. Writes the score and
every survivor to reports/mutation.md (or $DIALOGUE_MUTATION_REPORT).

Arguments: ``--jobs N`` (parallel mutants, default 2), ``--limit N`` (the first
N mutants only, for a quick look). The dialogue is under test, not the NLU: the
copy's test stories keep their intents and entities but not the user's texts,
and only the dialogue model is trained (`rasa train core`), so each mutant costs
one core training and one `rasa test core`.
Not part of `make test`: it retrains once per mutant.
"""
import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
REPORT = Path(os.environ.get("DIALOGUE_MUTATION_REPORT") or ROOT / "reports" / "mutation.md")
NEEDED = ["config.yml", "domain", "data", "tests/test_stories.yml"]
NOT_REDIRECTED = {"action_listen", "action_deactivate_loop"}


@dataclass
class Mutant:
    kind: str          # delete rule / redirect rule / delete story
    file: str          # data/... relative path
    index: int         # position of the rule or story in its file
    name: str
    detail: str = ""


@dataclass
class Outcome:
    mutant: Mutant
    caught: bool
    seconds: float
    note: str = ""


def _load(path: Path) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _last_action(steps: List[Dict[str, Any]]) -> Optional[int]:
    for i in range(len(steps) - 1, -1, -1):
        action = steps[i].get("action") if isinstance(steps[i], dict) else None
        if action and action not in NOT_REDIRECTED and not action.endswith("_form"):
            return i
    return None


def mutants() -> List[Mutant]:
    """Every mutant of the dialogue's YAML, in a stable order."""
    found: List[Mutant] = []
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        rel = str(path.relative_to(ROOT))
        for i, rule in enumerate(_load(path).get("rules") or []):
            found.append(Mutant("delete rule", rel, i, rule.get("rule", "?")))
            at = _last_action(rule.get("steps") or [])
            if at is not None:
                old = rule["steps"][at]["action"]
                new = "action_goodbye" if old == "action_main_menu" else "action_main_menu"
                found.append(Mutant("redirect rule", rel, i, rule.get("rule", "?"), f"{old} -> {new}"))
    for path in sorted((ROOT / "data" / "stories").glob("*.yml")) if (ROOT / "data" / "stories").exists() else []:
        rel = str(path.relative_to(ROOT))
        for i, story in enumerate(_load(path).get("stories") or []):
            found.append(Mutant("delete story", rel, i, story.get("story", "?")))
    return found


def apply(work: Path, mutant: Mutant) -> None:
    """Write the mutated file into the copy."""
    path = work / mutant.file
    doc = _load(path)
    key = "stories" if mutant.kind == "delete story" else "rules"
    items = doc[key]
    if mutant.kind.startswith("delete"):
        del items[mutant.index]
    else:
        rule = copy.deepcopy(items[mutant.index])
        at = _last_action(rule["steps"])
        old = rule["steps"][at]["action"]
        rule["steps"][at]["action"] = "action_goodbye" if old == "action_main_menu" else "action_main_menu"
        items[mutant.index] = rule
    if not items:
        del doc[key]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # One Rasa cache for every mutant: the NLU is trained once and reused.
    env["RASA_CACHE_DIRECTORY"] = str(ROOT / ".rasa" / "cache")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def _rasa(work: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "scripts.quiet_rasa", *args], cwd=work, env=_env(),
                          capture_output=True, text=True)


def prepare(base: Path, name: str) -> Path:
    work = base / name
    for item in NEEDED:
        src = ROOT / item
        dst = work / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    # The dialogue is under test, not the NLU: the stories keep their intents and
    # entities but not the user's texts, so only the dialogue model is trained.
    stories_path = work / "tests" / "test_stories.yml"
    doc = _load(stories_path)
    for story in doc.get("stories") or []:
        for step in story.get("steps") or []:
            if isinstance(step, dict):
                step.pop("user", None)
    stories_path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (work / "scripts").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "scripts" / "quiet_rasa.py", work / "scripts" / "quiet_rasa.py")
    (work / "scripts" / "__init__.py").touch()
    return work


def run_stories(work: Path) -> subprocess.CompletedProcess:
    """Train in the copy, then `rasa test core` on the test stories; non-zero when a story fails."""
    trained = _rasa(work, "train", "core", "--domain", "domain", "--stories", "data", "--out", "models")
    if trained.returncode != 0:
        return trained
    return _rasa(work, "test", "core", "--model", "models", "--stories", "tests/test_stories.yml",
                 "--fail-on-prediction-errors", "--out", "results")


def judge_here(base: Path, index: int, mutant: Mutant) -> Outcome:
    """Train and test in this process (Rasa imported once per worker: much faster)."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.core.test import test as core_test
    from rasa.model_training import train_core

    started = time.monotonic()
    work = prepare(base, f"m{index:03d}")
    apply(work, mutant)
    caught, note = False, ""
    try:
        model = train_core(domain=str(work / "domain"), config=str(work / "config.yml"),
                           stories=str(work / "data"), output=str(work / "models"))
    except Exception as error:  # the mutated data does not even train: noticed
        caught, note, model = True, f"training refused the data: {str(error).splitlines()[0][:160]}", None
    if model:
        agent = Agent.load(model_path=model)
        try:
            asyncio.run(core_test(str(work / "tests" / "test_stories.yml"), agent,
                                  fail_on_prediction_errors=True, disable_plotting=True))
        except Exception as error:  # WrongPredictionException: a test story failed
            found = re.search(r"- story: (.+)", str(error))
            story = found.group(1).strip().strip("'\"") if found else " ".join(str(error).split())[:120]
            caught, note = True, f"fails \"{story}\""
    shutil.rmtree(work, ignore_errors=True)
    return Outcome(mutant, caught, time.monotonic() - started, note)


def worker(indices: List[int]) -> None:
    """``--worker``: judge the given mutants here, one JSON line each."""
    import logging

    logging.disable(logging.WARNING)
    todo = mutants()
    with tempfile.TemporaryDirectory(prefix="bijli-dialogue-mutation-w-") as tmp:
        for i in indices:
            o = judge_here(Path(tmp), i, todo[i])
            print(json.dumps({"index": i, "caught": o.caught, "seconds": o.seconds, "note": o.note}), flush=True)


def judge(base: Path, index: int, mutant: Mutant) -> Outcome:
    started = time.monotonic()
    work = prepare(base, f"m{index:03d}")
    apply(work, mutant)
    result = run_stories(work)
    seconds = time.monotonic() - started
    caught = result.returncode != 0
    note = ""
    if caught:
        report = work / "results" / "story_report.json"
        if report.exists():
            acc = json.loads(report.read_text())["conversation_accuracy"]
            note = f"{acc['total'] - acc['correct']} of {acc['total']} test stories failed"
        else:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
            note = "training refused the data: " + tail[0][:160]
    shutil.rmtree(work, ignore_errors=True)
    return Outcome(mutant, caught, seconds, note)


def baseline(base: Path) -> None:
    """The unmutated tree must pass, or no mutant's failure means anything."""
    work = prepare(base, "baseline")
    result = run_stories(work)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        sys.exit("dialogue mutation: the test stories fail without any mutation; fix them first")
    shutil.rmtree(work, ignore_errors=True)


def write_report(outcomes: List[Outcome], total_seconds: float, limited: bool) -> None:
    caught = sum(o.caught for o in outcomes)
    lines = [
        "# Dialogue mutation check",
        "",
        f"`make mutation` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {total_seconds / 60:.0f} min): "
        "each mutant changes one thing in the dialogue's YAML in a throwaway copy, retrains "
        "and runs `rasa test core --fail-on-prediction-errors` on tests/test_stories.yml.",
        "",
        f"**{caught} of {len(outcomes)} mutants caught.**" + (" (A `--limit` run: not every mutant.)"
                                                              if limited else ""),
        "",
        "| kind | mutants | caught |",
        "|---|---|---|",
    ]
    for kind in ("delete rule", "redirect rule", "delete story"):
        mine = [o for o in outcomes if o.mutant.kind == kind]
        lines.append(f"| {kind} | {len(mine)} | {sum(o.caught for o in mine)} |")
    if not any(o.mutant.kind == "delete story" for o in outcomes):
        lines += ["", "There are no stories in data/stories/: every path is a rule (stories that only "
                      "repeated rules were deleted), so there is no story to delete."]
    survivors = [o for o in outcomes if not o.caught]
    lines += ["", "## Survivors", ""]
    if not survivors:
        lines.append("None: every mutant made at least one test story fail.")
    for o in survivors:
        m = o.mutant
        lines.append(f"- {m.kind} `{m.file}` #{m.index} \"{m.name}\" {m.detail}".rstrip())
    lines += ["", "## Every mutant", "", "| # | kind | file | rule / story | result | s |", "|---|---|---|---|---|---|"]
    for i, o in enumerate(outcomes):
        m = o.mutant
        result = ("caught: " + o.note) if o.caught else "**survived**"
        name = (m.name + (f" ({m.detail})" if m.detail else "")).replace("|", "/")
        lines.append(f"| {i} | {m.kind} | {m.file} | {name} | {result} | {o.seconds:.0f} |")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated mutant numbers")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker([int(i) for i in args.worker.split(",") if i])
        return 0
    todo = mutants()
    chosen = list(range(len(todo)))
    if args.only:
        chosen = [int(i) for i in args.only.split(",")]
    if args.limit:
        chosen = chosen[: args.limit]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bijli-dialogue-mutation-") as tmp:
        base = Path(tmp)
        print(f"dialogue mutation: baseline, then {len(todo)} mutants, {args.jobs} at a time", flush=True)
        baseline(base)
        outcomes: Dict[int, Outcome] = {}
        jobs = max(1, args.jobs)
        slices = [chosen[k::jobs] for k in range(jobs)]
        procs = [subprocess.Popen([PY, str(Path(__file__).resolve()), "--worker", ",".join(map(str, part))],
                                  cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True) for part in slices if part]

        def collect(proc: subprocess.Popen) -> None:
            for line in proc.stdout:
                if not line.startswith("{"):
                    continue
                row = json.loads(line)
                o = Outcome(todo[row["index"]], row["caught"], row["seconds"], row["note"])
                outcomes[row["index"]] = o
                print(f"[{len(outcomes)}/{len(chosen)}] {'caught  ' if o.caught else 'SURVIVED'} #{row['index']} "
                      f"{o.mutant.kind}: {o.mutant.name} {o.mutant.detail}".rstrip(), flush=True)
            proc.wait()

        with ThreadPoolExecutor(max_workers=len(procs) or 1) as pool:
            list(pool.map(collect, procs))
    done = [outcomes[i] for i in sorted(outcomes)]
    missing = sorted(set(chosen) - set(outcomes))
    if missing:
        print(f"dialogue mutation: no result for mutants {missing} (a worker died)", file=sys.stderr)
    write_report(done, time.monotonic() - started, bool(args.limit or args.only))
    caught = sum(o.caught for o in done)
    print(f"dialogue mutation: {caught} of {len(done)} caught; report in {REPORT}")
    return 0 if caught == len(done) else 1


if __name__ == "__main__":
    sys.exit(main())
