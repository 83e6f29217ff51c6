"""Bill lookup set-up, bill display and the Pay step. The lookup's questions
are the form ``bill_lookup_form`` (bijli/flows/forms.py does its steps).

Every IVRS number a sender types passes ``lookup_allowed`` (the daily limit of
bijli/lookups.py) before anything about it is looked up.
"""
import logging
from datetime import date

from bijli.access import own_connections
from bijli.billing import BillView, current_bill_view
from bijli.flows import connection
from bijli.flows.core import (
    SLOT_AREA,
    SLOT_ATTEMPTS,
    SLOT_CHOICES,
    SLOT_IVRS,
    SLOT_LOOKUP_FAILED,
    SLOT_LOOKUP_METHOD,
    SLOT_MENU,
    SLOT_PURPOSE,
    Reply,
    Services,
    Turn,
)
from bijli.flows.payments import offer_payment
from bijli.i18n import t
from bijli.menus import menu
from bijli.money import format_inr
from bijli.privacy import mask_name
from bijli.timefmt import date_label, format_ist, month_label
from bijli.vocab import AREA_TYPES

logger = logging.getLogger(__name__)


# What a lookup is for, by the intent or the main-menu option that started it.
PURPOSES = {"pay_bill": "pay", "check_bill": "view", "past_bills": "history", "view_bill": "history"}


def start_lookup(turn: Turn, services: Services, reply: Reply, purpose: str,
                 free_text: bool = False) -> Reply:
    """Set up the bill lookup form for ``purpose``, with every answer the
    message or the conversation already gives (the form asks only the rest).

    From the menu, the walk-through's questions are all asked. From free text
    ("mera bill kitna hai") nothing known is asked again: the connection found
    earlier in this conversation, else the sender's registered connections.
    """
    reply.set(**{SLOT_PURPOSE: purpose, SLOT_ATTEMPTS: 0, SLOT_CHOICES: None, SLOT_AREA: None,
                 SLOT_IVRS: None, SLOT_LOOKUP_METHOD: None, SLOT_LOOKUP_FAILED: False})
    ivrs = connection.ivrs_in_turn(turn)
    area = turn.entities.get("area_type")
    if ivrs:
        return reply.set(**{SLOT_IVRS: ivrs, SLOT_LOOKUP_METHOD: "ivrs"})
    if area in AREA_TYPES:
        return reply.set(**{SLOT_AREA: area, SLOT_LOOKUP_METHOD: "ivrs"})
    if free_text:
        known = turn.slot(SLOT_IVRS)
        if known:
            return reply.set(**{SLOT_IVRS: known, SLOT_LOOKUP_METHOD: "ivrs"})
        if _registered(services, turn.sender):
            return reply.set(**{SLOT_LOOKUP_METHOD: "mobile"})
    return reply


def _registered(services: Services, sender: str) -> bool:
    with services.db.session() as s:
        return bool(own_connections(s, sender))


def show_bill(turn: Turn, services: Services, reply: Reply) -> Reply:
    """After the lookup form: the connection's current bill, with Pay when something is due."""
    ivrs = turn.slot(SLOT_IVRS)
    with services.db.session() as s:
        view = current_bill_view(s, ivrs) if ivrs else None
    if view is None:
        reply.say("no_bill", ivrs=ivrs or "-")
        return reply.show_menu("main")
    return present_bill(turn, services, reply, view)


def present_bill(turn: Turn, services: Services, reply: Reply, view: BillView) -> Reply:
    """The current bill, and the Pay option when something is due."""
    reply.say("bill_summary", name=mask_name(view.name), ivrs=view.ivrs,
              area=t("area_" + view.area_type, reply.lang), month=month_label(view.bill_month),
              units=view.units, amount=format_inr(view.due_paise), due_date=date_label(view.due_date))
    if view.due_paise <= 0:
        if view.paid_at:
            reply.say("bill_paid_on", paid_at=format_ist(view.paid_at))
        else:
            reply.say("bill_nothing_due", month=month_label(view.bill_month))
        return reply.show_menu("main")
    if view.due_date < date.today():
        reply.say("bill_overdue")
    bill_menu = menu("bill")
    body = bill_menu.render(reply.lang) + "\n" + t("menu_footer", reply.lang)
    buttons = [
        {"title": bill_menu.options[bill_menu.number_of("pay") - 1].button(reply.lang),
         "payload": str(bill_menu.number_of("pay"))},
        {"title": t("menu_button", reply.lang), "payload": "0"},
    ]
    reply.text(body, buttons)
    return reply.set(**{SLOT_MENU: "bill"})


def pay(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Create a UPI payment request for the current connection's amount due."""
    typed = connection.ivrs_in_turn(turn)
    ivrs = typed or turn.slot(SLOT_IVRS)
    if not ivrs:  # the conversation expired since the bill was shown
        reply.say("pay_no_bill")
        return reply.show_menu("main")
    if typed and not connection.lookup_allowed(turn, services, reply, typed):
        return reply
    # The request at the payment provider, its link, page and QR: flows/payments.py.
    return offer_payment(turn, services, reply, ivrs)
