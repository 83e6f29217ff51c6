"""``statuses[]`` callbacks: receipts about what we sent; not messages."""
import logging

from bijli.db import Database
from bijli.privacy import mask_mobile
from bijli.whatsapp import store
from bijli.whatsapp.client import OPTED_OUT, OUTSIDE_WINDOW
from bijli.whatsapp.incoming import Status

logger = logging.getLogger(__name__)


def handle_payment_status(db: Database, status: Status) -> None:
    """A WhatsApp Pay status (``type: payment``). Part 2 confirms it with Meta's lookup
    endpoint and feeds it into the payment code; until then it is only logged."""
    logger.info("whatsapp: payment status %s (%s) for %s not handled yet (issue 9 part 2)",
                status.status, status.id, mask_mobile(status.recipient))


def handle_status(db: Database, status: Status) -> None:
    """Route one status: payments to their hook, refusals recorded, the rest logged."""
    if status.kind == "payment":
        handle_payment_status(db, status)
        return
    if status.status == "failed":
        # Meta reports some refusals here rather than in the send's answer.
        if OPTED_OUT in status.error_codes and status.recipient:
            store.mark_opted_out(db, status.recipient, OPTED_OUT)
        elif OUTSIDE_WINDOW in status.error_codes and status.recipient:
            store.mark_window_closed(db, status.recipient, OUTSIDE_WINDOW)
        else:
            logger.warning("whatsapp: message to %s failed, codes %s", mask_mobile(status.recipient),
                           status.error_codes)
        return
    logger.debug("whatsapp: message to %s %s", mask_mobile(status.recipient), status.status)
