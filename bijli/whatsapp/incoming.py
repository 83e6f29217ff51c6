"""Meta's webhook payload turned into what the assistant reads.

A delivery (``entry[].changes[].value``) carries ``messages[]`` from users and
``statuses[]`` about what we sent. Parsing never raises on odd input: a part
we cannot read is skipped and counted, so one bad item does not lose the rest.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from bijli.models import SENDER_LENGTH

# Kinds that carry nothing to answer (a reaction to our message, a number change).
SILENT_KINDS = ("reaction", "system")


@dataclass(frozen=True)
class Incoming:
    """One user message: ``text`` is what Rasa gets; None for a kind we cannot read."""

    wamid: str
    sender: str                      # the wa_id, e.g. 919812345678
    kind: str                        # text | interactive | button | location | image | audio | ...
    text: Optional[str]
    metadata: Dict[str, Any] = field(default_factory=dict)

    @property
    def readable(self) -> bool:
        """Does the assistant understand this kind (text, a tap, a location)?"""
        return self.text is not None

    @property
    def silent(self) -> bool:
        """Nothing to answer (a reaction, a system notice)."""
        return self.kind in SILENT_KINDS


@dataclass(frozen=True)
class Status:
    """A ``statuses[]`` callback: delivery receipts, and ``type: payment`` (part 2)."""

    id: str
    status: str                      # sent | delivered | read | failed | captured | ...
    recipient: str
    kind: Optional[str]              # "payment" for WhatsApp Pay, else None
    error_codes: List[int]
    raw: Dict[str, Any]


@dataclass
class Delivery:
    """Everything in one webhook POST."""

    messages: List[Incoming] = field(default_factory=list)
    statuses: List[Status] = field(default_factory=list)
    skipped: int = 0                 # parts we could not read (logged by the caller)
    # Changes for a phone_number_id that is not ours (another number of the same app), dropped.
    foreign: List[str] = field(default_factory=list)


def _dicts(value: Any) -> List[Dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _phone_number_id(value: Dict[str, Any]) -> str:
    return _str(_dict(value.get("metadata")).get("phone_number_id"))


def _text_of(msg: Dict[str, Any], kind: str, meta: Dict[str, Any]) -> Optional[str]:
    """What Rasa reads for ``msg``; None if it is not a kind we read."""
    part = _dict(msg.get(kind))
    if kind == "text":
        return part.get("body") if isinstance(part.get("body"), str) else ""
    if kind == "interactive":
        for reply_kind in ("button_reply", "list_reply"):
            reply = part.get(reply_kind)
            if isinstance(reply, dict) and _str(reply.get("id")):
                # The id is the payload we sent ("2" for option 2), so a tap reads as the typed number.
                meta["reply"] = {"kind": reply_kind, "id": _str(reply.get("id")),
                                 "title": _str(reply.get("title"))}
                return _str(reply.get("id"))
        return None
    if kind == "button":             # a quick-reply button of a template (part 3)
        payload = _str(part.get("payload")) or _str(part.get("text"))
        return payload or None
    if kind == "location":
        try:
            lat, lng = float(part["latitude"]), float(part["longitude"])
        except (KeyError, TypeError, ValueError):
            return None
        place = ", ".join(x for x in (_str(part.get("name")), _str(part.get("address"))) if x)
        meta["location"] = {"latitude": lat, "longitude": lng, "name": _str(part.get("name")),
                            "address": _str(part.get("address"))}
        # Readable text, so a complaint's details keep where it is.
        text = f"Location {lat:.6f},{lng:.6f} https://maps.google.com/?q={lat:.6f},{lng:.6f}"
        return f"{text} ({place})" if place else text
    return None


def _message(msg: Dict[str, Any], value: Dict[str, Any]) -> Optional[Incoming]:
    wamid, sender, kind = _str(msg.get("id")), _str(msg.get("from")), _str(msg.get("type"))
    if not wamid or not sender or len(sender) > SENDER_LENGTH or not kind:
        return None
    meta: Dict[str, Any] = {"wamid": wamid, "type": kind, "timestamp": _str(msg.get("timestamp"))}
    phone_number_id = _phone_number_id(value)
    if phone_number_id:
        meta["phone_number_id"] = phone_number_id
    context = msg.get("context")
    if isinstance(context, dict) and _str(context.get("id")):
        meta["context_id"] = _str(context.get("id"))   # the message of ours that was tapped
    text = _text_of(msg, kind, meta)
    return Incoming(wamid=wamid, sender=sender, kind=kind, text=text, metadata={"whatsapp": meta})


def _status(st: Dict[str, Any]) -> Optional[Status]:
    sid, status = _str(st.get("id")), _str(st.get("status"))
    if not sid or not status:
        return None
    codes = []
    for err in _dicts(st.get("errors")):
        try:
            codes.append(int(err["code"]))
        except (KeyError, TypeError, ValueError):
            continue
    kind = _str(st.get("type")) or None
    return Status(id=sid, status=status, recipient=_str(st.get("recipient_id")), kind=kind,
                  error_codes=codes, raw=st)


def parse_delivery(body: Any, phone_number_id: Optional[str] = None) -> Delivery:
    """The messages and statuses of a webhook body (a parsed JSON object); with
    ``phone_number_id``, only those of changes addressed to that number."""
    out = Delivery()
    if not isinstance(body, dict):
        out.skipped += 1
        return out
    for entry in _dicts(body.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                out.skipped += 1
                continue
            if phone_number_id and _phone_number_id(value) != phone_number_id:
                out.foreign.append(_phone_number_id(value)[:32] or "(none)")
                continue
            for msg in _dicts(value.get("messages")):
                parsed = _message(msg, value)
                if parsed is None:
                    out.skipped += 1
                else:
                    out.messages.append(parsed)
            for st in _dicts(value.get("statuses")):
                parsed_status = _status(st)
                if parsed_status is None:
                    out.skipped += 1
                else:
                    out.statuses.append(parsed_status)
    return out
