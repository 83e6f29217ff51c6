"""The web chat page and its socket.io channel (a thin adapter; issue 9 part 4, issue 18 item 4).

Two channels, both in credentials.yml:

- ``channels.webchat.WebChatInput`` (``webchat``) serves the page from ``web/`` at
  ``GET /webhooks/webchat/`` and its files under ``/webhooks/webchat/static/``: no build
  step, no CDN (the socket.io client is vendored in ``web/vendor/``).
- ``channels.webchat.SocketIOInput`` (keeps Rasa's name ``socketio``, so a payment
  confirmation pushed by ``channels/payments.py`` finds it as the conversation's output
  channel) carries the messages on ``/socket.io``. Unlike Rasa's socket.io channel:
    * the session id is issued and signed by the server (bijli/webchat.py); an id the
      page offers back is kept only if it verifies, anything else gets a new one;
    * a message's sender is the session stored for its socket, never a field of the
      message (Rasa believes ``session_id`` in every message);
    * only the page's own origin may open a socket (Rasa passes ``cors_allowed_origins=[]``,
      which turns python-engineio's origin check off);
    * per client address: at most ``WEBCHAT_MAX_SOCKETS_PER_IP`` sockets at once and
      ``WEBCHAT_MESSAGES_PER_MINUTE`` messages in any minute, refused with a message;
    * each message carries a key of the client's address, so the daily IVRS lookup limit
      also counts per address (bijli/lookups.py), and is cut to ``MAX_MESSAGE_CHARS``.
  Nothing in these handlers touches the database or the network: they run on Rasa's loop.

In production (``BIJLI_ENV=production``) both stay closed unless ``WEBCHAT_ENABLED=true``,
and then ``rasa run`` refuses to start without a strong ``WEBCHAT_SECRET``.
"""
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio import exceptions as sio_errors

from bijli.i18n import t
from bijli.limits import clip_message
from bijli.ratelimit import ConnectionCounter, SlidingWindowLimiter
from bijli.webchat import (
    CLIENT_KEY,
    WEBCHAT_CHANNEL,
    WebChatConfig,
    client_address,
    client_network,
    mask_address,
    webchat_enabled,
)
from channels.busy import answer_when_busy

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
# Only these files are served (no directory walking from a URL).
STATIC_FILES = {
    "app.js": "application/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "vendor/socket.io.min.js": "application/javascript; charset=utf-8",
}

__all__ = ["SocketIOInput", "WebChatInput", "webchat_enabled"]


def both_languages(key: str, **values: Any) -> str:
    """A refusal made before the conversation's language is known: Hindi, then English."""
    return t(key, "hi", **values) + "\n" + t(key, "en", **values)


def network_of(environ: Dict[str, Any], config: WebChatConfig) -> str:
    """The client's network (bijli.webchat.client_network) from the socket's request."""
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", "") or ""   # engineio's REMOTE_ADDR is always 127.0.0.1 under Sanic
    return client_network(client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), config.trusted_proxies))


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel with server-signed sessions, an origin check and per-address limits."""

    config: Optional[WebChatConfig] = None

    @classmethod
    def name(cls) -> Text:
        return WEBCHAT_CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SocketIOInput":
        """Reads the web chat's settings now, so that an unsafe production setup stops `rasa run`."""
        credentials = dict(credentials or {})
        channel = cls(credentials.get("user_message_evt", "user_uttered"),
                      credentials.get("bot_message_evt", "bot_uttered"),
                      credentials.get("namespace"),
                      True,
                      credentials.get("socketio_path", "/socket.io"))
        channel.config = WebChatConfig.from_env()
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        config = self.config = self.config or WebChatConfig.from_env()
        on_new_message = answer_when_busy(on_new_message)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=list(config.origins))
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace
        sockets = ConnectionCounter(config.sockets_per_ip)
        events = SlidingWindowLimiter(config.messages_per_minute, 60.0)
        networks: Dict[str, str] = {}   # socket id -> client network
        senders: Dict[str, str] = {}    # socket id -> its session (the conversation's sender)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def within_rate(sid: Text, network: str) -> bool:
            if events.allow(network):
                return True
            logger.warning("webchat: event refused for %s (over %d a minute)", mask_address(network),
                           config.messages_per_minute)
            await sio.emit(self.bot_message_evt,
                           {"text": both_languages("webchat_too_many_messages", limit=config.messages_per_minute),
                            "rate_limited": True}, room=sid, namespace=namespace)
            return False

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not webchat_enabled():
                return False
            network = network_of(environ, config)
            if not sockets.acquire(network):
                logger.warning("webchat: socket refused for %s (%d open)", mask_address(network),
                               config.sockets_per_ip)
                refusal = both_languages("webchat_too_many_sockets", limit=config.sockets_per_ip)
                raise sio_errors.ConnectionRefusedError(refusal)
            networks[sid] = network
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: Text, reason: Any = None) -> None:
            senders.pop(sid, None)
            network = networks.pop(sid, None)
            if network is not None:
                sockets.release(network)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any) -> None:
            network = networks.get(sid)
            if network is None or not await within_rate(sid, network):
                return
            offered = data.get("session_id") if isinstance(data, dict) else None
            sender = config.signer.verify(offered)
            token = config.signer.token_for(sender) if sender else config.signer.issue()
            sender = sender or token[:32]
            previous = senders.get(sid)
            if previous and previous != sender:
                await sio.leave_room(sid, previous, namespace=namespace)
            senders[sid] = sender
            await sio.enter_room(sid, sender, namespace=namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            network, sender = networks.get(sid), senders.get(sid)
            if network is None or not await within_rate(sid, network):
                return
            if sender is None:
                logger.warning("webchat: a message before session_request was ignored")
                return
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str) or not text.strip():
                return
            await on_new_message(UserMessage(
                clip_message(text, "webchat", sender), SocketIOOutput(sio, self.bot_message_evt), sender,
                input_channel=self.name(), metadata={CLIENT_KEY: config.signer.client_key(network)}))

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
