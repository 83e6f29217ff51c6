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
from bijli.cues import bill_dispute
from bijli.access import filed_by, own_connections, owns, sender_mobile, visible_complaints
from bijli.billing import current_bill_view, get_consumer
from bijli.money import format_inr
from bijli.timefmt import date_label, format_ist, month_label
from bijli.flows import billing
from bijli.flows.core import (
    SLOT_AREA, SLOT_ATTEMPTS, SLOT_CHOICES, SLOT_IVRS, SLOT_MENU, SLOT_PURPOSE, WAIT_IVRS, Reply, Services, Turn,
)
from bijli.i18n import t
from bijli.ivrs import find_ivrs
from bijli.menus import menu
from bijli.privacy import mask_mobile, mask_name

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

def _now(turn: Turn, r: Reply, name: str):
    """A slot's value as this turn leaves it (set in the reply, else as it came)."""
    return r.slots[name] if name in r.slots else turn.slot(name)


def category_label(category: str, lang: str) -> str:
    m = menu(CATEGORY_MENU)
    return m.options[m.number_of("cat_" + category) - 1].label(lang)


def duration(hours: int, lang: str) -> str:
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


def _clear_draft(r: Reply) -> Reply:
    return r.set(**{SLOT_CATEGORY: None, SLOT_DETAILS: None, SLOT_DRAFT: None, SLOT_PURPOSE: None})


# -- registration ----------------------------------------------------------------

def register(turn: Turn, services: Services, r: Reply) -> Reply:
    """Menu option 1, or a complaint in free text."""
    return start(turn, services, r)


def report_no_supply(turn: Turn, services: Services, r: Reply) -> Reply:
    return start(turn, services, r, default="no_supply")


def reconnection(turn: Turn, services: Services, r: Reply) -> Reply:
    """Paid, but the supply is still disconnected (offered after payment status):
    a no-supply complaint whose details say so, for the local office to reconnect."""
    return start(turn, services, r, default="no_supply",
                 details=t("complaint_reconnect_details", r.lang))


def start(turn: Turn, services: Services, r: Reply, default: Optional[str] = None,
          details: Optional[str] = None) -> Reply:
    # A landmark typed at the confirmation ("पोल के पास") may read as a new
    # complaint to the NLU; while a draft awaits yes/no it is a detail.
    if turn.slot(SLOT_MENU) == CONFIRM_MENU and turn.slot(SLOT_DRAFT) and turn.intent != "choose_option":
        return _add_details(turn, services, r, turn.text)
    category = category_in_turn(turn, default)
    # The consumer's own words describe the fault for the lineman.
    if details is None:
        details = cx.clean_details(turn.text) if category and option_from_text(turn) is None else ""
    r.set(**{SLOT_PURPOSE: PURPOSE, SLOT_CATEGORY: category, SLOT_DETAILS: details,
             SLOT_DRAFT: secrets.token_hex(8), SLOT_ATTEMPTS: 0, SLOT_CHOICES: None,
             SLOT_AREA: None})
    if category == "line_damage":
        r.say("complaint_safety", helpline=services.settings.helpline)
    ivrs = billing.ivrs_in_turn(turn)
    if ivrs:
        return billing.lookup(turn, services, r, ivrs, check_area=False)
    return proceed(turn, services, r)


def option_from_text(turn: Turn) -> Optional[int]:
    text = turn.norm.strip()
    return int(text) if text.isdigit() and len(text) <= 2 else None


def choose_category(category: str):
    """Handler for a category picked on the numbered sub-menu."""
    def handler(turn: Turn, services: Services, r: Reply) -> Reply:
        r.set(**{SLOT_PURPOSE: PURPOSE, SLOT_CATEGORY: category})
        if not turn.slot(SLOT_DRAFT):
            r.set(**{SLOT_DRAFT: secrets.token_hex(8)})
        if category == "line_damage":
            r.say("complaint_safety", helpline=services.settings.helpline)
        return proceed(turn, services, r)
    return handler


def after_lookup(turn: Turn, services: Services, r: Reply, ivrs: str) -> Reply:
    """billing.lookup found the connection for a complaint."""
    return proceed(turn, services, r)


def proceed(turn: Turn, services: Services, r: Reply) -> Reply:
    """Ask for whatever the draft still lacks; then the summary."""
    if not _now(turn, r, SLOT_CATEGORY):
        return r.show_menu(CATEGORY_MENU)
    if not _now(turn, r, SLOT_IVRS):
        return _find_connection(turn, services, r)
    return _summary(turn, services, r)


def _find_connection(turn: Turn, services: Services, r: Reply) -> Reply:
    with services.db.session() as s:
        ivrs_list = own_connections(s, turn.sender)
    if len(ivrs_list) == 1:
        return billing.lookup(turn, services, r, ivrs_list[0], check_area=False)
    if len(ivrs_list) > 1:
        return billing.by_mobile(turn, services, r)  # numbered pick -> lookup -> after_lookup
    r.set(**{SLOT_MENU: WAIT_IVRS, SLOT_ATTEMPTS: 0})
    return r.say("complaint_ask_ivrs")


