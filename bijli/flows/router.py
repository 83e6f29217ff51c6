"""The handler behind each Rasa action (``INTENTS``: entry point -> handler).

Which action runs when is Rasa's: data/rules/ and data/stories/. A menu
number outside a form is read here against the menu shown last (slot
``menu``) into the slot ``choice``; data/rules/menus.yml names what each
option starts. The forms' steps are bijli/flows/forms.py.
"""
from typing import Callable, Dict, Optional

from bijli.flows import billing, complaints, connection, history, info, payments
from bijli.flows.core import (
    SLOT_AREA,
    SLOT_ATTEMPTS,
    SLOT_CHOICE,
    SLOT_CHOICES,
    SLOT_FALLBACKS,
    SLOT_LANGUAGE,
    SLOT_LOOKUP_METHOD,
    SLOT_MENU,
    SLOT_PURPOSE,
    Reply,
    Services,
    Turn,
    new_reply,
    option_number,
)
from bijli.menus import load_menus, menu
from bijli.preferences import set_language
from bijli.vocab import AREA_TYPES, LANGUAGES
from bijli.whatsapp import reminders as bill_reminders

Handler = Callable[[Turn, Services, Reply], Reply]

_MENU_WORDS = {"0", "menu", "main menu", "मेनू", "मुख्य मेनू", "start", "restart", "शुरू"}


# -- simple replies -------------------------------------------------------

