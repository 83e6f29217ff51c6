"""Text normalisation and language detection, shared by NLU and validation.

``normalize`` is what the custom NLU component applies before tokenising,
and what validation code applies before parsing numbers, so both read the
same text.
"""
import re
import unicodedata
from typing import Optional

_DEV_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
# Nukta forms fold to their base letter (NFC keeps some precomposed).
_NUKTA_FOLD = str.maketrans({
    "\u0958": "\u0915", "\u0959": "\u0916", "\u095A": "\u0917", "\u095B": "\u091C",
    "\u095C": "\u0921", "\u095D": "\u0922", "\u095E": "\u092B", "\u095F": "\u092F",
    "\u0929": "\u0928", "\u0931": "\u0930", "\u0934": "\u0933",
})
_NUKTA = "\u093C"
_ZW = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Romanised Hindi spelling variants -> one canonical spelling (whole words).
ROMAN_VARIANTS = {
    "nahi": ("nahin", "nhi", "nahee", "nahii", "nahe", "nahhi"),
    "bijli": ("bijlee", "bijali", "bijly", "bjli", "bijlii"),
    "light": ("lite", "lait", "lyt", "lght"),
    "hai": ("h", "he", "hain", "hae"),
    "kitna": ("kitana", "ktna", "kitnaa"),
    "kya": ("kia", "kyaa", "kyu"),
    "mera": ("meraa", "mra"),
    "bill": ("bil", "billl"),
}
_VARIANT_MAP = {v: canon for canon, vs in ROMAN_VARIANTS.items() for v in vs}
_WORD = re.compile(r"[a-z]+")
_PUNCT_RUN = re.compile(r"([!?.,;:।])\1+")
# A run mixing sentence marks ("?!?!", "!!.", "?।") says one thing: a question if
# it holds a "?", else an exclamation, else a full stop.
_MIXED_END = re.compile(r"[!?.।]{2,}")
_SPACES = re.compile(r"\s+")
_DEVANAGARI = re.compile("[\u0900-\u097F]")

# -- noise of real posts -------------------------------------------------------
_URL = re.compile(r"(?i)(?:https?://|www\.)\S*")
# Every pattern over user text runs in linear time: Rasa parses on its event loop, so
# one slow message holds every conversation (issue 18). A run of characters that a
# pattern may start anywhere in ("1,1,1,...", 4,000 spaces) starts only at its first
# character (the look-behinds below); otherwise each start would rescan the run.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"@\w+")
# "#PowerCut" -> "PowerCut" (then split); "#2" is a menu choice and stays.
_HASHTAG = re.compile("#((?:[^\\W\\d_]|[\u0900-\u097F])[\\w\u0900-\u097F]*)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# Keycap digits ("2\ufe0f\u20e3") keep their digit: the selector and the keycap go.
_KEYCAP_MARKS = re.compile("[\ufe00-\ufe0f\u20e3]")
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x2300, 0x23FF),
    (0xE0000, 0xE007F), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3299),
)
_SYMBOL_MAP = str.maketrans({"\u203c": "!!", "\u2049": "?!", "\u2116": "No. "})
# ALL-CAPS words (2+ letters, not glued to a letter or digit after them; an
# IVRS number "N3210987654" has one letter and is left alone).
_ALL_CAPS = re.compile(r"(?<![A-Za-z])[A-Z]{2,}(?![A-Za-z0-9])")
_STRETCHED = re.compile(r"([A-Za-z])\1{2,}")
# Sentence punctuation glued to the next word: after a letter, digit or
# Devanagari sign, before a letter. Never before a digit ("12.5", "1,250.50").
# A full stop after a single letter is an abbreviation ("H.No", "A.K.") and stays.
_GLUED = re.compile("(?:(?<=[^\\W_][^\\W_])|(?<=[\u0900-\u097F]))([.,!?;:\u0964])(?=[^\\W\\d_]|[\u0900-\u097F])"
                    "|(?<=[^\\W_])([,!?;:\u0964])(?=[^\\W\\d_]|[\u0900-\u097F])")
