"""What every payment provider takes and gives (the floor below ``gateway`` and ``razorpay``)."""
from dataclasses import dataclass
from typing import Optional


class GatewayError(Exception):
    """The provider could not do what was asked.

    ``status`` is the gateway's HTTP status if it answered; ``retryable`` is
    True when trying again later may work (outage), False for a rejection.
    """

    def __init__(self, message: str, *, status: Optional[int] = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class LinkRequest:
    ref: str
    amount_paise: int
    ivrs: str
    description: str
    upi_link: str               # the static-VPA link; used by the demo provider only
    expire_by: int              # unix seconds


@dataclass(frozen=True)
class PaymentLink:
    link_id: str
    url: Optional[str]                  # the payment page, if the provider has one
    qr_id: Optional[str] = None
    upi_string: Optional[str] = None    # what the QR encodes (upi://...) or its image URL
    qr_image_url: Optional[str] = None
