"""Who may talk to the servers: the production configuration check and token comparison.

``config_problems`` is a pure function over the settings; ``require_safe_config``
raises ``UnsafeConfigError`` naming every problem. Every server start calls the
latter (``bijli check-config`` in scripts/serve.sh, ``actions.server``, the REST
channel's ``from_credentials`` inside ``rasa run``), so production fails closed
however it is started. Problems name variables, never their values.
"""
import hmac
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


def _token_problem(name: str, value: Optional[str]) -> Optional[str]:
    if not value:
        return f"{name} is not set"
    if len(value) < MIN_TOKEN_LENGTH:
        return f"{name} is shorter than {MIN_TOKEN_LENGTH} characters"
    return None


def _https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


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
        problem = _token_problem(name, value)
        if problem:
            problems.append(problem)
    if not settings.payment_webhook_secret:
        problems.append("PAYMENT_WEBHOOK_SECRET is not set")
    elif settings.payment_webhook_secret == DEMO_WEBHOOK_SECRET:
        problems.append("PAYMENT_WEBHOOK_SECRET has the development value")
    if settings.payment_provider == "demo":
        problems.append("PAYMENT_PROVIDER is 'demo' (no real gateway)")
    elif settings.payment_provider != "razorpay":
        problems.append("PAYMENT_PROVIDER must be 'razorpay'")
    else:
        if not settings.razorpay_key_id:
            problems.append("RAZORPAY_KEY_ID is not set")
        if not settings.razorpay_key_secret:
            problems.append("RAZORPAY_KEY_SECRET is not set")
    # Settings fill these two with the demo values when unset, so one message covers both.
    if settings.whatsapp_verify_token == DEMO_WHATSAPP_VERIFY_TOKEN:
        problems.append("WHATSAPP_VERIFY_TOKEN is not set (or has the demo value)")
    if settings.whatsapp_app_secret == DEMO_WHATSAPP_APP_SECRET:
        problems.append("WHATSAPP_APP_SECRET is not set (or has the demo value)")
    if not settings.whatsapp_access_token:
        problems.append("WHATSAPP_ACCESS_TOKEN is not set")
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
    problems = config_problems(settings)
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
