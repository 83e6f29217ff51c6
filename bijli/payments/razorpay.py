"""The Razorpay provider: a Payment Link and a single-use UPI QR code per request.

Every HTTP call has a timeout, clipped to what is left of one overall deadline per
request (``PAYMENT_DEADLINE_SECONDS``). Connection errors, timeouts, 429 and 5xx
are retried while the deadline allows. A failed create may still have happened,
so before each retry we look for what it may have made:
- links by our ``reference_id`` (``GET /v1/payment_links?reference_id=``); Razorpay
  also refuses a second link with the same reference, and that 400 is answered by
  the same lookup;
- QR codes have no unique reference, so we list those created since shortly before
  we began (``GET /v1/payments/qr_codes?from=&count=100&skip=``, up to 5 pages) and
  match ``notes.payment_ref``. If that lookup fails after a create whose outcome is
  unknown, we give up rather than risk a second QR for one reference.
If the QR cannot be made, the link is cancelled (best effort). A 2xx that is not
JSON, or lacks the fields we need, is an error, never a success (a link or QR it
may have made expires at its ``expire_by``/``close_by``). Other 4xx are not retried.
Nothing here uses ``UPI_VPA``: the UPI string is the QR's own.
"""
import logging
import time
from typing import Any, Callable, Dict, Iterable, Optional, Tuple, TypeVar

import requests
from urllib3.exceptions import NewConnectionError

from bijli.payments.gateway_types import GatewayError, LinkRequest, PaymentLink

logger = logging.getLogger(__name__)

# (connect, read) seconds per HTTP call, before clipping to the deadline.
DEFAULT_TIMEOUT: Tuple[float, float] = (3.05, 10.0)
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = 0.5           # seconds before the 2nd attempt; doubles after
DEFAULT_DEADLINE = 5.0          # seconds for one whole create_link, retries included
MIN_EXPIRY_SECONDS = 16 * 60    # Razorpay wants expire_by / close_by 15+ minutes ahead
QR_LOOKUP_PAGE = 100            # Razorpay's largest page of QR codes
QR_LOOKUP_PAGES = 5
QR_LOOKUP_SLACK = 300           # list QRs created from this many seconds before we began

T = TypeVar("T")


class _Transient(Exception):
    """An attempt whose outcome is unknown or temporary (retry it).

    ``maybe_done`` is False only when the gateway surely did nothing (429, or
    the connection was never made).
    """

    def __init__(self, message: str, *, maybe_done: bool = True):
        super().__init__(message)
        self.maybe_done = maybe_done


class _Deadline:
    def __init__(self, clock: Callable[[], float], seconds: float):
        self.clock, self.ends = clock, clock() + seconds

    def left(self) -> float:
        return self.ends - self.clock()


def _json(resp: requests.Response, need: Iterable[str], what: str) -> Dict[str, Any]:
    """The 2xx body as a dict holding ``need``; a clear GatewayError otherwise."""
    try:
        data = resp.json()
    except ValueError:
        raise GatewayError(f"gateway answered {what} with HTTP {resp.status_code} but not JSON",
                           status=resp.status_code) from None
    missing = [k for k in need if not (isinstance(data, dict) and data.get(k))]
    if missing:
        raise GatewayError(f"gateway answered {what} without {', '.join(missing)}",
                           status=resp.status_code)
    return data


def _error(resp: requests.Response) -> str:
    try:
        err = (resp.json() or {}).get("error") or {}
        return str(err.get("description") or err.get("code") or resp.text[:200])
    except (ValueError, AttributeError):
        return resp.text[:200]