_SPACE_BEFORE_MARK = re.compile(r"(?<!\s)\s+(?=[,!?;:\u0964]|\.(?!\d))")
# A whole Latin word: not part of an abbreviation ("H.No"), a contraction,
# a path or a handle.
_LATIN_WORD = re.compile(r"(?<![\w'\u2019/@.\u0900-\u097F-])[A-Za-z]+(?![\w'\u2019/@\u0900-\u097F-]|\.\S)")


def to_ascii_digits(text: str) -> str:
    """Devanagari digits (०-९) to ASCII; everything else unchanged."""
    return text.translate(_DEV_DIGITS)


def _is_pictograph(ch: str) -> bool:
    """Emoji, pictographs and other symbols that carry no words."""
    cp = ord(ch)
    if any(lo <= cp <= hi for lo, hi in _EMOJI_RANGES):
        return True
    return unicodedata.category(ch) == "So"


def _hashtag_words(m: "re.Match") -> str:
    """'#PowerCut' -> 'Power Cut', '#bijli_nahi' -> 'bijli nahi'."""
    return " " + " ".join(_CAMEL.sub(" ", m.group(1)).split("_"))


def _one_mark(m: "re.Match") -> str:
    run = m.group(0)
    if len(set(run)) == 1:
        return run[0]
    if "?" in run:
        return "?"
    return "!" if "!" in run else run[0]


def strip_noise(text: str) -> str:
    """Drop links, e-mail addresses, @handles and emoji; unwrap #hashtags.

    Real posts carry them; they hold no meaning for the NLU and their digits
    must not be read as IVRS, mobile or menu numbers. Keycap digits keep
    their digit. A message that is nothing but noise (a thumbs-up, a lone link) is
    kept as it is: an empty message would tell the NLU even less.
    """
    original = text
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _HASHTAG.sub(_hashtag_words, text)
    text = _KEYCAP_MARKS.sub("", text.translate(_SYMBOL_MAP))
    if any(ord(ch) >= 0x2300 or unicodedata.category(ch) == "So" for ch in text):
        text = "".join(" " if _is_pictograph(ch) else ch for ch in text)
    if not any(ch.isalnum() for ch in text):
        return original
    return text


def _fold_word(m: "re.Match") -> str:
    w = m.group(0)
    low = w.lower()
    return _VARIANT_MAP.get(low, w)


def _normalize_once(text: str) -> str:
    # Zero-width characters go before NFC: one between a letter and its mark
    # would otherwise block the composition, and a second pass would compose.
    s = unicodedata.normalize("NFC", _ZW.sub("", text))
    s = s.translate(_NUKTA_FOLD).replace(_NUKTA, "")
    s = to_ascii_digits(s)
    s = strip_noise(s)
    s = _SPACE_BEFORE_MARK.sub("", s)
    s = _PUNCT_RUN.sub(r"\1", s)
    s = _MIXED_END.sub(_one_mark, s)
    s = _GLUED.sub(lambda m: (m.group(1) or m.group(2)) + " ", s)
    s = _SPACES.sub(" ", s).strip()
    s = _ALL_CAPS.sub(lambda m: m.group(0).lower(), s)
    s = _STRETCHED.sub(r"\1\1", s)
    # Variants are matched on lower-case words; other words keep their case.
    return _LATIN_WORD.sub(_fold_word, s)


