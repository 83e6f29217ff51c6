"""The complaint category named in a consumer's own words (Hindi, Hinglish, English).

A keyword fallback for when the NLU gives no ``complaint_category``. Every pattern runs
in linear time over the message (issue 18): a ``first ... then`` pair is two searches,
never ``first.*then``.
"""
import re
from typing import Optional, Pattern, Tuple, Union

from bijli.text import devanagari_words, normalize

# Checked in this order: the first match wins. Line damage comes first
# because it is a safety hazard ("taar toot gaya, light nahi hai").
# A pair (first, then) means ``first`` and, later in the message, ``then``.
_KEYWORDS: Tuple[Tuple[str, Tuple[Union[str, Tuple[str, str]], ...]], ...] = (
    ("line_damage", (
        (r"\b(?:taar|tar|wire|wires|line|cable)\b", r"\b(?:toot|tut|toota|tuta|tooti|tuti|tute|toote|"
         r"broken|break|gir|gira|giri|gire|fallen|fell|down|kat|kata|kati|loose|latak|hanging|jal|burn)"),
        r"\b(?:taar|wire|wires|pole|poles|khamba|khambha|khambe|khambhe|khamba)\b",
        r"\bspark", r"\bchingari", r"\bshort ?circuit", r"\blive wire", r"\bline damage",
        devanagari_words("तार", "तारों", "तारें", "खंभा", "खंभे", "खम्भा", "खम्भे", "खंबा", "खंबे", "पोल"),
        r"स्पार्क", r"चिंगारी", r"शॉर्ट सर्किट", r"शार्ट सर्किट",
    )),
    ("transformer", (
        r"\btr[a-z]{0,3}f[oa]r?m", r"\bdp\b", r"\btrafo",
        r"ट्रांसफ", r"ट्रान्सफ", r"ट्रासफ", r"ट्रांसफॉ", devanagari_words("डीपी"),
    )),
    ("meter", (
        r"\bme+te?r", r"\bmeater", r"\bmetre", r"\bmi+tar",
        r"मीटर", r"मिटर",
    )),
    ("voltage", (
        r"\bvolt", r"\bfluctuat", r"वोल्ट", r"वोलट", r"वॉल्ट",
    )),
    ("billing", (
        r"\bbill(?:s|ing)?\b", devanagari_words("बिल", "बिलों", "बिलिंग"),
    )),
    ("other", (
        r"\bchori\b", r"\btheft", r"\bkatiya", r"\bhook(?:ing)?\b", r"चोरी", r"कटिया",
    )),
    ("no_supply", (
        (r"\b(?:light|bijli|current|power|supply|electricity)\b", r"\b(?:nahi|no|not|gayi|gaya|gul|"
         r"chali|band|cut|off|gone|kab)\b"),
        (r"\b(?:no|without)\b", r"\b(?:light|power|electricity|supply|current)\b"),
        r"\bpower ?cut", r"\boutage", r"\bblackout", r"\bfuse", r"\bphase", r"\bshutdown",
        r"(?:बिजली|लाइट|करंट|सप्लाई)\s*(?:नहीं|गुल|गई|गयी|चली|बंद)", r"फ्यूज", r"फेज", r"कटौती", r"अंधेरा",
    )),
)


class _FollowedBy:
    """What ``first.*then`` says, in linear time.

    The regex backtracks over the rest of the message once for every ``first``, so a
    long message of "wire wire wire ..." took time quadratic in its length on Rasa's
    event loop. The earliest ``first`` ends earliest, so one search after it decides."""

    def __init__(self, first: str, then: str) -> None:
        self.first = re.compile(first, re.I)
        self.then = re.compile(then, re.I)

    def search(self, text: str) -> bool:
        """Whether ``text`` holds ``first`` and, after it, ``then``."""
        found = self.first.search(text)
        return found is not None and self.then.search(text, found.end()) is not None


def _compile(pattern: Union[str, Tuple[str, str]]) -> Union[Pattern[str], _FollowedBy]:
    return _FollowedBy(*pattern) if isinstance(pattern, tuple) else re.compile(pattern, re.I)


_COMPILED = tuple((cat, tuple(_compile(p) for p in pats)) for cat, pats in _KEYWORDS)


def detect_category(text: Optional[str]) -> Optional[str]:
    """The complaint category named in free text (Hindi, Hinglish, English), or None.

    A keyword fallback for when the NLU gives no ``complaint_category``:
    "meter jal gaya" -> meter; "तार टूटा", "sparking", "pole" -> line_damage.
    """
    s = normalize(text).lower()
    if not s:
        return None
    for cat, patterns in _COMPILED:
        if any(p.search(s) for p in patterns):
            return cat
    return None
