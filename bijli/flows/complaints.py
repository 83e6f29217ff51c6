"""Complaint registration and complaint status.

Registration: category (from the text, else a numbered sub-menu) -> the
connection (IVRS in the message, this conversation's connection, the
sender's registered mobile, or asked) -> a summary to confirm (yes/no or
1/2; anything else typed there is kept as a landmark/description) -> filed.
Line damage gets the safety advice first, in the first reply that knows it.

The draft lives in slots (category, details, a draft id). The draft id
keys the filing (``sender:draft``), so a retried action call for the same
confirmation files once; the domain also refuses a second open complaint of
the same category for the same connection.

Privacy (bijli/access.py): anyone may file a complaint on any connection. When
one is already open, a sender who is neither the registered mobile nor its
filer learns only its number and status (the docket of the fault they are
reporting, to follow it), not when it was filed or is due. Status by IVRS or
"my latest complaints" lists all complaints of the sender's own connections,
and on any other connection only those the sender filed; a complaint number
is a docket that whoever holds it may look up.
"""
import logging
import secrets
from typing import List, Optional

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bijli import complaints as cx
from bijli.access import filed_by, own_connections, owns, sender_mobile, visible_complaints
from bijli.billing import current_bill_view, get_consumer
from bijli.cues import bill_dispute
from bijli.flows import billing
from bijli.flows.core import (
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
from bijli.i18n import t
from bijli.ivrs import find_ivrs
from bijli.menus import menu
from bijli.money import format_inr
from bijli.privacy import mask_mobile, mask_name
from bijli.timefmt import date_label, format_ist, month_label

logger = logging.getLogger(__name__)

SLOT_CATEGORY = "complaint_category"
SLOT_DETAILS = "complaint_details"
SLOT_DRAFT = "complaint_draft"

PURPOSE = "complaint"
CATEGORY_MENU = "complaint_categories"   # numbered sub-menu (bijli/menus.yml)
CONFIRM_MENU = "complaint_confirm"       # yes / no (bijli/menus.yml)
WAIT_STATUS = "complaint_status_entry"   # pseudo-menu: waiting for a number or IVRS
# Menus whose free-text input this module reads (router.menu_choice / fallback).
WAITING = (CONFIRM_MENU, WAIT_STATUS)
MAX_STATUS_TRIES = 3
LATEST = 3

_YES = {"yes", "y", "haan", "han", "ha", "haa", "ji", "ji haan", "ok", "okay", "theek hai", "thik hai",
        "sahi hai", "हाँ", "हां", "हा", "जी", "जी हाँ", "जी हां", "ठीक है", "सही है"}
_NO = {"no", "n", "nahi", "na", "nahin", "cancel", "mat karo", "नहीं", "ना", "नही", "रद्द", "रद्द करें"}


# -- helpers -------------------------------------------------------------------

def _now(turn: Turn, reply: Reply, name: str):
    """A slot's value as this turn leaves it (set in the reply, else as it came)."""
    return reply.slots[name] if name in reply.slots else turn.slot(name)


def category_label(category: str, lang: str) -> str:
    """The category's name as the category menu shows it, so the summary uses the same words."""
    m = menu(CATEGORY_MENU)
    return m.options[m.number_of("cat_" + category) - 1].label(lang)


def duration(hours: int, lang: str) -> str:
    """How long the rule gives to resolve it: days when that is a whole number above 3 days, else hours."""
    if hours > 72 and hours % 24 == 0:
        return t("duration_days", lang, days=hours // 24)
    return t("duration_hours", lang, hours=hours)


def category_in_turn(turn: Turn, default: Optional[str] = None) -> Optional[str]:
    """NLU entity, else keywords, else the intent's default. Keywords naming a
    line fault win over everything: safety first."""
    keyword = cx.detect_category(turn.text)
    if keyword == "line_damage":
        return keyword
    # "bill doubled", "reading galat", "itna zyada kaise": a bill dispute, even
    # when the words also name the meter. An outage report keeps its default.
    if default is None and bill_dispute(turn.text):
        return "billing"
    if default is not None and keyword == "billing":
        keyword = None   # "light nahi hai, bill bhi zyada aata hai": the outage comes first
    entity = (turn.entities.get("complaint_category") or "").strip().lower()
    if entity in cx.CATEGORIES:
        return entity
    return keyword or default


def _clear_draft(reply: Reply) -> Reply:
    return reply.set(**{SLOT_CATEGORY: None, SLOT_DETAILS: None, SLOT_DRAFT: None, SLOT_PURPOSE: None})


# -- registration ----------------------------------------------------------------

def register(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Menu option 1, or a complaint in free text."""
    return start_complaint(turn, services, reply)


def report_no_supply(turn: Turn, services: Services, reply: Reply) -> Reply:
    """"Bijli nahi hai": a complaint whose category is no supply unless the text names another."""
    return start_complaint(turn, services, reply, default="no_supply")


def reconnection(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Paid, but the supply is still disconnected (offered after payment status):
    a no-supply complaint whose details say so, for the local office to reconnect."""
    return start_complaint(turn, services, reply, default="no_supply",
                 details=t("complaint_reconnect_details", reply.lang))


def start_complaint(turn: Turn, services: Services, reply: Reply, default: Optional[str] = None,
                    details: Optional[str] = None) -> Reply:
    """A new complaint draft: the category and the consumer's words from the text,
    then whatever is still missing (category menu, connection), then the summary."""
    # A landmark typed at the confirmation ("पोल के पास") may read as a new
    # complaint to the NLU; while a draft awaits yes/no it is a detail.
    if turn.slot(SLOT_MENU) == CONFIRM_MENU and turn.slot(SLOT_DRAFT) and turn.intent != "choose_option":
        return _add_details(turn, services, reply, turn.text)
    category = category_in_turn(turn, default)
    # The consumer's own words describe the fault for the lineman.
    if details is None:
        details = cx.clean_details(turn.text) if category and option_from_text(turn) is None else ""
    reply.set(**{SLOT_PURPOSE: PURPOSE, SLOT_CATEGORY: category, SLOT_DETAILS: details,
                 SLOT_DRAFT: secrets.token_hex(8), SLOT_ATTEMPTS: 0, SLOT_CHOICES: None,
                 SLOT_AREA: None})
    if category == "line_damage":
        reply.say("complaint_safety", helpline=services.settings.helpline)
    ivrs = billing.ivrs_in_turn(turn)
    if ivrs:
        return billing.lookup(turn, services, reply, ivrs, check_area=False)
    return proceed(turn, services, reply)


def option_from_text(turn: Turn) -> Optional[int]:
    """A bare one- or two-digit number typed as the whole message (a menu pick, not a detail)."""
    text = turn.norm.strip()
    return int(text) if text.isdigit() and len(text) <= 2 else None


def choose_category(category: str):
    """Handler for a category picked on the numbered sub-menu."""
    def handler(turn: Turn, services: Services, reply: Reply) -> Reply:
        reply.set(**{SLOT_PURPOSE: PURPOSE, SLOT_CATEGORY: category})
        if not turn.slot(SLOT_DRAFT):
            reply.set(**{SLOT_DRAFT: secrets.token_hex(8)})
        if category == "line_damage":
            reply.say("complaint_safety", helpline=services.settings.helpline)
        return proceed(turn, services, reply)
    return handler


def after_lookup(turn: Turn, services: Services, reply: Reply, ivrs: str) -> Reply:
    """billing.lookup found the connection for a complaint."""
    return proceed(turn, services, reply)


def proceed(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Ask for whatever the draft still lacks; then the summary."""
    if not _now(turn, reply, SLOT_CATEGORY):
        return reply.show_menu(CATEGORY_MENU)
    if not _now(turn, reply, SLOT_IVRS):
        return _find_connection(turn, services, reply)
    return _summary(turn, services, reply)


def _find_connection(turn: Turn, services: Services, reply: Reply) -> Reply:
    with services.db.session() as s:
        ivrs_list = own_connections(s, turn.sender)
    if len(ivrs_list) == 1:
        return billing.lookup(turn, services, reply, ivrs_list[0], check_area=False)
    if len(ivrs_list) > 1:
        return billing.by_mobile(turn, services, reply)  # numbered pick -> lookup -> after_lookup
    reply.set(**{SLOT_MENU: WAIT_IVRS, SLOT_ATTEMPTS: 0})
    return reply.say("complaint_ask_ivrs")


def _summary(turn: Turn, services: Services, reply: Reply) -> Reply:
    category = _now(turn, reply, SLOT_CATEGORY)
    ivrs = _now(turn, reply, SLOT_IVRS)
    with services.db.session() as s:
        consumer = get_consumer(s, ivrs)
        open_one = cx.open_complaint(s, ivrs, category) if consumer else None
        name, area = (consumer.name, consumer.area_type) if consumer else ("", "")
        existing = cx.view_of(open_one) if open_one else None
        full = existing is not None and _may_see(s, turn.sender, existing)
        bill = current_bill_view(s, ivrs) if consumer and category == "billing" else None
    if consumer is None:  # the conversation's connection vanished from the records
        reply.set(**{SLOT_IVRS: None})
        return _find_connection(turn, services, reply)
    if existing is not None:
        _say_duplicate(reply, existing, full)
        _clear_draft(reply)
        return reply.show_menu("main")
    if bill is not None:
        # A bill dispute: the bill in question first, so the consumer can say what is wrong.
        reply.say("complaint_bill_context", month=month_label(bill.bill_month), units=bill.units,
                  amount=format_inr(bill.amount_paise), due_date=date_label(bill.due_date))
    rule = cx.norm(category)
    details = _now(turn, reply, SLOT_DETAILS) or "-"
    reply.say("complaint_summary", category=category_label(category, reply.lang), ivrs=ivrs,
              area=t("area_" + area, reply.lang), name=mask_name(name), details=details,
              duration=duration(rule.hours(area), reply.lang),
              norm=t("complaint_norm_" + rule.source, reply.lang))
    if area == "agriculture":
        reply.say("complaint_norm_agriculture")
    return reply.show_menu(CONFIRM_MENU)


def _may_see(session: Session, sender: str, c: cx.ComplaintView) -> bool:
    """The registered mobile of the connection, or the complaint's filer."""
    return owns(session, sender, c.ivrs) or filed_by(session, sender, c.number)


def _say_duplicate(reply: Reply, c: cx.ComplaintView, full: bool) -> None:
    """An open complaint already covers this fault. Others than its owner and
    filer get only the number and status (category and IVRS they named)."""
    status = t("complaint_status_" + c.status, reply.lang)
    category = category_label(c.category, reply.lang)
    if full:
        reply.say("complaint_duplicate", category=category, ivrs=c.ivrs, number=c.number, status=status,
                  filed=format_ist(c.created_at), due=format_ist(c.due_at))
    else:
        reply.say("complaint_duplicate_other", category=category, ivrs=c.ivrs, number=c.number, status=status)


def _add_details(turn: Turn, services: Services, reply: Reply, text: str) -> Reply:
    details = cx.clean_details(text)
    if not details:
        reply.say("fallback")
        return reply.show_menu(CONFIRM_MENU)
    previous = turn.slot(SLOT_DETAILS) or ""
    combined = cx.clean_details(f"{previous}; {details}" if previous else details)
    reply.set(**{SLOT_DETAILS: combined})
    reply.say("complaint_details_added", details=details)
    return _summary(turn, services, reply)


def confirm_input(turn: Turn, services: Services, reply: Reply, number: Optional[int]) -> Reply:
    """What the consumer said to the summary: yes / no / 1 / 2, a different
    IVRS number, or a landmark/description to add."""
    words = turn.norm.strip().lower().rstrip(".!")
    if turn.intent == "affirm" or number == 1 or words in _YES:
        return file_complaint(turn, services, reply)
    if turn.intent == "deny" or number == 2 or words in _NO:
        reply.say("complaint_cancelled")
        _clear_draft(reply)
        return reply.show_menu("main")
    if number is not None:
        reply.say("valid_choices", choices="1, 2")
        return reply.show_menu(CONFIRM_MENU)
    ivrs = find_ivrs(turn.entities.get("ivrs") or "") or billing.ivrs_in_turn(turn)
    if ivrs and ivrs != turn.slot(SLOT_IVRS):
        return billing.lookup(turn, services, reply, ivrs, check_area=False)
    return _add_details(turn, services, reply, turn.text)


def file_complaint(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The consumer confirmed the summary: file the draft once (the draft id keys the filing)."""
    category, ivrs = turn.slot(SLOT_CATEGORY), turn.slot(SLOT_IVRS)
    draft = turn.slot(SLOT_DRAFT)
    if not (category in cx.CATEGORIES and ivrs and draft):
        reply.say("complaint_expired")
        _clear_draft(reply)
        return reply.show_menu("main")
    try:
        with services.db.session() as s:
            consumer = get_consumer(s, ivrs)
            full = False
            if consumer is None:
                result = None
            else:
                result = cx.file_complaint(
                    s, ivrs=ivrs, category=category, area_type=consumer.area_type,
                    details=turn.slot(SLOT_DETAILS) or "", sender=turn.sender,
                    request_key=f"{turn.sender}:{draft}")
                full = _may_see(s, turn.sender, result.complaint)
    except (SQLAlchemyError, cx.ComplaintError):
        # Rolled back: nothing was filed. The draft stays, so "yes" can be tried again.
        logger.exception("complaint not filed for %s", mask_mobile(turn.sender))
        reply.say("complaint_failed", helpline=services.settings.helpline)
        return reply.show_menu(CONFIRM_MENU)
    _clear_draft(reply)
    if result is None:
        reply.say("ivrs_not_found", ivrs=ivrs)
        return reply.show_menu("main")
    c = result.complaint
    if result.outcome == cx.DUPLICATE:
        _say_duplicate(reply, c, full)
    else:
        logger.info("complaint %s %s for %s (%s)", c.number, c.category, mask_mobile(turn.sender),
                    result.outcome)
        reply.say("complaint_filed", number=c.number, category=category_label(c.category, reply.lang),
                  ivrs=c.ivrs, filed=format_ist(c.created_at), due=format_ist(c.due_at),
                  duration=duration(c.norm_hours, reply.lang))
        if c.category == "line_damage":
            reply.say("complaint_top_priority", helpline=services.settings.helpline)
    return reply.show_menu("main")


# -- status ----------------------------------------------------------------------

def status(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Menu option 4 or "complaint status": by number, by IVRS, by the
    registered mobile (and what this sender filed), else ask for a number or IVRS.

    The conversation's looked-up connection adds nothing: knowing an IVRS
    number is not owning it (bijli/access.py)."""
    reply.set(**{SLOT_ATTEMPTS: 0})
    if _status_from_text(turn, services, reply):
        return reply
    mobile = sender_mobile(turn.sender)
    with services.db.session() as s:
        ivrs_list = own_connections(s, turn.sender)
        found = visible_complaints(s, turn.sender, None, LATEST)
    if found:
        if ivrs_list:
            reply.say("complaint_status_header_mobile", mobile=mask_mobile(mobile))
        else:
            reply.say("complaint_status_header_sender")
        return _show(turn, services, reply, found)
    if ivrs_list:
        reply.say("complaint_status_none_mobile", mobile=mask_mobile(mobile))
    reply.say("complaint_status_ask")
    return reply.set(**{SLOT_MENU: WAIT_STATUS})


def _status_from_text(turn: Turn, services: Services, reply: Reply) -> bool:
    """Answer from a complaint number or IVRS in the message; False if none."""
    entity = (turn.entities.get("complaint_number") or "").strip()
    number = entity if cx.is_number(entity) else cx.find_number(turn.text)
    ivrs = billing.ivrs_in_turn(turn)
    if not number and not ivrs:
        return False
    with services.db.session() as s:
        one = cx.get(s, number) if number else None
    if one is not None:  # a docket: whoever holds the number may follow it
        _show(turn, services, reply, [one])
        return True
    if ivrs and not billing.lookup_allowed(turn, services, reply, ivrs):
        return True
    consumer, mine, found = None, False, []
    if ivrs:
        with services.db.session() as s:
            consumer = get_consumer(s, ivrs)
            if consumer is not None:
                mine = owns(s, turn.sender, ivrs)
                found = visible_complaints(s, turn.sender, [ivrs], LATEST)
    if consumer is not None:
        if found:
            reply.say("complaint_status_header_ivrs", ivrs=ivrs)
            if not mine:
                reply.say("privacy_own_only", ivrs=ivrs)
            _show(turn, services, reply, found)
        elif mine:
            reply.say("complaint_status_none_ivrs", ivrs=ivrs)
            reply.show_menu("main")
        else:
            # Not "no complaints": whether others complained is the consumer's business.
            reply.say("privacy_owner_only", ivrs=ivrs)
            reply.show_menu("main")
        return True
    reply.say("complaint_status_not_found", number=number or ivrs)
    return _status_retry(turn, services, reply)


def _status_retry(turn: Turn, services: Services, reply: Reply) -> bool:
    tries = int(turn.slot(SLOT_ATTEMPTS, 0) or 0) + 1
    if tries >= MAX_STATUS_TRIES:
        reply.say("complaint_status_give_up", helpline=services.settings.helpline)
        reply.set(**{SLOT_ATTEMPTS: 0})
        reply.show_menu("main")
        return True
    reply.say("complaint_status_ask")
    reply.set(**{SLOT_ATTEMPTS: tries, SLOT_MENU: WAIT_STATUS})
    return True


def status_input(turn: Turn, services: Services, reply: Reply) -> Reply:
    """A number or IVRS typed after we asked for one."""
    if _status_from_text(turn, services, reply):
        return reply
    reply.say("complaint_status_bad_input")
    _status_retry(turn, services, reply)
    return reply


def _show(turn: Turn, services: Services, reply: Reply, found: List[cx.ComplaintView]) -> Reply:
    now = cx.utcnow()
    for c in found:
        lines = [t("complaint_status_item", reply.lang, number=c.number,
                   category=category_label(c.category, reply.lang), ivrs=c.ivrs,
                   status=t("complaint_status_" + c.status, reply.lang),
                   filed=format_ist(c.created_at), due=format_ist(c.due_at))]
        if c.status == "resolved":
            lines.append(t("complaint_resolved_on", reply.lang, resolved=format_ist(c.resolved_at)))
        elif c.overdue(now):
            lines.append(t("complaint_overdue", reply.lang, helpline=services.settings.helpline))
        reply.text("\n".join(lines))
    return reply.show_menu("main")


def waiting_input(turn: Turn, services: Services, reply: Reply, number: Optional[int]) -> Reply:
    """Router hook: input while one of ``WAITING`` is the current menu."""
    if turn.slot(SLOT_MENU) == CONFIRM_MENU:
        return confirm_input(turn, services, reply, number)
    return status_input(turn, services, reply)
