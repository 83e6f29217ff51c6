"""Payment providers behind one interface; ``PAYMENT_PROVIDER`` picks one.

``demo``      needs no outside service: the "payment page" is served by our own
              webhook channel (channels/payments.py); the UPI link is the static VPA's.
``razorpay``  a Payment Link and a single-use UPI QR code per request, so every
              rupee paid produces a signed gateway event (``bijli.payments.razorpay``).

``call_with_deadline`` runs gateway calls in this module's own bounded pool, so a
slow or dead gateway never holds up lookups or complaints, and the consumer hears
back within ``PAYMENT_DEADLINE_SECONDS``.
"""
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Optional, TypeVar, Union

from bijli.payments.gateway_types import GatewayError, LinkRequest, PaymentLink
from bijli.payments.razorpay import RazorpayProvider
from bijli.settings import Settings

T = TypeVar("T")


# -- the gateway pool -------------------------------------------------------------

_pool: Optional[ThreadPoolExecutor] = None
_pool_lock = threading.Lock()


def _gateway_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:   # made on first use: nothing happens at import time
            _pool = ThreadPoolExecutor(max_workers=Settings.from_env().gateway_pool_size,
                                       thread_name_prefix="bijli-gateway")
        return _pool


def call_with_deadline(fn: Callable[..., T], *args: Any, deadline_seconds: float, **kwargs: Any) -> T:
    """Run ``fn`` in the gateway pool; ``GatewayError(retryable=True)`` once the deadline passes."""
    future = _gateway_pool().submit(fn, *args, **kwargs)
    try:
        return future.result(timeout=deadline_seconds)
    except FutureTimeout:
        # Still queued behind hung calls: never start it. A running call is left to
        # finish on its own; its HTTP timeouts bound it.
        future.cancel()
        raise GatewayError(f"the gateway gave no answer within {deadline_seconds:g}s",
                           retryable=True) from None


# -- demo ---------------------------------------------------------------------------

class DemoProvider:
    """Stand-in for a gateway: a local page plays the UPI app."""

    name = "demo"

    def __init__(self, public_base_url: str):
        self.public_base_url = public_base_url.rstrip("/")

    def _url(self, ref: str) -> str:
        from bijli.payments import PAY_PAGE_PATH

        return self.public_base_url + PAY_PAGE_PATH.format(ref=ref)

    def create_link(self, req: LinkRequest) -> PaymentLink:
        """The demo page, and the static-VPA UPI link as the QR's content."""
        return PaymentLink(link_id="demo_" + req.ref, url=self._url(req.ref), upi_string=req.upi_link)

    def page_url(self, ref: str, link_id: Optional[str]) -> Optional[str]:
        """The demo page of ``ref``."""
        return self._url(ref)

    def cancel(self, link_id: Optional[str], qr_id: Optional[str]) -> bool:
        """Nothing to cancel: the demo page checks the payment's status itself."""
        return True


def provider_for(settings: Settings) -> Union[DemoProvider, RazorpayProvider]:
    """The provider ``PAYMENT_PROVIDER`` names."""
    name = settings.payment_provider
    if name == "demo":
        return DemoProvider(settings.public_base_url)
    if name == "razorpay":
        return RazorpayProvider(settings.razorpay_base_url, settings.razorpay_key_id,
                                settings.razorpay_key_secret,
                                deadline_seconds=settings.payment_deadline_seconds)
    raise GatewayError(f"unknown PAYMENT_PROVIDER {name!r} (use demo or razorpay)")


__all__ = ["GatewayError", "LinkRequest", "PaymentLink", "DemoProvider", "RazorpayProvider",
           "call_with_deadline", "provider_for"]
