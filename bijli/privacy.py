"""Masking of personal data in replies and logs."""
import unicodedata


def _first_grapheme(word: str) -> str:
    """The first letter with its vowel signs/marks (सु from सुनील)."""
    out = word[:1]
    for ch in word[1:]:
        if unicodedata.category(ch).startswith("M"):
            out += ch
        else:
            break
    return out


def mask_name(name: str) -> str:
    """'सुनील वर्मा' -> 'सु*** व***'; 'Sunil Verma' -> 'S*** V***'."""
    words = [w for w in (name or "").split() if w]
    return " ".join(_first_grapheme(w) + "***" for w in words) or "***"


def mask_mobile(mobile: str) -> str:
    """'9812345678' or '919812345678' -> '98******78'."""
    digits = "".join(ch for ch in str(mobile or "") if ch.isdigit())
    if len(digits) >= 10:
        digits = digits[-10:]
        return digits[:2] + "*" * 6 + digits[-2:]
    if len(digits) > 4:
        return digits[:1] + "*" * (len(digits) - 2) + digits[-1:]
    return "*" * len(digits)


def last10(number: str) -> str:
    """The last 10 digits of a phone number or WhatsApp id ('' if fewer)."""
    digits = "".join(ch for ch in str(number or "") if ch.isdigit())
    return digits[-10:] if len(digits) >= 10 else ""
