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

Twilio retries a delivery it got no answer to: each ``MessageSid`` is claimed in the
database (``bijli.deliveries``) before Rasa sees it, so a retry, even after a restart or
on another instance, is answered 204 and goes no further. A body over
``MAX_WEBHOOK_BODY_BYTES`` is refused (413) before the signature is computed, and a
message is cut to ``MAX_MESSAGE_CHARS``. Rasa's Twilio output calls Twilio's REST API
synchronously; here that runs in the executor, not on the event loop.
"""
import asyncio
import base64
import hashlib
import hmac
import logging
import os
from functools import partial
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Text, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from rasa.core.channels.twilio import TwilioOutput as RasaTwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException

from bijli.db import Database
from bijli.deliveries import record_delivery
from bijli.limits import clip_message
from bijli.privacy import mask_mobile
from bijli.settings import Settings
from channels.busy import answer_when_busy
from channels.sizes import limit_body

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


class TwilioOutput(RasaTwilioOutput):
    """Rasa's Twilio output, with its blocking REST call off the event loop."""

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        # twilio's Client is synchronous: on the loop, one slow send would hold every conversation.
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, partial(self.messages.create, **message_data))
        except TwilioRestException as e:
            logger.error("twilio: sending to %s failed: %s", mask_mobile(str(message_data.get("to"))), e.msg)
            return None


class TwilioInput(RasaTwilioInput):
    """Rasa's Twilio channel; POSTs without a valid ``X-Twilio-Signature`` get 401, retries 204."""

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
                 public_base_url: Optional[str] = None, database: Optional[Database] = None) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=debug_mode)
        self.public_base_url = public_base_url
        self.database = database       # None: the one DATABASE_URL names, made on first use

    def _db(self) -> Database:
        if self.database is None:
            self.database = Database(Settings.from_env().database_url)
        return self.database

    def get_output_channel(self) -> OutputChannel:
        return TwilioOutput(self.account_sid, self.auth_token, self.twilio_number)

    def verified(self, request: Request) -> bool:
        """True if the request carries the signature Twilio makes with our auth token."""
        url = signed_url(self.public_base_url, request.url, request.path, request.query_string)
        return signature_ok(self.auth_token, url, form_fields(request.form),
                            request.headers.get(SIGNATURE_HEADER))

    async def _first_delivery(self, request: Request, sender: str) -> bool:
        """Claim the request's ``MessageSid``; False for a retry (a signed request without one passes)."""
        sid = (request.form.get("MessageSid") or "").strip()
        if not sid:
            return True
        loop = asyncio.get_running_loop()
        return bool(await loop.run_in_executor(None, record_delivery, self._db(), self.name(), sid, sender))

    def _text(self, request: Request, sender: str) -> Optional[str]:
        if self._is_location_message(request):
            # As Rasa's channel: Twilio sends no text with a location.
            return "/locationData{{'Latitude': {lat},'Longitude': {long}}}".format(
                lat=request.form.get("Latitude"), long=request.form.get("Longitude"))
        text = request.form.get("Body")
        if text is None:
            return None
        # @ signs get corrupted in SMSes by some carriers (as Rasa's channel).
        return clip_message(text.replace("¡", "@"), self.name(), sender)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = limit_body(Blueprint("twilio_webhook", __name__))
        on_new_message = answer_when_busy(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.verified(request):
                logger.warning("twilio: rejected a POST to %s without a valid signature", request.path)
                return response.text("invalid signature", status=401)
            sender = request.form.get("From")
            if not sender:
                logger.debug("twilio: a signed POST without a sender ignored")
                return response.text("", status=204)
            if not await self._first_delivery(request, sender):
                logger.info("twilio: retried message from %s ignored", mask_mobile(sender))
                return response.text("", status=204)
            try:
                await on_new_message(UserMessage(self._text(request, sender), self.get_output_channel(),
                                                 sender, input_channel=self.name(),
                                                 metadata=self.get_metadata(request)))
            except Exception:
                # As Rasa's channel: Twilio is answered; the turn's failure is logged.
                logger.exception("twilio: handling a message from %s failed", mask_mobile(sender))
            return response.text("", status=204)

        return bp
