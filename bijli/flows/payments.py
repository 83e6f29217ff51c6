"""Payments in the conversation.

- ``offer_payment``: the Pay step. A payment request at the provider, shown as
  the ``upi://pay`` link, the provider's payment page and a QR image.
- ``payment_update``: what the payer's conversation is told after a verified
  gateway event (a confirmation with the receipt, or the failure with the link
  again). The payment webhook triggers the ``payment_status`` intent in the
  payer's conversation with the entity ``payment_ref`` (see channels/payments.py).
- ``payment_status``: the latest payments of the sender's connections (or of the
  IVRS in the message), with status and receipt numbers. Only what the sender may
  see (bijli/access.py): all payments of connections registered to their mobile,
  and the payments they made themselves; never anyone else's.
"""
import logging
import re
from typing import List, Optional

from bijli.access import owns, visible_payments
from bijli.billing import get_consumer
from bijli.cues import disconnection_mentioned
from bijli.flows.connection import ivrs_in_turn, lookup_allowed
from bijli.flows.core import SLOT_LANGUAGE, SLOT_PAYMENT_REF, Message, Reply, Services, Turn
from bijli.i18n import t
from bijli.models import utcnow
from bijli.money import format_inr
from bijli.payments import (
    NoBill,
    NothingDue,
    demo_enabled,
    demo_page_url,
    format_ist,
    qr_image_for,
    request_payment,
    upi_link_for,
)
from bijli.payments.gateway import GatewayError
from bijli.payments.queries import PaymentView, payment_view
from bijli.privacy import mask_mobile
from bijli.timefmt import month_label
from bijli.whatsapp.orders import order_for

logger = logging.getLogger(__name__)

ENTITY_REF = "payment_ref"
WA_ID = re.compile(r"^[1-9][0-9]{7,14}$")
STATUS_LIMIT = 5


def _qr(reply: Reply, url: Optional[str]) -> None:
    if url:
        reply.messages.append(Message(text=t("payment_qr", reply.lang), image=url))


# -- the Pay step -------------------------------------------------------------

def _order(turn: Turn, services: Services, reply: Reply, ref: str) -> None:
    """With WHATSAPP_PAYMENT_CONFIGURATION, the order card to pay inside WhatsApp (a custom
    payload the WhatsApp channel passes through); the UPI link and QR stay as the fallback."""
    configuration = services.settings.whatsapp_payment_configuration
    # Only a Cloud API wa_id can receive an order card (not a web chat or Twilio session).
    if not configuration or not WA_ID.match(turn.sender or ""):
        return
    try:
        card = order_for(services.db, ref, configuration, reply.lang)
    except Exception:   # the UPI link already shown still pays the bill
        logger.exception("payment %s: the WhatsApp order card could not be made", ref)
        return
    if card is not None:
        reply.messages.append(Message(custom=card))


def offer_payment(turn: Turn, services: Services, reply: Reply, ivrs: str) -> Reply:
    """Create a payment request for the current bill of ``ivrs`` and show it."""
    helpline = services.settings.helpline
    try:
        req = request_payment(services.db, services.settings, ivrs, turn.sender)
    except NoBill:
        reply.say("no_bill", ivrs=ivrs)
        return reply.show_menu("main")
    except NothingDue as e:
        reply.say("bill_nothing_due", month=month_label(e.bill_month))
        return reply.show_menu("main")
    except GatewayError as e:
        logger.warning("payment request for %s (%s) failed: %s", ivrs, mask_mobile(turn.sender), e)
        reply.say("payment_gateway_error", helpline=helpline)
        return reply.show_menu("main")
    reply.say("payment_request", amount=format_inr(req.amount_paise), ref=req.ref, upi_link=req.upi_link)
    _order(turn, services, reply, req.ref)
    if req.payment_url:
        reply.say("payment_page", url=req.payment_url)
    _qr(reply, req.qr_url)
    reply.say("payment_wait")
    return reply.set(**{SLOT_PAYMENT_REF: req.ref})


# -- after a gateway event ------------------------------------------------------

def _page_url(services: Services, view: PaymentView) -> Optional[str]:
    """The payment page stored with the request; the demo page only where it exists."""
    if view.provider == "demo":
        return demo_page_url(services.settings, view.ref) if demo_enabled(services.settings) else None
    return view.payment_url


def _upi(services: Services, view: PaymentView) -> Optional[str]:
    """The request's own UPI string (razorpay: its QR's); demo rows from before it was stored."""
    if view.upi_string:
        return view.upi_string
    if view.provider == "demo":
        return upi_link_for(services.settings, view.ref, view.ivrs, view.bill_month, view.amount_paise)
    return None


def _overpaid(reply: Reply, view: PaymentView, helpline: str) -> None:
    """Money beyond what the bill needed: it goes back (issue 8)."""
    values = dict(paid=format_inr(view.paid_amount_paise or 0), ref=view.ref, ivrs=view.ivrs,
                  receipt_no=view.receipt_no, refund=format_inr(view.refund_paise), helpline=helpline)
    if view.credited_paise:
        reply.say("payment_overpaid_part", credited=format_inr(view.credited_paise), **values)
    else:
        reply.say("payment_overpaid", **values)


