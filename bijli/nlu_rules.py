"""Deterministic NLU rules: bare menu choices and number entities.

Pure Python (no Rasa imports). ``components.menu_numbers`` is a thin Rasa
adapter over ``resolve``. All functions expect text already passed through
``bijli.text.normalize`` (ASCII digits, NFC, nukta folded) but tolerate raw
text too.
"""
import re
from bisect import bisect_left, bisect_right
from typing import Any, Dict, List, Optional, Tuple

from bijli.text import normalize, to_ascii_digits

# --- amounts, durations, dates and times -------------------------------------
# A number that is an amount, a duration, a date or a time is never a menu
# choice and never an IVRS / mobile / complaint number ("My bill's 30,000/-
# too", "3 ghante se light nahi", "12/11/2025 ko shikayat ki").

_NUM = r"\d+(?:,\d+)*(?:\.\d+)?"
_CURRENCY_BEFORE = (r"(?:₹|rs\b\.?|inr\b|rupees?\b|rupaye\b|rupaiye\b|rupay\b|rupye\b|"
                    r"रु\.?|रुपये|रुपए|रुपया|रूपये)")
_CURRENCY_AFTER = (r"(?:/-|/=|₹|rs\b\.?|inr\b|rupees?\b|rupaye\b|rupaiye\b|rupay\b|rupaya\b|rupye\b|"
                   r"rupya\b|rupiya\b|rupiye\b|bucks\b|रुपये|रुपए|रुपया|रूपये|रु\b|k\b|thousand\b|"
                   r"hazaa?r\b|हजार|lakhs?\b|lacs?\b|लाख|crores?\b|करोड़|करोड)")
_DURATION_UNITS = (r"(?:ghante|ghanta|ghanton|ghanto|ghnte|hours?\b|hrs?\b|h\b|mins?\b|minutes?\b|"
                   r"minat\b|seconds?\b|secs?\b|din\b|dino\b|dinon\b|days?\b|mahine\b|mahina\b|"
                   r"mahino\b|mahinon\b|months?\b|mnths?\b|saal\b|sal\b|years?\b|yrs?\b|weeks?\b|"
                   r"hafte\b|hafta\b|hafton\b|घंटे|घंटा|घंटों|घण्टे|घण्टा|मिनट|दिन|दिनों|महीने|महीना|"
                   r"महीनों|साल|वर्ष|हफ्ते|हफ्ता|हफ़्ते|सप्ताह)")
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|जनवरी|फरवरी|मार्च|अप्रैल|मई|"
           r"जून|जुलाई|अगस्त|सितंबर|सितम्बर|अक्टूबर|अक्तूबर|नवंबर|नवम्बर|दिसंबर|दिसम्बर)\b")
_DAY_WORDS = r"(?:tarikh|tareekh|tarik|tareek|date|तारीख|तारीक|तारिख|ता\.)"
_TIME_WORDS = (r"(?:am\b|pm\b|a\.m\.?|p\.m\.?|baje\b|bje\b|baj\b|o'?clock\b|बजे|बज)")
_MEASURE_RES = {
    "amount": (
        rf"{_CURRENCY_BEFORE}\s*{_NUM}",
        rf"{_NUM}\s*{_CURRENCY_AFTER}",
        r"\d{1,3}(?:,\d{2})*,\d{3}(?:\.\d+)?",  # 30,000 / 2,00,000 / 1,250.50: grouped digits
    ),
    "duration": (rf"{_NUM}\s*{_DURATION_UNITS}",),
    "date": (
        r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}",
        r"\d{1,2}/\d{1,2}",
        r"\d{1,2} \d{1,2} (?:19|20)\d{2}(?![ \-]?\d)",  # "12 11 2025"
        rf"\d{{1,2}}\s*(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTHS}(?:,?\s*\d{{2,4}})?",
        rf"{_MONTHS}\s*\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s*\d{{4}})?",
        rf"\d{{1,2}}\s*(?:st|nd|rd|th)?\s*{_DAY_WORDS}",
    ),
    "time": (
        r"\d{1,2}:\d{2}(?:\s*(?:am\b|pm\b|baje\b|बजे))?",
        rf"\d{{1,2}}(?:\.\d{{2}})?\s*{_TIME_WORDS}",
    ),
}
# A measure never starts inside a number, not even after a group separator: "1,1,1,..."
# would otherwise be tried from every comma, each try reading to the end (quadratic).
_MEASURES = [
    (kind, re.compile(rf"(?<![0-9A-Za-z])(?<![0-9][,.]){pattern}", re.I))
    for kind, patterns in _MEASURE_RES.items() for pattern in patterns
]


