"""Payment providers behind one interface; ``PAYMENT_PROVIDER`` picks one.

``demo``      needs no outside service: the "payment page" is served by our own
              webhook channel (channels/payments.py), with Pay and Fail buttons
              that send the same signed webhook a gateway sends.
``razorpay``  creates a UPI Payment Link: ``POST {RAZORPAY_BASE_URL}/v1/payment_links``.

Razorpay safety: every HTTP call has a timeout. Connection errors, timeouts,
429 and 5xx are retried; before each retry the link is looked up by our
reference (``GET /v1/payment_links?reference_id=``) because the failed attempt
may have created it. Razorpay also rejects a second link with the same
``reference_id``; that 400 is answered by the same lookup. So one reference
never gets two links. Other 4xx are not retried and raise a clear error.
"""
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import requests

from bijli.settings import Settings

logger = logging.getLogger(__name__)

# (connect, read) seconds for creating a link; lookups use the same.
DEFAULT_TIMEOUT: Tuple[float, float] = (3.05, 10.0)
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = 0.5           # seconds before the 2nd attempt; doubles after
MIN_EXPIRY_SECONDS = 16 * 60    # Razorpay wants expire_by at least 15 minutes ahead


class GatewayError(Exception):
    """The provider could not create the payment link.

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
    upi_link: str
    expire_by: int              # unix seconds


@dataclass(frozen=True)
class PaymentLink:
    link_id: str
    url: str


class DemoProvider:
    """Stand-in for a gateway: a local page plays the UPI app."""

    name = "demo"

    def __init__(self, public_base_url: str):
        self.public_base_url = public_base_url.rstrip("/")

    def _url(self, ref: str) -> str:
        from bijli.payments import PAY_PAGE_PATH

        return self.public_base_url + PAY_PAGE_PATH.format(ref=ref)

    def create_link(self, req: LinkRequest) -> PaymentLink:
        return PaymentLink(link_id="demo_" + req.ref, url=self._url(req.ref))

    def page_url(self, ref: str, link_id: Optional[str]) -> Optional[str]:
        return self._url(ref)


class _Transient(Exception):
    """An attempt whose outcome is unknown or temporary (retry it)."""


class RazorpayProvider:
    name = "razorpay"

    def __init__(self, base_url: str, key_id: Optional[str], key_secret: Optional[str], *,
                 timeout: Tuple[float, float] = DEFAULT_TIMEOUT, attempts: int = DEFAULT_ATTEMPTS,
                 backoff: float = DEFAULT_BACKOFF, sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.key_id = key_id
        self.key_secret = key_secret
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep

    # -- HTTP ---------------------------------------------------------------

    def _auth(self) -> Tuple[str, str]:
        if not self.key_id or not self.key_secret:
            raise GatewayError("RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET must be set "
                               "for PAYMENT_PROVIDER=razorpay")
        return (self.key_id, self.key_secret)

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            resp = requests.request(method, self.base_url + path, auth=self._auth(),
                                    timeout=self.timeout, **kwargs)
        except requests.Timeout as e:
            raise _Transient(f"timed out: {e.__class__.__name__}") from e
        except requests.ConnectionError as e:
            raise _Transient(f"connection failed: {e.__class__.__name__}") from e
        if resp.status_code == 429 or resp.status_code >= 500:
            raise _Transient(f"HTTP {resp.status_code}")
        return resp

    @staticmethod
    def _error(resp: requests.Response) -> str:
        try:
            err = (resp.json() or {}).get("error") or {}
            return str(err.get("description") or err.get("code") or resp.text[:200])
        except ValueError:
            return resp.text[:200]

    @staticmethod
    def _link(data: Dict[str, Any]) -> PaymentLink:
        link_id, url = data.get("id"), data.get("short_url")
        if not link_id or not url:
            raise GatewayError("gateway answered without a link id or URL")
        return PaymentLink(link_id=str(link_id), url=str(url))

    def find_link(self, ref: str) -> Optional[Dict[str, Any]]:
        """The payment link made for our reference, if the gateway has one."""
        resp = self._call("GET", "/v1/payment_links", params={"reference_id": ref})
        if resp.status_code != 200:
            raise _Transient(f"lookup answered HTTP {resp.status_code}")
        for link in (resp.json() or {}).get("payment_links") or []:
            if link.get("reference_id") == ref:
                return link
        return None

    def _found(self, req: LinkRequest, link: Dict[str, Any]) -> PaymentLink:
        if int(link.get("amount") or 0) != req.amount_paise:
            raise GatewayError(f"a link for {req.ref} exists with another amount "
                               f"({link.get('amount')} paise)")
        return self._link(link)

    # -- interface ------------------------------------------------------------

    def create_link(self, req: LinkRequest) -> PaymentLink:
        self._auth()
        body = {
            "amount": req.amount_paise,
            "currency": "INR",
            "accept_partial": False,
            "reference_id": req.ref,
            "description": req.description,
            "upi_link": True,
            "expire_by": max(req.expire_by, int(time.time()) + MIN_EXPIRY_SECONDS),
            "notes": {"ivrs": req.ivrs, "payment_ref": req.ref},
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
        }
        last = "no attempt made"
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                self.sleep(self.backoff * 2 ** (attempt - 2))
                # The attempt before may have created the link without our seeing it.
                try:
                    existing = self.find_link(req.ref)
                except _Transient as e:
                    existing = None
                    logger.info("payment link lookup for %s failed: %s", req.ref, e)
                if existing is not None:
                    return self._found(req, existing)
            try:
                resp = self._call("POST", "/v1/payment_links", json=body)
            except _Transient as e:
                last = str(e)
                logger.warning("razorpay create link %s attempt %d/%d: %s",
                               req.ref, attempt, self.attempts, last)
                continue
            if 200 <= resp.status_code < 300:
                return self._link(resp.json() or {})
            reason = self._error(resp)
            if resp.status_code == 400 and "reference" in reason.lower():
                # Already exists: an earlier attempt got through. Use that link.
                try:
                    existing = self.find_link(req.ref)
                except _Transient as e:
                    raise GatewayError(f"link for {req.ref} may exist but lookup failed: {e}",
                                       retryable=True) from e
                if existing is not None:
                    return self._found(req, existing)
            raise GatewayError(f"gateway rejected the request (HTTP {resp.status_code}): {reason}",
                               status=resp.status_code)
        raise GatewayError(f"gateway unavailable after {self.attempts} attempts: {last}",
                           retryable=True)

    def page_url(self, ref: str, link_id: Optional[str]) -> Optional[str]:
        """The link's short URL again (for a failed payment's retry), or None."""
        if not link_id:
            return None
        try:
            resp = self._call("GET", f"/v1/payment_links/{link_id}")
            if resp.status_code == 200:
                return (resp.json() or {}).get("short_url")
        except (_Transient, GatewayError, ValueError) as e:
            logger.info("payment link %s lookup failed: %s", link_id, e)
        return None


def provider_for(settings: Settings):
    name = settings.payment_provider
    if name == "demo":
        return DemoProvider(settings.public_base_url)
    if name == "razorpay":
        return RazorpayProvider(settings.razorpay_base_url, settings.razorpay_key_id,
                                settings.razorpay_key_secret)
    raise GatewayError(f"unknown PAYMENT_PROVIDER {name!r} (use demo or razorpay)")
