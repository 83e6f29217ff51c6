"""The web chat page and its socket.io channel (a thin adapter; issue 9, part 4).

Two channels, both in credentials.yml:

- ``channels.webchat.WebChatInput`` (``webchat``) serves the page from ``web/`` at
  ``GET /webhooks/webchat/`` and its files under ``/webhooks/webchat/static/``: no build
  step, no CDN (the socket.io client is vendored in ``web/vendor/``).
- ``channels.webchat.SocketIOInput`` (keeps Rasa's name ``socketio``, so a payment
  confirmation pushed by ``channels/payments.py`` finds it as the conversation's output
  channel) carries the messages on ``/socket.io``. It is Rasa's socket.io channel with
  two fixes:
    * Rasa 3.6 calls python-socketio 5's ``enter_room`` without awaiting it, so with
      ``session_persistence`` the page never joins its session's room and sees no reply;
    * the sender is the session id, and a chosen one ("919812345678") would take the
      registered-mobile path of someone else's number: only server-made UUIDs are accepted.

In production (``BIJLI_ENV=production``) both stay closed unless ``WEBCHAT_ENABLED=true``:
a page anyone can open is a demo and design tool, not a consumer channel.
"""
import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
# Only these files are served (no directory walking from a URL).
STATIC_FILES = {
    "app.js": "application/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "vendor/socket.io.min.js": "application/javascript; charset=utf-8",
}
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_MESSAGE_CHARS = 4096


def webchat_enabled(env: Optional[Dict[str, str]] = None) -> bool:
    """Open outside production; in production only with WEBCHAT_ENABLED=true."""
    source: Mapping[str, str] = os.environ if env is None else env
    if (source.get("BIJLI_ENV") or "development").strip().lower() != "production":
        return True
    return (source.get("WEBCHAT_ENABLED") or "").strip().lower() in ("1", "true", "yes")


def valid_session_id(value: Any) -> bool:
    """True for a session id this server could have made (uuid4().hex)."""
    return isinstance(value, str) and bool(SESSION_ID.match(value))


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel, with the room joined and server-made session ids only."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SocketIOInput":
        credentials = dict(credentials or {})
        credentials.setdefault("session_persistence", True)
        return cls(credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"),
                   credentials.get("namespace"),
                   bool(credentials.get("session_persistence")),
                   credentials.get("socketio_path", "/socket.io"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Same origin only: the page is served by this server.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            return webchat_enabled()

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            asked = (data or {}).get("session_id")
            session_id = asked if valid_session_id(asked) else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            sender_id = data.get("session_id") if self.session_persistence else sid
            if not valid_session_id(sender_id) and self.session_persistence:
                logger.warning("socketio: a message without a valid session id was ignored")
                return
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                return
            await on_new_message(UserMessage(text[:MAX_MESSAGE_CHARS], SocketIOOutput(sio, self.bot_message_evt),
                                             sender_id, input_channel=self.name()))

        return bp


class WebChatInput(InputChannel):
    """Serves the web chat page and its static files."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("webchat_page", __name__)

        @bp.route("/", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            if not webchat_enabled():
                return response.text("not found", status=404)
            return await response.file(WEB_DIR / "index.html", mime_type="text/html; charset=utf-8",
                                       headers={"Cache-Control": "no-store"})

        @bp.route("/static/<name:path>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            mime = STATIC_FILES.get(name)
            if mime is None or not webchat_enabled():
                return response.text("not found", status=404)
            return await response.file(WEB_DIR / name, mime_type=mime)

        return bp
