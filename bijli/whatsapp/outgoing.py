"""Rasa's bot messages mapped to what Meta's Cloud API accepts.

Pure functions, no network: each returns message *contents* (``type`` and its
part); the client adds ``messaging_product`` and ``to``. Meta rejects a message
that breaks a limit, so every limit is enforced here, never left to chance:

- text: at most 4,096 characters, split on line boundaries where possible;
- up to 3 buttons: reply buttons (title <= 20, id <= 256, body <= 1,024);
- 4 to 10: a list (button label <= 20, row title <= 24, description <= 72, row id <= 200);
  the rest of a long label goes into the row's description;
- more than 10: numbered text (a typed number works like a tap).
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bijli.i18n import t

TEXT_LIMIT = 4096
BODY_LIMIT = 1024
CAPTION_LIMIT = 1024
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
MAX_LIST_ROWS = 10
LIST_BUTTON_LIMIT = 20
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ROW_ID_LIMIT = 200
ELLIPSIS = "…"

Content = Dict[str, Any]


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Pieces of at most ``limit`` characters: cut at a line break, else a space, else anywhere."""
    text = (text or "").strip()
    pieces: List[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def text_contents(text: str) -> List[Content]:
    """Text messages for ``text`` (several when it is longer than Meta allows)."""
    return [{"type": "text", "text": {"body": piece, "preview_url": False}} for piece in split_text(text)]


def _lead_and_body(text: str, lang: str) -> Tuple[List[Content], str]:
    """Text before an interactive message, and its body (<= 1,024 characters)."""
    pieces = split_text(text, BODY_LIMIT)
    if not pieces:
        return [], t("whatsapp_choose", lang)
    lead = "\n".join(pieces[:-1])
    return text_contents(lead), pieces[-1]


def _payload(button: Dict[str, Any]) -> str:
    return str(button.get("payload") if button.get("payload") is not None else button.get("title") or "")


def _title(button: Dict[str, Any]) -> str:
    return str(button.get("title") or _payload(button)).strip()


def _split_label(label: str) -> Tuple[str, str]:
    """A row title (<= 24) and the rest of the label for the description."""
    if len(label) <= ROW_TITLE_LIMIT:
        return label, ""
    cut = label.rfind(" ", 0, ROW_TITLE_LIMIT + 1)
    if cut <= 0:
        cut = ROW_TITLE_LIMIT
    return label[:cut].rstrip(), label[cut:].strip()


def numbered_text(text: str, buttons: Sequence[Dict[str, Any]]) -> List[Content]:
    """Buttons as a numbered list under the text (for more than 10, or ids Meta cannot take)."""
    lines = [f"{i}. {_title(b)}" for i, b in enumerate(buttons, start=1)]
    return text_contents("\n".join([text.strip(), *lines]) if text.strip() else "\n".join(lines))


def reply_buttons(text: str, buttons: Sequence[Dict[str, Any]], lang: str) -> List[Content]:
    """Up to 3 buttons as reply buttons (long text goes first as text)."""
    ids = [_payload(b) for b in buttons]
    if any(not i or len(i) > BUTTON_ID_LIMIT for i in ids) or len(set(ids)) != len(ids):
        return numbered_text(text, buttons)
    titles = [fit(_title(b), BUTTON_TITLE_LIMIT) for b in buttons]
    if len(set(titles)) != len(titles):      # Meta wants distinct titles
        titles = [fit(f"{i}. {_title(b)}", BUTTON_TITLE_LIMIT) for i, b in enumerate(buttons, start=1)]
    lead, body = _lead_and_body(text, lang)
    action = {"buttons": [{"type": "reply", "reply": {"id": i, "title": title}}
                          for i, title in zip(ids, titles)]}
    return lead + [{"type": "interactive",
                    "interactive": {"type": "button", "body": {"text": body}, "action": action}}]


def list_message(text: str, buttons: Sequence[Dict[str, Any]], lang: str) -> List[Content]:
    """4 to 10 buttons as a list message (one section)."""
    ids = [_payload(b) for b in buttons]
    if any(not i or len(i) > ROW_ID_LIMIT for i in ids) or len(set(ids)) != len(ids):
        return numbered_text(text, buttons)
    rows = []
    for row_id, button in zip(ids, buttons):
        title, rest = _split_label(_title(button))
        row: Dict[str, Any] = {"id": row_id, "title": title}
        if rest:
            row["description"] = fit(rest, ROW_DESCRIPTION_LIMIT)
        rows.append(row)
    lead, body = _lead_and_body(text, lang)
    action = {"button": fit(t("whatsapp_list_button", lang), LIST_BUTTON_LIMIT),
              "sections": [{"rows": rows}]}
    return lead + [{"type": "interactive",
                    "interactive": {"type": "list", "body": {"text": body}, "action": action}}]


def button_contents(text: str, buttons: Sequence[Dict[str, Any]], lang: str) -> List[Content]:
    """Text with buttons, as reply buttons, a list or numbered text by how many there are."""
    if not buttons:
        return text_contents(text)
    if len(buttons) <= MAX_REPLY_BUTTONS:
        return reply_buttons(text, buttons, lang)
    if len(buttons) <= MAX_LIST_ROWS:
        return list_message(text, buttons, lang)
    return numbered_text(text, buttons)


def image_content(media_id: Optional[str] = None, link: Optional[str] = None,
                  caption: Optional[str] = None) -> Content:
    """An image message by uploaded media id (preferred) or by public link."""
    image: Dict[str, Any] = {"id": media_id} if media_id else {"link": link}
    if caption:
        image["caption"] = fit(caption, CAPTION_LIMIT)
    return {"type": "image", "image": image}


def custom_content(payload: Dict[str, Any]) -> Content:
    """An action's own payload (order details, a template) passed through as the message body."""
    body = dict(payload)
    body.pop("messaging_product", None)
    body.pop("to", None)     # always the conversation's own recipient
    return body
