"""Cues in what consumers write that change the answer, not the intent.

The NLU decides the intent ("register_complaint", "payment_status",
"human_handoff"); these functions read the same message for the detail that
decides what to say: a bill dispute is a *billing* complaint, "paid but still
disconnected" needs the reconnection advice, "1912 never answers" needs the
other ways to reach the discom. Hindi (Devanagari), Hinglish and English.
Pure functions over ``bijli.text.normalize``d text; no Rasa.
"""
import re
from typing import Optional, Pattern, Tuple

from bijli.text import devanagari_words, normalize


def _compile(*patterns: str) -> Tuple[Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in patterns)


def _any(patterns: Tuple[Pattern[str], ...], text: str) -> bool:
    return any(p.search(text) for p in patterns)


# -- bill disputes ------------------------------------------------------------------

_BILL = _compile(
    r"\bbill(?:s|ed|ing)?\b", r"\breading\b", r"\bcharged?\b", r"\bamount\b", r"\barrears?\b",
    r"\bunits?\b", devanagari_words("बिल", "बिलों", "रीडिंग", "यूनिट", "राशि"),
)
_DISPUTE = _compile(
    r"\b(?:too|very|so|itna|itne|bahut|bohot|bahot)\s+(?:high|much|zyada|jyada|jada|adhik|jyaada|zyaada)\b",
    r"\b(?:zyada|jyada|jada|zyaada|jyaada|excess(?:ive)?|inflated|exorbitant|huge|shocking|unfair|"
    r"overcharg\w*|over\s?billed|over\s?billing|wrong(?:ly)?|galat|incorrect|average|avg|estimated|"
    r"double[ds]?|doubling|tripled?|dugna|duguna|doguna|teen\s?guna|twice|do\s?baar|dobara|"
    r"faulty|fake|bogus|inflate)\b",
    r"\bnot\s+(?:correct|right|taken|possible)\b", r"\bhow\s+(?:come|can)\b", r"\bkaise\b",
    r"\breading\s+(?:nahi|not|never|bina|without)\b", r"\b(?:without|bina|no)\s+(?:meter\s+)?reading\b",
    r"\b(?:locked|closed|empty|khali|band)\s+(?:house|ghar|makaan|makan|flat)\b",
    r"\balready\s+paid\b", r"\bpehle\s+(?:hi\s+)?(?:jama|bhar)",
    # a home billed under the wrong tariff category ("commercial rate", "LV-2", "non domestic category")
    r"\b(?:commercial|non[\s-]?domestic|business|industrial|lv[\s-]?[2-5])\s+(?:rate|tariff|category|dar|shreni)\b",
    r"\b(?:category|tariff|shreni)\s+(?:change|correct|sahi|sudhar\w*|badal\w*)",
    r"\b(?:change|correct|sahi\s+karo|sudhar\w*)\s+(?:the\s+|my\s+)?(?:category|tariff|shreni)\b",
    devanagari_words("ज़्यादा", "ज्यादा", "जादा", "अधिक", "गलत", "ग़लत", "दोगुना", "दुगना", "डबल", "औसत", "एवरेज",
         "दो\\s?बार", "इतना", "कैसे", "बिना\\s+रीडिंग", "व्यावसायिक\\s+दर", "गैर[\\s-]?घरेलू", "श्रेणी\\s+(?:सही|बदल\\w*)"),
)


def bill_dispute(text: Optional[str]) -> bool:
    """Does the message dispute a bill (too high, doubled, wrong reading, charged twice)?

    It must name the bill (or its reading, units, amount) and say what is wrong
    with it: "mera bill 5000 aaya hai itna zyada kaise", "bill doubled after the
    average bill", "reading galat li gayi". Asking what the bill is is not a dispute.
    """
    s = normalize(text).lower()
    return bool(s) and _any(_BILL, s) and _any(_DISPUTE, s)


# -- the helpline does not answer -------------------------------------------------------

