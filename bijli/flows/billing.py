"""Bill lookup (by IVRS or registered mobile), bill display and the Pay step.

Every IVRS number a sender types passes ``lookup_allowed`` (the daily limit of
bijli/lookups.py) before anything about it is looked up.
"""
import logging
from datetime import date, datetime
from typing import Callable, Optional

from bijli.access import own_connections, owns, sender_mobile
from bijli.billing import BillView, consumers_by_mobile, current_bill_view, get_consumer
from bijli.cues import asks_about_ivrs
from bijli.flows import info
from bijli.flows.core import (
    PICK_CONNECTION,
    SLOT_AREA,
    SLOT_ATTEMPTS,
    SLOT_CHOICES,
    SLOT_IVRS,
    SLOT_MENU,
    SLOT_PURPOSE,
    WAIT_IVRS,
    Reply,
    Services,
    Turn,
)
from bijli.flows.payments import offer_payment
from bijli.i18n import t
from bijli.ivrs import IvrsError, find_ivrs, normalize_ivrs
from bijli.lookups import check_lookup
from bijli.menus import menu
from bijli.models import utcnow
from bijli.money import format_inr
from bijli.privacy import mask_mobile, mask_name
from bijli.timefmt import date_label, format_ist, month_label

logger = logging.getLogger(__name__)

MAX_IVRS_TRIES = 3


def ivrs_in_turn(turn: Turn) -> Optional[str]:
    """A well-formed IVRS number from the NLU entity or the message text; never
    a number the NLU read as a mobile or a complaint number ("mera mobile 98...")."""
    entity = turn.entities.get("ivrs")
    found = find_ivrs(entity) if entity else None
    if found:
        return found
    found = find_ivrs(turn.norm)
    others = {str(turn.entities.get(name) or "") for name in ("mobile", "complaint_number")}
    if found and found.lstrip("N") in others:
        return None
    return found


def start_lookup(turn: Turn, services: Services, reply: Reply, purpose: str,
                 free_text: bool = False) -> Reply:
    """Begin a bill lookup for ``purpose``; skip every question already answered.

    From the menu, the walk-through's questions are asked in order. From free
    text ("mera bill kitna hai") nothing already known is asked again: the
    connection found earlier in this conversation is used, else the sender's
    registered connections.
    """
    reply.set(**{SLOT_PURPOSE: purpose, SLOT_ATTEMPTS: 0, SLOT_CHOICES: None, SLOT_AREA: None})
    ivrs = ivrs_in_turn(turn)
    if ivrs:
        return lookup(turn, services, reply, ivrs)
    area = turn.entities.get("area_type")
    if area in ("urban", "rural", "agriculture"):
        return choose_area(turn, services, reply, area)
    if free_text:
        known = turn.slot(SLOT_IVRS)
        if known:
            return lookup(turn, services, reply, known, check_area=False)
        if _registered(services, turn.sender):
            return by_mobile(turn, services, reply)
    return reply.show_menu("lookup_method")


def _registered(services: Services, sender: str) -> bool:
    with services.db.session() as s:
        return bool(own_connections(s, sender))


def lookup_allowed(turn: Turn, services: Services, reply: Reply, typed: str,
                   now: Optional[datetime] = None) -> bool:
    """The daily IVRS lookup limit, for anything the sender typed as an IVRS number.

    True: go on (the number is counted unless free). False: the polite refusal
    and the main menu are in ``reply``; nothing may be looked up.
    """
    limit = services.settings.lookup_limit_per_day
    with services.db.session() as s:
        decision = check_lookup(s, turn.sender, typed, now or utcnow(), limit)
    if decision.allowed:
        return True
    # The typed value is not logged: people type their mobile numbers at this question too.
    logger.info("lookup limit reached for %s (%d numbers in 24 h)", mask_mobile(turn.sender), decision.counted)
    reply.say("lookup_limit_reached", limit=limit, helpline=services.settings.helpline)
    reply.set(**{SLOT_PURPOSE: None, SLOT_ATTEMPTS: 0, SLOT_CHOICES: None})
    reply.show_menu("main")
    return False