def find_measures(text: Optional[str]) -> List[Tuple[str, int, int]]:
    """Spans of amounts, durations, dates and times: ``(kind, start, end)``.

    "₹5,510", "Rs 29,700", "30,000/-", "5000 rupaye", "2,00,000" (amounts);
    "3 ghante", "2 din se", "48 hours", "3hrs" (durations); "12/11/2025",
    "5 tarikh", "12th Nov" (dates); "6 baje", "10:30", "6 am" (times).
    Offsets are those of ``text`` (Devanagari digits count as digits).
    """
    if not text:
        return []
    s = to_ascii_digits(text)
    spans = [(kind, m.start(), m.end()) for kind, rx in _MEASURES for m in rx.finditer(s)]
    return sorted(spans, key=lambda k: (k[1], -k[2]))



# --- menu choices ----------------------------------------------------------

_ORDINALS = {
    1: ("pehla pehli pehle pahla pahli pahle phla phli pehela first 1st "
        "पहला पहली पहले"),
    2: ("dusra dusri dusre doosra doosri doosre dusara doosara second 2nd "
        "दूसरा दूसरी दूसरे दुसरा दुसरी"),
    3: "teesra teesri teesre tisra tisri tisre tesra third 3rd तीसरा तीसरी तीसरे",
    4: "chautha chauthi chauthe chotha chothi fourth 4th चौथा चौथी चौथे",
    5: ("panchva panchvan panchwa panchwan paanchva paanchvan panchvi panchwi "
        "fifth 5th पांचवां पांचवा पाँचवां पाँचवा पांचवी पाँचवी पांचवें"),
    6: "chhatha chatha chhata chhathi chhatva chhatwa sixth 6th छठा छठी छठवां छठवा छठे",
    7: "satva satvan satwa saatva saatvan satvi seventh 7th सातवां सातवा सातवीं सातवी",
    8: "aathva aathvan athva athwa aathvi eighth 8th आठवां आठवा आठवीं आठवी",
    9: "nauva nauvan nava navan nauvi ninth 9th नौवां नौवा नवां नवा नौवीं",
    10: "dasva dasvan daswa daswan dasvi tenth 10th दसवां दसवा दसवीं दसवी",
}
_CARDINALS = {
    0: "zero shunya शून्य",
    1: "one ek एक",
    2: "two दो",
    3: "three teen तीन",
    4: "four char chaar चार",
    5: "five paanch panch पांच पाँच",
    6: "six chhah chhe छह छः",
    7: "seven saat सात",
    8: "eight aath आठ",
    9: "nine nau नौ",
    10: "ten das दस",
}
NUMBER_WORDS: Dict[str, int] = {}
for _n, _spellings in list(_ORDINALS.items()) + list(_CARDINALS.items()):
    for _w in _spellings.split():
        NUMBER_WORDS[_w] = _n

# Words that may surround a bare menu choice ("option 2", "नंबर 3 please").
MENU_FILLER = set(
    "option options opt optn no num number nmbr nbr choice choose select selected "
    "press menu item serial sr wala wali wale vala vali vale please pls plz "
    "ok okay ji sir mam bhai to the is my ka ki ke "
    "विकल्प ऑप्शन आप्शन ओप्शन नंबर नम्बर नं क्रमांक वाला वाली वाले जी चुनें चुना "
    "दबाएं दबाया मेनू".split()
)
_KEYCAP = re.compile("[\ufe0f\u20e3]")
_STRIP_PUNCT = re.compile(r"[\"'`#*()\[\]{}<>.,;:!?।|/\\_=+~-]+")


def _words(text: str) -> List[str]:
    s = _KEYCAP.sub("", normalize(text)).lower()
    s = _STRIP_PUNCT.sub(" ", s)
    return s.split()


