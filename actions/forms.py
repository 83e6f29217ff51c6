"""The two forms' validation and questions, as thin adapters over
bijli/flows/forms.py (which does the work, without Rasa).

- ``ValidateBillLookupForm`` / ``ValidateComplaintForm``: which questions are
  still needed, reading each answer (``extract_<slot>``) and checking it
  (``validate_<slot>``).
- ``action_ask_<slot>``: each question, a menu or a text in the conversation's
  language.
"""
import asyncio
import logging
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.adapter import apply_reply, error_text, get_services, new_error_id, slot_events, turn_from_tracker
from bijli.flows import forms
from bijli.flows.core import SLOT_LANGUAGE, Reply, Services, Turn, new_reply
from bijli.privacy import mask_mobile

logger = logging.getLogger(__name__)

Step = Callable[[Turn, Services, Reply], Reply]
Check = Callable[[Turn, Services, Reply, Any], Reply]


async def _run(step: Callable[..., Reply], tracker: Tracker, dispatcher: CollectingDispatcher,
               *args: Any) -> Optional[Dict[Text, Any]]:
    """Run a bijli step off the event loop; send its messages; its slots, or None if it failed."""
    def work() -> Reply:
        services = get_services()
        turn = turn_from_tracker(tracker, services)
        return step(turn, services, new_reply(turn, services), *args)

    try:
        reply = await asyncio.get_running_loop().run_in_executor(None, work)
    except Exception:
        error_id = new_error_id()
        logger.exception("form step %s failed for %s: error %s", getattr(step, "__name__", step),
                         mask_mobile(tracker.sender_id or ""), error_id)
        dispatcher.utter_message(text=error_text(tracker, error_id))
        return None
    apply_reply(Reply(lang=reply.lang, messages=reply.messages), dispatcher, tracker)
    # The language is the conversation's, set by the actions around the form: an
    # answer that fills nothing must not look like one (Rasa would not reject it).
    return {name: value for name, value in reply.slots.items() if name != SLOT_LANGUAGE}


def _extracted(tracker: Tracker) -> Dict[Text, Any]:
    """What this request's extractions set (kept on the request's own Tracker object)."""
    if not hasattr(tracker, "_bijli_extracted"):
        tracker._bijli_extracted = {}
    return tracker._bijli_extracted


class BijliFormValidation(FormValidationAction):
    """A form's validation from three tables of bijli steps."""

    form: str = ""
    required: Callable[[Dict[str, Any], List[str]], List[str]] = staticmethod(lambda slots, order: [])
    extractors: Dict[str, Step] = {}
    checks: Dict[str, Check] = {}
    after_checks: Optional[Step] = None

    def name(self) -> Text:
        return "validate_" + self.form

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        # The questions in the domain's order (domain/forms.yml), minus what is not needed.
        return self.required(dict(tracker.slots), domain_slots)

    def __getattr__(self, attr: str) -> Any:
        # extract_<slot> and validate_<slot>, as rasa-sdk looks them up by name.
        if attr.startswith("extract_") and attr[8:] in self.extractors:
            step = self.extractors[attr[8:]]

            async def extract(dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
                found = await _run(step, tracker, dispatcher) or {}
                # rasa-sdk keeps only the form's own slots from an extraction; the others
                # an answer sets (the details added at the summary) are passed on below.
                _extracted(tracker).update(found)
                return found
            return extract
        if attr.startswith("validate_") and attr[9:] in self.checks:
            check = self.checks[attr[9:]]

            async def validate(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
                return await _run(check, tracker, dispatcher, value) or {}
            return validate
        raise AttributeError(attr)

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[Dict[Text, Any]]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        validated = {event["name"] for event in events}
        events += slot_events(tracker, {name: value for name, value in _extracted(tracker).items()
                                        if name not in validated})
        if self.after_checks is None:
            return events
        slots = await _run(self.after_checks, tracker, dispatcher) or {}
        changed = slot_events(tracker, slots)
        tracker.slots.update(slots)
        return events + changed


class ValidateBillLookupForm(BijliFormValidation):
    form = forms.LOOKUP_FORM
    required = staticmethod(forms.required_lookup)
    extractors = {"lookup_method": forms.extract_lookup_method, "area_type": forms.extract_area_type,
                  "ivrs": forms.extract_ivrs}
    checks = {"lookup_method": forms.validate_lookup_method, "area_type": forms.validate_area_type,
              "ivrs": forms.validate_ivrs}


class ValidateComplaintForm(BijliFormValidation):
    form = forms.COMPLAINT_FORM
    required = staticmethod(forms.required_complaint)
    extractors = {"complaint_category": forms.extract_complaint_category, "ivrs": forms.extract_ivrs,
                  "complaint_confirmation": forms.extract_complaint_confirmation}
    checks = {"complaint_category": forms.validate_complaint_category, "ivrs": forms.validate_complaint_ivrs,
              "complaint_confirmation": forms.validate_complaint_confirmation}
    after_checks = staticmethod(forms.check_open_complaint)


class AskAction(Action):
    """A form's question: runs the bijli ``ask`` step."""

    slot: str = ""
    step: Step = staticmethod(lambda turn, services, reply: reply)

    def name(self) -> Text:
        return "action_ask_" + self.slot

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        slots = await _run(self.step, tracker, dispatcher)
        return slot_events(tracker, slots or {})


class AskLookupMethod(AskAction):
    slot = "lookup_method"
    step = staticmethod(forms.ask_lookup_method)


class AskAreaType(AskAction):
    slot = "area_type"
    step = staticmethod(forms.ask_area_type)


class AskLookupIvrs(AskAction):
    slot = "bill_lookup_form_ivrs"
    step = staticmethod(forms.ask_ivrs)


class AskComplaintIvrs(AskAction):
    slot = "complaint_form_ivrs"
    step = staticmethod(forms.ask_complaint_ivrs)


class AskComplaintCategory(AskAction):
    slot = "complaint_category"
    step = staticmethod(forms.ask_complaint_category)


class AskComplaintConfirmation(AskAction):
    slot = "complaint_confirmation"
    step = staticmethod(forms.ask_complaint_confirmation)
