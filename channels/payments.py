"""The payment gateway's webhook as a Rasa input channel (a thin adapter).

Registered in credentials.yml as ``channels.payments.PaymentWebhookInput``;
Rasa mounts it at ``/webhooks/payments/``:

- ``POST /webhooks/payments/webhook``   gateway events (Razorpay format). The
  rules live in ``bijli.payments.webhook``; after a verified change the payer's
  own conversation is told through Rasa (the ``payment_status`` intent with the
  entity ``payment_ref``, as ``/conversations/{id}/trigger_intent`` does), on the
  channel the consumer came from. REST cannot push, but the reply is in the tracker.
  Requests the event closed (the bill is now paid) are then cancelled at the
  gateway, in the background, after the transaction.
- ``GET  /webhooks/payments/qr/<ref>.png``  the QR code of a payment's UPI string;
  410 once the request is not open (paid, cancelled, expired).
- ``GET|POST /webhooks/payments/pay/<ref>``  the demo payment page (only with
  ``PAYMENT_PROVIDER=demo`` outside production, and only for requests the demo
  provider made; 404 otherwise): Pay and Fail buttons send the same signed event
  a gateway sends through the same webhook code.

Blocking work (database, QR rendering) runs in the default executor. Nothing
happens at import time; the database engine is made on the first request. A body
over ``MAX_WEBHOOK_BODY_BYTES`` gets 413 before any HMAC is computed (channels/sizes.py).
"""
import asyncio
import html
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bijli.db import Database
from bijli.models import utcnow
from bijli.money import format_inr
from bijli.payments import cancel_at_gateway, demo_enabled, get_payment, is_payable, shown_upi
from bijli.payments.events import failed_event, paid_event, signed
from bijli.payments.webhook import Outcome, handle_webhook
from bijli.privacy import mask_mobile
from bijli.settings import Settings
from channels.sizes import limit_body

logger = logging.getLogger(__name__)

TRIGGER_INTENT = "payment_status"
# Razorpay wants a 2xx within 5 seconds; telling the payer normally takes far less.
NOTIFY_WAIT_SECONDS = 3.0
REF_ENTITY = "payment_ref"


def _output_channel(app: Any, input_channel: Optional[str]) -> OutputChannel:
    for channel in getattr(app.ctx, "input_channels", None) or []:
        if channel.name() == input_channel:
            out = channel.get_output_channel()
            if out is not None:
                return out
    return CollectingOutputChannel()


WHATSAPP = "whatsapp"
CONFIRMED = ("paid", "overpayment")     # outcomes whose message confirms money arrived


async def _whatsapp_window_closed(sender: str, since: Optional[Any] = None) -> bool:
    from channels.whatsapp import window_closed  # channels.whatsapp imports this module

    return await window_closed(sender, since)


