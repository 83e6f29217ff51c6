"""The questions and answers of the two forms, without Rasa.

The forms themselves, which questions they ask and what comes after them,
are Rasa YAML (``domain/forms.yml``, ``data/rules/forms.yml``). This module
does the work behind each step, for the thin adapters in ``actions/forms.py``:

- ``required_*``: which questions are still needed (only what is missing);
- ``ask_*``: the question (a menu from ``bijli/menus.yml`` or a text);
- ``extract_*``: reading the consumer's answer to the question asked. An
  answer that does not fit gets a short correction and the slot stays empty,
  so the form asks again; a message that is no answer at all ("bijli nahi
  hai") is left alone, so that the rules for it apply (a digression);
- ``validate_*``: checking a value against the records (the IVRS number,
  the daily lookup limit, the 3 tries).

Every function returns a ``Reply``: its messages are sent and its slots set.
"""
from typing import Any, Dict, List, Optional, Sequence

from bijli import complaints as cx
from bijli.access import owns, sender_mobile
from bijli.billing import consumers_by_mobile, get_consumer
from bijli.cues import asks_about_ivrs
from bijli.flows import complaints, connection
from bijli.flows.core import (
    SLOT_AREA,
    SLOT_ATTEMPTS,
    SLOT_CHOICES,
    SLOT_IVRS,
    SLOT_LOOKUP_FAILED,
    SLOT_LOOKUP_METHOD,
    SLOT_REQUESTED,
    Reply,
    Services,
    Turn,
    option_number,
)
from bijli.i18n import t
from bijli.ivrs import IvrsError, find_ivrs, normalize_ivrs
from bijli.menus import menu
from bijli.privacy import mask_mobile, mask_name
from bijli.vocab import AREA_TYPES

LOOKUP_FORM = "bill_lookup_form"
COMPLAINT_FORM = "complaint_form"
MAX_IVRS_TRIES = 3

SLOT_CATEGORY = complaints.SLOT_CATEGORY
SLOT_CONFIRMATION = complaints.SLOT_CONFIRMATION

# Intents that can be an answer to a form's question. Anything else (a new
# request, "English please", "0") is a digression, for the rules to handle.
ANSWERS = frozenset({"choose_option", "inform", "affirm", "deny", "nlu_fallback", "out_of_scope"})
# At the complaint summary, words about the fault ("near the pole") are details.
CONFIRMATION_ANSWERS = ANSWERS | {"register_complaint", "report_no_supply"}


def _slot(turn: Turn, reply: Reply, name: str) -> Any:
    """A slot's value as this step leaves it (set in the reply, else as it came)."""
    return reply.slots[name] if name in reply.slots else turn.slot(name)


def _asked(turn: Turn, name: str) -> bool:
    return turn.slot(SLOT_REQUESTED) == name


def _is_answer(turn: Turn, answers=ANSWERS) -> bool:
    """An answer: an answering intent, or any number in the message. A bare "0"
    is never one: it is the way back to the main menu (data/rules/digressions.yml)."""
    if option_number(turn) == 0:
        return False
    return (turn.intent in answers or any(ch.isdigit() for ch in turn.norm)
            or bool(turn.entities.get("ivrs")))


def _menu_value(turn: Turn, reply: Reply, menu_id: str) -> Optional[str]:
    """The option id picked on ``menu_id`` by a typed number; a wrong number or
    a non-number gets the correction in ``reply`` and None."""
    number = option_number(turn)
    shown = menu(menu_id)
    option = shown.option(number) if number is not None else None
    if option is not None:
        return option.id
    if number is None:
        reply.say("fallback")
    else:
        reply.say("valid_choices", choices=", ".join(str(n) for n in shown.valid_numbers()))
    return None


def _option_value(menu_id: str, option_id: str) -> str:
    """The slot value an option of a form's menu stands for (``value`` in menus.yml)."""
    return menu(menu_id).value_of(option_id)


# -- which questions are still needed -----------------------------------------------

LOOKUP_QUESTIONS = (SLOT_LOOKUP_METHOD, SLOT_AREA, SLOT_IVRS)
COMPLAINT_QUESTIONS = (SLOT_CATEGORY, SLOT_IVRS, SLOT_CONFIRMATION)


def required_lookup(slots: Dict[str, Any], order: Sequence[str] = LOOKUP_QUESTIONS) -> List[str]:
    """The bill lookup's questions, in the domain's order (``order``,
    domain/forms.yml): none after 3 failed tries; no connection type on the
    registered-mobile path. The form asks those still empty: an IVRS number in
    the first message fills the method and (from the record) the type as well."""
    if slots.get(SLOT_LOOKUP_FAILED):
        return []
    if slots.get(SLOT_LOOKUP_METHOD) == "mobile":
        return [name for name in order if name != SLOT_AREA]
    return list(order)


