"""IVRS (consumer account) numbers.

Accepted: ``N`` followed by 9-10 digits, or 9-10 digits alone. The case of
the N, spaces and hyphens are ignored, and Devanagari digits are accepted.
The stored form is upper-case ``N`` (if present) plus the digits.
"""
import re
from typing import Optional

from bijli.text import to_ascii_digits

_IVRS_RE = re.compile(r"^(N?)(\d+)$")
# Used to find an IVRS number inside free text.
_IVRS_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])([Nn]?[ \-]?(?:\d[ \-]?){8,9}\d)(?![0-9A-Za-z])")


class IvrsError(ValueError):
    """A malformed IVRS number. ``code`` names the problem for the reply."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalize_ivrs(raw: str) -> str:
    """Return the normalised IVRS number or raise ``IvrsError``.

    Error codes: ``empty``, ``bad_chars``, ``too_short``, ``too_long``.
    """
    if raw is None:
        raise IvrsError("empty")
    s = to_ascii_digits(str(raw)).strip()
    s = re.sub(r"[\s\-]+", "", s).upper()
    if not s:
        raise IvrsError("empty")
    m = _IVRS_RE.match(s)
    if not m:
        raise IvrsError("bad_chars")
    digits = m.group(2)
    if len(digits) < 9:
        raise IvrsError("too_short")
    if len(digits) > 10:
        raise IvrsError("too_long")
    return m.group(1) + digits


def find_ivrs(text: str) -> Optional[str]:
    """Find the first well-formed IVRS number in free text, normalised."""
    if not text:
        return None
    # The pattern only matches well-formed numbers, so the first match is the answer.
    m = _IVRS_IN_TEXT.search(to_ascii_digits(text))
    return normalize_ivrs(m.group(1)) if m else None
