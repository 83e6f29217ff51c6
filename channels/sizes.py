"""Webhook bodies over ``bijli.limits.MAX_WEBHOOK_BODY_BYTES`` are refused with 413.

Sanic (21.12) reads a whole body, up to its app-wide 100 MB, before any request
middleware runs, and Rasa's app serves model uploads too, so the limit is set per
channel. ``limit_body`` hooks the routing signal, which fires before the body is
read: a ``Content-Length`` over the limit is refused at once, and for a body
without one (chunked) the connection's own limit is lowered, so Sanic stops
reading at the limit. A request middleware then checks the length actually read.
Either way no HMAC is computed and no JSON parsed for such a body.
"""
import logging
from typing import Any, Optional

from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bijli.limits import MAX_WEBHOOK_BODY_BYTES

logger = logging.getLogger(__name__)


def declared_too_large(content_length: Optional[str]) -> bool:
    """True if a ``Content-Length`` header announces more than the limit."""
    value = (content_length or "").strip()
    return value.isdigit() and int(value) > MAX_WEBHOOK_BODY_BYTES


def _routes_of(bp: Blueprint, route: Any) -> bool:
    # Sanic names a blueprint's routes "<app>.<blueprint>.<handler>".
    name = getattr(route, "name", "") or ""
    return f".{bp.name}." in f".{name}"


def limit_body(bp: Blueprint) -> Blueprint:
    """``bp`` with every body it takes limited to ``MAX_WEBHOOK_BODY_BYTES`` (else 413)."""

    # Blueprint signals are not exclusive: this one sees every request of the app.
    @bp.signal("http.routing.after")
    async def before_the_body(request: Request, route: Any, **_: Any) -> None:
        if not _routes_of(bp, route):
            return
        if declared_too_large(request.headers.get("content-length")):
            logger.warning("%s %s refused: Content-Length %s over %d bytes", request.method,
                           request.path, request.headers.get("content-length"), MAX_WEBHOOK_BODY_BYTES)
            raise PayloadTooLarge("request body too large")
        stream = getattr(request, "stream", None)
        if stream is not None and hasattr(stream, "request_max_size"):
            stream.request_max_size = min(stream.request_max_size, MAX_WEBHOOK_BODY_BYTES)

    @bp.middleware("request")
    async def after_the_body(request: Request) -> Optional[HTTPResponse]:
        if len(request.body or b"") <= MAX_WEBHOOK_BODY_BYTES:
            return None
        logger.warning("%s %s refused: body of %d bytes over %d", request.method, request.path,
                       len(request.body), MAX_WEBHOOK_BODY_BYTES)
        return response.text("request body too large", status=413)

    return bp