_CONTACT = _compile(
    r"\b1912\b", r"\bhelp\s?line\b", r"\btoll[\s-]?free\b", r"\bcustomer\s+(?:care|service|support)\b",
    r"\bcall\s+(?:cent(?:er|re)|center)\b", r"\bphone\b", r"\bcall\b", r"\bnumber\b", r"\bofficer?s?\b",
    r"\blineman\b", r"\bje\b", r"\bsdo\b", r"\bkoi\b", r"\bnobody\b", r"\bno\s?one\b",
    devanagari_words("हेल्पलाइन", "फोन", "फ़ोन", "कॉल", "नंबर", "कोई", "अधिकारी", "लाइनमैन"),
)
_UNREACHABLE = _compile(
    r"\bnahi\s+(?:lag|lagta|lagti|lagi|laga|uth|utha|uthata|uthate|uthaya|milta|milti|mil|sunta|sunte|"
    r"jaata|jata|lag\s?raha|lag\s?rahi)\w*", r"\b(?:lag|lagta|uthata|uthate|utha)\w*\s+(?:hi\s+)?nahi\b",
    r"\bnever\s+(?:pick|answer|respond|connect|get)", r"\b(?:not|isn'?t|doesn'?t|don'?t|didn'?t|won'?t|never)"
    r"\s+(?:be\s+)?(?:pick|picking|picked|answer|answering|answered|respond|responding|connect|connecting|"
    r"reachable|working|going|get\s+through)", r"\bno\s+(?:one|body)\s+(?:pick|answer|respond)",
    r"\bnobody\s+(?:pick|answer|respond)", r"\bunreachable\b", r"\bnot\s+reachable\b",
    r"\b(?:always|constantly|continuously|keeps?)\s+(?:busy|engaged|ringing)\b", r"\bbusy\b",
    r"\bengaged\b", r"\bno\s+(?:answer|response|reply)\b", r"\bswitch(?:ed)?\s+off\b",
    r"\bband\s+(?:aata|aa\s?raha|hai)\b", r"\bcan'?t\s+(?:reach|get\s+through|connect)\b",
    r"\bunable\s+to\s+(?:reach|connect|get\s+through)\b", r"\bhangs?\s+up\b", r"\bcall\s+(?:drop|cut)",
    # Devanagari stems: the word goes on ("उठाता", "लगता"), so no word boundary after them.
    r"नहीं\s+(?:लग|उठ|मिल)", r"(?:उठा|लग)[\u0900-\u097F]*\s+(?:ही\s+)?नहीं", r"व्यस्त", r"बिजी", r"स्विच\s+ऑफ",
)


def helpline_unreachable(text: Optional[str]) -> bool:
    """Does the message say that the helpline or the staff cannot be reached?

    "1912 pe call nahi lag raha", "the helpline never picks up", "toll free
    number busy since morning", "कोई फोन नहीं उठाता".
    """
    s = normalize(text).lower()
    return bool(s) and _any(_CONTACT, s) and _any(_UNREACHABLE, s)


# -- paid, but the supply was disconnected --------------------------------------------------

_DISCONNECTED = _compile(
    r"\bdis-?connect\w*", r"\b(?:connection|supply|line|light|bijli|meter)\b[\w\s]{0,20}?"
    r"\b(?:kaat|kat|kaata|kata|kati|kaati|katt|cut|cutt?ed|removed|uthaa?|nikal)\w*",
    r"\b(?:kaat|kat|kaata|kata|cut)\s+(?:diya|di|dia|gaya|gayi|gya|off)\b", r"\bcut\s+off\b",
    r"\b(?:still|abhi\s+bhi|ab\s+bhi|phir\s+bhi|fir\s+bhi)\b[\w\s]{0,30}\b(?:no|nahi|cut|off|band|dark)\b",
    r"\breconnect\w*", r"\bre-?connect\w*",
    devanagari_words("काट", "काटा", "काटी", "कटा", "कटी", "कट\\s+गया", "कट\\s+गई", "डिस्कनेक्ट", "कनेक्शन\\s+काट",
         "फिर\\s+भी", "अभी\\s+भी"),
)


def disconnection_mentioned(text: Optional[str]) -> bool:
    """Does a payment message say the supply was cut off or is still off?

    "paid eight days ago, why the disconnection?", "bill bhar diya phir bhi
    connection kaat diya", "भुगतान के बाद भी बिजली काट दी".
    """
    s = normalize(text).lower()
    return bool(s) and _any(_DISCONNECTED, s)


# -- "what is IVRS / where do I find it" -------------------------------------------------------

_IVRS_WORD = _compile(
    r"\bivrs\b", r"\bivr\b", r"\bconsumer\s+(?:no|number|id|num)\b", r"\baccount\s+(?:no|number|id)\b",
    r"\bcustomer\s+id\b", r"\bservice\s+(?:no|number)\b", r"\bupbhokta\b", r"\bkhata\s+(?:no|number|sankhya)\b",
    devanagari_words("आईवीआरएस", "आइवीआरएस", "उपभोक्ता", "खाता"),
)
_ASKING = _compile(
    r"\b(?:what|where|which|how|kya|kahan|kaha|kahaan|kaise|kaun|kon|kidhar|konsa|kaunsa)\b",
    r"\b(?:pata|maloom|malum)\s+(?:nahi|nhi)\b", r"\b(?:nahi|nhi)\s+(?:pata|maloom|malum)\b",
    r"\b(?:don'?t|do\s+not|dont|doesn'?t)\s+(?:know|have|understand)\b", r"\bno\s+idea\b", r"\?",
    r"\bfind\b", r"\bhelp\b", r"\bmeaning\b", r"\bmatlab\b",
    devanagari_words("क्या", "कहाँ", "कहां", "कैसे", "कौन", "कौनसा", "मतलब", "पता\\s+नहीं", "नहीं\\s+पता", "मालूम\\s+नहीं"),
)


def asks_about_ivrs(text: Optional[str]) -> bool:
    """Is the message a question about the IVRS number itself, with no number in it?

    "mujhe nahi pata IVRS kya hota hai", "where do I find my consumer number?",
    "IVRS नंबर कहाँ लिखा होता है". Typed at the IVRS question, it is not a wrong number.
    """
    s = normalize(text).lower()
    if not s or re.search(r"\d{4,}", s):
        return False
    return _any(_IVRS_WORD, s) and _any(_ASKING, s)
