"""Where each intent and each menu option goes.

``INTENTS`` maps an intent-level entry point (one Rasa action each) to its
handler; ``OPTIONS`` maps a menu option id (``bijli/menus.yml``) to its
handler. Menu numbers are read against the menu shown last (slot ``menu``).
"""
from typing import Callable, Dict, Optional

from bijli.flows import billing, complaints, history, info, payments
from bijli.flows.core import (
    PICK_CONNECTION,
    SLOT_AREA,
    SLOT_ATTEMPTS,
    SLOT_CHOICES,
    SLOT_FALLBACKS,
    SLOT_LANGUAGE,
    SLOT_MENU,
    SLOT_PURPOSE,
    WAIT_IVRS,
    Reply,
    Services,
    Turn,
    new_reply,
)
from bijli.menus import load_menus, menu
from bijli.nlu_rules import parse_menu_choice
from bijli.preferences import set_language
from bijli.whatsapp import reminders as bill_reminders

Handler = Callable[[Turn, Services, Reply], Reply]

_MENU_WORDS = {"0", "menu", "main menu", "मेनू", "मुख्य मेनू", "start", "restart", "शुरू"}


def option_number(turn: Turn) -> Optional[int]:
    """The menu number the user chose: the NLU's ``option`` entity, else a bare
    choice in the text ("2", "option 2", "दूसरा"), read by the same rule as the
    NLU's MenuNumberResolver. "do din se" or "₹500" is no choice."""
    value = turn.entities.get("option")
    if value is not None and str(value).strip().isdigit():
        return int(str(value).strip())
    choice = parse_menu_choice(turn.norm)
    return int(choice) if choice is not None else None


# -- simple replies -------------------------------------------------------

