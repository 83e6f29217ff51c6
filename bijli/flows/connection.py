"""The connection a consumer names: an IVRS number in the turn, and the daily
lookup limit every typed number passes (bijli/lookups.py) before anything
about it is looked up. Used by the lookup, the complaint, payment status and
complaint status alike."""
import logging
from datetime import datetime
from typing import Optional

from bijli.flows.core import SLOT_ATTEMPTS, SLOT_CHOICES, SLOT_PURPOSE, Reply, Services, Turn
from bijli.ivrs import find_ivrs
from bijli.lookups import check_lookup
from bijli.models import utcnow
from bijli.privacy import mask_mobile

logger = logging.getLogger(__name__)


def ivrs_in_turn(turn: Turn) -> Optional[str]:
    """A well-formed IVRS number from the NLU entity or the message text; never
    a number the NLU read as a mobile or a complaint number ("mera mobile 98...")."""
    entity = turn.entities.get("ivrs")
    found = find_ivrs(entity) if entity else None
    if found:
        return found
    found = find_ivrs(turn.norm)
    others = {str(turn.entities.get(name) or "") for name in ("mobile", "complaint_number")}
    if found and found.lstrip("N") in others:
        return None
    return found


def lookup_allowed(turn: Turn, services: Services, reply: Reply, typed: str,
                   now: Optional[datetime] = None, in_form: bool = False) -> bool:
    """The daily IVRS lookup limit, for anything the sender typed as an IVRS number.

    True: go on (the number is counted unless free). False: the polite refusal
    (and, outside a form, the main menu) is in ``reply``; nothing may be looked
    up. In a form, the form's end shows the menu (data/rules/forms.yml).
    """
    limit = services.settings.lookup_limit_per_day
    with services.db.session() as s:
        decision = check_lookup(s, turn.sender, typed, now or utcnow(), limit, client=turn.client_key)
    if decision.allowed:
        return True
    # The typed value is not logged: people type their mobile numbers at this question too.
    logger.info("lookup limit reached for %s (%d numbers in 24 h)", mask_mobile(turn.sender), decision.counted)
    reply.say("lookup_limit_reached", limit=limit, helpline=services.settings.helpline)
    reply.set(**{SLOT_ATTEMPTS: 0, SLOT_CHOICES: None})
    if not in_form:
        reply.set(**{SLOT_PURPOSE: None})
        reply.show_menu("main")
    return False
