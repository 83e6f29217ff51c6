"""The REST channel, behind the API token in production (a thin adapter).

Registered in credentials.yml as ``channels.rest.RestInput`` instead of the bare
``rest:``; it keeps the name ``rest`` and so the URL ``/webhooks/rest/webhook``.
REST believes whatever ``sender`` it is given, so anyone who can reach it can act
as any mobile number. Hence:

- development: it is Rasa's REST channel, for local testing (the servers listen on
  127.0.0.1 only);
- production: every request needs ``RASA_API_TOKEN`` as ``?token=`` or
  ``Authorization: Bearer``, else 401. It is for operators' checks and integrations;
  consumers come through signed channels (WhatsApp).

``from_credentials`` also runs the production settings check, so ``rasa run``
refuses to start however it was launched.
"""
import logging
import sys
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bijli.security import UnsafeConfigError, presented_token, require_safe_config, token_matches

logger = logging.getLogger(__name__)


def api_left_open(argv: Sequence[str]) -> bool:
    """True if this ``rasa run`` serves the HTTP API without ``--auth-token`` or ``--jwt-secret``."""
    args = list(argv)
    enabled = "--enable-api" in args
    guarded = any(a == flag or a.startswith(flag + "=")
                  for a in args for flag in ("--auth-token", "--jwt-secret"))
    return enabled and not guarded


class RestInput(RasaRestInput):
    """Rasa's REST channel; in production only for callers with the API token."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        settings = require_safe_config()     # raises: `rasa run` exits naming the variables
        if settings.is_production and api_left_open(sys.argv):
            # Rasa's --auth-token is a command-line flag we cannot see from the settings,
            # and without it /conversations/* and /model/* are open to anyone.
            raise UnsafeConfigError(["RASA_API_TOKEN must also be passed as --auth-token "
                                     "when the HTTP API is enabled (scripts/serve.sh does)"])
        return cls(api_token=settings.rasa_api_token if settings.is_production else None)

    def __init__(self, api_token: Optional[str] = None) -> None:
        # None: open (development). Set: every request must present it.
        self._api_token = api_token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        token = self._api_token
        if token is None:
            return bp

        # Blueprint middleware runs only for this channel's routes, not the rest of Rasa.
        @bp.middleware("request")
        async def require_token(request: Request) -> Optional[HTTPResponse]:
            if token_matches(token, presented_token(request.headers, request.args.get("token"))):
                return None
            logger.warning("rest: %s %s refused (no valid token)", request.method, request.path)
            return response.json({"error": "unauthorized"}, status=401)

        return bp