async def notify_payer(app: Any, outcome: Outcome) -> None:
    """Tell the payer's own conversation about ``outcome`` (the ``payment_status`` trigger with
    ``payment_ref``), on the channel they came from. Shared by the gateway webhook and
    WhatsApp Pay statuses (channels/whatsapp.py); never raises."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        logger.warning("payment %s: no model loaded, the payer was not told", outcome.ref)
        return
    sender = outcome.sender
    try:
        async with agent.lock_store.lock(sender):
            tracker = await agent.processor.fetch_tracker_and_update_session(sender)
            channel = tracker.get_latest_input_channel()
            output = _output_channel(app, channel)
            # On WhatsApp a confirmation after the 24-hour window must be a template
            # (Meta refuses free-form text with 131047): the tracker still records the reply.
            late = channel == WHATSAPP and outcome.result in CONFIRMED
            started = utcnow()
            closed = late and await _whatsapp_window_closed(sender)
            if closed:
                output = CollectingOutputChannel()
            await agent.trigger_intent(TRIGGER_INTENT, [{"entity": REF_ENTITY, "value": outcome.ref}],
                                       output, tracker)
        if late and outcome.ref and (closed or await _whatsapp_window_closed(sender, started)):
            from channels.whatsapp import send_confirmation_template

            await send_confirmation_template(outcome.ref)
        logger.info("payment %s: %s told to %s", outcome.ref, outcome.result, mask_mobile(sender))
    except Exception:  # the payment is recorded; a lost message must not fail the webhook
        logger.exception("payment %s: telling %s failed", outcome.ref, mask_mobile(sender))


class PaymentWebhookInput(InputChannel):
    """Payment gateway webhooks, the QR images and the demo payment page."""

    @classmethod
    def name(cls) -> Text:
        return "payments"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "PaymentWebhookInput":
        return cls()

    def __init__(self) -> None:
        self._databases: Dict[str, Database] = {}
        self._tasks: Set[asyncio.Future] = set()     # notifications still running

    # -- services ---------------------------------------------------------------

    def _db(self, settings: Settings) -> Database:
        db = self._databases.get(settings.database_url)
        if db is None:
            db = self._databases[settings.database_url] = Database(settings.database_url)
        return db

    @staticmethod
    async def _blocking(fn: Callable, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def _accept(self, request: Request, raw: bytes, headers: Dict[str, str]) -> Outcome:
        settings = Settings.from_env()
        outcome = await self._blocking(handle_webhook, self._db(settings), settings.webhook_secret(),
                                       raw, headers)
        if outcome.cancel:
            # Best effort and never in the gateway's way: its 200 does not wait for this.
            cancelling = asyncio.ensure_future(self._blocking(self._cancel, settings, outcome))
            self._tasks.add(cancelling)
            cancelling.add_done_callback(self._tasks.discard)
        if outcome.notify:
            # Usually the payer has the message before the gateway has its 200; if the
            # conversation is busy, answer the gateway in time and finish telling later.
            task = asyncio.ensure_future(notify_payer(request.app, outcome))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.wait({task}, timeout=NOTIFY_WAIT_SECONDS)
        return outcome

    # -- routes -----------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = limit_body(Blueprint("payments_webhook", __name__))

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            headers = {k.lower(): v for k, v in request.headers.items()}
            outcome = await self._accept(request, request.body or b"", headers)
            return response.json(outcome.body(), status=outcome.status)

        @bp.route("/qr/<name>", methods=["GET"])
        async def qr(request: Request, name: str) -> HTTPResponse:
            if not name.endswith(".png"):
                return response.text("not found", status=404)
            status, png = await self._blocking(self._qr_png, name[:-4])
            if png is None:
                return response.text("not found" if status == 404 else "no longer payable",
                                     status=status)
            return response.raw(png, content_type="image/png",
                                headers={"Cache-Control": "no-store"})

        @bp.route("/pay/<ref>", methods=["GET"])
        async def pay_page(request: Request, ref: str) -> HTTPResponse:
            settings = Settings.from_env()
            if not demo_enabled(settings):
                return response.text("not found", status=404)
            page = await self._blocking(self._page, settings, ref, None)
            return response.html(page or _html("Not found", "<p>Unknown payment.</p>"),
                                 status=200 if page else 404)

        @bp.route("/pay/<ref>", methods=["POST"])
        async def pay_button(request: Request, ref: str) -> HTTPResponse:
            settings = Settings.from_env()
            if not demo_enabled(settings):
                return response.text("not found", status=404)
            choice = (request.form.get("outcome") if request.form else None) or ""
            if choice not in ("pay", "fail"):
                return response.text("choose pay or fail", status=400)
            event = await self._blocking(self._demo_event, settings, ref, choice == "pay")
            if event is None:
                return response.html(_html("Not found", "<p>Unknown payment.</p>"), status=404)
            raw, headers = event
            outcome = await self._accept(request, raw, {k.lower(): v for k, v in headers.items()})
            page = await self._blocking(self._page, settings, ref, outcome)
            return response.html(page or "", status=200 if outcome.status < 300 else outcome.status)

        return bp

    # -- blocking helpers (run in the executor) ------------------------------------------

    def _cancel(self, settings: Settings, outcome: Outcome) -> None:
        try:
            cancel_at_gateway(settings, outcome.cancel)
        except Exception:  # best effort: the requests are already cancelled in the database
            logger.exception("payment %s: cancelling the bill's other requests failed", outcome.ref)

    def _qr_png(self, ref: str):
        from bijli.qr import qr_png

        settings = Settings.from_env()
        with self._db(settings).session() as s:
            payment = get_payment(s, ref)
            if payment is None:
                return 404, None
            link = shown_upi(settings, payment)
            if not link or not is_payable(payment, utcnow()):
                return 410, None        # paid, cancelled or expired: must not be paid (again)
        return 200, qr_png(link)

    @staticmethod
    def _demo_payment(s, ref: str):
        """The payment, if the demo provider made it (the page completes no other)."""
        payment = get_payment(s, ref)
        return payment if payment is not None and payment.provider == "demo" else None

    def _demo_event(self, settings: Settings, ref: str, pay: bool):
        with self._db(settings).session() as s:
            payment = self._demo_payment(s, ref)
            if payment is None:
                return None
            amount, link_id, ivrs = payment.amount_paise, payment.provider_link_id, payment.ivrs
        event = paid_event(ref, amount, link_id=link_id, ivrs=ivrs) if pay else \
            failed_event(ref, amount, ivrs=ivrs)
        secret = settings.webhook_secret()
        if secret is None:   # production, or a real provider without one: nothing the webhook would accept
            return None
        return signed(event, secret)

    def _page(self, settings: Settings, ref: str, outcome: Optional[Outcome]) -> Optional[str]:
        with self._db(settings).session() as s:
            payment = self._demo_payment(s, ref)
            if payment is None:
                return None
            status, amount, ivrs = payment.status, payment.amount_paise, payment.ivrs
            payable = is_payable(payment, utcnow())
            link = shown_upi(settings, payment) or ""
        e = html.escape
        body = (f"<p>{e(settings.upi_payee_name)}</p><p class=amt>{e(format_inr(amount))}</p>"
                f"<p>IVRS {e(ivrs)}<br>Reference / संदर्भ: {e(ref)}</p>")
        if outcome is not None:
            body += f"<p class=msg>Gateway answered / उत्तर: {e(outcome.result)}</p>"
        if status == "paid":
            body += "<p class=ok>Paid / भुगतान हो गया ✅ — return to WhatsApp.</p>"
        else:
            if not payable:
                # A UPI app may still pay an old link; the demo lets you try what then happens.
                closed = "expired" if status in ("pending", "failed") else status
                body += (f"<p class=bad>This request is {e(closed)} / यह अनुरोध बंद है. Paying it "
                         "anyway is an overpayment, to be refunded.</p>")
            elif status == "failed":
                body += "<p class=bad>Last attempt failed / पिछला प्रयास विफल ❌</p>"
            body += (f'<p><img alt="QR" src="../qr/{e(ref)}.png" width=240></p>'
                     f'<p><a href="{e(link)}">Open in a UPI app</a></p>'
                     '<form method=post><button name=outcome value=pay>Pay / भुगतान करें</button> '
                     '<button name=outcome value=fail class=fail>Fail / विफल करें</button></form>')
        return _html("Bijli Sahayak demo payment", body)


def _html(title: str, body: str) -> str:
    return ("<!doctype html><html><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:28em;"
            "margin:2em auto;text-align:center}.amt{font-size:2em}.ok{color:green}.bad{color:#b00}"
            "button{font-size:1.2em;padding:.5em 1.5em;margin:.3em}.fail{background:#fdd}</style></head>"
            f"<body><h1>{html.escape(title)}</h1><p><small>DEMO: no real money moves.</small></p>"
            f"{body}</body></html>")