def payment_update(turn: Turn, services: Services, reply: Reply, ref: str) -> Reply:
    """Tell the payer what happened to payment ``ref`` (pushed by the webhook)."""
    # The trigger carries no text to read a language from: keep the conversation's.
    reply.lang = turn.slots.get(SLOT_LANGUAGE) or turn.stored_language or services.settings.default_language
    reply.set(**{SLOT_LANGUAGE: reply.lang})
    with services.db.session() as s:
        view = payment_view(s, ref)
    if view is None or view.sender != turn.sender:
        logger.warning("payment update %s not for this conversation (%s)", ref, mask_mobile(turn.sender))
        return payment_list(turn, services, reply)
    settings = services.settings
    if view.status == "paid" and view.flagged and view.refund_paise:
        _overpaid(reply, view, settings.helpline)
        reply.say("menu_footer")
        return reply
    if view.status == "paid":
        paid = view.paid_amount_paise or 0
        reply.say("payment_confirmed", amount=format_inr(paid), ivrs=view.ivrs, ref=view.ref,
                  paid_at=format_ist(view.paid_at), receipt_no=view.receipt_no)
        if view.amount_mismatch:
            reply.say("payment_mismatch", paid=format_inr(paid), requested=format_inr(view.amount_paise),
                      helpline=settings.helpline, ref=view.ref)
        if view.bill_due_paise > 0:
            reply.say("payment_still_due", due=format_inr(view.bill_due_paise))
        reply.say("menu_footer")
        return reply
    link = _upi(services, view) if view.status == "failed" else None
    if link:
        # The gateway keeps the request open after a failed attempt: the same link works.
        reply.say("payment_failed_notice", amount=format_inr(view.amount_paise), ref=view.ref, upi_link=link)
        page = _page_url(services, view)
        if page:
            reply.say("payment_page", url=page)
        _qr(reply, qr_image_for(settings, view.ref, link, view.qr_image_url))
        reply.say("menu_footer")
        return reply.set(**{SLOT_PAYMENT_REF: view.ref})
    return payment_list(turn, services, reply)


# -- payment status -------------------------------------------------------------

def _lines(reply: Reply, views: List[PaymentView], helpline: str) -> List[str]:
    lines = [t("payment_status_header", reply.lang)]
    for n, v in enumerate(views, start=1):
        amount = v.paid_amount_paise if v.status == "paid" else v.amount_paise
        lines.append(t("payment_status_line", reply.lang, n=n, date=format_ist(v.created_at), ivrs=v.ivrs,
                       amount=format_inr(amount or 0), status=t("status_" + v.status, reply.lang), ref=v.ref))
        if v.status == "paid" and v.receipt_no:
            lines.append(t("payment_status_receipt", reply.lang, receipt_no=v.receipt_no,
                           paid_at=format_ist(v.paid_at)))
        if v.amount_mismatch:
            lines.append(t("payment_status_mismatch", reply.lang, paid=format_inr(v.paid_amount_paise or 0),
                           helpline=helpline))
        if v.refunded_paise:
            lines.append(t("payment_status_refunded", reply.lang, amount=format_inr(v.refunded_paise)))
    return lines


def payment_list(turn: Turn, services: Services, reply: Reply, disconnected: bool = False) -> Reply:
    """The latest payments the sender may see: of the IVRS in the message (all of
    them to its registered mobile, else only the sender's own), or of the sender's
    connections and their own payments. A connection looked up earlier in the
    conversation adds nothing: knowing an IVRS number is not owning it.

    ``disconnected``: the consumer says they paid and are still cut off; after
    the payments come what to do, and the offer of a complaint."""
    ivrs = ivrs_in_turn(turn)
    if ivrs and not lookup_allowed(turn, services, reply, ivrs):
        return reply
    mine = True
    with services.db.session() as s:
        if ivrs:
            if get_consumer(s, ivrs) is None:
                reply.say("ivrs_not_found", ivrs=ivrs)
                return reply.show_menu("main")
            mine = owns(s, turn.sender, ivrs)
            views = visible_payments(s, turn.sender, [ivrs], limit=STATUS_LIMIT)
        else:
            views = visible_payments(s, turn.sender, None, limit=STATUS_LIMIT)
    helpline = services.settings.helpline
    if not views:
        if ivrs and not mine:
            # Not "no payments": whether others paid is the consumer's business.
            reply.say("privacy_owner_only", ivrs=ivrs)
        elif ivrs:
            reply.say("payment_status_none_ivrs", ivrs=ivrs)
        else:
            reply.say("payment_status_none")
        return _close(reply, disconnected, helpline)
    if ivrs and not mine:
        reply.say("privacy_own_only", ivrs=ivrs)
    reply.text("\n".join(_lines(reply, views, helpline)))
    now = utcnow()
    if any(v.pending_too_long(now) for v in views):
        reply.say("payment_pending_explain", helpline=helpline)
    return _close(reply, disconnected, helpline)


def _close(reply: Reply, disconnected: bool, helpline: str) -> Reply:
    if disconnected:
        reply.say("paid_disconnected_help", helpline=helpline)
        return reply.show_menu("paid_disconnected")
    return reply.show_menu("main")


def payment_status(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The ``payment_status`` intent and main-menu option; with the entity
    ``payment_ref`` (only the payment webhook's trigger sets it), the update."""
    ref = turn.entities.get(ENTITY_REF)
    if ref:
        return payment_update(turn, services, reply, ref)
    return payment_list(turn, services, reply, disconnected=disconnection_mentioned(turn.text))
