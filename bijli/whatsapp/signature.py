"""Meta's webhook checks: the GET subscription handshake and ``X-Hub-Signature-256``."""
import hashlib
import hmac
from typing import Mapping, Optional

PREFIX = "sha256="


def sign(raw: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``raw`` (tests and tools use it)."""
    return PREFIX + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def signature_ok(raw: bytes, header: Optional[str], app_secret: str) -> bool:
    """Is ``header`` the HMAC-SHA256 of the raw body with the app secret? (constant time)"""
    if not header or not app_secret:
        return False
    try:
        # Bytes, not str: compare_digest on str raises for non-ASCII input.
        given = header.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    expected = sign(raw, app_secret).encode("ascii")
    return hmac.compare_digest(given.lower(), expected)


def verify_subscription(params: Mapping[str, str], verify_token: str) -> Optional[str]:
    """The challenge to echo when Meta's GET handshake is right, else None."""
    if params.get("hub.mode") != "subscribe" or not verify_token:
        return None
    token = params.get("hub.verify_token") or ""
    try:
        same = hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8"))
    except (UnicodeEncodeError, AttributeError):
        return None
    challenge = params.get("hub.challenge")
    return challenge if same and challenge is not None else None