def normalize(text: Optional[str]) -> str:
    """Normalise a user message for NLU and validation.

    Devanagari digits to ASCII, Unicode NFC, nukta folded, ZWJ/ZWNJ dropped;
    links, @handles, e-mail addresses and emoji dropped, #hashtags unwrapped
    ("#PowerCut" -> "Power Cut"; "#2" kept); runs of punctuation to one mark;
    a space after sentence punctuation glued to a word (not inside numbers);
    ALL-CAPS words lower-cased; letters stretched 3+ times squeezed to two;
    common romanised-Hindi spelling variants mapped to one form. Other case is
    kept (the N of an IVRS number is case-insensitive anyway; featurizers
    lowercase). Idempotent: NLU and validation may both apply it.
    """
    if not text:
        return ""
    s = str(text)
    # Removing noise can bring marks or letters together ("!! 😡 !!"); a few
    # passes reach the fixed point, which makes normalize idempotent.
    for _ in range(4):
        new = _normalize_once(s)
        if new == s:
            break
        s = new
    return s


# Words that mark a Latin-script message as romanised Hindi.
_HINGLISH = {
    "mera", "meri", "mere", "hai", "nahi", "kya", "kitna", "kitne", "kab", "kaise",
    "bijli", "ka", "ki", "ke", "ko", "se", "aur", "karna", "karo", "kar", "chahiye",
    "gaya", "gaye", "gayi", "raha", "rahi", "rahe", "ho", "hua", "hui", "bhai", "ji",
    "jama", "paise", "paisa", "bhugtan", "shikayat", "batao", "bataiye", "dekhna",
    "mujhe", "humara", "hamara", "abhi", "subah", "shaam", "kal", "aaj", "wala",
    "kripya", "krpya", "haan", "nahin", "accha", "acha", "theek", "thik", "dhanyavad",
    "shukriya", "namaste", "namaskar", "kaun", "kahan", "jaldi", "band", "aa", "aayi",
    "gramin", "shahri", "kheti", "naya", "nayi", "nai", "kanekshan", "bhejo", "do", "dijiye",
    "hindi",
}
_ENGLISH = {
    "the", "is", "my", "i", "want", "to", "pay", "what", "when", "how", "please",
    "electricity", "power", "bill", "amount", "due", "complaint", "status", "new",
    "connection", "you", "your", "can", "need", "help", "there", "no", "not", "since",
    "morning", "thanks", "thank", "payment", "receipt", "show", "check", "much", "it",
    "of", "for", "and", "have", "has", "been", "with", "me", "a", "an", "english",
    "cut", "outage", "meter", "voltage", "wire", "pole", "transformer", "register",
    "previous", "history", "last", "months", "menu", "options", "services", "speak",
    "talk", "person", "agent", "human", "urban", "rural", "agriculture", "yes", "bye",
    "do", "does", "did", "am", "are", "was", "were", "will", "should", "would",
    "wrong", "received", "got", "incorrect", "high", "too", "this", "month", "why",
    "light", "supply", "current", "broken", "burnt", "fault", "faulty", "where",
}
# Greetings and single words carry no language signal on their own.
_NEUTRAL = {"hi", "hii", "hello", "hey", "ok", "okay", "menu", "bill", "light", "ivrs", "n", "upi"}


def detect_language(text: Optional[str]) -> Optional[str]:
    """'hi' for Devanagari or romanised Hindi, 'en' for English, None if unclear.

    Numbers, greetings like "Hi" and one-word messages carry no signal; the
    caller then keeps the conversation's current language.
    """
    if not text:
        return None
    if _DEVANAGARI.search(text):
        return "hi"
    words = [w for w in _WORD.findall(normalize(text).lower()) if w not in _NEUTRAL]
    if not words:
        return None
    hi = sum(1 for w in words if w in _HINGLISH)
    en = sum(1 for w in words if w in _ENGLISH and w not in _HINGLISH)
    if hi == 0 and en == 0:
        return None
    if hi > en:
        return "hi"
    if en > hi:
        return "en"
    return None


def devanagari_words(*words: str) -> str:
    """A regex for whole Devanagari words, so that बिल does not match बिलकुल.

    ``\\b`` cannot do it: Python's ``re`` does not count vowel signs as word characters."""
    return rf"(?<![\u0900-\u097F])(?:{'|'.join(words)})(?![\u0900-\u097F])"