def parse_menu_choice(text: Optional[str]) -> Optional[str]:
    """Return the menu option as an ASCII digit string if ``text`` is a bare
    menu choice ("2", "२", "option 2", "2.", "no. 3", "दूसरा", "teesra",
    "2️⃣"), else None. Numbers 0-99 only; exactly one number in the message;
    an amount, duration, date or time ("20/-", "3 ghante", "5 tarikh") is none."""
    if not text or find_measures(text):
        return None
    words = _words(text)
    if not words or len(words) > 4:
        return None
    found: List[int] = []
    for w in words:
        if w.isdigit():
            if len(w) > 2:
                return None
            found.append(int(w))
        elif w in NUMBER_WORDS:
            found.append(NUMBER_WORDS[w])
        elif re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", w):
            found.append(int(w[:-2]))
        elif w in MENU_FILLER:
            continue
        else:
            return None
    if len(found) == 2 and "one" in words:  # "fourth one", "the first one"
        found.remove(1)
    if len(found) != 1:
        return None
    # A lone filler-free cardinal word that is also common speech ("one",
    # "ek") still counts; "do" (2 in Hindi, a verb in English) only in
    # Devanagari, so it is not in NUMBER_WORDS.
    return str(found[0])


# --- number entities ---------------------------------------------------------

IVRS_WORDS = set(
    "ivrs ivr ivrs-no ivrsno consumer account acc acct khata id connection service "
    "आईवीआरएस आइवीआरएस उपभोक्ता खाता कनेक्शन".split()
)
MOBILE_WORDS = set(
    "mobile mobil mob phone fone cell whatsapp contact मोबाइल मोबाईल फोन फ़ोन व्हाट्सएप".split()
)
COMPLAINT_WORDS = set(
    "complaint complain complaints shikayat shikayath docket ticket token "
    "शिकायत कंप्लेंट कम्प्लेंट कंप्लेन डॉकेट टिकट".split()
)
_NUM_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?P<n>[Nn][ \-]?)?(?P<d>(?:\+?91[ \-]?)?\d(?:[ \-]?\d){5,12})(?![0-9A-Za-z])"
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:[\u0900-\u0963\u0966-\u097F]*)", re.UNICODE)


def _context_kind(before: str, after: str) -> Optional[str]:
    """'ivrs' / 'mobile' / 'complaint' from the nearest keyword before the
    number (else after it), or None. ``before`` and ``after`` reach only to
    the neighbouring numbers, so a keyword names the number next to it
    ("IVRS N3210987654, bill 125000": the 125000 is not an IVRS number)."""
    def kind(word: str) -> Optional[str]:
        w = word.lower()
        if w in IVRS_WORDS:
            return "ivrs"
        if w in MOBILE_WORDS:
            return "mobile"
        if w in COMPLAINT_WORDS:
            return "complaint"
        return None

    found = [kind(w) for w in re.findall(r"[^\s\d,.?!:;।()\-]+", before)]
    found = [k for k in found if k]
    if found:
        return found[-1]
    found = [kind(w) for w in re.findall(r"[^\s\d,.?!:;।()\-]+", after)]
    found = [k for k in found if k]
    return found[0] if found else None


