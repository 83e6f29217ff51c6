"""A fake Razorpay Payment Links API on loopback, for gateway tests.

Behaves like the real one where it matters to us: basic auth, one link per
``reference_id`` (a second create is a 400 "already exists"), lookup by
``reference_id`` and by id. ``post_script`` / ``get_script`` make the next
calls misbehave, one entry per call:

- ``"ok"``          normal behaviour
- ``500``, ``503``   answer that status, creating nothing
- ``"500-after"``   create the link, then answer 500 (an ambiguous failure)
- ``"slow-after"``  create the link, then answer only after ``slow_seconds``
- ``"slow"``        wait ``slow_seconds`` and answer normally
- ``400``, ``401``  answer that client error with a Razorpay-style body
"""
import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlparse

KEY_ID, KEY_SECRET = "rzp_test_fake", "fake-secret-for-tests"


class FakeRazorpay:
    def __init__(self, slow_seconds: float = 1.0):
        self.links: Dict[str, Dict[str, Any]] = {}      # reference_id -> link
        self.requests: List[Dict[str, Any]] = []
        self.post_script: List[Any] = []
        self.get_script: List[Any] = []
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def posts(self) -> List[Dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]

    def start(self) -> "FakeRazorpay":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: Dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def _authorised(self) -> bool:
                expected = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self._send(401, {"error": {"code": "BAD_REQUEST_ERROR",
                                               "description": "Authentication failed"}})
                    return False
                return True

            def _step(self, script: List[Any]) -> Any:
                with fake._lock:
                    return script.pop(0) if script else "ok"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append({"method": "POST", "path": self.path, "body": body,
                                      "auth": self.headers.get("Authorization")})
                if not self._authorised():
                    return
                step = self._step(fake.post_script)
                if isinstance(step, int):
                    return self._send(step, {"error": {"code": "BAD_REQUEST_ERROR" if step < 500 else
                                                       "SERVER_ERROR",
                                                       "description": f"fake error {step}"}})
                if step == "slow":
                    time.sleep(fake.slow_seconds)
                ref = body.get("reference_id")
                with fake._lock:
                    if ref in fake.links:
                        return self._send(400, {"error": {
                            "code": "BAD_REQUEST_ERROR",
                            "description": "payment link with given reference_id already exists"}})
                    n = len(fake.links) + 1
                    link = {"id": f"plink_fake{n:04d}", "short_url": f"https://rzp.io/i/fake{n:04d}",
                            "reference_id": ref, "amount": body.get("amount"), "status": "created",
                            "upi_link": body.get("upi_link"), "notes": body.get("notes")}
                    fake.links[ref] = link
                if step == "500-after":
                    return self._send(500, {"error": {"code": "SERVER_ERROR", "description": "oops"}})
                if step == "slow-after":
                    time.sleep(fake.slow_seconds)
                self._send(200, link)

            def do_GET(self):
                fake.requests.append({"method": "GET", "path": self.path,
                                      "auth": self.headers.get("Authorization")})
                if not self._authorised():
                    return
                step = self._step(fake.get_script)
                if isinstance(step, int):
                    return self._send(step, {"error": {"code": "SERVER_ERROR", "description": "down"}})
                parsed = urlparse(self.path)
                if parsed.path.rstrip("/") == "/v1/payment_links":
                    ref = (parse_qs(parsed.query).get("reference_id") or [None])[0]
                    found = [l for r, l in fake.links.items() if ref is None or r == ref]
                    return self._send(200, {"payment_links": found, "count": len(found)})
                if parsed.path.startswith("/v1/payment_links/"):
                    link_id = parsed.path.rsplit("/", 1)[-1]
                    for link in fake.links.values():
                        if link["id"] == link_id:
                            return self._send(200, link)
                self._send(404, {"error": {"code": "BAD_REQUEST_ERROR", "description": "not found"}})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