class RazorpayProvider:
    name = "razorpay"

    def __init__(self, base_url: str, key_id: Optional[str], key_secret: Optional[str], *,
                 timeout: Tuple[float, float] = DEFAULT_TIMEOUT, attempts: int = DEFAULT_ATTEMPTS,
                 backoff: float = DEFAULT_BACKOFF, deadline_seconds: float = DEFAULT_DEADLINE,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time):
        self.base_url = base_url.rstrip("/")
        self.key_id = key_id
        self.key_secret = key_secret
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.deadline_seconds = deadline_seconds
        self.sleep, self.clock, self.wall = sleep, clock, wall

    # -- HTTP ---------------------------------------------------------------

    def _auth(self) -> Tuple[str, str]:
        if not self.key_id or not self.key_secret:
            raise GatewayError("RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET must be set "
                               "for PAYMENT_PROVIDER=razorpay")
        return (self.key_id, self.key_secret)

    def _call(self, method: str, path: str, deadline: Optional[_Deadline] = None,
              **kwargs: Any) -> requests.Response:
        timeout = self.timeout
        if deadline is not None:
            left = deadline.left()
            if left <= 0:
                raise _Transient("overall deadline passed", maybe_done=False)
            timeout = (min(timeout[0], left), min(timeout[1], left))
        try:
            resp = requests.request(method, self.base_url + path, auth=self._auth(),
                                    timeout=timeout, **kwargs)
        except requests.ConnectTimeout as e:
            raise _Transient("timed out connecting", maybe_done=False) from e
        except requests.Timeout as e:
            raise _Transient(f"timed out: {e.__class__.__name__}") from e
        except requests.ConnectionError as e:
            reason = getattr(e.args[0], "reason", None) if e.args else None
            raise _Transient(f"connection failed: {e.__class__.__name__}",
                             maybe_done=not isinstance(reason, NewConnectionError)) from e
        except requests.RequestException as e:
            raise _Transient(f"request failed: {e.__class__.__name__}") from e
        if resp.status_code == 429 or resp.status_code >= 500:
            raise _Transient(f"HTTP {resp.status_code}", maybe_done=resp.status_code != 429)
        return resp

    def _retrying(self, what: str, ref: str, deadline: _Deadline, create: Callable[[], T],
                  find: Callable[[], Optional[T]], *, find_must_answer: bool) -> T:
        """``create()``, retried; before each retry, ``find()`` what a failed try may have made."""
        last: Optional[_Transient] = None
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                pause = self.backoff * 2 ** (attempt - 2)
                if deadline.left() <= pause:
                    raise GatewayError(f"gateway too slow: no {what} for {ref} within "
                                       f"{self.deadline_seconds:g}s ({attempt - 1} attempts, "
                                       f"last: {last})", retryable=True)
                self.sleep(pause)
                try:
                    found = find()
                except _Transient as e:
                    if find_must_answer and last is not None and last.maybe_done:
                        raise GatewayError(f"{what} for {ref} may exist but the lookup failed "
                                           f"({e}); not making a second one", retryable=True) from e
                    logger.info("razorpay %s lookup for %s failed: %s", what, ref, e)
                    found = None
                if found is not None:
                    return found
            try:
                return create()
            except _Transient as e:
                last = e
                logger.warning("razorpay create %s %s attempt %d/%d: %s",
                               what, ref, attempt, self.attempts, e)
        raise GatewayError(f"gateway unavailable after {self.attempts} attempts: {last}",
                           retryable=True)

    # -- payment links --------------------------------------------------------

    def find_link(self, ref: str, deadline: Optional[_Deadline] = None) -> Optional[Dict[str, Any]]:
        """The payment link made for our reference, if the gateway has one."""
        resp = self._call("GET", "/v1/payment_links", deadline, params={"reference_id": ref})
        try:
            links = (resp.json() or {}).get("payment_links") if resp.status_code == 200 else None
        except (ValueError, AttributeError):
            links = None
        if not isinstance(links, list):
            raise _Transient(f"link lookup answered HTTP {resp.status_code} without a list")
        return next((link for link in links if link.get("reference_id") == ref), None)

    def _create_link(self, req: LinkRequest, deadline: _Deadline) -> Dict[str, Any]:
        body = {
            "amount": req.amount_paise, "currency": "INR", "accept_partial": False,
            "reference_id": req.ref, "description": req.description, "upi_link": True,
            "expire_by": max(req.expire_by, int(self.wall()) + MIN_EXPIRY_SECONDS),
            "notes": {"ivrs": req.ivrs, "payment_ref": req.ref},
            "notify": {"sms": False, "email": False}, "reminder_enable": False,
        }
        resp = self._call("POST", "/v1/payment_links", deadline, json=body)
        if 200 <= resp.status_code < 300:
            return _json(resp, ("id", "short_url"), "the payment link")
        reason = _error(resp)
        if resp.status_code == 400 and "reference" in reason.lower():
            # Already exists: an earlier attempt got through. Use that link.
            try:
                existing = self.find_link(req.ref, deadline)
            except _Transient as e:
                raise GatewayError(f"link for {req.ref} may exist but lookup failed: {e}",
                                   retryable=True) from e
            if existing is not None:
                return existing
        raise GatewayError(f"gateway rejected the request (HTTP {resp.status_code}): {reason}",
                           status=resp.status_code)

    # -- QR codes -------------------------------------------------------------

    def find_qr(self, ref: str, since: int, deadline: Optional[_Deadline] = None) -> Optional[Dict[str, Any]]:
        """The QR code made for our reference since ``since`` (unix s), if any."""
        for page in range(QR_LOOKUP_PAGES):
            resp = self._call("GET", "/v1/payments/qr_codes", deadline, params={
                "from": since, "count": QR_LOOKUP_PAGE, "skip": page * QR_LOOKUP_PAGE})
            try:
                items = (resp.json() or {}).get("items") if resp.status_code == 200 else None
            except (ValueError, AttributeError):
                items = None
            if not isinstance(items, list):
                raise _Transient(f"QR lookup answered HTTP {resp.status_code} without a list")
            for qr in items:
                if ((qr or {}).get("notes") or {}).get("payment_ref") == ref:
                    return qr
            if len(items) < QR_LOOKUP_PAGE:
                return None
        raise _Transient(f"QR lookup: more than {QR_LOOKUP_PAGES * QR_LOOKUP_PAGE} recent QR codes")

    def _create_qr(self, req: LinkRequest, deadline: _Deadline) -> Dict[str, Any]:
        body = {
            "type": "upi_qr", "name": f"Bijli bill {req.ivrs}", "usage": "single_use",
            "fixed_amount": True, "payment_amount": req.amount_paise,
            "description": req.description,
            "close_by": max(req.expire_by, int(self.wall()) + MIN_EXPIRY_SECONDS),
            "notes": {"payment_ref": req.ref, "ivrs": req.ivrs},
        }
        resp = self._call("POST", "/v1/payments/qr_codes", deadline, json=body)
        if not 200 <= resp.status_code < 300:
            raise GatewayError(f"gateway refused the QR code (HTTP {resp.status_code}): "
                               f"{_error(resp)}", status=resp.status_code)
        try:
            return _json(resp, ("id", "image_url"), "the QR code")
        except GatewayError:
            try:
                qr_id = resp.json().get("id")
            except (ValueError, AttributeError):
                qr_id = None
            if qr_id:   # made but unusable to us: close it so nobody can pay it
                self.cancel(None, str(qr_id))
            raise

    @staticmethod
    def _check(req: LinkRequest, what: str, made: Dict[str, Any], amount_key: str) -> None:
        if made.get(amount_key) != req.amount_paise:
            raise GatewayError(f"a {what} for {req.ref} exists with another amount "
                               f"({made.get(amount_key)} paise)")

    # -- interface ------------------------------------------------------------

    def create_link(self, req: LinkRequest) -> PaymentLink:
        """A Payment Link and a single-use UPI QR for ``req``, each made at most once."""
        self._auth()
        deadline = _Deadline(self.clock, self.deadline_seconds)
        since = int(self.wall()) - QR_LOOKUP_SLACK
        link = self._retrying("payment link", req.ref, deadline,
                              lambda: self._create_link(req, deadline),
                              lambda: self.find_link(req.ref, deadline), find_must_answer=False)
        self._check(req, "link", link, "amount")
        link_id, url = str(link.get("id") or ""), link.get("short_url")
        if not link_id or not url:
            raise GatewayError(f"the payment link for {req.ref} has no id or URL")
        try:
            qr = self._retrying("QR code", req.ref, deadline, lambda: self._create_qr(req, deadline),
                                lambda: self.find_qr(req.ref, since, deadline), find_must_answer=True)
            self._check(req, "QR code", qr, "payment_amount")
            if not qr.get("id") or not qr.get("image_url") or qr.get("status", "active") != "active":
                raise GatewayError(f"the QR code for {req.ref} is not usable")
        except GatewayError as e:
            self.cancel(link_id, None)
            raise GatewayError(f"no QR code for {req.ref}, link cancelled: {e}",
                               status=e.status, retryable=e.retryable) from e
        return PaymentLink(link_id=link_id, url=str(url), qr_id=str(qr["id"]),
                           upi_string=str(qr.get("image_content") or qr["image_url"]),
                           qr_image_url=str(qr["image_url"]))

    def cancel(self, link_id: Optional[str], qr_id: Optional[str]) -> bool:
        """Cancel the link and close the QR; best effort, never raises, True if all were done."""
        # One deadline for both: a dead gateway holds a pool thread no longer than a Pay does.
        done, deadline = True, _Deadline(self.clock, self.deadline_seconds)
        for what, the_id, path in (("payment link", link_id, "/v1/payment_links/{}/cancel"),
                                   ("QR code", qr_id, "/v1/payments/qr_codes/{}/close")):
            if not the_id:
                continue
            try:
                resp = self._call("POST", path.format(the_id), deadline)
                ok = 200 <= resp.status_code < 300
                if not ok:
                    logger.warning("razorpay %s %s not closed: HTTP %d %s",
                                   what, the_id, resp.status_code, _error(resp))
            except (_Transient, GatewayError) as e:
                ok = False
                logger.warning("razorpay %s %s not closed: %s", what, the_id, e)
            done = done and ok
        return done

    def page_url(self, ref: str, link_id: Optional[str]) -> Optional[str]:
        """The link's short URL again (for a failed payment's retry), or None."""
        if not link_id:
            return None
        try:
            resp = self._call("GET", f"/v1/payment_links/{link_id}")
            if resp.status_code == 200:
                url = (resp.json() or {}).get("short_url")
                return str(url) if url else None
        except (_Transient, GatewayError, ValueError, AttributeError) as e:
            logger.info("payment link %s lookup failed: %s", link_id, e)
        return None