def main_menu(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Show the main menu and forget the lookup under way (purpose, tries, choices, connection type)."""
    reply.set(**{SLOT_PURPOSE: None, SLOT_ATTEMPTS: 0, SLOT_CHOICES: None, SLOT_FALLBACKS: 0,
                 SLOT_AREA: None})
    return reply.show_menu("main")


def goodbye(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Say goodbye."""
    return reply.say("goodbye")


def thank(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Answer thanks."""
    return reply.say("thank")


def bot_challenge(turn: Turn, services: Services, reply: Reply) -> Reply:
    """"Are you a bot?": say so, and where a person answers."""
    return reply.say("bot_challenge", helpline=services.settings.helpline)


def out_of_scope(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Not about electricity (or not understood at all): say what we can do.
    Counts as a miss, so the second one in a row offers the helpline."""
    misses = int(turn.slot(SLOT_FALLBACKS, 0) or 0) + 1
    reply.say("out_of_scope")
    if misses >= 2:
        reply.say("fallback_helpline", helpline=services.settings.helpline)
    reply.show_menu("main")
    return reply.set(**{SLOT_FALLBACKS: misses})


def fallback(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Low NLU confidence: never guess an action. Say so, show the menu;
    the second miss in a row offers the helpline."""
    if turn.slot(SLOT_MENU) in (WAIT_IVRS, *complaints.WAITING) or option_number(turn) is not None:
        return menu_choice(turn, services, reply)
    misses = int(turn.slot(SLOT_FALLBACKS, 0) or 0) + 1
    reply.say("fallback")
    if misses >= 2:
        reply.say("fallback_helpline", helpline=services.settings.helpline)
    reply.show_menu("main")
    return reply.set(**{SLOT_FALLBACKS: misses})


# -- language -------------------------------------------------------------

def set_lang(lang: str) -> Handler:
    """A handler that stores language ``lang`` for the sender and shows the main menu in it."""
    def handler(turn: Turn, services: Services, reply: Reply) -> Reply:
        set_language(services.db, turn.sender, lang)
        reply.lang = lang
        reply.set(**{SLOT_LANGUAGE: lang})
        reply.store_language = lang
        reply.say("language_set")
        return reply.show_menu("main")
    return handler


def change_language(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Switch to the language named in the message, else offer the language menu."""
    wanted = (turn.entities.get("language") or "").lower()
    if wanted in ("hi", "en"):
        return set_lang(wanted)(turn, services, reply)
    return reply.show_menu("language")


# -- bill reminders on WhatsApp (main menu option 9) ---------------------------

def reminders_menu(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Say whether reminders are on, and offer on / off."""
    state = bill_reminders.consent_state(services.db, turn.sender)
    reply.say("reminders_state_on" if state == "in" else "reminders_state_off")
    return reply.show_menu("reminders")


def set_reminders(on: bool) -> Handler:
    """A handler that turns the sender's WhatsApp bill reminders on or off."""
    def handler(turn: Turn, services: Services, reply: Reply) -> Reply:
        bill_reminders.set_consent(services.db, turn.sender, on)
        if on:
            reply.say("reminders_turned_on", number=menu("main").number_of("reminders"))
        else:
            reply.say("reminders_turned_off")
        return reply.show_menu("main")
    return handler


# -- bill entry points ----------------------------------------------------

def pay_bill(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Main-menu "Pay bill": the walk-through, for paying."""
    return billing.start_lookup(turn, services, reply, "pay")


def check_bill(turn: Turn, services: Services, reply: Reply) -> Reply:
    """"Check my bill": the walk-through, for viewing the bill."""
    return billing.start_lookup(turn, services, reply, "view")


def free_text_lookup(purpose: str) -> Handler:
    """A bill question in free text: ask only for what is still missing."""
    def handler(turn: Turn, services: Services, reply: Reply) -> Reply:
        return billing.start_lookup(turn, services, reply, purpose, free_text=True)
    return handler


OPTIONS: Dict[str, Handler] = {
    # main menu
    "complaint": complaints.register,
    "pay_bill": pay_bill,
    "view_bill": history.start_history,
    "complaint_status": complaints.status,
    "payment_status": payments.payment_status,
    "new_connection": info.new_connection,
    "language": lambda turn, services, reply: reply.show_menu("language"),
    "helpline": info.handoff,
    "reminders": reminders_menu,
    "reminders_on": set_reminders(True),
    "reminders_off": set_reminders(False),
    # lookup method
    "by_mobile": billing.by_mobile,
    "by_ivrs": billing.by_ivrs,
    # connection type
    "urban": lambda turn, services, reply: billing.choose_area(turn, services, reply, "urban"),
    "rural": lambda turn, services, reply: billing.choose_area(turn, services, reply, "rural"),
    "agriculture": lambda turn, services, reply: billing.choose_area(turn, services, reply, "agriculture"),
    # after a bill
    "pay": billing.pay,
    # complaint categories and the yes/no before filing
    **{"cat_" + cat: complaints.choose_category(cat) for cat in complaints.cx.CATEGORIES},
    "confirm_complaint": complaints.file_complaint,
    "cancel_complaint": lambda turn, services, reply: complaints.confirm_input(turn, services, reply, 2),
    # paid, but the supply is still cut (after payment status)
    "reconnect_complaint": complaints.reconnection,
    # language
    "hi": set_lang("hi"),
    "en": set_lang("en"),
}


def menu_choice(turn: Turn, services: Services, reply: Reply) -> Reply:
    """A bare number, a yes/no or a detail, read against the menu shown last."""
    text = turn.norm.strip().lower()
    if text in _MENU_WORDS:
        return main_menu(turn, services, reply)
    current = turn.slot(SLOT_MENU)
    if current == WAIT_IVRS:
        return billing.ivrs_input(turn, services, reply)
    if current in complaints.WAITING:
        return complaints.waiting_input(turn, services, reply, option_number(turn))
    ivrs = billing.ivrs_in_turn(turn)
    if ivrs and turn.intent in ("inform", "check_bill", "pay_bill"):
        return billing.lookup(turn, services, reply, ivrs)
    area = turn.entities.get("area_type")
    if area in ("urban", "rural", "agriculture") and current in ("area", "lookup_method", None, "main"):
        return billing.choose_area(turn, services, reply, area)
    if turn.intent == "affirm" and current == "bill":
        return billing.pay(turn, services, reply)
    if turn.intent == "deny":
        return main_menu(turn, services, reply)
    number = option_number(turn)
    if number is None:
        reply.say("fallback")
        return _reshow(turn, services, reply, current)
    if number == 0:
        return main_menu(turn, services, reply)
    if current == PICK_CONNECTION:
        return billing.pick_connection(turn, services, reply, number)
    shown = menu(current) if current in load_menus() else menu("main")
    option = shown.option(number)
    if option is None:
        reply.say("valid_choices", choices=", ".join(str(n) for n in shown.valid_numbers()))
        return reply.show_menu(shown.id)
    reply.set(**{SLOT_FALLBACKS: 0})
    return OPTIONS[option.id](turn, services, reply)


def _reshow(turn: Turn, services: Services, reply: Reply, current: Optional[str]) -> Reply:
    if current in load_menus():
        return reply.show_menu(current)
    return reply.show_menu("main")


INTENTS: Dict[str, Handler] = {
    "greet": main_menu,
    "show_menu": main_menu,
    "choose_option": menu_choice,
    "inform": menu_choice,
    "affirm": menu_choice,
    "deny": menu_choice,
    "pay_bill": free_text_lookup("pay"),
    "check_bill": free_text_lookup("view"),
    "past_bills": free_text_lookup(history.PURPOSE),
    "payment_status": payments.payment_status,
    "register_complaint": complaints.register,
    "report_no_supply": complaints.report_no_supply,
    "complaint_status": complaints.status,
    "new_connection": info.new_connection,
    "change_language": change_language,
    "human_handoff": info.handoff,
    "ivrs_help": info.ivrs_help,
    "out_of_scope": out_of_scope,
    "goodbye": goodbye,
    "thank": thank,
    "bot_challenge": bot_challenge,
    "fallback": fallback,
}


def handle(entry: str, turn: Turn, services: Services) -> Reply:
    """Run the handler for an entry point and return its Reply."""
    reply = new_reply(turn, services)
    if entry not in ("fallback", "out_of_scope"):
        reply.set(**{SLOT_FALLBACKS: 0})
    return INTENTS[entry](turn, services, reply)
