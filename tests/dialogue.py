"""A conversation for the unit tests, through the bijli handlers, without Rasa.

The dialogue's structure is Rasa's (data/rules/, domain/forms.yml), and
`rasa test` plus the e2e tests check it with the real servers. The unit tests
need many conversations on a fresh database each, in milliseconds, so this
driver walks the same structure: it routes an intent as data/rules/core.yml and
forms.yml do, a menu choice as data/rules/menus.yml says (read from the file),
and runs a form as Rasa's FormAction and rasa-sdk's FormValidationAction do
(extract each required slot, validate what changed, ask the next question or
finish, then the step after the form). A digression is what data/rules/
digressions.yml says.
"""
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bijli.flows import forms
from bijli.flows.core import SLOT_LANGUAGE, SLOT_REQUESTED, Reply, Turn, new_reply
from bijli.flows.router import handle

ROOT = Path(__file__).resolve().parents[1]

ORDER = {name: spec["required_slots"] for name, spec in
         yaml.safe_load((ROOT / "domain" / "forms.yml").read_text(encoding="utf-8"))["forms"].items()}

FORMS: Dict[str, Dict[str, Any]] = {
    forms.LOOKUP_FORM: {
        "required": lambda slots: forms.required_lookup(slots, ORDER[forms.LOOKUP_FORM]),
        "extract": {"lookup_method": forms.extract_lookup_method, "area_type": forms.extract_area_type,
                    "ivrs": forms.extract_ivrs},
        "validate": {"lookup_method": forms.validate_lookup_method, "area_type": forms.validate_area_type,
                     "ivrs": forms.validate_ivrs},
        "after": None,
        "ask": {"lookup_method": forms.ask_lookup_method, "area_type": forms.ask_area_type,
                "ivrs": forms.ask_ivrs},
    },
    forms.COMPLAINT_FORM: {
        "required": lambda slots: forms.required_complaint(slots, ORDER[forms.COMPLAINT_FORM]),
        "extract": {"complaint_category": forms.extract_complaint_category, "ivrs": forms.extract_ivrs,
                    "complaint_confirmation": forms.extract_complaint_confirmation},
        "validate": {"complaint_category": forms.validate_complaint_category,
                     "ivrs": forms.validate_complaint_ivrs,
                     "complaint_confirmation": forms.validate_complaint_confirmation},
        "after": forms.check_open_complaint,
        "ask": {"complaint_category": forms.ask_complaint_category, "ivrs": forms.ask_complaint_ivrs,
                "complaint_confirmation": forms.ask_complaint_confirmation},
    },
}

START = {"pay_bill": ["start_lookup", forms.LOOKUP_FORM], "check_bill": ["start_lookup", forms.LOOKUP_FORM],
         "past_bills": ["start_lookup", forms.LOOKUP_FORM],
         "register_complaint": ["start_complaint", forms.COMPLAINT_FORM],
         "report_no_supply": ["start_complaint", forms.COMPLAINT_FORM],
         "ivrs_help": ["ivrs_help", forms.LOOKUP_FORM],
         "greet": ["main_menu"], "show_menu": ["main_menu"], "nlu_fallback": ["fallback"]}
CHOICE_INTENTS = ("choose_option", "inform", "affirm", "deny")
LEAVE = ("payment_status", "complaint_status", "new_connection", "human_handoff", "goodbye")


def choice_rules() -> Dict[str, List[str]]:
    """choice value -> steps, from data/rules/menus.yml (entries and forms)."""
    doc = yaml.safe_load((ROOT / "data" / "rules" / "menus.yml").read_text(encoding="utf-8"))
    found = {}
    for rule in doc["rules"]:
        first = next(s["slot_was_set"] for s in rule["steps"] if "slot_was_set" in s)
        [[_, value]] = [list(item.items())[0] for item in first]
        steps = [s["action"] for s in rule["steps"][2:] if "action" in s and s["action"] != "action_listen"]
        found[str(value)] = [a if a.endswith("_form") else a[len("action_"):] for a in steps]
    return found


