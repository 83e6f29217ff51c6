"""Turns a Rasa tracker into a ``bijli`` Turn and a Reply into Rasa events.

Blocking work (SQLAlchemy) runs in a thread pool so the action server's
event loop stays free. A flow that raises never leaves the consumer in
silence: they get a short apology with the helpline and an error id, the log
gets the same id with the stack trace.
"""
import asyncio
import logging
import secrets
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bijli.db import Database
from bijli.flows.core import SLOT_LANGUAGE, SLOT_MENU, SLOT_REQUESTED, Reply, Services, Turn, decide_language
from bijli.flows.router import handle
from bijli.i18n import t
from bijli.preferences import get_language
from bijli.privacy import mask_mobile
from bijli.settings import Settings
from bijli.webchat import CLIENT_KEY, WEBCHAT_CHANNEL

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _services_for(settings: Settings) -> Services:
    # One engine (connection pool) per database URL per process, made on first use.
    return Services(db=Database(settings.database_url), settings=settings)


def get_services() -> Services:
    """The services for this process's settings (built once, then shared by every action)."""
    return _services_for(Settings.from_env())


def entities_of(tracker: Tracker) -> Dict[str, str]:
    """The first value of each entity in the latest message, as text (Rasa may give numbers)."""
    found: Dict[str, str] = {}
    for ent in tracker.latest_message.get("entities") or []:
        name, value = ent.get("entity"), ent.get("value")
        if name and value is not None and name not in found:
            found[name] = str(value)
    return found


def turn_from_tracker(tracker: Tracker, services: Services) -> Turn:
    """The tracker as a `Turn`, so that `bijli` never sees Rasa's types."""
    message = tracker.latest_message or {}
    slots = dict(tracker.slots)
    sender = tracker.sender_id or ""
    stored = None
    if not slots.get(SLOT_LANGUAGE):
        stored = get_language(services.db, sender)
    return Turn(
        sender=sender,
        text=message.get("text") or "",
        intent=(message.get("intent") or {}).get("name") or "",
        entities=entities_of(tracker),
        slots=slots,
        stored_language=stored,
        client_key=client_key_of(tracker),
    )


def client_key_of(tracker: Tracker) -> Optional[str]:
    """The web chat's client key from the message's metadata; other channels' metadata is not believed."""
    if tracker.get_latest_input_channel() != WEBCHAT_CHANNEL:
        return None
    value = ((tracker.latest_message or {}).get("metadata") or {}).get(CLIENT_KEY)
    return value if isinstance(value, str) and value else None


def slot_events(tracker: Tracker, slots: Dict[str, Any]) -> List[Dict[Text, Any]]:
    """SlotSet events for the slots whose value changes.

    A slot set to the value it holds changes nothing in the dialogue, but every event is
    stored, reloaded, featurised and sent back to this server on each later turn of the
    session (issue 19: a walk-through wrote 48 slot events, 25 of them unchanged).
    """
    current = tracker.slots
    return [SlotSet(name, value) for name, value in slots.items()
            if name not in current or not _same(current[name], value)]


def _same(held: Any, value: Any) -> bool:
    # False == 0 in Python, but not to a slot.
    return isinstance(held, bool) == isinstance(value, bool) and held == value


def apply_reply(reply: Reply, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Send the reply's messages through the dispatcher and return the events of its changed slots."""
    for msg in reply.messages:
        kwargs: Dict[str, Any] = {}
        if msg.text:
            kwargs["text"] = msg.text
        if msg.buttons:
            kwargs["buttons"] = msg.buttons
        if msg.image:
            kwargs["image"] = msg.image
        if msg.custom:
            kwargs["json_message"] = msg.custom
        dispatcher.utter_message(**kwargs)
    return slot_events(tracker, reply.slots)


def run_flow(entry: str, tracker: Tracker, services: Services) -> Reply:
    """Run the `bijli` flow named `entry` on the tracker's latest turn."""
    turn = turn_from_tracker(tracker, services)
    logger.info("flow %s for %s (intent %s)", entry, mask_mobile(turn.sender), turn.intent)
    return handle(entry, turn, services)


class FlowAction(Action):
    """Runs the ``bijli`` flow entry point named by ``entry``."""

    entry: str = ""
    starts_form: bool = False   # sets up a form that the rules run next

    def name(self) -> Text:
        return "action_" + self.entry

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            services = get_services()
            loop = asyncio.get_running_loop()
            reply = await loop.run_in_executor(None, run_flow, self.entry, tracker, services)
        except Exception:
            error_id = new_error_id()
            logger.exception("action %s failed for %s: error %s", self.name(),
                             mask_mobile(tracker.sender_id or ""), error_id)
            # Nothing of the failed reply is sent and no slot changes: the
            # conversation stays where it was, so the consumer can simply retry.
            dispatcher.utter_message(text=error_text(tracker, error_id))
            return []
        events = apply_reply(reply, dispatcher, tracker)
        if tracker.active_loop_name and (reply.slots.get(SLOT_MENU) == "main" or self.starts_form):
            # The rules deactivate a form before anything that leaves it. As a
            # safeguard: a step that shows the main menu ends any form still
            # open, so the next "2" is read on that menu; and a form is always
            # started afresh, so that what the message pre-fills is validated.
            events = [ActiveLoop(None), SlotSet(SLOT_REQUESTED, None)] + events
        return events


def new_error_id() -> str:
    """A short reference the consumer can quote to the helpline (8 hex digits)."""
    return secrets.token_hex(4).upper()


def error_text(tracker: Tracker, error_id: str) -> str:
    """The apology in the language of the message or conversation.

    Uses nothing that can itself fail in the way the flow did: no database
    (the stored language is skipped), settings only if they can be read.
    """
    try:
        settings = Settings.from_env()
        helpline, default = settings.helpline, settings.default_language
    except Exception:  # settings themselves broken: still answer
        helpline, default = "1912", "hi"
    message = tracker.latest_message or {}
    turn = Turn(sender=tracker.sender_id or "", text=message.get("text") or "",
                slots=dict(tracker.slots))
    return t("action_error", decide_language(turn, default), helpline=helpline, error_id=error_id)
