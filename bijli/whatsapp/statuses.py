"""``statuses[]`` callbacks: receipts about what we sent; not messages.

A ``type: payment`` status (WhatsApp Pay, issue 9 part 2) is believed only when
Meta's payments lookup says the same (``bijli.whatsapp.orders.lookup_agrees``);
then it goes through the payment code like a gateway event
(``bijli.payments.webhook.apply_whatsapp_payment``: one transaction,
idempotent). The caller tells the payer (the ``payment_status`` trigger, as the
gateway webhook does) and then sends the ``order_status`` update.
"""
import logging
from dataclasses import dataclass
from typing import Any, Dict, Optional

import requests

from bijli.db import Database
from bijli.payments.webhook import Outcome, apply_whatsapp_payment
from bijli.preferences import get_language
from bijli.privacy import mask_mobile
from bijli.settings import Settings
from bijli.whatsapp import orders, store
from bijli.whatsapp.client import OPTED_OUT, OUTSIDE_WINDOW, GraphConfig
from bijli.whatsapp.incoming import Status

logger = logging.getLogger(__name__)

# Results after which the payer is told and the order card updated; a duplicate or a
# status that changes nothing sends nothing.
CHANGED = ("paid", "overpayment", "failed")


@dataclass(frozen=True)
class PaymentHandled:
    """A trusted payment status, applied: what changed, and the order card update to send."""

    outcome: Outcome
    recipient: str = ""
    order_status: Optional[Dict[str, Any]] = None    # None: nothing to send


def handle_payment_status(db: Database, status: Status, settings: Optional[Settings] = None,
                          http: Optional[requests.Session] = None) -> Optional[PaymentHandled]:
    """A WhatsApp Pay status: confirmed with Meta's lookup, then applied; None if not acted on."""
    settings = settings or Settings.from_env()
    who = mask_mobile(status.recipient)
    configuration = settings.whatsapp_payment_configuration
    if not configuration:
        logger.warning("whatsapp: payment status for %s ignored: WHATSAPP_PAYMENT_CONFIGURATION "
                       "is not set", who)
        return None
    paid = orders.parse_payment_status(status.raw)
    if paid is None or paid.outcome is None:
        logger.info("whatsapp: payment status %s for %s: nothing to do", status.status, who)
        return None
    found = orders.lookup_payment(GraphConfig.from_settings(settings), configuration, paid.reference_id, http)
    if not orders.lookup_agrees(paid, found):
        logger.warning("whatsapp: payment status %s (%s) of %s for %s NOT trusted: Meta's lookup "
                       "does not confirm it; nothing changed", paid.reference_id, paid.outcome,
                       paid.transaction_id, who)
        return None
    outcome = apply_whatsapp_payment(db, paid.reference_id, orders.payment_ref_of(paid.reference_id),
                                     paid.outcome == orders.PAID, int(paid.amount_paise or 0),
                                     paid.transaction_id, paid.gateway_payment_id, paid.error)
    logger.info("whatsapp: payment status %s (%s) for %s: %s", paid.reference_id, paid.outcome, who,
                outcome.result)
    if outcome.result not in CHANGED:
        return PaymentHandled(outcome)
    recipient = status.recipient or outcome.sender
    lang = get_language(db, recipient) or settings.default_language
    content = orders.order_status_content(paid.reference_id, outcome.result != "failed", lang)
    return PaymentHandled(outcome, recipient, content)


def handle_status(db: Database, status: Status, settings: Optional[Settings] = None,
                  http: Optional[requests.Session] = None) -> Optional[PaymentHandled]:
    """Route one status: payments to their hook, refusals recorded, the rest logged."""
    if status.kind == "payment":
        return handle_payment_status(db, status, settings, http)
    if status.status == "failed":
        # Meta reports some refusals here rather than in the send's answer.
        if OPTED_OUT in status.error_codes and status.recipient:
            store.mark_opted_out(db, status.recipient, OPTED_OUT)
        elif OUTSIDE_WINDOW in status.error_codes and status.recipient:
            store.mark_window_closed(db, status.recipient, OUTSIDE_WINDOW)
        else:
            logger.warning("whatsapp: message to %s failed, codes %s", mask_mobile(status.recipient),
                           status.error_codes)
        return None
    logger.debug("whatsapp: message to %s %s", mask_mobile(status.recipient), status.status)
    return None
