"""UPI deep links, following the NPCI UPI linking specification.

upi://pay?pa=<VPA>&pn=<payee>&am=<amount>&cu=INR&tr=<ref>&tn=<note>&mc=4900
Values are percent-encoded with %20 for spaces (never '+'); '@' in the VPA
stays as it is, as in the spec's examples.
"""
import re
import secrets
from datetime import datetime
from typing import Optional
from urllib.parse import quote

from bijli.money import rupees_plain

UTILITY_MCC = "4900"
_VPA = re.compile(r"^[A-Za-z0-9.\-_]{2,256}@[A-Za-z][A-Za-z0-9.\-]{1,64}$")


class UpiError(ValueError):
    pass


def _enc(value: str) -> str:
    return quote(str(value), safe="@")


def new_payment_ref(now: Optional[datetime] = None) -> str:
    """A unique reference: 'BS' + yymmddHHMMSS + 8 random hex digits (22 chars, <= 35)."""
    now = now or datetime.utcnow()
    return "BS" + now.strftime("%y%m%d%H%M%S") + secrets.token_hex(4).upper()


def upi_link(vpa: str, payee: str, amount_paise: int, ref: str, note: str,
             mcc: str = UTILITY_MCC) -> str:
    """A `upi://pay` link for the amount; raises UpiError on a value a UPI app would refuse."""
    if not _VPA.match(vpa or ""):
        raise UpiError(f"invalid VPA: {vpa!r}")
    if amount_paise <= 0:
        raise UpiError("amount must be positive")
    if not ref or len(ref) > 35:
        raise UpiError("transaction reference must be 1-35 characters")
    params = [
        ("pa", vpa), ("pn", payee), ("am", rupees_plain(amount_paise)), ("cu", "INR"),
        ("tr", ref), ("tn", note), ("mc", mcc),
    ]
    return "upi://pay?" + "&".join(f"{k}={_enc(v)}" for k, v in params)