class Conversation:
    """One sender's conversation: slots and the active form carried from turn to turn."""

    def __init__(self, services, sender: str, lang: Optional[str] = None):
        self.services, self.sender = services, sender
        self.slots: Dict[str, Any] = {"lookup_failed": False}
        if lang:
            self.slots[SLOT_LANGUAGE] = lang
        self.loop: Optional[str] = None
        self.replies: List[Reply] = []
        self._choices = choice_rules()
        self._text, self._intent, self._entities = "", "", {}
        self._changed: List[str] = []

    # -- one user message --------------------------------------------------------------
    def say(self, text: str, intent: str, entry: Optional[str] = None, **entities: str) -> str:
        """Send a message as the NLU would read it; return the bot's texts, joined.
        (``entry`` is accepted and ignored: the intent decides, as in Rasa.)"""
        if intent == "choose_option" and text.strip().isdigit():
            entities.setdefault("option", text.strip())
        self._text, self._intent, self._entities = text, intent, dict(entities)
        self.replies = []
        self._changed: List[str] = []
        if self.loop and self._form_turn():
            return self.text
        if self.loop:
            self._digression()
        else:
            self._route()
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(m.text for r in self.replies for m in r.messages)

    @property
    def messages(self):
        return [m for r in self.replies for m in r.messages]

    @property
    def last(self) -> Reply:
        """The whole answer to the last message, as one Reply."""
        lang = self.replies[-1].lang if self.replies else "hi"
        return Reply(lang=lang, messages=self.messages, slots=dict(self.slots))

    reply = last

    # -- the rules -------------------------------------------------------------------------
    def _route(self) -> None:
        if self._intent in CHOICE_INTENTS:
            self._run("read_choice")
            for step in self._choices[self.slots["choice"]]:
                self._run(step)
            return
        for step in START.get(self._intent, [self._intent]):
            self._run(step)

    def _digression(self) -> None:
        intent, loop = self._intent, self.loop
        if intent in ("show_menu", "greet"):
            self._deactivate()
            self._run("main_menu")
        elif intent in ("report_no_supply", "register_complaint"):
            self._deactivate()
            self._run("start_complaint")
            self._run(forms.COMPLAINT_FORM)
        elif intent in ("pay_bill", "check_bill", "past_bills"):
            self._deactivate()
            self._run("start_lookup")
            self._run(forms.LOOKUP_FORM)
        elif intent == "change_language":
            self._run("switch_language")
            self._ask_or_finish(loop)
        elif intent in ("thank", "bot_challenge"):
            self._run(intent)
            self._ask_or_finish(loop)
        elif intent in LEAVE:
            self._deactivate()
            self._run(intent)
        elif intent in CHOICE_INTENTS:  # e.g. "0" read as a choice: the menu rules, which end the form
            self._route()
        else:  # no rule names it: Rasa's policies would guess; the tests never go here
            raise AssertionError(f"no digression rule for {intent} in {loop}")

    def _run(self, step: str) -> None:
        if step in FORMS:
            self._activate(step)
            return
        self._apply(handle(step, self._turn(), self.services))

    # -- forms, as Rasa runs them -----------------------------------------------------------
    def _activate(self, form: str) -> None:
        self.loop = form
        self.slots[SLOT_REQUESTED] = None
        changed = [name for name in self._set_this_turn if name in FORMS[form]["required"](self.slots)]
        self._validate(form, changed)
        self._ask_or_finish(form)

    def _form_turn(self) -> bool:
        """The form's step on a user message; False if it rejected (nothing was an answer)."""
        form = self.loop
        spec = FORMS[form]
        extracted: Dict[str, Any] = {}
        for name in spec["required"](self.slots):
            reply = self._step(spec["extract"][name])
            found = {k: v for k, v in reply.slots.items() if k != SLOT_LANGUAGE}
            extracted.update(found)
            self.slots.update(found)
            if reply.messages:
                self.replies.append(reply)
        if not extracted:
            return False
        self._changed.extend(extracted)
        self._validate(form, [n for n in extracted if n in spec["required"](self.slots)])
        self._ask_or_finish(form)
        return True

    def _validate(self, form: str, names: List[str]) -> None:
        spec = FORMS[form]
        for name in names:
            check = spec["validate"].get(name)
            if check is not None:
                self._apply(self._step(check, self.slots.get(name)))
        if spec["after"] is not None:
            self._apply(self._step(spec["after"]))

    def _ask_or_finish(self, form: str) -> None:
        spec = FORMS[form]
        missing = [n for n in spec["required"](self.slots) if self.slots.get(n) is None]
        if missing:
            self.slots[SLOT_REQUESTED] = missing[0]
            self._apply(self._step(spec["ask"][missing[0]]))
            return
        self._deactivate()
        self._run(self._after(form))

    def _after(self, form: str) -> str:
        """data/rules/forms.yml: what follows a finished form."""
        if self.slots.get("lookup_failed"):
            return "main_menu"
        if form == forms.LOOKUP_FORM:
            return "show_history" if self.slots.get("purpose") == "history" else "show_bill"
        return {"confirmed": "file_complaint", "cancelled": "cancel_complaint",
                "already_open": "main_menu"}[self.slots["complaint_confirmation"]]

    def _deactivate(self) -> None:
        self.loop = None
        self.slots[SLOT_REQUESTED] = None

    # -- plumbing ----------------------------------------------------------------------------
    def _turn(self) -> Turn:
        return Turn(sender=self.sender, text=self._text, intent=self._intent, entities=dict(self._entities),
                    slots=dict(self.slots))

    def _step(self, fn, *args) -> Reply:
        turn = self._turn()
        return fn(turn, self.services, new_reply(turn, self.services), *args)

    @property
    def _set_this_turn(self) -> List[str]:
        return list(self._changed)

    def _apply(self, reply: Reply) -> None:
        self.replies.append(reply)
        for name, value in reply.slots.items():
            self.slots[name] = value
            if name not in self._changed:
                self._changed.append(name)
        if reply.slots.get("menu") == "main" and self.loop:
            self._deactivate()
