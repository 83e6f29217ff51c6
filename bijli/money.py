"""Money: integer paise in, exact strings out. Never float."""
import re
from decimal import ROUND_HALF_UP, Decimal

_PLAIN = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_TOO_PRECISE = re.compile(r"^\d{1,12}\.\d{3,}$")
MAX_PAISE = 10 ** 12  # ₹1,000 crore: far above any LT/HT bill


class AmountError(ValueError):
    pass


def parse_rupees(text: str) -> int:
    """'1847.00' or '1,847.5' -> paise (184700, 184750). Raises AmountError."""
    s = str(text).strip().replace(",", "").replace("₹", "")
    if s.startswith("-"):
        raise AmountError(f"negative amount: {text!r}")
    if not _PLAIN.match(s):
        if _TOO_PRECISE.match(s):
            raise AmountError(f"more than 2 decimals: {text!r}")
        raise AmountError(f"not an amount: {text!r}")
    paise = int((Decimal(s) * 100).to_integral_value(rounding=ROUND_HALF_UP))
    if paise > MAX_PAISE:
        raise AmountError(f"amount too large: {text!r}")
    return paise


def rupees_plain(paise: int) -> str:
    """184700 -> '1847.00' (for UPI links and gateways)."""
    sign = "-" if paise < 0 else ""
    p = abs(int(paise))
    return f"{sign}{p // 100}.{p % 100:02d}"


def indian_grouping(number: int) -> str:
    """1234567 -> '12,34,567'."""
    digits = str(abs(int(number)))
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join(groups + [tail])
    return ("-" if number < 0 else "") + digits


def format_inr(paise: int) -> str:
    """184700 -> '₹1,847.00'; 12345678 -> '₹1,23,456.78'."""
    p = int(paise)
    sign = "-" if p < 0 else ""
    p = abs(p)
    return f"{sign}₹{indian_grouping(p // 100)}.{p % 100:02d}"
