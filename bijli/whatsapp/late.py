"""Payment confirmations that fall outside WhatsApp's 24-hour window (issue 9, part 3).

Meta lets a business send free-form messages only within 24 hours of the
user's last message; anything else fails with 131047. A payment can be
confirmed hours after the consumer tapped Pay (a UPI app, a bank delay), so
such a confirmation goes as the approved utility template
``WHATSAPP_CONFIRMATION_TEMPLATE`` instead, in the consumer's language, with
the amount, the IVRS, the reference and the receipt number.
"""
import logging
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from bijli.db import Database
from bijli.models import utcnow
from bijli.money import format_inr
from bijli.payments.queries import PaymentView, payment_view
from bijli.preferences import get_language
from bijli.privacy import mask_mobile
from bijli.settings import Settings
from bijli.timefmt import format_ist
from bijli.whatsapp.client import GraphClient, SendResult
from bijli.whatsapp.reminders import template_content
from bijli.whatsapp.store import get_contact

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
CONFIRMED = ("paid", "overpayment")     # webhook outcomes that tell the payer money arrived


def outside_window(db: Database, wa_id: str, now: Optional[datetime] = None,
                   since: Optional[datetime] = None) -> bool:
    """True when a free-form message to ``wa_id`` would be refused: its last message is more
    than 24 h old (or unknown), or Meta answered 131047 at or after ``since``."""
    contact = get_contact(db, wa_id)
    if contact is None or contact.last_inbound_at is None:
        return True
    now = now or utcnow()
    if now - contact.last_inbound_at >= WINDOW:
        return True
    closed = contact.window_closed_at
    return closed is not None and (since is None or closed >= since)


def confirmation_parameters(view: PaymentView) -> List[str]:
    """The template's body parameters: amount, IVRS, reference, receipt, paid at (IST)."""
    return [format_inr(view.paid_amount_paise or view.amount_paise), view.ivrs, view.ref,
            view.receipt_no or view.ref, format_ist(view.paid_at)]


def confirmation_content(settings: Settings, view: PaymentView, lang: str) -> Dict[str, Any]:
    """The ``type: template`` message confirming payment ``view`` in ``lang``."""
    code = settings.whatsapp_reminder_language_en if lang == "en" else settings.whatsapp_reminder_language_hi
    return template_content(settings.whatsapp_confirmation_template or "", code,
                            confirmation_parameters(view))


def send_late_confirmation(db: Database, settings: Settings, client: GraphClient,
                           ref: str) -> Optional[SendResult]:
    """Send the confirmation template for paid payment ``ref`` to its payer; None if not possible."""
    if not settings.whatsapp_confirmation_template:
        logger.warning("payment %s: outside the 24-hour window and no WHATSAPP_CONFIRMATION_TEMPLATE; "
                       "the payer was not told on WhatsApp", ref)
        return None
    with db.session() as s:
        view = payment_view(s, ref)
    if view is None or view.status != "paid" or not view.sender:
        return None
    lang = get_language(db, view.sender) or settings.default_language
    result = client.send(view.sender, confirmation_content(settings, view, lang))
    logger.info("payment %s: confirmation template to %s: %s", ref, mask_mobile(view.sender),
                "sent" if result.ok else f"failed ({result.error_code})")
    return result