def find_number_entities(text: Optional[str]) -> List[Dict[str, Any]]:
    """Find IVRS, mobile and complaint numbers in (normalised) text.

    Returns Rasa-style entity dicts (entity, value, start, end) with values
    normalised: IVRS upper-case N + digits; mobile 10 digits; complaint number
    digits. Rules:
    - amounts, durations, dates and times (``find_measures``) are none of them;
    - ``N`` + digits is always an IVRS number;
    - otherwise the nearest keyword decides (IVRS/consumer/account -> ivrs,
      mobile/phone -> mobile, complaint/शिकायत/docket -> complaint_number),
      looking no further than the neighbouring numbers;
    - a number with no keyword is an IVRS number if it has 9-10 digits
      (a +91 / 12-digit 91... number is a mobile).
    """
    if not text:
        return []
    measures = find_measures(text)
    # Measures are masked (same length, so offsets hold): their digits can
    # neither be read nor glued to a neighbouring number ("2611270001 3 din").
    chars = list(text)
    for _, ms, me in measures:
        chars[ms:me] = "\x00" * (me - ms)
    matches = list(_NUM_IN_TEXT.finditer("".join(chars)))
    # Every number, measures included, bounds the keyword search of its neighbours
    # (found by bisection: a message of many numbers stays linear).
    bounds = sorted([(m.start(), m.end()) for m in matches] + [(ms, me) for _, ms, me in measures])
    ends_sorted = sorted(e for _, e in bounds)
    starts = [s_ for s_, _ in bounds]
    out: List[Dict[str, Any]] = []
    for m in matches:
        raw_digits = re.sub(r"[^\d]", "", m.group("d"))
        has_n = bool(m.group("n"))
        start, end = m.start(), m.end()
        before = bisect_right(ends_sorted, start)
        left = ends_sorted[before - 1] if before else 0
        after = bisect_left(starts, end)
        right = starts[after] if after < len(starts) else len(text)
        ctx = _context_kind(text[left:start], text[end:right])
        plus91 = m.group("d").startswith("+") or (len(raw_digits) == 12 and raw_digits.startswith("91"))
        if has_n:
            if 6 <= len(raw_digits) <= 12:
                out.append(_ent("ivrs", "N" + raw_digits, start, end))
            continue
        if plus91 and len(raw_digits) == 12 and raw_digits[2] in "6789":
            out.append(_ent("mobile", raw_digits[2:], start, end))
            continue
        if ctx == "mobile":
            out.append(_ent("mobile", raw_digits, start, end))
        elif ctx == "complaint":
            out.append(_ent("complaint_number", raw_digits, start, end))
        elif ctx == "ivrs":
            out.append(_ent("ivrs", raw_digits, start, end))
        elif 9 <= len(raw_digits) <= 10:
            out.append(_ent("ivrs", raw_digits, start, end))
    return out


def _ent(entity: str, value: str, start: int, end: int) -> Dict[str, Any]:
    return {"entity": entity, "value": value, "start": start, "end": end}


# Words that may accompany a number when the user is just giving it.
INFORM_FILLER = set(
    "my is it its it's this here ye yeh ya mera meri mere hamara humara hmara "
    "hai h hain tha ka ki ke no num number nmbr nbr sankhya kramank please pls plz "
    "ji sir mam bhai the of and ok okay haan han yes likho note karo lo lijiye "
    "मेरा मेरी मेरे हमारा यह ये है हैं का की के नंबर नम्बर नं संख्या क्रमांक जी लीजिए "
    "लिखिए लिखो नोट करें करो हाँ हां".split()
) | IVRS_WORDS | MOBILE_WORDS | COMPLAINT_WORDS


def is_only_numbers(text: Optional[str], entities: List[Dict[str, Any]]) -> bool:
    """True if, apart from the number entities, the message holds only filler
    words ("मेरा आईवीआरएस नंबर 1100223344 है", "N3210987654")."""
    if not text or not entities:
        return False
    pieces, cursor = [], 0
    for e in sorted(entities, key=lambda e: e["start"]):
        pieces.append(text[cursor:e["start"]])
        cursor = max(cursor, e["end"])
    pieces.append(text[cursor:])
    rest = " ".join(pieces)
    words = _STRIP_PUNCT.sub(" ", rest.lower()).split()
    return all(w in INFORM_FILLER for w in words)


NUMBER_ENTITIES = ("ivrs", "mobile", "complaint_number", "option")
MAX_NUMBER_ENTITIES = 10     # the first ten numbers of a message


def resolve(text: Optional[str]) -> Tuple[Optional[str], List[Dict[str, Any]]]:
    """Deterministic reading of a normalised message.

    Returns ``(intent, entities)``: ``intent`` is ``show_menu`` for a bare 0,
    ``choose_option`` for another bare menu choice, ``inform`` for a message that is only a number, else None
    (keep the classifier's intent). ``entities`` are the number entities found
    (``option`` for a menu choice).
    """
    option = parse_menu_choice(text)
    if option == "0":  # "0 for the main menu" on every menu, in a form too
        return "show_menu", []
    if option is not None:
        return "choose_option", [{"entity": "option", "value": option, "start": 0, "end": len(text or "")}]
    ents = find_number_entities(text)
    # A consumer gives a number or two; a message of hundreds ("N1234567890 " x 341) would
    # carry them all through the tracker store and to the action server on every turn.
    if ents and is_only_numbers(text, ents):
        return "inform", ents[:MAX_NUMBER_ENTITIES]
    return None, ents[:MAX_NUMBER_ENTITIES]


# --- canonical entity values ---------------------------------------------------

