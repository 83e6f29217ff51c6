"""Complaint registration and complaint status.

Registration is the form ``complaint_form`` (domain/forms.yml): the category
(from the text, else a numbered sub-menu), the connection (IVRS in the
message, this conversation's connection, the sender's registered mobile, or
asked) and the confirmation of a summary (yes/no or 1/2; anything else typed
there is kept as a landmark/description). ``start_complaint`` fills what the
message already says; bijli/flows/forms.py reads the answers; the rules in
data/rules/forms.yml file it or cancel it. Line damage gets the safety advice
first, in the first reply that knows it.

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
from bijli.categories import detect_category
from bijli.cues import bill_dispute
from bijli.flows import connection
from bijli.flows.core import (
    SLOT_ATTEMPTS,
    SLOT_CHOICES,
    SLOT_IVRS,
    SLOT_LOOKUP_FAILED,
    SLOT_MENU,
    SLOT_PURPOSE,
    Reply,
    Services,
    Turn,
)
from bijli.i18n import t
from bijli.menus import menu
from bijli.money import format_inr
from bijli.privacy import mask_mobile, mask_name
from bijli.timefmt import date_label, format_ist, month_label

logger = logging.getLogger(__name__)

SLOT_CATEGORY = "complaint_category"
SLOT_DETAILS = "complaint_details"
SLOT_DRAFT = "complaint_draft"
SLOT_CONFIRMATION = "complaint_confirmation"   # confirmed / cancelled / already_open

CATEGORY_MENU = "complaint_categories"   # numbered sub-menu (bijli/menus.yml)
CONFIRM_MENU = "complaint_confirm"       # yes / no (bijli/menus.yml)
WAIT_STATUS = "complaint_status_entry"   # pseudo-menu: waiting for a number or IVRS
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
    keyword = detect_category(turn.text)
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
    # complaint_confirmation stays: the rule after the form branched on it (start_complaint resets it).
    return reply.set(**{SLOT_CATEGORY: None, SLOT_DETAILS: None, SLOT_DRAFT: None, SLOT_PURPOSE: None,
                        SLOT_CHOICES: None})


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
    """Set up the complaint form: a new draft, with the category and the
    consumer's words from the text, and the connection if the message, the
    conversation or the registered mobile gives it (several are listed)."""
    category = category_in_turn(turn, default)
    # The consumer's own words describe the fault for the lineman.
    if details is None:
        details = cx.clean_details(turn.text) if category and option_from_text(turn) is None else ""
    reply.set(**{SLOT_PURPOSE: None, SLOT_CATEGORY: category, SLOT_DETAILS: details,
                 SLOT_DRAFT: secrets.token_hex(8), SLOT_ATTEMPTS: 0, SLOT_CHOICES: None,
                 SLOT_CONFIRMATION: None, SLOT_LOOKUP_FAILED: False})
    ivrs = connection.ivrs_in_turn(turn)
    if ivrs:
        return reply.set(**{SLOT_IVRS: ivrs})
    if turn.slot(SLOT_IVRS):
        return reply  # this conversation's connection
    with services.db.session() as s:
        ivrs_list = own_connections(s, turn.sender)
    if len(ivrs_list) == 1:
        return reply.set(**{SLOT_IVRS: ivrs_list[0]})
    if len(ivrs_list) > 1:
        return reply.set(**{SLOT_CHOICES: list(ivrs_list)})
    return reply


def option_from_text(turn: Turn) -> Optional[int]:
    """A bare one- or two-digit number typed as the whole message (a menu pick, not a detail)."""
    text = turn.norm.strip()
    return int(text) if text.isdigit() and len(text) <= 2 else None


def summary(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The complaint as it will be filed (the bill first for a bill dispute), and yes / no."""
    category = turn.slot(SLOT_CATEGORY)
    ivrs = turn.slot(SLOT_IVRS)
    with services.db.session() as s:
        consumer = get_consumer(s, ivrs) if ivrs else None
        name, area = (consumer.name, consumer.area_type) if consumer else ("", "urban")
        bill = current_bill_view(s, ivrs) if consumer and category == "billing" else None
    if bill is not None:
        # A bill dispute: the bill in question first, so the consumer can say what is wrong.
        reply.say("complaint_bill_context", month=month_label(bill.bill_month), units=bill.units,
                  amount=format_inr(bill.amount_paise), due_date=date_label(bill.due_date))
    rule = cx.norm(category)
    details = turn.slot(SLOT_DETAILS) or "-"
    reply.say("complaint_summary", category=category_label(category, reply.lang), ivrs=ivrs,
              area=t("area_" + area, reply.lang), name=mask_name(name), details=details,
              duration=duration(rule.hours(area), reply.lang),
              norm=t("complaint_norm_" + rule.source, reply.lang))
    if area == "agriculture":
        reply.say("complaint_norm_agriculture")
    return reply.show_menu(CONFIRM_MENU)


def say_if_open(turn: Turn, services: Services, reply: Reply, ivrs: str, category: str) -> bool:
    """If a complaint of this kind is open on this connection, say so (with its
    number; more only to the owner or its filer) and return True. The form then
    ends (``already_open``) and the main menu forgets the draft."""
    with services.db.session() as s:
        open_one = cx.open_complaint(s, ivrs, category)
        existing = cx.view_of(open_one) if open_one else None
        full = existing is not None and _may_see(s, turn.sender, existing)
    if existing is None:
        return False
    _say_duplicate(reply, existing, full)
    return True


def yes_or_no(turn: Turn, number: Optional[int]) -> Optional[str]:
    """The answer to the summary: ``confirmed``, ``cancelled`` or None (something else)."""
    words = turn.norm.strip().lower().rstrip(".!")
    if turn.intent == "affirm" or number == 1 or words in _YES:
        return "confirmed"
    if turn.intent == "deny" or number == 2 or words in _NO:
        return "cancelled"
    return None


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


def add_details(turn: Turn, reply: Reply, text: str) -> Reply:
    """Words typed at the summary describe the fault: add them to the details."""
    details = cx.clean_details(text)
    if not details:
        return reply.say("fallback")
    previous = turn.slot(SLOT_DETAILS) or ""
    combined = cx.clean_details(f"{previous}; {details}" if previous else details)
    reply.set(**{SLOT_DETAILS: combined})
    return reply.say("complaint_details_added", details=details)


def cancel_complaint(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The consumer said no to the summary: nothing is filed."""
    reply.say("complaint_cancelled")
    _clear_draft(reply)
    return reply.show_menu("main")


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
        # Rolled back: nothing was filed; the consumer is told to try again (or call).
        logger.exception("complaint not filed for %s", mask_mobile(turn.sender))
        reply.say("complaint_failed", helpline=services.settings.helpline)
        _clear_draft(reply)
        return reply.show_menu("main")
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
    ivrs = connection.ivrs_in_turn(turn)
    if not number and not ivrs:
        return False
    with services.db.session() as s:
        one = cx.get(s, number) if number else None
    if one is not None:  # a docket: whoever holds the number may follow it
        _show(turn, services, reply, [one])
        return True
    if ivrs and not connection.lookup_allowed(turn, services, reply, ivrs):
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
