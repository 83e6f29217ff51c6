"""A fake Razorpay (Payment Links and QR Codes APIs) on loopback, for gateway tests.

Behaves like the real one where it matters to us: basic auth; one link per
``reference_id`` (a second create is a 400 "already exists"); links looked up by
``reference_id`` and by id, and cancelled; single-use UPI QR codes created
(``close_by`` must be 15+ minutes ahead), listed newest first (``from``, ``count``,
``skip``), fetched by id and closed. ``image_content`` (the QR's UPI string) is
in the answers only when ``FakeRazorpay(image_content=True)``, as on accounts
with that feature.

Scripts make the next calls misbehave, one entry per call: ``post_script`` for
link creates, ``qr_script`` for QR creates, ``close_script`` for link cancels and
QR closes, ``get_script`` for every GET. Entries:

- ``"ok"``              normal behaviour
- ``500``, ``429``, ``400``...  answer that status with a Razorpay-style body, doing nothing
- ``"500-after"``       do it, then answer 500 (an ambiguous failure)
- ``"slow"``            wait ``slow_seconds``, then behave normally
- ``"slow-after"``      do it, then answer only after ``slow_seconds``
- ``"hang"``            hold the request unanswered, doing nothing, until ``stop()``
                        (or ``hang_limit`` seconds); then drop the connection
- ``"hang-after"``      do it, then hang like ``"hang"``
- ``"not-json"``        do it, then answer 200 with a text body
- ``"missing-fields"``  do it, then answer 200 with only the ``id``

``hanging`` counts the requests held right now (``wait_hanging`` waits for them).
"""
import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlparse

KEY_ID, KEY_SECRET = "rzp_test_fake", "fake-secret-for-tests"
LINKS, QRS = "/v1/payment_links", "/v1/payments/qr_codes"
MIN_CLOSE_BY = 15 * 60