def main_menu(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Show the main menu and forget the lookup under way (purpose, tries, choices, connection type)."""
    # Not the slots the rules branched on to get here (lookup_failed, complaint_confirmation):
    # Rasa must still see the rule that ran; each form's start action resets them.
    reply.set(**{SLOT_PURPOSE: None, SLOT_ATTEMPTS: 0, SLOT_CHOICES: None, SLOT_FALLBACKS: 0,
                 SLOT_AREA: None, SLOT_LOOKUP_METHOD: None, complaints.SLOT_CATEGORY: None,
                 complaints.SLOT_DETAILS: None, complaints.SLOT_DRAFT: None})
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
    if turn.slot(SLOT_MENU) == complaints.WAIT_STATUS:
        return complaints.status_input(turn, services, reply)
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


# -- the bill lookup and the complaint (forms; data/rules/forms.yml) -----------------

def _chosen(turn: Turn) -> Optional[str]:
    """The menu option read this turn (slot ``choice``), when a menu answer started the step."""
    return turn.slot(SLOT_CHOICE) if turn.intent in CHOICE_INTENTS else None


def start_lookup(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Before ``bill_lookup_form``: its purpose (from the intent or the menu
    option) and whatever the message already answers. A menu option asks every
    question; a free-text request ("mera bill kitna hai") only the missing ones."""
    choice = _chosen(turn)
    if choice == CHOICE_BILL_LOOKUP:  # an IVRS number or connection type typed out of the blue
        purpose = turn.slot(SLOT_PURPOSE) or "view"
        return billing.start_lookup(turn, services, reply, purpose, free_text=True)
    if choice:
        return billing.start_lookup(turn, services, reply, billing.PURPOSES.get(choice, "view"))
    return billing.start_lookup(turn, services, reply, billing.PURPOSES.get(turn.intent, "view"),
                                free_text=True)


def start_complaint(turn: Turn, services: Services, reply: Reply) -> Reply:
    """Before ``complaint_form``: a new draft, with what the message already says."""
    choice = _chosen(turn)
    if choice == "reconnect_complaint":
        return complaints.reconnection(turn, services, reply)
    if turn.intent == "report_no_supply":
        return complaints.report_no_supply(turn, services, reply)
    return complaints.register(turn, services, reply)


def ivrs_help(turn: Turn, services: Services, reply: Reply) -> Reply:
    """"What is IVRS?": where it is printed; then the lookup form asks how to
    look the bill up (the registered mobile needs no IVRS number)."""
    purpose = turn.slot(SLOT_PURPOSE) or "view"
    billing.start_lookup(turn, services, reply, purpose)
    return reply.say("ivrs_help")


# -- menu answers outside the forms -------------------------------------------------

CHOICE_INTENTS = ("choose_option", "inform", "affirm", "deny")
CHOICE_MAIN_MENU = "main_menu"    # "0", "menu", "no": back to the main menu
CHOICE_HANDLED = "handled"        # answered here (a correction, a status number): wait
CHOICE_BILL_LOOKUP = "bill_lookup"  # an IVRS number or connection type typed outside a menu
EXTRA_CHOICES = (CHOICE_MAIN_MENU, CHOICE_HANDLED, CHOICE_BILL_LOOKUP)


def read_choice(turn: Turn, services: Services, reply: Reply) -> Reply:
    """A number, yes/no or a detail outside the forms, read against the menu shown
    last. Sets ``choice`` to the option's id (bijli/menus.yml); the rules in
    data/rules/menus.yml say what each option starts."""
    text = turn.norm.strip().lower()
    current = turn.slot(SLOT_MENU)
    if text in _MENU_WORDS:
        return _choice(reply, CHOICE_MAIN_MENU)
    if current == complaints.WAIT_STATUS:
        complaints.status_input(turn, services, reply)
        return _choice(reply, CHOICE_HANDLED)
    if connection.ivrs_in_turn(turn) and turn.intent != "choose_option":
        return _choice(reply, CHOICE_BILL_LOOKUP)
    if turn.entities.get("area_type") in AREA_TYPES and current not in _ANSWERABLE:
        return _choice(reply, CHOICE_BILL_LOOKUP)
    if turn.intent == "affirm" and current == "bill":
        return _choice(reply, "pay")
    if turn.intent == "deny":
        return _choice(reply, CHOICE_MAIN_MENU)
    number = option_number(turn)
    shown = menu(current) if current in _ANSWERABLE else menu("main")
    if number is None:
        reply.say("fallback")
        reply.show_menu(shown.id)
        return _choice(reply, CHOICE_HANDLED)
    if number == 0:
        return _choice(reply, CHOICE_MAIN_MENU)
    option = shown.option(number)
    if option is None:
        reply.say("valid_choices", choices=", ".join(str(n) for n in shown.valid_numbers()))
        reply.show_menu(shown.id)
        return _choice(reply, CHOICE_HANDLED)
    reply.set(**{SLOT_FALLBACKS: 0})
    return _choice(reply, option.id)


def _choice(reply: Reply, value: str) -> Reply:
    return reply.set(**{SLOT_CHOICE: value})


# Menus answered outside the forms (the forms read their own: menus.yml `slot`).
_ANSWERABLE = tuple(m.id for m in load_menus().values() if m.slot is None)


def language_choice(turn: Turn, services: Services, reply: Reply) -> Reply:
    """The language named in the message or picked on the language menu; else the language menu."""
    wanted = _chosen(turn) or (turn.entities.get("language") or "").lower()
    if wanted in LANGUAGES:
        return set_lang(wanted)(turn, services, reply)
    return reply.show_menu("language")


def switch_language(turn: Turn, services: Services, reply: Reply) -> Reply:
    """"English please" inside a form: switch and say so; the form asks its question again."""
    wanted = (turn.entities.get("language") or "").lower()
    if wanted not in LANGUAGES:
        wanted = "en" if reply.lang == "hi" else "hi"
    set_language(services.db, turn.sender, wanted)
    reply.lang = wanted
    reply.store_language = wanted
    reply.set(**{SLOT_LANGUAGE: wanted})
    return reply.say("language_set")


def reminders_choice(turn: Turn, services: Services, reply: Reply) -> Reply:
    """On / off picked on the reminders menu."""
    return set_reminders(_chosen(turn) == "reminders_on")(turn, services, reply)


def _reshow(turn: Turn, services: Services, reply: Reply, current: Optional[str]) -> Reply:
    if current in load_menus():
        return reply.show_menu(current)
    return reply.show_menu("main")


# Each entry point is one Rasa action (actions/dialogue.py); which one runs
# when is said by the rules and stories in data/.
INTENTS: Dict[str, Handler] = {
    "main_menu": main_menu,
    "read_choice": read_choice,
    "start_lookup": start_lookup,
    "show_bill": billing.show_bill,
    "show_history": history.show_history,
    "pay": billing.pay,
    "start_complaint": start_complaint,
    "file_complaint": complaints.file_complaint,
    "cancel_complaint": complaints.cancel_complaint,
    "payment_status": payments.payment_status,
    "complaint_status": complaints.status,
    "new_connection": info.new_connection,
    "change_language": language_choice,
    "switch_language": switch_language,
    "reminders": reminders_menu,
    "set_reminders": reminders_choice,
    "human_handoff": info.handoff,
    "ivrs_help": ivrs_help,
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
