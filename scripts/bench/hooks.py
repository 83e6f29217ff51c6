"""What Locust does not drive, on the embedded servers: NLU alone (`/model/parse`) and the signed
payment webhook (first deliveries and the gateway's duplicates) for payments the load created."""
import time
from typing import Dict, List, Tuple

import requests
from sqlalchemy import select

from bijli.db import Database
from bijli.models import Payment
from bijli.payments.cli import TIMEOUT, WEBHOOK_PATH
from bijli.payments.events import paid_event, signed
from bijli.payments.queries import payment_view
from bijli.settings import Settings
from scripts.bench.common import pct
from tests.e2e.harness import Live

PARSE_TEXTS = [
    "Hi", "नमस्ते", "mera bijli ka bill kitna hai? IVRS N3210987654", "बिजली नहीं आ रही है सुबह से",
    "paise kat gaye lekin bill jama nahi hua", "I want to pay my electricity bill",
    "मेरा आईवीआरएस नंबर ११००२२३३४४ है", "light nahi hai 2 ghante se", "meter jal gaya",
    "तार टूटा है खंभे के पास", "show me my last 6 bills", "pichle mahine ka bill dikhao",
    "complaint status 4812093375", "receipt chahiye", "new connection ke liye kya karna hai",
    "English please", "हिंदी में बात करो", "voltage bahut kam hai", "can I recharge my mobile here", "thank you",
]


def _stats(ms: List[float]) -> dict:
    return {"n": len(ms), "p50": pct(ms, 50), "p95": pct(ms, 95), "max": max(ms) if ms else float("nan")}


def parse_latency(url: str, rounds: int = 3) -> dict:
    """`POST /model/parse` round-trips, one at a time, after one unmeasured pass."""
    times: List[float] = []
    with requests.Session() as http:
        for r in range(rounds + 1):
            for text in PARSE_TEXTS:
                t0 = time.perf_counter()
                http.post(f"{url}/model/parse", json={"text": text}, timeout=60).raise_for_status()
                if r:
                    times.append((time.perf_counter() - t0) * 1000.0)
    return _stats(times)


def _pending(db: Database, limit: int) -> List[Tuple[str, str]]:
    with db.session() as s:
        rows = s.execute(select(Payment.ref, Payment.sender).where(Payment.status == "pending")
                         .order_by(Payment.id).limit(limit)).all()
    return [(r.ref, r.sender) for r in rows]


def _event(db: Database, secret: str, ref: str) -> Tuple[bytes, Dict[str, str]]:
    """The event `bijli simulate-payment REF` sends (its functions, the same arguments)."""
    with db.session() as s:
        stored = payment_view(s, ref)
    assert stored is not None
    amount = stored.amount_paise
    return signed(paid_event(ref, amount, link_id=stored.provider_link_id, ivrs=stored.ivrs,
                             requested_paise=amount), secret)


def _told(live: Live, sender: str, ref: str) -> int:
    return sum(ref in t for t in live.bot_texts(sender))


def webhook_latency(live: Live, events: int = 20) -> dict:
    """Signed `payment_link.paid` for pending payments, one at a time, then each again (a no-op)."""
    settings = Settings.from_env(live.env)
    secret = settings.webhook_secret()
    db = Database(live.database_url)
    try:
        refs = _pending(db, events + 1)
        if len(refs) < 2 or not secret:
            return {"skipped": "no pending payments or no webhook secret"}
        url = settings.rasa_url + WEBHOOK_PATH
        raw, headers = _event(db, secret, refs[0][0])      # warm-up, not measured
        requests.post(url, data=raw, headers=headers, timeout=TIMEOUT)
        first, again, answers = [], [], {}
        sent = []
        before = {ref: _told(live, sender, ref) for ref, sender in refs[1:]}   # the Pay reply names it
        for ref, _sender in refs[1:]:
            raw, headers = _event(db, secret, ref)          # DB read + signing: not timed
            t0 = time.perf_counter()
            r = requests.post(url, data=raw, headers=headers, timeout=TIMEOUT)
            first.append((time.perf_counter() - t0) * 1000.0)
            key = f"{r.status_code} {r.json().get('result') if r.ok else ''}".strip()
            answers[key] = answers.get(key, 0) + 1
            sent.append((raw, headers))
        for raw, headers in sent:                           # the gateway retrying: nothing changes
            t0 = time.perf_counter()
            r = requests.post(url, data=raw, headers=headers, timeout=TIMEOUT)
            again.append((time.perf_counter() - t0) * 1000.0)
            key = f"duplicate: {r.status_code} {r.json().get('result') if r.ok else ''}".strip()
            answers[key] = answers.get(key, 0) + 1
        told = sum(_told(live, sender, ref) > before[ref] for ref, sender in refs[1:])
    finally:
        db.dispose()
    return {"first": _stats(first), "duplicate": _stats(again), "answers": answers, "told": told}
