"""Per-sender preferences stored in the database (the reply language)."""
from typing import Optional

from bijli.models import SenderPreference
from bijli.vocab import LANGUAGES


def get_language(db, sender: str) -> Optional[str]:
    """The language this sender chose before, or None."""
    if not sender:
        return None
    with db.session() as s:
        pref = s.get(SenderPreference, sender)
        return pref.language if pref else None


def set_language(db, sender: str, language: str) -> None:
    """Remember the sender's language across conversations."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    if not sender:
        return
    with db.session() as s:
        pref = s.get(SenderPreference, sender)
        if pref is None:
            s.add(SenderPreference(sender=sender, language=language))
        else:
            pref.language = language
