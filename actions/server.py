"""The action server with a shared secret: ``python -m actions.server --port 5055``.

rasa-sdk 3.6 has no authentication and binds to 0.0.0.0, so anyone who can reach
:5055 could run our actions with a made-up tracker (any sender, any slots). This
entry point builds rasa-sdk's own app (``create_app``) and adds a request
middleware: every route except ``/health`` needs ``ACTION_SERVER_TOKEN``, sent by
Rasa from ``action_endpoint`` in endpoints.yml as ``Authorization: Bearer`` (or
``?token=``). It binds to ``ACTION_HOST`` (default 127.0.0.1). In production the
settings check runs first and a missing token refuses to start; in development
with no token the server is open, but only on the loopback address by default.
"""
import logging
import sys
from typing import Callable, List, Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bijli.security import UnsafeConfigError, presented_token, require_safe_config, token_matches

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})    # load balancers and our harness poll it without a token


def token_middleware(token: Optional[str]) -> Callable:
    """A Sanic request middleware answering 401 unless the caller presents ``token``."""

    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if token is None or request.path in OPEN_PATHS:
            return None
        given = presented_token(request.headers, request.args.get("token"))
        if token_matches(token, given):
            return None
        logger.warning("action server: %s %s refused (no valid token)", request.method, request.path)
        return response.json({"error": "unauthorized"}, status=401)

    return require_token


def create_app(actions: str, token: Optional[str], cors_origins=None,
               auto_reload: bool = False) -> Sanic:
    """rasa-sdk's app for ``actions`` with the token check in front of every route."""
    from rasa_sdk.endpoint import create_app as sdk_create_app

    app = sdk_create_app(actions, cors_origins=cors_origins, auto_reload=auto_reload)
    app.register_middleware(token_middleware(token), "request")
    return app


def main(argv: Optional[List[str]] = None) -> int:
    """Check the settings, then serve the actions until stopped; 1 if the settings refuse."""
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser, create_ssl_context
    from rasa_sdk.plugin import plugin_manager

    args = create_argument_parser().parse_args(argv)
    try:
        settings = require_safe_config()
    except UnsafeConfigError as e:
        print("action server: " + str(e), file=sys.stderr)
        return 1
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file,
                                 args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()
    token = settings.action_server_token
    if token is None:
        logger.warning("ACTION_SERVER_TOKEN is not set: the action server is open to anyone "
                       "who can reach %s (development only)", settings.action_host)
    app = create_app(args.actions or "actions", token, cors_origins=args.cors,
                     auto_reload=args.auto_reload)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info("action server on %s:%s (%s)", settings.action_host, args.port,
                "token required" if token else "no token")
    app.run(settings.action_host, args.port, ssl=ssl_context,
            workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
