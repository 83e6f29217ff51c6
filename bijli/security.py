"""Who may talk to the servers: the production configuration check and token comparison.

``config_problems`` is a pure function over the settings; ``require_safe_config``
raises ``UnsafeConfigError`` naming every problem. Every server start calls the
latter (``bijli check-config`` in scripts/serve.sh, ``actions.server``, the REST
channel's ``from_credentials`` inside ``rasa run``), so production fails closed
however it is started. Problems name variables, never their values.
"""
import hmac
import ipaddress
import sys
from typing import List, Mapping, Optional
from urllib.parse import urlsplit

from bijli.settings import (
    DEMO_WEBHOOK_SECRET,
    DEMO_WHATSAPP_APP_SECRET,
    DEMO_WHATSAPP_VERIFY_TOKEN,
    DEVELOPMENT,
    PRODUCTION,
    Settings,
)

# Our own shared secrets are generated (e.g. `openssl rand -hex 32`); a short one is a typo
# or a placeholder, and guessable.
MIN_TOKEN_LENGTH = 16


class UnsafeConfigError(RuntimeError):
    """The configuration is not safe for the requested mode; ``problems`` names each variable."""

    def __init__(self, problems: List[str]) -> None:
        self.problems = list(problems)
        super().__init__("refusing to start (BIJLI_ENV=production): " + "; ".join(self.problems))


def _https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


def is_loopback(host: Optional[str]) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1: traffic that never leaves this machine."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _outside_url_problem(name: str, url: str) -> Optional[str]:
    """A service we send keys or tokens to: https, or plain http only to a loopback address
    (the tests' fake gateways; a local proxy)."""
    parts = urlsplit(url)
    if _https(url):
        return None
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return None
    return f"{name} must be an https:// URL (plain http only to a loopback address)"


def _secret_problem(name: str, value: Optional[str], demo: Optional[str] = None) -> Optional[str]:
    """Shared secrets are generated; a short one is a typo, a placeholder, or guessable."""
    if not value:
        return f"{name} is not set"
    if demo is not None and value == demo:
        return f"{name} has the development value"
    if len(value) < MIN_TOKEN_LENGTH:
        return f"{name} is shorter than {MIN_TOKEN_LENGTH} characters"
    return None


def config_problems(settings: Settings) -> List[str]:
    """Every reason these settings may not serve; empty in development (with a valid mode)."""
    if settings.mode not in (DEVELOPMENT, PRODUCTION):
        # Treated as production (fail closed), and said so, since it is most likely a typo.
        problems = [f"BIJLI_ENV must be '{DEVELOPMENT}' or '{PRODUCTION}'"]
    elif not settings.is_production:
        return []
    else:
        problems = []
    for name, value in (("RASA_API_TOKEN", settings.rasa_api_token),
                        ("ACTION_SERVER_TOKEN", settings.action_server_token)):
        problem = _secret_problem(name, value)
        if problem:
            problems.append(problem)
    problem = _secret_problem("PAYMENT_WEBHOOK_SECRET", settings.payment_webhook_secret, DEMO_WEBHOOK_SECRET)
    if problem:
        problems.append(problem)
    if settings.payment_provider == "demo":
        problems.append("PAYMENT_PROVIDER is 'demo' (no real gateway)")
    elif settings.payment_provider != "razorpay":
        problems.append("PAYMENT_PROVIDER must be 'razorpay'")
    else:
        if not settings.razorpay_key_id:
            problems.append("RAZORPAY_KEY_ID is not set")
        if not settings.razorpay_key_secret:
            problems.append("RAZORPAY_KEY_SECRET is not set")
        problem = _outside_url_problem("RAZORPAY_BASE_URL", settings.razorpay_base_url)
        if problem:
            problems.append(problem)
    # Settings fill these two with the demo values when unset, so one message covers both.
    for name, value, demo in (
            ("WHATSAPP_VERIFY_TOKEN", settings.whatsapp_verify_token, DEMO_WHATSAPP_VERIFY_TOKEN),
            ("WHATSAPP_APP_SECRET", settings.whatsapp_app_secret, DEMO_WHATSAPP_APP_SECRET)):
        if value == demo:
            problems.append(f"{name} is not set (or has the demo value)")
        elif len(value) < MIN_TOKEN_LENGTH:
            problems.append(f"{name} is shorter than {MIN_TOKEN_LENGTH} characters")
    if not settings.whatsapp_access_token:
        problems.append("WHATSAPP_ACCESS_TOKEN is not set")
    if not settings.whatsapp_phone_number_id:
        # Deliveries for any other number are dropped (channels/whatsapp.py), so it must be known.
        problems.append("WHATSAPP_PHONE_NUMBER_ID is not set")
    problem = _outside_url_problem("WHATSAPP_GRAPH_URL", settings.whatsapp_graph_url)
    if problem:
        problems.append(problem)
    if not _https(settings.public_base_url):
        problems.append("PUBLIC_BASE_URL must be an https:// URL")
    return problems


def require_safe_config(settings: Optional[Settings] = None) -> Settings:
    """Return the settings, or raise ``UnsafeConfigError`` listing every problem."""
    settings = settings if settings is not None else Settings.from_env()
    problems = config_problems(settings)
    if problems:
        raise UnsafeConfigError(problems)
    return settings


def token_matches(expected: Optional[str], given: Optional[str]) -> bool:
    """Constant-time comparison of a shared secret; nothing expected or given never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def presented_token(headers: Mapping[str, str], query_token: Optional[str]) -> Optional[str]:
    """The token a caller presented: ``Authorization: Bearer <t>``, else ``?token=<t>``."""
    auth = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, value = auth.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return query_token or None


def cmd_check_config(args, settings: Settings) -> int:
    """``bijli check-config``: exit 1 listing every problem (stderr), else 0."""
    # The web chat and the payment webhook's event age read their own variables.
    from bijli.payments.freshness import max_event_age_seconds
    from bijli.webchat import config_problems as webchat_problems

    problems = config_problems(settings) + webchat_problems()
    try:
        max_event_age_seconds()
    except ValueError as bad:
        problems.append(str(bad))
    if problems:
        print(f"refusing to start (BIJLI_ENV={settings.mode}):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"configuration OK for {settings.mode}")
    return 0


def add_commands(sub) -> None:
    """Register ``check-config`` with the ``bijli`` command."""
    p = sub.add_parser("check-config", help="exit 1, naming each variable, if the settings may not serve")
    p.set_defaults(func=cmd_check_config)
