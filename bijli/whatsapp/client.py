"""The Graph API client: send a message, upload media. Blocking (run it in an executor).

Every call has a timeout. Retried with exponential backoff: connection errors,
timeouts, HTTP 429 and 5xx, and Meta's throughput/transient codes. Never
retried: 131050 (the user opted out) and 131047 (outside the 24-hour window);
the caller records those per recipient. Logs name the recipient masked and
never carry the access token.
"""
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

import requests

from bijli.privacy import mask_mobile
from bijli.settings import Settings

logger = logging.getLogger(__name__)

RATE_LIMIT_HIT = 130429        # 80 messages/s per number
PAIR_RATE_LIMIT = 131056       # one message per 6 s to one user (bursts up to 45)
TEMPORARY = 131000             # "something went wrong", transient
ACCOUNT_RATE_LIMIT = 80007
RETRY_CODES = frozenset({RATE_LIMIT_HIT, PAIR_RATE_LIMIT, TEMPORARY, ACCOUNT_RATE_LIMIT})
OPTED_OUT = 131050
OUTSIDE_WINDOW = 131047
PAIR_PAUSE_SECONDS = 6.0


@dataclass(frozen=True)
class GraphConfig:
    """Where and how to call the Graph API."""

    graph_url: str
    api_version: str
    phone_number_id: Optional[str]
    access_token: Optional[str] = field(default=None, repr=False)
    timeout_seconds: float = 10.0
    max_attempts: int = 4
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "GraphConfig":
        """The WHATSAPP_* settings."""
        return cls(graph_url=settings.whatsapp_graph_url, api_version=settings.whatsapp_api_version,
                   phone_number_id=settings.whatsapp_phone_number_id,
                   access_token=settings.whatsapp_access_token)

    @property
    def configured(self) -> bool:
        """Can we send at all (a phone number id and a token)?"""
        return bool(self.phone_number_id and self.access_token)

    def url(self, edge: str) -> str:
        """``{graph}/{version}/{phone_number_id}/{edge}``."""
        return f"{self.graph_url.rstrip('/')}/{self.api_version.strip('/')}/{self.phone_number_id}/{edge}"


@dataclass(frozen=True)
class SendResult:
    """What came of one send or upload, after any retries."""

    ok: bool
    id: Optional[str] = None           # the wamid of a sent message, or the media id
    status: Optional[int] = None       # the last HTTP status (None: no answer)
    error_code: Optional[int] = None   # Meta's error code, if any
    attempts: int = 0
    detail: str = ""

    @property
    def opted_out(self) -> bool:
        """Meta refused because the user opted out (131050)."""
        return self.error_code == OPTED_OUT

    @property
    def outside_window(self) -> bool:
        """Meta refused a free-form message outside the 24-hour window (131047)."""
        return self.error_code == OUTSIDE_WINDOW


def _error_of(answer: requests.Response) -> Dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    err = body.get("error") if isinstance(body, dict) else None
    return err if isinstance(err, dict) else {}


class GraphClient:
    """Sends to one WhatsApp business number. ``sleep`` is injected so tests count, not wait."""

    def __init__(self, config: GraphConfig, sleep: Callable[[float], None] = time.sleep,
                 http: Optional[requests.Session] = None):
        self.config = config
        self._sleep = sleep
        self._http = http

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.config.access_token}"}
        call = self._http.request if self._http is not None else requests.request
        return call(method, url, headers=headers, timeout=self.config.timeout_seconds, **kwargs)

    def _delay(self, attempt: int, code: Optional[int], answer: Optional[requests.Response]) -> float:
        delay = self.config.backoff_seconds * (2 ** (attempt - 1))
        if code == PAIR_RATE_LIMIT:
            delay = max(delay, PAIR_PAUSE_SECONDS * attempt)
        retry_after = answer.headers.get("Retry-After") if answer is not None else None
        if retry_after and retry_after.isdigit():
            delay = max(delay, float(retry_after))
        return min(delay, self.config.max_backoff_seconds)

    def _call(self, what: str, recipient: str, method: str, url: str, **kwargs: Any) -> SendResult:
        if not self.config.configured:
            logger.warning("whatsapp: %s to %s not sent: WHATSAPP_PHONE_NUMBER_ID or "
                           "WHATSAPP_ACCESS_TOKEN is not set", what, mask_mobile(recipient))
            return SendResult(ok=False, detail="not configured")
        last = SendResult(ok=False)
        for attempt in range(1, self.config.max_attempts + 1):
            answer: Optional[requests.Response] = None
            code: Optional[int] = None
            try:
                answer = self._request(method, url, **kwargs)
            except requests.RequestException as e:
                # The class name only: some exception texts repeat the request.
                last = SendResult(ok=False, attempts=attempt, detail=type(e).__name__)
                retry = True
            else:
                if answer.status_code < 300:
                    try:
                        body = answer.json() if answer.content else {}
                    except ValueError:
                        body = {}
                    body = body if isinstance(body, dict) else {}
                    messages = body.get("messages")
                    first = messages[0] if isinstance(messages, list) and messages else {}
                    sent_id = (first.get("id") if isinstance(first, dict) else None) or body.get("id")
                    return SendResult(ok=True, id=sent_id, status=answer.status_code, attempts=attempt)
                err = _error_of(answer)
                code = err.get("code") if isinstance(err.get("code"), int) else None
                last = SendResult(ok=False, status=answer.status_code, error_code=code, attempts=attempt,
                                  detail=str(err.get("message") or answer.reason or "")[:200])
                retry = (answer.status_code == 429 or answer.status_code >= 500 or code in RETRY_CODES) \
                    and code not in (OPTED_OUT, OUTSIDE_WINDOW)
            if not retry or attempt == self.config.max_attempts:
                break
            delay = self._delay(attempt, code, answer)
            logger.info("whatsapp: %s to %s failed (%s %s), retry %d in %.1fs", what, mask_mobile(recipient),
                        last.status, last.error_code, attempt, delay)
            self._sleep(delay)
        logger.warning("whatsapp: %s to %s failed after %d attempt(s): HTTP %s, code %s: %s", what,
                       mask_mobile(recipient), last.attempts, last.status, last.error_code, last.detail)
        return last

    def send(self, to: str, content: Dict[str, Any]) -> SendResult:
        """Send one message (``content`` = ``type`` and its part) to the wa_id ``to``."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **content}
        return self._call(f"{content.get('type', 'message')} message", to, "POST",
                          self.config.url("messages"), json=body)

    def upload_media(self, data: bytes, mime_type: str, filename: str, recipient: str = "") -> SendResult:
        """Upload an image (JPEG/PNG <= 5 MB); ``id`` of the result is the media id (valid 30 days)."""
        return self._call("media upload", recipient, "POST", self.config.url("media"),
                          data={"messaging_product": "whatsapp", "type": mime_type},
                          files={"file": (filename, data, mime_type)})
