"""What the payment webhook answers (``Outcome``) and the key that makes a delivery idempotent."""
import hashlib
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from bijli.payments import CancelTarget
from bijli.payments.events import EVENT_ID_HEADER


@dataclass(frozen=True)
class Outcome:
    """What the webhook answers, whether the payer's conversation is told, what to cancel."""

    status: int
    result: str         # paid | overpayment | failed | cancelled | duplicate | ignored | unchanged | ...
    ref: Optional[str] = None
    sender: str = ""
    notify: bool = False
    cancel: Tuple[CancelTarget, ...] = ()   # closed in this transaction; cancel at the gateway

    def body(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"result": self.result}
        if self.ref:
            out["ref"] = self.ref
        return out


def event_key(raw: bytes, headers: Mapping[str, str]) -> str:
    """The key that makes a gateway event idempotent: its id header, else a hash of the body."""
    event_id = (headers.get(EVENT_ID_HEADER) or "").strip()
    if event_id and len(event_id) <= 100:
        return "id:" + event_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def lower_keys(headers: Mapping[str, str]) -> Dict[str, str]:
    """Header names as the gateway's constants spell them (HTTP names are case-blind)."""
    return {str(k).lower(): str(v) for k, v in headers.items()}
