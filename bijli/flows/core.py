"""The types every flow uses, and the language decision."""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Dict, List, Optional

from bijli.db import Database
from bijli.i18n import t
from bijli.menus import Menu, menu
from bijli.nlu_rules import parse_menu_choice
from bijli.settings import Settings
from bijli.text import detect_language, normalize

# Conversation slots the flows read and write (all declared in domain/).
SLOT_LANGUAGE = "language"
SLOT_MENU = "menu"            # id of the menu shown last (or complaint_status_entry)
SLOT_PURPOSE = "purpose"      # what a consumer lookup is for: pay / view / ...
SLOT_AREA = "area_type"
SLOT_IVRS = "ivrs"
SLOT_ATTEMPTS = "ivrs_attempts"
SLOT_CHOICES = "choices"      # IVRS numbers listed for a dynamic pick
SLOT_FALLBACKS = "fallback_count"
SLOT_PAYMENT_REF = "payment_ref"
SLOT_LOOKUP_METHOD = "lookup_method"   # bill lookup form: mobile / ivrs
SLOT_LOOKUP_FAILED = "lookup_failed"   # 3 wrong IVRS numbers (or the daily limit) ended a form
SLOT_CHOICE = "choice"                 # the option read from a menu outside the forms (data/rules/menus.yml)
SLOT_REQUESTED = "requested_slot"      # the question a form asked last (Rasa's)

MAX_MENU_BUTTONS = 10         # WhatsApp lists hold at most 10 rows; longer menus stay numbered text


@dataclass
class Services:
    db: Database
    settings: Settings


@dataclass
class Turn:
    sender: str
    text: str
    intent: str = ""
    entities: Dict[str, str] = field(default_factory=dict)
    slots: Dict[str, Any] = field(default_factory=dict)
    stored_language: Optional[str] = None
    # The web chat's key for the client's network (bijli/webchat.py): the daily lookup
    # limit counts it too, since a web chat sender is a session anyone can renew.
    client_key: Optional[str] = None

    def slot(self, name: str, default: Any = None) -> Any:
        value = self.slots.get(name)
        return default if value is None else value

    @cached_property
    def norm(self) -> str:
        """The normalised message text (computed once per turn)."""
        return normalize(self.text)


@dataclass
class Message:
    text: str = ""
    buttons: List[Dict[str, str]] = field(default_factory=list)
    image: Optional[str] = None
    custom: Optional[Dict[str, Any]] = None


@dataclass
class Reply:
    lang: str
    messages: List[Message] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    # Set when the conversation's language was chosen explicitly and must be stored.
    store_language: Optional[str] = None

    def say(self, key: str, **values) -> "Reply":
        self.messages.append(Message(text=t(key, self.lang, **values)))
        return self

    def text(self, text: str, buttons: Optional[List[Dict[str, str]]] = None) -> "Reply":
        self.messages.append(Message(text=text, buttons=list(buttons or [])))
        return self

    def set(self, **slots: Any) -> "Reply":
        self.slots.update(slots)
        return self

    def show_menu(self, menu_id: str, title: Optional[str] = None, footer: bool = True) -> "Reply":
        m: Menu = menu(menu_id)
        body = m.render(self.lang, title)
        if footer and menu_id != "main":
            body += "\n" + t("menu_footer", self.lang)
        # Up to 3 options become reply buttons (short labels); 4 to 10 a WhatsApp list, whose
        # rows show the whole label (the channel splits it into title and description).
        # The numbered text stays in the body, so a typed number works everywhere.
        buttons = []
        if len(m.options) <= 3:
            buttons = [{"title": opt.button(self.lang), "payload": str(i)}
                       for i, opt in enumerate(m.options, start=1)]
        elif len(m.options) <= MAX_MENU_BUTTONS:
            buttons = [{"title": opt.label(self.lang), "payload": str(i)}
                       for i, opt in enumerate(m.options, start=1)]
        self.messages.append(Message(text=body, buttons=buttons))
        self.slots[SLOT_MENU] = menu_id
        return self


def option_number(turn: Turn) -> Optional[int]:
    """The menu number the user chose: the NLU's ``option`` entity, else a bare
    choice in the text ("2", "option 2", "दूसरा"), read by the same rule as the
    NLU's MenuNumberResolver. "do din se" or "₹500" is no choice."""
    value = turn.entities.get("option")
    if value is not None and str(value).strip().isdigit():
        return int(str(value).strip())
    choice = parse_menu_choice(turn.norm)
    return int(choice) if choice is not None else None


def decide_language(turn: Turn, default: str = "hi") -> str:
    """The message's own language if it shows one, else the conversation's,
    else the sender's stored choice, else the default (Hindi)."""
    return (detect_language(turn.text) or turn.slots.get(SLOT_LANGUAGE)
            or turn.stored_language or default)


def new_reply(turn: Turn, services: Services) -> Reply:
    """A Reply in the right language that also records the language slot."""
    lang = decide_language(turn, services.settings.default_language)
    return Reply(lang=lang, slots={SLOT_LANGUAGE: lang})