def required_complaint(slots: Dict[str, Any], order: Sequence[str] = COMPLAINT_QUESTIONS) -> List[str]:
    """The complaint's questions (category, connection, confirmation, in the domain's
    order); none after 3 failed IVRS tries."""
    if slots.get(SLOT_LOOKUP_FAILED):
        return []
    return list(order)


# -- questions -----------------------------------------------------------------------

def ask_lookup_method(turn: Turn, services: Services, reply: Reply) -> Reply:
    """By registered mobile or by IVRS number (the discom's second question)."""
    return reply.show_menu("lookup_method")


def ask_area_type(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Urban, rural or agriculture."""
    return reply.show_menu("area")


def ask_ivrs(turn: Turn, services: Services, reply: Reply, first_text: str = "ask_ivrs") -> Reply:
    """The IVRS number; the list of the mobile's connections when there are
    several; after a wrong number, how many tries are left."""
    choices = list(turn.slot(SLOT_CHOICES) or [])
    if choices:
        return _connection_list(turn, services, reply, choices)
    tries = int(turn.slot(SLOT_ATTEMPTS, 0) or 0)
    if tries:
        return reply.say("ivrs_try_again", left=MAX_IVRS_TRIES - tries)
    return reply.say(first_text)


def ask_complaint_ivrs(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The connection of the complaint."""
    return ask_ivrs(turn, services, reply, first_text="complaint_ask_ivrs")


def _connection_list(turn: Turn, services: Services, reply: Reply, choices: List[str]) -> Reply:
    mobile = sender_mobile(turn.sender)
    with services.db.session() as s:
        found = {c.ivrs: (c.area_type, c.name) for c in consumers_by_mobile(s, mobile)}
    lines = [t("mobile_pick", reply.lang, count=len(choices), mobile=mask_mobile(mobile))]
    for i, ivrs in enumerate(choices, start=1):
        area, name = found.get(ivrs, ("", ""))
        area_label = f" ({t('area_' + area, reply.lang)})" if area else ""
        lines.append(f"{i}. {ivrs}{area_label} {mask_name(name)}".rstrip())
    lines.append(t("menu_footer", reply.lang))
    return reply.text("\n".join(lines))


def ask_complaint_category(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The numbered list of complaint types."""
    return reply.show_menu(complaints.CATEGORY_MENU)


def ask_complaint_confirmation(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The summary of the complaint, and yes / no."""
    return complaints.summary(turn, services, reply)


# -- answers: the bill lookup ----------------------------------------------------------

def extract_lookup_method(turn: Turn, services: Services, reply: Reply) -> Reply:
    """1 / 2 on the lookup-method menu; an IVRS number or a connection type typed
    straight away answers the later questions too."""
    if not _asked(turn, SLOT_LOOKUP_METHOD) or not _is_answer(turn):
        return reply
    ivrs = connection.ivrs_in_turn(turn)
    if ivrs:
        return reply.set(**{SLOT_LOOKUP_METHOD: "ivrs", SLOT_IVRS: ivrs})
    area = turn.entities.get("area_type")
    if area in AREA_TYPES:
        return reply.set(**{SLOT_LOOKUP_METHOD: "ivrs", SLOT_AREA: area})
    option = _menu_value(turn, reply, "lookup_method")
    value = _option_value("lookup_method", option) if option else None
    return reply.set(**{SLOT_LOOKUP_METHOD: value})


def validate_lookup_method(turn: Turn, services: Services, reply: Reply, value: Optional[str]) -> Reply:
    """The registered-mobile path: one connection is looked up at once, several
    are listed to pick from, none sends the consumer to the IVRS path."""
    if value != "mobile" or _slot(turn, reply, SLOT_IVRS):
        return reply
    mobile = sender_mobile(turn.sender)
    with services.db.session() as s:
        found = [c.ivrs for c in consumers_by_mobile(s, mobile)]
    if not found:
        reply.say("mobile_none", mobile=mask_mobile(turn.sender) if mobile else "-")
        return reply.set(**{SLOT_LOOKUP_METHOD: "ivrs"})
    if len(found) == 1:
        return validate_ivrs(turn, services, reply, found[0], check_area=False)
    return reply.set(**{SLOT_CHOICES: found})


def extract_area_type(turn: Turn, services: Services, reply: Reply) -> Reply:
    """1 / 2 / 3 on the connection-type menu, or the type in words ("shahri")."""
    if not _asked(turn, SLOT_AREA) or not _is_answer(turn):
        return reply
    ivrs = connection.ivrs_in_turn(turn)
    if ivrs:
        return reply.set(**{SLOT_IVRS: ivrs, SLOT_AREA: None})
    area = turn.entities.get("area_type")
    if area in AREA_TYPES:
        return reply.set(**{SLOT_AREA: area})
    option = _menu_value(turn, reply, "area")
    return reply.set(**{SLOT_AREA: _option_value("area", option) if option else None})


def validate_area_type(turn: Turn, services: Services, reply: Reply, value: Optional[str]) -> Reply:
    """Only the three connection types. Asked after the IVRS number (a designer's
    order): the record's type wins, with a note when the answer differs."""
    if value is None:
        return reply
    if value not in AREA_TYPES:
        return reply.set(**{SLOT_AREA: None})
    ivrs = _slot(turn, reply, SLOT_IVRS)
    if ivrs:
        with services.db.session() as s:
            consumer = get_consumer(s, ivrs)
            record_area = consumer.area_type if consumer else value
        if record_area != value:
            _say_mismatch(reply, record_area, value)
            reply.set(**{SLOT_AREA: record_area})
    return reply


def extract_ivrs(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The answer to the IVRS question (or a number on the list of connections).
    "What is IVRS?" gets the explanation and the lookup-method question again; it
    is no wrong try."""
    if not _asked(turn, SLOT_IVRS):
        return reply
    choices = list(turn.slot(SLOT_CHOICES) or [])
    typed = connection.ivrs_in_turn(turn)
    if typed:
        return reply.set(**{SLOT_IVRS: typed})
    if choices:
        number = option_number(turn)
        if number is not None and 1 <= number <= len(choices):
            return reply.set(**{SLOT_IVRS: choices[number - 1]})
        if not _is_answer(turn):
            return reply
        reply.say("valid_choices", choices=", ".join(str(i) for i in range(1, len(choices) + 1)))
        return reply.set(**{SLOT_IVRS: None})
    if turn.intent == "ivrs_help" or asks_about_ivrs(turn.text):
        reply.say("ivrs_help")
        if turn.slot(SLOT_LOOKUP_METHOD) is not None:
            return reply.set(**{SLOT_IVRS: None, SLOT_LOOKUP_METHOD: None, SLOT_AREA: None})
        return reply.set(**{SLOT_IVRS: None})
    if not _is_answer(turn):
        return reply
    raw = turn.entities.get("ivrs") or turn.norm
    return reply.set(**{SLOT_IVRS: raw})


def validate_ivrs(turn: Turn, services: Services, reply: Reply, value: Optional[str],
                  check_area: bool = True) -> Reply:
    """Check an IVRS number: its form, the daily lookup limit, the records, and
    (on the mobile's list) that it is the sender's. A wrong one costs a try; the
    third ends the form (``lookup_failed``)."""
    if not value:
        return reply
    choices = list(turn.slot(SLOT_CHOICES) or [])
    try:
        ivrs = find_ivrs(value) or normalize_ivrs(value)
    except IvrsError as error:
        # A malformed try counts towards the daily limit too (enumeration by typos).
        if not connection.lookup_allowed(turn, services, reply, value, in_form=True):
            return reply.set(**{SLOT_IVRS: None, SLOT_LOOKUP_FAILED: True})
        reply.say("ivrs_error_" + error.code)
        return _failed_try(turn, services, reply)
    if not connection.lookup_allowed(turn, services, reply, ivrs, in_form=True):
        return reply.set(**{SLOT_IVRS: None, SLOT_LOOKUP_FAILED: True})
    with services.db.session() as s:
        consumer = get_consumer(s, ivrs)
        record_area = consumer.area_type if consumer else ""
        # Never show a bill from the list to a number that is not registered for it.
        picked_not_owned = ivrs in choices and not owns(s, turn.sender, ivrs)
    if picked_not_owned:
        return reply.set(**{SLOT_IVRS: None, SLOT_CHOICES: None, SLOT_LOOKUP_METHOD: None})
    if consumer is None:
        reply.say("ivrs_not_found", ivrs=ivrs)
        return _failed_try(turn, services, reply)
    chosen = _slot(turn, reply, SLOT_AREA)
    if check_area and chosen and chosen != record_area:
        _say_mismatch(reply, record_area, chosen)
    # The record's type wins. Only when the walk-through asks the type after the IVRS
    # number (a designer's order) is it left empty here, for the question to come.
    if chosen or not _asked(turn, SLOT_IVRS):
        reply.set(**{SLOT_AREA: record_area})
    return reply.set(**{SLOT_IVRS: ivrs, SLOT_ATTEMPTS: 0, SLOT_CHOICES: None,
                        SLOT_LOOKUP_METHOD: _slot(turn, reply, SLOT_LOOKUP_METHOD) or "ivrs"})


def _say_mismatch(reply: Reply, record_area: str, chosen: str) -> None:
    reply.say("area_mismatch", record=t("area_" + record_area, reply.lang), chosen=t("area_" + chosen, reply.lang))


def _failed_try(turn: Turn, services: Services, reply: Reply) -> Reply:
    tries = int(turn.slot(SLOT_ATTEMPTS, 0) or 0) + 1
    if tries >= MAX_IVRS_TRIES:
        reply.say("ivrs_too_many", helpline=services.settings.helpline)
        return reply.set(**{SLOT_IVRS: None, SLOT_ATTEMPTS: 0, SLOT_LOOKUP_FAILED: True})
    return reply.set(**{SLOT_IVRS: None, SLOT_ATTEMPTS: tries})


# -- answers: the complaint --------------------------------------------------------------

def extract_complaint_category(turn: Turn, services: Services, reply: Reply) -> Reply:
    """A number on the list of complaint types, or the type in words."""
    if not _asked(turn, SLOT_CATEGORY) or not _is_answer(turn, CONFIRMATION_ANSWERS):
        return reply
    number = option_number(turn)
    if number is None:
        category = complaints.category_in_turn(turn)
        if category:
            return reply.set(**{SLOT_CATEGORY: category})
    option = _menu_value(turn, reply, complaints.CATEGORY_MENU)
    value = _option_value(complaints.CATEGORY_MENU, option) if option else None
    return reply.set(**{SLOT_CATEGORY: value})


def validate_complaint_category(turn: Turn, services: Services, reply: Reply, value: Optional[str]) -> Reply:
    """A line fault gets the safety advice first, in the first reply that knows it."""
    if value not in cx.CATEGORIES:
        return reply.set(**{SLOT_CATEGORY: None})
    if value == "line_damage":
        reply.say("complaint_safety", helpline=services.settings.helpline)
    return reply


def validate_complaint_ivrs(turn: Turn, services: Services, reply: Reply, value: Optional[str]) -> Reply:
    """The complaint's connection, checked as in the bill lookup (no connection type asked)."""
    return validate_ivrs(turn, services, reply, value, check_area=False)


def extract_complaint_confirmation(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Yes / no / 1 / 2 to the summary; another IVRS number changes the connection;
    other words about the fault ("near the temple") are added to the details."""
    if not _asked(turn, SLOT_CONFIRMATION) or not _is_answer(turn, CONFIRMATION_ANSWERS):
        return reply
    number = option_number(turn) if turn.intent == "choose_option" or turn.norm.strip().isdigit() else None
    decision = complaints.yes_or_no(turn, number)
    if decision is not None:
        return reply.set(**{SLOT_CONFIRMATION: decision})
    if number is not None:
        reply.say("valid_choices", choices="1, 2")
        return reply.set(**{SLOT_CONFIRMATION: None})
    ivrs = connection.ivrs_in_turn(turn)
    if ivrs and ivrs != turn.slot(SLOT_IVRS):
        return reply.set(**{SLOT_IVRS: ivrs, SLOT_CONFIRMATION: None})
    complaints.add_details(turn, reply, turn.text)
    return reply.set(**{SLOT_CONFIRMATION: None})


def validate_complaint_confirmation(turn: Turn, services: Services, reply: Reply,
                                    value: Optional[str]) -> Reply:
    """Only the answers the rules after the form know."""
    known = ("confirmed", "cancelled", "already_open")
    return reply if value is None or value in known else reply.set(**{SLOT_CONFIRMATION: None})


def check_open_complaint(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Once the category and the connection are known: an open complaint of the
    same kind on it ends the form (``already_open``), with its number."""
    category, ivrs = _slot(turn, reply, SLOT_CATEGORY), _slot(turn, reply, SLOT_IVRS)
    if not (category and ivrs) or _slot(turn, reply, SLOT_CONFIRMATION):
        return reply
    if complaints.say_if_open(turn, services, reply, ivrs, category):
        reply.set(**{SLOT_CONFIRMATION: "already_open"})
    return reply
