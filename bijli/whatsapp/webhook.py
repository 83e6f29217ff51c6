"""The webhook's rules, without Rasa: the GET handshake and accepting a POST.

``receive`` is blocking (it writes to the database); the channel runs it in an
executor and answers Meta as soon as it returns. It checks the signature over
the raw body, then records each message id once (durably: Meta redelivers for
days, and a restart must not answer twice), and hands back the new messages to
be answered in the background.
"""
import json
import logging
from dataclasses import dataclass, field
from typing import List, Mapping, Optional

from bijli.db import Database
from bijli.privacy import mask_mobile
from bijli.whatsapp import store
from bijli.whatsapp.incoming import Incoming, Status, parse_delivery
from bijli.whatsapp.signature import signature_ok, verify_subscription

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-hub-signature-256"


@dataclass
class Verification:
    """The answer to Meta's GET handshake."""

    status: int
    body: str


@dataclass
class Accepted:
    """The answer to a POST and the work it leaves for later."""

    status: int
    body: str
    messages: List[Incoming] = field(default_factory=list)   # new, to answer, in order
    statuses: List[Status] = field(default_factory=list)
    duplicates: int = 0


class WebhookReceiver:
    """Checks and records deliveries for one app (verify token, app secret)."""

    def __init__(self, db: Database, verify_token: str, app_secret: str,
                 phone_number_id: Optional[str] = None):
        self.db = db
        self._verify_token = verify_token
        self._app_secret = app_secret
        # Ours (WHATSAPP_PHONE_NUMBER_ID): one app may serve several numbers, and a message to
        # another one is not ours to answer. None (development without it): every number.
        self._phone_number_id = phone_number_id

    def verify(self, params: Mapping[str, str]) -> Verification:
        """``hub.mode=subscribe`` with our verify token: echo the challenge; else 403."""
        challenge = verify_subscription(params, self._verify_token)
        if challenge is None:
            logger.warning("whatsapp: webhook verification refused (mode %r)", params.get("hub.mode"))
            return Verification(403, "forbidden")
        return Verification(200, challenge)

    def receive(self, raw: bytes, headers: Mapping[str, str]) -> Accepted:
        """Check, record and sort one POST (``headers`` with lower-case names)."""
        if not signature_ok(raw, headers.get(SIGNATURE_HEADER), self._app_secret):
            logger.warning("whatsapp: POST with a missing or bad X-Hub-Signature-256 refused")
            return Accepted(401, "invalid signature")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            # Signed by Meta but unreadable: a redelivery would not fix it, so take it.
            logger.error("whatsapp: signed POST is not JSON (%d bytes); ignored", len(raw))
            return Accepted(200, "ignored")
        delivery = parse_delivery(body, self._phone_number_id)
        if delivery.foreign:
            logger.warning("whatsapp: %d change(s) for another phone_number_id (%s) dropped",
                           len(delivery.foreign), ", ".join(sorted(set(delivery.foreign))))
        if delivery.skipped:
            logger.warning("whatsapp: %d unreadable part(s) of a delivery skipped", delivery.skipped)
        accepted = Accepted(200, "ok", statuses=delivery.statuses)
        for msg in delivery.messages:
            if not store.record_incoming(self.db, msg.wamid, msg.sender, msg.kind):
                accepted.duplicates += 1
                logger.info("whatsapp: redelivered message from %s ignored", mask_mobile(msg.sender))
                continue
            if msg.silent:
                logger.info("whatsapp: %s from %s needs no answer", msg.kind, mask_mobile(msg.sender))
                continue
            accepted.messages.append(msg)
        return accepted


def lower_headers(headers: Optional[Mapping[str, str]]) -> dict:
    """Header names in lower case (HTTP names are case-insensitive)."""
    return {str(k).lower(): v for k, v in (headers or {}).items()}