def by_ivrs(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Lookup method "IVRS number": the walk-through asks the connection type first, as the discom's bot does."""
    return reply.show_menu("area")


def choose_area(turn: Turn, services: Services, reply: Reply, area: str) -> Reply:
    """The connection type is chosen: remember it (checked against the record) and ask for the IVRS number."""
    reply.set(**{SLOT_AREA: area, SLOT_MENU: WAIT_IVRS, SLOT_ATTEMPTS: 0})
    return reply.say("ask_ivrs")


def by_mobile(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Lookup method "registered mobile": one connection is looked up at once, several are listed to pick."""
    mobile = sender_mobile(turn.sender)
    with services.db.session() as s:
        consumers = [(c.ivrs, c.area_type, c.name) for c in consumers_by_mobile(s, mobile)]
    if not consumers:
        reply.say("mobile_none", mobile=mask_mobile(turn.sender) if mobile else "-")
        return reply.show_menu("area")
    if len(consumers) == 1:
        return lookup(turn, services, reply, consumers[0][0], check_area=False)
    lines = [t("mobile_pick", reply.lang, count=len(consumers), mobile=mask_mobile(mobile))]
    for i, (ivrs, area, name) in enumerate(consumers, start=1):
        lines.append(f"{i}. {ivrs} ({t('area_' + area, reply.lang)}) {mask_name(name)}")
    lines.append(t("menu_footer", reply.lang))
    reply.text("\n".join(lines))
    return reply.set(**{SLOT_MENU: PICK_CONNECTION, SLOT_CHOICES: [c[0] for c in consumers]})


def pick_connection(turn: Turn, services: Services, reply: Reply, number: int) -> Reply:
    """A number typed on the list of the mobile's connections: look that one up, else ask again."""
    choices = list(turn.slot(SLOT_CHOICES, []) or [])
    if not 1 <= number <= len(choices):
        valid = ", ".join(str(i) for i in range(1, len(choices) + 1))
        return reply.say("valid_choices", choices=valid)
    ivrs = choices[number - 1]
    # Never show a bill to a number that is not registered for it.
    with services.db.session() as s:
        allowed = owns(s, turn.sender, ivrs)
    if not allowed:
        reply.set(**{SLOT_CHOICES: None})
        return reply.show_menu("lookup_method")
    return lookup(turn, services, reply, ivrs, check_area=False)


def ivrs_input(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The consumer typed something while we wait for an IVRS number."""
    raw = turn.entities.get("ivrs") or turn.norm
    ivrs = find_ivrs(raw)
    if ivrs is None and asks_about_ivrs(turn.text):
        # "mujhe nahi pata IVRS kya hota hai": a question, not a wrong number.
        return info.ivrs_help(turn, services, reply)
    if ivrs is None:
        try:
            ivrs = normalize_ivrs(raw)
        except IvrsError as e:
            # A malformed try counts towards the daily limit too (enumeration by typos).
            if not lookup_allowed(turn, services, reply, raw):
                return reply
            reply.say("ivrs_error_" + e.code)
            return _failed_try(turn, services, reply)
    return lookup(turn, services, reply, ivrs)


def _failed_try(turn: Turn, services: Services, reply: Reply) -> Reply:
    tries = int(turn.slot(SLOT_ATTEMPTS, 0) or 0) + 1
    if tries >= MAX_IVRS_TRIES:
        reply.say("ivrs_too_many", helpline=services.settings.helpline)
        reply.set(**{SLOT_ATTEMPTS: 0, SLOT_PURPOSE: None})
        return reply.show_menu("main")
    reply.say("ivrs_try_again", left=MAX_IVRS_TRIES - tries)
    return reply.set(**{SLOT_ATTEMPTS: tries, SLOT_MENU: WAIT_IVRS})


def lookup(turn: Turn, services: Services, reply: Reply, ivrs: str, check_area: bool = True) -> Reply:
    """Find connection ``ivrs`` (within the daily limit) and go on with the purpose."""
    if not lookup_allowed(turn, services, reply, ivrs):
        return reply
    with services.db.session() as s:
        consumer = get_consumer(s, ivrs)
        view = current_bill_view(s, ivrs) if consumer else None
        record_area = consumer.area_type if consumer else ""
    if consumer is None:
        reply.say("ivrs_not_found", ivrs=ivrs)
        return _failed_try(turn, services, reply)
    # A lookup started this turn clears the connection type chosen earlier (start_lookup).
    chosen = reply.slots[SLOT_AREA] if SLOT_AREA in reply.slots else turn.slot(SLOT_AREA)
    if check_area and chosen and chosen != record_area:
        reply.say("area_mismatch", record=t("area_" + record_area, reply.lang), chosen=t("area_" + chosen, reply.lang))
    reply.set(**{SLOT_IVRS: ivrs, SLOT_ATTEMPTS: 0, SLOT_AREA: record_area})
    after = _after_lookup(reply.slots[SLOT_PURPOSE] if SLOT_PURPOSE in reply.slots else turn.slot(SLOT_PURPOSE))
    if after is not None:
        return after(turn, services, reply, ivrs)
    if view is None:
        reply.say("no_bill", ivrs=ivrs)
        return reply.show_menu("main")
    return present_bill(turn, services, reply, view)


def _after_lookup(purpose: Optional[str]) -> Optional[Callable[[Turn, Services, Reply, str], Reply]]:
    """Where a lookup for another purpose goes on (complaint, history)."""
    from bijli.flows import complaints, history  # they build on this module

    if purpose is None:
        return None
    return {complaints.PURPOSE: complaints.after_lookup, history.PURPOSE: history.after_lookup}.get(purpose)


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
    typed = ivrs_in_turn(turn)
    ivrs = typed or turn.slot(SLOT_IVRS)
    if not ivrs:
        return start_lookup(turn, services, reply, "pay")
    if typed and not lookup_allowed(turn, services, reply, typed):
        return reply
    # The request at the payment provider, its link, page and QR: flows/payments.py.
    return offer_payment(turn, services, reply, ivrs)
