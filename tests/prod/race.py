"""Two messages of one sender sent at once to two Rasa instances, many times (issue 19).

Used by tests/prod/test_instances.py and, to measure Rasa's own ``RedisLockStore`` against
``components.lock_store.AtomicRedisLockStore``, from the command line:
``python -m tests.prod.race URL_A URL_B TOKEN [TRIALS]`` (prints the counts as JSON).
"""
import json
import sys
import threading
import uuid
from dataclasses import asdict, dataclass
from typing import List

import requests


@dataclass
class RaceResult:
    trials: int
    lost: int            # conversations missing a user message or its answer
    interleaved: int     # a user message stored before the previous turn's answer ended


def _send(url: str, token: str, sender: str, text: str, barrier: threading.Barrier,
          answers: List[int]) -> None:
    barrier.wait()
    r = requests.post(f"{url}/webhooks/rest/webhook", params={"token": token},
                      json={"sender": sender, "message": text}, timeout=120)
    answers.append(r.status_code)


def turns_in_order(events: List[dict]) -> bool:
    """Each user message is followed by the bot's turn ending (action_listen) before the next."""
    waiting = False
    for e in events:
        if e.get("event") == "user":
            if waiting:
                return False
            waiting = True
        elif e.get("event") == "action" and e.get("name") == "action_listen":
            waiting = False
    return not waiting


def race(url_a: str, url_b: str, token: str, trials: int) -> RaceResult:
    """Send "Hi" to both instances at once, ``trials`` times (a new sender each time)."""
    lost = interleaved = 0
    for _ in range(trials):
        sender = f"race-{uuid.uuid4().hex[:12]}"
        barrier, answers = threading.Barrier(2), []  # type: ignore[var-annotated]
        threads = [threading.Thread(target=_send, args=(url, token, sender, "Hi", barrier, answers))
                   for url in (url_a, url_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        r = requests.get(f"{url_a}/conversations/{sender}/tracker", params={"token": token}, timeout=30)
        events = r.json()["events"]
        users = [e for e in events if e.get("event") == "user"]
        bots = [e for e in events if e.get("event") == "bot"]
        if answers != [200, 200] or len(users) != 2 or len(bots) < 2:
            lost += 1
        elif not turns_in_order(events):
            interleaved += 1
    return RaceResult(trials, lost, interleaved)


if __name__ == "__main__":
    a, b, tok = sys.argv[1:4]
    print(json.dumps(asdict(race(a, b, tok, int(sys.argv[4]) if len(sys.argv) > 4 else 50))))