def _summary(turn: Turn, services: Services, r: Reply) -> Reply:
    category = _now(turn, r, SLOT_CATEGORY)
    ivrs = _now(turn, r, SLOT_IVRS)
    with services.db.session() as s:
        consumer = get_consumer(s, ivrs)
        existing = cx.open_complaint(s, ivrs, category) if consumer else None
        name, area = (consumer.name, consumer.area_type) if consumer else ("", "")
        existing = cx.view_of(existing) if existing else None
        full = existing is not None and _may_see(s, turn.sender, existing)
        bill = current_bill_view(s, ivrs) if consumer and category == "billing" else None
    if consumer is None:  # the conversation's connection vanished from the records
        r.set(**{SLOT_IVRS: None})
        return _find_connection(turn, services, r)
    if existing is not None:
        _say_duplicate(r, existing, full)
        _clear_draft(r)
        return r.show_menu("main")
    if bill is not None:
        # A bill dispute: the bill in question first, so the consumer can say what is wrong.
        r.say("complaint_bill_context", month=month_label(bill.bill_month), units=bill.units,
              amount=format_inr(bill.amount_paise), due_date=date_label(bill.due_date))
    rule = cx.norm(category)
    details = _now(turn, r, SLOT_DETAILS) or "-"
    r.say("complaint_summary", category=category_label(category, r.lang), ivrs=ivrs,
          area=t("area_" + area, r.lang), name=mask_name(name), details=details,
          duration=duration(rule.hours(area), r.lang),
          norm=t("complaint_norm_" + rule.source, r.lang))
    if area == "agriculture":
        r.say("complaint_norm_agriculture")
    return r.show_menu(CONFIRM_MENU)


def _may_see(session: Session, sender: str, c: cx.ComplaintView) -> bool:
    """The registered mobile of the connection, or the complaint's filer."""
    return owns(session, sender, c.ivrs) or filed_by(session, sender, c.number)


def _say_duplicate(r: Reply, c: cx.ComplaintView, full: bool) -> None:
    """An open complaint already covers this fault. Others than its owner and
    filer get only the number and status (category and IVRS they named)."""
    status = t("complaint_status_" + c.status, r.lang)
    category = category_label(c.category, r.lang)
    if full:
        r.say("complaint_duplicate", category=category, ivrs=c.ivrs, number=c.number, status=status,
              filed=format_ist(c.created_at), due=format_ist(c.due_at))
    else:
        r.say("complaint_duplicate_other", category=category, ivrs=c.ivrs, number=c.number, status=status)


def _add_details(turn: Turn, services: Services, r: Reply, text: str) -> Reply:
    details = cx.clean_details(text)
    if not details:
        r.say("fallback")
        return r.show_menu(CONFIRM_MENU)
    previous = turn.slot(SLOT_DETAILS) or ""
    combined = cx.clean_details(f"{previous}; {details}" if previous else details)
    r.set(**{SLOT_DETAILS: combined})
    r.say("complaint_details_added", details=details)
    return _summary(turn, services, r)


def confirm_input(turn: Turn, services: Services, r: Reply, number: Optional[int]) -> Reply:
    """What the consumer said to the summary: yes / no / 1 / 2, a different
    IVRS number, or a landmark/description to add."""
    words = turn.norm.strip().lower().rstrip(".!")
    if turn.intent == "affirm" or number == 1 or words in _YES:
        return file(turn, services, r)
    if turn.intent == "deny" or number == 2 or words in _NO:
        r.say("complaint_cancelled")
        _clear_draft(r)
        return r.show_menu("main")
    if number is not None:
        r.say("valid_choices", choices="1, 2")
        return r.show_menu(CONFIRM_MENU)
    ivrs = find_ivrs(turn.entities.get("ivrs") or "") or billing.ivrs_in_turn(turn)
    if ivrs and ivrs != turn.slot(SLOT_IVRS):
        return billing.lookup(turn, services, r, ivrs, check_area=False)
    return _add_details(turn, services, r, turn.text)


def file(turn: Turn, services: Services, r: Reply) -> Reply:
    category, ivrs = turn.slot(SLOT_CATEGORY), turn.slot(SLOT_IVRS)
    draft = turn.slot(SLOT_DRAFT)
    if not (category in cx.CATEGORIES and ivrs and draft):
        r.say("complaint_expired")
        _clear_draft(r)
        return r.show_menu("main")
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
        r.say("complaint_failed", helpline=services.settings.helpline)
        return r.show_menu(CONFIRM_MENU)
    _clear_draft(r)
    if result is None:
        r.say("ivrs_not_found", ivrs=ivrs)
        return r.show_menu("main")
    c = result.complaint
    if result.outcome == cx.DUPLICATE:
        _say_duplicate(r, c, full)
    else:
        logger.info("complaint %s %s for %s (%s)", c.number, c.category, mask_mobile(turn.sender),
                    result.outcome)
        r.say("complaint_filed", number=c.number, category=category_label(c.category, r.lang),
              ivrs=c.ivrs, filed=format_ist(c.created_at), due=format_ist(c.due_at),
              duration=duration(c.norm_hours, r.lang))
        if c.category == "line_damage":
            r.say("complaint_top_priority", helpline=services.settings.helpline)
    return r.show_menu("main")


