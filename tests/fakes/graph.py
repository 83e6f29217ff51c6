"""A fake WhatsApp Cloud (Graph) API on loopback, for channel tests.

- ``POST /{version}/{phone_number_id}/messages``  records the JSON body, answers
  ``{"messages": [{"id": "wamid.fake..."}]}``;
- ``POST /{version}/{phone_number_id}/media``  parses the multipart upload,
  keeps the file, answers ``{"id": "media-N"}``;
- ``GET /files/<name>``  serves ``files[name]`` (a stand-in for our own server's QR image);
- ``GET /{version}/{phone_number_id}/payments/{configuration}/{reference_id}``  Meta's
  payments lookup (WhatsApp Pay): answers ``{"data": [payments[reference_id]]}``, so a test
  makes it agree or disagree with a status; an int there is answered as that HTTP error;
  an unknown reference gets 404. Recorded (``lookups()``).

A wrong bearer token gets Meta's 401 (code 190). ``script`` makes the next
calls misbehave, one entry per call: ``"ok"``; an HTTP status (``500``, ``503``,
``429``) with a generic error; or ``(http_status, meta_code)`` such as
``(400, 131050)``, answered in Meta's error format.
"""
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

TOKEN = "fake-graph-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"

META_MESSAGES = {
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    80007: "Rate limit issues",
}


class FakeGraph:
    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.media: Dict[str, Dict[str, Any]] = {}      # media id -> {"data", "type", "fields"}
        self.files: Dict[str, Tuple[bytes, str]] = {}   # name -> (bytes, content type)
        self.payments: Dict[str, Any] = {}   # reference_id -> the lookup's payment object (or HTTP status)
        self.script: List[Any] = []
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def messages(self, to: Optional[str] = None) -> List[Dict[str, Any]]:
        """The message bodies received (answered or not), oldest first."""
        return [r["body"] for r in self.requests if r["path"].endswith("/messages")
                and (to is None or r["body"].get("to") == to)]

    def sent(self, to: Optional[str] = None) -> List[Dict[str, Any]]:
        """The message bodies that were accepted (answered 200)."""
        return [r["body"] for r in self.requests if r["path"].endswith("/messages") and r["answered"] == 200
                and (to is None or r["body"].get("to") == to)]

    def lookups(self) -> List[Dict[str, Any]]:
        """The payments lookups received (path, auth, answered)."""
        return [r for r in self.requests if "/payments/" in r["path"] and r.get("method") == "GET"]

    @staticmethod
    def payment(reference_id: str, amount_paise: int, transaction_id: str, status: str = "captured",
                transaction_status: str = "success", currency: str = "INR") -> Dict[str, Any]:
        """A payment object as Meta's lookup returns it (for ``payments[reference_id]``)."""
        amount = {"value": amount_paise, "offset": 100}
        return {"reference_id": reference_id, "status": status, "currency": currency, "amount": amount,
                "transactions": [{"id": transaction_id, "type": "razorpay", "status": transaction_status,
                                  "amount": amount, "currency": currency,
                                  "method": {"type": "upi"}}]}

    def uploads(self) -> List[Dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/media")]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> "FakeGraph":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _error(self, status: int, code: int, message: str) -> None:
                self._send(status, {"error": {"message": message, "type": "OAuthException", "code": code,
                                              "fbtrace_id": "AfakeTrace"}})

            def do_GET(self) -> None:
                name = self.path.split("?")[0].rsplit("/", 1)[-1]
                if self.path.startswith("/files/") and name in fake.files:
                    data, ctype = fake.files[name]
                    return self._send(200, data, ctype)
                prefix = f"/{VERSION}/{PHONE_NUMBER_ID}/payments/"
                if self.path.startswith(prefix):
                    return self._lookup(unquote(name))
                self._send(404, b"not found", "text/plain")

            def _lookup(self, reference_id: str) -> None:
                record: Dict[str, Any] = {"method": "GET", "path": self.path, "reference_id": reference_id,
                                          "auth": self.headers.get("Authorization"), "answered": None}
                with fake._lock:
                    fake.requests.append(record)
                    found = fake.payments.get(reference_id)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    record["answered"] = 401
                    return self._error(401, 190, "Invalid OAuth access token")
                if isinstance(found, int):
                    record["answered"] = found
                    return self._error(found, 1 if found >= 500 else 100, f"fake HTTP {found}")
                if found is None:
                    record["answered"] = 404
                    return self._error(404, 100, "Payment not found")
                record["answered"] = 200
                self._send(200, {"data": [found]})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ctype = self.headers.get("Content-Type") or ""
                record: Dict[str, Any] = {"path": self.path, "auth": self.headers.get("Authorization"),
                                          "content_type": ctype, "answered": None}
                if ctype.startswith("multipart/form-data"):
                    record["fields"], record["file"] = _multipart(ctype, raw)
                else:
                    try:
                        record["body"] = json.loads(raw or b"{}")
                    except ValueError:
                        record["body"] = {"_raw": raw.decode("utf-8", "replace")}
                with fake._lock:
                    fake.requests.append(record)
                    step = fake.script.pop(0) if fake.script else "ok"
                prefix = f"/{VERSION}/{PHONE_NUMBER_ID}/"
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    record["answered"] = 401
                    return self._error(401, 190, "Invalid OAuth access token")
                if not self.path.startswith(prefix):
                    record["answered"] = 400
                    return self._error(400, 100, "Unsupported post request")
                if isinstance(step, int):
                    record["answered"] = step
                    return self._error(step, 1 if step >= 500 else 4, f"fake HTTP {step}")
                if isinstance(step, tuple):
                    status, code = step
                    record["answered"] = status
                    return self._error(status, code, META_MESSAGES.get(code, "fake error"))
                record["answered"] = 200
                edge = self.path[len(prefix):].split("?")[0]
                if edge == "messages":
                    n = len(fake.sent())
                    to = record["body"].get("to")
                    return self._send(200, {"messaging_product": "whatsapp",
                                            "contacts": [{"input": to, "wa_id": to}],
                                            "messages": [{"id": f"wamid.fake{n:04d}"}]})
                if edge == "media":
                    with fake._lock:
                        media_id = f"media-{len(fake.media) + 1}"
                        fake.media[media_id] = {"data": (record.get("file") or {}).get("data"),
                                                "type": (record.get("file") or {}).get("type"),
                                                "fields": record.get("fields")}
                    return self._send(200, {"id": media_id})
                record["answered"] = 400
                self._error(400, 100, "Unknown edge")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def _multipart(content_type: str, raw: bytes) -> Tuple[Dict[str, str], Dict[str, Any]]:
    """Form fields and the uploaded file of a multipart/form-data body."""
    msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    fields: Dict[str, str] = {}
    upload: Dict[str, Any] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if part.get_filename():
            upload = {"name": name, "filename": part.get_filename(), "type": part.get_content_type(),
                      "data": data}
        else:
            fields[name] = data.decode("utf-8")
    return fields, upload
