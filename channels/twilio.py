"""Twilio (WhatsApp or SMS) with the request signature checked (a thin adapter).

Registered in credentials.yml as ``channels.twilio.TwilioInput``; it keeps Rasa's name
``twilio`` and so the URL ``/webhooks/twilio/webhook``. Rasa's own Twilio channel
believes any POST, so anyone could talk as any ``whatsapp:+91...`` sender. Here every
POST must carry ``X-Twilio-Signature`` = Base64(HMAC-SHA1(auth token, full URL + each
form field name and value, sorted by name)), compared in constant time; a missing or
bad one gets 401 and nothing reaches Rasa.

Twilio signs the URL it was configured with, which behind a reverse proxy is not the
URL this server sees: with ``PUBLIC_BASE_URL`` set, the signed URL is that base plus
the request's path and query. Settings come from the environment only:
``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``, ``TWILIO_NUMBER`` (e.g.
``whatsapp:+14155238886``). Without an auth token every POST is refused (fails closed).
"""
import base64
import hashlib
import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"


def twilio_signature(auth_token: str, url: str, fields: Iterable[Tuple[str, str]]) -> str:
    """Base64 HMAC-SHA1 of ``url`` plus each field name and value, sorted by name (Twilio's scheme)."""
    data = url + "".join(name + value for name, value in sorted(fields))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_ok(auth_token: Optional[str], url: str, fields: Iterable[Tuple[str, str]],
                 presented: Optional[str]) -> bool:
    """True only if there is a token and ``presented`` is the signature of this request."""
    if not auth_token or not presented:
        return False
    expected = twilio_signature(auth_token, url, fields)
    return hmac.compare_digest(expected.encode("ascii"), presented.strip().encode("utf-8", "replace"))


def signed_url(public_base_url: Optional[str], request_url: str, path: str, query: str) -> str:
    """The URL Twilio signed: the public base plus path and query when set, else the request's own URL."""
    if not public_base_url:
        return request_url
    return public_base_url.rstrip("/") + path + (f"?{query}" if query else "")


def form_fields(form: Optional[Mapping[str, List[str]]]) -> List[Tuple[str, str]]:
    """Every (name, value) pair of a parsed form, repeated names included."""
    return [(name, value) for name, values in (form or {}).items() for value in values]


class TwilioInput(RasaTwilioInput):
    """Rasa's Twilio channel; POSTs without a valid ``X-Twilio-Signature`` get 401."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TwilioInput":
        env = os.environ
        if not env.get("TWILIO_AUTH_TOKEN"):
            logger.warning("TWILIO_AUTH_TOKEN is not set: the Twilio webhook refuses every message")
        return cls(env.get("TWILIO_ACCOUNT_SID"), env.get("TWILIO_AUTH_TOKEN"), env.get("TWILIO_NUMBER"),
                   debug_mode=False, public_base_url=env.get("PUBLIC_BASE_URL") or None)

    def __init__(self, account_sid: Optional[Text], auth_token: Optional[Text],
                 twilio_number: Optional[Text], debug_mode: bool = False,
                 public_base_url: Optional[str] = None) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=debug_mode)
        self.public_base_url = public_base_url

    def verified(self, request: Request) -> bool:
        """True if the request carries the signature Twilio makes with our auth token."""
        url = signed_url(self.public_base_url, request.url, request.path, request.query_string)
        return signature_ok(self.auth_token, url, form_fields(request.form),
                            request.headers.get(SIGNATURE_HEADER))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)

        # Blueprint middleware runs only for this channel's routes, before Rasa's handler.
        @bp.middleware("request")
        async def check_signature(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            if not self.verified(request):
                logger.warning("twilio: rejected a POST to %s without a valid signature", request.path)
                return response.text("invalid signature", status=401)
            return None

        return bp