# -- status ----------------------------------------------------------------------

def status(turn: Turn, services: Services, r: Reply) -> Reply:
    """Menu option 4 or "complaint status": by number, by IVRS, by the
    registered mobile (and what this sender filed), else ask for a number or IVRS.

    The conversation's looked-up connection adds nothing: knowing an IVRS
    number is not owning it (bijli/access.py)."""
    r.set(**{SLOT_ATTEMPTS: 0})
    if _status_from_text(turn, services, r):
        return r
    mobile = sender_mobile(turn.sender)
    with services.db.session() as s:
        ivrs_list = own_connections(s, turn.sender)
        found = visible_complaints(s, turn.sender, None, LATEST)
    if found:
        if ivrs_list:
            r.say("complaint_status_header_mobile", mobile=mask_mobile(mobile))
        else:
            r.say("complaint_status_header_sender")
        return _show(turn, services, r, found)
    if ivrs_list:
        r.say("complaint_status_none_mobile", mobile=mask_mobile(mobile))
    r.say("complaint_status_ask")
    return r.set(**{SLOT_MENU: WAIT_STATUS})


def _status_from_text(turn: Turn, services: Services, r: Reply) -> bool:
    """Answer from a complaint number or IVRS in the message; False if none."""
    entity = (turn.entities.get("complaint_number") or "").strip()
    number = entity if cx.is_number(entity) else cx.find_number(turn.text)
    ivrs = billing.ivrs_in_turn(turn)
    if not number and not ivrs:
        return False
    with services.db.session() as s:
        one = cx.get(s, number) if number else None
    if one is not None:  # a docket: whoever holds the number may follow it
        _show(turn, services, r, [one])
        return True
    if ivrs and not billing.lookup_allowed(turn, services, r, ivrs):
        return True
    with services.db.session() as s:
        consumer = get_consumer(s, ivrs) if ivrs else None
        mine = consumer is not None and owns(s, turn.sender, ivrs)
        found = visible_complaints(s, turn.sender, [ivrs], LATEST) if consumer is not None else []
    if consumer is not None:
        if found:
            r.say("complaint_status_header_ivrs", ivrs=ivrs)
            if not mine:
                r.say("privacy_own_only", ivrs=ivrs)
            _show(turn, services, r, found)
        elif mine:
            r.say("complaint_status_none_ivrs", ivrs=ivrs)
            r.show_menu("main")
        else:
            # Not "no complaints": whether others complained is the consumer's business.
            r.say("privacy_owner_only", ivrs=ivrs)
            r.show_menu("main")
        return True
    r.say("complaint_status_not_found", number=number or ivrs)
    return _status_retry(turn, services, r)


def _status_retry(turn: Turn, services: Services, r: Reply) -> bool:
    tries = int(turn.slot(SLOT_ATTEMPTS, 0) or 0) + 1
    if tries >= MAX_STATUS_TRIES:
        r.say("complaint_status_give_up", helpline=services.settings.helpline)
        r.set(**{SLOT_ATTEMPTS: 0})
        r.show_menu("main")
        return True
    r.say("complaint_status_ask")
    r.set(**{SLOT_ATTEMPTS: tries, SLOT_MENU: WAIT_STATUS})
    return True


def status_input(turn: Turn, services: Services, r: Reply) -> Reply:
    """A number or IVRS typed after we asked for one."""
    if _status_from_text(turn, services, r):
        return r
    r.say("complaint_status_bad_input")
    _status_retry(turn, services, r)
    return r


def _show(turn: Turn, services: Services, r: Reply, found: List[cx.ComplaintView]) -> Reply:
    now = cx.utcnow()
    for c in found:
        lines = [t("complaint_status_item", r.lang, number=c.number,
                   category=category_label(c.category, r.lang), ivrs=c.ivrs,
                   status=t("complaint_status_" + c.status, r.lang),
                   filed=format_ist(c.created_at), due=format_ist(c.due_at))]
        if c.status == "resolved":
            lines.append(t("complaint_resolved_on", r.lang, resolved=format_ist(c.resolved_at)))
        elif c.overdue(now):
            lines.append(t("complaint_overdue", r.lang, helpline=services.settings.helpline))
        r.text("\n".join(lines))
    return r.show_menu("main")


def waiting_input(turn: Turn, services: Services, r: Reply, number: Optional[int]) -> Reply:
    """Router hook: input while one of ``WAITING`` is the current menu."""
    if turn.slot(SLOT_MENU) == CONFIRM_MENU:
        return confirm_input(turn, services, r, number)
    return status_input(turn, services, r)
