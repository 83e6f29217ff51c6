"""WhatsApp Cloud API as a Rasa channel (a thin adapter over ``bijli.whatsapp``).

Registered in credentials.yml as ``channels.whatsapp.WhatsAppInput``; Rasa
mounts it at ``/webhooks/whatsapp/``:

- ``GET  /webhooks/whatsapp/webhook``  Meta's subscription handshake;
- ``POST /webhooks/whatsapp/webhook``  deliveries. Verified, recorded, answered
  200 at once; the Rasa turns run afterwards in the background, one sender's
  messages in order. Deliveries for another ``phone_number_id`` than
  WHATSAPP_PHONE_NUMBER_ID are answered 200 and dropped (logged); a body over
  ``MAX_WEBHOOK_BODY_BYTES`` gets 413 before its signature is computed, and a
  message is cut to ``MAX_MESSAGE_CHARS`` before Rasa.

Settings are the WHATSAPP_* variables (``bijli.settings``). Blocking work
(database, Graph API calls) runs in the default executor; nothing happens at
import time.
"""
import asyncio
import logging
from datetime import datetime
from functools import lru_cache, partial
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bijli.db import Database
from bijli.limits import clip_message
from bijli.settings import Settings
from bijli.whatsapp.client import GraphClient, GraphConfig
from bijli.whatsapp.incoming import Incoming
from bijli.whatsapp.late import outside_window, send_late_confirmation
from bijli.whatsapp.messenger import Messenger
from bijli.whatsapp.ordering import SenderQueues
from bijli.whatsapp.statuses import handle_status
from bijli.whatsapp.webhook import WebhookReceiver, lower_headers
from channels.busy import answer_when_busy
from channels.payments import notify_payer
from channels.sizes import limit_body

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _database(url: str) -> Database:
    return Database(url)


@lru_cache(maxsize=4)
def _messenger(settings: Settings) -> Messenger:
    return Messenger(GraphClient(GraphConfig.from_settings(settings)), _database(settings.database_url), settings)


async def _blocking(fn: Callable, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


async def window_closed(wa_id: Text, since: Optional[datetime] = None) -> bool:
    """True when a free-form message to ``wa_id`` would be refused (issue 9, part 3)."""
    settings = Settings.from_env()
    return bool(await _blocking(outside_window, _database(settings.database_url), wa_id, None, since))


async def send_confirmation_template(ref: Text) -> None:
    """Confirm payment ``ref`` with the approved template (outside the 24-hour window)."""
    settings = Settings.from_env()
    await _blocking(send_late_confirmation, _database(settings.database_url), settings,
                    GraphClient(GraphConfig.from_settings(settings)), ref)


class WhatsAppOutput(OutputChannel):
    """Sends Rasa's replies through the Graph API."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, messenger: Optional[Messenger] = None) -> None:
        self._messenger = messenger

    @property
    def messenger(self) -> Messenger:
        """The messenger for the current settings."""
        return self._messenger or _messenger(Settings.from_env())

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        # One bot message at a time, whole: text, buttons, image and custom payload together.
        await _blocking(self.messenger.deliver, recipient_id, dict(message))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await _blocking(self.messenger.deliver, recipient_id, {"text": text})


class WhatsAppInput(InputChannel):
    """Meta's webhook for one WhatsApp business number."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WhatsAppInput":
        return cls()

    def __init__(self) -> None:
        self._queues = SenderQueues()
        self._tasks: Set[asyncio.Future] = set()      # status handling still running

    @staticmethod
    def _receiver(settings: Settings) -> WebhookReceiver:
        return WebhookReceiver(_database(settings.database_url), settings.whatsapp_verify_token,
                               settings.whatsapp_app_secret, settings.whatsapp_phone_number_id)

    def get_output_channel(self) -> OutputChannel:
        """Lets the payment webhook tell a WhatsApp payer (proactive messages)."""
        return WhatsAppOutput()

    async def _answer(self, msg: Incoming, settings: Settings,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        messenger = _messenger(settings)
        if not msg.readable:
            await _blocking(messenger.notice_unreadable, msg.sender)
            return
        text = clip_message(msg.text, self.name(), msg.sender)
        await on_new_message(UserMessage(text, WhatsAppOutput(messenger), msg.sender,
                                         input_channel=self.name(), message_id=msg.wamid,
                                         metadata=msg.metadata))

    def _background(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _statuses(self, app: Any, settings: Settings, statuses: list) -> None:
        db = _database(settings.database_url)
        for status in statuses:
            try:
                handled = await _blocking(handle_status, db, status, settings)
                if handled is None:
                    continue
                # WhatsApp Pay: tell the payer as the gateway webhook does, then update the card.
                if handled.outcome.notify:
                    await notify_payer(app, handled.outcome)
                if handled.order_status and handled.recipient:
                    await _blocking(_messenger(settings).deliver, handled.recipient,
                                    {"custom": handled.order_status})
            except Exception:
                logger.exception("whatsapp: handling a status failed")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = limit_body(Blueprint("whatsapp_webhook", __name__))
        on_new_message = answer_when_busy(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            params = {k: v[0] for k, v in request.args.items() if v}
            answer = self._receiver(Settings.from_env()).verify(params)
            return response.text(answer.body, status=answer.status)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            settings = Settings.from_env()
            try:
                accepted = await _blocking(self._receiver(settings).receive, request.body or b"",
                                           lower_headers(request.headers))
            except Exception:
                # Not recorded (e.g. the database is down): ask Meta to redeliver rather than lose it.
                logger.exception("whatsapp: a delivery could not be recorded; Meta will redeliver")
                return response.text("retry later", status=503)
            for msg in accepted.messages:
                self._queues.submit(msg.sender, partial(self._answer, msg, settings, on_new_message))
            if accepted.statuses:
                self._background(self._statuses(request.app, settings, accepted.statuses))
            return response.text(accepted.body, status=accepted.status)

        return bp