# The values themselves are defined once, in bijli.vocab; the keys below map
# what people write onto them.
from bijli.vocab import AREA_TYPES, COMPLAINT_CATEGORIES, LANGUAGES  # noqa: E402

_AREA_KEYS = (
    ("agriculture", ("agri", "kheti", "khet", "खेत", "खेती", "krishi", "कृषि", "farm", "pump", "पंप",
                     "sinchai", "सिंचाई", "tubewell", "tube well", "kisan", "किसान")),
    ("rural", ("rural", "rurl", "gram", "ग्राम", "gaon", "gaanv", "gaav", "gav", "गांव", "गाँव", "गाव",
               "village", "dehat", "dehaat", "देहात")),
    ("urban", ("urban", "urbn", "shahr", "shehr", "shahar", "shehar", "शहर", "city", "town", "nagar",
               "नगर", "municipal")),
)
_CATEGORY_KEYS = (
    ("transformer", ("transformer", "trasformer", "transfarmer", "ट्रांसफ", "ट्रान्सफ", "dp ", "dp me", "डीपी")),
    ("meter", ("meter", "meater", "mitar", "मीटर")),
    ("voltage", ("voltage", "volteg", "voltej", "वोल्टेज", "वोल्टेज", "volt")),
    ("line_damage", ("taar", "tar ", "tar", "wire", "तार", "pole", "khamba", "khambha", "खंभ", "खम्भ",
                     "spark", "स्पार्क", "chingari", "चिंगारी", "line", "लाइन", "current", "करंट", "cable")),
    ("billing", ("bill", "बिल", "billing", "reading", "रीडिंग")),
    ("other", ("chori", "theft", "katiya", "katiya", "hook", "चोरी", "कटिया")),
    ("no_supply", ("supply", "सप्लाई", "no power", "light nahi", "bijli nahi", "बिजली नहीं", "लाइट नहीं")),
)
_LANGUAGE_KEYS = (
    ("en", ("english", "angrez", "angrej", "इंग्लिश", "अंग्रेज")),
    ("hi", ("hindi", "हिंदी", "हिन्दी", "hindee")),
)


def _by_keys(value: str, table) -> Optional[str]:
    v = normalize(value).lower()
    for canon, keys in table:
        if any(k in v for k in keys):
            return canon
    return None


def canonical_area(value: Optional[str]) -> Optional[str]:
    """urban / rural / agriculture for any area word, else None."""
    if not value:
        return None
    v = str(value).strip().lower()
    return v if v in AREA_TYPES else _by_keys(v, _AREA_KEYS)


def canonical_category(value: Optional[str]) -> Optional[str]:
    """One of COMPLAINT_CATEGORIES for a span that names one, else None.

    A span that names nothing ("too", "for october", "huge": DIET tags such
    fragments of long posts) is no category; the flow then reads the whole
    message's keywords instead of filing it as ``other``."""
    v = str(value or "").strip().lower()
    if v in COMPLAINT_CATEGORIES:
        return v
    return _by_keys(v + " ", _CATEGORY_KEYS)


def canonical_language(value: Optional[str]) -> Optional[str]:
    """hi / en for a language word, else None."""
    if not value:
        return None
    v = str(value).strip().lower()
    return v if v in LANGUAGES else _by_keys(v, _LANGUAGE_KEYS)


def canonicalize_entities(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Force ``area_type``, ``complaint_category`` and ``language`` values into
    their closed sets; drop those that name nothing in them."""
    out = []
    for e in entities:
        name = e.get("entity")
        if name == "area_type":
            v = canonical_area(e.get("value"))
            if v is None:
                continue
            e = {**e, "value": v}
        elif name == "complaint_category":
            v = canonical_category(e.get("value"))
            if v is None:
                continue
            e = {**e, "value": v}
        elif name == "language":
            v = canonical_language(e.get("value"))
            if v is None:
                continue
            e = {**e, "value": v}
        out.append(e)
    return out


def language_in_text(text: Optional[str]) -> Optional[Dict[str, Any]]:
    """A ``language`` entity for the first Hindi/English word in ``text``."""
    if not text:
        return None
    for m in re.finditer(r"[^\s,.!?।]+", text):
        v = canonical_language(m.group(0)) if len(m.group(0)) >= 4 else None
        if v:
            return _ent("language", v, m.start(), m.end())
    return None