class FakeRazorpay:
    def __init__(self, slow_seconds: float = 1.0, image_content: bool = False,
                 hang_limit: float = 30.0):
        self.links: Dict[str, Dict[str, Any]] = {}      # reference_id -> link
        self.qrs: Dict[str, Dict[str, Any]] = {}        # id -> QR code, in creation order
        self.requests: List[Dict[str, Any]] = []
        self.post_script: List[Any] = []
        self.qr_script: List[Any] = []
        self.close_script: List[Any] = []
        self.get_script: List[Any] = []
        self.slow_seconds = slow_seconds
        self.image_content = image_content
        self.hang_limit = hang_limit
        self.hanging = 0
        self._lock = threading.Lock()
        self._hang_changed = threading.Condition(self._lock)
        self._release = threading.Event()
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def posts(self, path: Optional[str] = None) -> List[Dict[str, Any]]:
        """POSTs received (to ``path`` exactly, if given)."""
        return [r for r in self.requests if r["method"] == "POST" and path in (None, r["path"])]

    def gets(self, path: Optional[str] = None) -> List[Dict[str, Any]]:
        """GETs received (whose path without the query is ``path``, if given)."""
        return [r for r in self.requests
                if r["method"] == "GET" and path in (None, urlparse(r["path"]).path)]

    def link_by_id(self, link_id: str) -> Optional[Dict[str, Any]]:
        return next((link for link in self.links.values() if link["id"] == link_id), None)

    def add_qr(self, body: Dict[str, Any]) -> Dict[str, Any]:
        """Make a QR code as ``POST /v1/payments/qr_codes`` would (someone else's, say)."""
        with self._lock:
            status, qr = self._create_qr(body)
        assert status == 200, qr
        return qr

    def wait_hanging(self, n: int, timeout: float = 10.0) -> bool:
        """Wait until ``n`` requests are being held by ``"hang"``."""
        with self._hang_changed:
            return self._hang_changed.wait_for(lambda: self.hanging >= n, timeout)

    # -- what the endpoints do (under the lock) ---------------------------------

    def _create_link(self, body: Dict[str, Any]):
        ref = body.get("reference_id")
        if ref in self.links:
            return 400, _err("payment link with given reference_id already exists")
        n = len(self.links) + 1
        link = {"id": f"plink_fake{n:04d}", "short_url": f"https://rzp.io/i/fake{n:04d}",
                "reference_id": ref, "amount": body.get("amount"), "status": "created",
                "upi_link": body.get("upi_link"), "notes": body.get("notes")}
        self.links[ref] = link
        return 200, link

    def _create_qr(self, body: Dict[str, Any]):
        if body.get("type") != "upi_qr" or body.get("usage") not in ("single_use", "multiple_use"):
            return 400, _err("type must be upi_qr and usage single_use or multiple_use")
        if body.get("fixed_amount") and not isinstance(body.get("payment_amount"), int):
            return 400, _err("payment_amount is required when fixed_amount is true")
        now = int(time.time())
        if body.get("close_by") is not None and body["close_by"] < now + MIN_CLOSE_BY:
            return 400, _err("close_by should be at least 15 minutes after current time")
        n = len(self.qrs) + 1
        qr = {"id": f"qr_fake{n:04d}", "entity": "qr_code", "created_at": now,
              "name": body.get("name"), "usage": body.get("usage"), "type": "upi_qr",
              "image_url": f"https://rzp.io/i/qrfake{n:04d}",
              "payment_amount": body.get("payment_amount"), "status": "active",
              "description": body.get("description"), "fixed_amount": body.get("fixed_amount"),
              "payments_amount_received": 0, "payments_count_received": 0,
              "notes": body.get("notes"), "customer_id": None, "close_by": body.get("close_by"),
              "closed_at": None, "close_reason": None}
        if self.image_content:
            amount = body.get("payment_amount") or 0
            qr["image_content"] = (f"upi://pay?pa=rzr.qrfake{n:04d}@icici&pn=Fake&tr=RZPqrfake{n:04d}"
                                   f"&am={amount // 100}.{amount % 100:02d}&cu=INR")
        self.qrs[qr["id"]] = qr
        return 200, qr

    def _cancel_link(self, link_id: str):
        link = self.link_by_id(link_id)
        if link is None:
            return 404, _err("The id provided does not exist")
        if link["status"] != "created":
            return 400, _err(f"Payment link cannot be cancelled: it is {link['status']}")
        link["status"] = "cancelled"
        return 200, link

    def _close_qr(self, qr_id: str):
        qr = self.qrs.get(qr_id)
        if qr is None:
            return 404, _err("The id provided does not exist")
        if qr["status"] == "closed":
            return 400, _err("QR code is already closed")
        qr.update(status="closed", closed_at=int(time.time()), close_reason="on_demand")
        return 200, qr

    def _list_qrs(self, query: Dict[str, List[str]]):
        def num(key: str, default: int) -> int:
            return int((query.get(key) or [default])[0])
        since, count, skip = num("from", 0), min(num("count", 10), 100), num("skip", 0)
        items = [q for q in reversed(list(self.qrs.values())) if q["created_at"] >= since]
        page = items[skip:skip + count]
        return 200, {"entity": "collection", "count": len(page), "items": page}

    def _post(self, path: str, body: Dict[str, Any]):
        parts = path.strip("/").split("/")
        if path == LINKS:
            return "post_script", lambda: self._create_link(body)
        if path == QRS:
            return "qr_script", lambda: self._create_qr(body)
        if path.startswith(LINKS + "/") and parts[-1] == "cancel":
            return "close_script", lambda: self._cancel_link(parts[-2])
        if path.startswith(QRS + "/") and parts[-1] == "close":
            return "close_script", lambda: self._close_qr(parts[-2])
        return None, lambda: (404, _err("The requested URL was not found on the server."))

    def _get(self, path: str, query: Dict[str, List[str]]):
        if path == LINKS:
            ref = (query.get("reference_id") or [None])[0]
            found = [link for r, link in self.links.items() if ref is None or r == ref]
            return 200, {"payment_links": found, "count": len(found)}
        if path.startswith(LINKS + "/"):
            link = self.link_by_id(path.rsplit("/", 1)[-1])
            return (200, link) if link else (404, _err("The id provided does not exist"))
        if path == QRS:
            return self._list_qrs(query)
        if path.startswith(QRS + "/"):
            qr = self.qrs.get(path.rsplit("/", 1)[-1])
            return (200, qr) if qr else (404, _err("The id provided does not exist"))
        return 404, _err("The requested URL was not found on the server.")

    # -- the server ------------------------------------------------------------------

    def _hold(self) -> None:
        with self._hang_changed:
            self.hanging += 1
            self._hang_changed.notify_all()
        self._release.wait(self.hang_limit)
        with self._hang_changed:
            self.hanging -= 1
            self._hang_changed.notify_all()

    def start(self) -> "FakeRazorpay":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: Any, text: bool = False) -> None:
                data = body.encode() if text else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html" if text else "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def _authorised(self) -> bool:
                expected = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self._send(401, _err("Authentication failed"))
                    return False
                return True

            def _run(self, script_name: Optional[str], action) -> None:
                with fake._lock:
                    script = getattr(fake, script_name) if script_name else []
                    step = script.pop(0) if script else "ok"
                if isinstance(step, int):
                    code = "SERVER_ERROR" if step >= 500 else "BAD_REQUEST_ERROR"
                    return self._send(step, _err(f"fake error {step}", code))
                if step == "hang":
                    fake._hold()
                    self.close_connection = True
                    return None
                if step == "slow":
                    time.sleep(fake.slow_seconds)
                with fake._lock:
                    status, body = action()
                if status != 200 or step in ("ok", "slow"):
                    return self._send(status, body)
                if step == "500-after":
                    return self._send(500, _err("oops", "SERVER_ERROR"))
                if step == "slow-after":
                    time.sleep(fake.slow_seconds)
                if step == "hang-after":
                    fake._hold()
                    self.close_connection = True
                    return None
                if step == "not-json":
                    return self._send(200, "<html>Service temporarily busy</html>", text=True)
                if step == "missing-fields":
                    return self._send(200, {"id": body["id"]} if "id" in body else {})
                self._send(status, body)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                fake.requests.append({"method": "POST", "path": self.path, "body": body,
                                      "auth": self.headers.get("Authorization")})
                if self._authorised():
                    self._run(*fake._post(urlparse(self.path).path.rstrip("/"), body))

            def do_GET(self):
                fake.requests.append({"method": "GET", "path": self.path,
                                      "auth": self.headers.get("Authorization")})
                if self._authorised():
                    parsed = urlparse(self.path)
                    query = parse_qs(parsed.query)
                    self._run("get_script", lambda: fake._get(parsed.path.rstrip("/"), query))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Release held requests, then stop serving."""
        self._release.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def _err(description: str, code: str = "BAD_REQUEST_ERROR") -> Dict[str, Any]:
    return {"error": {"code": code, "description": description}}
