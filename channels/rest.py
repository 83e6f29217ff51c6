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
refuses to start however it was launched: in production its ``--auth-token`` must
be ``RASA_API_TOKEN`` (the token operators and integrations are given), read from
the command line with Rasa's own parser (``-t``, ``--auth-token=``, abbreviations).
A message is cut to ``MAX_MESSAGE_CHARS`` and a body over ``MAX_WEBHOOK_BODY_BYTES``
is refused (413) before it is parsed (channels/sizes.py).
"""
import argparse
import logging
import sys
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bijli.limits import clip_message
from bijli.security import UnsafeConfigError, presented_token, require_safe_config, token_matches
from bijli.settings import Settings
from channels.busy import answer_when_busy
from channels.sizes import limit_body

logger = logging.getLogger(__name__)


def rasa_arguments(argv: Sequence[str]) -> Optional[argparse.Namespace]:
    """``argv`` (``sys.argv``) as Rasa's command line reads it; None if it is not one."""
    from rasa.__main__ import create_argument_parser

    try:
        args, _ = create_argument_parser().parse_known_args(list(argv)[1:])
    except SystemExit:          # argparse's way of saying "not a Rasa command line"
        return None
    return args


def api_left_open(argv: Sequence[str]) -> bool:
    """True if this ``rasa run`` serves the HTTP API without ``--auth-token`` or ``--jwt-secret``."""
    args = rasa_arguments(argv)
    if args is None:
        return False
    guarded = getattr(args, "auth_token", None) or getattr(args, "jwt_secret", None)
    return bool(getattr(args, "enable_api", False)) and not guarded


def api_token_problems(argv: Sequence[str], settings: Settings) -> List[str]:
    """Why this ``rasa run`` may not serve in production: an open API, or a token that is not ours."""
    problems = []
    if api_left_open(argv):
        # Without it /conversations/* and /model/* are open to anyone.
        problems.append("RASA_API_TOKEN must also be passed as --auth-token "
                        "when the HTTP API is enabled (scripts/serve.sh does)")
    args = rasa_arguments(argv)
    given = getattr(args, "auth_token", None) if args is not None else None
    if given and not token_matches(settings.rasa_api_token, given):
        # Another token would open the API to whoever has it, unchecked by check-config.
        problems.append("the --auth-token given to rasa run is not RASA_API_TOKEN")
    return problems


class RestInput(RasaRestInput):
    """Rasa's REST channel; in production only for callers with the API token."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        settings = require_safe_config()     # raises: `rasa run` exits naming the variables
        if settings.is_production:
            # Rasa's --auth-token is a command-line flag we cannot see from the settings.
            problems = api_token_problems(sys.argv, settings)
            if problems:
                raise UnsafeConfigError(problems)
        return cls(api_token=settings.rasa_api_token if settings.is_production else None)

    def __init__(self, api_token: Optional[str] = None) -> None:
        # None: open (development). Set: every request must present it.
        self._api_token = api_token

    def _extract_message(self, req: Request) -> Optional[Text]:
        text = super()._extract_message(req)
        if not isinstance(text, str):
            return text
        sender = req.json.get("sender")
        return clip_message(text, self.name(), sender if isinstance(sender, str) else "")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        bp = limit_body(super().blueprint(answer_when_busy(on_new_message)))
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
