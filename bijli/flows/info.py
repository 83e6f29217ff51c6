"""Information replies: new connection, and the helpline / human handoff."""
from datetime import datetime, time
from typing import Dict, Optional, Tuple

from bijli.cues import helpline_unreachable
from bijli.flows.core import SLOT_PURPOSE, Reply, Services, Turn
from bijli.models import utcnow
from bijli.timefmt import to_ist

NEW_CONNECTION_PORTAL = "https://portal.mpcz.in"
# The discom's own WhatsApp service (reference.md: MPCZ's bot number).
DISCOM_WHATSAPP = "0755-2551222"

# Customer-care office hours in IST by weekday (Monday = 0); days not listed
# are closed. Public holidays are not modelled: the reply says so. The hours
# are also written out in bijli/texts/info.yml (`handoff`) and core.yml
# (`helpline`): keep them in step.
OFFICE_HOURS: Dict[int, Tuple[time, time]] = {
    day: (time(10, 0), time(17, 0)) for day in range(0, 6)  # Monday to Saturday
}


def office_open(now: Optional[datetime] = None) -> bool:
    """Is the customer-care office open at ``now`` (naive UTC or aware)?"""
    local = to_ist(now or utcnow())
    hours = OFFICE_HOURS.get(local.weekday())
    return hours is not None and hours[0] <= local.time() < hours[1]


def new_connection(turn: Turn, services: Services, reply: Reply) -> Reply:
    """New connections are applied for on the portal: where, and the helpline."""
    reply.say("new_connection_info", portal=NEW_CONNECTION_PORTAL, helpline=services.settings.helpline)
    return reply.show_menu("main")


def handoff(turn: Turn, services: Services, reply: Reply, now: Optional[datetime] = None) -> Reply:
    """A person is reached on the helpline; we cannot transfer the chat. Every
    other way to reach the discom comes with it, first of all when the consumer
    says the helpline does not answer ("1912 pe call nahi lag raha")."""
    helpline = services.settings.helpline
    if helpline_unreachable(turn.text):
        reply.say("handoff_unreachable", helpline=helpline)
    else:
        reply.say("handoff", helpline=helpline)
    reply.say("handoff_other_ways", helpline=helpline, whatsapp=DISCOM_WHATSAPP, portal=NEW_CONNECTION_PORTAL)
    reply.say("handoff_office_open" if office_open(now) else "handoff_office_closed")
    return reply.show_menu("main")


def ivrs_help(turn: Turn, services: Services, reply: Reply) -> Reply:
    """"What is IVRS / where is my consumer number": where it is printed, and the
    registered-mobile path. A bill lookup under way keeps its purpose, and the
    question does not count as a wrong IVRS number."""
    reply.say("ivrs_help")
    reply.set(**{SLOT_PURPOSE: turn.slot(SLOT_PURPOSE) or "view"})
    return reply.show_menu("lookup_method")
