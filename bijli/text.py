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
_SPACES = re.compile(r"\s+")
_DEVANAGARI = re.compile("[\u0900-\u097F]")


def to_ascii_digits(text: str) -> str:
    """Devanagari digits (०-९) to ASCII; everything else unchanged."""
    return text.translate(_DEV_DIGITS)


def normalize(text: Optional[str]) -> str:
    """Normalise a user message for NLU and validation.

    Devanagari digits to ASCII, Unicode NFC, nukta folded, ZWJ/ZWNJ dropped,
    repeated punctuation and whitespace tidied, common romanised-Hindi
    spelling variants mapped to one form. Case is kept (the N of an IVRS
    number is case-insensitive anyway; featurizers lowercase).
    """
    if not text:
        return ""
    # Zero-width characters go before NFC: one between a letter and its mark
    # would otherwise block the composition, and a second pass would compose.
    s = unicodedata.normalize("NFC", _ZW.sub("", str(text)))
    s = s.translate(_NUKTA_FOLD).replace(_NUKTA, "")
    s = to_ascii_digits(s)
    s = _PUNCT_RUN.sub(r"\1", s)
    s = _SPACES.sub(" ", s).strip()

    def fold(m: "re.Match") -> str:
        w = m.group(0)
        return _VARIANT_MAP.get(w, w)

    # Variants are matched on lower-case words; other words keep their case.
    out = []
    for token in s.split(" "):
        low = token.lower()
        if _WORD.fullmatch(low) and low in _VARIANT_MAP:
            out.append(_VARIANT_MAP[low])
        else:
            out.append(token)
    return " ".join(out)


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
